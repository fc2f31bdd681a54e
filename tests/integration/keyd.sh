#!/bin/sh
# keyd.sh: iam-keyd beside iamd. Its files and modes; access keys through
# iamctl (create, the quota, list, update, last used, delete, root keys,
# DeleteUser's conflict); no secret in iamd's state directory (LMDB) or log;
# keyd killed: calls that need it fail fast with ServiceUnavailable while
# the others are served, and work again once it is back (a key made before
# still verifies, when SigV4 is in the build); offline rotation; a wrong
# peer uid refused; the seccomp filter kills a forbidden syscall (plain
# builds); SIGTERM.
. "$top_srcdir/tests/integration/lib.sh"

J() { json_get "$1"; }
# iamd's "keyd: connected" lines so far
connects() { grep -c 'keyd: connected' "$IAMD_LOG"; }
# iamd_reconnected N: waits (up to 10 s) until iamd has logged a connection
# to keyd after the N it had logged before. A call made right after
# keyd_start may come within 50 ms of iamd's last failed attempt to reach
# keyd, and then fails (iamd tries again at most every 50 ms; its retry
# timer reconnects within a second).
iamd_reconnected() {
	_i=0
	while [ "$(connects)" -le "$1" ] && [ $_i -lt 200 ]; do sleep 0.05; _i=$((_i + 1)); done
	[ "$(connects)" -gt "$1" ]
}

# ---- keyd itself ----
run "$IAMD_KEYD" --help
is "$RC" 0 "iam-keyd --help exits 0"
like "$OUT" 'rotate-master-key' "--help lists --rotate-master-key"
run "$IAMD_KEYD" --allow-uid no-such-user-here
is "$RC" 2 "a bad --allow-uid is refused"

keyd_start || bail_out "iam-keyd did not start"
pass "iam-keyd starts and writes RUNTIME/iam-keyd.pid"
is "$(stat -c %a "$IAMD_KEYD_STATE_DIR/master.key")" 600 "master.key is created with mode 0600"
is "$(stat -c %a "$IAMD_KEYD_STATE_DIR")" 700 "keyd's state directory is 0700"
is "$(stat -c %a "$IAMD_KEYD_SOCKET")" 660 "keyd.sock is 0660"
like "$(cat "$IAMD_KEYD_LOG")" 'ready on .*keyd.sock \(master key version 1' "logs readiness with the key version"
unlike "$(cat "$IAMD_KEYD_LOG")" "$(sed -n 's/^1 //p' "$IAMD_KEYD_STATE_DIR/master.key")" \
	"the master key is not in keyd's log"

iamd_start || bail_out "iamd did not start"
i=0
while ! grep -q 'keyd: connected' "$IAMD_LOG" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
like "$(cat "$IAMD_LOG")" 'keyd: connected to .*master key version 1' "iamd connects to keyd"

# ---- access keys ----
run "$IAMCTL" iam create-user --user-name alice
is "$RC" 0 "create-user alice"
run "$IAMCTL" iam create-access-key --user-name alice
is "$RC" 0 "create-access-key"
KEY1=$(printf '%s' "$OUT" | J '["AccessKey"]["AccessKeyId"]')
SECRET1=$(printf '%s' "$OUT" | J '["AccessKey"]["SecretAccessKey"]')
like "$KEY1" '^AKIA[A-Z2-7]{16}$' "an AKIA access key id of 20 characters"
like "$SECRET1" '^[A-Za-z0-9+/]{40}$' "a 40-character secret"
is "$(printf '%s' "$OUT" | J '["AccessKey"]["Status"]')" Active "a new key is Active"
is "$(printf '%s' "$OUT" | J '["AccessKey"]["UserName"]')" alice "for alice"
like "$(printf '%s' "$OUT" | J '["AccessKey"]["CreateDate"]')" '^20[0-9-]+T' "with its CreateDate"
run "$IAMCTL" iam create-access-key --user-name alice
KEY2=$(printf '%s' "$OUT" | J '["AccessKey"]["AccessKeyId"]')
SECRET2=$(printf '%s' "$OUT" | J '["AccessKey"]["SecretAccessKey"]')
isnt "$KEY2" "$KEY1" "a second key"
isnt "$SECRET2" "$SECRET1" "with another secret"
run "$IAMCTL" iam create-access-key --user-name alice
is "$RC" 254 "a third key: refused"
like "$ERR" 'LimitExceeded.*Cannot exceed quota for AccessKeysPerUser: 2$' "LimitExceeded as AWS words it"
run "$IAMCTL" iam create-access-key --user-name nobody-here
like "$ERR" 'NoSuchEntity' "create-access-key for a missing user: NoSuchEntity"

run "$IAMCTL" iam list-access-keys --user-name alice
is "$RC" 0 "list-access-keys"
is "$(printf '%s' "$OUT" | J '["AccessKeyMetadata"].__len__()')" 2 "lists both keys"
unlike "$OUT" 'Secret' "and no secret"
run "$IAMCTL" iam list-access-keys --user-name alice --max-items 1
is "$(printf '%s' "$OUT" | J '["AccessKeyMetadata"].__len__()')" 1 "--max-items 1: one key"
like "$OUT" '"NextToken"' "with a NextToken"

run "$IAMCTL" iam update-access-key --user-name alice --access-key-id "$KEY2" --status Inactive
is "$RC" 0 "update-access-key to Inactive"
run "$IAMCTL" iam list-access-keys --user-name alice
like "$(printf '%s' "$OUT" | tr -d ' \n')" "\"AccessKeyId\":\"$KEY2\",\"Status\":\"Inactive\"" "the key is Inactive"
run "$IAMCTL" iam update-access-key --user-name alice --access-key-id "$KEY2" --status Paused
like "$ERR" "ValidationError.*Member must satisfy enum value set: \[Active, Inactive\]" "a bad status: ValidationError"
run "$IAMCTL" iam update-access-key --user-name alice --access-key-id AKIAAAAAAAAAAAAAAAAA --status Active
like "$ERR" "NoSuchEntity.*The Access Key with id AKIAAAAAAAAAAAAAAAAA cannot be found\." "an unknown key: NoSuchEntity"

run "$IAMCTL" iam get-access-key-last-used --access-key-id "$KEY1"
is "$RC" 0 "get-access-key-last-used"
is "$(printf '%s' "$OUT" | J '["UserName"]')" alice "names the owner"
is "$(printf '%s' "$OUT" | J '["AccessKeyLastUsed"]["ServiceName"]')" N/A "never used: ServiceName N/A"
is "$(printf '%s' "$OUT" | J '["AccessKeyLastUsed"]["Region"]')" N/A "never used: Region N/A"
run "$IAMCTL" iam get-access-key-last-used --access-key-id short
like "$ERR" 'Invalid length for parameter AccessKeyId, value: 5, valid min length: 16' \
	"a short key id: refused by iamctl as by the AWS CLI (botocore's min length)"

run "$IAMCTL" iam delete-user --user-name alice
like "$ERR" 'DeleteConflict.*must delete access keys first' "delete-user with keys: DeleteConflict"

# the root's own keys (no UserName, as on AWS)
run "$IAMCTL" iam create-access-key
is "$RC" 0 "the root creates a key of its own"
ROOTKEY=$(printf '%s' "$OUT" | J '["AccessKey"]["AccessKeyId"]')
SECRET3=$(printf '%s' "$OUT" | J '["AccessKey"]["SecretAccessKey"]')
run "$IAMCTL" iam list-access-keys
like "$OUT" "$ROOTKEY" "list-access-keys without a user lists the root's"
unlike "$OUT" "$KEY1" "and not alice's"

# ---- no secret in iamd's files or log ----
found=
for s in "$SECRET1" "$SECRET2" "$SECRET3"; do
	grep -r -a -q -F "$s" "$IAMD_STATE_DIR" "$IAMD_LOG" "$IAMD_KEYD_LOG" "$IAMD_KEYD_STATE_DIR" 2>/dev/null &&
		found="$found $s"
done
is "$found" "" "no secret in iamd's LMDB files, iamd's log, keyd's log or keyd's state"
grep -r -a -q -F "$KEY1" "$IAMD_STATE_DIR" && pass "(the scan reads the LMDB files: key ids are there)" ||
	fail "(the scan reads the LMDB files: key ids are there)"

# ---- keyd away: fail fast, the rest is served ----
keyd_kill
start=$(date +%s%N)
run "$IAMCTL" iam create-access-key --user-name bob-missing
run "$IAMCTL" iam create-user --user-name bob
run "$IAMCTL" iam create-access-key --user-name bob
end=$(date +%s%N)
is "$RC" 254 "keyd killed: create-access-key fails"
like "$ERR" 'ServiceUnavailable' "with ServiceUnavailable"
[ $(( (end - start) / 1000000 )) -lt 1500 ] && pass "fast (no wait for a timeout)" ||
	fail "fast (no wait for a timeout): $(( (end - start) / 1000000 )) ms"
run "$IAMCTL" iam get-user --user-name alice
is "$RC" 0 "get-user is served without keyd"
run "$IAMCTL" iam list-access-keys --user-name alice
is "$RC" 0 "list-access-keys is served without keyd"
run "$IAMCTL" iam list-access-keys --user-name bob
is "$(printf '%s' "$OUT" | J '["AccessKeyMetadata"].__len__()')" 0 "the failed create stored nothing"
like "$(cat "$IAMD_LOG")" 'keyd: .*ServiceUnavailable until it is back' "iamd logs that keyd is gone"

n=$(connects)
keyd_start || bail_out "iam-keyd did not restart"
ok "keyd back: iamd connects to it again" iamd_reconnected "$n"
run "$IAMCTL" iam create-access-key --user-name bob
is "$RC" 0 "keyd back: create-access-key works again"
BOBKEY=$(printf '%s' "$OUT" | J '["AccessKey"]["AccessKeyId"]')
BOBSECRET=$(printf '%s' "$OUT" | J '["AccessKey"]["SecretAccessKey"]')

# a key made before the restart still verifies (SigV4, when in this build)
signed_arn() {
	AWS_ACCESS_KEY_ID=$1 AWS_SECRET_ACCESS_KEY=$2 AWS_CONFIG_FILE=/dev/null \
		AWS_SHARED_CREDENTIALS_FILE=/dev/null "$IAMCTL" sts get-caller-identity 2>&1 |
		sed -n 's/.*"Arn": "\(.*\)".*/\1/p'
}
arn=$(signed_arn "$KEY1" "$SECRET1")
case "$arn" in
*:user/alice) pass "alice's key made before keyd's restart still verifies" ;;
*:root|'') skip "alice's key made before keyd's restart still verifies" "SigV4 authentication is not in this build" ;;
*) fail "alice's key made before keyd's restart still verifies (got $arn)" ;;
esac

# ---- offline rotation ----
keyd_stop
is "$?" 0 "SIGTERM: iam-keyd exits 0"
[ ! -e "$IAMD_KEYD_SOCKET" ] && [ ! -e "$IAMD_RUNTIME_DIR/iam-keyd.pid" ] &&
	pass "its socket and pid file are removed" || fail "its socket and pid file are removed"
run "$IAMD_KEYD" --rotate-master-key --state-dir "$IAMD_KEYD_STATE_DIR"
is "$RC" 0 "--rotate-master-key"
like "$OUT" 'version 2 is current' "version 2 is current"
is "$(grep -c -E '^[0-9]+ ' "$IAMD_KEYD_STATE_DIR/master.key")" 2 "master.key holds both versions"
is "$(stat -c %a "$IAMD_KEYD_STATE_DIR/master.key")" 600 "still mode 0600"
n=$(connects)
keyd_start || bail_out "iam-keyd did not restart after rotation"
like "$(tail -n 3 "$IAMD_KEYD_LOG")" 'master key version 2' "keyd uses version 2"
ok "iamd connects to the rotated keyd" iamd_reconnected "$n"
like "$(grep 'keyd: connected' "$IAMD_LOG" | tail -n 1)" 'master key version 2' \
	"iamd sees master key version 2"
run "$IAMCTL" iam delete-access-key --user-name alice --access-key-id "$KEY2"
is "$RC" 0 "delete-access-key"
run "$IAMCTL" iam create-access-key --user-name alice
is "$RC" 0 "a key made with version 2"
KEY4=$(printf '%s' "$OUT" | J '["AccessKey"]["AccessKeyId"]')
SECRET4=$(printf '%s' "$OUT" | J '["AccessKey"]["SecretAccessKey"]')
arn=$(signed_arn "$BOBKEY" "$BOBSECRET")
case "$arn" in
*:user/bob) pass "a version-1 key still verifies after rotation" ;;
*:root|'') skip "a version-1 key still verifies after rotation" "SigV4 authentication is not in this build" ;;
*) fail "a version-1 key still verifies after rotation (got $arn)" ;;
esac
arn=$(signed_arn "$KEY4" "$SECRET4")
case "$arn" in
*:user/alice) pass "a version-2 key verifies" ;;
*:root|'') skip "a version-2 key verifies" "SigV4 authentication is not in this build" ;;
*) fail "a version-2 key verifies (got $arn)" ;;
esac

# ---- delete and DeleteUser ----
for k in "$KEY1" "$KEY4"; do
	"$IAMCTL" iam delete-access-key --user-name alice --access-key-id "$k" >/dev/null 2>&1
done
run "$IAMCTL" iam list-access-keys --user-name alice
is "$(printf '%s' "$OUT" | J '["AccessKeyMetadata"].__len__()')" 0 "alice's keys are deleted"
run "$IAMCTL" iam delete-access-key --user-name alice --access-key-id "$KEY1"
like "$ERR" 'NoSuchEntity' "deleting twice: NoSuchEntity"
run "$IAMCTL" iam get-access-key-last-used --access-key-id "$KEY1"
like "$ERR" 'NoSuchEntity' "get-access-key-last-used of a deleted key: NoSuchEntity"
run "$IAMCTL" iam delete-user --user-name alice
is "$RC" 0 "delete-user once its keys are gone"

# ---- a peer with another uid is refused (SO_PEERCRED) ----
# the system's python3 (a per-user one may be out of the other uid's reach)
PY3=/usr/bin/python3
[ -x "$PY3" ] || PY3=$(command -v python3)
if can_switch_uid && [ -n "$PY3" ]; then
	chmod 0666 "$IAMD_KEYD_SOCKET"
	run as_other_uid "$PY3" -c '
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
try:
    s.sendall(struct.pack(">I", 4) + bytes([8, 1, 0x12, 0]))  # Request{id 1, hello {}}
    s.settimeout(5)
    print("answered" if s.recv(64) else "closed")
except (ConnectionResetError, BrokenPipeError):
    print("closed")
' "$IAMD_KEYD_SOCKET"
	is "$OUT" closed "uid 65534 gets no answer: the connection is closed"
	[ -n "$ERR" ] && diag "$ERR"
	like "$(cat "$IAMD_KEYD_LOG")" 'uid 65534 .*refused: keyd serves uid' "keyd logs the refusal"
	run python3 -c '
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(struct.pack(">I", 4) + bytes([8, 1, 0x12, 0]))
s.settimeout(5)
print("answered" if s.recv(64) else "closed")
' "$IAMD_KEYD_SOCKET"
	is "$OUT" answered "the allowed uid is answered"
else
	skip "uid 65534 gets no answer" "cannot switch uid (not root or no setpriv)"
fi

# ---- the seccomp filter ----
"$IAMD_KEYD" --selftest-seccomp --state-dir "$IAMD_KEYD_STATE_DIR" >"$TMP/sc.out" 2>&1
rc=$?
if [ $rc -eq 77 ]; then
	skip "a forbidden syscall after lockdown kills keyd with SIGSYS" "sanitizer build: no seccomp filter"
else
	is "$rc" 159 "a forbidden syscall after lockdown kills keyd with SIGSYS"
	grep -q 'seccomp filter is NOT installed' "$IAMD_KEYD_LOG" &&
		fail "a plain build installs the filter" || pass "a plain build installs the filter"
fi

ok "iamd stops" iamd_stop
ok "iam-keyd stops" keyd_stop
done_testing
