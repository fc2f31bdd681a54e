/* bench_sts: STS end to end beside the keyd double-hop floor (docs/sts.md).
 * Starts its own iam-keyd where the running iamd looks for it by default
 * (IAMD_SOCKET's runtime directory/../iam-keyd/keyd.sock), makes a user
 * with an access key and a role that trusts it, then:
 *
 *   bench: sts_double_hop_floor p50_us=… p99_us=… ops_s=…
 *       client -> relay -> iam-keyd Echo -> relay -> client: a raw frontend
 *       (one blocking process, no decoding, no store) in front of keyd
 *   bench: sts_assumerole p50_us=… p99_us=… ops_s=… floor_p50_us=… ratio=…
 *       AssumeRole signed with the user's key (SigV4 in iamd; trust and
 *       identity policy decided on the claimed caller; one VerifyAndMint
 *       in keyd, which mints only if the signature verifies; RoleLastUsed
 *       at most once a minute); ops_s with 4
 *       connections
 *   bench: sts_assumerole_uid p50_us=… p99_us=… ops_s=… floor_p50_us=… ratio=…
 *       the same for a local service known by its uid (a local binding, no
 *       signature: one keyd hop), when run as root
 *   bench: sts_get_caller_identity p50_us=… p99_us=… ops_s=… floor_p50_us=… ratio=…
 *       GetCallerIdentity signed with the user's key (keyd verifies)
 *
 * Signed frames are signed once at the start (a signature is good for 15
 * minutes; iamd keeps no nonce). p50/p99 of BENCH_ROUNDS/4 round trips
 * (BENCH_ROUNDS: default 20000) on one connection per line, the client
 * pinned to CPU 0 with iamd and the floor's relay, as the other api
 * benchmarks (bench_api, bench_authz, bench_hostroles) pin theirs; keyd
 * runs where the scheduler puts it, as it does in production. The floor
 * and the calls take turns in blocks of 250 (measure_interleaved()), so
 * that they see the same machine. Throughput with BENCH_NCONN connections
 * for BENCH_SECS (1) seconds. BENCH_ONLY=NAME measures the floor and that
 * line only (for a profiler). BENCH_CLIENT_CPU (0) moves the client;
 * BENCH_KEYD_CPU pins keyd (bench_keyd_relay.h): the placement changes
 * the ratios on this VM (docs/sts.md, "Session 6").
 * Each line ends with the CPU time per request of the server (iamd, or the
 * floor's relay), iam-keyd and this client over the pinned latency run
 * (/proc/PID/task/TID/schedstat): robust to a loaded machine where the
 * wall-clock figures are not. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
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
#include "keyd.pb-c.h"
#include "rpc/rpc.h"
#include "sigv4/sigv4.h"
#include "util/arena.h"

#define BENCH_UID 65534
#define ROLE "stsbench"
#define USER "stsbench"

static pid_t keyd_pid, relay_pid, iamd_pid;
static char tmpdir[] = "/tmp/bench_sts.XXXXXX";

static void cleanup(void)
{
	if (relay_pid > 0)
		kill(relay_pid, SIGTERM);
	if (keyd_pid > 0) {
		kill(keyd_pid, SIGTERM);
		waitpid(keyd_pid, NULL, 0);
	}
}

/* ---- CPU time per request (robust to a loaded machine) ---- */

/* Nanoseconds on a CPU of every thread of `pid` so far
 * (/proc/PID/task/TID/schedstat, first field); 0 when unknown. */
static uint64_t cpu_ns(pid_t pid)
{
	char path[64];
	uint64_t sum = 0;
	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		char f[384];
		unsigned long long ns = 0;
		if (e->d_name[0] == '.')
			continue;
		snprintf(f, sizeof(f), "/proc/%d/task/%s/schedstat", (int)pid, e->d_name);
		FILE *fp = fopen(f, "r");
		if (fp) {
			if (fscanf(fp, "%llu", &ns) == 1)
				sum += ns;
			fclose(fp);
		}
	}
	closedir(d);
	return sum;
}

static uint64_t self_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct cpu_mark {
	uint64_t server, keyd, client;
};

static struct cpu_mark cpu_mark(pid_t server)
{
	struct cpu_mark m = { cpu_ns(server), cpu_ns(keyd_pid), self_ns() };
	return m;
}

/* " cpu_us_op server=… keyd=… client=…" of n requests since `a`. */
static void cpu_print(const char *server_name, struct cpu_mark a, struct cpu_mark b, double n)
{
	printf(" cpu_us_op_%s=%.1f cpu_us_op_keyd=%.1f cpu_us_op_client=%.1f", server_name,
	       (double)(b.server - a.server) / 1e3 / n, (double)(b.keyd - a.keyd) / 1e3 / n,
	       (double)(b.client - a.client) / 1e3 / n);
}

/* ---- the floor: a raw relay in front of keyd ---- */

/* ---- requests ---- */

static Iam__Response *must(Iam__Response *r, const char *what)
{
	if (!r)
		bench_die("%s: no answer", what);
	return r;
}

/* A Request frame for `op` signed with the key (NULL: unsigned). */
static void frame_add(struct bench_frames *f, uint32_t op, ProtobufCMessage *msg,
		      const char *action, const char *service, const char *ak, const char *sk)
{
	Iam__Request req = IAM__REQUEST__INIT;
	Iam__SigV4Auth auth = IAM__SIG_V4_AUTH__INIT;
	const ProtobufCFieldDescriptor *fd =
		protobuf_c_message_descriptor_get_field(&iam__request__descriptor, op);
	struct arena *a = NULL;
	char date[SIGV4_DATE_LEN + 1], hash[SIGV4_HEX_LEN + 1], *authz = NULL;
	if (!fd || arena_new(4096, &a) < 0)
		bench_die("frame");
	req.has_id = 1;
	req.id = 1;
	req.op_case = (Iam__Request__OpCase)op;
	*(ProtobufCMessage **)((char *)&req + fd->offset) = msg;
	if (ak) {
		size_t n = protobuf_c_message_get_packed_size(msg);
		uint8_t *buf = malloc(n ? n : 1);
		protobuf_c_message_pack(msg, buf);
		sigv4_sha256_hex(buf, n, hash);
		free(buf);
		sigv4_date_format((int64_t)time(NULL), date);
		struct sigv4_api_call call = { .action = action, .amz_date = date,
					       .payload_hash = hash };
		if (sigv4_api_sign(a, &call, ak, sk, strlen(sk), "us-east-1", service, &authz) < 0)
			bench_die("sign");
		auth.authorization = authz;
		auth.amz_date = date;
		req.sigv4 = &auth;
	}
	bench_frames_add(f, &req);
	arena_free(a);
}

/* Checks that frame 0 of f is answered without an error status. */
static void frame_check(const char *sock, struct bench_frames *f, const char *what,
			int (*conn)(const char *))
{
	int fd = conn(sock);
	if (fd < 0)
		bench_die("%s: cannot connect", what);
	uint8_t *p = f->buf + f->off[0] + 4;
	Iam__Request *req = iam__request__unpack(NULL, f->len[0] - 4, p);
	Iam__Response *r = must(bench_call(fd, req), what);
	if (r->status && r->status->code)
		bench_die("%s: %s: %s", what, r->status->code,
			  r->status->message ? r->status->message : "");
	iam__response__free_unpacked(r, NULL);
	iam__request__free_unpacked(req, NULL);
	close(fd);
}

/* Connects as BENCH_UID (the effective uid is what SO_PEERCRED reports). */
static int uid_connect(const char *path)
{
	if (setegid(BENCH_UID) < 0 || seteuid(BENCH_UID) < 0)
		return -1;
	int fd = bench_api_connect(path);
	if (seteuid(0) < 0 || setegid(0) < 0)
		bench_die("seteuid back");
	return fd;
}

static void report(const char *name, struct bench_lat l, double ops, double floor,
		   struct cpu_mark a, struct cpu_mark b, double n)
{
	printf("bench: %s p50_us=%.1f p99_us=%.1f ops_s=%.0f floor_p50_us=%.1f ratio=%.2f",
	       name, l.p50, l.p99, ops, floor, l.p50 / floor);
	cpu_print("iamd", a, b, n);
	printf("\n");
	fflush(stdout);
}

/* One thing measured: the floor or a call, on a connection of its own. */
struct target {
	const char *name;
	const char *sock;
	struct bench_frames *frames;   /* NULL: skipped */
	int (*conn)(const char *);
	pid_t server;                  /* whose CPU time is counted */
	int fd;
	double *t;
	struct bench_lat lat;
	struct cpu_mark cpu0, cpu1;    /* summed over the timed blocks */
	double n;                      /* timed round trips */
};

/* The latency of every target in turns of BLOCK round trips, `rounds`
 * each: a machine that gets busier or quieter during the run moves the
 * floor and the calls alike, so their ratios hold (the figures of one
 * target measured after another's drift apart by 10-20% between runs). */
#define BLOCK 250
static void measure_interleaved(struct target *tg, size_t nt, int rounds)
{
	for (size_t k = 0; k < nt; k++) {
		if (!tg[k].frames)
			continue;
		tg[k].fd = tg[k].conn(tg[k].sock);
		tg[k].t = calloc((size_t)rounds + BLOCK, sizeof(double));
		if (tg[k].fd < 0 || !tg[k].t)
			bench_die("%s: cannot connect", tg[k].name);
		bench_frames_use(tg[k].frames);
		bench_latency_sample(tg[k].fd, tg[k].t, rounds / 10);   /* warm up */
	}
	for (int done = 0; done < rounds; done += BLOCK) {
		int n = rounds - done < BLOCK ? rounds - done : BLOCK;
		for (size_t k = 0; k < nt; k++) {
			if (!tg[k].frames)
				continue;
			bench_frames_use(tg[k].frames);
			struct cpu_mark a = cpu_mark(tg[k].server);
			bench_latency_sample(tg[k].fd, tg[k].t + done, n);
			struct cpu_mark b = cpu_mark(tg[k].server);
			tg[k].cpu1.server += b.server - a.server;
			tg[k].cpu1.keyd += b.keyd - a.keyd;
			tg[k].cpu1.client += b.client - a.client;
			tg[k].n += n;
		}
	}
	for (size_t k = 0; k < nt; k++) {
		if (!tg[k].frames)
			continue;
		tg[k].lat = bench_latency_stats(tg[k].t, (size_t)rounds);
		close(tg[k].fd);
		free(tg[k].t);
	}
}

int main(void)
{
	const char *api = getenv("IAMD_SOCKET");
	const char *top = getenv("top_builddir") ? getenv("top_builddir") : ".";
	int rounds = getenv("BENCH_ROUNDS") ? atoi(getenv("BENCH_ROUNDS")) : 20000;
	double secs = getenv("BENCH_SECS") ? atof(getenv("BENCH_SECS")) : 1.0;
	char bin[PATH_MAX], runtime[PATH_MAX], ksock[PATH_MAX + 16], relay[PATH_MAX + 16];
	bench_init("bench_sts");
	if (!api)
		bench_die("IAMD_SOCKET is not set");
	if (rounds < 100)
		rounds = 100;
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
	bench_pin(getenv("BENCH_CLIENT_CPU") ? atoi(getenv("BENCH_CLIENT_CPU")) : 0);
	{   /* iamd's pid, for its CPU time per request */
		char pf[PATH_MAX + 16], buf[32] = "";
		snprintf(pf, sizeof(pf), "%s", api);
		char *slash = strrchr(pf, '/');
		if (slash) {
			strcpy(slash + 1, "iamd.pid");
			FILE *f = fopen(pf, "r");
			if (f) {
				if (fgets(buf, sizeof(buf), f))
					iamd_pid = atoi(buf);
				fclose(f);
			}
		}
	}

	/* the user, its key, the role */
	int fd = bench_api_connect(api);
	if (fd < 0)
		bench_die("cannot connect to iamd");
	Iam__Request req = IAM__REQUEST__INIT;
	Iam__CreateUserRequest cu = IAM__CREATE_USER_REQUEST__INIT;
	cu.user_name = (char *)USER;
	req.op_case = IAM__REQUEST__OP_CREATE_USER;
	req.create_user = &cu;
	iam__response__free_unpacked(must(bench_call(fd, &req), "CreateUser"), NULL);
	Iam__CreateRoleRequest cr = IAM__CREATE_ROLE_REQUEST__INIT;
	char acct[13] = "", trust[512];
	Iam__GetCallerIdentityRequest gci = IAM__GET_CALLER_IDENTITY_REQUEST__INIT;
	req.op_case = IAM__REQUEST__OP_GET_CALLER_IDENTITY;
	req.get_caller_identity = &gci;
	Iam__Response *r = must(bench_call(fd, &req), "GetCallerIdentity");
	if (r->get_caller_identity && r->get_caller_identity->account)
		snprintf(acct, sizeof(acct), "%s", r->get_caller_identity->account);
	iam__response__free_unpacked(r, NULL);
	snprintf(trust, sizeof(trust),
		 "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
		 "{\"AWS\":\"arn:aws:iam::%s:user/" USER "\"},\"Action\":\"sts:AssumeRole\"}]}",
		 acct);
	cr.role_name = (char *)ROLE;
	cr.assume_role_policy_document = trust;
	req.op_case = IAM__REQUEST__OP_CREATE_ROLE;
	req.create_role = &cr;
	iam__response__free_unpacked(must(bench_call(fd, &req), "CreateRole"), NULL);
	char ak[64] = "", sk[64] = "";
	Iam__CreateAccessKeyRequest ck = IAM__CREATE_ACCESS_KEY_REQUEST__INIT;
	ck.user_name = (char *)USER;
	for (int i = 0; i < 100 && !ak[0]; i++) {
		req.op_case = IAM__REQUEST__OP_CREATE_ACCESS_KEY;
		req.create_access_key = &ck;
		r = must(bench_call(fd, &req), "CreateAccessKey");
		if (r->create_access_key && r->create_access_key->access_key) {
			snprintf(ak, sizeof(ak), "%s", r->create_access_key->access_key->access_key_id);
			snprintf(sk, sizeof(sk), "%s",
				 r->create_access_key->access_key->secret_access_key);
		} else {
			usleep(50000);   /* iamd connects to keyd in the background */
		}
		iam__response__free_unpacked(r, NULL);
	}
	if (!ak[0])
		bench_die("CreateAccessKey failed (is iamd connected to keyd?)");
	bool as_root = geteuid() == 0;
	if (as_root) {
		Iam__CreateLocalUserBindingRequest b = IAM__CREATE_LOCAL_USER_BINDING_REQUEST__INIT;
		b.has_uid = 1;
		b.uid = BENCH_UID;
		b.user_name = (char *)USER;
		req.op_case = IAM__REQUEST__OP_CREATE_LOCAL_USER_BINDING;
		req.create_local_user_binding = &b;
		iam__response__free_unpacked(must(bench_call(fd, &req), "CreateLocalUserBinding"),
					     NULL);
		/* the socket's directories must let BENCH_UID through */
		char d[PATH_MAX];
		snprintf(d, sizeof(d), "%s", api);
		for (int i = 0; i < 2; i++) {
			char *slash = strrchr(d, '/');
			*slash = '\0';
			chmod(d, 0755);
		}
	}
	close(fd);

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
	struct bench_frames ff = { 0 };
	Iam__GetCallerIdentityRequest g2 = IAM__GET_CALLER_IDENTITY_REQUEST__INIT;
	frame_add(&ff, IAM__REQUEST__OP_GET_CALLER_IDENTITY, &g2.base, NULL, NULL, NULL, NULL);

	/* AssumeRole, signed; as a bound uid (root only); GetCallerIdentity */
	char role_arn[128];
	snprintf(role_arn, sizeof(role_arn), "arn:aws:iam::%s:role/" ROLE, acct);
	Iam__AssumeRoleRequest ar = IAM__ASSUME_ROLE_REQUEST__INIT;
	ar.role_arn = role_arn;
	ar.role_session_name = (char *)"bench";
	struct bench_frames fa = { 0 }, fu = { 0 }, fg = { 0 };
	frame_add(&fa, IAM__REQUEST__OP_ASSUME_ROLE, &ar.base, "AssumeRole", "sts", ak, sk);
	frame_check(api, &fa, "AssumeRole", bench_api_connect);
	if (as_root) {
		frame_add(&fu, IAM__REQUEST__OP_ASSUME_ROLE, &ar.base, NULL, NULL, NULL, NULL);
		frame_check(api, &fu, "AssumeRole as a bound uid", uid_connect);
	}
	frame_add(&fg, IAM__REQUEST__OP_GET_CALLER_IDENTITY, &g2.base, "GetCallerIdentity", "sts",
		  ak, sk);
	frame_check(api, &fg, "GetCallerIdentity", bench_api_connect);

	struct target tg[] = {
		{ .name = "sts_double_hop_floor", .sock = relay, .frames = &ff,
		  .conn = bench_raw_connect, .server = relay_pid },
		{ .name = "sts_assumerole", .sock = api, .frames = &fa,
		  .conn = bench_api_connect, .server = iamd_pid },
		{ .name = "sts_assumerole_uid", .sock = api, .frames = &fu, .conn = uid_connect,
		  .server = iamd_pid },
		{ .name = "sts_get_caller_identity", .sock = api, .frames = &fg,
		  .conn = bench_api_connect, .server = iamd_pid },
	};
	size_t nt = sizeof(tg) / sizeof(tg[0]);
	if (!as_root)
		tg[2].frames = NULL;   /* skipped */
	const char *only = getenv("BENCH_ONLY");   /* one call and the floor (profiling) */
	for (size_t k = 1; only && k < nt; k++)
		if (strcmp(tg[k].name, only) != 0)
			tg[k].frames = NULL;
	measure_interleaved(tg, nt, rounds / 4);
	double floor = tg[0].lat.p50;
	printf("bench: %s p50_us=%.1f p99_us=%.1f ops_s=%.0f", tg[0].name, floor, tg[0].lat.p99,
	       tg[0].lat.ops_s);
	cpu_print("relay", tg[0].cpu0, tg[0].cpu1, tg[0].n);
	printf("\n");
	fflush(stdout);
	for (size_t k = 1; k < nt; k++) {
		if (!tg[k].frames)
			continue;
		bench_frames_use(tg[k].frames);
		double ops = bench_measure_throughput(tg[k].conn, tg[k].sock, -1, secs);
		report(tg[k].name, tg[k].lat, ops, floor, tg[k].cpu0, tg[k].cpu1, tg[k].n);
	}

	cleanup();
	keyd_pid = relay_pid = 0;
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	(void)!system(cmd);
	rmdir(runtime);
	return 0;
}
