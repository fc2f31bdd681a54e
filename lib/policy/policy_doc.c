/* policy_doc: the policy document as a whole: size limits, the top-level
 * elements (Version, Id, Statement), the action index, and the public
 * accessors. */
#include "policy/policy_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arn/arn.h"
#include "util/arena.h"

static const char *const type_names[] = {
	[POLICY_IDENTITY] = "identity", [POLICY_RESOURCE] = "resource",
	[POLICY_TRUST] = "trust", [POLICY_BOUNDARY] = "boundary",
	[POLICY_SESSION] = "session",
};

const char *policy_type_name(enum policy_type t)
{
	return (unsigned)t < 5 ? type_names[t] : "unknown";
}

int policy_type_from_name(const char *s, enum policy_type *ret)
{
	for (unsigned i = 0; i < 5; i++)
		if (strcasecmp(s, type_names[i]) == 0) {
			*ret = (enum policy_type)i;
			return 0;
		}
	return -EINVAL;
}

const char *policy_decision_name(enum policy_decision d)
{
	switch (d) {
	case POLICY_ALLOW: return "Allow";
	case POLICY_EXPLICIT_DENY: return "ExplicitDeny";
	default: return "ImplicitDeny";
	}
}

const char *policy_layer_name(enum policy_layer l)
{
	switch (l) {
	case POLICY_LAYER_IDENTITY: return "identity";
	case POLICY_LAYER_RESOURCE: return "resource";
	case POLICY_LAYER_BOUNDARY: return "boundary";
	case POLICY_LAYER_SESSION: return "session";
	default: return "none";
	}
}

static size_t default_limit(enum policy_type t)
{
	switch (t) {
	case POLICY_IDENTITY:
	case POLICY_BOUNDARY: return POLICY_MAX_MANAGED;
	case POLICY_TRUST: return POLICY_MAX_TRUST;
	case POLICY_SESSION: return POLICY_MAX_SESSION;
	default: return POLICY_MAX_RESOURCE;
	}
}

/* Characters (not bytes) as AWS counts them; white space outside strings
 * is not counted for identity-based policies and boundaries. */
static size_t policy_size(const char *s, size_t n, bool skip_ws)
{
	size_t count = 0;
	bool in_str = false, esc = false;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if ((ch & 0xc0) == 0x80)
			continue;
		if (in_str) {
			if (esc)
				esc = false;
			else if (ch == '\\')
				esc = true;
			else if (ch == '"')
				in_str = false;
		} else if (ch == '"') {
			in_str = true;
		} else if (skip_ws && (ch == ' ' || ch == '\t' || ch == '\n' ||
				       ch == '\r')) {
			continue;
		}
		count++;
	}
	return count;
}

static int svc_cmp(const void *x, const void *y)
{
	const struct psvc *a = x, *b = y;
	uint32_t n = a->svc.n < b->svc.n ? a->svc.n : b->svc.n;
	int r = memcmp(a->svc.p, b->svc.p, n);
	return r ? r : (int)a->svc.n - (int)b->svc.n;
}

/* The literal service prefix of a compiled lower-cased action pattern, or
 * false when the prefix has a wildcard (or the action is "*"). */
static bool action_service(const struct ppat *a, struct pstr *svc)
{
	const char *colon = memchr(a->c.p, ':', a->c.n);

	if (!colon || arn_glob_is_wild(a->c.p, (size_t)(colon - a->c.p)))
		return false;
	svc->p = a->c.p;
	svc->n = (uint32_t)(colon - a->c.p);
	return true;
}

static int build_index(struct policy *p)
{
	struct arena *a = p->arena;
	size_t max = 0;
	struct psvc *svcs;
	struct pstr *asvc;       /* each action's service, in statement order */
	bool *always;
	uint32_t *cnt;           /* how many of asvc are each statement's */
	uint32_t n = 0, at = 0;

	for (uint32_t i = 0; i < p->n_stmts; i++)
		max += p->stmts[i].not_action ? 0 : p->stmts[i].n_actions;
	p->always = arena_alloc(a, (p->n_stmts + 1) * sizeof(uint32_t));
	svcs = arena_zalloc(a, (max + 1) * sizeof(*svcs));
	asvc = arena_alloc(a, (max + 1) * sizeof(*asvc));
	always = arena_alloc(a, p->n_stmts + 1);
	cnt = arena_zalloc(a, (p->n_stmts + 1) * sizeof(*cnt));
	if (!p->always || !svcs || !asvc || !always || !cnt)
		return -ENOMEM;
	/* Collect distinct services (those of a statement's actions before
	 * one with a wildcard service included, as they come). */
	for (uint32_t i = 0; i < p->n_stmts; i++) {
		const struct pstmt *st = &p->stmts[i];
		always[i] = st->not_action;
		for (uint32_t k = 0; !always[i] && k < st->n_actions; k++) {
			struct pstr svc;
			if (!action_service(&st->actions[k], &svc)) {
				always[i] = true;
				break;
			}
			asvc[at++] = svc;
			cnt[i]++;
			uint32_t j;
			for (j = 0; j < n; j++)
				if (svcs[j].svc.n == svc.n &&
				    memcmp(svcs[j].svc.p, svc.p, svc.n) == 0)
					break;
			if (j == n)
				svcs[n++].svc = svc;
		}
		if (always[i])
			p->always[p->n_always++] = i;
	}
	qsort(svcs, n, sizeof(*svcs), svc_cmp);
	for (uint32_t j = 0; j < n; j++) {
		svcs[j].key = policy_svc_key(svcs[j].svc.p, svcs[j].svc.n);
		svcs[j].stmts = arena_alloc(a, p->n_stmts * sizeof(uint32_t));
		if (!svcs[j].stmts)
			return -ENOMEM;
	}
	/* Each statement not in "always" under each of its services, once;
	 * statement indexes come in increasing order. */
	at = 0;
	for (uint32_t i = 0; i < p->n_stmts; i++) {
		const struct pstmt *st = &p->stmts[i];
		if (always[i]) {
			at += cnt[i];
			continue;
		}
		for (uint32_t k = 0; k < st->n_actions; k++) {
			struct psvc key = { .svc = asvc[at++] };
			struct psvc *hit = bsearch(&key, svcs, n, sizeof(*svcs),
						   svc_cmp);
			if (hit && (!hit->n || hit->stmts[hit->n - 1] != i))
				hit->stmts[hit->n++] = i;
		}
	}
	p->svcs = svcs;
	p->n_svcs = n;
	return 0;
}

static int parse_top(struct pctx *c, const struct jv *root)
{
	const struct jv *version = NULL, *id = NULL, *stmts = NULL;
	struct policy *p = c->p;
	char path[160];
	int r;

	if (root->type != JV_OBJ)
		return policy_perr(c, root->line, root->col, "",
				   "a policy must be a JSON object, not %s",
				   policy_jv_type_name(root->type));
	if ((r = policy_check_dups(c, root, "")) < 0)
		return r;
	for (const struct jv *m = root->child; m; m = m->next) {
		if (policy_key_is(m, "Version"))
			version = m;
		else if (policy_key_is(m, "Id"))
			id = m;
		else if (policy_key_is(m, "Statement"))
			stmts = m;
		else
			return policy_perr(c, m->kline, m->kcol, m->key,
					   "unknown element \"%s\"", m->key);
	}
	if (version) {
		if (version->type != JV_STR ||
		    (strcmp(version->s, "2012-10-17") &&
		     strcmp(version->s, "2008-10-17")))
			return policy_perr(c, version->line, version->col,
					   "Version",
					   "Version must be \"2012-10-17\" or \"2008-10-17\"");
		p->v2012 = strcmp(version->s, "2012-10-17") == 0;
	}
	if (id && id->type != JV_STR)
		return policy_perr(c, id->line, id->col, "Id",
				   "Id must be a string");
	if (!stmts)
		return policy_perr(c, root->line, root->col, "",
				   "missing required element \"Statement\"");
	if (stmts->type != JV_OBJ && stmts->type != JV_ARR)
		return policy_perr(c, stmts->line, stmts->col, "Statement",
				   "Statement must be an object or an array, not %s",
				   policy_jv_type_name(stmts->type));
	p->n_stmts = stmts->type == JV_ARR ? (uint32_t)stmts->n : 1;
	p->stmts = arena_zalloc(c->a, (p->n_stmts + 1) * sizeof(*p->stmts));
	if (!p->stmts)
		return -ENOMEM;
	if (stmts->type == JV_OBJ)
		r = policy_stmt_parse(c, stmts, "Statement", 0, &p->stmts[0]);
	else {
		uint32_t i = 0;
		r = 0;
		for (const struct jv *s = stmts->child; s && r == 0; s = s->next, i++) {
			policy_path_idx(path, sizeof(path), "Statement", i);
			r = policy_stmt_parse(c, s, path, i, &p->stmts[i]);
		}
	}
	if (r < 0)
		return r;
	/* Statement ids must be unique within a policy. */
	for (uint32_t i = 0; i < p->n_stmts; i++)
		for (uint32_t k = 0; k < i; k++)
			if (p->stmts[i].sid && p->stmts[k].sid &&
			    *p->stmts[i].sid &&
			    strcmp(p->stmts[i].sid, p->stmts[k].sid) == 0) {
				policy_pathf(path, sizeof(path), "Statement[%u].Sid", i);
				return policy_perr(c, p->stmts[i].line,
						   p->stmts[i].col, path,
						   "duplicate Sid \"%s\"",
						   p->stmts[i].sid);
			}
	if ((r = build_index(p)) < 0)
		return r;
	return policy_warn_statements(p, stmts);
}

int policy_parse_opts(const char *json, size_t len,
		      const struct policy_parse_opts *opts,
		      struct policy **ret, struct policy_diag *reterr)
{
	struct policy *p = NULL;
	struct arena *a = NULL;
	struct pctx c = { 0 };
	struct jv *root = NULL;
	const char *name = opts->name ? opts->name : "(unnamed)";
	size_t limit = opts->max_size ? opts->max_size : default_limit(opts->type);
	size_t size;
	char emsg[128];
	unsigned el = 0, ec = 0;
	int r;

	/* Characters never outnumber bytes: count only when it matters. */
	size = len <= limit ? len :
	       policy_size(json, len, opts->type == POLICY_IDENTITY ||
					opts->type == POLICY_BOUNDARY);
	if (size > limit) {
		if (reterr) {
			memset(reterr, 0, sizeof(*reterr));
			reterr->code = "LimitExceeded";
			snprintf(reterr->message, sizeof(reterr->message),
				 "policy %s: %zu characters, over the limit of %zu for a %s policy",
				 name, size, limit, policy_type_name(opts->type));
		}
		return -E2BIG;
	}
	r = arena_new(len * 4 + 1024, &a);
	if (r < 0)
		return r;
	p = arena_zalloc(a, sizeof(*p));
	if (!p) {
		r = -ENOMEM;
		goto out;
	}
	p->arena = a;
	p->type = opts->type;
	p->name = arena_strdup(a, name);
	if (!p->name) {
		r = -ENOMEM;
		goto out;
	}
	c.a = a;
	c.p = p;
	c.err = reterr;
	c.name = p->name;
	c.path_idx = -1;
	r = policy_json_parse(a, json, len, &root, &el, &ec, emsg, sizeof(emsg));
	if (r == -EINVAL) {
		policy_perr(&c, el, ec, "", "invalid JSON: %s", emsg);
		goto out;
	}
	if (r < 0)
		goto out;
	r = parse_top(&c, root);
	if (r < 0)
		goto out;
	*ret = p;
	a = NULL;
out:
	arena_free(a);
	return r;
}

int policy_parse(const char *json, size_t len, enum policy_type type,
		 const char *name, struct policy **ret,
		 struct policy_diag *reterr)
{
	struct policy_parse_opts o = { .type = type, .name = name };
	return policy_parse_opts(json, len, &o, ret, reterr);
}

void policy_free(struct policy *p)
{
	if (p)
		arena_free(p->arena);
}

const char *policy_name(const struct policy *p)
{
	return p->name;
}

enum policy_type policy_get_type(const struct policy *p)
{
	return p->type;
}

size_t policy_statement_count(const struct policy *p)
{
	return p->n_stmts;
}

size_t policy_warning_count(const struct policy *p)
{
	return p->n_warnings;
}

const struct policy_diag *policy_warning(const struct policy *p, size_t i)
{
	return i < p->n_warnings ? &p->warnings[i] : NULL;
}

int policy_statement_info(const struct policy *p, size_t index,
			  struct policy_stmt_info *ret)
{
	const struct pstmt *st;

	if (index >= p->n_stmts)
		return -ENOENT;
	st = &p->stmts[index];
	ret->sid = st->sid;
	ret->index = st->index;
	ret->line = st->line;
	ret->col = st->col;
	ret->deny = st->deny;
	return 0;
}
