# daemon/ops.mk: the operation handlers (IAMD_OPS_SOURCES += ...).
IAMD_OPS_SOURCES += daemon/ops.c \
	daemon/entity.c daemon/entity.h daemon/entity_count.c \
	daemon/op_user.c daemon/op_user_tags.c daemon/op_group.c daemon/op_sts.c
# account views: GetAccountAuthorizationDetails, GetAccountSummary
IAMD_OPS_SOURCES += daemon/op_account.c
# managed policies, versions, attachments, AWS managed policies
IAMD_OPS_SOURCES += daemon/entity_policy.c daemon/entity_policy.h daemon/aws_managed.c \
	daemon/op_policy.h daemon/op_policy.c daemon/op_policy_version.c daemon/op_attach.c
# authz: principals' policies, the authorization cache, local bindings,
# Authorize, the simulator
IAMD_OPS_SOURCES += daemon/principal.c daemon/principal.h daemon/authz_cache.c \
	daemon/authz_wire.c daemon/authz_wire.h
IAMD_OPS_SOURCES += daemon/op_binding.c daemon/op_authorize.c daemon/op_simulate.c
# roles, inline policies, permissions boundaries
IAMD_OPS_SOURCES += daemon/entity_role.c daemon/op_role.c daemon/op_role_tags.c \
	daemon/op_inline.c daemon/op_boundary.c
# access keys (secrets from iam-keyd: keyd_client.c)
IAMD_OPS_SOURCES += daemon/op_access_key.c
# STS (AssumeRole, GetSessionToken, GetAccessKeyInfo, DecodeAuthorizationMessage),
# sessions in authorization, accounts
IAMD_OPS_SOURCES += daemon/op_sts.h daemon/op_sts_token.c daemon/sts_session.c \
	daemon/sts_session.h daemon/sts_message.c daemon/op_account_admin.c
# instance profiles and host associations (hostroles)
IAMD_OPS_SOURCES += daemon/op_instance_profile.c daemon/op_host_assoc.c
IAMD_OPS_SOURCES += daemon/op_get_credentials.c daemon/peer.c daemon/peer.h
# virtual MFA devices (TOTP codes checked by iam-keyd)
IAMD_OPS_SOURCES += daemon/op_mfa.c daemon/op_mfa.h daemon/op_mfa_list.c daemon/op_mfa_sts.c
# IAM users' passwords (hashed by iam-keyd) and the credential report
IAMD_OPS_SOURCES += daemon/op_login.h daemon/op_login.c daemon/op_login_policy.c \
	daemon/op_credential_report.c
# SSH public keys and sshd's AuthorizedKeysCommand (lib/ssh parses them)
IAMD_OPS_SOURCES += daemon/op_ssh_key.c
# OpenID Connect federation: providers, their keys (HTTPS on the loop),
# AssumeRoleWithWebIdentity
IAMD_OPS_SOURCES += daemon/oidc.h daemon/op_oidc.c daemon/oidc_keys.c daemon/op_sts_web.c

# SAML federation: providers, AssumeRoleWithSAML (lib/saml verifies)
IAMD_OPS_SOURCES += daemon/saml.h daemon/op_saml.c daemon/op_sts_saml.c
# STS GetFederationToken (federated user sessions: sts_session.c decides them)
IAMD_OPS_SOURCES += daemon/op_sts_federation.c
