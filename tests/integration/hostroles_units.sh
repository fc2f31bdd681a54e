#!/bin/sh
# hostroles_units: unit selectors and the identity keys without systemd
# (docs/host-roles.md). As root, cgroups named like units are made in the
# cgroup v2 hierarchy (iamd reads the unit from /proc/PID/cgroup as
# sd_pid_get_unit() does, the invocation id from the cgroup's
# trusted.invocation_id xattr, as systemd sets them) and processes are moved
# into them:
#   - two units get different roles, a unit's role wins over its uid's;
#   - trust conditions on iamd:SystemdUnit and iamd:InvocationId enforced;
#   - the minted session carries the keys: calls signed (SigV4) with a
#     unit's credentials have iamd:SystemdUnit, iamd:InvocationId, iamd:Uid,
#     iamd:Gid, iamd:ExePath in their context (a role policy allowing an
#     action only for one unit), and their audit records show them
#     (userIdentity.sessionContext.iamdHostIdentity);
#   - a process that moves into another unit after connecting is identified
#     in the unit it is in when it asks, over the same connection.
# Skips (77) only when not root or when no cgroup v2 hierarchy is writable.
. "$top_srcdir/tests/integration/lib.sh"

[ -x "$IAMD_KEYD" ] || skip_all "iam-keyd is not built"
command -v python3 >/dev/null || skip_all "python3 is needed"
[ "$(id -u)" = 0 ] || skip_all "needs root (cgroups named like units)"
command -v setpriv >/dev/null || skip_all "setpriv is needed"
CGR=
for d in /sys/fs/cgroup /sys/fs/cgroup/unified; do
	if [ "$(stat -f -c %T "$d" 2>/dev/null)" = cgroup2fs ]; then CGR=$d; break; fi
done
[ -n "$CGR" ] || skip_all "no cgroup v2 hierarchy"
RND=$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
UA=iamd-hr-$RND-a.service
UB=iamd-hr-$RND-b.service
UC=iamd-hr-$RND-c.service
mkdir "$CGR/$UA" 2>/dev/null || skip_all "cannot create a cgroup in $CGR"
mkdir "$CGR/$UB" "$CGR/$UC"
cleanup() {
	for u in "$UA" "$UB" "$UC"; do
		for _ in $(seq 50); do
			rmdir "$CGR/$u" 2>/dev/null && break
			[ -d "$CGR/$u" ] || break
			sleep 0.1
		done
	done
	lib_cleanup
}
trap cleanup EXIT
INV=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
python3 -c "import os,sys; os.setxattr(sys.argv[1], 'trusted.invocation_id', bytes.fromhex(sys.argv[2]))" \
	"$CGR/$UA" "$INV" || skip_all "cannot set trusted.invocation_id on a cgroup"

unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE
IAMD_ACCOUNT_ID=444444444444
A=$IAMD_ACCOUNT_ID
keyd_start || bail_out "iam-keyd did not start"
iamd_start || bail_out "iamd did not start"

j() { printf '%s' "$OUT" | json_get "$1" 2>/dev/null; }
# in_unit CGROUP UID CMD...: CMD as uid UID, moved into the cgroup first
in_unit() {
	_cg=$1 _u=$2
	shift 2
	run sh -c 'echo $$ >"$0/cgroup.procs" && u=$1 && shift && exec setpriv --reuid="$u" --regid="$u" --clear-groups -- "$@"' \
		"$CGR/$_cg" "$_u" "$@"
}
trust() {   # trust CONDITION-JSON
	printf '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"host.iamd.local"},"Action":"sts:AssumeRole"%s}]}' \
		"${1:+,\"Condition\":$1}"
}
role_profile() {   # role_profile NAME TRUST
	"$IAMCTL" iam create-role --role-name "$1" --assume-role-policy-document "$2" >/dev/null &&
	"$IAMCTL" iam create-instance-profile --instance-profile-name "$1" >/dev/null &&
	"$IAMCTL" iam add-role-to-instance-profile --instance-profile-name "$1" --role-name "$1"
}
assoc() {
	"$IAMCTL" iamd associate-instance-profile --instance-profile-name "$1" --selector "$2" >/dev/null
}

role_profile role-a "$(trust '{"StringEquals":{"iamd:SystemdUnit":"'"$UA"'","iamd:InvocationId":"'"$INV"'"}}')" &&
role_profile role-b "$(trust '{"StringLike":{"iamd:SystemdUnit":"iamd-hr-*-b.service"}}')" &&
role_profile role-c "$(trust '{"StringEquals":{"iamd:SystemdUnit":"'"$UA"'"}}')" &&
role_profile role-uid "$(trust)" &&
assoc role-a "{\"SystemdUnit\":\"$UA\"}" && assoc role-b "{\"SystemdUnit\":\"$UB\"}" &&
assoc role-c "{\"SystemdUnit\":\"$UC\"}" && assoc role-uid '{"Uid":1031}'
is "$?" 0 "roles and associations for units a, b, c and uid 1031"

# --- two units, two roles; a unit beats its uid ---
in_unit "$UA" 1031 "$IAMCTL" iamd get-credentials
is "$RC" 0 "a process of unit a gets credentials ($ERR)"
is "$(j '["AssumedRoleUser"]["Arn"]')" "arn:aws:sts::$A:assumed-role/role-a/unit-$UA" \
	"unit a gets role-a (trust on iamd:SystemdUnit and iamd:InvocationId)"
AK_A=$(j '["Credentials"]["AccessKeyId"]'); SK_A=$(j '["Credentials"]["SecretAccessKey"]')
ST_A=$(j '["Credentials"]["SessionToken"]')
in_unit "$UB" 1031 "$IAMCTL" iamd get-credentials
is "$(j '["AssumedRoleUser"]["Arn"]')" "arn:aws:sts::$A:assumed-role/role-b/unit-$UB" \
	"unit b (same uid) gets role-b"
AK_B=$(j '["Credentials"]["AccessKeyId"]'); SK_B=$(j '["Credentials"]["SecretAccessKey"]')
ST_B=$(j '["Credentials"]["SessionToken"]')
run setpriv --reuid=1031 --regid=1031 --clear-groups -- "$IAMCTL" iamd get-credentials
is "$(j '["AssumedRoleUser"]["Arn"]')" "arn:aws:sts::$A:assumed-role/role-uid/uid-1031" \
	"outside the units uid 1031 gets its uid's role"

# --- trust conditions on the unit ---
in_unit "$UC" 1031 "$IAMCTL" iamd get-credentials
is "$RC" 254 "unit c's role trusts only unit a: refused"
like "$ERR" "AccessDenied.*unit $UC\\) is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::$A:role/role-c" \
	"AccessDenied names the unit and the role"
python3 -c "import os,sys; os.setxattr(sys.argv[1], 'trusted.invocation_id', bytes(16))" "$CGR/$UA"
in_unit "$UA" 1031 "$IAMCTL" iamd get-credentials
is "$RC" 254 "unit a under another invocation id: refused (trust on iamd:InvocationId)"
python3 -c "import os,sys; os.setxattr(sys.argv[1], 'trusted.invocation_id', bytes.fromhex(sys.argv[2]))" \
	"$CGR/$UA" "$INV"

# --- the session carries the keys: policies on them, with SigV4 ---
POL='{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":"iam:ListRoles","Resource":"*","Condition":{"StringEquals":{"iamd:SystemdUnit":"'"$UA"'"}}},
 {"Effect":"Allow","Action":"iam:ListPolicies","Resource":"*","Condition":{"StringEquals":{"iamd:InvocationId":"'"$INV"'"}}},
 {"Effect":"Allow","Action":"iam:ListUsers","Resource":"*","Condition":{"StringEquals":{"iamd:Uid":"1031","iamd:Gid":"1031"},"StringLike":{"iamd:ExePath":"/*iamctl"}}},
 {"Effect":"Allow","Action":"iam:ListGroups","Resource":"*","Condition":{"Null":{"iamd:SystemdUnit":"true"}}}]}'
"$IAMCTL" iam create-policy --policy-name unit-keys --policy-document "$POL" >/dev/null &&
"$IAMCTL" iam attach-role-policy --role-name role-a --policy-arn "arn:aws:iam::$A:policy/unit-keys" &&
"$IAMCTL" iam attach-role-policy --role-name role-b --policy-arn "arn:aws:iam::$A:policy/unit-keys"
is "$?" 0 "one policy on both roles: actions allowed by iamd:* keys"
as_a() { run env AWS_ACCESS_KEY_ID="$AK_A" AWS_SECRET_ACCESS_KEY="$SK_A" AWS_SESSION_TOKEN="$ST_A" "$IAMCTL" "$@"; }
as_b() { run env AWS_ACCESS_KEY_ID="$AK_B" AWS_SECRET_ACCESS_KEY="$SK_B" AWS_SESSION_TOKEN="$ST_B" "$IAMCTL" "$@"; }
as_a iam list-roles
is "$RC" 0 "unit a's credentials: ListRoles allowed on iamd:SystemdUnit ($ERR)"
as_b iam list-roles
is "$RC" 254 "unit b's credentials: ListRoles denied"
like "$ERR" "AccessDenied.*assumed-role/role-b/unit-$UB is not authorized to perform: iam:ListRoles" \
	"AccessDenied for unit b's session"
as_a iam list-policies --scope Local
is "$RC" 0 "unit a's credentials: iamd:InvocationId in the context"
as_b iam list-policies --scope Local
is "$RC" 254 "unit b's credentials have no invocation id"
as_a iam list-users
is "$RC" 0 "iamd:Uid, iamd:Gid and iamd:ExePath in the context"
as_a iam list-groups
is "$RC" 254 "iamd:SystemdUnit is present for a unit's session (Null false)"
# the credentials keep their keys wherever they are used: from uid 0, outside units
as_a sts get-caller-identity
is "$(j '["Arn"]')" "arn:aws:sts::$A:assumed-role/role-a/unit-$UA" "they act as role-a"

# --- the audit record shows them ---
ok "the calls' audit records are written" audit_written
REC=$(cat "$IAMD_STATE_DIR"/audit/audit-*.jsonl 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    u = r.get("userIdentity", {})
    if r.get("eventName") == "ListRoles" and u.get("accessKeyId") == sys.argv[1]:
        h = u.get("sessionContext", {}).get("iamdHostIdentity", {})
        print(h.get("systemdUnit"), h.get("invocationId"), h.get("uid"), h.get("gid"),
              h.get("exePath", "").endswith("iamctl"))
        break' "$AK_A")
is "$REC" "$UA $INV 1031 1031 True" \
	"the audit record of a call with them: sessionContext.iamdHostIdentity (unit, invocation id, uid, gid, exe)"
# GetCredentials' own record shows what it issued, as CloudTrail's
# AssumeRole records do: the key id and expiration, never the secret
REC=$(cat "$IAMD_STATE_DIR"/audit/audit-*.jsonl 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    c = (r.get("responseElements") or {}).get("credentials") or {}
    if r.get("eventName") == "GetCredentials" and c.get("accessKeyId") == sys.argv[1]:
        print(bool(c.get("expiration")), c.get("secretAccessKey"), sys.argv[2] in line)
        break' "$AK_A" "$SK_A")
is "$REC" "True HIDDEN_DUE_TO_SECURITY_REASONS False" \
	"GetCredentials' audit record: the issued key id and expiration, the secret redacted"

# --- a process that moves to another unit after connecting ---
# iamd keeps a connection's identity between its calls while the process
# stays in the cgroup it was read in; one that moves is read again: each
# answer over the one connection is for the unit it is in when it asks.
REUSE=$top_builddir/tests/integration/peer_reuse
rm -f "$TMP/stay.in"
mkfifo "$TMP/stay.in"
sh -c 'echo $$ >"$0/cgroup.procs" && exec "$1" stay' "$CGR/$UA" "$REUSE" \
	<"$TMP/stay.in" >"$TMP/stay.out" 2>"$TMP/stay.err" &
STAYP=$!
exec 4>"$TMP/stay.in"
said() { wc -l <"$TMP/stay.out"; }
say() {   # say LINE: its answer (the next line of the process's output)
	_n=$(said)
	echo "$1" >&4
	for _ in $(seq 300); do
		[ "$(said)" -gt "$_n" ] && break
		sleep 0.1
	done
	sed -n "$((_n + 1))p" "$TMP/stay.out"
}
for _ in $(seq 100); do grep -q ready "$TMP/stay.out" && break; sleep 0.1; done
is "$(say get)" "arn arn:aws:sts::$A:assumed-role/role-a/unit-$UA" \
	"a process connected in unit a gets role-a"
is "$(say get)" "arn arn:aws:sts::$A:assumed-role/role-a/unit-$UA" "and again (the identity kept)"
is "$(say "move $CGR/$UB")" "moved" "it moves itself into unit b, keeping its connection"
is "$(say get)" "arn arn:aws:sts::$A:assumed-role/role-b/unit-$UB" \
	"asking over the same connection it gets unit b's role: its unit is read again"
is "$(say "move $CGR/$UC")" "moved" "then into unit c"
L=$(say get)
like "$L" "^error AccessDenied .*unit $UC\\) is not authorized to perform: sts:AssumeRole" \
	"unit c's role does not trust unit c: refused, over the connection made in unit a"
is "$(say "move $CGR/$UA")" "moved" "back into unit a"
is "$(say get)" "arn arn:aws:sts::$A:assumed-role/role-a/unit-$UA" "role-a again"
# what a caller resolves to (association, profile, role) is kept only until
# the next write: every change shows on the next call, same connection
"$IAMCTL" iam update-assume-role-policy --role-name role-a --policy-document \
	"$(trust '{"StringEquals":{"iamd:SystemdUnit":"none.service"}}')"
is "$?" 0 "role-a's trust policy no longer trusts unit a"
like "$(say get)" "^error AccessDenied .*unit $UA\\) is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::$A:role/role-a" \
	"the next call over the connection is refused"
"$IAMCTL" iam update-assume-role-policy --role-name role-a --policy-document "$(trust)" &&
"$IAMCTL" iam remove-role-from-instance-profile --instance-profile-name role-a --role-name role-a &&
"$IAMCTL" iam add-role-to-instance-profile --instance-profile-name role-a --role-name role-uid
is "$?" 0 "role-a trusts the host again; unit a's profile now holds role-uid instead"
is "$(say get)" "arn arn:aws:sts::$A:assumed-role/role-uid/unit-$UA" \
	"the next call gets the profile's new role"
"$IAMCTL" iam remove-role-from-instance-profile --instance-profile-name role-a --role-name role-uid
like "$(say get)" "^error AccessDenied .*its instance profile has no role" "a profile emptied: refused"
"$IAMCTL" iam add-role-to-instance-profile --instance-profile-name role-a --role-name role-a &&
"$IAMCTL" iamd disassociate-instance-profile --association-id "$(
	"$IAMCTL" iamd list-instance-profile-associations | python3 -c '
import json, sys
for a in json.load(sys.stdin)["Associations"]:
    if a.get("Selector", {}).get("SystemdUnit") == sys.argv[1]:
        print(a["AssociationId"])' "$UA")" >/dev/null
is "$?" 0 "unit a's association removed"
like "$(say get)" "^error AccessDenied .*no instance profile is associated" \
	"the next call finds no association"
exec 4>&-
wait "$STAYP"
is "$?" 0 "the process ran to the end ($(cat "$TMP/stay.err"))"

done_testing
