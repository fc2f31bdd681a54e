/* authn: who a call on the api socket comes from when the Request carries
 * SigV4 credentials (api.proto field 3, proto/auth.proto; docs/sigv4.md).
 *
 *   dispatch (call_start) -> authn_sigv4_start(): the pure checks
 *   (lib/sigv4: Authorization header, date within 15 minutes, scope,
 *   signed headers) and the canonical request of the call, hashed over the
 *   exact bytes of the op message as sent; then the key: an AKIA... id is
 *   looked up in STORE_DB_ACCESS_KEYS (unknown or Inactive:
 *   InvalidClientTokenId), an ASIA... id needs its session token; then
 *   VerifySigV4 goes to keyd (call_keyd(), which suspends the call).
 *   keyd answers -> the resume function: a wrong signature is
 *   SignatureDoesNotMatch, a garbled token InvalidClientTokenId, an expired
 *   one ExpiredToken; a good one makes c->caller the key's user (or the
 *   account root for a root key), or the session's principal
 *   (CALLER_SESSION with its claims), and the pipeline goes on
 *   (CALL_PROCEED). The peer's uid no longer matters for that call.
 *
 * Deferred verification (one keyd hop instead of two). AssumeRole and
 * GetSessionToken signed with a long-term (AKIA) key need keyd twice:
 * VerifySigV4, then MintSession. For them authn_sigv4_start() checks all
 * it can itself (the pure checks, the key known and Active), makes the
 * key's owner the caller AS CLAIMED, records the VerifySigV4 request in
 * c->authn_deferred and answers CALL_PROCEED at once: the pipeline
 * (resource, authorization, handler) runs on the claimed identity, and
 * the handler mints with authn_mint(), which sends ONE VerifyAndMint: keyd
 * mints only if the signature verifies (proto/keyd.proto). Its answer
 * then goes through the same checks as VerifySigV4's (the key read again,
 * AccessKeyLastUsed) before the op's resume function sees MintSession's
 * answer. Nothing with a side effect happens before the signature is
 * proven: the handler's side effects are in its resume function, and
 * dispatch neither commits nor logs a denial of a deferred call. When the
 * optimistic pipeline ends any other way (denied, invalid input, any
 * error), dispatch drops its outcome and calls authn_verify_deferred():
 * VerifySigV4 first, and the pipeline runs again on the proven caller, so
 * the errors and their precedence (SignatureDoesNotMatch before
 * AccessDenied) and the audit record are those of the plain path.
 * Session tokens (role chaining) are opened by keyd first, as before.
 *
 * AccessKeyLastUsed (date, service, region) is written at most once a
 * minute per key (a fixed in-memory table of the last writes, no
 * allocation; a key pushed out by another only writes again sooner), in
 * the op's own
 * write transaction when it has one, else in a short write transaction of
 * its own; a failed write is logged and does not fail the call. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "call.h"

struct Iam__SigV4Auth;
struct iamd;

/* Authenticates call `c` whose Request frame is body[0, len) and carries
 * `auth`. CALL_PENDING when VerifySigV4 went to keyd (the resume function
 * is set), or a negative errno with the AWS error recorded (c->err_http
 * set: IncompleteSignature 400, the others 403; ServiceUnavailable 503 when
 * keyd is away), or CALL_PROCEED when verification is deferred (below). */
int authn_sigv4_start(struct call *c, const struct Iam__SigV4Auth *auth,
		      const uint8_t *body, size_t len);

struct Keyd__SessionClaims;
/* Mints the session of `claims` for the call (AssumeRole,
 * GetSessionToken): MintSession, or VerifyAndMint when the caller is
 * still as claimed (c->authn_deferred, see above). `resume` gets
 * MintSession's answer (a Keyd__MintSessionResponse) either way, and only
 * once the caller is proven. Returns what call_keyd() returns. */
int authn_mint(struct call *c, const struct Keyd__SessionClaims *claims,
	       call_resume_fn resume, void *state);
/* For dispatch: the deferred call's optimistic pipeline did not end in
 * authn_mint(): the caller as before, and VerifySigV4 to keyd (its resume
 * function proceeds with the pipeline as on the plain path). CALL_PENDING
 * or negative errno with the error recorded. */
int authn_verify_deferred(struct call *c);

/* The bytes of field `op` (length-delimited) of the Request envelope in
 * body[0, len), for the payload hash: 0 with *ret set when the envelope is
 * exactly {id?, sigv4, op} with each field once; -EBADMSG otherwise. */
int authn_op_bytes(const uint8_t *body, size_t len, uint32_t op,
		   const uint8_t **ret, size_t *ret_len);

struct sigv4_request;
/* The same for an HTTP request iam-gateway forwarded (http_call.c): the
 * Authorization header, X-Amz-Date and X-Amz-Security-Token as received,
 * the credential scope's service `service` ("iam", "sts"), and the
 * canonical request of `req` (its payload hash: the body's SHA-256) over
 * the headers the client signed. No Authorization at all is
 * MissingAuthenticationToken (403). Deferred as authn_sigv4_start() is
 * (CALL_PROCEED) for AssumeRole and GetSessionToken with an access key. */
int authn_sigv4_http_start(struct call *c, const char *service, const char *authorization,
			   const char *amz_date, const char *security_token,
			   const struct sigv4_request *req);
