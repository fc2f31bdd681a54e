/* bench_common: connections, frames, round trips, measurement and the echo
 * floor shared by the api-socket benchmarks (bench_common.h). */
#include "config.h"
#include "bench_common.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rpc/rpc.h"

static const char *prog_name = "bench";
static struct bench_frames *frames;

void bench_init(const char *prog)
{
	prog_name = prog;
}

double bench_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

uint64_t bench_cpu_ns(pid_t pid)
{
	char path[64];
	unsigned long long v = 0;
	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	FILE *f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%llu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

void bench_pin(int cpu)
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
		fprintf(stderr, "%s: cannot pin to CPU %d: %s\n", prog_name, cpu,
			strerror(errno));
}

void bench_die(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", prog_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* ---- frames ---- */

void bench_frames_add(struct bench_frames *f, const Iam__Request *req)
{
	size_t n = iam__request__get_packed_size(req);
	if (n > 65535 - 4)
		bench_die("request too large");
	if (f->n == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 16;
		f->off = realloc(f->off, f->cap * sizeof(*f->off));
		f->len = realloc(f->len, f->cap * sizeof(*f->len));
		if (!f->off || !f->len)
			bench_die("out of memory");
	}
	if (f->used + n + 4 > f->buf_cap) {
		f->buf_cap = (f->used + n + 4) * 2;
		f->buf = realloc(f->buf, f->buf_cap);
		if (!f->buf)
			bench_die("out of memory");
	}
	uint8_t *p = f->buf + f->used;
	iam__request__pack(req, p + 4);
	p[0] = p[1] = 0;
	p[2] = (uint8_t)(n >> 8);
	p[3] = (uint8_t)n;
	f->off[f->n] = f->used;
	f->len[f->n] = n + 4;
	f->used += n + 4;
	f->n++;
}

void bench_frames_free(struct bench_frames *f)
{
	free(f->buf);
	free(f->off);
	free(f->len);
	memset(f, 0, sizeof(*f));
}

size_t bench_frames_mean(const struct bench_frames *f)
{
	return f->n ? (f->used + f->n / 2) / f->n : 0;
}

void bench_frames_use(struct bench_frames *f)
{
	frames = f;
}

/* ---- round trips ---- */

/* One round trip: the next request frame out, one whole answer frame in. */
int bench_round_trip(int fd)
{
	static __thread uint8_t buf[65536];
	struct bench_frames *f = frames;
	size_t k = f->next;
	f->next = k + 1 == f->n ? 0 : k + 1;
	if (send(fd, f->buf + f->off[k], f->len[k], MSG_NOSIGNAL) != (ssize_t)f->len[k])
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

Iam__Response *bench_call(int fd, Iam__Request *req)
{
	uint8_t *body;
	size_t len;
	if (rpc_fd_send(fd, &req->base) < 0 || rpc_fd_recv(fd, 1u << 20, &body, &len) < 0)
		return NULL;
	Iam__Response *r = iam__response__unpack(NULL, len, body);
	free(body);
	return r;
}

int bench_api_connect(const char *path)
{
	int fd;
	if (rpc_connect_unix(path, &fd) < 0)
		return -1;
	Iam__Request req = IAM__REQUEST__INIT;
	Iam__Hello h = IAM__HELLO__INIT;
	h.has_version = 1;
	h.version = 1;
	h.client = (char *)prog_name;
	req.op_case = IAM__REQUEST__OP_HELLO;
	req.hello = &h;
	Iam__Response *r = bench_call(fd, &req);
	int ok = r && r->result_case == IAM__RESPONSE__RESULT_HELLO;
	if (r)
		iam__response__free_unpacked(r, NULL);
	if (!ok) {
		close(fd);
		return -1;
	}
	return fd;
}

int bench_raw_connect(const char *path)
{
	int fd;
	return rpc_connect_unix(path, &fd) < 0 ? -1 : fd;
}

/* ---- the floor ---- */

/* A single epoll loop that answers each frame with a frame of resp_len
 * bytes, raw read()/write(), no allocation. */
static void echo_serve(int lfd, size_t resp_len, int cpu)
{
	bench_pin(cpu);
	static uint8_t answer[65536], buf[BENCH_NCONN + 2][65536];
	static size_t have[BENCH_NCONN + 2];
	size_t body = resp_len - 4;
	answer[0] = (uint8_t)(body >> 24);
	answer[1] = (uint8_t)(body >> 16);
	answer[2] = (uint8_t)(body >> 8);
	answer[3] = (uint8_t)body;
	memset(answer + 4, 'x', body);
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = UINT64_MAX };
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	int slot_fd[BENCH_NCONN + 2];
	for (int i = 0; i < BENCH_NCONN + 2; i++)
		slot_fd[i] = -1;
	for (;;) {
		struct epoll_event evs[16];
		int n = epoll_wait(ep, evs, 16, -1);
		for (int i = 0; i < n; i++) {
			if (evs[i].data.u64 == UINT64_MAX) {
				int fd = accept(lfd, NULL, NULL);
				int s = 0;
				while (s < BENCH_NCONN + 2 && slot_fd[s] >= 0)
					s++;
				if (fd < 0 || s == BENCH_NCONN + 2) {
					if (fd >= 0)
						close(fd);
					continue;
				}
				slot_fd[s] = fd;
				have[s] = 0;
				struct epoll_event e = { .events = EPOLLIN,
							 .data.u64 = (uint64_t)s << 32 | 1 };
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

void bench_echo_start(size_t resp_len, int cpu, struct bench_echo *ret)
{
	if (resp_len < 4 || resp_len > 65536)
		bench_die("echo answer of %zu bytes", resp_len);
	snprintf(ret->path, sizeof(ret->path), "/tmp/bench-echo.%d.sock", (int)getpid());
	unlink(ret->path);
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", ret->path);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 16) < 0)
		bench_die("cannot set up the echo socket");
	ret->pid = fork();
	if (ret->pid < 0)
		bench_die("fork");
	if (ret->pid == 0)
		echo_serve(lfd, resp_len, cpu);
	close(lfd);
}

void bench_echo_stop(struct bench_echo *e)
{
	if (e->pid > 0) {
		kill(e->pid, SIGKILL);
		waitpid(e->pid, NULL, 0);
		e->pid = 0;
	}
	unlink(e->path);
}

/* ---- measurement ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

struct bench_lat bench_measure_latency(int fd, int rounds)
{
	struct bench_lat l = { 0 };
	double *t = malloc(sizeof(double) * (size_t)rounds);
	if (!t)
		bench_die("out of memory");
	for (int i = 0; i < rounds / 10; i++)   /* warm up */
		if (bench_round_trip(fd) < 0)
			bench_die("round trip failed");
	double start = bench_now_us();
	for (int i = 0; i < rounds; i++) {
		double t0 = bench_now_us();
		if (bench_round_trip(fd) < 0)
			bench_die("round trip failed");
		t[i] = bench_now_us() - t0;
	}
	double total = bench_now_us() - start;
	qsort(t, (size_t)rounds, sizeof(double), cmp_double);
	l.p50 = t[rounds / 2];
	l.p99 = t[(size_t)rounds * 99 / 100];
	l.ops_s = rounds / (total / 1e6);
	free(t);
	return l;
}

void bench_latency_sample(int fd, double *t, int n)
{
	for (int i = 0; i < n; i++) {
		double t0 = bench_now_us();
		if (bench_round_trip(fd) < 0)
			bench_die("round trip failed");
		t[i] = bench_now_us() - t0;
	}
}

struct bench_lat bench_latency_stats(double *t, size_t n)
{
	struct bench_lat l = { 0 };
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += t[i];
	qsort(t, n, sizeof(double), cmp_double);
	l.p50 = t[n / 2];
	l.p99 = t[n * 99 / 100];
	l.ops_s = sum > 0 ? (double)n / (sum / 1e6) : 0;
	return l;
}

double bench_measure_throughput(bench_connect_fn conn, const char *path, int cpu,
				double secs)
{
	int pfd[2];
	if (pipe(pfd) < 0)
		bench_die("pipe");
	pid_t kids[BENCH_NCONN];
	for (int k = 0; k < BENCH_NCONN; k++) {
		kids[k] = fork();
		if (kids[k] == 0) {
			close(pfd[0]);
			bench_pin(cpu);
			/* each client starts elsewhere in the frames */
			if (frames->n)
				frames->next = frames->n * (size_t)k / BENCH_NCONN;
			int fd = conn(path);
			if (fd < 0)
				_exit(1);
			uint64_t ops = 0;
			for (int i = 0; i < 200; i++)
				bench_round_trip(fd);
			double end = bench_now_us() + secs * 1e6;
			while (bench_now_us() < end) {
				for (int i = 0; i < 64; i++)
					if (bench_round_trip(fd) < 0)
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
