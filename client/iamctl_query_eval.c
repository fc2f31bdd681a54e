/* iamctl query: the JMESPath interpreter (python-jmespath 1.0.1's
 * visitor.py over jansson values: Python's equality, truth and ordering,
 * int and float kept apart). The built-in functions are in
 * iamctl_query_func.c. Recursion follows the tree, whose height the
 * parser bounds. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iamctl_query.h"
#include "iamctl_query_eval.h"

void qctx_fail(struct qctx *c, const char *fmt, ...)
{
	va_list ap;
	if (c->failed)
		return;
	c->failed = true;
	va_start(ap, fmt);
	if (vasprintf(&c->err, fmt, ap) < 0) {
		c->err = NULL;
		c->nomem = true;
	}
	va_end(ap);
}

json_t *qctx_nomem(struct qctx *c)
{
	c->failed = c->nomem = true;
	return NULL;
}

bool qv_is_number(const json_t *v)
{
	return json_is_integer(v) || json_is_real(v);
}

double qv_number(const json_t *v)
{
	return json_is_integer(v) ? (double)json_integer_value(v) : json_real_value(v);
}

/* Python's a == b, with a bool equal to 0 or 1 (True == 1) as Python has it
 * inside lists and objects; at the top JMESPath's _equals refuses that. */
bool qv_equal(const json_t *a, const json_t *b)
{
	bool an = qv_is_number(a) || json_is_boolean(a);
	bool bn = qv_is_number(b) || json_is_boolean(b);
	size_t i;

	if (an && bn) {
		if (json_is_integer(a) && json_is_integer(b))
			return json_integer_value(a) == json_integer_value(b);
		double x = json_is_boolean(a) ? (json_is_true(a) ? 1 : 0) : qv_number(a);
		double y = json_is_boolean(b) ? (json_is_true(b) ? 1 : 0) : qv_number(b);
		return x == y;
	}
	if (json_typeof(a) != json_typeof(b))
		return false;
	switch (json_typeof(a)) {
	case JSON_STRING:
		return json_string_length(a) == json_string_length(b) &&
			memcmp(json_string_value(a), json_string_value(b),
			       json_string_length(a)) == 0;
	case JSON_NULL:
		return true;
	case JSON_ARRAY:
		if (json_array_size(a) != json_array_size(b))
			return false;
		for (i = 0; i < json_array_size(a); i++)
			if (!qv_equal(json_array_get(a, i), json_array_get(b, i)))
				return false;
		return true;
	case JSON_OBJECT: {
		const char *k;
		json_t *v, *w;
		if (json_object_size(a) != json_object_size(b))
			return false;
		json_object_foreach((json_t *)a, k, v) {
			w = json_object_get(b, k);
			if (!w || !qv_equal(v, w))
				return false;
		}
		return true;
	}
	default:
		return false;
	}
}

static bool top_equal(const json_t *a, const json_t *b)
{
	if ((qv_is_number(a) && json_is_boolean(b)) || (qv_is_number(b) && json_is_boolean(a)))
		return false;
	return qv_equal(a, b);
}

/* Python's ordering of two numbers or two strings: <0, 0, >0; -2 + flag
 * when they cannot be ordered (a str and a number: TypeError). */
int qv_order(const json_t *a, const json_t *b, bool *ret_bad)
{
	*ret_bad = false;
	if (json_is_string(a) && json_is_string(b)) {
		size_t la = json_string_length(a), lb = json_string_length(b);
		int r = memcmp(json_string_value(a), json_string_value(b), la < lb ? la : lb);
		return r ? (r < 0 ? -1 : 1) : la < lb ? -1 : la > lb;
	}
	if (qv_is_number(a) && qv_is_number(b)) {
		if (json_is_integer(a) && json_is_integer(b)) {
			json_int_t x = json_integer_value(a), y = json_integer_value(b);
			return x < y ? -1 : x > y;
		}
		double x = qv_number(a), y = qv_number(b);
		return x < y ? -1 : x > y;
	}
	*ret_bad = true;
	return 0;
}

const char *qv_pytype(const json_t *v)
{
	if (json_is_string(v))
		return "str";
	if (json_is_integer(v))
		return "int";
	if (json_is_real(v))
		return "float";
	if (json_is_boolean(v))
		return "bool";
	if (json_is_array(v))
		return "list";
	if (json_is_object(v))
		return "dict";
	return "NoneType";
}

bool qv_false(const json_t *v)
{
	return !v || json_is_null(v) || json_is_false(v) ||
		(json_is_string(v) && json_string_length(v) == 0) ||
		(json_is_array(v) && json_array_size(v) == 0) ||
		(json_is_object(v) && json_object_size(v) == 0);
}

static json_t *compare(struct qctx *c, const struct qnode *n, json_t *v)
{
	json_t *a = qeval(c, n->kids[0], v), *b = a ? qeval(c, n->kids[1], v) : NULL;
	json_t *r = NULL;
	bool bad;
	int o;

	if (!a || !b)
		goto out;
	if (n->cmp == QC_EQ || n->cmp == QC_NE) {
		r = json_boolean(top_equal(a, b) == (n->cmp == QC_EQ));
		goto out;
	}
	if (!(json_is_string(a) || qv_is_number(a)) || !(json_is_string(b) || qv_is_number(b))) {
		r = json_null();
		goto out;
	}
	o = qv_order(a, b, &bad);
	if (bad) {
		static const char *const ops[] = { "==", "!=", "<", "<=", ">", ">=" };
		qctx_fail(c, "'%s' not supported between instances of '%s' and '%s'",
			  ops[n->cmp], qv_pytype(a), qv_pytype(b));
		goto out;
	}
	r = json_boolean(n->cmp == QC_LT ? o < 0 : n->cmp == QC_LTE ? o <= 0 :
			 n->cmp == QC_GT ? o > 0 : o >= 0);
out:
	json_decref(a);
	json_decref(b);
	return r;
}

/* One bound of Python's slice: from the end when negative, clamped to the
 * list for the step's direction; `dflt` when the expression left it out. */
static long long slice_bound(bool has, long long v, long long len, long long step,
			     long long dflt)
{
	if (!has)
		return dflt;
	if (v < 0) {
		v += len;
		if (v < 0)
			v = step < 0 ? -1 : 0;
	} else if (v >= len) {
		v = step < 0 ? len - 1 : len;
	}
	return v;
}

/* Python's list[start:stop:step]. */
static json_t *slice(struct qctx *c, const struct qnode *n, json_t *v)
{
	long long len = (long long)json_array_size(v), step = n->has[2] ? n->slice[2] : 1;
	long long start, stop, count = 0;
	json_t *r;

	if (step == 0) {
		qctx_fail(c, "slice step cannot be zero");
		return NULL;
	}
	start = slice_bound(n->has[0], n->slice[0], len, step, step < 0 ? len - 1 : 0);
	stop = slice_bound(n->has[1], n->slice[1], len, step, step < 0 ? -1 : len);
	if (step > 0 && start < stop)
		count = (stop - start - 1) / step + 1;
	else if (step < 0 && start > stop)
		count = (start - stop - 1) / -step + 1;
	if (!(r = json_array()))
		return qctx_nomem(c);
	for (long long k = 0; k < count; k++) {
		long long i = start + k * step;
		if (json_array_append(r, json_array_get(v, (size_t)i)) < 0) {
			json_decref(r);
			return qctx_nomem(c);
		}
	}
	return r;
}

/* Appends each non-null rhs(element) of base's elements (a list) or values
 * (an object) to a new list. */
static json_t *project(struct qctx *c, const struct qnode *rhs, json_t *base)
{
	json_t *r = json_array(), *e, *x;
	size_t i;
	const char *k;

	if (!r)
		return qctx_nomem(c);
#define PROJECT_ONE(elem) do {                                           \
		x = qeval(c, rhs, (elem));                               \
		if (!x)                                                  \
			goto fail;                                       \
		if (!json_is_null(x) && json_array_append(r, x) < 0) {   \
			json_decref(x);                                  \
			qctx_nomem(c);                                   \
			goto fail;                                       \
		}                                                        \
		json_decref(x);                                          \
	} while (0)
	if (json_is_array(base)) {
		json_array_foreach(base, i, e)
			PROJECT_ONE(e);
	} else {
		json_object_foreach(base, k, e)
			PROJECT_ONE(e);
	}
#undef PROJECT_ONE
	return r;
fail:
	json_decref(r);
	return NULL;
}

static json_t *filter(struct qctx *c, const struct qnode *n, json_t *v)
{
	json_t *base = qeval(c, n->kids[0], v), *r = NULL, *e, *t, *x;
	size_t i;

	if (!base)
		return NULL;
	if (!json_is_array(base)) {
		json_decref(base);
		return json_null();
	}
	if (!(r = json_array()))
		goto fail_nomem;
	json_array_foreach(base, i, e) {
		t = qeval(c, n->kids[2], e);
		if (!t)
			goto fail;
		bool keep = !qv_false(t);
		json_decref(t);
		if (!keep)
			continue;
		if (!(x = qeval(c, n->kids[1], e)))
			goto fail;
		if (!json_is_null(x) && json_array_append(r, x) < 0) {
			json_decref(x);
			goto fail_nomem;
		}
		json_decref(x);
	}
	json_decref(base);
	return r;
fail_nomem:
	qctx_nomem(c);
fail:
	json_decref(base);
	json_decref(r);
	return NULL;
}

static json_t *flatten(struct qctx *c, const struct qnode *n, json_t *v)
{
	json_t *base = qeval(c, n->kids[0], v), *r, *e;
	size_t i;

	if (!base)
		return NULL;
	if (!json_is_array(base)) {
		json_decref(base);
		return json_null();
	}
	if (!(r = json_array())) {
		json_decref(base);
		return qctx_nomem(c);
	}
	json_array_foreach(base, i, e)
		if ((json_is_array(e) ? json_array_extend(r, e) : json_array_append(r, e)) < 0) {
			json_decref(base);
			json_decref(r);
			return qctx_nomem(c);
		}
	json_decref(base);
	return r;
}

static json_t *multi_select(struct qctx *c, const struct qnode *n, json_t *v)
{
	json_t *r, *x;
	if (json_is_null(v))
		return json_null();
	r = n->type == QN_MS_LIST ? json_array() : json_object();
	if (!r)
		return qctx_nomem(c);
	for (size_t k = 0; k < n->nkids; k++) {
		const struct qnode *kid = n->kids[k];
		x = qeval(c, kid->type == QN_KEYVAL ? kid->kids[0] : kid, v);
		if (!x || (n->type == QN_MS_LIST ? json_array_append_new(r, x) :
			   json_object_set_new(r, kid->name, x)) < 0) {
			if (x)
				qctx_nomem(c);
			json_decref(r);
			return NULL;
		}
	}
	return r;
}

/* A chain (sub-expression, index expression, pipe): each child on what the
 * one before gave. */
static json_t *chain(struct qctx *c, const struct qnode *n, json_t *v)
{
	json_t *cur = json_incref(v), *next;
	for (size_t k = 0; k < n->nkids && cur; k++) {
		next = qeval(c, n->kids[k], cur);
		json_decref(cur);
		cur = next;
	}
	return cur;
}

json_t *qeval(struct qctx *c, const struct qnode *n, json_t *v)
{
	json_t *x, *r;

	if (c->failed)
		return NULL;
	switch (n->type) {
	case QN_FIELD:
		x = json_is_object(v) ? json_object_get(v, n->name) : NULL;
		return x ? json_incref(x) : json_null();
	case QN_SUBEXPR:
	case QN_INDEX_EXPR:
	case QN_PIPE:
		return chain(c, n, v);
	case QN_INDEX: {
		long long len = (long long)json_array_size(v), i = n->idx;
		if (!json_is_array(v))
			return json_null();
		if (i < 0)
			i += len;
		x = i >= 0 && i < len ? json_array_get(v, (size_t)i) : NULL;
		return x ? json_incref(x) : json_null();
	}
	case QN_SLICE:
		return json_is_array(v) ? slice(c, n, v) : json_null();
	case QN_PROJECTION:
	case QN_VALUE_PROJECTION:
		x = qeval(c, n->kids[0], v);
		if (!x)
			return NULL;
		if (n->type == QN_PROJECTION ? !json_is_array(x) : !json_is_object(x))
			r = json_null();
		else
			r = project(c, n->kids[1], x);
		json_decref(x);
		return r;
	case QN_FILTER_PROJECTION:
		return filter(c, n, v);
	case QN_FLATTEN:
		return flatten(c, n, v);
	case QN_IDENTITY:
	case QN_CURRENT:
		return json_incref(v);
	case QN_LITERAL:
		return json_incref(n->lit);
	case QN_MS_LIST:
	case QN_MS_HASH:
		return multi_select(c, n, v);
	case QN_KEYVAL:
		return qeval(c, n->kids[0], v);
	case QN_OR:
	case QN_AND:
		x = qeval(c, n->kids[0], v);
		if (!x || (n->type == QN_OR) != qv_false(x))
			return x;
		json_decref(x);
		return qeval(c, n->kids[1], v);
	case QN_NOT:
		x = qeval(c, n->kids[0], v);
		if (!x)
			return NULL;
		r = json_boolean(qv_is_number(x) ? false : qv_false(x));
		json_decref(x);
		return r;
	case QN_CMP:
		return compare(c, n, v);
	case QN_FUNCTION:
		return qfunc_call(c, n, v);
	case QN_EXPREF:
		qctx_fail(c, "an expression reference (&...) is only an argument "
			  "of a function");
		return NULL;
	}
	return NULL;
}

int iamctl_query_search(const struct iamctl_query *q, json_t *doc,
			json_t **ret, char **ret_err)
{
	struct qctx c = { 0 };
	json_t *null = doc ? NULL : json_null();
	json_t *r = qeval(&c, q->root, doc ? doc : null);

	json_decref(null);
	if (!r) {
		if (c.nomem) {
			free(c.err);
			return -ENOMEM;
		}
		if (ret_err)
			*ret_err = c.err;
		else
			free(c.err);
		return -EINVAL;
	}
	*ret = r;
	return 0;
}
