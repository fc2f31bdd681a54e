# tests/policy: the policy engine. Unit programs (tests/unit/test_arn.c,
# tests/unit/test_policy_*.c), the evaluation case files (shared format,
# spec/policy-eval-cases.md) run through `iamctl policy eval --tap`, the
# fuzz corpus replay and the benchmark.

# `iamctl policy` on its own, for tests and for use without the client.
check_PROGRAMS += tests/policy/iamctl-policy
tests_policy_iamctl_policy_SOURCES = tests/policy/policy_cli_main.c \
	client/iamctl_policy.c
tests_policy_iamctl_policy_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_policy_iamctl_policy_LDADD = lib/libiampolicy.la lib/libiamarn.la \
	lib/libiamutil.la $(JANSSON_LIBS)

POLICY_CASES = tests/policy/sample.jsonl tests/policy/aws-docs-evaluation.jsonl \
	tests/policy/aws-docs-conditions.jsonl tests/policy/aws-docs-variables.jsonl
TESTS += tests/policy/eval-cases.sh tests/policy/validate.sh \
	tests/policy/differential.sh
EXTRA_DIST += tests/policy/eval-cases.sh tests/policy/validate.sh \
	tests/policy/differential.sh tests/policy/refeval.py \
	tests/policy/gencases.py \
	$(POLICY_CASES) tests/policy/validate/good-identity.json \
	tests/policy/validate/bad-effect.json tests/policy/validate/bad-syntax.json \
	tests/policy/validate/trust.json tests/policy/validate/warn-passrole.json

# Unit programs of lib/arn and lib/policy.
POLICY_UNIT_TESTS = tests/unit/test_arn tests/unit/test_policy_parse \
	tests/unit/test_policy_cond tests/unit/test_policy_eval
check_PROGRAMS += $(POLICY_UNIT_TESTS)
TESTS += $(POLICY_UNIT_TESTS)
EXTRA_DIST += tests/unit/test_policy_util.h
tests_unit_test_arn_SOURCES = tests/unit/test_arn.c
tests_unit_test_arn_LDADD = lib/libiamarn.la
tests_unit_test_policy_parse_SOURCES = tests/unit/test_policy_parse.c
tests_unit_test_policy_parse_LDADD = lib/libiampolicy.la
tests_unit_test_policy_cond_SOURCES = tests/unit/test_policy_cond.c
tests_unit_test_policy_cond_LDADD = lib/libiampolicy.la
tests_unit_test_policy_eval_SOURCES = tests/unit/test_policy_eval.c
tests_unit_test_policy_eval_LDADD = lib/libiampolicy.la

# Fuzzing: fuzz_policy under --enable-fuzzing; its seed corpus is replayed
# by `make check` through tests/fuzz/replay_main.c.
if FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_policy
tests_fuzz_fuzz_policy_SOURCES = tests/fuzz/fuzz_policy.c
tests_fuzz_fuzz_policy_CFLAGS = $(AM_CFLAGS) -fsanitize=fuzzer
tests_fuzz_fuzz_policy_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_policy_LDADD = lib/libiampolicy.la
endif
check_PROGRAMS += tests/fuzz/replay_policy
TESTS += tests/fuzz/replay_policy
tests_fuzz_replay_policy_SOURCES = tests/fuzz/fuzz_policy.c tests/fuzz/replay_main.c
tests_fuzz_replay_policy_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_CORPUS_NAME='"policy"'
tests_fuzz_replay_policy_LDADD = lib/libiampolicy.la

# Benchmark (`make bench` runs every tests/bench/bench_* program).
noinst_PROGRAMS += tests/bench/bench_policy
tests_bench_bench_policy_SOURCES = tests/bench/bench_policy.c
tests_bench_bench_policy_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS)
tests_bench_bench_policy_LDFLAGS = $(AM_LDFLAGS) \
	-Wl,--wrap=malloc -Wl,--wrap=calloc -Wl,--wrap=realloc
tests_bench_bench_policy_LDADD = lib/libiampolicy.la $(JANSSON_LIBS)
EXTRA_DIST += docs/policy.md
