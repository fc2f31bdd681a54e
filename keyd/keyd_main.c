/* keyd_main: iam-keyd's options, directories, master key, socket,
 * lockdown and readiness (docs/keyd.md). The order matters: non-dumpable
 * before any key is read; keys loaded and made read-only; socket, signals
 * and epoll set up; RUNTIME/iam-keyd.pid written; then the seccomp filter;
 * then READY and the loop. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stddef.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "keyd.h"
#include "rpc/rpc.h"

#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR "/var"
#endif
#ifndef RUNSTATEDIR
#define RUNSTATEDIR "/run"
#endif
#define DEFAULT_STATE_DIR LOCALSTATEDIR "/lib/iam-keyd"
#define DEFAULT_RUNTIME_DIR RUNSTATEDIR "/iam-keyd"
#define SOCKET_NAME "keyd.sock"
#define PID_NAME "iam-keyd.pid"

struct opts {
	bool foreground, rotate, selftest, debug;
	const char *state_dir, *runtime_dir, *socket_path;
	uid_t allow_uid;
	unsigned max_conns;
};

struct state {
	int run_fd, listen_fd, signal_fd, notify_fd, ready_pipe;
	bool bound, pid_written;
	struct sockaddr_un notify_sa;
	socklen_t notify_len;
	char socket_path[PATH_MAX];
	const char *socket_name;          /* set when the socket is in the runtime dir */
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: iam-keyd [OPTIONS]\n"
		"The key holder of iamd: derives access key secrets, checks SigV4 signatures,\n"
		"seals and opens session tokens. Serves one uid (iamd's) on a Unix socket.\n\n"
		"  --foreground          stay attached (systemd, development)\n"
		"  --state-dir DIR       holds master.key (default %s)\n"
		"  --runtime-dir DIR     keyd.sock and iam-keyd.pid (default %s)\n"
		"  --socket PATH         the socket (default RUNTIME/keyd.sock)\n"
		"  --allow-uid UID|USER  the only peer uid served (iamd's; default: keyd's own)\n"
		"  --max-connections N   simultaneous connections (default 16)\n"
		"  --rotate-master-key   offline: add a new master key version and exit\n"
		"  --selftest-seccomp    lock down, then make a forbidden syscall (must die\n"
		"                        with SIGSYS; exits 77 in sanitizer builds)\n"
		"  --debug               log debug lines too\n"
		"  -h, --help            this text\n"
		"  -V, --version         the version\n"
		"With $CREDENTIALS_DIRECTORY/iam-keyd.master (systemd-creds) the master keys\n"
		"are read from there instead of STATE/master.key.\n",
		DEFAULT_STATE_DIR, DEFAULT_RUNTIME_DIR);
}

enum {
	OPT_FOREGROUND = 256, OPT_STATE, OPT_RUNTIME, OPT_SOCKET, OPT_ALLOW_UID,
	OPT_MAX_CONNS, OPT_ROTATE, OPT_SELFTEST, OPT_DEBUG,
};

static int parse_uint(const char *s, unsigned long max, unsigned long *ret)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "foreground", no_argument, NULL, OPT_FOREGROUND },
		{ "state-dir", required_argument, NULL, OPT_STATE },
		{ "runtime-dir", required_argument, NULL, OPT_RUNTIME },
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "allow-uid", required_argument, NULL, OPT_ALLOW_UID },
		{ "max-connections", required_argument, NULL, OPT_MAX_CONNS },
		{ "rotate-master-key", no_argument, NULL, OPT_ROTATE },
		{ "selftest-seccomp", no_argument, NULL, OPT_SELFTEST },
		{ "debug", no_argument, NULL, OPT_DEBUG },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	unsigned long v;
	int c;
	while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_FOREGROUND: o->foreground = true; break;
		case OPT_STATE: o->state_dir = optarg; break;
		case OPT_RUNTIME: o->runtime_dir = optarg; break;
		case OPT_SOCKET: o->socket_path = optarg; break;
		case OPT_ALLOW_UID:
			if (parse_uint(optarg, UINT32_MAX - 1, &v) == 0) {
				o->allow_uid = (uid_t)v;
			} else {
				struct passwd *pw = getpwnam(optarg);
				if (!pw) {
					fprintf(stderr, "iam-keyd: --allow-uid: a uid or user name expected, got \"%s\"\n", optarg);
					return -EINVAL;
				}
				o->allow_uid = pw->pw_uid;
			}
			break;
		case OPT_MAX_CONNS:
			if (parse_uint(optarg, 1024, &v) < 0 || v == 0) {
				fprintf(stderr, "iam-keyd: --max-connections: 1 to 1024 expected, got \"%s\"\n", optarg);
				return -EINVAL;
			}
			o->max_conns = (unsigned)v;
			break;
		case OPT_ROTATE: o->rotate = true; break;
		case OPT_SELFTEST: o->selftest = true; break;
		case OPT_DEBUG: o->debug = true; break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("iam-keyd %s\n", PACKAGE_VERSION); exit(0);
		default: usage(stderr); return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "iam-keyd: unexpected argument \"%s\"\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

/* mkdir -p; the last component with `mode`, parents 0755. */
static int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	if (strlen(path) >= sizeof(buf))
		return -ENAMETOOLONG;
	strcpy(buf, path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return -errno;
	struct stat st;
	if (stat(buf, &st) < 0)
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

/* From systemd-creds when there is a credential, else STATE/master.key
 * (created on first start). */
static int keys_load(const struct opts *o, struct keyd_ring **ret)
{
	char path[PATH_MAX];
	const char *creds = getenv("CREDENTIALS_DIRECTORY");
	int r;
	if (creds && *creds) {
		snprintf(path, sizeof(path), "%s/%s", creds, KEYD_CREDENTIAL_NAME);
		r = keyd_ring_load(path, true, ret);
		if (r != -ENOENT) {
			if (r < 0)
				keyd_log(LOG_ERR, "credential %s: %s", path, strerror(-r));
			else
				keyd_log(LOG_INFO, "master keys from the credential %s", path);
			return r;
		}
	}
	r = mkdir_p(o->state_dir, 0700);
	if (r < 0) {
		keyd_log(LOG_ERR, "state directory %s: %s", o->state_dir, strerror(-r));
		return r;
	}
	snprintf(path, sizeof(path), "%s/%s", o->state_dir, KEYD_MASTER_FILE);
	r = keyd_ring_load(path, false, ret);
	if (r == -ENOENT) {
		r = keyd_ring_create(path, ret);
		if (r == 0)
			keyd_log(LOG_INFO, "created the master key %s (version 1)", path);
	}
	if (r < 0)
		keyd_log(LOG_ERR, "master key %s: %s", path,
			 r == -EPERM ? "group or others may read it; chmod 0600 it"
				     : strerror(-r));
	return r;
}

static int rotate(const struct opts *o)
{
	char path[PATH_MAX];
	uint32_t version;
	snprintf(path, sizeof(path), "%s/%s", o->state_dir, KEYD_MASTER_FILE);
	int r = keyd_ring_rotate(path, &version);
	if (r < 0) {
		fprintf(stderr, "iam-keyd: cannot rotate %s: %s\n", path,
			r == -EPERM ? "group or others may read it" : strerror(-r));
		return 1;
	}
	printf("%s: master key version %u is current; older versions still open and verify.\n"
	       "Restart iam-keyd to use it.\n", path, version);
	return 0;
}

static int socket_bind(const char *path, int *ret)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	struct stat st;
	if (lstat(path, &st) == 0) {
		int probe;
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;
		if (rpc_connect_unix(path, &probe) == 0) {
			close(probe);
			return -EADDRINUSE;
		}
		unlink(path);   /* stale */
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	int r = 0;
	mode_t old = umask(0117);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		r = -errno;
	umask(old);
	if (r == 0 && chmod(path, 0660) < 0)
		r = -errno;
	if (r == 0 && listen(fd, 64) < 0)
		r = -errno;
	if (r < 0) {
		close(fd);
		return r;
	}
	*ret = fd;
	return 0;
}

/* The socket passed by systemd (LISTEN_PID/LISTEN_FDS, fd 3): 1 if one. */
static int socket_from_systemd(int *ret)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	unsigned long p, n;
	if (!pid || !fds || parse_uint(pid, INT32_MAX, &p) < 0 || (pid_t)p != getpid())
		return 0;
	if (parse_uint(fds, 64, &n) < 0 || n != 1)
		return -EINVAL;
	int type = 0;
	socklen_t len = sizeof(type);
	if (getsockopt(3, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM)
		return -EINVAL;
	fcntl(3, F_SETFD, FD_CLOEXEC);
	fcntl(3, F_SETFL, fcntl(3, F_GETFL) | O_NONBLOCK);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	*ret = 3;
	return 1;
}

static int pidfile_write(int dir_fd)
{
	char buf[32];
	int fd = openat(dir_fd, PID_NAME ".tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	int r = write(fd, buf, (size_t)n) == n ? 0 : -EIO;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && renameat(dir_fd, PID_NAME ".tmp", dir_fd, PID_NAME) < 0)
		r = -errno;
	if (r < 0)
		unlinkat(dir_fd, PID_NAME ".tmp", 0);
	return r;
}

/* sd_notify without libsystemd: the datagram socket is made before the
 * sandbox, the message sent after it. */
static void notify_prepare(struct state *st)
{
	const char *path = getenv("NOTIFY_SOCKET");
	if (!path || !*path || strlen(path) >= sizeof(st->notify_sa.sun_path))
		return;
	st->notify_sa.sun_family = AF_UNIX;
	strcpy(st->notify_sa.sun_path, path);
	if (path[0] == '@')
		st->notify_sa.sun_path[0] = '\0';
	st->notify_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	st->notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
}

static void notify_send(struct state *st, const char *msg)
{
	if (st->notify_fd >= 0)
		(void)!sendto(st->notify_fd, msg, strlen(msg), MSG_NOSIGNAL,
			      (struct sockaddr *)&st->notify_sa, st->notify_len);
}

static int detach(struct state *st)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		char c = 0;
		ssize_t n;
		close(p[1]);
		do
			n = read(p[0], &c, 1);
		while (n < 0 && errno == EINTR);
		_exit(n == 1 && c == 'R' ? 0 : 1);
	}
	close(p[0]);
	st->ready_pipe = p[1];
	setsid();
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	return 0;
}

static int setup_socket(const struct opts *o, struct state *st)
{
	int r = mkdir_p(o->runtime_dir, 0755);
	if (r < 0) {
		keyd_log(LOG_ERR, "runtime directory %s: %s", o->runtime_dir, strerror(-r));
		return r;
	}
	st->run_fd = open(o->runtime_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (st->run_fd < 0)
		return -errno;
	unlinkat(st->run_fd, PID_NAME, 0);   /* stale readiness */
	if (o->socket_path) {
		snprintf(st->socket_path, sizeof(st->socket_path), "%s", o->socket_path);
	} else {
		snprintf(st->socket_path, sizeof(st->socket_path), "%s/%s", o->runtime_dir,
			 SOCKET_NAME);
		st->socket_name = SOCKET_NAME;
	}
	r = socket_from_systemd(&st->listen_fd);
	if (r < 0) {
		keyd_log(LOG_ERR, "socket from systemd: not one listening stream socket");
		return r;
	}
	if (r == 1) {
		st->socket_name = NULL;   /* systemd's to remove */
		keyd_log(LOG_INFO, "listening on the socket passed by systemd");
		return 0;
	}
	r = socket_bind(st->socket_path, &st->listen_fd);
	if (r < 0) {
		keyd_log(LOG_ERR, "cannot listen on %s: %s", st->socket_path,
			 r == -EADDRINUSE ? "another process is listening there" : strerror(-r));
		return r;
	}
	st->bound = true;
	return 0;
}

static int setup_signals(struct state *st)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	st->signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	return st->signal_fd < 0 ? -errno : 0;
}

/* --selftest-seccomp: lock down as keyd does, then ask for an IP socket.
 * The filter kills the process with SIGSYS; returning is a failure. */
static int selftest_seccomp(void)
{
	if (!keyd_sandbox_seccomp_available()) {
		fprintf(stderr, "iam-keyd: sanitizer build: no seccomp filter to test\n");
		return 77;
	}
	int r = keyd_sandbox_seccomp(-1);
	if (r < 0) {
		fprintf(stderr, "iam-keyd: cannot install the seccomp filter: %s\n", strerror(-r));
		return 1;
	}
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	fprintf(stderr, "iam-keyd: socket(AF_INET) returned %d under the filter\n", fd);
	return 1;
}

int main(int argc, char **argv)
{
	struct opts o = {
		.state_dir = DEFAULT_STATE_DIR, .runtime_dir = DEFAULT_RUNTIME_DIR,
		.allow_uid = getuid(), .max_conns = 16,
	};
	struct state st = { .run_fd = -1, .listen_fd = -1, .signal_fd = -1, .notify_fd = -1,
			    .ready_pipe = -1 };
	struct keyd_ring *ring = NULL;
	struct keyd_loop *loop = NULL;
	int r;

	if (parse_args(argc, argv, &o) < 0)
		return 2;
	/* nothing of a key may ever be in a dumpable process */
	if ((r = keyd_sandbox_nodump()) < 0) {
		fprintf(stderr, "iam-keyd: cannot make the process non-dumpable: %s\n", strerror(-r));
		return 1;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "iam-keyd: libsodium failed to initialize\n");
		return 1;
	}
	if (o.rotate)
		return rotate(&o);
	signal(SIGPIPE, SIG_IGN);
	if (!o.foreground && !o.selftest && (r = detach(&st)) < 0) {
		fprintf(stderr, "iam-keyd: cannot detach: %s\n", strerror(-r));
		return 1;
	}
	keyd_log_setup(o.debug);

	r = keys_load(&o, &ring);
	if (r < 0)
		goto out;
	keyd_ring_lock(ring);
	if (o.selftest) {
		r = selftest_seccomp();
		keyd_ring_free(ring);
		return r;
	}
	if ((r = setup_socket(&o, &st)) < 0 || (r = setup_signals(&st)) < 0)
		goto out;
	struct keyd_loop_config lc = {
		.listen_fd = st.listen_fd, .signal_fd = st.signal_fd, .allow_uid = o.allow_uid,
		.max_conns = o.max_conns, .ring = ring,
	};
	r = keyd_loop_new(&lc, &loop);
	if (r == 0)
		r = keyd_answer_init();   /* the signing key cache, before the sandbox */
	if (r < 0) {
		keyd_log(LOG_ERR, "cannot set up the loop: %s", strerror(-r));
		goto out;
	}
	notify_prepare(&st);
	r = pidfile_write(st.run_fd);
	if (r < 0) {
		keyd_log(LOG_ERR, "cannot write %s/%s: %s", o.runtime_dir, PID_NAME, strerror(-r));
		goto out;
	}
	st.pid_written = true;
	if (keyd_sandbox_seccomp_available()) {
		r = keyd_sandbox_seccomp(st.run_fd);
		if (r < 0) {
			keyd_log(LOG_ERR, "cannot install the seccomp filter: %s", strerror(-r));
			goto out;
		}
	} else {
		keyd_log(LOG_WARNING, "sanitizer build: the seccomp filter is NOT installed");
	}
	notify_send(&st, "READY=1");
	keyd_log(LOG_INFO, "ready on %s (master key version %u, serving uid %u)",
		 st.socket_path, keyd_ring_current(ring)->version, (unsigned)o.allow_uid);
	if (st.ready_pipe >= 0) {
		(void)!write(st.ready_pipe, "R", 1);
		close(st.ready_pipe);
		st.ready_pipe = -1;
	}
	r = keyd_loop_run(loop);
	if (r < 0)
		keyd_log(LOG_ERR, "loop failed: %s", strerror(-r));
	notify_send(&st, "STOPPING=1");
out:
	keyd_loop_free(loop);
	if (st.listen_fd >= 0)
		close(st.listen_fd);
	if (st.bound && st.socket_name && st.run_fd >= 0)
		unlinkat(st.run_fd, st.socket_name, 0);
	if (st.pid_written)
		unlinkat(st.run_fd, PID_NAME, 0);
	if (st.run_fd >= 0)
		close(st.run_fd);
	if (st.signal_fd >= 0)
		close(st.signal_fd);
	if (st.notify_fd >= 0)
		close(st.notify_fd);
	if (st.ready_pipe >= 0)
		close(st.ready_pipe);
	keyd_answer_fini();
	keyd_ring_free(ring);
	if (r < 0)
		return 1;
	keyd_log(LOG_INFO, "stopped");
	return 0;
}
