#!/bin/sh
# sts_cross_account.sh: accounts and cross-account roles (docs/sts.md):
# the host root creates accounts (iamd:CreateAccount, ids given or random,
# aliases), lists them, acts as the root of any of them (iamctl
# --as-account / IAMD_ACCOUNT_ID, Request.account_id) and deletes empty
# ones; nobody else may. A user of account B assumes a role of account A:
# allowed when A's trust policy names B (or the user) AND the user's own
# policies allow sts:AssumeRole on the role; refused when either side is
# missing; the session lives in A.
. "$top_srcdir/tests/integration/lib.sh"

[ -x "$IAMD_KEYD" ] || skip_all "iam-keyd is not built"
command -v python3 >/dev/null || skip_all "python3 is needed"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE IAMD_ACCOUNT_ID
export HOME="$TMP/home"
mkdir -p "$HOME"
A=222222222222
B=333333333333
IAMD_ACCOUNT_ID=$A
keyd_start || bail_out "iam-keyd did not start"
iamd_start || bail_out "iamd did not start"
unset IAMD_ACCOUNT_ID

j() { printf '%s' "$OUT" | json_get "$1"; }
allow() {
	printf '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":%s,"Resource":%s}]}' "$1" "$2"
}
trust() {
	printf '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":%s},"Action":"sts:AssumeRole"}]}' "$1"
}

# --- accounts -------------------------------------------------------------------

run "$IAMCTL" iamd create-account --account-id "$B" --account-alias team-b
is "$RC" 0 "the host root creates account B"
is "$(j '["Account"]["AccountId"]')" "$B" "with the id asked for"
is "$(j '["Account"]["AccountAlias"]')" "team-b" "and its alias"
like "$(j '["Account"]["CreateDate"]')" '^20[0-9]{2}-' "and a CreateDate"
run "$IAMCTL" iamd create-account --account-id "$B"
like "$ERR" 'EntityAlreadyExists.*The account 333333333333 already exists' "an existing id: EntityAlreadyExists"
run "$IAMCTL" iamd create-account --account-alias team-b
like "$ERR" 'EntityAlreadyExists.*alias team-b' "an alias in use: EntityAlreadyExists"
run "$IAMCTL" iamd create-account --account-id 12345
like "$ERR" "ValidationError.*Value '12345' at 'accountId'" "an id that is not 12 digits: ValidationError"
run "$IAMCTL" iamd create-account --account-alias Bad--Alias
like "$ERR" "ValidationError.*accountAlias" "a bad alias: ValidationError"
run "$IAMCTL" iamd create-account
is "$RC" 0 "an account with a random id"
C=$(j '["Account"]["AccountId"]')
like "$C" '^[1-9][0-9]{11}$' "12 random digits"
run "$IAMCTL" iamd list-accounts
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(" ".join(sorted(a["AccountId"] for a in json.load(sys.stdin)["Accounts"])))')" \
	"$(printf '%s\n' "$A" "$B" "$C" | sort | tr '\n' ' ' | sed 's/ $//')" "ListAccounts: the default account and both new ones"
like "$OUT" '"IsDefault": true' "the default account is marked"
run "$IAMCTL" iamd list-accounts --max-items 1
like "$OUT" '"NextToken"' "ListAccounts pages"

run "$IAMCTL" --as-account "$B" sts get-caller-identity
is "$(j '["Arn"]')" "arn:aws:iam::$B:root" "--as-account: the host root acts as B's root"
is "$(j '["Account"]')" "$B" "(Account)"
IAMD_ACCOUNT_ID=$B run "$IAMCTL" sts get-caller-identity
is "$(j '["Account"]')" "$B" "IAMD_ACCOUNT_ID does the same"
run "$IAMCTL" --as-account 999999999999 sts get-caller-identity
like "$ERR" 'NoSuchEntity.*The account 999999999999 does not exist' "an account that does not exist: NoSuchEntity"
run "$IAMCTL" --as-account 12 sts get-caller-identity
is "$RC" 252 "an --as-account that is not 12 digits: a usage error"

# B's own entities: carol with a key
run "$IAMCTL" --as-account "$B" iam create-user --user-name carol
CAROL_ARN=$(j '["User"]["Arn"]')
is "$CAROL_ARN" "arn:aws:iam::$B:user/carol" "users made as B's root live in B"
run "$IAMCTL" iam get-user --user-name carol
like "$ERR" 'NoSuchEntity' "and not in A"
for _ in $(seq 50); do
	run "$IAMCTL" --as-account "$B" iam create-access-key --user-name carol
	[ "$RC" = 0 ] && break
	sleep 0.1
done
CAK=$(j '["AccessKey"]["AccessKeyId"]')
CSK=$(j '["AccessKey"]["SecretAccessKey"]')
as_carol() { AWS_ACCESS_KEY_ID=$CAK AWS_SECRET_ACCESS_KEY=$CSK "$@"; }
as_carol run "$IAMCTL" sts get-caller-identity
is "$(j '["Arn"]')" "$CAROL_ARN" "carol's key makes her the caller"
run "$IAMCTL" sts get-access-key-info --access-key-id "$CAK"
is "$(j '["Account"]')" "$B" "GetAccessKeyInfo: carol's key is B's"

as_carol run "$IAMCTL" iamd create-account
like "$ERR" 'AccessDenied' "a user may not create accounts"
run "$IAMCTL" --as-account "$B" iam put-user-policy --user-name carol --policy-name iamd-all \
	--policy-document "$(allow '"iamd:*"' '"*"')"
as_carol run "$IAMCTL" iamd create-account
like "$ERR" 'AccessDenied.*Only the host root' "not even with a policy allowing iamd:*"
as_carol run "$IAMCTL" iamd list-accounts
like "$ERR" 'AccessDenied.*Only the host root' "(nor list them)"
as_carol run "$IAMCTL" --as-account "$A" sts get-caller-identity
is "$(j '["Arn"]')" "$CAROL_ARN" "a signed call carries no account_id: carol stays carol"
if can_switch_uid; then
	run as_other_uid "$IAMCTL" --as-account "$B" sts get-caller-identity
	like "$ERR" 'AccessDenied.*Only the host root' "another uid may not act as an account's root"
else
	skip "another uid may not act as an account's root" "cannot switch uid"
fi

run "$IAMCTL" iamd delete-account --account-id "$B"
like "$ERR" 'DeleteConflict.*still has users' "an account with users cannot be deleted"
run "$IAMCTL" iamd delete-account --account-id "$A"
like "$ERR" 'DeleteConflict.*default account' "the default account cannot be deleted"
run "$IAMCTL" iamd delete-account --account-id "$C"
is "$RC" 0 "an empty account is deleted"
run "$IAMCTL" --as-account "$C" sts get-caller-identity
like "$ERR" 'NoSuchEntity' "and is gone"

# --- cross-account roles ------------------------------------------------------------

run "$IAMCTL" iam create-role --role-name x-acct --assume-role-policy-document "$(trust "\"arn:aws:iam::$B:root\"")"
XID=$(j '["Role"]["RoleId"]')
run "$IAMCTL" iam create-role --role-name x-carol --assume-role-policy-document "$(trust "\"$CAROL_ARN\"")"
run "$IAMCTL" iam create-role --role-name x-other --assume-role-policy-document "$(trust '"arn:aws:iam::444444444444:root"')"
run "$IAMCTL" iam put-role-policy --role-name x-acct --policy-name read \
	--policy-document "$(allow '"iam:ListRoles"' '"*"')"

as_carol run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/x-acct" --role-session-name cs
is "$RC" 254 "identity side missing: A trusts B, but carol's policies do not allow sts:AssumeRole"
like "$ERR" "AccessDenied.*User: $CAROL_ARN is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::$A:role/x-acct" \
	"AccessDenied as AWS words it"
as_carol run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/x-carol" --role-session-name cs
is "$RC" 254 "even a trust policy naming carol herself needs her identity side across accounts"

run "$IAMCTL" --as-account "$B" iam put-user-policy --user-name carol --policy-name assume-a \
	--policy-document "$(allow '"sts:AssumeRole"' "\"arn:aws:iam::$A:role/*\"")"
as_carol run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/x-acct" --role-session-name cs
is "$RC" 0 "both sides allow: carol of B assumes A's role"
is "$(j '["AssumedRoleUser"]["Arn"]')" "arn:aws:sts::$A:assumed-role/x-acct/cs" "the session is in A"
is "$(j '["AssumedRoleUser"]["AssumedRoleId"]')" "$XID:cs" "with A's role id"
SAK=$(j '["Credentials"]["AccessKeyId"]')
SSK=$(j '["Credentials"]["SecretAccessKey"]')
STK=$(j '["Credentials"]["SessionToken"]')
as_sess() { AWS_ACCESS_KEY_ID=$SAK AWS_SECRET_ACCESS_KEY=$SSK AWS_SESSION_TOKEN=$STK "$@"; }
as_sess run "$IAMCTL" sts get-caller-identity
is "$(j '["Account"]')" "$A" "GetCallerIdentity: account A"
as_sess run "$IAMCTL" iam list-roles
is "$RC" 0 "the session acts in A with the role's policies (ListRoles of A)"
like "$OUT" '"RoleName": "x-acct"' "A's roles"
as_sess run "$IAMCTL" iam list-users
is "$RC" 254 "and nothing more"
as_sess run "$IAMCTL" sts get-access-key-info --access-key-id "$SAK"
like "$ERR$OUT" 'AccessDenied|Account' "(GetAccessKeyInfo needs its permission)"
as_carol run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/x-carol" --role-session-name cs2
is "$RC" 0 "a trust policy naming carol works too, with her identity side"

as_carol run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/x-other" --role-session-name cs
is "$RC" 254 "trust side missing: x-other trusts another account only"
like "$ERR" 'AccessDenied' "AccessDenied"

run "$IAMCTL" --as-account "$B" iam put-user-policy --user-name carol --policy-name deny-a \
	--policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"*"}]}'
as_carol run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/x-acct" --role-session-name cs
like "$ERR" 'AccessDenied.*explicit deny' "an explicit deny on carol's side wins"

ok "iamd stops cleanly" iamd_stop
keyd_stop
done_testing
