#!/bin/sh
# hostroles_conditions: trust-policy conditions on the caller's identity
# keys, as an operator would write them for iamd:GetCredentials: numeric
# operators on iamd:Uid and iamd:Gid (quoted or bare numbers),
# StringNotEquals, StringLike on iamd:ExePath, the ...IfExists and Null
# operators on a key the caller lacks (iamd:SystemdUnit outside a unit),
# ForAnyValue over a set, condition key names in any case, global keys
# (aws:CurrentTime, aws:MultiFactorAuthPresent), and an explicit Deny
# beside an Allow. One role per uid, its trust policy changed between the
# checks (a change applies to the next call).
. "$top_srcdir/tests/integration/lib.sh"

[ -x "$IAMD_KEYD" ] || skip_all "iam-keyd is not built"
command -v python3 >/dev/null || skip_all "python3 is needed"
can_switch_uid || skip_all "needs root and setpriv to run a caller under another uid"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE
export HOME="$TMP/home"
mkdir -p "$HOME"

keyd_start || bail_out "iam-keyd did not start"
iamd_start || bail_out "iamd did not start"

OTHER=1234
for u in 0 $OTHER; do
	"$IAMCTL" iam create-role --role-name "host-$u" --assume-role-policy-document \
		'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"host.iamd.local"},"Action":"sts:AssumeRole"}]}' >/dev/null &&
	"$IAMCTL" iam create-instance-profile --instance-profile-name "host-$u" >/dev/null &&
	"$IAMCTL" iam add-role-to-instance-profile --instance-profile-name "host-$u" --role-name "host-$u" &&
	"$IAMCTL" iamd associate-instance-profile --instance-profile-name "host-$u" \
		--selector "{\"Uid\":$u}" >/dev/null ||
		bail_out "cannot set up role host-$u"
done
pass "a role for uid 0 and one for uid $OTHER"

# trusts UID CONDITION-JSON [DENY-CONDITION-JSON]: role host-UID's trust
# policy: Allow host.iamd.local under CONDITION (and Deny under DENY)
trusts() {
	_deny=
	[ -n "${3:-}" ] && _deny=",{\"Effect\":\"Deny\",\"Principal\":{\"Service\":\"host.iamd.local\"},\"Action\":\"sts:AssumeRole\",\"Condition\":$3}"
	"$IAMCTL" iam update-assume-role-policy --role-name "host-$1" --policy-document \
		"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"host.iamd.local\"},\"Action\":\"sts:AssumeRole\",\"Condition\":$2}$_deny]}"
}
# creds UID: iamd:GetCredentials as a process of UID
creds() {
	if [ "$1" = 0 ]; then
		run "$IAMCTL" iamd get-credentials
	else
		run setpriv --reuid="$1" --regid="$1" --clear-groups -- "$IAMCTL" iamd get-credentials
	fi
}
# allowed UID CONDITION LABEL / denied UID CONDITION LABEL
allowed() {
	trusts "$1" "$2" || { fail "$3: the trust policy was refused"; return; }
	creds "$1"
	if [ "$RC" = 0 ] && printf '%s' "$OUT" | grep -q "assumed-role/host-$1/uid-$1"; then
		pass "$3: allowed"
	else
		fail "$3: allowed (rc $RC: $ERR)"
	fi
}
denied() {
	trusts "$1" "$2" "${4:-}" || { fail "$3: the trust policy was refused"; return; }
	creds "$1"
	is "$RC" 254 "$3: denied"
	like "$ERR" "AccessDenied.*uid $1.*role/host-$1" "$3: AccessDenied naming the caller and the role"
}

allowed 0 '{"NumericEquals":{"iamd:Uid":"0"}}' "NumericEquals iamd:Uid \"0\" as uid 0"
allowed 0 '{"NumericEquals":{"iamd:Uid":0}}' "NumericEquals iamd:Uid 0 (a bare number)"
allowed 0 '{"NumericLessThan":{"iamd:Uid":"1000"}}' "NumericLessThan 1000 as uid 0"
denied $OTHER '{"NumericLessThan":{"iamd:Uid":"1000"}}' "NumericLessThan 1000 as uid $OTHER"
allowed $OTHER '{"NumericGreaterThanEquals":{"iamd:Uid":"1000"}}' "NumericGreaterThanEquals 1000 as uid $OTHER"
allowed $OTHER "{\"NumericEquals\":{\"iamd:Gid\":\"$OTHER\"}}" "NumericEquals iamd:Gid as gid $OTHER"
denied $OTHER '{"NumericEquals":{"iamd:Gid":"0"}}' "NumericEquals iamd:Gid 0 as gid $OTHER"
allowed $OTHER '{"StringNotEquals":{"iamd:Uid":"0"}}' "StringNotEquals iamd:Uid 0 as uid $OTHER"
denied 0 '{"StringNotEquals":{"iamd:Uid":"0"}}' "StringNotEquals iamd:Uid 0 as uid 0"
allowed 0 '{"StringLike":{"iamd:ExePath":"*/iamctl"}}' "StringLike iamd:ExePath */iamctl"
denied 0 '{"StringLike":{"iamd:ExePath":"/nonexistent/*"}}' "StringLike iamd:ExePath /nonexistent/*"
if [ -z "$(cat /proc/self/cgroup 2>/dev/null | sed -n 's|^0::/.*\.service$|x|p')" ]; then
	allowed 0 '{"StringEqualsIfExists":{"iamd:SystemdUnit":"nothing-here.service"}}' \
		"StringEqualsIfExists iamd:SystemdUnit, outside any unit"
	allowed 0 '{"Null":{"iamd:SystemdUnit":"true"}}' "Null iamd:SystemdUnit true, outside any unit"
	denied 0 '{"StringEquals":{"iamd:SystemdUnit":"nothing-here.service"}}' \
		"StringEquals iamd:SystemdUnit, outside any unit"
else
	skip "iamd:SystemdUnit absent" "this test runs inside a systemd service"
fi
allowed 0 '{"Null":{"iamd:Uid":"false"}}' "Null iamd:Uid false"
allowed 0 '{"ForAnyValue:StringEquals":{"iamd:Uid":["5","0"]}}' "ForAnyValue:StringEquals over a set"
allowed 0 '{"StringEquals":{"IAMD:uid":"0"}}' "condition key names in any case"
allowed 0 '{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}' "aws:CurrentTime"
denied 0 '{"Bool":{"aws:MultiFactorAuthPresent":"true"}}' "Bool aws:MultiFactorAuthPresent true"
allowed 0 '{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}' "BoolIfExists aws:MultiFactorAuthPresent false"
denied 0 '{"NumericLessThan":{"iamd:Uid":"1000"}}' "an explicit Deny beside an Allow" \
	'{"StringLike":{"iamd:ExePath":"*"}}'

ok "iamd stops" iamd_stop
ok "iam-keyd stops" keyd_stop
done_testing
