/* policy_json: the policy module's JSON reader. A strict RFC 8259 parser
 * that records the line and column of every value and member key, so that
 * validation errors can say where they are (a general JSON library such as
 * jansson forgets positions after parsing and silently keeps one of two
 * duplicated keys). Everything lives in the caller's arena. */
#include "policy/policy_int.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/arena.h"

#define JSON_MAX_DEPTH 64

struct jp {
	struct arena *a;
	const char *s;
	size_t len, i;
	char *pool, *pool_end;  /* decoded strings: the text never needs more */
	struct jv *nodes;       /* a block of zeroed values, taken in order */
	size_t n_nodes;
	unsigned line;
	size_t line_start;
	unsigned eline, ecol;
	char *emsg;
	size_t emsg_size;
	bool failed;
};

static unsigned col_of(const struct jp *p, size_t i)
{
	return (unsigned)(i - p->line_start + 1);
}

static int fail(struct jp *p, const char *msg)
{
	if (!p->failed) {
		p->failed = true;
		p->eline = p->line;
		p->ecol = col_of(p, p->i);
		snprintf(p->emsg, p->emsg_size, "%s", msg);
	}
	return -EINVAL;
}

static void skip_ws(struct jp *p)
{
	const char *s = p->s;
	size_t i = p->i, len = p->len;

	/* Compact JSON: nothing to skip. */
	if (i < len && (unsigned char)s[i] > ' ')
		return;
	while (i < len) {
		char c = s[i];
		if (c == '\n') {
			p->line++;
			p->line_start = i + 1;
		} else if (c != ' ' && c != '\t' && c != '\r') {
			break;
		}
		i++;
	}
	p->i = i;
}

/* Room for n decoded bytes and a NUL from the string pool. */
static char *pool_take(struct jp *p, size_t n)
{
	char *o = p->pool;

	if ((size_t)(p->pool_end - o) < n + 1)
		return arena_alloc(p->a, n + 1);   /* not reached: see pool */
	p->pool = o + n + 1;
	return o;
}

#define JV_BLOCK 32

static struct jv *node_new(struct jp *p)
{
	if (!p->n_nodes) {
		p->nodes = arena_alloc(p->a, JV_BLOCK * sizeof(struct jv));
		if (!p->nodes)
			return NULL;
		p->n_nodes = JV_BLOCK;
	}
	p->n_nodes--;
	struct jv *v = p->nodes++;
	*v = (struct jv){ 0 };
	return v;
}

static int hex4(struct jp *p, unsigned *ret)
{
	unsigned v = 0;

	if (p->len - p->i < 4)
		return fail(p, "truncated \\u escape");
	for (int k = 0; k < 4; k++) {
		char c = p->s[p->i + k];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return fail(p, "invalid \\u escape");
	}
	p->i += 4;
	*ret = v;
	return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Length of a valid UTF-8 sequence starting at s[0], or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t k = 1; k < len; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[k] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

#define ONES 0x0101010101010101ULL
#define HIGH 0x8080808080808080ULL

/* The bytes of a word that end a plain run of string text ('"', '\\', a
 * control character, non-ASCII), as their high bits; exact per byte. */
static inline uint64_t swar_special(uint64_t w)
{
	uint64_t lo = w & ~HIGH;
	uint64_t q = w ^ (ONES * '"'), b = w ^ (ONES * '\\');
	uint64_t is_q = ~(((q & ~HIGH) + ~HIGH) | q);
	uint64_t is_b = ~(((b & ~HIGH) + ~HIGH) | b);
	uint64_t is_ctl = ~(lo + ONES * 0x60);
	return (w | is_q | is_b | is_ctl) & HIGH;
}

/* Index of the first byte flagged in a non-zero swar_special() mask. */
static inline size_t swar_first(uint64_t m)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return (size_t)__builtin_clzll(m) >> 3;
#else
	return (size_t)__builtin_ctzll(m) >> 3;
#endif
}

/* p->i is on the opening quote. */
static int parse_string(struct jp *p, const char **ret, size_t *retn)
{
	const char *s = p->s;
	size_t start = p->i + 1, i = start, len = p->len, n = 0;
	bool plain = true;
	char *o;

	/* First pass: find the end and whether there are escapes. Eight
	 * bytes at a time while none is '"', '\\', a control character or
	 * non-ASCII. */
	for (;;) {
		while (i + 8 <= len) {
			uint64_t w, m;
			memcpy(&w, s + i, 8);
			m = swar_special(w);
			if (m) {
				i += swar_first(m);
				break;
			}
			i += 8;
		}
		if (i >= len) {
			p->i = i;
			return fail(p, "unterminated string");
		}
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			i++;
			continue;
		}
		if (c == '"')
			break;
		if (c < 0x20) {
			p->i = i;
			return fail(p, "control character in string");
		}
		if (c == '\\') {
			plain = false;
			i += 2;
			continue;
		}
		size_t l = utf8_len((const unsigned char *)s + i, len - i);
		if (!l) {
			p->i = i;
			return fail(p, "invalid UTF-8 in string");
		}
		i += l;
	}
	size_t end = i;
	if (plain) {
		o = pool_take(p, end - start);
		if (!o)
			return -ENOMEM;
		memcpy(o, s + start, end - start);
		o[end - start] = '\0';
		*ret = o;
		*retn = end - start;
		p->i = end + 1;
		return 0;
	}
	o = pool_take(p, end - start);
	if (!o)
		return -ENOMEM;
	p->i = start;
	while (p->i < end) {
		char c = p->s[p->i];
		if (c != '\\') {
			o[n++] = c;
			p->i++;
			continue;
		}
		p->i++;
		c = p->s[p->i++];
		switch (c) {
		case '"': o[n++] = '"'; break;
		case '\\': o[n++] = '\\'; break;
		case '/': o[n++] = '/'; break;
		case 'b': o[n++] = '\b'; break;
		case 'f': o[n++] = '\f'; break;
		case 'n': o[n++] = '\n'; break;
		case 'r': o[n++] = '\r'; break;
		case 't': o[n++] = '\t'; break;
		case 'u': {
			unsigned cp, lo;
			if (hex4(p, &cp) < 0)
				return -EINVAL;
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return fail(p, "unpaired surrogate in \\u escape");
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (p->i + 2 > end || p->s[p->i] != '\\' ||
				    p->s[p->i + 1] != 'u')
					return fail(p, "unpaired surrogate in \\u escape");
				p->i += 2;
				if (hex4(p, &lo) < 0)
					return -EINVAL;
				if (lo < 0xdc00 || lo > 0xdfff)
					return fail(p, "unpaired surrogate in \\u escape");
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			if (cp == 0)
				return fail(p, "NUL character in string");
			n += put_utf8(o + n, cp);
			break;
		}
		default:
			p->i--;
			return fail(p, "invalid escape in string");
		}
	}
	o[n] = '\0';
	*ret = o;
	*retn = n;
	p->i = end + 1;
	return 0;
}

static int parse_number(struct jp *p, struct jv *v)
{
	size_t start = p->i;
	const char *s = p->s;
	char *o;

	if (p->i < p->len && s[p->i] == '-')
		p->i++;
	if (p->i >= p->len)
		return fail(p, "invalid number");
	if (s[p->i] == '0') {
		p->i++;
	} else if (s[p->i] >= '1' && s[p->i] <= '9') {
		while (p->i < p->len && s[p->i] >= '0' && s[p->i] <= '9')
			p->i++;
	} else {
		return fail(p, "invalid number");
	}
	if (p->i < p->len && s[p->i] == '.') {
		p->i++;
		if (p->i >= p->len || s[p->i] < '0' || s[p->i] > '9')
			return fail(p, "invalid number");
		while (p->i < p->len && s[p->i] >= '0' && s[p->i] <= '9')
			p->i++;
	}
	if (p->i < p->len && (s[p->i] == 'e' || s[p->i] == 'E')) {
		p->i++;
		if (p->i < p->len && (s[p->i] == '+' || s[p->i] == '-'))
			p->i++;
		if (p->i >= p->len || s[p->i] < '0' || s[p->i] > '9')
			return fail(p, "invalid number");
		while (p->i < p->len && s[p->i] >= '0' && s[p->i] <= '9')
			p->i++;
	}
	v->type = JV_NUM;
	o = pool_take(p, p->i - start);
	if (!o)
		return -ENOMEM;
	memcpy(o, s + start, p->i - start);
	o[p->i - start] = '\0';
	v->s = o;
	v->n = p->i - start;
	return 0;
}

static int parse_value(struct jp *p, struct jv *v, unsigned depth);

static int parse_word(struct jp *p, const char *w, size_t n)
{
	if (p->len - p->i < n || memcmp(p->s + p->i, w, n) != 0)
		return fail(p, "invalid literal");
	p->i += n;
	return 0;
}

static int parse_container(struct jp *p, struct jv *v, unsigned depth)
{
	bool obj = p->s[p->i] == '{';
	char close = obj ? '}' : ']';
	struct jv **tail = &v->child;
	int r;

	if (depth >= JSON_MAX_DEPTH)
		return fail(p, "nesting too deep");
	v->type = obj ? JV_OBJ : JV_ARR;
	p->i++;
	skip_ws(p);
	if (p->i < p->len && p->s[p->i] == close) {
		p->i++;
		return 0;
	}
	for (;;) {
		struct jv *c = node_new(p);
		if (!c)
			return -ENOMEM;
		skip_ws(p);
		if (obj) {
			if (p->i >= p->len || p->s[p->i] != '"')
				return fail(p, "expected a member name in quotes");
			c->kline = p->line;
			c->kcol = col_of(p, p->i);
			r = parse_string(p, &c->key, &c->klen);
			if (r < 0)
				return r;
			skip_ws(p);
			if (p->i >= p->len || p->s[p->i] != ':')
				return fail(p, "expected ':' after member name");
			p->i++;
		}
		r = parse_value(p, c, depth + 1);
		if (r < 0)
			return r;
		*tail = c;
		tail = &c->next;
		v->n++;
		skip_ws(p);
		if (p->i >= p->len)
			return fail(p, obj ? "unterminated object" :
				       "unterminated array");
		if (p->s[p->i] == ',') {
			p->i++;
			continue;
		}
		if (p->s[p->i] == close) {
			p->i++;
			return 0;
		}
		return fail(p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static int parse_value(struct jp *p, struct jv *v, unsigned depth)
{
	skip_ws(p);
	if (p->i >= p->len)
		return fail(p, "unexpected end of input");
	v->line = p->line;
	v->col = col_of(p, p->i);
	switch (p->s[p->i]) {
	case '{':
	case '[':
		return parse_container(p, v, depth);
	case '"':
		v->type = JV_STR;
		return parse_string(p, &v->s, &v->n);
	case 't':
		v->type = JV_BOOL;
		v->b = true;
		return parse_word(p, "true", 4);
	case 'f':
		v->type = JV_BOOL;
		return parse_word(p, "false", 5);
	case 'n':
		v->type = JV_NULL;
		return parse_word(p, "null", 4);
	default:
		if (p->s[p->i] == '-' || (p->s[p->i] >= '0' && p->s[p->i] <= '9'))
			return parse_number(p, v);
		return fail(p, "unexpected character");
	}
}

int policy_json_parse(struct arena *a, const char *text, size_t len,
		      struct jv **ret, unsigned *eline, unsigned *ecol,
		      char *emsg, size_t emsg_size)
{
	struct jp p = { .a = a, .s = text, .len = len, .line = 1,
			.emsg = emsg, .emsg_size = emsg_size };
	struct jv *root;
	int r;

	/* A UTF-8 byte order mark is tolerated. */
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		p.i = p.line_start = 3;
	/* A string's decoded bytes and its NUL never outnumber its text with
	 * its quotes, nor a number's its text and what follows it (or the
	 * end of the input): the pool is one allocation. */
	p.pool = arena_alloc(a, len + 2);
	root = p.pool ? node_new(&p) : NULL;
	if (!root)
		return -ENOMEM;
	p.pool_end = p.pool + len + 2;
	r = parse_value(&p, root, 0);
	if (r == 0) {
		skip_ws(&p);
		if (p.i < p.len)
			r = fail(&p, "unexpected data after the JSON value");
	}
	if (r < 0) {
		if (r == -EINVAL) {
			*eline = p.eline;
			*ecol = p.ecol;
		}
		return r;
	}
	*ret = root;
	return 0;
}
