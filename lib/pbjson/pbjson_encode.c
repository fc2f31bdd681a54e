/* pbjson encode: a protobuf-c message -> the JSON the AWS CLI prints. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pbjson/pbjson.h"
#include "util/isotime.h"

#define REDACTED "HIDDEN_DUE_TO_SECURITY_REASONS"

static int encode_message(const ProtobufCMessage *m, unsigned flags, bool top,
			  json_t **ret);

/* A JSON string of bytes that should be UTF-8; invalid sequences become
 * U+FFFD so that a bad byte never makes the whole answer unprintable. */
static json_t *utf8_string(const char *s, size_t n)
{
	json_t *j = json_stringn(s, n);
	char *fixed;
	size_t o = 0;

	if (j)
		return j;
	fixed = malloc(n * 3 + 1);
	if (!fixed)
		return NULL;
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 :
			     (c >> 3) == 30 ? 4 : 0;
		json_t *probe = len && i + len <= n ? json_stringn(s + i, len) : NULL;
		if (probe && c != 0) {
			memcpy(fixed + o, s + i, len);
			o += len;
			i += len;
		} else {
			memcpy(fixed + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
		json_decref(probe);
	}
	j = json_stringn(fixed, o);
	free(fixed);
	return j;
}

static int encode_scalar(const ProtobufCFieldDescriptor *f, const void *v,
			 unsigned flags, json_t **ret)
{
	json_t *j = NULL;
	char t[ISOTIME_MAX];
	int r;

	if ((flags & PBJSON_REDACT) && pbjson_field_is_secret(f)) {
		*ret = json_string(REDACTED);
		return *ret ? 0 : -ENOMEM;
	}
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		j = json_integer(*(const int32_t *)v);
		break;
	case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
		j = json_integer(*(const uint32_t *)v);
		break;
	case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64:
		j = json_integer(*(const int64_t *)v);
		break;
	case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64: {
		uint64_t u = *(const uint64_t *)v;
		j = u <= INT64_MAX ? json_integer((json_int_t)u) : json_real((double)u);
		break;
	}
	case PROTOBUF_C_TYPE_SFIXED64:
		r = isotime_format(*(const int64_t *)v,
				   flags & PBJSON_TIME_Z ? ISOTIME_Z : ISOTIME_OFFSET, t);
		if (r < 0)
			return r;
		j = json_string(t);
		break;
	case PROTOBUF_C_TYPE_FLOAT:
		j = json_real(*(const float *)v);
		break;
	case PROTOBUF_C_TYPE_DOUBLE:
		j = json_real(*(const double *)v);
		break;
	case PROTOBUF_C_TYPE_BOOL:
		j = json_boolean(*(const protobuf_c_boolean *)v);
		break;
	case PROTOBUF_C_TYPE_ENUM: {
		const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value(
			f->descriptor, *(const int *)v);
		j = ev ? json_string(ev->name) : json_integer(*(const int *)v);
		break;
	}
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(const char *const *)v;
		j = utf8_string(s ? s : "", s ? strlen(s) : 0);
		break;
	}
	case PROTOBUF_C_TYPE_BYTES: {
		const ProtobufCBinaryData *b = v;
		char *s = NULL;
		r = pbjson_base64_encode(b->data, b->len, &s);
		if (r < 0)
			return r;
		j = json_string(s);
		free(s);
		break;
	}
	case PROTOBUF_C_TYPE_MESSAGE:
		return encode_message(*(const ProtobufCMessage *const *)v, flags,
				      false, ret);
	}
	if (!j)
		return f->type == PROTOBUF_C_TYPE_FLOAT ||
		       f->type == PROTOBUF_C_TYPE_DOUBLE ? -EDOM : -ENOMEM;
	*ret = j;
	return 0;
}

/* A policy document: the JSON value its text holds (any JSON value, as
 * botocore's json.loads takes it), else the text itself. */
static int encode_document(const char *s, json_t **ret)
{
	json_t *j = s ? json_loads(s, JSON_DECODE_ANY, NULL) : NULL;
	if (!j)
		j = utf8_string(s ? s : "", s ? strlen(s) : 0);
	if (!j)
		return -ENOMEM;
	*ret = j;
	return 0;
}

/* An AWS map: {"key": value, ...}. */
static int encode_map(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
		      size_t n, unsigned flags, json_t **ret)
{
	const ProtobufCMessageDescriptor *ed = f->descriptor;
	const ProtobufCFieldDescriptor *vf = &ed->fields[1];
	json_t *o = json_object(), *v = NULL;
	int r = -ENOMEM;

	if (!o)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const ProtobufCMessage *e =
			*(const ProtobufCMessage *const *)pbjson_field_value(m, f, i);
		const char *key = *(const char *const *)pbjson_field_value(
			e, &ed->fields[0], 0);
		if (pbjson_field_count(e, vf) == 0)
			v = json_null();
		else if ((r = encode_scalar(vf, pbjson_field_value(e, vf, 0), flags,
					    &v)) < 0)
			goto out;
		if (!key || json_object_set_new(o, key, v) < 0) {
			r = -EINVAL;
			goto out;
		}
	}
	*ret = o;
	return 0;
out:
	json_decref(o);
	return r;
}

static int encode_field(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *f,
			size_t n, unsigned flags, json_t **ret)
{
	json_t *a, *v;
	int r;

	if (!(flags & PBJSON_DOC_TEXT) && pbjson_field_is_document(m->descriptor, f))
		return encode_document(*(const char *const *)pbjson_field_value(m, f, 0), ret);
	if (f->label != PROTOBUF_C_LABEL_REPEATED)
		return encode_scalar(f, pbjson_field_value(m, f, 0), flags, ret);
	if (pbjson_field_is_map(f))
		return encode_map(m, f, n, flags, ret);
	a = json_array();
	if (!a)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		r = encode_scalar(f, pbjson_field_value(m, f, i), flags, &v);
		if (r < 0 || json_array_append_new(a, v) < 0) {
			json_decref(a);
			return r < 0 ? r : -ENOMEM;
		}
	}
	*ret = a;
	return 0;
}

static int encode_message(const ProtobufCMessage *m, unsigned flags, bool top,
			  json_t **ret)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	json_t *o = json_object(), *v = NULL;
	char name[PBJSON_NAME_MAX];
	int r = -ENOMEM;

	if (!o)
		return -ENOMEM;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		size_t n = pbjson_field_count(m, f);
		if (n == 0 && !((flags & PBJSON_TOP_LISTS) &&
				f->label == PROTOBUF_C_LABEL_REPEATED &&
				(top || pbjson_field_is_required_list(d, f))))
			continue;
		r = pbjson_field_aws_name(f, name, sizeof(name));
		if (r < 0)
			goto out;
		if (flags & PBJSON_CAMEL)
			name[0] = (char)(name[0] | 0x20);
		r = encode_field(m, f, n, flags, &v);
		if (r < 0)
			goto out;
		if (json_object_set_new(o, name, v) < 0) {
			r = -ENOMEM;
			goto out;
		}
	}
	*ret = o;
	return 0;
out:
	json_decref(o);
	return r;
}

int pbjson_to_json(const ProtobufCMessage *m, unsigned flags, json_t **ret)
{
	if (!m)
		return -EINVAL;
	return encode_message(m, flags, true, ret);
}

int pbjson_dump(const json_t *j, char **ret)
{
	char *s = json_dumps(j, JSON_INDENT(4) | JSON_PRESERVE_ORDER |
			     JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}

int pbjson_to_string(const ProtobufCMessage *m, unsigned flags, char **ret)
{
	json_t *j = NULL;
	int r = pbjson_to_json(m, flags, &j);

	if (r < 0)
		return r;
	r = pbjson_dump(j, ret);
	json_decref(j);
	return r;
}
