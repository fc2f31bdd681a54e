/* keyd_log: keyd's lines on stderr; under systemd (JOURNAL_STREAM set) each
 * line starts with its "<N>" priority, which journald reads. Never called
 * with a secret, a token or a signature: key ids and versions only. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keyd.h"

#define LIMIT_PER_SEC 20

static bool log_journal;
static bool log_debug;
static time_t limit_sec;
static unsigned limit_count, limit_dropped;

void keyd_log_setup(bool debug)
{
	log_journal = getenv("JOURNAL_STREAM") != NULL;
	log_debug = debug;
}

static void log_v(int prio, const char *fmt, va_list ap)
{
	char line[1024];
	if (prio == LOG_DEBUG && !log_debug)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (log_journal)
		fprintf(stderr, "<%d>%s\n", prio, line);
	else
		fprintf(stderr, "iam-keyd: %s\n", line);
}

void keyd_log(int prio, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_v(prio, fmt, ap);
	va_end(ap);
}

void keyd_log_limited(int prio, const char *fmt, ...)
{
	struct timespec ts;
	va_list ap;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	if (ts.tv_sec != limit_sec) {
		if (limit_dropped)
			keyd_log(LOG_WARNING, "%u log lines dropped (rate limit)", limit_dropped);
		limit_sec = ts.tv_sec;
		limit_count = 0;
		limit_dropped = 0;
	}
	if (++limit_count > LIMIT_PER_SEC) {
		limit_dropped++;
		return;
	}
	va_start(ap, fmt);
	log_v(prio, fmt, ap);
	va_end(ap);
}
