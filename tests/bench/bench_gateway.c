/* bench_gateway: GetCallerIdentity through iam-gateway (HTTP/1.1 with
 * keep-alive, the AWS Query protocol, SigV4) beside the same call on the
 * api socket in the same run (docs/gateway.md "Speed").
 *
 * Starts its own iam-keyd where the running iamd looks for it by default
 * (IAMD_SOCKET's runtime directory/../iam-keyd/keyd.sock) and its own
 * iam-gateway, pinned to CPU 1 with the client: run.sh pins iamd to CPU
 * 0, and on the floor's path iamd has that CPU to itself, so the gateway
 * sits on the client's side (on CPU 0 it would also take iamd's CPU from
 * it, a cost of the placement, not of the gateway); keyd runs where the
 * scheduler puts it. Then it makes a user with an access key, and:
 *
 *   bench: gateway_api_get_caller_identity p50_us=… p99_us=… ops_s=…
 *       the floor: GetCallerIdentity signed with the user's key on the api
 *       socket (one connection; ops_s with 4 connections)
 *   bench: gateway_get_caller_identity p50_us=… p99_us=… ops_s=… floor_p50_us=… ratio=…
 *       the same call as an HTTP POST to the gateway on a keep-alive
 *       connection: form body, SigV4 over host, content-type and
 *       x-amz-date, the XML answer read whole; ops_s with 4 keep-alive
 *       connections; ratio = p50 / the floor's p50 (target <= 1.5)
 *
 * Both requests are signed once at the start (a signature is good for 15
 * minutes; iamd keeps no nonce), so the figures hold no client-side
 * signing. The client runs on CPU 1; the latency samples of the two paths
 * are interleaved in blocks of 250 so that both see the same load.
 * BENCH_ROUNDS (default 20000 per path), BENCH_SECS (1) per throughput
 * figure, BENCH_GATEWAY_CPU (1; -1: unpinned) where the gateway runs
 * (the placement moves the ratio on this VM: docs/gateway.md "Speed"),
 * BENCH_GATEWAY another iam-gateway binary (A/B comparisons). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api.pb-c.h"
#include "bench_common.h"
#include "bench_keyd_relay.h"
#include "rpc/rpc.h"
#include "sigv4/sigv4.h"
#include "util/arena.h"

#define USER "gwbench"
#define BLOCK 250
#define BODY "Action=GetCallerIdentity&Version=2011-06-15"
#define CTYPE "application/x-www-form-urlencoded; charset=utf-8"

static pid_t keyd_pid, gw_pid;
static char tmpdir[] = "/tmp/bench_gateway.XXXXXX";

static void cleanup(void)
{
	if (gw_pid > 0) {
		kill(gw_pid, SIGTERM);
		waitpid(gw_pid, NULL, 0);
		gw_pid = 0;
	}
	if (keyd_pid > 0) {
		kill(keyd_pid, SIGTERM);
		waitpid(keyd_pid, NULL, 0);
		keyd_pid = 0;
	}
}

/* Starts iam-gateway on `cpu` (< 0: any) on a free loopback port; returns
 * the port. */
static unsigned gateway_start(const char *bin, const char *api, int cpu)
{
	int pfd[2];
	char log[PATH_MAX];
	snprintf(log, sizeof(log), "%s/gateway.log", tmpdir);
	if (pipe(pfd) < 0)
		bench_die("pipe");
	gw_pid = fork();
	if (gw_pid < 0)
		bench_die("fork");
	if (gw_pid == 0) {
		bench_pin(cpu);
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0)
			dup2(fd, 2);
		execl(bin, bin, "--listen", "127.0.0.1:0", "--socket", api, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	FILE *f = fdopen(pfd[0], "r");
	char line[256];
	unsigned port = 0;
	if (!f || !fgets(line, sizeof(line), f) ||
	    sscanf(line, "listening on http://127.0.0.1:%u", &port) != 1 || !port)
		bench_die("iam-gateway did not start (see %s)", log);
	fclose(f);
	return port;
}

/* The CPU time iam-gateway has used so far (user + system), in us. */
static double gateway_cpu_us(void)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)gw_pid);
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = '\0';
	const char *p = strrchr(buf, ')');   /* after the command name */
	unsigned long ut = 0, st = 0;
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
			 &ut, &st) != 2)
		return 0;
	return (double)(ut + st) * 1e6 / (double)sysconf(_SC_CLK_TCK);
}

/* ---- the api socket ---- */

static Iam__Response *must(Iam__Response *r, const char *what)
{
	if (!r)
		bench_die("%s: no answer", what);
	return r;
}

/* The GetCallerIdentity frame signed with the key (bench_sts's). */
static void api_frame(struct bench_frames *f, const char *ak, const char *sk)
{
	Iam__Request req = IAM__REQUEST__INIT;
	Iam__GetCallerIdentityRequest g = IAM__GET_CALLER_IDENTITY_REQUEST__INIT;
	Iam__SigV4Auth auth = IAM__SIG_V4_AUTH__INIT;
	struct arena *a = NULL;
	char date[SIGV4_DATE_LEN + 1], hash[SIGV4_HEX_LEN + 1], *authz = NULL;
	uint8_t buf[16];
	if (arena_new(4096, &a) < 0)
		bench_die("out of memory");
	req.has_id = 1;
	req.id = 1;
	req.op_case = IAM__REQUEST__OP_GET_CALLER_IDENTITY;
	req.get_caller_identity = &g;
	size_t n = iam__get_caller_identity_request__pack(&g, buf);
	sigv4_sha256_hex(buf, n, hash);
	sigv4_date_format((int64_t)time(NULL), date);
	struct sigv4_api_call call = { .action = "GetCallerIdentity", .amz_date = date,
				       .payload_hash = hash };
	if (sigv4_api_sign(a, &call, ak, sk, strlen(sk), "us-east-1", "sts", &authz) < 0)
		bench_die("sign");
	auth.authorization = authz;
	auth.amz_date = date;
	req.sigv4 = &auth;
	bench_frames_add(f, &req);
	arena_free(a);
}

/* ---- HTTP ---- */

static char http_req[2048];
static size_t http_req_len;
static unsigned gw_port;

/* The signed POST, as an SDK sends it (the Authorization over host,
 * content-type and x-amz-date). */
static void http_build(unsigned port, const char *ak, const char *sk)
{
	struct arena *a = NULL;
	char host[32], date[SIGV4_DATE_LEN + 1], d8[9], hash[SIGV4_HEX_LEN + 1];
	char sts[512], sig[SIGV4_HEX_LEN + 1];
	const char **names;
	char *list, *creq, *scope, *authz;
	size_t nn, creq_len;
	struct sigv4_error e;
	if (arena_new(4096, &a) < 0)
		bench_die("out of memory");
	snprintf(host, sizeof(host), "127.0.0.1:%u", port);
	sigv4_date_format((int64_t)time(NULL), date);
	memcpy(d8, date, 8);
	d8[8] = '\0';
	sigv4_sha256_hex(BODY, strlen(BODY), hash);
	struct sigv4_header h[3] = {
		{ "Host", 4, host, strlen(host) },
		{ "Content-Type", 12, CTYPE, strlen(CTYPE) },
		{ "X-Amz-Date", 10, date, SIGV4_DATE_LEN },
	};
	struct sigv4_request rq = { .method = "POST", .path = "/", .path_len = 1,
				    .headers = h, .n_headers = 3, .payload_hash = hash };
	if (sigv4_signed_headers(a, &rq, &names, &nn, &list) < 0 ||
	    sigv4_canonical_request(a, &rq, names, nn, &creq, &creq_len, &e) < 0)
		bench_die("canonical request");
	sigv4_sha256_hex(creq, creq_len, hash);
	scope = arena_printf(a, "%s/us-east-1/sts/" SIGV4_TERMINATOR, d8);
	int r = scope ? sigv4_string_to_sign(date, scope, hash, sts, sizeof(sts)) : -ENOMEM;
	if (r < 0 || sigv4_sign(sk, strlen(sk), d8, "us-east-1", "sts", sts, (size_t)r, sig) < 0 ||
	    !(authz = sigv4_authz_format(a, ak, scope, list, sig)))
		bench_die("sign");
	int n = snprintf(http_req, sizeof(http_req),
			 "POST / HTTP/1.1\r\nHost: %s\r\nContent-Type: " CTYPE "\r\n"
			 "X-Amz-Date: %s\r\nAuthorization: %s\r\nContent-Length: %zu\r\n"
			 "\r\n" BODY, host, date, authz, strlen(BODY));
	if (n < 0 || (size_t)n >= sizeof(http_req))
		bench_die("request too long");
	http_req_len = (size_t)n;
	arena_free(a);
}

static int http_connect(const char *unused)
{
	(void)unused;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)gw_port) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static char resp[65536];
static size_t resp_len;

/* One request out, its whole answer in (status line, headers,
 * Content-Length bytes of body); the HTTP status, or -1. */
static int http_round_trip(int fd)
{
	if (write(fd, http_req, http_req_len) != (ssize_t)http_req_len)
		return -1;
	size_t have = 0, need = 0;
	for (;;) {
		ssize_t r = read(fd, resp + have, sizeof(resp) - 1 - have);
		if (r <= 0)
			return -1;
		have += (size_t)r;
		resp[have] = '\0';
		if (!need) {
			char *end = strstr(resp, "\r\n\r\n");
			if (!end)
				continue;
			char *cl = strcasestr(resp, "\r\ncontent-length:");
			if (!cl || cl > end)
				return -1;
			need = (size_t)(end + 4 - resp) + strtoul(cl + 17, NULL, 10);
			if (need >= sizeof(resp))
				return -1;
		}
		if (have >= need)
			break;
	}
	if (have != need)
		return -1;   /* no pipelining here: nothing may follow */
	resp_len = have;
	return atoi(resp + 9);
}

static void http_sample(int fd, double *t, int n)
{
	for (int i = 0; i < n; i++) {
		double t0 = bench_now_us();
		if (http_round_trip(fd) != 200)
			bench_die("HTTP round trip failed");
		t[i] = bench_now_us() - t0;
	}
}

static double http_throughput(double secs)
{
	int pfd[2];
	if (pipe(pfd) < 0)
		bench_die("pipe");
	pid_t kids[BENCH_NCONN];
	for (int k = 0; k < BENCH_NCONN; k++) {
		kids[k] = fork();
		if (kids[k] == 0) {
			close(pfd[0]);
			int fd = http_connect(NULL);
			if (fd < 0)
				_exit(1);
			uint64_t ops = 0;
			for (int i = 0; i < 200; i++)
				http_round_trip(fd);
			double end = bench_now_us() + secs * 1e6;
			while (bench_now_us() < end) {
				for (int i = 0; i < 64; i++)
					if (http_round_trip(fd) != 200)
						_exit(1);
				ops += 64;
			}
			(void)!write(pfd[1], &ops, sizeof(ops));
			_exit(0);
		}
	}
	close(pfd[1]);
	uint64_t total = 0, ops;
	while (read(pfd[0], &ops, sizeof(ops)) == (ssize_t)sizeof(ops))
		total += ops;
	close(pfd[0]);
	for (int k = 0; k < BENCH_NCONN; k++)
		waitpid(kids[k], NULL, 0);
	return (double)total / secs;
}

int main(void)
{
	const char *api = getenv("IAMD_SOCKET");
	const char *top = getenv("top_builddir") ? getenv("top_builddir") : ".";
	int rounds = getenv("BENCH_ROUNDS") ? atoi(getenv("BENCH_ROUNDS")) : 20000;
	double secs = getenv("BENCH_SECS") ? atof(getenv("BENCH_SECS")) : 1.0;
	char bin[PATH_MAX], gwbin[PATH_MAX], runtime[PATH_MAX];
	bench_init("bench_gateway");
	if (!api)
		bench_die("IAMD_SOCKET is not set");
	if (rounds < 2 * BLOCK)
		rounds = 2 * BLOCK;
	rounds -= rounds % BLOCK;
	if (!mkdtemp(tmpdir))
		bench_die("mkdtemp");
	atexit(cleanup);
	snprintf(bin, sizeof(bin), "%s/keyd/iam-keyd", top);
	if (getenv("BENCH_GATEWAY"))
		snprintf(gwbin, sizeof(gwbin), "%s", getenv("BENCH_GATEWAY"));
	else
		snprintf(gwbin, sizeof(gwbin), "%s/gateway/iam-gateway", top);
	if (access(gwbin, X_OK) < 0)
		bench_die("%s is not built", gwbin);
	snprintf(runtime, sizeof(runtime), "%s", api);
	for (int i = 0; i < 2; i++) {
		char *slash = strrchr(runtime, '/');
		if (!slash)
			bench_die("IAMD_SOCKET: an absolute path expected");
		*slash = '\0';
	}
	strncat(runtime, "/iam-keyd", sizeof(runtime) - strlen(runtime) - 1);
	mkdir(runtime, 0755);
	keyd_pid = bench_keyd_start(bin, tmpdir, runtime);
	gw_port = gateway_start(gwbin, api,
				getenv("BENCH_GATEWAY_CPU") ? atoi(getenv("BENCH_GATEWAY_CPU")) : 1);
	bench_pin(1);

	/* the user and its key */
	int fd = bench_api_connect(api);
	if (fd < 0)
		bench_die("cannot connect to iamd");
	Iam__Request req = IAM__REQUEST__INIT;
	Iam__CreateUserRequest cu = IAM__CREATE_USER_REQUEST__INIT;
	cu.user_name = (char *)USER;
	req.op_case = IAM__REQUEST__OP_CREATE_USER;
	req.create_user = &cu;
	iam__response__free_unpacked(must(bench_call(fd, &req), "CreateUser"), NULL);
	char ak[64] = "", sk[64] = "";
	Iam__CreateAccessKeyRequest ck = IAM__CREATE_ACCESS_KEY_REQUEST__INIT;
	ck.user_name = (char *)USER;
	for (int i = 0; i < 100 && !ak[0]; i++) {
		req.op_case = IAM__REQUEST__OP_CREATE_ACCESS_KEY;
		req.create_access_key = &ck;
		Iam__Response *r = must(bench_call(fd, &req), "CreateAccessKey");
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
	close(fd);

	/* the requests, each checked once */
	struct bench_frames ff = { 0 };
	api_frame(&ff, ak, sk);
	bench_frames_use(&ff);
	int afd = bench_api_connect(api);
	if (afd < 0)
		bench_die("cannot connect to iamd");
	Iam__Request *chk = iam__request__unpack(NULL, ff.len[0] - 4, ff.buf + ff.off[0] + 4);
	Iam__Response *r = must(bench_call(afd, chk), "GetCallerIdentity");
	if (r->status && r->status->code)
		bench_die("GetCallerIdentity on the api socket: %s: %s", r->status->code,
			  r->status->message ? r->status->message : "");
	iam__response__free_unpacked(r, NULL);
	iam__request__free_unpacked(chk, NULL);
	http_build(gw_port, ak, sk);
	int hfd = http_connect(NULL);
	if (hfd < 0)
		bench_die("cannot connect to iam-gateway");
	int st = http_round_trip(hfd);
	if (st != 200 || !strstr(resp, ":user/" USER "</Arn>"))
		bench_die("GetCallerIdentity through the gateway: HTTP %d:\n%.*s", st,
			  (int)resp_len, resp);

	/* latency, interleaved */
	double *ta = malloc(sizeof(double) * (size_t)rounds);
	double *tg = malloc(sizeof(double) * (size_t)rounds);
	if (!ta || !tg)
		bench_die("out of memory");
	bench_latency_sample(afd, ta, rounds / 10);   /* warm up */
	http_sample(hfd, tg, rounds / 10);
	double cpu0 = gateway_cpu_us();
	for (int i = 0; i < rounds; i += BLOCK) {
		bench_latency_sample(afd, ta + i, BLOCK);
		http_sample(hfd, tg + i, BLOCK);
	}
	double cpu_req = (gateway_cpu_us() - cpu0) / rounds;
	close(afd);
	close(hfd);
	struct bench_lat la = bench_latency_stats(ta, (size_t)rounds);
	struct bench_lat lg = bench_latency_stats(tg, (size_t)rounds);
	free(ta);
	free(tg);

	/* throughput, 4 connections each */
	double ops_a = bench_measure_throughput(bench_api_connect, api, 1, secs);
	double ops_g = http_throughput(secs);

	printf("bench: gateway_api_get_caller_identity p50_us=%.1f p99_us=%.1f ops_s=%.0f\n",
	       la.p50, la.p99, ops_a);
	printf("bench: gateway_get_caller_identity p50_us=%.1f p99_us=%.1f ops_s=%.0f "
	       "floor_p50_us=%.1f ratio=%.2f\n", lg.p50, lg.p99, ops_g, la.p50, lg.p50 / la.p50);
	printf("# gateway CPU per request: %.1f us (user + system, /proc)\n", cpu_req);
	fflush(stdout);

	bench_frames_free(&ff);
	cleanup();
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	(void)!system(cmd);
	rmdir(runtime);
	return 0;
}
