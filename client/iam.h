/* iam.h: libiam, the C client library of iamd.
 *
 * libiam talks to iamd over its api socket (a Unix stream socket; frames of
 * a u32 big-endian length and one protobuf envelope). Every IAM and STS
 * action that iamd serves is reachable by its AWS name, with the AWS API's
 * request and response shapes as JSON (iam_call_json), or as protobuf-c
 * messages for C callers built with iamd's .proto files (iam_call).
 *
 *     iam_client *c = NULL;
 *     iam_error *e = NULL;
 *     char *out = NULL;
 *     int r = iam_client_new(NULL, &c);          // $IAMD_SOCKET or default
 *     if (r < 0) ... strerror(-r) ...
 *     r = iam_call_json(c, "CreateUser", "{\"UserName\": \"alice\"}", &out, &e);
 *     if (r < 0 && e) printf("%s: %s\n", iam_error_code(e), iam_error_message(e));
 *     iam_free(out); iam_error_free(e); iam_client_free(c);
 *
 * Conventions: functions return 0 (or a count) on success and a negative
 * errno on failure; outputs are written only on success; every *_free()
 * accepts NULL. A client handle is not thread-safe: use one per thread.
 * Only names starting with iam_ are exported (symbol version IAM_0.1). */
#ifndef IAM_H
#define IAM_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IAM_EXPORT __attribute__((visibility("default")))

typedef struct iam_client iam_client;   /* one connection to iamd */
typedef struct iam_error iam_error;     /* an AWS error: code, message, ... */
struct ProtobufCMessage;                /* from <protobuf-c/protobuf-c.h> */

/* The socket used when neither the caller nor $IAMD_SOCKET names one. */
#define IAM_DEFAULT_SOCKET "/run/iamd/api.sock"
/* The default deadline of one call (connect, send and answer), in ms. */
#define IAM_DEFAULT_TIMEOUT_MS 30000

/* Connects to iamd at `socket_path` (NULL: $IAMD_SOCKET if set, else
 * IAM_DEFAULT_SOCKET) and says Hello. Fails fast when nothing listens:
 * -ENOENT (no socket), -ECONNREFUSED (no daemon), -EACCES, -ETIMEDOUT (a
 * daemon that does not answer within the default timeout), -EPROTO (not
 * iamd), -ENAMETOOLONG, -ENOMEM. */
IAM_EXPORT int iam_client_new(const char *socket_path, iam_client **ret);
/* The same with the deadline of the connection, of Hello and of each later
 * call set to `timeout_ms` (<= 0: wait forever) instead of the default. */
IAM_EXPORT int iam_client_new_with_timeout(const char *socket_path,
					   int timeout_ms, iam_client **ret);
/* Closes the connection and frees the handle. */
IAM_EXPORT void iam_client_free(iam_client *c);
/* The deadline of each later call, in milliseconds (<= 0: wait forever). */
IAM_EXPORT void iam_client_set_timeout(iam_client *c, int timeout_ms);
/* SigV4 credentials: from now on every call is signed with them
 * (docs/sigv4.md) and iamd runs it as the access key's user, or as the
 * session of temporary credentials (session_token, may be NULL), instead
 * of as the peer's uid. NULL access_key_id forgets them. The handle keeps
 * copies; the secret is wiped from memory when replaced and when the
 * handle is freed. -EINVAL for an empty or non-printable value. */
IAM_EXPORT int iam_client_set_credentials(iam_client *c, const char *access_key_id,
					  const char *secret_access_key,
					  const char *session_token);
/* The region named in each signature's scope (NULL: "us-east-1"); iamd
 * accepts any. */
IAM_EXPORT int iam_client_set_region(iam_client *c, const char *region);
/* Finds credentials as the AWS CLI does and sets them (and the region):
 * AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN unless
 * `profile` (the CLI's --profile; NULL: none) is given, then the profile
 * (`profile`, AWS_PROFILE, AWS_DEFAULT_PROFILE or "default") in
 * ~/.aws/credentials (AWS_SHARED_CREDENTIALS_FILE), then in ~/.aws/config
 * (AWS_CONFIG_FILE, section [profile NAME]). Returns 1 when credentials
 * were found, 0 when there are none (calls stay unsigned: iamd knows the
 * caller by its uid), or a negative errno with *reterr: -ENOENT
 * ProfileNotFound (a named profile in neither file), -EINVAL
 * PartialCredentials. A profile of ~/.aws/config with `role_arn` and
 * `source_profile` (and `external_id`, `role_session_name`,
 * `duration_seconds`) assumes that role with the source profile's
 * credentials, as the AWS CLI does, and caches the session in
 * ~/.aws/cli/cache/<sha1>.json (mode 0600) until 15 minutes before it
 * expires (docs/sts.md); the AssumeRole error, if any, is *reterr. */
IAM_EXPORT int iam_client_load_credentials(iam_client *c, const char *profile,
					   iam_error **reterr);
/* For the host root (uid 0 or the owner of iamd's state directory):
 * unsigned calls act as the root of account `account_id` (12 digits) instead
 * of iamd's default account (Request.account_id; iamd refuses it from
 * anyone else). NULL: the default account. Signed calls never carry it.
 * -EINVAL when not 12 digits. */
IAM_EXPORT int iam_client_set_account_id(iam_client *c, const char *account_id);
/* The access key id calls are signed with, or NULL. */
IAM_EXPORT const char *iam_client_access_key_id(const iam_client *c);

/* What the daemon said in Hello: its default account id ("123456789012")
 * and its name ("iamd/0.1.0"). Owned by the handle. */
IAM_EXPORT const char *iam_client_account_id(const iam_client *c);
IAM_EXPORT const char *iam_client_server(const iam_client *c);

/* Calls `action` (the AWS action name, "CreateUser"; "create_user" works
 * too) with `params_json`, a JSON object of the AWS request members
 * ({"UserName": "alice", "Tags": [{"Key": "k", "Value": "v"}]}; NULL or ""
 * for none). On success *ret_json is the AWS response as the AWS CLI prints
 * it (4-space indent, timestamps as "2024-01-02T03:04:05+00:00", lists of the
 * top-level response always present); free it with iam_free().
 *
 * Errors:
 *  - the service refused the call: *reterr holds its AWS code, message,
 *    request id and HTTP status; the return value is -ENOENT (NoSuchEntity),
 *    -EEXIST (EntityAlreadyExists), -ENOTEMPTY (DeleteConflict), -EDQUOT
 *    (LimitExceeded), -EINVAL (ValidationError, InvalidInput,
 *    MalformedPolicyDocument), -EACCES (AccessDenied), -EIO (ServiceFailure)
 *    or -EREMOTEIO (any other code);
 *  - the parameters do not fit the action's request shape (unknown member,
 *    wrong type, bad JSON): -EINVAL with *reterr code "ParamValidation" and
 *    a message naming the member; an unknown action: -EOPNOTSUPP with code
 *    "InvalidAction";
 *  - transport failures: -ECONNREFUSED, -ECONNRESET, -EPIPE, -ETIMEDOUT,
 *    -EPROTO, -EMSGSIZE, -ENOMEM, with *reterr left NULL.
 * `reterr` may be NULL; *reterr is set only on failure. After a transport
 * failure the connection is closed and the next call connects again. */
IAM_EXPORT int iam_call_json(iam_client *c, const char *action,
			     const char *params_json, char **ret_json,
			     iam_error **reterr);

/* The same for C callers that hold protobuf-c messages generated from
 * iamd's proto/ files: `request` is the action's request message
 * (iam.CreateUserRequest for "CreateUser"); on success *ret_response is the
 * action's response message (iam.CreateUserResponse), to be freed with
 * iam_message_free(). -EINVAL if `request` is not the action's type. */
IAM_EXPORT int iam_call(iam_client *c, const char *action,
			const struct ProtobufCMessage *request,
			struct ProtobufCMessage **ret_response, iam_error **reterr);
IAM_EXPORT void iam_message_free(struct ProtobufCMessage *m);

/* The parts of an error; strings are owned by the error and never NULL
 * (empty when unknown). The HTTP status is AWS's for the code (404 for
 * NoSuchEntity), 0 for errors raised inside libiam. */
IAM_EXPORT const char *iam_error_code(const iam_error *e);
IAM_EXPORT const char *iam_error_message(const iam_error *e);
IAM_EXPORT const char *iam_error_request_id(const iam_error *e);
IAM_EXPORT unsigned iam_error_http_status(const iam_error *e);
/* true when the caller's request was at fault (AWS error type "Sender"). */
IAM_EXPORT bool iam_error_sender_fault(const iam_error *e);
IAM_EXPORT void iam_error_free(iam_error *e);

/* Frees a string that libiam returned. */
IAM_EXPORT void iam_free(void *p);

/* Host credentials (docs/host-roles.md): the temporary credentials of the
 * role of the instance profile that iamd associates with the CALLING
 * PROCESS (iamd:GetCredentials), from a process-wide cache refreshed ahead
 * of expiry (a jittered 5-10 minutes, at most half the lifetime). Never
 * returns credentials with less than a minute left: when a refresh fails
 * the old ones are returned while they last, then the error. Thread-safe;
 * `c` is used (under the cache's lock) only when a refresh is due, and
 * reconnects after iamd restarts. *ret is shared and immutable: release it
 * with iam_credentials_free(). The _error form also returns the AWS error
 * (AccessDenied when no association or trust policy allows the caller). */
typedef struct iam_credentials iam_credentials;
IAM_EXPORT int iam_credentials_get(iam_client *c, iam_credentials **ret);
IAM_EXPORT int iam_credentials_get_error(iam_client *c, iam_credentials **ret,
					 iam_error **reterr);
IAM_EXPORT const char *iam_credentials_access_key_id(const iam_credentials *k);
IAM_EXPORT const char *iam_credentials_secret_access_key(const iam_credentials *k);
IAM_EXPORT const char *iam_credentials_session_token(const iam_credentials *k);
IAM_EXPORT const char *iam_credentials_role_arn(const iam_credentials *k);
/* Unix seconds */
IAM_EXPORT int64_t iam_credentials_expiration(const iam_credentials *k);
IAM_EXPORT void iam_credentials_free(iam_credentials *k);
/* Drops the cached credentials; and, for tests, the cache's clock (Unix
 * seconds; NULL: the real one). */
IAM_EXPORT void iam_credentials_cache_clear(void);
IAM_EXPORT void iam_credentials_set_clock(int64_t (*now)(void));

#ifdef __cplusplus
}
#endif
#endif
