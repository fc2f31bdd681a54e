/* op_policy: the managed-policy actions (op_policy.c: policies and their
 * tags; op_policy_version.c: versions; op_attach.c: attachments and
 * ListEntitiesForPolicy) and the request checks and errors they share. */
#pragma once
#include <stdbool.h>

#include "call.h"
#include "entity_policy.h"
#include "ops.h"

struct util_verr;

/* The NoSuchEntity messages for a missing policy (with the ARN as
 * requested): "Policy ARN was not found." and "Policy ARN does not exist or
 * is not attachable." (attachments, ListEntitiesForPolicy). */
enum op_policy_missing { OP_POLICY_NOT_FOUND, OP_POLICY_NOT_ATTACHABLE };
int op_policy_fail_missing(struct call *c, const char *arn, enum op_policy_missing which);

/* PolicyArn: length 20-2048 (ValidationError at `field`). */
void op_policy_check_arn(const char *arn, const char *field, bool required,
			 struct util_verr *e);
/* A policy document member: length 1-131072 and characters
 * [\u0009\u000A\u000D\u0020-\u00FF] (ValidationError at `field`). */
void op_policy_check_document(const char *doc, const char *field, struct util_verr *e);
/* After the checks: InvalidInput "ARN ... is not valid." unless `arn` is a
 * managed policy ARN; else *ret = arn (the resource that is authorized). */
int op_policy_arn_resource(struct call *c, const char *arn, const char **ret);
/* The policy, or NoSuchEntity (message `which`) recorded. */
int op_policy_load(struct call *c, const char *arn, enum op_policy_missing which,
		   Iam__ManagedPolicyRecord **ret);
/* AccessDenied `msg` when `arn` is not in the caller's account (an AWS
 * managed policy, which nobody may change here); 0 otherwise. */
int op_policy_own(struct call *c, const char *arn, const char *msg);
/* Parses `doc` as an identity policy of the managed policy `name` (named
 * in messages): 0, or
 * MalformedPolicyDocument (with line and column) / LimitExceeded
 * "Cannot exceed quota for PolicySize: 6144" recorded. */
int op_policy_document_valid(struct call *c, const char *name, const char *doc);

#define OP_POLICY_DECLARE(name)                                                \
	int op_##name(struct call *c, const ProtobufCMessage *m,               \
		      ProtobufCMessage **ret);                                 \
	int op_##name##_resource(struct call *c, const ProtobufCMessage *m,    \
				 const char **ret)

OP_POLICY_DECLARE(create_policy);
OP_POLICY_DECLARE(get_policy);
OP_POLICY_DECLARE(list_policies);
OP_POLICY_DECLARE(delete_policy);
OP_POLICY_DECLARE(tag_policy);
OP_POLICY_DECLARE(untag_policy);
OP_POLICY_DECLARE(list_policy_tags);
OP_POLICY_DECLARE(create_policy_version);
OP_POLICY_DECLARE(get_policy_version);
OP_POLICY_DECLARE(list_policy_versions);
OP_POLICY_DECLARE(delete_policy_version);
OP_POLICY_DECLARE(set_default_policy_version);
OP_POLICY_DECLARE(attach_user_policy);
OP_POLICY_DECLARE(detach_user_policy);
OP_POLICY_DECLARE(attach_group_policy);
OP_POLICY_DECLARE(detach_group_policy);
OP_POLICY_DECLARE(attach_role_policy);
OP_POLICY_DECLARE(detach_role_policy);
OP_POLICY_DECLARE(list_attached_user_policies);
OP_POLICY_DECLARE(list_attached_group_policies);
OP_POLICY_DECLARE(list_attached_role_policies);
OP_POLICY_DECLARE(list_entities_for_policy);
