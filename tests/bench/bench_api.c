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

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api.pb-c.h"
#include "rpc/rpc.h"

#define NCONN 4

static uint8_t req_frame[256];
static size_t req_len;          /* the GetUser frame, header included */
static size_t resp_len;         /* the GetUser answer, header included */

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void pin(int cpu)
{
	if (cpu < 0) {   /* any CPU */
		cpu_set_t all;
		CPU_ZERO(&all);
		for (int i = 0; i < CPU_SETSIZE; i++)
			CPU_SET(i, &all);
		sched_setaffinity(0, sizeof(all), &all);
		return;
	}
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		fprintf(stderr, "bench_api: cannot pin to CPU %d: %s\n", cpu, strerror(errno));
}

static int die(const char *what)
{
	fprintf(stderr, "bench_api: %s\n", what);
	exit(1);
}

/* One round trip: the request frame out, one whole answer frame in. */
static int round_trip(int fd)
{
	static __thread uint8_t buf[65536];
	if (send(fd, req_frame, req_len, MSG_NOSIGNAL) != (ssize_t)req_len)
		return -1;
	size_t got = 0, want = 4;
	while (got < want) {
		ssize_t n = read(fd, buf + got, sizeof(buf) - got);
		if (n <= 0)
			return -1;
		got += (size_t)n;
		if (want == 4 && got >= 4) {
			want = 4 + ((size_t)buf[0] << 24 | (size_t)buf[1] << 16 |
				    (size_t)buf[2] << 8 | buf[3]);
			if (want > sizeof(buf))
				return -1;
		}
	}
	return 0;
}

static Iam__Response *call(int fd, Iam__Request *req)
{
	uint8_t *body;
	size_t len;
	if (rpc_fd_send(fd, &req->base) < 0 || rpc_fd_recv(fd, 1u << 20, &body, &len) < 0)
		return NULL;
	Iam__Response *r = iam__response__unpack(NULL, len, body);
	free(body);
	return r;
}

static int api_connect(const char *path)
{
	int fd;
	if (rpc_connect_unix(path, &fd) < 0)
		return -1;
	Iam__Request req = IAM__REQUEST__INIT;
	Iam__Hello h = IAM__HELLO__INIT;
	h.has_version = 1;
	h.version = 1;
	h.client = "bench_api";
	req.op_case = IAM__REQUEST__OP_HELLO;
	req.hello = &h;
	Iam__Response *r = call(fd, &req);
	int ok = r && r->result_case == IAM__RESPONSE__RESULT_HELLO;
	if (r)
		iam__response__free_unpacked(r, NULL);
	if (!ok) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Builds the GetUser frame, makes sure the user exists, and measures the
 * answer's size. */
static void api_prepare(const char *path, const char *user)
{
	int fd = api_connect(path);
	if (fd < 0)
		die("cannot connect and say Hello to iamd (IAMD_SOCKET)");
	Iam__Request req = IAM__REQUEST__INIT;
	Iam__GetUserRequest gu = IAM__GET_USER_REQUEST__INIT;
	gu.user_name = (char *)user;
	req.has_id = 1;
	req.id = 1;
	req.op_case = IAM__REQUEST__OP_GET_USER;
	req.get_user = &gu;
	Iam__Response *r = call(fd, &req);
	if (r && r->status && r->status->code && strcmp(r->status->code, "NoSuchEntity") == 0) {
		Iam__Request cr = IAM__REQUEST__INIT;
		Iam__CreateUserRequest cu = IAM__CREATE_USER_REQUEST__INIT;
		cu.user_name = (char *)user;
		cu.path = "/bench/";
		cr.has_id = 1;
		cr.id = 2;
		cr.op_case = IAM__REQUEST__OP_CREATE_USER;
		cr.create_user = &cu;
		Iam__Response *c = call(fd, &cr);
		if (!c || (c->status && c->status->code))
			die("cannot create the bench user");
		iam__response__free_unpacked(c, NULL);
		iam__response__free_unpacked(r, NULL);
		r = call(fd, &req);
	}
	if (!r || (r->status && r->status->code) ||
	    r->result_case != IAM__RESPONSE__RESULT_GET_USER)
		die("GetUser does not succeed");
	resp_len = 4 + iam__response__get_packed_size(r);
	iam__response__free_unpacked(r, NULL);
	size_t n = iam__request__get_packed_size(&req);
	if (n + 4 > sizeof(req_frame))
		die("request too large");
	iam__request__pack(&req, req_frame + 4);
	req_frame[0] = req_frame[1] = 0;
	req_frame[2] = (uint8_t)(n >> 8);
	req_frame[3] = (uint8_t)n;
	req_len = n + 4;
	close(fd);
}

/* The floor: a single epoll loop that answers each frame with a frame of
 * resp_len bytes, raw read()/write(), no allocation. */
static void echo_serve(int lfd, int cpu)
{
	pin(cpu);
	static uint8_t answer[65536], buf[NCONN + 2][65536];
	static size_t have[NCONN + 2];
	size_t body = resp_len - 4;
	answer[0] = (uint8_t)(body >> 24);
	answer[1] = (uint8_t)(body >> 16);
	answer[2] = (uint8_t)(body >> 8);
	answer[3] = (uint8_t)body;
	memset(answer + 4, 'x', body);
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = UINT64_MAX };
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	int slot_fd[NCONN + 2];
	for (int i = 0; i < NCONN + 2; i++)
		slot_fd[i] = -1;
	for (;;) {
		struct epoll_event evs[16];
		int n = epoll_wait(ep, evs, 16, -1);
		for (int i = 0; i < n; i++) {
			if (evs[i].data.u64 == UINT64_MAX) {
				int fd = accept(lfd, NULL, NULL);
				int s = 0;
				while (s < NCONN + 2 && slot_fd[s] >= 0)
					s++;
				if (fd < 0 || s == NCONN + 2) {
					if (fd >= 0)
						close(fd);
					continue;
				}
				slot_fd[s] = fd;
				have[s] = 0;
				struct epoll_event e = { .events = EPOLLIN, .data.u64 = (uint64_t)s << 32 | 1 };
				epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
				continue;
			}
			int s = (int)(evs[i].data.u64 >> 32);
			int fd = slot_fd[s];
			ssize_t r = read(fd, buf[s] + have[s], sizeof(buf[s]) - have[s]);
			if (r <= 0) {
				close(fd);
				slot_fd[s] = -1;
				continue;
			}
			have[s] += (size_t)r;
			size_t off = 0;
			while (have[s] - off >= 4) {
				const uint8_t *p = buf[s] + off;
				size_t flen = 4 + ((size_t)p[0] << 24 | (size_t)p[1] << 16 |
						   (size_t)p[2] << 8 | p[3]);
				if (have[s] - off < flen)
					break;
				off += flen;
				(void)!write(fd, answer, resp_len);
			}
			memmove(buf[s], buf[s] + off, have[s] - off);
			have[s] -= off;
		}
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

struct lat {
	double p50, p99, ops_s;
};

static struct lat measure_latency(int fd, int rounds)
{
	struct lat l = { 0 };
	double *t = malloc(sizeof(double) * (size_t)rounds);
	if (!t)
		die("out of memory");
	for (int i = 0; i < rounds / 10; i++)   /* warm up */
		if (round_trip(fd) < 0)
			die("round trip failed");
	double start = now_us();
	for (int i = 0; i < rounds; i++) {
		double t0 = now_us();
		if (round_trip(fd) < 0)
			die("round trip failed");
		t[i] = now_us() - t0;
	}
	double total = now_us() - start;
	qsort(t, (size_t)rounds, sizeof(double), cmp_double);
	l.p50 = t[rounds / 2];
	l.p99 = t[(size_t)rounds * 99 / 100];
	l.ops_s = rounds / (total / 1e6);
	free(t);
	return l;
}

typedef int (*connect_fn)(const char *path);

static int raw_connect(const char *path)
{
	int fd;
	return rpc_connect_unix(path, &fd) < 0 ? -1 : fd;
}

/* NCONN client processes, each with its own connection, for `secs`. */
static double measure_throughput(connect_fn conn, const char *path, int cpu,
				 double secs)
{
	int pfd[2];
	if (pipe(pfd) < 0)
		die("pipe");
	pid_t kids[NCONN];
	for (int k = 0; k < NCONN; k++) {
		kids[k] = fork();
		if (kids[k] == 0) {
			close(pfd[0]);
			pin(cpu);
			int fd = conn(path);
			if (fd < 0)
				_exit(1);
			uint64_t ops = 0;
			for (int i = 0; i < 200; i++)
				round_trip(fd);
			double end = now_us() + secs * 1e6;
			while (now_us() < end) {
				for (int i = 0; i < 64; i++)
					if (round_trip(fd) < 0)
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
	for (int k = 0; k < NCONN; k++)
		waitpid(kids[k], NULL, 0);
	return (double)total / secs;
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
	if (getenv("BENCH_TPUT_CPU"))   /* -1: unpinned */
		tput_cpu = atoi(getenv("BENCH_TPUT_CPU"));
	if (!sock)
		die("IAMD_SOCKET is not set (run me through tests/bench/run.sh)");
	if (rounds < 100)
		rounds = 100;
	if (repeat < 1)
		repeat = 1;
	signal(SIGPIPE, SIG_IGN);
	api_prepare(sock, user);

	/* the floor: echo server on CPU 0, in a child */
	char echo_path[108];
	snprintf(echo_path, sizeof(echo_path), "/tmp/bench-echo.%d.sock", (int)getpid());
	unlink(echo_path);
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", echo_path);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 16) < 0)
		die("cannot set up the echo socket");
	pid_t echo = fork();
	if (echo == 0)
		echo_serve(lfd, 0);
	close(lfd);

	/* Interleaved repeats, best of each: other load on the machine hits
	 * floor and api alike, and the best run is the least disturbed. */
	struct lat floor = { 0 }, api = { 0 };
	double floor_tput = 0, api_tput = 0;
	for (int rep = 0; rep < repeat; rep++) {
		pin(0);
		int fd = raw_connect(echo_path);
		if (fd < 0)
			die("cannot connect to the echo server");
		struct lat l = measure_latency(fd, rounds);
		close(fd);
		if (rep == 0 || l.p50 < floor.p50)
			floor = l;
		fd = api_connect(sock);
		if (fd < 0)
			die("cannot connect to iamd");
		l = measure_latency(fd, rounds);
		close(fd);
		if (rep == 0 || l.p50 < api.p50)
			api = l;
		double t = measure_throughput(raw_connect, echo_path, tput_cpu, secs);
		if (t > floor_tput)
			floor_tput = t;
		t = measure_throughput(api_connect, sock, tput_cpu, secs);
		if (t > api_tput)
			api_tput = t;
	}
	kill(echo, SIGKILL);
	waitpid(echo, NULL, 0);
	unlink(echo_path);

	printf("# message sizes: request %zu bytes, answer %zu bytes; %d round trips; "
	       "throughput: %d connections for %.1f s, clients on CPU %d; best of %d\n",
	       req_len, resp_len, rounds, NCONN, secs, tput_cpu, repeat);
	printf("bench: floor_echo p50_us=%.2f p99_us=%.2f ops_s=%.0f\n",
	       floor.p50, floor.p99, floor_tput);
	printf("bench: api_getuser p50_us=%.2f p99_us=%.2f ops_s=%.0f floor_p50_us=%.2f ratio=%.2f\n",
	       api.p50, api.p99, api_tput, floor.p50, api.p50 / floor.p50);
	printf("bench: api_getuser_4conn ops_s=%.0f floor_ops_s=%.0f ratio=%.2f\n",
	       api_tput, floor_tput, api_tput / floor_tput);
	printf("# target p50 <= 2x floor: %s; target throughput >= 0.5x floor: %s\n",
	       api.p50 <= 2 * floor.p50 ? "met" : "MISSED",
	       api_tput >= 0.5 * floor_tput ? "met" : "MISSED");
	return 0;
}
