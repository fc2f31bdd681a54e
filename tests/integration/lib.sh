# tests/integration/lib.sh: the shared harness of the integration tests.
# Source it from a test script (make check runs tests with $(SHELL), and
# exports top_srcdir and top_builddir):
#
#   #!/bin/sh
#   . "$top_srcdir/tests/integration/lib.sh"
#   iamd_start || bail_out "iamd did not start"
#   run "$IAMCTL" iam create-user --user-name alice
#   is "$RC" 0 "create-user succeeds"
#   like "$OUT" '"UserName": "alice"' "create-user prints the user"
#   run "$IAMCTL" iam get-user --user-name bob
#   is "$RC" 254 "get-user of a missing user fails like the AWS CLI"
#   like "$ERR" 'NoSuchEntity' "with NoSuchEntity"
#   ok "iamd stops with status 0" iamd_stop
#   done_testing
#
# TAP (each helper prints one "ok N - NAME" or "not ok N - NAME" line):
#   ok NAME CMD [ARG...]      passes when CMD exits 0 (its output is hidden
#                             and shown as diagnostics on failure)
#   not_ok NAME CMD [ARG...]  passes when CMD exits non-zero
#   is GOT WANT NAME          string equality
#   isnt GOT UNWANTED NAME    string inequality
#   like GOT ERE NAME         GOT matches the extended regex ERE (grep -E)
#   unlike GOT ERE NAME
#   pass NAME / fail NAME     a result decided by the test itself
#   skip NAME REASON          "ok N - NAME # SKIP REASON"
#   diag TEXT...              "# TEXT" (on stderr)
#   skip_all REASON           the whole file is skipped ("1..0 # SKIP", exit 0)
#   bail_out REASON           "Bail out!" and exit 99 (an error, not a skip)
#   done_testing              checks the iamd logs for sanitizer reports,
#                             prints the plan "1..N", exits 0 or 1
#
# Running commands:
#   run CMD [ARG...]          runs CMD, sets OUT (stdout), ERR (stderr) and RC
#   as_other_uid CMD [ARG..]  runs CMD as uid/gid 65534 (nobody) when this test
#                             runs as root; returns 77 when it cannot switch
#   can_switch_uid            true when as_other_uid can work
#   audit_written             waits (up to 10 s) until every call iamd has
#                             answered so far is in its audit trail's files
#                             (read records are written in 1 s batches): makes
#                             one more read call (GetAccountSummary, as root)
#                             and waits for its record; non-zero on timeout
#   read_calls N              N reads (ListUsers, as the caller the
#                             environment makes), each through `run`
#   json_get EXPR             reads JSON on stdin, prints the value at the
#                             Python subscript EXPR, e.g. json_get '["User"]["Arn"]'
#                             (needs python3)
#
# Daemon:
#   iamd_start [IAMD-OPTION...]
#       starts $IAMD --foreground --state-dir $IAMD_STATE_DIR --runtime-dir
#       $IAMD_RUNTIME_DIR [options] in the background, logging to $IAMD_LOG,
#       and waits (up to $IAMD_START_TIMEOUT seconds, default 30) until it is
#       ready: iamd writes RUNTIME/iamd.pid once it accepts calls. Exports
#       IAMD_SOCKET and IAMD_PID. Returns non-zero (after printing the log
#       as diagnostics) if iamd exits or does not become ready. A second
#       iamd_start after iamd_stop/iamd_kill reuses the same state (restart).
#   iamd_stop      SIGTERM, waits (up to 20 s, then SIGKILL); returns iamd's
#                  exit status (0 after a clean stop)
#   iamd_kill      SIGKILL, waits; for crash tests
#   iamd_running   true while the started iamd is alive
#
# Key daemon (iam-keyd; start it before iamd):
#   keyd_start [KEYD-OPTION...]
#       starts $IAMD_KEYD --foreground --state-dir $IAMD_KEYD_STATE_DIR
#       --runtime-dir $IAMD_RUNTIME_DIR [options], logging to $IAMD_KEYD_LOG,
#       and waits until it is ready (it writes RUNTIME/iam-keyd.pid). Exports
#       IAMD_KEYD_PID and IAMD_KEYD_SOCKET; from then on iamd_start passes
#       --keyd-socket $IAMD_KEYD_SOCKET. A restart keeps the master key.
#   keyd_stop      SIGTERM, waits; returns keyd's exit status
#   keyd_kill      SIGKILL, waits
#
# HTTP gateway (iam-gateway; start it after iamd):
#   gateway_start [GATEWAY-OPTION...]
#       starts $IAMD_GATEWAY --listen 127.0.0.1:0 --socket $IAMD_SOCKET
#       [options], logging to $IAMD_GATEWAY_LOG, waits for the port it
#       prints and exports IAMD_GATEWAY_URL (http://127.0.0.1:PORT),
#       IAMD_GATEWAY_PORT and IAMD_GATEWAY_PID
#   gateway_stop   SIGTERM, waits; returns the gateway's exit status
#
# Variables (all may be set before sourcing, except TMP):
#   TMP               a fresh temporary directory (mode 0755 so that another
#                     uid can reach the socket), removed at exit unless
#                     KEEP_TMP=1 or the test failed and KEEP_FAILED=1
#   IAMD              $top_builddir/daemon/iamd
#   IAMCTL            $top_builddir/client/iamctl
#   IAMD_STATE_DIR    $TMP/state        IAMD_RUNTIME_DIR  $TMP/run
#   IAMD_SOCKET       $IAMD_RUNTIME_DIR/api.sock (exported; iamctl reads it);
#                     IAMD_SOCKET_OVERRIDE=PATH makes iamd_start pass
#                     --socket PATH and sets IAMD_SOCKET to it
#   IAMD_LOG          $TMP/iamd.log (appended to across restarts)
#   IAMD_ACCOUNT_ID   passed as --account-id when set
#   IAMD_KEYD         $top_builddir/keyd/iam-keyd
#   IAMD_KEYD_STATE_DIR $TMP/keyd       IAMD_KEYD_LOG  $TMP/keyd.log
#
# An EXIT trap stops a still-running iamd (SIGTERM, then SIGKILL) and
# removes TMP. Tests that set their own EXIT trap must call lib_cleanup.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir

IAMD=${IAMD:-$top_builddir/daemon/iamd}
IAMCTL=${IAMCTL:-$top_builddir/client/iamctl}
export IAMCTL

TMP=$(mktemp -d "${TMPDIR:-/tmp}/iamd-test.XXXXXX") || {
	echo "Bail out! cannot create a temporary directory"
	exit 99
}
chmod 0755 "$TMP"
IAMD_STATE_DIR=${IAMD_STATE_DIR:-$TMP/state}
IAMD_RUNTIME_DIR=${IAMD_RUNTIME_DIR:-$TMP/run}
IAMD_SOCKET=${IAMD_SOCKET_OVERRIDE:-$IAMD_RUNTIME_DIR/api.sock}
IAMD_LOG=${IAMD_LOG:-$TMP/iamd.log}
IAMD_PID=
export IAMD_SOCKET IAMD_STATE_DIR IAMD_RUNTIME_DIR
IAMD_KEYD=${IAMD_KEYD:-$top_builddir/keyd/iam-keyd}
IAMD_KEYD_STATE_DIR=${IAMD_KEYD_STATE_DIR:-$TMP/keyd}
IAMD_KEYD_LOG=${IAMD_KEYD_LOG:-$TMP/keyd.log}
IAMD_KEYD_PID=
IAMD_GATEWAY=${IAMD_GATEWAY:-$top_builddir/gateway/iam-gateway}
IAMD_GATEWAY_LOG=${IAMD_GATEWAY_LOG:-$TMP/gateway.log}
IAMD_GATEWAY_PID=

_tap_n=0
_tap_failed=0

# --- TAP --------------------------------------------------------------------

diag() {
	printf '%s\n' "$@" | sed 's/^/# /' >&2
}

pass() {
	_tap_n=$((_tap_n + 1))
	printf 'ok %d - %s\n' "$_tap_n" "$1"
}

fail() {
	_tap_n=$((_tap_n + 1))
	_tap_failed=$((_tap_failed + 1))
	printf 'not ok %d - %s\n' "$_tap_n" "$1"
}

skip() {
	_tap_n=$((_tap_n + 1))
	printf 'ok %d - %s # SKIP %s\n' "$_tap_n" "$1" "${2:-}"
}

# CMD runs in this shell (not a subshell), so `ok NAME iamd_stop` works.
ok() {
	_name=$1
	shift
	if "$@" >"$TMP/.ok" 2>&1; then
		pass "$_name"
	else
		_rc=$?
		fail "$_name"
		diag "command failed (status $_rc): $*"
		[ -s "$TMP/.ok" ] && diag "$(cat "$TMP/.ok")"
	fi
	return 0
}

not_ok() {
	_name=$1
	shift
	if "$@" >"$TMP/.ok" 2>&1; then
		fail "$_name"
		diag "command succeeded but should have failed: $*"
		[ -s "$TMP/.ok" ] && diag "$(cat "$TMP/.ok")"
	else
		pass "$_name"
	fi
	return 0
}

is() {
	if [ "$1" = "$2" ]; then
		pass "$3"
	else
		fail "$3"
		diag "got:  '$1'" "want: '$2'"
	fi
}

isnt() {
	if [ "$1" != "$2" ]; then
		pass "$3"
	else
		fail "$3"
		diag "got '$1', which it should not be"
	fi
}

like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		pass "$3"
	else
		fail "$3"
		diag "got:" "$1" "does not match: $2"
	fi
}

unlike() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		fail "$3"
		diag "got:" "$1" "matches, but should not: $2"
	else
		pass "$3"
	fi
}

# skip_all REASON: the whole file is skipped. The TAP driver (tap-driver.sh)
# reads the plan "1..0 # SKIP" as a skip; an exit status of 77 would be an
# ERROR there, so the script ends with 0.
skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

bail_out() {
	echo "Bail out! $*"
	[ -f "$IAMD_LOG" ] && diag "iamd log:" "$(tail -n 30 "$IAMD_LOG")"
	exit 99
}

# Sanitizer reports in a daemon's log fail the test file.
_check_logs() {
	if [ -f "$IAMD_KEYD_LOG" ] &&
	   grep -Eq 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$IAMD_KEYD_LOG"; then
		fail "iam-keyd log has no sanitizer report"
		diag "$(grep -E -A 20 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$IAMD_KEYD_LOG" | head -n 60)"
	fi
	if [ -f "$IAMD_GATEWAY_LOG" ] &&
	   grep -Eq 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$IAMD_GATEWAY_LOG"; then
		fail "iam-gateway log has no sanitizer report"
		diag "$(grep -E -A 20 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$IAMD_GATEWAY_LOG" | head -n 60)"
	fi
	[ -f "$IAMD_LOG" ] || return 0
	if grep -Eq 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$IAMD_LOG"; then
		fail "iamd log has no sanitizer report"
		diag "$(grep -E -A 20 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$IAMD_LOG" | head -n 60)"
	fi
}

done_testing() {
	_check_logs
	echo "1..$_tap_n"
	_tap_done=1
	[ "$_tap_failed" -eq 0 ] && exit 0
	exit 1
}

# --- commands ---------------------------------------------------------------

run() {
	"$@" >"$TMP/.out" 2>"$TMP/.err"
	RC=$?
	OUT=$(cat "$TMP/.out")
	ERR=$(cat "$TMP/.err")
	return 0
}

can_switch_uid() {
	[ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1
}

as_other_uid() {
	can_switch_uid || return 77
	setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
}

json_get() {
	python3 -c 'import json,sys; v=json.load(sys.stdin)'"$1"'
print(v if not isinstance(v,(dict,list,bool)) else json.dumps(v))'
}

# The GetAccountSummary records in the trail, complete lines only.
_audit_marks() {
	cat "$IAMD_STATE_DIR"/audit/audit-*.jsonl 2>/dev/null | python3 -c '
import sys
print(sum(1 for l in sys.stdin if l.endswith("\n") and "\"eventName\":\"GetAccountSummary\"" in l))'
}

# Records are written in the order the calls were answered, so once the
# marker call's record is in a file, so is every record before it.
audit_written() {
	iamd_running || return 0
	_am=$(_audit_marks)
	env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_PROFILE \
		"$IAMCTL" iam get-account-summary >/dev/null 2>&1 || return 1
	_aw=0
	while [ "$(_audit_marks)" -le "$_am" ]; do
		[ $_aw -ge 200 ] && return 1
		sleep 0.05
		_aw=$((_aw + 1))
	done
	return 0
}

read_calls() {
	_c=0
	while [ $_c -lt "$1" ]; do
		run "$IAMCTL" iam list-users
		_c=$((_c + 1))
	done
}

# user_key USER: a new access key of USER, made as root with iamctl (tried
# again for up to 5 s while iamd connects to keyd), in ${USER}_AK and
# ${USER}_SK; OUT, ERR and RC as `run` left them
user_key() {
	for _ in $(seq 50); do
		run "$IAMCTL" iam create-access-key --user-name "$1"
		[ "$RC" = 0 ] && break
		sleep 0.1
	done
	eval "${1}_AK=\$(printf '%s' \"\$OUT\" | json_get '[\"AccessKey\"][\"AccessKeyId\"]')"
	eval "${1}_SK=\$(printf '%s' \"\$OUT\" | json_get '[\"AccessKey\"][\"SecretAccessKey\"]')"
}

# --- the daemon ---------------------------------------------------------------

iamd_running() {
	[ -n "$IAMD_PID" ] && kill -0 "$IAMD_PID" 2>/dev/null
}

iamd_start() {
	: "${IAMD_START_TIMEOUT:=30}"
	if [ ! -x "$IAMD" ]; then
		diag "iamd not built: $IAMD"
		return 1
	fi
	set -- --foreground --state-dir "$IAMD_STATE_DIR" \
		--runtime-dir "$IAMD_RUNTIME_DIR" "$@"
	[ -n "${IAMD_ACCOUNT_ID:-}" ] && set -- "$@" --account-id "$IAMD_ACCOUNT_ID"
	[ -n "${IAMD_SOCKET_OVERRIDE:-}" ] && set -- "$@" --socket "$IAMD_SOCKET_OVERRIDE"
	[ -n "${IAMD_KEYD_SOCKET:-}" ] && set -- "$@" --keyd-socket "$IAMD_KEYD_SOCKET"
	rm -f "$IAMD_RUNTIME_DIR/iamd.pid"
	echo "--- iamd_start $*" >>"$IAMD_LOG"
	"$IAMD" "$@" >>"$IAMD_LOG" 2>&1 &
	IAMD_PID=$!
	export IAMD_PID
	_deadline=$(( $(date +%s) + IAMD_START_TIMEOUT ))
	while :; do
		if [ -f "$IAMD_RUNTIME_DIR/iamd.pid" ] &&
		   [ "$(cat "$IAMD_RUNTIME_DIR/iamd.pid" 2>/dev/null)" = "$IAMD_PID" ]; then
			return 0
		fi
		if ! kill -0 "$IAMD_PID" 2>/dev/null; then
			wait "$IAMD_PID" 2>/dev/null
			diag "iamd exited with status $? before it was ready; its log:" \
				"$(tail -n 30 "$IAMD_LOG")"
			IAMD_PID=
			return 1
		fi
		if [ "$(date +%s)" -ge "$_deadline" ]; then
			diag "iamd not ready after ${IAMD_START_TIMEOUT}s; its log:" \
				"$(tail -n 30 "$IAMD_LOG")"
			kill -KILL "$IAMD_PID" 2>/dev/null
			wait "$IAMD_PID" 2>/dev/null
			IAMD_PID=
			return 1
		fi
		sleep 0.05
	done
}

iamd_stop() {
	[ -n "$IAMD_PID" ] || return 0
	_pid=$IAMD_PID
	IAMD_PID=
	kill -TERM "$_pid" 2>/dev/null
	_i=0
	while [ "$_i" -lt 400 ]; do
		# alive and not yet a zombie (a zombie waits for `wait` below)
		_st=$(cut -d' ' -f3 "/proc/$_pid/stat" 2>/dev/null)
		case "$_st" in ''|Z|X) break ;; esac
		sleep 0.05
		_i=$((_i + 1))
	done
	if [ "$_i" -ge 400 ]; then
		diag "iamd did not stop within 20s after SIGTERM: SIGKILL"
		kill -KILL "$_pid" 2>/dev/null
	fi
	wait "$_pid" 2>/dev/null
}

iamd_kill() {
	[ -n "$IAMD_PID" ] || return 0
	kill -KILL "$IAMD_PID" 2>/dev/null
	wait "$IAMD_PID" 2>/dev/null
	IAMD_PID=
	return 0
}

# --- the key daemon -----------------------------------------------------------

keyd_running() {
	[ -n "$IAMD_KEYD_PID" ] && kill -0 "$IAMD_KEYD_PID" 2>/dev/null
}

keyd_start() {
	if [ ! -x "$IAMD_KEYD" ]; then
		diag "iam-keyd not built: $IAMD_KEYD"
		return 1
	fi
	set -- --foreground --state-dir "$IAMD_KEYD_STATE_DIR" \
		--runtime-dir "$IAMD_RUNTIME_DIR" "$@"
	rm -f "$IAMD_RUNTIME_DIR/iam-keyd.pid"
	echo "--- keyd_start $*" >>"$IAMD_KEYD_LOG"
	"$IAMD_KEYD" "$@" >>"$IAMD_KEYD_LOG" 2>&1 &
	IAMD_KEYD_PID=$!
	IAMD_KEYD_SOCKET=$IAMD_RUNTIME_DIR/keyd.sock
	export IAMD_KEYD_PID IAMD_KEYD_SOCKET
	_i=0
	while [ "$(cat "$IAMD_RUNTIME_DIR/iam-keyd.pid" 2>/dev/null)" != "$IAMD_KEYD_PID" ]; do
		if ! kill -0 "$IAMD_KEYD_PID" 2>/dev/null || [ "$_i" -ge 600 ]; then
			diag "iam-keyd did not become ready; its log:" "$(tail -n 30 "$IAMD_KEYD_LOG")"
			kill -KILL "$IAMD_KEYD_PID" 2>/dev/null
			wait "$IAMD_KEYD_PID" 2>/dev/null
			IAMD_KEYD_PID=
			return 1
		fi
		sleep 0.05
		_i=$((_i + 1))
	done
	return 0
}

keyd_stop() {
	[ -n "$IAMD_KEYD_PID" ] || return 0
	_kpid=$IAMD_KEYD_PID
	IAMD_KEYD_PID=
	kill -TERM "$_kpid" 2>/dev/null
	wait "$_kpid" 2>/dev/null
}

keyd_kill() {
	[ -n "$IAMD_KEYD_PID" ] || return 0
	kill -KILL "$IAMD_KEYD_PID" 2>/dev/null
	wait "$IAMD_KEYD_PID" 2>/dev/null
	IAMD_KEYD_PID=
	return 0
}

# --- the HTTP gateway ---------------------------------------------------------

gateway_start() {
	if [ ! -x "$IAMD_GATEWAY" ]; then
		diag "iam-gateway not built: $IAMD_GATEWAY"
		return 1
	fi
	echo "--- gateway_start $*" >>"$IAMD_GATEWAY_LOG"
	"$IAMD_GATEWAY" --listen 127.0.0.1:0 --socket "$IAMD_SOCKET" "$@" \
		>"$TMP/gateway.out" 2>>"$IAMD_GATEWAY_LOG" &
	IAMD_GATEWAY_PID=$!
	export IAMD_GATEWAY_PID
	_i=0
	while ! grep -q '^listening on ' "$TMP/gateway.out" 2>/dev/null; do
		if ! kill -0 "$IAMD_GATEWAY_PID" 2>/dev/null || [ "$_i" -ge 400 ]; then
			diag "iam-gateway did not start; its log:" "$(tail -n 20 "$IAMD_GATEWAY_LOG")"
			kill -KILL "$IAMD_GATEWAY_PID" 2>/dev/null
			wait "$IAMD_GATEWAY_PID" 2>/dev/null
			IAMD_GATEWAY_PID=
			return 1
		fi
		sleep 0.05
		_i=$((_i + 1))
	done
	IAMD_GATEWAY_URL=$(sed -n 's/^listening on //p' "$TMP/gateway.out" | head -n 1)
	IAMD_GATEWAY_PORT=${IAMD_GATEWAY_URL##*:}
	export IAMD_GATEWAY_URL IAMD_GATEWAY_PORT
	return 0
}

gateway_stop() {
	[ -n "$IAMD_GATEWAY_PID" ] || return 0
	_gpid=$IAMD_GATEWAY_PID
	IAMD_GATEWAY_PID=
	kill -TERM "$_gpid" 2>/dev/null
	wait "$_gpid" 2>/dev/null
}

lib_cleanup() {
	if [ -n "$IAMD_GATEWAY_PID" ]; then
		kill -TERM "$IAMD_GATEWAY_PID" 2>/dev/null
		wait "$IAMD_GATEWAY_PID" 2>/dev/null
		IAMD_GATEWAY_PID=
	fi
	if [ -n "$IAMD_KEYD_PID" ]; then
		kill -TERM "$IAMD_KEYD_PID" 2>/dev/null
		wait "$IAMD_KEYD_PID" 2>/dev/null
		IAMD_KEYD_PID=
	fi
	if [ -n "$IAMD_PID" ]; then
		kill -TERM "$IAMD_PID" 2>/dev/null
		sleep 0.2
		kill -KILL "$IAMD_PID" 2>/dev/null
		wait "$IAMD_PID" 2>/dev/null
		IAMD_PID=
	fi
	if [ -z "${_tap_done:-}" ] && [ "$_tap_n" -gt 0 ]; then
		# the script ended without done_testing: still print a plan
		echo "1..$_tap_n"
	fi
	if [ "${KEEP_TMP:-0}" = 1 ] ||
	   { [ "${KEEP_FAILED:-0}" = 1 ] && [ "$_tap_failed" -gt 0 ]; }; then
		echo "# kept $TMP" >&2
	else
		rm -rf "$TMP"
	fi
}
trap lib_cleanup EXIT
trap 'exit 130' INT TERM

# TOTP (docs/mfa.md) for the MFA tests; python3.
# totp SEED STEP: the 6-digit code of STEP (30 s steps since the epoch)
totp() {
	python3 -c '
import base64, hmac, hashlib, struct, sys
seed = base64.b32decode(sys.argv[1])
mac = hmac.new(seed, struct.pack(">Q", int(sys.argv[2])), hashlib.sha1).digest()
o = mac[19] & 15
print("%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7fffffff) % 1000000))' "$1" "$2"
}
now_step() { echo $(( $(date +%s) / 30 )); }
# fresh_step: the current step, once at least 5 s of it are left (waits
# for the next step otherwise). A pair of codes for the step N taken just
# before a boundary reaches keyd in step N+1: the device's drift is then
# recorded one step further back than the test means it to be, and a later
# code of "the current step" falls outside the window.
fresh_step() {
	python3 -c 'import time
left = 30 - time.time() % 30
if left < 5:
    time.sleep(left + 0.05)'
	now_step
}
