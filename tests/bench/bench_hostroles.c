/* bench_hostroles: host credentials (docs/host-roles.md) beside their
 * floors. Starts its own iam-keyd where the running iamd looks for it by
 * default (IAMD_SOCKET's runtime directory/../iam-keyd/keyd.sock), makes a
 * role trusting host.iamd.local in an instance profile associated with the
 * whole host, then:
 *
 *   bench: hostroles_double_hop_floor p50_us=… p99_us=… ops_s=…
 *       client -> relay -> iam-keyd Echo -> relay -> client (the relay is
 *       a raw frontend: no decoding, no store), as bench_sts's floor
 *   bench: hostroles_get_credentials p50_us=… p99_us=… ops_s=… floor_p50_us=… ratio=…
 *       iamd:GetCredentials over the api socket: the peer identified
 *       through the pidfd taken at accept (read once per connection, then
 *       checked alive and in the same cgroup on each call), the
 *       associations, the profile and role, the trust policy, and a
 *       session minted by iam-keyd (one keyd hop); p50/p99 on one
 *       connection, ops_s with 4 connections. Target: ratio <= 1.75.
 *   bench: hostroles_creds_cached p50_ns=… ops_s=… floor_ns=… ratio=…
 *       libiam's cached iam_credentials_get() + iam_credentials_free(), ns
 *       per call in one thread (best of 5 runs of 1M calls), beside a bare
 *       uncontended mutex lock/unlock (the floor). Target: < 100 ns.
 *
 * BENCH_ROUNDS (default 20000; a quarter for GetCredentials), BENCH_SECS
 * (1). Needs IAMD_SOCKET (tests/bench/run.sh sets it). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api.pb-c.h"
#include "bench_common.h"
#include "bench_keyd_relay.h"
#include "iam.h"
#include "keyd.pb-c.h"
#include "rpc/rpc.h"

#define ROLE "hostbench"

static pid_t keyd_pid, relay_pid;
static char tmpdir[] = "/tmp/bench_hostroles.XXXXXX";

static void cleanup(void)
{
	if (relay_pid > 0)
		kill(relay_pid, SIGTERM);
	if (keyd_pid > 0) {
		kill(keyd_pid, SIGTERM);
		waitpid(keyd_pid, NULL, 0);
	}
}

/* ---- the floor: a raw relay in front of keyd (as bench_sts's) ---- */

/* ---- set-up ---- */

static Iam__Response *call_ok(int fd, Iam__Request *req, const char *what, bool may_exist)
{
	Iam__Response *r = bench_call(fd, req);
	if (!r)
		bench_die("%s: no answer", what);
	if (r->status && r->status->code &&
	    !(may_exist && strcmp(r->status->code, "EntityAlreadyExists") == 0))
		bench_die("%s: %s: %s", what, r->status->code,
			  r->status->message ? r->status->message : "");
	return r;
}

static void setup(const char *api)
{
	int fd = bench_api_connect(api);
	if (fd < 0)
		bench_die("cannot connect to iamd");
	Iam__Request req = IAM__REQUEST__INIT;
	Iam__CreateRoleRequest cr = IAM__CREATE_ROLE_REQUEST__INIT;
	cr.role_name = (char *)ROLE;
	cr.assume_role_policy_document =
		(char *)"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
			"\"Principal\":{\"Service\":\"host.iamd.local\"},"
			"\"Action\":\"sts:AssumeRole\"}]}";
	req.op_case = IAM__REQUEST__OP_CREATE_ROLE;
	req.create_role = &cr;
	iam__response__free_unpacked(call_ok(fd, &req, "CreateRole", true), NULL);
	Iam__CreateInstanceProfileRequest cp = IAM__CREATE_INSTANCE_PROFILE_REQUEST__INIT;
	cp.instance_profile_name = (char *)ROLE;
	req.op_case = IAM__REQUEST__OP_CREATE_INSTANCE_PROFILE;
	req.create_instance_profile = &cp;
	iam__response__free_unpacked(call_ok(fd, &req, "CreateInstanceProfile", true), NULL);
	Iam__AddRoleToInstanceProfileRequest ar = IAM__ADD_ROLE_TO_INSTANCE_PROFILE_REQUEST__INIT;
	ar.instance_profile_name = (char *)ROLE;
	ar.role_name = (char *)ROLE;
	req.op_case = IAM__REQUEST__OP_ADD_ROLE_TO_INSTANCE_PROFILE;
	req.add_role_to_instance_profile = &ar;
	Iam__Response *r = bench_call(fd, &req);
	if (r)
		iam__response__free_unpacked(r, NULL);
	Iam__AssociateInstanceProfileRequest as = IAM__ASSOCIATE_INSTANCE_PROFILE_REQUEST__INIT;
	Iam__HostSelector sel = IAM__HOST_SELECTOR__INIT;
	sel.has_uid = 1;
	sel.uid = (uint32_t)geteuid();
	as.instance_profile_name = (char *)ROLE;
	as.selector = &sel;
	req.op_case = IAM__REQUEST__OP_ASSOCIATE_INSTANCE_PROFILE;
	req.associate_instance_profile = &as;
	iam__response__free_unpacked(call_ok(fd, &req, "AssociateInstanceProfile", true), NULL);
	close(fd);
}

/* iamd's pid, from its pid file beside the socket's directory. */
static pid_t iamd_pid(const char *api)
{
	char path[PATH_MAX], buf[32] = "";
	snprintf(path, sizeof(path), "%s", api);
	char *slash = strrchr(path, '/');
	if (!slash)
		return 0;
	snprintf(slash, sizeof(path) - (size_t)(slash - path), "/iamd.pid");
	FILE *f = fopen(path, "r");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	return (pid_t)atoi(buf);
}

/* ---- libiam's cached path ---- */

static double cached_ns(iam_client *c, long n)
{
	double t0 = bench_now_us();
	for (long i = 0; i < n; i++) {
		iam_credentials *k;
		if (iam_credentials_get(c, &k) < 0)
			bench_die("iam_credentials_get failed");
		iam_credentials_free(k);
	}
	return (bench_now_us() - t0) * 1000.0 / (double)n;
}

static double mutex_ns(long n)
{
	static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	static volatile long sink;
	double t0 = bench_now_us();
	for (long i = 0; i < n; i++) {
		pthread_mutex_lock(&m);
		sink = sink + 1;
		pthread_mutex_unlock(&m);
	}
	return (bench_now_us() - t0) * 1000.0 / (double)n;
}

int main(void)
{
	const char *api = getenv("IAMD_SOCKET");
	const char *top = getenv("top_builddir") ? getenv("top_builddir") : ".";
	int rounds = getenv("BENCH_ROUNDS") ? atoi(getenv("BENCH_ROUNDS")) : 20000;
	double secs = getenv("BENCH_SECS") ? atof(getenv("BENCH_SECS")) : 1.0;
	char bin[PATH_MAX], runtime[PATH_MAX], ksock[PATH_MAX + 16], relay[PATH_MAX + 16];
	bench_init("bench_hostroles");
	if (!api)
		bench_die("IAMD_SOCKET is not set");
	if (rounds < 400)
		rounds = 400;
	if (!mkdtemp(tmpdir))
		bench_die("mkdtemp");
	atexit(cleanup);
	snprintf(bin, sizeof(bin), "%s/keyd/iam-keyd", top);
	snprintf(runtime, sizeof(runtime), "%s", api);
	for (int i = 0; i < 2; i++) {
		char *slash = strrchr(runtime, '/');
		if (!slash)
			bench_die("IAMD_SOCKET: an absolute path expected");
		*slash = '\0';
	}
	strncat(runtime, "/iam-keyd", sizeof(runtime) - strlen(runtime) - 1);
	mkdir(runtime, 0755);
	snprintf(ksock, sizeof(ksock), "%s/keyd.sock", runtime);
	keyd_pid = bench_keyd_start(bin, tmpdir, runtime);
	/* latency: client and iamd on CPU 0, as the other api benchmarks */
	bench_pin(0);
	setup(api);

	/* the floor */
	snprintf(relay, sizeof(relay), "%s/relay.sock", tmpdir);
	relay_pid = fork();
	if (relay_pid == 0) {
		bench_pin(0);   /* where run.sh pins iamd */
		bench_relay_serve(relay, ksock);
		_exit(0);
	}
	for (int i = 0; i < 200 && access(relay, F_OK) < 0; i++)
		usleep(10000);

	Iam__Request req = IAM__REQUEST__INIT;
	Iam__GetCredentialsRequest gc = IAM__GET_CREDENTIALS_REQUEST__INIT;
	req.has_id = 1;
	req.id = 1;
	req.op_case = IAM__REQUEST__OP_GET_CREDENTIALS;
	req.get_credentials = &gc;
	struct bench_frames f = { 0 };
	bench_frames_add(&f, &req);
	bench_frames_use(&f);

	/* GetCredentials answers at once? (iamd connects to keyd in the
	 * background: wait for it) */
	int fd = bench_api_connect(api);
	if (fd < 0)
		bench_die("cannot connect to iamd");
	for (int i = 0;; i++) {
		Iam__Response *r = bench_call(fd, &req);
		if (!r)
			bench_die("GetCredentials: no answer");
		bool ok = !(r->status && r->status->code);
		if (!ok && i == 100)
			bench_die("GetCredentials: %s: %s", r->status->code,
				  r->status->message ? r->status->message : "");
		iam__response__free_unpacked(r, NULL);
		if (ok)
			break;
		usleep(50000);
	}
	close(fd);

	/* floor and GetCredentials alternate, the best of BENCH_REPEAT (3) */
	int repeat = getenv("BENCH_REPEAT") ? atoi(getenv("BENCH_REPEAT")) : 3;
	struct bench_lat fl = { 1e9, 1e9, 0 }, gl = { 1e9, 1e9, 0 };
	/* CPU time per call of the servers (schedstat: robust to other load,
	 * which wall-clock latency on a shared machine is not) */
	pid_t ip = iamd_pid(api);
	uint64_t c_relay = 0, c_fkeyd = 0, c_iamd = 0, c_gkeyd = 0, n_f = 0, n_g = 0;
	for (int k = 0; k < (repeat > 0 ? repeat : 1); k++) {
		int rfd = bench_raw_connect(relay);
		if (rfd < 0)
			bench_die("cannot connect to the relay");
		uint64_t r0 = bench_cpu_ns(relay_pid), k0 = bench_cpu_ns(keyd_pid);
		struct bench_lat l = bench_measure_latency(rfd, rounds / 4);
		c_relay += bench_cpu_ns(relay_pid) - r0;
		c_fkeyd += bench_cpu_ns(keyd_pid) - k0;
		n_f += (uint64_t)(rounds / 4 + rounds / 40);   /* and the warm-up */
		close(rfd);
		if (l.p50 < fl.p50)
			fl = l;
		fd = bench_api_connect(api);
		if (fd < 0)
			bench_die("cannot connect to iamd");
		uint64_t i0 = ip > 0 ? bench_cpu_ns(ip) : 0;
		k0 = bench_cpu_ns(keyd_pid);
		l = bench_measure_latency(fd, rounds / 4);
		c_iamd += ip > 0 ? bench_cpu_ns(ip) - i0 : 0;
		c_gkeyd += bench_cpu_ns(keyd_pid) - k0;
		n_g += (uint64_t)(rounds / 4 + rounds / 40);
		close(fd);
		if (l.p50 < gl.p50)
			gl = l;
	}
	if (n_f && n_g)
		printf("# cpu per call (schedstat): floor relay %.1f us + keyd Echo %.1f us; "
		       "GetCredentials iamd %.1f us + keyd MintSession %.1f us\n",
		       c_relay / 1e3 / (double)n_f, c_fkeyd / 1e3 / (double)n_f,
		       c_iamd / 1e3 / (double)n_g, c_gkeyd / 1e3 / (double)n_g);
	printf("bench: hostroles_double_hop_floor p50_us=%.1f p99_us=%.1f ops_s=%.0f\n", fl.p50,
	       fl.p99, fl.ops_s);
	fflush(stdout);
	double ops = bench_measure_throughput(bench_api_connect, api, -1, secs);
	printf("bench: hostroles_get_credentials p50_us=%.1f p99_us=%.1f ops_s=%.0f "
	       "floor_p50_us=%.1f ratio=%.2f\n", gl.p50, gl.p99, ops, fl.p50, gl.p50 / fl.p50);
	printf("# target hostroles_get_credentials ratio <= 1.75: %s\n",
	       gl.p50 / fl.p50 <= 1.75 ? "met" : "MISSED");
	fflush(stdout);

	/* libiam's cached path */
	iam_client *c;
	if (iam_client_new(api, &c) < 0)
		bench_die("iam_client_new");
	iam_credentials *k;
	if (iam_credentials_get(c, &k) < 0)
		bench_die("iam_credentials_get");
	iam_credentials_free(k);
	double best = 1e9, floor_ns = 1e9;
	long n = 1000000;
	for (int i = 0; i < 5; i++) {
		double v = cached_ns(c, n), m = mutex_ns(n);
		if (v < best)
			best = v;
		if (m < floor_ns)
			floor_ns = m;
	}
	iam_client_free(c);
	printf("bench: hostroles_creds_cached p50_ns=%.1f ops_s=%.0f floor_ns=%.1f ratio=%.2f\n",
	       best, 1e9 / best, floor_ns, best / floor_ns);
	printf("# target hostroles_creds_cached < 100 ns: %s\n", best < 100 ? "met" : "MISSED");
	fflush(stdout);

	bench_frames_free(&f);
	cleanup();
	keyd_pid = relay_pid = 0;
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	(void)!system(cmd);
	rmdir(runtime);
	return 0;
}
