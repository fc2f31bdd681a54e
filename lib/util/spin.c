/* spin: the polling budget of an event loop waiting for a peer (spin.h). */
#include "util/spin.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int util_spin_parse(const char *s, uint32_t *ret_us)
{
	char *end;
	if (!s || !*s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	if (strcmp(end, "ms") == 0) {
		if (v > UTIL_SPIN_MAX_US / 1000)
			return -EINVAL;
		v *= 1000;
	} else if (strcmp(end, "us") != 0 && !(v == 0 && *end == '\0')) {
		return -EINVAL;
	}
	if (v > UTIL_SPIN_MAX_US)
		return -EINVAL;
	*ret_us = (uint32_t)v;
	return 0;
}

uint64_t util_spin_budget_ns(uint32_t us)
{
	return sysconf(_SC_NPROCESSORS_ONLN) > 1 ? (uint64_t)us * 1000 : 0;
}

uint64_t util_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
