# tests/sigv4: lib/sigv4 against AWS's SigV4 test suite (vectors/, a copy of
# ../shared/conformance/sigv4 with its LICENSE and NOTICE) and its corners.
EXTRA_DIST += tests/sigv4/vectors
check_PROGRAMS += tests/sigv4/test_sigv4
TESTS += tests/sigv4/test_sigv4
tests_sigv4_test_sigv4_SOURCES = tests/sigv4/test_sigv4.c
tests_sigv4_test_sigv4_LDADD = lib/libiamsigv4.la lib/libiamutil.la $(SODIUM_LIBS)

# the fuzz target of lib/sigv4 (HTTP request text, Authorization header)
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_sigv4
tests_fuzz_fuzz_sigv4_SOURCES = tests/fuzz/fuzz_sigv4.c
tests_fuzz_fuzz_sigv4_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_sigv4_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_sigv4_LDADD = lib/libiamsigv4.la lib/libiamutil.la $(SODIUM_LIBS)
endif
check_PROGRAMS += tests/fuzz/replay_sigv4
TESTS += tests/fuzz/replay_sigv4
tests_fuzz_replay_sigv4_SOURCES = tests/fuzz/fuzz_sigv4.c tests/fuzz/replay_main.c
tests_fuzz_replay_sigv4_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_CORPUS_NAME='"sigv4"'
tests_fuzz_replay_sigv4_LDADD = lib/libiamsigv4.la lib/libiamutil.la $(SODIUM_LIBS)

# integration: credentials found as the AWS CLI finds them
dist_check_SCRIPTS += tests/integration/sigv4_creds.sh
TESTS += tests/integration/sigv4_creds.sh

# sigv4_tool: lib/sigv4 from the command line, for cross-checks with botocore
check_PROGRAMS += tests/sigv4/sigv4_tool
tests_sigv4_sigv4_tool_SOURCES = tests/sigv4/sigv4_tool.c
tests_sigv4_sigv4_tool_LDADD = lib/libiamsigv4.la lib/libiamutil.la $(SODIUM_LIBS)
dist_check_SCRIPTS += tests/integration/sigv4_botocore.sh
TESTS += tests/integration/sigv4_botocore.sh

# end to end: keyd, iamd, access keys, iamctl with env credentials, a raw
# client that signs with any date
check_PROGRAMS += tests/sigv4/sigv4_rawcall
tests_sigv4_sigv4_rawcall_SOURCES = tests/sigv4/sigv4_rawcall.c
tests_sigv4_sigv4_rawcall_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS)
tests_sigv4_sigv4_rawcall_LDADD = lib/libiamsigv4.la lib/libiamrpc.la proto/libiamproto.la \
	lib/libiamutil.la $(PROTOBUF_C_LIBS) $(SODIUM_LIBS)
dist_check_SCRIPTS += tests/integration/sigv4_e2e.sh
TESTS += tests/integration/sigv4_e2e.sh

# bench: the in-process cost of one SigV4 check (tests/bench/bench_sigv4.c)
check_PROGRAMS += tests/bench/bench_sigv4
tests_bench_bench_sigv4_SOURCES = tests/bench/bench_sigv4.c
tests_bench_bench_sigv4_LDADD = lib/libiamsigv4.la lib/libiamutil.la $(SODIUM_LIBS)
