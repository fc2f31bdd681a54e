/* sigv4_http: an HTTP/1.1 request in text, as AWS's SigV4 test suite
 * writes it, into a sigv4_request (sigv4.h). Used by the tests, the
 * command-line tool and the fuzz target; a front end that already has the
 * parts fills sigv4_request itself. */
#include "sigv4.h"

#include <errno.h>
#include <string.h>

#include "sigv4_int.h"
#include "util/arena.h"

#define MAX_HEADERS 256
#define MALFORMED "MalformedRequest"

struct line {
	const char *p;
	size_t n;
};

/* The next line of text[*pos, len): without its "\n" or "\r\n". */
static bool next_line(const char *text, size_t len, size_t *pos, struct line *l)
{
	if (*pos >= len)
		return false;
	const char *s = text + *pos;
	const char *nl = memchr(s, '\n', len - *pos);
	size_t n = nl ? (size_t)(nl - s) : len - *pos;
	*pos += nl ? n + 1 : n;
	if (n && s[n - 1] == '\r')
		n--;
	l->p = s;
	l->n = n;
	return true;
}

static bool lname_is(const struct sigv4_header *h, const char *lower)
{
	size_t n = strlen(lower);
	if (h->name_len != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = h->name[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != lower[i])
			return false;
	}
	return true;
}

static char *trimmed_copy(struct arena *a, const char *p, size_t n)
{
	while (n && sv_blank(*p)) {
		p++;
		n--;
	}
	while (n && sv_blank(p[n - 1]))
		n--;
	return arena_strndup(a, p, n);
}

static int parse_request_line(struct arena *a, struct line l, struct sigv4_http *h,
			      struct sigv4_error *e)
{
	const char *sp = memchr(l.p, ' ', l.n);
	if (!sp || sp == l.p)
		return sv_fail(e, a, MALFORMED, "The request line has no method.");
	char *method = arena_strndup(a, l.p, (size_t)(sp - l.p));
	if (!method)
		return -ENOMEM;
	const char *t = sp + 1, *end = l.p + l.n;
	/* the target runs to the last " HTTP/" (it may hold raw spaces) */
	for (const char *q = end; q - t >= 6; q--) {
		if (memcmp(q - 6, " HTTP/", 6) == 0) {
			end = q - 6;
			break;
		}
	}
	if (end <= t)
		return sv_fail(e, a, MALFORMED, "The request line has no target.");
	const char *qm = memchr(t, '?', (size_t)(end - t));
	h->req.method = method;
	h->req.path = t;
	h->req.path_len = qm ? (size_t)(qm - t) : (size_t)(end - t);
	h->req.query = qm ? qm + 1 : NULL;
	h->req.query_len = qm ? (size_t)(end - qm - 1) : 0;
	return 0;
}

int sigv4_http_parse(struct arena *a, const char *text, size_t len,
		     struct sigv4_http *ret, struct sigv4_error *reterr)
{
	struct sigv4_http h = { 0 };
	struct line l;
	size_t pos = 0, n = 0;
	int r;

	if (!next_line(text, len, &pos, &l))
		return sv_fail(reterr, a, MALFORMED, "The request is empty.");
	r = parse_request_line(a, l, &h, reterr);
	if (r < 0)
		return r;
	h.headers = arena_alloc(a, MAX_HEADERS * sizeof(*h.headers));
	if (!h.headers)
		return -ENOMEM;
	bool blank = false;
	while (next_line(text, len, &pos, &l)) {
		if (l.n == 0) {
			blank = true;
			break;
		}
		if (n == MAX_HEADERS)
			return sv_fail(reterr, a, MALFORMED, "More than %d header lines.",
				       MAX_HEADERS);
		if (sv_blank(l.p[0])) {
			/* a folded line: a further value of the previous header */
			if (n == 0)
				return sv_fail(reterr, a, MALFORMED,
					       "A continuation line before any header.");
			h.headers[n].name = h.headers[n - 1].name;
			h.headers[n].name_len = h.headers[n - 1].name_len;
			h.headers[n].value = l.p;
			h.headers[n].value_len = l.n;
			n++;
			continue;
		}
		const char *colon = memchr(l.p, ':', l.n);
		if (!colon || colon == l.p)
			return sv_fail(reterr, a, MALFORMED,
				       "Header line %zu has no name and colon.", n + 1);
		for (const char *c = l.p; c < colon; c++)
			if (sv_blank(*c) || (unsigned char)*c < 0x21 || (unsigned char)*c > 0x7e)
				return sv_fail(reterr, a, MALFORMED,
					       "Header line %zu has a bad name.", n + 1);
		h.headers[n].name = l.p;
		h.headers[n].name_len = (size_t)(colon - l.p);
		h.headers[n].value = colon + 1;
		h.headers[n].value_len = l.n - h.headers[n].name_len - 1;
		n++;
	}
	h.body = blank ? text + pos : text + len;
	h.body_len = blank ? len - pos : 0;

	/* Authorization comes out; the dates and token stay signed headers */
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		struct sigv4_header *x = &h.headers[i];
		char **slot = lname_is(x, "authorization") ? (char **)&h.authorization :
			      lname_is(x, "x-amz-date") ? (char **)&h.amz_date :
			      lname_is(x, "x-amz-security-token") ? (char **)&h.security_token :
			      NULL;
		if (slot) {
			*slot = trimmed_copy(a, x->value, x->value_len);
			if (!*slot)
				return -ENOMEM;
		}
		if (!lname_is(x, "authorization"))
			h.headers[k++] = *x;
	}
	char *hash = arena_alloc(a, SIGV4_HEX_LEN + 1);
	if (!hash)
		return -ENOMEM;
	sigv4_sha256_hex(h.body, h.body_len, hash);
	h.req.headers = h.headers;
	h.req.n_headers = k;
	h.req.payload_hash = hash;
	*ret = h;
	return 0;
}
