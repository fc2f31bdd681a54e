#!/bin/sh
# sts_federation_token.sh: sts:GetFederationToken as AWS documents it
# (docs/sts.md, "Federated users"): called with an IAM user's access key
# or as a uid bound to the user (and by root, an hour at most); the answer's
# Credentials, FederatedUser (ACCOUNT:NAME, federated-user ARN) and
# PackedPolicySize; the session's permissions are the user's identity
# policies INTERSECT the session policies (Policy, PolicyArns): what only
# one side allows is denied, an explicit deny of the user wins, and a
# session without a session policy may do nothing; no IAM action and of STS
# only GetCallerIdentity (which names the federated user); Name and
# DurationSeconds limits; temporary credentials may not call it; session
# tags need sts:TagSession; MalformedPolicyDocument; the audit trail's
# FederatedUser identity; Debian's AWS CLI through iam-gateway.
. "$top_srcdir/tests/integration/lib.sh"
# this file checks iamd's own validation: iamctl sends the parameters as
# given, without the AWS CLI's client-side checks (iamctl_validate.sh)
IAMCTL_SKIP_CLIENT_VALIDATION=1
export IAMCTL_SKIP_CLIENT_VALIDATION

command -v python3 >/dev/null || skip_all "python3 is needed"
[ -x "$IAMD_KEYD" ] || skip_all "iam-keyd is not built"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE
export HOME="$TMP/home"
mkdir -p "$HOME"
IAMD_ACCOUNT_ID=222222222222
A=$IAMD_ACCOUNT_ID
keyd_start || bail_out "iam-keyd did not start"
iamd_start || bail_out "iamd did not start"

j() { printf '%s' "$OUT" | json_get "$1"; }
take() {
	eval "${1}_AK=\$(j '[\"Credentials\"][\"AccessKeyId\"]')"
	eval "${1}_SK=\$(j '[\"Credentials\"][\"SecretAccessKey\"]')"
	eval "${1}_TK=\$(j '[\"Credentials\"][\"SessionToken\"]')"
}
as() { _u=$1; shift; eval "AWS_ACCESS_KEY_ID=\$${_u}_AK AWS_SECRET_ACCESS_KEY=\$${_u}_SK \"\$@\""; }
sess() {
	_s=$1; shift
	eval "AWS_ACCESS_KEY_ID=\$${_s}_AK AWS_SECRET_ACCESS_KEY=\$${_s}_SK AWS_SESSION_TOKEN=\$${_s}_TK \"\$@\""
}
allow() { printf '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":%s,"Resource":"*"}]}' "$1"; }
secs_until() {
	python3 -c 'import sys,datetime,time
t=datetime.datetime.fromisoformat(sys.argv[1]); print(int(t.timestamp()-time.time()))' "$1"
}
near() {
	if [ "$1" -ge $(($2 - $3)) ] && [ "$1" -le $(($2 + $3)) ]; then pass "$4"
	else fail "$4"; diag "got $1, want $2 +- $3"; fi
}

"$IAMCTL" iam create-user --user-name alice >/dev/null
"$IAMCTL" iam put-user-policy --user-name alice --policy-name fed --policy-document \
	"$(allow '["sts:GetFederationToken","iamd:ListLocalUserBindings","iamd:ListAccounts","iam:GetUser"]')"
user_key alice

# --- GetFederationToken with an access key ---
SESSION_POLICY=$(allow '["iamd:ListLocalUserBindings","iamd:ListLocalUserSSHPublicKeys","iam:GetUser"]')
run as alice "$IAMCTL" sts get-federation-token --name Bob --policy "$SESSION_POLICY"
is "$RC" 0 "GetFederationToken signed with alice's access key"
is "$(j '["FederatedUser"]["Arn"]')" "arn:aws:sts::$A:federated-user/Bob" "  FederatedUser.Arn"
is "$(j '["FederatedUser"]["FederatedUserId"]')" "$A:Bob" "  FederatedUserId ACCOUNT:NAME"
like "$(j '["Credentials"]["AccessKeyId"]')" '^ASIA[A-Z2-7]{16}$' "  temporary credentials (ASIA...)"
like "$(j '["PackedPolicySize"]')" '^[0-9]+$' "  PackedPolicySize"
near "$(secs_until "$(j '["Credentials"]["Expiration"]')")" 43200 30 "  12 hours by default"
take bob

run sess bob "$IAMCTL" sts get-caller-identity
is "$(j '["Arn"]')" "arn:aws:sts::$A:federated-user/Bob" "GetCallerIdentity: the federated user's ARN"
is "$(j '["UserId"]')" "$A:Bob" "  UserId ACCOUNT:NAME"
is "$(j '["Account"]')" "$A" "  its account"
run sess bob "$IAMCTL" iamd list-local-user-bindings
is "$RC" 0 "an action both the user and the session policy allow: allowed"
run sess bob "$IAMCTL" iamd list-local-user-ssh-public-keys --uid 1
like "$ERR" "AccessDenied.*federated-user/Bob is not authorized to perform: iamd:ListLocalUserSSHPublicKeys" \
	"the session policy alone allows it: denied (intersection)"
run sess bob "$IAMCTL" iamd list-accounts
like "$ERR" "AccessDenied" "the user's policy alone allows it: denied"
run sess bob "$IAMCTL" iam get-user --user-name alice
like "$ERR" "AccessDenied.*iam:GetUser.*may call no IAM action" "an IAM action, though both allow it: denied"
run sess bob "$IAMCTL" sts get-session-token
like "$ERR" "AccessDenied" "sts:GetSessionToken from the session: denied"
run sess bob "$IAMCTL" sts get-federation-token --name Again --policy "$SESSION_POLICY"
like "$ERR" "AccessDenied" "GetFederationToken with temporary credentials: AccessDenied"

# --- no session policy: no permissions ---
run as alice "$IAMCTL" sts get-federation-token --name NoPolicy
is "$RC" 0 "GetFederationToken without a session policy"
unlike "$OUT" "PackedPolicySize" "  no PackedPolicySize"
take nopol
run sess nopol "$IAMCTL" iamd list-local-user-bindings
like "$ERR" "AccessDenied.*federated-user/NoPolicy" "  its session may do nothing"
run sess nopol "$IAMCTL" sts get-caller-identity
is "$RC" 0 "  but GetCallerIdentity (it needs no permission)"

# --- PolicyArns, an explicit deny of the user ---
run "$IAMCTL" iam create-policy --policy-name bindings --policy-document "$(allow '"iamd:ListLocalUserBindings"')"
PARN=$(j '["Policy"]["Arn"]')
run as alice "$IAMCTL" sts get-federation-token --name Carol --policy-arns "arn=$PARN"
is "$RC" 0 "GetFederationToken with a managed session policy (PolicyArns)"
take carol
run sess carol "$IAMCTL" iamd list-local-user-bindings
is "$RC" 0 "  what it and the user allow: allowed"
"$IAMCTL" iam put-user-policy --user-name alice --policy-name deny --policy-document \
	'{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iamd:ListLocalUserBindings","Resource":"*"}]}'
run sess carol "$IAMCTL" iamd list-local-user-bindings
like "$ERR" "AccessDenied.*explicit deny" "an explicit deny added to the user applies to its sessions at once"
"$IAMCTL" iam delete-user-policy --user-name alice --policy-name deny

# --- inputs ---
run as alice "$IAMCTL" sts get-federation-token --name B
like "$ERR" "ValidationError.*Value 'B' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 2" \
	"Name of 1 character: ValidationError"
run as alice "$IAMCTL" sts get-federation-token --name "$(printf 'n%.0s' $(seq 33))"
like "$ERR" "ValidationError.*at 'name'.*less than or equal to 32" "Name of 33: ValidationError"
run as alice "$IAMCTL" sts get-federation-token --name "b b"
like "$ERR" "ValidationError.*at 'name'.*regular expression pattern" "Name with a space: ValidationError"
run as alice "$IAMCTL" sts get-federation-token --name Dur --duration-seconds 899
like "$ERR" "ValidationError.*'899' at 'durationSeconds'.*greater than or equal to 900" "DurationSeconds 899: ValidationError"
run as alice "$IAMCTL" sts get-federation-token --name Dur --duration-seconds 129601
like "$ERR" "ValidationError.*'129601' at 'durationSeconds'.*less than or equal to 129600" "DurationSeconds 129601: ValidationError"
run as alice "$IAMCTL" sts get-federation-token --name Dur --duration-seconds 129600
near "$(secs_until "$(j '["Credentials"]["Expiration"]')")" 129600 30 "DurationSeconds 129600: 36 hours"
run "$IAMCTL" sts get-federation-token --name RootFed --duration-seconds 7200 --policy "$SESSION_POLICY"
is "$RC" 0 "the account root may call it"
near "$(secs_until "$(j '["Credentials"]["Expiration"]')")" 3600 30 "  its session is cut to one hour"
take rootfed
run sess rootfed "$IAMCTL" iamd list-local-user-ssh-public-keys --uid 1
is "$RC" 0 "  the root's session: what the session policy allows"
run sess rootfed "$IAMCTL" iamd list-accounts
like "$ERR" "AccessDenied" "  and nothing more"
run as alice "$IAMCTL" sts get-federation-token --name Bad --policy '{"Version":"2012-10-17","Statement":[{"Effect":"Allow"}]}'
like "$ERR" "MalformedPolicyDocument" "a malformed session policy: MalformedPolicyDocument"
run as alice "$IAMCTL" sts get-federation-token --name Tagged --policy "$SESSION_POLICY" --tags Key=team,Value=blue
like "$ERR" "AccessDenied.*sts:TagSession" "session tags without sts:TagSession: AccessDenied"
"$IAMCTL" iam put-user-policy --user-name alice --policy-name tag --policy-document "$(allow '"sts:TagSession"')"
run as alice "$IAMCTL" sts get-federation-token --name Tagged --policy "$SESSION_POLICY" --tags Key=team,Value=blue
is "$RC" 0 "  with sts:TagSession: tagged"

# --- a uid bound to the user ---
if can_switch_uid; then
	"$IAMCTL" iamd create-local-user-binding --uid 4400 --user-name alice >/dev/null
	run setpriv --reuid=4400 --regid=4400 --clear-groups -- "$IAMCTL" sts get-federation-token \
		--name Local --policy "$SESSION_POLICY"
	is "$(j '["FederatedUser"]["Arn"]')" "arn:aws:sts::$A:federated-user/Local" "a uid bound to alice gets a federated session"
else
	skip "a bound uid" "needs root and setpriv"
fi

# --- the audit trail ---
audit_written
run "$IAMCTL" audit lookup --event-name ListLocalUserBindings
like "$OUT" "\"type\":\"FederatedUser\",\"principalId\":\"$A:Bob\",\"arn\":\"arn:aws:sts::$A:federated-user/Bob\"" \
	"a call of the federated user: userIdentity type FederatedUser"
like "$OUT" "\"sessionIssuer\":\\{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::$A:user/alice\"" \
	"  its session issuer: the IAM user alice"
run "$IAMCTL" audit lookup --event-name GetFederationToken
like "$OUT" "\"federatedUserId\":\"$A:Bob\"|federated-user/Bob" "GetFederationToken in the audit trail with the federated user"
unlike "$OUT" "$bob_SK" "  not the secret"

# --- Debian's AWS CLI through the gateway ---
if [ -x /usr/bin/aws ] && gateway_start; then
	export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
	export AWS_CONFIG_FILE="$TMP/no-config" AWS_SHARED_CREDENTIALS_FILE="$TMP/no-credentials"
	aws() { /usr/bin/aws --endpoint-url "$IAMD_GATEWAY_URL" "$@"; }
	run as alice aws sts get-federation-token --name Cli --policy "$SESSION_POLICY" --duration-seconds 900
	is "$RC" 0 "aws sts get-federation-token through the gateway"
	is "$(j '["FederatedUser"]["Arn"]')" "arn:aws:sts::$A:federated-user/Cli" "  FederatedUser.Arn"
	near "$(secs_until "$(j '["Credentials"]["Expiration"]')")" 900 30 "  DurationSeconds 900"
	take cli
	run sess cli aws sts get-caller-identity
	is "$(j '["Arn"]')" "arn:aws:sts::$A:federated-user/Cli" "aws sts get-caller-identity with its credentials"
	run sess cli aws iam get-user --user-name alice
	like "$ERR" "\\(AccessDenied\\)" "aws iam get-user with them: AccessDenied"
	run as alice aws sts get-federation-token --name "b b"
	like "$ERR" "\\(ValidationError\\).*at 'name'" "aws: a Name with a space: ValidationError from iamd"
	gateway_stop
else
	for _ in 1 2 3 4 5 6; do skip "the AWS CLI" "no /usr/bin/aws or no gateway"; done
fi

ok "iamd stops cleanly" iamd_stop
done_testing
