#!/bin/sh
# mfa_awscli.sh: virtual MFA devices with the AWS CLI v2 (/usr/bin/aws)
# through iam-gateway (docs/mfa.md): create-virtual-mfa-device --outfile
# --bootstrap-method Base32StringSeed (the blob base64 in the XML, decoded
# by the CLI into the file) and QRCodePNG (the picture ZBar decodes, whose
# seed enables the device), enable-mfa-device, list-mfa-devices,
# list-virtual-mfa-devices, get-session-token with --serial-number and
# --token-code (its credentials may call IAM), a wrong code, then
# deactivate and delete. python3 computes the RFC 6238 codes.
. "$top_srcdir/tests/integration/lib.sh"

AWS_BIN=/usr/bin/aws
[ -x "$AWS_BIN" ] || skip_all "no $AWS_BIN (apt-get install awscli)"
command -v python3 >/dev/null || skip_all "no python3"

keyd_start || bail_out "iam-keyd did not start"
iamd_start || bail_out "iamd did not start"
gateway_start --timeout 3 || bail_out "iam-gateway did not start"

export AWS_CONFIG_FILE="$TMP/no-config" AWS_SHARED_CREDENTIALS_FILE="$TMP/no-credentials"
export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER="" AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL 2>/dev/null

q() { _q=$1; shift; run "$AWS_BIN" --endpoint-url "$IAMD_GATEWAY_URL" --output text --query "$_q" "$@"; }
use_keys() {
	AWS_ACCESS_KEY_ID=$(json_get '["AccessKey"]["AccessKeyId"]' <"$1")
	AWS_SECRET_ACCESS_KEY=$(json_get '["AccessKey"]["SecretAccessKey"]' <"$1")
	export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	unset AWS_SESSION_TOKEN
}

run "$IAMCTL" iam create-access-key
echo "$OUT" >"$TMP/root.json"
run "$IAMCTL" iam create-user --user-name alice
run "$IAMCTL" iam put-user-policy --user-name alice --policy-name p --policy-document \
	'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListUsers","sts:*"],"Resource":"*"}]}'
run "$IAMCTL" iam create-access-key --user-name alice
echo "$OUT" >"$TMP/alice.json"
use_keys "$TMP/root.json"
ACCT=$("$IAMCTL" sts get-caller-identity | json_get '["Account"]')

q 'VirtualMFADevice.SerialNumber' iam create-virtual-mfa-device --virtual-mfa-device-name phone \
	--outfile "$TMP/seed" --bootstrap-method Base32StringSeed
is "$RC" 0 "aws iam create-virtual-mfa-device --outfile --bootstrap-method Base32StringSeed"
is "$OUT" "arn:aws:iam::$ACCT:mfa/phone" "the serial number"
SERIAL=$OUT
SEED=$(cat "$TMP/seed")
like "$SEED" '^[A-Z2-7]{32}$' "the CLI decoded the blob into the file: 32 Base32 characters"

q 'VirtualMFADevice.SerialNumber' iam create-virtual-mfa-device --virtual-mfa-device-name scan \
	--outfile "$TMP/scan.png" --bootstrap-method QRCodePNG
is "$RC" 0 "aws iam create-virtual-mfa-device --bootstrap-method QRCodePNG"
is "$(head -c 4 "$TMP/scan.png" | od -An -c | tr -d ' ')" '211PNG' "the CLI wrote a PNG"
if command -v zbarimg >/dev/null 2>&1; then
	QR=$(zbarimg -q --raw "$TMP/scan.png" 2>/dev/null)
	like "$QR" "^otpauth://totp/scan@$ACCT\\?secret=[A-Z2-7]{32}\$" \
		"it decodes (ZBar) to otpauth://totp/NAME@ACCOUNT?secret=SEED"
	N=$(fresh_step)
	run "$AWS_BIN" --endpoint-url "$IAMD_GATEWAY_URL" iam enable-mfa-device --user-name alice \
		--serial-number "arn:aws:iam::$ACCT:mfa/scan" \
		--authentication-code1 "$(totp "${QR##*secret=}" $((N - 1)))" \
		--authentication-code2 "$(totp "${QR##*secret=}" "$N")"
	is "$RC" 0 "codes from the scanned seed enable the device"
	run "$AWS_BIN" --endpoint-url "$IAMD_GATEWAY_URL" iam deactivate-mfa-device --user-name alice \
		--serial-number "arn:aws:iam::$ACCT:mfa/scan"
else
	skip "zbarimg (zbar-tools) is not installed"
	skip "zbarimg (zbar-tools) is not installed"
fi
run "$AWS_BIN" --endpoint-url "$IAMD_GATEWAY_URL" iam delete-virtual-mfa-device \
	--serial-number "arn:aws:iam::$ACCT:mfa/scan"
is "$RC" 0 "(that device deleted)"

N=$(fresh_step)
run "$AWS_BIN" --endpoint-url "$IAMD_GATEWAY_URL" iam enable-mfa-device --user-name alice \
	--serial-number "$SERIAL" --authentication-code1 "$(totp "$SEED" $((N - 3)))" \
	--authentication-code2 "$(totp "$SEED" $((N - 1)))"
like "$ERR" 'InvalidAuthenticationCode' "two codes that are not consecutive: InvalidAuthenticationCode"
run "$AWS_BIN" --endpoint-url "$IAMD_GATEWAY_URL" iam enable-mfa-device --user-name alice \
	--serial-number "$SERIAL" --authentication-code1 "$(totp "$SEED" $((N - 1)))" \
	--authentication-code2 "$(totp "$SEED" "$N")"
is "$RC" 0 "aws iam enable-mfa-device"
q 'MFADevices[].[UserName,SerialNumber]' iam list-mfa-devices --user-name alice
is "$OUT" "alice	$SERIAL" "aws iam list-mfa-devices"
q 'VirtualMFADevices[].[SerialNumber,User.UserName]' iam list-virtual-mfa-devices --assignment-status Assigned
is "$OUT" "$SERIAL	alice" "aws iam list-virtual-mfa-devices --assignment-status Assigned"

use_keys "$TMP/alice.json"
run "$AWS_BIN" --endpoint-url "$IAMD_GATEWAY_URL" sts get-session-token \
	--serial-number "$SERIAL" --token-code 000000
[ "$(totp "$SEED" "$N")" = 000000 ] || [ "$(totp "$SEED" $((N + 1)))" = 000000 ] ||
like "$ERR" 'AccessDenied.*MultiFactorAuthentication failed with invalid MFA one time pass code' \
	"aws sts get-session-token with a wrong code: AccessDenied"
run "$AWS_BIN" --endpoint-url "$IAMD_GATEWAY_URL" --output json sts get-session-token \
	--serial-number "$SERIAL" --token-code "$(totp "$SEED" $((N + 1)))"
is "$RC" 0 "aws sts get-session-token --serial-number --token-code"
AWS_ACCESS_KEY_ID=$(echo "$OUT" | json_get '["Credentials"]["AccessKeyId"]')
AWS_SECRET_ACCESS_KEY=$(echo "$OUT" | json_get '["Credentials"]["SecretAccessKey"]')
AWS_SESSION_TOKEN=$(echo "$OUT" | json_get '["Credentials"]["SessionToken"]')
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
q 'Users[].UserName' iam list-users
is "$OUT" "alice" "the MFA session's credentials call IAM"

use_keys "$TMP/root.json"
run "$AWS_BIN" --endpoint-url "$IAMD_GATEWAY_URL" iam delete-virtual-mfa-device --serial-number "$SERIAL"
like "$ERR" 'DeleteConflict' "aws iam delete-virtual-mfa-device while assigned: DeleteConflict"
run "$AWS_BIN" --endpoint-url "$IAMD_GATEWAY_URL" iam deactivate-mfa-device --user-name alice --serial-number "$SERIAL"
is "$RC" 0 "aws iam deactivate-mfa-device"
run "$AWS_BIN" --endpoint-url "$IAMD_GATEWAY_URL" iam delete-virtual-mfa-device --serial-number "$SERIAL"
is "$RC" 0 "aws iam delete-virtual-mfa-device"
q 'VirtualMFADevices' iam list-virtual-mfa-devices
is "$OUT" "" "no device left"

done_testing
