/* bench_keyd: the keyd hop, the floor of later benchmarks (SigV4 checks,
 * AssumeRole). Starts its own iam-keyd (top_builddir/keyd/iam-keyd) where
 * the running iamd looks for it by default (IAMD_SOCKET's runtime
 * directory/../iam-keyd/keyd.sock), so iamd connects to it too; then:
 *
 *   bench: keyd_echo p50_us=… p99_us=… ops_s=…
 *       a raw client -> keyd Echo of 64 bytes (one connection, sequential)
 *   bench: keyd_echo_4conn ops_s=…
 *       4 connections, each with 16 Echo requests in flight
 *   bench: create_access_key p50_us=… p99_us=… ops_s=… floor_p50_us=… ratio=…
 *       client -> iamd -> keyd -> iamd (LMDB commit) -> client, beside the
 *       echo floor (each key is deleted again, untimed: 2 per user)
 *
 * BENCH_ROUNDS (default 20000 echoes; a tenth of it for CreateAccessKey).
 * Needs IAMD_SOCKET and BENCH_USER (tests/bench/run.sh sets both). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api.pb-c.h"
#include "keyd.pb-c.h"
#include "bench_common.h"
#include "bench_keyd_relay.h"
#include "rpc/rpc.h"

static pid_t keyd_pid;
static char tmpdir[] = "/tmp/bench_keyd.XXXXXX";

/* At exit, bench_die()'s too: iam-keyd goes with this program. */
static void keyd_stop(void)
{
	if (keyd_pid > 0) {
		kill(keyd_pid, SIGTERM);
		waitpid(keyd_pid, NULL, 0);
		keyd_pid = 0;
	}
}

__attribute__((noreturn))
static void die(const char *msg)
{
	bench_die("%s", msg);   /* keyd_stop() runs at exit */
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

struct stats {
	double p50_us, p99_us, ops_s;
};

static struct stats stats_of(uint64_t *ns, size_t n, uint64_t total_ns)
{
	struct stats s;
	qsort(ns, n, sizeof(*ns), cmp_u64);
	s.p50_us = ns[n / 2] / 1000.0;
	s.p99_us = ns[n * 99 / 100] / 1000.0;
	s.ops_s = n / (total_ns / 1e9);
	return s;
}

static Keyd__Response *keyd_call(int fd, Keyd__Request *req)
{
	uint8_t *body;
	size_t len;
	if (rpc_fd_send(fd, &req->base) < 0 || rpc_fd_recv(fd, 1u << 20, &body, &len) < 0)
		return NULL;
	Keyd__Response *r = keyd__response__unpack(NULL, len, body);
	free(body);
	return r;
}

/* The Echo frame, packed once; answers are read whole by length. */
static uint8_t echo_frame[256];
static size_t echo_len, echo_resp_len;

static int read_full(int fd, uint8_t *p, size_t n)
{
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static void echo_prepare(int fd)
{
	static uint8_t data[64];
	Keyd__Request req = KEYD__REQUEST__INIT;
	Keyd__EchoRequest e = KEYD__ECHO_REQUEST__INIT;
	e.has_data = 1;
	e.data.data = data;
	e.data.len = sizeof(data);
	req.has_id = 1;
	req.id = 7;
	req.op_case = KEYD__REQUEST__OP_ECHO;
	req.echo = &e;
	size_t n = keyd__request__get_packed_size(&req);
	echo_frame[0] = (uint8_t)(n >> 24);
	echo_frame[1] = (uint8_t)(n >> 16);
	echo_frame[2] = (uint8_t)(n >> 8);
	echo_frame[3] = (uint8_t)n;
	keyd__request__pack(&req, echo_frame + 4);
	echo_len = n + 4;
	Keyd__Response *r = keyd_call(fd, &req);
	if (!r || !r->echo)
		die("Echo failed");
	echo_resp_len = keyd__response__get_packed_size(r) + 4;
	keyd__response__free_unpacked(r, NULL);
}

static struct stats bench_echo(int fd, size_t rounds)
{
	uint64_t *ns = malloc(sizeof(*ns) * rounds);
	uint8_t buf[512];
	uint64_t t0 = now_ns();
	for (size_t i = 0; i < rounds; i++) {
		uint64_t a = now_ns();
		if (write(fd, echo_frame, echo_len) != (ssize_t)echo_len ||
		    read_full(fd, buf, echo_resp_len) < 0)
			die("echo round trip failed");
		ns[i] = now_ns() - a;
	}
	struct stats s = stats_of(ns, rounds, now_ns() - t0);
	free(ns);
	return s;
}

/* 4 processes, 16 requests in flight each, for about a second. */
static double bench_echo_4conn(const char *path)
{
	int p[2];
	if (pipe(p) < 0)
		die("pipe");
	for (int k = 0; k < 4; k++) {
		if (fork() == 0) {
			int fd = bench_keyd_connect(path);
			uint8_t out[16 * 256], in[16 * 512];
			uint64_t n = 0, end = now_ns() + 1000000000ull;
			for (int j = 0; j < 16; j++)
				memcpy(out + j * echo_len, echo_frame, echo_len);
			while (fd >= 0 && now_ns() < end) {
				if (write(fd, out, 16 * echo_len) != (ssize_t)(16 * echo_len) ||
				    read_full(fd, in, 16 * echo_resp_len) < 0)
					break;
				n += 16;
			}
			(void)!write(p[1], &n, sizeof(n));
			_exit(0);
		}
	}
	uint64_t total = 0, n;
	for (int k = 0; k < 4; k++) {
		if (read(p[0], &n, sizeof(n)) == sizeof(n))
			total += n;
		wait(NULL);
	}
	close(p[0]);
	close(p[1]);
	return (double)total;
}

static Iam__Response *api_call(int fd, Iam__Request *req)
{
	uint8_t *body;
	size_t len;
	if (rpc_fd_send(fd, &req->base) < 0 || rpc_fd_recv(fd, 1u << 20, &body, &len) < 0)
		return NULL;
	Iam__Response *r = iam__response__unpack(NULL, len, body);
	free(body);
	return r;
}

static struct stats bench_create_access_key(const char *api, const char *user, size_t rounds)
{
	int fd;
	if (rpc_connect_unix(api, &fd) < 0)
		die("cannot connect to iamd");
	Iam__Request req = IAM__REQUEST__INIT;
	Iam__Hello h = IAM__HELLO__INIT;
	req.op_case = IAM__REQUEST__OP_HELLO;
	req.hello = &h;
	iam__response__free_unpacked(api_call(fd, &req), NULL);
	Iam__CreateUserRequest cu = IAM__CREATE_USER_REQUEST__INIT;
	cu.user_name = (char *)user;
	req.op_case = IAM__REQUEST__OP_CREATE_USER;
	req.create_user = &cu;
	iam__response__free_unpacked(api_call(fd, &req), NULL);   /* may exist already */

	uint64_t *ns = malloc(sizeof(*ns) * rounds), busy = 0;
	Iam__CreateAccessKeyRequest ck = IAM__CREATE_ACCESS_KEY_REQUEST__INIT;
	Iam__DeleteAccessKeyRequest dk = IAM__DELETE_ACCESS_KEY_REQUEST__INIT;
	ck.user_name = dk.user_name = (char *)user;
	for (size_t i = 0; i < rounds; i++) {
		req.op_case = IAM__REQUEST__OP_CREATE_ACCESS_KEY;
		req.create_access_key = &ck;
		uint64_t a = now_ns();
		Iam__Response *r = api_call(fd, &req);
		ns[i] = now_ns() - a;
		busy += ns[i];
		if (!r || !r->create_access_key || !r->create_access_key->access_key) {
			fprintf(stderr, "bench_keyd: CreateAccessKey: %s\n",
				r && r->status && r->status->message ? r->status->message : "failed");
			die("CreateAccessKey failed (is iamd connected to keyd?)");
		}
		char id[64];
		snprintf(id, sizeof(id), "%s", r->create_access_key->access_key->access_key_id);
		iam__response__free_unpacked(r, NULL);
		dk.access_key_id = id;
		req.op_case = IAM__REQUEST__OP_DELETE_ACCESS_KEY;
		req.delete_access_key = &dk;
		iam__response__free_unpacked(api_call(fd, &req), NULL);
	}
	close(fd);
	struct stats s = stats_of(ns, rounds, busy);
	free(ns);
	return s;
}

int main(void)
{
	bench_init("bench_keyd");
	atexit(keyd_stop);
	const char *api = getenv("IAMD_SOCKET");
	const char *user = getenv("BENCH_USER") ? getenv("BENCH_USER") : "bench";
	const char *top = getenv("top_builddir") ? getenv("top_builddir") : ".";
	const char *rounds_s = getenv("BENCH_ROUNDS");
	size_t rounds = rounds_s ? strtoul(rounds_s, NULL, 10) : 20000;
	char bin[PATH_MAX], runtime[PATH_MAX], sock[PATH_MAX + 16];
	if (!api)
		die("IAMD_SOCKET is not set");
	if (rounds < 100)
		rounds = 100;
	if (!mkdtemp(tmpdir))
		die("mkdtemp");
	snprintf(bin, sizeof(bin), "%s/keyd/iam-keyd", top);
	/* iamd's default: dirname(RUNTIME)/iam-keyd/keyd.sock */
	snprintf(runtime, sizeof(runtime), "%s", api);
	for (int i = 0; i < 2; i++) {
		char *slash = strrchr(runtime, '/');
		if (!slash)
			die("IAMD_SOCKET: an absolute path expected");
		*slash = '\0';
	}
	strncat(runtime, "/iam-keyd", sizeof(runtime) - strlen(runtime) - 1);
	mkdir(runtime, 0755);
	snprintf(sock, sizeof(sock), "%s/keyd.sock", runtime);
	keyd_pid = bench_keyd_start(bin, tmpdir, runtime);

	int fd = bench_keyd_connect(sock);
	if (fd < 0)
		die("cannot connect and say Hello to iam-keyd");
	echo_prepare(fd);
	bench_echo(fd, rounds / 10);   /* warm up */
	struct stats e = bench_echo(fd, rounds);
	close(fd);
	printf("bench: keyd_echo p50_us=%.1f p99_us=%.1f ops_s=%.0f\n", e.p50_us, e.p99_us,
	       e.ops_s);
	printf("bench: keyd_echo_4conn ops_s=%.0f\n", bench_echo_4conn(sock));
	fflush(stdout);

	struct stats c = bench_create_access_key(api, user, rounds / 10);
	printf("bench: create_access_key p50_us=%.1f p99_us=%.1f ops_s=%.0f floor_p50_us=%.1f "
	       "ratio=%.2f\n", c.p50_us, c.p99_us, c.ops_s, e.p50_us, c.p50_us / e.p50_us);

	keyd_stop();
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	(void)!system(cmd);
	rmdir(runtime);
	return 0;
}
