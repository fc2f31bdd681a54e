/* spin: how long a daemon's event loop polls for an answer it knows is
 * coming (iamd waiting for iam-keyd, iam-gateway waiting for iamd) before
 * it sleeps in epoll_wait. The peer answers within tens of microseconds;
 * a loop that sleeps is woken for the answer, and waking a CPU that went
 * idle (and, on a VM, halted) costs as much as the peer's whole work. So
 * the loop keeps turning without blocking, serving whatever else is ready
 * and yielding the CPU each turn (a peer on the same CPU runs first), for
 * at most this budget; then it sleeps as before. The CPU this takes is
 * bounded by the wait it replaces (docs/keyd.md, "Waiting for keyd"). */
#ifndef IAMD_UTIL_SPIN_H
#define IAMD_UTIL_SPIN_H

#include <stdint.h>

#define UTIL_SPIN_DEFAULT_US 50u
#define UTIL_SPIN_MAX_US 10000u

/* "0" (no polling), or a number with "us" or "ms", at most 10 ms: the
 * budget in microseconds in *ret_us. -EINVAL for anything else. */
int util_spin_parse(const char *s, uint32_t *ret_us);

/* The budget in nanoseconds that a loop should use for `us`: 0 on a host
 * with one CPU online, where polling could only keep the peer waiting. */
uint64_t util_spin_budget_ns(uint32_t us);

/* CLOCK_MONOTONIC in nanoseconds (the vDSO: no system call). */
uint64_t util_now_ns(void);

#endif
