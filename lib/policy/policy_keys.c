/* policy_keys: the context keys a policy references, as AWS's
 * GetContextKeysForCustomPolicy lists them (condition keys, and the policy
 * variables ${key} in Resource, NotResource and condition values), and the
 * questions a simulator asks about single statements: does it name this
 * action, where does it end in the text. Works on the policy's JSON text so
 * that keys keep the case they were written with. */
#include "policy/policy_int.h"

#include <errno.h>
#include <string.h>

#include "util/arena.h"

struct kwalk {
	policy_key_fn fn;
	void *userdata;
	size_t stmt;
};

static bool jv_key_is(const struct jv *m, const char *k)
{
	size_t n = strlen(k);
	return m->key && m->klen == n && memcmp(m->key, k, n) == 0;
}

/* Reports each ${key} or ${key, 'default'} of a string value. The escapes
 * ${*}, ${?} and ${$} are not keys. */
static int vars_in(struct kwalk *w, const char *s, size_t n)
{
	for (size_t i = 0; i + 2 < n; i++) {
		if (s[i] != '$' || s[i + 1] != '{')
			continue;
		size_t b = i + 2, e = b;
		while (e < n && s[e] != '}' && s[e] != ',')
			e++;
		if (e >= n)
			return 0;
		size_t kb = b, ke = e;
		while (kb < ke && (s[kb] == ' ' || s[kb] == '\t'))
			kb++;
		while (ke > kb && (s[ke - 1] == ' ' || s[ke - 1] == '\t'))
			ke--;
		if (ke - kb == 1 && (s[kb] == '*' || s[kb] == '?' || s[kb] == '$'))
			continue;
		if (ke > kb) {
			int r = w->fn(s + kb, ke - kb, w->stmt, w->userdata);
			if (r < 0)
				return r;
		}
		i = e;
	}
	return 0;
}

/* Variables in a string or in the strings of an array. */
static int vars_in_value(struct kwalk *w, const struct jv *v)
{
	if (v->type == JV_STR)
		return vars_in(w, v->s, v->n);
	if (v->type != JV_ARR)
		return 0;
	for (const struct jv *e = v->child; e; e = e->next)
		if (e->type == JV_STR) {
			int r = vars_in(w, e->s, e->n);
			if (r < 0)
				return r;
		}
	return 0;
}

static int keys_in_stmt(struct kwalk *w, const struct jv *st)
{
	int r;

	if (st->type != JV_OBJ)
		return 0;
	for (const struct jv *m = st->child; m; m = m->next) {
		if (jv_key_is(m, "Resource") || jv_key_is(m, "NotResource")) {
			if ((r = vars_in_value(w, m)) < 0)
				return r;
			continue;
		}
		if (!jv_key_is(m, "Condition") || m->type != JV_OBJ)
			continue;
		for (const struct jv *op = m->child; op; op = op->next) {
			if (op->type != JV_OBJ)
				continue;
			for (const struct jv *k = op->child; k; k = k->next) {
				if ((r = w->fn(k->key, k->klen, w->stmt, w->userdata)) < 0)
					return r;
				if ((r = vars_in_value(w, k)) < 0)
					return r;
			}
		}
	}
	return 0;
}

int policy_keys_walk(const char *json, size_t len, policy_key_fn fn,
		     void *userdata)
{
	struct arena *a = NULL;
	struct jv *root = NULL;
	struct kwalk w = { .fn = fn, .userdata = userdata };
	unsigned el, ec;
	char emsg[128];
	int r;

	r = arena_new(len * 4 + 1024, &a);
	if (r < 0)
		return r;
	r = policy_json_parse(a, json, len, &root, &el, &ec, emsg, sizeof(emsg));
	if (r < 0)
		goto out;
	if (root->type != JV_OBJ)
		goto out;
	for (const struct jv *m = root->child; m; m = m->next) {
		if (!jv_key_is(m, "Statement"))
			continue;
		if (m->type == JV_OBJ) {
			r = keys_in_stmt(&w, m);
		} else if (m->type == JV_ARR) {
			for (const struct jv *s = m->child; s && r >= 0; s = s->next, w.stmt++)
				r = keys_in_stmt(&w, s);
		}
		break;
	}
out:
	arena_free(a);
	return r < 0 ? r : 0;
}

bool policy_statement_has_action(const struct policy *p, size_t stmt,
				 const char *action)
{
	char low[256];
	size_t n = strlen(action);
	bool hit = false;

	if (stmt >= p->n_stmts || n >= sizeof(low))
		return false;
	for (size_t i = 0; i < n; i++)
		low[i] = (action[i] >= 'A' && action[i] <= 'Z') ? (char)(action[i] + 32)
							       : action[i];
	low[n] = '\0';
	const struct pstmt *st = &p->stmts[stmt];
	for (uint32_t i = 0; i < st->n_actions && !hit; i++)
		hit = st->actions[i].any || ppat_match_c(&st->actions[i], low, n, false);
	return hit != st->not_action;
}

/* Skips a JSON string starting at s[i] == '"'; returns the index after it. */
static size_t skip_string(const char *s, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return len;
}

int policy_text_block_end(const char *json, size_t len, unsigned line,
			  unsigned col, unsigned *ret_line, unsigned *ret_col)
{
	size_t i = 0, line_start = 0;
	unsigned ln = 1;
	int depth = 0;

	/* Find the block's first byte. */
	while (i < len && ln < line) {
		if (json[i++] == '\n') {
			ln++;
			line_start = i;
		}
	}
	i = line_start + (col ? col - 1 : 0);
	if (ln != line || i >= len || (json[i] != '{' && json[i] != '['))
		return -EINVAL;
	while (i < len) {
		char ch = json[i];
		if (ch == '"') {
			size_t j = skip_string(json, len, i);
			for (size_t k = i; k < j; k++)
				if (json[k] == '\n') {   /* not valid JSON, but count it */
					ln++;
					line_start = k + 1;
				}
			i = j;
			continue;
		}
		if (ch == '\n') {
			ln++;
			line_start = i + 1;
		} else if (ch == '{' || ch == '[') {
			depth++;
		} else if (ch == '}' || ch == ']') {
			if (--depth == 0) {
				*ret_line = ln;
				*ret_col = (unsigned)(i - line_start + 1);
				return 0;
			}
		}
		i++;
	}
	return -EINVAL;
}
