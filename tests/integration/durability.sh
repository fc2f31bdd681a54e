#!/bin/sh
# durability: kill -9 of iamd under a write load, restart, and every write
# that iamd acknowledged is there (LMDB commits are durable before the
# answer). Three rounds on the same state; the store must also open cleanly
# after each crash.
. "$top_srcdir/tests/integration/lib.sh"

LOAD=$top_builddir/tests/integration/iam_load
[ -x "$LOAD" ] || bail_out "iam_load not built"
command -v python3 >/dev/null || skip_all "python3 missing"

total=0
for round in 1 2 3; do
	iamd_start || bail_out "iamd did not start (round $round)"
	: >"$TMP/acked.$round"
	"$LOAD" create-users "$IAMD_SOCKET" "r${round}u" 1000000 /load/ \
		>"$TMP/acked.$round" 2>"$TMP/load.$round.err" &
	load_pid=$!
	# wait until a good number of writes were acknowledged
	i=0
	while [ "$(wc -l <"$TMP/acked.$round")" -lt $((150 * round)) ] && [ $i -lt 600 ]; do
		sleep 0.02
		i=$((i + 1))
	done
	iamd_kill
	wait "$load_pid"
	load_rc=$?
	isnt "$load_rc" 0 "round $round: the load fails when iamd is killed"
	acked=$(wc -l <"$TMP/acked.$round")
	like "$acked" '^[0-9]+$' "round $round: $acked writes acknowledged before kill -9"
	[ "$acked" -gt 0 ] && pass "round $round: some writes were acknowledged" ||
		fail "round $round: some writes were acknowledged"
	total=$((total + acked))

	iamd_start || bail_out "iamd did not restart after kill -9 (round $round)"
	pass "round $round: iamd restarts on the crashed store"
	run "$LOAD" list-users "$IAMD_SOCKET" 1000
	is "$RC" 0 "round $round: list-users after restart"
	printf '%s\n' "$OUT" | sort >"$TMP/listed"
	missing=0
	for r in $(seq 1 "$round"); do
		sort "$TMP/acked.$r" >"$TMP/acked.sorted"
		m=$(comm -23 "$TMP/acked.sorted" "$TMP/listed" | wc -l)
		missing=$((missing + m))
	done
	is "$missing" 0 "round $round: every acknowledged write survived (acked so far: $total)"
	listed=$(wc -l <"$TMP/listed")
	# at most one write per round was in flight (committed, not yet answered)
	[ "$listed" -ge "$total" ] && [ "$listed" -le $((total + round)) ] &&
		pass "round $round: $listed users listed, nothing else appeared" ||
		fail "round $round: $listed users listed for $total acknowledged"
	# the store still takes writes after the crash
	run "$LOAD" create-users "$IAMD_SOCKET" "after${round}x" 3
	is "$RC" 0 "round $round: writes succeed after the restart"
	total=$((total + 3))
	ok "round $round: iamd stops cleanly" iamd_stop
done

# A final restart: the data is all there and a clean stop was clean.
iamd_start || bail_out "iamd did not start for the final check"
run "$LOAD" list-users "$IAMD_SOCKET" 333
is "$RC" 0 "final list-users, pages of 333"
n=$(printf '%s\n' "$OUT" | grep -c .)
[ "$n" -ge "$total" ] && pass "final: $n users for $total acknowledged" ||
	fail "final: $n users for $total acknowledged"
if [ -x "$IAMCTL" ]; then
	first=$(head -n 1 "$TMP/acked.1")
	run "$IAMCTL" iam get-user --user-name "$first"
	is "$RC" 0 "iamctl get-user of the first acknowledged user"
	is "$(printf '%s' "$OUT" | json_get '["User"]["Path"]')" "/load/" "its path survived"
else
	skip "iamctl get-user of the first acknowledged user" "iamctl not built"
fi
ok "iamd stops" iamd_stop
done_testing
