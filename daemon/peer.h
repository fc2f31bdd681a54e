/* peer: who is asking, in the kernel's words. From a connected AF_UNIX
 * socket: SO_PEERCRED (pid, uid, gid at connect time) and a pidfd of the
 * peer (SO_PEERPIDFD where the kernel has it, Linux >= 6.5; else
 * pidfd_open(pid) right after accept, accepted only if the process under
 * that pid started before the connection was accepted and has the peer's
 * uid). What is read about the process through /proc (its systemd unit and
 * cgroup, the unit's invocation id, its executable) is trusted only when
 * the pidfd says, AFTER the reads, that the process is still alive: a pid
 * can only be reused once its process is gone, so a reused pid cannot pass
 * for the peer. No libsystemd: the unit comes from /proc/PID/cgroup as
 * systemd's sd_pid_get_unit() reads it (peer_cgroup_unit()), the
 * invocation id from the cgroup's trusted.invocation_id (or
 * user.invocation_id) xattr. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PEER_UNIT_MAX 256
#define PEER_PATH_MAX 4096
#define PEER_INVOCATION_MAX 33        /* 32 hex digits */

struct peer_ident {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	int pidfd;                        /* -1: none (then nothing below is set) */
	bool pidfd_from_kernel;           /* SO_PEERPIDFD, not pidfd_open */
	uint64_t start_time;              /* /proc/PID/stat starttime, clock ticks
					   * (0: not read, peer_ident_from_pidfd) */
	char unit[PEER_UNIT_MAX];         /* "" when not in a unit */
	char invocation_id[PEER_INVOCATION_MAX];   /* "" when unknown */
	char exe[PEER_PATH_MAX];          /* "" when unreadable */
	char cgroup[PEER_PATH_MAX];       /* the v2 cgroup path, "" if none */
};

/* Fills *ret from connected socket fd: credentials, pidfd, start time, then
 * unit, cgroup, invocation id and exe, and checks the process is still
 * alive after those reads. -ESRCH when the peer is gone (or its pid does
 * not refer to it any more), -EPERM when the process under the pid cannot
 * be the peer; other negative errno on failure. Release with
 * peer_ident_close(). */
int peer_ident_from_socket(int fd, struct peer_ident *ret);
/* The same from credentials already taken (SO_PEERCRED at accept), with
 * pidfd_open(pid): the process under the pid must have uid `uid` and have
 * started before wall-clock second `since` (the connection's accept; 0:
 * now), else -EPERM. Weaker than from_socket() with SO_PEERPIDFD: a pid
 * reused between the peer's exit and `since` is not detected. */
int peer_ident_from_pid(pid_t pid, uid_t uid, gid_t gid, int64_t since,
			struct peer_ident *ret);
/* 0 while the peer process is alive (its pid still refers to it), -ESRCH
 * once it has exited. */
int peer_ident_alive(const struct peer_ident *p);
void peer_ident_close(struct peer_ident *p);

/* At accept: a pidfd for the peer of connected socket `fd` whose
 * SO_PEERCRED said pid `pid`, uid `uid`: SO_PEERPIDFD where the kernel has
 * it, else pidfd_open(pid) accepted only if that process has uid `uid` and
 * started no later than now. The server keeps it with the connection
 * (server.c) and closes it with the connection. Negative errno on failure
 * (-ESRCH: the peer is already gone; -EPERM: the process under the pid
 * cannot be the peer). */
int peer_pidfd_take(int fd, pid_t pid, uid_t uid, int *ret_pidfd);
/* At request time: the identity of the connection's peer through the
 * pidfd taken at accept (peer_pidfd_take()). Its cgroup comes from the
 * pidfd itself where the kernel says (PIDFD_GET_INFO, Linux >= 6.13: the
 * cgroup id, mapped to its path and unit by a small cache of cgroups seen
 * before, each entry checked against the directory's inode when made),
 * else from /proc/PID/cgroup; the unit's invocation id from the cgroup's
 * xattr, the executable from /proc/PID/exe; and the process must still be
 * alive AFTER those reads, else -ESRCH: the process that connected is
 * gone, and whoever holds the connection now (a child it passed the
 * socket to, or anyone under a reused pid) is not identified as it. The
 * pidfd stays the caller's: ret->pidfd is -1 on return
 * (peer_ident_close() is a no-op). One thread at a time (the cache). */
int peer_ident_from_pidfd(int pidfd, pid_t pid, uid_t uid, gid_t gid,
			  struct peer_ident *ret);

/* A connection's peer identity kept between its GetCredentials calls (one
 * per connection, made by the first call, freed with the connection):
 * peer_cache_ident() reads it as peer_ident_from_pidfd() does the first
 * time, then, where the kernel gives the pidfd's cgroup id
 * (PIDFD_GET_INFO), answers from what it read as long as the process is
 * alive (poll on the pidfd: an exited process, a zombie too, gives -ESRCH)
 * and still in the cgroup it was read in; a process that moved to another
 * cgroup is read again (unit, cgroup, invocation id and exe), one whose
 * kernel cannot say is read again on every call. So per call: two
 * syscalls on the pidfd, no /proc. What is kept is the identity as of its
 * reading: the executable (iamd:ExePath) is the one the process ran then,
 * even if it has since exec'd another (it could have handed over the
 * credentials as well), and the invocation id the one its cgroup had then
 * (docs/host-roles.md). *ret points into *cache, valid until the next
 * call with it or peer_cache_free(). */
struct peer_cache;
int peer_cache_ident(struct peer_cache **cache, int pidfd, pid_t pid, uid_t uid, gid_t gid,
		     const struct peer_ident **ret);
void peer_cache_free(struct peer_cache *pc);   /* accepts NULL */

/* The systemd (system manager) unit of a cgroup v2 path, as
 * sd_pid_get_unit() finds it: the FIRST component with a unit suffix
 * (.service, .scope, .socket, .mount, .swap) below the slices
 * ("/system.slice/nginx.service" -> "nginx.service";
 * "/user.slice/user-1000.slice/user@1000.service/app.slice/nginx.service"
 * -> "user@1000.service", so that a user's own units can never pass for
 * a system unit of the same name), or "" when there is none. 0, or
 * -ENAMETOOLONG when it does not fit. */
int peer_cgroup_unit(const char *cgroup, char *ret, size_t size);
