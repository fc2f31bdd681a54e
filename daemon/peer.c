/* peer: who is asking (see peer.h). */
#include "config.h"

#include "peer.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

static int pidfd_open_compat(pid_t pid)
{
#ifdef SYS_pidfd_open
	long fd = syscall(SYS_pidfd_open, pid, 0);
	return fd < 0 ? -errno : (int)fd;
#else
	(void)pid;
	return -ENOSYS;
#endif
}

int peer_ident_alive(const struct peer_ident *p)
{
	if (p->pidfd < 0)
		return -ESRCH;
	struct pollfd pfd = { .fd = p->pidfd, .events = POLLIN };
	int r = poll(&pfd, 1, 0);
	if (r < 0)
		return -errno;
	/* a pidfd polls readable once its process has exited */
	return r == 0 ? 0 : -ESRCH;
}

/* The whole of a small /proc file, NUL-terminated. */
static ssize_t read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t n = 0;
	while (n + 1 < size) {
		ssize_t k = read(fd, buf + n, size - 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			int e = -errno;
			close(fd);
			return e;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	close(fd);
	buf[n] = '\0';
	return (ssize_t)n;
}

/* Field 22 (starttime) and the uid of /proc/PID/stat's owner. The comm
 * field may hold spaces and ')': the fields after it start after the
 * last ')'. */
static int proc_start_time(pid_t pid, uint64_t *ret)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	ssize_t n = read_small(path, buf, sizeof(buf));
	if (n < 0)
		return n == -ENOENT ? -ESRCH : (int)n;
	char *s = strrchr(buf, ')');
	if (!s)
		return -EIO;
	s++;
	/* after ')': field 3 (state) is the 1st token; starttime is field 22 */
	for (int field = 3; field < 22; field++) {
		s = strchr(s + 1, ' ');
		if (!s)
			return -EIO;
	}
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s + 1, &end, 10);
	if (errno || end == s + 1)
		return -EIO;
	*ret = v;
	return 0;
}

static uint64_t boot_ticks_now(void)
{
	struct timespec ts;
	long hz = sysconf(_SC_CLK_TCK);
	clock_gettime(CLOCK_BOOTTIME, &ts);
	if (hz <= 0)
		hz = 100;
	return (uint64_t)ts.tv_sec * (uint64_t)hz +
	       (uint64_t)ts.tv_nsec / (1000000000ull / (uint64_t)hz);
}

static int proc_uid(pid_t pid, uid_t *ret)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	ssize_t n = read_small(path, buf, sizeof(buf));
	if (n < 0)
		return n == -ENOENT ? -ESRCH : (int)n;
	char *s = strstr(buf, "\nUid:");
	if (!s)
		return -EIO;
	/* real uid first: SO_PEERCRED gives the effective one, the second */
	unsigned long real, eff;
	if (sscanf(s + 5, "%lu %lu", &real, &eff) != 2)
		return -EIO;
	*ret = (uid_t)eff;
	return 0;
}

static const char *const unit_suffixes[] = { ".service", ".scope", ".socket", ".mount",
					     ".swap" };

static bool has_suffix(const char *s, size_t len, const char *suf)
{
	size_t l = strlen(suf);
	return len > l && memcmp(s + len - l, suf, l) == 0;
}

int peer_cgroup_unit(const char *cgroup, char *ret, size_t size)
{
	const char *s = cgroup;
	while (*s) {
		while (*s == '/')
			s++;
		const char *e = strchr(s, '/');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		if (len == 0)
			break;
		for (size_t i = 0; i < sizeof(unit_suffixes) / sizeof(unit_suffixes[0]); i++) {
			if (!has_suffix(s, len, unit_suffixes[i]))
				continue;
			if (len + 1 > size)
				return -ENAMETOOLONG;
			memcpy(ret, s, len);
			ret[len] = '\0';
			return 0;
		}
		if (!has_suffix(s, len, ".slice"))
			break;   /* a unit is only found below slices */
		s += len;
	}
	if (size)
		ret[0] = '\0';
	return 0;
}

/* The v2 line of /proc/PID/cgroup ("0::/system.slice/x.service"). */
static int proc_cgroup(pid_t pid, char *ret, size_t size)
{
	char path[64], buf[8192];
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	ssize_t n = read_small(path, buf, sizeof(buf));
	if (n < 0)
		return n == -ENOENT ? -ESRCH : (int)n;
	char *line = buf;
	ret[0] = '\0';
	while (line && *line) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (strncmp(line, "0::", 3) == 0) {
			if (strlen(line + 3) + 1 > size)
				return -ENAMETOOLONG;
			strcpy(ret, line + 3);
			return 0;
		}
		line = nl ? nl + 1 : NULL;
	}
	return 0;
}

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* Where the cgroup v2 hierarchy (the "0::" paths) is mounted: /sys/fs/cgroup
 * (unified), or /sys/fs/cgroup/unified (systemd's hybrid layout), as
 * libsystemd looks for it. */
static const char *cgroup2_root(void)
{
	static const char *root;
	struct statfs fs;
	if (root)
		return root;
	if (statfs("/sys/fs/cgroup/", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
		root = "/sys/fs/cgroup";
	else if (statfs("/sys/fs/cgroup/unified/", &fs) == 0 &&
		 fs.f_type == CGROUP2_SUPER_MAGIC)
		root = "/sys/fs/cgroup/unified";
	else
		return "/sys/fs/cgroup";
	return root;
}

/* The invocation id systemd sets on a unit's cgroup (as 16 raw bytes or
 * 32 hex digits), as 32 lowercase hex digits; "" when absent. */
static void cgroup_invocation_id(const char *cgroup, const char *unit, char *ret)
{
	char path[PEER_PATH_MAX + 32];
	unsigned char v[64];
	ret[0] = '\0';
	if (!*unit)
		return;
	/* the unit's own cgroup: the path up to and including the unit */
	const char *at = strstr(cgroup, unit);
	if (!at)
		return;
	int n = snprintf(path, sizeof(path), "%s%.*s", cgroup2_root(),
			 (int)(at - cgroup + (ptrdiff_t)strlen(unit)), cgroup);
	if (n < 0 || (size_t)n >= sizeof(path))
		return;
	ssize_t len = getxattr(path, "trusted.invocation_id", v, sizeof(v));
	if (len < 0)
		len = getxattr(path, "user.invocation_id", v, sizeof(v));
	if (len == 16) {
		static const char hex[] = "0123456789abcdef";
		for (int i = 0; i < 16; i++) {
			ret[2 * i] = hex[v[i] >> 4];
			ret[2 * i + 1] = hex[v[i] & 15];
		}
		ret[32] = '\0';
	} else if (len == 32) {
		memcpy(ret, v, 32);
		ret[32] = '\0';
	}
}

void peer_ident_close(struct peer_ident *p)
{
	if (p && p->pidfd >= 0) {
		close(p->pidfd);
		p->pidfd = -1;
	}
}

/* The rest of an identity once pid/uid/gid and a pidfd are known. */
static int ident_finish(struct peer_ident *p)
{
	char path[64];
	int r;
	if (!p->start_time && (r = proc_start_time(p->pid, &p->start_time)) < 0)
		return r;
	if ((r = proc_cgroup(p->pid, p->cgroup, sizeof(p->cgroup))) < 0 ||
	    (r = peer_cgroup_unit(p->cgroup, p->unit, sizeof(p->unit))) < 0)
		return r;
	cgroup_invocation_id(p->cgroup, p->unit, p->invocation_id);
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)p->pid);
	ssize_t n = readlink(path, p->exe, sizeof(p->exe) - 1);
	p->exe[n > 0 ? n : 0] = '\0';
	/* everything read above was about the peer only if it is still alive
	 * now: a pid is reused only after its process is gone */
	return peer_ident_alive(p);
}

/* pidfd_open(pid): the process under the pid must have started before
 * `before` (boot clock ticks) and have uid `uid`. */
static int pidfd_checked(struct peer_ident *p, uint64_t before)
{
	uid_t uid = (uid_t)-1;
	int r = pidfd_open_compat(p->pid);
	if (r < 0)
		return r == -EINVAL ? -ESRCH : r;
	p->pidfd = r;
	if ((r = proc_start_time(p->pid, &p->start_time)) < 0 ||
	    (r = proc_uid(p->pid, &uid)) < 0)
		return r;
	if (p->start_time > before || uid != p->uid)
		return -EPERM;
	return 0;
}

int peer_ident_from_pid(pid_t pid, uid_t uid, gid_t gid, int64_t since, struct peer_ident *ret)
{
	struct peer_ident p;
	memset(&p, 0, sizeof(p));
	p.pidfd = -1;
	if (pid <= 0)
		return -ESRCH;
	p.pid = pid;
	p.uid = uid;
	p.gid = gid;
	uint64_t before = boot_ticks_now();
	if (since > 0) {
		/* `since` is wall-clock seconds: as boot ticks */
		struct timespec rt;
		long hz = sysconf(_SC_CLK_TCK);
		clock_gettime(CLOCK_REALTIME, &rt);
		if (hz <= 0)
			hz = 100;
		uint64_t ago = rt.tv_sec > since ? (uint64_t)(rt.tv_sec - since) * (uint64_t)hz : 0;
		/* one second of slack: start times and the call's clock round */
		before = before > ago ? before - ago + (uint64_t)hz : before;
	}
	int r = pidfd_checked(&p, before);
	if (r == 0)
		r = ident_finish(&p);
	if (r < 0) {
		peer_ident_close(&p);
		return r;
	}
	*ret = p;
	return 0;
}

int peer_ident_from_socket(int fd, struct peer_ident *ret)
{
	struct peer_ident p;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int r;

	memset(&p, 0, sizeof(p));
	p.pidfd = -1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return -errno;
	if (cred.pid <= 0)
		return -ESRCH;
	p.pid = cred.pid;
	p.uid = cred.uid;
	p.gid = cred.gid;

	int pidfd = -1;
	len = sizeof(pidfd);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) == 0 && pidfd >= 0) {
		p.pidfd = pidfd;
		p.pidfd_from_kernel = true;
		r = 0;
	} else {
		r = pidfd_checked(&p, boot_ticks_now());
	}
	if (r == 0)
		r = ident_finish(&p);
	if (r < 0) {
		peer_ident_close(&p);
		return r;
	}
	*ret = p;
	return 0;
}

int peer_pidfd_take(int fd, pid_t pid, uid_t uid, int *ret_pidfd)
{
	struct peer_ident p;
	int pidfd = -1;
	socklen_t len = sizeof(pidfd);
	if (pid <= 0)
		return -ESRCH;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) == 0 && pidfd >= 0) {
		*ret_pidfd = pidfd;
		return 0;
	}
	memset(&p, 0, sizeof(p));
	p.pidfd = -1;
	p.pid = pid;
	p.uid = uid;
	int r = pidfd_checked(&p, boot_ticks_now());
	if (r < 0) {
		peer_ident_close(&p);
		return r;
	}
	*ret_pidfd = p.pidfd;
	return 0;
}

/* PIDFD_GET_INFO (Linux >= 6.13): what the kernel knows of a pidfd's
 * process, without /proc (its first version, 64 bytes; <linux/pidfd.h> of
 * older headers lacks it). */
struct peer_pidfd_info {
	uint64_t mask;
	uint64_t cgroupid;
	uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
	int32_t exit_code;
};
#define PEER_PIDFD_GET_INFO _IOWR(0xFF, 11, struct peer_pidfd_info)
#define PEER_PIDFD_INFO_PID (1ull << 0)
#define PEER_PIDFD_INFO_CGROUPID (1ull << 2)

/* The id of the v2 cgroup of the pidfd's process (the inode number of its
 * directory); -ESRCH once the process is reaped or when the pidfd is not
 * pid `pid`'s, -EOPNOTSUPP where the kernel cannot say. */
static int pidfd_cgroup_id(int pidfd, pid_t pid, uint64_t *ret)
{
	struct peer_pidfd_info info;
	memset(&info, 0, sizeof(info));
	info.mask = PEER_PIDFD_INFO_CGROUPID;
	if (ioctl(pidfd, PEER_PIDFD_GET_INFO, &info) < 0)
		return errno == ESRCH ? -ESRCH : -EOPNOTSUPP;
	if ((info.mask & PEER_PIDFD_INFO_PID) && info.tgid != (uint32_t)pid)
		return -ESRCH;
	if (!(info.mask & PEER_PIDFD_INFO_CGROUPID))
		return -EOPNOTSUPP;
	*ret = info.cgroupid;
	return 0;
}

/* cgroup id -> path and unit, for the cgroups seen last: a cgroup's id is
 * never reused while the system runs, and its path and unit never change
 * (a renamed cgroup does not exist in cgroup v2), so an entry stays true;
 * an entry is made only when the path read from /proc names the very
 * directory of that id. One loop thread (iamd's): no lock. */
#define CG_CACHE 32
static struct cg_entry {
	uint64_t id;                      /* 0: empty */
	char cgroup[PEER_PATH_MAX];
	char unit[PEER_UNIT_MAX];
} cg_cache[CG_CACHE];

static bool cg_cache_put(uint64_t id, const char *cgroup, const char *unit)
{
	char path[PEER_PATH_MAX + 32];
	struct stat st;
	int n = snprintf(path, sizeof(path), "%s%s", cgroup2_root(), cgroup);
	if (n < 0 || (size_t)n >= sizeof(path) || stat(path, &st) < 0 || (uint64_t)st.st_ino != id)
		return false;   /* moved meanwhile, or not where it should be: no entry */
	struct cg_entry *e = &cg_cache[id % CG_CACHE];
	e->id = id;
	snprintf(e->cgroup, sizeof(e->cgroup), "%s", cgroup);
	snprintf(e->unit, sizeof(e->unit), "%s", unit);
	return true;
}

/* peer_ident_from_pidfd() into *p (whose pidfd, pid, uid and gid are
 * set), and the id of the cgroup it was read in (0: the kernel cannot say,
 * or the cgroup came from /proc and may have changed meanwhile). */
static int ident_read(struct peer_ident *p, uint64_t *ret_cgid)
{
	char path[64];
	uint64_t cgid = 0;
	*ret_cgid = 0;
	p->start_time = 0;
	p->pidfd_from_kernel = false;
	p->invocation_id[0] = '\0';
	/* the executable first, then the pidfd's cgroup id: the pidfd is the
	 * connecting process's own (SO_PEERPIDFD, or pidfd_open checked at
	 * accept), and PIDFD_GET_INFO answers only while its process is not
	 * reaped - so its pid was not reused and the exe read under it was
	 * that process's; a readable exe also says it had not exited (a
	 * zombie has none) */
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)p->pid);
	ssize_t n = readlink(path, p->exe, sizeof(p->exe) - 1);
	p->exe[n > 0 ? n : 0] = '\0';
	int r = pidfd_cgroup_id(p->pidfd, p->pid, &cgid);
	if (r == -ESRCH)
		return r;
	bool check_alive = n <= 0 || r < 0;
	const struct cg_entry *e = r == 0 ? &cg_cache[cgid % CG_CACHE] : NULL;
	if (e && e->id == cgid) {
		memcpy(p->cgroup, e->cgroup, sizeof(p->cgroup));
		memcpy(p->unit, e->unit, sizeof(p->unit));
		*ret_cgid = cgid;
	} else {
		/* read under the pid: alive afterwards, checked below */
		check_alive = true;
		if ((r = proc_cgroup(p->pid, p->cgroup, sizeof(p->cgroup))) < 0 ||
		    (r = peer_cgroup_unit(p->cgroup, p->unit, sizeof(p->unit))) < 0)
			return r == -ENOENT ? -ESRCH : r;
		if (e && cg_cache_put(cgid, p->cgroup, p->unit))
			*ret_cgid = cgid;   /* the path read is that id's */
	}
	/* by the cgroup's path, not the pid */
	cgroup_invocation_id(p->cgroup, p->unit, p->invocation_id);
	/* alive after the reads made under the pid (a pid is reused only once
	 * its process is gone), and in any case when the exe could not be
	 * read: a process that has exited is refused */
	return check_alive ? peer_ident_alive(p) : 0;
}

int peer_ident_from_pidfd(int pidfd, pid_t pid, uid_t uid, gid_t gid, struct peer_ident *ret)
{
	struct peer_ident p;
	uint64_t cgid;
	if (pidfd < 0 || pid <= 0)
		return -ESRCH;
	memset(&p, 0, sizeof(p));
	p.pidfd = pidfd;
	p.pid = pid;
	p.uid = uid;
	p.gid = gid;
	int r = ident_read(&p, &cgid);
	p.pidfd = -1;
	if (r < 0)
		return r;
	*ret = p;
	return 0;
}

struct peer_cache {
	uint64_t cgid;            /* the cgroup `ident` was read in; 0: none kept */
	struct peer_ident ident;  /* its pidfd is -1: the connection's stays its own */
};

int peer_cache_ident(struct peer_cache **cache, int pidfd, pid_t pid, uid_t uid, gid_t gid,
		     const struct peer_ident **ret)
{
	struct peer_cache *pc = *cache;
	uint64_t cgid = 0;
	int r;
	if (pidfd < 0 || pid <= 0)
		return -ESRCH;
	if (pc && pc->cgid && pc->ident.pid == pid && pc->ident.uid == uid &&
	    pc->ident.gid == gid) {
		/* alive now (poll: a zombie too is gone; PIDFD_GET_INFO still
		 * answers for one), and in the cgroup the identity was read
		 * in: then unit, cgroup and invocation id are as read, and the
		 * exe is the one it ran then (docs/host-roles.md) */
		struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
		r = poll(&pfd, 1, 0);
		if (r < 0)
			return -errno;
		if (r > 0)
			return -ESRCH;
		r = pidfd_cgroup_id(pidfd, pid, &cgid);
		if (r == -ESRCH)
			return r;
		if (r == 0 && cgid == pc->cgid) {
			*ret = &pc->ident;
			return 0;
		}
	}
	if (!pc) {
		pc = malloc(sizeof(*pc));
		if (!pc)
			return -ENOMEM;
		*cache = pc;
	}
	/* (re)read all of it; nothing is kept unless this succeeds */
	pc->cgid = 0;
	pc->ident.pidfd = pidfd;
	pc->ident.pid = pid;
	pc->ident.uid = uid;
	pc->ident.gid = gid;
	r = ident_read(&pc->ident, &cgid);
	pc->ident.pidfd = -1;
	if (r < 0)
		return r;
	pc->cgid = cgid;
	*ret = &pc->ident;
	return 0;
}

void peer_cache_free(struct peer_cache *pc)
{
	free(pc);
}
