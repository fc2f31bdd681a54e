#!/bin/sh
# Runs every case file of tests/policy through `iamctl policy eval --tap`:
# one TAP line per case, its decision compared with the case's "expect".
set -u
: "${top_srcdir:=$(dirname "$0")/../..}"
: "${top_builddir:=.}"
cli="$top_builddir/tests/policy/iamctl-policy"
[ -x "$cli" ] || { echo "1..0 # SKIP $cli not built"; exit 0; }
files=$(ls "$top_srcdir"/tests/policy/*.jsonl)
cat $files | "$cli" eval --tap -
