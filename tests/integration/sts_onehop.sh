#!/bin/sh
# sts_onehop.sh: AssumeRole and GetSessionToken signed with an access key
# take ONE keyd hop (VerifyAndMint, authn.h "Deferred verification"), and
# the optimistic authorization never changes what the caller sees: a bad
# signature is SignatureDoesNotMatch whether the request would have been
# allowed or denied or refused for its input; nothing is recorded for it
# (no RoleLastUsed, no AccessKeyLastUsed, no credentials, an audit record
# of an Unknown caller); an inactive key is InvalidClientTokenId; a trust
# policy that denies is AccessDenied once the signature is proven; keyd
# away is ServiceUnavailable.
. "$top_srcdir/tests/integration/lib.sh"
# this file checks iamd's own validation: iamctl sends the parameters as
# given, without the AWS CLI's client-side checks (iamctl_validate.sh)
IAMCTL_SKIP_CLIENT_VALIDATION=1
export IAMCTL_SKIP_CLIENT_VALIDATION

[ -x "$IAMD_KEYD" ] || skip_all "iam-keyd is not built"
command -v python3 >/dev/null || skip_all "python3 is needed"

unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE
export HOME="$TMP/home"
mkdir -p "$HOME"
IAMD_ACCOUNT_ID=111111111111
A=$IAMD_ACCOUNT_ID

keyd_start || bail_out "iam-keyd did not start"
# a long keyd deadline: keyd is stopped for a while below
iamd_start --debug --keyd-timeout 60s || bail_out "iamd did not start"

j() { printf '%s' "$OUT" | json_get "$1"; }
as() {   # as USER CMD...: signed with USER's key
	_u=$1
	shift
	eval "AWS_ACCESS_KEY_ID=\$${_u}_AK AWS_SECRET_ACCESS_KEY=\$${_u}_SK \"\$@\""
}
forged() {   # forged USER CMD...: USER's key id with a wrong secret
	_u=$1
	shift
	eval "AWS_ACCESS_KEY_ID=\$${_u}_AK AWS_SECRET_ACCESS_KEY=wrongwrongwrongwrongwrongwrongwrongwrong \"\$@\""
}
trust() {
	printf '{"Version":"2012-10-17","Statement":[{"Effect":"%s","Principal":%s,"Action":"sts:AssumeRole"}]}' \
		"$1" "$2"
}
onehop() { grep -c 'VerifyAndMint' "$IAMD_LOG"; }
MISMATCH='SignatureDoesNotMatch\) when calling the %s operation: The request signature we calculated does not match'

run "$IAMCTL" iam create-user --user-name alice
ALICE_ARN=$(j '["User"]["Arn"]')
run "$IAMCTL" iam create-user --user-name bob
run "$IAMCTL" iam create-user --user-name carol
user_key alice
user_key bob
user_key carol
like "$alice_AK" '^AKIA' "alice has an access key"
run "$IAMCTL" iam create-role --role-name open --assume-role-policy-document \
	"$(trust Allow "{\"AWS\":\"$ALICE_ARN\"}")"
run "$IAMCTL" iam create-role --role-name untouched --assume-role-policy-document \
	"$(trust Allow "{\"AWS\":\"$ALICE_ARN\"}")"
run "$IAMCTL" iam create-role --role-name closed --assume-role-policy-document \
	"$(printf '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:root"},"Action":"sts:AssumeRole"},{"Effect":"Deny","Principal":{"AWS":"%s"},"Action":"sts:AssumeRole"}]}' "$A" "$ALICE_ARN")"
run "$IAMCTL" iam put-user-policy --user-name alice --policy-name assume --policy-document \
	'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}'

# --- the good path: one keyd hop ----------------------------------------------

before=$(onehop)
as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/open" --role-session-name s1
is "$RC" 0 "alice assumes 'open' with her key"
like "$(j '["Credentials"]["AccessKeyId"]')" '^ASIA' "with temporary credentials"
is "$(onehop)" $((before + 1)) "in one keyd request (VerifyAndMint)"
AK=$(j '["Credentials"]["AccessKeyId"]')
SK=$(j '["Credentials"]["SecretAccessKey"]')
TK=$(j '["Credentials"]["SessionToken"]')
AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$SK AWS_SESSION_TOKEN=$TK \
	run "$IAMCTL" sts get-caller-identity
is "$(j '["Arn"]')" "arn:aws:sts::$A:assumed-role/open/s1" "the session works"
run "$IAMCTL" iam get-role --role-name open
like "$(j '["Role"]["RoleLastUsed"]["LastUsedDate"]')" '^20[0-9]{2}-' "RoleLastUsed recorded once proven"
run "$IAMCTL" iam get-access-key-last-used --access-key-id "$alice_AK"
like "$OUT" '"ServiceName": "sts"' "AccessKeyLastUsed recorded once proven"

as alice run "$IAMCTL" sts get-session-token
is "$RC" 0 "GetSessionToken with a key"
is "$(onehop)" $((before + 2)) "in one keyd request too"

# --- a bad signature, whatever the optimistic decision -------------------------

forged bob run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/untouched" --role-session-name s2
is "$RC" 254 "a wrong secret (bob: 'untouched' does not trust him) fails"
like "$ERR" "$(printf "$MISMATCH" AssumeRole)" "SignatureDoesNotMatch, not AccessDenied"
unlike "$OUT" 'ASIA' "no credentials"
forged alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/untouched" --role-session-name s2
like "$ERR" "$(printf "$MISMATCH" AssumeRole)" \
	"a wrong secret where alice would be allowed: SignatureDoesNotMatch"
unlike "$OUT" 'ASIA' "no credentials"
is "$(onehop)" $((before + 2)) "(keyd minted nothing)"
run "$IAMCTL" iam get-role --role-name untouched
is "$(j '["Role"].get("RoleLastUsed", {}).get("LastUsedDate", "none")')" none \
	"no RoleLastUsed for a bad signature"
run "$IAMCTL" iam get-access-key-last-used --access-key-id "$bob_AK"
unlike "$OUT" '"ServiceName": "sts"' "no AccessKeyLastUsed for a bad signature"
forged alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/closed" --role-session-name s2
like "$ERR" "$(printf "$MISMATCH" AssumeRole)" \
	"a wrong secret where the trust policy denies: SignatureDoesNotMatch"
forged alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/nosuchrole" --role-session-name s2
like "$ERR" "$(printf "$MISMATCH" AssumeRole)" "a wrong secret and no such role: SignatureDoesNotMatch"
forged alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/open" --role-session-name a
like "$ERR" "$(printf "$MISMATCH" AssumeRole)" \
	"a wrong secret and an invalid RoleSessionName: SignatureDoesNotMatch, not ValidationError"
forged alice run "$IAMCTL" sts get-session-token
like "$ERR" "$(printf "$MISMATCH" GetSessionToken)" "GetSessionToken with a wrong secret: SignatureDoesNotMatch"
unlike "$OUT" 'ASIA' "no credentials"

# --- proven callers the optimistic pipeline refuses ------------------------------

as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/closed" --role-session-name s3
is "$RC" 254 "alice may not assume 'closed' (its trust policy denies her)"
like "$ERR" "AccessDenied\) when calling the AssumeRole operation: User: $ALICE_ARN is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::$A:role/closed" \
	"AccessDenied as AWS words it, once the signature is proven"
like "$(grep 'AssumeRole denied' "$IAMD_LOG" | tail -n 1)" 'AssumeRole denied' "and the denial logged"
as bob run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/open" --role-session-name s3
like "$ERR" "AccessDenied.*User: arn:aws:iam::$A:user/bob is not authorized" "bob: AccessDenied"
run "$IAMCTL" iam get-access-key-last-used --access-key-id "$bob_AK"
like "$OUT" '"ServiceName": "sts"' "his proven key's last use is recorded (as before)"
as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/open" --role-session-name a
like "$ERR" "ValidationError" "an invalid RoleSessionName with a good signature: ValidationError"

run "$IAMCTL" iam update-access-key --user-name carol --access-key-id "$carol_AK" --status Inactive
as carol run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/open" --role-session-name s4
like "$ERR" 'InvalidClientTokenId.*The security token included in the request is invalid' \
	"an inactive key: InvalidClientTokenId"
forged carol run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/open" --role-session-name s4
like "$ERR" 'InvalidClientTokenId' "an inactive key with a wrong secret: InvalidClientTokenId"

# the audit record of a bad signature: an Unknown caller
ok "the calls' audit records are written" audit_written
run "$IAMCTL" audit lookup --state-dir "$IAMD_STATE_DIR" --error-code SignatureDoesNotMatch
like "$OUT" '"type": ?"Unknown"' "the audit trail records a bad signature's caller as Unknown"
unlike "$OUT" '"type": ?"IAMUser"' "never as the user it claimed to be"

# --- the store changes while a signed call waits for keyd ----------------------
# The caller claimed before keyd answers lives in the call's own memory: a
# write meanwhile makes iamd read the key and its owner again when keyd
# answers, which must not free what the waiting call still uses (under
# AddressSanitizer a use after free aborts iamd here).
kill -STOP "$IAMD_KEYD_PID"
as alice "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/open" \
	--role-session-name w1 >"$TMP/w1.out" 2>"$TMP/w1.err" &
w1=$!
sleep 1
run "$IAMCTL" iam tag-user --user-name alice --tags Key=team,Value=blue
is "$RC" 0 "a write while alice's AssumeRole waits for keyd"
# a second AssumeRole of the same role reads the role and alice anew
as alice "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/open" \
	--role-session-name w2 >"$TMP/w2.out" 2>"$TMP/w2.err" &
w2=$!
sleep 1
kill -CONT "$IAMD_KEYD_PID"
wait "$w1"
is "$?" 0 "the waiting AssumeRole then succeeds"
like "$(cat "$TMP/w1.out")" '"AccessKeyId": "ASIA' "with credentials"
like "$(cat "$TMP/w1.out")" "assumed-role/open/w1" "for alice's session"
wait "$w2"
is "$?" 0 "so does the second"
like "$(cat "$TMP/w2.out")" "assumed-role/open/w2" "with its own session"
iamd_running
is "$?" 0 "iamd is still running"

# --- keyd away ---------------------------------------------------------------
keyd_stop
as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/open" --role-session-name s5
like "$ERR" 'ServiceUnavailable' "keyd stopped: ServiceUnavailable"
keyd_start || bail_out "iam-keyd did not start again"
ok=1
for _ in $(seq 40); do
	as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/open" --role-session-name s5
	[ "$RC" = 0 ] && break
	sleep 0.1
done
is "$RC" 0 "keyd back: assumed again"

iamd_stop
is "$?" 0 "iamd stops cleanly"
done_testing
