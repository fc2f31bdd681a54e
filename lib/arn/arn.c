/* arn: splitting ARNs and IAM wildcard matching (see arn.h). */
#include "config.h"
#include "arn/arn.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#define ARN_SLOW_MAX 4096

int arn_parse(const char *s, size_t len, struct arn *ret)
{
	struct arn_part parts[6];
	const char *p, *end = s + len;

	if (len < 4 || memcmp(s, "arn:", 4) != 0)
		return -EINVAL;
	/* the four colons after "arn:" delimit partition, service, region
	 * and account; the resource is the rest, colons and all */
	p = s + 4;
	for (int k = 1; k < 5; k++) {
		const char *c = memchr(p, ':', (size_t)(end - p));
		if (!c)
			return -EINVAL;
		parts[k].p = p;
		parts[k].n = (size_t)(c - p);
		p = c + 1;
	}
	parts[5].p = p;
	parts[5].n = (size_t)(end - p);
	if (parts[1].n == 0 || parts[2].n == 0)
		return -EINVAL;
	ret->partition = parts[1];
	ret->service = parts[2];
	ret->region = parts[3];
	ret->account = parts[4];
	ret->resource = parts[5];
	return 0;
}

bool arn_is_valid(const char *s, size_t len)
{
	size_t colons = 0;

	if (len < 4 || memcmp(s, "arn:", 4) != 0)
		return false;
	for (size_t i = 4; i < len; i++) {
		if ((unsigned char)s[i] < 0x20)
			return false;
		if (s[i] == ':')
			colons++;
	}
	/* A short pattern ending in '*' ("arn:aws:s3:*") stands for the rest. */
	if (colons >= 4)
		return true;
	return colons >= 2 && s[len - 1] == '*';
}

bool arn_glob_has_marker(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == ARN_GLOB_STAR || s[i] == ARN_GLOB_SEGSTAR ||
		    s[i] == ARN_GLOB_QMARK)
			return true;
	return false;
}

size_t arn_glob_compile(const char *pat, size_t n, enum arn_glob_mode mode,
			unsigned first_seg, char *out)
{
	unsigned seg = first_seg;

	for (size_t i = 0; i < n; i++) {
		char c = pat[i];
		if (c == '*') {
			bool end = i + 1 == n || pat[i + 1] == ':';
			out[i] = (mode == ARN_GLOB_ARN && seg < 5 && !end) ?
				 ARN_GLOB_SEGSTAR : ARN_GLOB_STAR;
		} else if (c == '?') {
			out[i] = ARN_GLOB_QMARK;
		} else {
			if (c == ':')
				seg++;
			out[i] = c;
		}
	}
	return n;
}

size_t arn_glob_literal(const char *s, size_t n, char *out)
{
	memcpy(out, s, n);
	return n;
}

bool arn_glob_is_wild(const char *cpat, size_t cn)
{
	return arn_glob_has_marker(cpat, cn);
}

static inline unsigned char fold(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static inline bool byte_eq(char a, char b, bool icase)
{
	return icase ? fold((unsigned char)a) == fold((unsigned char)b) : a == b;
}

/* Patterns whose only wildcards are STAR and QMARK: the classic greedy
 * matcher with one backtrack point, linear in practice. */
static bool glob_fast(const char *p, size_t pn, const char *s, size_t sn,
		      bool icase)
{
	size_t pi = 0, si = 0, star_p = SIZE_MAX, star_s = 0;

	while (si < sn) {
		if (pi < pn && p[pi] == ARN_GLOB_STAR) {
			star_p = pi++;
			star_s = si;
			continue;
		}
		if (pi < pn && (p[pi] == ARN_GLOB_QMARK ||
				byte_eq(p[pi], s[si], icase))) {
			pi++;
			si++;
			continue;
		}
		if (star_p == SIZE_MAX)
			return false;
		pi = star_p + 1;
		si = ++star_s;
	}
	while (pi < pn && p[pi] == ARN_GLOB_STAR)
		pi++;
	return pi == pn;
}

static void closure(const char *p, size_t pn, unsigned char *st)
{
	for (size_t i = 0; i < pn; i++)
		if (st[i] && (p[i] == ARN_GLOB_STAR || p[i] == ARN_GLOB_SEGSTAR))
			st[i + 1] = 1;
}

/* Any pattern: a set-of-states simulation, O(pn * sn), no backtracking. */
static bool glob_slow(const char *p, size_t pn, const char *s, size_t sn,
		      bool icase, bool qmark_colon)
{
	unsigned char a[ARN_SLOW_MAX + 1], b[ARN_SLOW_MAX + 1];
	unsigned char *cur = a, *nxt = b;

	if (pn > ARN_SLOW_MAX)
		return false;
	memset(cur, 0, pn + 1);
	cur[0] = 1;
	closure(p, pn, cur);
	for (size_t si = 0; si < sn; si++) {
		bool any = false;
		memset(nxt, 0, pn + 1);
		for (size_t i = 0; i < pn; i++) {
			if (!cur[i])
				continue;
			char c = p[i];
			if (c == ARN_GLOB_STAR ||
			    (c == ARN_GLOB_SEGSTAR && s[si] != ':'))
				nxt[i] = 1;
			else if ((c == ARN_GLOB_QMARK && (qmark_colon || s[si] != ':')) ||
				 byte_eq(c, s[si], icase))
				nxt[i + 1] = 1;
			else
				continue;
			any = true;
		}
		if (!any)
			return false;
		closure(p, pn, nxt);
		unsigned char *t = cur;
		cur = nxt;
		nxt = t;
	}
	return cur[pn] != 0;
}

bool arn_glob_match(const char *cpat, size_t cn, const char *s, size_t sn,
		    bool icase)
{
	if (memchr(cpat, ARN_GLOB_SEGSTAR, cn))
		return glob_slow(cpat, cn, s, sn, icase, true);
	return glob_fast(cpat, cn, s, sn, icase);
}

bool arn_glob_match_qseg(const char *cpat, size_t cn, const char *s, size_t sn)
{
	return glob_slow(cpat, cn, s, sn, false, false);
}

bool arn_glob_is_stars(const char *cpat, size_t cn)
{
	for (size_t i = 0; i < cn; i++)
		if (cpat[i] == ARN_GLOB_SEGSTAR || cpat[i] == ARN_GLOB_QMARK)
			return false;
	return true;
}

bool arn_glob_match_flat(const char *cpat, size_t cn, const char *s, size_t sn,
			 bool icase)
{
	return icase ? glob_fast(cpat, cn, s, sn, true) : glob_fast(cpat, cn, s, sn, false);
}

/* The first occurrence of needle (k > 0 bytes) in hay (n bytes): the
 * pieces of a policy pattern are short, where memchr on the first byte and
 * memcmp of the rest beat a general memmem. */
static const char *find_piece(const char *hay, size_t n, const char *needle, size_t k)
{
	const char *end = hay + n;
	while ((size_t)(end - hay) >= k) {
		const char *f = memchr(hay, needle[0], (size_t)(end - hay) - k + 1);
		if (!f)
			return NULL;
		if (memcmp(f + 1, needle + 1, k - 1) == 0)
			return f;
		hay = f + 1;
	}
	return NULL;
}

bool arn_glob_match_stars(const char *cpat, size_t cn, const char *s, size_t sn)
{
	const char *star = memchr(cpat, ARN_GLOB_STAR, cn);
	if (!star)
		return cn == sn && memcmp(cpat, s, sn) == 0;
	/* the literal prefix, up to the first star */
	size_t pre = (size_t)(star - cpat);
	if (sn < pre || memcmp(cpat, s, pre) != 0)
		return false;
	/* the literal suffix, after the last star */
	const char *last = cpat + cn - 1;
	while (*last != ARN_GLOB_STAR)
		last--;
	size_t suf = (size_t)(cpat + cn - 1 - last);
	if (sn - pre < suf || memcmp(last + 1, s + sn - suf, suf) != 0)
		return false;
	/* the pieces between, each at its leftmost place after the one
	 * before: a star matches any run, so the leftmost is never worse */
	const char *p = star + 1, *t = s + pre, *tend = s + sn - suf;
	while (p < last) {
		/* found by `last` at the latest */
		const char *q = memchr(p, ARN_GLOB_STAR, (size_t)(last - p) + 1);
		size_t k = (size_t)(q - p);
		if (k) {
			const char *f = find_piece(t, (size_t)(tend - t), p, k);
			if (!f)
				return false;
			t = f + k;
		}
		p = q + 1;
	}
	return true;
}

bool arn_match(const char *pattern, const char *s, enum arn_glob_mode mode,
	       bool icase)
{
	char buf[1024];
	size_t n = strlen(pattern);

	if (n > sizeof(buf) || arn_glob_has_marker(pattern, n))
		return false;
	n = arn_glob_compile(pattern, n, mode, 0, buf);
	return arn_glob_match(buf, n, s, strlen(s), icase);
}
