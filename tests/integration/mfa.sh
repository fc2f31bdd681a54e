#!/bin/sh
# mfa.sh: virtual MFA devices end to end with iam-keyd and iamd running
# (docs/mfa.md): CreateVirtualMFADevice (the Base32 seed once; python3
# computes RFC 6238 codes from it), EnableMFADevice with two consecutive
# codes, wrong codes, ListMFADevices, ListVirtualMFADevices by assignment
# status, tags; AssumeRole of a role whose trust policy requires
# aws:MultiFactorAuthPresent, refused without MFA and allowed with a code;
# a code used twice refused; ResyncMFADevice; GetSessionToken with MFA may
# call IAM, without may not; DeleteUser and DeleteVirtualMFADevice
# conflicts; DeactivateMFADevice; iamctl --outfile; the seed never in LMDB,
# the logs or the audit trail, the codes redacted in the audit trail.
. "$top_srcdir/tests/integration/lib.sh"

[ -x "$IAMD_KEYD" ] || skip_all "iam-keyd is not built"
command -v python3 >/dev/null || skip_all "python3 is needed"

unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE
export HOME="$TMP/home"
mkdir -p "$HOME"
IAMD_ACCOUNT_ID=111111111111
A=$IAMD_ACCOUNT_ID

keyd_start || bail_out "iam-keyd did not start"
iamd_start || bail_out "iamd did not start"

j() { printf '%s' "$OUT" | json_get "$1"; }
# jx EXPR: a Python expression of the answer v, as JSON
jx() { printf '%s' "$OUT" | python3 -c 'import json,sys; v=json.load(sys.stdin); print(json.dumps(eval(sys.argv[1])))' "$1"; }
as() {
	_u=$1
	shift
	eval "AWS_ACCESS_KEY_ID=\$${_u}_AK AWS_SECRET_ACCESS_KEY=\$${_u}_SK AWS_SESSION_TOKEN=\$${_u}_TK \"\$@\""
}
take() {
	eval "${1}_AK=\$(j '[\"Credentials\"][\"AccessKeyId\"]')"
	eval "${1}_SK=\$(j '[\"Credentials\"][\"SecretAccessKey\"]')"
	eval "${1}_TK=\$(j '[\"Credentials\"][\"SessionToken\"]')"
}

run "$IAMCTL" iam create-user --user-name alice
run "$IAMCTL" iam create-user --user-name bob
run "$IAMCTL" iam put-user-policy --user-name alice --policy-name iam --policy-document \
	'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListUsers","iam:ListMFADevices","sts:*"],"Resource":"*"}]}'
user_key alice

# --- create --------------------------------------------------------------------

B32="--outfile $TMP/seed --bootstrap-method Base32StringSeed"
run "$IAMCTL" iam create-virtual-mfa-device --virtual-mfa-device-name alice-phone \
	--tags Key=team,Value=blue
is "$RC" 252 "create-virtual-mfa-device needs --outfile and --bootstrap-method (AWS CLI)"
run "$IAMCTL" iam create-virtual-mfa-device --virtual-mfa-device-name alice-phone \
	--tags Key=team,Value=blue $B32
is "$RC" 0 "CreateVirtualMFADevice"
SERIAL=$(j '["VirtualMFADevice"]["SerialNumber"]')
is "$SERIAL" "arn:aws:iam::$A:mfa/alice-phone" "SerialNumber: arn:aws:iam::ACCOUNT:mfa/NAME"
SEED=$(cat "$TMP/seed")
like "$SEED" '^[A-Z2-7]{32}$' "Base32StringSeed: 32 Base32 characters"
unlike "$OUT" 'QRCodePNG' "the QRCodePNG blob is not printed either"
run "$IAMCTL" iam create-virtual-mfa-device --virtual-mfa-device-name ALICE-phone --path /x/ $B32
is "$RC" 254 "a second device of the same name (any case, any path)"
like "$ERR" 'EntityAlreadyExists.*MFADevice entity at the same path and name already exists' \
	"EntityAlreadyExists"
run "$IAMCTL" iam create-virtual-mfa-device --virtual-mfa-device-name 'bad/name' $B32
like "$ERR" "ValidationError.*virtualMFADeviceName" "a bad name: ValidationError naming the field"
run "$IAMCTL" iam create-virtual-mfa-device --virtual-mfa-device-name bob-key --path /team/ \
	--outfile "$TMP/bob.seed" --bootstrap-method Base32StringSeed
is "$RC" 0 "iamctl create-virtual-mfa-device --outfile --bootstrap-method Base32StringSeed"
BOB_SERIAL=$(j '["VirtualMFADevice"]["SerialNumber"]')
is "$BOB_SERIAL" "arn:aws:iam::$A:mfa/team/bob-key" "the path is in the serial number"
BOB_SEED=$(cat "$TMP/bob.seed")
like "$BOB_SEED" '^[A-Z2-7]{32}$' "the seed is written to the file, as the AWS CLI does"
unlike "$OUT" 'Base32StringSeed' "and not printed"
is "$(stat -c %a "$TMP/bob.seed")" 600 "the seed file is mode 0600"
run "$IAMCTL" iam create-virtual-mfa-device --virtual-mfa-device-name qr \
	--outfile "$TMP/qr.png" --bootstrap-method QRCodePNG
is "$RC" 0 "iamctl create-virtual-mfa-device --bootstrap-method QRCodePNG"
unlike "$OUT" 'QRCodePNG|Base32StringSeed' "neither blob is printed"
is "$(head -c 8 "$TMP/qr.png" | od -An -c | tr -d ' ')" '211PNG\r\n032\n' "the file is a PNG"
is "$(stat -c %a "$TMP/qr.png")" 600 "the PNG file is mode 0600"
if command -v zbarimg >/dev/null 2>&1; then
	QR=$(zbarimg -q --raw "$TMP/qr.png" 2>/dev/null)
	like "$QR" "^otpauth://totp/qr@$A\\?secret=[A-Z2-7]{32}\$" \
		"it decodes (ZBar) to otpauth://totp/NAME@ACCOUNT?secret=SEED"
	QR_SEED=${QR##*secret=}
	N=$(fresh_step)
	run "$IAMCTL" iam enable-mfa-device --user-name bob --serial-number "arn:aws:iam::$A:mfa/qr" \
		--authentication-code1 "$(totp "$QR_SEED" $((N - 1)))" \
		--authentication-code2 "$(totp "$QR_SEED" "$N")"
	is "$RC" 0 "codes from the scanned seed enable the device"
	run "$IAMCTL" iam deactivate-mfa-device --user-name bob --serial-number "arn:aws:iam::$A:mfa/qr"
else
	skip "zbarimg (zbar-tools) is not installed"
	skip "zbarimg (zbar-tools) is not installed"
fi
run "$IAMCTL" iam delete-virtual-mfa-device --serial-number "arn:aws:iam::$A:mfa/qr"
is "$RC" 0 "(the QR device deleted)"

run "$IAMCTL" iam list-virtual-mfa-devices --assignment-status Unassigned
is "$(jx '[d["SerialNumber"] for d in v["VirtualMFADevices"]]')" \
	"[\"arn:aws:iam::$A:mfa/alice-phone\", \"arn:aws:iam::$A:mfa/team/bob-key\"]" \
	"ListVirtualMFADevices Unassigned: both"
unlike "$OUT" 'Base32StringSeed' "lists never show the seed"

# --- enable ----------------------------------------------------------------------

N=$(fresh_step)
run "$IAMCTL" iam enable-mfa-device --user-name alice --serial-number "$SERIAL" \
	--authentication-code1 "$(totp "$SEED" $((N - 9)))" --authentication-code2 "$(totp "$SEED" $((N - 7)))"
is "$RC" 254 "EnableMFADevice with two codes that are not consecutive"
like "$ERR" 'InvalidAuthenticationCode.*Authentication code for device is not valid' \
	"InvalidAuthenticationCode"
run "$IAMCTL" iam enable-mfa-device --user-name alice --serial-number "$SERIAL" \
	--authentication-code1 12345 --authentication-code2 123456
like "$ERR" 'Invalid length for parameter AuthenticationCode1, value: 5, valid min length: 6' \
	"a five-digit code: refused by iamctl as by the AWS CLI (botocore's min length)"
unlike "$ERR" '12345' "... without echoing the code"
run "$IAMCTL" iam enable-mfa-device --user-name alice --serial-number "$SERIAL" \
	--authentication-code1 "$(totp "$SEED" $((N - 1)))" --authentication-code2 "$(totp "$SEED" "$N")"
is "$RC" 0 "EnableMFADevice with two consecutive codes"
run "$IAMCTL" iam enable-mfa-device --user-name bob --serial-number "$SERIAL" \
	--authentication-code1 "$(totp "$SEED" $((N + 3)))" --authentication-code2 "$(totp "$SEED" $((N + 4)))"
is "$RC" 254 "a device already assigned cannot be enabled again"
like "$ERR" 'EntityAlreadyExists' "EntityAlreadyExists"
run "$IAMCTL" iam enable-mfa-device --user-name alice --serial-number "arn:aws:iam::$A:mfa/nope" \
	--authentication-code1 123456 --authentication-code2 123456
like "$ERR" 'NoSuchEntity' "an unknown serial number: NoSuchEntity"

run "$IAMCTL" iam list-mfa-devices --user-name alice
is "$(j '["MFADevices"][0]["SerialNumber"]')" "$SERIAL" "ListMFADevices: alice's device"
is "$(j '["MFADevices"][0]["UserName"]')" alice "... with her name"
like "$(j '["MFADevices"][0]["EnableDate"]')" '^20[0-9][0-9]-' "... and EnableDate"
as alice run "$IAMCTL" iam list-mfa-devices
is "$(j '["MFADevices"][0]["SerialNumber"]')" "$SERIAL" "ListMFADevices without UserName: the caller's"
run "$IAMCTL" iam list-virtual-mfa-devices --assignment-status Assigned
is "$(jx '[d["SerialNumber"] for d in v["VirtualMFADevices"]]')" "[\"$SERIAL\"]" \
	"ListVirtualMFADevices Assigned"
is "$(j '["VirtualMFADevices"][0]["User"]["UserName"]')" alice "... with its user"
run "$IAMCTL" iam get-account-summary
is "$(jx '[v["SummaryMap"]["MFADevices"], v["SummaryMap"]["MFADevicesInUse"]]')" '[2, 1]' \
	"GetAccountSummary: MFADevices 2, MFADevicesInUse 1"
run "$IAMCTL" iam list-virtual-mfa-devices --assignment-status Maybe
like "$ERR" 'ValidationError.*assignmentStatus' "a bad AssignmentStatus"

# --- tags ------------------------------------------------------------------------

run "$IAMCTL" iam tag-mfa-device --serial-number "$SERIAL" --tags Key=owner,Value=alice
is "$RC" 0 "TagMFADevice"
run "$IAMCTL" iam untag-mfa-device --serial-number "$SERIAL" --tag-keys team
run "$IAMCTL" iam list-mfa-device-tags --serial-number "$SERIAL"
is "$(j '["Tags"]')" '[{"Key": "owner", "Value": "alice"}]' "ListMFADeviceTags after tag and untag"

# --- STS -------------------------------------------------------------------------

run "$IAMCTL" iam create-role --role-name needs-mfa --assume-role-policy-document \
	"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::$A:user/alice\"},\"Action\":\"sts:AssumeRole\",\"Condition\":{\"Bool\":{\"aws:MultiFactorAuthPresent\":\"true\"}}}]}"
is "$RC" 0 "a role whose trust policy requires MFA"
as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/needs-mfa" \
	--role-session-name s1
is "$RC" 254 "AssumeRole without MFA: refused by the trust policy"
like "$ERR" 'AccessDenied.*not authorized to perform: sts:AssumeRole' "AccessDenied"
C1=$(totp "$SEED" $((N + 1)))
AWS_ACCESS_KEY_ID=$alice_AK AWS_SECRET_ACCESS_KEY=wrongwrongwrongwrongwrongwrongwrongwrong \
	run "$IAMCTL" sts get-session-token --serial-number "$SERIAL" --token-code "$C1"
like "$ERR" 'SignatureDoesNotMatch' "a valid code with a bad signature: SignatureDoesNotMatch (the caller is proven before the code is tried)"
as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/needs-mfa" \
	--role-session-name s1 --serial-number "$SERIAL" --token-code "$C1"
is "$RC" 0 "AssumeRole with SerialNumber and a fresh TokenCode (not used up by the bad signature)"
take S
as S run "$IAMCTL" sts get-caller-identity
is "$(j '["Arn"]')" "arn:aws:sts::$A:assumed-role/needs-mfa/s1" "the session is the role's"
as alice run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/needs-mfa" \
	--role-session-name s1 --serial-number "$SERIAL" --token-code "$C1"
is "$RC" 254 "the same code again: refused (a code is used once)"
like "$ERR" 'AccessDenied.*MultiFactorAuthentication failed with invalid MFA one time pass code' \
	"AccessDenied, AWS's words"
BAD=$(printf '%06d' $(( ($(echo "$C1" | sed 's/^0*//;s/^$/0/') + 1) % 1000000 )))
as alice run "$IAMCTL" sts get-session-token --serial-number "$SERIAL" --token-code "$BAD"
is "$RC" 254 "GetSessionToken with a wrong code: refused"
like "$ERR" 'MultiFactorAuthentication failed with invalid MFA one time pass code' "... AWS's words"
as alice run "$IAMCTL" sts get-session-token --serial-number "$BOB_SERIAL" --token-code "$(totp "$BOB_SEED" "$N")"
like "$ERR" 'AccessDenied.*unable to validate MFA code' "another device than the caller's: refused"
as alice run "$IAMCTL" sts get-session-token --serial-number "$SERIAL"
is "$RC" 254 "SerialNumber without TokenCode: refused"

# resync: the device is "ahead" by about 6 steps
run "$IAMCTL" iam resync-mfa-device --user-name alice --serial-number "$SERIAL" \
	--authentication-code1 "$(totp "$SEED" $((N + 5)))" --authentication-code2 "$(totp "$SEED" $((N + 6)))"
is "$RC" 0 "ResyncMFADevice with two consecutive codes"
run "$IAMCTL" iam resync-mfa-device --user-name alice --serial-number "$SERIAL" \
	--authentication-code1 "$(totp "$SEED" $((N + 5)))" --authentication-code2 "$(totp "$SEED" $((N + 6)))"
like "$ERR" 'InvalidAuthenticationCode' "the same two codes again: InvalidAuthenticationCode"

as alice run "$IAMCTL" sts get-session-token
take T0
as T0 run "$IAMCTL" iam list-users
is "$RC" 254 "GetSessionToken credentials without MFA may not call IAM"
like "$ERR" 'InvalidClientTokenId' "(InvalidClientTokenId, as AWS)"
as alice run "$IAMCTL" sts get-session-token --serial-number "$SERIAL" \
	--token-code "$(totp "$SEED" $((N + 7)))"
is "$RC" 0 "GetSessionToken with MFA (a code after the resync)"
take T1
as T1 run "$IAMCTL" iam list-users
is "$RC" 0 "its credentials may call IAM"
like "$OUT" '"UserName": "alice"' "... and are answered"
as T1 run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/needs-mfa" \
	--role-session-name s2
is "$RC" 0 "MFA session credentials assume the MFA-only role without a new code"
# a session got without MFA, then AssumeRole with its user's code: the
# code counts for the trust policy (carol: a device of her own, no drift)
run "$IAMCTL" iam create-user --user-name carol
run "$IAMCTL" iam put-user-policy --user-name carol --policy-name sts --policy-document \
	'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:*","Resource":"*"}]}'
user_key carol
run "$IAMCTL" iam create-virtual-mfa-device --virtual-mfa-device-name carol-phone \
	--outfile "$TMP/carol.seed" --bootstrap-method Base32StringSeed
CAROL_SERIAL="arn:aws:iam::$A:mfa/carol-phone"
CAROL_SEED=$(cat "$TMP/carol.seed")
CN=$(fresh_step)
run "$IAMCTL" iam enable-mfa-device --user-name carol --serial-number "$CAROL_SERIAL" \
	--authentication-code1 "$(totp "$CAROL_SEED" $((CN - 2)))" \
	--authentication-code2 "$(totp "$CAROL_SEED" $((CN - 1)))"
is "$RC" 0 "carol's device enabled"
run "$IAMCTL" iam update-assume-role-policy --role-name needs-mfa --policy-document \
	"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[\"arn:aws:iam::$A:user/alice\",\"arn:aws:iam::$A:user/carol\"]},\"Action\":\"sts:AssumeRole\",\"Condition\":{\"Bool\":{\"aws:MultiFactorAuthPresent\":\"true\"}}}]}"
as carol run "$IAMCTL" sts get-session-token
take CT
as CT run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/needs-mfa" \
	--role-session-name s3
is "$RC" 254 "credentials got without MFA: refused by the MFA-only role"
as CT run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/needs-mfa" \
	--role-session-name s3 --serial-number "$CAROL_SERIAL" --token-code "$(totp "$CAROL_SEED" "$(now_step)")"
is "$RC" 0 "... allowed with the user's SerialNumber and a code: the code counts, as on AWS"
take S3
as S3 run "$IAMCTL" sts get-caller-identity
is "$(j '["Arn"]')" "arn:aws:sts::$A:assumed-role/needs-mfa/s3" "the session is the role's"
as CT run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/needs-mfa" \
	--role-session-name s4 --serial-number "$SERIAL" --token-code "$(totp "$SEED" "$(now_step)")"
like "$ERR" 'AccessDenied.*unable to validate MFA code' "another user's device: refused"
as S3 run "$IAMCTL" sts assume-role --role-arn "arn:aws:iam::$A:role/needs-mfa" \
	--role-session-name s5 --serial-number "$CAROL_SERIAL" --token-code "$(totp "$CAROL_SEED" "$(now_step)")"
is "$RC" 254 "a role session has no MFA device of its own: refused"

# --- conflicts, deactivate, delete -----------------------------------------------

BN=$(fresh_step)
run "$IAMCTL" iam enable-mfa-device --user-name bob --serial-number "$BOB_SERIAL" \
	--authentication-code1 "$(totp "$BOB_SEED" $((BN - 1)))" --authentication-code2 "$(totp "$BOB_SEED" "$BN")"
is "$RC" 0 "bob's device enabled"
run "$IAMCTL" iam delete-user --user-name bob
is "$RC" 254 "DeleteUser while the user has an MFA device"
like "$ERR" 'DeleteConflict.*Cannot delete entity, must delete MFA device first' "DeleteConflict"
run "$IAMCTL" iam delete-virtual-mfa-device --serial-number "$BOB_SERIAL"
is "$RC" 254 "DeleteVirtualMFADevice while assigned"
like "$ERR" 'DeleteConflict' "DeleteConflict"
run "$IAMCTL" iam deactivate-mfa-device --user-name alice --serial-number "$BOB_SERIAL"
like "$ERR" 'NoSuchEntity' "deactivating another user's device: NoSuchEntity"
run "$IAMCTL" iam deactivate-mfa-device --user-name bob --serial-number "$BOB_SERIAL"
is "$RC" 0 "DeactivateMFADevice"
run "$IAMCTL" iam list-mfa-devices --user-name bob
is "$(j '["MFADevices"]')" '[]' "bob has no device now"
run "$IAMCTL" iam delete-virtual-mfa-device --serial-number "$BOB_SERIAL"
is "$RC" 0 "DeleteVirtualMFADevice once unassigned"
run "$IAMCTL" iam delete-user --user-name bob
is "$RC" 0 "DeleteUser then"
run "$IAMCTL" iam delete-virtual-mfa-device --serial-number "$BOB_SERIAL"
like "$ERR" 'NoSuchEntity' "deleted: NoSuchEntity"

# --- the seed is a secret ---------------------------------------------------------

iamd_stop
found=
for f in $(find "$IAMD_STATE_DIR" "$IAMD_KEYD_STATE_DIR" -type f) "$IAMD_LOG" "$IAMD_KEYD_LOG"; do
	if grep -aq -e "$SEED" -e "$BOB_SEED" "$f" 2>/dev/null; then found="$found $f"; fi
	b64=$(printf '%s' "$SEED" | base64)
	if grep -aq -e "$b64" "$f" 2>/dev/null; then found="$found $f(base64)"; fi
done
is "$found" "" "neither seed (nor its base64) is in LMDB, keyd's state, the logs or the audit trail"
AUD=$(find "$IAMD_STATE_DIR" -path '*audit*' -type f -name '*.json*' | head -n 1)
if [ -n "$AUD" ]; then
	all=$(find "$IAMD_STATE_DIR" -path '*audit*' -type f -exec cat {} + 2>/dev/null)
	like "$all" 'EnableMFADevice' "the audit trail has the MFA calls"
	unlike "$all" "$C1" "the codes are not in the audit trail"
	unlike "$all" '"authenticationCode1": *"[0-9]' "AuthenticationCode1 is redacted"
else
	skip "the audit trail checks" "no audit files found"
fi

done_testing
