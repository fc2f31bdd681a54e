/* iamd_main: options, directories, the store, the api socket, readiness
 * and shutdown. The event loop itself is server.c. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "authz.h"
#include "iamd.h"
#include "oidc.h"
#include "keyd_client.h"
#include "ops.h"
#include "rpc/rpc.h"
#include "sd.h"
#include "server.h"
#include "store/store.h"
#include "util/spin.h"

#ifndef LOCALSTATEDIR
#define LOCALSTATEDIR "/var"
#endif
#ifndef RUNSTATEDIR
#define RUNSTATEDIR "/run"
#endif

#define DEFAULT_STATE_DIR LOCALSTATEDIR "/lib/iamd"
#define DEFAULT_RUNTIME_DIR RUNSTATEDIR "/iamd"

struct main_state {
	int lock_fd;
	int listen_fd;
	bool bound;                /* we created the socket file */
	bool pid_written;
	int ready_pipe;            /* write end: tells a detaching parent */
	char db_dir[PATH_MAX];
	char socket_path[PATH_MAX];
	char pid_path[PATH_MAX];
	char keyd_socket[PATH_MAX];
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: iamd [OPTIONS]\n"
		"Identity and access management for this host, with the semantics of AWS IAM\n"
		"and STS, served over a Unix socket.\n\n"
		"  --foreground          stay attached (systemd, development); without it iamd\n"
		"                        detaches once it accepts calls\n"
		"  --state-dir DIR       LMDB environment in DIR/db (default %s)\n"
		"  --runtime-dir DIR     api.sock and iamd.pid (default %s)\n"
		"  --socket PATH         the api socket (default RUNTIME/api.sock)\n"
		"  --account-id ID       12-digit id of the default account, on first start\n"
		"  --keyd-socket PATH    iam-keyd's socket (default RUNTIME/../iam-keyd/keyd.sock)\n"
		"  --keyd-timeout T      a keyd request's deadline (default 2s)\n"
		"  --keyd-spin T         while a call waits for keyd, poll this long before\n"
		"                        sleeping: 0, or up to 10ms with us or ms (default 50us)\n"
		"  --idle-spin T         after a request, poll this long for the next one before\n"
		"                        sleeping: 0, or up to 10ms with us or ms (default 50us)\n"
		"  --map-size BYTES      LMDB map size; suffix K, M or G (default 1G)\n"
		"  --max-frame BYTES     largest request frame (default 1M)\n"
		"  --max-connections N   simultaneous connections (default 1024)\n"
		"  --max-inflight N      answers queued per connection before reading\n"
		"                        pauses (default 128)\n"
		"  --idle-timeout T      close a connection idle this long (default 60s)\n"
		"  --frame-timeout T     a started frame must complete within T (default 10s)\n"
		"                        T: a number with ms, s or m (bare number: seconds)\n"
		"  --audit yes|no        the audit trail in STATE/audit (default yes)\n"
		"  --audit-data-events yes|no  record Authorize calls (default yes)\n"
		"  --audit-max-file-size BYTES  start a new trail file above (default 16M)\n"
		"  --audit-rotate-interval T    ... or after T (default 1h)\n"
		"  --journal             log to the journal even if stderr is not connected to it\n"
		"  --debug               log debug lines too\n"
		"  -h, --help            this text\n"
		"  -V, --version         the version\n"
		"iamd writes RUNTIME/iamd.pid once it accepts calls.\n",
		DEFAULT_STATE_DIR, DEFAULT_RUNTIME_DIR);
}

static int parse_size(const char *s, uint64_t max, uint64_t *ret)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || s[0] == '-')
		return -EINVAL;
	uint64_t mul = 1;
	if (*end == 'K' || *end == 'k')
		mul = 1024, end++;
	else if (*end == 'M' || *end == 'm')
		mul = 1024 * 1024, end++;
	else if (*end == 'G' || *end == 'g')
		mul = 1024ull * 1024 * 1024, end++;
	if (*end == 'i' || *end == 'B')
		end++;
	if (*end || v == 0 || v > max / mul)
		return -EINVAL;
	*ret = v * mul;
	return 0;
}

static int parse_duration_ms(const char *s, uint32_t *ret)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || s[0] == '-')
		return -EINVAL;
	unsigned long long mul = 1000;
	if (strcmp(end, "ms") == 0)
		mul = 1;
	else if (strcmp(end, "s") == 0 || *end == '\0')
		mul = 1000;
	else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		mul = 60000;
	else
		return -EINVAL;
	if (v == 0 || v > UINT32_MAX / mul)
		return -EINVAL;
	*ret = (uint32_t)(v * mul);
	return 0;
}

static bool account_id_valid(const char *s)
{
	if (strlen(s) != 12)
		return false;
	for (int i = 0; i < 12; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

enum {
	OPT_FOREGROUND = 256, OPT_STATE, OPT_RUNTIME, OPT_SOCKET, OPT_ACCOUNT,
	OPT_MAP, OPT_MAX_FRAME, OPT_MAX_CONNS, OPT_MAX_INFLIGHT, OPT_IDLE,
	OPT_FRAME_TO, OPT_JOURNAL, OPT_DEBUG, OPT_KEYD_SOCKET, OPT_KEYD_TIMEOUT, OPT_KEYD_SPIN,
	OPT_IDLE_SPIN,	OPT_AUDIT, OPT_AUDIT_DATA, OPT_AUDIT_SIZE, OPT_AUDIT_ROTATE,
};

static int parse_args(int argc, char **argv, struct iamd_config *cfg,
		      bool *ret_journal, bool *ret_debug)
{
	static const struct option opts[] = {
		{ "foreground", no_argument, NULL, OPT_FOREGROUND },
		{ "state-dir", required_argument, NULL, OPT_STATE },
		{ "runtime-dir", required_argument, NULL, OPT_RUNTIME },
		{ "socket", required_argument, NULL, OPT_SOCKET },
		{ "account-id", required_argument, NULL, OPT_ACCOUNT },
		{ "map-size", required_argument, NULL, OPT_MAP },
		{ "max-frame", required_argument, NULL, OPT_MAX_FRAME },
		{ "max-connections", required_argument, NULL, OPT_MAX_CONNS },
		{ "max-inflight", required_argument, NULL, OPT_MAX_INFLIGHT },
		{ "idle-timeout", required_argument, NULL, OPT_IDLE },
		{ "frame-timeout", required_argument, NULL, OPT_FRAME_TO },
		{ "keyd-socket", required_argument, NULL, OPT_KEYD_SOCKET },
		{ "keyd-timeout", required_argument, NULL, OPT_KEYD_TIMEOUT },
		{ "keyd-spin", required_argument, NULL, OPT_KEYD_SPIN },
		{ "idle-spin", required_argument, NULL, OPT_IDLE_SPIN },
		{ "audit", required_argument, NULL, OPT_AUDIT },
		{ "audit-data-events", required_argument, NULL, OPT_AUDIT_DATA },
		{ "audit-max-file-size", required_argument, NULL, OPT_AUDIT_SIZE },
		{ "audit-rotate-interval", required_argument, NULL, OPT_AUDIT_ROTATE },
		{ "journal", no_argument, NULL, OPT_JOURNAL },
		{ "debug", no_argument, NULL, OPT_DEBUG },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 },
	};
	int o;
	uint64_t v;
	while ((o = getopt_long(argc, argv, "hV", opts, NULL)) != -1) {
		switch (o) {
		case OPT_FOREGROUND: cfg->foreground = true; break;
		case OPT_STATE: cfg->state_dir = optarg; break;
		case OPT_RUNTIME: cfg->runtime_dir = optarg; break;
		case OPT_SOCKET: cfg->socket_path = optarg; break;
		case OPT_ACCOUNT:
			if (!account_id_valid(optarg)) {
				fprintf(stderr, "iamd: --account-id: 12 digits expected, got \"%s\"\n", optarg);
				return -EINVAL;
			}
			cfg->account_id = optarg;
			break;
		case OPT_MAP:
			if (parse_size(optarg, SIZE_MAX, &v) < 0 || v < (1u << 20)) {
				fprintf(stderr, "iamd: --map-size: a size of at least 1M expected, got \"%s\"\n", optarg);
				return -EINVAL;
			}
			cfg->map_size = (size_t)v;
			break;
		case OPT_MAX_FRAME:
			if (parse_size(optarg, 64u << 20, &v) < 0 || v < 64) {
				fprintf(stderr, "iamd: --max-frame: 64 bytes to 64M expected, got \"%s\"\n", optarg);
				return -EINVAL;
			}
			cfg->max_frame = (uint32_t)v;
			break;
		case OPT_MAX_CONNS:
		case OPT_MAX_INFLIGHT:
			if (parse_size(optarg, 1u << 20, &v) < 0) {
				fprintf(stderr, "iamd: --%s: a positive number expected, got \"%s\"\n",
					o == OPT_MAX_CONNS ? "max-connections" : "max-inflight", optarg);
				return -EINVAL;
			}
			if (o == OPT_MAX_CONNS)
				cfg->max_conns = (uint32_t)v;
			else
				cfg->max_inflight = (uint32_t)v;
			break;
		case OPT_IDLE:
		case OPT_FRAME_TO:
			if (parse_duration_ms(optarg, o == OPT_IDLE ? &cfg->idle_timeout_ms
								  : &cfg->frame_timeout_ms) < 0) {
				fprintf(stderr, "iamd: --%s: a duration such as 30s or 500ms expected, got \"%s\"\n",
					o == OPT_IDLE ? "idle-timeout" : "frame-timeout", optarg);
				return -EINVAL;
			}
			break;
		case OPT_KEYD_SOCKET: cfg->keyd_socket_path = optarg; break;
		case OPT_KEYD_TIMEOUT:
			if (parse_duration_ms(optarg, &cfg->keyd_timeout_ms) < 0) {
				fprintf(stderr, "iamd: --keyd-timeout: a duration such as 2s or 500ms expected, got \"%s\"\n", optarg);
				return -EINVAL;
			}
			break;
		case OPT_KEYD_SPIN:
		case OPT_IDLE_SPIN:
			if (util_spin_parse(optarg, o == OPT_KEYD_SPIN ? &cfg->keyd_spin_us
								       : &cfg->idle_spin_us) < 0) {
				fprintf(stderr, "iamd: --%s: 0 or a duration up to 10ms such as 50us expected, got \"%s\"\n",
					o == OPT_KEYD_SPIN ? "keyd-spin" : "idle-spin", optarg);
				return -EINVAL;
			}
			break;
		case OPT_AUDIT:
		case OPT_AUDIT_DATA: {
			bool yes = strcmp(optarg, "yes") == 0;
			if (!yes && strcmp(optarg, "no") != 0) {
				fprintf(stderr, "iamd: --%s: yes or no expected, got \"%s\"\n",
					o == OPT_AUDIT ? "audit" : "audit-data-events", optarg);
				return -EINVAL;
			}
			if (o == OPT_AUDIT)
				cfg->audit = yes;
			else
				cfg->audit_data_events = yes;
			break;
		}
		case OPT_AUDIT_SIZE: {
			if (parse_size(optarg, UINT64_MAX / 2, &v) < 0 || v < 4096) {
				fprintf(stderr, "iamd: --audit-max-file-size: a size of at least 4K expected, got \"%s\"\n", optarg);
				return -EINVAL;
			}
			cfg->audit_max_file_size = v;
			break;
		}
		case OPT_AUDIT_ROTATE: {
			uint32_t ms;
			if (parse_duration_ms(optarg, &ms) < 0 || ms < 1000) {
				fprintf(stderr, "iamd: --audit-rotate-interval: a duration of at least 1s expected, got \"%s\"\n", optarg);
				return -EINVAL;
			}
			cfg->audit_rotate_interval = ms / 1000;
			break;
		}
		case OPT_JOURNAL: *ret_journal = true; break;
		case OPT_DEBUG: *ret_debug = true; break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("iamd %s\n", PACKAGE_VERSION); exit(0);
		default: usage(stderr); return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "iamd: unexpected argument \"%s\"\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

/* mkdir -p, the last component with `mode` (parents 0755). */
static int mkdir_p(const char *path, mode_t mode, bool *ret_created)
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
	if (mkdir(buf, mode) < 0) {
		if (errno != EEXIST)
			return -errno;
		*ret_created = false;
	} else {
		*ret_created = true;
	}
	struct stat st;
	if (stat(buf, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	return 0;
}

/* 1 if something accepts connections on `path`, 0 if not (a stale file or
 * nothing). */
static int socket_in_use(const char *path)
{
	int fd;
	int r = rpc_connect_unix(path, &fd);
	if (r == 0) {
		close(fd);
		return 1;
	}
	return 0;
}

static int socket_bind(const char *path, int *ret_fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	struct stat st;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;
		if (socket_in_use(path))
			return -EADDRINUSE;
		unlink(path);   /* stale: nothing listens */
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	int r = 0;
	mode_t old = umask(0111);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		r = -errno;
	umask(old);
	if (r == 0 && chmod(path, 0666) < 0)
		r = -errno;
	if (r == 0 && listen(fd, SOMAXCONN) < 0)
		r = -errno;
	if (r < 0) {
		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

/* RUNTIME/iamd.pid, written whole (rename) once iamd accepts calls. */
static int pidfile_write(const char *path)
{
	char tmp[PATH_MAX + 8], buf[32];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	int r = write(fd, buf, (size_t)n) == n ? 0 : -EIO;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

/* Without --foreground: fork; the parent waits until the child is ready
 * (or failed) and exits with its verdict. Returns in the child. */
static int detach(struct main_state *ms)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		char c = 0;
		close(p[1]);
		ssize_t n;
		do
			n = read(p[0], &c, 1);
		while (n < 0 && errno == EINTR);
		_exit(n == 1 && c == 'R' ? 0 : 1);
	}
	close(p[0]);
	ms->ready_pipe = p[1];
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

static int setup(struct iamd *d, struct main_state *ms)
{
	struct iamd_config *cfg = &d->cfg;
	bool created;
	int r;

	r = mkdir_p(cfg->runtime_dir, 0755, &created);
	if (r < 0) {
		iamd_log(LOG_ERR, "runtime directory %s: %s", cfg->runtime_dir, strerror(-r));
		return r;
	}
	if (created)
		chmod(cfg->runtime_dir, 0755);
	snprintf(ms->pid_path, sizeof(ms->pid_path), "%s/iamd.pid", cfg->runtime_dir);
	if (cfg->socket_path)
		snprintf(ms->socket_path, sizeof(ms->socket_path), "%s", cfg->socket_path);
	else
		snprintf(ms->socket_path, sizeof(ms->socket_path), "%s/api.sock",
			 cfg->runtime_dir);
	cfg->socket_path = ms->socket_path;
	if (!cfg->keyd_socket_path) {
		/* beside the runtime directory: /run/iamd -> /run/iam-keyd */
		char parent[PATH_MAX];
		snprintf(parent, sizeof(parent), "%s", cfg->runtime_dir);
		size_t n = strlen(parent);
		while (n > 1 && parent[n - 1] == '/')
			parent[--n] = '\0';
		char *slash = strrchr(parent, '/');
		if (!slash)
			snprintf(parent, sizeof(parent), ".");
		else if (slash == parent)
			parent[1] = '\0';
		else
			*slash = '\0';
		if ((size_t)snprintf(ms->keyd_socket, sizeof(ms->keyd_socket), "%s%s%s", parent,
				     parent[strlen(parent) - 1] == '/' ? "" : "/",
				     "iam-keyd/keyd.sock") >= sizeof(ms->keyd_socket))
			return -ENAMETOOLONG;
		cfg->keyd_socket_path = ms->keyd_socket;
	}

	r = mkdir_p(cfg->state_dir, 0700, &created);
	if (r < 0) {
		iamd_log(LOG_ERR, "state directory %s: %s", cfg->state_dir, strerror(-r));
		return r;
	}
	struct stat st;
	if (stat(cfg->state_dir, &st) < 0)
		return -errno;
	d->owner_uid = st.st_uid;

	/* one iamd per state directory */
	char lock_path[PATH_MAX];
	snprintf(lock_path, sizeof(lock_path), "%s/iamd.lock", cfg->state_dir);
	ms->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (ms->lock_fd < 0 || flock(ms->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		r = -errno;
		iamd_log(LOG_ERR, "state directory %s is in use by another iamd (%s)",
			 cfg->state_dir, strerror(errno));
		return r;
	}

	snprintf(ms->db_dir, sizeof(ms->db_dir), "%s/db", cfg->state_dir);
	r = mkdir_p(ms->db_dir, 0700, &created);
	if (r < 0) {
		iamd_log(LOG_ERR, "%s: %s", ms->db_dir, strerror(-r));
		return r;
	}
	struct store_options so = { .map_size = cfg->map_size };
	r = store_open(ms->db_dir, &so, &d->store, &created);
	if (r < 0) {
		iamd_log(LOG_ERR, "cannot open the store in %s: %s", ms->db_dir, strerror(-r));
		return r;
	}
	r = ops_store_init(d->store, cfg->account_id, (int64_t)time(NULL), d->account_id);
	if (r < 0) {
		if (r == -EEXIST)
			iamd_log(LOG_ERR, "--account-id %s differs from the stored default account",
				 cfg->account_id);
		else
			iamd_log(LOG_ERR, "cannot initialize the store: %s", strerror(-r));
		return r;
	}
	if (created)
		iamd_log(LOG_INFO, "created the store in %s, default account %s",
			 ms->db_dir, d->account_id);

	r = iamd_listen_fd(&ms->listen_fd);
	if (r < 0) {
		iamd_log(LOG_ERR, "socket from systemd: %s", strerror(-r));
		return r;
	}
	if (r == 0) {
		r = socket_bind(ms->socket_path, &ms->listen_fd);
		if (r < 0) {
			iamd_log(LOG_ERR, "cannot listen on %s: %s", ms->socket_path,
				 r == -EADDRINUSE ? "another process is listening there"
						  : strerror(-r));
			return r;
		}
		ms->bound = true;
		unlink(ms->pid_path);   /* stale readiness from an earlier run */
	} else {
		unlink(ms->pid_path);
		iamd_log(LOG_INFO, "listening on the socket passed by systemd");
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct iamd d = {
		.cfg = {
			.state_dir = DEFAULT_STATE_DIR,
			.runtime_dir = DEFAULT_RUNTIME_DIR,
			.max_frame = RPC_MAX_FRAME_DEFAULT,
			.max_inflight = 128,
			.max_conns = 1024,
			.idle_timeout_ms = 60000,
			.frame_timeout_ms = 10000,
			.keyd_spin_us = UTIL_SPIN_DEFAULT_US,
			.idle_spin_us = UTIL_SPIN_DEFAULT_US,
			.audit = true,
			.audit_data_events = true,
			.audit_max_file_size = AUDIT_MAX_FILE_SIZE_DEFAULT,
			.audit_rotate_interval = AUDIT_ROTATE_INTERVAL_DEFAULT,
		},
	};
	struct main_state ms = { .lock_fd = -1, .listen_fd = -1, .ready_pipe = -1 };
	struct server *srv = NULL;
	bool journal = false, debug = false;
	int r;

	if (parse_args(argc, argv, &d.cfg, &journal, &debug) < 0)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);   /* a file size limit fails writes (EFBIG) */
	if (!d.cfg.foreground && (r = detach(&ms)) < 0) {
		fprintf(stderr, "iamd: cannot detach: %s\n", strerror(-r));
		return 1;
	}
	iamd_log_setup(journal, debug);

	r = setup(&d, &ms);
	if (r < 0)
		goto out;
	r = server_new(&d, ms.listen_fd, &srv);
	if (r < 0) {
		iamd_log(LOG_ERR, "cannot set up the event loop: %s", strerror(-r));
		goto out;
	}
	ms.listen_fd = -1;   /* the server owns it */
	struct keyd_client_options ko = { .timeout_ms = d.cfg.keyd_timeout_ms };
	r = keyd_client_new(d.base, d.cfg.keyd_socket_path, &ko, &d.keyd);
	if (r < 0) {
		iamd_log(LOG_ERR, "keyd client for %s: %s", d.cfg.keyd_socket_path, strerror(-r));
		goto out;
	}
	if (d.cfg.audit) {
		struct audit_options ao = {
			.enabled = true,
			.data_events = d.cfg.audit_data_events,
			.max_file_size = d.cfg.audit_max_file_size,
			.rotate_interval = d.cfg.audit_rotate_interval,
		};
		r = audit_open(&d, &ao, &d.audit);
		if (r < 0) {
			iamd_log(LOG_ERR, "cannot open the audit trail: %s", strerror(-r));
			goto out;
		}
	}
	r = pidfile_write(ms.pid_path);
	if (r < 0) {
		iamd_log(LOG_ERR, "cannot write %s: %s", ms.pid_path, strerror(-r));
		goto out;
	}
	ms.pid_written = true;
	iamd_notifyf("READY=1\nSTATUS=serving %s (account %s)", ms.socket_path,
		     d.account_id);
	iamd_log(LOG_INFO, "ready on %s (account %s)", ms.socket_path, d.account_id);
	if (ms.ready_pipe >= 0) {
		(void)!write(ms.ready_pipe, "R", 1);
		close(ms.ready_pipe);
		ms.ready_pipe = -1;
	}
	r = server_run(srv);
	if (r < 0)
		iamd_log(LOG_ERR, "event loop failed: %s", strerror(-r));
out:
	audit_close(d.audit);   /* before the loop's base goes */
	d.audit = NULL;
	keyd_client_free(d.keyd);   /* before the loop's base goes */
	d.keyd = NULL;
	/* OIDC fetches and keys (oidc.h), before the loop's base goes: the
	 * calls still waiting for them are forgotten, server_free() drops them */
	oidc_keys_shutdown();
	server_free(srv);
	authz_cache_free(d.authz);   /* what authorization cached (authz.h) */
	store_close(d.store);   /* every transaction has ended: a clean close */
	if (ms.listen_fd >= 0)
		close(ms.listen_fd);
	if (ms.bound)
		unlink(ms.socket_path);
	if (ms.pid_written)
		unlink(ms.pid_path);
	if (ms.lock_fd >= 0)
		close(ms.lock_fd);
	if (ms.ready_pipe >= 0)
		close(ms.ready_pipe);
	if (r < 0)
		return 1;
	iamd_log(LOG_INFO, "stopped");
	return 0;
}
