#!/bin/sh
# iamctl --query: the JMESPath engine (tests/unit/jmespath_run) against
# python3-jmespath (the AWS CLI's) on random IAM-shaped documents and random
# expressions, and its text output against awscli.text; fixed seed.
# JMESPATH_DIFF_N / JMESPATH_DIFF_SEED run more or other pairs.
PY=/usr/bin/python3
if ! [ -x "$PY" ] || ! "$PY" -c 'import jmespath' 2>/dev/null; then
	echo "1..0 # SKIP /usr/bin/python3 with jmespath (python3-jmespath) is missing"
	exit 0
fi
exec "$PY" "${top_srcdir:-.}/tests/unit/jmespath_diff.py" \
	"${top_builddir:-.}/tests/unit/jmespath_run" \
	"${JMESPATH_DIFF_N:-2000}" "${JMESPATH_DIFF_SEED:-20261130}"
