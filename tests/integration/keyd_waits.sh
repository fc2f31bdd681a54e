#!/bin/sh
# keyd_waits.sh: what a call keeps while it waits for iam-keyd outlives the
# process-wide caches other calls refill meanwhile (dispatch.h: a call
# suspends on call_keyd() and the loop runs other connections' calls).
# Each case stops keyd, starts a call that waits for it, moves the store's
# generation with a write, makes another call re-read the cache slot the
# waiting call had used, lets keyd go on, and checks both answers and that
# iamd still runs (under AddressSanitizer a use after free aborts iamd;
# done_testing also checks its log for sanitizer reports):
#   - a uid bound to a user (authz.c's binding slots): CreateAccessKey,
#     GetSessionToken with an MFA code (two keyd hops: VerifyTotp, then
#     MintSession with claims made from the caller) and AssumeRole, while
#     the same uid calls after a write or another uid of the same slot
#     calls; the caller's names and account were the slot's;
#   - Authorize sealing a denial (SealAuthorizationMessage): its matched
#     statements named the policies of authz's cached principal.
. "$top_srcdir/tests/integration/lib.sh"

[ -x "$IAMD_KEYD" ] || skip_all "iam-keyd is not built"
command -v python3 >/dev/null || skip_all "python3 is needed"

unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE
export HOME="$TMP/home"
mkdir -p "$HOME"
IAMD_ACCOUNT_ID=111111111111
A=$IAMD_ACCOUNT_ID
UID_B=65534
UID_C=$((UID_B - 256))   # the same binding slot (authz.h)

keyd_start || bail_out "iam-keyd did not start"
# a long keyd deadline: keyd is stopped for a while below
iamd_start --keyd-timeout 60s || bail_out "iamd did not start"

j() { printf '%s' "$OUT" | json_get "$1"; }
# as_b CMD...: CMD as the bound uid (OUT, ERR, RC as run leaves them)
as_b() { run setpriv --reuid=$UID_B --regid=$UID_B --clear-groups -- "$@"; }
# waiting NAME CMD...: starts CMD in the background (keyd is stopped: it
# waits for keyd), its output in $TMP/NAME.out and .err, its pid in W
waiting() {
	_n=$1
	shift
	"$@" >"$TMP/$_n.out" 2>"$TMP/$_n.err" &
	W=$!
	sleep 1
}
# finish NAME: keyd goes on; the waiting call's exit status in RC, its
# output in OUT and ERR
finish() {
	kill -CONT "$IAMD_KEYD_PID"
	wait "$W"
	RC=$?
	OUT=$(cat "$TMP/$1.out")
	ERR=$(cat "$TMP/$1.err")
}

for _ in $(seq 50); do   # iamd connects to keyd in the background
	run "$IAMCTL" iam create-virtual-mfa-device --virtual-mfa-device-name warmup \
		--outfile "$TMP/warmup.seed" --bootstrap-method Base32StringSeed
	[ "$RC" = 0 ] && break
	sleep 0.1
done

# --- Authorize's sealed denial and authz's principal cache ---------------------

run "$IAMCTL" iam create-user --user-name bob
run "$IAMCTL" iam put-user-policy --user-name bob --policy-name no-delete --policy-document \
	'{"Version":"2012-10-17","Statement":[{"Sid":"NoDelete","Effect":"Deny","Action":"iam:DeleteUser","Resource":"*"}]}'
BOB_ARN="arn:aws:iam::$A:user/bob"
run "$IAMCTL" iamd authorize --principal-arn "$BOB_ARN" --action-name iam:GetUser
is "$(j '["Decision"]')" implicitDeny "bob's principal is cached (Authorize)"
kill -STOP "$IAMD_KEYD_PID"
waiting seal "$IAMCTL" iamd authorize --principal-arn "$BOB_ARN" --action-name iam:DeleteUser \
	--resource-arn "$BOB_ARN" --encode-authorization-message
run "$IAMCTL" iam tag-user --user-name bob --tags Key=team,Value=blue
is "$RC" 0 "a write while Authorize waits for keyd to seal its denial"
run "$IAMCTL" iamd authorize --principal-arn "$BOB_ARN" --action-name iam:GetUser
is "$RC" 0 "another Authorize of bob meanwhile (his principal read again)"
finish seal
is "$RC" 0 "the waiting Authorize is then answered"
is "$(j '["Decision"]')" explicitDeny "explicitDeny"
is "$(j '["MatchedStatements"][0]["SourcePolicyId"]')" no-delete \
	"its matched statement names bob's policy"
is "$(j '["MatchedStatements"][0]["SourcePolicyType"]')" user "of type user"
like "$(j '["EncodedAuthorizationMessage"]')" '^[A-Za-z0-9+/=_-]{40,}$' \
	"with the encoded authorization message"
ok "iamd is still running" iamd_running

# --- a uid bound to a user ---------------------------------------------------------

if ! can_switch_uid; then
	for t in "CreateAccessKey as a bound uid" "GetSessionToken with MFA as a bound uid" \
		"AssumeRole as a bound uid" "another uid of the binding's slot"; do
		skip "$t" "cannot switch uid (not root, or no setpriv)"
	done
	ok "iamd stops cleanly" iamd_stop
	done_testing
fi

run "$IAMCTL" iam create-user --user-name alice
ALICE_ARN=$(j '["User"]["Arn"]')
run "$IAMCTL" iam put-user-policy --user-name alice --policy-name keys --policy-document \
	'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:CreateAccessKey","iam:GetUser","sts:*"],"Resource":"*"}]}'
run "$IAMCTL" iamd create-local-user-binding --uid $UID_B --user-name alice
is "$RC" 0 "uid $UID_B is bound to alice"
run "$IAMCTL" iam create-role --role-name r1 --assume-role-policy-document \
	"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"$ALICE_ARN\"},\"Action\":\"sts:AssumeRole\"}]}"
# the socket's directories let the bound uid through
chmod 0755 "$TMP" "$IAMD_RUNTIME_DIR" "$(dirname "$IAMD_SOCKET")" 2>/dev/null
as_b "$IAMCTL" sts get-caller-identity
is "$(j '["Arn"]')" "$ALICE_ARN" "the bound uid acts as alice"

# CreateAccessKey: one keyd hop (CreateAccessKey), then the audit record
kill -STOP "$IAMD_KEYD_PID"
waiting key setpriv --reuid=$UID_B --regid=$UID_B --clear-groups -- \
	"$IAMCTL" iam create-access-key
run "$IAMCTL" iam tag-user --user-name alice --tags Key=team,Value=red
is "$RC" 0 "a write while the bound uid's CreateAccessKey waits for keyd"
as_b "$IAMCTL" iam get-user
is "$(j '["User"]["UserName"]')" alice "the bound uid calls again meanwhile (its binding read again)"
finish key
is "$RC" 0 "the waiting CreateAccessKey is then answered"
is "$(j '["AccessKey"]["UserName"]')" alice "with alice's new key"
AK=$(j '["AccessKey"]["AccessKeyId"]')
SK=$(j '["AccessKey"]["SecretAccessKey"]')
AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$SK run "$IAMCTL" sts get-caller-identity
is "$(j '["Arn"]')" "$ALICE_ARN" "which signs as alice"
ok "iamd is still running" iamd_running

# GetSessionToken with an MFA code: VerifyTotp, the code's step marked used
# for the caller's device, then MintSession of claims made from the caller
run "$IAMCTL" iam create-virtual-mfa-device --virtual-mfa-device-name alice-phone \
	--outfile "$TMP/alice.seed" --bootstrap-method Base32StringSeed
SERIAL=$(j '["VirtualMFADevice"]["SerialNumber"]')
SEED=$(cat "$TMP/alice.seed")
N=$(fresh_step)
run "$IAMCTL" iam enable-mfa-device --user-name alice --serial-number "$SERIAL" \
	--authentication-code1 "$(totp "$SEED" $((N - 2)))" \
	--authentication-code2 "$(totp "$SEED" $((N - 1)))"
is "$RC" 0 "alice has an MFA device"
kill -STOP "$IAMD_KEYD_PID"
waiting mfa setpriv --reuid=$UID_B --regid=$UID_B --clear-groups -- \
	"$IAMCTL" sts get-session-token --serial-number "$SERIAL" --token-code "$(totp "$SEED" "$N")"
run "$IAMCTL" iam tag-user --user-name alice --tags Key=team,Value=green
is "$RC" 0 "a write while the bound uid's GetSessionToken waits for keyd"
as_b "$IAMCTL" iam get-user
is "$(j '["User"]["UserName"]')" alice "the bound uid calls again meanwhile"
finish mfa
is "$RC" 0 "the waiting GetSessionToken is then answered"
TAK=$(j '["Credentials"]["AccessKeyId"]')
TSK=$(j '["Credentials"]["SecretAccessKey"]')
TTK=$(j '["Credentials"]["SessionToken"]')
like "$TAK" '^ASIA' "with temporary credentials"
AWS_ACCESS_KEY_ID=$TAK AWS_SECRET_ACCESS_KEY=$TSK AWS_SESSION_TOKEN=$TTK \
	run "$IAMCTL" sts get-caller-identity
is "$(j '["Arn"]')" "$ALICE_ARN" "alice's session"
ok "iamd is still running" iamd_running

# AssumeRole: MintSession, then RoleLastUsed and the audit record
kill -STOP "$IAMD_KEYD_PID"
waiting assume setpriv --reuid=$UID_B --regid=$UID_B --clear-groups -- \
	"$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r1" --role-session-name b1
run "$IAMCTL" iam tag-user --user-name alice --tags Key=team,Value=blue
as_b "$IAMCTL" iam get-user
is "$(j '["User"]["UserName"]')" alice "the bound uid calls again while its AssumeRole waits"
finish assume
is "$RC" 0 "the waiting AssumeRole is then answered"
is "$(j '["AssumedRoleUser"]["Arn"]')" "arn:aws:sts::$A:assumed-role/r1/b1" "for its session"
ok "iamd is still running" iamd_running

# another uid of the same binding slot (uid % 256) calls meanwhile: no
# write needed to refill the slot
run "$IAMCTL" iam create-user --user-name carol
run "$IAMCTL" iamd create-local-user-binding --uid $UID_C --user-name carol
kill -STOP "$IAMD_KEYD_PID"
waiting key2 setpriv --reuid=$UID_B --regid=$UID_B --clear-groups -- \
	"$IAMCTL" iam create-access-key
run setpriv --reuid=$UID_C --regid=$UID_C --clear-groups -- "$IAMCTL" sts get-caller-identity
is "$(j '["Arn"]')" "arn:aws:iam::$A:user/carol" \
	"uid $UID_C (carol) calls while alice's CreateAccessKey waits"
finish key2
is "$RC" 0 "the waiting CreateAccessKey is then answered"
is "$(j '["AccessKey"]["UserName"]')" alice "with alice's key, not carol's"
ok "iamd is still running" iamd_running

# the audit trail names alice as the caller of each waiting call
ok "the calls' audit records are written" audit_written
run "$IAMCTL" audit lookup --state-dir "$IAMD_STATE_DIR" --event-name CreateAccessKey
like "$OUT" "\"arn\": ?\"$ALICE_ARN\"" "the audit record of CreateAccessKey names alice"
run "$IAMCTL" audit lookup --state-dir "$IAMD_STATE_DIR" --event-name GetSessionToken
like "$OUT" "\"arn\": ?\"$ALICE_ARN\"" "so does GetSessionToken's"

ok "iamd stops cleanly" iamd_stop
done_testing
