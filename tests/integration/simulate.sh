#!/bin/sh
# simulate.sh: the policy simulator answers as `iamctl policy eval` does on
# the same policies: the hand-written AWS documentation cases and a slice of
# the shared sample (tests/policy/*.jsonl) go through SimulateCustomPolicy
# and through `iamctl policy eval`, decision by decision; then
# SimulatePrincipalPolicy on stored users (their own, group and boundary
# policies) against eval of the same documents, AWS's result shapes
# (MatchedStatements with positions, MissingContextValues,
# PermissionsBoundaryDecisionDetail, ResourceSpecificResults), paging, and
# GetContextKeysFor{Custom,Principal}Policy.
. "$top_srcdir/tests/integration/lib.sh"
# this file checks iamd's own validation: iamctl sends the parameters as
# given, without the AWS CLI's client-side checks (iamctl_validate.sh)
IAMCTL_SKIP_CLIENT_VALIDATION=1
export IAMCTL_SKIP_CLIENT_VALIDATION

command -v python3 >/dev/null 2>&1 || skip_all "needs python3"
A=123456789012
iamd_start --account-id $A || bail_out "iamd did not start"

# --- the cases, through both -------------------------------------------------
CASES=$TMP/cases.jsonl
cat "$top_srcdir"/tests/policy/aws-docs-*.jsonl >"$CASES"
awk 'NR % 10 == 0' "$top_srcdir/tests/policy/sample.jsonl" >>"$CASES"
"$IAMCTL" policy eval "$CASES" >"$TMP/eval.jsonl" || bail_out "iamctl policy eval failed"

python3 - "$CASES" "$TMP/eval.jsonl" "$IAMCTL" <<'EOF'
import json, subprocess, sys
cases = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
evals = {}
for l in open(sys.argv[2]):
    o = json.loads(l)
    evals.setdefault(o["id"], o["decision"])
iamctl = sys.argv[3]
name = {"allowed": "Allow", "explicitDeny": "ExplicitDeny", "implicitDeny": "ImplicitDeny"}
def text(v):
    if isinstance(v, bool): return "true" if v else "false"
    return v if isinstance(v, str) else json.dumps(v)
def doc(p):
    return p if isinstance(p, str) else json.dumps(p)
n = bad = skipped = 0
for c in cases:
    ids = c.get("identityPolicies") or []
    if c.get("sessionPolicy") or not ids or evals.get(c["id"]) in (None, "Error"):
        skipped += 1
        continue
    rq = c["request"]
    inp = {"PolicyInputList": [doc(p) for p in ids],
           "ActionNames": [rq["action"]],
           "CallerArn": rq["principal"]}
    if rq["resource"] != "*":
        inp["ResourceArns"] = [rq["resource"]]
    if c.get("permissionsBoundary"):
        inp["PermissionsBoundaryPolicyInputList"] = [doc(c["permissionsBoundary"])]
    if c.get("resourcePolicy"):
        inp["ResourcePolicy"] = doc(c["resourcePolicy"])
    if rq.get("resourceAccount"):
        inp["ResourceOwner"] = rq["resourceAccount"]
    ents = []
    for k, v in (rq.get("context") or {}).items():
        if v is None: continue
        if isinstance(v, list):
            ents.append({"ContextKeyName": k, "ContextKeyValues": [text(x) for x in v],
                         "ContextKeyType": "stringList"})
        else:
            ents.append({"ContextKeyName": k, "ContextKeyValues": [text(v)],
                         "ContextKeyType": "string"})
    if ents:
        inp["ContextEntries"] = ents
    p = subprocess.run([iamctl, "iam", "simulate-custom-policy", "--cli-input-json",
                        json.dumps(inp)], capture_output=True, text=True)
    n += 1
    got = None
    if p.returncode == 0:
        got = name.get(json.loads(p.stdout)["EvaluationResults"][0]["EvalDecision"])
    want = evals[c["id"]]
    if got != want:
        bad += 1
        if bad <= 10:
            print("# %s: simulate %s, policy eval %s %s" % (c["id"], got, want, p.stderr.strip()[:300]))
print("# %d cases simulated, %d skipped (session policies, no identity policy)" % (n, skipped))
print("%sok 1 - simulate-custom-policy answers as iamctl policy eval on %d cases (%d differ)"
      % ("not " if bad or n < 100 else "", n, bad))
EOF
_tap_n=1
[ -n "$(grep -c . "$CASES")" ] || fail "cases"

# --- a stored principal ----------------------------------------------------------
run "$IAMCTL" iam create-user --user-name sim
P1='{"Version":"2012-10-17","Statement":[{"Sid":"S3","Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::data/*"},
{"Sid":"NoSecret","Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/secret/*"}]}'
P2='{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sqs:*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}}'
BD='{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["s3:*","iam:Get*"],"Resource":"*"}}'
run "$IAMCTL" iam put-user-policy --user-name sim --policy-name p1 --policy-document "$P1"
run "$IAMCTL" iam create-group --group-name simgroup
run "$IAMCTL" iam put-group-policy --group-name simgroup --policy-name p2 --policy-document "$P2"
run "$IAMCTL" iam add-user-to-group --group-name simgroup --user-name sim
run "$IAMCTL" iam create-policy --policy-name SimBoundary --policy-document "$BD"
BARN=$(echo "$OUT" | json_get '["Policy"]["Arn"]')
run "$IAMCTL" iam put-user-permissions-boundary --user-name sim --permissions-boundary "$BARN"
is "$RC" 0 "sim's boundary is set"

# The same policies as an eval case file, request by request.
python3 - "$P1" "$P2" "$BD" >"$TMP/user.jsonl" <<'EOF'
import json, sys
p1, p2, bd = (json.loads(a) for a in sys.argv[1:4])
reqs = [("s3:GetObject", "arn:aws:s3:::data/a", {}),
        ("s3:GetObject", "arn:aws:s3:::data/secret/x", {}),
        ("s3:PutObject", "arn:aws:s3:::other/x", {}),
        ("sqs:SendMessage", "*", {"aws:RequestedRegion": "eu-west-1"}),
        ("sqs:SendMessage", "*", {"aws:RequestedRegion": "us-east-1"}),
        ("iam:GetUser", "*", {})]
for i, (a, r, ctx) in enumerate(reqs):
    print(json.dumps({"id": "u%d" % i, "request": {"principal": "arn:aws:iam::123456789012:user/sim",
          "action": a, "resource": r, "context": ctx}, "identityPolicies": [p1, p2],
          "permissionsBoundary": bd}))
EOF
"$IAMCTL" policy eval "$TMP/user.jsonl" >"$TMP/user.eval"
i=0
set -f   # resources may be "*"
for want in $(python3 -c 'import json,sys
for l in open(sys.argv[1]): print(json.loads(l)["decision"])' "$TMP/user.eval"); do
	set -- $(python3 -c 'import json,sys
c=json.loads(open(sys.argv[1]).readlines()[int(sys.argv[2])])["request"]
print(c["action"], c["resource"], " ".join("%s=%s"%kv for kv in c["context"].items()) or "-")' "$TMP/user.jsonl" $i)
	ctx=""
	[ "$3" != "-" ] && ctx="--context-entries ContextKeyName=${3%%=*},ContextKeyValues=${3#*=},ContextKeyType=string"
	run "$IAMCTL" iam simulate-principal-policy --policy-source-arn arn:aws:iam::$A:user/sim \
		--action-names "$1" --resource-arns "$2" $ctx
	got=$(echo "$OUT" | json_get '["EvaluationResults"][0]["EvalDecision"]')
	case $got in allowed) got=Allow ;; explicitDeny) got=ExplicitDeny ;; implicitDeny) got=ImplicitDeny ;; esac
	is "$got" "$want" "simulate-principal-policy $1 $2 $3 = policy eval ($want)"
	i=$((i + 1))
done
set +f

run "$IAMCTL" iam simulate-principal-policy --policy-source-arn arn:aws:iam::$A:user/sim \
	--action-names s3:GetObject --resource-arns arn:aws:s3:::data/secret/x
like "$OUT" '"SourcePolicyId": "p1"' "MatchedStatements names the policy"
like "$OUT" '"SourcePolicyType": "user"' "and its type"
is "$(echo "$OUT" | json_get '["EvaluationResults"][0]["MatchedStatements"][0]["StartPosition"]')" \
	'{"Line": 2, "Column": 1}' "StartPosition: the Deny statement's line and column"
is "$(echo "$OUT" | json_get '["EvaluationResults"][0]["MatchedStatements"][0]["EndPosition"]')" \
	'{"Line": 2, "Column": 98}' "EndPosition: its closing brace"
like "$OUT" '"AllowedByPermissionsBoundary": true' "PermissionsBoundaryDecisionDetail"
like "$OUT" '"ResourceSpecificResults"' "ResourceSpecificResults for a named resource"
run "$IAMCTL" iam simulate-principal-policy --policy-source-arn arn:aws:iam::$A:user/sim \
	--action-names sqs:SendMessage
is "$(echo "$OUT" | json_get '["EvaluationResults"][0]["MissingContextValues"]')" \
	'["aws:RequestedRegion"]' "MissingContextValues: the key the group policy needs"
run "$IAMCTL" iam simulate-principal-policy --policy-source-arn arn:aws:iam::$A:user/sim \
	--action-names sqs:SendMessage --permissions-boundary-policy-input-list \
	'["{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"sqs:*\",\"Resource\":\"*\"}}"]' \
	--context-entries ContextKeyName=aws:RequestedRegion,ContextKeyValues=eu-west-1,ContextKeyType=string
is "$(echo "$OUT" | json_get '["EvaluationResults"][0]["EvalDecision"]')" allowed \
	"a boundary in the input list replaces the stored one"
run "$IAMCTL" iam simulate-principal-policy --policy-source-arn arn:aws:iam::$A:group/simgroup \
	--action-names sqs:SendMessage \
	--context-entries ContextKeyName=aws:RequestedRegion,ContextKeyValues=eu-west-1,ContextKeyType=string
is "$(echo "$OUT" | json_get '["EvaluationResults"][0]["MatchedStatements"][0]["SourcePolicyType"]')" \
	group "a group as the policy source"
run "$IAMCTL" iam simulate-principal-policy --policy-source-arn arn:aws:iam::$A:user/nobody \
	--action-names s3:GetObject
like "$ERR" 'NoSuchEntity.*The user with name nobody cannot be found' "an unknown source"
run "$IAMCTL" iam simulate-principal-policy --policy-source-arn arn:aws:iam::$A:user/sim
like "$ERR" "ValidationError.*actionNames" "ActionNames is required"
run "$IAMCTL" iam simulate-custom-policy --policy-input-list '["{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\"}}"]' \
	--action-names s3:GetObject
like "$ERR" 'InvalidInput.*PolicyInputList.1' "a malformed input policy is named"
run "$IAMCTL" iam simulate-custom-policy --policy-input-list "[$(printf '%s' "$BD" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))')]" \
	--action-names s3:GetObject --context-entries '[{"ContextKeyName":"k","ContextKeyValues":["a","b"],"ContextKeyType":"string"}]'
like "$ERR" 'InvalidInput.*takes exactly one value' "a single-valued type with two values"

# Paging: 3 actions x 2 resources, 4 a page.
run "$IAMCTL" iam simulate-principal-policy --policy-source-arn arn:aws:iam::$A:user/sim \
	--action-names s3:GetObject s3:PutObject iam:GetUser --resource-arns arn:aws:s3:::data/a arn:aws:s3:::x \
	--max-items 4 --no-paginate
is "$(echo "$OUT" | json_get '["IsTruncated"]')" true "a page of 4 of 6 is truncated"
is "$(echo "$OUT" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["EvaluationResults"]))')" 4 "and holds 4 results"
M=$(echo "$OUT" | json_get '["Marker"]')
run "$IAMCTL" iam simulate-principal-policy --policy-source-arn arn:aws:iam::$A:user/sim \
	--action-names s3:GetObject s3:PutObject iam:GetUser --resource-arns arn:aws:s3:::data/a arn:aws:s3:::x \
	--max-items 4 --marker "$M" --no-paginate
is "$(echo "$OUT" | python3 -c 'import json,sys; o=json.load(sys.stdin); print(len(o["EvaluationResults"]), o["IsTruncated"], o["EvaluationResults"][-1]["EvalActionName"])')" \
	"2 False iam:GetUser" "the next page holds the last 2"
run "$IAMCTL" iam simulate-principal-policy --policy-source-arn arn:aws:iam::$A:user/sim \
	--action-names s3:GetObject --marker bogus
like "$ERR" 'InvalidInput' "a bad marker"

# Context keys.
run "$IAMCTL" iam get-context-keys-for-principal-policy --policy-source-arn arn:aws:iam::$A:user/sim
is "$(echo "$OUT" | json_get '["ContextKeyNames"]')" '["aws:RequestedRegion"]' \
	"GetContextKeysForPrincipalPolicy: the keys of the user's and its groups' policies"
CP='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}/*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"},"StringLike":{"s3:prefix":"${aws:username}/*"}}},{"Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"},"StringEquals":{"AWS:CurrentTime":"x"}}}]}'
run "$IAMCTL" iam get-context-keys-for-custom-policy --policy-input-list \
	"[$(printf '%s' "$CP" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))')]"
is "$(echo "$OUT" | json_get '["ContextKeyNames"]')" \
	'["aws:username", "aws:CurrentTime", "s3:prefix", "aws:SecureTransport"]' \
	"GetContextKeysForCustomPolicy: condition keys and variables, once each, as written"

# Policy documents as the AWS CLI takes them: each member of a list of
# strings is the document's text, given inline, from file://, or the whole
# list as JSON; a structure's JSON (--context-entries) is still parsed.
PA='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}'
PD='{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:PutObject","Resource":"*"}]}'
printf '%s\n' "$PA" >"$TMP/allow.json"
decisions() { echo "$OUT" | python3 -c 'import json,sys; print(" ".join(r["EvalDecision"] for r in json.load(sys.stdin)["EvaluationResults"]))'; }
run "$IAMCTL" iam simulate-custom-policy --policy-input-list "$PA" "$PD" \
	--action-names s3:GetObject s3:PutObject s3:ListBucket
is "$RC" 0 "--policy-input-list with two documents inline"
is "$(decisions)" "allowed explicitDeny implicitDeny" "  each is a policy of the list"
run "$IAMCTL" iam simulate-custom-policy --policy-input-list "file://$TMP/allow.json" \
	--permissions-boundary-policy-input-list "$PD" --action-names '["s3:GetObject"]'
is "$(decisions)" implicitDeny "file:// and a boundary inline: the boundary allows nothing"
run "$IAMCTL" iam simulate-custom-policy --policy-input-list \
	"[$(printf '%s' "$PA" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))')]" \
	--action-names s3:GetObject --context-entries '{"ContextKeyName":"aws:SourceIp","ContextKeyValues":["10.0.0.1"],"ContextKeyType":"ip"}'
is "$(decisions)" allowed "a JSON list of documents, and a context entry as JSON"
run "$IAMCTL" iam get-context-keys-for-custom-policy --policy-input-list "$CP"
is "$(echo "$OUT" | json_get '["ContextKeyNames"]')" \
	'["aws:username", "aws:CurrentTime", "s3:prefix", "aws:SecureTransport"]' \
	"GetContextKeysForCustomPolicy with the document inline"

ok "iamd stops cleanly" iamd_stop
done_testing
