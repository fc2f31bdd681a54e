/* principal: one principal's effective policies, collected from the store
 * and compiled once: for a user its inline and attached managed policies
 * (default versions), its groups' inline and attached policies, and its
 * permissions boundary; for a role its inline and attached policies and its
 * boundary; for a group its own. Also what the principal contributes to
 * every request context (aws:userid, aws:PrincipalTag/<key>).
 *
 * authz (authz.c, authz_cache.c) caches these per principal and the
 * simulator builds them for a request. A principal owns its policies and
 * strings; principal_free() accepts NULL. Reads happen in the call's
 * transaction (c->txn), temporaries in c->arena. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "call.h"
#include "policy/policy.h"

enum principal_kind {
	PRINCIPAL_USER,
	PRINCIPAL_ROLE,
	PRINCIPAL_GROUP,
	PRINCIPAL_CUSTOM,         /* policies given in a request (simulator) */
};

struct principal_policy {
	struct policy *pol;       /* owned */
	const char *id;           /* SourcePolicyId: the policy's name */
	const char *type;         /* SourcePolicyType: user | group | role |
				     aws-managed | user-managed | resource | none */
	const char *text;         /* the JSON text (positions, context keys) */
	size_t text_len;
	/* Where each statement's block ends in `text` (line, column), found
	 * on the first decision that shows the statement; {0, 0}: not yet.
	 * Writable through a const principal_policy: a cache. */
	unsigned (*stmt_end)[2];
};

/* The end of statement `stmt` of pp in its text, through pp's cache.
 * -EINVAL when it cannot be found (the text is not the policy's). */
int principal_stmt_end(const struct principal_policy *pp, uint32_t stmt,
		       unsigned *ret_line, unsigned *ret_col);

/* Context keys the policies reference that cost a store read to supply:
 * authz computes them only when some policy uses them. */
enum principal_uses {
	PRINCIPAL_USES_RESOURCE_TAG = 1u << 0,   /* aws:ResourceTag/... */
	PRINCIPAL_USES_BOUNDARY_KEY = 1u << 1,   /* iam:PermissionsBoundary */
};

#define PRINCIPAL_MAX_POLICIES 256

struct arena;

struct principal {
	struct arena *arena;      /* owns the strings and arrays below */
	enum principal_kind kind;
	const char *arn;          /* user or role ARN; NULL for CUSTOM */
	const char *id;           /* AIDA..., AROA..., AGPA... */
	const char *name;
	const char *account;
	struct principal_policy *pols;       /* identity-based */
	size_t n_pols;
	const struct policy **identity;      /* the pols' policies, for policy_set */
	struct principal_policy boundary;    /* .pol NULL: no boundary */
	const char *boundary_arn;            /* NULL: no boundary */
	struct policy_ctx_entry *ctx;        /* aws:userid, aws:PrincipalTag/<key> */
	size_t n_ctx;
	unsigned uses;                       /* enum principal_uses */
};

/* An empty principal of `kind` (CUSTOM for the simulator's input lists). */
int principal_new(enum principal_kind kind, struct principal **ret);
void principal_free(struct principal *p);

/* Collects and compiles a stored principal by account and name.
 * -ENOENT when it does not exist; -EIO when a stored record or policy
 * cannot be read (never guess: the caller denies). */
int principal_load(struct call *c, enum principal_kind kind, const char *account,
		   const char *name, struct principal **ret);

/* Parses `text` as a policy of `type` and adds it: as the boundary when
 * type is POLICY_BOUNDARY, else as an identity policy. On a bad document
 * returns -EINVAL (-E2BIG over `max_size`, 0: no limit) with *reterr. */
int principal_add_policy(struct principal *p, const char *text, size_t len,
			 enum policy_type type, size_t max_size, const char *id,
			 const char *src_type, struct policy_diag *reterr);

/* Adds the default version of managed policy `arn` (read in c->txn) as a
 * policy of `type` (a session policy passed by ARN: POLICY_SESSION).
 * -ENOENT when there is no such policy; -EIO when it cannot be read. */
int principal_add_managed(struct call *c, struct principal *p, const char *arn,
			  enum policy_type type);

/* The principal_policy that holds `pol` (its boundary too), or NULL. */
const struct principal_policy *principal_find(const struct principal *p,
					      const struct policy *pol);

/* Splits an IAM or STS principal ARN: user (arn:aws:iam::A:user/PATH/N),
 * role (arn:aws:iam::A:role/PATH/N), group, or an assumed-role session
 * (arn:aws:sts::A:assumed-role/ROLE/SESSION: kind ROLE, *ret_session set).
 * Names are copied into c->arena. -EINVAL for anything else. */
int principal_arn_split(struct call *c, const char *arn, enum principal_kind *ret_kind,
			const char **ret_account, const char **ret_name,
			const char **ret_session);

/* The tags of the IAM resource `arn` (a user, role or managed policy of
 * the store), for aws:ResourceTag; 0 with *ret_n = 0 when it has none or
 * does not exist. Also its permissions boundary ARN (users and roles;
 * NULL when none) if ret_boundary is not NULL. Memory from c->arena. */
int principal_resource_info(struct call *c, const char *arn,
			    struct Iam__Tag *const **ret_tags, size_t *ret_n,
			    const char **ret_boundary);
