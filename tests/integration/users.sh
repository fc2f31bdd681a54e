#!/bin/sh
# users: every user action (CreateUser, GetUser, ListUsers, UpdateUser,
# DeleteUser, TagUser, UntagUser, ListUserTags) and sts:GetCallerIdentity
# through iamctl, with their AWS errors, ids, ARNs and dates.
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

# expect_err CODE OPERATION MESSAGE-ERE NAME: checks the last `run`
expect_err() {
	is "$RC" 254 "$4: exit status 254"
	like "$ERR" "^An error occurred \\($1\\) when calling the $2 operation: .*$3" "$4: $1"
}
j() { printf '%s' "$OUT" | json_get "$1"; }

# --- GetCallerIdentity ---
run "$IAMCTL" sts get-caller-identity
is "$RC" 0 "get-caller-identity"
is "$(j '["Account"]')" "$A" "caller's account is the configured one"
is "$(j '["Arn"]')" "arn:aws:iam::$A:root" "the owner of the state dir is the account root"
is "$(j '["UserId"]')" "$A" "root's UserId is the account id"

# --- CreateUser ---
run "$IAMCTL" iam create-user --user-name alice --path /eng/ \
	--tags Key=Dept,Value=Eng Key=Team,Value=core
is "$RC" 0 "create-user alice in /eng/ with tags"
ALICE_ID=$(j '["User"]["UserId"]')
like "$ALICE_ID" '^AIDA[A-Z2-7]{17}$' "UserId is AIDA + 17 of A-Z2-7"
is "$(j '["User"]["Arn"]')" "arn:aws:iam::$A:user/eng/alice" "Arn holds the path"
is "$(j '["User"]["Path"]')" "/eng/" "Path as given"
is "$(j '["User"]["UserName"]')" "alice" "UserName as given"
like "$(j '["User"]["CreateDate"]')" '^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]\+00:00$' \
	"CreateDate is ISO 8601 UTC"
now=$(date -u +%s)
created=$(j '["User"]["CreateDate"]' | python3 -c 'import sys,datetime;print(int(datetime.datetime.fromisoformat(sys.stdin.read().strip()).timestamp()))')
[ $((now - created)) -ge 0 ] && [ $((now - created)) -lt 120 ] &&
	pass "CreateDate is now" || fail "CreateDate is now ($created vs $now)"
is "$(j '["User"]["Tags"][1]["Value"]')" "core" "tags are returned"

run "$IAMCTL" iam create-user --user-name bob
is "$RC" 0 "create-user bob"
is "$(j '["User"]["Path"]')" "/" "default path is /"
is "$(j '["User"]["Arn"]')" "arn:aws:iam::$A:user/bob" "Arn without path"
BOB_ID=$(j '["User"]["UserId"]')
isnt "$BOB_ID" "$ALICE_ID" "ids are unique"

run "$IAMCTL" iam create-user --user-name ALICE
expect_err EntityAlreadyExists CreateUser 'User with name ALICE already exists\.$' \
	"names are unique ignoring case"
run "$IAMCTL" iam create-user --user-name 'bad name'
expect_err ValidationError CreateUser "1 validation error detected: Value 'bad name' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: \\[\\\\w\\+=,\\.@-\\]\\+$" \
	"a space in a user name"
run "$IAMCTL" iam create-user --user-name "$(printf 'a%.0s' $(seq 65))"
expect_err ValidationError CreateUser "at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64" \
	"a 65-character user name"
run "$IAMCTL" iam create-user --user-name "$(printf 'a%.0s' $(seq 64))"
is "$RC" 0 "a 64-character user name is fine"
run "$IAMCTL" iam create-user --user-name 'x+=,.@-_9'
is "$RC" 0 "every allowed punctuation"
run "$IAMCTL" iam create-user --user-name carol --path eng
expect_err ValidationError CreateUser "Value 'eng' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern" \
	"a path without slashes"
run "$IAMCTL" iam create-user --user-name carol --path /a/b
expect_err ValidationError CreateUser "at 'path'" "a path without a trailing slash"
run "$IAMCTL" iam create-user --user-name carol --path "/$(printf 'p%.0s' $(seq 511))/"
expect_err ValidationError CreateUser "Member must have length less than or equal to 512" "a 513-character path"
run "$IAMCTL" iam create-user --user-name carol --tags Key=aws:owner,Value=x
expect_err InvalidInput CreateUser "aws:" "the aws: tag prefix is reserved"
run "$IAMCTL" iam create-user --user-name carol --tags Key=k,Value=1 Key=K,Value=2
expect_err InvalidInput CreateUser 'Duplicate tag keys found\. Please note that Tag keys are case insensitive\.' \
	"tag keys unique ignoring case"
run "$IAMCTL" iam create-user --user-name carol --tags 'Key=k*,Value=1'
expect_err ValidationError CreateUser "at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern" \
	"a * in a tag key"
run "$IAMCTL" iam create-user --user-name carol --tags "Key=k,Value=$(printf 'v%.0s' $(seq 257))"
expect_err ValidationError CreateUser "at 'tags.1.member.value' failed to satisfy constraint: Member must have length less than or equal to 256" \
	"a 257-character tag value"
tags51=$(python3 -c 'import json;print(json.dumps([{"Key":"k%d"%i,"Value":"v"} for i in range(51)]))')
run "$IAMCTL" iam create-user --user-name carol --tags "$tags51"
expect_err ValidationError CreateUser "at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50" \
	"51 tags"
run "$IAMCTL" iam create-user --user-name carol --tags 'Key=Café déjà,Value=中文 ٣ =+-@:/'
is "$RC" 0 "Unicode letters, digits and separators in tags"
run "$IAMCTL" iam get-user --user-name carol
is "$(j '["User"]["Tags"][0]["Key"]')" "Café déjà" "a Unicode tag key round-trips"
# (boundaries that exist: tests/integration/boundaries.sh)
run "$IAMCTL" iam create-user --user-name dave --permissions-boundary arn:aws:iam::$A:policy/Boundary
expect_err NoSuchEntity CreateUser "Policy arn:aws:iam::$A:policy/Boundary does not exist or is not attachable\\.$" \
	"create-user with a boundary policy that does not exist"
run "$IAMCTL" iam create-user --user-name dave
is "$RC" 0 "create-user dave"
run "$IAMCTL" iam create-user --user-name erin --permissions-boundary arn:aws:s3:::some-bucket-name
expect_err InvalidInput CreateUser "ARN arn:aws:s3:::some-bucket-name is not valid\." "a boundary that is not a policy ARN"
run "$IAMCTL" iam create-user
expect_err ValidationError CreateUser "Value null at 'userName' failed to satisfy constraint: Member must not be null" \
	"a missing user name"

# --- GetUser ---
run "$IAMCTL" iam get-user --user-name alice
is "$RC" 0 "get-user alice"
is "$(j '["User"]["UserId"]')" "$ALICE_ID" "same UserId as created"
is "$(j '["User"]["Arn"]')" "arn:aws:iam::$A:user/eng/alice" "same Arn"
is "$(j '["User"]["Tags"][0]["Key"]')" "Dept" "with its tags"
run "$IAMCTL" iam get-user --user-name ALICE
is "$(j '["User"]["UserName"]')" "alice" "lookup ignores case, the name keeps its case"
run "$IAMCTL" iam get-user --user-name nobody
expect_err NoSuchEntity GetUser 'The user with name nobody cannot be found\.$' "get-user of a missing user"
run "$IAMCTL" iam get-user
is "$RC" 0 "get-user without a name, as root"
is "$(j '["User"]["UserId"]')" "$A" "root: UserId is the account id"
is "$(j '["User"]["Arn"]')" "arn:aws:iam::$A:root" "root: the root ARN"
like "$(j '["User"]["CreateDate"]')" '^20[0-9]{2}-' "root: the account's creation date"
run "$IAMCTL" iam get-user --user-name 'no/slash'
expect_err ValidationError GetUser "at 'userName'" "get-user with an invalid name"

# --- ListUsers ---
run "$IAMCTL" iam list-users
is "$RC" 0 "list-users"
names=$(printf '%s' "$OUT" | python3 -c 'import json,sys;print(" ".join(u["UserName"] for u in json.load(sys.stdin)["Users"]))')
like "$names" '^a+ alice bob carol dave x\+=,\.@-_9$' "all users, ordered by name"
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys;print(any("Tags" in u for u in json.load(sys.stdin)["Users"]))')" \
	"False" "list-users leaves tags out, as AWS does"
run "$IAMCTL" iam list-users --path-prefix /eng/
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys;print(" ".join(u["UserName"] for u in json.load(sys.stdin)["Users"]))')" \
	"alice" "--path-prefix /eng/"
run "$IAMCTL" iam list-users --path-prefix /e
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys;print(len(json.load(sys.stdin)["Users"]))')" "1" \
	"a path prefix needs no trailing slash"
run "$IAMCTL" iam list-users --path-prefix eng
expect_err ValidationError ListUsers "at 'pathPrefix'" "a path prefix without a leading slash"

# --- UpdateUser ---
run "$IAMCTL" iam update-user --user-name alice --new-user-name alice2 --new-path /ops/
is "$RC" 0 "update-user renames and moves"
is "$OUT" "" "update-user prints nothing"
run "$IAMCTL" iam get-user --user-name alice2
is "$(j '["User"]["UserId"]')" "$ALICE_ID" "the renamed user keeps its id"
is "$(j '["User"]["Arn"]')" "arn:aws:iam::$A:user/ops/alice2" "new name and path in the Arn"
is "$(j '["User"]["Tags"][1]["Value"]')" "core" "and keeps its tags"
run "$IAMCTL" iam get-user --user-name alice
expect_err NoSuchEntity GetUser 'The user with name alice cannot be found\.' "the old name is gone"
run "$IAMCTL" iam update-user --user-name bob --new-user-name ALICE2
expect_err EntityAlreadyExists UpdateUser 'User with name ALICE2 already exists\.' "rename onto an existing name"
run "$IAMCTL" iam update-user --user-name nobody --new-path /x/
expect_err NoSuchEntity UpdateUser 'The user with name nobody cannot be found\.' "update-user of a missing user"
run "$IAMCTL" iam update-user --user-name bob --new-user-name Bob
is "$RC" 0 "a rename that only changes case"
run "$IAMCTL" iam get-user --user-name bob
is "$(j '["User"]["UserName"]')" "Bob" "the new case shows"
is "$(j '["User"]["UserId"]')" "$BOB_ID" "same user"
run "$IAMCTL" iam update-user --user-name Bob --new-path nope
expect_err ValidationError UpdateUser "at 'newPath'" "an invalid new path"
run "$IAMCTL" iam update-user --user-name Bob --new-user-name 'b b'
expect_err ValidationError UpdateUser "at 'newUserName'" "an invalid new name"

# --- TagUser, UntagUser, ListUserTags ---
run "$IAMCTL" iam tag-user --user-name alice2 --tags Key=team,Value=infra Key=Cost,Value=42
is "$RC" 0 "tag-user"
run "$IAMCTL" iam list-user-tags --user-name alice2
is "$RC" 0 "list-user-tags"
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys;print(",".join(t["Key"]+"="+t["Value"] for t in json.load(sys.stdin)["Tags"]))')" \
	"Dept=Eng,team=infra,Cost=42" "a known key (any case) is overwritten, a new one added"
tags47=$(python3 -c 'import json;print(json.dumps([{"Key":"n%d"%i,"Value":"v"} for i in range(47)]))')
run "$IAMCTL" iam tag-user --user-name alice2 --tags "$tags47"
is "$RC" 0 "tag-user up to 50 tags"
run "$IAMCTL" iam tag-user --user-name alice2 --tags Key=one-more,Value=x
expect_err LimitExceeded TagUser 'The number of tags has reached the maximum limit\.' "a 51st tag"
run "$IAMCTL" iam tag-user --user-name alice2 --tags Key=Dept,Value=Ops
is "$RC" 0 "overwriting at 50 tags is fine"
run "$IAMCTL" --no-paginate iam list-user-tags --user-name alice2 --max-items 20
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys;d=json.load(sys.stdin);print(len(d["Tags"]),d["IsTruncated"],bool(d.get("Marker")))')" \
	"20 True True" "list-user-tags pages: 20 of 50"
M=$(j '["Marker"]')
run "$IAMCTL" --no-paginate iam list-user-tags --user-name alice2 --max-items 40 --marker "$M"
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys;d=json.load(sys.stdin);print(len(d["Tags"]),d["IsTruncated"],d["Tags"][0]["Key"])')" \
	"30 False n17" "the next page continues where the first stopped"
run "$IAMCTL" iam list-user-tags --user-name alice2
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys;print(len(json.load(sys.stdin)["Tags"]))')" "50" \
	"iamctl follows the markers"
run "$IAMCTL" --no-paginate iam list-user-tags --user-name alice2 --marker garbage
expect_err InvalidInput ListUserTags "marker" "an invalid marker"
keys=$(python3 -c 'print(" ".join("n%d"%i for i in range(47)))')
# shellcheck disable=SC2086
run "$IAMCTL" iam untag-user --user-name alice2 --tag-keys $keys COST nope
is "$RC" 0 "untag-user (keys ignore case; unknown keys are ignored)"
run "$IAMCTL" iam list-user-tags --user-name alice2
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys;print(",".join(t["Key"]+"="+t["Value"] for t in json.load(sys.stdin)["Tags"]))')" \
	"Dept=Ops,team=infra" "the remaining tags"
run "$IAMCTL" iam untag-user --user-name alice2 --tag-keys 'aws:x'
expect_err InvalidInput UntagUser "aws:" "untag-user of a reserved key"
run "$IAMCTL" iam tag-user --user-name nobody --tags Key=a,Value=b
expect_err NoSuchEntity TagUser 'The user with name nobody cannot be found\.' "tag-user of a missing user"
run "$IAMCTL" iam untag-user --user-name nobody --tag-keys a
expect_err NoSuchEntity UntagUser 'The user with name nobody cannot be found\.' "untag-user of a missing user"
run "$IAMCTL" iam list-user-tags --user-name nobody
expect_err NoSuchEntity ListUserTags 'The user with name nobody cannot be found\.' "list-user-tags of a missing user"

# --- DeleteUser ---
run "$IAMCTL" iam delete-user --user-name alice2
is "$RC" 0 "delete-user of a tagged user (tags do not block)"
run "$IAMCTL" iam get-user --user-name alice2
expect_err NoSuchEntity GetUser 'cannot be found' "the deleted user is gone"
run "$IAMCTL" iam delete-user --user-name alice2
expect_err NoSuchEntity DeleteUser 'The user with name alice2 cannot be found\.' "delete-user twice"
run "$IAMCTL" iam create-user --user-name alice2
is "$RC" 0 "the name can be used again"
isnt "$(j '["User"]["UserId"]')" "$ALICE_ID" "with a new id"

# --- after a restart, everything is as it was ---
ok "iamd stops" iamd_stop
iamd_start || bail_out "iamd did not restart"
run "$IAMCTL" iam get-user --user-name bob
is "$(j '["User"]["UserId"]')" "$BOB_ID" "users survive a restart"
run "$IAMCTL" sts get-caller-identity
is "$(j '["Account"]')" "$A" "the account survives a restart"
ok "iamd stops" iamd_stop
IAMD_ACCOUNT_ID=999999999999
if iamd_start 2>/dev/null; then
	fail "a different --account-id is refused on an existing store"
	iamd_stop
else
	pass "a different --account-id is refused on an existing store"
fi
like "$(tail -n 3 "$IAMD_LOG")" "999999999999" "the log names the refused account id"
done_testing
