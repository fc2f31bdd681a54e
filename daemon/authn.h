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
 * keyd is away). */
int authn_sigv4_start(struct call *c, const struct Iam__SigV4Auth *auth,
		      const uint8_t *body, size_t len);

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
 * MissingAuthenticationToken (403). */
int authn_sigv4_http_start(struct call *c, const char *service, const char *authorization,
			   const char *amz_date, const char *security_token,
			   const struct sigv4_request *req);
