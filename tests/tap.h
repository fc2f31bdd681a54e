/* tap: the Test Anything Protocol for C test programs. Each check prints
 * "ok N - name" or "not ok N - name"; tap_done() prints the plan and returns
 * the exit status. Single-threaded test programs only. */
#pragma once
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

static inline __attribute__((format(printf, 2, 3))) int
tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;
	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	return cond;
}

#define TAP_IS_INT(got, want, name)                                          \
	do {                                                                 \
		long long g_ = (long long)(got), w_ = (long long)(want);     \
		if (!tap_ok(g_ == w_, "%s", name))                           \
			printf("#   got %lld, want %lld\n", g_, w_);         \
	} while (0)

#define TAP_IS_STR(got, want, name)                                          \
	do {                                                                 \
		const char *g_ = (got), *w_ = (want);                        \
		int eq_ = (g_ && w_) ? strcmp(g_, w_) == 0 : g_ == w_;       \
		if (!tap_ok(eq_, "%s", name))                                \
			printf("#   got \"%s\", want \"%s\"\n",              \
			       g_ ? g_ : "(null)", w_ ? w_ : "(null)");      \
	} while (0)

static inline void tap_diag(const char *msg) { printf("# %s\n", msg); }

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
