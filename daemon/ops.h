/* ops: the handlers of every action and the store set-up they need. The table
 * itself is in ops.c; call.h describes the contract. */
#pragma once
#include <stdint.h>
#include "call.h"
#include "iam.pb-c.h"
#include "iam_role.pb-c.h"

struct store;

/* The schema version this build writes; ops_store_init() migrates older
 * stores up to it and refuses newer ones (-EPROTONOSUPPORT). */
#define OPS_SCHEMA_VERSION 4
/* 1: users, groups, memberships. 2: account counters (entity_count.c).
 * 3: AWS managed policies seeded under account "aws" (aws_managed.c). */

/* On first start: the meta record (schema version) and the default account
 * (`configured` if not NULL, else a random 12-digit id). On later starts:
 * runs migrations up to the current schema and returns the stored default
 * account (a different `configured` id is an error: -EEXIST). */
int ops_store_init(struct store *s, const char *configured, int64_t now,
		   char ret_account_id[13]);

/* ---- shared by the handlers (op_*.c) ---- */

/* call_fail() for a store or internal error, unless one is recorded. */
int op_fail_store(struct call *c, int r);
int op_fail_no_user(struct call *c, const char *name);
/* The user, or NoSuchEntity recorded. */
int op_user_load(struct call *c, const char *name, Iam__User **ret);
/* The user whose id (AIDA...) is `user_id` (a later user of the same name
 * is another); -ENOENT when there is none, nothing recorded. */
int op_user_by_id(struct call *c, const char *user_id, Iam__User **ret);
/* The existing user's ARN, or the ARN of `name` at path "/". */
int op_resource_user(struct call *c, const char *name, const char **ret_arn);
int op_user_name_resource(struct call *c, const char *name, const char **ret);
/* A copy of u without tags and permissions boundary, as lists show users. */
Iam__User *op_user_brief(struct call *c, Iam__User *u);
int op_resource_none(struct call *c, const ProtobufCMessage *m, const char **ret);

#define OP_DECLARE(name)                                                       \
	int op_##name(struct call *c, const ProtobufCMessage *m,               \
		      ProtobufCMessage **ret);                                 \
	int op_##name##_resource(struct call *c, const ProtobufCMessage *m,    \
				 const char **ret)

OP_DECLARE(create_user);
OP_DECLARE(get_user);
OP_DECLARE(list_users);
OP_DECLARE(update_user);
OP_DECLARE(delete_user);
OP_DECLARE(tag_user);
OP_DECLARE(untag_user);
OP_DECLARE(list_user_tags);
OP_DECLARE(create_group);
OP_DECLARE(get_group);
OP_DECLARE(list_groups);
OP_DECLARE(update_group);
OP_DECLARE(delete_group);
OP_DECLARE(add_user_to_group);
OP_DECLARE(remove_user_from_group);
OP_DECLARE(list_groups_for_user);
/* ---- authz: the simulator (op_simulate.c), local bindings
 * (op_binding.c), Authorize (op_authorize.c) ---- */
OP_DECLARE(simulate_principal_policy);
OP_DECLARE(simulate_custom_policy);
OP_DECLARE(get_context_keys_for_principal_policy);
OP_DECLARE(get_context_keys_for_custom_policy);
OP_DECLARE(create_local_user_binding);
OP_DECLARE(delete_local_user_binding);
OP_DECLARE(list_local_user_bindings);
OP_DECLARE(authorize);
/* DeleteUser: deletes the local bindings of user u of account acct. */
int op_binding_user_deleted(struct call *c, const char *acct, const Iam__User *u);
/* Shared by Authorize and the simulator: ContextEntries (typed, validated)
 * into a context; one MatchedStatements entry (positions from the text);
 * "allowed" | "explicitDeny" | "implicitDeny". */
struct authz_ctx;
struct Iam__ContextEntry;
struct Iam__Statement;
struct policy;
int op_sim_context(struct call *c, struct Iam__ContextEntry *const *e, size_t n,
		   struct authz_ctx *x);
struct Iam__Statement *op_sim_statement(struct call *c, const char *id, const char *type,
					const struct policy *pol, const char *text,
					size_t len, uint32_t stmt);
const char *op_sim_decision(int policy_decision);

/* ---- roles, inline policies, boundaries (op_role*.c, op_inline.c,
 * op_boundary.c) ---- */
struct util_verr;
int op_fail_no_role(struct call *c, const char *name);
/* The role, or NoSuchEntity recorded. */
int op_role_load(struct call *c, const char *name, Iam__Role **ret);
/* The existing role's ARN, or the ARN of `name` at path "/". */
int op_resource_role(struct call *c, const char *name, const char **ret_arn);
/* Validates a required roleName, then op_resource_role(). */
int op_role_name_resource(struct call *c, const char *name, const char **ret);
/* A PermissionsBoundary member (NULL is valid): 20-2048 characters
 * (ValidationError at `field`), a managed policy ARN (InvalidInput "ARN ...
 * is not valid."). */
void op_boundary_check(const char *arn, const char *field, struct util_verr *e);
/* Moves an entity's permissions boundary from old_arn to new_arn (either
 * NULL: none): new_arn must name an existing attachable managed policy of
 * the caller's account or of "aws" (else NoSuchEntity "Policy ARN does not
 * exist or is not attachable." is recorded); both policies'
 * PermissionsBoundaryUsageCount are updated in the call's transaction.
 * *ret (may be NULL) gets what the entity stores: NULL when new_arn is. */
int op_boundary_move(struct call *c, const char *old_arn, const char *new_arn,
		     Iam__AttachedPermissionsBoundary **ret);
/* A policy document member: 1-131072 characters of
 * [\u0009\u000A\u000D\u0020-\u00FF] (ValidationError at `field`). */
void op_policy_document_check(const char *doc, const char *field, bool required,
			      struct util_verr *e);

OP_DECLARE(create_role);
OP_DECLARE(get_role);
OP_DECLARE(list_roles);
OP_DECLARE(update_role);
OP_DECLARE(update_role_description);
OP_DECLARE(update_assume_role_policy);
OP_DECLARE(delete_role);
OP_DECLARE(tag_role);
OP_DECLARE(untag_role);
OP_DECLARE(list_role_tags);
OP_DECLARE(put_user_policy);
OP_DECLARE(get_user_policy);
OP_DECLARE(delete_user_policy);
OP_DECLARE(list_user_policies);
OP_DECLARE(put_group_policy);
OP_DECLARE(get_group_policy);
OP_DECLARE(delete_group_policy);
OP_DECLARE(list_group_policies);
OP_DECLARE(put_role_policy);
OP_DECLARE(get_role_policy);
OP_DECLARE(delete_role_policy);
OP_DECLARE(list_role_policies);
OP_DECLARE(put_user_permissions_boundary);
OP_DECLARE(delete_user_permissions_boundary);
OP_DECLARE(put_role_permissions_boundary);
OP_DECLARE(delete_role_permissions_boundary);
/* account views (op_account.c) */
OP_DECLARE(get_account_authorization_details);
OP_DECLARE(get_account_summary);
int op_get_caller_identity(struct call *c, const ProtobufCMessage *m,
			   ProtobufCMessage **ret);
/* ---- STS (op_sts.c, op_sts_token.c) and accounts (op_account_admin.c) ---- */
OP_DECLARE(assume_role);
OP_DECLARE(get_session_token);
OP_DECLARE(get_access_key_info);
OP_DECLARE(decode_authorization_message);
OP_DECLARE(get_federation_token);   /* op_sts_federation.c */
OP_DECLARE(create_account);
OP_DECLARE(list_accounts);
OP_DECLARE(delete_account);
OP_DECLARE(create_account_alias);
OP_DECLARE(delete_account_alias);
OP_DECLARE(list_account_aliases);
OP_DECLARE(get_account_password_policy);
OP_DECLARE(update_account_password_policy);
OP_DECLARE(delete_account_password_policy);
/* ---- OpenID Connect federation (op_oidc.c, op_sts_web.c; oidc.h) ---- */
OP_DECLARE(create_open_id_connect_provider);
OP_DECLARE(get_open_id_connect_provider);
OP_DECLARE(list_open_id_connect_providers);
OP_DECLARE(delete_open_id_connect_provider);
OP_DECLARE(add_client_id_to_open_id_connect_provider);
OP_DECLARE(remove_client_id_from_open_id_connect_provider);
OP_DECLARE(update_open_id_connect_provider_thumbprint);
OP_DECLARE(tag_open_id_connect_provider);
OP_DECLARE(untag_open_id_connect_provider);
OP_DECLARE(list_open_id_connect_provider_tags);
OP_DECLARE(assume_role_with_web_identity);
/* ---- SAML federation (op_saml.c, op_sts_saml.c; saml.h) ---- */
OP_DECLARE(create_saml_provider);
OP_DECLARE(get_saml_provider);
OP_DECLARE(list_saml_providers);
OP_DECLARE(update_saml_provider);
OP_DECLARE(delete_saml_provider);
OP_DECLARE(tag_saml_provider);
OP_DECLARE(untag_saml_provider);
OP_DECLARE(list_saml_provider_tags);
OP_DECLARE(assume_role_with_saml);
/* A host root's Request.account_id: the call acts as the root of that
 * account (it must exist). Anyone else, or a signed call: AccessDenied
 * recorded. */
int op_account_act_as(struct call *c, const char *account_id);

/* ---- access keys (op_access_key.c) ---- */
OP_DECLARE(create_access_key);
OP_DECLARE(list_access_keys);
OP_DECLARE(update_access_key);
OP_DECLARE(delete_access_key);
OP_DECLARE(get_access_key_last_used);
struct Iam__AccessKeyRecord;
struct store_txn;
/* How many keys owner `owner_id` (AIDA... user id, or the account id for
 * the root) has, in the call's transaction (DeleteUser refuses while > 0). */
int op_access_key_count(struct call *c, const char *owner_id, size_t *ret);
/* For authentication (SigV4): the record of key `id` (-ENOENT if none),
 * unpacked with `pb`; and noting its use (a write transaction). */
int op_access_key_lookup(struct store_txn *t, ProtobufCAllocator *pb, const char *id,
			 struct Iam__AccessKeyRecord **ret);
int op_access_key_record_use(struct store_txn *t, ProtobufCAllocator *pb, const char *id,
			     int64_t now, const char *service, const char *region);

/* ---- SSH public keys (op_ssh_key.c, docs/ssh.md) ---- */
OP_DECLARE(upload_ssh_public_key);
OP_DECLARE(get_ssh_public_key);
OP_DECLARE(list_ssh_public_keys);
OP_DECLARE(update_ssh_public_key);
OP_DECLARE(delete_ssh_public_key);
OP_DECLARE(list_local_user_ssh_public_keys);
/* How many SSH public keys user `user_id` has (DeleteUser refuses while
 * > 0), in the call's transaction. */
int op_ssh_key_count(struct call *c, const char *user_id, size_t *ret);

/* ---- instance profiles (op_instance_profile.c) and host associations
 * (op_host_assoc.c) ---- */
OP_DECLARE(create_instance_profile);
OP_DECLARE(get_instance_profile);
OP_DECLARE(list_instance_profiles);
OP_DECLARE(list_instance_profiles_for_role);
OP_DECLARE(add_role_to_instance_profile);
OP_DECLARE(remove_role_from_instance_profile);
OP_DECLARE(delete_instance_profile);
OP_DECLARE(tag_instance_profile);
OP_DECLARE(untag_instance_profile);
OP_DECLARE(list_instance_profile_tags);
OP_DECLARE(associate_instance_profile);
OP_DECLARE(disassociate_instance_profile);
OP_DECLARE(list_instance_profile_associations);
OP_DECLARE(get_credentials);   /* op_get_credentials.c */
/* Whether role `role_id` is in an instance profile (DeleteRole refuses). */
int op_instance_profile_role_in_any(struct call *c, const char *role_id, bool *ret);

/* ---- virtual MFA devices (op_mfa.c, docs/mfa.md) ---- */
OP_DECLARE(create_virtual_mfa_device);
OP_DECLARE(enable_mfa_device);
OP_DECLARE(deactivate_mfa_device);
OP_DECLARE(resync_mfa_device);
OP_DECLARE(delete_virtual_mfa_device);
OP_DECLARE(list_mfa_devices);
OP_DECLARE(list_virtual_mfa_devices);
OP_DECLARE(tag_mfa_device);
OP_DECLARE(untag_mfa_device);
OP_DECLARE(list_mfa_device_tags);
/* The account's virtual MFA devices, and how many are assigned
 * (GetAccountSummary's MFADevices and MFADevicesInUse). */
int op_mfa_count(struct call *c, size_t *ret_all, size_t *ret_in_use);
/* Whether user `user_id` has an MFA device (DeleteUser refuses). */
int op_mfa_user_has_device(struct call *c, const char *user_id, bool *ret);
struct Keyd__SessionClaims;
/* STS's SerialNumber and TokenCode: the device must be the calling user's
 * (a user, or a user's GetSessionToken session); iam-keyd checks the code
 * (VerifyTotp), its step is marked used (a code counts once), the claims
 * get mfa_present and mfa_auth_time, then MintSession is sent with `next`
 * as its resume function. Returns like a handler (CALL_PENDING); a wrong
 * code or device is AccessDenied as AWS words it. */
int op_mfa_sts_verify(struct call *c, const char *serial, const char *code,
		      struct Keyd__SessionClaims *claims, call_resume_fn next, void *next_state);

/* ---- IAM users' passwords (op_login.c, docs/passwords.md) and the
 * credential report (op_credential_report.c) ---- */
OP_DECLARE(create_login_profile);
OP_DECLARE(get_login_profile);
OP_DECLARE(update_login_profile);
OP_DECLARE(delete_login_profile);
OP_DECLARE(change_password);
OP_DECLARE(generate_credential_report);
OP_DECLARE(get_credential_report);
/* Whether user `user_id` has a login profile (DeleteUser refuses). */
int op_login_profile_exists(struct call *c, const char *user_id, bool *ret);
