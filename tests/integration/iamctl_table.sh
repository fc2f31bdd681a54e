#!/bin/sh
# iamctl --output table against a real iamd, and the same command lines
# through Debian's /usr/bin/aws and iam-gateway: the same bytes on stdout
# and stderr and the same exit status (awscli/table.py: titles, nested
# sections, scaled columns, 80 columns when stdout is not a terminal,
# East Asian widths, --color on's escapes, --query results, merged pages).
. "$top_srcdir/tests/integration/lib.sh"

AWS_BIN=/usr/bin/aws
[ -x "$AWS_BIN" ] || skip_all "no $AWS_BIN (Debian's awscli)"
keyd_start || bail_out "iam-keyd did not start"
iamd_start || bail_out "iamd did not start"
gateway_start --timeout 3 || bail_out "iam-gateway did not start"

TRUST='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["ec2.amazonaws.com","lambda.amazonaws.com"]},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}]}'
POLICY='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetUser","iam:ListUsers"],"Resource":"*"}]}'
for u in alice bob carol dave erin; do
	"$IAMCTL" iam create-user --user-name $u --path /eng/ >/dev/null || bail_out "create-user $u"
done
"$IAMCTL" iam tag-user --user-name alice --tags Key=team,Value=blue 'Key=名前,Value=日本語のチーム' >/dev/null ||
	bail_out "tag-user"
"$IAMCTL" iam create-role --role-name app --assume-role-policy-document "$TRUST" \
	--description 'the app: ±§ ×÷ « »' >/dev/null || bail_out "create-role"
"$IAMCTL" iam create-policy --policy-name readers --path /ro/ --policy-document "$POLICY" \
	>"$TMP/policy.json" || bail_out "create-policy"
PARN=$(json_get '["Policy"]["Arn"]' <"$TMP/policy.json")
"$IAMCTL" iam attach-role-policy --role-name app --policy-arn "$PARN" || bail_out "attach-role-policy"
"$IAMCTL" iam attach-user-policy --user-name alice --policy-arn "$PARN" || bail_out "attach-user-policy"

run "$IAMCTL" iam get-user --user-name bob --output table
is "$RC" 0 "get-user --output table"
like "$OUT" '^\| +GetUser +\|$' "the operation's name is the first title"
like "$OUT" '^\|\|  UserName  \|  bob +\|\|$' "the user's members in a nested section"
is "$(printf '%s\n' "$OUT" | awk '{ print length($0) }' | sort -u)" 60 \
	"every line as wide as the widest section (the ARN)"
run "$IAMCTL" iam delete-user-policy --user-name bob --policy-name none --output table
is "$RC" 254 "an error is printed as usual"
run "$IAMCTL" iam list-users --output yaml
is "$RC" 252 "an output format iamctl has not: usage error"
run "$IAMCTL" iam list-users --output table --color blue
is "$RC" 252 "--color takes on, off or auto"

export AWS_CONFIG_FILE="$TMP/no-config" AWS_SHARED_CREDENTIALS_FILE="$TMP/no-credentials"
export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER="" AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_DEFAULT_OUTPUT 2>/dev/null
"$IAMCTL" iam create-access-key >"$TMP/key.json" || bail_out "create-access-key"
AWS_ACCESS_KEY_ID=$(json_get '["AccessKey"]["AccessKeyId"]' <"$TMP/key.json")
AWS_SECRET_ACCESS_KEY=$(json_get '["AccessKey"]["SecretAccessKey"]' <"$TMP/key.json")
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY

# same DESCRIPTION ARGS...: iamctl and aws print the same bytes, exit alike
same() {
	_d=$1; shift
	"$IAMCTL" "$@" >"$TMP/i.out" 2>"$TMP/i.err"; _irc=$?
	"$AWS_BIN" --endpoint-url "$IAMD_GATEWAY_URL" "$@" >"$TMP/a.out" 2>"$TMP/a.err"; _arc=$?
	if cmp -s "$TMP/i.out" "$TMP/a.out" && cmp -s "$TMP/i.err" "$TMP/a.err" &&
	   [ "$_irc" = "$_arc" ]; then
		pass "same bytes as /usr/bin/aws: $_d"
	else
		fail "same bytes as /usr/bin/aws: $_d"
		diag "iamctl exit $_irc, aws exit $_arc" "$(diff "$TMP/i.out" "$TMP/a.out" | head -n 20)" \
			"$(diff "$TMP/i.err" "$TMP/a.err" | head -n 10)"
	fi
}

same "get-user (tags with East Asian widths)" iam get-user --user-name alice --output table
same "get-user, --color off" iam get-user --user-name bob --output table --color off
same "get-user, --color on (colorama's escapes)" iam get-user --user-name alice --output table --color on
same "list-users, pages of 2 merged" iam list-users --output table --page-size 2
same "list-users --max-items: the NextToken row" iam list-users --output table --max-items 3 --page-size 2
same "list-users --starting-token" iam list-users --output table --max-items 2 \
	--starting-token "$("$IAMCTL" iam list-users --max-items 2 --query NextToken | tr -d '"')"
same "get-role with its trust policy document" iam get-role --role-name app --output table
same "get-role, colour on" iam get-role --role-name app --output table --color on
same "list-attached-role-policies" iam list-attached-role-policies --role-name app --output table
same "get-account-summary (a map)" iam get-account-summary --output table
same "list-policies --query with a projection" iam list-policies --scope Local --output table \
	--query 'Policies[].{Name: PolicyName, Arn: Arn, Count: AttachmentCount, Default: DefaultVersionId}'
same "a list projection of lists" iam list-policies --scope Local --output table \
	--query 'Policies[].[PolicyName, Path, IsAttachable]'
same "a list of scalars" iam list-users --output table --query 'Users[].UserName'
same "an empty list prints nothing" iam list-users --output table --query 'Users[?UserName==`nobody`]'
same "an empty answer list (no attached user policies of bob)" iam list-attached-user-policies \
	--user-name bob --output table
same "a scalar --query result: the title only" iam get-user --user-name alice --output table --query User.UserName
same "a number" iam list-users --output table --query 'length(Users)'
same "null prints nothing" iam get-user --user-name alice --output table --query User.Nothing
same "a list the formatter cannot lay out: its exception, 255" iam list-users --output table \
	--query '[`[1, 2]`, `[1]`]'
same "simulate-principal-policy" iam simulate-principal-policy --output table \
	--policy-source-arn "$("$IAMCTL" iam get-user --user-name alice --query User.Arn --output text)" \
	--action-names iam:GetUser iam:DeleteUser
same "get-caller-identity (sts)" sts get-caller-identity --output table
same "a table wider than 80 columns turns single rows vertical" iam get-role --role-name app \
	--output table --query 'Role.{Arn: Arn, RoleName: RoleName, RoleId: RoleId, Path: Path, MaxSessionDuration: MaxSessionDuration}'
same "a service error" iam get-user --user-name nobody --output table

done_testing
