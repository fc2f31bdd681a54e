/* iamctl query internals: the syntax tree iamctl_query.c builds and
 * iamctl_query_eval.c walks (node kinds as python-jmespath's ast.py). */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum qnode_type {
	QN_FIELD, QN_SUBEXPR, QN_INDEX, QN_INDEX_EXPR, QN_SLICE, QN_PROJECTION,
	QN_VALUE_PROJECTION, QN_FILTER_PROJECTION, QN_FLATTEN, QN_IDENTITY,
	QN_CURRENT, QN_LITERAL, QN_MS_LIST, QN_MS_HASH, QN_KEYVAL, QN_OR,
	QN_AND, QN_NOT, QN_CMP, QN_PIPE, QN_FUNCTION, QN_EXPREF,
};

enum qcmp { QC_EQ, QC_NE, QC_LT, QC_LTE, QC_GT, QC_GTE };

struct qnode {
	enum qnode_type type;
	enum qcmp cmp;
	char *name;                /* field, key, function */
	json_t *lit;               /* literal */
	long long idx;             /* index */
	bool has[3];               /* slice: which of start, stop, step */
	long long slice[3];
	struct qnode **kids;
	size_t nkids, cap;
	int height;               /* of the subtree: bounded */
};

struct iamctl_query {
	char *expr;
	struct qnode *root;
};

#define QERR_MAX 1024
#define QUERY_MAX_HEIGHT 256      /* of the tree: bounds every recursion */
