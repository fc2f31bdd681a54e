/* sigv4: AWS Signature Version 4 (AWS4-HMAC-SHA256), the pure parts.
 *
 * Server side: parse the Authorization header (sigv4_authz_parse), check
 * its scope and the request time against the caller's clock
 * (sigv4_authz_check), build the canonical request over the signed headers
 * (sigv4_canonical_request) and hash it; whoever holds the secret (keyd)
 * then builds the string to sign from those typed pieces
 * (sigv4_string_to_sign) and compares signatures (sigv4_signature_equal).
 * Client side: the same canonical request over all headers, then
 * sigv4_sign() with the secret.
 *
 * No I/O, no clock (callers pass `now`), no logging; nothing is kept
 * between calls. Strings built here come from the caller's arena. The
 * hashing (SHA-256, HMAC-SHA256) goes through libsodium in sigv4_crypto.c
 * alone. Errors: -EINVAL (or -ENOMEM) with *reterr holding the AWS error
 * code and message; outputs are written only on success. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;

#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"
#define SIGV4_TERMINATOR "aws4_request"
#define SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
#define SIGV4_MAX_SKEW 900              /* seconds either way: 15 minutes */
#define SIGV4_HEX_LEN 64                /* a hex SHA-256 or signature */
#define SIGV4_DATE_LEN 16               /* "20150830T123600Z" */
#define SIGV4_MAX_AUTHZ 4096            /* bytes of an Authorization value */
#define SIGV4_MAX_SIGNED_HEADERS 64

/* AWS error codes this module reports. */
#define SIGV4_E_INCOMPLETE "IncompleteSignature"
#define SIGV4_E_MISMATCH "SignatureDoesNotMatch"
#define SIGV4_E_SKEWED "RequestTimeTooSkewed"
#define SIGV4_E_MISSING "MissingAuthenticationToken"

/* The message AWS gives when the signature is wrong. */
#define SIGV4_MSG_MISMATCH \
	"The request signature we calculated does not match the signature " \
	"you provided. Check your AWS Secret Access Key and signing method. " \
	"Consult the service documentation for details."

struct sigv4_error {
	const char *code;         /* one of SIGV4_E_* */
	const char *message;      /* arena memory (or a literal) */
};

/* A parsed `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
 * Signature=...` value. Strings are NUL-terminated arena copies. */
struct sigv4_authz {
	const char *access_key_id;
	const char *scope;            /* DATE/REGION/SERVICE/aws4_request */
	const char *date;             /* YYYYMMDD, the scope's first part */
	const char *region;
	const char *service;
	const char *terminator;       /* "aws4_request" when well formed */
	const char *signed_headers;   /* "host;x-amz-date", as given */
	const char **headers;         /* the same split at ';' */
	size_t n_headers;
	const char *signature;        /* as given (checked by the comparison) */
};

/* Parses an Authorization header value. `has_date`: the request carries an
 * X-Amz-Date (or Date) header; AWS names its absence in the same message
 * as the missing parameters. IncompleteSignature for a missing or garbled
 * part (AWS's wording: "Authorization header requires 'Credential'
 * parameter. ... Authorization=<value>", "'x' not a valid key=value pair
 * (missing equal-sign) in Authorization header: '<value>'", "Credential
 * must have exactly 5 slash-delimited elements, ...", "Unsupported AWS
 * 'algorithm': ..."). */
int sigv4_authz_parse(struct arena *a, const char *value, size_t len, bool has_date,
		      struct sigv4_authz *ret, struct sigv4_error *reterr);

/* "20150830T123600Z" (ISO 8601 basic format, UTC) to Unix seconds. */
int sigv4_date_parse(const char *s, int64_t *ret);
/* Unix seconds to "20150830T123600Z"; `out` holds SIGV4_DATE_LEN + 1. */
void sigv4_date_format(int64_t t, char out[SIGV4_DATE_LEN + 1]);

/* The checks that come before any secret is needed, in AWS's order:
 *  - amz_date in ISO 8601 basic format (IncompleteSignature "Date must be
 *    in ISO-8601 'basic format'. Got '...'. ...");
 *  - within SIGV4_MAX_SKEW of `now` (RequestTimeTooSkewed "Signature
 *    expired: A is now earlier than B (NOW - 15 min.)" or "Signature not
 *    yet current: A is still later than B (NOW + 15 min.)");
 *  - 'host' among the signed headers (SignatureDoesNotMatch);
 *  - the scope: a region of [a-z0-9-] (any region is accepted), a service
 *    among the NULL-terminated `services` ("Credential should be scoped to
 *    correct service: 'iam'."), the terminator, and the scope's date equal
 *    to amz_date's (SignatureDoesNotMatch, AWS's words, joined). */
int sigv4_authz_check(struct arena *a, const struct sigv4_authz *az,
		      const char *amz_date, int64_t now,
		      const char *const *services, struct sigv4_error *reterr);

/* One request header as it arrived; a name may repeat. */
struct sigv4_header {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
};

/* A request as canonicalization sees it. */
struct sigv4_request {
	const char *method;           /* "POST" */
	const char *path;             /* as on the request line, raw octets */
	size_t path_len;
	const char *query;            /* after '?', raw; NULL or "" for none */
	size_t query_len;
	const struct sigv4_header *headers;
	size_t n_headers;
	const char *payload_hash;     /* 64 lower-case hex chars, or
				       * UNSIGNED-PAYLOAD where a service allows it */
	bool s3;                      /* S3 rules: no path normalization, the
				       * path encoded once */
};

/* The canonical request: method, canonical URI (dot segments and duplicate
 * slashes removed except for S3; each octet outside A-Za-z0-9-._~ and '/'
 * percent-encoded), canonical query string (names and values decoded then
 * encoded, sorted by name then value), canonical headers (lower-case names,
 * values trimmed with inner runs of blanks collapsed, repeated headers
 * joined with ',' in arrival order, sorted), the signed header list and the
 * payload hash. `signed_headers` (lower-case, sorted, n of them) selects the
 * headers; a signed header absent from the request counts as empty. NULL
 * selects every header of the request (the client side). The result is
 * NUL-terminated, in `a`. -EINVAL: a header name that is not an HTTP
 * token, more than SIGV4_MAX_SIGNED_HEADERS, or a bad payload hash. */
int sigv4_canonical_request(struct arena *a, const struct sigv4_request *req,
			    const char *const *signed_headers, size_t n,
			    char **ret, size_t *ret_len, struct sigv4_error *reterr);
/* The signed header list the client side signs: every header name of req,
 * lower-cased, sorted, unique ("host;x-amz-date"). */
int sigv4_signed_headers(struct arena *a, const struct sigv4_request *req,
			 const char ***ret_names, size_t *ret_n, char **ret_list);

/* "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hash>" into out[0, cap); returns
 * its length, or -ENOSPC / -EINVAL (the caller's typed fields are checked:
 * a 16-char date, a scope without newline, 64 hex chars). NUL-terminated. */
int sigv4_string_to_sign(const char *amz_date, const char *scope,
			 const char *creq_hash_hex, char *out, size_t cap);

/* Hex SHA-256 of data[0, len); out holds 65 bytes. */
void sigv4_sha256_hex(const void *data, size_t len, char out[SIGV4_HEX_LEN + 1]);
/* The signature of `sts` (the string to sign) with the secret access key:
 * hex(HMAC(HMAC(HMAC(HMAC(HMAC("AWS4" secret, date), region), service),
 * "aws4_request"), sts)). Intermediate keys are wiped. -EINVAL on an
 * oversize secret or scope part. */
int sigv4_sign(const char *secret, size_t secret_len, const char *date,
	       const char *region, const char *service, const char *sts,
	       size_t sts_len, char out[SIGV4_HEX_LEN + 1]);
/* Constant-time comparison of a computed signature with a given one (any
 * length: only a 64-char string can be equal). */
bool sigv4_signature_equal(const char *computed, const char *given);

/* The whole server-side check where the secret is at hand (tests, tools;
 * iamd leaves this last step to keyd): builds the string to sign from the
 * parsed header, the date and the canonical request's hash, signs it with
 * `secret` and compares. 0 when it matches; -EACCES with
 * SignatureDoesNotMatch otherwise. */
int sigv4_verify(const struct sigv4_authz *az, const char *amz_date,
		 const char *creq_hash_hex, const char *secret, size_t secret_len,
		 struct sigv4_error *reterr);

/* The Authorization value a client sends: "AWS4-HMAC-SHA256
 * Credential=AKID/SCOPE, SignedHeaders=LIST, Signature=HEX", in `a`. */
char *sigv4_authz_format(struct arena *a, const char *access_key_id,
			 const char *scope, const char *signed_headers,
			 const char *signature);

/* An HTTP/1.1 request in text (request line, header lines, a blank line,
 * body), as AWS's test suite writes them: lines end in "\n" or "\r\n", a
 * line starting with a blank continues the previous header (a further
 * value of it), the request line's target may hold raw spaces and UTF-8.
 * Pointers go into `text` or `a`. */
struct sigv4_http {
	struct sigv4_request req;     /* payload_hash: SHA-256 of the body */
	struct sigv4_header *headers;
	const char *body;
	size_t body_len;
	const char *authorization;    /* the Authorization value, NUL-terminated
				       * in `a`; NULL when absent */
	const char *amz_date;         /* X-Amz-Date, NULL when absent */
	const char *security_token;   /* X-Amz-Security-Token, NULL when absent */
};

/* Parses `text`; the Authorization header is taken out of req.headers.
 * -EINVAL (IncompleteSignature is not the point here: code
 * "MalformedRequest") on a bad request line or header line. */
int sigv4_http_parse(struct arena *a, const char *text, size_t len,
		     struct sigv4_http *ret, struct sigv4_error *reterr);

/* --- the api socket's signed call (docs/sigv4.md) ----------------------- */

#define SIGV4_API_HOST "iamd"
#define SIGV4_API_ACTION_HEADER "x-iamd-action"
#define SIGV4_API_MAX_HEADERS 4

/* What an api-socket call signs: POST / with no query, the headers
 * host:iamd, x-amz-date, x-amz-security-token (with a session) and
 * x-iamd-action:<action>, and the SHA-256 of the op message's bytes. */
struct sigv4_api_call {
	const char *action;          /* the AWS action name: "GetUser" */
	const char *amz_date;        /* "20150830T123600Z" */
	const char *security_token;  /* NULL without a session */
	const char *payload_hash;    /* hex SHA-256 of the op message bytes */
};

/* Fills *ret (its headers in hdrs) with the request of `call`. */
void sigv4_api_request(const struct sigv4_api_call *call,
		       struct sigv4_header hdrs[SIGV4_API_MAX_HEADERS],
		       struct sigv4_request *ret);

/* Client side: the Authorization value of `call` signed with the
 * credentials (region: any; service: the action's, "iam", "sts" or
 * "iamd"), in `a`. -EINVAL on a malformed input. */
int sigv4_api_sign(struct arena *a, const struct sigv4_api_call *call,
		   const char *access_key_id, const char *secret, size_t secret_len,
		   const char *region, const char *service, char **ret_authz);

/* Server side, before the secret: parses `authorization`, checks the date
 * and scope (the scope's service must be `service`), that host, x-amz-date
 * and x-iamd-action are signed, and hashes the canonical request of
 * `call` over the signed headers into creq_hash. Errors as
 * sigv4_authz_parse/sigv4_authz_check (+ SignatureDoesNotMatch "'x' must
 * be a 'SignedHeader' ..."). */
int sigv4_api_prepare(struct arena *a, const char *authorization,
		      const struct sigv4_api_call *call, int64_t now,
		      const char *service, struct sigv4_authz *ret_az,
		      char creq_hash[SIGV4_HEX_LEN + 1], struct sigv4_error *reterr);
