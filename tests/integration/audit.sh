#!/bin/sh
# audit.sh: the audit trail (docs/audit.md). Exactly one CloudTrail record
# per call of every kind (allowed, denied, malformed, unauthenticated), no
# secret in any record, the record chain and digests proved by `iamctl
# audit verify`, which names a changed byte, a removed file, a truncated
# file and reordered records; `iamctl audit lookup`; a full disk under the
# trail makes mutating calls fail with nothing changed.
. "$top_srcdir/tests/integration/lib.sh"

command -v python3 >/dev/null || skip_all "needs python3"
A=123456789012
IAMD_ACCOUNT_ID=$A
AUD=$IAMD_STATE_DIR/audit
MNT=

check() { if [ "$1" = 0 ]; then pass "$2"; else fail "$2"; fi; }
skipn() {
	_k=0
	while [ $_k -lt "$2" ]; do skip "$1"; _k=$((_k + 1)); done
}
cleanup_mount() {
	[ -n "$MNT" ] && umount "$MNT" 2>/dev/null
	MNT=
}

keyd_start || bail_out "iam-keyd did not start"
iamd_start --audit-max-file-size 4096 --debug || bail_out "iamd did not start"
check "$([ -d "$AUD" ] && echo 0 || echo 1)" "iamd made $AUD"
is "$(stat -c %a "$AUD")" 700 "the trail's directory is 0700"

root() { run "$IAMCTL" "$@"; }
# the records (all files, in order) as JSON lines, once every call answered
# so far is written (read records go out in 1 s batches: audit_written)
records() {
	audit_written || diag "audit_written: the marker call's record did not come within 10 s"
	cat "$AUD"/audit-*.jsonl
}
# how many records match a python condition on the event `e`
count() {
	records | python3 -c '
import json, sys
n = 0
for l in sys.stdin:
    e = json.loads(l)
    if '"$1"':
        n += 1
print(n)'
}

root iam create-user --user-name alice
is "$RC" 0 "CreateUser alice"
root iam get-user --user-name alice
is "$RC" 0 "GetUser alice"
root iam create-access-key --user-name alice
SECRET1=$(printf '%s\n' "$OUT" | json_get '["AccessKey"]["SecretAccessKey"]')
KEY1=$(printf '%s\n' "$OUT" | json_get '["AccessKey"]["AccessKeyId"]')
root iam create-access-key --user-name alice
SECRET2=$(printf '%s\n' "$OUT" | json_get '["AccessKey"]["SecretAccessKey"]')
check "$([ ${#SECRET1} -eq 40 ] && [ ${#SECRET2} -eq 40 ] && echo 0 || echo 1)" \
	"two secrets issued"
root iam get-user --user-name 'bad name!'
is "$RC" 254 "a malformed GetUser fails"
root iam create-user --user-name bob
root iam create-login-profile --user-name bob --password 'Pa55word-audit-Zz!' \
	>/dev/null 2>&1

# allowed, malformed and credential issues: one record each
is "$(count 'e["eventName"] == "CreateUser" and e["requestParameters"] == {"userName": "alice"}')" 1 \
	"one CreateUser record for alice"
is "$(count 'e["eventName"] == "GetUser" and e.get("errorCode") is None')" 1 \
	"one GetUser record, allowed"
is "$(count 'e["eventName"] == "GetUser" and e.get("errorCode") == "ValidationError"')" 1 \
	"one GetUser record with ValidationError"
is "$(count 'e["eventName"] == "CreateAccessKey"')" 2 "two CreateAccessKey records"

# the record's shape (CloudTrail's)
E=$(records | grep '"eventName":"CreateUser"' | head -n 1)
check_field() {
	is "$(printf '%s\n' "$E" | json_get "$1")" "$2" "CreateUser record: $1 = $2"
}
check_field '["eventVersion"]' 1.08
check_field '["userIdentity"]["type"]' Root
check_field '["userIdentity"]["arn"]' "arn:aws:iam::$A:root"
check_field '["userIdentity"]["accountId"]' "$A"
check_field '["eventSource"]' iam.amazonaws.com
check_field '["awsRegion"]' us-east-1
check_field '["eventType"]' AwsApiCall
check_field '["readOnly"]' false
check_field '["managementEvent"]' true
check_field '["recipientAccountId"]' "$A"
check_field '["responseElements"]["user"]["userName"]' alice
check_field '["requestParameters"]["userName"]' alice
like "$(printf '%s\n' "$E" | json_get '["sourceIPAddress"]')" '^uid:0 pid:[0-9]+' \
	"sourceIPAddress names the local peer"
like "$(printf '%s\n' "$E" | json_get '["userAgent"]')" '^libiam/' "userAgent is Hello's client"
like "$(printf '%s\n' "$E" | json_get '["eventID"]')" \
	'^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$' "eventID is a UUID"
E=$(records | grep '"eventName":"GetUser"' | head -n 1)
check_field '["readOnly"]' true
check_field '["responseElements"]' None

# no secret in any record
for s in "$SECRET1" "$SECRET2" 'Pa55word-audit-Zz!'; do
	if grep -rqF -- "$s" "$AUD"; then
		not_ok "a secret issued during the test appears in the trail"
	else
		pass "a secret issued during the test is in no record"
	fi
done
like "$(records | grep '"eventName":"CreateAccessKey"' | head -n 1)" \
	'"secretAccessKey":"HIDDEN_DUE_TO_SECURITY_REASONS"' "the secret is redacted"

# denied: an unbound uid, and a uid bound to a user without policies
if can_switch_uid; then
	root iamd create-local-user-binding --uid 65533 --user-name bob
	setpriv --reuid=65534 --regid=65534 --clear-groups -- \
		"$IAMCTL" iam list-users >/dev/null 2>&1
	setpriv --reuid=65533 --regid=65533 --clear-groups -- \
		"$IAMCTL" iam get-user --user-name alice >/dev/null 2>&1
	is "$(count 'e["eventName"] == "ListUsers" and e.get("errorCode") == "AccessDenied" and e["userIdentity"]["type"] == "Unknown" and e["sourceIPAddress"].startswith("uid:65534 ")')" 1 \
		"one ListUsers record, denied, from the unbound uid"
	is "$(count 'e["eventName"] == "GetUser" and e.get("errorCode") == "AccessDenied" and e["userIdentity"].get("userName") == "bob" and e["userIdentity"]["type"] == "IAMUser"')" 1 \
		"one GetUser record, denied, for bob"
	like "$(cat "$IAMD_LOG")" 'audit: GetUser denied to arn:aws:iam::123456789012:user/bob .*\[event ' \
		"the denial's summary is logged (--debug, not under systemd)"
else
	skipn "needs root and setpriv" 3
fi
like "$(cat "$IAMD_LOG")" 'audit: CreateAccessKey issued credentials to arn:aws:iam::123456789012:root' \
	"a credential issue's summary is logged"

# unauthenticated: a SigV4 call with a wrong secret
AWS_ACCESS_KEY_ID=$KEY1 AWS_SECRET_ACCESS_KEY=0000000000000000000000000000000000000000 \
	run "$IAMCTL" iam list-groups
case "$ERR" in
*SignatureDoesNotMatch*|*InvalidClientTokenId*)
	is "$(count 'e["eventName"] == "ListGroups" and e.get("errorCode") in ("SignatureDoesNotMatch", "InvalidClientTokenId") and e["userIdentity"]["type"] == "Unknown"')" 1 \
		"one ListGroups record for the failed authentication, caller Unknown"
	;;
*)
	skip "this build does not authenticate SigV4 calls yet" ;;
esac

# lookup
run "$IAMCTL" audit lookup --state-dir "$IAMD_STATE_DIR" --event-name CreateAccessKey
is "$(printf '%s\n' "$OUT" | grep -c .)" 2 "lookup --event-name: two CreateAccessKey"
run "$IAMCTL" audit lookup --state-dir "$IAMD_STATE_DIR" --error-code ValidationError --output table
like "$OUT" 'EventTime +EventName' "lookup --output table has a header"
like "$OUT" 'GetUser +arn:aws:iam::123456789012:root +ValidationError' "and the row"
run "$IAMCTL" audit lookup --state-dir "$IAMD_STATE_DIR" --user-name bob
check "$([ -z "$OUT" ] || ! printf '%s\n' "$OUT" | grep -qv '"userName":"bob"' ; echo $?)" \
	"lookup --user-name bob: only bob's calls"
run "$IAMCTL" audit lookup --state-dir "$IAMD_STATE_DIR" --start-time 2000-01-01 --end-time 2000-12-31
is "$OUT" "" "lookup outside the time range: nothing"
run "$IAMCTL" audit lookup --start-time yesterday
is "$RC" 2 "a bad --start-time is a usage error"

# Authorize is a data event
root iamd authorize --principal-arn "arn:aws:iam::$A:user/alice" --action-name iam:GetUser \
	--resource-arn "arn:aws:iam::$A:user/alice"
is "$(count 'e["eventName"] == "Authorize" and e["eventCategory"] == "Data" and e["managementEvent"] is False and e["eventSource"] == "iamd.amazonaws.com"')" 1 \
	"one Authorize record, a data event"

# more calls so that files rotate (4 KiB), then stop: every file digested
i=0
while [ $i -lt 12 ]; do
	root iam create-user --user-name "u$i"
	i=$((i + 1))
done
iamd_stop
NF=$(ls "$AUD"/audit-*.jsonl | wc -l)
check "$([ "$NF" -ge 4 ] && echo 0 || echo 1)" "the trail rotated by size ($NF files)"
is "$(ls "$AUD"/digest/*.digest.json | wc -l)" "$NF" "one digest per closed file"
is "$(stat -c %a "$(ls "$AUD"/audit-*.jsonl | head -n 1)")" 600 "trail files are 0600"
run "$IAMCTL" audit verify --state-dir "$IAMD_STATE_DIR"
is "$RC" 0 "verify: the untouched trail is OK"
like "$OUT" '^audit verify: OK' "and says so"

# a restart continues the chain (two seconds later, so the next file's
# first event is well after the last digest's end)
sleep 2
iamd_start || bail_out "iamd did not restart"
root iam get-user --user-name alice
iamd_stop
run "$IAMCTL" audit verify --state-dir "$IAMD_STATE_DIR"
is "$RC" 0 "verify: OK across a restart"
# CloudTrail's digests cover contiguous ranges: each starts where the one
# before it ended, and holds its file's events
run python3 - "$AUD" <<'PY'
import glob, json, sys
ds = [json.load(open(p)) for p in sorted(glob.glob(sys.argv[1] + "/digest/*.digest.json"))]
for a, b in zip(ds, ds[1:]):
    if b["digestStartTime"] != a["digestEndTime"]:
        print("gap or overlap:", a["digestEndTime"], b["digestStartTime"]); sys.exit(1)
for d in ds:
    # a file's events may begin before its digest's range (CloudTrail's
    # ranges are of delivery: the call that opened the file may have
    # started a second before the file before it closed), never after it
    f = d["logFiles"][0]
    if not (d["digestStartTime"] <= d["digestEndTime"] and
            f["oldestEventTime"] <= f["newestEventTime"] <= d["digestEndTime"]):
        print("events outside the range:", d); sys.exit(1)
PY
is "$RC" 0 "each digest starts where the one before ended and covers its file's events"

# --audit-data-events no: Authorize unrecorded; --audit-rotate-interval
iamd_start --audit-data-events no --audit-rotate-interval 1s || bail_out "iamd did not restart"
NF0=$(ls "$AUD"/audit-*.jsonl | wc -l)
root iamd authorize --principal-arn "arn:aws:iam::$A:user/alice" --action-name iam:GetUser \
	--resource-arn "arn:aws:iam::$A:user/alice"
root iam get-user --user-name alice
sleep 2.5
root iam get-user --user-name alice
sleep 1.5
is "$(count 'e["eventName"] == "Authorize"')" 1 "--audit-data-events no: Authorize is not recorded"
NF1=$(ls "$AUD"/audit-*.jsonl | wc -l)
check "$([ "$NF1" -ge $((NF0 + 1)) ] && echo 0 || echo 1)" "--audit-rotate-interval 1s: a new file after a second ($NF0 -> $NF1)"
iamd_stop
run "$IAMCTL" audit verify --state-dir "$IAMD_STATE_DIR"
is "$RC" 0 "verify: OK after time rotation"

# --audit no: nothing written
mv "$AUD" "$TMP/audit.kept"
iamd_start --audit no || bail_out "iamd did not restart"
root iam get-user --user-name alice
iamd_stop
check "$([ ! -e "$AUD" ] && echo 0 || echo 1)" "--audit no: no trail"
mv "$TMP/audit.kept" "$AUD"

# tampering, each on a copy of the trail
tampered() {   # tampered NAME: a fresh copy in $T
	T=$TMP/t-$1
	rm -rf "$T"
	mkdir -p "$T"
	cp -a "$AUD" "$T/audit"
}
F2=$(ls "$AUD"/audit-*.jsonl | sed -n 2p)
F2=${F2##*/}

tampered byte
python3 - "$T/audit/$F2" <<'EOF'
import sys
p = sys.argv[1]
b = bytearray(open(p, 'rb').read())
i = b.index(b'"eventTime":"') + 14
b[i] = ord('9') if b[i] != ord('9') else ord('8')
open(p, 'wb').write(bytes(b))
EOF
run "$IAMCTL" audit verify --state-dir "$T"
is "$RC" 1 "verify: a changed byte fails"
like "$OUT" "FAIL: $F2 line 1: changed" "and names the record changed"
like "$OUT" "$F2: changed since its digest" "and the file its digest no longer matches"

tampered delete
rm "$T/audit/$F2"
run "$IAMCTL" audit verify --state-dir "$T"
is "$RC" 1 "verify: a deleted file fails"
like "$OUT" "FAIL: $F2: removed: the file is listed in digest" "and names the file removed"
like "$OUT" "removed or truncated: records? [0-9]+" "and the records missing from the chain"

tampered truncate
python3 - "$T/audit/$F2" <<'EOF'
import sys
p = sys.argv[1]
b = open(p, 'rb').read()
open(p, 'wb').write(b[:len(b) - 30])
EOF
run "$IAMCTL" audit verify --state-dir "$T"
is "$RC" 1 "verify: a truncated file fails"
like "$OUT" "FAIL: $F2 line [0-9]+: truncated" "and says the record is cut"
like "$OUT" "FAIL: $F2: truncated: [0-9]+ bytes, its digest" "and the file is shorter than its digest"

tampered truncate-lines
python3 - "$T/audit/$F2" <<'EOF'
import sys
p = sys.argv[1]
lines = open(p, 'rb').read().split(b'\n')
open(p, 'wb').write(b'\n'.join(lines[:1]) + b'\n')
EOF
run "$IAMCTL" audit verify --state-dir "$T"
is "$RC" 1 "verify: whole records cut off a file's end fail"
like "$OUT" "removed or truncated: records? .*the end of $F2" "and names the file cut"

tampered reorder
python3 - "$T/audit/$F2" <<'EOF'
import sys
p = sys.argv[1]
lines = open(p, 'rb').read().split(b'\n')
lines[0], lines[1] = lines[1], lines[0]
open(p, 'wb').write(b'\n'.join(lines))
EOF
run "$IAMCTL" audit verify --state-dir "$T"
is "$RC" 1 "verify: reordered records fail"
like "$OUT" "FAIL: $F2 line 1: reordered" "and names the reordering"

tampered digest
D1=$(ls "$AUD"/digest/*.digest.json | head -n 1)
rm "$T/audit/digest/${D1##*/}"
run "$IAMCTL" audit verify --state-dir "$T"
is "$RC" 1 "verify: a removed digest fails"
like "$OUT" "removed: the digest before it" "and says a digest is missing"

# a full disk under the trail: mutating calls fail, nothing changes
mv "$AUD" "$TMP/audit.saved"
mkdir -m 0700 "$AUD"
if mount -t tmpfs -o size=256k,mode=0700 tmpfs "$AUD" 2>/dev/null; then
	MNT=$AUD
	trap 'cleanup_mount; lib_cleanup' EXIT
	cp -a "$TMP/audit.saved/." "$AUD/"
	head -c $((256 * 1024 - 12 * 1024)) /dev/zero >"$AUD/filler" 2>/dev/null
	iamd_start || bail_out "iamd did not start on the small trail"
	i=0 failed=
	while [ $i -lt 40 ]; do
		root iam create-user --user-name "full$i"
		if [ "$RC" != 0 ]; then failed=full$i; break; fi
		i=$((i + 1))
	done
	check "$([ -n "$failed" ] && echo 0 || echo 1)" "a CreateUser fails once the trail's disk is full"
	like "$ERR" 'ServiceFailure.*could not be recorded in the audit trail' \
		"with ServiceFailure, saying why"
	like "$(cat "$IAMD_LOG")" "CreateUser refused: its audit record cannot be written" \
		"logged loudly"
	rm -f "$AUD/filler"
	root iam get-user --user-name "$failed"
	like "$ERR" NoSuchEntity "the refused user was not created"
	root iam create-user --user-name "$failed"
	is "$RC" 0 "with room again, the same CreateUser succeeds"
	iamd_stop
	run "$IAMCTL" audit verify --state-dir "$IAMD_STATE_DIR"
	is "$RC" 0 "verify: the trail is whole after the full disk"
	cleanup_mount
else
	skipn "cannot mount a tmpfs here" 6
fi

keyd_stop
done_testing
