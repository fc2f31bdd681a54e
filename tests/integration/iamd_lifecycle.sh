#!/bin/sh
# iamd's life cycle: options, readiness, directory and socket modes, one
# iamd per state directory, a stale socket after kill -9, a clean SIGTERM,
# detaching without --foreground. Also exercises the lib.sh harness.
. "$top_srcdir/tests/integration/lib.sh"

IAMD_ACCOUNT_ID=111122223333

run "$IAMD" --help
is "$RC" 0 "--help exits 0"
like "$OUT" '--state-dir DIR' "--help lists --state-dir"
like "$OUT" 'iamd.pid once it accepts calls' "--help documents readiness"
run "$IAMD" --version
like "$OUT" '^iamd [0-9]+\.[0-9]+' "--version prints the version"
run "$IAMD" --foreground --account-id 12345 --state-dir "$TMP/x" --runtime-dir "$TMP/y"
is "$RC" 2 "a 5-digit --account-id is refused"
like "$ERR" 'account-id: 12 digits expected' "naming the option"
run "$IAMD" --foreground --idle-timeout soon --state-dir "$TMP/x" --runtime-dir "$TMP/y"
is "$RC" 2 "a bad --idle-timeout is refused"
run "$IAMD" --foreground --no-such-option
is "$RC" 2 "an unknown option is refused"
is "$(ls "$TMP")" "" "refused options create nothing"

iamd_start || bail_out "iamd did not start"
pass "iamd starts and becomes ready"
is "$(cat "$IAMD_RUNTIME_DIR/iamd.pid")" "$IAMD_PID" "iamd.pid holds its pid"
is "$(stat -c %a "$IAMD_RUNTIME_DIR")" 755 "runtime directory is 0755"
is "$(stat -c %a "$IAMD_STATE_DIR")" 700 "state directory is 0700"
is "$(stat -c %a "$IAMD_STATE_DIR/db")" 700 "db directory is 0700"
ok "the store is in STATE/db" test -f "$IAMD_STATE_DIR/db/data.mdb"
ok "the socket is a socket" test -S "$IAMD_SOCKET"
is "$(stat -c %a "$IAMD_SOCKET")" 666 "the socket is 0666"
like "$(cat "$IAMD_LOG")" "iamd: ready on $IAMD_SOCKET \\(account $IAMD_ACCOUNT_ID\\)" \
	"logs the ready line with socket and account"

run "$IAMD" --foreground --state-dir "$IAMD_STATE_DIR" --runtime-dir "$TMP/run2"
isnt "$RC" 0 "a second iamd on the same state directory is refused"
like "$ERR" 'in use by another iamd' "saying why"
run "$IAMD" --foreground --state-dir "$TMP/state2" --runtime-dir "$IAMD_RUNTIME_DIR"
isnt "$RC" 0 "a second iamd on a socket in use is refused"
like "$ERR" 'another process is listening' "saying why"
ok "the first iamd's pid file is untouched" test -f "$IAMD_RUNTIME_DIR/iamd.pid"
ok "the first iamd still runs" iamd_running

iamd_kill
ok "kill -9 leaves a stale socket" test -S "$IAMD_SOCKET"
iamd_start || bail_out "iamd did not restart"
pass "iamd restarts over the stale socket"

iamd_stop
is "$?" 0 "SIGTERM: iamd exits 0"
not_ok "the socket is removed" test -e "$IAMD_SOCKET"
not_ok "the pid file is removed" test -e "$IAMD_RUNTIME_DIR/iamd.pid"
like "$(tail -n 3 "$IAMD_LOG")" 'iamd: stopped' "logs that it stopped"

run "$IAMD" --foreground --state-dir "$IAMD_STATE_DIR" --runtime-dir "$IAMD_RUNTIME_DIR" \
	--account-id 999988887777
isnt "$RC" 0 "a different --account-id for an existing store is refused"

# Without --foreground iamd detaches and returns once it accepts calls.
run "$IAMD" --state-dir "$IAMD_STATE_DIR" --runtime-dir "$IAMD_RUNTIME_DIR"
is "$RC" 0 "without --foreground iamd returns 0 once ready"
ok "and its pid file is there at once" test -f "$IAMD_RUNTIME_DIR/iamd.pid"
pid=$(cat "$IAMD_RUNTIME_DIR/iamd.pid" 2>/dev/null)
if [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; then
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	not_ok "the detached iamd stops on SIGTERM" kill -0 "$pid"
else
	fail "the detached iamd stops on SIGTERM"
fi

# Socket activation: the listening socket comes from sd_listen_fds().
if command -v systemd-socket-activate >/dev/null 2>&1 && [ -x "$IAMCTL" ]; then
	sa=$TMP/sa.sock
	systemd-socket-activate -l "$sa" "$IAMD" --foreground --state-dir "$TMP/sa-state" \
		--runtime-dir "$TMP/sa-run" >>"$IAMD_LOG" 2>&1 &
	sapid=$!
	i=0
	while [ ! -f "$TMP/sa-run/iamd.pid" ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done
	run env IAMD_SOCKET="$sa" "$IAMCTL" sts get-caller-identity
	is "$RC" 0 "socket activation: a call over the socket systemd passed"
	like "$OUT" '"Arn": "arn:aws:iam::[0-9]{12}:root"' "socket activation: answered as root"
	like "$(cat "$IAMD_LOG")" 'listening on the socket passed by systemd' \
		"socket activation: iamd says it took the passed socket"
	ok "socket activation: iamd does not bind RUNTIME/api.sock" test ! -e "$TMP/sa-run/api.sock"
	kill -TERM "$sapid"
	wait "$sapid"
	is "$?" 0 "socket activation: SIGTERM exits 0"
else
	skip "socket activation" "systemd-socket-activate or iamctl missing"
fi
done_testing
