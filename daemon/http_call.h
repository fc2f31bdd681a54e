/* http_call: an AWS Query API request forwarded by iam-gateway (api.proto
 * Request.http, proto/http.proto) turned into an ordinary call.
 *
 *   dispatch_frame() -> http_call_decode(): the form (the POST body when its
 *   Content-Type is application/x-www-form-urlencoded, with or without a
 *   charset, and the query string) gives Action and Version; the action
 *   must be an IAM action with Version 2010-05-08 or an STS action with
 *   2011-06-15 (else InvalidAction 400; no Action: MissingAction 400); the
 *   other parameters become the op's message from the descriptors
 *   (lib/pbjson/pbjson_form.c; a parameter that does not fit: InvalidInput
 *   400 naming it). Errors found here are answered at once (a Response with
 *   a status and no result).
 *   call_start() -> http_call_authn(): the caller is ALWAYS the SigV4 signer
 *   of the HTTP request (authn_sigv4_http_start(): the canonical request is
 *   rebuilt from the method, path, query, headers and body as received, so
 *   a call runs only with the parameters that were signed), never the
 *   gateway's uid: an unsigned request is MissingAuthenticationToken (403).
 *   Then the call runs as any other. */
#pragma once
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

struct session;
struct call;
struct op;
struct rpc_buf;
struct Iam__HttpCall;

#define HTTP_CALL_ANSWERED 1

/* 0 with the op and its message (session arena), HTTP_CALL_ANSWERED when an
 * error answer was appended to `out`, or a negative errno. */
int http_call_decode(struct session *s, uint64_t id, const struct Iam__HttpCall *http,
		     const struct op **ret_op, ProtobufCMessage **ret_msg,
		     struct rpc_buf *out);

/* Authenticates the call (see above): CALL_PENDING while keyd checks the
 * signature, or a negative errno with the AWS error recorded. */
int http_call_authn(struct call *c, const struct Iam__HttpCall *http);
