/* iamctl query internals: what the interpreter (iamctl_query_eval.c) and
 * the built-in functions (iamctl_query_func.c) share. */
#pragma once
#include <jansson.h>
#include <stdbool.h>

#include "iamctl_query_int.h"

struct qctx {
	bool failed, nomem;
	char *err;      /* the message, once failed (malloc'd) */
};

void qctx_fail(struct qctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
json_t *qctx_nomem(struct qctx *c);

/* n evaluated on v: a new reference, or NULL when c failed. */
json_t *qeval(struct qctx *c, const struct qnode *n, json_t *v);
/* A function node called on v. */
json_t *qfunc_call(struct qctx *c, const struct qnode *n, json_t *v);

bool qv_is_number(const json_t *v);      /* int or float, not bool */
double qv_number(const json_t *v);
bool qv_equal(const json_t *a, const json_t *b);   /* Python's == */
bool qv_false(const json_t *v);          /* JMESPath's false values */
int qv_order(const json_t *a, const json_t *b, bool *ret_bad);
const char *qv_pytype(const json_t *v);  /* "int", "str", ... */

/* Python's json.dumps(v, separators=(',', ':')) (ASCII only): caller frees. */
char *qjson_dumps_compact(const json_t *v);
/* Python's repr(v) (what python-jmespath's messages show): caller frees. */
char *qpy_repr(const json_t *v);
/* Python's str(v): a string itself, else repr. Caller frees. */
char *qpy_str(const json_t *v);
