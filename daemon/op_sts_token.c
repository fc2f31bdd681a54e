/* op_sts_token: sts:GetCallerIdentity, sts:GetSessionToken,
 * sts:GetAccessKeyInfo and sts:DecodeAuthorizationMessage (docs/sts.md),
 * and what every STS answer with credentials shares. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "authn.h"
#include "dispatch.h"
#include "entity.h"
#include "iam_keys.pb-c.h"
#include "iamd.h"
#include "keyd_client.h"
#include "op_sts.h"
#include "ops.h"
#include "sd.h"
#include "sts_session.h"
#include "util/arena.h"
#include "util/id.h"
#include "util/name.h"

#define TOKEN_USER_DEFAULT 43200
#define TOKEN_USER_MAX 129600
#define TOKEN_ROOT_DEFAULT 3600
#define TOKEN_ROOT_MAX 3600

int op_resource_none(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	(void)c;
	(void)m;
	*ret = "*";
	return 0;
}

/* ---- shared ---- */

int sts_access_key_id_new(struct call *c, char **ret)
{
	char id[UTIL_ID_LEN + 1];
	int r = util_id_new(UTIL_ID_TEMP_ACCESS_KEY, id);
	if (r < 0)
		return call_fail(c, r, "ServiceFailure", NULL);
	id[STS_KEY_ID_LEN] = '\0';
	char *s = arena_strdup(c->arena, id);
	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}

int sts_credentials_new(struct call *c, const Keyd__SessionClaims *claims,
			const Keyd__MintSessionResponse *k, Iam__Credentials **ret)
{
	Iam__Credentials *cr = arena_alloc(c->arena, sizeof(*cr));
	if (!cr)
		return -ENOMEM;
	iam__credentials__init(cr);
	if (!k->secret_access_key || !k->session_token) {
		iamd_log_call(LOG_ERR, c, "%s: keyd answered MintSession without credentials",
			      c->op->name);
		return call_fail(c, -EIO, "ServiceFailure", NULL);
	}
	cr->access_key_id = claims->access_key_id;
	cr->secret_access_key = arena_strdup(c->arena, k->secret_access_key);
	cr->session_token = arena_strdup(c->arena, k->session_token);
	cr->has_expiration = true;
	cr->expiration = claims->expires;
	if (!cr->secret_access_key || !cr->session_token)
		return -ENOMEM;
	*ret = cr;
	return 0;
}

/* ---- GetCallerIdentity: from the identified caller alone ---- */

int op_get_caller_identity(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	Iam__GetCallerIdentityResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	(void)m;
	if (!resp)
		return -ENOMEM;
	iam__get_caller_identity_response__init(resp);
	/* a user or root, a GetSessionToken session of one (its user), an
	 * assumed-role session (AROA...:NAME, assumed-role ARN): authn and
	 * dispatch filled the caller */
	resp->user_id = c->caller.user_id ? arena_strdup(c->arena, c->caller.user_id) : NULL;
	resp->account = c->caller.account_id ? arena_strdup(c->arena, c->caller.account_id) : NULL;
	resp->arn = c->caller.arn ? arena_strdup(c->arena, c->caller.arn) : NULL;
	*ret = &resp->base;
	return 0;
}

/* ---- GetSessionToken ---- */

int op_get_session_token_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__GetSessionTokenRequest *q = (const Iam__GetSessionTokenRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	sts_check_duration(q->has_duration_seconds, q->duration_seconds, TOKEN_USER_MAX, &e);
	sts_check_mfa(q->serial_number, q->token_code, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	*ret = "*";
	return 0;
}

static int token_resume(struct call *c, void *state, const struct keyd_reply *rep,
			ProtobufCMessage **ret)
{
	const Keyd__SessionClaims *cl = state;
	if (rep->err || rep->code != KEYD__CODE__OK || !rep->result)
		return call_keyd_fail(c, rep);
	Iam__GetSessionTokenResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	if (!resp)
		return -ENOMEM;
	iam__get_session_token_response__init(resp);
	int r = sts_credentials_new(c, cl, (const Keyd__MintSessionResponse *)rep->result,
				    &resp->credentials);
	if (r < 0)
		return r;
	iamd_log_call(LOG_DEBUG, c, "GetSessionToken: %s issued to %s until %lld",
		      cl->access_key_id, c->caller.arn, (long long)cl->expires);
	*ret = &resp->base;
	return 0;
}

int op_get_session_token(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__GetSessionTokenRequest *q = (const Iam__GetSessionTokenRequest *)m;
	bool root = c->caller.kind == CALLER_ROOT;
	(void)ret;
	if (c->caller.session)
		return call_fail(c, -EACCES, "AccessDenied",
				 "Cannot call GetSessionToken with session credentials");
	if ((!root && c->caller.kind != CALLER_USER) || !c->caller.arn || !c->caller.user_id)
		return call_fail(c, -EACCES, "AccessDenied",
				 "User: anonymous is not authorized to perform: sts:GetSessionToken");
	int32_t max = root ? TOKEN_ROOT_MAX : TOKEN_USER_MAX;
	int32_t duration = q->has_duration_seconds ? q->duration_seconds
						   : root ? TOKEN_ROOT_DEFAULT : TOKEN_USER_DEFAULT;
	if (duration > max)
		return call_fail(c, -EINVAL, "ValidationError",
				 "1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to %d for the account root",
				 duration, max);
	Keyd__SessionClaims *cl = arena_alloc(c->arena, sizeof(*cl));
	if (!cl)
		return -ENOMEM;
	keyd__session_claims__init(cl);
	int r = sts_access_key_id_new(c, &cl->access_key_id);
	if (r < 0)
		return r;
	cl->account = (char *)c->caller.account_id;
	cl->principal_arn = (char *)c->caller.arn;
	cl->principal_id = (char *)c->caller.user_id;
	/* the user's name makes the session act as that user (authn.c); none:
	 * the account root */
	cl->session_name = root ? NULL : (char *)c->caller.user_name;
	cl->has_issued = cl->has_expires = true;
	cl->issued = c->now;
	cl->expires = c->now + duration;
	cl->has_mfa_present = true;
	cl->mfa_present = false;
	cl->has_kind = true;
	cl->kind = KEYD__SESSION_KIND__SESSION_TOKEN;
	cl->source_user_arn = (char *)c->caller.arn;
	/* SerialNumber and TokenCode: keyd checks the code, then mints */
	if (q->serial_number)
		return op_mfa_sts_verify(c, q->serial_number, q->token_code, cl, token_resume, cl);
	/* MintSession, or VerifyAndMint for a caller not proven yet (authn.h) */
	return authn_mint(c, cl, token_resume, cl);
}

/* ---- GetAccessKeyInfo ---- */

int op_get_access_key_info_resource(struct call *c, const ProtobufCMessage *m,
				    const char **ret)
{
	const Iam__GetAccessKeyInfoRequest *q = (const Iam__GetAccessKeyInfoRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	if (!q->access_key_id)
		util_verr_add(&e, "accessKeyId", NULL, "Member must not be null");
	else
		sts_check_chars(q->access_key_id, "accessKeyId", 16, 128, "", "[\\w]*", &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	*ret = "*";
	return 0;
}

/* AWS reads the account out of the key id; iamd's ids encode nothing: an
 * AKIA id is looked up, an ASIA id is the caller's own session's when it
 * is, and anything else (unknown, another session's) answers the default
 * account (docs/sts.md). */
int op_get_access_key_info(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__GetAccessKeyInfoRequest *q = (const Iam__GetAccessKeyInfoRequest *)m;
	Iam__GetAccessKeyInfoResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	const char *acct = c->d->account_id;
	if (!resp)
		return -ENOMEM;
	iam__get_access_key_info_response__init(resp);
	if (util_str_has_prefix(q->access_key_id, "AKIA")) {
		Iam__AccessKeyRecord *k;
		int r = op_access_key_lookup(c->txn, &c->pb, q->access_key_id, &k);
		if (r == 0 && k->account_id)
			acct = k->account_id;
		else if (r < 0 && r != -ENOENT)
			return op_fail_store(c, r);
	} else if (c->caller.session && c->caller.session->access_key_id &&
		   strcmp(c->caller.session->access_key_id, q->access_key_id) == 0) {
		acct = c->caller.session->account;
	}
	resp->account = arena_strdup(c->arena, acct);
	if (!resp->account)
		return -ENOMEM;
	*ret = &resp->base;
	return 0;
}

/* ---- DecodeAuthorizationMessage ---- */

int op_decode_authorization_message_resource(struct call *c, const ProtobufCMessage *m,
					     const char **ret)
{
	const Iam__DecodeAuthorizationMessageRequest *q =
		(const Iam__DecodeAuthorizationMessageRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	if (!q->encoded_message)
		util_verr_add(&e, "encodedMessage", NULL, "Member must not be null");
	else if (strlen(q->encoded_message) < 1 || strlen(q->encoded_message) > 10240)
		util_verr_add(&e, "encodedMessage", "[message]",
			      "Member must have length between 1 and 10240");
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	*ret = "*";
	return 0;
}

static int decode_resume(struct call *c, void *state, const struct keyd_reply *rep,
			 ProtobufCMessage **ret)
{
	(void)state;
	if (!rep->err && (rep->code == KEYD__CODE__INVALID_TOKEN ||
			  rep->code == KEYD__CODE__UNKNOWN_KEY_VERSION ||
			  rep->code == KEYD__CODE__BAD_REQUEST))
		return call_fail(c, -EINVAL, "InvalidAuthorizationMessageException",
				 "The encoded authorization message is invalid or was not issued by this service.");
	if (rep->err || rep->code != KEYD__CODE__OK || !rep->result)
		return call_keyd_fail(c, rep);
	const Keyd__OpenAuthorizationMessageResponse *k =
		(const Keyd__OpenAuthorizationMessageResponse *)rep->result;
	Iam__DecodeAuthorizationMessageResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	if (!resp || !k->message)
		return resp ? call_fail(c, -EIO, "ServiceFailure", NULL) : -ENOMEM;
	iam__decode_authorization_message_response__init(resp);
	resp->decoded_message = sts_authz_message_json(c, k->message);
	if (!resp->decoded_message)
		return -ENOMEM;
	*ret = &resp->base;
	return 0;
}

int op_decode_authorization_message(struct call *c, const ProtobufCMessage *m,
				    ProtobufCMessage **ret)
{
	const Iam__DecodeAuthorizationMessageRequest *q =
		(const Iam__DecodeAuthorizationMessageRequest *)m;
	(void)ret;
	Keyd__OpenAuthorizationMessageRequest kr = KEYD__OPEN_AUTHORIZATION_MESSAGE_REQUEST__INIT;
	kr.encoded_message = q->encoded_message;
	return call_keyd(c, KEYD__REQUEST__OP_OPEN_AUTHORIZATION_MESSAGE, &kr.base, decode_resume,
			 NULL);
}
