/* entity_policy: managed policies in the store and their attachments to
 * users, groups and roles; the logic the policy handlers (op_policy.c,
 * op_policy_version.c, op_attach.c) share with the user, group and role
 * handlers, the authorizer and the account views.
 *
 * Records (lib/store/store.h, proto/store.proto):
 *   policies            ACCT "/" lower(name) -> ManagedPolicyRecord
 *                       (ACCT "aws" holds the AWS managed policies)
 *   policy_ids          ANPA... -> that key
 *   attachments         OWNER_ID "/" POLICY_ARN -> ""
 *   policy_attachments  POLICY_ARN "\n" OWNER_ID -> ""
 * OWNER_ID is a user (AIDA...), group (AGPA...) or role (AROA...) id, so a
 * rename never moves an attachment. POLICY_ARN is always the canonical ARN
 * (the one in the record), whatever case the request spelled it in.
 *
 * Like entity.h: everything is read in the call's transaction and unpacked
 * with c->pb (nothing returned points into LMDB memory); functions return
 * negative errno and do NOT call call_fail(). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "call.h"
#include "iam_policy.pb-c.h"
#include "store.pb-c.h"

struct util_verr;

#define ENTITY_POLICY_ACCOUNT_AWS "aws"
#define ENTITY_POLICY_VERSIONS_MAX 5     /* versions a managed policy holds */
#define ENTITY_POLICIES_PER_OWNER 10     /* PoliciesPerUser, PerGroup, PerRole */
#define ENTITY_POLICY_NAME_MAX 128
#define ENTITY_POLICY_ARN_MIN 20
#define ENTITY_POLICY_ARN_MAX 2048
#define ENTITY_POLICY_DESCRIPTION_MAX 1000
#define ENTITY_POLICY_PATTERN_PATH "((/[A-Za-z0-9\\.,\\+@=_-]+)*)/"
#define ENTITY_POLICY_PATTERN_VERSION "v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?"

/* A managed policy ARN split: arn:aws:iam::ACCOUNT:policy/PATH/NAME with
 * ACCOUNT 12 digits or "aws". path is "/" or "/a/b/"; both from c->arena. */
struct entity_policy_arn {
	char account[13];
	const char *path;
	const char *name;
};

/* -EINVAL when `arn` is not a managed policy ARN. */
int entity_policy_arn_parse(struct call *c, const char *arn, struct entity_policy_arn *ret);
/* arn:aws:iam::ACCT:policy PATH NAME (c->arena). */
char *entity_policy_arn(struct call *c, const char *acct, const char *path, const char *name);
/* Whether `arn` names an AWS managed policy (arn:aws:iam::aws:policy/...). */
bool entity_policy_arn_is_aws(const char *arn);
/* The policy path pattern AWS uses for Path and PathPrefix of managed
 * policies (ENTITY_POLICY_PATTERN_PATH); NULL is valid. */
bool entity_policy_check_path(const char *v, const char *field, struct util_verr *e);

/* The policy `arn` names, in the caller's account or among the AWS managed
 * ones: -ENOENT when there is none (another account, another path, no such
 * name), -EINVAL when `arn` is not a policy ARN. */
int entity_policy_get(struct call *c, const char *arn, Iam__ManagedPolicyRecord **ret);
/* Writes the record (and its id index) under the account of its ARN;
 * `create` refuses an existing name (-EEXIST). */
int entity_policy_put(struct call *c, const Iam__ManagedPolicyRecord *rec, bool create);
int entity_policy_del(struct call *c, const Iam__ManagedPolicyRecord *rec);

/* The version `id` of the policy, or NULL. */
Iam__PolicyVersion *entity_policy_version(const Iam__ManagedPolicyRecord *rec, const char *id);
/* The document of the default version (NULL if the record has none). */
const char *entity_policy_document(const Iam__ManagedPolicyRecord *rec);

/* Adds delta to PermissionsBoundaryUsageCount of the policy `arn` (never
 * below 0): for whoever sets or removes a permissions boundary, or deletes a
 * user or role that has one. -ENOENT when there is no such policy. */
int entity_policy_boundary_use(struct call *c, const char *arn, int delta);

/* ---- attachments ---- */

/* How many managed policies are attached to the owner (user, group or role
 * id): DeleteUser/DeleteGroup/DeleteRole refuse while it is not 0
 * ("Cannot delete entity, must detach all policies first."). */
int entity_attached_count(struct call *c, const char *owner_id, size_t *ret);
/* 0 when `arn` (canonical) is attached to the owner, else -ENOENT. */
int entity_attached_is(struct call *c, const char *owner_id, const char *arn);
/* The canonical ARNs attached to the owner, in key order (c->arena). */
int entity_attached_list(struct call *c, const char *owner_id, char ***ret, size_t *ret_n);
/* Attaches / detaches: both indexes and the policy's AttachmentCount (rec is
 * updated and written). attach of an attached policy and detach of a
 * policy that is not attached change nothing and return 0 / -ENOENT. */
int entity_attach(struct call *c, const char *owner_id, Iam__ManagedPolicyRecord *rec);
int entity_detach(struct call *c, const char *owner_id, Iam__ManagedPolicyRecord *rec);

/* ---- AWS managed policies (aws_managed.c) ---- */

/* Writes the AWS managed policies iamd knows into the store (account
 * "aws"), their shared counts 0. Runs at store creation and as a schema
 * migration. */
int aws_managed_seed(struct store_txn *t);
/* An account's use of the AWS managed policy `name` (as AWS spells it):
 * AttachmentCount and PermissionsBoundaryUsageCount as that account sees
 * them (each account sees only its own; 0 when it has none). */
int aws_managed_use_get(struct store_txn *t, const char *acct, const char *name,
			int32_t *ret_attached, int32_t *ret_boundary);
/* Adds to them (never below 0), in the transaction that attaches, detaches
 * or sets or removes a boundary. */
int aws_managed_use_add(struct store_txn *t, const char *acct, const char *name,
			int d_attached, int d_boundary);
/* Sets both counts of the AWS managed policy p to acct's. */
int aws_managed_use_apply(struct store_txn *t, const char *acct, Iam__Policy *p);
/* Schema migration 4: recomputes every account's counts from the
 * attachments and the users' and roles' boundaries. */
int aws_managed_use_rebuild(struct store_txn *t);
