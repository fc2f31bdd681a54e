# tests/fuzz: libFuzzer targets for every parser of untrusted bytes
# (./configure --enable-fuzzing CC=clang builds them); `make check` replays
# each seed corpus tests/fuzz/corpus/NAME/ through replay_main.c.
EXTRA_DIST += tests/fuzz/corpus

# server: the api frame reader and Request decoding
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_frame
tests_fuzz_fuzz_frame_SOURCES = tests/fuzz/fuzz_frame.c
tests_fuzz_fuzz_frame_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_frame_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_frame_LDADD = lib/libiamrpc.la proto/libiamproto.la lib/libiamutil.la $(PROTOBUF_C_LIBS)
endif
check_PROGRAMS += tests/fuzz/replay_frame
TESTS += tests/fuzz/replay_frame
tests_fuzz_replay_frame_SOURCES = tests/fuzz/fuzz_frame.c tests/fuzz/replay_main.c
tests_fuzz_replay_frame_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_CORPUS_NAME='"frame"'
tests_fuzz_replay_frame_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS)
tests_fuzz_replay_frame_LDADD = lib/libiamrpc.la proto/libiamproto.la lib/libiamutil.la $(PROTOBUF_C_LIBS)

# iam-gateway: the HTTP/1.1 request head reader, fed in chunks and pipelined
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_http
tests_fuzz_fuzz_http_SOURCES = tests/fuzz/fuzz_http.c gateway/gateway_parse.c
tests_fuzz_fuzz_http_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_http_LDFLAGS = -fsanitize=fuzzer
endif
check_PROGRAMS += tests/fuzz/replay_http
TESTS += tests/fuzz/replay_http
tests_fuzz_replay_http_SOURCES = tests/fuzz/fuzz_http.c gateway/gateway_parse.c \
	tests/fuzz/replay_main.c
tests_fuzz_replay_http_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_CORPUS_NAME='"http"'
tests_fuzz_replay_http_CFLAGS = $(AM_CFLAGS)

# lib/ssh: SSH public keys (UploadSSHPublicKey's body), both encodings
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_sshkey
tests_fuzz_fuzz_sshkey_SOURCES = tests/fuzz/fuzz_sshkey.c
tests_fuzz_fuzz_sshkey_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_sshkey_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_sshkey_LDADD = lib/libiamssh.la
endif
check_PROGRAMS += tests/fuzz/replay_sshkey
TESTS += tests/fuzz/replay_sshkey
tests_fuzz_replay_sshkey_SOURCES = tests/fuzz/fuzz_sshkey.c tests/fuzz/replay_main.c
tests_fuzz_replay_sshkey_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_CORPUS_NAME='"sshkey"'
tests_fuzz_replay_sshkey_LDADD = lib/libiamssh.la

# lib/jwt: web identity tokens, identity providers' key sets and
# configuration documents
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_jwt
tests_fuzz_fuzz_jwt_SOURCES = tests/fuzz/fuzz_jwt.c
tests_fuzz_fuzz_jwt_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_jwt_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_jwt_LDADD = lib/libiamjwt.la
endif
check_PROGRAMS += tests/fuzz/replay_jwt
TESTS += tests/fuzz/replay_jwt
tests_fuzz_replay_jwt_SOURCES = tests/fuzz/fuzz_jwt.c tests/fuzz/replay_main.c
tests_fuzz_replay_jwt_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_CORPUS_NAME='"jwt"'
tests_fuzz_replay_jwt_LDADD = lib/libiamjwt.la

# lib/saml: IdP metadata and SAML responses (AssumeRoleWithSAML)
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_saml
tests_fuzz_fuzz_saml_SOURCES = tests/fuzz/fuzz_saml.c
tests_fuzz_fuzz_saml_CFLAGS = $(AM_CFLAGS) $(XMLSEC_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_saml_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_saml_LDADD = lib/libiamsaml.la lib/libiamutil.la $(XMLSEC_LIBS)
endif
check_PROGRAMS += tests/fuzz/replay_saml
TESTS += tests/fuzz/replay_saml
tests_fuzz_replay_saml_SOURCES = tests/fuzz/fuzz_saml.c tests/fuzz/replay_main.c
tests_fuzz_replay_saml_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_CORPUS_NAME='"saml"'
tests_fuzz_replay_saml_CFLAGS = $(AM_CFLAGS) $(XMLSEC_CFLAGS)
tests_fuzz_replay_saml_LDADD = lib/libiamsaml.la lib/libiamutil.la $(XMLSEC_LIBS)
