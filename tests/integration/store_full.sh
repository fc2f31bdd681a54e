#!/bin/sh
# store_full: a full LMDB map is a clean error, never corruption. iamd runs
# with a 1 MiB map, takes writes until it refuses one (ServiceFailure),
# keeps serving reads, and after a restart with a larger map everything
# acknowledged is there and writes work again.
. "$top_srcdir/tests/integration/lib.sh"

[ -x "$IAMCTL" ] || skip_all "iamctl not built"
LOAD=$top_builddir/tests/integration/iam_load
[ -x "$LOAD" ] || bail_out "iam_load not built"
command -v python3 >/dev/null || skip_all "python3 missing"

iamd_start --map-size 1M || bail_out "iamd did not start with a 1 MiB map"
run "$LOAD" create-users "$IAMD_SOCKET" full 100000 /fill/
is "$RC" 1 "the load stops at some point"
like "$ERR" "ServiceFailure: .*full" "with ServiceFailure: the store is full"
printf '%s\n' "$OUT" >"$TMP/acked"
acked=$(grep -c . "$TMP/acked")
[ "$acked" -gt 100 ] && pass "$acked users fitted first" || fail "only $acked users fitted"
ok "iamd is still running" iamd_running
run "$IAMCTL" iam get-user --user-name full00000
is "$RC" 0 "reads still work when full"
# pages freed by the refused transaction may take a few more small writes
refused=
i=0
while [ $i -lt 200 ]; do
	run "$IAMCTL" iam create-user --user-name "more$i"
	if [ "$RC" -ne 0 ]; then
		refused=more$i
		break
	fi
	i=$((i + 1))
done
isnt "$refused" "" "a write is refused ($i more fitted)"
is "$RC" 254 "iamctl exits 254"
like "$ERR" '^An error occurred \(ServiceFailure\) when calling the CreateUser operation: .*full' \
	"with the AWS CLI's error line"
run "$IAMCTL" iam get-user --user-name "$refused"
like "$ERR" 'NoSuchEntity' "the refused write left nothing behind"
ok "iamd stops cleanly when full" iamd_stop

iamd_start --map-size 8M || bail_out "iamd did not restart with a larger map"
run "$LOAD" list-users "$IAMD_SOCKET" 1000
is "$RC" 0 "list-users after the restart"
printf '%s\n' "$OUT" | sort >"$TMP/listed"
is "$(sort "$TMP/acked" | comm -23 - "$TMP/listed" | wc -l)" 0 "every acknowledged user is there"
run "$IAMCTL" iam create-user --user-name "$refused"
is "$RC" 0 "writes work again with a larger map"
ok "iamd stops" iamd_stop
done_testing
