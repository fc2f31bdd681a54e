#!/bin/sh
# spin_idle.sh: iamd polls for iam-keyd's answer (--keyd-spin) and for
# the next request (--idle-spin), and iam-gateway for iamd's answer
# (--spin), only briefly (util/spin.h): a daemon whose peer does not
# answer, or that has nothing to do, sleeps after its budget instead of
# burning a CPU. Each case stops the peer (SIGSTOP) while a call waits for it,
# counts the waiting daemon's CPU time (/proc/PID/stat) over 1.5 s, lets
# the peer go on and checks the call's answer. Also: the options refuse
# what is not 0 or a duration up to 10 ms, and iamd with --keyd-spin 0
# (the loop that never polls) answers calls that need keyd.
. "$top_srcdir/tests/integration/lib.sh"

[ -x "$IAMD_KEYD" ] || skip_all "iam-keyd is not built"
command -v python3 >/dev/null || skip_all "python3 is needed"
[ "$(getconf _NPROCESSORS_ONLN)" -gt 1 ] || skip_all "one CPU: the loops never poll"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE
export HOME="$TMP/home"
mkdir -p "$HOME"

# cpu_ms PID: user + system CPU time of PID so far, in milliseconds
cpu_ms() {
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print int(($12 + $13) * 1000 / hz) }' \
		"/proc/$1/stat"
}
# idle_cpu PID: the CPU PID takes over 1.5 s, in milliseconds, in CPU
idle_cpu() {
	_a=$(cpu_ms "$1")
	sleep 1.5
	CPU=$(( $(cpu_ms "$1") - _a ))
}

# --- the options ----------------------------------------------------------------

for bad in 5 -1 50s 20ms 10001us 1.5us us ""; do
	run "$IAMD" --keyd-spin "$bad" --help
	is "$RC" 2 "iamd --keyd-spin '$bad' is refused"
	like "$ERR" "--keyd-spin: 0 or a duration up to 10ms" "  and says what it takes"
	run "$IAMD" --idle-spin "$bad" --help
	is "$RC" 2 "iamd --idle-spin '$bad' is refused"
	like "$ERR" "--idle-spin: 0 or a duration up to 10ms" "  and says what it takes"
	run "$IAMD_GATEWAY" --spin "$bad" --help
	is "$RC" 2 "iam-gateway --spin '$bad' is refused"
	like "$ERR" "bad value '$bad' for --spin" "  and says which option"
done
for good in 0 0us 1us 50us 10ms 10000us; do
	run "$IAMD" --keyd-spin "$good" --help
	is "$RC" 0 "iamd --keyd-spin $good is taken"
	run "$IAMD" --idle-spin "$good" --help
	is "$RC" 0 "iamd --idle-spin $good is taken"
	run "$IAMD_GATEWAY" --spin "$good" --help
	is "$RC" 0 "iam-gateway --spin $good is taken"
done

# --- iamd waiting for a stopped keyd --------------------------------------------

keyd_start || bail_out "iam-keyd did not start"
iamd_start --keyd-timeout 60s --keyd-spin 10ms --idle-spin 10ms || bail_out "iamd did not start"
run "$IAMCTL" iam create-user --user-name carol
user_key carol
is "$RC" 0 "CreateAccessKey (keyd makes the key)"
kill -STOP "$IAMD_KEYD_PID"
"$IAMCTL" iam create-access-key --user-name carol >"$TMP/wait.out" 2>"$TMP/wait.err" &
W=$!
sleep 0.3
idle_cpu "$IAMD_PID"
diag "iamd's CPU over 1.5 s waiting for a stopped keyd: $CPU ms"
ok "iamd waiting for a stopped keyd polls 10 ms, then sleeps ($CPU ms of CPU in 1.5 s)" [ "$CPU" -lt 300 ]
run "$IAMCTL" iam list-users
is "$RC" 0 "other calls are answered meanwhile"
kill -CONT "$IAMD_KEYD_PID"
wait "$W"
is "$?" 0 "the waiting CreateAccessKey is answered once keyd goes on"
like "$(cat "$TMP/wait.out")" '"AccessKeyId": "AKIA' "  with its new key"
idle_cpu "$IAMD_PID"
ok "iamd idle after the calls polls 10 ms, then sleeps ($CPU ms of CPU in 1.5 s)" [ "$CPU" -lt 300 ]

# --- iam-gateway waiting for a stopped iamd ---------------------------------------

gateway_start --spin 10ms || bail_out "iam-gateway did not start"
cat >"$TMP/post.py" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
body = b"Action=ListUsers&Version=2010-05-08"
s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
          b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
data = b""
while b"</ErrorResponse>" not in data and b"Response>" not in data[-40:]:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
print(data.decode(errors="replace"))
PY
run python3 "$TMP/post.py" "$IAMD_GATEWAY_PORT"
like "$OUT" "MissingAuthenticationToken" "an unsigned ListUsers through the gateway: MissingAuthenticationToken"
kill -STOP "$IAMD_PID"
python3 "$TMP/post.py" "$IAMD_GATEWAY_PORT" >"$TMP/gw.out" 2>&1 &
W=$!
sleep 0.3
idle_cpu "$IAMD_GATEWAY_PID"
diag "iam-gateway's CPU over 1.5 s waiting for a stopped iamd: $CPU ms"
ok "iam-gateway waiting for a stopped iamd polls 10 ms, then sleeps ($CPU ms of CPU in 1.5 s)" [ "$CPU" -lt 300 ]
kill -CONT "$IAMD_PID"
wait "$W"
like "$(cat "$TMP/gw.out")" "MissingAuthenticationToken" "the waiting request is answered once iamd goes on"
gateway_stop

# --- --keyd-spin 0: the loop that never polls --------------------------------------

FIRST_AK=$carol_AK
iamd_stop
iamd_start --keyd-spin 0 || bail_out "iamd --keyd-spin 0 did not start"
run "$IAMCTL" iam delete-access-key --user-name carol --access-key-id "$FIRST_AK"
is "$RC" 0 "DeleteAccessKey with --keyd-spin 0"
user_key carol
is "$RC" 0 "CreateAccessKey with --keyd-spin 0: keyd's answer reaches the call"
like "$carol_SK" '^[A-Za-z0-9/+]{40}$' "  with the key's secret"

done_testing
