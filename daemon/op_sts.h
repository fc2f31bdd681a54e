/* op_sts: what the STS handlers (op_sts.c: AssumeRole; op_sts_token.c:
 * GetSessionToken, GetCallerIdentity, GetAccessKeyInfo,
 * DecodeAuthorizationMessage) share. docs/sts.md. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "call.h"
#include "keyd.pb-c.h"
#include "sts.pb-c.h"

struct util_verr;

/* Temporary access key ids: "ASIA" and 16 characters of A-Z2-7, 20 in all
 * as on AWS (lib/util/id.h's 21-character unique ids cut to 20).
 * TODO(keyd): 21 until iam-keyd's claims check accepts 20-character ASIA
 * ids (/work/notes/sts-to-keyd.md). */
#define STS_KEY_ID_LEN 20
/* The room of AWS's packed session policies and tags, in bytes (see
 * sts_packed_percent()). */
#define STS_PACKED_ROOM 4096

/* A member of [\w<extra>]* of min..max characters (ValidationError). */
void sts_check_chars(const char *v, const char *field, size_t min, size_t max,
		     const char *extra, const char *pattern, struct util_verr *e);
/* RoleArn (20..2048) and RoleSessionName ([\w+=,.@-], 2..64). */
void sts_check_role(const char *role_arn, const char *session_name, struct util_verr *e);
/* sts:TagSession or sts:SetSourceIdentity on the role as the caller's
 * authorization decides it: 0, or AccessDenied recorded. */
int sts_also_allowed(struct call *c, const char *action, const char *role_arn);
/* The session's Policy and PolicyArns into the claims keyd seals (the ARNs'
 * array in c->arena). -ENOMEM. */
int sts_claims_session_policies(struct call *c, Keyd__SessionClaims *cl, const char *policy,
				struct Iam__PolicyDescriptorType *const *arns, size_t n);
/* A session policy (Policy): 1..POLICY_MAX_SESSION characters when given. */
void sts_check_session_policy(const char *policy, struct util_verr *e);
/* PolicyArns: at most 10, each a managed policy's ARN of 20..2048 characters. */
struct Iam__PolicyDescriptorType;
void sts_check_policy_arns(struct Iam__PolicyDescriptorType *const *arns, size_t n,
			   struct util_verr *e);
/* durationSeconds in 900..max when given. */
void sts_check_duration(bool has, int32_t v, int32_t max, struct util_verr *e);
/* SerialNumber and TokenCode: their form, and both or neither (the code is
 * checked by op_mfa_sts_verify() in the handler). */
void sts_check_mfa(const char *serial, const char *code, struct util_verr *e);
/* PackedPolicySize: the percentage of STS_PACKED_ROOM that the session
 * policy (without insignificant white space), the policy ARNs and the
 * tags' keys and values take. */
int32_t sts_packed_percent(const char *policy, Iam__PolicyDescriptorType *const *arns,
			   size_t n_arns, Keyd__Tag *const *tags, size_t n_tags);

/* A new ASIA... id in c->arena. */
int sts_access_key_id_new(struct call *c, char **ret);
/* The Credentials of minted claims (keyd's answer copied into c->arena). */
int sts_credentials_new(struct call *c, const Keyd__SessionClaims *claims,
			const Keyd__MintSessionResponse *k, Iam__Credentials **ret);

/* AWS's DecodedMessage JSON of an opened authorization message
 * (sts_message.c), in c->arena; NULL when out of memory. */
char *sts_authz_message_json(struct call *c, const Keyd__AuthorizationMessage *m);
