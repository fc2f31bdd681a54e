/* pbjson coerce: text -> the member types. Front ends whose values are all
 * text (the AWS CLI's shorthand and options, the Query protocol's form
 * parameters) build JSON with string leaves; this turns each leaf into what
 * its member needs (integers, booleans, numbers, Unix-second timestamps),
 * wraps a lone value of a list member into a list and joins a list given
 * to a string member ("Values=a,b") back with commas. Values that do not
 * convert are left alone, so that pbjson_from_json() names the member. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pbjson/pbjson.h"

json_t *pbjson_coerce_object(const ProtobufCMessageDescriptor *d, json_t *o)
{
	const char *key;
	json_t *v;
	void *tmp;

	json_object_foreach_safe(o, tmp, key, v) {
		const ProtobufCFieldDescriptor *f = pbjson_field_by_aws_name(d, key);
		if (f)
			json_object_set_new(o, key, pbjson_coerce_field(f, json_incref(v)));
	}
	return o;
}

/* Joins a list of strings back with commas (a string member given as
 * "Value=a,b"). */
static json_t *join_strings(json_t *a)
{
	size_t n = 0, i;
	json_t *v, *out;
	char *buf;

	json_array_foreach(a, i, v)
		n += (json_is_string(v) ? json_string_length(v) : 0) + 1;
	buf = calloc(1, n + 1);
	if (!buf)
		return a;
	json_array_foreach(a, i, v) {
		if (i)
			strcat(buf, ",");
		if (json_is_string(v))
			strcat(buf, json_string_value(v));
	}
	out = json_string(buf);
	free(buf);
	if (!out)
		return a;
	json_decref(a);
	return out;
}

static json_t *coerce_scalar(const ProtobufCFieldDescriptor *f, json_t *j)
{
	const char *s;
	char *end;
	json_t *out = NULL;

	if (f->type == PROTOBUF_C_TYPE_MESSAGE)
		return json_is_object(j) ? pbjson_coerce_object(f->descriptor, j) : j;
	if (json_is_array(j) && f->type == PROTOBUF_C_TYPE_STRING)
		return join_strings(j);
	if (!json_is_string(j))
		return j;
	s = json_string_value(j);
	switch (f->type) {
	case PROTOBUF_C_TYPE_BOOL:
		if (strcasecmp(s, "true") == 0)
			out = json_true();
		else if (strcasecmp(s, "false") == 0)
			out = json_false();
		break;
	case PROTOBUF_C_TYPE_FLOAT: case PROTOBUF_C_TYPE_DOUBLE: {
		double d;
		errno = 0;
		d = strtod(s, &end);
		if (*s && !*end && errno == 0)
			out = json_real(d);
		break;
	}
	case PROTOBUF_C_TYPE_STRING: case PROTOBUF_C_TYPE_BYTES:
	case PROTOBUF_C_TYPE_ENUM:
		break;
	default: {   /* integers, and timestamps given as Unix seconds */
		long long v;
		errno = 0;
		v = strtoll(s, &end, 10);
		if (*s && !*end && errno == 0)
			out = json_integer(v);
		break;
	}
	}
	if (!out)
		return j;
	json_decref(j);
	return out;
}

json_t *pbjson_coerce_field(const ProtobufCFieldDescriptor *f, json_t *j)
{
	if (f->label != PROTOBUF_C_LABEL_REPEATED)
		return coerce_scalar(f, j);
	if (pbjson_field_is_map(f)) {
		const ProtobufCMessageDescriptor *ed = f->descriptor;
		const char *key;
		json_t *v;
		void *tmp;
		if (json_is_object(j))
			json_object_foreach_safe(j, tmp, key, v)
				json_object_set_new(j, key, coerce_scalar(
					&ed->fields[1], json_incref(v)));
		return j;
	}
	if (!json_is_array(j)) {
		json_t *a = json_array();
		if (!a || json_array_append_new(a, j) < 0)
			return j;
		j = a;
	}
	for (size_t i = 0; i < json_array_size(j); i++)
		json_array_set_new(j, i, coerce_scalar(f, json_incref(json_array_get(j, i))));
	return j;
}
