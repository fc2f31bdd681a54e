/* gateway_parse: the HTTP/1.1 request head reader of iam-gateway
 * (gateway.h). A pure function over the bytes received so far: no
 * allocation, no copy - the request's parts point into the caller's
 * buffer - so that split reads (call again with more bytes), pipelined
 * requests (the next one starts at head_len + content_length) and the
 * fuzzer (tests/fuzz/fuzz_http.c) all see the same code. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "gateway.h"

/* RFC 9110 tchar: ALPHA DIGIT and !#$%&'*+-.^_`|~ */
static const uint8_t tchar[256] = {
	['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['*'] = 1,
	['+'] = 1, ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['|'] = 1,
	['~'] = 1,
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1,
	['7'] = 1, ['8'] = 1, ['9'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1,
	['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1,
	['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1,
	['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1,
	['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1,
	['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1,
	['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
};

static bool is_tchar(unsigned char ch)
{
	return tchar[ch];
}

/* field-value octets: VCHAR, obs-text, SP, HTAB */
static bool is_vchar(unsigned char ch)
{
	return ch == '\t' || (ch >= 0x20 && ch != 0x7f);
}

/* Are s[0, n) all field-value octets? Eight at a time: a word without a
 * byte below 0x20 or equal to 0x7f passes whole (bit tricks from "Bit
 * Twiddling Hacks": hasless, haszero); only a word with one (a tab,
 * usually) is looked at byte by byte. */
#define ONES ((uint64_t)-1 / 255)
#define HIGHS (ONES * 0x80)
static bool all_vchar(const char *s, size_t n)
{
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t x;
		memcpy(&x, s + i, 8);
		uint64_t del = x ^ (ONES * 0x7f);
		if ((((x - ONES * 0x20) & ~x) | ((del - ONES) & ~del)) & HIGHS) {
			for (size_t j = i; j < i + 8; j++)
				if (!is_vchar((unsigned char)s[j]))
					return false;
		}
	}
	for (; i < n; i++)
		if (!is_vchar((unsigned char)s[i]))
			return false;
	return true;
}

/* Is the field (a header name or value) `s`, in any case? */
#define FIELD_IS(f, s) ((f)->len == sizeof(s) - 1 && strncasecmp((f)->p, s, sizeof(s) - 1) == 0)

/* Does the comma-separated list `v` hold the token `tok` (any case)? */
static bool list_has(const struct gw_field *v, const char *tok)
{
	size_t n = strlen(tok), i = 0;
	while (i < v->len) {
		while (i < v->len && (v->p[i] == ' ' || v->p[i] == '\t' || v->p[i] == ','))
			i++;
		size_t s = i;
		while (i < v->len && v->p[i] != ',')
			i++;
		size_t e = i;
		while (e > s && (v->p[e - 1] == ' ' || v->p[e - 1] == '\t'))
			e--;
		if (e - s == n && strncasecmp(v->p + s, tok, n) == 0)
			return true;
	}
	return false;
}

/* The end of the head (just past its empty line) in buf[from..len), or 0. */
static size_t head_end(const char *buf, size_t len, size_t from)
{
	const char *p = buf + from, *end = buf + len;
	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		p++;
		if (p < end && *p == '\n')
			return (size_t)(p + 1 - buf);
		if (p + 1 < end && p[0] == '\r' && p[1] == '\n')
			return (size_t)(p + 2 - buf);
	}
	return 0;
}

/* One line [p, eol) without its CR; the next line's start. */
static const char *line_next(const char *p, const char *end, const char **ret_eol)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	const char *eol = nl ? nl : end;
	if (eol > p && eol[-1] == '\r')
		eol--;
	*ret_eol = eol;
	return nl ? nl + 1 : end;
}

/* The absolute form of a request-target (RFC 9112 3.2.2,
 * "http://host:port/path?query", as proxies send it) becomes its origin
 * form ("/path?query"; "/" when the path is empty): a server must accept
 * it, and SigV4 signs the path. */
static void absolute_form(struct gw_field *t)
{
	static const char root[] = "/";
	const char *p = t->p, *end = t->p + t->len;
	if (p == end || !((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
		return;   /* origin form "/...", or asterisk form "*" */
	while (p < end && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			   (*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.'))
		p++;
	if (end - p < 3 || memcmp(p, "://", 3) != 0)
		return;   /* authority form (CONNECT's) or garbage: the method decides */
	p += 3;
	while (p < end && *p != '/' && *p != '?')
		p++;
	if (p == end) {
		t->p = root;
		t->len = 1;
	} else {
		t->p = p;   /* "/path?q", or "?q": an empty path, which SigV4 reads as "/" */
		t->len = (size_t)(end - p);
	}
}

static int parse_request_line(const char *p, const char *eol, struct gw_request *r)
{
	const char *s = p;
	while (p < eol && is_tchar((unsigned char)*p))
		p++;
	if (p == s || p == eol || *p != ' ')
		return -400;
	r->method.p = s;
	r->method.len = (size_t)(p - s);
	s = ++p;
	while (p < eol && (unsigned char)*p > 0x20 && *p != 0x7f)
		p++;
	if (p == s || p == eol || *p != ' ')
		return -400;
	r->target.p = s;
	r->target.len = (size_t)(p - s);
	absolute_form(&r->target);
	p++;
	if (eol - p != 8 || memcmp(p, "HTTP/", 5) != 0 || p[5] < '0' || p[5] > '9' ||
	    p[6] != '.' || p[7] < '0' || p[7] > '9')
		return -400;
	if (p[5] != '1')
		return -505;
	r->version = p[7] == '0' ? 10 : 11;
	return 0;
}

static int parse_content_length(const struct gw_field *v, size_t max_body, bool *seen,
				size_t *cl)
{
	size_t n = 0;
	if (v->len == 0)
		return -400;
	for (size_t i = 0; i < v->len; i++) {
		if (v->p[i] < '0' || v->p[i] > '9')
			return -400;
		if (n > (SIZE_MAX - 9) / 10)
			return -413;
		n = n * 10 + (size_t)(v->p[i] - '0');
	}
	if (*seen && n != *cl)
		return -400;   /* two different lengths: which body? */
	*seen = true;
	*cl = n;
	return n > max_body ? -413 : 0;
}

int gw_request_parse(const char *buf, size_t len, size_t max_head, size_t max_body,
		     struct gw_request *ret)
{
	struct gw_request *r = ret;
	const char *p, *eol, *end;
	size_t start = 0, hend;
	bool chunked = false, te = false, cl_seen = false, close = false, keep = false;
	unsigned hosts = 0;
	int rc;

	/* empty lines before a request are ignored (RFC 9112 2.2) */
	while (start < len && (buf[start] == '\r' || buf[start] == '\n'))
		start++;
	hend = start < len ? head_end(buf, len, start) : 0;
	if (!hend)
		return len - start > max_head ? -431 : 0;
	if (hend - start > max_head)
		return -431;
	r->n_headers = 0;
	r->content_length = 0;
	r->expect_continue = false;
	p = buf + start;
	end = buf + hend;
	p = line_next(p, end, &eol);
	rc = parse_request_line(buf + start, eol, r);
	if (rc < 0)
		return rc;
	for (;;) {
		const char *line = p;
		p = line_next(p, end, &eol);
		if (eol == line)
			break;   /* the empty line */
		if (*line == ' ' || *line == '\t')
			return -400;   /* obsolete line folding */
		const char *c = line;
		while (c < eol && is_tchar((unsigned char)*c))
			c++;
		if (c == line || c == eol || *c != ':')
			return -400;   /* no name, or whitespace before the colon */
		if (r->n_headers == GW_MAX_HEADER_COUNT)
			return -431;
		struct gw_header *h = &r->headers[r->n_headers++];
		h->name.p = line;
		h->name.len = (size_t)(c - line);
		c++;
		while (c < eol && (*c == ' ' || *c == '\t'))
			c++;
		const char *ve = eol;
		while (ve > c && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		if (!all_vchar(c, (size_t)(ve - c)))
			return -400;
		h->value.p = c;
		h->value.len = (size_t)(ve - c);
		if (FIELD_IS(&h->name, "content-length")) {
			rc = parse_content_length(&h->value, max_body, &cl_seen, &r->content_length);
			if (rc < 0)
				return rc;
		} else if (FIELD_IS(&h->name, "transfer-encoding")) {
			te = true;
			chunked = chunked || list_has(&h->value, "chunked");
		} else if (FIELD_IS(&h->name, "connection")) {
			close = close || list_has(&h->value, "close");
			keep = keep || list_has(&h->value, "keep-alive");
		} else if (FIELD_IS(&h->name, "host")) {
			hosts++;
		} else if (FIELD_IS(&h->name, "expect")) {
			if (!FIELD_IS(&h->value, "100-continue"))
				return -417;
			r->expect_continue = r->version == 11;
		}
	}
	if (te)   /* the Query API's bodies are small: a length is required */
		return chunked ? -411 : -501;
	/* RFC 9112 3.2: an HTTP/1.1 request without Host, or any with two */
	if (hosts > 1 || (hosts == 0 && r->version == 11))
		return -400;
	r->keep_alive = r->version == 11 ? !close : keep && !close;
	r->head_len = hend;
	return 1;
}
