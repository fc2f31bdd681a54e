#!/bin/sh
# account_views: GetAccountAuthorizationDetails (every filter, its details,
# paging across the kinds with small MaxItems, bad markers) and
# GetAccountSummary (counts after creates, renames and deletes; AWS's
# quotas), the UsersPerAccount (5000) and GroupsPerAccount (300) quotas,
# and the schema 2 migration that rebuilds the account counters, through
# iamctl and the bulk loader.
. "$top_srcdir/tests/integration/lib.sh"

[ -x "$IAMCTL" ] || skip_all "iamctl not built"
command -v python3 >/dev/null || skip_all "python3 missing"
LOAD=$top_builddir/tests/integration/iam_load
IAMD_ACCOUNT_ID=123456789012
HAVE_KEYD=no
if [ -x "$IAMD_KEYD" ]; then
	keyd_start || bail_out "iam-keyd did not start"
	HAVE_KEYD=yes
fi
# the audit trail (an fsync per mutating call) is not what this test is
# about: 5000 creates run 20 times faster without it
iamd_start --audit no || bail_out "iamd did not start"
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
# py EXPR: evaluates EXPR with `d` the last output (JSON), prints the result
py() {
	printf '%s' "$OUT" | python3 -c 'import json,sys
d=json.load(sys.stdin)
r=eval(sys.argv[1])
print(" ".join(map(str,r)) if isinstance(r,list) else r)' "$1"
}
# the names in each list of a details answer, "users|groups|roles|policies"
details_names() {
	py '"|".join(" ".join(x[k] for x in d.get(l,[])) for l,k in (("UserDetailList","UserName"),("GroupDetailList","GroupName"),("RoleDetailList","RoleName"),("Policies","PolicyName")))'
}
details() { run "$IAMCTL" iam get-account-authorization-details --no-paginate "$@"; }
summary() { run "$IAMCTL" iam get-account-summary; }

# --- an empty account ---
details
is "$RC" 0 "get-account-authorization-details on an empty account"
is "$(details_names)" "|||" "nothing in any list"
is "$(j '["IsTruncated"]')" "false" "not truncated"
summary
is "$RC" 0 "get-account-summary"
is "$(py 'd["SummaryMap"]["Users"], d["SummaryMap"]["Groups"], d["SummaryMap"]["Roles"], d["SummaryMap"]["Policies"]')" \
	"(0, 0, 0, 0)" "no users, groups, roles or policies"

# --- users and groups ---
run "$IAMCTL" iam create-user --user-name alice --path /eng/ --tags Key=team,Value=red
ALICE_ID=$(j '["User"]["UserId"]')
run "$IAMCTL" iam create-user --user-name Bob
run "$IAMCTL" iam create-user --user-name carol
run "$IAMCTL" iam create-group --group-name Devs --path /g/
DEVS_ID=$(j '["Group"]["GroupId"]')
run "$IAMCTL" iam create-group --group-name ops
run "$IAMCTL" iam add-user-to-group --user-name alice --group-name devs
run "$IAMCTL" iam add-user-to-group --user-name alice --group-name OPS
is "$RC" 0 "three users, two groups, two memberships"

details
is "$(details_names)" "alice Bob carol|Devs ops||" "every user and group, ordered by name"
is "$(j '["UserDetailList"][0]["UserId"]')" "$ALICE_ID" "UserId"
is "$(j '["UserDetailList"][0]["Arn"]')" "arn:aws:iam::$A:user/eng/alice" "Arn"
is "$(j '["UserDetailList"][0]["Path"]')" "/eng/" "Path"
like "$(j '["UserDetailList"][0]["CreateDate"]')" '^20[0-9]{2}-[01][0-9]-[0-3][0-9]T' "CreateDate"
is "$(py 'd["UserDetailList"][0]["GroupList"]')" "Devs ops" "GroupList: the groups' names as created"
is "$(py 'd["UserDetailList"][0]["Tags"]')" "{'Key': 'team', 'Value': 'red'}" "Tags"
is "$(py 'd["UserDetailList"][1].get("GroupList",[])')" "" "Bob is in no group"
is "$(j '["GroupDetailList"][0]["GroupId"]')" "$DEVS_ID" "GroupId"
is "$(j '["GroupDetailList"][0]["Arn"]')" "arn:aws:iam::$A:group/g/Devs" "group Arn"

# --- filters ---
details --filter User
is "$(details_names)" "alice Bob carol|||" "--filter User"
details --filter Group
is "$(details_names)" "|Devs ops||" "--filter Group"
details --filter Role LocalManagedPolicy AWSManagedPolicy
is "$(details_names)" "|||" "--filter Role LocalManagedPolicy AWSManagedPolicy: none yet"
details --filter Group User
is "$(details_names)" "alice Bob carol|Devs ops||" "two filters, in any order"
details --filter Users
expect_err ValidationError GetAccountAuthorizationDetails \
	"Value 'Users' at 'filter.1.member' failed to satisfy constraint: Member must satisfy enum value set" \
	"an unknown filter"

# --- paging across the kinds ---
# walk PAGE-SIZE [FILTER...]: every page's names, "/"-separated
walk() {
	size=$1
	shift
	marker=
	pages=
	n=0
	while [ $n -lt 20 ]; do
		n=$((n + 1))
		if [ -n "$marker" ]; then
			details --max-items "$size" --marker "$marker" "$@"
		else
			details --max-items "$size" "$@"
		fi
		[ "$RC" = 0 ] || { echo "error: $ERR"; return; }
		pages="$pages$(details_names)/"
		[ "$(j '["IsTruncated"]')" = true ] || break
		marker=$(j '["Marker"]')
	done
	printf '%s' "$pages"
}
is "$(walk 1)" "alice|||/Bob|||/carol|||/|Devs||/|ops||/" "pages of 1 cross from users to groups"
is "$(walk 2)" "alice Bob|||/carol|Devs||/|ops||/" "a page of 2 holds a user and a group"
is "$(walk 3)" "alice Bob carol|||/|Devs ops||/" "pages of 3"
is "$(walk 5)" "alice Bob carol|Devs ops||/" "one page of 5, not truncated"
is "$(walk 1 --filter Group)" "|Devs||/|ops||/" "pages of 1 with --filter Group"
run "$IAMCTL" iam get-account-authorization-details --page-size 1
is "$(details_names)" "alice Bob carol|Devs ops||" "iamctl follows the markers (pages of 1) and merges every list"
run "$IAMCTL" iam get-account-authorization-details --filter Group
is "$(details_names)" "|Devs ops||" "iamctl's paginated output keeps the lists after an empty first one"
details --max-items 3
is "$(j '["IsTruncated"]')" "true" "a full page is truncated when more follow"
M=$(j '["Marker"]')
like "$M" '^[A-Za-z0-9_-]+$' "with an opaque marker"
run "$IAMCTL" iam delete-user --user-name carol
run "$IAMCTL" iam create-user --user-name carol
details --max-items 3 --marker "$M"
is "$(details_names)" "|Devs ops||" "the marker of the first group still works after user changes"
details --marker "${M}x"
expect_err InvalidInput GetAccountAuthorizationDetails "marker" "a forged marker"
run "$IAMCTL" iam list-users --no-paginate --max-items 1
details --marker "$(j '["Marker"]')"
expect_err InvalidInput GetAccountAuthorizationDetails "marker" "a ListUsers marker is refused"
details --max-items 0
cli_err "Invalid value for parameter MaxItems, value: 0, valid min value: 1" "MaxItems 0"
details --max-items 1001
expect_err ValidationError GetAccountAuthorizationDetails "at 'maxItems'" "MaxItems 1001"

# --- summary counts after creates, renames and deletes ---
summary
is "$(py 'd["SummaryMap"]["Users"], d["SummaryMap"]["Groups"]')" "(3, 2)" "Users 3, Groups 2"
run "$IAMCTL" iam update-user --user-name carol --new-user-name carla --new-path /x/
run "$IAMCTL" iam update-group --group-name ops --new-group-name Operators
summary
is "$(py 'd["SummaryMap"]["Users"], d["SummaryMap"]["Groups"]')" "(3, 2)" "renames change no count"
run "$IAMCTL" iam delete-user --user-name carla
run "$IAMCTL" iam remove-user-from-group --user-name alice --group-name operators
run "$IAMCTL" iam delete-group --group-name operators
summary
is "$(py 'd["SummaryMap"]["Users"], d["SummaryMap"]["Groups"]')" "(2, 1)" "deletes are counted"
run "$IAMCTL" iam delete-user --user-name alice
expect_err DeleteConflict DeleteUser "" "a refused delete"
summary
is "$(j '["SummaryMap"]["Users"]')" "2" "a refused delete changes no count"
is "$(py '[d["SummaryMap"][k] for k in ("UsersQuota","GroupsQuota","RolesQuota","PoliciesQuota","PolicySizeQuota","PolicyVersionsInUseQuota","VersionsPerPolicyQuota","GroupsPerUserQuota","AttachedPoliciesPerUserQuota","AttachedPoliciesPerGroupQuota","AttachedPoliciesPerRoleQuota","UserPolicySizeQuota","GroupPolicySizeQuota","RolePolicySizeQuota","AssumeRolePolicySizeQuota","AccessKeysPerUserQuota")]')" \
	"5000 300 1000 1500 6144 10000 5 10 10 10 10 2048 5120 10240 2048 2" "AWS's quotas"
is "$(py 'sorted(d["SummaryMap"])')" \
	"AccessKeysPerUserQuota AccountAccessKeysPresent AccountMFAEnabled AccountPasswordPresent AccountSigningCertificatesPresent AssumeRolePolicySizeQuota AttachedPoliciesPerGroupQuota AttachedPoliciesPerRoleQuota AttachedPoliciesPerUserQuota GlobalEndpointTokenVersion GroupPolicySizeQuota Groups GroupsPerUserQuota GroupsQuota InstanceProfiles InstanceProfilesQuota MFADevices MFADevicesInUse Policies PoliciesQuota PolicySizeQuota PolicyVersionsInUse PolicyVersionsInUseQuota Providers RolePolicySizeQuota Roles RolesQuota ServerCertificates ServerCertificatesQuota SigningCertificatesPerUserQuota UserPolicySizeQuota Users UsersQuota VersionsPerPolicyQuota" \
	"every key AWS documents, printed as a JSON object"

# --- managed policies, their versions and attachments ---
DOC1='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}'
DOC2='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}'
ADMIN=arn:aws:iam::aws:policy/AdministratorAccess
WANT_POLICIES=0
# doc EXPR: the policy document at EXPR as an object (iamctl may print it
# decoded or as the text the API carries)
doc() { py "(lambda x: x if isinstance(x, dict) else json.loads(x))($1)"; }
run "$IAMCTL" iam create-policy --policy-name S3Access --path /p/ --policy-document "$DOC1"
if [ "$RC" = 0 ]; then
	WANT_POLICIES=1
	P_ARN=arn:aws:iam::$A:policy/p/S3Access
	run "$IAMCTL" iam create-policy-version --policy-arn "$P_ARN" --policy-document "$DOC2" \
		--set-as-default
	run "$IAMCTL" iam attach-user-policy --user-name alice --policy-arn "$P_ARN"
	run "$IAMCTL" iam attach-group-policy --group-name devs --policy-arn "$P_ARN"
	run "$IAMCTL" iam attach-group-policy --group-name devs --policy-arn "$ADMIN"
	is "$RC" 0 "a customer managed policy with two versions, three attachments"
	details
	is "$(details_names)" "alice Bob|Devs||S3Access AdministratorAccess" \
		"Policies: customer managed, then the AWS managed ones in use"
	is "$(py '[(p["PolicyName"], p["PolicyArn"]) for p in d["UserDetailList"][0]["AttachedManagedPolicies"]]')" \
		"('S3Access', '$P_ARN')" "a user's AttachedManagedPolicies"
	is "$(py '[p["PolicyName"] for p in d["GroupDetailList"][0]["AttachedManagedPolicies"]]')" \
		"S3Access AdministratorAccess" "a group's AttachedManagedPolicies"
	is "$(py '(lambda p: [p["Arn"], p["Path"], p["DefaultVersionId"], p["AttachmentCount"], p["IsAttachable"]])(d["Policies"][0])')" \
		"$P_ARN /p/ v2 2 True" "the policy's Arn, Path, DefaultVersionId, AttachmentCount"
	is "$(py '[(v["VersionId"], v["IsDefaultVersion"]) for v in d["Policies"][0]["PolicyVersionList"]]')" \
		"('v1', False) ('v2', True)" "PolicyVersionList: every version, the default marked"
	is "$(doc 'd["Policies"][0]["PolicyVersionList"][0]["Document"]' | python3 -c 'import sys,ast;print(ast.literal_eval(sys.stdin.read())["Statement"][0]["Action"])')" \
		"s3:*" "each version with its document"
	is "$(py 'd["Policies"][1]["Arn"], d["Policies"][1]["AttachmentCount"]')" "('$ADMIN', 1)" \
		"the attached AWS managed policy"
	details --filter LocalManagedPolicy
	is "$(details_names)" "|||S3Access" "--filter LocalManagedPolicy"
	details --filter AWSManagedPolicy
	is "$(details_names)" "|||AdministratorAccess" "--filter AWSManagedPolicy: only those in use"
	is "$(walk 2)" "alice Bob|||/|Devs||S3Access/|||AdministratorAccess/" "pages of 2 across every kind"
	is "$(walk 1 --filter User AWSManagedPolicy)" "alice|||/Bob|||/|||AdministratorAccess/" \
		"pages of 1 skip the kinds filtered out"
	summary
	is "$(py 'd["SummaryMap"]["Policies"], d["SummaryMap"]["PolicyVersionsInUse"]')" "(1, 3)" \
		"Policies 1 (customer managed), PolicyVersionsInUse 3 (attachments)"
	run "$IAMCTL" iam detach-group-policy --group-name devs --policy-arn "$ADMIN"
	details --filter AWSManagedPolicy
	is "$(details_names)" "|||" "a detached AWS managed policy leaves the list"
	run "$IAMCTL" iam create-policy --policy-name Other --policy-document "$DOC1"
	summary
	is "$(py 'd["SummaryMap"]["Policies"], d["SummaryMap"]["PolicyVersionsInUse"]')" "(2, 2)" \
		"a second policy is counted, the detach too"
	run "$IAMCTL" iam delete-policy --policy-arn "arn:aws:iam::$A:policy/Other"
	summary
	is "$(j '["SummaryMap"]["Policies"]')" "1" "a deleted policy is uncounted"
else
	skip "managed policies in the details" "CreatePolicy failed: $ERR"
fi

# --- roles, inline policies, boundaries ---
TRUST='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
WANT_ROLES=0
run "$IAMCTL" iam create-role --role-name app --path /svc/ --assume-role-policy-document "$TRUST" \
	--tags Key=env,Value=prod
if [ "$RC" = 0 ] && [ -n "${P_ARN:-}" ]; then
	WANT_ROLES=1
	ROLE_ID=$(j '["Role"]["RoleId"]')
	run "$IAMCTL" iam put-role-permissions-boundary --role-name app --permissions-boundary "$P_ARN"
	run "$IAMCTL" iam put-role-policy --role-name app --policy-name RoleInline --policy-document "$DOC1"
	run "$IAMCTL" iam attach-role-policy --role-name app --policy-arn "$ADMIN"
	run "$IAMCTL" iam put-user-policy --user-name bob --policy-name BobInline --policy-document "$DOC2"
	run "$IAMCTL" iam put-group-policy --group-name devs --policy-name DevsInline --policy-document "$DOC1"
	is "$RC" 0 "a role with a boundary, inline and attached policies; user and group inline policies"
	details --filter Role
	is "$(details_names)" "||app|" "--filter Role"
	is "$(py 'd["RoleDetailList"][0]["RoleId"], d["RoleDetailList"][0]["Arn"], d["RoleDetailList"][0]["Path"]')" \
		"('$ROLE_ID', 'arn:aws:iam::$A:role/svc/app', '/svc/')" "RoleId, Arn, Path"
	is "$(doc 'd["RoleDetailList"][0]["AssumeRolePolicyDocument"]' | python3 -c 'import sys,ast;print(ast.literal_eval(sys.stdin.read())["Statement"][0]["Principal"]["Service"])')" \
		"ec2.amazonaws.com" "AssumeRolePolicyDocument"
	is "$(py '[p["PolicyName"] for p in d["RoleDetailList"][0]["RolePolicyList"]]')" "RoleInline" "RolePolicyList"
	is "$(doc 'd["RoleDetailList"][0]["RolePolicyList"][0]["PolicyDocument"]' | python3 -c 'import sys,ast;print(ast.literal_eval(sys.stdin.read())["Statement"][0]["Action"])')" \
		"s3:*" "with its PolicyDocument"
	is "$(py '[p["PolicyArn"] for p in d["RoleDetailList"][0]["AttachedManagedPolicies"]]')" "$ADMIN" \
		"a role's AttachedManagedPolicies"
	is "$(j '["RoleDetailList"][0]["PermissionsBoundary"]["PermissionsBoundaryArn"]')" "$P_ARN" \
		"a role's PermissionsBoundary"
	is "$(py 'd["RoleDetailList"][0]["Tags"]')" "{'Key': 'env', 'Value': 'prod'}" "a role's Tags"
	is "$(j '["RoleDetailList"][0]["RoleLastUsed"]')" "{}" "RoleLastUsed {} for a role never used"
	run "$IAMCTL" iam create-instance-profile --instance-profile-name app-profile --path /ip/
	if [ "$RC" = 0 ]; then
		run "$IAMCTL" iam add-role-to-instance-profile --instance-profile-name app-profile \
			--role-name app
		run "$IAMCTL" iam create-instance-profile --instance-profile-name spare
		details --filter Role
		is "$(py '[(p["InstanceProfileName"], p["Path"], [r["RoleName"] for r in p["Roles"]]) for p in d["RoleDetailList"][0]["InstanceProfileList"]]')" \
			"('app-profile', '/ip/', ['app'])" "InstanceProfileList: the role's profiles with their roles"
		summary
		is "$(j '["SummaryMap"]["InstanceProfiles"]')" "2" "InstanceProfiles counted"
		run "$IAMCTL" iam delete-instance-profile --instance-profile-name spare
		summary
		is "$(j '["SummaryMap"]["InstanceProfiles"]')" "1" "a deleted instance profile is uncounted"
	else
		skip "instance profiles in the details" "CreateInstanceProfile failed: $ERR"
	fi
	details --filter User
	is "$(py '[p["PolicyName"] for p in d["UserDetailList"][1]["UserPolicyList"]]')" "BobInline" "UserPolicyList"
	is "$(doc 'd["UserDetailList"][1]["UserPolicyList"][0]["PolicyDocument"]' | python3 -c 'import sys,ast;print(ast.literal_eval(sys.stdin.read())["Statement"][0]["Action"])')" \
		"s3:Get*" "with its PolicyDocument"
	details --filter Group
	is "$(py '[p["PolicyName"] for p in d["GroupDetailList"][0]["GroupPolicyList"]]')" "DevsInline" "GroupPolicyList"
	details --filter AWSManagedPolicy LocalManagedPolicy
	is "$(py 'd["Policies"][0]["PermissionsBoundaryUsageCount"], d["Policies"][1]["PolicyName"]')" \
		"(1, 'AdministratorAccess')" "PermissionsBoundaryUsageCount; the role's AWS managed policy"
	is "$(walk 1 --filter Role AWSManagedPolicy)" "||app|/|||AdministratorAccess/" "pages of 1: a role, then a policy"
	summary
	is "$(py 'd["SummaryMap"]["Roles"], d["SummaryMap"]["PolicyVersionsInUse"]')" "(1, 3)" \
		"Roles 1; PolicyVersionsInUse counts the role's attachment"
	run "$IAMCTL" iam create-role --role-name short-lived --assume-role-policy-document "$TRUST"
	summary
	is "$(j '["SummaryMap"]["Roles"]')" "2" "a created role is counted"
	run "$IAMCTL" iam delete-role --role-name short-lived
	summary
	is "$(j '["SummaryMap"]["Roles"]')" "1" "a deleted role is uncounted"
else
	skip "roles in the details" "CreateRole failed or no managed policy: $ERR"
fi

# --- the root's access keys ---
summary
is "$(j '["SummaryMap"]["AccountAccessKeysPresent"]')" "0" "AccountAccessKeysPresent 0"
if [ "$HAVE_KEYD" = yes ]; then
	run "$IAMCTL" iam create-access-key --user-name Bob
	summary
	is "$(j '["SummaryMap"]["AccountAccessKeysPresent"]')" "0" "a user's access key is not the root's"
	run "$IAMCTL" iam create-access-key
	ROOT_KEY=$(j '["AccessKey"]["AccessKeyId"]')
	summary
	is "$(j '["SummaryMap"]["AccountAccessKeysPresent"]')" "1" "AccountAccessKeysPresent 1 once the root has a key"
	run "$IAMCTL" iam delete-access-key --access-key-id "$ROOT_KEY"
	summary
	is "$(j '["SummaryMap"]["AccountAccessKeysPresent"]')" "0" "and 0 after its delete"
else
	skip "the root's access keys" "iam-keyd not built"
fi

# --- the UsersPerAccount quota: 5000 ---
if [ -x "$LOAD" ]; then
	"$LOAD" create-users "$IAMD_SOCKET" q 4998 > "$TMP/load.out" 2> "$TMP/load.err"
	is "$?" 0 "4998 more users with the bulk loader"
	summary
	is "$(j '["SummaryMap"]["Users"]')" "5000" "Users 5000"
	run "$IAMCTL" iam create-user --user-name one-too-many
	expect_err LimitExceeded CreateUser 'Cannot exceed quota for UsersPerAccount: 5000$' "the 5001st user"
	run "$IAMCTL" iam get-user --user-name one-too-many
	expect_err NoSuchEntity GetUser "" "the refused user was not created"
	run "$IAMCTL" iam create-user --user-name Bob
	expect_err EntityAlreadyExists CreateUser "" "an existing name at the quota is still EntityAlreadyExists"
	run "$IAMCTL" iam delete-user --user-name q00000
	run "$IAMCTL" iam create-user --user-name one-too-many
	is "$RC" 0 "after a delete there is room for one"
	run "$IAMCTL" iam create-user --user-name two-too-many
	expect_err LimitExceeded CreateUser "UsersPerAccount" "and for one only"
else
	skip "the UsersPerAccount quota" "iam_load not built"
fi

# --- the GroupsPerAccount quota: 300 ---
seq 2 300 | xargs -P 2 -I N "$IAMCTL" iam create-group --group-name qg-N > /dev/null 2>&1
summary
is "$(j '["SummaryMap"]["Groups"]')" "300" "Groups 300"
run "$IAMCTL" iam create-group --group-name one-group-too-many
expect_err LimitExceeded CreateGroup 'Cannot exceed quota for GroupsPerAccount: 300$' "the 301st group"
run "$IAMCTL" iam delete-group --group-name qg-2
run "$IAMCTL" iam create-group --group-name one-group-too-many
is "$RC" 0 "after a delete there is room for one group"

# --- the migration to schema 2 rebuilds the counters ---
ok "iamd stops" iamd_stop
if command -v mdb_dump >/dev/null && command -v mdb_load >/dev/null; then
	DB=$IAMD_STATE_DIR/db
	# a store as schema 1 left it, with counters that lie
	mdb_dump -p -s meta "$DB" | python3 -c '
import sys
lines = sys.stdin.read().split("\n")
out, i = [], 0
while i < len(lines):
    l = lines[i]
    out.append(l)
    if l == " meta":
        v = lines[i + 1]
        assert v.startswith(" \\08\\0"), v
        out.append(" \\08\\01" + v[len(" \\08\\0N"):])
        i += 1
    elif l.startswith(" count/"):
        out.append(" 7")
        i += 1
    i += 1
print("\n".join(out), end="")' > "$TMP/meta.dump"
	ok "the meta database rewritten as schema 1 with wrong counters" \
		mdb_load -s meta -f "$TMP/meta.dump" "$DB"
	iamd_start --audit no || bail_out "iamd did not restart"
	summary
	is "$(py 'd["SummaryMap"]["Users"], d["SummaryMap"]["Groups"], d["SummaryMap"]["Roles"]')" \
		"(5000, 300, $WANT_ROLES)" "the migration counted every user, group and role again"
	is "$(j '["SummaryMap"]["Policies"]')" "$WANT_POLICIES" "and every customer managed policy"
	run "$IAMCTL" iam create-user --user-name after-migration
	expect_err LimitExceeded CreateUser "UsersPerAccount: 5000" "and the quota holds after it"
	ok "iamd stops" iamd_stop
	mdb_dump -p -s meta "$DB" > "$TMP/meta2.dump"
	like "$(grep -A1 '^ meta$' "$TMP/meta2.dump" | tail -1)" '^ \\08\\0[2-9]' "the store is at the current schema again"
else
	skip "the counters migration" "mdb_dump/mdb_load (lmdb-utils) missing"
fi

done_testing
