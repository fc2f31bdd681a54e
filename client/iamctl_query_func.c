/* iamctl query: JMESPath's built-in functions, as python-jmespath 1.0.1's
 * functions.py has them (its arity and type checks, then Python's
 * results: int stays int, sum and avg follow Python's arithmetic, sorts
 * are stable, max and min keep the first of equals). */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iamctl_query.h"
#include "iamctl_query_eval.h"

enum { TB_NUM = 1, TB_STR = 2, TB_BOOL = 4, TB_ARR = 8, TB_OBJ = 16,
       TB_NULL = 32, TB_REF = 64, TB_ANY = 0 };

struct qspec {
	unsigned types;       /* TB_ANY: anything */
	unsigned sub[2];      /* array-<sub> */
	const char *repr;     /* for messages: ['array', 'string'] */
};

struct qarg {
	json_t *v;                 /* NULL for an expression reference */
	const struct qnode *ref;
};

typedef json_t *(*qfunc)(struct qctx *c, struct qarg *a, size_t n);

struct qfuncdef {
	const char *name;
	size_t nargs;
	bool variadic;
	struct qspec spec[2];
	qfunc fn;
};

static unsigned type_bit(const json_t *v)
{
	if (!v)
		return TB_REF;
	if (qv_is_number(v))
		return TB_NUM;
	if (json_is_string(v))
		return TB_STR;
	if (json_is_boolean(v))
		return TB_BOOL;
	if (json_is_array(v))
		return TB_ARR;
	if (json_is_object(v))
		return TB_OBJ;
	return TB_NULL;
}

static const char *type_name(unsigned bit)
{
	switch (bit) {
	case TB_NUM: return "number";
	case TB_STR: return "string";
	case TB_BOOL: return "boolean";
	case TB_ARR: return "array";
	case TB_OBJ: return "object";
	case TB_REF: return "expref";
	default: return "null";
	}
}

static json_t *type_error(struct qctx *c, const char *fn, const json_t *v,
			  const char *actual, const char *expected)
{
	char *s = v ? qpy_str(v) : NULL;
	qctx_fail(c, "In function %s(), invalid type for value: %s, expected "
		  "one of: %s, received: \"%s\"", fn, s ? s : "<jmespath.visitor._Expression>",
		  expected, actual);
	free(s);
	return NULL;
}

static bool check_arg(struct qctx *c, const struct qfuncdef *f, const struct qspec *s,
		      const json_t *v)
{
	unsigned t = type_bit(v), want = 0;
	size_t i;
	json_t *e;

	if (!v && s->types != TB_REF) {
		type_error(c, f->name, v, "expref", s->repr);
		return false;
	}
	if (s->types == TB_ANY)
		return true;
	if (!(t & s->types)) {
		type_error(c, f->name, v, type_name(t), s->repr);
		return false;
	}
	if (!s->sub[0] || t != TB_ARR)
		return true;
	if (!s->sub[1]) {
		want = s->sub[0];
	} else if (json_array_size(v) > 0) {
		unsigned first = type_bit(json_array_get(v, 0));
		want = first & (s->sub[0] | s->sub[1]);
		if (!want) {
			type_error(c, f->name, json_array_get(v, 0), qv_pytype(json_array_get(v, 0)), s->repr);
			return false;
		}
	}
	json_array_foreach(v, i, e)
		if (!(type_bit(e) & want)) {
			type_error(c, f->name, e, qv_pytype(e), s->repr);
			return false;
		}
	return true;
}

/* --- numbers ---------------------------------------------------------------- */

static json_t *num_from_double(struct qctx *c, double d)
{
	json_t *r = json_real(d);
	return r ? r : qctx_nomem(c);
}

/* Python's sum(): int while every term is an int. */
static json_t *py_sum(struct qctx *c, json_t *arr, bool *ret_float, double *ret_d)
{
	json_int_t si = 0;
	double sd = 0;
	bool fl = false;
	size_t i;
	json_t *e;

	json_array_foreach(arr, i, e) {
		if (!fl && json_is_integer(e)) {
			if (__builtin_add_overflow(si, json_integer_value(e), &si)) {
				fl = true;
				sd = (double)si + (double)json_integer_value(e);
			}
		} else {
			if (!fl)
				sd = (double)si;
			fl = true;
			sd += qv_number(e);
		}
	}
	*ret_float = fl;
	*ret_d = fl ? sd : (double)si;
	return fl ? num_from_double(c, sd) : json_integer(si);
}

static json_t *f_abs(struct qctx *c, struct qarg *a, size_t n)
{
	(void)n;
	if (json_is_integer(a[0].v)) {
		json_int_t x = json_integer_value(a[0].v);
		return json_integer(x < 0 && x != INT64_MIN ? -x : x);
	}
	return num_from_double(c, fabs(json_real_value(a[0].v)));
}

static json_t *f_avg(struct qctx *c, struct qarg *a, size_t n)
{
	bool fl;
	double d;
	json_t *s;
	(void)n;
	if (json_array_size(a[0].v) == 0)
		return json_null();
	s = py_sum(c, a[0].v, &fl, &d);
	json_decref(s);
	return num_from_double(c, d / (double)json_array_size(a[0].v));
}

static json_t *f_sum(struct qctx *c, struct qarg *a, size_t n)
{
	bool fl;
	double d;
	(void)n;
	return py_sum(c, a[0].v, &fl, &d);
}

static json_t *round_to_int(struct qctx *c, json_t *v, bool up)
{
	double d;
	if (json_is_integer(v))
		return json_incref(v);
	d = up ? ceil(json_real_value(v)) : floor(json_real_value(v));
	if (d >= -9.2e18 && d <= 9.2e18)
		return json_integer((json_int_t)d);
	return num_from_double(c, d);
}

static json_t *f_ceil(struct qctx *c, struct qarg *a, size_t n)
{
	(void)n;
	return round_to_int(c, a[0].v, true);
}

static json_t *f_floor(struct qctx *c, struct qarg *a, size_t n)
{
	(void)n;
	return round_to_int(c, a[0].v, false);
}

/* --- strings ----------------------------------------------------------------- */

static size_t utf8_len(const char *s, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			k++;
	return k;
}

static json_t *f_length(struct qctx *c, struct qarg *a, size_t n)
{
	json_t *v = a[0].v;
	(void)c; (void)n;
	if (json_is_string(v))
		return json_integer((json_int_t)utf8_len(json_string_value(v), json_string_length(v)));
	return json_integer((json_int_t)(json_is_array(v) ? json_array_size(v) : json_object_size(v)));
}

static json_t *f_starts_with(struct qctx *c, struct qarg *a, size_t n)
{
	size_t ls = json_string_length(a[0].v), lp = json_string_length(a[1].v);
	(void)c; (void)n;
	return json_boolean(lp <= ls && memcmp(json_string_value(a[0].v),
					       json_string_value(a[1].v), lp) == 0);
}

static json_t *f_ends_with(struct qctx *c, struct qarg *a, size_t n)
{
	size_t ls = json_string_length(a[0].v), lp = json_string_length(a[1].v);
	(void)c; (void)n;
	return json_boolean(lp <= ls && memcmp(json_string_value(a[0].v) + ls - lp,
					       json_string_value(a[1].v), lp) == 0);
}

static json_t *f_contains(struct qctx *c, struct qarg *a, size_t n)
{
	json_t *s = a[0].v, *x = a[1].v, *e;
	size_t i;
	(void)n;
	if (json_is_array(s)) {
		json_array_foreach(s, i, e)
			if (qv_equal(e, x))
				return json_true();
		return json_false();
	}
	if (!json_is_string(x)) {
		qctx_fail(c, "'in <string>' requires string as left operand, not %s",
			  qv_pytype(x));
		return NULL;
	}
	if (json_string_length(x) == 0)
		return json_true();
	return json_boolean(memmem(json_string_value(s), json_string_length(s),
				   json_string_value(x), json_string_length(x)) != NULL);
}

static json_t *f_join(struct qctx *c, struct qarg *a, size_t n)
{
	size_t total = 0, i, o = 0, sl = json_string_length(a[0].v);
	json_t *e, *r;
	char *buf;
	(void)n;
	json_array_foreach(a[1].v, i, e)
		total += json_string_length(e) + sl;
	if (!(buf = malloc(total + 1)))
		return qctx_nomem(c);
	json_array_foreach(a[1].v, i, e) {
		if (i) {
			memcpy(buf + o, json_string_value(a[0].v), sl);
			o += sl;
		}
		memcpy(buf + o, json_string_value(e), json_string_length(e));
		o += json_string_length(e);
	}
	r = json_stringn_nocheck(buf, o);
	free(buf);
	return r ? r : qctx_nomem(c);
}

static json_t *f_reverse(struct qctx *c, struct qarg *a, size_t n)
{
	json_t *v = a[0].v, *r;
	(void)n;
	if (json_is_string(v)) {
		size_t len = json_string_length(v), o = 0;
		const char *s = json_string_value(v);
		char *buf = malloc(len + 1);
		if (!buf)
			return qctx_nomem(c);
		for (size_t end = len; end > 0;) {   /* code points, last first */
			size_t st = end - 1;
			while (st > 0 && ((unsigned char)s[st] & 0xc0) == 0x80)
				st--;
			memcpy(buf + o, s + st, end - st);
			o += end - st;
			end = st;
		}
		r = json_stringn_nocheck(buf, o);
		free(buf);
		return r ? r : qctx_nomem(c);
	}
	if (!(r = json_array()))
		return qctx_nomem(c);
	for (size_t i = json_array_size(v); i > 0; i--)
		json_array_append(r, json_array_get(v, i - 1));
	return r;
}

static json_t *f_to_string(struct qctx *c, struct qarg *a, size_t n)
{
	char *s;
	json_t *r;
	(void)n;
	if (json_is_string(a[0].v))
		return json_incref(a[0].v);
	s = qjson_dumps_compact(a[0].v);
	if (!s)
		return qctx_nomem(c);
	r = json_string(s);
	free(s);
	return r ? r : qctx_nomem(c);
}

/* Python's int(s), then float(s) (underscores between digits, spaces
 * around); anything else: null. */
static json_t *f_to_number(struct qctx *c, struct qarg *a, size_t n)
{
	json_t *v = a[0].v;
	const char *s, *e;
	char buf[128];
	size_t o = 0;
	bool digits = false, dot = false, exp = false, prev_digit = false;
	(void)n;

	if (qv_is_number(v))
		return json_incref(v);
	if (!json_is_string(v))
		return json_null();
	s = json_string_value(v);
	e = s + json_string_length(v);
	while (s < e && strchr(" \t\n\r\f\v", *s) && *s)
		s++;
	while (e > s && strchr(" \t\n\r\f\v", e[-1]) && e[-1])
		e--;
	for (const char *p = s; p < e; p++) {
		char ch = *p;
		if (o + 2 >= sizeof(buf))
			return json_null();
		if (ch >= '0' && ch <= '9') {
			digits = prev_digit = true;
		} else if (ch == '_') {
			if (!prev_digit || p + 1 >= e || p[1] < '0' || p[1] > '9')
				return json_null();
			prev_digit = false;
			continue;
		} else if ((ch == '+' || ch == '-') &&
			   (p == s || p[-1] == 'e' || p[-1] == 'E')) {
			prev_digit = false;
		} else if (ch == '.' && !dot && !exp) {
			dot = true;
			prev_digit = false;
		} else if ((ch == 'e' || ch == 'E') && digits && !exp) {
			exp = true;
			prev_digit = false;
			if (p + 1 >= e)
				return json_null();
		} else {
			return json_null();
		}
		buf[o++] = ch;
	}
	buf[o] = 0;
	if (!digits)
		return json_null();
	if (!dot && !exp) {
		char *end;
		errno = 0;
		long long x = strtoll(buf, &end, 10);
		if (!*end && errno == 0)
			return json_integer(x);
	}
	{
		char *end;
		double d = strtod(buf, &end);
		if (*end || !isfinite(d))
			return json_null();
		return num_from_double(c, d);
	}
}

static json_t *f_keys_values(struct qctx *c, struct qarg *a, bool keys)
{
	json_t *r = json_array(), *v;
	const char *k;
	if (!r)
		return qctx_nomem(c);
	json_object_foreach(a[0].v, k, v)
		if (json_array_append_new(r, keys ? json_string(k) : json_incref(v)) < 0) {
			json_decref(r);
			return qctx_nomem(c);
		}
	return r;
}

static json_t *f_keys(struct qctx *c, struct qarg *a, size_t n)
{
	(void)n;
	return f_keys_values(c, a, true);
}

static json_t *f_values(struct qctx *c, struct qarg *a, size_t n)
{
	(void)n;
	return f_keys_values(c, a, false);
}

static json_t *f_merge(struct qctx *c, struct qarg *a, size_t n)
{
	json_t *r = json_object();
	if (!r)
		return qctx_nomem(c);
	for (size_t i = 0; i < n; i++) {
		/* Python's dict.update(): only the first is type-checked; an
		 * empty list or string adds nothing, anything else but an
		 * object fails (pairs as lists are not taken) */
		if (i > 0 && !json_is_object(a[i].v)) {
			if ((json_is_array(a[i].v) && json_array_size(a[i].v) == 0) ||
			    (json_is_string(a[i].v) && json_string_length(a[i].v) == 0))
				continue;
			json_decref(r);
			if (json_is_string(a[i].v))
				qctx_fail(c, "dictionary update sequence element #0 has "
					  "length 1; 2 is required");
			else if (json_is_array(a[i].v))
				qctx_fail(c, "iamctl takes no list of pairs in merge()");
			else
				qctx_fail(c, "'%s' object is not iterable", qv_pytype(a[i].v));
			return NULL;
		}
		if (json_object_update(r, a[i].v) < 0) {
			json_decref(r);
			return qctx_nomem(c);
		}
	}
	return r;
}

static json_t *f_not_null(struct qctx *c, struct qarg *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i].v && !json_is_null(a[i].v))
			return json_incref(a[i].v);
		else if (!a[i].v)
			return type_error(c, "not_null", NULL, "expref", "[]");
	return json_null();
}

static json_t *f_to_array(struct qctx *c, struct qarg *a, size_t n)
{
	json_t *r;
	(void)n;
	if (json_is_array(a[0].v))
		return json_incref(a[0].v);
	r = json_array();
	if (!r || json_array_append(r, a[0].v) < 0) {
		json_decref(r);
		return qctx_nomem(c);
	}
	return r;
}

static json_t *f_type(struct qctx *c, struct qarg *a, size_t n)
{
	(void)c; (void)n;
	return json_string(type_name(type_bit(a[0].v)));
}

static json_t *f_map(struct qctx *c, struct qarg *a, size_t n)
{
	json_t *r = json_array(), *e, *x;
	size_t i;
	(void)n;
	if (!r)
		return qctx_nomem(c);
	json_array_foreach(a[1].v, i, e) {
		if (!(x = qeval(c, a[0].ref, e)) || json_array_append_new(r, x) < 0) {
			if (x)
				qctx_nomem(c);
			json_decref(r);
			return NULL;
		}
	}
	return r;
}

/* --- ordering --------------------------------------------------------------- */

struct keyed {
	json_t *key;     /* borrowed or owned (keys[]) */
	size_t pos;
};

static int keyed_cmp(const void *x, const void *y)
{
	const struct keyed *a = x, *b = y;
	bool bad;
	int o = qv_order(a->key, b->key, &bad);
	if (o)
		return o;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* The keys of arr's elements (expref, or the elements themselves): each
 * of a type in `allowed`, and of one type (Python cannot order a str and a
 * number). Returns an array of n keyed, or NULL (c failed). */
static struct keyed *keys_of(struct qctx *c, const char *fn, json_t *arr,
			     const struct qnode *ref, unsigned allowed, const char *repr)
{
	size_t n = json_array_size(arr), i;
	struct keyed *k = calloc(n ? n : 1, sizeof(*k));
	unsigned seen = 0;

	if (!k) {
		qctx_nomem(c);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		json_t *e = json_array_get(arr, i);
		k[i].pos = i;
		k[i].key = ref ? qeval(c, ref, e) : json_incref(e);
		if (!k[i].key)
			goto fail;
		unsigned t = type_bit(k[i].key);
		if (!(t & allowed)) {
			type_error(c, fn, k[i].key, type_name(t), repr);
			i++;
			goto fail;
		}
		seen |= t;
		if ((seen & TB_NUM) && (seen & TB_STR)) {
			qctx_fail(c, "'<' not supported between instances of 'str' and "
				  "'%s'", json_is_integer(k[i].key) || json_is_integer(k[0].key) ?
				  "int" : "float");
			i++;
			goto fail;
		}
	}
	return k;
fail:
	while (i-- > 0)
		json_decref(k[i].key);
	free(k);
	return NULL;
}

static void keys_free(struct keyed *k, size_t n)
{
	for (size_t i = 0; k && i < n; i++)
		json_decref(k[i].key);
	free(k);
}

static json_t *sorted(struct qctx *c, const char *fn, json_t *arr,
		      const struct qnode *ref, unsigned allowed, const char *repr)
{
	size_t n = json_array_size(arr);
	struct keyed *k = keys_of(c, fn, arr, ref, allowed, repr);
	json_t *r;

	if (!k)
		return NULL;
	qsort(k, n, sizeof(*k), keyed_cmp);
	r = json_array();
	for (size_t i = 0; r && i < n; i++)
		json_array_append(r, json_array_get(arr, k[i].pos));
	keys_free(k, n);
	return r ? r : qctx_nomem(c);
}

static json_t *f_sort(struct qctx *c, struct qarg *a, size_t n)
{
	(void)n;
	return sorted(c, "sort", a[0].v, NULL, TB_NUM | TB_STR,
		      "['array-string', 'array-number']");
}

static json_t *f_sort_by(struct qctx *c, struct qarg *a, size_t n)
{
	json_t *first;
	unsigned t;
	(void)n;
	if (json_array_size(a[0].v) == 0)
		return json_incref(a[0].v);
	/* every key of the type of the first one */
	if (!(first = qeval(c, a[1].ref, json_array_get(a[0].v, 0))))
		return NULL;
	t = type_bit(first);
	if (t != TB_NUM && t != TB_STR) {
		type_error(c, "sort_by", json_array_get(a[0].v, 0), type_name(t),
			   "['string', 'number']");
		json_decref(first);
		return NULL;
	}
	json_decref(first);
	return sorted(c, "sort_by", a[0].v, a[1].ref, t,
		      t == TB_NUM ? "['number']" : "['string']");
}

/* max (want > 0) or min of arr by ref (or itself): the first of equals. */
static json_t *extreme(struct qctx *c, const char *fn, json_t *arr,
		       const struct qnode *ref, int want, const char *repr)
{
	size_t n = json_array_size(arr), best = 0;
	struct keyed *k;
	json_t *r;
	bool bad;

	if (n == 0)
		return json_null();
	if (!(k = keys_of(c, fn, arr, ref, TB_NUM | TB_STR, repr)))
		return NULL;
	for (size_t i = 1; i < n; i++)
		if (qv_order(k[i].key, k[best].key, &bad) * want > 0)
			best = i;
	r = json_incref(json_array_get(arr, best));
	keys_free(k, n);
	return r;
}

static json_t *f_max(struct qctx *c, struct qarg *a, size_t n)
{
	(void)n;
	return extreme(c, "max", a[0].v, NULL, 1, "['array-number', 'array-string']");
}

static json_t *f_min(struct qctx *c, struct qarg *a, size_t n)
{
	(void)n;
	return extreme(c, "min", a[0].v, NULL, -1, "['array-number', 'array-string']");
}

static json_t *f_max_by(struct qctx *c, struct qarg *a, size_t n)
{
	(void)n;
	return extreme(c, "max_by", a[0].v, a[1].ref, 1, "['number', 'string']");
}

static json_t *f_min_by(struct qctx *c, struct qarg *a, size_t n)
{
	(void)n;
	return extreme(c, "min_by", a[0].v, a[1].ref, -1, "['number', 'string']");
}

/* --- table and call ---------------------------------------------------------- */

#define S(t, r) { t, { 0, 0 }, r }
#define SA(s0, s1, r) { TB_ARR, { s0, s1 }, r }
static const struct qfuncdef funcs[] = {
	{ "abs", 1, false, { S(TB_NUM, "['number']") }, f_abs },
	{ "avg", 1, false, { SA(TB_NUM, 0, "['array-number']") }, f_avg },
	{ "ceil", 1, false, { S(TB_NUM, "['number']") }, f_ceil },
	{ "contains", 2, false, { S(TB_ARR | TB_STR, "['array', 'string']"), S(TB_ANY, "[]") }, f_contains },
	{ "ends_with", 2, false, { S(TB_STR, "['string']"), S(TB_STR, "['string']") }, f_ends_with },
	{ "floor", 1, false, { S(TB_NUM, "['number']") }, f_floor },
	{ "join", 2, false, { S(TB_STR, "['string']"), SA(TB_STR, 0, "['array-string']") }, f_join },
	{ "keys", 1, false, { S(TB_OBJ, "['object']") }, f_keys },
	{ "length", 1, false, { S(TB_STR | TB_ARR | TB_OBJ, "['string', 'array', 'object']") }, f_length },
	{ "map", 2, false, { S(TB_REF, "['expref']"), S(TB_ARR, "['array']") }, f_map },
	{ "max", 1, false, { SA(TB_NUM, TB_STR, "['array-number', 'array-string']") }, f_max },
	{ "max_by", 2, false, { S(TB_ARR, "['array']"), S(TB_REF, "['expref']") }, f_max_by },
	{ "merge", 1, true, { S(TB_OBJ, "['object']") }, f_merge },
	{ "min", 1, false, { SA(TB_NUM, TB_STR, "['array-number', 'array-string']") }, f_min },
	{ "min_by", 2, false, { S(TB_ARR, "['array']"), S(TB_REF, "['expref']") }, f_min_by },
	{ "not_null", 1, true, { S(TB_ANY, "[]") }, f_not_null },
	{ "reverse", 1, false, { S(TB_ARR | TB_STR, "['array', 'string']") }, f_reverse },
	{ "sort", 1, false, { SA(TB_STR, TB_NUM, "['array-string', 'array-number']") }, f_sort },
	{ "sort_by", 2, false, { S(TB_ARR, "['array']"), S(TB_REF, "['expref']") }, f_sort_by },
	{ "starts_with", 2, false, { S(TB_STR, "['string']"), S(TB_STR, "['string']") }, f_starts_with },
	{ "sum", 1, false, { SA(TB_NUM, 0, "['array-number']") }, f_sum },
	{ "to_array", 1, false, { S(TB_ANY, "[]") }, f_to_array },
	{ "to_number", 1, false, { S(TB_ANY, "[]") }, f_to_number },
	{ "to_string", 1, false, { S(TB_ANY, "[]") }, f_to_string },
	{ "type", 1, false, { S(TB_ANY, "[]") }, f_type },
	{ "values", 1, false, { S(TB_OBJ, "['object']") }, f_values },
};
#undef S
#undef SA

json_t *qfunc_call(struct qctx *c, const struct qnode *n, json_t *v)
{
	const struct qfuncdef *f = NULL;
	struct qarg *a = calloc(n->nkids ? n->nkids : 1, sizeof(*a));
	json_t *r = NULL;
	size_t i, k;

	if (!a)
		return qctx_nomem(c);
	for (i = 0; i < n->nkids; i++) {
		if (n->kids[i]->type == QN_EXPREF)
			a[i].ref = n->kids[i]->kids[0];
		else if (!(a[i].v = qeval(c, n->kids[i], v)))
			goto out;
	}
	for (k = 0; k < sizeof(funcs) / sizeof(*funcs) && !f; k++)
		if (strcmp(funcs[k].name, n->name) == 0)
			f = &funcs[k];
	if (!f) {
		qctx_fail(c, "Unknown function: %.60s()", n->name);
		goto out;
	}
	if (f->variadic ? n->nkids < f->nargs : n->nkids != f->nargs) {
		qctx_fail(c, "Expected %s%zu argument%s for function %s(), received %zu",
			  f->variadic ? "at least " : "", f->nargs, f->nargs == 1 ? "" : "s",
			  f->name, n->nkids);
		goto out;
	}
	/* as python-jmespath: a variadic function's extra arguments are not
	 * type-checked (merge and not_null look at them themselves) */
	for (i = 0; i < f->nargs; i++)
		if (!check_arg(c, f, &f->spec[i], a[i].v))
			goto out;
	for (; i < n->nkids; i++)
		if (!a[i].v) {
			type_error(c, f->name, NULL, "expref", "[]");
			goto out;
		}
	r = f->fn(c, a, n->nkids);
	if (!r && !c->failed)
		qctx_nomem(c);
out:
	for (i = 0; i < n->nkids; i++)
		json_decref(a[i].v);
	free(a);
	return r;
}
