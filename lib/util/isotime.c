/* isotime: ISO 8601 <-> Unix seconds. See isotime.h. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util/isotime.h"

/* Howard Hinnant's days_from_civil / civil_from_days. */
int64_t isotime_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* Two decimal digits of v < 100. */
static void put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

/* 0001-01-01T00:00:00 and 9999-12-31T23:59:59 in Unix seconds. */
#define ISOTIME_MIN_SECS (-62135596800LL)
#define ISOTIME_MAX_SECS (253402300799LL)

int isotime_format(int64_t secs, enum isotime_style style,
		   char buf[ISOTIME_MAX])
{
	static const char *const tail[] = {
		[ISOTIME_OFFSET] = "+00:00",
		[ISOTIME_Z] = "Z",
		[ISOTIME_MILLIS_Z] = ".000Z",
	};
	int64_t days, rem, y;
	unsigned m, d;

	if (secs < ISOTIME_MIN_SECS || secs > ISOTIME_MAX_SECS)
		return -ERANGE;
	if ((unsigned)style >= sizeof(tail) / sizeof(tail[0]))
		return -EINVAL;
	days = secs / 86400;
	rem = secs % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	/* YYYY-MM-DDThh:mm:ss and the tail, without printf (the audit trail
	 * writes two of these per record) */
	unsigned yy = (unsigned)y, hh = (unsigned)(rem / 3600),
		 mi = (unsigned)(rem / 60 % 60), ss = (unsigned)(rem % 60);
	buf[0] = (char)('0' + yy / 1000);
	buf[1] = (char)('0' + yy / 100 % 10);
	buf[2] = (char)('0' + yy / 10 % 10);
	buf[3] = (char)('0' + yy % 10);
	buf[4] = '-';
	put2(buf + 5, m);
	buf[7] = '-';
	put2(buf + 8, d);
	buf[10] = 'T';
	put2(buf + 11, hh);
	buf[13] = ':';
	put2(buf + 14, mi);
	buf[16] = ':';
	put2(buf + 17, ss);
	size_t n = strlen(tail[style]);
	memcpy(buf + 19, tail[style], n + 1);
	return 0;
}

/* Reads exactly n digits. */
static bool digits(const char **p, int n, int *ret)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*ret = v;
	return true;
}

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int parse_zone(const char *p, int *ret_offset)
{
	int sign, hh, mm = 0;

	if (*p == '\0') {
		*ret_offset = 0;
		return 0;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		*ret_offset = 0;
		return 0;
	}
	if (*p != '+' && *p != '-')
		return -EINVAL;
	sign = *p++ == '-' ? -1 : 1;
	if (!digits(&p, 2, &hh) || hh > 23)
		return -EINVAL;
	if (*p == ':')
		p++;
	if (*p != '\0' && (!digits(&p, 2, &mm) || mm > 59))
		return -EINVAL;
	if (*p != '\0')
		return -EINVAL;
	*ret_offset = sign * (hh * 3600 + mm * 60);
	return 0;
}

int isotime_parse(const char *s, int64_t *ret_secs)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	const char *p = s;
	int y, mo, d, hh = 0, mi = 0, ss = 0, off = 0, r;

	if (!s)
		return -EINVAL;
	if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) ||
	    *p++ != '-' || !digits(&p, 2, &d))
		return -EINVAL;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 ||
	    d > mdays[mo - 1] + (mo == 2 && is_leap(y)))
		return -EINVAL;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (!digits(&p, 2, &hh) || *p++ != ':' || !digits(&p, 2, &mi))
			return -EINVAL;
		if (*p == ':') {
			p++;
			if (!digits(&p, 2, &ss))
				return -EINVAL;
			if (*p == '.' || *p == ',') {
				p++;
				if (*p < '0' || *p > '9')
					return -EINVAL;
				while (*p >= '0' && *p <= '9')
					p++;
			}
		}
		if (hh > 23 || mi > 59 || ss > 60)
			return -EINVAL;
		r = parse_zone(p, &off);
		if (r < 0)
			return r;
	} else if (*p != '\0') {
		return -EINVAL;
	}
	if (ss == 60)
		ss = 59;  /* a leap second collapses onto the second before */
	*ret_secs = isotime_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
		    hh * 3600 + mi * 60 + ss - off;
	return 0;
}
