/* bench_audit: what the audit trail costs (docs/audit.md). GetUser and
 * CreateUser round trips on iamd with the trail on (run.sh's iamd,
 * IAMD_SOCKET) and on a second iamd started here with --audit no, in the
 * same run, pinned to CPU 0 like the client; GetUser runs alternate
 * BENCH_REPEAT times (default 3), best of each.
 *
 * Prints:
 *   bench: audit_getuser_off p50_us=… p99_us=…
 *   bench: audit_getuser_on p50_us=… p99_us=… ratio_vs_off=…
 *   bench: audit_createuser_off p50_us=… p99_us=…
 *   bench: audit_createuser_on p50_us=… p99_us=… ratio_vs_off=…
 * Target: a read call costs at most 10% more with the trail on
 * (audit_getuser_on ratio_vs_off <= 1.10). CreateUser with the trail on
 * pays an fsync per call (its record is durable before the commit). */
#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api.pb-c.h"
#include "bench_common.h"

static pid_t off_pid;
static char off_dir[256];

static void off_stop(void)
{
	if (off_pid > 0) {
		kill(off_pid, SIGTERM);
		waitpid(off_pid, NULL, 0);
		off_pid = 0;
	}
	if (off_dir[0]) {
		char cmd[300];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", off_dir);
		(void)!system(cmd);
		off_dir[0] = 0;
	}
}

/* A second iamd with the trail off; returns its socket path. */
static const char *off_start(void)
{
	static char sock[340];
	const char *b = getenv("top_builddir");
	char iamd[512], state[300], run[300], pidf[340];
	snprintf(iamd, sizeof(iamd), "%s/daemon/iamd", b ? b : ".");
	snprintf(off_dir, sizeof(off_dir), "%s/iamd-bench-audit.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(off_dir))
		bench_die("mkdtemp");
	snprintf(state, sizeof(state), "%s/state", off_dir);
	snprintf(run, sizeof(run), "%s/run", off_dir);
	snprintf(sock, sizeof(sock), "%s/api.sock", run);
	snprintf(pidf, sizeof(pidf), "%s/iamd.pid", run);
	off_pid = fork();
	if (off_pid < 0)
		bench_die("fork");
	if (off_pid == 0) {
		bench_pin(0);
		int fd = open("/dev/null", 1);
		if (fd >= 0)
			dup2(fd, 2);
		execl(iamd, iamd, "--foreground", "--state-dir", state, "--runtime-dir",
		      run, "--audit", "no", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 600; i++) {
		FILE *f = fopen(pidf, "r");
		int p = 0;
		if (f) {
			if (fscanf(f, "%d", &p) != 1)
				p = 0;
			fclose(f);
		}
		if (p == off_pid)
			return sock;
		usleep(50000);
	}
	off_stop();
	bench_die("the iamd without a trail did not start (%s)", iamd);
}

static void frames_getuser(struct bench_frames *f, const char *user)
{
	Iam__Request req = IAM__REQUEST__INIT;
	Iam__GetUserRequest gu = IAM__GET_USER_REQUEST__INIT;
	gu.user_name = (char *)user;
	req.has_id = 1;
	req.id = 1;
	req.op_case = IAM__REQUEST__OP_GET_USER;
	req.get_user = &gu;
	bench_frames_add(f, &req);
}

static void frames_createuser(struct bench_frames *f, int n)
{
	for (int k = 0; k < n; k++) {
		char name[32];
		Iam__Request req = IAM__REQUEST__INIT;
		Iam__CreateUserRequest cu = IAM__CREATE_USER_REQUEST__INIT;
		snprintf(name, sizeof(name), "audit-bench-%d", k);
		cu.user_name = name;
		req.has_id = 1;
		req.id = 1;
		req.op_case = IAM__REQUEST__OP_CREATE_USER;
		req.create_user = &cu;
		bench_frames_add(f, &req);
	}
}

/* the user exists on `sock` */
static void ensure_user(const char *sock, const char *user)
{
	int fd = bench_api_connect(sock);
	if (fd < 0)
		bench_die("cannot connect to %s", sock);
	Iam__Request req = IAM__REQUEST__INIT;
	Iam__CreateUserRequest cu = IAM__CREATE_USER_REQUEST__INIT;
	cu.user_name = (char *)user;
	req.has_id = 1;
	req.id = 1;
	req.op_case = IAM__REQUEST__OP_CREATE_USER;
	req.create_user = &cu;
	Iam__Response *r = bench_call(fd, &req);
	if (!r)
		bench_die("CreateUser failed");
	iam__response__free_unpacked(r, NULL);
	close(fd);
}

static struct bench_lat measure(const char *sock, int rounds)
{
	int fd = bench_api_connect(sock);
	if (fd < 0)
		bench_die("cannot connect to %s", sock);
	struct bench_lat l = bench_measure_latency(fd, rounds);
	close(fd);
	return l;
}

int main(void)
{
	const char *on = getenv("IAMD_SOCKET");
	const char *user = getenv("BENCH_USER") ? getenv("BENCH_USER") : "bench";
	int rounds = getenv("BENCH_ROUNDS") ? atoi(getenv("BENCH_ROUNDS")) : 20000;
	int repeat = getenv("BENCH_REPEAT") ? atoi(getenv("BENCH_REPEAT")) : 3;
	int crounds = getenv("BENCH_AUDIT_CREATES") ? atoi(getenv("BENCH_AUDIT_CREATES")) : 1000;
	bench_init("bench_audit");
	if (!on)
		bench_die("IAMD_SOCKET is not set (run me through tests/bench/run.sh)");
	if (rounds < 100)
		rounds = 100;
	if (repeat < 1)
		repeat = 1;
	if (crounds < 100)
		crounds = 100;
	signal(SIGPIPE, SIG_IGN);
	const char *off = off_start();
	atexit(off_stop);
	ensure_user(on, user);
	ensure_user(off, user);
	bench_pin(0);

	struct bench_frames gf = { 0 }, cf = { 0 };
	frames_getuser(&gf, user);
	bench_frames_use(&gf);
	struct bench_lat g_on = { 0 }, g_off = { 0 };
	for (int rep = 0; rep < repeat; rep++) {
		struct bench_lat l = measure(off, rounds);
		if (rep == 0 || l.p50 < g_off.p50)
			g_off = l;
		l = measure(on, rounds);
		if (rep == 0 || l.p50 < g_on.p50)
			g_on = l;
	}
	/* CreateUser: each name once per iamd (warm-up included) */
	frames_createuser(&cf, crounds + crounds / 10 + 1);
	bench_frames_use(&cf);
	struct bench_lat c_off = measure(off, crounds);
	cf.next = 0;
	struct bench_lat c_on = measure(on, crounds);

	printf("# GetUser: %d round trips, best of %d; CreateUser: %d round trips "
	       "(new users); one connection, CPU 0\n", rounds, repeat, crounds);
	printf("bench: audit_getuser_off p50_us=%.2f p99_us=%.2f\n", g_off.p50, g_off.p99);
	printf("bench: audit_getuser_on p50_us=%.2f p99_us=%.2f ratio_vs_off=%.3f\n",
	       g_on.p50, g_on.p99, g_on.p50 / g_off.p50);
	printf("bench: audit_createuser_off p50_us=%.2f p99_us=%.2f\n", c_off.p50, c_off.p99);
	printf("bench: audit_createuser_on p50_us=%.2f p99_us=%.2f ratio_vs_off=%.3f\n",
	       c_on.p50, c_on.p99, c_on.p50 / c_off.p50);
	printf("# target: a read call costs at most 10%% more with the trail on: %s\n",
	       g_on.p50 <= 1.10 * g_off.p50 ? "met" : "MISSED");
	bench_frames_free(&gf);
	bench_frames_free(&cf);
	return 0;
}
