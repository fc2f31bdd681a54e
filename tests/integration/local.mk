# tests/integration: real daemons in temp dirs, driven by iamctl, libiam and
# raw frames. Shell tests source tests/integration/lib.sh (the harness).
# Append only.
EXTRA_DIST += tests/integration/lib.sh

# server: hostile peers, limits, pipelining, SIGTERM, non-root callers
check_PROGRAMS += tests/integration/test_frames
TESTS += tests/integration/test_frames
tests_integration_test_frames_SOURCES = tests/integration/test_frames.c
tests_integration_test_frames_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS)
tests_integration_test_frames_LDADD = lib/libiamrpc.la proto/libiamproto.la $(PROTOBUF_C_LIBS)
# server: iamd's start, directories, options, restart, signals (and lib.sh)
dist_check_SCRIPTS += tests/integration/iamd_lifecycle.sh
TESTS += tests/integration/iamd_lifecycle.sh
# entities: users, groups, pagination, durability (iam_load: a bulk client)
check_PROGRAMS += tests/integration/iam_load
tests_integration_iam_load_SOURCES = tests/integration/iam_load.c
tests_integration_iam_load_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS)
tests_integration_iam_load_LDADD = lib/libiamrpc.la proto/libiamproto.la $(PROTOBUF_C_LIBS)
dist_check_SCRIPTS += tests/integration/durability.sh
TESTS += tests/integration/durability.sh
dist_check_SCRIPTS += tests/integration/users.sh
TESTS += tests/integration/users.sh
dist_check_SCRIPTS += tests/integration/groups.sh
TESTS += tests/integration/groups.sh
# client: libiam against a real iamd; iamctl's command line, output and errors
check_PROGRAMS += tests/integration/test_libiam
TESTS += tests/integration/test_libiam
tests_integration_test_libiam_SOURCES = tests/integration/test_libiam.c
tests_integration_test_libiam_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/client
tests_integration_test_libiam_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS)
tests_integration_test_libiam_LDADD = client/libiam.la proto/libiamproto.la \
	$(PROTOBUF_C_LIBS)
dist_check_SCRIPTS += tests/integration/pagination.sh
TESTS += tests/integration/pagination.sh
dist_check_SCRIPTS += tests/integration/iamctl.sh
TESTS += tests/integration/iamctl.sh
dist_check_SCRIPTS += tests/integration/store_full.sh
TESTS += tests/integration/store_full.sh
# roles, inline policies, permissions boundaries
dist_check_SCRIPTS += tests/integration/roles.sh
TESTS += tests/integration/roles.sh
dist_check_SCRIPTS += tests/integration/inline_policies.sh
TESTS += tests/integration/inline_policies.sh
# managed policies, versions, AWS managed policies; attachments
dist_check_SCRIPTS += tests/integration/managed_policies.sh
TESTS += tests/integration/managed_policies.sh
dist_check_SCRIPTS += tests/integration/attachments.sh
TESTS += tests/integration/attachments.sh
# the AWS managed policies' counts, per account
dist_check_SCRIPTS += tests/integration/aws_managed_counts.sh
TESTS += tests/integration/aws_managed_counts.sh
# authz: every call authorized by policy, local uid bindings, the simulator
dist_check_SCRIPTS += tests/integration/authz.sh
TESTS += tests/integration/authz.sh
dist_check_SCRIPTS += tests/integration/bindings.sh
TESTS += tests/integration/bindings.sh
dist_check_SCRIPTS += tests/integration/simulate.sh
TESTS += tests/integration/simulate.sh
dist_check_SCRIPTS += tests/integration/simulate_diff.sh
TESTS += tests/integration/simulate_diff.sh
EXTRA_DIST += tests/policy/simdiff.py
# account views: GetAccountAuthorizationDetails, GetAccountSummary, quotas
dist_check_SCRIPTS += tests/integration/account_views.sh
TESTS += tests/integration/account_views.sh
dist_check_SCRIPTS += tests/integration/boundaries.sh
TESTS += tests/integration/boundaries.sh
# keyd: iam-keyd beside iamd, access keys, outages, rotation, peers, seccomp
dist_check_SCRIPTS += tests/integration/keyd.sh
TESTS += tests/integration/keyd.sh
# authz: the IAM resource cache (tags, boundaries) follows every write
dist_check_SCRIPTS += tests/integration/authz_cache.sh
TESTS += tests/integration/authz_cache.sh
# sts: AssumeRole, GetSessionToken, GetCallerIdentity, GetAccessKeyInfo,
# DecodeAuthorizationMessage, sessions in authorization, accounts and
# cross-account roles, iamctl role profiles (sts_mint: expired sessions
# minted straight by iam-keyd)
check_PROGRAMS += tests/integration/sts_mint
tests_integration_sts_mint_SOURCES = tests/integration/sts_mint.c
tests_integration_sts_mint_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS)
tests_integration_sts_mint_LDADD = lib/libiamrpc.la proto/libiamproto.la lib/libiamutil.la \
	$(PROTOBUF_C_LIBS) $(SODIUM_LIBS)
dist_check_SCRIPTS += tests/integration/sts.sh
TESTS += tests/integration/sts.sh
# AssumeRole/GetSessionToken with a key: one keyd hop (VerifyAndMint), and
# the optimistic path's error precedence
dist_check_SCRIPTS += tests/integration/sts_onehop.sh
TESTS += tests/integration/sts_onehop.sh
# calls waiting for keyd keep nothing another call may free meanwhile
# (bindings, authz's principals)
dist_check_SCRIPTS += tests/integration/keyd_waits.sh
TESTS += tests/integration/keyd_waits.sh
# iam-keyd killed under a load of signed calls, and back
dist_check_SCRIPTS += tests/integration/keyd_midload.sh
TESTS += tests/integration/keyd_midload.sh
# virtual MFA devices: IAM actions, STS with codes, iamctl --outfile (docs/mfa.md)
dist_check_SCRIPTS += tests/integration/mfa.sh
TESTS += tests/integration/mfa.sh
dist_check_SCRIPTS += tests/integration/mfa_awscli.sh
TESTS += tests/integration/mfa_awscli.sh
# the audit trail: records, chain, digests, verify, lookup, a full disk
dist_check_SCRIPTS += tests/integration/audit.sh
TESTS += tests/integration/audit.sh
# the digests signed by iam-keyd (Ed25519), verify, public-key
dist_check_SCRIPTS += tests/integration/audit_sign.sh
TESTS += tests/integration/audit_sign.sh
# unsigned digests signed later, in order; the public key at start
dist_check_SCRIPTS += tests/integration/audit_resign.sh
TESTS += tests/integration/audit_resign.sh
# a failed commit after the record: a durable record that supersedes it
dist_check_SCRIPTS += tests/integration/audit_commit_fail.sh
TESTS += tests/integration/audit_commit_fail.sh
# digests' hashes of their files: SHA-256-lines, and the old SHA-256 form
dist_check_SCRIPTS += tests/integration/audit_hash_compat.sh
TESTS += tests/integration/audit_hash_compat.sh
# instance profiles, host associations (hostroles)
dist_check_SCRIPTS += tests/integration/hostroles.sh
TESTS += tests/integration/hostroles.sh
dist_check_SCRIPTS += tests/integration/sts_cross_account.sh
TESTS += tests/integration/sts_cross_account.sh
dist_check_SCRIPTS += tests/integration/sts_profiles.sh
TESTS += tests/integration/sts_profiles.sh
# iam-gateway: the AWS CLI and boto3 from Debian through the Query API
dist_check_SCRIPTS += tests/integration/gateway_awscli.sh
TESTS += tests/integration/gateway_awscli.sh
# iamd:GetCredentials: uids, selectors, trust conditions (hostroles)
dist_check_SCRIPTS += tests/integration/hostroles_creds.sh
TESTS += tests/integration/hostroles_creds.sh
# trust-policy conditions on the host identity keys (operators, IfExists, Null, Deny)
dist_check_SCRIPTS += tests/integration/hostroles_conditions.sh
TESTS += tests/integration/hostroles_conditions.sh
# libiam's host credentials cache (hostroles_creds.sh drives it)
check_PROGRAMS += tests/integration/credcache_check
tests_integration_credcache_check_SOURCES = tests/integration/credcache_check.c
tests_integration_credcache_check_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/client
tests_integration_credcache_check_LDADD = client/libiam.la
# host credentials: pid reuse in a PID namespace (peer_reuse: the
# processes), units as cgroups named like units, the identity keys in the
# session (hostroles)
check_PROGRAMS += tests/integration/peer_reuse
tests_integration_peer_reuse_SOURCES = tests/integration/peer_reuse.c
tests_integration_peer_reuse_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/client
tests_integration_peer_reuse_LDADD = client/libiam.la
dist_check_SCRIPTS += tests/integration/hostroles_reuse.sh
TESTS += tests/integration/hostroles_reuse.sh
dist_check_SCRIPTS += tests/integration/hostroles_units.sh
TESTS += tests/integration/hostroles_units.sh
dist_check_SCRIPTS += tests/integration/gateway_boto3.sh
TESTS += tests/integration/gateway_boto3.sh
EXTRA_DIST += tests/integration/gateway_boto3.py
# TAP for the python scenarios (check, eq, done)
EXTRA_DIST += tests/integration/tap.py
# the AWS CLI and boto3 as a hidden checker would drive them: values, errors
dist_check_SCRIPTS += tests/integration/gateway_conformance.sh
TESTS += tests/integration/gateway_conformance.sh
EXTRA_DIST += tests/integration/gateway_conformance.py
# iam-gateway: the AWS SDK for JavaScript v3 from npm (npm ci into the build tree)
dist_check_SCRIPTS += tests/integration/gateway_js.sh
TESTS += tests/integration/gateway_js.sh
EXTRA_DIST += tests/js/package.json tests/js/package-lock.json tests/js/gateway_sdk.mjs \
	tests/js/install.sh
# what tests/js/install.sh and gateway_js.sh put in the build tree (npm ci,
# the script run from there); in an in-tree build those are the sources
clean-local: clean-js
clean-js:
	-rm -rf tests/js/node_modules
	-test "$(abs_top_srcdir)" = "$(abs_top_builddir)" || \
		rm -f tests/js/package.json tests/js/package-lock.json tests/js/gateway_sdk.mjs
.PHONY: clean-js
# the account's alias and password policy (iamctl, a bound user, the AWS CLI
# through the gateway)
dist_check_SCRIPTS += tests/integration/account_settings.sh
TESTS += tests/integration/account_settings.sh
# iamd and iam-gateway poll for their peer's answer only briefly (--keyd-spin,
# --spin): waiting for a stopped peer takes no CPU; the options' values
dist_check_SCRIPTS += tests/integration/spin_idle.sh
TESTS += tests/integration/spin_idle.sh
# iam-gateway: the request deadline, silence and connection limits (raw sockets)
dist_check_SCRIPTS += tests/integration/gateway_limits.sh
TESTS += tests/integration/gateway_limits.sh
# iam-gateway: its HTTP/1.1 reader (split reads, pipelining, 100-continue,
# HTTP/1.0, the requests it refuses) with raw sockets and botocore's SigV4
dist_check_SCRIPTS += tests/integration/gateway_http.sh
TESTS += tests/integration/gateway_http.sh

# no secret left in iamd's memory after it answered (what a core dump would
# hold): memscan reads a live process's mappings
check_PROGRAMS += tests/integration/memscan
tests_integration_memscan_SOURCES = tests/integration/memscan.c
dist_check_SCRIPTS += tests/integration/secret_memory.sh
TESTS += tests/integration/secret_memory.sh

# iamctl --query (JMESPath), compared with /usr/bin/aws through iam-gateway
dist_check_SCRIPTS += tests/integration/iamctl_query.sh
TESTS += tests/integration/iamctl_query.sh

# IAM users' passwords (login profiles, ChangePassword) and the credential report
dist_check_SCRIPTS += tests/integration/login_profile.sh
TESTS += tests/integration/login_profile.sh
dist_check_SCRIPTS += tests/integration/credential_report.sh
TESTS += tests/integration/credential_report.sh

# SSH public keys and sshd's AuthorizedKeysCommand (docs/ssh.md)
dist_check_SCRIPTS += tests/integration/ssh_keys.sh
TESTS += tests/integration/ssh_keys.sh

# OpenID Connect federation: providers; AssumeRoleWithWebIdentity against a
# python3 HTTPS identity provider (oidc_idp.py) with the AWS CLI
dist_check_SCRIPTS += tests/integration/oidc_providers.sh
TESTS += tests/integration/oidc_providers.sh
EXTRA_DIST += tests/integration/oidc_idp.py
dist_check_SCRIPTS += tests/integration/oidc_federation.sh
TESTS += tests/integration/oidc_federation.sh
dist_check_SCRIPTS += tests/integration/iamctl_table.sh
TESTS += tests/integration/iamctl_table.sh

# SAML federation: providers, and AssumeRoleWithSAML with responses signed
# by tests/saml_idp.py (python3-xmlsec) through the AWS CLI
dist_check_SCRIPTS += tests/integration/saml_providers.sh tests/integration/saml_assume.sh
TESTS += tests/integration/saml_providers.sh tests/integration/saml_assume.sh

# STS GetFederationToken: federated user sessions (docs/sts.md)
dist_check_SCRIPTS += tests/integration/sts_federation_token.sh
TESTS += tests/integration/sts_federation_token.sh
# a real sshd logging in with the keys iamd answers (skipped without openssh-server or root)
dist_check_SCRIPTS += tests/integration/ssh_sshd.sh
TESTS += tests/integration/ssh_sshd.sh
dist_check_SCRIPTS += tests/integration/iamctl_validate.sh
TESTS += tests/integration/iamctl_validate.sh
