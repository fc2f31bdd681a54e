#!/bin/sh
# managed_policies: CreatePolicy, GetPolicy, ListPolicies, DeletePolicy,
# TagPolicy, UntagPolicy, ListPolicyTags and the policy versions
# (CreatePolicyVersion, GetPolicyVersion, ListPolicyVersions,
# DeletePolicyVersion, SetDefaultPolicyVersion) through iamctl, with their
# AWS errors, ids, ARNs, version numbering and limits; the AWS managed
# policies, read-only; everything still there after a restart.
. "$top_srcdir/tests/integration/lib.sh"

[ -x "$IAMCTL" ] || skip_all "iamctl not built"
command -v python3 >/dev/null || skip_all "python3 missing"
IAMD_ACCOUNT_ID=313131313131
iamd_start || bail_out "iamd did not start"
A=$IAMD_ACCOUNT_ID

# cli_err REGEX NAME: what the AWS CLI says before it sends anything (iamctl
# validates as botocore does): exit 252, the message on stderr. iamd's own
# check of the same input is in gateway_conformance.py (the Query API).
cli_err() {
	is "$RC" 252 "$2: refused by iamctl, exit 252 (as the AWS CLI)"
	like "$ERR" "$1" "$2: the AWS CLI's message"
}
expect_err() {
	is "$RC" 254 "$4: exit status 254"
	like "$ERR" "^An error occurred \\($1\\) when calling the $2 operation: .*$3" "$4: $1"
}
j() { printf '%s' "$OUT" | json_get "$1"; }
# names LIST-KEY NAME-KEY: the names in the last output's list, space-separated
names() {
	printf '%s' "$OUT" | python3 -c 'import json,sys;print(" ".join(x[sys.argv[2]] if isinstance(x[sys.argv[2]], str) else json.dumps(x[sys.argv[2]]) for x in json.load(sys.stdin).get(sys.argv[1], [])))' "$1" "$2"
}
has_key() {
	printf '%s' "$OUT" | python3 -c 'import json,sys;d=json.load(sys.stdin)
for k in sys.argv[1].split("."): d=d[k] if isinstance(d, dict) and k in d else None
sys.exit(0 if d is not None else 1)' "$1"
}
# same_json JSON-OR-OBJECT-TEXT EXPECTED-TEXT: equal once parsed (a
# Document may print as a JSON object or as a string holding JSON)
same_json() {
	python3 -c 'import json,sys
a=json.loads(sys.argv[1]); a=json.loads(a) if isinstance(a,str) else a
sys.exit(0 if a==json.loads(sys.argv[2]) else 1)' "$1" "$2"
}
doc_of() { printf '%s' "$OUT" | python3 -c 'import json,sys;print(json.dumps(json.load(sys.stdin)["PolicyVersion"]["Document"]))'; }

D1='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}'
D2='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}]}'
D3='{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}'

# --- CreatePolicy ---
run "$IAMCTL" iam create-policy --policy-name ReadThings --path /eng/ \
	--policy-document "$D1" --description "reads things" --tags Key=team,Value=eng
is "$RC" 0 "create-policy"
PID=$(j '["Policy"]["PolicyId"]')
P1="arn:aws:iam::$A:policy/eng/ReadThings"
like "$PID" '^ANPA[A-Z2-7]{17}$' "PolicyId is ANPA + 17 of A-Z2-7"
is "$(j '["Policy"]["Arn"]')" "$P1" "Arn is arn:aws:iam::ACCT:policy/PATH/NAME"
is "$(j '["Policy"]["PolicyName"]')" "ReadThings" "PolicyName"
is "$(j '["Policy"]["Path"]')" "/eng/" "Path"
is "$(j '["Policy"]["DefaultVersionId"]')" "v1" "DefaultVersionId v1"
is "$(j '["Policy"]["AttachmentCount"]')" "0" "AttachmentCount 0"
is "$(j '["Policy"]["PermissionsBoundaryUsageCount"]')" "0" "PermissionsBoundaryUsageCount 0"
is "$(j '["Policy"]["IsAttachable"]')" "true" "IsAttachable true"
like "$(j '["Policy"]["CreateDate"]')" '^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-9:]{8}\+00:00$' "CreateDate in ISO 8601"
is "$(j '["Policy"]["UpdateDate"]')" "$(j '["Policy"]["CreateDate"]')" "UpdateDate is CreateDate"
is "$(j '["Policy"]["Tags"][0]["Key"]')" "team" "the tags it was given"
not_ok "no Description in CreatePolicy's answer, as AWS" has_key Policy.Description
run "$IAMCTL" iam create-policy --policy-name Plain --policy-document "$D2"
is "$(j '["Policy"]["Arn"]')" "arn:aws:iam::$A:policy/Plain" "default path /"
not_ok "no Tags when none were given" has_key Policy.Tags
run "$IAMCTL" iam create-policy --policy-name READTHINGS --policy-document "$D1"
expect_err EntityAlreadyExists CreatePolicy 'A policy called READTHINGS already exists\. Duplicate names are not allowed\.$' \
	"policy names are unique ignoring case"
run "$IAMCTL" iam create-policy --policy-name ReadThings --path /other/ --policy-document "$D1"
expect_err EntityAlreadyExists CreatePolicy 'A policy called ReadThings already exists' "whatever the path"
run "$IAMCTL" iam create-policy --policy-name 'a b' --policy-document "$D1"
expect_err ValidationError CreatePolicy "Value 'a b' at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern" \
	"an invalid policy name"
run "$IAMCTL" iam create-policy --policy-name "$(printf 'p%.0s' $(seq 129))" --policy-document "$D1"
expect_err ValidationError CreatePolicy "Member must have length less than or equal to 128" "a 129-character name"
run "$IAMCTL" iam create-policy --policy-name "$(printf 'p%.0s' $(seq 128))" --policy-document "$D1"
is "$RC" 0 "a 128-character name is fine"
run "$IAMCTL" iam create-policy --policy-name x --path /bad --policy-document "$D1"
expect_err ValidationError CreatePolicy "at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: \(\(/\[A-Za-z0-9" \
	"a path without the final /"
run "$IAMCTL" iam create-policy --policy-name x --path '/a:b/' --policy-document "$D1"
expect_err ValidationError CreatePolicy "at 'path'" "a path with a character policy paths do not allow"
run "$IAMCTL" iam create-policy --policy-name x
cli_err "the following arguments are required: --policy-document" "no document"
run "$IAMCTL" iam create-policy --policy-name x --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"'
expect_err MalformedPolicyDocument CreatePolicy "" "a document that is not JSON"
like "$ERR" 'line [0-9]+, column [0-9]+' "the message says where"
like "$ERR" 'policy x: ' "and names the policy"
run "$IAMCTL" iam create-policy --policy-name x --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}'
expect_err MalformedPolicyDocument CreatePolicy "" "an identity policy with a Principal"
BIG=$(python3 -c 'import json;print(json.dumps({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::b/%04d" % i for i in range(300)]}]}, separators=(",",":")))')
run "$IAMCTL" iam create-policy --policy-name Big --policy-document "$BIG"
expect_err LimitExceeded CreatePolicy 'Cannot exceed quota for PolicySize: 6144' "a document over 6,144 characters"
SPACY=$(python3 -c 'import json;print(json.dumps({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::b/%04d" % i for i in range(200)]}]}, indent=12))')
[ "${#SPACY}" -gt 6144 ] && pass "the spaced document is longer than 6,144 characters" || fail "the spaced document is too short"
run "$IAMCTL" iam create-policy --policy-name Spacy --policy-document "$SPACY"
is "$RC" 0 "white space does not count toward 6,144"
run "$IAMCTL" iam create-policy --policy-name x --policy-document "$D1" --description "$(printf 'd%.0s' $(seq 1001))"
expect_err ValidationError CreatePolicy "at 'description' failed to satisfy constraint: Member must have length less than or equal to 1000" \
	"a 1001-character description"
run "$IAMCTL" iam create-policy --policy-name Described --policy-document "$D1" --description "$(printf 'd%.0s' $(seq 1000))"
is "$RC" 0 "a 1000-character description is fine"
run "$IAMCTL" iam create-policy --policy-name x --policy-document "$D1" --tags Key=aws:x,Value=1
expect_err InvalidInput CreatePolicy "" "a tag key with the aws: prefix"

# --- GetPolicy ---
run "$IAMCTL" iam get-policy --policy-arn "$P1"
is "$RC" 0 "get-policy"
is "$(j '["Policy"]["PolicyId"]')" "$PID" "the policy"
is "$(j '["Policy"]["Description"]')" "reads things" "with its Description"
is "$(j '["Policy"]["Tags"][0]["Value"]')" "eng" "and its Tags"
run "$IAMCTL" iam get-policy --policy-arn "arn:aws:iam::$A:policy/eng/Nope"
expect_err NoSuchEntity GetPolicy "Policy arn:aws:iam::$A:policy/eng/Nope was not found\.$" "a missing policy"
run "$IAMCTL" iam get-policy --policy-arn "arn:aws:iam::$A:policy/ReadThings"
expect_err NoSuchEntity GetPolicy "was not found" "the right name under another path"
run "$IAMCTL" iam get-policy --policy-arn "arn:aws:iam::999999999999:policy/eng/ReadThings"
expect_err NoSuchEntity GetPolicy "was not found" "another account's ARN"
run "$IAMCTL" iam get-policy --policy-arn "arn:aws:iam::$A:user/eng/ReadThings"
expect_err InvalidInput GetPolicy "ARN arn:aws:iam::$A:user/eng/ReadThings is not valid\.$" "a user ARN"
run "$IAMCTL" iam get-policy --policy-arn "arn:aws:iam"
cli_err "Invalid length for parameter PolicyArn, value: 11, valid min length: 20" \
	"an ARN under 20 characters"
run "$IAMCTL" iam get-policy --policy-arn arn:aws:iam::aws:policy/AdministratorAccess
is "$RC" 0 "get-policy of an AWS managed policy"
is "$(j '["Policy"]["PolicyId"]')" "ANPAIWMBCKSKIEE64ZLYK" "AdministratorAccess with AWS's id"
is "$(j '["Policy"]["DefaultVersionId"]')" "v1" "and its version"
is "$(j '["Policy"]["Description"]')" "Provides full access to AWS services and resources." "and its description"
is "$(j '["Policy"]["CreateDate"]')" "2015-02-06T18:39:46+00:00" "and its date"
for p in IAMFullAccess:v2 IAMReadOnlyAccess:v4 IAMUserChangePassword:v3; do
	run "$IAMCTL" iam get-policy --policy-arn "arn:aws:iam::aws:policy/${p%%:*}"
	is "$(j '["Policy"]["DefaultVersionId"]')" "${p#*:}" "${p%%:*} is there, at ${p#*:}"
done
run "$IAMCTL" iam get-policy --policy-arn arn:aws:iam::aws:policy/AmazonS3FullAccess
expect_err NoSuchEntity GetPolicy "was not found" "an AWS managed policy iamd does not have"

# --- GetPolicyVersion of AWS managed policies: AWS's documents ---
run "$IAMCTL" iam get-policy-version --policy-arn arn:aws:iam::aws:policy/AdministratorAccess --version-id v1
ok "AdministratorAccess allows everything" same_json "$(doc_of)" \
	'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
run "$IAMCTL" iam get-policy-version --policy-arn arn:aws:iam::aws:policy/IAMReadOnlyAccess --version-id v4
ok "IAMReadOnlyAccess as AWS has it" same_json "$(doc_of)" \
	'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GenerateCredentialReport","iam:GenerateServiceLastAccessedDetails","iam:Get*","iam:List*","iam:SimulateCustomPolicy","iam:SimulatePrincipalPolicy"],"Resource":"*"}]}'
run "$IAMCTL" iam get-policy-version --policy-arn arn:aws:iam::aws:policy/IAMUserChangePassword --version-id v3
ok "IAMUserChangePassword as AWS has it" same_json "$(doc_of)" \
	'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ChangePassword"],"Resource":["arn:aws:iam::*:user/${aws:username}","arn:aws:iam::*:user/*/${aws:username}"]},{"Effect":"Allow","Action":["iam:GetAccountPasswordPolicy"],"Resource":"*"}]}'
run "$IAMCTL" iam get-policy-version --policy-arn arn:aws:iam::aws:policy/IAMFullAccess --version-id v2
FULL_ACTIONS=$(doc_of | python3 -c 'import json,sys;d=json.loads(sys.stdin.read());d=json.loads(d) if isinstance(d,str) else d;print(" ".join(d["Statement"][0]["Action"]))')
like "$FULL_ACTIONS" '^iam:\* organizations:DescribeAccount ' "IAMFullAccess grants iam:*"
like "$FULL_ACTIONS" ' organizations:ListTargetsForPolicy$' "and the organizations reads AWS lists (11 actions)"

# --- the AWS managed policies are read-only ---
AWSP=arn:aws:iam::aws:policy/IAMReadOnlyAccess
run "$IAMCTL" iam delete-policy --policy-arn "$AWSP"
expect_err AccessDenied DeletePolicy 'Cannot delete policies outside your own account\.$' "delete-policy of an AWS managed policy"
run "$IAMCTL" iam create-policy-version --policy-arn "$AWSP" --policy-document "$D1"
expect_err AccessDenied CreatePolicyVersion 'Cannot update policies outside your own account\.$' "create-policy-version on it"
run "$IAMCTL" iam delete-policy-version --policy-arn "$AWSP" --version-id v4
expect_err AccessDenied DeletePolicyVersion 'outside your own account' "delete-policy-version on it"
run "$IAMCTL" iam set-default-policy-version --policy-arn "$AWSP" --version-id v4
expect_err AccessDenied SetDefaultPolicyVersion 'Cannot update policies outside your own account\.$' "set-default-policy-version on it"
run "$IAMCTL" iam tag-policy --policy-arn "$AWSP" --tags Key=a,Value=b
expect_err AccessDenied TagPolicy 'outside your own account' "tag-policy on it"
run "$IAMCTL" iam untag-policy --policy-arn "$AWSP" --tag-keys a
expect_err AccessDenied UntagPolicy 'outside your own account' "untag-policy on it"
run "$IAMCTL" iam list-policy-tags --policy-arn "$AWSP"
is "$RC" 0 "list-policy-tags on it works"
is "$(names Tags Key)" "" "and lists no tag"
run "$IAMCTL" iam get-policy --policy-arn "$AWSP"
is "$(j '["Policy"]["DefaultVersionId"]')" "v4" "it is unchanged"

# --- ListPolicies ---
run "$IAMCTL" iam list-policies --scope Local
is "$RC" 0 "list-policies --scope Local"
like "$(names Policies PolicyName)" '^Described Plain p{128} ReadThings Spacy$' "the account's policies, ordered by name"
not_ok "lists show no Tags" has_key Policies.0.Tags
run "$IAMCTL" iam list-policies --scope AWS
is "$(names Policies PolicyName)" "AdministratorAccess IAMFullAccess IAMReadOnlyAccess IAMUserChangePassword" "--scope AWS: the AWS managed ones"
run "$IAMCTL" iam list-policies
like "$(names Policies PolicyName)" '^Described Plain p{128} ReadThings Spacy AdministratorAccess IAMFullAccess IAMReadOnlyAccess IAMUserChangePassword$' \
	"the default scope All: the account's, then AWS's"
run "$IAMCTL" iam list-policies --scope All --path-prefix /eng/
is "$(names Policies PolicyName)" "ReadThings" "--path-prefix /eng/"
run "$IAMCTL" iam list-policies --only-attached
is "$(names Policies PolicyName)" "" "--only-attached: none is attached"
run "$IAMCTL" iam list-policies --scope Mine
expect_err ValidationError ListPolicies "Value 'Mine' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: \[All, AWS, Local\]" \
	"an unknown scope"
run "$IAMCTL" iam list-policies --policy-usage-filter Both
expect_err ValidationError ListPolicies "at 'policyUsageFilter' failed to satisfy constraint: Member must satisfy enum value set" \
	"an unknown usage filter"
run "$IAMCTL" iam list-policies --path-prefix eng
expect_err ValidationError ListPolicies "at 'pathPrefix'" "an invalid path prefix"
run "$IAMCTL" iam list-policies --marker x --max-items 3
expect_err InvalidInput ListPolicies "marker" "a marker that is not ours"
run "$IAMCTL" iam list-policies --no-paginate --max-items 3
is "$(names Policies PolicyName | wc -w | tr -d ' ')" "3" "one page of 3"
is "$(j '["IsTruncated"]')" "true" "IsTruncated"
MK=$(j '["Marker"]')
run "$IAMCTL" iam list-policies --marker "$MK" --max-items 3
like "$(names Policies PolicyName)" '^ReadThings Spacy AdministratorAccess$' "the next page from its Marker crosses into AWS's policies"
run "$IAMCTL" iam list-policies --max-items 4
is "$(names Policies PolicyName | wc -w | tr -d ' ')" "4" "iamctl's --max-items"
TOK=$(j '["NextToken"]')
run "$IAMCTL" iam list-policies --starting-token "$TOK"
is "$(names Policies PolicyName | wc -w | tr -d ' ')" "5" "--starting-token: the other 5"

# --- CreatePolicyVersion, versions numbering, the 5-version limit ---
run "$IAMCTL" iam create-policy-version --policy-arn "$P1" --policy-document "$D2"
is "$RC" 0 "create-policy-version"
is "$(j '["PolicyVersion"]["VersionId"]')" "v2" "version v2"
is "$(j '["PolicyVersion"]["IsDefaultVersion"]')" "false" "not the default unless asked"
not_ok "no Document in the answer" has_key PolicyVersion.Document
like "$(j '["PolicyVersion"]["CreateDate"]')" '^20[0-9]{2}-' "with its CreateDate"
run "$IAMCTL" iam get-policy --policy-arn "$P1"
is "$(j '["Policy"]["DefaultVersionId"]')" "v1" "the default is still v1"
run "$IAMCTL" iam create-policy-version --policy-arn "$P1" --policy-document "$D3" --set-as-default
is "$(j '["PolicyVersion"]["VersionId"]')" "v3" "v3"
is "$(j '["PolicyVersion"]["IsDefaultVersion"]')" "true" "--set-as-default makes it the default"
run "$IAMCTL" iam get-policy --policy-arn "$P1"
is "$(j '["Policy"]["DefaultVersionId"]')" "v3" "get-policy shows the new default"
run "$IAMCTL" iam get-policy-version --policy-arn "$P1" --version-id v3
ok "get-policy-version returns the document" same_json "$(doc_of)" "$D3"
is "$(j '["PolicyVersion"]["IsDefaultVersion"]')" "true" "v3 is the default"
run "$IAMCTL" iam get-policy-version --policy-arn "$P1" --version-id v1
ok "v1 keeps its own document" same_json "$(doc_of)" "$D1"
is "$(j '["PolicyVersion"]["IsDefaultVersion"]')" "false" "v1 is no longer the default"
run "$IAMCTL" iam create-policy-version --policy-arn "$P1" --policy-document '{"Version":"2012-10-17","Statement":{}}'
expect_err MalformedPolicyDocument CreatePolicyVersion "policy ReadThings: " "a malformed new version"
run "$IAMCTL" iam create-policy-version --policy-arn "$P1" --policy-document "$BIG"
expect_err LimitExceeded CreatePolicyVersion 'Cannot exceed quota for PolicySize: 6144' "an oversize new version"
run "$IAMCTL" iam create-policy-version --policy-arn "arn:aws:iam::$A:policy/Nope" --policy-document "$D1"
expect_err NoSuchEntity CreatePolicyVersion "Policy arn:aws:iam::$A:policy/Nope was not found\.$" "a new version of a missing policy"
run "$IAMCTL" iam create-policy-version --policy-arn "$P1" --policy-document "$D1"
run "$IAMCTL" iam create-policy-version --policy-arn "$P1" --policy-document "$D1"
is "$(j '["PolicyVersion"]["VersionId"]')" "v5" "v4, then v5"
run "$IAMCTL" iam create-policy-version --policy-arn "$P1" --policy-document "$D1"
expect_err LimitExceeded CreatePolicyVersion 'A managed policy can have up to 5 versions\. Before you create a new version, you must delete an existing version\.$' \
	"a sixth version"
run "$IAMCTL" iam list-policy-versions --policy-arn "$P1"
is "$(names Versions VersionId)" "v5 v4 v3 v2 v1" "list-policy-versions, newest first"
is "$(names Versions IsDefaultVersion)" "false false true false false" "with the default marked"
not_ok "lists show no Document" has_key Versions.0.Document
run "$IAMCTL" iam list-policy-versions --policy-arn "$P1" --marker bogus --max-items 2
expect_err InvalidInput ListPolicyVersions "marker" "a foreign marker"
run "$IAMCTL" iam list-policy-versions --policy-arn "$P1" --no-paginate --max-items 2
is "$(names Versions VersionId)" "v5 v4" "a page of 2"
run "$IAMCTL" iam list-policy-versions --policy-arn "$P1" --marker "$(j '["Marker"]')" --max-items 2
is "$(names Versions VersionId)" "v3 v2" "the next page"

# --- DeletePolicyVersion: ids keep counting ---
run "$IAMCTL" iam delete-policy-version --policy-arn "$P1" --version-id v2
is "$RC" 0 "delete-policy-version v2"
run "$IAMCTL" iam create-policy-version --policy-arn "$P1" --policy-document "$D2"
is "$(j '["PolicyVersion"]["VersionId"]')" "v6" "the next version after a delete is v6, not v2"
run "$IAMCTL" iam delete-policy-version --policy-arn "$P1" --version-id v3
expect_err DeleteConflict DeletePolicyVersion 'Cannot delete the default version of a policy\.$' "deleting the default version"
run "$IAMCTL" iam delete-policy-version --policy-arn "$P1" --version-id v2
expect_err NoSuchEntity DeletePolicyVersion "Policy $P1 version v2 does not exist or is not attachable\.$" "a deleted version"
run "$IAMCTL" iam delete-policy-version --policy-arn "$P1" --version-id 2
expect_err ValidationError DeletePolicyVersion "Value '2' at 'versionId' failed to satisfy constraint: Member must satisfy regular expression pattern: v\[1-9\]\[0-9\]\*" \
	"a version id without v"
run "$IAMCTL" iam delete-policy-version --policy-arn "arn:aws:iam::$A:policy/Nope" --version-id v1
expect_err NoSuchEntity DeletePolicyVersion "Policy arn:aws:iam::$A:policy/Nope was not found\.$" "on a missing policy"
run "$IAMCTL" iam get-policy-version --policy-arn "$P1" --version-id v9
expect_err NoSuchEntity GetPolicyVersion "Policy $P1 version v9 does not exist or is not attachable\.$" "get-policy-version of a missing version"
run "$IAMCTL" iam get-policy-version --policy-arn "arn:aws:iam::$A:policy/Nope" --version-id v1
expect_err NoSuchEntity GetPolicyVersion "does not exist or is not attachable" "get-policy-version of a missing policy"
run "$IAMCTL" iam get-policy-version --policy-arn "$P1" --version-id v0
expect_err ValidationError GetPolicyVersion "at 'versionId'" "v0 is not a version id"
run "$IAMCTL" iam list-policy-versions --policy-arn "arn:aws:iam::$A:policy/Nope"
expect_err NoSuchEntity ListPolicyVersions "was not found" "list-policy-versions of a missing policy"

# --- SetDefaultPolicyVersion ---
run "$IAMCTL" iam set-default-policy-version --policy-arn "$P1" --version-id v1
is "$RC" 0 "set-default-policy-version v1"
is "$OUT" "" "it prints nothing"
run "$IAMCTL" iam get-policy --policy-arn "$P1"
is "$(j '["Policy"]["DefaultVersionId"]')" "v1" "v1 is the default again"
run "$IAMCTL" iam list-policy-versions --policy-arn "$P1"
is "$(names Versions VersionId)" "v6 v5 v4 v3 v1" "the versions"
is "$(names Versions IsDefaultVersion)" "false false false false true" "exactly one default"
run "$IAMCTL" iam set-default-policy-version --policy-arn "$P1" --version-id v2
expect_err NoSuchEntity SetDefaultPolicyVersion "Policy $P1 version v2 does not exist or is not attachable\.$" "a missing version"
run "$IAMCTL" iam delete-policy-version --policy-arn "$P1" --version-id v3
is "$RC" 0 "the old default can now be deleted"

# --- Tags ---
run "$IAMCTL" iam tag-policy --policy-arn "$P1" --tags Key=owner,Value=ann Key=TEAM,Value=ops
is "$RC" 0 "tag-policy"
run "$IAMCTL" iam list-policy-tags --policy-arn "$P1"
is "$(names Tags Key)" "TEAM owner" "a known key (ignoring case) is replaced, a new one appended"
is "$(names Tags Value)" "ops ann" "with the new values"
run "$IAMCTL" iam untag-policy --policy-arn "$P1" --tag-keys team nothere
is "$RC" 0 "untag-policy (keys ignore case; unknown keys are ignored)"
run "$IAMCTL" iam list-policy-tags --policy-arn "$P1"
is "$(names Tags Key)" "owner" "one tag left"
run "$IAMCTL" iam tag-policy --policy-arn "$P1" --tags $(for i in $(seq 50); do printf 'Key=k%s,Value=v ' "$i"; done)
expect_err LimitExceeded TagPolicy 'The number of tags has reached the maximum limit\.$' "over 50 tags in all"
run "$IAMCTL" iam tag-policy --policy-arn "arn:aws:iam::$A:policy/Nope" --tags Key=a,Value=b
expect_err NoSuchEntity TagPolicy "was not found" "tag-policy of a missing policy"
run "$IAMCTL" iam list-policy-tags --policy-arn "arn:aws:iam::$A:policy/Nope"
expect_err NoSuchEntity ListPolicyTags "was not found" "list-policy-tags of a missing policy"
run "$IAMCTL" iam untag-policy --policy-arn "$P1"
cli_err "the following arguments are required: --tag-keys" "untag-policy without keys"

# --- DeletePolicy ---
run "$IAMCTL" iam delete-policy --policy-arn "$P1"
expect_err DeleteConflict DeletePolicy "This policy has more than one version\. Before you delete a policy, you must delete the policy's versions\. The default version is deleted with the policy\.$" \
	"a policy with other versions"
for v in v4 v5 v6; do run "$IAMCTL" iam delete-policy-version --policy-arn "$P1" --version-id $v; done
run "$IAMCTL" iam delete-policy --policy-arn "$P1"
is "$RC" 0 "with only its default version left, delete-policy"
run "$IAMCTL" iam get-policy --policy-arn "$P1"
expect_err NoSuchEntity GetPolicy "was not found" "it is gone"
run "$IAMCTL" iam delete-policy --policy-arn "$P1"
expect_err NoSuchEntity DeletePolicy "Policy $P1 was not found\.$" "deleting it again"
run "$IAMCTL" iam create-policy --policy-name ReadThings --path /eng/ --policy-document "$D1"
isnt "$(j '["Policy"]["PolicyId"]')" "$PID" "created again: a new id"
is "$(j '["Policy"]["DefaultVersionId"]')" "v1" "and versions from v1"

# --- everything survives a restart ---
ok "iamd stops" iamd_stop
iamd_start || bail_out "iamd did not restart"
run "$IAMCTL" iam get-policy --policy-arn "arn:aws:iam::$A:policy/Plain"
is "$RC" 0 "a customer managed policy after a restart"
run "$IAMCTL" iam list-policies --scope AWS
is "$(names Policies PolicyName)" "AdministratorAccess IAMFullAccess IAMReadOnlyAccess IAMUserChangePassword" "the AWS managed ones, once each"

ok "iamd stops with status 0" iamd_stop
done_testing
