/* policy: the AWS IAM policy language. Parses and validates policy JSON
 * (errors as AWS's MalformedPolicyDocument with the JSON path and
 * line:column), compiles it once into a form built for deciding, and decides
 * requests with AWS's documented evaluation logic (identity, resource,
 * permissions boundary and session policies; same account and cross
 * account).
 *
 * A pure library: no I/O, no logging, no clock (the caller passes the time
 * in the request), no global state; thread-safe as long as a struct
 * policy_scratch is used by one thread at a time. Deciding allocates nothing:
 * policy_eval() works in the caller's struct policy_scratch.
 *
 * Ownership: policy_parse() returns a struct policy owned by the caller,
 * released with policy_free() (accepts NULL). A policy_set, a request and a
 * result only borrow: they hold pointers, never copies. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum policy_type {
	POLICY_IDENTITY,   /* attached to a user, group or role: no Principal */
	POLICY_RESOURCE,   /* attached to a resource: Principal required */
	POLICY_TRUST,      /* a role's trust policy: Principal required */
	POLICY_BOUNDARY,   /* a permissions boundary: no Principal */
	POLICY_SESSION,    /* passed when a session is created: no Principal */
};

/* Size limits as AWS sets them (characters; for identity and boundary
 * policies white space is not counted). policy_parse() uses the default for
 * the type unless the options give another limit. */
#define POLICY_MAX_MANAGED     6144
#define POLICY_MAX_INLINE_USER 2048
#define POLICY_MAX_INLINE_GROUP 5120
#define POLICY_MAX_INLINE_ROLE 10240
#define POLICY_MAX_TRUST       2048   /* default; AWS raises it up to 4096 */
#define POLICY_MAX_TRUST_RAISED 4096
#define POLICY_MAX_SESSION     2048
#define POLICY_MAX_RESOURCE    20480  /* the largest common one (S3) */

/* One error or warning, with where it is. `path` is the JSON path of the
 * element ("Statement[1].Condition.StringLike"), line and col are 1-based
 * (0 when the fault is the document as a whole). For errors `code` is
 * "MalformedPolicyDocument" (or "LimitExceeded" for the size limit). */
struct policy_diag {
	const char *code;
	unsigned line, col;
	char path[160];
	char message[320];
};

struct policy_parse_opts {
	enum policy_type type;
	const char *name;   /* named in messages; may be NULL */
	size_t max_size;    /* 0: the AWS default for the type */
};

struct policy;

/* Parses, validates and compiles `json` (len bytes, need not be
 * NUL-terminated). On error returns -EINVAL (bad document), -E2BIG (over
 * the size limit) or -ENOMEM, and fills *reterr when it is not NULL. */
int policy_parse_opts(const char *json, size_t len,
		      const struct policy_parse_opts *opts,
		      struct policy **ret, struct policy_diag *reterr);
int policy_parse(const char *json, size_t len, enum policy_type type,
		 const char *name, struct policy **ret,
		 struct policy_diag *reterr);
void policy_free(struct policy *p);

const char *policy_name(const struct policy *p);
enum policy_type policy_get_type(const struct policy *p);
size_t policy_statement_count(const struct policy *p);

/* Warnings found while validating (IAM Access Analyzer's findings). */
size_t policy_warning_count(const struct policy *p);
const struct policy_diag *policy_warning(const struct policy *p, size_t i);

struct policy_stmt_info {
	const char *sid;    /* NULL when the statement has none */
	size_t index;       /* 0-based position in Statement */
	unsigned line, col;
	bool deny;
};
int policy_statement_info(const struct policy *p, size_t index,
			  struct policy_stmt_info *ret);

/* ---- requests and decisions ---- */

/* One condition key of the request context. A single-valued key has
 * n_values == 1; a multivalued key may have any count (0 is an empty set,
 * which differs from an absent key). Strings are NUL-terminated. */
struct policy_ctx_entry {
	const char *key;
	const char *const *values;
	size_t n_values;
};

struct policy_request {
	const char *principal;          /* ARN of the caller */
	const char *action;             /* "service:Action" */
	const char *resource;           /* ARN, or "*" */
	const char *resource_account;   /* NULL: from the resource ARN, else
					   the principal's account */
	const struct policy_ctx_entry *context;
	size_t n_context;
	/* Current time in milliseconds since the epoch, used for
	 * aws:CurrentTime and aws:EpochTime when the context lacks them;
	 * < 0: unknown (those keys are then absent). */
	int64_t now_ms;
	/* Note every statement that applies (the simulator's MatchedStatements:
	 * all the allows that determine the result); false: a layer stops
	 * looking at allows once one names the caller directly. */
	bool all_matches;
};

/* The policies that apply to one request. Pointers are borrowed. */
struct policy_set {
	const struct policy *const *identity;  /* inline and managed, groups' too */
	size_t n_identity;
	const struct policy *resource;         /* NULL: none */
	const struct policy *boundary;         /* NULL: none */
	const struct policy *session;          /* NULL: none */
};

enum policy_decision {
	POLICY_IMPLICIT_DENY = 0,
	POLICY_ALLOW,
	POLICY_EXPLICIT_DENY,
};

enum policy_layer {
	POLICY_LAYER_NONE = 0,
	POLICY_LAYER_IDENTITY,
	POLICY_LAYER_RESOURCE,
	POLICY_LAYER_BOUNDARY,
	POLICY_LAYER_SESSION,
};

#define POLICY_MAX_MATCHES 8

/* A statement that took part in the decision. */
struct policy_match {
	const struct policy *policy;
	enum policy_layer layer;
	uint32_t stmt;
};

struct policy_result {
	enum policy_decision decision;
	/* For an implicit deny: the first layer that lacked an allow. */
	enum policy_layer missing;
	bool cross_account;
	/* The deny statements for an explicit deny, else the allow
	 * statements that granted (at most POLICY_MAX_MATCHES). */
	unsigned n_matches;
	struct policy_match matches[POLICY_MAX_MATCHES];
};

/* Working memory for one decision; put it on the stack or keep one per
 * thread. Its contents are private. */
struct policy_scratch {
	char action[256];
	char buf[8192];
	char derived[1024];
	uint64_t priv[16];
};

/* Decides `req` against `set`. Returns 0 and fills *ret; -EINVAL when the
 * request is unusable (no principal, action or resource, or fields too long
 * for the scratch). A decision of deny is a result, not an error. */
int policy_eval(const struct policy_set *set, const struct policy_request *req,
		struct policy_scratch *scratch, struct policy_result *ret);

const char *policy_decision_name(enum policy_decision d);  /* "Allow"... */
const char *policy_layer_name(enum policy_layer l);        /* "identity"... */
const char *policy_type_name(enum policy_type t);
int policy_type_from_name(const char *s, enum policy_type *ret);

/* ---- context keys and statements in the text (policy_keys.c) ---- */

/* Called once per reference to a context key: `key` (len bytes, not
 * NUL-terminated, case as written) in statement `stmt` (0-based). A
 * negative return stops the walk and is returned. */
typedef int (*policy_key_fn)(const char *key, size_t len, size_t stmt,
			     void *userdata);
/* Walks the context keys a policy text references, in document order:
 * each condition key (Condition.<operator>.<key>) and each policy variable
 * ${key} (or ${key, 'default'}) in Resource, NotResource and condition
 * values; repeated references are reported each time. Parse the policy
 * first: returns -EINVAL when the text is not JSON, -ENOMEM. */
int policy_keys_walk(const char *json, size_t len, policy_key_fn fn,
		     void *userdata);
/* Whether statement `stmt` names `action` (by Action or NotAction; its
 * resources and conditions are not looked at). */
bool policy_statement_has_action(const struct policy *p, size_t stmt,
				 const char *action);
/* Where the JSON object or array that starts at line:col (1-based, as
 * policy_statement_info() reports a statement) ends: the line and column
 * of its closing brace or bracket. -EINVAL when no block starts there. */
int policy_text_block_end(const char *json, size_t len, unsigned line,
			  unsigned col, unsigned *ret_line, unsigned *ret_col);
