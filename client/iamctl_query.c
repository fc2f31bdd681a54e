/* iamctl query: the JMESPath parser (the lexer is iamctl_query_lex.c). A
 * top-down operator
 * precedence parser that takes what python-jmespath 1.0.1's parser.py
 * takes, builds the same tree and refuses what it refuses, with its error
 * messages (the AWS CLI prints them after "Bad value for --query ...").
 * Recursion is bounded by IAMCTL_QUERY_MAX_DEPTH. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iamctl_query.h"
#include "iamctl_query_int.h"
#include "iamctl_query_eval.h"

static const int binding_power[T_NTOK] = {
	[T_PIPE] = 1, [T_OR] = 2, [T_AND] = 3, [T_EQ] = 5, [T_GT] = 5,
	[T_LT] = 5, [T_GTE] = 5, [T_LTE] = 5, [T_NE] = 5, [T_FLATTEN] = 9,
	[T_STAR] = 20, [T_FILTER] = 21, [T_DOT] = 40, [T_NOT] = 45,
	[T_LBRACE] = 50, [T_LBRACKET] = 55, [T_LPAREN] = 60,
};
#define PROJECTION_STOP 10

/* --- errors ---------------------------------------------------------------- */

/* Python's ParseError (token t, reason fmt) or, for eof where python-jmespath
 * says so, IncompleteExpressionError. */
static void fail_parse(struct parser *p, const struct token *t, bool incomplete,
		       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void fail_parse(struct parser *p, const struct token *t, bool incomplete,
		       const char *fmt, ...)
{
	char *msg = NULL, up[32];
	va_list ap;
	size_t k, col;

	if (p->failed)
		return;
	if (t->type == T_EOF && incomplete) {
		col = qparser_col(p, p->len);
		qparser_fail(p, "Invalid jmespath expression: Incomplete expression:"
			     "\n\"%s\"\n%*s^", p->expr, (int)col + 1, "");
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	for (k = 0; qtok_name[t->type][k] && k + 1 < sizeof(up); k++)
		up[k] = (char)(qtok_name[t->type][k] >= 'a' && qtok_name[t->type][k] <= 'z' ?
			       qtok_name[t->type][k] - 32 : qtok_name[t->type][k]);
	up[k] = 0;
	col = qparser_col(p, t->start);
	char *lit = t->lit ? qpy_str(t->lit) : NULL;   /* str() of its value */
	qparser_fail(p, "%s: Parse error at column %zu, token \"%s\" (%s), for "
		     "expression:\n\"%s\"\n%*s^", msg ? msg : "?", col,
		     lit ? lit : t->text ? t->text : "", up, p->expr, (int)col + 1, "");
	free(lit);
	free(msg);
}

/* --- tree ------------------------------------------------------------------ */

static void qnode_free(struct qnode *n)
{
	if (!n)
		return;
	for (size_t k = 0; k < n->nkids; k++)
		qnode_free(n->kids[k]);
	free(n->kids);
	free(n->name);
	json_decref(n->lit);
	free(n);
}

static struct qnode *node_new(struct parser *p, enum qnode_type type)
{
	struct qnode *n = calloc(1, sizeof(*n));
	if (!n)
		p->nomem = p->failed = true;
	else
		n->type = type;
	return n;
}

/* Adds kid to n; on failure frees kid. false if the parse failed. */
static bool node_add(struct parser *p, struct qnode *n, struct qnode *kid)
{
	if (!n || !kid || p->failed) {
		qnode_free(kid);
		return false;
	}
	if (n->nkids == n->cap) {
		size_t cap = n->cap ? n->cap * 2 : 2;
		struct qnode **k = realloc(n->kids, cap * sizeof(*k));
		if (!k) {
			qnode_free(kid);
			p->nomem = p->failed = true;
			return false;
		}
		n->kids = k;
		n->cap = cap;
	}
	n->kids[n->nkids++] = kid;
	if (kid->height + 1 > n->height)
		n->height = kid->height + 1;
	if (n->height > QUERY_MAX_HEIGHT && !p->failed) {
		qparser_fail(p, "Invalid jmespath expression: nested deeper than "
			     "%d levels", QUERY_MAX_HEIGHT);
		return false;
	}
	return true;
}

static struct qnode *node2(struct parser *p, enum qnode_type type,
			   struct qnode *a, struct qnode *b)
{
	struct qnode *n = p->failed ? NULL : node_new(p, type);
	if (!n) {
		qnode_free(a);
		qnode_free(b);
		return NULL;
	}
	if (!node_add(p, n, a)) {
		qnode_free(b);
		qnode_free(n);
		return NULL;
	}
	if (b && !node_add(p, n, b)) {
		qnode_free(n);
		return NULL;
	}
	return n;
}

/* --- parser ---------------------------------------------------------------- */

static struct qnode *expression(struct parser *p, int bp);

static enum tok cur(const struct parser *p)
{
	return p->toks[p->i].type;
}

static enum tok ahead(const struct parser *p, size_t n)
{
	size_t k = p->i + n;
	return k < p->ntoks ? p->toks[k].type : T_EOF;
}

static bool match(struct parser *p, enum tok t)
{
	if (cur(p) == t) {
		p->i++;
		return true;
	}
	fail_parse(p, &p->toks[p->i], true, "Expecting: %s, got: %s", qtok_name[t],
		   qtok_name[cur(p)]);
	return false;
}

static struct qnode *identity(struct parser *p)
{
	return node_new(p, QN_IDENTITY);
}

static struct qnode *parse_multi_select_list(struct parser *p);
static struct qnode *parse_multi_select_hash(struct parser *p);

static struct qnode *parse_dot_rhs(struct parser *p, int bp)
{
	enum tok t = cur(p);
	if (t == T_QUOTED || t == T_UNQUOTED || t == T_STAR)
		return expression(p, bp);
	if (t == T_LBRACKET) {
		p->i++;
		return parse_multi_select_list(p);
	}
	if (t == T_LBRACE) {
		p->i++;
		return parse_multi_select_hash(p);
	}
	fail_parse(p, &p->toks[p->i], false, "Expecting: ['quoted_identifier', "
		   "'unquoted_identifier', 'lbracket', 'lbrace'], got: %s",
		   qtok_name[t]);
	return NULL;
}

static struct qnode *parse_projection_rhs(struct parser *p, int bp)
{
	enum tok t = cur(p);
	if (binding_power[t] < PROJECTION_STOP)
		return identity(p);
	if (t == T_LBRACKET || t == T_FILTER)
		return expression(p, bp);
	if (t == T_DOT) {
		p->i++;
		return parse_dot_rhs(p, bp);
	}
	fail_parse(p, &p->toks[p->i], false, "syntax error");
	return NULL;
}

static struct qnode *parse_slice(struct parser *p)
{
	struct qnode *n = node_new(p, QN_SLICE);
	int k = 0;

	while (n && cur(p) != T_RBRACKET && k < 3) {
		if (cur(p) == T_COLON) {
			if (++k == 3) {
				fail_parse(p, &p->toks[p->i], false, "syntax error");
				break;
			}
			p->i++;
		} else if (cur(p) == T_NUMBER) {
			n->has[k] = true;
			n->slice[k] = p->toks[p->i++].num;
		} else {
			fail_parse(p, &p->toks[p->i], false, "syntax error");
			break;
		}
	}
	if (!p->failed)
		match(p, T_RBRACKET);
	if (p->failed) {
		qnode_free(n);
		return NULL;
	}
	return n;
}

static struct qnode *parse_index_expression(struct parser *p)
{
	struct qnode *n;
	if (ahead(p, 0) == T_COLON || ahead(p, 1) == T_COLON)
		return parse_slice(p);
	n = node_new(p, QN_INDEX);
	if (n)
		n->idx = p->toks[p->i].num;
	p->i++;
	if (!match(p, T_RBRACKET)) {
		qnode_free(n);
		return NULL;
	}
	return n;
}

static struct qnode *project_if_slice(struct parser *p, struct qnode *left,
				      struct qnode *right)
{
	bool slice = right && right->type == QN_SLICE;
	struct qnode *ix = node2(p, QN_INDEX_EXPR, left, right);
	if (!ix || !slice)
		return ix;
	return node2(p, QN_PROJECTION, ix, parse_projection_rhs(p, binding_power[T_STAR]));
}

static struct qnode *parse_multi_select_list(struct parser *p)
{
	struct qnode *n = node_new(p, QN_MS_LIST);
	for (;;) {
		if (!node_add(p, n, expression(p, 0)))
			break;
		if (cur(p) == T_RBRACKET)
			break;
		if (!match(p, T_COMMA))
			break;
	}
	if (!p->failed && match(p, T_RBRACKET))
		return n;
	qnode_free(n);
	return NULL;
}

static struct qnode *parse_multi_select_hash(struct parser *p)
{
	struct qnode *n = node_new(p, QN_MS_HASH);
	while (n && !p->failed) {
		struct token *key = &p->toks[p->i];
		struct qnode *kv;
		if (key->type != T_QUOTED && key->type != T_UNQUOTED) {
			fail_parse(p, key, true, "Expecting: ['quoted_identifier', "
				   "'unquoted_identifier'], got: %s", qtok_name[key->type]);
			break;
		}
		p->i++;
		if (!match(p, T_COLON))
			break;
		kv = node2(p, QN_KEYVAL, expression(p, 0), NULL);
		if (kv && !(kv->name = strdup(key->text)))
			p->nomem = p->failed = true;
		if (!node_add(p, n, kv))
			break;
		if (cur(p) == T_COMMA) {
			p->i++;
		} else if (cur(p) == T_RBRACE) {
			p->i++;
			return n;
		}
	}
	qnode_free(n);
	return NULL;
}

static struct qnode *led_filter(struct parser *p, struct qnode *left)
{
	struct qnode *cond = expression(p, 0), *right, *n;
	if (p->failed || !match(p, T_RBRACKET)) {
		qnode_free(cond);
		qnode_free(left);
		return NULL;
	}
	if (cur(p) == T_FLATTEN)
		right = identity(p);
	else
		right = parse_projection_rhs(p, binding_power[T_FILTER]);
	n = node2(p, QN_FILTER_PROJECTION, left, right);
	if (!node_add(p, n, cond)) {
		qnode_free(n);
		return NULL;
	}
	return n;
}

static struct qnode *nud(struct parser *p, struct token *t)
{
	struct qnode *n, *e;

	switch (t->type) {
	case T_LITERAL:
		if ((n = node_new(p, QN_LITERAL)))
			n->lit = json_incref(t->lit);
		return n;
	case T_QUOTED:
		if (cur(p) == T_LPAREN) {
			struct token z = p->toks[p->i];
			z.start = 0;
			fail_parse(p, &z, false, "Quoted identifier not allowed for function names.");
			return NULL;
		}
		/* fall through */
	case T_UNQUOTED:
		if ((n = node_new(p, QN_FIELD)) && !(n->name = strdup(t->text))) {
			p->nomem = p->failed = true;
			qnode_free(n);
			return NULL;
		}
		return n;
	case T_STAR:
		e = cur(p) == T_RBRACKET ? identity(p) :
			parse_projection_rhs(p, binding_power[T_STAR]);
		return node2(p, QN_VALUE_PROJECTION, identity(p), e);
	case T_FILTER:
		return led_filter(p, identity(p));
	case T_LBRACE:
		return parse_multi_select_hash(p);
	case T_LPAREN:
		e = expression(p, 0);
		if (!p->failed && match(p, T_RPAREN))
			return e;
		qnode_free(e);
		return NULL;
	case T_FLATTEN:
		n = node2(p, QN_FLATTEN, identity(p), NULL);
		return node2(p, QN_PROJECTION, n,
			     n ? parse_projection_rhs(p, binding_power[T_FLATTEN]) : NULL);
	case T_NOT:
		return node2(p, QN_NOT, expression(p, binding_power[T_NOT]), NULL);
	case T_LBRACKET:
		if (cur(p) == T_NUMBER || cur(p) == T_COLON)
			return project_if_slice(p, identity(p), parse_index_expression(p));
		if (cur(p) == T_STAR && ahead(p, 1) == T_RBRACKET) {
			p->i += 2;
			e = parse_projection_rhs(p, binding_power[T_STAR]);
			return node2(p, QN_PROJECTION, identity(p), e);
		}
		return parse_multi_select_list(p);
	case T_CURRENT:
		return node_new(p, QN_CURRENT);
	case T_EXPREF:
		return node2(p, QN_EXPREF, expression(p, binding_power[T_EXPREF]), NULL);
	default:
		fail_parse(p, t, true, "invalid token");
		return NULL;
	}
}

static struct qnode *led_lparen(struct parser *p, struct qnode *left)
{
	struct qnode *n;
	if (left->type != QN_FIELD) {
		struct token *prev = &p->toks[p->i >= 2 ? p->i - 2 : p->ntoks - 1];
		fail_parse(p, prev, false, "Invalid function name '%.60s'", prev->text);
		qnode_free(left);
		return NULL;
	}
	n = node_new(p, QN_FUNCTION);
	if (n) {
		n->name = left->name;
		left->name = NULL;
	}
	qnode_free(left);
	while (n && !p->failed && cur(p) != T_RPAREN) {
		struct qnode *arg = expression(p, 0);
		if (!p->failed && cur(p) == T_COMMA)
			p->i++;
		if (!node_add(p, n, arg))
			break;
	}
	if (!p->failed && match(p, T_RPAREN))
		return n;
	qnode_free(n);
	return NULL;
}

static struct qnode *led(struct parser *p, enum tok t, struct qnode *left)
{
	static const enum qcmp cmps[T_NTOK] = { [T_EQ] = QC_EQ, [T_NE] = QC_NE,
		[T_LT] = QC_LT, [T_LTE] = QC_LTE, [T_GT] = QC_GT, [T_GTE] = QC_GTE };
	struct qnode *n, *r;

	switch (t) {
	case T_DOT:
		if (cur(p) != T_STAR) {
			r = parse_dot_rhs(p, binding_power[T_DOT]);
			if (left->type == QN_SUBEXPR) {
				return node_add(p, left, r) ? left : (qnode_free(left), NULL);
			}
			return node2(p, QN_SUBEXPR, left, r);
		}
		p->i++;
		return node2(p, QN_VALUE_PROJECTION, left,
			     parse_projection_rhs(p, binding_power[T_DOT]));
	case T_PIPE:
		return node2(p, QN_PIPE, left, expression(p, binding_power[T_PIPE]));
	case T_OR:
		return node2(p, QN_OR, left, expression(p, binding_power[T_OR]));
	case T_AND:
		return node2(p, QN_AND, left, expression(p, binding_power[T_AND]));
	case T_LPAREN:
		return led_lparen(p, left);
	case T_FILTER:
		return led_filter(p, left);
	case T_EQ: case T_NE: case T_LT: case T_LTE: case T_GT: case T_GTE:
		n = node2(p, QN_CMP, left, expression(p, binding_power[t]));
		if (n)
			n->cmp = cmps[t];
		return n;
	case T_FLATTEN:
		n = node2(p, QN_FLATTEN, left, NULL);
		return node2(p, QN_PROJECTION, n,
			     n ? parse_projection_rhs(p, binding_power[T_FLATTEN]) : NULL);
	case T_LBRACKET:
		if (cur(p) == T_NUMBER || cur(p) == T_COLON) {
			r = parse_index_expression(p);
			if (left->type == QN_INDEX_EXPR)
				return node_add(p, left, r) ? left : (qnode_free(left), NULL);
			return project_if_slice(p, left, r);
		}
		if (!match(p, T_STAR) || !match(p, T_RBRACKET)) {
			qnode_free(left);
			return NULL;
		}
		return node2(p, QN_PROJECTION, left,
			     parse_projection_rhs(p, binding_power[T_STAR]));
	default:
		fail_parse(p, &p->toks[p->i - 1], false, "invalid token");
		qnode_free(left);
		return NULL;
	}
}

static struct qnode *expression(struct parser *p, int bp)
{
	struct token *t = &p->toks[p->i];
	struct qnode *left;

	if (p->failed)
		return NULL;
	if (++p->depth > IAMCTL_QUERY_MAX_DEPTH) {
		qparser_fail(p, "Invalid jmespath expression: nested deeper than "
			     "%d levels", IAMCTL_QUERY_MAX_DEPTH);
		return NULL;
	}
	p->i++;
	if (t->type == T_EOF)
		p->i--;     /* stay on eof */
	left = nud(p, t);
	while (left && !p->failed && bp < binding_power[cur(p)]) {
		enum tok op = cur(p);
		p->i++;
		left = led(p, op, left);
	}
	p->depth--;
	if (p->failed) {
		qnode_free(left);
		return NULL;
	}
	return left;
}

int iamctl_query_compile(const char *expr, struct iamctl_query **ret,
			 char **ret_err)
{
	struct parser p = { .expr = expr, .len = strlen(expr) };
	struct iamctl_query *q = NULL;
	struct qnode *root = NULL;
	int r = -EINVAL;

	if (p.len == 0) {
		qparser_fail(&p, "Invalid JMESPath expression: cannot be empty.");
		goto out;
	}
	if (p.len > IAMCTL_QUERY_MAX_LEN) {
		qparser_fail(&p, "Invalid jmespath expression: longer than %d bytes",
			     IAMCTL_QUERY_MAX_LEN);
		goto out;
	}
	if (qlex(&p) < 0)
		goto out;
	root = expression(&p, 0);
	if (root && cur(&p) != T_EOF)
		fail_parse(&p, &p.toks[p.i], false, "Unexpected token: %s", p.toks[p.i].text);
	if (p.failed)
		goto out;
	q = calloc(1, sizeof(*q));
	if (!q || !(q->expr = strdup(expr))) {
		p.nomem = true;
		goto out;
	}
	q->root = root;
	root = NULL;
	*ret = q;
	q = NULL;
	r = 0;
out:
	if (p.nomem)
		r = -ENOMEM;
	if (r == -EINVAL && ret_err) {
		*ret_err = p.err;
		p.err = NULL;
	}
	free(p.err);
	qnode_free(root);
	iamctl_query_free(q);
	for (size_t k = 0; k < p.ntoks; k++) {
		free(p.toks[k].text);
		json_decref(p.toks[k].lit);
	}
	free(p.toks);
	return r;
}

void iamctl_query_free(struct iamctl_query *q)
{
	if (!q)
		return;
	qnode_free(q->root);
	free(q->expr);
	free(q);
}
