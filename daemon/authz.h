/* authz: the one place iamd decides whether a caller may perform an action
 * on a resource, with AWS's evaluation logic (lib/policy):
 *   - the account root is allowed everything; anonymous callers nothing;
 *   - an IAM user (a uid bound to it, see docs/local-identities.md) is
 *     decided by its identity policies (its own, its groups') and its
 *     permissions boundary, with the request context AWS sets
 *     (aws:CurrentTime, aws:PrincipalTag/<key>, aws:RequestTag/<key>, aws:TagKeys,
 *     aws:ResourceTag/<key>, iam:PolicyARN, iam:PermissionsBoundary...).
 * Compiled policy sets are cached per principal (authz_cache.c) and valid
 * while iamd's generation (bumped by every committed write) is unchanged,
 * so deciding a call in the steady state parses nothing and allocates
 * nothing. dispatch and the handlers do not decide anything themselves. */
#pragma once
#include <stdint.h>
#include <sys/types.h>

#include "call.h"
#include "policy/policy.h"
#include "principal.h"

struct iamd;

enum authz_decision {
	AUTHZ_DENY_IMPLICIT = 0,  /* nothing allows it */
	AUTHZ_ALLOW,
	AUTHZ_DENY_EXPLICIT,      /* a Deny statement matched */
};

struct authz_result {
	enum authz_decision decision;
	const char *message;      /* AWS's AccessDenied text when denied (c->arena) */
	const char *code;         /* when denied: the error AWS answers, NULL for
				   * AccessDenied (InvalidClientTokenId: an IAM
				   * call with GetSessionToken credentials
				   * without MFA, sts_session.h) */
};

/* Decides `action` ("iam:GetUser") on `resource` (an ARN, or "*") for
 * c->caller, with the context of c->req. A decision is a result: the
 * return is negative only when the decision could not be made (-ENOMEM, a
 * store error, a stored policy that cannot be read). */
int authz_check(struct call *c, const char *action, const char *resource,
		struct authz_result *ret);

/* Who a connection's uid is, for a caller that is not the account root:
 * the IAM user its local binding names (CALLER_USER), else CALLER_ANONYMOUS.
 * Looked up in the store once per generation and uid (a slot per uid,
 * refilled by another call's identification); the caller's strings are
 * copies in arena `a` (the call's), as a call that waits for keyd keeps
 * them while other calls refill the slot. */
struct arena;
int authz_caller_identify(struct iamd *d, struct arena *a, uid_t uid, struct caller *ret);

/* ---- evaluation, shared with Authorize and the simulator ---- */

#define AUTHZ_CTX_MAX 200

/* A request context built for one decision: fixed arrays, strings from
 * c->arena or borrowed. */
struct authz_ctx {
	struct policy_ctx_entry e[AUTHZ_CTX_MAX];
	size_t n;
	const char *vals[AUTHZ_CTX_MAX];
	size_t n_vals;
};

/* Adds one key (single value when n == 1 and values == NULL: `value`).
 * -E2BIG when the context is full. */
int authz_ctx_add(struct authz_ctx *x, const char *key, const char *value);
int authz_ctx_add_list(struct authz_ctx *x, const char *key,
		       const char *const *values, size_t n);
bool authz_ctx_has(const struct authz_ctx *x, const char *key);

/* Adds what AWS sets for principal `p` calling `action` on `resource` with
 * request `req` (may be NULL): aws:userid, aws:PrincipalTag/<key>, aws:RequestTag/<key>,
 * aws:TagKeys, iam:PolicyARN, iam:PermissionsBoundary, aws:ResourceTag/<key>
 * (the last two read the store only when p's policies use them). Keys
 * already in x win. */
int authz_ctx_build(struct call *c, const struct principal *p, const char *action,
		    const char *resource, const ProtobufCMessage *req,
		    struct authz_ctx *x);

/* The compiled policies of a stored principal, from the cache or built
 * and cached now. -ENOENT when it does not exist. Valid until the next
 * authz_principal_get() of the call. */
int authz_principal_get(struct call *c, enum principal_kind kind, const char *account,
			const char *name, const struct principal **ret);

/* The user or role whose ARN is exactly `arn` (a principal's own ARN, no
 * session), when a recent authz_principal_remember() at the current
 * generation names it and it is still cached: 0 and *ret, else -ENOENT
 * (then look it up with authz_principal_get()). Valid as that one is. */
int authz_principal_by_arn(struct call *c, const char *arn, const struct principal **ret);
/* Remembers p (cached by authz_principal_get() in this call) under its ARN. */
void authz_principal_remember(struct call *c, const struct principal *p);

/* The strings (at most 16) up to a NULL, concatenated into c->arena: the
 * texts built on every decision, without printf's cost. NULL when out of
 * memory. */
char *authz_concat(struct call *c, ...) __attribute__((sentinel));

/* The daemon's scratch for policy_eval (one loop thread). */
struct policy_scratch *authz_scratch(struct call *c);

/* "User: WHO is not authorized to perform: ACTION on resource: RESOURCE
 * because no identity-based policy allows the ACTION action" and its
 * siblings, for a denied result. c->arena. */
const char *authz_message(struct call *c, const char *who, const char *action,
			  const char *resource, const struct policy_result *res);

/* ---- the cache (authz_cache.c) ---- */

#define AUTHZ_CACHE_PRINCIPALS 1024
#define AUTHZ_BIND_SLOTS 256
#define AUTHZ_RESOURCE_SLOTS 4096
#define AUTHZ_ARN_MEMO 4

struct authz_cache;

/* One uid's binding as last looked up. */
struct authz_binding {
	bool valid;
	bool bound;
	uid_t uid;
	uint64_t gen;
	char account[13];
	char *user_name, *user_arn, *user_id;
};

int authz_cache_new(size_t cap, struct authz_cache **ret);
void authz_cache_free(struct authz_cache *ac);   /* accepts NULL */
/* The principal cached under `key` at generation `gen`, or NULL. */
struct principal *authz_cache_get(struct authz_cache *ac, const char *key,
				  uint64_t gen);
/* Caches p (taking it) under key, evicting the least recently used entry
 * when full. On error p is not taken. */
int authz_cache_put(struct authz_cache *ac, const char *key, uint64_t gen,
		    struct principal *p);
struct policy_scratch *authz_cache_scratch(struct authz_cache *ac);
/* A few principals by their exact ARN (p->arn) at generation gen: the
 * cached entry's principal, forgotten when the cache frees it. */
const struct principal *authz_cache_by_arn(const struct authz_cache *ac, const char *arn,
					   uint64_t gen);
void authz_cache_by_arn_put(struct authz_cache *ac, const struct principal *p, uint64_t gen);
void authz_cache_stats(const struct authz_cache *ac, size_t *ret_used,
		       uint64_t *ret_hits, uint64_t *ret_misses);
/* What principal_resource_info() read about an IAM resource (its tags, a
 * user's or role's boundary; nothing when it does not exist), cached per ARN
 * in 2-way sets of slots at generation `gen`. get: 1 and copies in `a`
 * when cached, 0 when not. put copies what it is given. */
int authz_cache_resource_get(struct authz_cache *ac, const char *arn, uint64_t gen,
			     struct arena *a, struct Iam__Tag *const **ret_tags,
			     size_t *ret_n, const char **ret_boundary);
int authz_cache_resource_put(struct authz_cache *ac, const char *arn, uint64_t gen,
			     struct Iam__Tag *const *tags, size_t n,
			     const char *boundary);
/* The slot that holds uid's binding (it may hold another uid's). */
struct authz_binding *authz_cache_binding(struct authz_cache *ac, uid_t uid);
/* Fills a slot; name NULL records "not bound". */
int authz_binding_set(struct authz_binding *b, uid_t uid, uint64_t gen,
		      const char *account, const char *name, const char *arn,
		      const char *id);
