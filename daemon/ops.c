/* ops: the one operation table (one row per action: its number in api.proto,
 * AWS name, IAM action, flags, request cap, resource function, handler), its
 * O(1) index, and the store's set-up: meta record, schema migrations and the
 * default account. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api.pb-c.h"
#include "entity.h"
#include "op_policy.h"
#include "ops.h"
#include "store.pb-c.h"
#include "store/store.h"
#include "util/id.h"

/* Request caps: names and paths are small; 50 tags of 128 + 256 characters
 * of up to 4 UTF-8 bytes each need about 80 KiB. */
#define CAP_SMALL (8u * 1024)
#define CAP_TAGS (128u * 1024)
/* A policy document holds up to 131,072 characters of U+0009-U+00FF (two
 * UTF-8 bytes at most each), beside tags. */
#define CAP_POLICY (512u * 1024)

/* CreatePolicy and CreatePolicyVersion: a document of up to 131,072
 * characters of U+0009-U+00FF (two UTF-8 bytes at most each), beside tags. */
#define CAP_POLICY_DOC (512u * 1024)

/* AssumeRoleWithWebIdentity: a token of up to 20,000 characters, a session
 * policy of 2,048 and ten policy ARNs. */
#define CAP_WEB_IDENTITY (64u * 1024)
/* AssumeRoleWithSAML: a response of up to 100,000 characters, a session
 * policy of 2,048 and ten policy ARNs. CreateSAMLProvider and
 * UpdateSAMLProvider: AWS takes metadata of up to 10,000,000 characters;
 * iamd up to its api frame (1 MiB). */
#define CAP_SAML_ASSERTION (256u * 1024)
#define CAP_SAML_METADATA (1024u * 1024)

#define OP(num, nm, act, fl, cap, fn) \
	{ num, nm, act, fl, cap, op_##fn##_resource, op_##fn }

const struct op ops_table[] = {
	{ IAM__REQUEST__OP_GET_CALLER_IDENTITY, "GetCallerIdentity",
	  "sts:GetCallerIdentity", OP_NO_TXN, CAP_SMALL, op_resource_none,
	  op_get_caller_identity },
	OP(IAM__REQUEST__OP_ASSUME_ROLE, "AssumeRole", "sts:AssumeRole", OP_CREDENTIALS, CAP_TAGS,
	   assume_role),
	OP(IAM__REQUEST__OP_GET_SESSION_TOKEN, "GetSessionToken", "sts:GetSessionToken", OP_CREDENTIALS,
	   CAP_SMALL, get_session_token),
	OP(IAM__REQUEST__OP_GET_ACCESS_KEY_INFO, "GetAccessKeyInfo", "sts:GetAccessKeyInfo", 0,
	   CAP_SMALL, get_access_key_info),
	OP(IAM__REQUEST__OP_DECODE_AUTHORIZATION_MESSAGE, "DecodeAuthorizationMessage",
	   "sts:DecodeAuthorizationMessage", OP_NO_TXN, CAP_SMALL, decode_authorization_message),
	/* unsigned: the token is the credential (op_sts_web.c) */
	OP(IAM__REQUEST__OP_ASSUME_ROLE_WITH_WEB_IDENTITY, "AssumeRoleWithWebIdentity",
	   "sts:AssumeRoleWithWebIdentity", OP_CREDENTIALS, CAP_WEB_IDENTITY,
	   assume_role_with_web_identity),
	/* unsigned: the signed SAML response is the credential (op_sts_saml.c) */
	OP(IAM__REQUEST__OP_ASSUME_ROLE_WITH_SAML, "AssumeRoleWithSAML", "sts:AssumeRoleWithSAML",
	   OP_CREDENTIALS, CAP_SAML_ASSERTION, assume_role_with_saml),
	OP(IAM__REQUEST__OP_GET_FEDERATION_TOKEN, "GetFederationToken", "sts:GetFederationToken",
	   OP_CREDENTIALS, CAP_TAGS, get_federation_token),

	OP(IAM__REQUEST__OP_CREATE_USER, "CreateUser", "iam:CreateUser", OP_WRITE, CAP_TAGS,
	   create_user),
	OP(IAM__REQUEST__OP_GET_USER, "GetUser", "iam:GetUser", 0, CAP_SMALL, get_user),
	OP(IAM__REQUEST__OP_LIST_USERS, "ListUsers", "iam:ListUsers", 0, CAP_SMALL, list_users),
	OP(IAM__REQUEST__OP_UPDATE_USER, "UpdateUser", "iam:UpdateUser", OP_WRITE, CAP_SMALL,
	   update_user),
	OP(IAM__REQUEST__OP_DELETE_USER, "DeleteUser", "iam:DeleteUser", OP_WRITE, CAP_SMALL,
	   delete_user),
	OP(IAM__REQUEST__OP_TAG_USER, "TagUser", "iam:TagUser", OP_WRITE, CAP_TAGS, tag_user),
	OP(IAM__REQUEST__OP_UNTAG_USER, "UntagUser", "iam:UntagUser", OP_WRITE, CAP_TAGS,
	   untag_user),
	OP(IAM__REQUEST__OP_LIST_USER_TAGS, "ListUserTags", "iam:ListUserTags", 0, CAP_SMALL,
	   list_user_tags),

	OP(IAM__REQUEST__OP_CREATE_GROUP, "CreateGroup", "iam:CreateGroup", OP_WRITE, CAP_SMALL,
	   create_group),
	OP(IAM__REQUEST__OP_GET_GROUP, "GetGroup", "iam:GetGroup", 0, CAP_SMALL, get_group),
	OP(IAM__REQUEST__OP_LIST_GROUPS, "ListGroups", "iam:ListGroups", 0, CAP_SMALL,
	   list_groups),
	OP(IAM__REQUEST__OP_UPDATE_GROUP, "UpdateGroup", "iam:UpdateGroup", OP_WRITE, CAP_SMALL,
	   update_group),
	OP(IAM__REQUEST__OP_DELETE_GROUP, "DeleteGroup", "iam:DeleteGroup", OP_WRITE, CAP_SMALL,
	   delete_group),
	OP(IAM__REQUEST__OP_ADD_USER_TO_GROUP, "AddUserToGroup", "iam:AddUserToGroup", OP_WRITE,
	   CAP_SMALL, add_user_to_group),
	OP(IAM__REQUEST__OP_REMOVE_USER_FROM_GROUP, "RemoveUserFromGroup",
	   "iam:RemoveUserFromGroup", OP_WRITE, CAP_SMALL, remove_user_from_group),
	OP(IAM__REQUEST__OP_LIST_GROUPS_FOR_USER, "ListGroupsForUser", "iam:ListGroupsForUser", 0,
	   CAP_SMALL, list_groups_for_user),

	OP(IAM__REQUEST__OP_CREATE_POLICY, "CreatePolicy", "iam:CreatePolicy", OP_WRITE,
	   CAP_POLICY_DOC, create_policy),
	OP(IAM__REQUEST__OP_GET_POLICY, "GetPolicy", "iam:GetPolicy", 0, CAP_SMALL, get_policy),
	OP(IAM__REQUEST__OP_LIST_POLICIES, "ListPolicies", "iam:ListPolicies", 0, CAP_SMALL,
	   list_policies),
	OP(IAM__REQUEST__OP_CREATE_POLICY_VERSION, "CreatePolicyVersion",
	   "iam:CreatePolicyVersion", OP_WRITE, CAP_POLICY_DOC, create_policy_version),
	OP(IAM__REQUEST__OP_GET_POLICY_VERSION, "GetPolicyVersion", "iam:GetPolicyVersion", 0,
	   CAP_SMALL, get_policy_version),
	OP(IAM__REQUEST__OP_LIST_POLICY_VERSIONS, "ListPolicyVersions", "iam:ListPolicyVersions",
	   0, CAP_SMALL, list_policy_versions),
	OP(IAM__REQUEST__OP_DELETE_POLICY_VERSION, "DeletePolicyVersion",
	   "iam:DeletePolicyVersion", OP_WRITE, CAP_SMALL, delete_policy_version),
	OP(IAM__REQUEST__OP_SET_DEFAULT_POLICY_VERSION, "SetDefaultPolicyVersion",
	   "iam:SetDefaultPolicyVersion", OP_WRITE, CAP_SMALL, set_default_policy_version),
	OP(IAM__REQUEST__OP_DELETE_POLICY, "DeletePolicy", "iam:DeletePolicy", OP_WRITE, CAP_SMALL,
	   delete_policy),
	OP(IAM__REQUEST__OP_TAG_POLICY, "TagPolicy", "iam:TagPolicy", OP_WRITE, CAP_TAGS,
	   tag_policy),
	OP(IAM__REQUEST__OP_UNTAG_POLICY, "UntagPolicy", "iam:UntagPolicy", OP_WRITE, CAP_TAGS,
	   untag_policy),
	OP(IAM__REQUEST__OP_LIST_POLICY_TAGS, "ListPolicyTags", "iam:ListPolicyTags", 0,
	   CAP_SMALL, list_policy_tags),
	OP(IAM__REQUEST__OP_ATTACH_USER_POLICY, "AttachUserPolicy", "iam:AttachUserPolicy",
	   OP_WRITE, CAP_SMALL, attach_user_policy),
	OP(IAM__REQUEST__OP_DETACH_USER_POLICY, "DetachUserPolicy", "iam:DetachUserPolicy",
	   OP_WRITE, CAP_SMALL, detach_user_policy),
	OP(IAM__REQUEST__OP_ATTACH_GROUP_POLICY, "AttachGroupPolicy", "iam:AttachGroupPolicy",
	   OP_WRITE, CAP_SMALL, attach_group_policy),
	OP(IAM__REQUEST__OP_DETACH_GROUP_POLICY, "DetachGroupPolicy", "iam:DetachGroupPolicy",
	   OP_WRITE, CAP_SMALL, detach_group_policy),
	OP(IAM__REQUEST__OP_ATTACH_ROLE_POLICY, "AttachRolePolicy", "iam:AttachRolePolicy",
	   OP_WRITE, CAP_SMALL, attach_role_policy),
	OP(IAM__REQUEST__OP_DETACH_ROLE_POLICY, "DetachRolePolicy", "iam:DetachRolePolicy",
	   OP_WRITE, CAP_SMALL, detach_role_policy),
	OP(IAM__REQUEST__OP_LIST_ATTACHED_USER_POLICIES, "ListAttachedUserPolicies",
	   "iam:ListAttachedUserPolicies", 0, CAP_SMALL, list_attached_user_policies),
	OP(IAM__REQUEST__OP_LIST_ATTACHED_GROUP_POLICIES, "ListAttachedGroupPolicies",
	   "iam:ListAttachedGroupPolicies", 0, CAP_SMALL, list_attached_group_policies),
	OP(IAM__REQUEST__OP_LIST_ATTACHED_ROLE_POLICIES, "ListAttachedRolePolicies",
	   "iam:ListAttachedRolePolicies", 0, CAP_SMALL, list_attached_role_policies),
	OP(IAM__REQUEST__OP_LIST_ENTITIES_FOR_POLICY, "ListEntitiesForPolicy",
	   "iam:ListEntitiesForPolicy", 0, CAP_SMALL, list_entities_for_policy),
	/* access keys (op_access_key.c) */
	OP(IAM__REQUEST__OP_CREATE_ACCESS_KEY, "CreateAccessKey", "iam:CreateAccessKey", OP_WRITE | OP_CREDENTIALS,
	   CAP_SMALL, create_access_key),
	OP(IAM__REQUEST__OP_LIST_ACCESS_KEYS, "ListAccessKeys", "iam:ListAccessKeys", 0, CAP_SMALL,
	   list_access_keys),
	OP(IAM__REQUEST__OP_UPDATE_ACCESS_KEY, "UpdateAccessKey", "iam:UpdateAccessKey", OP_WRITE,
	   CAP_SMALL, update_access_key),
	OP(IAM__REQUEST__OP_DELETE_ACCESS_KEY, "DeleteAccessKey", "iam:DeleteAccessKey", OP_WRITE,
	   CAP_SMALL, delete_access_key),
	OP(IAM__REQUEST__OP_GET_ACCESS_KEY_LAST_USED, "GetAccessKeyLastUsed",
	   "iam:GetAccessKeyLastUsed", 0, CAP_SMALL, get_access_key_last_used),
	/* authz: the simulator, iamd's local bindings and Authorize */
	OP(IAM__REQUEST__OP_SIMULATE_PRINCIPAL_POLICY, "SimulatePrincipalPolicy",
	   "iam:SimulatePrincipalPolicy", 0, CAP_POLICY_DOC, simulate_principal_policy),
	OP(IAM__REQUEST__OP_SIMULATE_CUSTOM_POLICY, "SimulateCustomPolicy",
	   "iam:SimulateCustomPolicy", 0, CAP_POLICY_DOC, simulate_custom_policy),
	OP(IAM__REQUEST__OP_GET_CONTEXT_KEYS_FOR_PRINCIPAL_POLICY,
	   "GetContextKeysForPrincipalPolicy", "iam:GetContextKeysForPrincipalPolicy", 0,
	   CAP_POLICY_DOC, get_context_keys_for_principal_policy),
	OP(IAM__REQUEST__OP_GET_CONTEXT_KEYS_FOR_CUSTOM_POLICY, "GetContextKeysForCustomPolicy",
	   "iam:GetContextKeysForCustomPolicy", 0, CAP_POLICY_DOC, get_context_keys_for_custom_policy),
	OP(IAM__REQUEST__OP_CREATE_LOCAL_USER_BINDING, "CreateLocalUserBinding",
	   "iamd:CreateLocalUserBinding", OP_WRITE, CAP_SMALL, create_local_user_binding),
	OP(IAM__REQUEST__OP_DELETE_LOCAL_USER_BINDING, "DeleteLocalUserBinding",
	   "iamd:DeleteLocalUserBinding", OP_WRITE, CAP_SMALL, delete_local_user_binding),
	OP(IAM__REQUEST__OP_LIST_LOCAL_USER_BINDINGS, "ListLocalUserBindings",
	   "iamd:ListLocalUserBindings", 0, CAP_SMALL, list_local_user_bindings),
	OP(IAM__REQUEST__OP_AUTHORIZE, "Authorize", "iamd:Authorize", 0, CAP_POLICY_DOC, authorize),
	/* accounts (op_account_admin.c) */
	OP(IAM__REQUEST__OP_CREATE_ACCOUNT, "CreateAccount", "iamd:CreateAccount", OP_WRITE,
	   CAP_SMALL, create_account),
	OP(IAM__REQUEST__OP_LIST_ACCOUNTS, "ListAccounts", "iamd:ListAccounts", 0, CAP_SMALL,
	   list_accounts),
	OP(IAM__REQUEST__OP_DELETE_ACCOUNT, "DeleteAccount", "iamd:DeleteAccount", OP_WRITE,
	   CAP_SMALL, delete_account),

	OP(IAM__REQUEST__OP_CREATE_ROLE, "CreateRole", "iam:CreateRole", OP_WRITE, CAP_POLICY,
	   create_role),
	OP(IAM__REQUEST__OP_GET_ROLE, "GetRole", "iam:GetRole", 0, CAP_SMALL, get_role),
	OP(IAM__REQUEST__OP_LIST_ROLES, "ListRoles", "iam:ListRoles", 0, CAP_SMALL, list_roles),
	OP(IAM__REQUEST__OP_UPDATE_ROLE, "UpdateRole", "iam:UpdateRole", OP_WRITE, CAP_SMALL,
	   update_role),
	OP(IAM__REQUEST__OP_UPDATE_ROLE_DESCRIPTION, "UpdateRoleDescription",
	   "iam:UpdateRoleDescription", OP_WRITE, CAP_SMALL, update_role_description),
	OP(IAM__REQUEST__OP_UPDATE_ASSUME_ROLE_POLICY, "UpdateAssumeRolePolicy",
	   "iam:UpdateAssumeRolePolicy", OP_WRITE, CAP_POLICY, update_assume_role_policy),
	OP(IAM__REQUEST__OP_DELETE_ROLE, "DeleteRole", "iam:DeleteRole", OP_WRITE, CAP_SMALL,
	   delete_role),
	OP(IAM__REQUEST__OP_TAG_ROLE, "TagRole", "iam:TagRole", OP_WRITE, CAP_TAGS, tag_role),
	OP(IAM__REQUEST__OP_UNTAG_ROLE, "UntagRole", "iam:UntagRole", OP_WRITE, CAP_TAGS,
	   untag_role),
	OP(IAM__REQUEST__OP_LIST_ROLE_TAGS, "ListRoleTags", "iam:ListRoleTags", 0, CAP_SMALL,
	   list_role_tags),
	/* instance profiles (op_instance_profile.c) */
	OP(IAM__REQUEST__OP_CREATE_INSTANCE_PROFILE, "CreateInstanceProfile",
	   "iam:CreateInstanceProfile", OP_WRITE, CAP_TAGS, create_instance_profile),
	OP(IAM__REQUEST__OP_GET_INSTANCE_PROFILE, "GetInstanceProfile", "iam:GetInstanceProfile", 0,
	   CAP_SMALL, get_instance_profile),
	OP(IAM__REQUEST__OP_LIST_INSTANCE_PROFILES, "ListInstanceProfiles",
	   "iam:ListInstanceProfiles", 0, CAP_SMALL, list_instance_profiles),
	OP(IAM__REQUEST__OP_LIST_INSTANCE_PROFILES_FOR_ROLE, "ListInstanceProfilesForRole",
	   "iam:ListInstanceProfilesForRole", 0, CAP_SMALL, list_instance_profiles_for_role),
	OP(IAM__REQUEST__OP_ADD_ROLE_TO_INSTANCE_PROFILE, "AddRoleToInstanceProfile",
	   "iam:AddRoleToInstanceProfile", OP_WRITE, CAP_SMALL, add_role_to_instance_profile),
	OP(IAM__REQUEST__OP_REMOVE_ROLE_FROM_INSTANCE_PROFILE, "RemoveRoleFromInstanceProfile",
	   "iam:RemoveRoleFromInstanceProfile", OP_WRITE, CAP_SMALL,
	   remove_role_from_instance_profile),
	OP(IAM__REQUEST__OP_DELETE_INSTANCE_PROFILE, "DeleteInstanceProfile",
	   "iam:DeleteInstanceProfile", OP_WRITE, CAP_SMALL, delete_instance_profile),
	OP(IAM__REQUEST__OP_TAG_INSTANCE_PROFILE, "TagInstanceProfile", "iam:TagInstanceProfile",
	   OP_WRITE, CAP_TAGS, tag_instance_profile),
	OP(IAM__REQUEST__OP_UNTAG_INSTANCE_PROFILE, "UntagInstanceProfile",
	   "iam:UntagInstanceProfile", OP_WRITE, CAP_TAGS, untag_instance_profile),
	OP(IAM__REQUEST__OP_LIST_INSTANCE_PROFILE_TAGS, "ListInstanceProfileTags",
	   "iam:ListInstanceProfileTags", 0, CAP_SMALL, list_instance_profile_tags),
	/* virtual MFA devices (op_mfa.c) */
	OP(IAM__REQUEST__OP_CREATE_VIRTUAL_MFA_DEVICE, "CreateVirtualMFADevice",
	   "iam:CreateVirtualMFADevice", OP_WRITE, CAP_TAGS, create_virtual_mfa_device),
	OP(IAM__REQUEST__OP_ENABLE_MFA_DEVICE, "EnableMFADevice", "iam:EnableMFADevice", OP_WRITE,
	   CAP_SMALL, enable_mfa_device),
	OP(IAM__REQUEST__OP_DEACTIVATE_MFA_DEVICE, "DeactivateMFADevice",
	   "iam:DeactivateMFADevice", OP_WRITE, CAP_SMALL, deactivate_mfa_device),
	OP(IAM__REQUEST__OP_RESYNC_MFA_DEVICE, "ResyncMFADevice", "iam:ResyncMFADevice", OP_WRITE,
	   CAP_SMALL, resync_mfa_device),
	OP(IAM__REQUEST__OP_DELETE_VIRTUAL_MFA_DEVICE, "DeleteVirtualMFADevice",
	   "iam:DeleteVirtualMFADevice", OP_WRITE, CAP_SMALL, delete_virtual_mfa_device),
	OP(IAM__REQUEST__OP_LIST_MFA_DEVICES, "ListMFADevices", "iam:ListMFADevices", 0, CAP_SMALL,
	   list_mfa_devices),
	OP(IAM__REQUEST__OP_LIST_VIRTUAL_MFA_DEVICES, "ListVirtualMFADevices",
	   "iam:ListVirtualMFADevices", 0, CAP_SMALL, list_virtual_mfa_devices),
	OP(IAM__REQUEST__OP_TAG_MFA_DEVICE, "TagMFADevice", "iam:TagMFADevice", OP_WRITE, CAP_TAGS,
	   tag_mfa_device),
	OP(IAM__REQUEST__OP_UNTAG_MFA_DEVICE, "UntagMFADevice", "iam:UntagMFADevice", OP_WRITE,
	   CAP_TAGS, untag_mfa_device),
	OP(IAM__REQUEST__OP_LIST_MFA_DEVICE_TAGS, "ListMFADeviceTags", "iam:ListMFADeviceTags", 0,
	   CAP_SMALL, list_mfa_device_tags),
	/* host associations (op_host_assoc.c) */
	OP(IAM__REQUEST__OP_ASSOCIATE_INSTANCE_PROFILE, "AssociateInstanceProfile",
	   "iamd:AssociateInstanceProfile", OP_WRITE, CAP_SMALL, associate_instance_profile),
	OP(IAM__REQUEST__OP_DISASSOCIATE_INSTANCE_PROFILE, "DisassociateInstanceProfile",
	   "iamd:DisassociateInstanceProfile", OP_WRITE, CAP_SMALL, disassociate_instance_profile),
	OP(IAM__REQUEST__OP_LIST_INSTANCE_PROFILE_ASSOCIATIONS, "ListInstanceProfileAssociations",
	   "iamd:ListInstanceProfileAssociations", 0, CAP_SMALL,
	   list_instance_profile_associations),
	OP(IAM__REQUEST__OP_GET_CREDENTIALS, "GetCredentials", "iamd:GetCredentials", OP_CREDENTIALS, CAP_SMALL,
	   get_credentials),

	OP(IAM__REQUEST__OP_PUT_USER_POLICY, "PutUserPolicy", "iam:PutUserPolicy", OP_WRITE,
	   CAP_POLICY, put_user_policy),
	OP(IAM__REQUEST__OP_GET_USER_POLICY, "GetUserPolicy", "iam:GetUserPolicy", 0, CAP_SMALL,
	   get_user_policy),
	OP(IAM__REQUEST__OP_DELETE_USER_POLICY, "DeleteUserPolicy", "iam:DeleteUserPolicy",
	   OP_WRITE, CAP_SMALL, delete_user_policy),
	OP(IAM__REQUEST__OP_LIST_USER_POLICIES, "ListUserPolicies", "iam:ListUserPolicies", 0,
	   CAP_SMALL, list_user_policies),
	OP(IAM__REQUEST__OP_PUT_GROUP_POLICY, "PutGroupPolicy", "iam:PutGroupPolicy", OP_WRITE,
	   CAP_POLICY, put_group_policy),
	OP(IAM__REQUEST__OP_GET_GROUP_POLICY, "GetGroupPolicy", "iam:GetGroupPolicy", 0,
	   CAP_SMALL, get_group_policy),
	OP(IAM__REQUEST__OP_DELETE_GROUP_POLICY, "DeleteGroupPolicy", "iam:DeleteGroupPolicy",
	   OP_WRITE, CAP_SMALL, delete_group_policy),
	OP(IAM__REQUEST__OP_LIST_GROUP_POLICIES, "ListGroupPolicies", "iam:ListGroupPolicies", 0,
	   CAP_SMALL, list_group_policies),
	OP(IAM__REQUEST__OP_PUT_ROLE_POLICY, "PutRolePolicy", "iam:PutRolePolicy", OP_WRITE,
	   CAP_POLICY, put_role_policy),
	OP(IAM__REQUEST__OP_GET_ROLE_POLICY, "GetRolePolicy", "iam:GetRolePolicy", 0, CAP_SMALL,
	   get_role_policy),
	OP(IAM__REQUEST__OP_DELETE_ROLE_POLICY, "DeleteRolePolicy", "iam:DeleteRolePolicy",
	   OP_WRITE, CAP_SMALL, delete_role_policy),
	OP(IAM__REQUEST__OP_LIST_ROLE_POLICIES, "ListRolePolicies", "iam:ListRolePolicies", 0,
	   CAP_SMALL, list_role_policies),

	OP(IAM__REQUEST__OP_PUT_USER_PERMISSIONS_BOUNDARY, "PutUserPermissionsBoundary",
	   "iam:PutUserPermissionsBoundary", OP_WRITE, CAP_SMALL, put_user_permissions_boundary),
	OP(IAM__REQUEST__OP_DELETE_USER_PERMISSIONS_BOUNDARY, "DeleteUserPermissionsBoundary",
	   "iam:DeleteUserPermissionsBoundary", OP_WRITE, CAP_SMALL,
	   delete_user_permissions_boundary),
	OP(IAM__REQUEST__OP_PUT_ROLE_PERMISSIONS_BOUNDARY, "PutRolePermissionsBoundary",
	   "iam:PutRolePermissionsBoundary", OP_WRITE, CAP_SMALL, put_role_permissions_boundary),
	OP(IAM__REQUEST__OP_DELETE_ROLE_PERMISSIONS_BOUNDARY, "DeleteRolePermissionsBoundary",
	   "iam:DeleteRolePermissionsBoundary", OP_WRITE, CAP_SMALL,
	   delete_role_permissions_boundary),
	OP(IAM__REQUEST__OP_GET_ACCOUNT_AUTHORIZATION_DETAILS, "GetAccountAuthorizationDetails",
	   "iam:GetAccountAuthorizationDetails", 0, CAP_SMALL, get_account_authorization_details),
	OP(IAM__REQUEST__OP_GET_ACCOUNT_SUMMARY, "GetAccountSummary", "iam:GetAccountSummary", 0,
	   CAP_SMALL, get_account_summary),
	/* account aliases (op_account_admin.c) */
	OP(IAM__REQUEST__OP_CREATE_ACCOUNT_ALIAS, "CreateAccountAlias", "iam:CreateAccountAlias",
	   OP_WRITE, CAP_SMALL, create_account_alias),
	OP(IAM__REQUEST__OP_DELETE_ACCOUNT_ALIAS, "DeleteAccountAlias", "iam:DeleteAccountAlias",
	   OP_WRITE, CAP_SMALL, delete_account_alias),
	OP(IAM__REQUEST__OP_LIST_ACCOUNT_ALIASES, "ListAccountAliases", "iam:ListAccountAliases", 0,
	   CAP_SMALL, list_account_aliases),
	/* SSH public keys (op_ssh_key.c) */
	OP(IAM__REQUEST__OP_UPLOAD_SSH_PUBLIC_KEY, "UploadSSHPublicKey", "iam:UploadSSHPublicKey",
	   OP_WRITE, CAP_TAGS, upload_ssh_public_key),
	OP(IAM__REQUEST__OP_GET_SSH_PUBLIC_KEY, "GetSSHPublicKey", "iam:GetSSHPublicKey", 0,
	   CAP_SMALL, get_ssh_public_key),
	OP(IAM__REQUEST__OP_LIST_SSH_PUBLIC_KEYS, "ListSSHPublicKeys", "iam:ListSSHPublicKeys", 0,
	   CAP_SMALL, list_ssh_public_keys),
	OP(IAM__REQUEST__OP_UPDATE_SSH_PUBLIC_KEY, "UpdateSSHPublicKey", "iam:UpdateSSHPublicKey",
	   OP_WRITE, CAP_SMALL, update_ssh_public_key),
	OP(IAM__REQUEST__OP_DELETE_SSH_PUBLIC_KEY, "DeleteSSHPublicKey", "iam:DeleteSSHPublicKey",
	   OP_WRITE, CAP_SMALL, delete_ssh_public_key),
	OP(IAM__REQUEST__OP_LIST_LOCAL_USER_SSH_PUBLIC_KEYS, "ListLocalUserSSHPublicKeys",
	   "iamd:ListLocalUserSSHPublicKeys", 0, CAP_SMALL, list_local_user_ssh_public_keys),
	/* the account password policy (op_account_admin.c) */
	OP(IAM__REQUEST__OP_GET_ACCOUNT_PASSWORD_POLICY, "GetAccountPasswordPolicy",
	   "iam:GetAccountPasswordPolicy", 0, CAP_SMALL, get_account_password_policy),
	OP(IAM__REQUEST__OP_UPDATE_ACCOUNT_PASSWORD_POLICY, "UpdateAccountPasswordPolicy",
	   "iam:UpdateAccountPasswordPolicy", OP_WRITE, CAP_SMALL, update_account_password_policy),
	OP(IAM__REQUEST__OP_DELETE_ACCOUNT_PASSWORD_POLICY, "DeleteAccountPasswordPolicy",
	   "iam:DeleteAccountPasswordPolicy", OP_WRITE, CAP_SMALL, delete_account_password_policy),
	/* IAM users' passwords (op_login.c): OP_SECRET, the request holds one */
	OP(IAM__REQUEST__OP_CREATE_LOGIN_PROFILE, "CreateLoginProfile", "iam:CreateLoginProfile",
	   OP_WRITE | OP_SECRET, CAP_SMALL, create_login_profile),
	OP(IAM__REQUEST__OP_GET_LOGIN_PROFILE, "GetLoginProfile", "iam:GetLoginProfile", 0,
	   CAP_SMALL, get_login_profile),
	OP(IAM__REQUEST__OP_UPDATE_LOGIN_PROFILE, "UpdateLoginProfile", "iam:UpdateLoginProfile",
	   OP_WRITE | OP_SECRET, CAP_SMALL, update_login_profile),
	OP(IAM__REQUEST__OP_DELETE_LOGIN_PROFILE, "DeleteLoginProfile", "iam:DeleteLoginProfile",
	   OP_WRITE, CAP_SMALL, delete_login_profile),
	OP(IAM__REQUEST__OP_CHANGE_PASSWORD, "ChangePassword", "iam:ChangePassword",
	   OP_WRITE | OP_SECRET, CAP_SMALL, change_password),
	/* the credential report (op_credential_report.c) */
	OP(IAM__REQUEST__OP_GENERATE_CREDENTIAL_REPORT, "GenerateCredentialReport",
	   "iam:GenerateCredentialReport", OP_WRITE, CAP_SMALL, generate_credential_report),
	OP(IAM__REQUEST__OP_GET_CREDENTIAL_REPORT, "GetCredentialReport",
	   "iam:GetCredentialReport", 0, CAP_SMALL, get_credential_report),
	/* OpenID Connect providers (op_oidc.c) */
	OP(IAM__REQUEST__OP_CREATE_OPEN_ID_CONNECT_PROVIDER, "CreateOpenIDConnectProvider",
	   "iam:CreateOpenIDConnectProvider", OP_WRITE, CAP_TAGS, create_open_id_connect_provider),
	OP(IAM__REQUEST__OP_GET_OPEN_ID_CONNECT_PROVIDER, "GetOpenIDConnectProvider",
	   "iam:GetOpenIDConnectProvider", 0, CAP_SMALL, get_open_id_connect_provider),
	OP(IAM__REQUEST__OP_LIST_OPEN_ID_CONNECT_PROVIDERS, "ListOpenIDConnectProviders",
	   "iam:ListOpenIDConnectProviders", 0, CAP_SMALL, list_open_id_connect_providers),
	OP(IAM__REQUEST__OP_DELETE_OPEN_ID_CONNECT_PROVIDER, "DeleteOpenIDConnectProvider",
	   "iam:DeleteOpenIDConnectProvider", OP_WRITE, CAP_SMALL, delete_open_id_connect_provider),
	OP(IAM__REQUEST__OP_ADD_CLIENT_ID_TO_OPEN_ID_CONNECT_PROVIDER, "AddClientIDToOpenIDConnectProvider",
	   "iam:AddClientIDToOpenIDConnectProvider", OP_WRITE, CAP_SMALL, add_client_id_to_open_id_connect_provider),
	OP(IAM__REQUEST__OP_REMOVE_CLIENT_ID_FROM_OPEN_ID_CONNECT_PROVIDER, "RemoveClientIDFromOpenIDConnectProvider",
	   "iam:RemoveClientIDFromOpenIDConnectProvider", OP_WRITE, CAP_SMALL, remove_client_id_from_open_id_connect_provider),
	OP(IAM__REQUEST__OP_UPDATE_OPEN_ID_CONNECT_PROVIDER_THUMBPRINT, "UpdateOpenIDConnectProviderThumbprint",
	   "iam:UpdateOpenIDConnectProviderThumbprint", OP_WRITE, CAP_SMALL, update_open_id_connect_provider_thumbprint),
	OP(IAM__REQUEST__OP_TAG_OPEN_ID_CONNECT_PROVIDER, "TagOpenIDConnectProvider",
	   "iam:TagOpenIDConnectProvider", OP_WRITE, CAP_TAGS, tag_open_id_connect_provider),
	OP(IAM__REQUEST__OP_UNTAG_OPEN_ID_CONNECT_PROVIDER, "UntagOpenIDConnectProvider",
	   "iam:UntagOpenIDConnectProvider", OP_WRITE, CAP_TAGS, untag_open_id_connect_provider),
	OP(IAM__REQUEST__OP_LIST_OPEN_ID_CONNECT_PROVIDER_TAGS, "ListOpenIDConnectProviderTags",
	   "iam:ListOpenIDConnectProviderTags", 0, CAP_SMALL, list_open_id_connect_provider_tags),
	/* SAML providers (op_saml.c) */
	OP(IAM__REQUEST__OP_CREATE_SAML_PROVIDER, "CreateSAMLProvider", "iam:CreateSAMLProvider",
	   OP_WRITE, CAP_SAML_METADATA, create_saml_provider),
	OP(IAM__REQUEST__OP_GET_SAML_PROVIDER, "GetSAMLProvider", "iam:GetSAMLProvider", 0,
	   CAP_SMALL, get_saml_provider),
	OP(IAM__REQUEST__OP_LIST_SAML_PROVIDERS, "ListSAMLProviders", "iam:ListSAMLProviders", 0,
	   CAP_SMALL, list_saml_providers),
	OP(IAM__REQUEST__OP_UPDATE_SAML_PROVIDER, "UpdateSAMLProvider", "iam:UpdateSAMLProvider",
	   OP_WRITE, CAP_SAML_METADATA, update_saml_provider),
	OP(IAM__REQUEST__OP_DELETE_SAML_PROVIDER, "DeleteSAMLProvider", "iam:DeleteSAMLProvider",
	   OP_WRITE, CAP_SMALL, delete_saml_provider),
	OP(IAM__REQUEST__OP_TAG_SAML_PROVIDER, "TagSAMLProvider", "iam:TagSAMLProvider", OP_WRITE,
	   CAP_TAGS, tag_saml_provider),
	OP(IAM__REQUEST__OP_UNTAG_SAML_PROVIDER, "UntagSAMLProvider", "iam:UntagSAMLProvider",
	   OP_WRITE, CAP_TAGS, untag_saml_provider),
	OP(IAM__REQUEST__OP_LIST_SAML_PROVIDER_TAGS, "ListSAMLProviderTags",
	   "iam:ListSAMLProviderTags", 0, CAP_SMALL, list_saml_provider_tags),
};

const size_t ops_table_len = sizeof(ops_table) / sizeof(ops_table[0]);

/* Op numbers are small (< OPS_INDEX_MAX): a direct index, built once. */
#define OPS_INDEX_MAX 1024
static uint16_t ops_index[OPS_INDEX_MAX];   /* row + 1; 0: none */
static bool ops_index_built;

static void ops_index_build(void)
{
	for (size_t i = 0; i < ops_table_len; i++)
		if (ops_table[i].number < OPS_INDEX_MAX)
			ops_index[ops_table[i].number] = (uint16_t)(i + 1);
	ops_index_built = true;
}

const struct op *ops_find(uint32_t number)
{
	if (!ops_index_built)
		ops_index_build();
	if (number >= OPS_INDEX_MAX || ops_index[number] == 0)
		return NULL;
	return &ops_table[ops_index[number] - 1];
}

/* ---- store set-up ---- */

static const char meta_key[] = "meta";

/* Migration to version N is migrations[N - 2] (version 1 is the first
 * schema: nothing to migrate). Each runs inside the write transaction that
 * then records the new version; if one fails, nothing of it is kept. */
typedef int (*ops_migration_fn)(struct store_txn *t);
static const ops_migration_fn migrations[] = {
	entity_count_rebuild,   /* 2: account counters "count/ACCT/KIND" (entity_count.c) */
	aws_managed_seed,       /* 3: AWS managed policies (aws_managed.c) */
	aws_managed_use_rebuild, /* 4: their counts per account "awsuse/ACCT/NAME" */
};

static int ops_migrate(struct store_txn *t, uint32_t from, uint32_t to)
{
	for (uint32_t v = from + 1; v <= to; v++) {
		size_t i = v - 2;
		if (v < 2 || i >= sizeof(migrations) / sizeof(migrations[0]) || !migrations[i])
			return -EPROTONOSUPPORT;
		int r = migrations[i](t);
		if (r < 0)
			return r;
	}
	return 0;
}

static int ops_put_msg(struct store_txn *t, enum store_db db, const char *key,
		       const ProtobufCMessage *m)
{
	size_t len = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	protobuf_c_message_pack(m, buf);
	int r = store_put(t, db, key, strlen(key), buf, len, 0);
	free(buf);
	return r;
}

static int ops_store_create(struct store_txn *t, const char *configured, int64_t now,
			    char acct[13])
{
	if (configured) {
		if (!util_account_id_valid(configured))
			return -EINVAL;
		memcpy(acct, configured, 13);
	} else {
		int r = util_account_id_new(acct);
		if (r < 0)
			return r;
	}
	Iam__StoreMeta meta = IAM__STORE_META__INIT;
	meta.has_schema_version = true;
	meta.schema_version = OPS_SCHEMA_VERSION;
	meta.default_account_id = acct;
	meta.has_create_date = true;
	meta.create_date = now;
	Iam__AccountRecord a = IAM__ACCOUNT_RECORD__INIT;
	a.account_id = acct;
	a.has_create_date = true;
	a.create_date = now;
	int r = ops_put_msg(t, STORE_DB_META, meta_key, &meta.base);
	if (r < 0)
		return r;
	r = ops_put_msg(t, STORE_DB_ACCOUNTS, acct, &a.base);
	if (r < 0)
		return r;
	return aws_managed_seed(t);
}

int ops_store_init(struct store *s, const char *configured, int64_t now,
		   char ret_account_id[13])
{
	struct store_txn *t = NULL;
	struct store_val v;
	Iam__StoreMeta *meta = NULL;
	char acct[13];
	int r;

	if (configured && !util_account_id_valid(configured))
		return -EINVAL;
	r = store_txn_begin(s, true, &t);
	if (r < 0)
		return r;
	r = store_get(t, STORE_DB_META, meta_key, strlen(meta_key), &v);
	if (r == -ENOENT) {
		r = ops_store_create(t, configured, now, acct);
		goto out;
	}
	if (r < 0)
		goto out;
	meta = iam__store_meta__unpack(NULL, v.len, v.data);
	if (!meta || !meta->default_account_id ||
	    !util_account_id_valid(meta->default_account_id)) {
		r = -EIO;
		goto out;
	}
	memcpy(acct, meta->default_account_id, 13);
	if (configured && strcmp(configured, acct) != 0) {
		r = -EEXIST;
		goto out;
	}
	uint32_t version = meta->has_schema_version ? meta->schema_version : 1;
	if (version > OPS_SCHEMA_VERSION) {
		r = -EPROTONOSUPPORT;   /* written by a newer iamd */
		goto out;
	}
	if (version < OPS_SCHEMA_VERSION) {
		r = ops_migrate(t, version, OPS_SCHEMA_VERSION);
		if (r < 0)
			goto out;
		meta->schema_version = OPS_SCHEMA_VERSION;
		meta->has_schema_version = true;
		r = ops_put_msg(t, STORE_DB_META, meta_key, &meta->base);
	}
out:
	if (meta)
		iam__store_meta__free_unpacked(meta, NULL);
	if (r < 0) {
		store_txn_abort(t);
		return r;
	}
	r = store_txn_commit(t);
	if (r < 0)
		return r;
	memcpy(ret_account_id, acct, 13);
	return 0;
}
