/* sts_session: temporary credentials in authorization (docs/sts.md).
 *
 * A call signed with temporary credentials (authn.c: c->caller.session
 * holds the claims keyd opened) is decided here:
 *   - an assumed-role session (CALLER_SESSION) with the role's identity
 *     policies and permissions boundary (authz's cached principal), the
 *     session policies (the inline Policy and the PolicyArns' default
 *     versions, compiled once per session and cached per generation), and
 *     the context AWS gives a session: aws:userid (AROA...:NAME),
 *     aws:PrincipalArn (the role), aws:TokenIssueTime,
 *     aws:MultiFactorAuthPresent, aws:SourceIdentity and aws:PrincipalTag/<k>
 *     from the session tags, which win over the role's tags of the same key;
 *   - a GetSessionToken session acts as its user (or root) minus AWS's
 *     limits: no IAM call without MFA (InvalidClientTokenId, as AWS's IAM
 *     answers it), and of STS only AssumeRole and GetCallerIdentity.
 * Several session policies are a union (AWS: the session may do what any of
 * them allows, within the role's permissions): the decision is made once
 * per session policy with lib/policy's single session layer and combined
 * (any explicit deny denies; any allow allows).
 *
 * Also the compiled trust policies of roles (sts:AssumeRole's resource
 * policy), cached per generation like the principals. */
#pragma once
#include <stdbool.h>

#include "authz.h"
#include "call.h"

struct Keyd__SessionClaims;

/* Decides `action` on `resource` for a caller with a session, when the
 * session decides it: 1 with *ret filled; 0 when the caller's kind decides
 * on (a GetSessionToken session within its limits acts as its user or
 * root); negative errno when no decision could be made. */
int sts_session_authorize(struct call *c, const char *action, const char *resource,
			  struct authz_result *ret);

/* Adds the session's context keys (above) to x: they win over what is
 * added after them. No-op without a session. */
int sts_session_ctx(struct call *c, struct authz_ctx *x);

/* Evaluates `base` (identity, resource, boundary; its session member is
 * ignored) with each of the n session policies in turn (n == 0: none), as
 * one decision. With `trust` (a role's trust policy that is base->resource)
 * an allow also needs the trust policy to allow on its own. */
int sts_session_eval(struct call *c, const struct policy_set *base,
		     const struct policy *const *sessions, size_t n, bool trust,
		     const struct policy_request *req, struct policy_result *ret);

/* The compiled trust policy `doc` of role `name` in `account`, cached per
 * generation under the role. Valid during the call (the cache evicts its
 * least recently used entry only). -EIO when the stored document cannot be
 * parsed. */
int sts_trust_policy_get(struct call *c, const char *account, const char *name,
			 const char *doc, const struct policy **ret);

/* A role's MaxSessionDuration, and a session's, when none is given. */
#define STS_ROLE_DEFAULT_DURATION 3600

/* The role `name` of `account` read in the call's transaction (into c->pb);
 * *ret NULL when there is none. -EIO when its record is damaged. */
struct Iam__Role;
int sts_role_read(struct call *c, const char *account, const char *name,
		  struct Iam__Role **ret);

/* A federated AssumeRole* call's resource policy: with `role` (NULL: none,
 * the trust decision then denies), `duration` seconds must not exceed its
 * MaxSessionDuration (ValidationError recorded) and its trust policy becomes
 * c->resource_policy, evaluated as a trust policy. Negative errno after
 * call_fail(). */
int sts_role_trust_use(struct call *c, const char *account, const struct Iam__Role *role,
		       int32_t duration);

/* "2024-01-02T03:04:05Z" into c->arena. */
const char *sts_isotime(struct call *c, int64_t secs);

/* Authorize's encoded denial (sts_message.c): seals the details of the
 * decision in `resp` (its decision and matched statements), the principal,
 * action, resource and context `x` with iam-keyd
 * (SealAuthorizationMessage) and answers a copy of `resp` (in the call's
 * arena: `resp` may point into caches another call frees while this one
 * waits) with EncodedAuthorizationMessage when keyd has: CALL_PENDING, or a
 * negative errno with ServiceUnavailable recorded. */
struct Iam__AuthorizeResponse;
int sts_message_seal(struct call *c, struct Iam__AuthorizeResponse *resp,
		     const char *principal_arn, const char *principal_id, const char *action,
		     const char *resource, const struct authz_ctx *x);
