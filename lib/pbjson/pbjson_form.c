/* pbjson form: Query protocol parameters -> protobuf-c messages
 * (pbjson_query.h). The parameters become a JSON tree with string leaves
 * (X.member.N -> arrays, X.Key -> objects, X.entry.N -> objects), which
 * pbjson_coerce_object() and pbjson_from_json() then turn into the message:
 * one place converts and names bad values, for the CLI and the gateway. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pbjson/pbjson.h"
#include "pbjson/pbjson_query.h"

#define MAX_DEPTH 8
#define MAX_INDEX 10000

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

/* Percent-decodes s[0, n) into a new NUL-terminated string. */
static int decode(const char *s, size_t n, char **ret, size_t *ret_len)
{
	char *out = malloc(n + 1);
	size_t o = 0;
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			out[o++] = ' ';
		} else if (s[i] == '%') {
			int hi = i + 2 < n ? hexval(s[i + 1]) : -1;
			int lo = i + 2 < n ? hexval(s[i + 2]) : -1;
			if (hi < 0 || lo < 0) {
				free(out);
				return -EINVAL;
			}
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	*ret = out;
	*ret_len = o;
	return 0;
}

void pbjson_form_free(struct pbjson_param *p, size_t n)
{
	if (!p)
		return;
	for (size_t i = 0; i < n; i++) {
		free(p[i].name);
		free(p[i].value);
	}
	free(p);
}

int pbjson_form_parse(const char *text, size_t len, size_t max,
		      struct pbjson_param **ret, size_t *ret_n)
{
	struct pbjson_param *p = NULL;
	size_t n = 0, i = 0;
	int r = 0;

	while (i < len) {
		size_t end = i;
		while (end < len && text[end] != '&')
			end++;
		if (end > i) {
			size_t eq = i, nl;
			while (eq < end && text[eq] != '=')
				eq++;
			if (n == max) {
				r = -E2BIG;
				goto out;
			}
			struct pbjson_param *np = realloc(p, (n + 1) * sizeof(*p));
			if (!np) {
				r = -ENOMEM;
				goto out;
			}
			p = np;
			memset(&p[n], 0, sizeof(p[n]));
			n++;
			r = decode(text + i, eq - i, &p[n - 1].name, &nl);
			if (r == 0)
				r = decode(text + (eq < end ? eq + 1 : end),
					   eq < end ? end - eq - 1 : 0,
					   &p[n - 1].value, &p[n - 1].value_len);
			if (r == 0 && strlen(p[n - 1].name) != nl)
				r = -EINVAL;
			if (r < 0)
				goto out;
		}
		i = end + 1;
	}
	*ret = p;
	*ret_n = n;
	p = NULL;
out:
	pbjson_form_free(p, n);
	return r;
}

const char *pbjson_form_get(const struct pbjson_param *p, size_t n,
			    const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(p[i].name, name) == 0)
			return p[i].value;
	return NULL;
}

static __attribute__((format(printf, 2, 3))) int
fail(char **reterr, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (reterr && vasprintf(reterr, fmt, ap) < 0)
		*reterr = NULL;
	va_end(ap);
	return -EINVAL;
}

/* A list index: 1..MAX_INDEX in decimal without a leading zero. */
static int parse_index(const char *s, size_t *ret)
{
	size_t v = 0;
	if (!*s || *s == '0')
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (size_t)(*s - '0');
		if (v > MAX_INDEX)
			return -EINVAL;
	}
	*ret = v;
	return 0;
}

/* The array element at 1-based `idx` of o[key], created as `make()` when
 * absent. */
static json_t *slot(json_t *o, const char *key, size_t idx, bool object)
{
	json_t *a = json_object_get(o, key);
	if (!a) {
		a = json_array();
		if (!a || json_object_set_new(o, key, a) < 0)
			return NULL;
	}
	if (!json_is_array(a))
		return NULL;
	while (json_array_size(a) < idx)
		if (json_array_append_new(a, json_null()) < 0)
			return NULL;
	json_t *e = json_array_get(a, idx - 1);
	if (json_is_null(e) && object) {
		e = json_object();
		if (!e || json_array_set_new(a, idx - 1, e) < 0)
			return NULL;
	}
	return e;
}

/* Puts value under parts[0, np) into object o of message type d. */
static int put(json_t *o, const ProtobufCMessageDescriptor *d, char **parts,
	       size_t np, const char *name, const char *value, char **reterr)
{
	const ProtobufCFieldDescriptor *f = pbjson_field_by_aws_name(d, parts[0]);
	size_t idx;
	if (!f)
		return fail(reterr, "Unknown parameter %s", name);
	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		json_t *a = json_object_get(o, parts[0]);
		if (np == 1) {
			if (*value || (a && json_array_size(a)))
				return fail(reterr, "Invalid value for parameter %s: "
					    "a list is given as %s.member.N", name, name);
			if (!a && json_object_set_new(o, parts[0], json_array()) < 0)
				return -ENOMEM;
			return 0;
		}
		bool map = pbjson_field_is_map(f);
		if (np < 3 || strcmp(parts[1], map ? "entry" : "member") != 0 ||
		    parse_index(parts[2], &idx) < 0)
			return fail(reterr, "Invalid parameter name %s: a %s is given as "
				    "%s.%s.N%s", name, map ? "map" : "list", parts[0],
				    map ? "entry" : "member", map ? ".key and .value" : "");
		bool object = map || f->type == PROTOBUF_C_TYPE_MESSAGE;
		json_t *e = slot(o, parts[0], idx, object);
		if (!e)
			return -ENOMEM;
		if (map) {
			if (np != 4 || (strcmp(parts[3], "key") && strcmp(parts[3], "value")))
				return fail(reterr, "Invalid parameter name %s", name);
			if (json_object_get(e, parts[3]))
				return fail(reterr, "Parameter %s is given twice", name);
			return json_object_set_new(e, parts[3], json_string(value)) < 0 ?
			       -ENOMEM : 0;
		}
		if (object)
			return put(e, f->descriptor, parts + 3, np - 3, name, value, reterr);
		if (np != 3)
			return fail(reterr, "Invalid parameter name %s", name);
		if (!json_is_null(e))
			return fail(reterr, "Parameter %s is given twice", name);
		return json_array_set_new(json_object_get(o, parts[0]), idx - 1,
					  json_string(value)) < 0 ? -ENOMEM : 0;
	}
	if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
		if (np < 2)
			return fail(reterr, "Invalid parameter name %s: a structure's "
				    "members are given as %s.Member", name, name);
		json_t *s = json_object_get(o, parts[0]);
		if (!s) {
			s = json_object();
			if (!s || json_object_set_new(o, parts[0], s) < 0)
				return -ENOMEM;
		}
		return put(s, f->descriptor, parts + 1, np - 1, name, value, reterr);
	}
	if (np != 1)
		return fail(reterr, "Unknown parameter %s", name);
	if (json_object_get(o, parts[0]))
		return fail(reterr, "Parameter %s is given twice", name);
	return json_object_set_new(o, parts[0], json_string(value)) < 0 ? -ENOMEM : 0;
}

/* Lists without gaps, maps' {key, value} entries into objects. */
static int finish(json_t *o, const ProtobufCMessageDescriptor *d, char **reterr)
{
	const char *key;
	json_t *v;
	void *tmp;
	json_object_foreach_safe(o, tmp, key, v) {
		const ProtobufCFieldDescriptor *f = pbjson_field_by_aws_name(d, key);
		if (!f)
			continue;
		if (f->label == PROTOBUF_C_LABEL_REPEATED && json_is_array(v)) {
			size_t i;
			json_t *e;
			json_array_foreach(v, i, e)
				if (json_is_null(e))
					return fail(reterr, "Invalid parameter %s: "
						    "element %zu of the list is missing",
						    key, i + 1);
			if (pbjson_field_is_map(f)) {
				json_t *m = json_object();
				if (!m)
					return -ENOMEM;
				json_array_foreach(v, i, e) {
					json_t *k = json_object_get(e, "key");
					json_t *val = json_object_get(e, "value");
					if (!k || !val) {
						json_decref(m);
						return fail(reterr, "Invalid parameter %s: entry "
							    "%zu needs a key and a value",
							    key, i + 1);
					}
					json_object_set(m, json_string_value(k), val);
				}
				json_object_set_new(o, key, m);
			} else if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
				json_array_foreach(v, i, e) {
					int r = finish(e, f->descriptor, reterr);
					if (r < 0)
						return r;
				}
			}
		} else if (f->type == PROTOBUF_C_TYPE_MESSAGE && json_is_object(v)) {
			int r = finish(v, f->descriptor, reterr);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int pbjson_from_form(const ProtobufCMessageDescriptor *d,
		     const struct pbjson_param *p, size_t n,
		     const char *const *skip, ProtobufCAllocator *alloc,
		     ProtobufCMessage **ret, char **reterr)
{
	json_t *root = json_object();
	int r = root ? 0 : -ENOMEM;

	for (size_t i = 0; r == 0 && i < n; i++) {
		bool skipped = false;
		for (size_t k = 0; skip && skip[k]; k++)
			if (strcmp(p[i].name, skip[k]) == 0)
				skipped = true;
		if (skipped)
			continue;
		if (strlen(p[i].value) != p[i].value_len) {
			r = fail(reterr, "Invalid value for parameter %s: it contains "
				 "a NUL character", p[i].name);
			break;
		}
		char *copy = strdup(p[i].name), *parts[MAX_DEPTH], *save = NULL;
		size_t np = 0;
		if (!copy) {
			r = -ENOMEM;
			break;
		}
		for (char *t = strtok_r(copy, ".", &save); t; t = strtok_r(NULL, ".", &save)) {
			if (np == MAX_DEPTH) {
				np = 0;
				break;
			}
			parts[np++] = t;
		}
		if (np == 0 || p[i].name[0] == '.' || strstr(p[i].name, "..") ||
		    p[i].name[strlen(p[i].name) - 1] == '.')
			r = fail(reterr, "Invalid parameter name %s", p[i].name);
		else
			r = put(root, d, parts, np, p[i].name, p[i].value, reterr);
		free(copy);
	}
	if (r == 0)
		r = finish(root, d, reterr);
	if (r == 0) {
		root = pbjson_coerce_object(d, root);
		r = pbjson_from_json(d, root, alloc, ret, reterr);
	}
	json_decref(root);
	return r;
}
