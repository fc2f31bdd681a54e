#!/bin/sh
# keyd_midload.sh: iam-keyd killed (SIGKILL) while signed calls stream in,
# then started again. Four callers run without pause: two AssumeRole and
# one GetCallerIdentity signed with an access key (each needs keyd), and
# one unsigned GetUser (needs no keyd). Checks what a user of the service
# would: every signed call either succeeds or fails with
# ServiceUnavailable, none hangs and none gets another error (no
# SignatureDoesNotMatch, no InternalFailure); keyd stays away until some
# call has failed so (else the test tested nothing); GetUser never failed; iamd stayed
# up; once keyd is back every caller succeeds again; credentials minted
# before the kill still work after it (stateless tokens, same master key);
# and no secret handed out during the load is in iamd's log or its LMDB.
. "$top_srcdir/tests/integration/lib.sh"

[ -x "$IAMD_KEYD" ] || skip_all "iam-keyd is not built"
command -v python3 >/dev/null || skip_all "python3 is needed"

unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE
export HOME="$TMP/home"
mkdir -p "$HOME"
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
IAMD_ACCOUNT_ID=222222222222
A=$IAMD_ACCOUNT_ID

keyd_start || bail_out "iam-keyd did not start"
iamd_start || bail_out "iamd did not start"

j() { printf '%s' "$OUT" | json_get "$1"; }
# iamd's "keyd: connected" lines so far
connects() { grep -c 'keyd: connected' "$IAMD_LOG"; }

run "$IAMCTL" iam create-user --user-name alice
ALICE_ARN=$(j '["User"]["Arn"]')
user_key alice
like "$alice_AK" '^AKIA' "alice has an access key"
run "$IAMCTL" iam create-role --role-name worker --assume-role-policy-document \
	"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"$ALICE_ARN\"},\"Action\":\"sts:AssumeRole\"}]}"
is "$RC" 0 "role worker trusts alice"
ROLE="arn:aws:iam::$A:role/worker"

signed() {   # signed CMD...: as alice, with her key
	AWS_ACCESS_KEY_ID=$alice_AK AWS_SECRET_ACCESS_KEY=$alice_SK "$@"
}
signed run "$IAMCTL" sts assume-role --role-arn "$ROLE" --role-session-name before
is "$RC" 0 "alice assumes worker before the load"
S_AK=$(j '["Credentials"]["AccessKeyId"]')
S_SK=$(j '["Credentials"]["SecretAccessKey"]')
S_TK=$(j '["Credentials"]["SessionToken"]')
printf '%s\n' "$S_SK" >"$TMP/secrets"

# caller NAME CMD...: runs CMD again and again until $TMP/stop exists; one
# line per call in $TMP/load.NAME: "<ns> ok|unavailable|timeout|other <text>"
caller() {
	_name=$1
	shift
	while [ ! -e "$TMP/stop" ]; do
		_out=$(timeout 20 "$@" 2>&1)
		_rc=$?
		_t=$(date +%s%N)
		if [ $_rc -eq 0 ]; then
			echo "$_t ok"
			printf '%s' "$_out" | sed -n 's/.*"SecretAccessKey": "\([^"]*\)".*/\1/p' \
				>>"$TMP/secrets.$_name"
		elif [ $_rc -eq 124 ]; then
			echo "$_t timeout"
		elif printf '%s' "$_out" | grep -q 'ServiceUnavailable'; then
			echo "$_t unavailable"
		else
			echo "$_t other $(printf '%s' "$_out" | tr '\n' ' ' | cut -c1-200)"
		fi
	done >"$TMP/load.$_name"
}
oks() { grep -c ' ok$' "$TMP/load.$1" 2>/dev/null || echo 0; }
# oks_after NAME NS: successful calls of NAME that ended after NS
oks_after() { awk -v t="$2" '$1 > t && $2 == "ok"' "$TMP/load.$1" | wc -l; }
# wait_for CMD...: up to 60 s
wait_for() {
	_i=0
	while ! "$@" && [ $_i -lt 600 ]; do sleep 0.1; _i=$((_i + 1)); done
	"$@"
}
all_have() {   # all_have N [NS]: every signed caller has N successes (after NS)
	for _c in assume1 assume2 whoami; do
		[ "$(oks_after $_c "${2:-0}")" -ge "$1" ] || return 1
	done
	return 0
}

signed caller assume1 "$IAMCTL" sts assume-role --role-arn "$ROLE" --role-session-name load1 &
P1=$!
signed caller assume2 "$IAMCTL" sts assume-role --role-arn "$ROLE" --role-session-name load2 &
P2=$!
signed caller whoami "$IAMCTL" sts get-caller-identity &
P3=$!
caller getuser "$IAMCTL" iam get-user --user-name alice &
P4=$!

ok "every signed caller succeeds before keyd is killed" wait_for all_have 3

# keyd dies under the load, stays away until a signed call has seen it
# gone (at least half a second), comes back
unavailable_after() {
	[ "$(cat "$TMP"/load.assume1 "$TMP"/load.assume2 "$TMP"/load.whoami |
		awk -v a="$1" '$1 > a && $2 == "unavailable"' | wc -l)" -gt 0 ]
}
n=$(connects)
t_kill=$(date +%s%N)
keyd_kill
sleep 0.5
ok "signed calls made while keyd is away fail with ServiceUnavailable" \
	wait_for unavailable_after "$t_kill"
t_back=$(date +%s%N)
keyd_start || bail_out "iam-keyd did not restart"
_i=0
while [ "$(connects)" -le "$n" ] && [ $_i -lt 200 ]; do sleep 0.05; _i=$((_i + 1)); done
ok "iamd connects to the new keyd" [ "$(connects)" -gt "$n" ]
ok "every signed caller succeeds again once keyd is back" wait_for all_have 3 "$t_back"
touch "$TMP/stop"
wait $P1 $P2 $P3 $P4

ok "iamd stayed up through keyd's death" iamd_running
total=$(cat "$TMP"/load.* | wc -l)
diag "calls made: $total ($(cat "$TMP"/load.* | grep -c ' ok$') ok," \
	"$(cat "$TMP"/load.* | grep -c ' unavailable$') ServiceUnavailable)"
is "$(cat "$TMP"/load.* | grep -c ' timeout$')" 0 "no call hung (20 s)"
others=$(cat "$TMP"/load.* | grep ' other ' | head -3)
is "$others" "" "no signed call failed with anything but ServiceUnavailable"
is "$(grep -vc ' ok$' "$TMP/load.getuser")" 0 "GetUser, which needs no keyd, never failed"
for c in assume1 assume2 whoami; do
	is "$(tail -n 3 "$TMP/load.$c" | grep -c ' ok$')" 3 "$c: its last calls succeeded"
done

AWS_ACCESS_KEY_ID=$S_AK AWS_SECRET_ACCESS_KEY=$S_SK AWS_SESSION_TOKEN=$S_TK \
	run "$IAMCTL" sts get-caller-identity
is "$(j '["Arn"]')" "arn:aws:sts::$A:assumed-role/worker/before" \
	"credentials minted before the kill work after it"

# the secret scan: none of the secrets handed out is in iamd's files
cat "$TMP"/secrets.* >>"$TMP/secrets" 2>/dev/null
nsec=$(sort -u "$TMP/secrets" | grep -c .)
ok "the load was handed secrets ($nsec)" [ "$nsec" -gt 3 ]
iamd_stop
found=$(sort -u "$TMP/secrets" | grep . | while read -r s; do
	grep -rlF -- "$s" "$IAMD_STATE_DIR" "$IAMD_LOG" 2>/dev/null
done | head -3)
is "$found" "" "no secret handed out is in iamd's log or state directory (LMDB)"
ok "iam-keyd stops" keyd_stop

done_testing
