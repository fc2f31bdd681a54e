#!/bin/sh
# hostroles: instance profiles (CreateInstanceProfile, GetInstanceProfile,
# ListInstanceProfiles, ListInstanceProfilesForRole, AddRoleToInstanceProfile,
# RemoveRoleFromInstanceProfile, DeleteInstanceProfile, Tag/Untag/
# ListInstanceProfileTags) with their AWS errors, DeleteRole's conflict while
# a role is in a profile, and iamd's host associations (selectors, the
# ambiguity refused at association time, list, disassociate), through iamctl
# against a real iamd.
. "$top_srcdir/tests/integration/lib.sh"

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

TRUST='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"host.iamd.local"},"Action":"sts:AssumeRole"}]}'
run "$IAMCTL" iam create-role --role-name web --assume-role-policy-document "$TRUST"
is "$RC" 0 "create-role web"
WEB_ID=$(j '["Role"]["RoleId"]')
run "$IAMCTL" iam create-role --role-name batch --assume-role-policy-document "$TRUST"
is "$RC" 0 "create-role batch"

# --- CreateInstanceProfile ---
run "$IAMCTL" iam create-instance-profile --instance-profile-name web-prof --path /svc/ \
	--tags Key=Team,Value=core
is "$RC" 0 "create-instance-profile web-prof in /svc/"
like "$(j '["InstanceProfile"]["InstanceProfileId"]')" '^AIPA[A-Z2-7]{17}$' "InstanceProfileId is AIPA + 17"
is "$(j '["InstanceProfile"]["Arn"]')" "arn:aws:iam::$A:instance-profile/svc/web-prof" "Arn holds the path"
is "$(j '["InstanceProfile"]["Path"]')" "/svc/" "Path as given"
is "$(py 'print(d["InstanceProfile"].get("Roles", []))')" "[]" "no roles yet"
run "$IAMCTL" iam create-instance-profile --instance-profile-name WEB-PROF
expect_err EntityAlreadyExists CreateInstanceProfile 'Instance Profile WEB-PROF already exists\.$' \
	"profile names are unique ignoring case"
run "$IAMCTL" iam create-instance-profile --instance-profile-name 'bad name'
expect_err ValidationError CreateInstanceProfile "instanceProfileName" "a bad name is refused"
long=$(python3 -c 'print("p"*129)')
run "$IAMCTL" iam create-instance-profile --instance-profile-name "$long"
expect_err ValidationError CreateInstanceProfile "less than or equal to 128" "129 characters refused"
run "$IAMCTL" iam create-instance-profile --instance-profile-name batch-prof
is "$RC" 0 "create-instance-profile batch-prof"
is "$(j '["InstanceProfile"]["Arn"]')" "arn:aws:iam::$A:instance-profile/batch-prof" "Arn without path"

# --- GetInstanceProfile ---
run "$IAMCTL" iam get-instance-profile --instance-profile-name web-prof
is "$RC" 0 "get-instance-profile"
is "$(j '["InstanceProfile"]["Tags"][0]["Value"]')" "core" "Get shows the tags"
run "$IAMCTL" iam get-instance-profile --instance-profile-name nope
expect_err NoSuchEntity GetInstanceProfile 'Instance Profile nope cannot be found\.$' "unknown profile"

# --- AddRoleToInstanceProfile ---
run "$IAMCTL" iam add-role-to-instance-profile --instance-profile-name web-prof --role-name web
is "$RC" 0 "add-role-to-instance-profile web"
run "$IAMCTL" iam get-instance-profile --instance-profile-name web-prof
is "$(j '["InstanceProfile"]["Roles"][0]["RoleName"]')" "web" "the profile shows its role"
is "$(j '["InstanceProfile"]["Roles"][0]["RoleId"]')" "$WEB_ID" "with the role's id"
is "$(py 'print(d["InstanceProfile"]["Roles"][0]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"])')" \
	"host.iamd.local" "and its trust policy"
run "$IAMCTL" iam add-role-to-instance-profile --instance-profile-name web-prof --role-name batch
expect_err LimitExceeded AddRoleToInstanceProfile 'InstanceSessionsPerInstanceProfile: 1$' "one role per profile"
run "$IAMCTL" iam add-role-to-instance-profile --instance-profile-name web-prof --role-name web
expect_err LimitExceeded AddRoleToInstanceProfile 'InstanceSessionsPerInstanceProfile: 1$' "the same role twice"
run "$IAMCTL" iam add-role-to-instance-profile --instance-profile-name batch-prof --role-name ghost
expect_err NoSuchEntity AddRoleToInstanceProfile 'The role with name ghost cannot be found\.$' "unknown role"
run "$IAMCTL" iam add-role-to-instance-profile --instance-profile-name ghost --role-name web
expect_err NoSuchEntity AddRoleToInstanceProfile 'Instance Profile ghost cannot be found\.$' "unknown profile"
run "$IAMCTL" iam add-role-to-instance-profile --instance-profile-name batch-prof --role-name web
is "$RC" 0 "a role may be in two profiles"

# --- ListInstanceProfiles, ListInstanceProfilesForRole ---
run "$IAMCTL" iam list-instance-profiles
is "$RC" 0 "list-instance-profiles"
is "$(py 'print(sorted(p["InstanceProfileName"] for p in d["InstanceProfiles"]))')" \
	"['batch-prof', 'web-prof']" "both profiles listed"
is "$(py 'print(any("Tags" in p for p in d["InstanceProfiles"]))')" "False" "lists leave tags out"
run "$IAMCTL" iam list-instance-profiles --path-prefix /svc/
is "$(py 'print([p["InstanceProfileName"] for p in d["InstanceProfiles"]])')" "['web-prof']" "path prefix"
run "$IAMCTL" iam list-instance-profiles --max-items 1
is "$(py 'print(len(d["InstanceProfiles"]), "NextToken" in d)')" "1 True" "paged by --max-items"
run "$IAMCTL" iam list-instance-profiles-for-role --role-name web
is "$(py 'print(sorted(p["InstanceProfileName"] for p in d["InstanceProfiles"]))')" \
	"['batch-prof', 'web-prof']" "list-instance-profiles-for-role web"
run "$IAMCTL" iam list-instance-profiles-for-role --role-name batch
is "$(py 'print(d["InstanceProfiles"])')" "[]" "batch is in none"
run "$IAMCTL" iam list-instance-profiles-for-role --role-name ghost
expect_err NoSuchEntity ListInstanceProfilesForRole 'ghost cannot be found' "for an unknown role"

# --- tags ---
run "$IAMCTL" iam tag-instance-profile --instance-profile-name web-prof --tags Key=env,Value=prod Key=TEAM,Value=edge
is "$RC" 0 "tag-instance-profile"
run "$IAMCTL" iam list-instance-profile-tags --instance-profile-name web-prof
is "$(py 'print(sorted((t["Key"],t["Value"]) for t in d["Tags"]))')" \
	"[('TEAM', 'edge'), ('env', 'prod')]" "a tag with a known key (any case) replaces it"
run "$IAMCTL" iam untag-instance-profile --instance-profile-name web-prof --tag-keys ENV
is "$RC" 0 "untag-instance-profile"
run "$IAMCTL" iam list-instance-profile-tags --instance-profile-name web-prof
is "$(py 'print([t["Key"] for t in d["Tags"]])')" "['TEAM']" "untag ignores case"
run "$IAMCTL" iam tag-instance-profile --instance-profile-name ghost --tags Key=a,Value=b
expect_err NoSuchEntity TagInstanceProfile 'Instance Profile ghost cannot be found' "tag an unknown profile"
tags49=$(python3 -c 'import json;print(json.dumps([{"Key":"n%d"%i,"Value":"v"} for i in range(49)]))')
run "$IAMCTL" iam tag-instance-profile --instance-profile-name web-prof --tags "$tags49"
is "$RC" 0 "tag-instance-profile up to 50 tags"
run "$IAMCTL" iam tag-instance-profile --instance-profile-name web-prof --tags Key=one-more,Value=x
expect_err LimitExceeded TagInstanceProfile 'The number of tags has reached the maximum limit\.$' "a 51st tag"
run "$IAMCTL" iam untag-instance-profile --instance-profile-name web-prof --tag-keys $(seq -f n%g 0 48)
is "$RC" 0 "untag 49 keys at once"

# --- deletes and their conflicts ---
run "$IAMCTL" iam delete-instance-profile --instance-profile-name web-prof
expect_err DeleteConflict DeleteInstanceProfile 'must remove roles from instance profile first\.$' \
	"a profile with a role cannot be deleted"
run "$IAMCTL" iam delete-role --role-name web
expect_err DeleteConflict DeleteRole 'must remove roles from instance profile first\.$' \
	"a role in a profile cannot be deleted"
run "$IAMCTL" iam remove-role-from-instance-profile --instance-profile-name web-prof --role-name batch
expect_err NoSuchEntity RemoveRoleFromInstanceProfile 'batch' "removing a role that is not there"
run "$IAMCTL" iam remove-role-from-instance-profile --instance-profile-name web-prof --role-name web
is "$RC" 0 "remove-role-from-instance-profile"
run "$IAMCTL" iam delete-role --role-name web
expect_err DeleteConflict DeleteRole 'must remove roles from instance profile first\.$' \
	"still in batch-prof"
run "$IAMCTL" iam remove-role-from-instance-profile --instance-profile-name batch-prof --role-name web
is "$RC" 0 "removed from batch-prof"
run "$IAMCTL" iam list-instance-profiles-for-role --role-name web
is "$(py 'print(d["InstanceProfiles"])')" "[]" "web is in no profile"

# --- host associations (iamd) ---
run "$IAMCTL" iam add-role-to-instance-profile --instance-profile-name web-prof --role-name web
is "$RC" 0 "web back in web-prof"
run "$IAMCTL" iamd associate-instance-profile --instance-profile-name web-prof \
	--selector '{"SystemdUnit":"nginx*.service"}'
is "$RC" 0 "associate web-prof with units nginx*.service"
AS1=$(j '["Association"]["AssociationId"]')
like "$AS1" '^iip-assoc-[a-z2-7]{17}$' "AssociationId"
is "$(j '["Association"]["InstanceProfileArn"]')" "arn:aws:iam::$A:instance-profile/svc/web-prof" \
	"the association names the profile's ARN"
run "$IAMCTL" iamd associate-instance-profile --instance-profile-name batch-prof \
	--selector '{"SystemdUnit":"nginx*.service"}'
expect_err EntityAlreadyExists AssociateInstanceProfile 'nginx\*\.service already exists' \
	"the same unit pattern twice"
run "$IAMCTL" iamd associate-instance-profile --instance-profile-name batch-prof \
	--selector '{"SystemdUnit":"nginx-api.service"}'
expect_err InvalidInput AssociateInstanceProfile 'overlaps' "a unit matched by another's pattern"
run "$IAMCTL" iamd associate-instance-profile --instance-profile-name batch-prof \
	--selector '{"SystemdUnit":"*.service"}'
expect_err InvalidInput AssociateInstanceProfile 'overlaps' "a pattern matching another's pattern"
run "$IAMCTL" iamd associate-instance-profile --instance-profile-name batch-prof \
	--selector '{"SystemdUnit":"cron.service"}'
is "$RC" 0 "a disjoint unit"
run "$IAMCTL" iamd associate-instance-profile --instance-profile-name batch-prof --selector '{"Uid":1001}'
is "$RC" 0 "a uid"
run "$IAMCTL" iamd associate-instance-profile --instance-profile-name web-prof --selector '{"Uid":1001}'
expect_err EntityAlreadyExists AssociateInstanceProfile 'uid 1001 already exists' "the same uid twice"
run "$IAMCTL" iamd associate-instance-profile --instance-profile-name web-prof --selector '{"Gid":100}'
is "$RC" 0 "a gid"
run "$IAMCTL" iamd associate-instance-profile --instance-profile-name web-prof --selector '{"Host":true}'
is "$RC" 0 "the host"
run "$IAMCTL" iamd associate-instance-profile --instance-profile-name batch-prof --selector '{"Host":true}'
expect_err EntityAlreadyExists AssociateInstanceProfile 'the host already exists' "the host twice"
run "$IAMCTL" iamd associate-instance-profile --instance-profile-name web-prof --selector '{"Uid":1,"Gid":2}'
expect_err InvalidInput AssociateInstanceProfile 'Exactly one' "two members in a selector"
run "$IAMCTL" iamd associate-instance-profile --instance-profile-name web-prof --selector '{"SystemdUnit":"a b"}'
expect_err InvalidInput AssociateInstanceProfile 'SystemdUnit' "a bad unit name"
run "$IAMCTL" iamd associate-instance-profile --instance-profile-name ghost --selector '{"Uid":7}'
expect_err NoSuchEntity AssociateInstanceProfile 'Instance Profile ghost cannot be found' "unknown profile"
run "$IAMCTL" iamd list-instance-profile-associations
is "$RC" 0 "list-instance-profile-associations"
is "$(py 'print(len(d["Associations"]))')" "5" "five associations"
run "$IAMCTL" iamd disassociate-instance-profile --association-id "$AS1"
is "$RC" 0 "disassociate"
run "$IAMCTL" iamd disassociate-instance-profile --association-id "$AS1"
expect_err NoSuchEntity DisassociateInstanceProfile 'cannot be found' "disassociate twice"
run "$IAMCTL" iamd associate-instance-profile --instance-profile-name batch-prof \
	--selector '{"SystemdUnit":"nginx-api.service"}'
is "$RC" 0 "the unit is free once the overlapping pattern is gone"
run "$IAMCTL" iamd list-instance-profile-associations
is "$(py 'print(len(d["Associations"]))')" "5" "five again"

# --- survives a restart ---
iamd_stop
iamd_start || bail_out "iamd did not restart"
run "$IAMCTL" iam get-instance-profile --instance-profile-name web-prof
is "$(j '["InstanceProfile"]["Roles"][0]["RoleName"]')" "web" "the profile and its role survive a restart"
run "$IAMCTL" iamd list-instance-profile-associations
is "$(py 'print(len(d["Associations"]))')" "5" "the associations survive a restart"

# --- a profile without role deletes ---
run "$IAMCTL" iam create-instance-profile --instance-profile-name empty
run "$IAMCTL" iam delete-instance-profile --instance-profile-name empty
is "$RC" 0 "delete-instance-profile"
run "$IAMCTL" iam get-instance-profile --instance-profile-name empty
expect_err NoSuchEntity GetInstanceProfile 'cannot be found' "gone"

done_testing
