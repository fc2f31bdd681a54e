/* sd: iamd's only contact with libsystemd (the adapter file is sd.c):
 * logging (journal fields under systemd, stderr otherwise), readiness
 * notification, and the socket passed by socket activation. Messages never
 * carry secrets: callers log names, ids and key ids only. */
#pragma once
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <syslog.h>
#include <sys/types.h>

struct call;

/* Decides where logs go: the journal when stderr is connected to it
 * (JOURNAL_STREAM) or `journal` is forced, stderr otherwise. `debug` lets
 * LOG_DEBUG through. */
void iamd_log_setup(bool journal, bool debug);

void iamd_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Like iamd_log(), but at most a few dozen lines per second: for events a
 * peer can cause (bad frames, refused connections). The count of dropped
 * lines is logged when logging resumes. */
void iamd_log_limited(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A line about one call, with the journal fields IAM_REQUEST_ID,
 * IAM_ACTION, IAM_PRINCIPAL and IAM_ERROR_CODE. Rate-limited. */
void iamd_log_call(int prio, const struct call *c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The audit trail's one-line summary of a denial or a credential issue
 * (audit.h): a journal entry with IAM_EVENT_ID, IAM_PRINCIPAL, IAM_ACTION
 * and IAM_DECISION under systemd, else a line on stderr with --debug. */
void iamd_log_audit(const char *event_id, const char *principal,
		    const char *action, const char *decision, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* The systemd unit of a process ("foo.service"), when libsystemd knows it:
 * 0 and ret set, else negative errno. */
int iamd_pid_unit(pid_t pid, char *ret, size_t size);

/* sd_notify(); a no-op outside systemd. `state` is e.g. "READY=1". */
void iamd_notify(const char *state);
void iamd_notifyf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The listening socket passed by systemd: 1 and *ret_fd set if there is
 * one, 0 if none was passed, negative errno if what was passed is not one
 * listening AF_UNIX stream socket. */
int iamd_listen_fd(int *ret_fd);
