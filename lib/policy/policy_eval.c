/* policy_eval: deciding a request (AWS's "Policy evaluation logic" pages).
 * An explicit deny in any policy wins; otherwise identity-based policies,
 * the resource-based policy, the permissions boundary and the session
 * policy combine as AWS combines them within one account and across
 * accounts. Allocates nothing: every temporary lives in the caller's
 * struct policy_scratch. */
#include "policy/policy_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "arn/arn.h"

/* ---- the request context ---- */

static void clock_format(const struct evalctx *ec);

bool policy_ctx_lookup(const struct evalctx *ec, const char *key, size_t klen,
		       const char *const **values, size_t *n_values)
{
	const struct policy_request *req = ec->req;

	for (size_t i = 0; i < req->n_context; i++) {
		const char *k = req->context[i].key;
		/* the key's length, when setup() measured it, settles most
		 * keys without comparing a byte */
		if (ec->ctx_len && i < EVAL_CTX_LENS && ec->ctx_len[i] != UINT16_MAX) {
			if (ec->ctx_len[i] != klen || strncasecmp(k, key, klen) != 0)
				continue;
		} else if (strncasecmp(k, key, klen) != 0 || k[klen] != '\0') {
			continue;
		}
		*values = req->context[i].values;
		*n_values = req->context[i].n_values;
		return true;
	}
	for (unsigned i = 0; i < ec->n_derived; i++) {
		if (ec->dkey_n[i] == klen && memcmp(ec->dkey[i], key, klen) == 0) {
			if (i >= ec->clock_first && !*ec->clock_done)
				clock_format(ec);
			*values = &ec->dval[i];
			*n_values = 1;
			return true;
		}
	}
	return false;
}

/* How many of the first five ':' a compiled pattern holds. */
static unsigned count_colons5(const char *p, size_t n)
{
	unsigned k = 0;
	for (size_t i = 0; i < n && k < 5; i++)
		k += p[i] == ':';
	return k;
}

/* The ARN condition operators (ArnEquals, ArnLike and their negations):
 * AWS: "Each of the six colon-delimited components of the ARN is checked
 * separately and each can include multi-character match wildcards (*) or
 * single-character match wildcards (?)" - so no wildcard of the first five
 * components matches a ':' of the value (a `?` in place of a colon matches
 * nothing). A pattern with fewer than six components is matched as a
 * Resource pattern - a `*` ending a component may run across colons (the
 * documentation does not say) - but its `?` still matches no ':'. */
static bool arn_cond_match(const char *p, size_t pn, const char *s, size_t sn)
{
	const char *pe = p + pn, *se = s + sn;

	if (count_colons5(p, pn) < 5)
		return arn_glob_match_qseg(p, pn, s, sn);   /* every ? is in one of
							      * the first five */
	for (unsigned k = 0; k < 5; k++) {
		const char *pc = memchr(p, ':', (size_t)(pe - p));
		const char *sc = memchr(s, ':', (size_t)(se - s));
		if (!sc || !arn_glob_match(p, (size_t)(pc - p), s,
					   (size_t)(sc - s), false))
			return false;
		p = pc + 1;
		s = sc + 1;
	}
	return arn_glob_match(p, (size_t)(pe - p), s, (size_t)(se - s), false);
}

/* Expands a pattern's variables into the scratch buffer and matches. A
 * variable that is absent (and has no default) matches nothing. `arn`:
 * the ARN condition operators' component rule (arn_cond_match). */
bool policy_pat_match(const struct evalctx *ec, const struct ppat *pat,
		      const char *s, size_t n, bool icase, bool arn)
{
	char *buf = ec->sc->buf;
	size_t used = 0, cap = sizeof(ec->sc->buf);

	if (pat->any)
		return true;
	if (!pat->n_parts) {
		if (arn && pat->kind != PK_EXACT)
			return arn_cond_match(pat->c.p, pat->c.n, s, n);
		return ppat_match_c(pat, s, n, icase);
	}
	if (!ec->pol->v2012)
		return false;
	for (uint16_t i = 0; i < pat->n_parts; i++) {
		const struct ppart *pp = &pat->parts[i];
		const char *v;
		size_t vn;
		if (pp->kind == PP_LIT) {
			v = pp->s.p;
			vn = pp->s.n;
		} else {
			const char *const *vals;
			size_t nv;
			if (policy_ctx_lookup(ec, pp->s.p, pp->s.n, &vals, &nv) &&
			    nv == 1) {
				v = vals[0];
				vn = strlen(v);
				if (arn_glob_has_marker(v, vn))
					return false;
			} else if (pp->has_def) {
				v = pp->def.p;
				vn = pp->def.n;
			} else {
				return false;
			}
		}
		if (vn > cap - used)
			return false;
		memcpy(buf + used, v, vn);
		used += vn;
	}
	if (arn)
		return arn_cond_match(buf, used, s, n);
	if (pat->stars && !icase)
		return arn_glob_match_stars(buf, used, s, n);
	return arn_glob_match(buf, used, s, n, icase);
}

/* ---- the principal ---- */

static void add_derived(struct evalctx *ec, const char *k, const char *v)
{
	if (ec->n_derived < EVAL_DERIVED) {
		ec->dkey[ec->n_derived] = k;
		ec->dkey_n[ec->n_derived] = (uint8_t)strlen(k);
		ec->dval[ec->n_derived] = v;
		ec->n_derived++;
	}
}

/* Classifies the caller and derives aws:PrincipalArn, aws:PrincipalAccount,
 * aws:PrincipalType and aws:username (users), as AWS sets them. */
static int setup_principal(struct evalctx *ec)
{
	const char *p = ec->req->principal;
	struct policy_scratch *sc = ec->sc;
	size_t off = 0, cap = sizeof(sc->derived);
	struct arn arn;
	const char *type = NULL;

	ec->pr_kind = PR_AWS_OTHER;
	if (arn_parse(p, strlen(p), &arn) < 0)
		return 0;
	ec->pr_account = arn.account.p;
	ec->pr_account_n = arn.account.n;
	const char *r = arn.resource.p;
	size_t rn = arn.resource.n;
	const char *last = r + rn;
	while (last > r && last[-1] != '/')
		last--;
	if (rn == 4 && memcmp(r, "root", 4) == 0) {
		ec->pr_kind = PR_ACCOUNT;
		type = "Account";
	} else if (rn > 5 && memcmp(r, "user/", 5) == 0) {
		ec->pr_kind = PR_USER;
		type = "User";
		ec->pr_name = last;
		ec->pr_name_n = (size_t)(r + rn - last);
	} else if (rn > 5 && memcmp(r, "role/", 5) == 0) {
		ec->pr_kind = PR_ROLE;
		type = "AssumedRole";
		ec->pr_name = last;
		ec->pr_name_n = (size_t)(r + rn - last);
	} else if (rn > 13 && memcmp(r, "assumed-role/", 13) == 0) {
		const char *role = r + 13, *slash = memchr(role, '/', rn - 13);
		ec->pr_kind = PR_SESSION;
		type = "AssumedRole";
		ec->pr_name = role;
		ec->pr_name_n = slash ? (size_t)(slash - role) : rn - 13;
		if (slash) {
			ec->pr_session = slash + 1;
			ec->pr_session_n = (size_t)(r + rn - slash - 1);
		}
	} else if (rn > 15 && memcmp(r, "federated-user/", 15) == 0) {
		ec->pr_kind = PR_FEDUSER;
		type = "FederatedUser";
	}
	/* aws:PrincipalArn: for a role session, the role's ARN. */
	if (ec->pr_kind == PR_SESSION) {
		size_t need = 4 + arn.partition.n + 6 + arn.account.n + 6 +
			      ec->pr_name_n + 1;
		char *o = sc->derived;
		if (need > cap)
			return -EINVAL;
		memcpy(o, "arn:", 4);
		o += 4;
		memcpy(o, arn.partition.p, arn.partition.n);
		o += arn.partition.n;
		memcpy(o, ":iam::", 6);
		o += 6;
		memcpy(o, arn.account.p, arn.account.n);
		o += arn.account.n;
		memcpy(o, ":role/", 6);
		o += 6;
		memcpy(o, ec->pr_name, ec->pr_name_n);
		o += ec->pr_name_n;
		*o++ = '\0';
		add_derived(ec, "aws:principalarn", sc->derived);
		off = (size_t)(o - sc->derived);
	} else {
		add_derived(ec, "aws:principalarn", p);
	}
	if (arn.account.n + 1 > cap - off)
		return -EINVAL;
	memcpy(sc->derived + off, arn.account.p, arn.account.n);
	sc->derived[off + arn.account.n] = '\0';
	add_derived(ec, "aws:principalaccount", sc->derived + off);
	off += arn.account.n + 1;
	if (type)
		add_derived(ec, "aws:principaltype", type);
	if (ec->pr_kind == PR_USER) {
		if (ec->pr_name_n + 1 > cap - off)
			return -EINVAL;
		memcpy(sc->derived + off, ec->pr_name, ec->pr_name_n);
		sc->derived[off + ec->pr_name_n] = '\0';
		add_derived(ec, "aws:username", sc->derived + off);
		off += ec->pr_name_n + 1;
	} else if (ec->pr_kind == PR_ACCOUNT) {
		add_derived(ec, "aws:userid", sc->derived + off - arn.account.n - 1);
	}
	return 0;
}

/* Writes v as exactly `w` decimal digits (zero-padded) and returns the end.
 * The clock is formatted on every decision: no printf on this path. */
static char *put_digits(char *p, uint64_t v, int w)
{
	for (int i = w - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + w;
}

static void put_uint(char *p, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	*p = '\0';
}

/* aws:CurrentTime and aws:EpochTime, formatted when a policy first looks
 * one of them up (most decisions never do). */
static void setup_clock(struct evalctx *ec)
{
	char *t = (char *)ec->sc->priv, *e = t + 64;

	/* Up to the end of year 9999. */
	if (ec->req->now_ms < 0 || ec->req->now_ms > 253402300799999LL)
		return;
	ec->clock_first = ec->n_derived;
	add_derived(ec, "aws:currenttime", t);
	add_derived(ec, "aws:epochtime", e);
}

static void clock_format(const struct evalctx *ec)
{
	char *t = (char *)ec->sc->priv, *e = t + 64;
	int64_t s, days, rem;
	int64_t y, m;

	*ec->clock_done = true;
	s = ec->req->now_ms / 1000;
	days = s / 86400;
	rem = s % 86400;
	{	/* civil from days (H. Hinnant's algorithm; days >= 0 here) */
		int64_t z = days + 719468;
		int64_t era = z / 146097;
		int64_t doe = z - era * 146097;
		int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
		int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
		int64_t mp = (5 * doy + 2) / 153;
		days = doy - (153 * mp + 2) / 5;        /* day of month - 1 */
		m = mp < 10 ? mp + 2 : mp - 10;          /* month - 1 */
		y = yoe + era * 400 + (m <= 1);
	}
	{	/* YYYY-MM-DDThh:mm:ssZ */
		char *p = put_digits(t, (uint64_t)y, 4);
		*p++ = '-';
		p = put_digits(p, (uint64_t)m + 1, 2);
		*p++ = '-';
		p = put_digits(p, (uint64_t)days + 1, 2);
		*p++ = 'T';
		p = put_digits(p, (uint64_t)(rem / 3600), 2);
		*p++ = ':';
		p = put_digits(p, (uint64_t)(rem / 60 % 60), 2);
		*p++ = ':';
		p = put_digits(p, (uint64_t)(rem % 60), 2);
		*p++ = 'Z';
		*p = '\0';
	}
	put_uint(e, (uint64_t)s);
}

/* ---- statements ---- */

enum pmatch { M_NONE, M_ACCOUNT, M_STAR, M_ROLE, M_DIRECT };

static enum pmatch principal_match1(const struct evalctx *ec,
				    const struct pprin *pr)
{
	const char *p = ec->req->principal;

	switch (pr->kind) {
	case PR_STAR:
		return M_STAR;
	case PR_ACCOUNT:
		return (ec->pr_account && pr->account.n == ec->pr_account_n &&
			memcmp(pr->account.p, ec->pr_account, pr->account.n) == 0) ?
			       M_ACCOUNT : M_NONE;
	case PR_ROLE:
		if (ec->pr_kind == PR_ROLE)
			return strlen(p) == pr->value.n &&
			       memcmp(p, pr->value.p, pr->value.n) == 0 ?
				       M_DIRECT : M_NONE;
		if (ec->pr_kind != PR_SESSION)
			return M_NONE;
		return (pr->account.n == ec->pr_account_n &&
			memcmp(pr->account.p, ec->pr_account, pr->account.n) == 0 &&
			pr->name.n == ec->pr_name_n &&
			memcmp(pr->name.p, ec->pr_name, pr->name.n) == 0) ?
			       M_ROLE : M_NONE;
	default:
		return strlen(p) == pr->value.n &&
		       memcmp(p, pr->value.p, pr->value.n) == 0 ? M_DIRECT : M_NONE;
	}
}

static enum pmatch principal_match(const struct evalctx *ec,
				   const struct pstmt *st)
{
	enum pmatch best = M_NONE;

	for (uint32_t i = 0; i < st->n_principals; i++) {
		enum pmatch m = principal_match1(ec, &st->principals[i]);
		if (m > best)
			best = m;
	}
	if (st->not_principal)
		return best == M_NONE ? M_STAR : M_NONE;
	return best;
}

/* Does the statement apply to the request? *pm gets how the principal was
 * named (resource-based policies). */
static bool stmt_applies(const struct evalctx *ec, const struct pstmt *st,
			 enum pmatch *pm)
{
	bool hit = false;

	for (uint32_t i = 0; i < st->n_actions && !hit; i++)
		hit = st->actions[i].any ||
		      ppat_match_c(&st->actions[i], ec->action, ec->action_n,
				   false);
	if (hit == st->not_action)
		return false;
	if (st->has_resource) {
		hit = false;
		for (uint32_t i = 0; i < st->n_resources && !hit; i++)
			hit = policy_pat_match(ec, &st->resources[i], ec->resource,
					       ec->resource_n, false, false);
		if (hit == st->not_resource)
			return false;
	}
	*pm = M_DIRECT;
	if (st->has_principal) {
		*pm = principal_match(ec, st);
		/* AWS: a Deny with NotPrincipal in a resource-based policy
		 * always denies a principal that has a permissions boundary,
		 * whatever NotPrincipal lists. */
		if (*pm == M_NONE && st->deny && st->not_principal &&
		    ec->has_boundary)
			*pm = M_STAR;
		if (*pm == M_NONE)
			return false;
	}
	for (uint32_t i = 0; i < st->n_conds; i++)
		if (!policy_cond_eval(ec, &st->conds[i]))
			return false;
	return true;
}

/* What one layer says. */
struct verdict {
	bool allow, deny;
	enum pmatch best;      /* strongest principal match among allows */
};

struct collect {
	struct policy_match deny[POLICY_MAX_MATCHES];
	unsigned n_deny;
	struct policy_match allow[5][POLICY_MAX_MATCHES];
	unsigned n_allow[5];
};

static void note(struct policy_match *arr, unsigned *n,
		 const struct policy *p, enum policy_layer layer, uint32_t st)
{
	if (*n < POLICY_MAX_MATCHES) {
		arr[*n].policy = p;
		arr[*n].layer = layer;
		arr[*n].stmt = st;
		(*n)++;
	}
}

static void eval_stmt(struct evalctx *ec, const struct policy *p, uint32_t i,
		      enum policy_layer layer, struct verdict *v,
		      struct collect *col)
{
	const struct pstmt *st = &p->stmts[i];
	enum pmatch pm;

	/* One allow that names the caller directly is all a layer needs. */
	if (!st->deny && v->allow && v->best == M_DIRECT && !ec->req->all_matches)
		return;
	if (!stmt_applies(ec, st, &pm))
		return;
	if (st->deny) {
		v->deny = true;
		note(col->deny, &col->n_deny, p, layer, i);
	} else {
		v->allow = true;
		if (pm > v->best)
			v->best = pm;
		note(col->allow[layer], &col->n_allow[layer], p, layer, i);
	}
}

#define SVC_SCAN_MAX 16   /* up to this many services: compare the keys in turn */

static const struct psvc *find_svc(const struct policy *p, const char *svc,
				   size_t n, uint64_t key)
{
	uint32_t lo = 0, hi = p->n_svcs;

	if (key && hi <= SVC_SCAN_MAX) {
		for (uint32_t j = 0; j < hi; j++)
			if (p->svcs[j].key == key)
				return &p->svcs[j];
		return NULL;
	}

	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		const struct psvc *s = &p->svcs[mid];
		size_t m = s->svc.n < n ? s->svc.n : n, k = 0;
		int r = 0;
		/* service prefixes are a few bytes: no memcmp call */
		while (k < m && s->svc.p[k] == svc[k])
			k++;
		if (k < m)
			r = (unsigned char)s->svc.p[k] < (unsigned char)svc[k] ? -1 : 1;
		else
			r = s->svc.n < n ? -1 : s->svc.n > n ? 1 : 0;
		if (r == 0)
			return s;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void eval_policy(struct evalctx *ec, const struct policy *p,
			enum policy_layer layer, struct verdict *v,
			struct collect *col)
{
	const struct psvc *s = find_svc(p, ec->action, ec->svc_n, ec->svc_key);

	ec->pol = p;
	if (s)
		for (uint32_t k = 0; k < s->n; k++)
			eval_stmt(ec, p, s->stmts[k], layer, v, col);
	for (uint32_t k = 0; k < p->n_always; k++)
		eval_stmt(ec, p, p->always[k], layer, v, col);
}

static void result_from(struct policy_result *ret, const struct policy_match *m,
			unsigned n)
{
	ret->n_matches = 0;
	for (unsigned i = 0; i < n && ret->n_matches < POLICY_MAX_MATCHES; i++)
		ret->matches[ret->n_matches++] = m[i];
}

static int setup(struct evalctx *ec, const struct policy_request *req,
		 struct policy_scratch *sc, bool *clock_done, uint16_t *ctx_len)
{
	size_t an;

	if (!req->principal || !req->action || !req->resource)
		return -EINVAL;
	memset(ec, 0, sizeof(*ec));
	ec->req = req;
	ec->sc = sc;
	*clock_done = false;
	ec->clock_done = clock_done;
	ec->clock_first = EVAL_DERIVED;
	an = strlen(req->action);
	if (an >= sizeof(sc->action))
		return -EINVAL;
	ec->svc_n = an;
	for (size_t i = 0; i < an; i++) {
		char c = req->action[i];
		if (c == ':' && ec->svc_n == an)
			ec->svc_n = i;
		sc->action[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
	}
	sc->action[an] = '\0';
	ec->action = sc->action;
	ec->action_n = an;
	ec->svc_key = policy_svc_key(sc->action, ec->svc_n);
	for (size_t i = 0; i < req->n_context && i < EVAL_CTX_LENS; i++) {
		size_t kn = strlen(req->context[i].key);
		ctx_len[i] = kn < UINT16_MAX ? (uint16_t)kn : UINT16_MAX;
	}
	ec->ctx_len = ctx_len;
	ec->resource = req->resource;
	ec->resource_n = strlen(req->resource);
	if (setup_principal(ec) < 0)
		return -EINVAL;
	setup_clock(ec);
	return 0;
}

/* The account that owns the resource: as given, else the ARN's account
 * field, else the caller's. */
static bool is_cross_account(const struct evalctx *ec)
{
	const char *ra = ec->req->resource_account;
	size_t ran;
	struct arn arn;

	if (ra && *ra) {
		ran = strlen(ra);
	} else if (arn_parse(ec->resource, ec->resource_n, &arn) == 0 &&
		   arn.account.n > 0) {
		ra = arn.account.p;
		ran = arn.account.n;
	} else {
		return false;
	}
	if (!ec->pr_account)
		return true;
	return ran != ec->pr_account_n || memcmp(ra, ec->pr_account, ran) != 0;
}

int policy_eval(const struct policy_set *set, const struct policy_request *req,
		struct policy_scratch *scratch, struct policy_result *ret)
{
	struct evalctx ec;
	bool clock_done;
	uint16_t ctx_len[EVAL_CTX_LENS];
	struct verdict vid = { 0 }, vres = { 0 }, vb = { 0 }, vs = { 0 };
	struct collect col;
	struct policy_result r = { 0 };
	bool boundary_ok, session_ok, identity_ok;

	if (setup(&ec, req, scratch, &clock_done, ctx_len) < 0)
		return -EINVAL;
	ec.has_boundary = set->boundary != NULL;
	col.n_deny = 0;
	memset(col.n_allow, 0, sizeof(col.n_allow));
	for (size_t i = 0; i < set->n_identity; i++)
		if (set->identity[i])
			eval_policy(&ec, set->identity[i], POLICY_LAYER_IDENTITY,
				    &vid, &col);
	if (set->resource)
		eval_policy(&ec, set->resource, POLICY_LAYER_RESOURCE, &vres, &col);
	if (set->boundary)
		eval_policy(&ec, set->boundary, POLICY_LAYER_BOUNDARY, &vb, &col);
	if (set->session)
		eval_policy(&ec, set->session, POLICY_LAYER_SESSION, &vs, &col);

	r.cross_account = is_cross_account(&ec);
	if (col.n_deny) {
		r.decision = POLICY_EXPLICIT_DENY;
		result_from(&r, col.deny, col.n_deny);
		goto out;
	}
	boundary_ok = !set->boundary || vb.allow;
	session_ok = !set->session || vs.allow;
	identity_ok = vid.allow && boundary_ok && session_ok;

	if (r.cross_account) {
		if (identity_ok && vres.allow) {
			r.decision = POLICY_ALLOW;
			result_from(&r, col.allow[POLICY_LAYER_IDENTITY],
				    col.n_allow[POLICY_LAYER_IDENTITY]);
			goto out;
		}
		r.missing = !vid.allow ? POLICY_LAYER_IDENTITY :
			    !boundary_ok ? POLICY_LAYER_BOUNDARY :
			    !session_ok ? POLICY_LAYER_SESSION :
			    POLICY_LAYER_RESOURCE;
		goto out;
	}
	/* Within one account. The account root user may do anything that is
	 * not explicitly denied. */
	if (ec.pr_kind == PR_ACCOUNT) {
		r.decision = POLICY_ALLOW;
		goto out;
	}
	if (vres.allow) {
		bool grants;
		switch (vres.best) {
		case M_DIRECT:
			/* Granted to the user or the session itself: not
			 * limited by a boundary or session policy. */
			grants = true;
			break;
		case M_ROLE:
			/* Granted to the role: limited like the role's own
			 * permissions. */
			grants = boundary_ok && session_ok;
			break;
		case M_STAR:
			/* "*" (or a NotPrincipal that does not list the
			 * caller) names the caller itself. */
			grants = true;
			break;
		default:
			grants = false;
			break;
		}
		if (grants) {
			r.decision = POLICY_ALLOW;
			result_from(&r, col.allow[POLICY_LAYER_RESOURCE],
				    col.n_allow[POLICY_LAYER_RESOURCE]);
			goto out;
		}
	}
	if (identity_ok) {
		r.decision = POLICY_ALLOW;
		result_from(&r, col.allow[POLICY_LAYER_IDENTITY],
			    col.n_allow[POLICY_LAYER_IDENTITY]);
		goto out;
	}
	r.missing = !vid.allow && !vres.allow ? POLICY_LAYER_IDENTITY :
		    !boundary_ok ? POLICY_LAYER_BOUNDARY :
		    !session_ok ? POLICY_LAYER_SESSION : POLICY_LAYER_IDENTITY;
out:
	*ret = r;
	return 0;
}
