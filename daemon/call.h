/* call: one API call as the dispatcher hands it to an operation handler, and
 * the operation table's entry type. The contract between dispatch
 * (dispatch.c) and the handlers (op_*.c, listed in ops.c):
 *
 *   decode -> identify caller -> begin txn (read or write) ->
 *   op->resource() (may read the store: a user's ARN holds its path) ->
 *   authorize(op->action, resource ARN, context) -> op->handler() ->
 *   [audit record here] -> commit -> encode
 *
 * A handler never checks permissions itself and never commits: it returns
 * >= 0 with *ret_resp set (memory from c->arena), or a negative errno after
 * call_fail() recorded the AWS error code and message, or CALL_PENDING
 * after call_keyd() or call_wait() (dispatch.h): the call then waits for
 * iam-keyd (or another event of the loop, such as an OIDC provider's keys
 * being fetched) without blocking the loop and resumes in a fresh
 * transaction. */
#pragma once
#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct arena;
struct store_txn;
struct iamd;
struct session;
struct keyd_reply;
struct call;

enum caller_kind {
	CALLER_ANONYMOUS = 0,   /* a uid bound to nothing: denied everything */
	CALLER_ROOT,            /* the account root */
	CALLER_USER,            /* an IAM user */
	CALLER_SESSION,         /* temporary credentials (authn.c): the
				 * session's principal, with its claims */
	CALLER_WEB_IDENTITY,    /* AssumeRoleWithWebIdentity (op_sts_web.c):
				 * the bearer of a verified OIDC token; arn is
				 * the provider's ARN, user_name the token's
				 * sub, user_id PROVIDER:aud:sub; authz
				 * decides it by the role's trust policy alone */
	CALLER_SAML,            /* AssumeRoleWithSAML (op_sts_saml.c): the
				 * bearer of a verified SAML assertion; arn is
				 * the SAML provider's ARN, user_name the
				 * assertion's NameID, user_id its
				 * NameQualifier ":" NameID; authz decides it by
				 * the role's trust policy alone */
};

struct Keyd__SessionClaims;
struct policy;
struct policy_ctx_entry;
struct authn_state;

struct caller {
	enum caller_kind kind;
	uid_t uid;
	gid_t gid;
	pid_t pid;
	const char *account_id;  /* 12 digits */
	const char *arn;         /* arn:aws:iam::ACCOUNT:root, or the user's ARN */
	const char *user_id;     /* the account id for root, AIDA... for a user */
	const char *user_name;   /* NULL for root */
	/* set when the call was signed (SigV4, authn.c) */
	const char *access_key_id;
	const struct Keyd__SessionClaims *session;  /* CALLER_SESSION: arn is
				 * the session's (assumed-role/ROLE/NAME), user_id
				 * its principal id, user_name its session name */
	const char *identity_provider;  /* audit's identityProvider:
				 * CALLER_WEB_IDENTITY the provider's ARN,
				 * CALLER_SAML the saml:namequalifier (as
				 * CloudTrail records them) */
};

/* What a handler, a resume function or an authentication step returns
 * besides >= 0 (done) and negative errno (failed): */
#define CALL_PENDING 1            /* waiting for keyd (call_keyd(), dispatch.h),
				   * or for another event of the loop
				   * (call_wait(): an OIDC provider's keys) */
#define CALL_PROCEED 2            /* a resume function of an authentication
				   * step: go on with the pipeline (resource,
				   * authorization, handler) */

/* Continues a call when keyd answered (dispatch.h): runs in a FRESH
 * transaction of the op's kind; `rep` is valid during the call only. */
typedef int (*call_resume_fn)(struct call *c, void *state, const struct keyd_reply *rep,
			      ProtobufCMessage **ret_resp);

struct call {
	struct arena *arena;      /* owns everything decoded and built for the call */
	const struct op *op;
	uint64_t id;              /* the Request.id, echoed back */
	char request_id[37];      /* AWS RequestId: a UUID */
	int64_t now;              /* Unix seconds, fixed when the call starts */
	struct caller caller;
	struct store_txn *txn;    /* read or write, as op->flags say */
	struct iamd *d;           /* daemon-wide configuration and handles */
	ProtobufCAllocator pb;    /* allocates from arena: pass to *_unpack() */
	void *op_state;           /* NULL at start: resource() may leave what it
				   * loaded (arena memory) for handler() to reuse */
	const ProtobufCMessage *req;  /* the decoded request (authz reads its
				   * Tags, TagKeys, PolicyArn, PermissionsBoundary) */
	/* aws:ResourceTag/<key>: resource() may set the target's tags here
	 * when it loaded the target (has_resource_tags); otherwise authz
	 * loads them itself from the resource ARN (users, roles, policies),
	 * and only when the caller's policies use the key. */
	bool has_resource_tags;
	struct Iam__Tag *const *resource_tags;
	size_t n_resource_tags;
	/* Set by resource() when the action has a resource-based policy that
	 * authz evaluates beside the caller's (a role's trust policy for
	 * sts:AssumeRole, compiled and cached by sts_session.c), and the
	 * context keys the request adds (sts:ExternalId, sts:RoleSessionName,
	 * ...). With resource_policy_trust, the resource policy must also
	 * allow the caller on its own (AWS: no identity policy can assume a
	 * role whose trust policy does not name the caller or its account). */
	const struct policy *resource_policy;
	bool resource_policy_trust;
	const struct policy_ctx_entry *ctx_extra;
	size_t n_ctx_extra;
	/* set by call_fail() */
	int err;
	const char *err_code;
	const char *err_msg;
	unsigned err_http;        /* when set, the HTTP status to answer with
				   * instead of call_errno_code()'s */
	/* waiting for keyd (dispatch.c): the call lives in the session's
	 * arena until it is answered */
	struct session *session;
	call_resume_fn resume;
	void *resume_state;
	/* waiting for something else than keyd (call_wait(), dispatch.h):
	 * called if the call is dropped while it waits (its connection
	 * closed), to forget it; wait_data is the waiter's */
	void (*wait_cancel)(struct call *c);
	void *wait_data;
	bool audited;             /* its audit record is written (dispatch.c) */
	/* non-NULL while the caller is the one a SigV4 signature CLAIMS and
	 * keyd has not proven it yet (authn.h, "Deferred verification") */
	struct authn_state *authn_deferred;
};

typedef int (*op_handler_fn)(struct call *c, const ProtobufCMessage *req,
			     ProtobufCMessage **ret_resp);
/* The ARN the call acts on, as AWS defines it for the action ("*" when the
 * action has no resource). Memory from c->arena. */
typedef int (*op_resource_fn)(struct call *c, const ProtobufCMessage *req,
			      const char **ret_arn);

enum op_flags {
	OP_WRITE = 1u << 0,       /* runs in a write transaction */
	OP_NO_TXN = 1u << 1,      /* needs no store access at all */
	OP_CREDENTIALS = 1u << 2, /* issues credentials: the audit record shows
				   * its answer (secrets redacted) and the
				   * journal gets a line */
	OP_SECRET = 1u << 3,      /* the request holds a secret (a password):
				   * the call's arena is wiped when it ends */
};

struct op {
	uint32_t number;          /* Request.op field == Response.result field */
	const char *name;         /* AWS action name: "CreateUser" */
	const char *action;       /* IAM action: "iam:CreateUser" */
	unsigned flags;           /* enum op_flags */
	uint32_t max_len;         /* cap on the request frame, bytes */
	op_resource_fn resource;
	op_handler_fn handler;
};

/* Records an error for the call and returns `err` (negative errno). `code`
 * is the AWS error code; NULL picks the default for `err` (see call.c).
 * The message is formatted into c->arena. */
int call_fail(struct call *c, int err, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The default AWS error code and HTTP status for a negative errno:
 * -ENOENT NoSuchEntity 404, -EEXIST EntityAlreadyExists 409,
 * -ENOTEMPTY DeleteConflict 409, -EDQUOT LimitExceeded 409,
 * -EINVAL InvalidInput 400, -EACCES AccessDenied 403,
 * -ENOSPC/-EIO/other ServiceFailure 500. */
const char *call_errno_code(int err, unsigned *ret_http_status);

/* A protobuf-c allocator drawing from `a` (its free is a no-op: the arena is
 * reset after the call). dispatch sets c->pb with it; handlers may use it too. */
void call_allocator_init(ProtobufCAllocator *pb, struct arena *a);

/* A fresh AWS RequestId: a random UUID version 4, 36 characters. */
int call_request_id_new(char ret[37]);

/* The service prefix of the call's IAM action ("sts" of "sts:AssumeRole"),
 * as SigV4's credential scope names it. */
#define CALL_SERVICE_MAX 16
void call_service(const struct call *c, char ret[CALL_SERVICE_MAX]);

/* The operation table (ops.c). */
const struct op *ops_find(uint32_t number);
extern const struct op ops_table[];
extern const size_t ops_table_len;
