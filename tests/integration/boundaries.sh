#!/bin/sh
# boundaries: permissions boundaries through iamctl against a real iamd.
# PermissionsBoundary on CreateUser and CreateRole, Put/Delete{User,Role}
# PermissionsBoundary: the ARN must name an existing managed policy
# (customer or AWS managed), each policy's PermissionsBoundaryUsageCount
# follows every change (and DeletePolicy refuses while it is used), a
# boundary does not block DeleteUser or DeleteRole, and GetUser/GetRole show
# it while ListUsers/ListRoles leave it out.
. "$top_srcdir/tests/integration/lib.sh"

[ -x "$IAMCTL" ] || skip_all "iamctl not built"
command -v python3 >/dev/null || skip_all "python3 missing"
IAMD_ACCOUNT_ID=123456789012
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
py() { printf '%s' "$OUT" | python3 -c "import json,sys;d=json.load(sys.stdin);$1"; }
# usage ARN: the policy's PermissionsBoundaryUsageCount
usage() {
	"$IAMCTL" iam get-policy --policy-arn "$1" 2>/dev/null |
		python3 -c 'import json,sys;print(json.load(sys.stdin)["Policy"].get("PermissionsBoundaryUsageCount"))'
}

TRUST='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
DOC='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'
B1=arn:aws:iam::$A:policy/Boundary
B2=arn:aws:iam::$A:policy/limits/Tight
AWSRO=arn:aws:iam::aws:policy/IAMReadOnlyAccess

run "$IAMCTL" iam create-policy --policy-name Boundary --policy-document "$DOC"
is "$RC" 0 "create-policy Boundary"
is "$(j '["Policy"]["Arn"]')" "$B1" "its ARN"
run "$IAMCTL" iam create-policy --policy-name Tight --path /limits/ --policy-document "$DOC"
is "$(j '["Policy"]["Arn"]')" "$B2" "create-policy Tight in /limits/"
is "$(usage "$B1")" "0" "a new policy is nobody's boundary"

# --- CreateUser, CreateRole ---
run "$IAMCTL" iam create-user --user-name alice --permissions-boundary "$B1"
is "$RC" 0 "create-user with a boundary"
is "$(j '["User"]["PermissionsBoundary"]["PermissionsBoundaryArn"]')" "$B1" "the boundary ARN"
is "$(j '["User"]["PermissionsBoundary"]["PermissionsBoundaryType"]')" "Policy" "its type is Policy, as AWS answers"
is "$(usage "$B1")" "1" "the policy's PermissionsBoundaryUsageCount is 1"
run "$IAMCTL" iam get-user --user-name alice
is "$(j '["User"]["PermissionsBoundary"]["PermissionsBoundaryArn"]')" "$B1" "get-user shows it"
run "$IAMCTL" iam list-users
is "$(py 'print(any("PermissionsBoundary" in u for u in d["Users"]))')" "False" "list-users leaves it out"

run "$IAMCTL" iam create-role --role-name app --assume-role-policy-document "$TRUST" --permissions-boundary "$B1"
is "$RC" 0 "create-role with a boundary"
is "$(j '["Role"]["PermissionsBoundary"]["PermissionsBoundaryArn"]') $(j '["Role"]["PermissionsBoundary"]["PermissionsBoundaryType"]')" \
	"$B1 Policy" "the role's boundary"
is "$(usage "$B1")" "2" "the count is 2"
run "$IAMCTL" iam get-role --role-name app
is "$(j '["Role"]["PermissionsBoundary"]["PermissionsBoundaryArn"]')" "$B1" "get-role shows it"
run "$IAMCTL" iam list-roles
is "$(py 'print(any("PermissionsBoundary" in r for r in d["Roles"]))')" "False" "list-roles leaves it out"
run "$IAMCTL" iam list-policies --scope Local --policy-usage-filter PermissionsBoundary
is "$(py 'print(",".join(p["PolicyName"] for p in d["Policies"]))')" "Boundary" \
	"list-policies --policy-usage-filter PermissionsBoundary finds it"

run "$IAMCTL" iam create-user --user-name bob --permissions-boundary arn:aws:iam::$A:policy/Nope
expect_err NoSuchEntity CreateUser "Policy arn:aws:iam::$A:policy/Nope does not exist or is not attachable\\.$" \
	"create-user with a boundary that does not exist"
run "$IAMCTL" iam get-user --user-name bob
expect_err NoSuchEntity GetUser "cannot be found" "and no user was created"
run "$IAMCTL" iam create-role --role-name r2 --assume-role-policy-document "$TRUST" \
	--permissions-boundary arn:aws:iam::$A:policy/Nope
expect_err NoSuchEntity CreateRole "Policy arn:aws:iam::$A:policy/Nope does not exist or is not attachable\\.$" \
	"create-role with a boundary that does not exist"
run "$IAMCTL" iam get-role --role-name r2
expect_err NoSuchEntity GetRole "cannot be found" "and no role was created"
run "$IAMCTL" iam create-role --role-name r2 --assume-role-policy-document "$TRUST" --permissions-boundary arn:aws:s3:::bucket-name
expect_err InvalidInput CreateRole "ARN arn:aws:s3:::bucket-name is not valid\\.$" "a boundary that is not a policy ARN"
run "$IAMCTL" iam create-role --role-name r2 --assume-role-policy-document "$TRUST" --permissions-boundary arn:aws:iam
cli_err "Invalid length for parameter PermissionsBoundary, value: 11, valid min length: 20" \
	"a boundary ARN under 20 characters"

# --- PutUserPermissionsBoundary ---
run "$IAMCTL" iam put-user-permissions-boundary --user-name alice --permissions-boundary "$AWSRO"
is "$RC" 0 "put-user-permissions-boundary with an AWS managed policy"
is "$OUT" "" "prints nothing"
run "$IAMCTL" iam get-user --user-name alice
is "$(j '["User"]["PermissionsBoundary"]["PermissionsBoundaryArn"]')" "$AWSRO" "the new boundary"
is "$(usage "$B1") $(usage "$AWSRO")" "1 1" "the old policy's count drops, the new one's rises"
run "$IAMCTL" iam put-user-permissions-boundary --user-name alice --permissions-boundary "$AWSRO"
is "$RC" 0 "putting the same boundary again"
is "$(usage "$AWSRO")" "1" "counts it once"
run "$IAMCTL" iam put-user-permissions-boundary --user-name alice --permissions-boundary "$B2"
is "$RC" 0 "a policy with a path"
is "$(usage "$AWSRO") $(usage "$B2")" "0 1" "counts follow"
run "$IAMCTL" iam put-user-permissions-boundary --user-name alice --permissions-boundary arn:aws:iam::$A:policy/Tight
expect_err NoSuchEntity PutUserPermissionsBoundary "Policy arn:aws:iam::$A:policy/Tight does not exist or is not attachable\\." \
	"the policy's ARN without its path"
run "$IAMCTL" iam put-user-permissions-boundary --user-name alice --permissions-boundary arn:aws:iam::999999999999:policy/Boundary
expect_err NoSuchEntity PutUserPermissionsBoundary "Policy arn:aws:iam::999999999999:policy/Boundary does not exist or is not attachable\\." \
	"another account's policy"
run "$IAMCTL" iam put-user-permissions-boundary --user-name alice --permissions-boundary arn:aws:iam::aws:policy/NoSuchAwsPolicy
expect_err NoSuchEntity PutUserPermissionsBoundary "does not exist or is not attachable" "an AWS managed policy iamd does not have"
run "$IAMCTL" iam put-user-permissions-boundary --user-name alice --permissions-boundary arn:aws:iam::$A:user/alice
expect_err InvalidInput PutUserPermissionsBoundary "ARN arn:aws:iam::$A:user/alice is not valid\\." "a user ARN"
run "$IAMCTL" iam put-user-permissions-boundary --user-name alice
cli_err "the following arguments are required: --permissions-boundary" "a missing boundary"
run "$IAMCTL" iam put-user-permissions-boundary --user-name nobody --permissions-boundary "$B1"
expect_err NoSuchEntity PutUserPermissionsBoundary "The user with name nobody cannot be found\\." "a missing user"
run "$IAMCTL" iam get-user --user-name alice
is "$(j '["User"]["PermissionsBoundary"]["PermissionsBoundaryArn"]')" "$B2" "refused puts changed nothing"
is "$(usage "$B2")" "1" "nor any count"

# --- DeletePolicy while used as a boundary ---
run "$IAMCTL" iam delete-policy --policy-arn "$B2"
expect_err DeleteConflict DeletePolicy "Cannot delete a policy attached to entities\\." "delete-policy of a boundary in use"

# --- DeleteUserPermissionsBoundary ---
run "$IAMCTL" iam delete-user-permissions-boundary --user-name alice
is "$RC" 0 "delete-user-permissions-boundary"
run "$IAMCTL" iam get-user --user-name alice
is "$(py 'print("PermissionsBoundary" in d["User"])')" "False" "the user has no boundary"
is "$(usage "$B2")" "0" "the policy's count drops to 0"
run "$IAMCTL" iam delete-user-permissions-boundary --user-name alice
is "$RC" 0 "deleting it again succeeds (nothing to do)"
run "$IAMCTL" iam delete-user-permissions-boundary --user-name nobody
expect_err NoSuchEntity DeleteUserPermissionsBoundary "The user with name nobody cannot be found\\." "a missing user"
run "$IAMCTL" iam delete-policy --policy-arn "$B2"
is "$RC" 0 "delete-policy once it is nobody's boundary"

# --- PutRolePermissionsBoundary, DeleteRolePermissionsBoundary ---
run "$IAMCTL" iam put-role-permissions-boundary --role-name app --permissions-boundary "$AWSRO"
is "$RC" 0 "put-role-permissions-boundary"
run "$IAMCTL" iam get-role --role-name app
is "$(j '["Role"]["PermissionsBoundary"]["PermissionsBoundaryArn"]')" "$AWSRO" "the role's new boundary"
is "$(usage "$B1") $(usage "$AWSRO")" "0 1" "counts follow"
run "$IAMCTL" iam put-role-permissions-boundary --role-name app --permissions-boundary arn:aws:iam::$A:policy/Nope
expect_err NoSuchEntity PutRolePermissionsBoundary "does not exist or is not attachable" "a missing policy"
run "$IAMCTL" iam put-role-permissions-boundary --role-name nobody --permissions-boundary "$B1"
expect_err NoSuchEntity PutRolePermissionsBoundary "The role with name nobody cannot be found\\." "a missing role"
run "$IAMCTL" iam put-role-permissions-boundary --role-name 'a b' --permissions-boundary "$B1"
expect_err ValidationError PutRolePermissionsBoundary "at 'roleName'" "an invalid role name"
run "$IAMCTL" iam delete-role-permissions-boundary --role-name app
is "$RC" 0 "delete-role-permissions-boundary"
run "$IAMCTL" iam get-role --role-name app
is "$(py 'print("PermissionsBoundary" in d["Role"])')" "False" "the role has no boundary"
is "$(usage "$AWSRO")" "0" "the count drops"
run "$IAMCTL" iam delete-role-permissions-boundary --role-name app
is "$RC" 0 "deleting it again succeeds"
run "$IAMCTL" iam delete-role-permissions-boundary --role-name nobody
expect_err NoSuchEntity DeleteRolePermissionsBoundary "The role with name nobody cannot be found\\." "a missing role"

# --- a boundary does not block deletes; the count follows ---
ok "put-user-permissions-boundary again" "$IAMCTL" iam put-user-permissions-boundary --user-name alice --permissions-boundary "$B1"
ok "put-role-permissions-boundary again" "$IAMCTL" iam put-role-permissions-boundary --role-name app --permissions-boundary "$B1"
is "$(usage "$B1")" "2" "two entities use it"
run "$IAMCTL" iam delete-user --user-name alice
is "$RC" 0 "delete-user of a user with a boundary"
is "$(usage "$B1")" "1" "the count drops"
run "$IAMCTL" iam delete-role --role-name app
is "$RC" 0 "delete-role of a role with a boundary"
is "$(usage "$B1")" "0" "the count drops to 0"

# --- after a restart, everything is as it was ---
ok "create-role with a boundary" "$IAMCTL" iam create-role --role-name kept --assume-role-policy-document "$TRUST" \
	--permissions-boundary "$B1"
ok "iamd stops" iamd_stop
iamd_start || bail_out "iamd did not restart"
run "$IAMCTL" iam get-role --role-name kept
is "$(j '["Role"]["PermissionsBoundary"]["PermissionsBoundaryArn"]')" "$B1" "boundaries survive a restart"
is "$(usage "$B1")" "1" "and so do the counts"
ok "iamd stops" iamd_stop
done_testing
