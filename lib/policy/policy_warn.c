/* policy_warn: findings in the style of IAM Access Analyzer's policy
 * checks: legal policies that probably do not mean what their author
 * wanted. Allow with NotPrincipal, ForAllValues with Allow on a
 * single-valued key, Null with IfExists, redundant or shadowed statements,
 * iam:PassRole with a "*" resource. */
#include "policy/policy_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "arn/arn.h"
#include "util/arena.h"

int policy_diag_add(struct arena *a, struct policy *p, unsigned line,
		    unsigned col, const char *path, const char *fmt, ...)
{
	struct policy_diag *w;
	char msg[200];
	va_list ap;

	if (p->n_warnings % 8 == 0) {
		struct policy_diag *nw = arena_alloc(a, (p->n_warnings + 8) *
							sizeof(*nw));
		if (!nw)
			return -ENOMEM;
		if (p->n_warnings)
			memcpy(nw, p->warnings, p->n_warnings * sizeof(*nw));
		p->warnings = nw;
	}
	w = &p->warnings[p->n_warnings++];
	memset(w, 0, sizeof(*w));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	w->code = "Warning";
	w->line = line;
	w->col = col;
	snprintf(w->path, sizeof(w->path), "%s", path);
	snprintf(w->message, sizeof(w->message),
		 "policy %s: %s (line %u, column %u): %s", p->name, path, line,
		 col, msg);
	return 0;
}

/* Global condition keys that carry one value per request. */
static bool single_valued(const struct pstr *k)
{
	static const char *const keys[] = {
		"aws:currenttime", "aws:epochtime", "aws:multifactorauthage",
		"aws:multifactorauthpresent", "aws:principalaccount",
		"aws:principalarn", "aws:principalorgid", "aws:principaltype",
		"aws:principalisawsservice", "aws:referer", "aws:requestedregion",
		"aws:securetransport", "aws:sourceaccount", "aws:sourcearn",
		"aws:sourceip", "aws:sourcevpc", "aws:sourcevpce",
		"aws:tokenissuetime", "aws:useragent", "aws:userid",
		"aws:username", "aws:viaawsservice", "aws:vpcsourceip",
		"aws:resourceaccount", "aws:resourceorgid", "aws:sourceorgid",
		"aws:calledviafirst", "aws:calledvialast", "aws:sourceidentity",
		"aws:federatedprovider", "aws:ec2instancesourcevpc",
		"aws:ec2instancesourceprivateipv4",
	};
	static const char *const prefixes[] = {
		"aws:principaltag/", "aws:requesttag/", "aws:resourcetag/",
	};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i]) == k->n && memcmp(keys[i], k->p, k->n) == 0)
			return true;
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (k->n > strlen(prefixes[i]) &&
		    memcmp(prefixes[i], k->p, strlen(prefixes[i])) == 0)
			return true;
	return false;
}

static bool pat_covers(const struct ppat *a, const struct ppat *b)
{
	if (a->any)
		return true;
	if (a->n_parts || b->n_parts)
		return false;
	/* a's wildcards match b's text, b's wildcards taken as bytes: every
	 * string b matches, a matches too. */
	return arn_glob_match(a->c.p, a->c.n, b->c.p, b->c.n, false);
}

static bool list_covers(const struct ppat *a, uint32_t na,
			const struct ppat *b, uint32_t nb)
{
	for (uint32_t j = 0; j < nb; j++) {
		bool hit = false;
		for (uint32_t i = 0; i < na && !hit; i++)
			hit = pat_covers(&a[i], &b[j]);
		if (!hit)
			return false;
	}
	return true;
}

static bool principals_cover(const struct pstmt *a, const struct pstmt *b)
{
	if (!a->has_principal)
		return !b->has_principal;
	if (a->not_principal || b->not_principal || !b->has_principal)
		return false;
	for (uint32_t j = 0; j < b->n_principals; j++) {
		bool hit = false;
		for (uint32_t i = 0; i < a->n_principals && !hit; i++) {
			const struct pprin *x = &a->principals[i];
			const struct pprin *y = &b->principals[j];
			hit = x->kind == PR_STAR ||
			      (x->value.n == y->value.n &&
			       memcmp(x->value.p, y->value.p, x->value.n) == 0);
		}
		if (!hit)
			return false;
	}
	return true;
}

/* Does statement a (unconditional) make statement b useless? */
static bool shadows(const struct pstmt *a, const struct pstmt *b)
{
	if (a->deny != b->deny || a->n_conds || a->not_action ||
	    b->not_action || a->not_resource || b->not_resource)
		return false;
	if (!list_covers(a->actions, a->n_actions, b->actions, b->n_actions))
		return false;
	if (a->has_resource &&
	    (!b->has_resource ||
	     !list_covers(a->resources, a->n_resources, b->resources,
			  b->n_resources)))
		return false;
	return principals_cover(a, b);
}

static bool allows_passrole(const struct pstmt *st)
{
	static const char pr[] = "iam:passrole";
	bool hit = false;

	for (uint32_t i = 0; i < st->n_actions && !hit; i++)
		hit = arn_glob_match(st->actions[i].c.p, st->actions[i].c.n, pr,
				     sizeof(pr) - 1, false);
	return hit != st->not_action;
}

static int warn_statement(struct policy *p, uint32_t i)
{
	const struct pstmt *st = &p->stmts[i];
	struct arena *a = p->arena;
	char path[160];
	int r = 0;

	policy_path_idx(path, sizeof(path), "Statement", i);
	if (!st->deny && st->not_principal)
		r = policy_diag_add(a, p, st->line, st->col, path,
				    "Allow with NotPrincipal grants access to every principal not listed, anonymous ones included");
	for (uint32_t k = 0; r == 0 && k < st->n_conds; k++) {
		const struct pcond *c = &st->conds[k];
		if (c->op == OP_NULL && c->if_exists)
			r = policy_diag_add(a, p, c->line, c->col, path,
					    "IfExists with the Null operator means nothing: Null already tests whether \"%s\" is present",
					    c->key.p);
		else if (!st->deny && c->qual == Q_FORALL && single_valued(&c->key))
			r = policy_diag_add(a, p, c->line, c->col, path,
					    "ForAllValues with Allow on the single-valued key \"%s\" also allows requests without the key; use the operator without ForAllValues",
					    c->key.p);
	}
	if (r == 0 && !st->deny && allows_passrole(st) && st->has_resource &&
	    !st->not_resource) {
		bool star = false;
		for (uint32_t k = 0; k < st->n_resources; k++)
			star |= st->resources[k].any;
		if (star)
			r = policy_diag_add(a, p, st->line, st->col, path,
					    "iam:PassRole with Resource \"*\" lets the caller pass any role to any service; name the roles");
	}
	for (uint32_t k = 0; r == 0 && k < p->n_stmts; k++) {
		if (k == i)
			continue;
		const struct pstmt *o = &p->stmts[k];
		if (!shadows(o, st))
			continue;
		/* Two statements that cover each other: report the later. */
		if (shadows(st, o) && st->n_conds == 0 && k > i)
			continue;
		r = policy_diag_add(a, p, st->line, st->col, path,
				    "redundant statement: Statement[%u] already %s everything it covers",
				    k, o->deny ? "denies" : "allows");
		break;
	}
	return r;
}

int policy_warn_statements(struct policy *p, const struct jv *stmts_json)
{
	(void)stmts_json;
	if (p->n_stmts == 0)
		return policy_diag_add(p->arena, p, 0, 0, "Statement",
				       "the policy has no statement: it allows nothing");
	for (uint32_t i = 0; i < p->n_stmts; i++) {
		int r = warn_statement(p, i);
		if (r < 0)
			return r;
	}
	return 0;
}
