/* sd: the libsystemd adapter (sd.h). */
#include "config.h"
#include "sd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <systemd/sd-login.h>
#include <time.h>
#include <unistd.h>

#include "call.h"

#define LOG_LIMIT_PER_SEC 50

static bool log_journal;
static bool log_debug;
static time_t limit_second;
static unsigned limit_count, limit_dropped;

/* JOURNAL_STREAM=dev:ino names stderr when systemd connected it to the
 * journal; then structured entries go there directly. */
static bool stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

void iamd_log_setup(bool journal, bool debug)
{
	/* --journal without a journal to write to would lose every line */
	if (journal && access("/run/systemd/journal/socket", W_OK) < 0)
		journal = false;
	log_journal = journal || stderr_is_journal();
	log_debug = debug;
}

static void log_v(int prio, const char *req_id, const char *action,
		  const char *principal, const char *code, const char *fmt,
		  va_list ap)
{
	char msg[1024];
	if (prio == LOG_DEBUG && !log_debug)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_journal) {
		sd_journal_send("MESSAGE=%s", msg, "PRIORITY=%d", prio,
				"SYSLOG_IDENTIFIER=iamd",
				"IAM_REQUEST_ID=%s", req_id ? req_id : "",
				"IAM_ACTION=%s", action ? action : "",
				"IAM_PRINCIPAL=%s", principal ? principal : "",
				"IAM_ERROR_CODE=%s", code ? code : "",
				NULL);
		return;
	}
	if (req_id)
		fprintf(stderr, "iamd: %s [request %s]\n", msg, req_id);
	else
		fprintf(stderr, "iamd: %s\n", msg);
}

void iamd_log(int prio, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_v(prio, NULL, NULL, NULL, NULL, fmt, ap);
	va_end(ap);
}

/* true if one more peer-caused line may be logged this second */
static bool limit_pass(void)
{
	time_t now = time(NULL);
	if (now != limit_second) {
		unsigned dropped = limit_dropped;
		limit_second = now;
		limit_count = 0;
		limit_dropped = 0;
		if (dropped)
			iamd_log(LOG_WARNING, "%u log lines suppressed (rate limit)",
				 dropped);
	}
	if (limit_count >= LOG_LIMIT_PER_SEC) {
		limit_dropped++;
		return false;
	}
	limit_count++;
	return true;
}

void iamd_log_limited(int prio, const char *fmt, ...)
{
	va_list ap;
	if (prio == LOG_DEBUG && !log_debug)
		return;
	if (!limit_pass())
		return;
	va_start(ap, fmt);
	log_v(prio, NULL, NULL, NULL, NULL, fmt, ap);
	va_end(ap);
}

void iamd_log_call(int prio, const struct call *c, const char *fmt, ...)
{
	va_list ap;
	char principal[64];
	if (prio == LOG_DEBUG && !log_debug)
		return;
	if (!limit_pass())
		return;
	if (c->caller.arn)
		snprintf(principal, sizeof(principal), "%s", c->caller.arn);
	else
		snprintf(principal, sizeof(principal), "uid:%u",
			 (unsigned)c->caller.uid);
	va_start(ap, fmt);
	log_v(prio, c->request_id, c->op ? c->op->action : NULL, principal,
	      c->err_code, fmt, ap);
	va_end(ap);
}

void iamd_notify(const char *state)
{
	sd_notify(0, state);
}

void iamd_notifyf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sd_notify(0, buf);
}

int iamd_listen_fd(int *ret_fd)
{
	int n = sd_listen_fds(1);
	if (n < 0)
		return n;
	if (n == 0)
		return 0;
	if (n > 1)
		return -E2BIG;
	int fd = SD_LISTEN_FDS_START;
	int r = sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0);
	if (r < 0)
		return r;
	if (r == 0)
		return -ENOTSOCK;
	*ret_fd = fd;
	return 1;
}

void iamd_log_audit(const char *event_id, const char *principal,
		    const char *action, const char *decision, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	if (!log_journal && !log_debug)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_journal) {
		sd_journal_send("MESSAGE=%s", msg, "PRIORITY=%d", LOG_NOTICE,
				"SYSLOG_IDENTIFIER=iamd",
				"IAM_EVENT_ID=%s", event_id,
				"IAM_PRINCIPAL=%s", principal,
				"IAM_ACTION=%s", action,
				"IAM_DECISION=%s", decision, NULL);
		return;
	}
	fprintf(stderr, "iamd: %s [event %s]\n", msg, event_id);
}

int iamd_pid_unit(pid_t pid, char *ret, size_t size)
{
	char *unit = NULL;
	int r = sd_pid_get_unit(pid, &unit);
	if (r < 0)
		return r;
	if (strlen(unit) >= size) {
		free(unit);
		return -ENAMETOOLONG;
	}
	memcpy(ret, unit, strlen(unit) + 1);
	free(unit);
	return 0;
}
