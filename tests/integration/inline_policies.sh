#!/bin/sh
# inline_policies: Put/Get/Delete/List{User,Group,Role}Policy through iamctl
# against a real iamd: documents round-trip (printed as JSON objects),
# identity-policy validation with positions, the aggregate size quotas
# (user 2,048, group 5,120, role 10,240 characters, white space not
# counted), paging, renames, and the DeleteConflict of DeleteUser,
# DeleteGroup and DeleteRole.
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
# mkdoc N [INDENT]: an identity policy of exactly N characters once white
# space outside strings is left out (pretty-printed with INDENT if given)
mkdoc() {
	python3 - "$1" "${2:-}" <<'EOF'
import json, sys
n, indent = int(sys.argv[1]), sys.argv[2]
def doc(k):
    return {"Version": "2012-10-17", "Statement": [{"Sid": "S", "Effect": "Allow",
            "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/" + "a" * k}]}
base = len(json.dumps(doc(0), separators=(",", ":")))
d = doc(n - base)
print(json.dumps(d, indent=int(indent)) if indent else json.dumps(d, separators=(",", ":")))
EOF
}

printf '%s\n' '{' '  "Version": "2012-10-17",' '  "Statement": {' \
	'    "Effect": "Deny",' '    "Action": "s3:PutObject",' \
	'    "Resource": "arn:aws:s3:::b/*"' '  }' '}' >"$TMP/w.json"
DOC='{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"*"}]}'

ok "create-user alice" "$IAMCTL" iam create-user --user-name alice
ok "create-group ops" "$IAMCTL" iam create-group --group-name ops
ok "create-role app" "$IAMCTL" iam create-role --role-name app --assume-role-policy-document \
	'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'

# --- the same actions for each kind of owner ---
for kind in user group role; do
	case $kind in
	user) K=User owner=alice opt=--user-name ;;
	group) K=Group owner=ops opt=--group-name ;;
	role) K=Role owner=app opt=--role-name ;;
	esac
	run "$IAMCTL" iam put-$kind-policy $opt "$owner" --policy-name Read --policy-document "$DOC"
	is "$RC" 0 "put-$kind-policy"
	is "$OUT" "" "put-$kind-policy prints nothing"
	run "$IAMCTL" iam get-$kind-policy $opt "$(echo "$owner" | tr a-z A-Z)" --policy-name read
	is "$RC" 0 "get-$kind-policy (names ignore case)"
	is "$(j "[\"${K}Name\"]")" "$owner" "get-$kind-policy: ${K}Name as stored"
	is "$(j '["PolicyName"]')" "Read" "get-$kind-policy: PolicyName as given"
	is "$(py 'print(json.dumps(d["PolicyDocument"], separators=(",",":")))')" "$DOC" \
		"get-$kind-policy: the document is printed as a JSON object and round-trips"
	run "$IAMCTL" iam put-$kind-policy $opt "$owner" --policy-name Write \
		--policy-document "file://$TMP/w.json"
	is "$RC" 0 "put-$kind-policy from file://"
	run "$IAMCTL" --no-paginate iam list-$kind-policies $opt "$owner"
	is "$RC" 0 "list-$kind-policies"
	is "$(py 'print(",".join(d["PolicyNames"]), d["IsTruncated"])')" "Read,Write False" \
		"list-$kind-policies: both names, ordered"
	run "$IAMCTL" iam put-$kind-policy $opt "$owner" --policy-name Read \
		--policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:Get*","Resource":"*"}]}'
	is "$RC" 0 "put-$kind-policy of an existing name replaces it"
	run "$IAMCTL" iam get-$kind-policy $opt "$owner" --policy-name Read
	is "$(py 'print(d["PolicyDocument"]["Statement"][0]["Action"])')" "iam:Get*" "the new document is kept"
	run "$IAMCTL" iam list-$kind-policies $opt "$owner"
	is "$(py 'print(len(d["PolicyNames"]))')" "2" "still two policies"

	# errors
	run "$IAMCTL" iam put-$kind-policy $opt nobody --policy-name p --policy-document "$DOC"
	expect_err NoSuchEntity Put${K}Policy "The $kind with name nobody cannot be found\\.$" \
		"put-$kind-policy on a missing $kind"
	run "$IAMCTL" iam get-$kind-policy $opt "$owner" --policy-name nope
	expect_err NoSuchEntity Get${K}Policy "The $kind policy with name nope cannot be found\\.$" \
		"get-$kind-policy of a missing policy"
	run "$IAMCTL" iam get-$kind-policy $opt nobody --policy-name Read
	expect_err NoSuchEntity Get${K}Policy "The $kind with name nobody cannot be found\\.$" \
		"get-$kind-policy on a missing $kind"
	run "$IAMCTL" iam delete-$kind-policy $opt "$owner" --policy-name nope
	expect_err NoSuchEntity Delete${K}Policy "The $kind policy with name nope cannot be found\\.$" \
		"delete-$kind-policy of a missing policy"
	run "$IAMCTL" iam list-$kind-policies $opt nobody
	expect_err NoSuchEntity List${K}Policies "The $kind with name nobody cannot be found\\.$" \
		"list-$kind-policies on a missing $kind"
	run "$IAMCTL" iam put-$kind-policy $opt "$owner" --policy-name 'a b' --policy-document "$DOC"
	expect_err ValidationError Put${K}Policy "Value 'a b' at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern" \
		"a space in a policy name"
	run "$IAMCTL" iam put-$kind-policy $opt "$owner" --policy-name "$(printf 'p%.0s' $(seq 129))" --policy-document "$DOC"
	expect_err ValidationError Put${K}Policy "at 'policyName' failed to satisfy constraint: Member must have length less than or equal to 128" \
		"a 129-character policy name"
	run "$IAMCTL" iam put-$kind-policy $opt "$owner" --policy-name p
	cli_err "the following arguments are required: --policy-document" "a missing document"
	run "$IAMCTL" iam put-$kind-policy $opt "$owner" --policy-name p --policy-document \
		'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}'
	expect_err MalformedPolicyDocument Put${K}Policy "Principal" "an identity policy may not name a Principal"
	run "$IAMCTL" iam put-$kind-policy $opt "$owner" --policy-name p --policy-document '{"Version":"2012-10-17",
  "Statement": [{"Effect": "Allow", "Action": "s3:*" "Resource": "*"}]}'
	expect_err MalformedPolicyDocument Put${K}Policy "line 2, column [0-9]+" "a JSON error names line and column"
	run "$IAMCTL" iam put-$kind-policy $opt "$owner" --policy-name p --policy-document \
		'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringLikeX":{"a":"b"}}}]}'
	expect_err MalformedPolicyDocument Put${K}Policy "StringLikeX" "an unknown condition operator"
	run "$IAMCTL" iam put-$kind-policy $opt "$owner" --policy-name p --policy-document '{"Statement":"☃"}'
	expect_err ValidationError Put${K}Policy "at 'policyDocument' failed to satisfy constraint: Member must satisfy regular expression pattern" \
		"a document outside U+0009-U+00FF"
	run "$IAMCTL" iam list-$kind-policies $opt "$owner"
	is "$(py 'print(len(d["PolicyNames"]))')" "2" "refused puts stored nothing"

	run "$IAMCTL" iam delete-$kind-policy $opt "$owner" --policy-name WRITE
	is "$RC" 0 "delete-$kind-policy (name ignores case)"
	run "$IAMCTL" iam get-$kind-policy $opt "$owner" --policy-name Write
	expect_err NoSuchEntity Get${K}Policy "cannot be found" "the deleted policy is gone"
done

# --- DeleteConflict ---
run "$IAMCTL" iam delete-user --user-name alice
expect_err DeleteConflict DeleteUser 'Cannot delete entity, must delete policies first\.$' "delete-user with an inline policy"
run "$IAMCTL" iam delete-group --group-name ops
expect_err DeleteConflict DeleteGroup 'Cannot delete entity, must delete policies first\.$' "delete-group with an inline policy"
run "$IAMCTL" iam delete-role --role-name app
expect_err DeleteConflict DeleteRole 'Cannot delete entity, must delete policies first\.$' "delete-role with an inline policy"

# --- renames keep the policies (they are keyed by the owner's id) ---
ok "update-user renames alice to alice2" "$IAMCTL" iam update-user --user-name alice --new-user-name alice2 --new-path /x/
run "$IAMCTL" iam get-user-policy --user-name alice2 --policy-name Read
is "$RC" 0 "the renamed user keeps its inline policy"
is "$(j '["UserName"]')" "alice2" "under its new name"
ok "update-group renames ops to ops2" "$IAMCTL" iam update-group --group-name ops --new-group-name ops2
run "$IAMCTL" iam list-group-policies --group-name ops2
is "$(py 'print(",".join(d["PolicyNames"]))')" "Read" "the renamed group keeps its inline policy"

# --- paging ---
for i in 1 2 3 4 5; do
	"$IAMCTL" iam put-role-policy --role-name app --policy-name "p$i" --policy-document "$DOC" >/dev/null 2>&1 ||
		fail "put-role-policy p$i"
done
run "$IAMCTL" --no-paginate iam list-role-policies --role-name app --max-items 4
is "$(py 'print(",".join(d["PolicyNames"]), d["IsTruncated"], bool(d.get("Marker")))')" "p1,p2,p3,p4 True True" \
	"list-role-policies pages"
M=$(j '["Marker"]')
run "$IAMCTL" --no-paginate iam list-role-policies --role-name app --max-items 4 --marker "$M"
is "$(py 'print(",".join(d["PolicyNames"]), d["IsTruncated"])')" "p5,Read False" "the next page"
run "$IAMCTL" iam list-role-policies --role-name app
is "$(py 'print(len(d["PolicyNames"]))')" "6" "iamctl follows the markers"
run "$IAMCTL" --no-paginate iam list-role-policies --role-name app --marker nope
expect_err InvalidInput ListRolePolicies "marker" "a marker that is not ours"

# --- aggregate size quotas, white space not counted ---
ok "create-user sizer" "$IAMCTL" iam create-user --user-name sizer
run "$IAMCTL" iam put-user-policy --user-name sizer --policy-name big --policy-document "$(mkdoc 2049)"
expect_err LimitExceeded PutUserPolicy 'Maximum policy size of 2048 bytes exceeded for user sizer$' \
	"one user policy of 2,049 characters"
run "$IAMCTL" iam put-user-policy --user-name sizer --policy-name big --policy-document "$(mkdoc 2048 8)"
is "$RC" 0 "2,048 characters pretty-printed (more bytes, white space not counted)"
run "$IAMCTL" iam put-user-policy --user-name sizer --policy-name big --policy-document "$(mkdoc 1500)"
is "$RC" 0 "replaced by 1,500 characters"
run "$IAMCTL" iam put-user-policy --user-name sizer --policy-name more --policy-document "$(mkdoc 548)"
is "$RC" 0 "a second policy bringing the user to 2,048"
run "$IAMCTL" iam put-user-policy --user-name sizer --policy-name third --policy-document "$(mkdoc 120)"
expect_err LimitExceeded PutUserPolicy 'Maximum policy size of 2048 bytes exceeded for user sizer$' \
	"a third policy over the aggregate"
run "$IAMCTL" iam put-user-policy --user-name sizer --policy-name more --policy-document "$(mkdoc 549)"
expect_err LimitExceeded PutUserPolicy 'Maximum policy size of 2048 bytes exceeded for user sizer$' \
	"replacing one so that the total is 2,049"
run "$IAMCTL" iam put-user-policy --user-name sizer --policy-name MORE --policy-document "$(mkdoc 500)"
is "$RC" 0 "a replacement counts instead of the old one (names ignore case)"
run "$IAMCTL" iam list-user-policies --user-name sizer
is "$(py 'print(",".join(d["PolicyNames"]))')" "big,MORE" "the replacement keeps the new name's case"

ok "create-group gsize" "$IAMCTL" iam create-group --group-name gsize
run "$IAMCTL" iam put-group-policy --group-name gsize --policy-name a --policy-document "$(mkdoc 5120)"
is "$RC" 0 "a group policy of 5,120 characters"
run "$IAMCTL" iam put-group-policy --group-name gsize --policy-name b --policy-document "$(mkdoc 100)"
expect_err LimitExceeded PutGroupPolicy 'Maximum policy size of 5120 bytes exceeded for group gsize$' \
	"a group over 5,120"
run "$IAMCTL" iam put-group-policy --group-name gsize --policy-name a --policy-document "$(mkdoc 5121)"
expect_err LimitExceeded PutGroupPolicy 'Maximum policy size of 5120 bytes exceeded for group gsize$' \
	"one group policy of 5,121"

ok "create-role rsize" "$IAMCTL" iam create-role --role-name rsize --assume-role-policy-document \
	'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
run "$IAMCTL" iam put-role-policy --role-name rsize --policy-name a --policy-document "$(mkdoc 6000)"
is "$RC" 0 "a role policy of 6,000 characters"
run "$IAMCTL" iam put-role-policy --role-name rsize --policy-name b --policy-document "$(mkdoc 4240)"
is "$RC" 0 "a second one bringing the role to 10,240"
run "$IAMCTL" iam put-role-policy --role-name rsize --policy-name c --policy-document "$(mkdoc 100)"
expect_err LimitExceeded PutRolePolicy 'Maximum policy size of 10240 bytes exceeded for role rsize$' \
	"a role over 10,240"
run "$IAMCTL" iam get-role-policy --role-name rsize --policy-name b
is "$(py 'print(len(json.dumps(d["PolicyDocument"], separators=(",",":"))))')" "4240" \
	"a large document round-trips"

# --- a new entity of a deleted one's name has none of its policies ---
ok "delete-user-policy" "$IAMCTL" iam delete-user-policy --user-name sizer --policy-name big
ok "delete-user-policy" "$IAMCTL" iam delete-user-policy --user-name sizer --policy-name more
run "$IAMCTL" iam delete-user --user-name sizer
is "$RC" 0 "delete-user once its policies are gone"
ok "create-user sizer again" "$IAMCTL" iam create-user --user-name sizer
run "$IAMCTL" iam list-user-policies --user-name sizer
is "$(py 'print(len(d["PolicyNames"]))')" "0" "the new user has no inline policy"

# --- after a restart, everything is as it was ---
ok "iamd stops" iamd_stop
iamd_start || bail_out "iamd did not restart"
run "$IAMCTL" iam get-role-policy --role-name rsize --policy-name a
is "$RC" 0 "inline policies survive a restart"
ok "iamd stops" iamd_stop
done_testing
