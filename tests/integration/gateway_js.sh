#!/bin/sh
# gateway_js.sh: the AWS SDK for JavaScript v3 (@aws-sdk/client-iam and
# @aws-sdk/client-sts from npm, the versions pinned in tests/js/package.json
# and package-lock.json) against iam-gateway: tests/js/gateway_sdk.mjs with a
# root key made through iamctl.
#
# The packages are installed by tests/js/install.sh (`npm ci` into
# $top_builddir/tests/js/node_modules, once per package-lock.json), which
# `./dev.sh test` runs beforehand. Without node 20+
# or npm, or when the npm registry cannot be reached, the file is skipped
# ("1..0 # SKIP") and says why - unless IAMD_REQUIRE_JS=1 (CI), where that is a
# failure.
. "$top_srcdir/tests/integration/lib.sh"

unavailable() {
	if [ "${IAMD_REQUIRE_JS:-0}" = 1 ]; then
		fail "the JavaScript SDK is available (IAMD_REQUIRE_JS=1): $1"
		done_testing
	fi
	skip_all "$1"
}

JS_SRC=$top_srcdir/tests/js
JS_DIR=$top_builddir/tests/js
sh "$JS_SRC/install.sh" "$top_builddir" 2>"$TMP/npm.log"
case $? in
0) ;;
2) unavailable "$(tail -n 1 "$TMP/npm.log")" ;;
*) diag "$(tail -n 15 "$TMP/npm.log")"
   unavailable "npm ci failed (is the npm registry reachable?)" ;;
esac
diag "@aws-sdk/client-iam $(node -p "require('$JS_DIR/node_modules/@aws-sdk/client-iam/package.json').version"), node $(node --version)"

keyd_start || bail_out "iam-keyd did not start"
iamd_start || bail_out "iamd did not start"
gateway_start || bail_out "iam-gateway did not start"
"$IAMCTL" iam create-access-key >"$TMP/root.json" || bail_out "no root access key"

# The script imports the packages from the build tree's node_modules: run
# it from there (ESM resolves bare names from the importing file).
cp "$JS_SRC/gateway_sdk.mjs" "$JS_DIR/gateway_sdk.mjs" 2>/dev/null || true
chmod u+w "$JS_DIR/gateway_sdk.mjs" 2>/dev/null
# no shared config or credentials file, no proxy, no instance metadata
env -u AWS_PROFILE -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN \
	-u AWS_ENDPOINT_URL -u HTTP_PROXY -u http_proxy \
	AWS_CONFIG_FILE="$TMP/no-config" AWS_SHARED_CREDENTIALS_FILE="$TMP/no-credentials" \
	AWS_EC2_METADATA_DISABLED=true \
	timeout 300 node --no-warnings "$JS_DIR/gateway_sdk.mjs" "$IAMD_GATEWAY_URL" \
	"$(json_get '["AccessKey"]["AccessKeyId"]' <"$TMP/root.json")" \
	"$(json_get '["AccessKey"]["SecretAccessKey"]' <"$TMP/root.json")" >"$TMP/js.tap" 2>&1
RC=$?
# re-number the script's results into this file's plan
while IFS= read -r line; do
	case "$line" in
	"ok "*) pass "js: ${line#ok [0-9]* - }" ;;
	"not ok "*"# TODO"*)   # a known failure, TAP's TODO: not counted
		_tap_n=$((_tap_n + 1))
		printf 'not ok %d - js: %s\n' "$_tap_n" "${line#not ok [0-9]* - }" ;;
	"not ok "*) fail "js: ${line#not ok [0-9]* - }" ;;
	"#"*) diag "${line#\# }" ;;
	"1.."*) ;;
	*) diag "$line" ;;
	esac
done <"$TMP/js.tap"
is "$RC" 0 "gateway_sdk.mjs exits 0"
ok "iam-gateway stops" gateway_stop
done_testing
