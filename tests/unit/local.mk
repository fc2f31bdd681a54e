# tests/unit: one program per lib module, real LMDB in a temp dir.
check_PROGRAMS += tests/unit/test_arena
TESTS += tests/unit/test_arena
tests_unit_test_arena_SOURCES = tests/unit/test_arena.c
tests_unit_test_arena_LDADD = lib/libiamutil.la

check_PROGRAMS += tests/unit/test_store
TESTS += tests/unit/test_store
tests_unit_test_store_SOURCES = tests/unit/test_store.c
tests_unit_test_store_LDADD = lib/libiamstore.la

check_PROGRAMS += tests/unit/test_util_ids tests/unit/test_util_names tests/unit/test_util_isotime
TESTS += tests/unit/test_util_ids tests/unit/test_util_names tests/unit/test_util_isotime
tests_unit_test_util_ids_SOURCES = tests/unit/test_util_ids.c
tests_unit_test_util_ids_LDADD = lib/libiamutil.la
check_PROGRAMS += tests/unit/test_util_random tests/unit/test_util_sha256
TESTS += tests/unit/test_util_random tests/unit/test_util_sha256
tests_unit_test_util_sha256_SOURCES = tests/unit/test_util_sha256.c
tests_unit_test_util_sha256_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS)
tests_unit_test_util_sha256_LDADD = lib/libiamutil.la $(SODIUM_LIBS)
tests_unit_test_util_random_SOURCES = tests/unit/test_util_random.c
tests_unit_test_util_random_LDADD = lib/libiamutil.la -lpthread
tests_unit_test_util_names_SOURCES = tests/unit/test_util_names.c
tests_unit_test_util_names_LDADD = lib/libiamutil.la
tests_unit_test_util_isotime_SOURCES = tests/unit/test_util_isotime.c
tests_unit_test_util_isotime_LDADD = lib/libiamutil.la

check_PROGRAMS += tests/unit/test_rpc
TESTS += tests/unit/test_rpc
tests_unit_test_rpc_SOURCES = tests/unit/test_rpc.c
tests_unit_test_rpc_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS)
tests_unit_test_rpc_LDADD = lib/libiamrpc.la proto/libiamproto.la $(PROTOBUF_C_LIBS)
# client: lib/pbjson (AWS names, JSON <-> messages) and lib/util isotime
check_PROGRAMS += tests/unit/test_pbjson
TESTS += tests/unit/test_pbjson
tests_unit_test_pbjson_SOURCES = tests/unit/test_pbjson.c
nodist_tests_unit_test_pbjson_SOURCES = tests/unit/pbjson_test.pb-c.c \
	tests/unit/pbjson_test.pb-c.h
tests_unit_test_pbjson_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_builddir)/tests/unit
tests_unit_test_pbjson_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS) $(JANSSON_CFLAGS) \
	-Wno-missing-prototypes
EXTRA_DIST += tests/unit/pbjson_test.proto
BUILT_SOURCES += tests/unit/pbjson_test.pb-c.c tests/unit/pbjson_test.pb-c.h
CLEANFILES += tests/unit/pbjson_test.pb-c.c tests/unit/pbjson_test.pb-c.h
tests/unit/pbjson_test.pb-c.c tests/unit/pbjson_test.pb-c.h: $(srcdir)/tests/unit/pbjson_test.proto
	$(AM_V_GEN)$(MKDIR_P) tests/unit && \
	$(PROTOC_C) -I$(srcdir)/tests/unit --c_out=tests/unit $(srcdir)/tests/unit/pbjson_test.proto
tests_unit_test_pbjson_LDADD = lib/libiampbjson.la proto/libiamproto.la \
	lib/libiamutil.la $(PROTOBUF_C_LIBS) $(JANSSON_LIBS)
# pbjson_write (the audit trail's writer) against the jansson path, every
# API message
check_PROGRAMS += tests/unit/test_pbjson_write
TESTS += tests/unit/test_pbjson_write
tests_unit_test_pbjson_write_SOURCES = tests/unit/test_pbjson_write.c
nodist_tests_unit_test_pbjson_write_SOURCES = tests/unit/pbjson_test.pb-c.c \
	tests/unit/pbjson_test.pb-c.h
tests_unit_test_pbjson_write_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_builddir)/tests/unit
tests_unit_test_pbjson_write_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_test_pbjson_write_LDADD = lib/libiampbjson.la proto/libiamproto.la \
	lib/libiamutil.la $(PROTOBUF_C_LIBS) $(JANSSON_LIBS) -lm
# keyd: derivations, SigV4, sealed tokens, the master key file and rotation,
# the op table (linking keyd's non-main sources); keyd_links.sh: what the
# iam-keyd binary links and includes
check_PROGRAMS += tests/unit/test_keyd_crypto tests/unit/test_keyd_ring \
	tests/unit/test_keyd_answer
TESTS += tests/unit/test_keyd_crypto tests/unit/test_keyd_ring \
	tests/unit/test_keyd_answer
KEYD_TEST_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS) $(SODIUM_CFLAGS)
KEYD_TEST_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/keyd
tests_unit_test_keyd_crypto_SOURCES = tests/unit/test_keyd_crypto.c
tests_unit_test_keyd_crypto_CPPFLAGS = $(KEYD_TEST_CPPFLAGS)
tests_unit_test_keyd_crypto_CFLAGS = $(KEYD_TEST_CFLAGS)
tests_unit_test_keyd_crypto_LDADD = keyd/libiamkeyd.la
tests_unit_test_keyd_ring_SOURCES = tests/unit/test_keyd_ring.c
tests_unit_test_keyd_ring_CPPFLAGS = $(KEYD_TEST_CPPFLAGS)
tests_unit_test_keyd_ring_CFLAGS = $(KEYD_TEST_CFLAGS)
tests_unit_test_keyd_ring_LDADD = keyd/libiamkeyd.la
tests_unit_test_keyd_answer_SOURCES = tests/unit/test_keyd_answer.c
tests_unit_test_keyd_answer_CPPFLAGS = $(KEYD_TEST_CPPFLAGS)
tests_unit_test_keyd_answer_CFLAGS = $(KEYD_TEST_CFLAGS)
tests_unit_test_keyd_answer_LDADD = keyd/libiamkeyd.la
# keyd_totp.c: SHA-1, HMAC-SHA1, HOTP/TOTP vectors, CreateMfaSeed, VerifyTotp
check_PROGRAMS += tests/unit/test_keyd_totp
TESTS += tests/unit/test_keyd_totp
tests_unit_test_keyd_totp_SOURCES = tests/unit/test_keyd_totp.c
tests_unit_test_keyd_totp_CPPFLAGS = $(KEYD_TEST_CPPFLAGS)
tests_unit_test_keyd_totp_CFLAGS = $(KEYD_TEST_CFLAGS)
tests_unit_test_keyd_totp_LDADD = keyd/libiamkeyd.la
check_PROGRAMS += tests/unit/test_keyd_password
TESTS += tests/unit/test_keyd_password
tests_unit_test_keyd_password_SOURCES = tests/unit/test_keyd_password.c
tests_unit_test_keyd_password_CPPFLAGS = $(KEYD_TEST_CPPFLAGS)
tests_unit_test_keyd_password_CFLAGS = $(KEYD_TEST_CFLAGS)
tests_unit_test_keyd_password_LDADD = keyd/libiamkeyd.la
dist_check_SCRIPTS += tests/unit/keyd_links.sh
TESTS += tests/unit/keyd_links.sh

# daemon/peer.c: who is asking (SO_PEERCRED, pidfd, unit, exe) (hostroles)
check_PROGRAMS += tests/unit/test_peer
TESTS += tests/unit/test_peer
tests_unit_test_peer_SOURCES = tests/unit/test_peer.c daemon/peer.c daemon/peer.h
tests_unit_test_peer_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/daemon
# the audit trail's file names and chain end (daemon/audit_file.c)
check_PROGRAMS += tests/unit/test_audit_file
TESTS += tests/unit/test_audit_file
tests_unit_test_audit_file_SOURCES = tests/unit/test_audit_file.c daemon/audit_file.c
tests_unit_test_audit_file_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/daemon
tests_unit_test_audit_file_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS) $(JANSSON_CFLAGS) $(SODIUM_CFLAGS)
tests_unit_test_audit_file_LDADD = $(JANSSON_LIBS) $(SODIUM_LIBS)
# lib/util/sha256 on the audit trail's sizes against libsodium
check_PROGRAMS += tests/unit/test_util_sha256_long
TESTS += tests/unit/test_util_sha256_long
tests_unit_test_util_sha256_long_SOURCES = tests/unit/test_util_sha256_long.c
tests_unit_test_util_sha256_long_CFLAGS = $(AM_CFLAGS) $(SODIUM_CFLAGS)
tests_unit_test_util_sha256_long_LDADD = lib/libiamutil.la $(SODIUM_LIBS)
# QR codes for CreateVirtualMFADevice's QRCodePNG (lib/util/qr.h), decoded
# by ZBar
check_PROGRAMS += tests/unit/qr_tool
tests_unit_qr_tool_SOURCES = tests/unit/qr_tool.c
tests_unit_qr_tool_LDADD = lib/libiamutil.la
dist_check_SCRIPTS += tests/unit/qr_zbar.sh
TESTS += tests/unit/qr_zbar.sh

# iam-gateway's HTTP/1.1 request head reader on its own
check_PROGRAMS += tests/unit/test_gateway_parse
TESTS += tests/unit/test_gateway_parse
tests_unit_test_gateway_parse_SOURCES = tests/unit/test_gateway_parse.c gateway/gateway_parse.c

# daemon/authz_wire: Authorize's request decoded and rendered by hand
check_PROGRAMS += tests/unit/test_authz_wire
TESTS += tests/unit/test_authz_wire
tests_unit_test_authz_wire_SOURCES = tests/unit/test_authz_wire.c daemon/authz_wire.c \
	daemon/authz_wire.h
tests_unit_test_authz_wire_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/daemon
tests_unit_test_authz_wire_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS)
tests_unit_test_authz_wire_LDADD = lib/libiampbjson.la lib/libiamrpc.la proto/libiamproto.la \
	lib/libiamutil.la $(PROTOBUF_C_LIBS) $(JANSSON_LIBS) $(SODIUM_LIBS) -lm
# daemon/gen_cache: records kept per store generation
check_PROGRAMS += tests/unit/test_gen_cache
TESTS += tests/unit/test_gen_cache
tests_unit_test_gen_cache_SOURCES = tests/unit/test_gen_cache.c daemon/gen_cache.c daemon/gen_cache.h
tests_unit_test_gen_cache_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/daemon
tests_unit_test_gen_cache_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS)
tests_unit_test_gen_cache_LDADD = proto/libiamproto.la $(PROTOBUF_C_LIBS)

# iamctl --query: the JMESPath engine against python3-jmespath (the AWS CLI's)
check_PROGRAMS += tests/unit/jmespath_run
tests_unit_jmespath_run_SOURCES = tests/unit/jmespath_run.c client/iamctl_query.c \
	client/iamctl_query_eval.c client/iamctl_query_func.c client/iamctl_output.c \
	client/iamctl_query_lex.c
tests_unit_jmespath_run_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/client
tests_unit_jmespath_run_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_jmespath_run_LDADD = $(JANSSON_LIBS) -lm
TESTS += tests/unit/jmespath_diff.sh
EXTRA_DIST += tests/unit/jmespath_diff.sh tests/unit/jmespath_diff.py

# lib/ssh: SSH public keys, fingerprints and encodings against ssh-keygen's
check_PROGRAMS += tests/unit/test_sshkey
TESTS += tests/unit/test_sshkey
tests_unit_test_sshkey_SOURCES = tests/unit/test_sshkey.c
tests_unit_test_sshkey_LDADD = lib/libiamssh.la
# lib/jwt: tokens and keys made by python3-jwt (jwt_vectors.py writes jwt_vectors.h)
check_PROGRAMS += tests/unit/test_jwt
TESTS += tests/unit/test_jwt
tests_unit_test_jwt_SOURCES = tests/unit/test_jwt.c tests/unit/jwt_vectors.h
tests_unit_test_jwt_LDADD = lib/libiamjwt.la
EXTRA_DIST += tests/unit/jwt_vectors.py
# iamctl --output table against the AWS CLI's TableFormatter
check_PROGRAMS += tests/unit/table_run
tests_unit_table_run_SOURCES = tests/unit/table_run.c client/iamctl_table.c \
	client/iamctl_eaw.c client/iamctl_output.c
tests_unit_table_run_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/client
tests_unit_table_run_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_unit_table_run_LDADD = $(JANSSON_LIBS) -lm
TESTS += tests/unit/table_diff.sh
EXTRA_DIST += tests/unit/table_diff.sh tests/unit/table_diff.py

# lib/saml: metadata and signed responses from tests/saml_idp.py (Debian's
# python3-xmlsec), signature wrapping and the other refusals
check_PROGRAMS += tests/unit/test_saml
TESTS += tests/unit/test_saml
tests_unit_test_saml_SOURCES = tests/unit/test_saml.c
tests_unit_test_saml_CFLAGS = $(AM_CFLAGS) $(XMLSEC_CFLAGS)
tests_unit_test_saml_LDADD = lib/libiamsaml.la lib/libiamutil.la $(XMLSEC_LIBS)
EXTRA_DIST += tests/saml_idp.py
