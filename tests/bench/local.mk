# tests/bench: `make bench` runs tests/bench/run.sh, which starts iamd and
# runs every bench_* program here (each measures its floor in the same run).
# Register benchmarks as noinst_PROGRAMS (append only).
EXTRA_DIST += tests/bench/run.sh

# server: GetUser round trips over the api socket vs a raw Unix-socket echo
noinst_PROGRAMS += tests/bench/bench_api
tests_bench_bench_api_SOURCES = tests/bench/bench_api.c
tests_bench_bench_api_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS)
tests_bench_bench_api_LDADD = lib/libiamrpc.la proto/libiamproto.la $(PROTOBUF_C_LIBS)

# bench: the shared api-socket measurement (bench_common.{c,h}); Authorize
# for a user with 10 policies with 1,000 and 100,000 users in the store,
# which bench_seed writes straight into a stopped iamd's LMDB (run.sh does
# not run bench_seed itself)
tests_bench_bench_api_SOURCES += tests/bench/bench_common.c tests/bench/bench_common.h
noinst_PROGRAMS += tests/bench/bench_authz tests/bench/bench_seed
tests_bench_bench_authz_SOURCES = tests/bench/bench_authz.c \
	tests/bench/bench_common.c tests/bench/bench_common.h
tests_bench_bench_authz_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS)
tests_bench_bench_authz_LDADD = lib/libiamrpc.la proto/libiamproto.la $(PROTOBUF_C_LIBS)
tests_bench_bench_seed_SOURCES = tests/bench/bench_seed.c
tests_bench_bench_seed_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS)
tests_bench_bench_seed_LDADD = lib/libiamstore.la lib/libiamutil.la \
	proto/libiamproto.la $(PROTOBUF_C_LIBS)
# keyd: the keyd hop (a raw Echo to iam-keyd, 1 and 4 connections) and
# CreateAccessKey through iamd and keyd; starts its own iam-keyd
noinst_PROGRAMS += tests/bench/bench_keyd
tests_bench_bench_keyd_SOURCES = tests/bench/bench_keyd.c tests/bench/bench_common.c \
	tests/bench/bench_common.h tests/bench/bench_keyd_relay.c tests/bench/bench_keyd_relay.h
tests_bench_bench_keyd_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS)
tests_bench_bench_keyd_LDADD = lib/libiamrpc.la proto/libiamproto.la $(PROTOBUF_C_LIBS)
# sts: AssumeRole (signed, and for a bound uid) and SigV4 GetCallerIdentity
# end to end beside a raw client -> relay -> keyd double hop; starts its own
# iam-keyd
noinst_PROGRAMS += tests/bench/bench_sts
tests_bench_bench_sts_SOURCES = tests/bench/bench_sts.c \
	tests/bench/bench_common.c tests/bench/bench_common.h
tests_bench_bench_sts_SOURCES += tests/bench/bench_keyd_relay.c tests/bench/bench_keyd_relay.h
tests_bench_bench_sts_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS)
tests_bench_bench_sts_LDADD = lib/libiamsigv4.la lib/libiamrpc.la proto/libiamproto.la \
	lib/libiamutil.la $(PROTOBUF_C_LIBS) $(SODIUM_LIBS)
# audit: GetUser and CreateUser with the audit trail on (run.sh's iamd) and
# off (a second iamd it starts with --audit no)
noinst_PROGRAMS += tests/bench/bench_audit
tests_bench_bench_audit_SOURCES = tests/bench/bench_audit.c \
	tests/bench/bench_common.c tests/bench/bench_common.h
tests_bench_bench_audit_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS)
tests_bench_bench_audit_LDADD = lib/libiamrpc.la proto/libiamproto.la $(PROTOBUF_C_LIBS)
# gateway: GetCallerIdentity through iam-gateway (HTTP/1.1 keep-alive, SigV4)
# beside the same call on the api socket; starts its own iam-keyd and
# iam-gateway (docs/gateway.md "Speed")
noinst_PROGRAMS += tests/bench/bench_gateway
tests_bench_bench_gateway_SOURCES = tests/bench/bench_gateway.c \
	tests/bench/bench_common.c tests/bench/bench_common.h
tests_bench_bench_gateway_SOURCES += tests/bench/bench_keyd_relay.c tests/bench/bench_keyd_relay.h
tests_bench_bench_gateway_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS)
tests_bench_bench_gateway_LDADD = lib/libiamsigv4.la lib/libiamrpc.la proto/libiamproto.la \
	lib/libiamutil.la $(PROTOBUF_C_LIBS) $(SODIUM_LIBS)
# host credentials: iamd:GetCredentials over the socket beside the keyd
# double-hop floor, and libiam's cached iam_credentials_get(); starts its
# own iam-keyd (hostroles)
noinst_PROGRAMS += tests/bench/bench_hostroles
tests_bench_bench_hostroles_SOURCES = tests/bench/bench_hostroles.c \
	tests/bench/bench_common.c tests/bench/bench_common.h
tests_bench_bench_hostroles_SOURCES += tests/bench/bench_keyd_relay.c tests/bench/bench_keyd_relay.h
tests_bench_bench_hostroles_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/client
tests_bench_bench_hostroles_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS)
tests_bench_bench_hostroles_LDADD = client/libiam.la lib/libiamrpc.la proto/libiamproto.la \
	$(PROTOBUF_C_LIBS)
