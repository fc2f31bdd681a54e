#!/bin/sh
# sigv4_e2e.sh: calls signed with an access key, end to end (docs/sigv4.md):
# iam-keyd and iamd running, a user and its key created as root, then
# iamctl with the key in the environment is that user (GetCallerIdentity,
# GetUser); a wrong secret is SignatureDoesNotMatch, an inactive, deleted or
# unknown key InvalidClientTokenId, a date 20 minutes off
# RequestTimeTooSkewed (tests/sigv4/sigv4_rawcall signs with any date), a
# garbled header IncompleteSignature, an empty one MissingAuthenticationToken;
# the key's last use is recorded; an unsigned call from another uid stays
# anonymous; with keyd stopped a signed call is ServiceUnavailable and an
# unsigned one is served.
. "$top_srcdir/tests/integration/lib.sh"

KEYD="$top_builddir/keyd/iam-keyd"
RAW="$top_builddir/tests/sigv4/sigv4_rawcall"
[ -x "$KEYD" ] || skip_all "iam-keyd is not built"
[ -x "$RAW" ] || bail_out "$RAW is not built"

unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE
export HOME="$TMP/home"
mkdir -p "$HOME" "$TMP/keyd-state" "$TMP/keyd-run"
chmod 0755 "$TMP/keyd-run"

KEYD_PID=
keyd_start() {
	"$KEYD" --foreground --state-dir "$TMP/keyd-state" --runtime-dir "$TMP/keyd-run" \
		>> "$TMP/keyd.log" 2>&1 &
	KEYD_PID=$!
	for _ in $(seq 100); do
		[ -S "$TMP/keyd-run/keyd.sock" ] && return 0
		sleep 0.05
	done
	return 1
}
keyd_stop() {
	[ -n "$KEYD_PID" ] && kill "$KEYD_PID" 2>/dev/null && wait "$KEYD_PID" 2>/dev/null
	KEYD_PID=
	rm -f "$TMP/keyd-run/keyd.sock"
}
trap 'keyd_stop' EXIT

keyd_start || bail_out "iam-keyd did not start: $(cat "$TMP/keyd.log")"
iamd_start --keyd-socket "$TMP/keyd-run/keyd.sock" || bail_out "iamd did not start"
# iamd connects to keyd in the background: wait until a key can be made
run "$IAMCTL" iam create-user --user-name alice
is "$RC" 0 "root creates alice"
ALICE_ARN=$(printf '%s' "$OUT" | json_get '["User"]["Arn"]')
ALICE_ID=$(printf '%s' "$OUT" | json_get '["User"]["UserId"]')
for _ in $(seq 50); do
	run "$IAMCTL" iam create-access-key --user-name alice
	[ "$RC" = 0 ] && break
	sleep 0.1
done
is "$RC" 0 "root creates an access key for alice"
AK=$(printf '%s' "$OUT" | json_get '["AccessKey"]["AccessKeyId"]')
SK=$(printf '%s' "$OUT" | json_get '["AccessKey"]["SecretAccessKey"]')
like "$AK" '^AKIA' "an AKIA key id"

as_alice() { AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$SK "$@"; }

as_alice run "$IAMCTL" sts get-caller-identity
is "$RC" 0 "GetCallerIdentity signed with alice's key"
is "$(printf '%s' "$OUT" | json_get '["Arn"]')" "$ALICE_ARN" "the caller is alice, not root"
is "$(printf '%s' "$OUT" | json_get '["UserId"]')" "$ALICE_ID" "with her user id"

as_alice run "$IAMCTL" iam get-user
is "$RC" 254 "GetUser needs a policy for alice"
like "$ERR" "AccessDenied.*User: $ALICE_ARN is not authorized to perform: iam:GetUser" \
	"AccessDenied names alice: authorization sees the signed caller"
run "$IAMCTL" iam put-user-policy --user-name alice --policy-name self \
	--policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::*:user/${aws:username}"}]}'
is "$RC" 0 "root lets alice read herself"
as_alice run "$IAMCTL" iam get-user
is "$RC" 0 "GetUser signed with alice's key"
is "$(printf '%s' "$OUT" | json_get '["User"]["UserName"]')" alice "answers alice herself"

AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY="${SK}x" run "$IAMCTL" sts get-caller-identity
is "$RC" 254 "a wrong secret fails"
like "$ERR" 'An error occurred \(SignatureDoesNotMatch\) when calling the GetCallerIdentity operation: The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.' \
	"SignatureDoesNotMatch with AWS's message"

AWS_ACCESS_KEY_ID=AKIAUNKNOWNKEY000000 AWS_SECRET_ACCESS_KEY=x run "$IAMCTL" sts get-caller-identity
like "$ERR" 'InvalidClientTokenId.*The security token included in the request is invalid\.' \
	"an unknown key: InvalidClientTokenId"

run "$IAMCTL" iam update-access-key --user-name alice --access-key-id "$AK" --status Inactive
is "$RC" 0 "root deactivates the key"
as_alice run "$IAMCTL" sts get-caller-identity
like "$ERR" 'InvalidClientTokenId' "an inactive key: InvalidClientTokenId"
run "$IAMCTL" iam update-access-key --user-name alice --access-key-id "$AK" --status Active
as_alice run "$IAMCTL" sts get-caller-identity
is "$RC" 0 "active again, it works again"

# the key's owner renamed between two calls: the next call is the new name
# (iamd keeps key owners it read while nothing was written)
run "$IAMCTL" iam update-user --user-name alice --new-user-name alice2 --new-path /renamed/
is "$RC" 0 "root renames alice"
as_alice run "$IAMCTL" sts get-caller-identity
is "$(printf '%s' "$OUT" | json_get '["Arn"]')" "${ALICE_ARN%:user/alice}:user/renamed/alice2" \
	"the signed caller is the renamed user at once"
run "$IAMCTL" iam update-user --user-name alice2 --new-user-name alice --new-path /
as_alice run "$IAMCTL" sts get-caller-identity
is "$(printf '%s' "$OUT" | json_get '["Arn"]')" "$ALICE_ARN" "and alice again once renamed back"

run "$RAW" "$IAMD_SOCKET" "$AK" "$SK" 0
is "$OUT" "OK $ALICE_ARN" "a hand-signed call at the current time"
run "$RAW" "$IAMD_SOCKET" "$AK" "$SK" -1200
like "$OUT" '^RequestTimeTooSkewed: Signature expired: [0-9]{8}T[0-9]{6}Z is now earlier than [0-9]{8}T[0-9]{6}Z \([0-9]{8}T[0-9]{6}Z - 15 min.\)$' \
	"signed 20 minutes ago: RequestTimeTooSkewed"
run "$RAW" "$IAMD_SOCKET" "$AK" "$SK" 1200
like "$OUT" '^RequestTimeTooSkewed: Signature not yet current: .* is still later than .* \(.* \+ 15 min.\)$' \
	"signed 20 minutes ahead: RequestTimeTooSkewed"
run "$RAW" "$IAMD_SOCKET" "$AK" "$SK" 0 "AWS4-HMAC-SHA256 Credential=$AK/20150830/us-east-1/sts"
like "$OUT" "^IncompleteSignature: Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=" \
	"a garbled header: IncompleteSignature"
run "$RAW" "$IAMD_SOCKET" "$AK" "$SK" 0 ""
is "$OUT" "MissingAuthenticationToken: Request is missing Authentication Token" \
	"no Authorization: MissingAuthenticationToken"
run "$RAW" "$IAMD_SOCKET" "ASIAEXAMPLE" "$SK" 0 - "not-a-token"
like "$OUT" '^InvalidClientTokenId: The security token included in the request is invalid' \
	"a garbled session token: InvalidClientTokenId"

run "$IAMCTL" iam get-access-key-last-used --access-key-id "$AK"
like "$OUT" '"ServiceName": "(sts|iam)"' "the key's last use is recorded (service)"
like "$OUT" '"Region": "us-east-1"' "and region"

if can_switch_uid; then
	run as_other_uid "$IAMCTL" sts get-caller-identity
	is "$RC" 254 "an unsigned call from another uid stays anonymous"
	like "$ERR" 'User: anonymous is not authorized' "AccessDenied for anonymous"
	as_alice run as_other_uid "$IAMCTL" sts get-caller-identity
	is "$(printf '%s' "$OUT" | json_get '["Arn"]')" "$ALICE_ARN" \
		"the same uid signing with alice's key is alice"
else
	skip "an unsigned call from another uid stays anonymous" "cannot switch uid"
fi

keyd_stop
as_alice run "$IAMCTL" sts get-caller-identity
like "$ERR" 'ServiceUnavailable' "keyd stopped: a signed call is ServiceUnavailable"
run "$IAMCTL" sts get-caller-identity
is "$RC" 0 "and an unsigned one is served"
keyd_start || bail_out "iam-keyd did not restart"
for _ in $(seq 50); do
	as_alice run "$IAMCTL" sts get-caller-identity
	[ "$RC" = 0 ] && break
	sleep 0.1
done
is "$RC" 0 "keyd back: the same key works again (no state lost)"

run "$IAMCTL" iam delete-access-key --user-name alice --access-key-id "$AK"
as_alice run "$IAMCTL" sts get-caller-identity
like "$ERR" 'InvalidClientTokenId' "a deleted key: InvalidClientTokenId"

if grep -q -- "$SK" "$IAMD_LOG" "$TMP/keyd.log"; then
	fail "no secret in the logs"
else
	pass "no secret in the logs"
fi
ok "iamd stops cleanly" iamd_stop
keyd_stop
done_testing
