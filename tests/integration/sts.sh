#!/bin/sh
# sts.sh: STS end to end (docs/sts.md) with iam-keyd and iamd running:
# AssumeRole (shapes, ids, ARNs, expiration arithmetic, trust policy with
# the caller as principal, same-account identity side, root refused,
# ExternalId, DurationSeconds bounds, MaxSessionDuration, role chaining and
# its one hour, RoleSessionName rules, session policies (Policy and
# PolicyArns) narrowing the role, PackedPolicyTooLarge, MalformedPolicyDocument,
# session tags over the role's tags, TransitiveTagKeys, sts:TagSession,
# SourceIdentity and sts:SetSourceIdentity, fixed in a chain), calls made
# with the temporary credentials authorized by the role's policies, AWS's
# "revoke older sessions" policy (aws:TokenIssueTime), RoleLastUsed;
# GetSessionToken (durations, acts as the user, no IAM without MFA, not from
# a session, root); GetCallerIdentity for every kind of caller;
# GetAccessKeyInfo; DecodeAuthorizationMessage (Authorize's encoded
# denials); tampered, truncated, expired and other-master-key tokens.
. "$top_srcdir/tests/integration/lib.sh"
# this file checks iamd's own validation: iamctl sends the parameters as
# given, without the AWS CLI's client-side checks (iamctl_validate.sh)
IAMCTL_SKIP_CLIENT_VALIDATION=1
export IAMCTL_SKIP_CLIENT_VALIDATION

RAW="$top_builddir/tests/sigv4/sigv4_rawcall"
MINT="$top_builddir/tests/integration/sts_mint"
[ -x "$IAMD_KEYD" ] || skip_all "iam-keyd is not built"
[ -x "$RAW" ] && [ -x "$MINT" ] || bail_out "sigv4_rawcall or sts_mint is not built"
command -v python3 >/dev/null || skip_all "python3 is needed"

unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE
export HOME="$TMP/home"
mkdir -p "$HOME"
IAMD_ACCOUNT_ID=111111111111
A=$IAMD_ACCOUNT_ID

keyd_start || bail_out "iam-keyd did not start"
iamd_start --debug || bail_out "iamd did not start"

# --- helpers ----------------------------------------------------------------

# JSON of $OUT at a Python subscript
j() { printf '%s' "$OUT" | json_get "$1"; }

# as USER CMD...: signed with USER's access key
as() {
	_u=$1
	shift
	eval "AWS_ACCESS_KEY_ID=\$${_u}_AK AWS_SECRET_ACCESS_KEY=\$${_u}_SK \"\$@\""
}
# take NAME: the credentials of the AssumeRole/GetSessionToken answer in
# $OUT as NAME_AK, NAME_SK, NAME_TK
take() {
	eval "${1}_AK=\$(j '[\"Credentials\"][\"AccessKeyId\"]')"
	eval "${1}_SK=\$(j '[\"Credentials\"][\"SecretAccessKey\"]')"
	eval "${1}_TK=\$(j '[\"Credentials\"][\"SessionToken\"]')"
}
# sess NAME CMD...: signed with the session NAME
sess() {
	_s=$1
	shift
	eval "AWS_ACCESS_KEY_ID=\$${_s}_AK AWS_SECRET_ACCESS_KEY=\$${_s}_SK AWS_SESSION_TOKEN=\$${_s}_TK \"\$@\""
}
trust() {   # a trust policy: principal JSON, actions JSON[, condition JSON]
	printf '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":%s,"Action":%s%s}]}' \
		"$1" "$2" "${3:+,\"Condition\":$3}"
}
allow() {   # an identity policy: actions JSON, resource JSON[, condition]
	printf '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":%s,"Resource":%s%s}]}' \
		"$1" "$2" "${3:+,\"Condition\":$3}"
}
# secs_until ISO: seconds from now to an ISO 8601 time
secs_until() {
	python3 -c 'import sys,datetime,time
t=datetime.datetime.fromisoformat(sys.argv[1]); print(int(t.timestamp()-time.time()))' "$1"
}
near() {   # near GOT WANT SLACK NAME
	if [ "$1" -ge $(($2 - $3)) ] && [ "$1" -le $(($2 + $3)) ]; then pass "$4"
	else fail "$4"; diag "got $1, want $2 +- $3"; fi
}

run "$IAMCTL" iam create-user --user-name alice
ALICE_ARN=$(j '["User"]["Arn"]')
ALICE_ID=$(j '["User"]["UserId"]')
run "$IAMCTL" iam create-user --user-name bob
user_key alice
user_key bob
like "$alice_AK" '^AKIA' "alice has an access key"

mkrole() {   # mkrole NAME TRUST [more create-role options]
	_n=$1
	_t=$2
	shift 2
	run "$IAMCTL" iam create-role --role-name "$_n" --assume-role-policy-document "$_t" "$@"
	[ "$RC" = 0 ] || diag "create-role $_n: $ERR"
	eval "${_n}_ID=\$(j '[\"Role\"][\"RoleId\"]')"
}
mkrole r1 "$(trust "{\"AWS\":\"$ALICE_ARN\"}" '"sts:AssumeRole"')"
mkrole r2 "$(trust "{\"AWS\":\"arn:aws:iam::$A:root\"}" '"sts:AssumeRole"')"
mkrole r3 "$(trust "{\"AWS\":\"$ALICE_ARN\"}" '"sts:AssumeRole"' '{"StringEquals":{"sts:ExternalId":"xyz-42"}}')"
mkrole rmax "$(trust "{\"AWS\":\"$ALICE_ARN\"}" '"sts:AssumeRole"')" --max-session-duration 7200
mkrole r4 "$(trust "{\"AWS\":\"arn:aws:iam::$A:role/r1\"}" '"sts:AssumeRole"')"
mkrole r5 "$(trust "{\"AWS\":\"$ALICE_ARN\"}" '["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"]')" \
	--tags Key=team,Value=red
mkrole r6 "$(trust "{\"AWS\":\"arn:aws:iam::$A:role/r5\"}" '["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"]')"

# --- AssumeRole: the answer ---------------------------------------------------

run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r1" --role-session-name s1
is "$RC" 254 "the account root may not assume a role"
like "$ERR" 'AccessDenied\) when calling the AssumeRole operation: Roles may not be assumed by root accounts\.' \
	"with AWS's words"

as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r1" --role-session-name s1
is "$RC" 0 "alice assumes r1: its trust policy names her (no identity policy needed)"
take S1
like "$S1_AK" '^ASIA[A-Z2-7]{16}$' "AccessKeyId: ASIA and 16 base32 characters, 20 in all as AWS"
is "${#S1_SK}" 40 "SecretAccessKey: 40 characters"
like "$S1_TK" '^[A-Za-z0-9+/=]{100,}$' "SessionToken: base64 from keyd"
near "$(secs_until "$(j '["Credentials"]["Expiration"]')")" 3600 30 "Expiration: one hour by default"
is "$(j '["AssumedRoleUser"]["Arn"]')" "arn:aws:sts::$A:assumed-role/r1/s1" "AssumedRoleUser.Arn"
is "$(j '["AssumedRoleUser"]["AssumedRoleId"]')" "$r1_ID:s1" "AssumedRoleUser.AssumedRoleId: ROLEID:SESSION"
like "$r1_ID" '^AROA[A-Z2-7]{17}$' "the role id is AROA..."
unlike "$OUT" 'PackedPolicySize' "no PackedPolicySize without session policies or tags"

sess S1 run "$IAMCTL" sts get-caller-identity
is "$RC" 0 "GetCallerIdentity with the temporary credentials"
is "$(j '["Arn"]')" "arn:aws:sts::$A:assumed-role/r1/s1" "is the assumed-role session"
is "$(j '["UserId"]')" "$r1_ID:s1" "UserId AROA...:s1"
is "$(j '["Account"]')" "$A" "Account"
like "$(grep 'AssumeRole: ' "$IAMD_LOG" | tail -n 1)" "AssumeRole: $S1_AK issued to $ALICE_ARN for arn:aws:iam::$A:role/r1" \
	"iamd logs the issue (key id, not secret)"
if grep -q -- "$S1_SK" "$IAMD_LOG" "$IAMD_KEYD_LOG" || grep -q -- "$S1_TK" "$IAMD_LOG"; then
	fail "no secret or token in the logs"
else
	pass "no secret or token in the logs"
fi
run "$IAMCTL" iam get-role --role-name r1
like "$(j '["Role"]["RoleLastUsed"]["LastUsedDate"]')" '^20[0-9]{2}-' "AssumeRole records RoleLastUsed"

sess S1 run "$IAMCTL" iam list-users
is "$RC" 254 "the session may do nothing r1's policies do not allow"
like "$ERR" "User: arn:aws:sts::$A:assumed-role/r1/s1 is not authorized to perform: iam:ListUsers" \
	"AccessDenied names the session"
run "$IAMCTL" iam put-role-policy --role-name r1 --policy-name read \
	--policy-document "$(allow '["iam:ListUsers","iam:GetUser","iam:ListRoles"]' '"*"')"
sess S1 run "$IAMCTL" iam list-users
is "$RC" 0 "a call with the temporary credentials is authorized by the role's policies"
like "$OUT" '"UserName": "alice"' "and answered"

# --- the trust policy and the identity side -----------------------------------

as bob run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r1" --role-session-name s1
is "$RC" 254 "bob may not: r1's trust policy names alice only"
like "$ERR" "AccessDenied.*User: arn:aws:iam::$A:user/bob is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::$A:role/r1" \
	"AccessDenied as AWS words it"
run "$IAMCTL" iam put-user-policy --user-name bob --policy-name assume \
	--policy-document "$(allow '"sts:AssumeRole"' '"*"')"
as bob run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r1" --role-session-name s1
is "$RC" 254 "bob's own policy allowing sts:AssumeRole on * does not stand in for the trust policy"
as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/nope" --role-session-name s1
like "$ERR" 'AccessDenied' "a role that does not exist: AccessDenied (as AWS, no NoSuchEntity)"

as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r2" --role-session-name s2
is "$RC" 254 "r2 trusts the account: alice needs an identity policy too"
run "$IAMCTL" iam put-user-policy --user-name alice --policy-name assume-r2 \
	--policy-document "$(allow '"sts:AssumeRole"' "\"arn:aws:iam::$A:role/r2\"")"
as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r2" --role-session-name s2
is "$RC" 0 "with one allowing sts:AssumeRole on r2 she may"
as bob run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r2" --role-session-name s2
is "$RC" 0 "and so may bob (his sts:AssumeRole on *)"

# --- ExternalId ----------------------------------------------------------------

as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r3" --role-session-name ex
like "$ERR" 'AccessDenied' "r3 wants sts:ExternalId: missing, AccessDenied"
as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r3" --role-session-name ex --external-id wrong-1
like "$ERR" 'AccessDenied' "a wrong ExternalId: AccessDenied"
as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r3" --role-session-name ex --external-id xyz-42
is "$RC" 0 "the right ExternalId: assumed"
as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r3" --role-session-name ex --external-id x
like "$ERR" "ValidationError.*Value 'x' at 'externalId' failed to satisfy constraint: Member must have length greater than or equal to 2" \
	"ExternalId of one character: ValidationError"
as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r3" --role-session-name ex --external-id 'a b'
like "$ERR" 'ValidationError.*externalId.*regular expression pattern' "ExternalId with a space: ValidationError"

# --- DurationSeconds -------------------------------------------------------------

for d in 899 43201; do
	as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r1" --role-session-name du --duration-seconds $d
	like "$ERR" "ValidationError.*Value '$d' at 'durationSeconds'" "DurationSeconds $d: ValidationError"
done
as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r1" --role-session-name du --duration-seconds 900
near "$(secs_until "$(j '["Credentials"]["Expiration"]')")" 900 30 "DurationSeconds 900: fifteen minutes"
as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r1" --role-session-name du --duration-seconds 3601
like "$ERR" 'ValidationError.*The requested DurationSeconds exceeds the MaxSessionDuration set for this role\.' \
	"above the role's MaxSessionDuration (3600): ValidationError"
as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/rmax" --role-session-name du --duration-seconds 7200
near "$(secs_until "$(j '["Credentials"]["Expiration"]')")" 7200 30 "rmax (MaxSessionDuration 7200): two hours"

# --- RoleSessionName -------------------------------------------------------------

for n in a 'bad name' "$(printf '%065d' 0)"; do
	as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r1" --role-session-name "$n"
	like "$ERR" "ValidationError.*at 'roleSessionName'" "RoleSessionName '$n' refused"
done
as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r1" --role-session-name 'a+b=c,d.e@f-g_h'
is "$RC" 0 "RoleSessionName with every allowed sign"
as alice run "$IAMCTL" sts assume-role --role-arn "not-an-arn-at-all-really" --role-session-name x1
like "$ERR" 'ValidationError' "a RoleArn that is no role ARN: ValidationError"

# --- chaining ----------------------------------------------------------------------

sess S1 run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r4" --role-session-name c1
is "$RC" 0 "r1's session assumes r4 (its trust policy names r1): a chain"
near "$(secs_until "$(j '["Credentials"]["Expiration"]')")" 3600 30 "one hour by default"
take C1
sess C1 run "$IAMCTL" sts get-caller-identity
is "$(j '["Arn"]')" "arn:aws:sts::$A:assumed-role/r4/c1" "the chained session is r4's"
sess S1 run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r4" --role-session-name c1 --duration-seconds 3601
like "$ERR" 'ValidationError.*The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining\.' \
	"a chain is limited to one hour"
run "$IAMCTL" iam update-role --role-name r4 --max-session-duration 7200
sess S1 run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r4" --role-session-name c1 --duration-seconds 7200
like "$ERR" '1 hour session limit' "even when the role allows longer"

# a role changed between two AssumeRoles is read anew (iamd keeps roles it
# read while nothing was written)
as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r1" --role-session-name m1 --duration-seconds 7200
like "$ERR" 'MaxSessionDuration' "r1 (MaxSessionDuration 3600): 7200 s refused"
run "$IAMCTL" iam update-role --role-name r1 --max-session-duration 7200
as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r1" --role-session-name m1 --duration-seconds 7200
is "$RC" 0 "once r1 allows two hours, the next AssumeRole sees it"
run "$IAMCTL" iam update-role --role-name r1 --max-session-duration 3600
as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r1" --role-session-name m1 --duration-seconds 7200
like "$ERR" 'MaxSessionDuration' "and back at one hour, refused again"

# --- session policies ----------------------------------------------------------------

as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r1" --role-session-name p1 \
	--policy "$(allow '"iam:GetUser"' '"*"')"
is "$RC" 0 "assumed with a session policy allowing iam:GetUser only"
like "$(j '["PackedPolicySize"]')" '^[0-9]+$' "PackedPolicySize is answered"
take P1
sess P1 run "$IAMCTL" iam get-user --user-name alice
is "$RC" 0 "GetUser: allowed by the role and the session policy"
sess P1 run "$IAMCTL" iam list-users
is "$RC" 254 "ListUsers: allowed by the role, not by the session policy: denied"
like "$ERR" 'because no session policy allows the iam:ListUsers action' "AccessDenied names the session policy"
run "$IAMCTL" iam create-policy --policy-name list-roles --policy-document "$(allow '"iam:ListRoles"' '"*"')"
LR_ARN=$(j '["Policy"]["Arn"]')
as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r1" --role-session-name p2 \
	--policy-arns "arn=$LR_ARN"
is "$RC" 0 "assumed with a managed session policy (PolicyArns, arn= as the AWS CLI spells it)"
take P2
sess P2 run "$IAMCTL" iam list-roles
is "$RC" 0 "ListRoles: allowed by the role and the managed session policy"
sess P2 run "$IAMCTL" iam get-user --user-name alice
is "$RC" 254 "GetUser: not in the managed session policy: denied"
as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r1" --role-session-name p3 \
	--policy-arns "Arn=$LR_ARN" --policy "$(allow '"iam:GetUser"' '"*"')"
take P3
sess P3 run "$IAMCTL" iam get-user --user-name alice
is "$RC" 0 "inline and managed session policies: a union (GetUser)"
sess P3 run "$IAMCTL" iam list-roles
is "$RC" 0 "(ListRoles)"
sess P3 run "$IAMCTL" iam list-users
is "$RC" 254 "but never beyond them (ListUsers)"
as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r1" --role-session-name p4 \
	--policy "$(allow '"iam:CreateUser"' '"*"')"
take P4
sess P4 run "$IAMCTL" iam create-user --user-name mallory
is "$RC" 254 "a session policy grants nothing the role does not allow"
as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r1" --role-session-name p5 --policy '{"Version":"2012-10-17","Statement":[{"Effect":"Allow"'
like "$ERR" 'MalformedPolicyDocument' "a malformed session policy: MalformedPolicyDocument"
as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r1" --role-session-name p5 \
	--policy "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"$(printf '%02100d' 0)\",\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}]}"
like "$ERR" "ValidationError.*at 'policy' failed to satisfy constraint: Member must have length less than or equal to 2048" \
	"a session policy over 2048 characters: ValidationError"

TAGS=$(python3 -c 'import json; print(json.dumps([{"Key":"k%03d%s"%(i,"x"*120),"Value":"v"*256} for i in range(50)]))')
as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r5" --role-session-name big --tags "$TAGS"
like "$ERR" 'PackedPolicyTooLarge.*Packed policy consumes [0-9]+% of allotted space, please use smaller policy\.' \
	"50 tags of full size: PackedPolicyTooLarge"

# --- session tags -------------------------------------------------------------------

run "$IAMCTL" iam put-role-policy --role-name r5 --policy-name blue \
	--policy-document "$(allow '"iam:ListUsers"' '"*"' '{"StringEquals":{"aws:PrincipalTag/team":"blue"}}')"
as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r5" --role-session-name t0
take T0
sess T0 run "$IAMCTL" iam list-users
is "$RC" 254 "r5's own tag team=red: its team=blue policy denies"
as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r5" --role-session-name t1 \
	--tags Key=team,Value=blue Key=proj,Value=x --transitive-tag-keys team
is "$RC" 0 "assumed with session tags (r5 allows sts:TagSession)"
like "$(j '["PackedPolicySize"]')" '^[1-9][0-9]*$' "tags take packed room"
take T1
sess T1 run "$IAMCTL" iam list-users
is "$RC" 0 "the session tag team=blue wins over the role's team=red (aws:PrincipalTag)"
as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r1" --role-session-name t2 --tags Key=team,Value=blue
like "$ERR" "AccessDenied.*sts:TagSession on resource: arn:aws:iam::$A:role/r1" \
	"r1's trust policy does not allow sts:TagSession: AccessDenied"
as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r5" --role-session-name t3 \
	--tags Key=team,Value=blue --transitive-tag-keys other
like "$ERR" 'InvalidParameterValue.*The specified transitive tag key must be included in the requested tags\.' \
	"a transitive key that is not a tag: InvalidParameterValue"
as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r5" --role-session-name t4 \
	--tags Key=team,Value=a Key=TEAM,Value=b
like "$ERR" 'Duplicate tag keys found' "tag keys equal but for case: refused"
TAGS51=$(python3 -c 'import json; print(json.dumps([{"Key":"k%d"%i,"Value":"v"} for i in range(51)]))')
as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r5" --role-session-name t5 --tags "$TAGS51"
like "$ERR" "ValidationError.*at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50" \
	"51 tags: ValidationError"
as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r5" --role-session-name t6 --tags 'Key=bad*key,Value=v'
like "$ERR" "ValidationError.*tags.1.member.key" "a tag key with a '*': ValidationError"
# the transitive tag goes down the chain and may not be set again
run "$IAMCTL" iam put-role-policy --role-name r5 --policy-name chain \
	--policy-document "$(allow '"sts:AssumeRole"' '"*"')"
run "$IAMCTL" iam put-role-policy --role-name r6 --policy-name blue \
	--policy-document "$(allow '"iam:ListUsers"' '"*"' '{"StringEquals":{"aws:PrincipalTag/team":"blue"}}')"
sess T1 run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r6" --role-session-name t7
is "$RC" 0 "r5's tagged session assumes r6"
take T7
sess T7 run "$IAMCTL" iam list-users
is "$RC" 0 "the transitive tag team=blue came along (r6 allows team=blue)"
sess T1 run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r6" --role-session-name t8 --tags Key=team,Value=red
like "$ERR" 'InvalidParameterValue.*conflicts with a transitive tag key' \
	"a chain may not set an incoming transitive tag again"

# --- SourceIdentity -------------------------------------------------------------------

as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r5" --role-session-name si --source-identity alice-src
is "$RC" 0 "assumed with a SourceIdentity (r5 allows sts:SetSourceIdentity)"
is "$(j '["SourceIdentity"]')" "alice-src" "SourceIdentity answered"
take SI
as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r1" --role-session-name si --source-identity alice-src
like "$ERR" "AccessDenied.*sts:SetSourceIdentity" "r1 does not allow sts:SetSourceIdentity: AccessDenied"
as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r5" --role-session-name si --source-identity 'aws:me'
like "$ERR" "ValidationError.*Value 'aws:me' at 'sourceIdentity'" "a SourceIdentity aws:... is refused (its pattern has no ':')"
as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r5" --role-session-name si --source-identity a
like "$ERR" "ValidationError.*at 'sourceIdentity'" "a SourceIdentity of one character: ValidationError"
sess SI run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r6" --role-session-name si2 --source-identity someone-else
like "$ERR" 'InvalidParameterValue.*source identity of a role chain cannot be changed' \
	"a chain cannot change the SourceIdentity"
sess SI run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r6" --role-session-name si2
is "$(j '["SourceIdentity"]')" "alice-src" "it is inherited down the chain"
take SI2
run "$IAMCTL" iam put-role-policy --role-name r6 --policy-name src \
	--policy-document "$(allow '"iam:GetUser"' '"*"' '{"StringEquals":{"aws:SourceIdentity":"alice-src"}}')"
sess SI2 run "$IAMCTL" iam get-user --user-name bob
is "$RC" 0 "aws:SourceIdentity is in the chained session's context"

# --- revoking older sessions ------------------------------------------------------------

sess S1 run "$IAMCTL" iam list-users
is "$RC" 0 "S1 still works before the revocation"
sleep 1
REVOKE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
sleep 1
run "$IAMCTL" iam put-role-policy --role-name r1 --policy-name AWSRevokeOlderSessions --policy-document \
	"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":[\"*\"],\"Resource\":[\"*\"],\"Condition\":{\"DateLessThan\":{\"aws:TokenIssueTime\":\"$REVOKE\"}}}]}"
sess S1 run "$IAMCTL" iam list-users
is "$RC" 254 "AWS's revoke-older-sessions policy denies a session issued before it"
like "$ERR" 'with an explicit deny in an identity-based policy' "with an explicit deny"
as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r1" --role-session-name fresh
take NEW
sess NEW run "$IAMCTL" iam list-users
is "$RC" 0 "a session issued after it works"
run "$IAMCTL" iam delete-role-policy --role-name r1 --policy-name AWSRevokeOlderSessions

# --- tokens iamd must refuse --------------------------------------------------------------

BAD=$(python3 -c 'import sys; t=sys.argv[1]; i=len(t)//2; print(t[:i]+("A" if t[i]!="A" else "B")+t[i+1:])' "$S1_TK")
AWS_ACCESS_KEY_ID=$S1_AK AWS_SECRET_ACCESS_KEY=$S1_SK AWS_SESSION_TOKEN=$BAD run "$IAMCTL" sts get-caller-identity
like "$ERR" 'InvalidClientTokenId.*The security token included in the request is invalid' "a tampered token: InvalidClientTokenId"
AWS_ACCESS_KEY_ID=$S1_AK AWS_SECRET_ACCESS_KEY=$S1_SK AWS_SESSION_TOKEN=$(printf '%s' "$S1_TK" | cut -c1-60) \
	run "$IAMCTL" sts get-caller-identity
like "$ERR" 'InvalidClientTokenId' "a truncated token: InvalidClientTokenId"
AWS_ACCESS_KEY_ID=$S1_AK AWS_SECRET_ACCESS_KEY=$S1_SK AWS_SESSION_TOKEN=$T1_TK run "$IAMCTL" sts get-caller-identity
like "$ERR" 'InvalidClientTokenId' "another session's token: InvalidClientTokenId"
AWS_ACCESS_KEY_ID=$S1_AK AWS_SECRET_ACCESS_KEY=${S1_SK}x AWS_SESSION_TOKEN=$S1_TK run "$IAMCTL" sts get-caller-identity
like "$ERR" 'SignatureDoesNotMatch' "a wrong session secret: SignatureDoesNotMatch"
run "$MINT" "$IAMD_KEYD_SOCKET" "$A" "arn:aws:iam::$A:role/r1" "$r1_ID" 1000 -10
is "$RC" 0 "keyd mints a session that expired 10 s ago (sts_mint)"
set -- $OUT
run "$RAW" "$IAMD_SOCKET" "$1" "$2" 0 - "$3"
like "$OUT" '^ExpiredToken: The security token included in the request is expired' "an expired token: ExpiredToken"
run "$MINT" "$IAMD_KEYD_SOCKET" "$A" "arn:aws:iam::$A:role/r1" "$r1_ID" 10 600
set -- $OUT
run "$RAW" "$IAMD_SOCKET" "$1" "$2" 0 - "$3"
is "$OUT" "OK arn:aws:sts::$A:assumed-role/r1/expired" "(the same made valid is accepted)"
# another master key: keyd restarted with another state directory
keyd_stop
SAVED_KEYD_STATE=$IAMD_KEYD_STATE_DIR
IAMD_KEYD_STATE_DIR=$TMP/keyd-other
keyd_start || bail_out "the other iam-keyd did not start"
for _ in $(seq 50); do
	sess S1 run "$IAMCTL" sts get-caller-identity
	case "$ERR" in *ServiceUnavailable*) sleep 0.1 ;; *) break ;; esac
done
like "$ERR" 'InvalidClientTokenId' "a token of another master key: InvalidClientTokenId"
keyd_stop
IAMD_KEYD_STATE_DIR=$SAVED_KEYD_STATE
keyd_start || bail_out "iam-keyd did not restart"
for _ in $(seq 50); do
	sess S1 run "$IAMCTL" sts get-caller-identity
	[ "$RC" = 0 ] && break
	sleep 0.1
done
is "$RC" 0 "back on the first master key the session works again (keyd keeps no session state)"

# --- GetSessionToken ----------------------------------------------------------------------

as alice run "$IAMCTL" sts get-session-token
is "$RC" 0 "alice gets a session token"
near "$(secs_until "$(j '["Credentials"]["Expiration"]')")" 43200 30 "12 hours by default"
take G
like "$G_AK" '^ASIA' "an ASIA key"
for d in 899 129601; do
	as alice run "$IAMCTL" sts get-session-token --duration-seconds $d
	like "$ERR" "ValidationError.*'$d' at 'durationSeconds'" "GetSessionToken DurationSeconds $d: ValidationError"
done
as alice run "$IAMCTL" sts get-session-token --duration-seconds 129600
near "$(secs_until "$(j '["Credentials"]["Expiration"]')")" 129600 30 "36 hours at most"
sess G run "$IAMCTL" sts get-caller-identity
is "$(j '["Arn"]')" "$ALICE_ARN" "a GetSessionToken session is the user (Arn)"
is "$(j '["UserId"]')" "$ALICE_ID" "(UserId AIDA...)"
sess G run "$IAMCTL" iam get-user --user-name alice
like "$ERR" '\(InvalidClientTokenId\).*: The security token included in the request is invalid$' \
	"no IAM call without MFA: InvalidClientTokenId, as AWS's IAM answers it"
like "$(cat "$IAMD_LOG")" 'credentials from GetSessionToken cannot call IAM without MFA' \
	"iamd's log says why"
sess G run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r1" --role-session-name fromg
is "$RC" 0 "but AssumeRole works with it"
sess G run "$IAMCTL" sts get-session-token
like "$ERR" 'AccessDenied.*Cannot call GetSessionToken with session credentials' "GetSessionToken from a session: AccessDenied"
sess S1 run "$IAMCTL" sts get-session-token
like "$ERR" 'AccessDenied.*Cannot call GetSessionToken with session credentials' "(also from a role session)"
sess G run "$IAMCTL" sts get-access-key-info --access-key-id "$alice_AK"
like "$ERR" 'AccessDenied.*only AssumeRole and GetCallerIdentity' "other STS calls: AccessDenied"
as alice run "$IAMCTL" sts get-session-token --serial-number arn:aws:iam::$A:mfa/alice --token-code 123456
like "$ERR" 'AccessDenied.*MFA' "MFA is refused clearly (no MFA devices yet)"
run "$IAMCTL" sts get-session-token
is "$RC" 0 "the account root gets a session token"
near "$(secs_until "$(j '["Credentials"]["Expiration"]')")" 3600 30 "one hour by default for root"
take GR
sess GR run "$IAMCTL" sts get-caller-identity
is "$(j '["Arn"]')" "arn:aws:iam::$A:root" "its session is the root"
run "$IAMCTL" sts get-session-token --duration-seconds 3601
like "$ERR" 'ValidationError' "root: at most one hour"

# --- GetCallerIdentity, GetAccessKeyInfo -----------------------------------------------------

run "$IAMCTL" sts get-caller-identity
is "$(j '["Arn"]')" "arn:aws:iam::$A:root" "GetCallerIdentity: root"
is "$(j '["UserId"]')" "$A" "root's UserId is the account"
as alice run "$IAMCTL" sts get-caller-identity
is "$(j '["Arn"]')" "$ALICE_ARN" "GetCallerIdentity: a user"
run "$IAMCTL" iam put-user-policy --user-name bob --policy-name deny-all \
	--policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}'
as bob run "$IAMCTL" sts get-caller-identity
is "$RC" 0 "GetCallerIdentity is never denied (even under Deny *)"
run "$IAMCTL" sts get-access-key-info --access-key-id "$alice_AK"
is "$(j '["Account"]')" "$A" "GetAccessKeyInfo: an AKIA key's account"
sess S1 run "$IAMCTL" sts get-access-key-info --access-key-id "$S1_AK"
like "$ERR$OUT" 'AccessDenied|Account' "GetAccessKeyInfo needs sts:GetAccessKeyInfo"
run "$IAMCTL" sts get-access-key-info --access-key-id AKIAUNKNOWNKEY000000
is "$(j '["Account"]')" "$A" "an unknown key: the default account"
run "$IAMCTL" sts get-access-key-info --access-key-id short
like "$ERR" "ValidationError.*accessKeyId" "a key id too short: ValidationError"

# --- DecodeAuthorizationMessage ---------------------------------------------------------------

run "$IAMCTL" iamd authorize --principal-arn "arn:aws:iam::$A:user/alice" --action-name iam:DeleteUser \
	--resource-arn "arn:aws:iam::$A:user/bob" --encode-authorization-message
is "$(j '["Decision"]')" "implicitDeny" "Authorize denies alice iam:DeleteUser"
MSG=$(j '["EncodedAuthorizationMessage"]')
like "$MSG" '^[A-Za-z0-9+/=_-]{40,}$' "and, when asked, carries the encoded authorization message"
as alice run "$IAMCTL" sts decode-authorization-message --encoded-message "$MSG"
like "$ERR" "AccessDenied.*sts:DecodeAuthorizationMessage" "alice may not decode it without sts:DecodeAuthorizationMessage"
run "$IAMCTL" iam put-user-policy --user-name alice --policy-name decode \
	--policy-document "$(allow '"sts:DecodeAuthorizationMessage"' '"*"')"
as alice run "$IAMCTL" sts decode-authorization-message --encoded-message "$MSG"
is "$RC" 0 "with it she may"
DM=$(j '["DecodedMessage"]')
is "$(printf '%s' "$DM" | json_get '["allowed"]')" "false" "DecodedMessage.allowed"
is "$(printf '%s' "$DM" | json_get '["explicitDeny"]')" "false" "DecodedMessage.explicitDeny"
is "$(printf '%s' "$DM" | json_get '["context"]["action"]')" "iam:DeleteUser" "DecodedMessage.context.action"
is "$(printf '%s' "$DM" | json_get '["context"]["resource"]')" "arn:aws:iam::$A:user/bob" "DecodedMessage.context.resource"
is "$(printf '%s' "$DM" | json_get '["context"]["principal"]["arn"]')" "$ALICE_ARN" "DecodedMessage.context.principal.arn"
as alice run "$IAMCTL" sts decode-authorization-message --encoded-message "x${MSG}"
like "$ERR" 'InvalidAuthorizationMessageException' "a garbled message: InvalidAuthorizationMessageException"

ok "iamd stops cleanly" iamd_stop
keyd_stop
done_testing
