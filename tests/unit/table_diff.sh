#!/bin/sh
# iamctl --output table (tests/unit/table_run) against the AWS CLI's own
# TableFormatter (Debian's awscli) on random documents; fixed seed.
# TABLE_DIFF_N / TABLE_DIFF_SEED run more or other documents.
PY=/usr/bin/python3
if ! [ -x "$PY" ] || ! "$PY" -c 'import awscli.formatter' 2>/dev/null; then
	echo "1..0 # SKIP /usr/bin/python3 with awscli (Debian's awscli) is missing"
	exit 0
fi
exec "$PY" "${top_srcdir:-.}/tests/unit/table_diff.py" \
	"${top_builddir:-.}/tests/unit/table_run" \
	"${TABLE_DIFF_N:-1500}" "${TABLE_DIFF_SEED:-20261130}"
