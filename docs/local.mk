# docs/: how to run, configure and operate iamd; man pages.
EXTRA_DIST += docs/README.md
EXTRA_DIST += docs/development.md
dist_man_MANS += docs/iamctl.1
EXTRA_DIST += docs/iamctl.md docs/libiam.md
EXTRA_DIST += docs/entities.md
dist_man_MANS += docs/iamd.8
# iam-keyd, the key holder
dist_man_MANS += docs/iam-keyd.8
EXTRA_DIST += docs/keyd.md
EXTRA_DIST += docs/iamd.md
EXTRA_DIST += docs/authorization.md docs/local-identities.md
EXTRA_DIST += docs/audit.md
EXTRA_DIST += docs/sts.md
# SSH public keys and sshd's AuthorizedKeysCommand
EXTRA_DIST += docs/ssh.md
# virtual MFA devices
EXTRA_DIST += docs/mfa.md
# IAM users' passwords and the credential report
EXTRA_DIST += docs/passwords.md
# iam-gateway, the AWS Query API on loopback
dist_man_MANS += docs/iam-gateway.8
EXTRA_DIST += docs/gateway.md
# OpenID Connect federation
EXTRA_DIST += docs/federation.md
