/* sigv4_canon: the canonical request and the string to sign (sigv4.h). */
#include "sigv4.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigv4_int.h"
#include "util/arena.h"

#define MAX_QUERY_PARAMS 1024
#define MAX_PATH_SEGMENTS 1024

void sv_buf_init(struct sv_buf *b, struct arena *a, size_t hint)
{
	b->a = a;
	b->len = 0;
	b->cap = hint < 64 ? 64 : hint;
	b->p = arena_alloc(a, b->cap);
	b->oom = !b->p;
	if (b->p)
		b->p[0] = '\0';
}

static bool sv_buf_reserve(struct sv_buf *b, size_t n)
{
	if (b->oom)
		return false;
	if (b->len + n + 1 <= b->cap)
		return true;
	size_t cap = b->cap * 2;
	while (cap < b->len + n + 1)
		cap *= 2;
	char *p = arena_alloc(b->a, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	memcpy(p, b->p, b->len + 1);
	b->p = p;
	b->cap = cap;
	return true;
}

void sv_buf_add(struct sv_buf *b, const char *s, size_t n)
{
	if (!sv_buf_reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void sv_buf_adds(struct sv_buf *b, const char *s)
{
	sv_buf_add(b, s, strlen(s));
}

void sv_buf_addc(struct sv_buf *b, char c)
{
	sv_buf_add(b, &c, 1);
}

void sv_buf_add_encoded(struct sv_buf *b, const char *s, size_t n, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	if (!sv_buf_reserve(b, n * 3))
		return;
	char *o = b->p + b->len;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (sv_unreserved(c) || (keep_slash && c == '/')) {
			*o++ = (char)c;
		} else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	b->len = (size_t)(o - b->p);
	b->p[b->len] = '\0';
}

int sv_fail(struct sigv4_error *e, struct arena *a, const char *code,
	    const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (e) {
		e->code = code;
		e->message = arena_strdup(a, tmp);
		if (!e->message)
			e->message = "";
	}
	return -EINVAL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* %XX decoded; a '%' not followed by two hex digits stays a '%'. */
static size_t pct_decode(char *out, const char *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		int hi, lo;
		if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 &&
		    (lo = hexval(s[i + 2])) >= 0) {
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	return o;
}

/* Non-S3 services: '.' and '..' segments and empty segments go; a trailing
 * slash stays (unless the result is "/"); each octet is then encoded, so
 * what came percent-encoded is encoded a second time, as AWS does. */
static int add_uri(struct sv_buf *b, const struct sigv4_request *req)
{
	const char *p = req->path ? req->path : "";
	size_t n = req->path ? req->path_len : 0;
	if (req->s3) {
		char *dec = arena_alloc(b->a, n + 1);
		if (!dec)
			return -ENOMEM;
		size_t dn = pct_decode(dec, p, n);
		if (dn == 0 || dec[0] != '/')
			sv_buf_addc(b, '/');
		sv_buf_add_encoded(b, dec, dn, true);
		return 0;
	}
	struct { const char *p; size_t n; } *seg;
	size_t nseg = 0, cap = 1;
	for (size_t i = 0; i < n; i++)
		cap += p[i] == '/';
	if (cap > MAX_PATH_SEGMENTS)
		return -E2BIG;
	seg = arena_alloc(b->a, cap * sizeof(*seg));
	if (!seg)
		return -ENOMEM;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && p[j] != '/')
			j++;
		size_t len = j - i;
		if (len == 1 && p[i] == '.') {
			/* nothing */
		} else if (len == 2 && p[i] == '.' && p[i + 1] == '.') {
			if (nseg)
				nseg--;
		} else if (len) {
			seg[nseg].p = p + i;
			seg[nseg].n = len;
			nseg++;
		}
		i = j + 1;
	}
	for (size_t i = 0; i < nseg; i++) {
		sv_buf_addc(b, '/');
		sv_buf_add_encoded(b, seg[i].p, seg[i].n, false);
	}
	if (nseg == 0 || (n && p[n - 1] == '/'))
		sv_buf_addc(b, '/');
	return 0;
}

struct qparam {
	char *name;
	char *value;
};

static int qparam_cmp(const void *x, const void *y)
{
	const struct qparam *a = x, *b = y;
	int c = strcmp(a->name, b->name);
	return c ? c : strcmp(a->value, b->value);
}

static char *encode_part(struct arena *a, const char *s, size_t n)
{
	char *dec = arena_alloc(a, n + 1);
	struct sv_buf b;
	if (!dec)
		return NULL;
	size_t dn = pct_decode(dec, s, n);
	sv_buf_init(&b, a, dn * 3 + 1);
	sv_buf_add_encoded(&b, dec, dn, false);
	return b.oom ? NULL : b.p;
}

static int add_query(struct sv_buf *b, const struct sigv4_request *req)
{
	const char *q = req->query;
	size_t n = req->query ? req->query_len : 0, count = 0, k = 0;
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		count += q[i] == '&';
	if (++count > MAX_QUERY_PARAMS)
		return -E2BIG;
	struct qparam *v = arena_alloc(b->a, count * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && q[j] != '&')
			j++;
		if (j > i) {
			const char *eq = memchr(q + i, '=', j - i);
			size_t nl = eq ? (size_t)(eq - (q + i)) : j - i;
			v[k].name = encode_part(b->a, q + i, nl);
			v[k].value = eq ? encode_part(b->a, eq + 1, (size_t)(q + j - eq - 1))
					: arena_strdup(b->a, "");
			if (!v[k].name || !v[k].value)
				return -ENOMEM;
			k++;
		}
		i = j + 1;
	}
	qsort(v, k, sizeof(*v), qparam_cmp);
	for (size_t i = 0; i < k; i++) {
		if (i)
			sv_buf_addc(b, '&');
		sv_buf_adds(b, v[i].name);
		sv_buf_addc(b, '=');
		sv_buf_adds(b, v[i].value);
	}
	return 0;
}

static bool tchar(unsigned char c)
{
	return sv_unreserved(c) || (c && strchr("!#$%&'*+^`|", c));
}

static bool name_eq(const struct sigv4_header *h, const char *lower)
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

/* The value trimmed, inner runs of blanks as one space. */
static void add_value(struct sv_buf *b, const char *v, size_t n)
{
	size_t i = 0;
	while (n && (sv_blank(v[n - 1]) || v[n - 1] == '\r' || v[n - 1] == '\n'))
		n--;
	while (i < n && sv_blank(v[i]))
		i++;
	while (i < n) {
		size_t j = i;
		while (j < n && !sv_blank(v[j]))
			j++;
		sv_buf_add(b, v + i, j - i);
		while (j < n && sv_blank(v[j]))
			j++;
		if (j < n)
			sv_buf_addc(b, ' ');
		i = j;
	}
}

static bool payload_hash_valid(const char *h)
{
	if (!h)
		return false;
	if (strcmp(h, SIGV4_UNSIGNED_PAYLOAD) == 0)
		return true;
	if (strlen(h) != SIGV4_HEX_LEN)
		return false;
	for (size_t i = 0; i < SIGV4_HEX_LEN; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
			return false;
	return true;
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

int sigv4_signed_headers(struct arena *a, const struct sigv4_request *req,
			 const char ***ret_names, size_t *ret_n, char **ret_list)
{
	size_t n = req->n_headers, k = 0;
	const char **names = arena_alloc(a, (n ? n : 1) * sizeof(*names));
	if (!names)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		char *s = arena_strndup(a, req->headers[i].name, req->headers[i].name_len);
		if (!s)
			return -ENOMEM;
		for (char *c = s; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
		names[i] = s;
	}
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++)
		if (k == 0 || strcmp(names[k - 1], names[i]) != 0)
			names[k++] = names[i];
	struct sv_buf b;
	sv_buf_init(&b, a, 128);
	for (size_t i = 0; i < k; i++) {
		if (i)
			sv_buf_addc(&b, ';');
		sv_buf_adds(&b, names[i]);
	}
	if (b.oom)
		return -ENOMEM;
	*ret_names = names;
	*ret_n = k;
	*ret_list = b.p;
	return 0;
}

static int add_headers(struct sv_buf *b, const struct sigv4_request *req,
		       const char *const *names, size_t n, struct sigv4_error *e)
{
	for (size_t i = 0; i < n; i++) {
		const char *nm = names[i];
		if (!*nm)
			return sv_fail(e, b->a, SIGV4_E_INCOMPLETE,
				       "SignedHeaders holds an empty header name.");
		for (const char *c = nm; *c; c++)
			if (!tchar((unsigned char)*c) || (*c >= 'A' && *c <= 'Z'))
				return sv_fail(e, b->a, SIGV4_E_INCOMPLETE,
					       "SignedHeaders holds '%.64s', not a lower-case "
					       "header name.", nm);
		sv_buf_adds(b, nm);
		sv_buf_addc(b, ':');
		bool first = true;
		for (size_t h = 0; h < req->n_headers; h++) {
			if (!name_eq(&req->headers[h], nm))
				continue;
			if (!first)
				sv_buf_addc(b, ',');
			add_value(b, req->headers[h].value, req->headers[h].value_len);
			first = false;
		}
		sv_buf_addc(b, '\n');
	}
	sv_buf_addc(b, '\n');
	for (size_t i = 0; i < n; i++) {
		if (i)
			sv_buf_addc(b, ';');
		sv_buf_adds(b, names[i]);
	}
	sv_buf_addc(b, '\n');
	return 0;
}

int sigv4_canonical_request(struct arena *a, const struct sigv4_request *req,
			    const char *const *signed_headers, size_t n,
			    char **ret, size_t *ret_len, struct sigv4_error *reterr)
{
	struct sv_buf b;
	const char **all = NULL;
	char *list = NULL;
	int r;

	if (!req->method || !*req->method)
		return sv_fail(reterr, a, SIGV4_E_INCOMPLETE, "The request has no method.");
	for (const char *c = req->method; *c; c++)
		if (!tchar((unsigned char)*c))
			return sv_fail(reterr, a, SIGV4_E_INCOMPLETE,
				       "The request method is not an HTTP token.");
	if (!payload_hash_valid(req->payload_hash))
		return sv_fail(reterr, a, SIGV4_E_INCOMPLETE,
			       "The payload hash must be 64 lower-case hexadecimal "
			       "characters or " SIGV4_UNSIGNED_PAYLOAD ".");
	if (!signed_headers) {
		r = sigv4_signed_headers(a, req, &all, &n, &list);
		if (r < 0)
			return r;
		signed_headers = all;
	}
	if (n > SIGV4_MAX_SIGNED_HEADERS)
		return sv_fail(reterr, a, SIGV4_E_INCOMPLETE,
			       "SignedHeaders names more than %d headers.",
			       SIGV4_MAX_SIGNED_HEADERS);
	sv_buf_init(&b, a, 512 + req->path_len * 3 + req->query_len * 3);
	sv_buf_adds(&b, req->method);
	sv_buf_addc(&b, '\n');
	r = add_uri(&b, req);
	if (r == -E2BIG)
		return sv_fail(reterr, a, SIGV4_E_INCOMPLETE,
			       "The request path has more than %d segments.", MAX_PATH_SEGMENTS);
	if (r < 0)
		return r;
	sv_buf_addc(&b, '\n');
	r = add_query(&b, req);
	if (r == -E2BIG)
		return sv_fail(reterr, a, SIGV4_E_INCOMPLETE,
			       "The query string has more than %d parameters.", MAX_QUERY_PARAMS);
	if (r < 0)
		return r;
	sv_buf_addc(&b, '\n');
	r = add_headers(&b, req, signed_headers, n, reterr);
	if (r < 0)
		return r;
	sv_buf_adds(&b, req->payload_hash);
	if (b.oom)
		return -ENOMEM;
	*ret = b.p;
	if (ret_len)
		*ret_len = b.len;
	return 0;
}

int sigv4_string_to_sign(const char *amz_date, const char *scope,
			 const char *creq_hash_hex, char *out, size_t cap)
{
	if (!amz_date || strlen(amz_date) != SIGV4_DATE_LEN || !scope ||
	    strpbrk(scope, "\n\r") || !creq_hash_hex ||
	    strlen(creq_hash_hex) != SIGV4_HEX_LEN)
		return -EINVAL;
	for (size_t i = 0; i < SIGV4_HEX_LEN; i++) {
		char c = creq_hash_hex[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return -EINVAL;
	}
	int n = snprintf(out, cap, SIGV4_ALGORITHM "\n%s\n%s\n%s", amz_date, scope,
			 creq_hash_hex);
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	return n;
}
