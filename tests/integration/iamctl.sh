#!/bin/sh
# iamctl against a real iamd: help from the descriptors, option parsing
# (scalars, lists, shorthand and JSON structures, file://, --cli-input-json),
# output byte for byte as the AWS CLI prints it, errors and exit statuses
# (254 service, 252 usage, 255 no daemon), and the AWS CLI's pagination.
. "$top_srcdir/tests/integration/lib.sh"

command -v python3 >/dev/null 2>&1 || skip_all "python3 is needed to check JSON"

# The AWS CLI prints json.dumps(obj, indent=4, ensure_ascii=False): output
# that survives that round trip unchanged is formatted as the AWS CLI's.
aws_formatted() {
	printf '%s\n' "$1" | python3 -c '
import json, sys
s = sys.stdin.read()
sys.exit(0 if json.dumps(json.loads(s), indent=4, ensure_ascii=False) + "\n" == s else 1)'
}
keys_of() {   # the keys of JSON path $2 in order, space-separated
	printf '%s\n' "$1" | python3 -c '
import json, sys, collections
v = json.loads(sys.stdin.read(), object_pairs_hook=collections.OrderedDict)
v = eval("v" + sys.argv[1])
print(" ".join(v.keys()))' "$2"
}

# --- help, before any daemon ------------------------------------------------
run "$IAMCTL" help
is "$RC" 0 "iamctl help exits 0"
like "$OUT" '^  iam ' "it lists iam"
like "$OUT" '^  sts ' "it lists sts"
like "$OUT" '^  policy ' "it lists policy"
run "$IAMCTL" iam help
like "$OUT" 'o create-user$' "iamctl iam help lists create-user"
like "$OUT" 'o list-groups-for-user$' "and list-groups-for-user"
unlike "$OUT" 'get-caller-identity' "but not the sts actions"
run "$IAMCTL" sts help
like "$OUT" 'o get-caller-identity$' "iamctl sts help lists get-caller-identity"
unlike "$OUT" 'create-user' "and no iam action"
run "$IAMCTL" iam create-user help
is "$RC" 0 "iamctl iam create-user help exits 0"
like "$OUT" '\[--user-name <value>\]' "it shows --user-name"
like "$OUT" '--tags \(list\)' "it shows --tags as a list"
like "$OUT" 'Key=string,Value=string' "with its shorthand syntax"
like "$OUT" 'User -> \(structure\)' "and the output shape"
run "$IAMCTL" iam list-users --help
like "$OUT" '--max-items' "--help works on a command; list commands paginate"
run "$IAMCTL" iam create-user --generate-cli-skeleton
like "$OUT" '"UserName": ""' "--generate-cli-skeleton prints the request shape"

# --- usage errors: 252 ------------------------------------------------------------
run "$IAMCTL" iam create-user --user-name alice --bogus 1
is "$RC" 252 "an unknown option exits 252"
like "$ERR" 'iamctl: error: Unknown options: --bogus, 1' "naming it as the AWS CLI does"
run "$IAMCTL" iam create-user --user-name
is "$RC" 252 "an option without its value exits 252"
like "$ERR" 'argument --user-name: expected one argument' "and says so"
run "$IAMCTL" iam create-usr
is "$RC" 252 "an unknown command exits 252"
like "$ERR" "Invalid choice: 'create-usr'" "naming the command"
run "$IAMCTL" ec2 describe-instances
is "$RC" 252 "an unknown service exits 252"
run "$IAMCTL" iam create-user --user-name a --tags '[{"Key": "k",'
is "$RC" 252 "malformed JSON exits 252"
like "$ERR" "Error parsing parameter '--tags': Invalid JSON" "naming the option"
run "$IAMCTL" iam create-user --user-name a --tags '[{"Key": 1, "Value": "v"}]'
is "$RC" 252 "a member of the wrong type exits 252"
like "$ERR" 'Invalid type for parameter Tags\[0\]\.Key' "naming the member"
run "$IAMCTL" iam create-user --user-name a --tags Key=k,Colour=red
is "$RC" 252 "an unknown shorthand key exits 252"
like "$ERR" 'Unknown parameter in Tags\[0\]: "Colour"' "naming it"
run "$IAMCTL" iam list-users --max-items zero
is "$RC" 252 "a non-numeric --max-items exits 252"

# --- no daemon: 255 -------------------------------------------------------------
run "$IAMCTL" --socket "$TMP/nothing.sock" iam list-users
is "$RC" 255 "no daemon at the socket exits 255"
like "$ERR" 'Could not connect to iamd' "and says so"

iamd_start || bail_out "iamd did not start"

# --- the check of done: create-user as the AWS CLI prints it ---------------------
run "$IAMCTL" iam create-user --user-name alice --path /eng/ --tags Key=team,Value=blue
is "$RC" 0 "create-user with shorthand tags succeeds"
is "$(keys_of "$OUT" '["User"]')" "Path UserName UserId Arn CreateDate Tags" \
	"User has the AWS CLI's keys in its order"
ok "the output is formatted as the AWS CLI formats it" aws_formatted "$OUT"
like "$OUT" '"CreateDate": "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\+00:00"' \
	"CreateDate as the AWS CLI v2 prints it"
like "$OUT" '"UserId": "AIDA[A-Z2-7]{17}"' "UserId as AWS makes them"
like "$OUT" '"Arn": "arn:aws:iam::[0-9]{12}:user/eng/alice"' "the ARN holds the path"
is "$(printf '%s' "$OUT" | json_get '["User"]["Tags"]')" \
	'[{"Key": "team", "Value": "blue"}]' "the tag is there"

run "$IAMCTL" iam get-user --user-name bob
is "$RC" 254 "get-user of a missing user exits 254"
is "$OUT" "" "and prints nothing on stdout"
is "$ERR" "
An error occurred (NoSuchEntity) when calling the GetUser operation: The user with name bob cannot be found." \
	"stderr is the AWS CLI's error, blank line first"

run "$IAMCTL" iam create-user --user-name ALICE
is "$RC" 254 "a duplicate name exits 254"
like "$ERR" '^An error occurred \(EntityAlreadyExists\) when calling the CreateUser operation: ' \
	"with EntityAlreadyExists"

# --- JSON, lists, file://, --cli-input-json ---------------------------------------
run "$IAMCTL" iam create-user --user-name carol --tags '[{"Key":"team","Value":"red"},{"Key":"env","Value":"prod"}]'
is "$(printf '%s' "$OUT" | json_get '["User"]["Tags"]')" \
	'[{"Key": "team", "Value": "red"}, {"Key": "env", "Value": "prod"}]' \
	"--tags takes JSON"
run "$IAMCTL" iam tag-user --user-name alice --tags Key=env,Value=dev 'Key=cost, Value="a b"'
is "$RC" 0 "tag-user takes several shorthand structures"
is "$OUT" "" "an answer without members prints nothing, as the AWS CLI"
run "$IAMCTL" iam list-user-tags --user-name alice
is "$(printf '%s' "$OUT" | json_get '["Tags"]')" \
	'[{"Key": "team", "Value": "blue"}, {"Key": "env", "Value": "dev"}, {"Key": "cost", "Value": "a b"}]' \
	"list-user-tags shows them (a quoted shorthand value kept whole)"
run "$IAMCTL" iam untag-user --user-name alice --tag-keys env cost
is "$RC" 0 "untag-user takes several keys"
run "$IAMCTL" iam list-user-tags --user-name alice
is "$(printf '%s' "$OUT" | json_get '["Tags"]')" '[{"Key": "team", "Value": "blue"}]' \
	"only team is left"
run "$IAMCTL" iam untag-user --user-name alice --tag-keys team
run "$IAMCTL" iam list-user-tags --user-name alice
is "$OUT" '{
    "Tags": []
}' "an empty top-level list is printed"

printf '/from/file/' >"$TMP/path.txt"
run "$IAMCTL" iam create-user --user-name dave --path "file://$TMP/path.txt"
is "$(printf '%s' "$OUT" | json_get '["User"]["Path"]')" "/from/file/" "file:// reads a value"
run "$IAMCTL" iam create-user --user-name erin --path "file://$TMP/missing"
is "$RC" 252 "a missing file:// exits 252"
printf '{"UserName": "frank", "Path": "/input/", "Tags": [{"Key": "k", "Value": "v"}]}' >"$TMP/in.json"
run "$IAMCTL" iam create-user --cli-input-json "file://$TMP/in.json" --path /override/
is "$(printf '%s' "$OUT" | json_get '["User"]["Path"]')" "/override/" \
	"--cli-input-json, with the command line winning"
is "$(printf '%s' "$OUT" | json_get '["User"]["UserName"]')" "frank" "the rest from the file"

# --- text output, sts, --socket -----------------------------------------------
run "$IAMCTL" iam get-user --user-name alice --output text
like "$OUT" '^USER	arn:aws:iam::[0-9]{12}:user/eng/alice	[0-9T:+-]+	/eng/	AIDA[A-Z2-7]+	alice$' \
	"--output text prints the AWS CLI's text lines"
run "$IAMCTL" sts get-caller-identity
is "$(keys_of "$OUT" '')" "UserId Account Arn" "sts get-caller-identity"
like "$OUT" '"Arn": "arn:aws:iam::[0-9]{12}:root"' "the caller is the account root"
run env IAMD_SOCKET="$TMP/nothing.sock" "$IAMCTL" --socket "$IAMD_SOCKET" iam get-user --user-name alice
is "$RC" 0 "--socket wins over \$IAMD_SOCKET"
run "$IAMCTL" iam delete-user --user-name dave
is "$RC$OUT" "0" "delete-user prints nothing"

# --- pagination ------------------------------------------------------------
i=0
while [ $i -lt 130 ]; do
	n=$(printf 'p%03d' $i)
	"$IAMCTL" iam create-user --user-name "$n" --path /pg/ >/dev/null || fail "create $n"
	i=$((i + 1))
done
count() { printf '%s' "$1" | json_get '["Users"]' | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
names() { printf '%s' "$1" | python3 -c 'import json,sys; print(" ".join(u["UserName"] for u in json.load(sys.stdin)["Users"]))'; }
run "$IAMCTL" iam list-users --path-prefix /pg/
is "$RC" 0 "list-users over 130 users"
is "$(count "$OUT")" 130 "all 130 users are merged from the pages"
is "$(keys_of "$OUT" '')" "Users" "without IsTruncated, Marker or NextToken"
all=$(names "$OUT")
run "$IAMCTL" iam list-users --path-prefix /pg/ --page-size 7
is "$(names "$OUT")" "$all" "19 pages of 7 merge to the same list"
run "$IAMCTL" iam list-users --path-prefix /pg/ --max-items 10 --page-size 4
is "$(count "$OUT")" 10 "--max-items 10 prints 10"
is "$(keys_of "$OUT" '')" "Users NextToken" "and a NextToken"
tok=$(printf '%s' "$OUT" | json_get '["NextToken"]')
first=$(names "$OUT")
run "$IAMCTL" iam list-users --path-prefix /pg/ --starting-token "$tok"
is "$(count "$OUT")" 120 "--starting-token resumes with the other 120"
is "$first $(names "$OUT")" "$all" "in order, none lost, none twice"
run "$IAMCTL" iam list-users --path-prefix /pg/ --no-paginate
is "$(printf '%s' "$OUT" | json_get '["IsTruncated"]')" "true" "--no-paginate makes one call"
like "$OUT" '"Marker": "' "and prints its Marker"
mk=$(printf '%s' "$OUT" | json_get '["Marker"]')
run "$IAMCTL" iam list-users --path-prefix /pg/ --marker "$mk" --max-items 5
is "$(count "$OUT")" 5 "--marker makes one call, --max-items is then MaxItems"
run "$IAMCTL" iam list-users --path-prefix /pg/ --starting-token bogus
is "$RC" 252 "a bad --starting-token exits 252"

# --- a frozen daemon: the read timeout ends the wait -------------------------
kill -STOP "$IAMD_PID"
start=$(date +%s)
run "$IAMCTL" --cli-read-timeout 1 iam list-users --path-prefix /pg/
end=$(date +%s)
kill -CONT "$IAMD_PID"
is "$RC" 255 "a frozen daemon exits 255 after --cli-read-timeout"
ok "within a few seconds ($((end - start)) s)" test $((end - start)) -le 4

# --- policy is dispatched, not parsed here ------------------------------------
run "$IAMCTL" policy
unlike "$ERR" 'Invalid choice' "iamctl policy goes to the policy tools"

ok "iamd stops with status 0" iamd_stop
done_testing
