/* bench_api: GetUser round trips over iamd's api socket beside a floor, a
 * raw Unix-socket echo of the same message sizes served by a minimal epoll
 * loop in this program, measured in the same run.
 *
 *   latency:    one connection, client and server pinned to CPU 0
 *               (tests/bench/run.sh starts iamd under taskset -c 0);
 *               p50 and p99 over BENCH_ROUNDS round trips (default 20000)
 *   throughput: 4 connections, 4 client processes (pinned to CPU 1 when
 *               there is one; BENCH_TPUT_CPU=-1 leaves them unpinned), for
 *               BENCH_SECONDS (default 1)
 * Floor and api runs alternate BENCH_REPEAT times (default 3); the best of
 * each is reported, as other load on the machine disturbs both alike.
 *
 * Prints, each figure on a line of its own:
 *   bench: floor_echo p50_us=… p99_us=… ops_s=…
 *   bench: api_getuser p50_us=… p99_us=… ops_s=… floor_p50_us=… ratio=…
 *   bench: api_getuser_4conn ops_s=… floor_ops_s=… ratio=…
 * where ratio is p50 / floor p50 (target <= 2) and, on the last line,
 * ops_s / floor ops_s (target >= 0.5).
 *
 * Needs IAMD_SOCKET (iamd running) and creates the user BENCH_USER
 * (default "bench") if it does not exist. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.pb-c.h"
#include "bench_common.h"

static struct bench_frames frames;   /* the one GetUser frame */
static size_t resp_len;              /* the GetUser answer, header included */

/* Builds the GetUser frame, makes sure the user exists, and measures the
 * answer's size. */
static void api_prepare(const char *path, const char *user)
{
	int fd = bench_api_connect(path);
	if (fd < 0)
		bench_die("cannot connect and say Hello to iamd (IAMD_SOCKET)");
	Iam__Request req = IAM__REQUEST__INIT;
	Iam__GetUserRequest gu = IAM__GET_USER_REQUEST__INIT;
	gu.user_name = (char *)user;
	req.has_id = 1;
	req.id = 1;
	req.op_case = IAM__REQUEST__OP_GET_USER;
	req.get_user = &gu;
	Iam__Response *r = bench_call(fd, &req);
	if (r && r->status && r->status->code && strcmp(r->status->code, "NoSuchEntity") == 0) {
		Iam__Request cr = IAM__REQUEST__INIT;
		Iam__CreateUserRequest cu = IAM__CREATE_USER_REQUEST__INIT;
		cu.user_name = (char *)user;
		cu.path = "/bench/";
		cr.has_id = 1;
		cr.id = 2;
		cr.op_case = IAM__REQUEST__OP_CREATE_USER;
		cr.create_user = &cu;
		Iam__Response *c = bench_call(fd, &cr);
		if (!c || (c->status && c->status->code))
			bench_die("cannot create the bench user");
		iam__response__free_unpacked(c, NULL);
		iam__response__free_unpacked(r, NULL);
		r = bench_call(fd, &req);
	}
	if (!r || (r->status && r->status->code) ||
	    r->result_case != IAM__RESPONSE__RESULT_GET_USER)
		bench_die("GetUser does not succeed");
	resp_len = 4 + iam__response__get_packed_size(r);
	iam__response__free_unpacked(r, NULL);
	if (iam__request__get_packed_size(&req) + 4 > 256)
		bench_die("request too large");
	bench_frames_add(&frames, &req);
	bench_frames_use(&frames);
	close(fd);
}

int main(void)
{
	const char *sock = getenv("IAMD_SOCKET");
	const char *user = getenv("BENCH_USER") ? getenv("BENCH_USER") : "bench";
	int rounds = getenv("BENCH_ROUNDS") ? atoi(getenv("BENCH_ROUNDS")) : 20000;
	double secs = getenv("BENCH_SECONDS") ? atof(getenv("BENCH_SECONDS")) : 1.0;
	int repeat = getenv("BENCH_REPEAT") ? atoi(getenv("BENCH_REPEAT")) : 3;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int tput_cpu = ncpu > 1 ? 1 : 0;
	bench_init("bench_api");
	if (getenv("BENCH_TPUT_CPU"))   /* -1: unpinned */
		tput_cpu = atoi(getenv("BENCH_TPUT_CPU"));
	if (!sock)
		bench_die("IAMD_SOCKET is not set (run me through tests/bench/run.sh)");
	if (rounds < 100)
		rounds = 100;
	if (repeat < 1)
		repeat = 1;
	signal(SIGPIPE, SIG_IGN);
	api_prepare(sock, user);

	/* the floor: echo server on CPU 0, in a child */
	struct bench_echo echo;
	bench_echo_start(resp_len, 0, &echo);

	/* Interleaved repeats, best of each: other load on the machine hits
	 * floor and api alike, and the best run is the least disturbed. */
	struct bench_lat floor = { 0 }, api = { 0 };
	double floor_tput = 0, api_tput = 0;
	for (int rep = 0; rep < repeat; rep++) {
		bench_pin(0);
		int fd = bench_raw_connect(echo.path);
		if (fd < 0)
			bench_die("cannot connect to the echo server");
		struct bench_lat l = bench_measure_latency(fd, rounds);
		close(fd);
		if (rep == 0 || l.p50 < floor.p50)
			floor = l;
		fd = bench_api_connect(sock);
		if (fd < 0)
			bench_die("cannot connect to iamd");
		l = bench_measure_latency(fd, rounds);
		close(fd);
		if (rep == 0 || l.p50 < api.p50)
			api = l;
		double t = bench_measure_throughput(bench_raw_connect, echo.path, tput_cpu, secs);
		if (t > floor_tput)
			floor_tput = t;
		t = bench_measure_throughput(bench_api_connect, sock, tput_cpu, secs);
		if (t > api_tput)
			api_tput = t;
	}
	bench_echo_stop(&echo);

	printf("# message sizes: request %zu bytes, answer %zu bytes; %d round trips; "
	       "throughput: %d connections for %.1f s, clients on CPU %d; best of %d\n",
	       frames.len[0], resp_len, rounds, BENCH_NCONN, secs, tput_cpu, repeat);
	printf("bench: floor_echo p50_us=%.2f p99_us=%.2f ops_s=%.0f\n",
	       floor.p50, floor.p99, floor_tput);
	printf("bench: api_getuser p50_us=%.2f p99_us=%.2f ops_s=%.0f floor_p50_us=%.2f ratio=%.2f\n",
	       api.p50, api.p99, api_tput, floor.p50, api.p50 / floor.p50);
	printf("bench: api_getuser_4conn ops_s=%.0f floor_ops_s=%.0f ratio=%.2f\n",
	       api_tput, floor_tput, api_tput / floor_tput);
	printf("# target p50 <= 2x floor: %s; target throughput >= 0.5x floor: %s\n",
	       api.p50 <= 2 * floor.p50 ? "met" : "MISSED",
	       api_tput >= 0.5 * floor_tput ? "met" : "MISSED");
	bench_frames_free(&frames);
	return 0;
}
