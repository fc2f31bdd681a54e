#!/bin/sh
# secret_memory.sh: no secret stays in iamd's memory once it has answered,
# so a core dump of the frontend holds none (ARCHITECTURE.md: iamd never
# keeps a secret it passed on). Secrets enter iamd only in keyd's answers:
# a new access key's secret, a session's secret (AssumeRole and
# GetSessionToken, by VerifyAndMint and by MintSession), a virtual MFA
# device's seed. After each, memscan reads iamd's live memory (what a core
# dump would hold: heap, stacks, anonymous and file mappings) and must not
# find the secret; it must find the key id (the scan sees iamd's data).
# The same for iam-gateway, which passes them on to the AWS CLI.
. "$top_srcdir/tests/integration/lib.sh"

[ -x "$IAMD_KEYD" ] || skip_all "iam-keyd is not built"
MEMSCAN=$top_builddir/tests/integration/memscan
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE
export HOME="$TMP/home"
mkdir -p "$HOME"
A=111111111111
IAMD_ACCOUNT_ID=$A

keyd_start || bail_out "iam-keyd did not start"
iamd_start || bail_out "iamd did not start"
"$MEMSCAN" "$IAMD_PID" probe >/dev/null 2>&1
[ $? = 77 ] && skip_all "cannot read iamd's memory here (no ptrace access)"

j() { printf '%s' "$OUT" | json_get "$1"; }
# settled: iamd has finished the turn of the last call. It wipes what held
# a secret right after the answer is sent, in the same turn of its loop; a
# scan made then could see it (a loaded machine may preempt iamd between
# the two), so one more call's answer, which iamd reads only once that
# turn is over, comes first.
settled() { "$IAMCTL" sts get-caller-identity >/dev/null 2>&1; }
# in_memory STRING: how many copies iamd's memory holds
in_memory() { settled; "$MEMSCAN" "$IAMD_PID" "$1" | cut -d' ' -f1; }
none_left() {   # none_left SECRET WHAT
	settled
	_w=$("$MEMSCAN" "$IAMD_PID" "$1")
	is "${_w%% *}" 0 "no copy of $2 in iamd's memory"
	[ "${_w%% *}" = 0 ] || diag "found in:${_w#* }"
}

run "$IAMCTL" iam create-user --user-name alice
user_key alice
is "$RC" 0 "create-access-key"
AK=$alice_AK
SK=$alice_SK
like "$SK" '^[A-Za-z0-9+/]{40}$' "a 40-character secret"
ok "the scan reads iamd's memory (the key id is there)" [ "$(in_memory "$AK")" -gt 0 ]
none_left "$SK" "the new access key's secret"

run "$IAMCTL" iam create-virtual-mfa-device --virtual-mfa-device-name phone \
	--outfile "$TMP/seed" --bootstrap-method Base32StringSeed
is "$RC" 0 "create-virtual-mfa-device"
SEED=$(cat "$TMP/seed")
like "$SEED" '^[A-Z2-7]{32}$' "a Base32 seed"
none_left "$SEED" "the MFA seed"

ALICE_ARN="arn:aws:iam::$A:user/alice"
run "$IAMCTL" iam create-role --role-name r --assume-role-policy-document \
	"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"$ALICE_ARN\"},\"Action\":\"sts:AssumeRole\"}]}"
run "$IAMCTL" iam put-user-policy --user-name alice --policy-name assume --policy-document \
	'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}'
AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$SK \
	run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r" --role-session-name s1
is "$RC" 0 "alice assumes the role with her key (VerifyAndMint)"
S1=$(j '["Credentials"]["SecretAccessKey"]')
T1=$(j '["Credentials"]["SessionToken"]')
none_left "$S1" "the session's secret"
AWS_ACCESS_KEY_ID=$(j '["Credentials"]["AccessKeyId"]') AWS_SECRET_ACCESS_KEY=$S1 AWS_SESSION_TOKEN=$T1 \
	run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/r" --role-session-name s2
# role chaining needs the trust policy to name the role: refused or not,
# the first session's secret is not kept by using it
none_left "$S1" "the session's secret after it signed a call"

AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$SK run "$IAMCTL" sts get-session-token
is "$RC" 0 "GetSessionToken with the key"
none_left "$(j '["Credentials"]["SecretAccessKey"]')" "GetSessionToken's secret"

run "$IAMCTL" iam create-user --user-name bob
run "$IAMCTL" iam put-user-policy --user-name bob --policy-name assume --policy-document \
	'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}'
run "$IAMCTL" iam create-role --role-name rb --assume-role-policy-document \
	"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::$A:user/bob\"},\"Action\":\"sts:AssumeRole\"}]}"
if can_switch_uid; then
	run "$IAMCTL" iamd create-local-user-binding --uid 65534 --user-name bob
	run as_other_uid "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/rb" \
		--role-session-name local
	is "$RC" 0 "a bound uid assumes a role (MintSession)"
	none_left "$(j '["Credentials"]["SecretAccessKey"]')" "that session's secret"
else
	skip "cannot run a process under another uid here"
	skip "cannot run a process under another uid here"
fi

# the answers of several calls at once (the output buffer grows and moves)
i=0
keys=""
run "$IAMCTL" iam create-user --user-name carol
run "$IAMCTL" iam create-access-key --user-name carol
keys="$keys $(j '["AccessKey"]["SecretAccessKey"]')"
run "$IAMCTL" iam delete-access-key --user-name alice --access-key-id "$AK"
run "$IAMCTL" iam create-access-key --user-name alice
keys="$keys $(j '["AccessKey"]["SecretAccessKey"]')"
left=0
for k in $keys; do
	[ "$(in_memory "$k")" = 0 ] || left=$((left + 1))
done
is "$left" 0 "no copy of later keys' secrets either"
none_left "$SK" "the first secret, after more calls"

# through iam-gateway with the AWS CLI: the gateway passes secrets on too,
# and keeps no copy of them either
AWS_BIN=/usr/bin/aws
if [ -x "$AWS_BIN" ] && gateway_start; then
	run "$IAMCTL" iam create-user --user-name dave
	run "$IAMCTL" iam put-user-policy --user-name dave --policy-name keys --policy-document \
		'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:CreateAccessKey","Resource":"*"}]}'
	user_key dave
	aws_dave() {
		run env AWS_ACCESS_KEY_ID="$dave_AK" AWS_SECRET_ACCESS_KEY="$dave_SK" \
			AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null \
			AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER= \
			"$AWS_BIN" --endpoint-url "$IAMD_GATEWAY_URL" --output json "$@"
	}
	aws_dave iam create-access-key --user-name dave
	is "$RC" 0 "aws iam create-access-key through the gateway"
	GK=$(j '["AccessKey"]["SecretAccessKey"]')
	aws_dave sts get-session-token
	is "$RC" 0 "aws sts get-session-token through the gateway"
	GS=$(j '["Credentials"]["SecretAccessKey"]')
	# the gateway too wipes right after it writes an answer: one more
	# call through it first (settled, for the gateway)
	aws_dave sts get-caller-identity
	ok "the scan reads the gateway's memory" [ "$("$MEMSCAN" "$IAMD_GATEWAY_PID" "$dave_AK" |
		cut -d' ' -f1)" -gt 0 ]
	w=$("$MEMSCAN" "$IAMD_GATEWAY_PID" "$GK" "$GS" | cut -d' ' -f1 | tr '\n' ' ')
	is "$w" "0 0 " "no copy of either secret in the gateway's memory"
	none_left "$GK" "the key made through the gateway"
	none_left "$GS" "the session made through the gateway"
	gateway_stop
else
	skip "no $AWS_BIN or no iam-gateway"
	skip "no $AWS_BIN or no iam-gateway"
	skip "no $AWS_BIN or no iam-gateway"
	skip "no $AWS_BIN or no iam-gateway"
	skip "no $AWS_BIN or no iam-gateway"
	skip "no $AWS_BIN or no iam-gateway"
fi

iamd_stop
keyd_stop
done_testing
