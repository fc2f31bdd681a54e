# tests/bench: `make bench` runs tests/bench/run.sh, which starts iamd and
# runs every bench_* program here (each measures its floor in the same run).
# Register benchmarks as noinst_PROGRAMS (append only).
EXTRA_DIST += tests/bench/run.sh

# server: GetUser round trips over the api socket vs a raw Unix-socket echo
noinst_PROGRAMS += tests/bench/bench_api
tests_bench_bench_api_SOURCES = tests/bench/bench_api.c
tests_bench_bench_api_CFLAGS = $(AM_CFLAGS) $(PROTOBUF_C_CFLAGS)
tests_bench_bench_api_LDADD = lib/libiamrpc.la proto/libiamproto.la $(PROTOBUF_C_LIBS)
