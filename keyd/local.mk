# keyd/: iam-keyd, the key holder (docs/keyd.md). It links lib/util, lib/rpc,
# keyd.proto's generated code, libprotobuf-c, libsodium and libseccomp, and
# nothing else: tests/unit/keyd_links.sh proves it on the binary.
sbin_PROGRAMS += keyd/iam-keyd

# keyd.proto's generated code alone (not the api's libiamproto)
noinst_LTLIBRARIES += keyd/libkeydproto.la
nodist_keyd_libkeydproto_la_SOURCES = proto/keyd.pb-c.c proto/keyd.pb-c.h
keyd_libkeydproto_la_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS) -Wno-missing-prototypes

# everything but main(), for the unit tests (tests/unit/test_keyd_*.c)
noinst_LTLIBRARIES += keyd/libiamkeyd.la
keyd_libiamkeyd_la_SOURCES = keyd/keyd.h keyd/keyd_ring.c keyd/keyd_crypto.c keyd/keyd_sigcache.c \
	keyd/keyd_audit.c keyd/keyd_totp.c keyd/keyd_password.c keyd/keyd_answer.c keyd/keyd_answer_msg.c keyd/keyd_loop.c keyd/keyd_sandbox.c keyd/keyd_log.c
keyd_libiamkeyd_la_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS) $(SODIUM_CFLAGS) \
	$(SECCOMP_CFLAGS)
keyd_libiamkeyd_la_LIBADD = keyd/libkeydproto.la lib/libiamrpc.la lib/libiamutil.la \
	$(PROTOBUF_C_LIBS) $(SODIUM_LIBS) $(SECCOMP_LIBS)

keyd_iam_keyd_SOURCES = keyd/keyd_main.c
keyd_iam_keyd_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS) $(SODIUM_CFLAGS)
keyd_iam_keyd_LDADD = keyd/libiamkeyd.la
