/* op_sts_web: sts:AssumeRoleWithWebIdentity (docs/federation.md): an
 * unsigned call whose credential is an OpenID Connect ID token.
 *
 *   resource(): the inputs as AWS checks them; the caller becomes nobody
 *   (whoever the peer or a signature says: the token is the credential);
 *   the token parsed (lib/jwt), its issuer's provider found in the ROLE's
 *   account (oidc_provider_get), its signature verified with the
 *   provider's keys (oidc_keys.c: when they are not cached the call waits
 *   for their fetch and this step runs again), its claims checked (iss,
 *   aud or azp among the ClientIDs, exp, nbf, iat, sub); the caller is
 *   then CALLER_WEB_IDENTITY (the provider's ARN as principal) and the
 *   role's trust policy the call's resource policy, with the context keys
 *   AWS sets: HOST/PATH:aud, :sub, :amr, :oaud and :azp (when present),
 *   aws:FederatedProvider, sts:RoleSessionName.
 *   authz (dispatch -> authz_check -> trust_alone() in authz.c) decides
 *   sts:AssumeRoleWithWebIdentity by the trust policy alone.
 *   handler(): the claims of an assumed-role session, MintSession to
 *   iam-keyd (as AssumeRole's), and the answer. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "authn.h"
#include "authz.h"
#include "dispatch.h"
#include "entity.h"
#include "iam_oidc.pb-c.h"
#include "iamd.h"
#include "jwt/jwt.h"
#include "keyd_client.h"
#include "keyd.pb-c.h"
#include "oidc.h"
#include "op_sts.h"
#include "ops.h"
#include "principal.h"
#include "sd.h"
#include "store.pb-c.h"
#include "store/store.h"
#include "sts_session.h"
#include "util/arena.h"
#include "util/isotime.h"
#include "util/name.h"

#define CLOCK_SKEW 60             /* seconds allowed on exp, nbf, iat */
#define MSG_IDP_COMM "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements"
#define MSG_INVALID "The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request."

/* What resource() found, kept across a wait for keys (arena memory). */
struct web {
	bool refreshed;           /* an unknown kid asked for fresh keys once */
	unsigned waits;           /* fetches waited for (at most two: keys, refresh) */
	const Iam__AssumeRoleWithWebIdentityRequest *req;
	const char *account, *role_name;
	Iam__Role *role;
	const char *provider_arn, *issuer, *sub, *aud;
	int32_t duration;
	int32_t packed_percent;   /* -1: nothing packed */
};

static void check_inputs(const Iam__AssumeRoleWithWebIdentityRequest *q, struct util_verr *e)
{
	sts_check_role(q->role_arn, q->role_session_name, e);
	/* the token is a credential: never echoed */
	if (!q->web_identity_token)
		util_verr_add(e, "webIdentityToken", NULL, "Member must not be null");
	else if (strlen(q->web_identity_token) < 4 ||
		 strlen(q->web_identity_token) > JWT_TOKEN_MAX)
		util_verr_add(e, "webIdentityToken", "******", strlen(q->web_identity_token) < 4 ?
			      "Member must have length greater than or equal to 4" :
			      "Member must have length less than or equal to 20000");
	if (q->provider_id && (strlen(q->provider_id) < 4 || strlen(q->provider_id) > 2048))
		util_verr_add(e, "providerId", q->provider_id, strlen(q->provider_id) < 4 ?
			      "Member must have length greater than or equal to 4" :
			      "Member must have length less than or equal to 2048");
	sts_check_duration(q->has_duration_seconds, q->duration_seconds, 43200, e);
	sts_check_session_policy(q->policy, e);
	sts_check_policy_arns(q->policy_arns, q->n_policy_arns, e);
}

static int invalid_token(struct call *c, const char *why)
{
	iamd_log_call(LOG_NOTICE, c, "AssumeRoleWithWebIdentity: token refused: %s", why);
	return call_fail(c, -EINVAL, "InvalidIdentityToken", "%s", why ? why : MSG_INVALID);
}

static int web_resume(struct call *c, void *state, const struct keyd_reply *rep,
		      ProtobufCMessage **ret)
{
	(void)c;
	(void)state;
	(void)rep;
	(void)ret;
	return CALL_PROCEED;   /* the keys are cached (or their fetch failed): again */
}

/* The context keys of the token for the trust policy. */
static int token_ctx(struct call *c, struct web *w, const struct jwt *t,
		     const struct jwt_claims *cl, const char *url)
{
	struct policy_ctx_entry *e = arena_zalloc(c->arena, 8 * sizeof(*e));
	const char **one = arena_zalloc(c->arena, 6 * sizeof(*one));
	const char *amr[JWT_AUD_MAX];
	size_t n = 0;
	if (!e || !one)
		return -ENOMEM;
#define PUT1(k, v) do { if (v) { one[n] = (v); e[n].key = (k); e[n].values = &one[n]; \
				 e[n].n_values = 1; n++; } } while (0)
	char *k_aud = arena_concat(c->arena, url, ":aud", NULL);
	char *k_sub = arena_concat(c->arena, url, ":sub", NULL);
	char *k_oaud = arena_concat(c->arena, url, ":oaud", NULL);
	char *k_azp = arena_concat(c->arena, url, ":azp", NULL);
	char *k_amr = arena_concat(c->arena, url, ":amr", NULL);
	if (!k_aud || !k_sub || !k_oaud || !k_azp || !k_amr)
		return -ENOMEM;
	PUT1(k_aud, w->aud);
	PUT1(k_sub, w->sub);
	PUT1(k_oaud, cl->oaud ? arena_strdup(c->arena, cl->oaud) : NULL);
	PUT1(k_azp, cl->azp ? arena_strdup(c->arena, cl->azp) : NULL);
	PUT1("aws:FederatedProvider", w->provider_arn);
	PUT1("sts:RoleSessionName", w->req->role_session_name);
#undef PUT1
	int na = jwt_claim_strings(t, "amr", amr, JWT_AUD_MAX);
	if (na > 0) {
		const char **vals = arena_alloc(c->arena, (size_t)na * sizeof(*vals));
		if (!vals)
			return -ENOMEM;
		for (int i = 0; i < na; i++)
			if (!(vals[i] = arena_strdup(c->arena, amr[i])))
				return -ENOMEM;
		e[n].key = k_amr;
		e[n].values = vals;
		e[n].n_values = (size_t)na;
		n++;
	}
	c->ctx_extra = e;
	c->n_ctx_extra = n;
	return 0;
}

/* The token: parsed, its provider, its signature, its claims. 0 with the
 * caller and context set; CALL_PENDING waiting for keys; negative errno
 * with the error recorded. */
static int token_check(struct call *c, struct web *w)
{
	const Iam__AssumeRoleWithWebIdentityRequest *q = w->req;
	const char *tok = q->web_identity_token, *why = NULL, *err = NULL;
	struct jwt *t = NULL;
	Iam__OIDCProviderRecord *p = NULL;
	const struct jwt_keyset *ks = NULL;
	struct jwt_claims cl;
	enum jwt_claim_error ce;
	char *url = NULL;
	int r = jwt_parse(tok, strlen(tok), &t, &why);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return invalid_token(c, why);
	const char *iss = jwt_claim_string(t, "iss");
	r = iss ? oidc_url_parse(iss, &url, c->arena) : -EINVAL;
	if (r == -ENOMEM)
		goto out;
	if (r < 0) {
		r = invalid_token(c, "The token's issuer (iss) is not an https URL.");
		goto out;
	}
	r = oidc_provider_get(c, w->account, url, &p);
	if (r == -ENOENT) {
		r = invalid_token(c, arena_printf(c->arena,
				   "No OpenIDConnect provider found in your account for %.300s", iss));
		goto out;
	}
	if (r < 0) {
		r = op_fail_store(c, r);
		goto out;
	}
	for (;;) {
		r = oidc_keys_get(c->d, p, c->now, w->refreshed, &ks, &err);
		if (r < 0)
			goto out;
		if (r == OIDC_KEYS_FETCHING && w->waits < 2) {
			w->waits++;
			r = oidc_keys_wait(c, p->arn, web_resume, w);
			goto out;
		}
		if (r == OIDC_KEYS_FETCHING) {   /* never twice for the same reason */
			err = "the keys are being fetched again";
			r = OIDC_KEYS_FAILED;
		}
		if (r == OIDC_KEYS_FAILED) {
			iamd_log_call(LOG_WARNING, c, "AssumeRoleWithWebIdentity: %s: %s", p->arn, err);
			r = call_fail(c, -EIO, "IDPCommunicationError", "%s", MSG_IDP_COMM);
			c->err_http = 400;
			goto out;
		}
		r = jwt_verify(t, ks, &why);
		if (r == -ENOKEY && !w->refreshed) {
			w->refreshed = true;   /* fetch again, at most once per OIDC_REFRESH_MIN */
			continue;
		}
		break;
	}
	if (r == -ENOMEM)
		goto out;
	if (r < 0) {
		r = invalid_token(c, why);
		goto out;
	}
	const char *issuer = arena_concat(c->arena, "https://", p->url, NULL);
	struct jwt_expect x = { .issuer = issuer, .clients = (const char *const *)p->client_id_list,
				.n_clients = p->n_client_id_list, .now = c->now, .skew = CLOCK_SKEW };
	r = jwt_claims_check(t, &x, &cl, &ce, &why);
	if (r < 0 && ce == JWT_CLAIM_EXPIRED) {
		char now_s[ISOTIME_MAX], exp_s[ISOTIME_MAX];
		int64_t exp = 0;
		(void)jwt_claim_time(t, "exp", &exp);
		if (isotime_format(c->now, ISOTIME_Z, now_s) < 0 ||
		    isotime_format(exp > 0 ? exp : 0, ISOTIME_Z, exp_s) < 0)
			snprintf(exp_s, sizeof(exp_s), "%lld", (long long)exp);
		r = call_fail(c, -EINVAL, "ExpiredTokenException", "Token expired: current date/time %s must be before the expiration date/time %s",
			      now_s, exp_s);
		goto out;
	}
	if (r < 0) {
		r = invalid_token(c, why);
		goto out;
	}
	w->provider_arn = p->arn;
	w->issuer = arena_strdup(c->arena, iss);
	w->sub = arena_strdup(c->arena, cl.sub);
	w->aud = arena_strdup(c->arena, cl.aud);
	if (!w->issuer || !w->sub || !w->aud) {
		r = -ENOMEM;
		goto out;
	}
	/* the bearer of the token is the caller */
	c->caller.kind = CALLER_WEB_IDENTITY;
	c->caller.account_id = w->account;
	c->caller.arn = w->provider_arn;
	c->caller.identity_provider = w->provider_arn;
	c->caller.user_name = w->sub;
	c->caller.user_id = arena_concat(c->arena, w->provider_arn, ":", w->aud, ":", w->sub, NULL);
	r = c->caller.user_id ? token_ctx(c, w, t, &cl, p->url) : -ENOMEM;
out:
	jwt_free(t);
	return r;
}

int op_assume_role_with_web_identity_resource(struct call *c, const ProtobufCMessage *m,
					      const char **ret)
{
	const Iam__AssumeRoleWithWebIdentityRequest *q =
		(const Iam__AssumeRoleWithWebIdentityRequest *)m;
	struct web *w = c->op_state;
	struct util_verr e;
	enum principal_kind kind;
	const char *session = NULL;
	int r;
	/* nobody until the token says who: not the peer's uid, not a
	 * signature (the action is unsigned) */
	uid_t uid = c->caller.uid;
	gid_t gid = c->caller.gid;
	pid_t pid = c->caller.pid;
	memset(&c->caller, 0, sizeof(c->caller));
	c->caller.kind = CALLER_ANONYMOUS;
	c->caller.uid = uid;
	c->caller.gid = gid;
	c->caller.pid = pid;
	if (!w) {
		w = arena_zalloc(c->arena, sizeof(*w));
		if (!w)
			return -ENOMEM;
		c->op_state = w;
	}
	w->req = q;
	w->packed_percent = -1;
	util_verr_init(&e);
	check_inputs(q, &e);
	if ((r = entity_verr_fail(c, &e)) < 0)
		return r;
	if (principal_arn_split(c, q->role_arn, &kind, &w->account, &w->role_name, &session) < 0 ||
	    kind != PRINCIPAL_ROLE || session || !util_str_has_prefix(q->role_arn, "arn:aws:iam::"))
		return call_fail(c, -EINVAL, "ValidationError", "%.200s is not a valid role ARN.",
				 q->role_arn);
	if (q->provider_id)
		return call_fail(c, -EINVAL, "InvalidParameterValue",
				 "ProviderId is for OAuth 2.0 access tokens (Login with Amazon, Facebook), which iamd does not federate; omit it for OpenID Connect ID tokens.");
	if (q->policy) {
		struct policy *pol = NULL;
		struct policy_diag d = { 0 };
		r = policy_parse(q->policy, strlen(q->policy), POLICY_SESSION, NULL, &pol, &d);
		policy_free(pol);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			return call_fail(c, -EINVAL, "MalformedPolicyDocument", "%s", d.message);
	}
	if (q->policy || q->n_policy_arns) {
		w->packed_percent = sts_packed_percent(q->policy, q->policy_arns, q->n_policy_arns,
						       NULL, 0);
		if (w->packed_percent > 100)
			return call_fail(c, -EINVAL, "PackedPolicyTooLarge",
					 "Packed policy consumes %d%% of allotted space, please use smaller policy.",
					 w->packed_percent);
	}
	r = token_check(c, w);
	if (r != 0)
		return r;   /* CALL_PENDING, or refused */
	r = sts_role_read(c, w->account, w->role_name, &w->role);
	if (r < 0)
		return op_fail_store(c, r);
	if (w->role && strcmp(w->role->arn, q->role_arn) != 0)
		w->role = NULL;   /* same name, another path */
	w->duration = q->has_duration_seconds ? q->duration_seconds : STS_ROLE_DEFAULT_DURATION;
	r = sts_role_trust_use(c, w->account, w->role, w->duration);
	if (r < 0)
		return r;
	*ret = q->role_arn;
	return 0;
}

/* ---- the handler ---- */

static int web_minted(struct call *c, void *state, const struct keyd_reply *rep,
		      ProtobufCMessage **ret)
{
	struct web *w = ((void **)state)[0];
	Keyd__SessionClaims *cl = ((void **)state)[1];
	if (rep->err || rep->code != KEYD__CODE__OK || !rep->result)
		return call_keyd_fail(c, rep);
	const Keyd__MintSessionResponse *k = (const Keyd__MintSessionResponse *)rep->result;
	Iam__AssumeRoleWithWebIdentityResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__AssumedRoleUser *u = arena_alloc(c->arena, sizeof(*u));
	if (!resp || !u)
		return -ENOMEM;
	iam__assume_role_with_web_identity_response__init(resp);
	iam__assumed_role_user__init(u);
	int r = sts_credentials_new(c, cl, k, &resp->credentials);
	if (r < 0)
		return r;
	u->assumed_role_id = cl->principal_id;
	u->arn = cl->principal_arn;
	resp->assumed_role_user = u;
	resp->subject_from_web_identity_token = (char *)w->sub;
	resp->provider = (char *)w->issuer;
	resp->audience = (char *)w->aud;
	if (w->packed_percent >= 0) {
		resp->has_packed_policy_size = true;
		resp->packed_policy_size = w->packed_percent;
	}
	iamd_log_call(LOG_INFO, c, "AssumeRoleWithWebIdentity: %s issued to %s (%s) for %s until %lld",
		      cl->access_key_id, w->sub, w->provider_arn, cl->role_arn,
		      (long long)cl->expires);
	*ret = &resp->base;
	return 0;
}

int op_assume_role_with_web_identity(struct call *c, const ProtobufCMessage *m,
				     ProtobufCMessage **ret)
{
	struct web *w = c->op_state;
	(void)m;
	(void)ret;
	if (!w)
		return -ENOMEM;
	if (!w->role || c->caller.kind != CALLER_WEB_IDENTITY)
		return call_fail(c, -EACCES, "AccessDenied",
				 "Not authorized to perform sts:AssumeRoleWithWebIdentity");
	const Iam__AssumeRoleWithWebIdentityRequest *q = w->req;
	Keyd__SessionClaims *cl = arena_alloc(c->arena, sizeof(*cl));
	void **state = arena_alloc(c->arena, 2 * sizeof(void *));
	if (!cl || !state)
		return -ENOMEM;
	keyd__session_claims__init(cl);
	int r = sts_access_key_id_new(c, &cl->access_key_id);
	if (r < 0)
		return r;
	/* copies: the role was read in this call's transaction */
	const char *role_name = arena_strdup(c->arena, w->role->role_name);
	cl->account = (char *)w->account;
	cl->role_arn = arena_strdup(c->arena, w->role->arn);
	cl->role_id = arena_strdup(c->arena, w->role->role_id);
	if (!role_name || !cl->role_arn || !cl->role_id)
		return -ENOMEM;
	cl->principal_arn = arena_concat(c->arena, "arn:aws:sts::", w->account, ":assumed-role/",
					 role_name, "/", q->role_session_name, NULL);
	cl->principal_id = arena_concat(c->arena, cl->role_id, ":", q->role_session_name, NULL);
	cl->session_name = q->role_session_name;
	cl->has_issued = cl->has_expires = true;
	cl->issued = c->now;
	cl->expires = c->now + w->duration;
	if (sts_claims_session_policies(c, cl, q->policy, q->policy_arns, q->n_policy_arns) < 0)
		return -ENOMEM;
	cl->has_mfa_present = true;
	cl->mfa_present = false;
	cl->has_chained = true;
	cl->chained = false;
	cl->has_kind = true;
	cl->kind = KEYD__SESSION_KIND__ASSUMED_ROLE;
	cl->source_user_arn = (char *)w->provider_arn;
	if (!cl->principal_arn || !cl->principal_id)
		return -ENOMEM;
	state[0] = w;
	state[1] = cl;
	return authn_mint(c, cl, web_minted, state);
}
