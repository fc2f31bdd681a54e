#!/bin/sh
# keyd_waits.sh: what a call keeps while it waits for iam-keyd outlives the
# process-wide caches other calls refill meanwhile (dispatch.h: a call
# suspends on call_keyd() and the loop runs other connections' calls).
# Each case stops keyd, starts a call that waits for it, moves the store's
# generation with a write, makes another call re-read the cache slot the
# waiting call had used, lets keyd go on, and checks both answers and that
# iamd still runs (under AddressSanitizer a use after free aborts iamd;
# done_testing also checks its log for sanitizer reports):
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

keyd_start || bail_out "iam-keyd did not start"
# a long keyd deadline: keyd is stopped for a while below
iamd_start --keyd-timeout 60s || bail_out "iamd did not start"

j() { printf '%s' "$OUT" | json_get "$1"; }
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

ok "iamd stops cleanly" iamd_stop
done_testing
