#!/bin/sh
# iamctl --query (JMESPath) against a real iamd, as the AWS CLI v2 applies
# it: on the answer (pages merged), then --output json or text; and the
# same commands through Debian's /usr/bin/aws against iam-gateway must
# print the same bytes. Bad expressions: exit 252 before any call.
. "$top_srcdir/tests/integration/lib.sh"

keyd_start || bail_out "iam-keyd did not start"
iamd_start || bail_out "iamd did not start"

TRUST='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
for u in alice bob carol; do
	"$IAMCTL" iam create-user --user-name $u --path /eng/ >/dev/null || bail_out "create-user $u"
done
"$IAMCTL" iam create-user --user-name dave >/dev/null
"$IAMCTL" iam create-group --group-name devs >/dev/null
for u in alice bob carol; do "$IAMCTL" iam add-user-to-group --group-name devs --user-name $u; done
"$IAMCTL" iam tag-user --user-name alice --tags Key=team,Value=blue Key=cost,Value=42 >/dev/null
for r in app-web app-db ops; do
	"$IAMCTL" iam create-role --role-name $r --assume-role-policy-document "$TRUST" \
		>/dev/null || bail_out "create-role $r"
done
ACCT=$("$IAMCTL" sts get-caller-identity --query Account --output text)
like "$ACCT" '^[0-9]{12}$' "get-caller-identity --query Account --output text: the bare account"

run "$IAMCTL" iam list-users --query 'Users[].UserName' --output text
is "$RC" 0 "list-users --query 'Users[].UserName' --output text"
is "$OUT" "alice	bob	carol	dave" "a list of scalars: one line, tab-separated"

run "$IAMCTL" iam list-users --query 'Users[].UserName'
is "$OUT" '[
    "alice",
    "bob",
    "carol",
    "dave"
]' "the same as json: 4-space indent"

run "$IAMCTL" iam get-user --user-name alice --query User.Arn --output text
is "$OUT" "arn:aws:iam::$ACCT:user/eng/alice" "get-user --query User.Arn --output text"

run "$IAMCTL" iam get-user --user-name alice --query User.Arn
is "$OUT" "\"arn:aws:iam::$ACCT:user/eng/alice\"" "a string as json is quoted"

run "$IAMCTL" iam list-roles --query 'Roles[?starts_with(RoleName, `app`)].Arn' --output text
is "$OUT" "arn:aws:iam::$ACCT:role/app-db	arn:aws:iam::$ACCT:role/app-web" "a filter on roles with starts_with"

run "$IAMCTL" iam list-users --query 'Users[?Path==`/eng/`].{Name: UserName, Path: Path}'
is "$OUT" '[
    {
        "Name": "alice",
        "Path": "/eng/"
    },
    {
        "Name": "bob",
        "Path": "/eng/"
    },
    {
        "Name": "carol",
        "Path": "/eng/"
    }
]' "a multiselect hash, keys in the expression's order"

run "$IAMCTL" iam list-users --query 'Users[].[UserName, Path]' --output text
is "$OUT" "alice	/eng/
bob	/eng/
carol	/eng/
dave	/" "a list of lists as text: one line each"

run "$IAMCTL" iam list-users --query 'length(Users)'
is "$OUT" "4" "length()"
run "$IAMCTL" iam list-users --query "join(', ', sort_by(Users, &UserName)[::-1].UserName)" --output text
is "$OUT" "dave, carol, bob, alice" "join, sort_by, a reversed slice"
run "$IAMCTL" iam get-user --user-name alice --query 'User.Tags[?Key==`team`].Value | [0]' --output text
is "$OUT" "blue" "a tag's value through a pipe"
run "$IAMCTL" iam get-user --user-name alice --query 'User.Nothing'
is "$OUT" "null" "nothing matched: json prints null"
run "$IAMCTL" iam get-user --user-name alice --query 'User.Nothing' --output text
is "$OUT" "None" "and text prints None"
run "$IAMCTL" iam list-users --query 'Users[?UserName==`nobody`]' --output json
is "$OUT" "[]" "an empty list prints []"

run "$IAMCTL" iam list-users --page-size 1 --query 'Users[].UserName' --output json
is "$(echo $OUT)" '[ "alice", "bob", "carol", "dave" ]' "pages of one user: the query runs on the merged pages"
run "$IAMCTL" iam list-users --max-items 2 --query '[length(Users), type(NextToken)]' --output json
OUT=$(echo $OUT)
is "$OUT" '[ 2, "string" ]' "--max-items: the query sees the merged list and the NextToken"

run "$IAMCTL" iam list-users --page-size 3 --query 'Users[].UserName' --output text
is "$OUT" "alice	bob	carol
dave" "--output text: each page queried and printed by itself (as the AWS CLI)"
run "$IAMCTL" iam list-users --max-items 2 --query 'Users[].UserName' --output text
is "$OUT" "alice	bob
None" "then the NextToken, queried too: None"
run "$IAMCTL" iam list-users --query 'Users[?'
is "$RC" 252 "a bad expression exits 252"
like "$ERR" "Bad value for --query Users\\[\\?: Invalid jmespath expression: Incomplete expression" "with the AWS CLI's message"
run "$IAMCTL" iam list-users --query 'a ='
is "$RC" 252 "a lexer error exits 252"
run "$IAMCTL" iam list-users --query 'nosuch(Users)'
is "$RC" 255 "an unknown function fails when the query runs (255, as the AWS CLI)"
like "$ERR" "Unknown function: nosuch\\(\\)" "naming the function"
run "$IAMCTL" iam list-users --query "$(python3 -c 'print("(" * 5000 + "a" + ")" * 5000)')"
is "$RC" 252 "5000 nested parentheses: refused, no stack overflow"
run "$IAMCTL" iam list-users --query "$(python3 -c 'print("a" + "||a" * 20000)')"
is "$RC" 252 "20000 chained ors: refused, no stack overflow"

# --- the same through Debian's AWS CLI v2 and iam-gateway --------------------
AWS_BIN=/usr/bin/aws
if [ -x "$AWS_BIN" ] && gateway_start --timeout 3; then
	export AWS_CONFIG_FILE="$TMP/no-config" AWS_SHARED_CREDENTIALS_FILE="$TMP/no-credentials"
	export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER="" AWS_EC2_METADATA_DISABLED=true
	unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL 2>/dev/null
	"$IAMCTL" iam create-access-key >"$TMP/key.json"
	AWS_ACCESS_KEY_ID=$(json_get '["AccessKey"]["AccessKeyId"]' <"$TMP/key.json")
	AWS_SECRET_ACCESS_KEY=$(json_get '["AccessKey"]["SecretAccessKey"]' <"$TMP/key.json")
	export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	same() {   # same DESCRIPTION ARGS...: iamctl and aws print the same
		_d=$1; shift
		run "$IAMCTL" "$@"; _i=$OUT; _irc=$RC
		_ie=$ERR
		run "$AWS_BIN" --endpoint-url "$IAMD_GATEWAY_URL" "$@"; _a=$OUT; _arc=$RC
		if [ "$_i" = "$_a" ] && [ "$_irc" = "$_arc" ] && [ "$_ie" = "$ERR" ]; then
			pass "same as /usr/bin/aws: $_d"
		else
			fail "same as /usr/bin/aws: $_d"
			diag "iamctl ($_irc): $_i"
			diag "aws ($_arc): $_a"
			diag "stderr: $_ie / $ERR"
		fi
	}
	same "list-users text" iam list-users --query 'Users[].UserName' --output text
	same "list-users json" iam list-users --query 'Users[].UserName' --output json
	same "get-user Arn" iam get-user --user-name alice --query User.Arn --output text
	same "roles filter" iam list-roles --query 'Roles[?starts_with(RoleName, `app`)].Arn' --output json
	same "multiselect hash" iam list-users --query 'Users[].{Name: UserName, P: Path, Id: length(UserId)}' --output json
	same "multiselect hash as text" iam list-users --query 'Users[].{Name: UserName, P: Path}' --output text
	same "list of lists as text" iam list-users --query 'Users[].[UserName, Path]' --output text
	same "tags as text" iam get-user --user-name alice --query 'User.Tags' --output text
	same "functions" iam list-users --query '{n: length(Users), last: max_by(Users, &UserName).UserName, s: sort(Users[].Path)}' --output json
	same "null as json" iam get-user --user-name alice --query 'User.Nothing' --output json
	same "null as text" iam get-user --user-name alice --query 'User.Nothing' --output text
	same "a number as text" iam list-roles --query 'sum(Roles[].MaxSessionDuration)' --output text
	same "avg: a float" iam list-roles --query 'avg(Roles[].MaxSessionDuration)' --output json
	same "pages merged (json)" iam list-users --page-size 1 --query 'Users[].UserName' --output json
	same "pages with --max-items" iam list-users --max-items 3 --query 'Users[].UserName' --output json
	same "empty list" iam list-users --query 'Users[?UserName==`x`]' --output json
	same "booleans as text" iam list-users --query 'Users[].[UserName, starts_with(UserName, `a`)]' --output text
	# text: the AWS CLI prints and queries each page by itself, then the
	# NextToken ({"NextToken": {"NextToken": ...}}, queried too: None)
	same "text pages of 2" iam list-users --page-size 2 --query 'Users[].UserName' --output text
	same "text pages, a function per page" iam list-users --page-size 3 --query 'length(Users)' --output text
	same "text --max-items" iam list-users --max-items 3 --page-size 2 --query 'Users[].[UserName]' --output text
	same "text pages without a query" iam list-users --page-size 3 --query 'Users[].{N: UserName}' --output text
	same "text NextToken queried" iam list-users --max-items 1 --query 'NextToken' --output text
	same "text NextToken" iam list-users --max-items 1 --page-size 1 --query '{N: NextToken}' --output text
	same "get-group: the group on the first page" iam get-group --group-name devs --page-size 1 --query '[Group.GroupName, Users[].UserName]' --output text
	same "unknown function: message and 255" iam list-users --query 'nosuch(@)'
	same "type error: message and 255" iam list-users --query 'length(`1`)'
	run "$AWS_BIN" --endpoint-url "$IAMD_GATEWAY_URL" iam list-users --query 'Users[?'
	is "$RC" 252 "aws exits 252 on a bad expression too"
else
	skip "no $AWS_BIN or no iam-gateway: the AWS CLI comparison" 27
fi

done_testing
