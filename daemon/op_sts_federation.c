/* op_sts_federation: sts:GetFederationToken (docs/sts.md, "Federated
 * users").
 *
 * Called with an IAM user's long-term credentials (an access key, or a
 * uid bound to the user; the account root too, up to one hour), never
 * with temporary credentials. The session is the federated user
 * arn:aws:sts::ACCOUNT:federated-user/NAME (FederatedUserId ACCOUNT:NAME);
 * its claims (SessionKind FEDERATED) carry the calling user's ARN
 * (source_user_arn), the session policy and PolicyArns, and the session
 * tags. sts_session.c decides its calls: the user's identity policies (and
 * boundary) INTERSECT the session policies, no permission at all without
 * a session policy, no IAM action, and of STS only GetCallerIdentity, as
 * AWS documents GetFederationToken. Session tags also need sts:TagSession
 * on the federated user's ARN. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "authn.h"
#include "authz.h"
#include "dispatch.h"
#include "entity.h"
#include "iamd.h"
#include "keyd_client.h"
#include "op_sts.h"
#include "sd.h"
#include "ops.h"
#include "policy/policy.h"
#include "util/arena.h"
#include "util/name.h"

#define FED_DEFAULT 43200
#define FED_MAX 129600
#define FED_ROOT_MAX 3600

struct federation {
	const Iam__GetFederationTokenRequest *req;
	const char *arn;              /* the federated user's */
	Keyd__Tag **tags;
	size_t n_tags;
	int32_t packed_percent;       /* -1: nothing packed */
	Keyd__SessionClaims *claims;
};

/* The Policy member: 1-2048 characters of [\u0009\u000A\u000D\u0020-\u00FF]. */
static void check_policy(const char *doc, struct util_verr *e)
{
	const unsigned char *p = (const unsigned char *)doc;
	size_t len = strlen(doc), chars = 0;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = util_utf8_decode(p + i, len - i, &cp);
		if (n == 0 || (cp < 0x20 && cp != 0x09 && cp != 0x0a && cp != 0x0d) || cp > 0xff) {
			util_verr_add(e, "policy", doc,
				      "Member must satisfy regular expression pattern: "
				      "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+");
			return;
		}
		i += n;
		chars++;
	}
	if (chars < 1)
		util_verr_add(e, "policy", doc, "Member must have length greater than or equal to 1");
	else if (chars > POLICY_MAX_SESSION)
		util_verr_add(e, "policy", doc, "Member must have length less than or equal to %d",
			      POLICY_MAX_SESSION);
}

static void check_inputs(const Iam__GetFederationTokenRequest *q, struct util_verr *e)
{
	if (!q->name)
		util_verr_add(e, "name", NULL, "Member must not be null");
	else
		sts_check_chars(q->name, "name", 2, 32, "+=,.@-", "[\\w+=,.@-]*", e);
	if (q->policy)
		check_policy(q->policy, e);
	sts_check_policy_arns(q->policy_arns, q->n_policy_arns, e);
	sts_check_duration(q->has_duration_seconds, q->duration_seconds, FED_MAX, e);
	entity_tags_check(q->tags, q->n_tags, e);
}

int op_get_federation_token_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__GetFederationTokenRequest *q = (const Iam__GetFederationTokenRequest *)m;
	struct federation *f = arena_zalloc(c->arena, sizeof(*f));
	struct util_verr e;
	int r;
	if (!f)
		return -ENOMEM;
	f->req = q;
	f->packed_percent = -1;
	util_verr_init(&e);
	check_inputs(q, &e);
	if ((r = entity_verr_fail(c, &e)) < 0)
		return r;
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
	f->tags = arena_zalloc(c->arena, (q->n_tags + 1) * sizeof(*f->tags));
	if (!f->tags)
		return -ENOMEM;
	for (size_t i = 0; i < q->n_tags; i++) {
		Keyd__Tag *t = arena_alloc(c->arena, sizeof(*t));
		if (!t)
			return -ENOMEM;
		keyd__tag__init(t);
		t->key = q->tags[i]->key;
		t->value = q->tags[i]->value ? q->tags[i]->value : (char *)"";
		f->tags[f->n_tags++] = t;
	}
	if (q->policy || q->n_policy_arns || f->n_tags) {
		f->packed_percent = sts_packed_percent(q->policy, q->policy_arns, q->n_policy_arns,
						       f->tags, f->n_tags);
		if (f->packed_percent > 100)
			return call_fail(c, -EINVAL, "PackedPolicyTooLarge",
					 "Packed policy consumes %d%% of allotted space, please use smaller policy.",
					 f->packed_percent);
	}
	f->arn = arena_concat(c->arena, "arn:aws:sts::", entity_account(c), ":federated-user/",
			      q->name, NULL);
	if (!f->arn)
		return -ENOMEM;
	c->op_state = f;
	*ret = f->arn;
	return 0;
}

static int federation_resume(struct call *c, void *state, const struct keyd_reply *rep,
			     ProtobufCMessage **ret)
{
	struct federation *f = state;
	if (rep->err || rep->code != KEYD__CODE__OK || !rep->result)
		return call_keyd_fail(c, rep);
	Iam__GetFederationTokenResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__FederatedUser *u = arena_alloc(c->arena, sizeof(*u));
	if (!resp || !u)
		return -ENOMEM;
	iam__get_federation_token_response__init(resp);
	iam__federated_user__init(u);
	int r = sts_credentials_new(c, f->claims, (const Keyd__MintSessionResponse *)rep->result,
				    &resp->credentials);
	if (r < 0)
		return r;
	u->federated_user_id = f->claims->principal_id;
	u->arn = f->claims->principal_arn;
	resp->federated_user = u;
	if (f->packed_percent >= 0) {
		resp->has_packed_policy_size = true;
		resp->packed_policy_size = f->packed_percent;
	}
	iamd_log_call(LOG_DEBUG, c, "GetFederationToken: %s issued to %s as %s until %lld",
		      f->claims->access_key_id, c->caller.arn, u->arn,
		      (long long)f->claims->expires);
	*ret = &resp->base;
	return 0;
}

int op_get_federation_token(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	struct federation *f = c->op_state;
	bool root = c->caller.kind == CALLER_ROOT;
	int r;
	(void)m;
	(void)ret;
	if (!f)
		return -ENOMEM;
	const Iam__GetFederationTokenRequest *q = f->req;
	if (c->caller.session)
		return call_fail(c, -EACCES, "AccessDenied",
				 "Cannot call GetFederationToken with session credentials");
	if ((!root && c->caller.kind != CALLER_USER) || !c->caller.arn || !c->caller.account_id)
		return call_fail(c, -EACCES, "AccessDenied",
				 "User: anonymous is not authorized to perform: sts:GetFederationToken");
	if (f->n_tags) {
		struct authz_result az = { 0 };
		r = authz_check(c, "sts:TagSession", f->arn, &az);
		if (r < 0)
			return call_fail(c, r, "ServiceFailure", NULL);
		if (az.decision != AUTHZ_ALLOW)
			return call_fail(c, -EACCES, "AccessDenied", "%s", az.message);
	}
	/* the root's sessions last an hour at most: a longer one is cut to
	 * an hour, as AWS does */
	int32_t duration = q->has_duration_seconds ? q->duration_seconds : FED_DEFAULT;
	if (root && duration > FED_ROOT_MAX)
		duration = FED_ROOT_MAX;

	Keyd__SessionClaims *cl = arena_alloc(c->arena, sizeof(*cl));
	if (!cl)
		return -ENOMEM;
	keyd__session_claims__init(cl);
	f->claims = cl;
	if ((r = sts_access_key_id_new(c, &cl->access_key_id)) < 0)
		return r;
	cl->account = (char *)c->caller.account_id;
	cl->principal_arn = (char *)f->arn;
	cl->principal_id = arena_concat(c->arena, c->caller.account_id, ":", q->name, NULL);
	cl->session_name = q->name;
	cl->has_issued = cl->has_expires = true;
	cl->issued = c->now;
	cl->expires = c->now + duration;
	if (sts_claims_session_policies(c, cl, q->policy, q->policy_arns, q->n_policy_arns) < 0)
		return -ENOMEM;
	cl->tags = f->tags;
	cl->n_tags = f->n_tags;
	cl->has_mfa_present = true;
	cl->mfa_present = false;
	cl->has_kind = true;
	cl->kind = KEYD__SESSION_KIND__FEDERATED;
	/* the federating user (or root): whose policies bound the session */
	cl->source_user_arn = (char *)c->caller.arn;
	if (!cl->principal_id)
		return -ENOMEM;
	/* MintSession; VerifyAndMint when the signature is not proven yet */
	return authn_mint(c, cl, federation_resume, f);
}
