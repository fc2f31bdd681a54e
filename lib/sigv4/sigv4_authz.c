/* sigv4_authz: the Authorization header, the request date and the
 * credential scope (sigv4.h). Messages follow AWS's wording. */
#include "sigv4.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sigv4_int.h"
#include "util/arena.h"

#define MSG_NEEDS_DATE \
	"Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "

struct part {
	const char *p;
	size_t n;
};

static bool part_is(const struct part *s, const char *lit)
{
	size_t n = strlen(lit);
	return s->n == n && memcmp(s->p, lit, n) == 0;
}

static void trim(const char **p, size_t *n)
{
	while (*n && sv_blank(**p)) {
		(*p)++;
		(*n)--;
	}
	while (*n && sv_blank((*p)[*n - 1]))
		(*n)--;
}

/* "Authorization header requires 'X' parameter. ..." for what is missing. */
static int fail_missing(struct arena *a, const char *value, size_t len,
			bool cred, bool sh, bool sig, bool has_date,
			struct sigv4_error *e)
{
	return sv_fail(e, a, SIGV4_E_INCOMPLETE, "%s%s%s%sAuthorization=%.*s",
		       cred ? "" : "Authorization header requires 'Credential' parameter. ",
		       sig ? "" : "Authorization header requires 'Signature' parameter. ",
		       sh ? "" : "Authorization header requires 'SignedHeaders' parameter. ",
		       has_date ? "" : MSG_NEEDS_DATE, (int)len, value);
}

static int split_credential(struct arena *a, struct part cred,
			    struct sigv4_authz *az, struct sigv4_error *e)
{
	const char *f[5];
	size_t fl[5], slashes = 0;
	const char *s = cred.p, *end = cred.p + cred.n;
	for (size_t i = 0; i < cred.n; i++)
		slashes += cred.p[i] == '/';
	if (slashes == 4) {
		for (size_t k = 0; k < 5; k++) {
			const char *slash = memchr(s, '/', (size_t)(end - s));
			const char *stop = slash ? slash : end;
			f[k] = s;
			fl[k] = (size_t)(stop - s);
			s = slash ? slash + 1 : end;
		}
	}
	if (slashes != 4)
		return sv_fail(e, a, SIGV4_E_INCOMPLETE,
			       "Credential must have exactly 5 slash-delimited elements, "
			       "e.g. keyid/date/region/service/term, got '%.*s'",
			       (int)cred.n, cred.p);
	az->access_key_id = arena_strndup(a, f[0], fl[0]);
	az->date = arena_strndup(a, f[1], fl[1]);
	az->region = arena_strndup(a, f[2], fl[2]);
	az->service = arena_strndup(a, f[3], fl[3]);
	az->terminator = arena_strndup(a, f[4], fl[4]);
	az->scope = arena_strndup(a, f[1], (size_t)(end - f[1]));
	if (!az->access_key_id || !az->date || !az->region || !az->service ||
	    !az->terminator || !az->scope)
		return -ENOMEM;
	return 0;
}

static int split_signed_headers(struct arena *a, struct part sh,
				struct sigv4_authz *az, struct sigv4_error *e)
{
	size_t n = 1;
	for (size_t i = 0; i < sh.n; i++)
		n += sh.p[i] == ';';
	if (n > SIGV4_MAX_SIGNED_HEADERS)
		return sv_fail(e, a, SIGV4_E_INCOMPLETE,
			       "SignedHeaders names more than %d headers.",
			       SIGV4_MAX_SIGNED_HEADERS);
	const char **names = arena_alloc(a, n * sizeof(*names));
	char *list = arena_strndup(a, sh.p, sh.n);
	if (!names || !list)
		return -ENOMEM;
	size_t k = 0;
	for (char *s = list;;) {
		char *semi = strchr(s, ';');
		if (semi)
			*semi = '\0';
		if (!*s)
			return sv_fail(e, a, SIGV4_E_INCOMPLETE,
				       "SignedHeaders '%.*s' holds an empty header name.",
				       (int)sh.n, sh.p);
		names[k++] = s;
		if (!semi)
			break;
		s = semi + 1;
	}
	az->signed_headers = arena_strndup(a, sh.p, sh.n);
	if (!az->signed_headers)
		return -ENOMEM;
	az->headers = names;
	az->n_headers = k;
	return 0;
}

int sigv4_authz_parse(struct arena *a, const char *value, size_t len, bool has_date,
		      struct sigv4_authz *ret, struct sigv4_error *reterr)
{
	struct sigv4_authz az = { 0 };
	struct part cred = { 0 }, sh = { 0 }, sig = { 0 };
	const char *p = value;
	size_t n = len;
	int r;

	if (len > SIGV4_MAX_AUTHZ)
		return sv_fail(reterr, a, SIGV4_E_INCOMPLETE,
			       "The Authorization header is longer than %d bytes.",
			       SIGV4_MAX_AUTHZ);
	if (memchr(value, '\0', len))
		return fail_missing(a, "", 0, false, false, false, has_date, reterr);
	trim(&p, &n);
	size_t alg = 0;
	while (alg < n && !sv_blank(p[alg]))
		alg++;
	if (alg != strlen(SIGV4_ALGORITHM) || memcmp(p, SIGV4_ALGORITHM, alg) != 0) {
		if (alg > 5 && memcmp(p, "AWS4-", 5) == 0)
			return sv_fail(reterr, a, SIGV4_E_INCOMPLETE,
				       "Unsupported AWS 'algorithm': '%.*s' (only "
				       SIGV4_ALGORITHM " for now). ", (int)alg, p);
		return fail_missing(a, value, len, false, false, false, has_date, reterr);
	}
	p += alg;
	n -= alg;
	while (n) {
		const char *comma = memchr(p, ',', n);
		struct part item = { p, comma ? (size_t)(comma - p) : n };
		size_t adv = comma ? item.n + 1 : n;
		p += adv;
		n -= adv;
		trim(&item.p, &item.n);
		if (!item.n)
			continue;
		const char *eq = memchr(item.p, '=', item.n);
		if (!eq)
			return sv_fail(reterr, a, SIGV4_E_INCOMPLETE,
				       "'%.*s' not a valid key=value pair (missing equal-sign) "
				       "in Authorization header: '%.*s'",
				       (int)item.n, item.p, (int)len, value);
		struct part key = { item.p, (size_t)(eq - item.p) };
		struct part val = { eq + 1, item.n - key.n - 1 };
		trim(&key.p, &key.n);
		trim(&val.p, &val.n);
		struct part *slot = part_is(&key, "Credential") ? &cred :
				    part_is(&key, "SignedHeaders") ? &sh :
				    part_is(&key, "Signature") ? &sig : NULL;
		if (!slot)
			continue;       /* AWS ignores parameters it does not know */
		if (slot->p)
			return sv_fail(reterr, a, SIGV4_E_INCOMPLETE,
				       "'%.*s' repeats a parameter in Authorization header: '%.*s'",
				       (int)item.n, item.p, (int)len, value);
		*slot = val;
	}
	if (!cred.n || !sh.n || !sig.n || !has_date)
		return fail_missing(a, value, len, cred.n, sh.n, sig.n, has_date, reterr);
	r = split_credential(a, cred, &az, reterr);
	if (r < 0)
		return r;
	r = split_signed_headers(a, sh, &az, reterr);
	if (r < 0)
		return r;
	az.signature = arena_strndup(a, sig.p, sig.n);
	if (!az.signature)
		return -ENOMEM;
	*ret = az;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const char *s, size_t n, unsigned *ret)
{
	unsigned v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*ret = v;
	return 0;
}

int sigv4_date_parse(const char *s, int64_t *ret)
{
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned y, mo, d, h, mi, se;
	if (!s || strlen(s) != SIGV4_DATE_LEN || s[8] != 'T' || s[15] != 'Z')
		return -EINVAL;
	if (digits(s, 4, &y) < 0 || digits(s + 4, 2, &mo) < 0 ||
	    digits(s + 6, 2, &d) < 0 || digits(s + 9, 2, &h) < 0 ||
	    digits(s + 11, 2, &mi) < 0 || digits(s + 13, 2, &se) < 0)
		return -EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || se > 60)
		return -EINVAL;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo == 2 && d == 29 && !leap)
		return -EINVAL;
	*ret = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
	return 0;
}

void sigv4_date_format(int64_t t, char out[SIGV4_DATE_LEN + 1])
{
	int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
	int64_t secs = t - days * 86400;
	/* civil_from_days (Howard Hinnant) */
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	if (y < 0 || y > 9999)
		y = y < 0 ? 0 : 9999;
	unsigned hh = (unsigned)(secs / 3600) % 24, mm = (unsigned)(secs / 60 % 60),
		 ss = (unsigned)(secs % 60);
	/* YYYYMMDDTHHMMSSZ, digit by digit (no printf on the request path) */
	unsigned v[6] = { (unsigned)y, m, d, hh, mm, ss };
	char *p = out;
	for (int i = 0; i < 6; i++) {
		if (i == 0) {
			*p++ = (char)('0' + v[0] / 1000 % 10);
			*p++ = (char)('0' + v[0] / 100 % 10);
		}
		if (i == 3)
			*p++ = 'T';
		*p++ = (char)('0' + v[i] / 10 % 10);
		*p++ = (char)('0' + v[i] % 10);
	}
	*p++ = 'Z';
	*p = '\0';
}

static bool region_valid(const char *r)
{
	size_t n = strlen(r);
	if (n == 0 || n > 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((r[i] >= 'a' && r[i] <= 'z') || (r[i] >= '0' && r[i] <= '9') ||
		      r[i] == '-'))
			return false;
	return true;
}

static int check_skew(struct arena *a, const char *amz_date, int64_t t,
		      int64_t now, struct sigv4_error *e)
{
	char lim[SIGV4_DATE_LEN + 1], cur[SIGV4_DATE_LEN + 1];
	if (t >= now - SIGV4_MAX_SKEW && t <= now + SIGV4_MAX_SKEW)
		return 0;   /* the texts below are for the refusals only */
	sigv4_date_format(now, cur);
	if (t < now - SIGV4_MAX_SKEW) {
		sigv4_date_format(now - SIGV4_MAX_SKEW, lim);
		return sv_fail(e, a, SIGV4_E_SKEWED,
			       "Signature expired: %s is now earlier than %s (%s - %d min.)",
			       amz_date, lim, cur, SIGV4_MAX_SKEW / 60);
	}
	if (t > now + SIGV4_MAX_SKEW) {
		sigv4_date_format(now + SIGV4_MAX_SKEW, lim);
		return sv_fail(e, a, SIGV4_E_SKEWED,
			       "Signature not yet current: %s is still later than %s (%s + %d min.)",
			       amz_date, lim, cur, SIGV4_MAX_SKEW / 60);
	}
	return 0;
}

int sigv4_authz_check(struct arena *a, const struct sigv4_authz *az,
		      const char *amz_date, int64_t now,
		      const char *const *services, struct sigv4_error *reterr)
{
	int64_t t;
	if (sigv4_date_parse(amz_date, &t) < 0)
		return sv_fail(reterr, a, SIGV4_E_INCOMPLETE,
			       "Date must be in ISO-8601 'basic format'. Got '%.64s'. "
			       "See http://en.wikipedia.org/wiki/ISO_8601",
			       amz_date ? amz_date : "");
	int r = check_skew(a, amz_date, t, now, reterr);
	if (r < 0)
		return r;
	bool host = false;
	for (size_t i = 0; i < az->n_headers; i++)
		host |= strcmp(az->headers[i], "host") == 0;
	if (!host)
		return sv_fail(reterr, a, SIGV4_E_MISMATCH,
			       "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");

	struct sv_buf b;
	sv_buf_init(&b, a, 256);
	if (!region_valid(az->region)) {
		sv_buf_adds(&b, "Credential should be scoped to a valid region, not '");
		sv_buf_add(&b, az->region, strnlen(az->region, 64));
		sv_buf_adds(&b, "'. ");
	}
	bool service = false;
	for (size_t i = 0; services && services[i]; i++)
		service |= strcmp(az->service, services[i]) == 0;
	if (!service) {
		sv_buf_adds(&b, "Credential should be scoped to correct service: '");
		sv_buf_adds(&b, services && services[0] ? services[0] : "");
		sv_buf_adds(&b, "'. ");
	}
	if (strcmp(az->terminator, SIGV4_TERMINATOR) != 0) {
		sv_buf_adds(&b, "Credential should be scoped with a valid terminator: "
			    "'aws4_request', not '");
		sv_buf_add(&b, az->terminator, strnlen(az->terminator, 64));
		sv_buf_adds(&b, "'. ");
	}
	if (strlen(az->date) != 8 || memcmp(az->date, amz_date, 8) != 0) {
		sv_buf_adds(&b, "Date in Credential scope does not match YYYYMMDD from "
			    "ISO-8601 version of date from HTTP: '");
		sv_buf_add(&b, az->date, strnlen(az->date, 64));
		sv_buf_adds(&b, "' != '");
		sv_buf_add(&b, amz_date, 8);
		sv_buf_adds(&b, "', from '");
		sv_buf_adds(&b, amz_date);
		sv_buf_adds(&b, "'. ");
	}
	if (b.oom)
		return -ENOMEM;
	if (b.len) {
		b.p[--b.len] = '\0';    /* the last separating blank */
		reterr->code = SIGV4_E_MISMATCH;
		reterr->message = b.p;
		return -EINVAL;
	}
	return 0;
}

char *sigv4_authz_format(struct arena *a, const char *access_key_id,
			 const char *scope, const char *signed_headers,
			 const char *signature)
{
	return arena_printf(a, SIGV4_ALGORITHM " Credential=%s/%s, SignedHeaders=%s, Signature=%s",
			    access_key_id, scope, signed_headers, signature);
}
