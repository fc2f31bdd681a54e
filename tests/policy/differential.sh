#!/bin/sh
# Differential test of the policy evaluator: random cases from gencases.py
# (fixed seeds) decided by `iamctl policy eval` and by refeval.py, an
# independent reference evaluator written from the AWS documentation. One
# TAP line per case; a case where the two disagree fails and shows both.
set -u
: "${top_srcdir:=$(dirname "$0")/../..}"
: "${top_builddir:=.}"
cli="$top_builddir/tests/policy/iamctl-policy"
py=$(command -v python3) || { echo "1..0 # SKIP python3 not found"; exit 0; }
[ -x "$cli" ] || { echo "1..0 # SKIP $cli not built"; exit 0; }
dir="$top_srcdir/tests/policy"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
: >"$tmp/cases.jsonl"
for seed in 1 2; do
	"$py" "$dir/gencases.py" --seed $seed --count 200 --prefix diff \
		>>"$tmp/cases.jsonl" || exit 1
done
"$cli" eval - <"$tmp/cases.jsonl" >"$tmp/iamd.jsonl" || exit 1
"$py" "$dir/refeval.py" "$tmp/cases.jsonl" >"$tmp/ref.jsonl" || exit 1
"$py" - "$tmp/cases.jsonl" "$tmp/iamd.jsonl" "$tmp/ref.jsonl" <<'PY'
import json, sys
cases = [json.loads(l) for l in open(sys.argv[1])]
iamd = {d['id']: d for d in map(json.loads, open(sys.argv[2]))}
ref = {d['id']: d for d in map(json.loads, open(sys.argv[3]))}
print('1..%d' % len(cases))
for n, c in enumerate(cases, 1):
    a = iamd.get(c['id'], {}).get('decision')
    b = ref.get(c['id'], {}).get('decision')
    if a == b:
        print('ok %d - %s %s' % (n, c['id'], a))
    else:
        print('not ok %d - %s: iamd %s, refeval %s' % (n, c['id'], a, b))
        print('# ' + json.dumps(c))
        if 'error' in iamd.get(c['id'], {}):
            print('# iamd: ' + iamd[c['id']]['error'])
PY
