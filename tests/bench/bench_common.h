/* bench_common: what the api-socket benchmarks (bench_api, bench_authz)
 * share: connecting and saying Hello, request frames sent in turn, round
 * trips, latency and throughput measurement, and the floor - a raw
 * Unix-socket echo server (a single epoll loop, no allocation) that answers
 * each frame with a frame of a given size, run in a child process.
 *
 * Latency: one connection, rounds/10 warm-up round trips, then `rounds`
 * timed ones: p50, p99 and their rate. Throughput: BENCH_NCONN client
 * processes, each with its own connection, for `secs` seconds.
 * Everything dies (exit 1, "PROG: message") on failure: these are
 * benchmarks, not daemons. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "api.pb-c.h"

#define BENCH_NCONN 4

/* The program's name, used in messages and as Hello's client name. */
void bench_init(const char *prog);

double bench_now_us(void);
/* Pins the calling process to `cpu`; cpu < 0 unpins it (any CPU). */
void bench_pin(int cpu);
/* CPU time process `pid` has run, ns (/proc/PID/schedstat: its main
 * thread); 0 if unknown. Robust to other load, as wall-clock figures are
 * not. */
uint64_t bench_cpu_ns(pid_t pid);
__attribute__((noreturn, format(printf, 1, 2)))
void bench_die(const char *fmt, ...);

/* One request out, its answer in (blocking); NULL on failure. */
Iam__Response *bench_call(int fd, Iam__Request *req);
/* Connects to iamd's api socket and says Hello; -1 on failure. */
int bench_api_connect(const char *path);
/* Connects without Hello (the echo server); -1 on failure. */
int bench_raw_connect(const char *path);

/* Request frames (4-byte length + packed Request), sent in turn by the
 * round trips: frame k of a run is frame (start + k) % n. */
struct bench_frames {
	uint8_t *buf;
	size_t *off, *len;
	size_t n, cap, used, buf_cap;
	size_t next;
};

void bench_frames_add(struct bench_frames *f, const Iam__Request *req);
void bench_frames_free(struct bench_frames *f);
/* Mean frame size in bytes, header included. */
size_t bench_frames_mean(const struct bench_frames *f);

/* The frames the round trips send (a process-wide choice). */
void bench_frames_use(struct bench_frames *f);
/* Sends the next frame and reads one whole answer frame; -1 on failure. */
int bench_round_trip(int fd);

/* The floor: an echo server on `cpu` answering every frame with
 * `resp_len` bytes (header included), listening on a socket of its own. */
struct bench_echo {
	pid_t pid;
	char path[108];
};
void bench_echo_start(size_t resp_len, int cpu, struct bench_echo *ret);
void bench_echo_stop(struct bench_echo *e);

struct bench_lat {
	double p50, p99, ops_s;
};

struct bench_lat bench_measure_latency(int fd, int rounds);
/* The same in pieces, to interleave several targets finely: n timed round
 * trips into t (no warm-up); then the figures of all the timings (sorts t;
 * ops_s from the time spent in round trips). */
void bench_latency_sample(int fd, double *t, int n);
struct bench_lat bench_latency_stats(double *t, size_t n);

typedef int (*bench_connect_fn)(const char *path);
/* Round trips per second of BENCH_NCONN client processes on `cpu`. */
double bench_measure_throughput(bench_connect_fn conn, const char *path, int cpu,
				double secs);
