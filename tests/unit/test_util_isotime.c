/* Unit tests for lib/util/isotime: every style against the C library's
 * gmtime_r()/strftime() over the whole range, the range limits, and
 * isotime_parse() reading back what isotime_format() wrote. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/isotime.h"
#include "../tap.h"

#define MIN_SECS (-62135596800LL)   /* 0001-01-01T00:00:00Z */
#define MAX_SECS (253402300799LL)   /* 9999-12-31T23:59:59Z */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* What glibc says, in `style`. */
static void expect(int64_t secs, enum isotime_style style, char out[64])
{
	static const char *const tail[] = { "+00:00", "Z", ".000Z" };
	time_t t = (time_t)secs;
	struct tm tm;
	gmtime_r(&t, &tm);
	int n = snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d%s", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			 tail[style]);
	(void)n;
}

/* One second: every style formats as glibc does and parses back. */
static int check(int64_t secs)
{
	for (int st = ISOTIME_OFFSET; st <= ISOTIME_MILLIS_Z; st++) {
		char got[ISOTIME_MAX], want[64];
		int64_t back = 0;
		memset(got, 'x', sizeof(got));
		if (isotime_format(secs, (enum isotime_style)st, got) != 0)
			return printf("# %lld style %d: refused\n", (long long)secs, st), -1;
		expect(secs, (enum isotime_style)st, want);
		if (strcmp(got, want) != 0)
			return printf("# %lld style %d: '%s', want '%s'\n", (long long)secs,
				      st, got, want), -1;
		if (isotime_parse(got, &back) != 0 || back != secs)
			return printf("# '%s' parses back as %lld\n", got, (long long)back), -1;
	}
	return 0;
}

int main(void)
{
	char buf[ISOTIME_MAX];
	int bad = 0;
	static const int64_t fixed[] = {
		0, 1, -1, 59, 60, 3599, 3600, 86399, 86400, 951782400 /* 2000-02-29 */,
		1709164800 /* 2024-02-29 */, 1735689599, 4102444800 /* 2100-01-01 */,
		MIN_SECS, MIN_SECS + 1, MAX_SECS, MAX_SECS - 1,
	};
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		bad += check(fixed[i]) < 0;
	tap_ok(bad == 0, "leap days, day and hour edges and both ends of the range");

	bad = 0;
	for (int i = 0; i < 200000 && bad < 5; i++) {
		uint64_t span = (uint64_t)(MAX_SECS - MIN_SECS) + 1;
		bad += check(MIN_SECS + (int64_t)(next() % span)) < 0;
	}
	tap_ok(bad == 0, "200,000 seconds from year 1 to 9999 format as gmtime_r() and parse back");

	bad = 0;
	for (int64_t s = 1700000000; s < 1700000000 + 3 * 86400; s += 7)
		bad += check(s) < 0;
	tap_ok(bad == 0, "three days of seconds (every 7th)");

	TAP_IS_STR((isotime_format(1732912245, ISOTIME_Z, buf), buf), "2024-11-29T20:30:45Z",
		   "a CloudTrail eventTime");
	TAP_IS_STR((isotime_format(1732912245, ISOTIME_MILLIS_Z, buf), buf),
		   "2024-11-29T20:30:45.000Z", "an AWS Query XML timestamp");
	TAP_IS_STR((isotime_format(1732912245, ISOTIME_OFFSET, buf), buf),
		   "2024-11-29T20:30:45+00:00", "an AWS CLI timestamp");
	tap_ok(isotime_format(MIN_SECS - 1, ISOTIME_Z, buf) == -ERANGE, "year 0: ERANGE");
	tap_ok(isotime_format(MAX_SECS + 1, ISOTIME_Z, buf) == -ERANGE, "year 10000: ERANGE");
	tap_ok(isotime_format(0, (enum isotime_style)7, buf) == -EINVAL, "an unknown style: EINVAL");
	return tap_done();
}
