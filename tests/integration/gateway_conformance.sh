#!/bin/sh
# gateway_conformance.sh: runs tests/integration/gateway_conformance.py
# (Debian's python3-boto3 and /usr/bin/aws) against iam-gateway with a root
# key made through iamctl: the less-travelled paths of the IAM and STS
# actions, their values, errors, statuses and messages as AWS documents them.
. "$top_srcdir/tests/integration/lib.sh"

/usr/bin/python3 -c 'import boto3' 2>/dev/null || skip_all "no python3-boto3"
keyd_start || bail_out "iam-keyd did not start"
iamd_start || bail_out "iamd did not start"
gateway_start || bail_out "iam-gateway did not start"
"$IAMCTL" iam create-access-key >"$TMP/root.json" || bail_out "no root access key"
/usr/bin/python3 "$top_srcdir/tests/integration/gateway_conformance.py" "$IAMD_GATEWAY_URL" \
	"$(json_get '["AccessKey"]["AccessKeyId"]' <"$TMP/root.json")" \
	"$(json_get '["AccessKey"]["SecretAccessKey"]' <"$TMP/root.json")" \
	/usr/bin/aws >"$TMP/conformance.tap" 2>&1
RC=$?
# re-number the script's results into this file's plan
while IFS= read -r line; do
	case "$line" in
	"ok "*) pass "${line#ok [0-9]* - }" ;;
	"not ok "*) fail "${line#not ok [0-9]* - }" ;;
	"#"*) diag "${line#\# }" ;;
	"1.."*) ;;
	*) diag "$line" ;;
	esac
done <"$TMP/conformance.tap"
is "$RC" 0 "gateway_conformance.py exits 0"
ok "iam-gateway stops" gateway_stop
done_testing
