/* isotime: ISO 8601 timestamps, as the AWS APIs write them, to and from
 * Unix seconds (UTC, no leap seconds, years 0001..9999). Pure: no clock, no
 * locale, no time zone database. */
#pragma once
#include <stdint.h>

/* Longest formatted form plus NUL: "2024-01-02T03:04:05.000+00:00". */
#define ISOTIME_MAX 32

enum isotime_style {
	ISOTIME_OFFSET = 0,   /* 2024-01-02T03:04:05+00:00 (AWS CLI v2 output) */
	ISOTIME_Z,            /* 2024-01-02T03:04:05Z (AWS XML, CloudTrail) */
	ISOTIME_MILLIS_Z,     /* 2024-01-02T03:04:05.000Z (AWS Query XML) */
};

/* Writes `secs` in `style` into buf (ISOTIME_MAX bytes). -ERANGE when the
 * year is outside 0001..9999. */
int isotime_format(int64_t secs, enum isotime_style style,
		   char buf[ISOTIME_MAX]);

/* Parses "YYYY-MM-DD", "YYYY-MM-DDThh:mm[:ss[.fff...]]" followed by nothing
 * (UTC), "Z", "z", "+hh:mm", "-hh:mm", "+hhmm" or "+hh"; a space may stand for
 * the "T". Fractions of a second are truncated. -EINVAL when malformed or a
 * field is out of range. */
int isotime_parse(const char *s, int64_t *ret_secs);

/* Days since 1970-01-01 of a proleptic Gregorian date (no range check). */
int64_t isotime_days_from_civil(int64_t y, unsigned m, unsigned d);
