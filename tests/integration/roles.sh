#!/bin/sh
# roles: every role action (CreateRole, GetRole, ListRoles, UpdateRole,
# UpdateRoleDescription, UpdateAssumeRolePolicy, DeleteRole, TagRole,
# UntagRole, ListRoleTags) through iamctl against a real iamd, with their
# AWS errors, ids, ARNs, dates, trust policies and session bounds.
. "$top_srcdir/tests/integration/lib.sh"
# this file checks iamd's own validation: iamctl sends the parameters as
# given, without the AWS CLI's client-side checks (iamctl_validate.sh)
IAMCTL_SKIP_CLIENT_VALIDATION=1
export IAMCTL_SKIP_CLIENT_VALIDATION

[ -x "$IAMCTL" ] || skip_all "iamctl not built"
command -v python3 >/dev/null || skip_all "python3 missing"
IAMD_ACCOUNT_ID=123456789012
iamd_start || bail_out "iamd did not start"
A=$IAMD_ACCOUNT_ID

expect_err() {
	is "$RC" 254 "$4: exit status 254"
	like "$ERR" "^An error occurred \\($1\\) when calling the $2 operation: .*$3" "$4: $1"
}
j() { printf '%s' "$OUT" | json_get "$1"; }
py() { printf '%s' "$OUT" | python3 -c "import json,sys;d=json.load(sys.stdin);$1"; }

TRUST='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
printf '%s\n' '{' '  "Version": "2012-10-17",' '  "Statement": [{' \
	'    "Effect": "Allow",' "    \"Principal\": {\"AWS\": \"arn:aws:iam::$A:root\"}," \
	'    "Action": "sts:AssumeRole"' '  }]' '}' >"$TMP/trust2.json"

# --- CreateRole ---
run "$IAMCTL" iam create-role --role-name app --path /svc/ --assume-role-policy-document "$TRUST" \
	--description 'The app role' --max-session-duration 7200 --tags Key=Team,Value=core
is "$RC" 0 "create-role app in /svc/"
APP_ID=$(j '["Role"]["RoleId"]')
like "$APP_ID" '^AROA[A-Z2-7]{17}$' "RoleId is AROA + 17 of A-Z2-7"
is "$(j '["Role"]["Arn"]')" "arn:aws:iam::$A:role/svc/app" "Arn holds the path"
is "$(j '["Role"]["Path"]')" "/svc/" "Path as given"
is "$(j '["Role"]["RoleName"]')" "app" "RoleName as given"
is "$(j '["Role"]["Description"]')" "The app role" "Description"
is "$(j '["Role"]["MaxSessionDuration"]')" "7200" "MaxSessionDuration as given"
is "$(j '["Role"]["Tags"][0]["Value"]')" "core" "Tags"
is "$(py 'print(d["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"])')" \
	"ec2.amazonaws.com" "the trust policy prints as a JSON object"
like "$(j '["Role"]["CreateDate"]')" '^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]\+00:00$' \
	"CreateDate is ISO 8601 UTC"
now=$(date -u +%s)
created=$(j '["Role"]["CreateDate"]' | python3 -c 'import sys,datetime;print(int(datetime.datetime.fromisoformat(sys.stdin.read().strip()).timestamp()))')
[ $((now - created)) -ge 0 ] && [ $((now - created)) -lt 120 ] &&
	pass "CreateDate is now" || fail "CreateDate is now ($created vs $now)"

run "$IAMCTL" iam create-role --role-name ops --assume-role-policy-document "file://$TMP/trust2.json"
is "$RC" 0 "create-role ops from file://"
is "$(j '["Role"]["Path"]')" "/" "default path /"
is "$(j '["Role"]["Arn"]')" "arn:aws:iam::$A:role/ops" "Arn without path"
is "$(j '["Role"]["MaxSessionDuration"]')" "3600" "MaxSessionDuration defaults to 3600"
is "$(py 'print("Description" in d["Role"], "PermissionsBoundary" in d["Role"])')" "False False" \
	"no Description, no PermissionsBoundary when none given"
OPS_ID=$(j '["Role"]["RoleId"]')
isnt "$OPS_ID" "$APP_ID" "ids are unique"

run "$IAMCTL" iam create-role --role-name APP --assume-role-policy-document "$TRUST"
expect_err EntityAlreadyExists CreateRole 'Role with name APP already exists\.$' "role names are unique ignoring case"
run "$IAMCTL" iam create-user --user-name app
is "$RC" 0 "a user may have a role's name"
run "$IAMCTL" iam create-role --role-name 'bad name' --assume-role-policy-document "$TRUST"
expect_err ValidationError CreateRole "Value 'bad name' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: \\[\\\\w\\+=,\\.@-\\]\\+" \
	"a space in a role name"
run "$IAMCTL" iam create-role --role-name "$(printf 'r%.0s' $(seq 65))" --assume-role-policy-document "$TRUST"
expect_err ValidationError CreateRole "at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64" \
	"a 65-character role name"
run "$IAMCTL" iam create-role --role-name "$(printf 'r%.0s' $(seq 64))" --assume-role-policy-document "$TRUST"
is "$RC" 0 "a 64-character role name is fine"
run "$IAMCTL" iam create-role --role-name x
expect_err ValidationError CreateRole "Value null at 'assumeRolePolicyDocument' failed to satisfy constraint: Member must not be null" \
	"a missing trust policy"
run "$IAMCTL" iam create-role --assume-role-policy-document "$TRUST"
expect_err ValidationError CreateRole "Value null at 'roleName'" "a missing role name"
run "$IAMCTL" iam create-role --role-name x --path svc --assume-role-policy-document "$TRUST"
expect_err ValidationError CreateRole "Value 'svc' at 'path'" "a path without slashes"
run "$IAMCTL" iam create-role --role-name x --assume-role-policy-document "$TRUST" --max-session-duration 3599
expect_err ValidationError CreateRole "Value '3599' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600" \
	"MaxSessionDuration below 3600"
run "$IAMCTL" iam create-role --role-name x --assume-role-policy-document "$TRUST" --max-session-duration 43201
expect_err ValidationError CreateRole "Value '43201' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200" \
	"MaxSessionDuration above 43200"
run "$IAMCTL" iam create-role --role-name max --assume-role-policy-document "$TRUST" --max-session-duration 43200
is "$(j '["Role"]["MaxSessionDuration"]')" "43200" "MaxSessionDuration 43200 is fine"
run "$IAMCTL" iam create-role --role-name x --assume-role-policy-document "$TRUST" \
	--description "$(printf 'd%.0s' $(seq 1001))"
expect_err ValidationError CreateRole "at 'description' failed to satisfy constraint: Member must have length less than or equal to 1000" \
	"a 1001-character description"
run "$IAMCTL" iam create-role --role-name x --assume-role-policy-document "$TRUST" --description 'snow ☃'
expect_err ValidationError CreateRole "at 'description' failed to satisfy constraint: Member must satisfy regular expression pattern" \
	"a description outside Latin-1"
run "$IAMCTL" iam create-role --role-name desc --assume-role-policy-document "$TRUST" \
	--description "$(printf 'd%.0s' $(seq 1000))"
is "$RC" 0 "a 1000-character description is fine"
run "$IAMCTL" iam create-role --role-name x --assume-role-policy-document "$TRUST" --tags Key=aws:x,Value=1
expect_err InvalidInput CreateRole "aws:" "the aws: tag prefix is reserved"
run "$IAMCTL" iam create-role --role-name x --assume-role-policy-document "$TRUST" --tags Key=k,Value=1 Key=K,Value=2
expect_err InvalidInput CreateRole "Duplicate tag keys found" "tag keys unique ignoring case"

# trust policies: validated as trust policies, with positions
run "$IAMCTL" iam create-role --role-name x --assume-role-policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}'
expect_err MalformedPolicyDocument CreateRole "Principal" "a trust policy without Principal"
run "$IAMCTL" iam create-role --role-name x --assume-role-policy-document '{"Version":"2012-10-17",
"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole",]}'
expect_err MalformedPolicyDocument CreateRole "line 2, column [0-9]+" "a JSON error names line and column"
run "$IAMCTL" iam create-role --role-name x --assume-role-policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Principal":"*","Action":"sts:AssumeRole"}]}'
expect_err MalformedPolicyDocument CreateRole "Effect" "a bad Effect"
big=$(python3 -c 'import json;print(json.dumps({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::%012d:root"%i for i in range(80)]},"Action":"sts:AssumeRole"}]}))')
run "$IAMCTL" iam create-role --role-name x --assume-role-policy-document "$big"
expect_err LimitExceeded CreateRole 'Cannot exceed quota for ACLSizePerRole: 2048' "a trust policy over 2,048 characters"
run "$IAMCTL" iam create-role --role-name x --assume-role-policy-document ''
expect_err ValidationError CreateRole "at 'assumeRolePolicyDocument' failed to satisfy constraint: Member must have length greater than or equal to 1" \
	"an empty trust policy"
run "$IAMCTL" iam get-role --role-name x
expect_err NoSuchEntity GetRole 'The role with name x cannot be found\.$' "no failed create left a role behind"

# --- GetRole ---
run "$IAMCTL" iam get-role --role-name APP
is "$RC" 0 "get-role ignores case"
is "$(j '["Role"]["RoleName"]')" "app" "the name keeps its case"
is "$(j '["Role"]["RoleId"]')" "$APP_ID" "same RoleId"
is "$(j '["Role"]["Arn"]')" "arn:aws:iam::$A:role/svc/app" "same Arn"
is "$(j '["Role"]["Description"]')" "The app role" "Description"
is "$(j '["Role"]["MaxSessionDuration"]')" "7200" "MaxSessionDuration"
is "$(j '["Role"]["Tags"][0]["Key"]')" "Team" "Tags"
is "$(py 'print(json.dumps(d["Role"]["RoleLastUsed"]))')" "{}" "RoleLastUsed is {} for a role never used"
is "$(py 'print(json.dumps(d["Role"]["AssumeRolePolicyDocument"], separators=(",",":")))')" "$TRUST" \
	"the trust policy round-trips"
run "$IAMCTL" iam get-role --role-name ops
is "$(py 'print(d["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"])')" \
	"arn:aws:iam::$A:root" "a trust policy from a file round-trips"
run "$IAMCTL" iam get-role --role-name nobody
expect_err NoSuchEntity GetRole 'The role with name nobody cannot be found\.$' "get-role of a missing role"
run "$IAMCTL" iam get-role --role-name 'a/b'
expect_err ValidationError GetRole "at 'roleName'" "get-role with an invalid name"

# --- ListRoles ---
run "$IAMCTL" iam list-roles
is "$RC" 0 "list-roles"
like "$(py 'print(" ".join(r["RoleName"] for r in d["Roles"]))')" '^app desc max ops r+$' "all roles, ordered by name"
is "$(py 'print(any(k in r for r in d["Roles"] for k in ("Tags","PermissionsBoundary","RoleLastUsed")))')" \
	"False" "list-roles leaves out Tags, PermissionsBoundary and RoleLastUsed, as AWS does"
is "$(py 'r=d["Roles"][0];print(r["Description"],r["MaxSessionDuration"],r["AssumeRolePolicyDocument"]["Version"])')" \
	"The app role 7200 2012-10-17" "and keeps Description, MaxSessionDuration and the trust policy"
run "$IAMCTL" iam list-roles --path-prefix /svc/
is "$(py 'print(" ".join(r["RoleName"] for r in d["Roles"]))')" "app" "--path-prefix /svc/"
run "$IAMCTL" iam list-roles --path-prefix svc
expect_err ValidationError ListRoles "at 'pathPrefix'" "a path prefix without a slash"
run "$IAMCTL" --no-paginate iam list-roles --max-items 2
is "$(py 'print(len(d["Roles"]), d["IsTruncated"], bool(d.get("Marker")))')" "2 True True" "list-roles pages"
M=$(j '["Marker"]')
run "$IAMCTL" --no-paginate iam list-roles --max-items 10 --marker "$M"
is "$(py 'print(" ".join(r["RoleName"] for r in d["Roles"])[:7], d["IsTruncated"])')" "max ops False" \
	"the next page continues where the first stopped"
run "$IAMCTL" --no-paginate iam list-roles --marker garbage
expect_err InvalidInput ListRoles "marker" "a marker that is not ours"
run "$IAMCTL" --no-paginate iam list-roles --max-items 1001
expect_err ValidationError ListRoles "Value '1001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000" \
	"MaxItems 1001"

# --- UpdateRole, UpdateRoleDescription ---
run "$IAMCTL" iam update-role --role-name app --max-session-duration 43200 --description 'new text'
is "$RC" 0 "update-role"
is "$OUT" "" "update-role prints nothing"
run "$IAMCTL" iam get-role --role-name app
is "$(j '["Role"]["MaxSessionDuration"]') $(j '["Role"]["Description"]')" "43200 new text" "both changed"
run "$IAMCTL" iam update-role --role-name app --max-session-duration 100
expect_err ValidationError UpdateRole "Value '100' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600" \
	"update-role below 3600"
run "$IAMCTL" iam update-role --role-name nobody --description x
expect_err NoSuchEntity UpdateRole 'The role with name nobody cannot be found\.' "update-role of a missing role"
run "$IAMCTL" iam update-role --role-name app --description ''
is "$RC" 0 "update-role with an empty description"
run "$IAMCTL" iam get-role --role-name app
is "$(py 'print("Description" in d["Role"], d["Role"]["MaxSessionDuration"])')" "False 43200" \
	"clears it and leaves the rest"
run "$IAMCTL" iam update-role-description --role-name app --description 'described'
is "$RC" 0 "update-role-description"
is "$(j '["Role"]["Description"]')" "described" "returns the role with its new description"
is "$(j '["Role"]["RoleId"]')" "$APP_ID" "the same role"
run "$IAMCTL" iam update-role-description --role-name app
expect_err ValidationError UpdateRoleDescription "Value null at 'description'" "update-role-description needs a description"
run "$IAMCTL" iam update-role-description --role-name nobody --description x
expect_err NoSuchEntity UpdateRoleDescription 'The role with name nobody cannot be found\.' \
	"update-role-description of a missing role"

# --- UpdateAssumeRolePolicy ---
run "$IAMCTL" iam update-assume-role-policy --role-name app --policy-document "file://$TMP/trust2.json"
is "$RC" 0 "update-assume-role-policy"
is "$OUT" "" "prints nothing"
run "$IAMCTL" iam get-role --role-name app
is "$(py 'print(d["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"])')" \
	"arn:aws:iam::$A:root" "the new trust policy is kept"
run "$IAMCTL" iam update-assume-role-policy --role-name app --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}]}'
expect_err MalformedPolicyDocument UpdateAssumeRolePolicy "Resource" "a trust policy with Resource"
run "$IAMCTL" iam update-assume-role-policy --role-name app --policy-document "$big"
expect_err LimitExceeded UpdateAssumeRolePolicy 'Cannot exceed quota for ACLSizePerRole: 2048' "an oversized trust policy"
run "$IAMCTL" iam update-assume-role-policy --role-name app
expect_err ValidationError UpdateAssumeRolePolicy "Value null at 'policyDocument'" "a missing document"
run "$IAMCTL" iam update-assume-role-policy --role-name nobody --policy-document "$TRUST"
expect_err NoSuchEntity UpdateAssumeRolePolicy 'The role with name nobody cannot be found\.' "a missing role"
run "$IAMCTL" iam get-role --role-name app
is "$(py 'print(d["Role"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"])')" \
	"arn:aws:iam::$A:root" "a refused update changes nothing"

# --- TagRole, UntagRole, ListRoleTags ---
run "$IAMCTL" iam tag-role --role-name app --tags Key=team,Value=infra Key=Cost,Value=42
is "$RC" 0 "tag-role"
run "$IAMCTL" iam list-role-tags --role-name app
is "$(py 'print(",".join(t["Key"]+"="+t["Value"] for t in d["Tags"]))')" "team=infra,Cost=42" \
	"a known key (any case) is overwritten, a new one added"
tags48=$(python3 -c 'import json;print(json.dumps([{"Key":"n%d"%i,"Value":"v"} for i in range(48)]))')
run "$IAMCTL" iam tag-role --role-name app --tags "$tags48"
is "$RC" 0 "tag-role up to 50 tags"
run "$IAMCTL" iam tag-role --role-name app --tags Key=one-more,Value=x
expect_err LimitExceeded TagRole 'The number of tags has reached the maximum limit\.' "a 51st tag"
run "$IAMCTL" --no-paginate iam list-role-tags --role-name app --max-items 30
is "$(py 'print(len(d["Tags"]), d["IsTruncated"])')" "30 True" "list-role-tags pages"
M=$(j '["Marker"]')
run "$IAMCTL" --no-paginate iam list-role-tags --role-name app --marker "$M"
is "$(py 'print(len(d["Tags"]), d["IsTruncated"], d["Tags"][0]["Key"])')" "20 False n28" "the second page"
run "$IAMCTL" iam list-role-tags --role-name app
is "$(py 'print(len(d["Tags"]))')" "50" "iamctl follows the markers"
keys=$(python3 -c 'print(" ".join("n%d"%i for i in range(48)))')
# shellcheck disable=SC2086
run "$IAMCTL" iam untag-role --role-name app --tag-keys $keys COST nope
is "$RC" 0 "untag-role (keys ignore case, unknown keys ignored)"
run "$IAMCTL" iam list-role-tags --role-name app
is "$(py 'print(",".join(t["Key"]+"="+t["Value"] for t in d["Tags"]))')" "team=infra" "the remaining tags"
run "$IAMCTL" iam untag-role --role-name app
expect_err ValidationError UntagRole "Value null at 'tagKeys'" "untag-role without keys"
run "$IAMCTL" iam tag-role --role-name nobody --tags Key=a,Value=b
expect_err NoSuchEntity TagRole 'The role with name nobody cannot be found\.' "tag-role of a missing role"
run "$IAMCTL" iam untag-role --role-name nobody --tag-keys a
expect_err NoSuchEntity UntagRole 'The role with name nobody cannot be found\.' "untag-role of a missing role"
run "$IAMCTL" iam list-role-tags --role-name nobody
expect_err NoSuchEntity ListRoleTags 'The role with name nobody cannot be found\.' "list-role-tags of a missing role"

# --- DeleteRole ---
run "$IAMCTL" iam put-role-policy --role-name ops --policy-name p \
	--policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'
is "$RC" 0 "an inline policy on ops"
run "$IAMCTL" iam delete-role --role-name ops
expect_err DeleteConflict DeleteRole 'Cannot delete entity, must delete policies first\.$' "delete-role with an inline policy"
run "$IAMCTL" iam get-role --role-name ops
is "$RC" 0 "the role is still there"
run "$IAMCTL" iam delete-role-policy --role-name ops --policy-name p
run "$IAMCTL" iam attach-role-policy --role-name ops --policy-arn arn:aws:iam::aws:policy/IAMReadOnlyAccess
is "$RC" 0 "a managed policy attached to ops"
run "$IAMCTL" iam delete-role --role-name ops
expect_err DeleteConflict DeleteRole 'Cannot delete entity, must detach all policies first\.$' \
	"delete-role with an attached policy"
run "$IAMCTL" iam detach-role-policy --role-name ops --policy-arn arn:aws:iam::aws:policy/IAMReadOnlyAccess
run "$IAMCTL" iam delete-role --role-name ops
is "$RC" 0 "delete-role once the policies are gone"
is "$OUT" "" "prints nothing"
run "$IAMCTL" iam get-role --role-name ops
expect_err NoSuchEntity GetRole 'cannot be found' "the deleted role is gone"
run "$IAMCTL" iam delete-role --role-name ops
expect_err NoSuchEntity DeleteRole 'The role with name ops cannot be found\.$' "delete-role twice"
run "$IAMCTL" iam delete-role --role-name app
is "$RC" 0 "delete-role of a tagged role (tags do not block)"
run "$IAMCTL" iam create-role --role-name app --assume-role-policy-document "$TRUST"
is "$RC" 0 "the name can be used again"
isnt "$(j '["Role"]["RoleId"]')" "$APP_ID" "with a new id"
run "$IAMCTL" iam get-user --user-name app
is "$RC" 0 "the user of the same name was not touched"

# --- after a restart, everything is as it was ---
ok "iamd stops" iamd_stop
iamd_start || bail_out "iamd did not restart"
run "$IAMCTL" iam get-role --role-name max
is "$(j '["Role"]["MaxSessionDuration"]')" "43200" "roles survive a restart"
ok "iamd stops" iamd_stop
done_testing
