#!/bin/sh
# login_profile.sh: IAM users' passwords (docs/passwords.md) - the login
# profile actions with iamctl and /usr/bin/aws through iam-gateway, their
# errors, the account password policy enforced (AWS's default, then each
# rule of a custom one violated once), PasswordReusePrevention,
# ChangePassword as a bound local user (wrong old password,
# AllowUsersToChangePassword, an explicit deny) and as the root (refused),
# no password in the LMDB file or the audit trail, and verification after
# iam-keyd and iamd restart with the same master key.
. "$top_srcdir/tests/integration/lib.sh"

keyd_start || bail_out "iam-keyd did not start"
iamd_start || bail_out "iamd did not start"
DB=$IAMD_STATE_DIR/db/data.mdb

run "$IAMCTL" iam create-user --user-name alice
run "$IAMCTL" iam create-user --user-name bob

# --- CreateLoginProfile, GetLoginProfile and their errors ---
run "$IAMCTL" iam create-login-profile --user-name alice --password 'Tr0ub4dor&3x'
is "$RC" 0 "CreateLoginProfile (AWS's default policy: 8 characters, 3 kinds)"
like "$OUT" '"UserName": "alice"' "  answers the LoginProfile's UserName"
like "$OUT" '"PasswordResetRequired": false' "  PasswordResetRequired false by default"
unlike "$OUT" 'Tr0ub4dor' "  and never the password"
run "$IAMCTL" iam get-login-profile --user-name alice
like "$OUT" '"CreateDate": "[0-9]{4}-' "GetLoginProfile: the CreateDate"
unlike "$OUT" 'Password"' "  no password member"
run "$IAMCTL" iam create-login-profile --user-name alice --password 'Tr0ub4dor&3y'
like "$ERR" 'EntityAlreadyExists.*Login Profile for user alice already exists\.' \
	"a second CreateLoginProfile: EntityAlreadyExists"
run "$IAMCTL" iam create-login-profile --user-name nobody --password 'Tr0ub4dor&3x'
like "$ERR" 'NoSuchEntity.*The user with name nobody cannot be found\.' \
	"CreateLoginProfile of a missing user: NoSuchEntity"
run "$IAMCTL" iam get-login-profile --user-name bob
like "$ERR" 'NoSuchEntity.*Login Profile for User bob cannot be found\.' \
	"GetLoginProfile of a user without one: NoSuchEntity"
run "$IAMCTL" iam delete-login-profile --user-name bob
like "$ERR" 'NoSuchEntity.*Login Profile for User bob cannot be found\.' \
	"DeleteLoginProfile of none: NoSuchEntity"
run "$IAMCTL" iam update-login-profile --user-name bob --password 'Tr0ub4dor&3x'
like "$ERR" 'NoSuchEntity' "UpdateLoginProfile of none: NoSuchEntity"
run "$IAMCTL" iam create-login-profile --user-name bob --password 'Tr0ub€dor&3x'
like "$ERR" "ValidationError.*at 'password' failed to satisfy constraint: Member must satisfy regular expression pattern" \
	"a character above U+00FF: ValidationError naming the member"
unlike "$ERR" 'Tr0ub' "  without echoing the password"
run "$IAMCTL" iam create-login-profile --user-name bob --password "$(printf '%0129d' 1)"
like "$ERR" "ValidationError.*Member must have length less than or equal to 128" \
	"129 characters: ValidationError"

# AWS's default password policy (no policy set)
run "$IAMCTL" iam create-login-profile --user-name bob --password 'Ab1!xyz'
like "$ERR" 'PasswordPolicyViolation.*Password should have a minimum length of 8' \
	"the default policy: at least 8 characters"
run "$IAMCTL" iam create-login-profile --user-name bob --password 'alllowercase1'
like "$ERR" 'PasswordPolicyViolation.*at least three of these character types' \
	"the default policy: three kinds of characters"
ACCT=$("$IAMCTL" sts get-caller-identity | json_get '["Account"]')
run "$IAMCTL" iam create-login-profile --user-name bob --password "$ACCT"
like "$ERR" "PasswordPolicyViolation.*not be identical to the account's id" \
	"the default policy: not the account id"

# --- a custom policy: each rule once ---
run "$IAMCTL" iam update-account-password-policy --minimum-password-length 12 --require-symbols \
	--require-numbers --require-uppercase-characters --require-lowercase-characters \
	--password-reuse-prevention 3 --max-password-age 90
is "$RC" 0 "a custom policy (12, all four kinds, reuse 3, 90 days)"
bad() {
	run "$IAMCTL" iam update-login-profile --user-name alice --password "$1"
	is "$RC" 254 "'$1' refused"
	like "$ERR" "PasswordPolicyViolation.*$2" "  PasswordPolicyViolation: $2"
}
bad 'Sh0rt!pass' 'Password should have a minimum length of 12'
bad 'NoSymbolsHere123' 'Password should have at least one symbol'
bad 'No-Numbers-Here!' 'Password should have at least one number'
bad 'no-upper-case-1!' 'Password should have at least one uppercase letter'
bad 'NO-LOWER-CASE-1!' 'Password should have at least one lowercase letter'
run "$IAMCTL" iam update-login-profile --user-name alice --password 'short'
like "$ERR" 'minimum length of 12; Password should have at least one symbol; Password should have at least one number; Password should have at least one uppercase letter$' \
	"several rules broken: each named in one message"

# --- PasswordReusePrevention 3: the current password and the two before ---
P1='Password-One-1'
P2='Password-Two-2'
P3='Password-Three-3'
P4='Password-Four-4'
for p in "$P1" "$P2" "$P3"; do
	run "$IAMCTL" iam update-login-profile --user-name alice --password "$p"
	is "$RC" 0 "UpdateLoginProfile to $p"
done
run "$IAMCTL" iam update-login-profile --user-name alice --password "$P3"
like "$ERR" 'PasswordPolicyViolation.*should not be one of the last 3 passwords' \
	"the current password again: refused"
run "$IAMCTL" iam update-login-profile --user-name alice --password "$P1"
like "$ERR" 'PasswordPolicyViolation.*should not be one of the last 3 passwords' \
	"the password before the last two: refused"
run "$IAMCTL" iam update-login-profile --user-name alice --password "$P4"
is "$RC" 0 "a new one is taken"
run "$IAMCTL" iam update-login-profile --user-name alice --password "$P1"
is "$RC" 0 "the fourth password back is allowed again"
run "$IAMCTL" iam update-login-profile --user-name alice --password-reset-required
run "$IAMCTL" iam get-login-profile --user-name alice
like "$OUT" '"PasswordResetRequired": true' "UpdateLoginProfile without a password sets PasswordResetRequired"

# --- DeleteUser while the profile exists ---
run "$IAMCTL" iam delete-user --user-name alice
like "$ERR" 'DeleteConflict.*Cannot delete entity, must delete login profile first\.' \
	"DeleteUser: DeleteConflict while a login profile exists"

# --- ChangePassword ---
run "$IAMCTL" iam change-password --old-password "$P1" --new-password 'Password-Five-5'
like "$ERR" 'InvalidUserType' "the root calling ChangePassword: InvalidUserType"
if can_switch_uid; then
	U=4322
	as_u() { run setpriv --reuid=$U --regid=$U --clear-groups -- "$@"; }
	"$IAMCTL" iamd create-local-user-binding --uid $U --user-name alice >/dev/null
	as_u "$IAMCTL" iam change-password --old-password "$P1" --new-password 'Password-Five-5'
	like "$ERR" 'AccessDenied.*user/alice is not authorized to perform: iam:ChangePassword on resource: arn:aws:iam::[0-9]{12}:user/alice' \
		"AllowUsersToChangePassword false and no policy: AccessDenied on the user's own ARN"
	"$IAMCTL" iam update-account-password-policy --minimum-password-length 12 --require-symbols \
		--require-numbers --require-uppercase-characters --require-lowercase-characters \
		--password-reuse-prevention 3 --max-password-age 90 --allow-users-to-change-password
	as_u "$IAMCTL" iam change-password --old-password 'Wrong-Password-1' --new-password 'Password-Five-5'
	like "$ERR" 'AccessDenied.*The old password is incorrect\.' \
		"AllowUsersToChangePassword: a wrong old password is AccessDenied"
	as_u "$IAMCTL" iam change-password --old-password "$P1" --new-password 'weak'
	like "$ERR" 'PasswordPolicyViolation' "  a new password against the policy: PasswordPolicyViolation"
	as_u "$IAMCTL" iam change-password --old-password "$P1" --new-password "$P4"
	like "$ERR" 'PasswordPolicyViolation.*last 3 passwords' "  a recent password: refused"
	as_u "$IAMCTL" iam change-password --old-password "$P1" --new-password 'Password-Five-5'
	is "$RC" 0 "ChangePassword as the bound user alice"
	run "$IAMCTL" iam get-login-profile --user-name alice
	like "$OUT" '"PasswordResetRequired": false' "  a pending reset is cleared"
	as_u "$IAMCTL" iam change-password --old-password "$P1" --new-password 'Password-Six-6!'
	like "$ERR" 'AccessDenied.*The old password is incorrect\.' "  the old password no longer works"
	"$IAMCTL" iam put-user-policy --user-name alice --policy-name nochange --policy-document \
		'{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:ChangePassword","Resource":"*"}]}'
	as_u "$IAMCTL" iam change-password --old-password 'Password-Five-5' --new-password 'Password-Six-6!'
	like "$ERR" 'AccessDenied.*with an explicit deny' "an explicit deny wins over AllowUsersToChangePassword"
	"$IAMCTL" iam delete-user-policy --user-name alice --policy-name nochange
	CUR='Password-Five-5'
else
	for _ in 1 2 3 4 5 6 7 8; do skip "ChangePassword as a bound user" "needs root and setpriv"; done
	CUR=$P1
fi

# --- no password in the store or in the audit trail ---
for p in 'Tr0ub4dor&3x' "$P1" "$P2" "$P3" "$P4" 'Password-Five-5'; do
	is "$(grep -c -F -- "$p" "$DB")" 0 "'$p' is not in data.mdb"
done
run "$IAMCTL" audit lookup --event-name CreateLoginProfile
like "$OUT" '"userName":"alice"' "CreateLoginProfile is in the audit trail"
audit_written
found=0
for p in 'Tr0ub4dor&3x' "$P1" "$P2" "$P3" "$P4" 'Password-Five-5' 'Wrong-Password-1'; do
	find "$IAMD_STATE_DIR/audit" -type f -exec cat {} + | grep -q -F -- "$p" && found=1
done
is "$found" 0 "no password (nor a wrong one) in the audit files"

# --- restart keyd and iamd: the stored hash still verifies ---
ok "iamd stops" iamd_stop
ok "keyd stops" keyd_stop
keyd_start || bail_out "iam-keyd did not restart"
iamd_start || bail_out "iamd did not restart"
if can_switch_uid; then
	as_u "$IAMCTL" iam change-password --old-password "$CUR" --new-password 'Password-Seven-7'
	is "$RC" 0 "after both restart, ChangePassword with the current password"
else
	skip "ChangePassword after restart" "needs root and setpriv"
fi

# --- the AWS CLI through iam-gateway ---
if [ -x /usr/bin/aws ] && gateway_start; then
	export AWS_CONFIG_FILE="$TMP/no-config" AWS_SHARED_CREDENTIALS_FILE="$TMP/no-credentials"
	export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER="" AWS_EC2_METADATA_DISABLED=true
	run "$IAMCTL" iam create-access-key
	AWS_ACCESS_KEY_ID=$(echo "$OUT" | json_get '["AccessKey"]["AccessKeyId"]')
	AWS_SECRET_ACCESS_KEY=$(echo "$OUT" | json_get '["AccessKey"]["SecretAccessKey"]')
	export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	aws() { run /usr/bin/aws --endpoint-url "$IAMD_GATEWAY_URL" "$@"; }
	aws iam create-login-profile --user-name bob --password 'Bobs-Password-1' --password-reset-required
	is "$RC" 0 "aws iam create-login-profile"
	like "$OUT" '"PasswordResetRequired": true' "  prints the LoginProfile"
	aws iam get-login-profile --user-name bob
	like "$OUT" '"UserName": "bob"' "aws iam get-login-profile"
	aws iam update-login-profile --user-name bob --password 'bad'
	like "$ERR" 'An error occurred \(PasswordPolicyViolation\) when calling the UpdateLoginProfile operation: Password should have a minimum length of 12' \
		"aws iam update-login-profile: PasswordPolicyViolation as the CLI prints it"
	aws iam get-login-profile --user-name nobody
	like "$ERR" '\(NoSuchEntity\)' "  NoSuchEntity"
	# bob changes his own password, signing with his key
	"$IAMCTL" iam create-access-key --user-name bob >"$TMP/bob.json"
	AWS_ACCESS_KEY_ID=$(json_get '["AccessKey"]["AccessKeyId"]' <"$TMP/bob.json") \
	AWS_SECRET_ACCESS_KEY=$(json_get '["AccessKey"]["SecretAccessKey"]' <"$TMP/bob.json") \
		run /usr/bin/aws --endpoint-url "$IAMD_GATEWAY_URL" iam change-password \
		--old-password 'Bobs-Password-1' --new-password 'Bobs-Password-2'
	is "$RC" 0 "aws iam change-password signed with the user's own access key"
	aws iam delete-login-profile --user-name bob
	is "$RC" 0 "aws iam delete-login-profile"
	aws iam get-login-profile --user-name bob
	like "$ERR" 'NoSuchEntity' "  then it is gone"
	is "$(grep -c -F -- 'Bobs-Password' "$DB")" 0 "no password of the CLI's calls in data.mdb"
	audit_written
	is "$(find "$IAMD_STATE_DIR/audit" -type f -exec cat {} + | grep -c -F -- 'Bobs-Password')" 0 \
		"nor in the audit files"
	gateway_stop
else
	for _ in 1 2 3 4 5 6 7 8 9 10 11; do skip "the AWS CLI" "no /usr/bin/aws or gateway"; done
fi

# --- no copy of a password left in iamd's memory once answered ---
MEMSCAN=$top_builddir/tests/integration/memscan
if [ -x "$MEMSCAN" ] && "$MEMSCAN" "$IAMD_PID" probe >/dev/null 2>&1; [ $? != 77 ] && [ -x "$MEMSCAN" ]; then
	settled() { "$IAMCTL" sts get-caller-identity >/dev/null 2>&1; }
	left() { settled; _w=$("$MEMSCAN" "$IAMD_PID" "$1"); [ "${_w%% *}" = 0 ] || diag "$1 in:${_w#* }"; echo "${_w%% *}"; }
	run "$IAMCTL" iam create-user --user-name memuser
	ok "the scan reads iamd's memory (a user name is there)" [ "$(left memuser)" -gt 0 ]
	run "$IAMCTL" iam create-login-profile --user-name memuser --password 'Zq9!Memory-Pass-A'
	is "$(left 'Zq9!Memory-Pass-A')" 0 "no copy of CreateLoginProfile's password in iamd's memory"
	run "$IAMCTL" iam update-login-profile --user-name memuser --password 'zq9memorybad'
	is "$RC" 254 "(a password the policy refuses, answered without keyd)"
	is "$(left 'zq9memorybad')" 0 "no copy of the refused password either"
else
	for _ in 1 2 3 4; do skip "iamd's memory" "memscan cannot read it here"; done
fi

ok "iamd stops with status 0" iamd_stop
done_testing
