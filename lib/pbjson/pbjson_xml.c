/* pbjson xml: protobuf-c messages -> the elements of AWS's Query protocol
 * XML answers (pbjson_query.h), from the descriptors alone. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pbjson/pbjson.h"
#include "pbjson/pbjson_query.h"

#define MAX_DEPTH 16

void pbjson_xbuf_add(struct pbjson_xbuf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		while (cap < b->len + n + 1)
			cap *= 2;
		/* not realloc(): an answer may hold a secret, and the old block
		 * is wiped before it is freed (growth is rare: doubling) */
		char *d = malloc(cap);
		if (!d) {
			b->failed = true;
			return;
		}
		if (b->data) {
			memcpy(d, b->data, b->len);
			explicit_bzero(b->data, b->len);
			free(b->data);
		}
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void pbjson_xbuf_adds(struct pbjson_xbuf *b, const char *s)
{
	pbjson_xbuf_add(b, s, strlen(s));
}

/* The bytes XML text cannot hold as they are: markup, and control
 * characters other than tab and newline. */
static const unsigned char xml_special[256] = {
	[0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1,
	[0x06] = 1, [0x07] = 1, [0x08] = 1, [0x0b] = 1, [0x0c] = 1, [0x0d] = 1,
	[0x0e] = 1, [0x0f] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1,
	[0x14] = 1, [0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1,
	[0x1a] = 1, [0x1b] = 1, [0x1c] = 1, [0x1d] = 1, [0x1e] = 1, [0x1f] = 1,
	['&'] = 1, ['<'] = 1, ['>'] = 1, ['"'] = 1, ['\''] = 1,
};

void pbjson_xbuf_escape(struct pbjson_xbuf *b, const char *s, size_t n)
{
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (!xml_special[ch])
			continue;   /* most bytes: one table look-up */
		const char *rep = NULL;
		char num[16];
		switch (ch) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&apos;"; break;
		default:
			if (ch < 0x20 && ch != '\n' && ch != '\t') {
				snprintf(num, sizeof(num), "&#x%X;", ch);
				rep = num;
			}
		}
		if (!rep)
			continue;
		pbjson_xbuf_add(b, s + run, i - run);
		pbjson_xbuf_adds(b, rep);
		run = i + 1;
	}
	pbjson_xbuf_add(b, s + run, n - run);
}

void pbjson_xbuf_release(struct pbjson_xbuf *b)
{
	if (b->data)
		explicit_bzero(b->data, b->len);
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/* A policy document as AWS returns it: every octet outside A-Za-z0-9-_.~
 * percent-encoded. */
static void urlencode(struct pbjson_xbuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char tmp[256];
	size_t t = 0;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (t + 3 >= sizeof(tmp)) {
			pbjson_xbuf_add(b, tmp, t);
			t = 0;
		}
		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
		    ch == '.' || ch == '~') {
			tmp[t++] = (char)ch;
		} else {
			tmp[t++] = '%';
			tmp[t++] = hex[ch >> 4];
			tmp[t++] = hex[ch & 15];
		}
	}
	pbjson_xbuf_add(b, tmp, t);
}

static void open_tag(struct pbjson_xbuf *b, const char *name)
{
	pbjson_xbuf_adds(b, "<");
	pbjson_xbuf_adds(b, name);
	pbjson_xbuf_adds(b, ">");
}

static void close_tag(struct pbjson_xbuf *b, const char *name)
{
	pbjson_xbuf_adds(b, "</");
	pbjson_xbuf_adds(b, name);
	pbjson_xbuf_adds(b, ">");
}

static int message_xml(const ProtobufCMessage *m, bool top_lists, unsigned depth,
		       struct pbjson_xbuf *b);

/* One value of field f (of message type d) as the text of an element. */
static int value_xml(const ProtobufCMessageDescriptor *d,
		     const ProtobufCFieldDescriptor *f, const void *v,
		     unsigned depth, struct pbjson_xbuf *b)
{
	char num[64];
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)v;
		if (!s)
			return 0;
		if (pbjson_field_is_document(d, f))
			urlencode(b, s);
		else
			pbjson_xbuf_escape(b, s, strlen(s));
		return 0;
	}
	case PROTOBUF_C_TYPE_BOOL:
		pbjson_xbuf_adds(b, *(const protobuf_c_boolean *)v ? "true" : "false");
		return 0;
	case PROTOBUF_C_TYPE_ENUM: {
		const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(
			f->descriptor, *(const int *)v);
		if (ev)
			pbjson_xbuf_adds(b, ev->name);
		else
			snprintf(num, sizeof(num), "%d", *(const int *)v),
			pbjson_xbuf_adds(b, num);
		return 0;
	}
	case PROTOBUF_C_TYPE_BYTES: {
		const ProtobufCBinaryData *bd = v;
		char *enc = NULL;
		int r = pbjson_base64_encode(bd->data, bd->len, &enc);
		if (r < 0)
			return r;
		pbjson_xbuf_adds(b, enc);
		free(enc);
		return 0;
	}
	case PROTOBUF_C_TYPE_MESSAGE:
		return message_xml(*(ProtobufCMessage *const *)v, false, depth + 1, b);
	case PROTOBUF_C_TYPE_FLOAT:
		snprintf(num, sizeof(num), "%.9g", (double)*(const float *)v);
		break;
	case PROTOBUF_C_TYPE_DOUBLE:
		snprintf(num, sizeof(num), "%.17g", *(const double *)v);
		break;
	case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		snprintf(num, sizeof(num), "%" PRId32, *(const int32_t *)v);
		break;
	case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
		snprintf(num, sizeof(num), "%" PRIu32, *(const uint32_t *)v);
		break;
	case PROTOBUF_C_TYPE_SFIXED64:
		if (pbjson_field_is_timestamp(f)) {
			time_t t = (time_t)*(const int64_t *)v;
			struct tm tm;
			if (!gmtime_r(&t, &tm) ||
			    !strftime(num, sizeof(num), "%Y-%m-%dT%H:%M:%SZ", &tm))
				return -EINVAL;
			break;
		}
		/* fall through */
	case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64:
		snprintf(num, sizeof(num), "%" PRId64, *(const int64_t *)v);
		break;
	default:
		snprintf(num, sizeof(num), "%" PRIu64, *(const uint64_t *)v);
		break;
	}
	pbjson_xbuf_adds(b, num);
	return 0;
}

static int message_xml(const ProtobufCMessage *m, bool top_lists, unsigned depth,
		       struct pbjson_xbuf *b)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	char name[PBJSON_NAME_MAX];
	int r;

	if (depth > MAX_DEPTH)
		return -ELOOP;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		size_t n = pbjson_field_count(m, f);
		bool list = f->label == PROTOBUF_C_LABEL_REPEATED;
		if (n == 0 && !(list && (top_lists || pbjson_field_is_required_list(d, f))))
			continue;
		r = pbjson_field_aws_name(f, name, sizeof(name));
		if (r < 0)
			return r;
		if (list && n == 0) {
			pbjson_xbuf_adds(b, "<");
			pbjson_xbuf_adds(b, name);
			pbjson_xbuf_adds(b, "/>");
			continue;
		}
		open_tag(b, name);
		if (list && pbjson_field_is_map(f)) {
			const ProtobufCMessageDescriptor *ed = f->descriptor;
			for (size_t k = 0; k < n; k++) {
				const ProtobufCMessage *e =
					*(ProtobufCMessage *const *)pbjson_field_value(m, f, k);
				pbjson_xbuf_adds(b, "<entry>");
				for (unsigned j = 0; j < 2 && j < ed->n_fields; j++) {
					const ProtobufCFieldDescriptor *ef = &ed->fields[j];
					const char *tag = ef->id == 1 ? "key" : "value";
					open_tag(b, tag);
					if (pbjson_field_count(e, ef)) {
						r = value_xml(ed, ef, pbjson_field_value(e, ef, 0),
							      depth, b);
						if (r < 0)
							return r;
					}
					close_tag(b, tag);
				}
				pbjson_xbuf_adds(b, "</entry>");
			}
		} else {
			for (size_t k = 0; k < n; k++) {
				if (list)
					pbjson_xbuf_adds(b, "<member>");
				r = value_xml(d, f, pbjson_field_value(m, f, k), depth, b);
				if (r < 0)
					return r;
				if (list)
					pbjson_xbuf_adds(b, "</member>");
			}
		}
		close_tag(b, name);
	}
	return b->failed ? -ENOMEM : 0;
}

int pbjson_to_xml(const ProtobufCMessage *m, bool top_lists, struct pbjson_xbuf *b)
{
	return message_xml(m, top_lists, 0, b);
}
