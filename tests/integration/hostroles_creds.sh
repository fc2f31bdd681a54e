#!/bin/sh
# hostroles_creds: iamd:GetCredentials end to end with iam-keyd and iamd:
# processes under different uids get different roles through their host
# associations; an unassociated process is refused with a clear message;
# the most specific selector wins (uid over gid over host); trust policies
# on iamd:Uid and iamd:ExePath are enforced (and a process that execs
# another program over its connection keeps the executable read first);
# ec2.amazonaws.com trust works;
# the credentials act as the assumed role (GetCallerIdentity); a systemd
# unit selector where systemd-run --scope works.
. "$top_srcdir/tests/integration/lib.sh"

[ -x "$IAMD_KEYD" ] || skip_all "iam-keyd is not built"
command -v python3 >/dev/null || skip_all "python3 is needed"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE
export HOME="$TMP/home"
mkdir -p "$HOME"
IAMD_ACCOUNT_ID=222222222222
A=$IAMD_ACCOUNT_ID

keyd_start || bail_out "iam-keyd did not start"
iamd_start --debug || bail_out "iamd did not start"

j() { printf '%s' "$OUT" | json_get "$1"; }
as_uid() {
	_u=$1
	shift
	run setpriv --reuid="$_u" --regid="$_u" --clear-groups -- "$@"
}
trust() {   # trust SERVICE [CONDITION-JSON]
	printf '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"%s"},"Action":"sts:AssumeRole"%s}]}' \
		"$1" "${2:+,\"Condition\":$2}"
}
role_profile() {   # role_profile NAME TRUST: a role in a profile of the same name
	"$IAMCTL" iam create-role --role-name "$1" --assume-role-policy-document "$2" >/dev/null &&
	"$IAMCTL" iam create-instance-profile --instance-profile-name "$1" >/dev/null &&
	"$IAMCTL" iam add-role-to-instance-profile --instance-profile-name "$1" --role-name "$1"
}
assoc() {   # assoc PROFILE SELECTOR-JSON
	"$IAMCTL" iamd associate-instance-profile --instance-profile-name "$1" --selector "$2" >/dev/null
}

role_profile root-role "$(trust host.iamd.local)" && pass "role and profile root-role" || fail "root-role"
assoc root-role '{"Uid":0}' && pass "associated with uid 0" || fail "assoc uid 0"

# --- the calling process's own credentials ---
run "$IAMCTL" iamd get-credentials
is "$RC" 0 "get-credentials as uid 0"
like "$(j '["Credentials"]["AccessKeyId"]')" '^ASIA[A-Z2-7]{16,17}$' "an ASIA access key"
like "$(j '["Credentials"]["SessionToken"]')" '.{40,}' "a session token"
[ -n "$(j '["Credentials"]["SecretAccessKey"]')" ] && pass "a secret" || fail "a secret"
is "$(j '["AssumedRoleUser"]["Arn"]')" "arn:aws:sts::$A:assumed-role/root-role/uid-0" \
	"the assumed-role ARN, session named uid-0"
EXP=$(j '["Credentials"]["Expiration"]')
left=$(python3 -c "import datetime,sys;print(int(datetime.datetime.fromisoformat('$EXP').timestamp())-int(__import__('time').time()))")
[ "$left" -gt 3500 ] && [ "$left" -le 3600 ] && pass "Expiration in the role's MaxSessionDuration (3600 s)" ||
	fail "Expiration in 3600 s (got $left)"

# the credentials act as the role
AK=$(j '["Credentials"]["AccessKeyId"]'); SK=$(j '["Credentials"]["SecretAccessKey"]')
ST=$(j '["Credentials"]["SessionToken"]')
run env AWS_ACCESS_KEY_ID="$AK" AWS_SECRET_ACCESS_KEY="$SK" AWS_SESSION_TOKEN="$ST" \
	"$IAMCTL" sts get-caller-identity
is "$RC" 0 "get-caller-identity with them"
is "$(j '["Arn"]')" "arn:aws:sts::$A:assumed-role/root-role/uid-0" "they act as the assumed role"

# --- iamctl credential-process ---
run "$IAMCTL" credential-process
is "$RC" 0 "iamctl credential-process"
is "$(j '["Version"]')" "1" "credential_process Version 1"
like "$(j '["AccessKeyId"]')" '^ASIA' "AccessKeyId"
[ -n "$(j '["SecretAccessKey"]')" ] && [ -n "$(j '["SessionToken"]')" ] &&
	pass "SecretAccessKey and SessionToken" || fail "SecretAccessKey and SessionToken"
like "$(j '["Expiration"]')" '^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z$' \
	"Expiration in ISO 8601 UTC"

# --- the AWS CLI with credential_process, through iam-gateway ---
if [ -x /usr/bin/aws ] && [ -x "$IAMD_GATEWAY" ] && gateway_start --timeout 3; then
	printf '[profile host]\ncredential_process = %s credential-process\nregion = us-east-1\n' \
		"$IAMCTL" >"$TMP/aws-config"
	run env AWS_CONFIG_FILE="$TMP/aws-config" AWS_SHARED_CREDENTIALS_FILE="$TMP/none" \
		AWS_EC2_METADATA_DISABLED=true AWS_PAGER= /usr/bin/aws --profile host \
		--endpoint-url "$IAMD_GATEWAY_URL" --output json sts get-caller-identity
	is "$RC" 0 "aws sts get-caller-identity with credential_process"
	is "$(j '["Arn"]')" "arn:aws:sts::$A:assumed-role/root-role/uid-0" \
		"the AWS CLI acts as the assumed role"
else
	skip "the AWS CLI" "no /usr/bin/aws or no iam-gateway" 
	skip "the AWS CLI's identity" "no /usr/bin/aws or no iam-gateway"
fi

# --- libiam: iam_credentials_get()'s cache (credcache_check) ---
CCHK="$top_builddir/tests/integration/credcache_check"
rm -f "$TMP/ctl"
mkfifo "$TMP/ctl"
"$CCHK" <"$TMP/ctl" >"$TMP/cc.out" 2>"$TMP/cc.err" &
CCP=$!
exec 3>"$TMP/ctl"
waitfor() {
	for _ in $(seq 1200); do
		grep -q "^$1" "$TMP/cc.out" && return 0
		kill -0 "$CCP" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
if waitfor pause-stop; then iamd_stop; fi
echo go >&3
if waitfor pause-start; then iamd_start --debug || bail_out "iamd did not restart"; fi
echo go >&3
exec 3>&-
wait "$CCP"
is "$?" 0 "credcache_check ran (stderr: $(head -c 300 "$TMP/cc.err"))"
v() { sed -n "s/^$1 //p" "$TMP/cc.out"; }
is "$(v first_role)" "arn:aws:sts::$A:assumed-role/root-role/uid-0" "iam_credentials_get: the role"
is "$(v cached)" "same" "a second call is answered from the cache"
diag "libiam cached iam_credentials_get + free: $(v cached_ns) ns"
diag "GetCredentials uncached through libiam, iamd and iam-keyd (400 calls): $(v uncached_us) us"
is "$(v threads)" "ok" "4 threads x 50,000 calls: the same credentials"
is "$(v refresh)" "new" "refreshed ahead of expiry (200 s before, on an injected clock)"
is "$(v after_refresh)" "cached" "the refreshed credentials are cached"
is "$(v iamd_down_valid)" "old" "iamd down, refresh due: the old credentials while they last"
is "$(v iamd_down_expiring)" "refused" "iamd down, 30 s left: never handed out"
is "$(v reconnected)" "new" "iamd restarted: the cache reconnects and refreshes"
is "$(v fork_child)" "new" \
	"a fork's child whose parent (the connecting process) is gone gets credentials of its own"

if ! can_switch_uid; then
	skip "other uids" "not root or no setpriv"
	done_testing
fi

# --- two uids, two roles; an unassociated uid is refused ---
role_profile web "$(trust host.iamd.local)" >/dev/null
role_profile batch "$(trust ec2.amazonaws.com)" >/dev/null
assoc web '{"Uid":1001}'
assoc batch '{"Uid":1002}'
as_uid 1001 "$IAMCTL" iamd get-credentials
is "$RC" 0 "uid 1001 gets credentials"
is "$(j '["AssumedRoleUser"]["Arn"]')" "arn:aws:sts::$A:assumed-role/web/uid-1001" "uid 1001 gets web"
as_uid 1002 "$IAMCTL" iamd get-credentials
is "$RC" 0 "uid 1002 gets credentials (a role trusting ec2.amazonaws.com)"
is "$(j '["AssumedRoleUser"]["Arn"]')" "arn:aws:sts::$A:assumed-role/batch/uid-1002" "uid 1002 gets batch"
as_uid 1003 "$IAMCTL" iamd get-credentials
is "$RC" 254 "uid 1003 is refused"
like "$ERR" 'AccessDenied.*uid 1003.*no instance profile is associated' "with a clear message"

# --- specificity: uid over gid over host ---
role_profile by-gid "$(trust host.iamd.local)" >/dev/null
role_profile by-host "$(trust host.iamd.local)" >/dev/null
assoc by-gid '{"Gid":1004}'
assoc by-host '{"Host":true}'
run setpriv --reuid=1004 --regid=1004 --clear-groups -- "$IAMCTL" iamd get-credentials
is "$(j '["AssumedRoleUser"]["Arn"]')" "arn:aws:sts::$A:assumed-role/by-gid/uid-1004" "a gid association"
as_uid 1003 "$IAMCTL" iamd get-credentials
is "$(j '["AssumedRoleUser"]["Arn"]')" "arn:aws:sts::$A:assumed-role/by-host/uid-1003" \
	"the host association when nothing more specific matches"
run setpriv --reuid=1001 --regid=1004 --clear-groups -- "$IAMCTL" iamd get-credentials
is "$(j '["AssumedRoleUser"]["Arn"]')" "arn:aws:sts::$A:assumed-role/web/uid-1001" "uid wins over gid"

# --- trust conditions on iamd:Uid and iamd:ExePath ---
role_profile only-1005 "$(trust host.iamd.local '{"StringEquals":{"iamd:Uid":"1005"}}')" >/dev/null
assoc only-1005 '{"Uid":1006}'
as_uid 1006 "$IAMCTL" iamd get-credentials
is "$RC" 254 "a trust condition on iamd:Uid refuses another uid"
like "$ERR" 'AccessDenied.*not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::'"$A"':role/only-1005' \
	"AccessDenied names the role"
# iamctl may be libtool's wrapper of .libs/lt-iamctl: the process is a *iamctl
role_profile exe-ok "$(trust host.iamd.local '{"StringLike":{"iamd:ExePath":"/*iamctl"}}')" >/dev/null
role_profile exe-no "$(trust host.iamd.local '{"StringEquals":{"iamd:ExePath":"/usr/bin/other"}}')" >/dev/null
assoc exe-ok '{"Uid":1007}'
assoc exe-no '{"Uid":1008}'
as_uid 1007 "$IAMCTL" iamd get-credentials
is "$RC" 0 "iamd:ExePath matching the caller's executable: allowed"
as_uid 1008 "$IAMCTL" iamd get-credentials
is "$RC" 254 "iamd:ExePath of another executable: refused"
# a process that execs another program over its connection keeps the
# identity read at its first call there (iamd:ExePath included,
# docs/host-roles.md "Kept with the connection"); the new program asking on
# a connection of its own is read anew
role_profile exe-pr "$(trust host.iamd.local '{"StringLike":{"iamd:ExePath":"/*peer_reuse"}}')" >/dev/null
assoc exe-pr '{"Uid":1010}'
cat >"$TMP/rawask.py" <<'PY'
import os, struct, sys
fd = int(sys.argv[1])
os.set_blocking(fd, True)
# a Request frame {id 7, GetCredentials (op 933) {}}
os.write(fd, bytes.fromhex("00000005" "0807" "aa3a00"))
def take(n):
    b = b""
    while len(b) < n:
        k = os.read(fd, n - len(b))
        if not k:
            sys.exit("connection closed")
        b += k
    return b
body = take(struct.unpack(">I", take(4))[0])
print("exec'd arn" if b"assumed-role/exe-pr/" in body else
      "exec'd refused" if b"AccessDenied" in body else "exec'd other")
PY
chmod 0644 "$TMP/rawask.py"
as_uid 1010 "$top_builddir/tests/integration/peer_reuse" exec-ask python3 "$TMP/rawask.py"
is "$(printf '%s\n' "$OUT" | sed -n 1p)" "arn arn:aws:sts::$A:assumed-role/exe-pr/uid-1010" \
	"iamd:ExePath of the process's own executable: allowed ($ERR)"
is "$(printf '%s\n' "$OUT" | sed -n 2p)" "exec'd arn" \
	"after it exec'd python3, its connection still has the executable read first"
as_uid 1010 "$IAMCTL" iamd get-credentials
is "$RC" 254 "another executable of that uid on a connection of its own: refused"
role_profile nobody "$(printf '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:root"},"Action":"sts:AssumeRole"}]}' "$A")" >/dev/null
assoc nobody '{"Uid":1009}'
as_uid 1009 "$IAMCTL" iamd get-credentials
is "$RC" 254 "a role that trusts no host principal is refused"

# --- a unit selector (needs a running systemd) ---
if [ -d /run/systemd/system ] && systemd-run --scope --unit=iamd-hr-probe true >/dev/null 2>&1; then
	role_profile unit-role "$(trust host.iamd.local '{"StringLike":{"iamd:SystemdUnit":"iamd-hr-*.scope"}}')" >/dev/null
	assoc unit-role '{"SystemdUnit":"iamd-hr-*.scope"}'
	run systemd-run --scope --quiet --unit="iamd-hr-$$" "$IAMCTL" iamd get-credentials
	is "$(j '["AssumedRoleUser"]["Arn"]')" "arn:aws:sts::$A:assumed-role/unit-role/unit-iamd-hr-$$.scope" \
		"a unit's process gets the unit's role (over its uid's)"
else
	skip "unit selector" "no running systemd here"
fi

done_testing
