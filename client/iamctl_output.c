/* iamctl output: what the AWS CLI prints for a (queried) answer, byte for
 * byte: --output json is Python's json.dump(indent=4, ensure_ascii=False)
 * (floats as Python's repr), --output text is awscli/text.py
 * (format_text), and to_string() is json.dumps(separators=(',', ':')). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iamctl_query.h"
#include "iamctl_query_eval.h"

/* Python's repr(float): the shortest digits that read back the same;
 * fixed notation for exponents -4..15, else d.ddde+XX. */
static void py_float(double d, FILE *out)
{
	char buf[40], digits[24];
	int p, exp10, nd = 0, k;

	if (isnan(d)) {
		fputs("NaN", out);
		return;
	}
	if (isinf(d)) {
		fputs(d < 0 ? "-Infinity" : "Infinity", out);
		return;
	}
	for (p = 1; p <= 17; p++) {
		snprintf(buf, sizeof(buf), "%.*e", p - 1, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	/* buf: [-]d[.ddd]e[+-]XX */
	const char *s = buf;
	if (*s == '-') {
		fputc('-', out);
		s++;
	}
	for (; *s && *s != 'e'; s++)
		if (*s != '.')
			digits[nd++] = *s;
	digits[nd] = 0;
	exp10 = atoi(s + 1);
	while (nd > 1 && digits[nd - 1] == '0')
		digits[--nd] = 0;
	if (exp10 >= -4 && exp10 < 16) {
		if (exp10 < 0) {
			fputs("0.", out);
			for (k = 0; k < -exp10 - 1; k++)
				fputc('0', out);
			fputs(digits, out);
		} else {
			for (k = 0; k <= exp10; k++)
				fputc(k < nd ? digits[k] : '0', out);
			fputc('.', out);
			if (nd > exp10 + 1)
				fputs(digits + exp10 + 1, out);
			else
				fputc('0', out);
		}
		return;
	}
	fputc(digits[0], out);
	if (nd > 1) {
		fputc('.', out);
		fputs(digits + 1, out);
	}
	fprintf(out, "e%c%02d", exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
}

/* One UTF-8 code point at s (of n bytes): its value and length. */
static unsigned utf8_next(const unsigned char *s, size_t n, size_t *ret_len)
{
	unsigned c = s[0];
	size_t len = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	if (len > n)
		len = n;
	if (len > 1)
		c &= 0x3f >> (len - 1);
	for (size_t k = 1; k < len; k++)
		c = (c << 6) | (s[k] & 0x3f);
	*ret_len = len;
	return c;
}

static void json_str(const json_t *v, bool ascii, FILE *out)
{
	const unsigned char *s = (const unsigned char *)json_string_value(v);
	size_t n = json_string_length(v), i = 0, len;

	fputc('"', out);
	while (i < n) {
		unsigned char ch = s[i];
		switch (ch) {
		case '"': fputs("\\\"", out); i++; continue;
		case '\\': fputs("\\\\", out); i++; continue;
		case '\n': fputs("\\n", out); i++; continue;
		case '\r': fputs("\\r", out); i++; continue;
		case '\t': fputs("\\t", out); i++; continue;
		case '\b': fputs("\\b", out); i++; continue;
		case '\f': fputs("\\f", out); i++; continue;
		default: break;
		}
		if (ch < 0x20 || (ascii && ch == 0x7f)) {
			fprintf(out, "\\u%04x", ch);
			i++;
		} else if (ch < 0x80 || !ascii) {
			fputc(ch, out);
			i++;
		} else {
			unsigned c = utf8_next(s + i, n - i, &len);
			if (c >= 0x10000) {
				c -= 0x10000;
				fprintf(out, "\\u%04x\\u%04x", 0xd800 | (c >> 10), 0xdc00 | (c & 0x3ff));
			} else {
				fprintf(out, "\\u%04x", c);
			}
			i += len;
		}
	}
	fputc('"', out);
}

static void indent_to(int indent, int level, FILE *out)
{
	fputc('\n', out);
	for (int k = 0; k < indent * level; k++)
		fputc(' ', out);
}

static void json_write(const json_t *v, int indent, int level, bool ascii, FILE *out)
{
	size_t i, n;
	const char *k;
	json_t *e;
	bool first = true;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		if (json_object_size(v) == 0) {
			fputs("{}", out);
			return;
		}
		fputc('{', out);
		json_object_foreach((json_t *)v, k, e) {
			if (!first)
				fputc(',', out);
			first = false;
			if (indent >= 0)
				indent_to(indent, level + 1, out);
			json_t *key = json_string(k);
			if (key)
				json_str(key, ascii, out);
			json_decref(key);
			fputs(indent >= 0 ? ": " : ":", out);
			json_write(e, indent, level + 1, ascii, out);
		}
		if (indent >= 0)
			indent_to(indent, level, out);
		fputc('}', out);
		return;
	case JSON_ARRAY:
		n = json_array_size(v);
		if (n == 0) {
			fputs("[]", out);
			return;
		}
		fputc('[', out);
		for (i = 0; i < n; i++) {
			if (i)
				fputc(',', out);
			if (indent >= 0)
				indent_to(indent, level + 1, out);
			json_write(json_array_get(v, i), indent, level + 1, ascii, out);
		}
		if (indent >= 0)
			indent_to(indent, level, out);
		fputc(']', out);
		return;
	case JSON_STRING:
		json_str(v, ascii, out);
		return;
	case JSON_INTEGER:
		fprintf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return;
	case JSON_REAL:
		py_float(json_real_value(v), out);
		return;
	case JSON_TRUE:
		fputs("true", out);
		return;
	case JSON_FALSE:
		fputs("false", out);
		return;
	default:
		fputs("null", out);
	}
}

void iamctl_output_json(const json_t *v, int indent, FILE *out)
{
	json_write(v, indent, 0, false, out);
	if (indent >= 0)
		fputc('\n', out);
}

char *qjson_dumps_compact(const json_t *v)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	if (!f)
		return NULL;
	json_write(v, -1, 0, true, f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Python's repr() of a string, list or dict (what str() of a list shows). */
static void py_repr(const json_t *v, FILE *out)
{
	size_t i;
	const char *k;
	json_t *e;

	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char q = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';
		fputc(q, out);
		for (; *s; s++) {
			if (*s == q || *s == '\\')
				fprintf(out, "\\%c", *s);
			else if (*s == '\n')
				fputs("\\n", out);
			else if (*s == '\t')
				fputs("\\t", out);
			else if (*s == '\r')
				fputs("\\r", out);
			else if ((unsigned char)*s < 0x20 || *s == 0x7f)
				fprintf(out, "\\x%02x", (unsigned char)*s);
			else
				fputc(*s, out);
		}
		fputc(q, out);
	} else if (json_is_array(v)) {
		fputc('[', out);
		json_array_foreach(v, i, e) {
			if (i)
				fputs(", ", out);
			py_repr(e, out);
		}
		fputc(']', out);
	} else if (json_is_object(v)) {
		bool first = true;
		fputc('{', out);
		json_object_foreach((json_t *)v, k, e) {
			json_t *key = json_string(k);
			if (!first)
				fputs(", ", out);
			first = false;
			if (key)
				py_repr(key, out);
			json_decref(key);
			fputs(": ", out);
			py_repr(e, out);
		}
		fputc('}', out);
	} else {
		iamctl_output_scalar(v, out);
	}
}

char *qpy_repr(const json_t *v)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	if (!f)
		return NULL;
	py_repr(v, f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

char *qpy_str(const json_t *v)
{
	return json_is_string(v) ? strdup(json_string_value(v)) : qpy_repr(v);
}

void iamctl_output_scalar(const json_t *v, FILE *out)
{
	if (json_is_string(v))
		fwrite(json_string_value(v), 1, json_string_length(v), out);
	else if (json_is_true(v))
		fputs("True", out);
	else if (json_is_false(v))
		fputs("False", out);
	else if (json_is_integer(v))
		fprintf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		py_float(json_real_value(v), out);
	else if (json_is_array(v) || json_is_object(v))
		py_repr(v, out);
	else
		fputs("None", out);
}

/* --- text (awscli/text.py) ----------------------------------------------- */

static bool scalar(const json_t *v)
{
	return !json_is_object(v) && !json_is_array(v);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void upper(const char *s, FILE *out)
{
	for (; *s; s++)
		fputc(*s >= 'a' && *s <= 'z' ? *s - 32 : *s, out);
}

/* Sorted keys of o (all, or only those whose value is a scalar, or not):
 * a malloc'd array of n borrowed strings. */
static const char **keys_sorted(const json_t *o, int which, size_t *ret_n)
{
	const char **keys = calloc(json_object_size(o) + 1, sizeof(*keys));
	const char *k;
	json_t *v;
	size_t n = 0;

	if (!keys)
		return NULL;
	json_object_foreach((json_t *)o, k, v)
		if (which == 0 || (which > 0) == scalar(v))
			keys[n++] = k;
	qsort(keys, n, sizeof(*keys), str_cmp);
	*ret_n = n;
	return keys;
}

static void text_item(const json_t *v, const char *ident, const char **skeys,
		      size_t nskeys, FILE *out);

static void text_list(const json_t *l, const char *ident, FILE *out)
{
	size_t i, n = json_array_size(l), nk = 0;
	bool dicts = false, lists = false;
	json_t *e;

	if (n == 0)
		return;
	json_array_foreach(l, i, e) {
		dicts |= json_is_object(e);
		lists |= json_is_array(e);
	}
	if (dicts) {   /* the scalar keys of every dict, sorted */
		json_t *all = json_object();
		const char *k;
		json_t *v;
		const char **keys;
		json_array_foreach(l, i, e)
			if (json_is_object(e))
				json_object_foreach(e, k, v)
					if (scalar(v))
						json_object_set(all, k, json_null());
		keys = all ? keys_sorted(all, 0, &nk) : NULL;
		json_array_foreach(l, i, e)
			text_item(e, ident, keys, nk, out);
		free(keys);
		json_decref(all);
		return;
	}
	/* the scalars first, then each list */
	bool any = false;
	json_array_foreach(l, i, e) {
		if (!scalar(e))
			continue;
		if (ident) {
			upper(ident, out);
			fputc('\t', out);
			iamctl_output_scalar(e, out);
			fputc('\n', out);
		} else {
			if (any)
				fputc('\t', out);
			iamctl_output_scalar(e, out);
		}
		any = true;
	}
	if (any && !ident)
		fputc('\n', out);
	if (lists)
		json_array_foreach(l, i, e)
			if (!scalar(e))
				text_item(e, ident, NULL, 0, out);
}

static void text_dict(const json_t *o, const char *ident, const char **skeys,
		      size_t nskeys, FILE *out)
{
	const char **rest;
	size_t n = 0, i;
	bool any = false;

	if (!skeys) {
		const char **mine = keys_sorted(o, 1, &n);
		if (mine)
			text_dict(o, ident, mine, n, out);
		free(mine);
		return;
	}
	for (i = 0; i < nskeys; i++) {
		json_t *v = json_object_get(o, skeys[i]);
		if (!any && ident) {
			upper(ident, out);
			fputc('\t', out);
		} else if (any) {
			fputc('\t', out);
		}
		if (v)
			iamctl_output_scalar(v, out);
		any = true;
	}
	if (any)
		fputc('\n', out);
	rest = keys_sorted(o, 0, &n);
	for (i = 0; rest && i < n; i++) {
		if (bsearch(&rest[i], skeys, nskeys, sizeof(*skeys), str_cmp))
			continue;
		text_item(json_object_get(o, rest[i]), rest[i], NULL, 0, out);
	}
	free(rest);
}

static void text_item(const json_t *v, const char *ident, const char **skeys,
		      size_t nskeys, FILE *out)
{
	if (json_is_object(v)) {
		text_dict(v, ident, skeys, nskeys, out);
	} else if (json_is_array(v)) {
		text_list(v, ident, out);
	} else {
		iamctl_output_scalar(v, out);
		fputc('\n', out);
	}
}

void iamctl_output_text(const json_t *v, FILE *out)
{
	text_item(v, NULL, NULL, 0, out);
}
