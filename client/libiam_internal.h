/* libiam_internal: what the files of libiam share (not installed). */
#pragma once
#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "api.pb-c.h"
#include "iam.h"

struct arena;

struct iam_client {
	int fd;                  /* -1 when not connected */
	pid_t conn_pid;          /* the process that connected fd */
	char *path;
	uint64_t next_id;        /* Request.id of the next call */
	int timeout_ms;          /* <= 0: no deadline */
	char *account_id;        /* from HelloResponse */
	char *server;
	/* SigV4 credentials (libiam_sign.c); NULL: the peer's uid speaks */
	char *access_key_id;
	char *secret;            /* wiped when replaced or freed */
	char *session_token;
	char *region;            /* NULL: us-east-1 */
	char *act_as_account;    /* Request.account_id of unsigned calls
				    (iam_client_set_account_id) */
	struct arena *arena;     /* the signature's strings, per call */
};

struct iam_error {
	char *code;
	char *message;
	char *request_id;
	unsigned http_status;
	bool sender_fault;
};

/* A new error; NULL strings become "". */
int libiam_error_new(const char *code, const char *message,
		     const char *request_id, unsigned http_status,
		     bool sender_fault, iam_error **ret);

/* One call: `req` goes into Request.op as field `req_f`; the answer's
 * `resp_f` member (a new message of its type, or an empty one when the
 * daemon sent none) is detached into *ret_resp (free with
 * protobuf_c_message_free_unpacked(m, NULL)). Errors as iam_call(). */
int libiam_call(iam_client *c, const ProtobufCFieldDescriptor *req_f,
		const ProtobufCFieldDescriptor *resp_f, const ProtobufCMessage *req,
		ProtobufCMessage **ret_resp, iam_error **reterr);

/* Signs the call of `req` (field `req_f` of Request.op) into *auth when
 * the handle holds credentials: 1 when signed, 0 when there are none;
 * strings in c->arena, valid until the next call. */
int libiam_sign(iam_client *c, const ProtobufCFieldDescriptor *req_f,
		const ProtobufCMessage *req, Iam__SigV4Auth *auth);
/* Drops the connection when another process made it (this one is a
 * fork's child): iamd identifies the process that connected, so host
 * credentials are asked for over a connection of one's own. */
void libiam_disconnect_if_forked(iam_client *c);
/* Wipes and frees the credentials. */
void libiam_credentials_clear(iam_client *c);

/* A ~/.aws/config profile that assumes a role (libiam_role.c): the
 * settings the AWS CLI reads. */
struct libiam_role_profile {
	const char *profile;          /* its name */
	const char *role_arn;
	const char *source_profile;
	const char *external_id;
	const char *role_session_name;  /* NULL: botocore-session-<time> */
	const char *duration_seconds;   /* NULL: the role's default */
};
/* Assumes the role of `rp` with the source profile's credentials (loaded
 * by `load`, which sets them on c) unless the AWS CLI's cache
 * (~/.aws/cli/cache/<sha1>.json, mode 0600) holds a session with more than
 * 15 minutes left; then signs with the session. 1, or a negative errno
 * with *reterr. */
int libiam_role_assume(iam_client *c, const struct libiam_role_profile *rp,
		       int (*load)(iam_client *c, const char *profile, int depth, bool self,
				   iam_error **reterr),
		       int depth, iam_error **reterr);
