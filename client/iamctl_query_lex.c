/* iamctl query: the JMESPath lexer, as python-jmespath 1.0.1's lexer.py
 * (its tokens, its quirks: a backslash keeps the next character in a
 * literal, `...` falls back to an unquoted string, numbers only as
 * indexes) and its error messages. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iamctl_query.h"
#include "iamctl_query_int.h"

const char *const qtok_name[T_NTOK] = {
	"eof", "unquoted_identifier", "quoted_identifier", "literal",
	"rbracket", "rparen", "comma", "rbrace", "number", "current", "expref",
	"colon", "pipe", "or", "and", "eq", "gt", "lt", "gte", "lte", "ne",
	"flatten", "star", "filter", "dot", "not", "lbrace", "lbracket", "lparen",
};

void qparser_fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	if (p->failed)
		return;
	p->failed = true;
	va_start(ap, fmt);
	if (vasprintf(&p->err, fmt, ap) < 0) {
		p->err = NULL;
		p->nomem = true;
	}
	va_end(ap);
}

size_t qparser_col(const struct parser *p, size_t off)
{
	size_t k = 0;
	for (size_t i = 0; i < off && i < p->len; i++)
		if (((unsigned char)p->expr[i] & 0xc0) != 0x80)
			k++;
	return k + (off > p->len ? off - p->len : 0);
}

static void fail_lex(struct parser *p, size_t pos, const char *msg)
{
	size_t col = qparser_col(p, pos);
	qparser_fail(p, "Bad jmespath expression: %s:\n%s\n%*s^", msg, p->expr,
		     (int)col, "");
}

/* --- lexer ----------------------------------------------------------------- */

static bool is_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_ident(char c)
{
	return is_start(c) || (c >= '0' && c <= '9');
}

static struct token *tok_add(struct parser *p, enum tok type, size_t start,
			     const char *text, size_t n)
{
	struct token *t;
	if (p->ntoks == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 32;
		struct token *nt = realloc(p->toks, cap * sizeof(*nt));
		if (!nt)
			goto nomem;
		p->toks = nt;
		p->cap = cap;
	}
	t = &p->toks[p->ntoks];
	memset(t, 0, sizeof(*t));
	t->type = type;
	t->start = start;
	t->text = strndup(text, n);
	if (!t->text)
		goto nomem;
	p->ntoks++;
	return t;
nomem:
	p->nomem = p->failed = true;
	return NULL;
}

/* The text between delimiters from expr[*pos] (the opening one): a
 * backslash keeps itself and the next character. */
static char *consume_until(struct parser *p, size_t *pos, char delim)
{
	size_t start = *pos, k = start + 1, o = 0;
	char *buf = malloc(p->len - start + 1);

	if (!buf) {
		p->nomem = p->failed = true;
		return NULL;
	}
	while (k < p->len && p->expr[k] != delim) {
		if (p->expr[k] == '\\') {
			buf[o++] = '\\';
			k++;
			if (k >= p->len)
				break;
		}
		buf[o++] = p->expr[k++];
	}
	if (k >= p->len) {
		char msg[32];
		snprintf(msg, sizeof(msg), "Unclosed %c delimiter", delim);
		free(buf);
		fail_lex(p, start, msg);
		return NULL;
	}
	buf[o] = 0;
	*pos = k + 1;
	return buf;
}

/* Removes the backslash of each "\<c>". */
static void unescape(char *s, char c)
{
	char *w = s;
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] == c)
			s++;
		*w++ = *s;
	}
	*w = 0;
}

static int lex_literal(struct parser *p, size_t *pos)
{
	size_t start = *pos;
	char *lex = consume_until(p, pos, '`'), *q = NULL;
	json_t *j;
	struct token *t;

	if (!lex)
		return -1;
	unescape(lex, '`');
	j = json_loads(lex, JSON_DECODE_ANY, NULL);
	if (!j) {   /* the deprecated form: an unquoted string */
		const char *s = lex;
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		if (asprintf(&q, "\"%s\"", s) < 0) {
			free(lex);
			p->nomem = p->failed = true;
			return -1;
		}
		j = json_loads(q, JSON_DECODE_ANY, NULL);
		free(q);
	}
	if (!j) {
		char msg[140];
		snprintf(msg, sizeof(msg), "Bad token %.100s", lex);
		free(lex);
		fail_lex(p, start, msg);
		return -1;
	}
	t = tok_add(p, T_LITERAL, start, lex, strlen(lex));
	free(lex);
	if (!t) {
		json_decref(j);
		return -1;
	}
	t->lit = j;
	return 0;
}

static int lex_quoted(struct parser *p, size_t *pos)
{
	size_t start = *pos;
	char *lex = consume_until(p, pos, '"'), *q = NULL;
	json_t *j;
	struct token *t;

	if (!lex)
		return -1;
	if (asprintf(&q, "\"%s\"", lex) < 0) {
		free(lex);
		p->nomem = p->failed = true;
		return -1;
	}
	free(lex);
	j = json_loads(q, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	if (!json_is_string(j) || strlen(json_string_value(j)) != json_string_length(j)) {
		json_decref(j);
		fail_lex(p, start, "Invalid \\escape");
		free(q);
		return -1;
	}
	free(q);
	t = tok_add(p, T_QUOTED, start, json_string_value(j), json_string_length(j));
	json_decref(j);
	return t ? 0 : -1;
}

int qlex(struct parser *p)
{
	static const char simple[] = ".*],:@(){}";
	static const enum tok simple_t[] = { T_DOT, T_STAR, T_RBRACKET, T_COMMA,
		T_COLON, T_CURRENT, T_LPAREN, T_RPAREN, T_LBRACE, T_RBRACE };
	size_t k = 0;
	const char *e = p->expr;

	while (k < p->len && !p->failed) {
		char c = e[k], n = k + 1 < p->len ? e[k + 1] : 0;
		const char *s = c ? strchr(simple, c) : NULL;
		size_t st = k;
		if (s) {
			tok_add(p, simple_t[s - simple], k, e + k, 1);
			k++;
		} else if (is_start(c)) {
			while (k < p->len && is_ident(e[k]))
				k++;
			tok_add(p, T_UNQUOTED, st, e + st, k - st);
		} else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			k++;
		} else if (c == '[') {
			enum tok t = n == ']' ? T_FLATTEN : n == '?' ? T_FILTER : T_LBRACKET;
			k += t == T_LBRACKET ? 1 : 2;
			tok_add(p, t, st, e + st, k - st);
		} else if (c == '\'') {
			char *raw = consume_until(p, &k, '\'');
			if (raw) {
				unescape(raw, '\'');
				struct token *t = tok_add(p, T_LITERAL, st, raw, strlen(raw));
				if (t && !(t->lit = json_string(raw)))
					fail_lex(p, st, "Invalid UTF-8 in a raw string");
				free(raw);
			}
		} else if (c == '`') {
			lex_literal(p, &k);
		} else if (c == '"') {
			lex_quoted(p, &k);
		} else if ((c >= '0' && c <= '9') || c == '-') {
			struct token *t;
			k++;
			while (k < p->len && e[k] >= '0' && e[k] <= '9')
				k++;
			if (c == '-' && k - st == 1) {
				fail_lex(p, st, "Unknown token '-'");
				break;
			}
			t = tok_add(p, T_NUMBER, st, e + st, k - st);
			if (t) {
				errno = 0;
				t->num = strtoll(t->text, NULL, 10);
				/* beyond any list: no overflow in slices */
				if (t->num > LLONG_MAX / 4)
					t->num = LLONG_MAX / 4;
				if (t->num < -(LLONG_MAX / 4))
					t->num = -(LLONG_MAX / 4);
			}
		} else if (c == '|' || c == '&' || c == '<' || c == '>' || c == '!') {
			static const char two[] = "|&===";
			static const enum tok pair[][2] = {
				{ T_OR, T_PIPE }, { T_AND, T_EXPREF }, { T_LTE, T_LT },
				{ T_GTE, T_GT }, { T_NE, T_NOT } };
			int w = c == '|' ? 0 : c == '&' ? 1 : c == '<' ? 2 : c == '>' ? 3 : 4;
			bool both = n == two[w];
			k += both ? 2 : 1;
			tok_add(p, pair[w][both ? 0 : 1], st, e + st, k - st);
		} else if (c == '=') {
			if (n != '=') {
				fail_lex(p, st, "Unknown token '='");
				break;
			}
			k += 2;
			tok_add(p, T_EQ, st, e + st, 2);
		} else {
			char msg[40];
			size_t w = 1;    /* the whole UTF-8 character */
			while (st + w < p->len && w < 4 &&
			       ((unsigned char)e[st + w] & 0xc0) == 0x80)
				w++;
			snprintf(msg, sizeof(msg), "Unknown token %.*s", (int)w, e + st);
			fail_lex(p, st, msg);
		}
	}
	if (!p->failed)
		tok_add(p, T_EOF, p->len, "", 0);
	/* two tokens of lookahead past the end read eof */
	if (!p->failed && tok_add(p, T_EOF, p->len, "", 0))
		tok_add(p, T_EOF, p->len, "", 0);
	return p->failed ? -1 : 0;
}

