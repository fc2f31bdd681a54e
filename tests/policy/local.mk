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
