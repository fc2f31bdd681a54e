#!/bin/sh
# `iamctl policy validate`: exit status, positioned errors, warnings, types.
set -u
: "${top_srcdir:=$(dirname "$0")/../..}"
: "${top_builddir:=.}"
cli="$top_builddir/tests/policy/iamctl-policy"
[ -x "$cli" ] || { echo "1..0 # SKIP $cli not built"; exit 0; }
d="$top_srcdir/tests/policy/validate"
n=0
check() { # name, condition (shell status of the last command)
	n=$((n + 1))
	if [ "$2" -eq 0 ]; then echo "ok $n - $1"; else echo "not ok $n - $1"; fi
}
out=$("$cli" validate "$d/good-identity.json"); check "a valid identity policy passes" $?
echo "$out" | grep -q "ok (identity policy, 1 statement)"; check "and says so" $?
out=$("$cli" validate "$d/bad-effect.json"); st=$?
[ $st -eq 1 ]; check "a bad Effect fails with status 1" $?
echo "$out" | grep -q 'bad-effect.json:5:17: error: MalformedPolicyDocument: .*Statement\[0\].Effect'
check "the error names the path and line:column" $?
out=$("$cli" validate "$d/bad-syntax.json"); st=$?
[ $st -eq 1 ]; check "a JSON syntax error fails" $?
echo "$out" | grep -q 'bad-syntax.json:4:61: error: .*invalid JSON'; check "syntax error positioned" $?
out=$("$cli" validate "$d/trust.json"); [ $? -eq 1 ]; check "a trust policy is not an identity policy" $?
echo "$out" | grep -q 'trust.json:3:16: error: .*Resource'; check "the missing Resource is named" $?
out=$("$cli" validate --type trust "$d/trust.json"); check "--type trust accepts it" $?
out=$("$cli" validate --type resource "$d/good-identity.json"); [ $? -eq 1 ]; check "a resource policy needs a Principal" $?
out=$("$cli" validate "$d/warn-passrole.json"); check "warnings do not fail" $?
[ "$(echo "$out" | grep -c 'warning: .*PassRole')" -eq 2 ]; check "iam:PassRole with * warned for each statement" $?
echo "$out" | grep -q 'warning: .*redundant statement'; check "the duplicate statement is reported" $?
out=$("$cli" validate "$d/good-identity.json" "$d/bad-effect.json"); [ $? -eq 1 ]; check "one bad file of two fails the run" $?
echo "$out" | grep -q "good-identity.json: ok"; check "and the good one is still checked" $?
out=$("$cli" validate --type nonsense "$d/good-identity.json" 2>&1); [ $? -eq 2 ]; check "an unknown --type is a usage error" $?
# eval keeps going after an invalid policy and names it
out=$(printf '%s\n' '{"id":"bad","request":{"principal":"arn:aws:iam::111122223333:user/a","action":"s3:GetObject","resource":"*"},"identityPolicies":[{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*"}}]}' \
	'{"id":"good","request":{"principal":"arn:aws:iam::111122223333:user/a","action":"s3:GetObject","resource":"*"},"identityPolicies":["{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}}"]}' \
	'not json' | "$cli" eval -)
echo "$out" | sed -n 1p | grep -q '"decision": *"Error".*identityPolicies\[0\].*Statement.*line 1, column'
check "eval: an invalid policy is an Error naming the policy and position" $?
echo "$out" | sed -n 2p | grep -q '"id": *"good", *"decision": *"Allow"'; check "eval: the next case is still decided" $?
echo "$out" | sed -n 3p | grep -q '"decision": *"Error"'; check "eval: a line that is not JSON is an Error" $?
out=$(printf '[%s]' '{"id":"x","request":{"principal":"arn:aws:iam::111122223333:user/a","action":"s3:GetObject","resource":"*"}}' | "$cli" eval --explain -)
echo "$out" | grep -q '"decision": *"ImplicitDeny".*"missingAllow": *"identity"'; check "eval: a JSON array, --explain names the missing layer" $?
echo "1..$n"
