/* sts_session: temporary credentials in authorization (sts_session.h). */
#include "config.h"
#include "sts_session.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "entity.h"
#include "iamd.h"
#include "keyd.pb-c.h"
#include "ops.h"
#include "store.pb-c.h"
#include "principal.h"
#include "sd.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/isotime.h"
#include "util/name.h"

/* Stored and signed documents were validated when written. */
#define STORED_MAX (1u << 20)
#define EMPTY_POLICY "{\"Version\":\"2012-10-17\",\"Statement\":[]}"

const char *sts_isotime(struct call *c, int64_t secs)
{
	char buf[ISOTIME_MAX];
	if (isotime_format(secs, ISOTIME_Z, buf) < 0)
		return NULL;
	return arena_strdup(c->arena, buf);
}

/* ---- the cache: trust policies and session policies ---- */

/* Runs fn in c->txn, or in a read transaction of its own when the call has
 * none (OP_NO_TXN ops, a resumed call between transactions). */
static int with_txn(struct call *c, int (*fn)(struct call *, void *), void *userdata)
{
	struct store_txn *own = NULL;
	if (!c->txn) {
		int r = store_txn_begin(c->d->store, false, &own);
		if (r < 0)
			return r;
		c->txn = own;
	}
	int r = fn(c, userdata);
	if (own) {
		store_txn_abort(own);
		c->txn = NULL;
	}
	return r;
}

static struct authz_cache *cache(struct call *c)
{
	if (!c->d->authz && authz_cache_new(AUTHZ_CACHE_PRINCIPALS, &c->d->authz) < 0)
		return NULL;
	return c->d->authz;
}

int sts_role_read(struct call *c, const char *account, const char *name, Iam__Role **ret)
{
	char key[ENTITY_KEY_MAX];
	struct store_val v;
	size_t klen = entity_key(key, account, name, NULL);
	int r = klen ? store_get(c->txn, STORE_DB_ROLES, key, klen, &v) : -ENOENT;
	if (r == -ENOENT) {
		*ret = NULL;
		return 0;
	}
	if (r < 0)
		return r;
	Iam__RoleRecord *rec = iam__role_record__unpack(&c->pb, v.len, v.data);
	if (!rec || !rec->role || !rec->role->arn || !rec->role->role_id)
		return -EIO;
	*ret = rec->role;
	return 0;
}

int sts_role_trust_use(struct call *c, const char *account, const Iam__Role *role,
		       int32_t duration)
{
	const struct policy *trust = NULL;
	c->resource_policy = NULL;
	c->resource_policy_trust = true;
	if (!role)
		return 0;
	int32_t max = role->has_max_session_duration ? role->max_session_duration
							 : STS_ROLE_DEFAULT_DURATION;
	if (duration > max)
		return call_fail(c, -EINVAL, "ValidationError",
				 "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
	if (role->assume_role_policy_document) {
		int r = sts_trust_policy_get(c, account, role->role_name,
					     role->assume_role_policy_document, &trust);
		if (r < 0)
			return op_fail_store(c, r);
	}
	c->resource_policy = trust;
	return 0;
}

int sts_trust_policy_get(struct call *c, const char *account, const char *name,
			 const char *doc, const struct policy **ret)
{
	struct authz_cache *ac = cache(c);
	char key[ENTITY_KEY_MAX + 2];
	struct principal *p;
	int r;
	if (!ac)
		return -ENOMEM;
	key[0] = 't';
	key[1] = ':';
	if (!entity_key(key + 2, account, name, NULL))
		return -EINVAL;
	p = authz_cache_get(ac, key, c->d->generation);
	if (!p) {
		r = principal_new(PRINCIPAL_CUSTOM, &p);
		if (r < 0)
			return r;
		r = principal_add_policy(p, doc, strlen(doc), POLICY_TRUST, STORED_MAX, name,
					 "resource", NULL);
		if (r == 0)
			r = authz_cache_put(ac, key, c->d->generation, p);
		if (r < 0) {
			principal_free(p);
			return r == -ENOMEM ? r : -EIO;
		}
	}
	if (p->n_pols != 1)
		return -EIO;
	*ret = p->pols[0].pol;
	return 0;
}

struct load_session {
	const Keyd__SessionClaims *s;
	struct principal *p;
};

static int load_session_policies(struct call *c, void *userdata)
{
	struct load_session *ls = userdata;
	const Keyd__SessionClaims *s = ls->s;
	int r;
	if (s->session_policy && *s->session_policy) {
		r = principal_add_policy(ls->p, s->session_policy, strlen(s->session_policy),
					 POLICY_SESSION, STORED_MAX, "session", "session", NULL);
		if (r < 0)
			return r == -ENOMEM ? r : -EIO;
	}
	for (size_t i = 0; i < s->n_policy_arns; i++) {
		r = principal_add_managed(c, ls->p, s->policy_arns[i], POLICY_SESSION);
		if (r == -ENOENT)
			continue;   /* deleted since: it grants nothing */
		if (r < 0)
			return r;
	}
	/* Session policies were passed but none is left: the session may do
	 * nothing (an empty session policy), never everything. */
	if (ls->p->n_pols == 0)
		return principal_add_policy(ls->p, EMPTY_POLICY, strlen(EMPTY_POLICY),
					    POLICY_SESSION, 0, "session", "session", NULL);
	return 0;
}

/* The session's compiled session policies (NULL when it has none), cached
 * under its access key id. */
static int session_policies_get(struct call *c, const struct principal **ret)
{
	const Keyd__SessionClaims *s = c->caller.session;
	struct authz_cache *ac = cache(c);
	char key[96];
	struct principal *p;
	if (!ac)
		return -ENOMEM;
	if ((!s->session_policy || !*s->session_policy) && s->n_policy_arns == 0) {
		*ret = NULL;
		return 0;
	}
	snprintf(key, sizeof(key), "s:%.40s:%lld", s->access_key_id ? s->access_key_id : "",
		 (long long)s->issued);
	p = authz_cache_get(ac, key, c->d->generation);
	if (p) {
		*ret = p;
		return 0;
	}
	int r = principal_new(PRINCIPAL_CUSTOM, &p);
	if (r < 0)
		return r;
	struct load_session ls = { .s = s, .p = p };
	r = with_txn(c, load_session_policies, &ls);
	if (r == 0)
		r = authz_cache_put(ac, key, c->d->generation, p);
	if (r < 0) {
		principal_free(p);
		return r;
	}
	*ret = p;
	return 0;
}

/* ---- deciding ---- */

/* Host credentials (iamd:GetCredentials, op_get_credentials.c): the
 * identity keys of the process they were issued to. */
static int sts_session_host_ctx(struct call *c, struct authz_ctx *x)
{
	const Keyd__SessionClaims *s = c->caller.session;
	int r;
	if (!s->has_host_uid)
		return 0;
	char *uid = arena_printf(c->arena, "%u", (unsigned)s->host_uid);
	char *gid = arena_printf(c->arena, "%u", (unsigned)s->host_gid);
	if (!uid || !gid)
		return -ENOMEM;
	if ((r = authz_ctx_add(x, "iamd:Uid", uid)) < 0 ||
	    (s->has_host_gid && (r = authz_ctx_add(x, "iamd:Gid", gid)) < 0) ||
	    (s->host_systemd_unit &&
	     (r = authz_ctx_add(x, "iamd:SystemdUnit", s->host_systemd_unit)) < 0) ||
	    (s->host_invocation_id &&
	     (r = authz_ctx_add(x, "iamd:InvocationId", s->host_invocation_id)) < 0) ||
	    (s->host_exe_path && (r = authz_ctx_add(x, "iamd:ExePath", s->host_exe_path)) < 0))
		return r;
	return 0;
}

int sts_session_ctx(struct call *c, struct authz_ctx *x)
{
	const Keyd__SessionClaims *s = c->caller.session;
	int r;
	if (!s)
		return 0;
	const char *issued = sts_isotime(c, s->issued);
	if (!issued)
		return -ENOMEM;
	if ((r = authz_ctx_add(x, "aws:TokenIssueTime", issued)) < 0 ||
	    (r = authz_ctx_add(x, "aws:MultiFactorAuthPresent",
			       s->mfa_present ? "true" : "false")) < 0)
		return r;
	if (s->mfa_present && s->has_mfa_auth_time) {
		char *age = arena_printf(c->arena, "%lld",
					 (long long)(c->now - s->mfa_auth_time));
		if (!age || (r = authz_ctx_add(x, "aws:MultiFactorAuthAge", age)) < 0)
			return age ? r : -ENOMEM;
	}
	if (s->source_identity && *s->source_identity &&
	    (r = authz_ctx_add(x, "aws:SourceIdentity", s->source_identity)) < 0)
		return r;
	if ((r = sts_session_host_ctx(c, x)) < 0)
		return r;
	if (s->kind != KEYD__SESSION_KIND__ASSUMED_ROLE && s->kind != KEYD__SESSION_KIND__FEDERATED)
		return 0;
	/* a federated user: aws:userid ACCOUNT:NAME, aws:PrincipalArn its
	 * federated-user ARN; its session tags win over its user's tags */
	if ((r = authz_ctx_add(x, "aws:userid", s->principal_id)) < 0 ||
	    (s->role_arn && (r = authz_ctx_add(x, "aws:PrincipalArn", s->role_arn)) < 0) ||
	    (s->kind == KEYD__SESSION_KIND__FEDERATED &&
	     (r = authz_ctx_add(x, "aws:PrincipalArn", s->principal_arn)) < 0))
		return r;
	for (size_t i = 0; i < s->n_tags; i++) {
		const Keyd__Tag *t = s->tags[i];
		if (!t->key)
			continue;
		char *k = authz_concat(c, "aws:PrincipalTag/", t->key, NULL);
		if (!k)
			return -ENOMEM;
		if ((r = authz_ctx_add(x, k, t->value ? t->value : "")) < 0)
			return r;
	}
	return 0;
}

int sts_session_eval(struct call *c, const struct policy_set *base,
		     const struct policy *const *sessions, size_t n, bool trust,
		     const struct policy_request *req, struct policy_result *ret)
{
	struct policy_scratch *sc = authz_scratch(c);
	struct policy_result res = { 0 }, best = { 0 };
	bool allowed = false;
	int r;
	if (!sc)
		return -ENOMEM;
	for (size_t i = 0; i < (n ? n : 1); i++) {
		struct policy_set set = *base;
		set.session = n ? sessions[i] : NULL;
		r = policy_eval(&set, req, sc, &res);
		if (r < 0)
			return r;
		if (res.decision == POLICY_EXPLICIT_DENY) {
			*ret = res;
			return 0;
		}
		if (res.decision == POLICY_ALLOW && !allowed) {
			allowed = true;
			best = res;
		} else if (!allowed) {
			best = res;
		}
	}
	if (allowed && trust && !base->resource) {
		/* a role without a trust policy (or no such role) */
		best = (struct policy_result){ .decision = POLICY_IMPLICIT_DENY,
					       .missing = POLICY_LAYER_RESOURCE };
	} else if (allowed && trust) {
		/* The trust policy alone, as if the caller were in the role's
		 * account (no identity policy can stand in for it). */
		struct policy_set t = { .identity = &base->resource, .n_identity = 1 };
		struct policy_request tr = *req;
		tr.resource_account = c->caller.account_id;
		r = policy_eval(&t, &tr, sc, &res);
		if (r < 0)
			return r;
		if (res.decision != POLICY_ALLOW) {
			best = (struct policy_result){ .decision = res.decision,
						       .missing = POLICY_LAYER_RESOURCE };
			if (res.decision == POLICY_EXPLICIT_DENY) {
				best.n_matches = res.n_matches;
				memcpy(best.matches, res.matches, sizeof(res.matches));
				for (unsigned k = 0; k < best.n_matches; k++)
					best.matches[k].layer = POLICY_LAYER_RESOURCE;
			}
		}
	}
	*ret = best;
	return 0;
}

static int decided(struct call *c, const char *action, const char *resource,
		   const struct policy_result *res, struct authz_result *ret)
{
	if (res->decision == POLICY_ALLOW) {
		ret->decision = AUTHZ_ALLOW;
		ret->message = NULL;
		return 1;
	}
	ret->decision = res->decision == POLICY_EXPLICIT_DENY ? AUTHZ_DENY_EXPLICIT
							       : AUTHZ_DENY_IMPLICIT;
	ret->message = authz_message(c, c->caller.arn, action, resource, res);
	return ret->message ? 1 : -ENOMEM;
}

static int deny(struct call *c, const char *msg, struct authz_result *ret)
{
	ret->decision = AUTHZ_DENY_IMPLICIT;
	ret->message = msg;
	(void)c;
	return msg ? 1 : -ENOMEM;
}

/* An assumed-role session: the role's policies, its boundary, the session
 * policies. */
static int check_assumed_role(struct call *c, const char *action, const char *resource,
			      struct authz_result *ret)
{
	const Keyd__SessionClaims *s = c->caller.session;
	const struct principal *p, *sp = NULL;
	enum principal_kind kind;
	const char *acct, *name;
	struct authz_ctx x;
	struct policy_result res = { .decision = POLICY_IMPLICIT_DENY };
	int r;

	if (principal_arn_split(c, s->role_arn, &kind, &acct, &name, NULL) < 0 ||
	    kind != PRINCIPAL_ROLE)
		return decided(c, action, resource, &res, ret);
	r = authz_principal_get(c, PRINCIPAL_ROLE, acct, name, &p);
	/* the role is gone, or another role took its name: the session is
	 * the old role's and may do nothing */
	if (r == -ENOENT || (r == 0 && s->role_id && strcmp(p->id, s->role_id) != 0))
		return decided(c, action, resource, &res, ret);
	if (r < 0)
		return r;
	r = session_policies_get(c, &sp);
	if (r < 0)
		return r;
	x.n = 0;
	x.n_vals = 0;
	if ((r = sts_session_ctx(c, &x)) < 0)
		return r;
	for (size_t i = 0; i < c->n_ctx_extra; i++)
		if ((r = authz_ctx_add_list(&x, c->ctx_extra[i].key, c->ctx_extra[i].values,
					    c->ctx_extra[i].n_values)) < 0)
			return r;
	r = authz_ctx_build(c, p, action, resource, c->req, &x);
	if (r < 0)
		return r;
	struct policy_set set = {
		.identity = p->identity,
		.n_identity = p->n_pols,
		.boundary = p->boundary.pol,
		.resource = c->resource_policy,
	};
	struct policy_request req = {
		.principal = c->caller.arn,
		.action = action,
		.resource = resource,
		.context = x.e,
		.n_context = x.n,
		.now_ms = c->now * 1000,
	};
	r = sts_session_eval(c, &set, sp ? sp->identity : NULL, sp ? sp->n_pols : 0,
			     c->resource_policy_trust, &req, &res);
	if (r < 0)
		return r;
	return decided(c, action, resource, &res, ret);
}

/* The account root's identity side in a federated session it made: every
 * action (the session policies then decide). Compiled once, cached. */
#define ALLOW_ALL "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"

static int root_identity(struct call *c, const struct principal **ret)
{
	struct authz_cache *ac = cache(c);
	static const char key[] = "f:root";
	struct principal *p;
	if (!ac)
		return -ENOMEM;
	p = authz_cache_get(ac, key, c->d->generation);
	if (!p) {
		int r = principal_new(PRINCIPAL_CUSTOM, &p);
		if (r < 0)
			return r;
		r = principal_add_policy(p, ALLOW_ALL, strlen(ALLOW_ALL), POLICY_IDENTITY, 0,
					 "root", "identity", NULL);
		if (r == 0)
			r = authz_cache_put(ac, key, c->d->generation, p);
		if (r < 0) {
			principal_free(p);
			return r == -ENOMEM ? r : -EIO;
		}
	}
	*ret = p;
	return 0;
}

/* A federated user session (GetFederationToken): the federating user's
 * identity policies and boundary INTERSECT the session policies; without
 * a session policy nothing is allowed; no IAM action and no STS action but
 * GetCallerIdentity (authz allows that one before asking here). */
static int check_federated(struct call *c, const char *action, const char *resource,
			   struct authz_result *ret)
{
	const Keyd__SessionClaims *s = c->caller.session;
	const struct principal *p = NULL, *sp = NULL;
	enum principal_kind kind;
	const char *acct, *name;
	struct authz_ctx x;
	struct policy_result res = { .decision = POLICY_IMPLICIT_DENY };
	int r;

	if (strncasecmp(action, "iam:", 4) == 0 || strncasecmp(action, "sts:", 4) == 0)
		return deny(c, authz_concat(c, "User: ", c->caller.arn,
					    " is not authorized to perform: ", action,
					    " on resource: ", resource,
					    " because a federated user session (GetFederationToken) may call no IAM action and of STS only GetCallerIdentity",
					    NULL), ret);
	if (!s->source_user_arn)
		return decided(c, action, resource, &res, ret);
	if (util_str_has_prefix(s->source_user_arn, "arn:aws:iam::") &&
	    strcmp(s->source_user_arn + strlen(s->source_user_arn) - 5, ":root") == 0) {
		r = root_identity(c, &p);
	} else {
		if (principal_arn_split(c, s->source_user_arn, &kind, &acct, &name, NULL) < 0 ||
		    kind != PRINCIPAL_USER)
			return decided(c, action, resource, &res, ret);
		r = authz_principal_get(c, PRINCIPAL_USER, acct, name, &p);
		/* the user is gone, or moved to another path: nothing */
		if (r == -ENOENT || (r == 0 && (!p->arn || strcmp(p->arn, s->source_user_arn) != 0)))
			return decided(c, action, resource, &res, ret);
	}
	if (r < 0)
		return r;
	r = session_policies_get(c, &sp);
	if (r < 0)
		return r;
	if (!sp) {
		/* AWS: without a session policy the session has no permissions */
		res.missing = POLICY_LAYER_SESSION;
		return decided(c, action, resource, &res, ret);
	}
	x.n = 0;
	x.n_vals = 0;
	if ((r = sts_session_ctx(c, &x)) < 0)
		return r;
	for (size_t i = 0; i < c->n_ctx_extra; i++)
		if ((r = authz_ctx_add_list(&x, c->ctx_extra[i].key, c->ctx_extra[i].values,
					    c->ctx_extra[i].n_values)) < 0)
			return r;
	r = authz_ctx_build(c, p->kind == PRINCIPAL_USER ? p : NULL, action, resource, c->req, &x);
	if (r < 0)
		return r;
	struct policy_set set = {
		.identity = p->identity,
		.n_identity = p->n_pols,
		.boundary = p->boundary.pol,
		.resource = c->resource_policy,
	};
	struct policy_request req = {
		.principal = c->caller.arn,
		.action = action,
		.resource = resource,
		.context = x.e,
		.n_context = x.n,
		.now_ms = c->now * 1000,
	};
	r = sts_session_eval(c, &set, sp->identity, sp->n_pols, c->resource_policy_trust, &req,
			     &res);
	if (r < 0)
		return r;
	return decided(c, action, resource, &res, ret);
}

/* What a GetSessionToken session may not do (AWS): any IAM call without
 * MFA, any STS call but AssumeRole and GetCallerIdentity. */
static int session_token_limits(struct call *c, const char *action, const char *resource,
				struct authz_result *ret)
{
	const Keyd__SessionClaims *s = c->caller.session;
	if (strncasecmp(action, "iam:", 4) == 0 && !s->mfa_present) {
		/* AWS's IAM endpoint does not say why: InvalidClientTokenId
		 * (403), as for a token it cannot read; the log does */
		iamd_log_call(LOG_INFO, c, "%s: credentials from GetSessionToken cannot call "
			      "IAM without MFA authentication (%s)", action, c->caller.arn);
		int r = deny(c, "The security token included in the request is invalid", ret);
		ret->code = "InvalidClientTokenId";
		return r;
	}
	if (strncasecmp(action, "sts:", 4) == 0 && strcasecmp(action, "sts:AssumeRole") != 0)
		return deny(c, authz_concat(c, "User: ", c->caller.arn,
					    " is not authorized to perform: ", action,
					    " on resource: ", resource,
					    " because credentials from GetSessionToken may call only AssumeRole and GetCallerIdentity of STS",
					    NULL), ret);
	return 0;
}

int sts_session_authorize(struct call *c, const char *action, const char *resource,
			  struct authz_result *ret)
{
	const Keyd__SessionClaims *s = c->caller.session;
	if (!s)
		return 0;
	if (s->kind == KEYD__SESSION_KIND__SESSION_TOKEN)
		return session_token_limits(c, action, resource, ret);
	if (c->caller.kind == CALLER_SESSION && s->kind == KEYD__SESSION_KIND__FEDERATED)
		return check_federated(c, action, resource, ret);
	if (c->caller.kind != CALLER_SESSION || s->kind != KEYD__SESSION_KIND__ASSUMED_ROLE)
		return deny(c, authz_concat(c, "User: ", c->caller.arn ? c->caller.arn : "unknown",
					    " is not authorized to perform: ", action,
					    " on resource: ", resource, NULL), ret);
	return check_assumed_role(c, action, resource, ret);
}
