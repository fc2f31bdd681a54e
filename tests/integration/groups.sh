#!/bin/sh
# groups: every group action (CreateGroup, GetGroup, ListGroups, UpdateGroup,
# DeleteGroup, AddUserToGroup, RemoveUserFromGroup, ListGroupsForUser)
# through iamctl, with their AWS errors, ids, ARNs, conflicts and limits.
. "$top_srcdir/tests/integration/lib.sh"

[ -x "$IAMCTL" ] || skip_all "iamctl not built"
command -v python3 >/dev/null || skip_all "python3 missing"
IAMD_ACCOUNT_ID=210987654321
iamd_start || bail_out "iamd did not start"
A=$IAMD_ACCOUNT_ID

expect_err() {
	is "$RC" 254 "$4: exit status 254"
	like "$ERR" "^An error occurred \\($1\\) when calling the $2 operation: .*$3" "$4: $1"
}
j() { printf '%s' "$OUT" | json_get "$1"; }
# names LIST-KEY NAME-KEY: the names in the last output's list, space-separated
names() {
	printf '%s' "$OUT" | python3 -c 'import json,sys;print(" ".join(x[sys.argv[2]] for x in json.load(sys.stdin)[sys.argv[1]]))' "$1" "$2"
}

run "$IAMCTL" iam create-user --user-name alice --path /eng/
ALICE_ID=$(j '["User"]["UserId"]')
run "$IAMCTL" iam create-user --user-name bob
is "$RC" 0 "two users to work with"

# --- CreateGroup ---
run "$IAMCTL" iam create-group --group-name admins --path /ops/
is "$RC" 0 "create-group admins in /ops/"
GID=$(j '["Group"]["GroupId"]')
like "$GID" '^AGPA[A-Z2-7]{17}$' "GroupId is AGPA + 17 of A-Z2-7"
is "$(j '["Group"]["Arn"]')" "arn:aws:iam::$A:group/ops/admins" "Arn holds the path"
is "$(j '["Group"]["Path"]')" "/ops/" "Path as given"
like "$(j '["Group"]["CreateDate"]')" '^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-9:]{8}\+00:00$' "CreateDate in ISO 8601"
run "$IAMCTL" iam create-group --group-name devs
is "$(j '["Group"]["Arn"]')" "arn:aws:iam::$A:group/devs" "default path /"
run "$IAMCTL" iam create-group --group-name ADMINS
expect_err EntityAlreadyExists CreateGroup 'Group with name ADMINS already exists\.$' "group names unique ignoring case"
run "$IAMCTL" iam create-group --group-name 'a b'
expect_err ValidationError CreateGroup "Value 'a b' at 'groupName' failed to satisfy constraint: Member must satisfy regular expression pattern" \
	"an invalid group name"
run "$IAMCTL" iam create-group --group-name "$(printf 'g%.0s' $(seq 129))"
expect_err ValidationError CreateGroup "Member must have length less than or equal to 128" "a 129-character group name"
run "$IAMCTL" iam create-group --group-name "$(printf 'g%.0s' $(seq 128))"
is "$RC" 0 "a 128-character group name is fine"
run "$IAMCTL" iam create-group --group-name x --path /bad
expect_err ValidationError CreateGroup "at 'path'" "an invalid group path"

# --- ListGroups ---
run "$IAMCTL" iam list-groups
is "$RC" 0 "list-groups"
like "$(names Groups GroupName)" '^admins devs g{128}$' "all groups, ordered by name"
run "$IAMCTL" iam list-groups --path-prefix /ops/
is "$(names Groups GroupName)" "admins" "--path-prefix /ops/"
run "$IAMCTL" iam list-groups --path-prefix ops
expect_err ValidationError ListGroups "at 'pathPrefix'" "an invalid path prefix"

# --- AddUserToGroup, GetGroup, ListGroupsForUser ---
run "$IAMCTL" iam add-user-to-group --group-name admins --user-name alice
is "$RC" 0 "add-user-to-group"
is "$OUT" "" "it prints nothing"
run "$IAMCTL" iam add-user-to-group --group-name ADMINS --user-name ALICE
is "$RC" 0 "adding again (names in any case) is a no-op"
run "$IAMCTL" iam add-user-to-group --group-name nogroup --user-name alice
expect_err NoSuchEntity AddUserToGroup 'The group with name nogroup cannot be found\.$' "a missing group"
run "$IAMCTL" iam add-user-to-group --group-name admins --user-name nobody
expect_err NoSuchEntity AddUserToGroup 'The user with name nobody cannot be found\.$' "a missing user"
run "$IAMCTL" iam add-user-to-group --group-name admins --user-name bob
run "$IAMCTL" iam add-user-to-group --group-name devs --user-name alice
run "$IAMCTL" iam get-group --group-name admins
is "$RC" 0 "get-group"
is "$(j '["Group"]["GroupId"]')" "$GID" "the group"
is "$(names Users UserName)" "alice bob" "with its users, ordered by name"
is "$(j '["Users"][0]["Arn"]')" "arn:aws:iam::$A:user/eng/alice" "users with their ARNs"
run "$IAMCTL" iam get-group --group-name nogroup
expect_err NoSuchEntity GetGroup 'The group with name nogroup cannot be found\.$' "get-group of a missing group"
run "$IAMCTL" iam list-groups-for-user --user-name alice
is "$RC" 0 "list-groups-for-user"
is "$(names Groups GroupName)" "admins devs" "the user's groups"
run "$IAMCTL" iam list-groups-for-user --user-name nobody
expect_err NoSuchEntity ListGroupsForUser 'The user with name nobody cannot be found\.$' "list-groups-for-user of a missing user"

# --- conflicts ---
run "$IAMCTL" iam delete-user --user-name alice
expect_err DeleteConflict DeleteUser 'Cannot delete entity, must remove users from group first\.$' \
	"delete-user while in groups"
run "$IAMCTL" iam delete-group --group-name admins
expect_err DeleteConflict DeleteGroup 'Cannot delete entity, must remove users from group first\.$' \
	"delete-group while not empty"

# --- renames keep memberships ---
run "$IAMCTL" iam update-group --group-name admins --new-group-name operators --new-path /sre/
is "$RC" 0 "update-group renames and moves"
run "$IAMCTL" iam get-group --group-name operators
is "$(j '["Group"]["GroupId"]')" "$GID" "same group id after the rename"
is "$(j '["Group"]["Arn"]')" "arn:aws:iam::$A:group/sre/operators" "new name and path in the Arn"
is "$(names Users UserName)" "alice bob" "members kept"
run "$IAMCTL" iam get-group --group-name admins
expect_err NoSuchEntity GetGroup 'The group with name admins cannot be found\.' "the old group name is gone"
run "$IAMCTL" iam update-group --group-name operators --new-group-name DEVS
expect_err EntityAlreadyExists UpdateGroup 'Group with name DEVS already exists\.$' "rename onto an existing group"
run "$IAMCTL" iam update-group --group-name nogroup --new-path /x/
expect_err NoSuchEntity UpdateGroup 'The group with name nogroup cannot be found\.' "update-group of a missing group"
run "$IAMCTL" iam update-user --user-name alice --new-user-name alicia
is "$RC" 0 "rename a member"
run "$IAMCTL" iam get-group --group-name operators
is "$(names Users UserName)" "alicia bob" "the group shows the new name"
run "$IAMCTL" iam list-groups-for-user --user-name alicia
is "$(names Groups GroupName)" "devs operators" "the renamed user keeps its groups"
is "$(j '["Groups"][1]["Arn"]')" "arn:aws:iam::$A:group/sre/operators" "with the groups' new ARNs"
run "$IAMCTL" iam get-user --user-name alicia
is "$(j '["User"]["UserId"]')" "$ALICE_ID" "same user id"

# --- RemoveUserFromGroup ---
run "$IAMCTL" iam remove-user-from-group --group-name operators --user-name alicia
is "$RC" 0 "remove-user-from-group"
run "$IAMCTL" iam remove-user-from-group --group-name operators --user-name alicia
is "$RC" 0 "removing a non-member succeeds, as in AWS"
run "$IAMCTL" iam remove-user-from-group --group-name nogroup --user-name alicia
expect_err NoSuchEntity RemoveUserFromGroup 'The group with name nogroup cannot be found\.' "a missing group"
run "$IAMCTL" iam remove-user-from-group --group-name operators --user-name nobody
expect_err NoSuchEntity RemoveUserFromGroup 'The user with name nobody cannot be found\.' "a missing user"
run "$IAMCTL" iam get-group --group-name operators
is "$(names Users UserName)" "bob" "alicia is out"

# --- GroupsPerUser quota: 10 ---
for i in 1 2 3 4 5 6 7 8 9; do
	"$IAMCTL" iam create-group --group-name "q$i" >/dev/null &&
		"$IAMCTL" iam add-user-to-group --group-name "q$i" --user-name alicia || fail "q$i"
done
run "$IAMCTL" iam list-groups-for-user --user-name alicia
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys;print(len(json.load(sys.stdin)["Groups"]))')" "10" \
	"a user in 10 groups"
run "$IAMCTL" iam add-user-to-group --group-name operators --user-name alicia
expect_err LimitExceeded AddUserToGroup 'Cannot exceed quota for GroupsPerUser: 10$' "an 11th group"
run "$IAMCTL" iam add-user-to-group --group-name q1 --user-name alicia
is "$RC" 0 "re-adding to a group it is in is still fine at the quota"

# --- GetGroup pages through its users ---
i=0
while [ $i -lt 25 ]; do
	"$IAMCTL" iam create-user --user-name "m$i" >/dev/null &&
		"$IAMCTL" iam add-user-to-group --group-name devs --user-name "m$i" || fail "m$i"
	i=$((i + 1))
done
run "$IAMCTL" --no-paginate iam get-group --group-name devs --max-items 10
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys;d=json.load(sys.stdin);print(len(d["Users"]),d["IsTruncated"],d["Group"]["GroupName"])')" \
	"10 True devs" "get-group: a page of 10 users"
M=$(j '["Marker"]')
run "$IAMCTL" --no-paginate iam get-group --group-name devs --max-items 10 --marker "$M"
p2=$(names Users UserName)
is "$(j '["IsTruncated"]')" "true" "second page truncated"
M=$(j '["Marker"]')
run "$IAMCTL" --no-paginate iam get-group --group-name devs --max-items 10 --marker "$M"
is "$(j '["IsTruncated"]')" "false" "third page is the last"
p3=$(names Users UserName)
run "$IAMCTL" iam get-group --group-name devs --page-size 7
all=$(names Users UserName)
is "$(printf '%s\n' $all | wc -l)" "26" "iamctl follows the markers: 26 members"
is "$(printf '%s\n' $all | sort -u | wc -l)" "26" "no member twice"
like "$all" "$p2 $p3\$" "the pages are the tail of the full list"
run "$IAMCTL" --no-paginate iam get-group --group-name devs --marker nonsense
expect_err InvalidInput GetGroup "marker" "an invalid marker"
run "$IAMCTL" --no-paginate iam list-groups-for-user --user-name alicia --max-items 4
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys;d=json.load(sys.stdin);print(len(d["Groups"]),d["IsTruncated"])')" \
	"4 True" "list-groups-for-user pages"
run "$IAMCTL" --no-paginate iam list-groups --max-items 3
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys;d=json.load(sys.stdin);print(len(d["Groups"]),d["IsTruncated"])')" \
	"3 True" "list-groups pages"

# --- DeleteGroup ---
run "$IAMCTL" iam remove-user-from-group --group-name operators --user-name bob
run "$IAMCTL" iam delete-group --group-name operators
is "$RC" 0 "delete-group once empty"
run "$IAMCTL" iam delete-group --group-name operators
expect_err NoSuchEntity DeleteGroup 'The group with name operators cannot be found\.$' "delete-group twice"
run "$IAMCTL" iam delete-user --user-name bob
is "$RC" 0 "bob, in no group now, can be deleted"
run "$IAMCTL" iam create-group --group-name operators
is "$RC" 0 "the group name can be used again"
isnt "$(j '["Group"]["GroupId"]')" "$GID" "with a new id"
run "$IAMCTL" iam get-group --group-name operators
is "$(names Users UserName)" "" "a new group with that name starts empty"

# --- restart ---
ok "iamd stops" iamd_stop
iamd_start || bail_out "iamd did not restart"
run "$IAMCTL" iam list-groups-for-user --user-name alicia
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys;print(len(json.load(sys.stdin)["Groups"]))')" "10" \
	"memberships survive a restart"
ok "iamd stops" iamd_stop
done_testing
