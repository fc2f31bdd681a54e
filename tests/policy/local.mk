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

POLICY_CASES = tests/policy/sample.jsonl
TESTS += tests/policy/eval-cases.sh
EXTRA_DIST += tests/policy/eval-cases.sh $(POLICY_CASES)

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
