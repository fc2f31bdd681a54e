/* iamctl validate: botocore's ParamValidator (botocore/validate.py) over
 * the shapes of iamctl_shapes.c (iamctl_validate.h). */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iamctl_query_eval.h"
#include "iamctl_validate.h"

struct report {
	FILE *f;
	size_t n;
};

const struct iamctl_op_shape *iamctl_validate_find(const char *service,
						   const char *action)
{
	for (size_t i = 0; i < iamctl_op_shapes_count; i++)
		if (strcmp(iamctl_op_shapes[i].service, service) == 0 &&
		    strcmp(iamctl_op_shapes[i].name, action) == 0)
			return &iamctl_op_shapes[i];
	return NULL;
}

bool iamctl_validate_skipped(void)
{
	const char *e = getenv("IAMCTL_SKIP_CLIENT_VALIDATION");
	return e && strcmp(e, "1") == 0;
}

/* ValidationErrors._get_name */
static const char *shown(const char *name)
{
	return !*name ? "input" : *name == '.' ? name + 1 : name;
}

static void line(struct report *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void line(struct report *r, const char *fmt, ...)
{
	va_list ap;

	if (r->n++)
		fputc('\n', r->f);
	va_start(ap, fmt);
	vfprintf(r->f, fmt, ap);
	va_end(ap);
}

static const char *py_class(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "<class 'dict'>";
	case JSON_ARRAY: return "<class 'list'>";
	case JSON_STRING: return "<class 'str'>";
	case JSON_INTEGER: return "<class 'int'>";
	case JSON_REAL: return "<class 'float'>";
	case JSON_TRUE: case JSON_FALSE: return "<class 'bool'>";
	default: return "<class 'NoneType'>";
	}
}

static void invalid_type(struct report *r, const char *name, const json_t *v,
			 const char *valid)
{
	char *s = qpy_str(v);

	line(r, "Invalid type for parameter %s, value: %s, type: %s, valid types: %s",
	     shown(name), s ? s : "?", py_class(v), valid);
	free(s);
}

/* range_check(): len() ("length") or the value ("value") against "min" */
static void range_check(struct report *r, const char *name, long long v,
			const struct iamctl_shape *s, const char *what)
{
	if (s->has_min && v < s->min)
		line(r, "Invalid %s for parameter %s, value: %lld, valid min %s: %lld",
		     what, shown(name), v, what, s->min);
}

static long long utf8_chars(const char *p, size_t n)
{
	long long c = 0;
	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)p[i] & 0xc0) != 0x80;
	return c;
}

/* name + ".Member", name + "[i]" or name + " (key: k)" */
static char *sub_name(const char *name, const char *pre, const char *a,
		      const char *post)
{
	char *s = NULL;
	return asprintf(&s, "%s%s%s%s", name, pre, a, post) < 0 ? NULL : s;
}

static char *sub_index(const char *name, size_t i)
{
	char *s = NULL;
	return asprintf(&s, "%s[%zu]", name, i) < 0 ? NULL : s;
}

static void validate(struct report *r, const json_t *v, const struct iamctl_shape *s,
		     const char *name);

static const struct iamctl_member *member_of(const struct iamctl_shape *s,
					     const char *key)
{
	for (size_t i = 0; i < s->n_members; i++)
		if (strcmp(s->members[i].name, key) == 0)
			return &s->members[i];
	return NULL;
}

static void validate_member(struct report *r, const json_t *v,
			    const struct iamctl_member *m, const char *name)
{
	char *n = sub_name(name, ".", m->name, "");
	if (n)
		validate(r, v, m->shape, n);
	free(n);
}

static void validate_structure(struct report *r, const json_t *v,
			       const struct iamctl_shape *s, const char *name)
{
	const char *k;
	json_t *e;

	if (!json_is_object(v)) {
		invalid_type(r, name, v, "<class 'dict'>");
		return;
	}
	for (size_t i = 0; i < s->n_required; i++)
		if (!json_object_get(v, s->required[i]))
			line(r, "Missing required parameter in %s: \"%s\"", shown(name),
			     s->required[i]);
	json_object_foreach((json_t *)v, k, e) {
		if (member_of(s, k))
			continue;
		line(r, "Unknown parameter in %s: \"%s\", must be one of: ", shown(name), k);
		for (size_t i = 0; i < s->n_members; i++)
			fprintf(r->f, "%s%s", i ? ", " : "", s->members[i].name);
	}
	if (!*name) {   /* the CLI's parameters: in the model's order */
		for (size_t i = 0; i < s->n_members; i++)
			if ((e = json_object_get(v, s->members[i].name)))
				validate_member(r, e, &s->members[i], name);
		return;
	}
	json_object_foreach((json_t *)v, k, e) {
		const struct iamctl_member *m = member_of(s, k);
		if (m)
			validate_member(r, e, m, name);
	}
}

static void validate(struct report *r, const json_t *v, const struct iamctl_shape *s,
		     const char *name)
{
	size_t i;
	const char *k;
	json_t *e;
	char *n;

	switch (s->type) {
	case IAMCTL_SHAPE_STRUCTURE:
		validate_structure(r, v, s, name);
		return;
	case IAMCTL_SHAPE_LIST:
		if (!json_is_array(v)) {
			invalid_type(r, name, v, "<class 'list'>, <class 'tuple'>");
			return;
		}
		range_check(r, name, (long long)json_array_size(v), s, "length");
		json_array_foreach(v, i, e) {
			if ((n = sub_index(name, i)))
				validate(r, e, s->member, n);
			free(n);
		}
		return;
	case IAMCTL_SHAPE_MAP:
		if (!json_is_object(v)) {
			invalid_type(r, name, v, "<class 'dict'>");
			return;
		}
		json_object_foreach((json_t *)v, k, e) {
			json_t *key = json_string(k);
			if (key && (n = sub_name(name, " (key: ", k, ")")))
				validate(r, key, s->key, n);
			else
				n = NULL;
			free(n);
			json_decref(key);
			if ((n = sub_name(name, ".", k, "")))
				validate(r, e, s->value, n);
			free(n);
		}
		return;
	case IAMCTL_SHAPE_STRING:
		if (!json_is_string(v)) {
			invalid_type(r, name, v, "<class 'str'>");
			return;
		}
		range_check(r, name, utf8_chars(json_string_value(v), json_string_length(v)),
			    s, "length");
		return;
	case IAMCTL_SHAPE_INTEGER:   /* Python's bool is an int */
		if (!json_is_integer(v) && !json_is_boolean(v)) {
			invalid_type(r, name, v, "<class 'int'>");
			return;
		}
		range_check(r, name, json_is_integer(v) ? json_integer_value(v) :
			    json_is_true(v), s, "value");
		return;
	case IAMCTL_SHAPE_BOOLEAN:
		if (!json_is_boolean(v))
			invalid_type(r, name, v, "<class 'bool'>");
		return;
	case IAMCTL_SHAPE_DOUBLE:
		if (!json_is_number(v) && !json_is_boolean(v))
			invalid_type(r, name, v, "<class 'float'>, <class 'decimal.Decimal'>, "
				     "<class 'int'>");
		return;
	case IAMCTL_SHAPE_BLOB:
		if (!json_is_string(v))
			invalid_type(r, name, v, "<class 'bytes'>, <class 'bytearray'>, "
				     "file-like object");
		return;
	case IAMCTL_SHAPE_TIMESTAMP:
		if (!json_is_string(v) && !json_is_integer(v))
			invalid_type(r, name, v, "<class 'datetime.datetime'>, timestamp-string");
		return;
	}
}

int iamctl_validate_params(const struct iamctl_shape *input, const json_t *params,
			   char **ret_report)
{
	struct report r = { 0 };
	char *buf = NULL;
	size_t len = 0;

	if (!input)
		return 0;
	r.f = open_memstream(&buf, &len);
	if (!r.f)
		return -ENOMEM;
	validate(&r, params, input, "");
	if (fclose(r.f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	if (r.n == 0) {
		free(buf);
		return 0;
	}
	*ret_report = buf;
	return -EINVAL;
}
