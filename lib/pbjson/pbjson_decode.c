/* pbjson decode: the AWS JSON of a request -> a protobuf-c message, with
 * botocore's parameter validation (type, range, unknown members). */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbjson/pbjson.h"
#include "util/isotime.h"

#define PATH_MAX_LEN 512

struct dctx {
	ProtobufCAllocator *alloc;
	char *err;
};

static void *dalloc(struct dctx *c, size_t n)
{
	void *p = c->alloc ? c->alloc->alloc(c->alloc->allocator_data, n) : malloc(n);
	if (p)
		memset(p, 0, n);
	return p;
}

static __attribute__((format(printf, 2, 3))) int
fail(struct dctx *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->err) {
		va_start(ap, fmt);
		if (vasprintf(&c->err, fmt, ap) < 0)
			c->err = NULL;
		va_end(ap);
	}
	return -EINVAL;
}

static const char *jtype(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "list";
	case JSON_STRING: return "string";
	case JSON_INTEGER: return "integer";
	case JSON_REAL: return "number";
	case JSON_TRUE: case JSON_FALSE: return "boolean";
	case JSON_NULL: return "null";
	}
	return "unknown";
}

/* The value as short text for an error message. */
static void jshow(const json_t *j, char *buf, size_t size)
{
	char *s = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
	snprintf(buf, size, "%.60s%s", s ? s : "?", s && strlen(s) > 60 ? "..." : "");
	free(s);
}

static int bad_type(struct dctx *c, const char *path, const json_t *j,
		    const char *want)
{
	char v[80];
	jshow(j, v, sizeof(v));
	return fail(c, "Invalid type for parameter %s, value: %s, type: %s, "
		    "valid types: %s", path, v, jtype(j), want);
}

static int decode_message(struct dctx *c, const ProtobufCMessageDescriptor *d,
			  json_t *j, const char *path, ProtobufCMessage **ret);

static int decode_int(struct dctx *c, const ProtobufCFieldDescriptor *f,
		      json_t *j, const char *path, void *out)
{
	json_int_t v, lo, hi;

	if (!json_is_integer(j))
		return bad_type(c, path, j, "integer");
	v = json_integer_value(j);
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32: case PROTOBUF_C_TYPE_ENUM:
		lo = INT32_MIN; hi = INT32_MAX; break;
	case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
		lo = 0; hi = UINT32_MAX; break;
	case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
		lo = 0; hi = LLONG_MAX; break;
	default:
		lo = LLONG_MIN; hi = LLONG_MAX; break;
	}
	if (v < lo || v > hi)
		return fail(c, "Invalid value for parameter %s, value: %lld, "
			    "valid range: %lld..%lld", path, (long long)v,
			    (long long)lo, (long long)hi);
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		*(int32_t *)out = (int32_t)v; break;
	case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
		*(uint32_t *)out = (uint32_t)v; break;
	case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
		*(uint64_t *)out = (uint64_t)v; break;
	default:
		*(int64_t *)out = (int64_t)v; break;
	}
	return 0;
}

static int decode_string(struct dctx *c, json_t *j, const char *path,
			 char **out)
{
	const char *s;
	size_t n;

	if (!json_is_string(j))
		return bad_type(c, path, j, "string");
	s = json_string_value(j);
	n = json_string_length(j);
	if (strlen(s) != n)
		return fail(c, "Invalid value for parameter %s: it contains a NUL "
			    "character", path);
	*out = dalloc(c, n + 1);
	if (!*out)
		return -ENOMEM;
	memcpy(*out, s, n + 1);
	return 0;
}

/* One value of field f from j into out (the member or array element). */
static int decode_value(struct dctx *c, const ProtobufCFieldDescriptor *f,
			json_t *j, const char *path, void *out)
{
	int r;

	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
		return decode_string(c, j, path, out);
	case PROTOBUF_C_TYPE_BOOL:
		if (!json_is_boolean(j))
			return bad_type(c, path, j, "boolean");
		*(protobuf_c_boolean *)out = json_is_true(j);
		return 0;
	case PROTOBUF_C_TYPE_FLOAT: case PROTOBUF_C_TYPE_DOUBLE: {
		double v;
		if (!json_is_number(j))
			return bad_type(c, path, j, "number");
		v = json_number_value(j);
		if (f->type == PROTOBUF_C_TYPE_FLOAT)
			*(float *)out = (float)v;
		else
			*(double *)out = v;
		return 0;
	}
	case PROTOBUF_C_TYPE_SFIXED64:
		if (json_is_string(j)) {
			char v[80];
			if (isotime_parse(json_string_value(j), out) == 0)
				return 0;
			jshow(j, v, sizeof(v));
			return fail(c, "Invalid timestamp for parameter %s, value: %s, "
				    "valid formats: ISO 8601 (2024-01-02T03:04:05Z), "
				    "Unix seconds", path, v);
		}
		if (!json_is_integer(j))
			return bad_type(c, path, j, "timestamp (string or integer)");
		*(int64_t *)out = json_integer_value(j);
		return 0;
	case PROTOBUF_C_TYPE_ENUM: {
		const ProtobufCEnumValue *ev;
		if (!json_is_string(j))
			return bad_type(c, path, j, "string");
		ev = protobuf_c_enum_descriptor_get_value_by_name(
			f->descriptor, json_string_value(j));
		if (!ev) {
			char v[80];
			jshow(j, v, sizeof(v));
			return fail(c, "Invalid value for parameter %s, value: %s",
				    path, v);
		}
		*(int *)out = ev->value;
		return 0;
	}
	case PROTOBUF_C_TYPE_BYTES: {
		ProtobufCBinaryData *b = out;
		uint8_t *raw = NULL;
		size_t n = 0;
		if (!json_is_string(j))
			return bad_type(c, path, j, "string (base64)");
		r = pbjson_base64_decode(json_string_value(j), &raw, &n);
		if (r == -EINVAL)
			return fail(c, "Invalid base64 for parameter %s", path);
		if (r < 0)
			return r;
		b->data = dalloc(c, n ? n : 1);
		if (!b->data) {
			free(raw);
			return -ENOMEM;
		}
		memcpy(b->data, raw, n);
		b->len = n;
		free(raw);
		return 0;
	}
	case PROTOBUF_C_TYPE_MESSAGE:
		return decode_message(c, f->descriptor, j, path, out);
	default:
		return decode_int(c, f, j, path, out);
	}
}

static size_t value_size(const ProtobufCFieldDescriptor *f)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64: case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64: case PROTOBUF_C_TYPE_DOUBLE:
		return 8;
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_STRING: case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	default:
		return 4;
	}
}

/* {"k": v, ...} into a repeated ...Entry field. */
static int decode_map(struct dctx *c, const ProtobufCFieldDescriptor *f,
		      json_t *j, const char *path, char *msg)
{
	const ProtobufCMessageDescriptor *ed = f->descriptor;
	const ProtobufCFieldDescriptor *vf = &ed->fields[1];
	size_t *count = (size_t *)(msg + f->quantifier_offset);
	ProtobufCMessage **arr;
	const char *key;
	json_t *v;
	char sub[PATH_MAX_LEN];
	int r;

	if (!json_is_object(j))
		return bad_type(c, path, j, "object");
	arr = dalloc(c, (json_object_size(j) ? json_object_size(j) : 1) *
			 sizeof(*arr));
	if (!arr)
		return -ENOMEM;
	*(ProtobufCMessage ***)(msg + f->offset) = arr;
	json_object_foreach(j, key, v) {
		ProtobufCMessage *e = dalloc(c, ed->sizeof_message);
		if (!e)
			return -ENOMEM;
		protobuf_c_message_init(ed, e);
		arr[(*count)++] = e;
		if (snprintf(sub, sizeof(sub), "%s.%s", path, key) >= (int)sizeof(sub))
			return fail(c, "Parameter %s is nested too deeply", path);
		*(char **)((char *)e + ed->fields[0].offset) = dalloc(c, strlen(key) + 1);
		if (!*(char **)((char *)e + ed->fields[0].offset))
			return -ENOMEM;
		strcpy(*(char **)((char *)e + ed->fields[0].offset), key);
		r = decode_value(c, vf, v, sub, (char *)e + vf->offset);
		if (r < 0)
			return r;
		if (vf->quantifier_offset && vf->type != PROTOBUF_C_TYPE_STRING &&
		    vf->type != PROTOBUF_C_TYPE_MESSAGE)
			*(protobuf_c_boolean *)((char *)e + vf->quantifier_offset) = 1;
	}
	return 0;
}

static int decode_field(struct dctx *c, const ProtobufCFieldDescriptor *f,
			json_t *j, const char *path, char *msg)
{
	char sub[PATH_MAX_LEN];
	size_t *count, n, sz;
	char *arr;
	int r;

	if (f->label != PROTOBUF_C_LABEL_REPEATED) {
		/* the case first, so that a failed member is freed */
		if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
			*(uint32_t *)(msg + f->quantifier_offset) = f->id;
		r = decode_value(c, f, j, path, msg + f->offset);
		if (r < 0)
			return r;
		if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
		    f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset &&
		    f->type != PROTOBUF_C_TYPE_STRING &&
		    f->type != PROTOBUF_C_TYPE_MESSAGE)
			*(protobuf_c_boolean *)(msg + f->quantifier_offset) = 1;
		return 0;
	}
	if (pbjson_field_is_map(f))
		return decode_map(c, f, j, path, msg);
	if (!json_is_array(j))
		return bad_type(c, path, j, "list");
	n = json_array_size(j);
	count = (size_t *)(msg + f->quantifier_offset);
	sz = value_size(f);
	arr = dalloc(c, (n ? n : 1) * sz);
	if (!arr)
		return -ENOMEM;
	*(char **)(msg + f->offset) = arr;
	for (size_t i = 0; i < n; i++) {
		if (snprintf(sub, sizeof(sub), "%s[%zu]", path, i) >= (int)sizeof(sub))
			return fail(c, "Parameter %s is nested too deeply", path);
		r = decode_value(c, f, json_array_get(j, i), sub, arr + i * sz);
		if (r < 0) {
			/* a half-built message element is freed with the rest */
			if (f->type == PROTOBUF_C_TYPE_MESSAGE ||
			    f->type == PROTOBUF_C_TYPE_STRING ||
			    f->type == PROTOBUF_C_TYPE_BYTES)
				*count = i + 1;
			return r;
		}
		*count = i + 1;
	}
	return 0;
}

static void member_list(const ProtobufCMessageDescriptor *d, char *buf,
			size_t size)
{
	char name[PBJSON_NAME_MAX];
	size_t o = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < d->n_fields && o < size; i++) {
		if (pbjson_field_aws_name(&d->fields[i], name, sizeof(name)) < 0)
			continue;
		o += (size_t)snprintf(buf + o, size - o, "%s%s", i ? ", " : "", name);
	}
}

static int decode_message(struct dctx *c, const ProtobufCMessageDescriptor *d,
			  json_t *j, const char *path, ProtobufCMessage **ret)
{
	ProtobufCMessage *m;
	const char *key;
	json_t *v;
	char sub[PATH_MAX_LEN];
	int r;

	if (!json_is_object(j))
		return bad_type(c, *path ? path : "input", j, "object");
	m = dalloc(c, d->sizeof_message);
	if (!m)
		return -ENOMEM;
	protobuf_c_message_init(d, m);
	*ret = m;
	json_object_foreach(j, key, v) {
		const ProtobufCFieldDescriptor *f = pbjson_field_by_aws_name(d, key);
		if (!f) {
			char members[1024];
			member_list(d, members, sizeof(members));
			return fail(c, "Unknown parameter in %s: \"%s\", must be one "
				    "of: %s", *path ? path : "input", key, members);
		}
		if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
		    *(uint32_t *)((char *)m + f->quantifier_offset) != 0)
			return fail(c, "Invalid parameter %s%s%s: only one member of "
				    "its group may be set", path, *path ? "." : "", key);
		if (json_is_null(v))
			continue;
		if (snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "",
			     key) >= (int)sizeof(sub))
			return fail(c, "Parameter %s is nested too deeply", path);
		r = decode_field(c, f, v, sub, (char *)m);
		if (r < 0)
			return r;
	}
	return 0;
}

int pbjson_from_json(const ProtobufCMessageDescriptor *d, json_t *j,
		     ProtobufCAllocator *alloc, ProtobufCMessage **ret,
		     char **reterr)
{
	struct dctx c = { .alloc = alloc };
	ProtobufCMessage *m = NULL;
	int r;

	r = decode_message(&c, d, j, "", &m);
	if (r < 0) {
		if (m)
			protobuf_c_message_free_unpacked(m, alloc);
		if (reterr && c.err) {
			*reterr = c.err;
			c.err = NULL;
		}
		free(c.err);
		return r;
	}
	*ret = m;
	return 0;
}

int pbjson_from_string(const ProtobufCMessageDescriptor *d, const char *s,
		       ProtobufCAllocator *alloc, ProtobufCMessage **ret,
		       char **reterr)
{
	json_error_t e;
	json_t *j = json_loads(s ? s : "", JSON_REJECT_DUPLICATES, &e);
	int r;

	if (!j) {
		if (reterr && asprintf(reterr, "Invalid JSON at line %d, column "
				       "%d: %s", e.line, e.column, e.text) < 0)
			*reterr = NULL;
		return -EINVAL;
	}
	r = pbjson_from_json(d, j, alloc, ret, reterr);
	json_decref(j);
	return r;
}
