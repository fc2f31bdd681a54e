#!/bin/sh
# simulate_diff.sh: differential test of the policy simulator. Random cases
# from tests/policy/gencases.py (fixed seeds) and a slice of the hand-written
# tests/policy/*.jsonl go to iamd the way a user asks the AWS policy
# simulator (tests/policy/simdiff.py: typed ContextEntries, ResourceOwner as
# the account's ARN, CallerArn, the boundary input list), and each
# EvalDecision must be refeval.py's decision: through SimulateCustomPolicy,
# through SimulateCustomPolicy with iamd's extension (a session or the root
# user as CallerArn), through SimulatePrincipalPolicy on stored users and
# roles (inline, managed, group policies, a boundary) and, when Debian's AWS
# CLI is there, through /usr/bin/aws and iam-gateway. Then ResourceOwner by
# hand (it was compared whole with the caller's account: its ARN form, the
# one AWS's SimulateCustomPolicy reference gives, made any resource
# cross-account) and MatchedStatements with several allows.
. "$top_srcdir/tests/integration/lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "needs python3"
A=111122223333   # the home account of gencases.py's cases
SIMDIFF="python3 $top_srcdir/tests/policy/simdiff.py --iamctl $IAMCTL"
POL=$top_srcdir/tests/policy

keyd_start || bail_out "iam-keyd did not start"
iamd_start --account-id $A || bail_out "iamd did not start"

# diff_run NAME SIMDIFF-ARGS...: one TAP line for a simdiff.py run
diff_run() {
	_name=$1
	shift
	$SIMDIFF "$@" >"$TMP/diff.tap" 2>&1
	_rc=$?
	_sum=$(grep '^# [0-9]* agree' "$TMP/diff.tap")
	_agree=$(echo "$_sum" | sed -n 's/^# \([0-9]*\) agree.*/\1/p')
	if [ "$_rc" = 0 ] && [ -n "$_agree" ] && [ "$_agree" -gt 0 ]; then
		pass "$_name: ${_sum#\# }"
	else
		fail "$_name: ${_sum#\# } (status $_rc)"
		grep -A3 '^not ok' "$TMP/diff.tap" | head -n 40 | cut -c1-1500 | sed 's/^/# /' >&2
		tail -n 5 "$TMP/diff.tap" | sed 's/^/# /' >&2
	fi
}

diff_run "SimulateCustomPolicy = refeval" --gen 11:140,12:140 --every 1
diff_run "SimulateCustomPolicy on the hand-written cases = refeval" --every 6 \
	"$POL"/aws-docs-conditions.jsonl "$POL"/aws-docs-evaluation.jsonl \
	"$POL"/aws-docs-variables.jsonl "$POL"/sample.jsonl
diff_run "SimulateCustomPolicy with a session or root CallerArn = refeval" \
	--lenient --gen 13:120
diff_run "SimulatePrincipalPolicy on stored users and roles = refeval" \
	--mode principal --gen 14:70

if [ -x /usr/bin/aws ] && gateway_start --timeout 3; then
	run "$IAMCTL" iam create-access-key
	AWS_ACCESS_KEY_ID=$(echo "$OUT" | json_get '["AccessKey"]["AccessKeyId"]')
	AWS_SECRET_ACCESS_KEY=$(echo "$OUT" | json_get '["AccessKey"]["SecretAccessKey"]')
	export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	export AWS_CONFIG_FILE="$TMP/no-config" AWS_SHARED_CREDENTIALS_FILE="$TMP/no-credentials"
	export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER="" AWS_EC2_METADATA_DISABLED=true
	unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL 2>/dev/null
	diff_run "aws iam simulate-custom-policy through the gateway = refeval" \
		--mode awscli --endpoint-url "$IAMD_GATEWAY_URL" --gen 21:6
else
	skip "aws iam simulate-custom-policy through the gateway" "no /usr/bin/aws or gateway"
fi

# --- ResourceOwner, by hand ----------------------------------------------------
S3='{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"}}'
SQS='{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}}'
RP='{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::'$A':user/alice"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"}}'
ALICE=arn:aws:iam::$A:user/alice
# decision ACTION POLICY RESOURCE OWNER [RESOURCE-POLICY]: the EvalDecision of
# simulate-custom-policy as alice (--cli-input-json: iamctl reads a policy
# given to --policy-input-list as JSON, not as the string the AWS CLI sends)
decision() {
	_in=$(python3 -c 'import json, sys
a = sys.argv
d = {"ActionNames": [a[1]], "PolicyInputList": [a[2]], "ResourceArns": [a[3]],
     "CallerArn": a[5], "ResourceOwner": a[4]}
if len(a) > 6: d["ResourcePolicy"] = a[6]
print(json.dumps(d))' "$1" "$2" "$3" "$4" "$ALICE" ${5:+"$5"})
	run "$IAMCTL" iam simulate-custom-policy --cli-input-json "$_in"
	if [ "$RC" = 0 ]; then
		echo "$OUT" | json_get '["EvaluationResults"][0]["EvalDecision"]'
	else
		echo "error: $ERR"
	fi
}
is "$(decision s3:GetObject "$S3" arn:aws:s3:::bkt/k arn:aws:iam::$A:root)" allowed \
	"ResourceOwner as the caller's account's ARN: same account, the identity policy allows"
is "$(decision s3:GetObject "$S3" arn:aws:s3:::bkt/k $A)" allowed \
	"ResourceOwner as the caller's account ID: the same"
is "$(decision s3:GetObject "$S3" arn:aws:s3:::bkt/k arn:aws:iam::444455556666:root)" \
	implicitDeny "ResourceOwner of another account (its ARN): cross-account, no resource policy"
is "$(decision s3:GetObject "$S3" arn:aws:s3:::bkt/k arn:aws:iam::444455556666:root "$RP")" \
	allowed "and allowed when the resource policy grants the caller too"
is "$(decision sqs:SendMessage "$SQS" arn:aws:sqs:us-east-1:$A:q arn:aws:iam::444455556666:root)" \
	allowed "a resource ARN that names its account: ResourceOwner does not move it"
is "$(decision sqs:SendMessage "$SQS" arn:aws:sqs:us-east-1:444455556666:q $A)" implicitDeny \
	"nor make another account's queue the caller's"
like "$(decision s3:GetObject "$S3" arn:aws:s3:::bkt/k arn:aws:iam:::root)" \
	'\(InvalidInput\) .*Invalid ResourceOwner' \
	"ResourceOwner: an ARN without an account is refused with InvalidInput"
run "$IAMCTL" iam create-user --user-name alice
run "$IAMCTL" iam put-user-policy --user-name alice --policy-name s3 --policy-document "$S3"
run "$IAMCTL" iam simulate-principal-policy --policy-source-arn $ALICE \
	--action-names s3:GetObject --resource-arns arn:aws:s3:::bkt/k \
	--resource-owner arn:aws:iam::$A:root
is "$(echo "$OUT" | json_get '["EvaluationResults"][0]["EvalDecision"]')" allowed \
	"SimulatePrincipalPolicy takes the account's ARN as ResourceOwner too"

# --- MatchedStatements: every allow that determines the result ----------------
# AWS (EvaluationResult.MatchedStatements): "the statements in the input
# policies that determine the result ... even if multiple statements allow
# the operation ..., if only one statement denies that operation ... the
# deny statement is the only entry included in the result". iamd listed
# only the first allow (the engine stops at one for Authorize).
matched() {   # matched POLICY...: "ID:LINE:COLUMN ..." of s3:GetObject on *
	_in=$(python3 -c 'import json, sys
print(json.dumps({"ActionNames": ["s3:GetObject"], "PolicyInputList": sys.argv[1:]}))' "$@")
	run "$IAMCTL" iam simulate-custom-policy --cli-input-json "$_in"
	echo "$OUT" | python3 -c 'import json, sys
r = json.load(sys.stdin)["EvaluationResults"][0]
print(r["EvalDecision"], " ".join("%s:%d:%d" % (m["SourcePolicyId"], m["StartPosition"]["Line"],
      m["StartPosition"]["Column"]) for m in r["MatchedStatements"]))'
}
M1='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"},
{"Effect":"Allow","Action":"s3:Get*","Resource":"*"},{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}'
M2='{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}'
M3='{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:G*","Resource":"*"}}'
is "$(matched "$M1" "$M2")" \
	"allowed PolicyInputList.1:1:38 PolicyInputList.1:2:1 PolicyInputList.2:1:37" \
	"MatchedStatements: each of the three allowing statements of two policies"
is "$(matched "$M1" "$M3" "$M2")" "explicitDeny PolicyInputList.2:1:37" \
	"with a deny, the deny alone"

ok "iamd stops cleanly" iamd_stop
done_testing
