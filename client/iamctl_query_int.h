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

#define QUERY_MAX_HEIGHT 256      /* of the tree: bounds every recursion */

/* --- parsing (iamctl_query_lex.c, iamctl_query.c) --- */

enum tok {
	T_EOF, T_UNQUOTED, T_QUOTED, T_LITERAL, T_RBRACKET, T_RPAREN, T_COMMA,
	T_RBRACE, T_NUMBER, T_CURRENT, T_EXPREF, T_COLON, T_PIPE, T_OR, T_AND,
	T_EQ, T_GT, T_LT, T_GTE, T_LTE, T_NE, T_FLATTEN, T_STAR, T_FILTER,
	T_DOT, T_NOT, T_LBRACE, T_LBRACKET, T_LPAREN, T_NTOK,
};

struct token {
	enum tok type;
	size_t start;
	char *text;        /* identifiers: the name; others: the lexeme */
	long long num;
	json_t *lit;
};

struct parser {
	const char *expr;
	size_t len;
	struct token *toks;
	size_t ntoks, cap, i;
	int depth;
	char *err;         /* the message, once failed (malloc'd) */
	bool failed, nomem;
};

extern const char *const qtok_name[T_NTOK];
/* Splits p->expr into p->toks (ending with eof tokens): 0, or -1 with p
 * failed. */
int qlex(struct parser *p);
/* Fails p with a printf message (the first failure wins). */
void qparser_fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Python's column of byte offset `off` of the expression (code points). */
size_t qparser_col(const struct parser *p, size_t off);
