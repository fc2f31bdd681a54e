/* pbjson write: a protobuf-c message -> compact JSON text, written straight
 * into a growing buffer from the descriptors (pbjson.h, "direct writing").
 * The text is byte for byte what json_dumps(JSON_COMPACT |
 * JSON_PRESERVE_ORDER) makes of pbjson_to_json()'s object (pbjson_encode.c):
 * the same keys in the same order, the same redaction, the same U+FFFD for
 * bad UTF-8, jansson's escapes (\b \f \n \r \t, else \u00XX in capitals) and
 * jansson's numbers. tests/unit/test_pbjson.c renders every API message
 * both ways and compares. Only policy documents without PBJSON_DOC_TEXT
 * still go through jansson (their text is parsed as JSON). */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbjson/pbjson.h"
#include "util/isotime.h"

#define REDACTED "HIDDEN_DUE_TO_SECURITY_REASONS"

int pbjson_buf_grow(struct pbjson_buf *b, size_t more)
{
	if (b->oom)
		return -ENOMEM;
	if (more <= b->cap - b->len)
		return 0;
	if (more > SIZE_MAX / 2 - b->len) {
		b->oom = true;
		return -ENOMEM;
	}
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + more)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return -ENOMEM;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void pbjson_buf_free(struct pbjson_buf *b)
{
	if (!b)
		return;
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->oom = false;
}

/* The length of the valid UTF-8 sequence at s (jansson's rules: no
 * overlong forms, no surrogates, nothing above U+10FFFF), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t l;
	uint32_t v;
	if (c >= 0xc2 && c <= 0xdf) {
		l = 2;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		l = 3;
		v = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		l = 4;
		v = c & 0x07;
	} else {
		return 0;
	}
	if (l > n)
		return 0;
	for (size_t i = 1; i < l; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff) ||
	    (l == 3 && v < 0x800) || (l == 4 && v < 0x10000))
		return 0;
	return l;
}

/* 1 for the bytes copied as they are. */
static const unsigned char plain[256] = {
	[0x20] = 1, [0x21] = 1, [0x23 ... 0x5b] = 1, [0x5d ... 0x7f] = 1,
};

void pbjson_buf_string(struct pbjson_buf *b, const char *str, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s = (const unsigned char *)str;
	if (n > SIZE_MAX / 8 || pbjson_buf_reserve(b, n * 6 + 2) < 0) {
		b->oom = true;
		return;
	}
	char *o = b->p + b->len;
	*o++ = '"';
	for (size_t i = 0; i < n;) {
		/* 8 plain bytes at a time: none below 0x20, none '"' or '\\',
		 * none 0x80 or above (room: 6 bytes out per byte in) */
		while (i + 8 <= n) {
			uint64_t v;
			memcpy(&v, s + i, 8);
			uint64_t q = v ^ 0x2222222222222222ull, bs = v ^ 0x5c5c5c5c5c5c5c5cull;
			uint64_t special = ((v - 0x2020202020202020ull) |
					    (q - 0x0101010101010101ull) |
					    (bs - 0x0101010101010101ull) | v) &
					   0x8080808080808080ull;
			if (special)
				break;
			memcpy(o, &v, 8);
			o += 8;
			i += 8;
		}
		if (i >= n)
			break;
		unsigned char c = s[i];
		if (plain[c]) {
			*o++ = (char)c;
			i++;
			continue;
		}
		if (c >= 0x80) {
			size_t l = utf8_len(s + i, n - i);
			if (l) {
				memcpy(o, s + i, l);
				o += l;
				i += l;
			} else {
				memcpy(o, "\xef\xbf\xbd", 3);
				o += 3;
				i++;
			}
			continue;
		}
		*o++ = '\\';
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\b': *o++ = 'b'; break;
		case '\f': *o++ = 'f'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		default:
			memcpy(o, "u00", 3);
			o[3] = hex[c >> 4];
			o[4] = hex[c & 15];
			o += 5;
			break;
		}
		i++;
	}
	*o++ = '"';
	b->len = (size_t)(o - b->p);
}

#define LIT(b, s) pbjson_buf_append((b), (s), sizeof(s) - 1)

static void put_u64(struct pbjson_buf *b, uint64_t v, bool neg)
{
	char t[24], *e = t + sizeof(t), *p = e;
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (neg)
		*--p = '-';
	pbjson_buf_append(b, p, (size_t)(e - p));
}

static void put_i64(struct pbjson_buf *b, int64_t v)
{
	if (v < 0)
		put_u64(b, (uint64_t)0 - (uint64_t)v, true);
	else
		put_u64(b, (uint64_t)v, false);
}

/* A real as jansson writes it (jsonp_dtostr, precision 17): "%.17g", ".0"
 * when there is neither "." nor "e", no "+" and no leading zeros in the
 * exponent. NaN and infinities are not JSON: -EDOM, as json_real() fails. */
static int put_real(struct pbjson_buf *b, double v)
{
	char t[64];
	if (!isfinite(v))
		return -EDOM;
	int n = snprintf(t, sizeof(t), "%.17g", v);
	if (n < 0 || (size_t)n >= sizeof(t) - 3)
		return -EDOM;
	size_t len = (size_t)n;
	if (!strchr(t, '.') && !strchr(t, 'e')) {
		memcpy(t + len, ".0", 3);
		len += 2;
	}
	char *start = strchr(t, 'e');
	if (start) {
		start++;
		char *end = start + 1;
		if (*start == '-')
			start++;
		while (*end == '0')
			end++;
		if (end != start) {
			memmove(start, end, len - (size_t)(end - t) + 1);
			len -= (size_t)(end - start);
		}
	}
	pbjson_buf_append(b, t, len);
	return 0;
}

static void put_base64(struct pbjson_buf *b, const uint8_t *p, size_t n)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	if (n > SIZE_MAX / 2 || pbjson_buf_reserve(b, (n + 2) / 3 * 4 + 2) < 0) {
		b->oom = true;
		return;
	}
	char *o = b->p + b->len;
	*o++ = '"';
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		*o++ = b64[v >> 18 & 63];
		*o++ = b64[v >> 12 & 63];
		*o++ = i + 1 < n ? b64[v >> 6 & 63] : '=';
		*o++ = i + 2 < n ? b64[v & 63] : '=';
	}
	*o++ = '"';
	b->len = (size_t)(o - b->p);
}

static void put_cstr(struct pbjson_buf *b, const char *s)
{
	pbjson_buf_string(b, s ? s : "", s ? strlen(s) : 0);
}

/* What the writer needs to know of a field, made once per field
 * (descriptors are static): a table indexed by the descriptor's address.
 * A slot is claimed once (0 -> 1), filled, then published (2); a thread
 * that finds it taken by another field, or being filled, works it out on
 * its own. */
struct finfo {
	const char *name;   /* the AWS name, PascalCase */
	size_t len;
	bool secret, map, doc;
};

#define INFO_SLOTS 2048
#define NAME_CACHED_MAX 48
static struct {
	_Atomic int state;
	const ProtobufCFieldDescriptor *f;
	struct finfo info;
	char name[NAME_CACHED_MAX];
} infos[INFO_SLOTS];

/* f of message type d; *tmp and buf hold it when it is not cached. */
static int field_info(const ProtobufCMessageDescriptor *d,
		      const ProtobufCFieldDescriptor *f, struct finfo *tmp,
		      char buf[PBJSON_NAME_MAX], const struct finfo **ret)
{
	uintptr_t h = (uintptr_t)f;
	size_t slot = (size_t)((h >> 4) ^ (h >> 15)) % INFO_SLOTS;
	int st = atomic_load_explicit(&infos[slot].state, memory_order_acquire);
	if (st == 2 && infos[slot].f == f) {
		*ret = &infos[slot].info;
		return 0;
	}
	int r = pbjson_field_aws_name(f, buf, PBJSON_NAME_MAX);
	if (r < 0)
		return r;
	tmp->name = buf;
	tmp->len = strlen(buf);
	tmp->secret = pbjson_field_is_secret(f);
	tmp->map = pbjson_field_is_map(f);
	tmp->doc = pbjson_field_is_document(d, f);
	int zero = 0;
	if (st == 0 && tmp->len < NAME_CACHED_MAX &&
	    atomic_compare_exchange_strong(&infos[slot].state, &zero, 1)) {
		infos[slot].f = f;
		infos[slot].info = *tmp;
		memcpy(infos[slot].name, buf, tmp->len + 1);
		infos[slot].info.name = infos[slot].name;
		atomic_store_explicit(&infos[slot].state, 2, memory_order_release);
	}
	*ret = tmp;
	return 0;
}

/* "Key": the field's AWS name, lower camel case with PBJSON_CAMEL. */
static int put_key(struct pbjson_buf *b, const struct finfo *fi, unsigned flags)
{
	size_t n = fi->len;
	if (pbjson_buf_reserve(b, n + 3) < 0)
		return -ENOMEM;
	char *o = b->p + b->len;
	*o++ = '"';
	memcpy(o, fi->name, n);
	if (flags & PBJSON_CAMEL)
		o[0] = (char)(o[0] | 0x20);
	o += n;
	*o++ = '"';
	*o++ = ':';
	b->len = (size_t)(o - b->p);
	return 0;
}

static int write_message(struct pbjson_buf *b, const ProtobufCMessage *m,
			 unsigned flags, bool top);

static int write_scalar(struct pbjson_buf *b, const ProtobufCFieldDescriptor *f,
			bool secret, const void *v, unsigned flags)
{
	char t[ISOTIME_MAX];
	int r;

	if ((flags & PBJSON_REDACT) && secret) {
		LIT(b, "\"" REDACTED "\"");
		return 0;
	}
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		put_i64(b, *(const int32_t *)v);
		return 0;
	case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
		put_u64(b, *(const uint32_t *)v, false);
		return 0;
	case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64:
		put_i64(b, *(const int64_t *)v);
		return 0;
	case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64: {
		uint64_t u = *(const uint64_t *)v;
		if (u <= INT64_MAX)
			put_u64(b, u, false);
		else
			return put_real(b, (double)u);
		return 0;
	}
	case PROTOBUF_C_TYPE_SFIXED64:
		r = isotime_format(*(const int64_t *)v,
				   flags & PBJSON_TIME_Z ? ISOTIME_Z : ISOTIME_OFFSET, t);
		if (r < 0)
			return r;
		pbjson_buf_string(b, t, strlen(t));
		return 0;
	case PROTOBUF_C_TYPE_FLOAT:
		return put_real(b, *(const float *)v);
	case PROTOBUF_C_TYPE_DOUBLE:
		return put_real(b, *(const double *)v);
	case PROTOBUF_C_TYPE_BOOL:
		if (*(const protobuf_c_boolean *)v)
			LIT(b, "true");
		else
			LIT(b, "false");
		return 0;
	case PROTOBUF_C_TYPE_ENUM: {
		const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(
			f->descriptor, *(const int *)v);
		if (ev)
			put_cstr(b, ev->name);
		else
			put_i64(b, *(const int *)v);
		return 0;
	}
	case PROTOBUF_C_TYPE_STRING:
		put_cstr(b, *(const char *const *)v);
		return 0;
	case PROTOBUF_C_TYPE_BYTES: {
		const ProtobufCBinaryData *d = v;
		put_base64(b, d->data, d->len);
		return 0;
	}
	case PROTOBUF_C_TYPE_MESSAGE:
		return write_message(b, *(const ProtobufCMessage *const *)v, flags,
				     false);
	}
	return -EINVAL;
}

/* A policy document without PBJSON_DOC_TEXT: the JSON value its text
 * holds, as jansson dumps it, else the text. */
static int write_document(struct pbjson_buf *b, const char *s)
{
	json_t *j = s ? json_loads(s, JSON_DECODE_ANY, NULL) : NULL;
	if (!j) {
		put_cstr(b, s);
		return 0;
	}
	char *t = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	json_decref(j);
	if (!t)
		return -ENOMEM;
	pbjson_buf_append(b, t, strlen(t));
	free(t);
	return 0;
}

static bool valid_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		size_t l = p[i] < 0x80 ? 1 : utf8_len(p + i, n - i);
		if (!l)
			return false;
		i += l;
	}
	return true;
}

static const char *map_key(const ProtobufCMessage *m,
			   const ProtobufCFieldDescriptor *f, size_t i)
{
	const ProtobufCMessage *e =
		*(const ProtobufCMessage *const *)pbjson_field_value(m, f, i);
	const ProtobufCMessageDescriptor *ed = f->descriptor;
	return *(const char *const *)pbjson_field_value(e, &ed->fields[0], 0);
}

/* An AWS map: {"key":value,...}. A key given twice keeps its first place
 * and takes its last value (a jansson object's set). */
static int write_map(struct pbjson_buf *b, const ProtobufCMessage *m,
		     const ProtobufCFieldDescriptor *f, size_t n, unsigned flags)
{
	const ProtobufCMessageDescriptor *ed = f->descriptor;
	const ProtobufCFieldDescriptor *vf = &ed->fields[1];
	const struct finfo *vi;
	struct finfo tmp;
	char buf[PBJSON_NAME_MAX];
	bool first = true;
	int r = field_info(ed, vf, &tmp, buf, &vi);

	if (r < 0)
		return r;
	LIT(b, "{");
	for (size_t i = 0; i < n; i++) {
		const char *key = map_key(m, f, i);
		bool seen = false;
		size_t last = i;
		if (!key || !valid_utf8(key))
			return -EINVAL;
		for (size_t k = 0; k < i && !seen; k++)
			seen = strcmp(map_key(m, f, k), key) == 0;
		if (seen)
			continue;
		for (size_t k = i + 1; k < n; k++) {
			const char *kk = map_key(m, f, k);
			if (kk && strcmp(kk, key) == 0)
				last = k;
		}
		if (!first)
			LIT(b, ",");
		first = false;
		pbjson_buf_string(b, key, strlen(key));
		LIT(b, ":");
		const ProtobufCMessage *e =
			*(const ProtobufCMessage *const *)pbjson_field_value(m, f, last);
		if (pbjson_field_count(e, vf) == 0)
			LIT(b, "null");
		else if ((r = write_scalar(b, vf, vi->secret, pbjson_field_value(e, vf, 0),
					   flags)) < 0)
			return r;
	}
	LIT(b, "}");
	return 0;
}

static int write_field(struct pbjson_buf *b, const ProtobufCMessage *m,
		       const ProtobufCFieldDescriptor *f, const struct finfo *fi,
		       size_t n, unsigned flags)
{
	int r;

	if (!(flags & PBJSON_DOC_TEXT) && fi->doc)
		return write_document(b, *(const char *const *)pbjson_field_value(m, f, 0));
	if (f->label != PROTOBUF_C_LABEL_REPEATED)
		return write_scalar(b, f, fi->secret, pbjson_field_value(m, f, 0), flags);
	if (fi->map)
		return write_map(b, m, f, n, flags);
	LIT(b, "[");
	for (size_t i = 0; i < n; i++) {
		if (i)
			LIT(b, ",");
		r = write_scalar(b, f, fi->secret, pbjson_field_value(m, f, i), flags);
		if (r < 0)
			return r;
	}
	LIT(b, "]");
	return 0;
}

static int write_message(struct pbjson_buf *b, const ProtobufCMessage *m,
			 unsigned flags, bool top)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	bool first = true;
	int r;

	LIT(b, "{");
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		size_t n = pbjson_field_count(m, f);
		if (n == 0 && !((flags & PBJSON_TOP_LISTS) &&
				f->label == PROTOBUF_C_LABEL_REPEATED &&
				(top || pbjson_field_is_required_list(d, f))))
			continue;
		const struct finfo *fi;
		struct finfo tmp;
		char buf[PBJSON_NAME_MAX];
		r = field_info(d, f, &tmp, buf, &fi);
		if (r < 0)
			return r;
		if (!first)
			LIT(b, ",");
		first = false;
		r = put_key(b, fi, flags);
		if (r < 0)
			return r;
		r = write_field(b, m, f, fi, n, flags);
		if (r < 0)
			return r;
	}
	LIT(b, "}");
	return 0;
}

int pbjson_write(struct pbjson_buf *b, const ProtobufCMessage *m, unsigned flags)
{
	size_t len = b->len;
	int r;

	if (!m)
		return -EINVAL;
	if (b->oom)
		return -ENOMEM;
	r = write_message(b, m, flags, true);
	if (r == 0 && b->oom)
		r = -ENOMEM;
	if (r < 0) {
		b->len = len;   /* the memory is whole: the buffer can go on */
		b->oom = false;
	}
	return r;
}
