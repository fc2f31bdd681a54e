/* bench_keyd_relay: iam-keyd for the benchmarks that start their own, and
 * the keyd-hop floor's raw relay (bench_keyd_relay.c). */
#ifndef IAMD_BENCH_KEYD_RELAY_H
#define IAMD_BENCH_KEYD_RELAY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Starts bin in the foreground with its state under dir/keyd-state and its
 * log in dir/keyd.log; returns its pid once it wrote its pid file in
 * runtime (bench_die() otherwise). Unpinned (the scheduler places it),
 * unless BENCH_KEYD_CPU names a CPU (-1: any): for A/B runs that must not
 * depend on where keyd happens to wake. */
pid_t bench_keyd_start(const char *bin, const char *dir, const char *runtime);
/* A connection to keyd's socket after Hello; -1 on failure. */
int bench_keyd_connect(const char *path);
/* One frame (4-byte length and body) into buf (cap bytes): its length, or -1. */
ssize_t bench_read_frame(int fd, uint8_t *buf, size_t cap);
/* Serves path forever, one client at a time: every frame in becomes a
 * 64-byte keyd Echo to keyd_sock, and keyd's answer goes back. */
void bench_relay_serve(const char *path, const char *keyd_sock);

#endif
