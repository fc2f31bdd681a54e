/* policy_parse: validating a policy document and compiling it (the grammar
 * of AWS's "IAM JSON policy elements" pages). Every error names the policy,
 * the JSON path and line:column. */
#include "policy/policy_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arn/arn.h"
#include "util/arena.h"

void policy_pathf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, n, fmt, ap);
	va_end(ap);
}

static size_t put(char *buf, size_t n, size_t at, const char *s, size_t len)
{
	if (at >= n)
		return at;
	if (len > n - 1 - at)
		len = n - 1 - at;
	memcpy(buf + at, s, len);
	buf[at + len] = '\0';
	return at + len;
}

void policy_path_key(char *buf, size_t n, const char *base, const char *key)
{
	size_t at = 0;

	if (base != buf)
		at = put(buf, n, 0, base, strlen(base));
	else
		at = strlen(buf);
	if (key) {
		at = put(buf, n, at, ".", 1);
		put(buf, n, at, key, strlen(key));
	}
}

void policy_path_idx(char *buf, size_t n, const char *base, unsigned idx)
{
	char num[16];
	size_t at, k = sizeof(num);

	at = base != buf ? put(buf, n, 0, base, strlen(base)) : strlen(buf);
	num[--k] = ']';
	do {
		num[--k] = (char)('0' + idx % 10);
		idx /= 10;
	} while (idx);
	num[--k] = '[';
	put(buf, n, at, num + k, sizeof(num) - k);
}

int policy_perr(struct pctx *c, unsigned line, unsigned col, const char *path,
		const char *fmt, ...)
{
	char msg[200], full[160];
	va_list ap;

	if (c->failed || !c->err)
		goto out;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->path_idx >= 0 && path) {
		policy_path_idx(full, sizeof(full), path, (unsigned)c->path_idx);
		path = full;
	}
	c->err->code = "MalformedPolicyDocument";
	c->err->line = line;
	c->err->col = col;
	policy_pathf(c->err->path, sizeof(c->err->path), "%s", path ? path : "");
	if (line)
		policy_pathf(c->err->message, sizeof(c->err->message),
			 "policy %s: %s%s(line %u, column %u): %s",
			 c->name, path && *path ? path : "",
			 path && *path ? " " : "", line, col, msg);
	else
		policy_pathf(c->err->message, sizeof(c->err->message),
			     "policy %s: %s", c->name, msg);
out:
	c->failed = true;
	return -EINVAL;
}

bool policy_key_is(const struct jv *v, const char *k)
{
	return v->klen == strlen(k) && memcmp(v->key, k, v->klen) == 0;
}

const char *policy_jv_type_name(enum jv_type t)
{
	static const char *const names[] = { "null", "boolean", "number",
					     "string", "array", "object" };
	return names[t];
}

/* Reports the first duplicated member of an object. */
int policy_check_dups(struct pctx *c, const struct jv *obj, const char *path)
{
	for (const struct jv *m = obj->child; m; m = m->next)
		for (const struct jv *o = obj->child; o != m; o = o->next)
			if (o->klen == m->klen &&
			    memcmp(o->key, m->key, m->klen) == 0)
				return policy_perr(c, m->kline, m->kcol, path,
					    "duplicate element \"%s\"", m->key);
	return 0;
}

/* ---- patterns ---- */

static int add_part(struct arena *a, struct ppart **parts, uint16_t *n,
		    uint16_t *cap, struct ppart part)
{
	if (*n == *cap) {
		uint16_t ncap = *cap ? (uint16_t)(*cap * 2) : 4;
		struct ppart *np = arena_alloc(a, ncap * sizeof(*np));
		if (!np)
			return -ENOMEM;
		if (*n)
			memcpy(np, *parts, *n * sizeof(*np));
		*parts = np;
		*cap = ncap;
	}
	(*parts)[(*n)++] = part;
	return 0;
}

static size_t compile_piece(const char *s, size_t n, enum pat_mode mode,
			    unsigned seg, char *out)
{
	switch (mode) {
	case PAT_LITERAL:
		return arn_glob_literal(s, n, out);
	case PAT_ARN:
		return arn_glob_compile(s, n, ARN_GLOB_ARN, seg, out);
	case PAT_LOWER:
		for (size_t i = 0; i < n; i++)
			out[i] = (char)tolower((unsigned char)s[i]);
		return arn_glob_compile(out, n, ARN_GLOB_PLAIN, 0, out);
	case PAT_PLAIN:
	default:
		return arn_glob_compile(s, n, ARN_GLOB_PLAIN, 0, out);
	}
}

static unsigned count_colons(const char *s, size_t n)
{
	unsigned k = 0;
	for (size_t i = 0; i < n; i++)
		k += s[i] == ':';
	return k;
}

/* Parses "${name}" or "${name, 'default'}" at s (s[0..1] == "${").
 * Returns the length consumed, 0 when it is not a variable. */
static size_t parse_var(const char *s, size_t n, struct ppart *v)
{
	const char *end = memchr(s, '}', n);
	const char *name = s + 2, *nend, *comma;

	if (!end)
		return 0;
	comma = memchr(name, ',', (size_t)(end - name));
	nend = comma ? comma : end;
	while (name < nend && *name == ' ')
		name++;
	while (nend > name && nend[-1] == ' ')
		nend--;
	if (nend == name)
		return 0;
	memset(v, 0, sizeof(*v));
	v->kind = PP_VAR;
	v->s.p = name;
	v->s.n = (uint32_t)(nend - name);
	if (comma) {
		const char *d = comma + 1, *dend = end;
		while (d < dend && *d == ' ')
			d++;
		while (dend > d && dend[-1] == ' ')
			dend--;
		if (dend - d < 2 || *d != '\'' || dend[-1] != '\'')
			return 0;
		v->def.p = d + 1;
		v->def.n = (uint32_t)(dend - d - 2);
		v->has_def = true;
	}
	return (size_t)(end - s) + 1;
}

/* A pattern without variables in one pass: what compile_piece() makes of
 * it (first segment 0), the marker check and the fast kind. Returns 1 when
 * the text holds a variable after all (`vars` and "${"): the caller takes
 * the general path. */
static int pat_compile_flat(struct arena *a, const char *s, size_t n,
			    enum pat_mode mode, bool vars, struct ppat *ret)
{
	struct ppat pat = { 0 };
	size_t first_wild = n;
	unsigned seg = 0;
	char *out = arena_alloc(a, n + 1);

	if (!out)
		return -ENOMEM;
	/* 1: a byte the loop below looks at; the rest are copied (and in
	 * PAT_LOWER, A-Z lower-cased). */
	static const unsigned char special[256] = {
		[ARN_GLOB_STAR] = 1, [ARN_GLOB_SEGSTAR] = 1, [ARN_GLOB_QMARK] = 1,
		['$'] = 1, ['*'] = 1, ['?'] = 1, [':'] = 1,
	};

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		char o = (char)ch;
		if (!special[ch]) {
			if (mode == PAT_LOWER)
				o = (char)(ch + ((unsigned)(ch - 'A') < 26u) * 32);
			out[i] = o;
			continue;
		}
		if (ch == ARN_GLOB_STAR || ch == ARN_GLOB_SEGSTAR ||
		    ch == ARN_GLOB_QMARK)
			return -EINVAL;
		if (ch == '$' && vars && i + 1 < n && s[i + 1] == '{')
			return 1;
		if (mode == PAT_LITERAL) {
			out[i] = o;
			continue;
		}
		if (ch == '*') {
			bool end = i + 1 == n || s[i + 1] == ':';
			o = (mode == PAT_ARN && seg < 5 && !end) ?
			    ARN_GLOB_SEGSTAR : ARN_GLOB_STAR;
		} else if (ch == '?') {
			o = ARN_GLOB_QMARK;
		} else if (ch == ':') {
			seg++;
		}
		if (o != (char)ch && first_wild == n)
			first_wild = i;
		out[i] = o;
	}
	pat.c.p = out;
	pat.c.n = (uint32_t)n;
	pat.any = n == 1 && out[0] == ARN_GLOB_STAR;
	pat.stars = arn_glob_is_stars(out, n);
	if (first_wild == n)
		pat.kind = PK_EXACT;
	else if (first_wild == n - 1 && out[n - 1] == ARN_GLOB_STAR)
		pat.kind = PK_PREFIX;
	else if (!memchr(out, ARN_GLOB_SEGSTAR, n))
		pat.kind = PK_FLAT;
	*ret = pat;
	return 0;
}

int policy_pat_compile(struct arena *a, const char *s, size_t n,
		       enum pat_mode mode, bool vars, struct ppat *ret)
{
	struct ppat pat = { 0 };
	uint16_t cap = 0;
	size_t i = 0, lit = 0;
	unsigned seg = 0;
	char *out;
	int r;

	r = pat_compile_flat(a, s, n, mode, vars, ret);
	if (r <= 0)
		return r;
	if (arn_glob_has_marker(s, n))
		return -EINVAL;
	/* Literal text and variables, in order. */
	while (i <= n) {
		struct ppart v;
		size_t used = 0;
		if (i < n && i + 1 < n && s[i] == '$' && s[i + 1] == '{')
			used = parse_var(s + i, n - i, &v);
		if (i < n && !used) {
			i++;
			continue;
		}
		if (i > lit) {
			struct ppart lp = { .kind = PP_LIT };
			out = arena_alloc(a, i - lit + 1);
			if (!out)
				return -ENOMEM;
			lp.s.p = out;
			lp.s.n = (uint32_t)compile_piece(s + lit, i - lit, mode,
							 seg, out);
			seg += count_colons(s + lit, i - lit);
			r = add_part(a, &pat.parts, &pat.n_parts, &cap, lp);
			if (r < 0)
				return r;
		}
		if (i == n)
			break;
		if (v.s.n == 1 && strchr("*?$", v.s.p[0])) {
			/* ${*}, ${?}, ${$}: the character itself. */
			struct ppart lp = { .kind = PP_LIT };
			out = arena_alloc(a, 2);
			if (!out)
				return -ENOMEM;
			out[0] = v.s.p[0];
			lp.s.p = out;
			lp.s.n = 1;
			r = add_part(a, &pat.parts, &pat.n_parts, &cap, lp);
		} else {
			out = arena_alloc(a, v.s.n + 1);
			if (!out)
				return -ENOMEM;
			for (uint32_t k = 0; k < v.s.n; k++)
				out[k] = (char)tolower((unsigned char)v.s.p[k]);
			v.s.p = out;
			if (v.has_def) {
				out = arena_strndup(a, v.def.p, v.def.n);
				if (!out)
					return -ENOMEM;
				v.def.p = out;
			}
			r = add_part(a, &pat.parts, &pat.n_parts, &cap, v);
		}
		if (r < 0)
			return r;
		i += used;
		lit = i;
	}
	pat.stars = true;
	for (uint16_t k = 0; k < pat.n_parts; k++)
		if (pat.parts[k].kind == PP_LIT &&
		    !arn_glob_is_stars(pat.parts[k].s.p, pat.parts[k].s.n))
			pat.stars = false;
	*ret = pat;
	return 0;
}

/* ---- error paths, built only for an error ---- */

/* A JSON path as a chain: the element `key` inside `up` (the root's key
 * is the whole base path). */
struct ppath {
	const struct ppath *up;
	const char *key;
};

/* What policy_path_key() would have made of the chain, level by level. */
static void path_render(const struct ppath *pp, char *buf, size_t n)
{
	size_t at;

	if (!pp->up) {
		put(buf, n, 0, pp->key, strlen(pp->key));
		return;
	}
	path_render(pp->up, buf, n);
	at = strlen(buf);
	at = put(buf, n, at, ".", 1);
	put(buf, n, at, pp->key, strlen(pp->key));
}

static int perr(struct pctx *c, unsigned line, unsigned col,
		const struct ppath *pp, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static int perr(struct pctx *c, unsigned line, unsigned col,
		const struct ppath *pp, const char *fmt, ...)
{
	char path[160], msg[200];
	va_list ap;

	if (c->failed || !c->err)
		return policy_perr(c, line, col, NULL, "%s", "");
	path[0] = '\0';
	path_render(pp, path, sizeof(path));
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return policy_perr(c, line, col, path, "%s", msg);
}

static int check_dups(struct pctx *c, const struct jv *obj,
		      const struct ppath *pp)
{
	for (const struct jv *m = obj->child; m; m = m->next)
		for (const struct jv *o = obj->child; o != m; o = o->next)
			if (o->klen == m->klen &&
			    memcmp(o->key, m->key, m->klen) == 0)
				return perr(c, m->kline, m->kcol, pp,
					    "duplicate element \"%s\"", m->key);
	return 0;
}

/* ---- elements ---- */

/* Calls fn on each string of a string-or-array-of-strings element. */
typedef int (*str_fn)(struct pctx *c, const struct jv *v, const struct ppath *path,
		      void *arg);

static int each_string(struct pctx *c, const struct jv *v, const struct ppath *path,
		       str_fn fn, void *arg)
{
	size_t k = 0;
	int r;

	if (v->type == JV_STR)
		return fn(c, v, path, arg);
	if (v->type != JV_ARR)
		return perr(c, v->line, v->col, path,
			    "expected a string or an array of strings, not %s",
			    policy_jv_type_name(v->type));
	if (v->n == 0)
		return perr(c, v->line, v->col, path, "empty list");
	for (const struct jv *e = v->child; e; e = e->next, k++) {
		/* The element's path is only built for an error. */
		c->path_idx = (long)k;
		if (e->type != JV_STR)
			return perr(c, e->line, e->col, path,
				    "expected a string, not %s",
				    policy_jv_type_name(e->type));
		r = fn(c, e, path, arg);
		if (r < 0)
			return r;
	}
	c->path_idx = -1;
	return 0;
}

static size_t list_len(const struct jv *v)
{
	return v->type == JV_ARR ? v->n : 1;
}

static bool action_valid(const char *s, size_t n)
{
	const char *colon;

	if (n == 1 && s[0] == '*')
		return true;
	colon = memchr(s, ':', n);
	if (!colon || colon == s || colon == s + n - 1)
		return false;
	for (const char *q = s; q < colon; q++)
		if (!isalnum((unsigned char)*q) && *q != '-' && *q != '*' &&
		    *q != '?')
			return false;
	for (const char *q = colon + 1; q < s + n; q++)
		if ((unsigned char)*q <= ' ' || *q == ':')
			return false;
	return true;
}

static int do_action(struct pctx *c, const struct jv *v, const struct ppath *path,
		     void *arg)
{
	struct pstmt *st = arg;
	int r;

	if (!action_valid(v->s, v->n))
		return perr(c, v->line, v->col, path,
			    "invalid action \"%s\": expected \"service:Action\" or \"*\"",
			    v->s);
	r = policy_pat_compile(c->a, v->s, v->n, PAT_LOWER, false,
			       &st->actions[st->n_actions]);
	if (r < 0)
		return r == -ENOMEM ? r : perr(c, v->line, v->col, path,
						 "invalid character in action");
	st->n_actions++;
	return 0;
}

static int do_resource(struct pctx *c, const struct jv *v, const struct ppath *path,
		       void *arg)
{
	struct pstmt *st = arg;
	int r;

	if (!(v->n == 1 && v->s[0] == '*') && !arn_is_valid(v->s, v->n))
		return perr(c, v->line, v->col, path,
			    "invalid resource \"%s\": expected an ARN or \"*\"",
			    v->s);
	r = policy_pat_compile(c->a, v->s, v->n, PAT_ARN, c->p->v2012,
			       &st->resources[st->n_resources]);
	if (r < 0)
		return r == -ENOMEM ? r : perr(c, v->line, v->col, path,
						 "invalid character in resource");
	st->n_resources++;
	return 0;
}

static bool all_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Classifies an "AWS" principal value. */
static int aws_principal(const char *s, size_t n, struct pprin *pr)
{
	struct arn arn;
	const char *res;
	size_t rn;

	pr->value.p = s;
	pr->value.n = (uint32_t)n;
	if (n == 1 && s[0] == '*') {
		pr->kind = PR_STAR;
		return 0;
	}
	if (n == 12 && all_digits(s, n)) {
		pr->kind = PR_ACCOUNT;
		pr->account = pr->value;
		return 0;
	}
	if (n >= 4 && (memcmp(s, "AIDA", 4) == 0 || memcmp(s, "AROA", 4) == 0)) {
		pr->kind = PR_AWS_OTHER;
		return 0;
	}
	if (arn_parse(s, n, &arn) < 0 || memchr(s, '*', n) || memchr(s, '?', n))
		return -EINVAL;
	if (arn.account.n != 12 || !all_digits(arn.account.p, arn.account.n))
		return -EINVAL;
	pr->account.p = arn.account.p;
	pr->account.n = (uint32_t)arn.account.n;
	res = arn.resource.p;
	rn = arn.resource.n;
#define SVC_IS(x) (arn.service.n == strlen(x) && memcmp(arn.service.p, x, arn.service.n) == 0)
#define RES_PREFIX(x) (rn > strlen(x) && memcmp(res, x, strlen(x)) == 0)
	if (SVC_IS("iam") && rn == 4 && memcmp(res, "root", 4) == 0) {
		pr->kind = PR_ACCOUNT;
	} else if (SVC_IS("iam") && RES_PREFIX("user/")) {
		pr->kind = PR_USER;
	} else if (SVC_IS("iam") && RES_PREFIX("role/")) {
		const char *slash = res + rn;
		while (slash[-1] != '/')
			slash--;
		pr->kind = PR_ROLE;
		pr->name.p = slash;
		pr->name.n = (uint32_t)(res + rn - slash);
		if (!pr->name.n)
			return -EINVAL;
	} else if (SVC_IS("sts") && RES_PREFIX("assumed-role/")) {
		pr->kind = PR_SESSION;
	} else if ((SVC_IS("sts") || SVC_IS("iam")) && RES_PREFIX("federated-user/")) {
		pr->kind = PR_FEDUSER;
	} else {
		return -EINVAL;
	}
#undef SVC_IS
#undef RES_PREFIX
	return 0;
}

struct prin_arg {
	struct pstmt *st;
	enum princ_kind kind;
};

static int do_principal(struct pctx *c, const struct jv *v, const struct ppath *path,
			void *arg)
{
	struct prin_arg *pa = arg;
	struct pprin *pr = &pa->st->principals[pa->st->n_principals];

	memset(pr, 0, sizeof(*pr));
	if (pa->kind == PR_AWS_OTHER) {
		if (aws_principal(v->s, v->n, pr) < 0)
			return perr(c, v->line, v->col, path,
				    "invalid principal \"%s\"", v->s);
	} else {
		if (v->n == 0)
			return perr(c, v->line, v->col, path, "empty principal");
		pr->kind = (v->n == 1 && v->s[0] == '*') ? PR_STAR : pa->kind;
		pr->value.p = v->s;
		pr->value.n = (uint32_t)v->n;
	}
	pa->st->n_principals++;
	return 0;
}

static int parse_principal(struct pctx *c, const struct jv *v,
			   const struct ppath *path, struct pstmt *st)
{
	static const struct { const char *k; enum princ_kind kind; } kinds[] = {
		{ "AWS", PR_AWS_OTHER }, { "Service", PR_SERVICE },
		{ "Federated", PR_FEDERATED }, { "CanonicalUser", PR_CANONICAL },
	};
	size_t total = 0;
	int r;

	if (v->type == JV_STR) {
		if (!(v->n == 1 && v->s[0] == '*'))
			return perr(c, v->line, v->col, path,
				    "a principal given as a string must be \"*\"");
		st->principals = arena_zalloc(c->a, sizeof(*st->principals));
		if (!st->principals)
			return -ENOMEM;
		st->principals[0].kind = PR_STAR;
		st->n_principals = 1;
		return 0;
	}
	if (v->type != JV_OBJ)
		return perr(c, v->line, v->col, path,
			    "expected \"*\" or an object, not %s",
			    policy_jv_type_name(v->type));
	if ((r = check_dups(c, v, path)) < 0)
		return r;
	if (v->n == 0)
		return perr(c, v->line, v->col, path, "empty principal");
	for (const struct jv *m = v->child; m; m = m->next)
		total += list_len(m);
	st->principals = arena_zalloc(c->a, total * sizeof(*st->principals));
	if (!st->principals)
		return -ENOMEM;
	for (const struct jv *m = v->child; m; m = m->next) {
		size_t k;
		for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
			if (policy_key_is(m, kinds[k].k))
				break;
		struct ppath p2 = { path, m->key };
		if (k == sizeof(kinds) / sizeof(kinds[0]))
			return perr(c, m->kline, m->kcol, &p2,
				    "unknown principal type \"%s\"", m->key);
		struct prin_arg pa = { st, kinds[k].kind };
		r = each_string(c, m, &p2, do_principal, &pa);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- Condition ---- */

static int cond_value_text(struct pctx *c, const struct jv *v,
			   const struct ppath *path, const char **s, size_t *n)
{
	switch (v->type) {
	case JV_STR:
	case JV_NUM:
		*s = v->s;
		*n = v->n;
		return 0;
	case JV_BOOL:
		*s = v->b ? "true" : "false";
		*n = strlen(*s);
		return 0;
	default:
		return perr(c, v->line, v->col, path,
			    "a condition value must be a string, number or boolean, not %s",
			    policy_jv_type_name(v->type));
	}
}

static int parse_cond_key(struct pctx *c, const struct jv *op_m,
			  const struct jv *key_m, const struct ppath *path,
			  struct pcond *pc)
{
	const struct jv *e;
	uint32_t k = 0;
	char *lk;
	int r;

	if (key_m->klen == 0)
		return perr(c, key_m->kline, key_m->kcol, path,
			    "empty condition key");
	lk = arena_alloc(c->a, key_m->klen + 1);
	if (!lk)
		return -ENOMEM;
	for (size_t i = 0; i < key_m->klen; i++)
		lk[i] = (char)tolower((unsigned char)key_m->key[i]);
	lk[key_m->klen] = '\0';
	pc->key.p = lk;
	pc->key.n = (uint32_t)key_m->klen;
	pc->line = key_m->kline;
	pc->col = key_m->kcol;
	if (key_m->type == JV_ARR && key_m->n == 0)
		return perr(c, key_m->line, key_m->col, path,
			    "empty list of condition values");
	pc->n_vals = (uint32_t)list_len(key_m);
	pc->vals = arena_zalloc(c->a, pc->n_vals * sizeof(*pc->vals));
	if (!pc->vals)
		return -ENOMEM;
	e = key_m->type == JV_ARR ? key_m->child : key_m;
	for (; e; e = key_m->type == JV_ARR ? e->next : NULL, k++) {
		const char *s = NULL, *why = "invalid value";
		size_t n = 0;
		c->path_idx = key_m->type == JV_ARR ? (long)k : -1;
		r = cond_value_text(c, e, path, &s, &n);
		if (r < 0)
			return r;
		r = policy_cond_value_parse(c->a, pc->op, c->p->v2012, s, n,
					    &pc->vals[k], &why);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			return perr(c, e->line, e->col, path,
				    "%.*s cannot read \"%s\": %s",
				    (int)op_m->klen, op_m->key, s, why);
	}
	c->path_idx = -1;
	return 0;
}

static int parse_condition(struct pctx *c, const struct jv *v,
			   const struct ppath *path, struct pstmt *st)
{
	size_t total = 0;
	int r;

	if (v->type != JV_OBJ)
		return perr(c, v->line, v->col, path,
			    "expected an object, not %s", policy_jv_type_name(v->type));
	if ((r = check_dups(c, v, path)) < 0)
		return r;
	for (const struct jv *m = v->child; m; m = m->next) {
		struct ppath p2 = { path, m->key };
		if (m->type != JV_OBJ)
			return perr(c, m->line, m->col, &p2,
				    "expected an object of condition keys, not %s",
				    policy_jv_type_name(m->type));
		if (m->n == 0)
			return perr(c, m->line, m->col, &p2,
				    "empty condition block");
		if ((r = check_dups(c, m, &p2)) < 0)
			return r;
		total += m->n;
	}
	st->conds = arena_zalloc(c->a, (total ? total : 1) * sizeof(*st->conds));
	if (!st->conds)
		return -ENOMEM;
	for (const struct jv *m = v->child; m; m = m->next) {
		enum cond_op op;
		enum cond_qual qual;
		bool ife;
		struct ppath p2 = { path, m->key };
		if (policy_cond_op_lookup(m->key, m->klen, &op, &qual, &ife) < 0)
			return perr(c, m->kline, m->kcol, &p2,
				    "unknown condition operator \"%s\"", m->key);
		/* Keys within one operator block: case-insensitive duplicates. */
		for (const struct jv *k = m->child; k; k = k->next) {
			for (const struct jv *o = m->child; o != k; o = o->next)
				if (o->klen == k->klen &&
				    strncasecmp(o->key, k->key, k->klen) == 0)
					return perr(c, k->kline, k->kcol, &p2,
						    "duplicate condition key \"%s\"",
						    k->key);
			struct pcond *pc = &st->conds[st->n_conds];
			pc->op = op;
			pc->qual = qual;
			pc->if_exists = ife;
			struct ppath p3 = { &p2, k->key };
			r = parse_cond_key(c, m, k, &p3, pc);
			if (r < 0)
				return r;
			st->n_conds++;
		}
	}
	return 0;
}

/* ---- Statement ---- */

static const char *const stmt_keys[] = {
	"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
	"Resource", "NotResource", "Condition",
};
enum { K_SID, K_EFFECT, K_PRINCIPAL, K_NOTPRINCIPAL, K_ACTION, K_NOTACTION,
       K_RESOURCE, K_NOTRESOURCE, K_CONDITION, K_COUNT };

int policy_stmt_parse(struct pctx *c, const struct jv *v,
			   const char *spath, uint32_t index, struct pstmt *st)
{
	const struct jv *el[K_COUNT] = { 0 };
	const struct ppath *path = &(const struct ppath){ NULL, spath };
	enum policy_type t = c->p->type;
	bool needs_principal = t == POLICY_RESOURCE || t == POLICY_TRUST;
	int r;

	if (v->type != JV_OBJ)
		return perr(c, v->line, v->col, path,
			    "a statement must be an object, not %s",
			    policy_jv_type_name(v->type));
	if ((r = check_dups(c, v, path)) < 0)
		return r;
	st->index = index;
	st->line = v->line;
	st->col = v->col;
	for (const struct jv *m = v->child; m; m = m->next) {
		int k;
		for (k = 0; k < K_COUNT; k++)
			if (policy_key_is(m, stmt_keys[k]))
				break;
		if (k == K_COUNT)
			return perr(c, m->kline, m->kcol, path,
				    "unknown element \"%s\" in statement",
				    m->key);
		el[k] = m;
	}
#define PATH(k) (&(const struct ppath){ path, stmt_keys[k] })
	if (el[K_SID]) {
		if (el[K_SID]->type != JV_STR)
			return perr(c, el[K_SID]->line, el[K_SID]->col, PATH(K_SID),
				    "Sid must be a string");
		st->sid = el[K_SID]->s;
	}
	if (!el[K_EFFECT])
		return perr(c, v->line, v->col, path,
			    "statement is missing required element \"Effect\"");
	if (el[K_EFFECT]->type != JV_STR ||
	    (strcmp(el[K_EFFECT]->s, "Allow") && strcmp(el[K_EFFECT]->s, "Deny")))
		return perr(c, el[K_EFFECT]->line, el[K_EFFECT]->col,
			    PATH(K_EFFECT), "Effect must be \"Allow\" or \"Deny\"");
	st->deny = el[K_EFFECT]->s[0] == 'D';

	/* Action / NotAction */
	if (el[K_ACTION] && el[K_NOTACTION])
		return perr(c, el[K_NOTACTION]->kline, el[K_NOTACTION]->kcol,
			    PATH(K_NOTACTION),
			    "a statement cannot have both Action and NotAction");
	if (!el[K_ACTION] && !el[K_NOTACTION])
		return perr(c, v->line, v->col, path,
			    "statement is missing required element \"Action\" or \"NotAction\"");
	{
		int k = el[K_ACTION] ? K_ACTION : K_NOTACTION;
		const struct jv *a = el[k];
		st->not_action = k == K_NOTACTION;
		st->actions = arena_zalloc(c->a, list_len(a) * sizeof(*st->actions));
		if (!st->actions)
			return -ENOMEM;
		if ((r = each_string(c, a, PATH(k), do_action, st)) < 0)
			return r;
	}

	/* Resource / NotResource */
	if (el[K_RESOURCE] && el[K_NOTRESOURCE])
		return perr(c, el[K_NOTRESOURCE]->kline, el[K_NOTRESOURCE]->kcol,
			    PATH(K_NOTRESOURCE),
			    "a statement cannot have both Resource and NotResource");
	if (el[K_RESOURCE] || el[K_NOTRESOURCE]) {
		int k = el[K_RESOURCE] ? K_RESOURCE : K_NOTRESOURCE;
		const struct jv *rs = el[k];
		if (t == POLICY_TRUST)
			return perr(c, rs->kline, rs->kcol, PATH(k),
				    "a trust policy cannot have %s", stmt_keys[k]);
		st->has_resource = true;
		st->not_resource = k == K_NOTRESOURCE;
		st->resources = arena_zalloc(c->a,
					     list_len(rs) * sizeof(*st->resources));
		if (!st->resources)
			return -ENOMEM;
		if ((r = each_string(c, rs, PATH(k), do_resource, st)) < 0)
			return r;
	} else if (t != POLICY_TRUST && t != POLICY_RESOURCE) {
		return perr(c, v->line, v->col, path,
			    "statement is missing required element \"Resource\" or \"NotResource\"");
	}

	/* Principal / NotPrincipal */
	if (el[K_PRINCIPAL] && el[K_NOTPRINCIPAL])
		return perr(c, el[K_NOTPRINCIPAL]->kline, el[K_NOTPRINCIPAL]->kcol,
			    PATH(K_NOTPRINCIPAL),
			    "a statement cannot have both Principal and NotPrincipal");
	if (el[K_PRINCIPAL] || el[K_NOTPRINCIPAL]) {
		int k = el[K_PRINCIPAL] ? K_PRINCIPAL : K_NOTPRINCIPAL;
		if (!needs_principal)
			return perr(c, el[k]->kline, el[k]->kcol, PATH(k),
				    "%s is not allowed in %s policy",
				    stmt_keys[k],
				    t == POLICY_IDENTITY ? "an identity-based" :
				    t == POLICY_BOUNDARY ? "a permissions boundary" :
				    "a session");
		st->has_principal = true;
		st->not_principal = k == K_NOTPRINCIPAL;
		if ((r = parse_principal(c, el[k], PATH(k), st)) < 0)
			return r;
	} else if (needs_principal) {
		return perr(c, v->line, v->col, path,
			    "statement is missing required element \"Principal\"");
	}

	if (el[K_CONDITION] &&
	    (r = parse_condition(c, el[K_CONDITION], PATH(K_CONDITION), st)) < 0)
		return r;
#undef PATH
	return 0;
}
