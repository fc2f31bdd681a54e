#!/bin/sh
# credential_report.sh: GenerateCredentialReport and GetCredentialReport
# (docs/passwords.md): ReportNotPresent before one, STARTED then COMPLETE,
# AWS's CSV columns in AWS's order, the <root_account> row, and the values
# of users with and without a password, access keys (active, inactive,
# used), an MFA device and a password policy with MaxPasswordAge; the
# Content as base64 over the Query API, decoded by the AWS CLI / boto3.
. "$top_srcdir/tests/integration/lib.sh"
command -v python3 >/dev/null || skip_all "no python3"

keyd_start || bail_out "iam-keyd did not start"
iamd_start || bail_out "iamd did not start"

run "$IAMCTL" iam get-credential-report
like "$ERR" 'ReportNotPresent' "GetCredentialReport before any: ReportNotPresent"

run "$IAMCTL" iam create-user --user-name alice
run "$IAMCTL" iam create-user --user-name bob
run "$IAMCTL" iam create-user --user-name 'carol,jr'
run "$IAMCTL" iam update-account-password-policy --minimum-password-length 8 --max-password-age 30
run "$IAMCTL" iam create-login-profile --user-name alice --password 'Alice-Pass-1'
is "$RC" 0 "alice has a password"
run "$IAMCTL" iam create-access-key --user-name alice
K1=$(echo "$OUT" | json_get '["AccessKey"]["AccessKeyId"]')
S1=$(echo "$OUT" | json_get '["AccessKey"]["SecretAccessKey"]')
# the report puts the older key first; dates are whole seconds, so two keys
# made in the same second would come in either order
sleep 1.1
run "$IAMCTL" iam create-access-key --user-name alice
K2=$(echo "$OUT" | json_get '["AccessKey"]["AccessKeyId"]')
run "$IAMCTL" iam update-access-key --user-name alice --access-key-id "$K2" --status Inactive
run "$IAMCTL" iam put-user-policy --user-name alice --policy-name p --policy-document \
	'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}'
AWS_ACCESS_KEY_ID=$K1 AWS_SECRET_ACCESS_KEY=$S1 run "$IAMCTL" iam list-users
is "$RC" 0 "alice's first key signs a call (its last use is recorded)"
run "$IAMCTL" iam create-virtual-mfa-device --virtual-mfa-device-name bobs \
	--outfile "$TMP/seed" --bootstrap-method Base32StringSeed
SEED=$(cat "$TMP/seed")
ACCT=$("$IAMCTL" sts get-caller-identity | json_get '["Account"]')
totp() {
	python3 - "$1" "$2" <<'EOF'
import base64, hmac, hashlib, struct, sys
k = base64.b32decode(sys.argv[1]); c = int(sys.argv[2])
h = hmac.new(k, struct.pack(">Q", c), hashlib.sha1).digest()
o = h[-1] & 15
print("%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7fffffff) % 1000000))
EOF
}
N=$(($(date +%s) / 30))
run "$IAMCTL" iam enable-mfa-device --user-name bob --serial-number "arn:aws:iam::$ACCT:mfa/bobs" \
	--authentication-code1 "$(totp "$SEED" $((N - 1)))" --authentication-code2 "$(totp "$SEED" "$N")"
is "$RC" 0 "bob has an MFA device"

run "$IAMCTL" iam generate-credential-report
is "$RC" 0 "GenerateCredentialReport"
like "$OUT" '"State": "STARTED"' "  the first one: STARTED"
run "$IAMCTL" iam generate-credential-report
like "$OUT" '"State": "COMPLETE"' "  again within 4 hours: COMPLETE"
run "$IAMCTL" iam get-credential-report
is "$RC" 0 "GetCredentialReport"
like "$OUT" '"ReportFormat": "text/csv"' "  ReportFormat text/csv"
like "$OUT" '"GeneratedTime": "[0-9]{4}-' "  GeneratedTime"
echo "$OUT" | json_get '["Content"]' | base64 -d >"$TMP/report.csv"
is "$(head -1 "$TMP/report.csv")" \
	'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated' \
	"the Content (base64) is AWS's CSV header"
col() {   # col USER COLUMN: the value in the report
	python3 - "$TMP/report.csv" "$1" "$2" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print([r for r in rows if r["user"] == sys.argv[2]][0][sys.argv[3]])
EOF
}
is "$(wc -l <"$TMP/report.csv" | tr -d ' ')" 5 "a header, the root and three users"
is "$(sed -n 2p "$TMP/report.csv" | cut -d, -f1)" '<root_account>' "the root's row comes first"
is "$(col '<root_account>' arn)" "arn:aws:iam::$ACCT:root" "  its ARN"
is "$(col '<root_account>' password_enabled)" not_supported "  password_enabled not_supported"
is "$(col alice password_enabled)" true "alice: password_enabled true"
like "$(col alice password_last_changed)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\+00:00$' \
	"  password_last_changed in ISO 8601"
is "$(col alice password_last_used)" no_information "  password_last_used no_information (never used)"
CH=$(col alice password_last_changed)
NEXT=$(python3 -c "import datetime,sys; d=datetime.datetime.fromisoformat('$CH'); print((d+datetime.timedelta(days=30)).isoformat())")
is "$(col alice password_next_rotation)" "$NEXT" "  password_next_rotation: 30 days (MaxPasswordAge) after"
is "$(col alice access_key_1_active)" true "  access_key_1_active true"
is "$(col alice access_key_1_last_used_service)" iam "  access_key_1_last_used_service iam"
like "$(col alice access_key_1_last_used_date)" '^[0-9]{4}-' "  access_key_1_last_used_date"
is "$(col alice access_key_2_active)" false "  access_key_2 (Inactive): false"
like "$(col alice access_key_2_last_rotated)" '^[0-9]{4}-' "  access_key_2_last_rotated its creation"
is "$(col alice access_key_2_last_used_date)" N/A "  access_key_2_last_used_date N/A"
is "$(col alice mfa_active)" false "  mfa_active false"
is "$(col bob password_enabled)" false "bob: password_enabled false"
is "$(col bob password_last_used)" N/A "  password_last_used N/A"
is "$(col bob password_next_rotation)" N/A "  password_next_rotation N/A"
is "$(col bob mfa_active)" true "  mfa_active true"
is "$(col bob access_key_1_active)" false "  no key: access_key_1_active false"
is "$(col bob access_key_1_last_rotated)" N/A "  access_key_1_last_rotated N/A"
is "$(col bob cert_1_active),$(col bob cert_1_last_rotated)" "false,N/A" "  cert_1 false, N/A"
is "$(col 'carol,jr' arn)" "arn:aws:iam::$ACCT:user/carol,jr" \
	"a user name with a comma is quoted (RFC 4180)"

# another account's report is its own, and goes with the account
run "$IAMCTL" iamd create-account --account-id 222233334444
run "$IAMCTL" --as-account 222233334444 iam generate-credential-report
like "$OUT" '"State": "STARTED"' "another account makes its own report"
run "$IAMCTL" --as-account 222233334444 iam get-credential-report
is "$(echo "$OUT" | json_get '["Content"]' | base64 -d | wc -l | tr -d ' ')" 2 \
	"  with its root alone"
run "$IAMCTL" iamd delete-account --account-id 222233334444
run "$IAMCTL" iamd create-account --account-id 222233334444
run "$IAMCTL" --as-account 222233334444 iam get-credential-report
like "$ERR" 'ReportNotPresent' "  deleted with the account (a new one of the same id has none)"

if [ -x /usr/bin/aws ] && gateway_start; then
	export AWS_CONFIG_FILE="$TMP/no-config" AWS_SHARED_CREDENTIALS_FILE="$TMP/no-credentials"
	export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER="" AWS_EC2_METADATA_DISABLED=true
	run "$IAMCTL" iam create-access-key
	AWS_ACCESS_KEY_ID=$(echo "$OUT" | json_get '["AccessKey"]["AccessKeyId"]')
	AWS_SECRET_ACCESS_KEY=$(echo "$OUT" | json_get '["AccessKey"]["SecretAccessKey"]')
	export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	run /usr/bin/aws --endpoint-url "$IAMD_GATEWAY_URL" iam generate-credential-report
	like "$OUT" '"State": "COMPLETE"' "aws iam generate-credential-report"
	run /usr/bin/aws --endpoint-url "$IAMD_GATEWAY_URL" iam get-credential-report \
		--query Content --output text
	is "$(echo "$OUT" | base64 -d | head -1 | cut -d, -f1-4)" \
		'user,arn,user_creation_time,password_enabled' \
		"aws iam get-credential-report: the blob, base64 as the CLI prints it"
	if python3 -c 'import boto3' 2>/dev/null; then
		run python3 -c '
import boto3, sys
c = boto3.client("iam", endpoint_url=sys.argv[1])
r = c.get_credential_report()
print(r["ReportFormat"], r["Content"].decode().splitlines()[2].split(",")[0])' "$IAMD_GATEWAY_URL"
		is "$OUT" "text/csv alice" "boto3 decodes Content to the CSV bytes"
	else
		skip "boto3" "python3-boto3 is not installed"
	fi
	gateway_stop
else
	for _ in 1 2 3; do skip "the AWS CLI" "no /usr/bin/aws or gateway"; done
fi

ok "iamd stops with status 0" iamd_stop
done_testing
