#!/bin/sh
# gateway_boto3.sh: runs tests/integration/gateway_boto3.py (Debian's
# python3-boto3, /usr/bin/python3) against iam-gateway with a root key
# made through iamctl.
. "$top_srcdir/tests/integration/lib.sh"

/usr/bin/python3 -c 'import boto3' 2>/dev/null || skip_all "no python3-boto3"
keyd_start || bail_out "iam-keyd did not start"
iamd_start || bail_out "iamd did not start"
gateway_start || bail_out "iam-gateway did not start"
"$IAMCTL" iam create-access-key >"$TMP/root.json" || bail_out "no root access key"
/usr/bin/python3 "$top_srcdir/tests/integration/gateway_boto3.py" "$IAMD_GATEWAY_URL" \
	"$(json_get '["AccessKey"]["AccessKeyId"]' <"$TMP/root.json")" \
	"$(json_get '["AccessKey"]["SecretAccessKey"]' <"$TMP/root.json")" >"$TMP/boto3.tap" 2>&1
RC=$?
# re-number the script's results into this file's plan
while IFS= read -r line; do
	case "$line" in
	"ok "*) pass "boto3: ${line#ok [0-9]* - }" ;;
	"not ok "*) fail "boto3: ${line#not ok [0-9]* - }" ;;
	"#"*) diag "${line#\# }" ;;
	"1.."*) ;;
	*) diag "$line" ;;
	esac
done <"$TMP/boto3.tap"
is "$RC" 0 "gateway_boto3.py exits 0"
ok "iam-gateway stops" gateway_stop
done_testing
