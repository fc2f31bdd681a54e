# tests/: every program and script speaks TAP (tests/tap.h, tests/integration/tap.sh).
EXTRA_DIST += tests/tap.h
include tests/unit/local.mk
include tests/policy/local.mk
include tests/integration/local.mk
include tests/fuzz/local.mk
include tests/bench/local.mk
