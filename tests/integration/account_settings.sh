#!/bin/sh
# account_settings.sh: the account's alias and password policy as AWS has
# them. CreateAccountAlias, DeleteAccountAlias and ListAccountAliases: one
# alias per account (a new one replaces it), the alias pattern, an alias
# another account holds, a delete of another name, authorization (a bound
# user without the permission is denied, with it allowed), the audit trail.
# Get/Update/DeleteAccountPasswordPolicy: NoSuchEntity before one is set,
# no partial updates (what is left out takes its default), the ranges,
# ExpirePasswords following MaxPasswordAge. Debian's AWS CLI through the
# gateway prints what iamctl prints.
. "$top_srcdir/tests/integration/lib.sh"

command -v python3 >/dev/null || skip_all "python3 is needed"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE
export HOME="$TMP/home"
mkdir -p "$HOME"
keyd_start || bail_out "iam-keyd did not start"
iamd_start || bail_out "iamd did not start"

aliases() { echo "$OUT" | python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)["AccountAliases"]))'; }

run "$IAMCTL" iam list-account-aliases
is "$RC" 0 "ListAccountAliases on a new account"
is "$OUT" '{
    "AccountAliases": []
}' "  no alias: an empty list"
run "$IAMCTL" iam create-account-alias --account-alias example-corp
is "$RC" 0 "CreateAccountAlias example-corp"
is "$OUT" "" "  prints nothing, as the AWS CLI"
run "$IAMCTL" iam list-account-aliases
is "$(aliases)" example-corp "  listed"
run "$IAMCTL" iam create-account-alias --account-alias example-corp
is "$RC" 0 "the same alias again changes nothing"
run "$IAMCTL" iam create-account-alias --account-alias example-corp-2
is "$RC" 0 "another alias"
run "$IAMCTL" iam list-account-aliases
is "$(aliases)" example-corp-2 "  replaces the first: one alias per account"
run "$IAMCTL" iam create-account-alias --account-alias ab
is "$RC" 252 "alias 'ab': refused by iamctl (botocore's min length 3), exit 252"
like "$ERR" "Invalid length for parameter AccountAlias, value: 2, valid min length: 3" \
	"  with the AWS CLI's message"
for bad in a--b -abc abc- Abc ab_c "$(printf 'a%.0s' $(seq 64))"; do
	run "$IAMCTL" iam create-account-alias --account-alias "$bad"
	like "$ERR" "ValidationError.*at 'accountAlias'.*\\^\\[a-z0-9\\]" "alias '$bad': ValidationError naming the pattern"
done
run "$IAMCTL" iam delete-account-alias --account-alias example-corp
is "$RC" 254 "DeleteAccountAlias of a name the account does not hold"
like "$ERR" "NoSuchEntity.*The account alias example-corp cannot be found\\." "  NoSuchEntity"

# aliases are unique among iamd's accounts
run "$IAMCTL" iamd create-account --account-id 222233334444 --account-alias other-corp
is "$RC" 0 "another account with the alias other-corp"
run "$IAMCTL" iam create-account-alias --account-alias other-corp
like "$ERR" "EntityAlreadyExists.*The account alias other-corp already exists\\." \
	"the other account's alias: EntityAlreadyExists"
run "$IAMCTL" --as-account 222233334444 iam list-account-aliases
is "$(aliases)" other-corp "the other account lists its own alias"

# authorization: a bound local user needs iam:*AccountAlias*
if can_switch_uid; then
	U=4321
	as_u() { run setpriv --reuid=$U --regid=$U --clear-groups -- "$@"; }
	"$IAMCTL" iam create-user --user-name aliaser >/dev/null
	"$IAMCTL" iamd create-local-user-binding --uid $U --user-name aliaser >/dev/null
	as_u "$IAMCTL" iam create-account-alias --account-alias mine
	like "$ERR" "AccessDenied.*user/aliaser is not authorized to perform: iam:CreateAccountAlias on resource: \\*" \
		"a bound user without the permission: AccessDenied on *"
	"$IAMCTL" iam put-user-policy --user-name aliaser --policy-name alias --policy-document \
		'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:*AccountAlias*","iam:ListAccountAliases"],"Resource":"*"}]}'
	as_u "$IAMCTL" iam delete-account-alias --account-alias example-corp-2
	is "$RC" 0 "with iam:*AccountAlias* allowed, DeleteAccountAlias"
	as_u "$IAMCTL" iam list-account-aliases
	is "$(aliases)" "" "  and the list is empty"
else
	for _ in 1 2 3; do skip "a bound user" "needs root and setpriv"; done
	run "$IAMCTL" iam delete-account-alias --account-alias example-corp-2
fi
run "$IAMCTL" audit lookup --event-name CreateAccountAlias
like "$OUT" '"accountAlias":"example-corp-2"' "CreateAccountAlias is in the audit trail with its alias"

# --- the password policy ---
pp() { echo "$OUT" | python3 -c 'import json,sys; p=json.load(sys.stdin)["PasswordPolicy"]; print(" ".join("%s=%s" % kv for kv in p.items()))'; }
run "$IAMCTL" iam get-account-password-policy
like "$ERR" "NoSuchEntity.*The Password Policy with domain name [0-9]{12} cannot be found\." \
	"GetAccountPasswordPolicy before one is set: NoSuchEntity"
run "$IAMCTL" iam delete-account-password-policy
like "$ERR" "NoSuchEntity.*The account policy with name PasswordPolicy cannot be found\." \
	"DeleteAccountPasswordPolicy of none: NoSuchEntity"
run "$IAMCTL" iam update-account-password-policy --minimum-password-length 14 --require-symbols \
	--require-numbers --require-uppercase-characters --require-lowercase-characters \
	--allow-users-to-change-password --max-password-age 90 --password-reuse-prevention 24
is "$RC" 0 "UpdateAccountPasswordPolicy as a CIS benchmark asks"
run "$IAMCTL" iam get-account-password-policy
is "$(pp)" "MinimumPasswordLength=14 RequireSymbols=True RequireNumbers=True RequireUppercaseCharacters=True RequireLowercaseCharacters=True AllowUsersToChangePassword=True ExpirePasswords=True MaxPasswordAge=90 PasswordReusePrevention=24 HardExpiry=False" \
	"  read back, in AWS's order, ExpirePasswords from MaxPasswordAge"
run "$IAMCTL" iam update-account-password-policy --require-numbers
run "$IAMCTL" iam get-account-password-policy
is "$(pp)" "MinimumPasswordLength=6 RequireSymbols=False RequireNumbers=True RequireUppercaseCharacters=False RequireLowercaseCharacters=False AllowUsersToChangePassword=False ExpirePasswords=False HardExpiry=False" \
	"no partial update: what is left out takes its default"
run "$IAMCTL" iam update-account-password-policy --minimum-password-length 5 --max-password-age 1096 \
	--password-reuse-prevention 0
is "$ERR" "
Parameter validation failed:
Invalid value for parameter MinimumPasswordLength, value: 5, valid min value: 6
Invalid value for parameter PasswordReusePrevention, value: 0, valid min value: 1" \
	"under the minimums: iamctl refuses as the AWS CLI (botocore's model), naming each"
run "$IAMCTL" iam update-account-password-policy --minimum-password-length 129 --max-password-age 1096 \
	--password-reuse-prevention 25
like "$ERR" "3 validation errors detected: Value '129' at 'minimumPasswordLength' failed to satisfy constraint: Member must have value less than or equal to 128; Value '1096' at 'maxPasswordAge' failed to satisfy constraint: Member must have value less than or equal to 1095; Value '25' at 'passwordReusePrevention' failed to satisfy constraint: Member must have value less than or equal to 24" \
	"over the maximums (iamd's to check): one ValidationError naming each member"
run "$IAMCTL" iam get-account-password-policy
like "$OUT" '"RequireNumbers": true' "  and the policy is unchanged"
run "$IAMCTL" iam delete-account-password-policy
is "$RC" 0 "DeleteAccountPasswordPolicy"
run "$IAMCTL" iam get-account-password-policy
is "$RC" 254 "  then none"

# Debian's AWS CLI through the gateway prints what iamctl prints
if [ -x /usr/bin/aws ] && gateway_start; then
	run "$IAMCTL" iam create-access-key
	AWS_ACCESS_KEY_ID=$(echo "$OUT" | json_get '["AccessKey"]["AccessKeyId"]')
	AWS_SECRET_ACCESS_KEY=$(echo "$OUT" | json_get '["AccessKey"]["SecretAccessKey"]')
	export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
	export AWS_CONFIG_FILE="$TMP/no-config" AWS_SHARED_CREDENTIALS_FILE="$TMP/no-credentials"
	aws() { /usr/bin/aws --endpoint-url "$IAMD_GATEWAY_URL" "$@"; }
	run aws iam create-account-alias --account-alias cli-corp
	is "$RC" 0 "aws iam create-account-alias through the gateway"
	aws iam list-account-aliases >"$TMP/aws.out" 2>&1
	"$IAMCTL" iam list-account-aliases >"$TMP/iamctl.out" 2>&1
	ok "aws iam list-account-aliases prints what iamctl prints" cmp "$TMP/aws.out" "$TMP/iamctl.out"
	is "$(cat "$TMP/aws.out" | json_get '["AccountAliases"][0]')" cli-corp "  cli-corp"
	aws iam delete-account-alias --account-alias nope >"$TMP/aws.err" 2>&1
	"$IAMCTL" iam delete-account-alias --account-alias nope >"$TMP/iamctl.err" 2>&1
	ok "a delete of another name: the same error from both" cmp "$TMP/aws.err" "$TMP/iamctl.err"
	run aws iam update-account-password-policy --minimum-password-length 12 --max-password-age 30 --hard-expiry
	is "$RC" 0 "aws iam update-account-password-policy"
	aws iam get-account-password-policy >"$TMP/aws.out" 2>&1
	"$IAMCTL" iam get-account-password-policy >"$TMP/iamctl.out" 2>&1
	ok "aws iam get-account-password-policy prints what iamctl prints" cmp "$TMP/aws.out" "$TMP/iamctl.out"
	like "$(cat "$TMP/aws.out")" '"HardExpiry": true' "  with HardExpiry through the Query API"
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	gateway_stop
else
	for _ in 1 2 3 4 5 6 7; do skip "the AWS CLI" "no /usr/bin/aws or no gateway"; done
fi

ok "iamd stops cleanly" iamd_stop
done_testing
