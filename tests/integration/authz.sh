#!/bin/sh
# authz.sh: every call authorized by IAM policy, as a bound non-root uid
# (setpriv; skipped when this test cannot switch uid): a delegated
# administrator of /eng/ users only, explicit deny, group policies, a
# permissions boundary, tag conditions (aws:ResourceTag, aws:PrincipalTag,
# aws:RequestTag), policy edits taking effect on the next call, Authorize.
. "$top_srcdir/tests/integration/lib.sh"

can_switch_uid || skip_all "needs root and setpriv to act as another uid"
IAMD_ACCOUNT_ID=123456789012
A=123456789012
iamd_start --account-id $A || bail_out "iamd did not start"

# as UID CMD...: runs CMD as uid/gid UID
as() {
	_uid=$1
	shift
	run setpriv --reuid="$_uid" --regid="$_uid" --clear-groups -- "$@"
	ERR=$(printf '%s\n' "$ERR" | sed '/^$/d')   # the CLI's blank line
}
root() { run "$IAMCTL" "$@"; }
U=65534   # the delegated administrator "admin"
G=65533   # "reader", through a group
B=65532   # "capped", with a boundary
T=65531   # "tagger", tag conditions

root iam create-user --user-name admin
root iam create-user --user-name bob --path /eng/
root iam create-user --user-name ops1 --path /ops/
ADMIN_POLICY='{"Version":"2012-10-17","Statement":[
 {"Sid":"EngUsers","Effect":"Allow","Action":["iam:CreateUser","iam:GetUser","iam:DeleteUser","iam:TagUser"],
  "Resource":"arn:aws:iam::123456789012:user/eng/*"},
 {"Sid":"NotProtected","Effect":"Deny","Action":"iam:DeleteUser",
  "Resource":"arn:aws:iam::123456789012:user/eng/protected"}]}'
root iam put-user-policy --user-name admin --policy-name eng-admin --policy-document "$ADMIN_POLICY"
is "$RC" 0 "root puts the delegated administrator's policy"
root iamd create-local-user-binding --uid $U --user-name admin
is "$RC" 0 "root binds uid $U to admin"

as $U "$IAMCTL" sts get-caller-identity
like "$OUT" "\"Arn\": \"arn:aws:iam::$A:user/admin\"" "uid $U is admin"
as $U "$IAMCTL" iam create-user --user-name carol --path /eng/
is "$RC" 0 "admin creates a user under /eng/"
as $U "$IAMCTL" iam get-user --user-name bob
is "$RC" 0 "admin reads a user under /eng/"
as $U "$IAMCTL" iam create-user --user-name dave
is "$RC" 254 "admin may not create a user outside /eng/"
is "$ERR" "An error occurred (AccessDenied) when calling the CreateUser operation: User: arn:aws:iam::$A:user/admin is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::$A:user/dave because no identity-based policy allows the iam:CreateUser action" \
	"with AWS's AccessDenied message"
as $U "$IAMCTL" iam get-user --user-name ops1
like "$ERR" "not authorized to perform: iam:GetUser on resource: arn:aws:iam::$A:user/ops/ops1 because no identity-based policy" \
	"admin may not read /ops/ users"
as $U "$IAMCTL" iam list-users
like "$ERR" "AccessDenied" "nor list users"
root iam get-user --user-name dave
is "$RC" 254 "the denied CreateUser created nothing"

root iam create-user --user-name protected --path /eng/
as $U "$IAMCTL" iam delete-user --user-name protected
is "$ERR" "An error occurred (AccessDenied) when calling the DeleteUser operation: User: arn:aws:iam::$A:user/admin is not authorized to perform: iam:DeleteUser on resource: arn:aws:iam::$A:user/eng/protected with an explicit deny in an identity-based policy" \
	"an explicit deny wins over the allow"
as $U "$IAMCTL" iam delete-user --user-name carol
is "$RC" 0 "admin deletes an /eng/ user the deny does not name"

# Policy edits take effect on the next call (the cache follows writes).
root iam put-user-policy --user-name admin --policy-name list --policy-document \
	'{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}}'
as $U "$IAMCTL" iam list-users
is "$RC" 0 "a policy put by root applies to admin's next call"
root iam delete-user-policy --user-name admin --policy-name list
as $U "$IAMCTL" iam list-users
is "$RC" 254 "and its deletion too"

# Group policies flow to the members.
root iam create-user --user-name reader
root iam create-group --group-name readers
root iam put-group-policy --group-name readers --policy-name read --policy-document \
	'{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["iam:GetUser","iam:ListUsers"],"Resource":"*"}}'
root iamd create-local-user-binding --uid $G --user-name reader
as $G "$IAMCTL" iam list-users
is "$RC" 254 "reader outside the group may not list users"
root iam add-user-to-group --group-name readers --user-name reader
as $G "$IAMCTL" iam list-users
is "$RC" 0 "a member gets the group's inline policy"
as $G "$IAMCTL" iam create-user --user-name nope
like "$ERR" "because no identity-based policy allows the iam:CreateUser action" \
	"and nothing more"
root iam create-policy --policy-name GroupCreate --policy-document \
	'{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:CreateUser","Resource":"*"}}'
GC_ARN=$(echo "$OUT" | json_get '["Policy"]["Arn"]')
root iam attach-group-policy --group-name readers --policy-arn "$GC_ARN"
as $G "$IAMCTL" iam create-user --user-name bygroup
is "$RC" 0 "a managed policy attached to the group applies to members"
root iam remove-user-from-group --group-name readers --user-name reader
as $G "$IAMCTL" iam get-user --user-name bob
is "$RC" 254 "leaving the group takes its permissions away"

# A permissions boundary caps a user.
root iam create-policy --policy-name ReadOnlyBoundary --policy-document \
	'{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"}}'
RB_ARN=$(echo "$OUT" | json_get '["Policy"]["Arn"]')
root iam create-user --user-name capped --permissions-boundary "$RB_ARN"
is "$RC" 0 "a user created with a boundary"
root iam put-user-policy --user-name capped --policy-name all --policy-document \
	'{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:*","Resource":"*"}}'
root iamd create-local-user-binding --uid $B --user-name capped
as $B "$IAMCTL" iam list-users
is "$RC" 0 "capped may do what both its policy and its boundary allow"
as $B "$IAMCTL" iam create-user --user-name x1
is "$ERR" "An error occurred (AccessDenied) when calling the CreateUser operation: User: arn:aws:iam::$A:user/capped is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::$A:user/x1 because no permissions boundary allows the iam:CreateUser action" \
	"the boundary caps what the identity policy allows"

# Tags: aws:PrincipalTag, aws:ResourceTag, aws:RequestTag.
root iam create-user --user-name tagger --tags Key=team,Value=blue
root iam create-user --user-name blue1 --tags Key=team,Value=blue
root iam create-user --user-name red1 --tags Key=team,Value=red
root iam put-user-policy --user-name tagger --policy-name tags --policy-document '{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":"iam:GetUser","Resource":"*",
  "Condition":{"StringEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}"}}},
 {"Effect":"Allow","Action":"iam:CreateUser","Resource":"*",
  "Condition":{"StringEquals":{"aws:RequestTag/team":"${aws:PrincipalTag/team}"},
               "ForAllValues:StringEquals":{"aws:TagKeys":["team"]}}}]}'
root iamd create-local-user-binding --uid $T --user-name tagger
as $T "$IAMCTL" iam get-user --user-name blue1
is "$RC" 0 "aws:ResourceTag matches the caller's aws:PrincipalTag"
as $T "$IAMCTL" iam get-user --user-name red1
like "$ERR" "not authorized to perform: iam:GetUser on resource: arn:aws:iam::$A:user/red1" \
	"another team's user is denied"
as $T "$IAMCTL" iam create-user --user-name blue2 --tags Key=team,Value=blue
is "$RC" 0 "aws:RequestTag allows a create tagged with the caller's team"
as $T "$IAMCTL" iam create-user --user-name red2 --tags Key=team,Value=red
is "$RC" 254 "and denies another tag value"
as $T "$IAMCTL" iam create-user --user-name blue3 --tags Key=team,Value=blue Key=x,Value=y
is "$RC" 254 "aws:TagKeys: an extra tag key is denied"
as $T "$IAMCTL" iam create-user --user-name untagged
is "$RC" 254 "a create without the tag is denied"
root iam tag-user --user-name red1 --tags Key=team,Value=blue
as $T "$IAMCTL" iam get-user --user-name red1
is "$RC" 0 "retagging the resource takes effect on the next call"

# Authorize: may P do A on R? (root asks; P is any stored principal)
root iamd authorize --principal-arn arn:aws:iam::$A:user/admin --action-name iam:CreateUser \
	--resource-arn arn:aws:iam::$A:user/eng/zed
like "$OUT" '"Decision": "allowed"' "Authorize: allowed"
like "$OUT" '"SourcePolicyId": "eng-admin"' "with the statement that allowed"
like "$OUT" '"StartPosition"' "and its position"
AUTH1=$(echo "$OUT" | json_get '["MatchedStatements"]')
root iamd authorize --principal-arn arn:aws:iam::$A:user/admin --action-name iam:CreateUser \
	--resource-arn arn:aws:iam::$A:user/eng/zed
is "$(echo "$OUT" | json_get '["MatchedStatements"]')" "$AUTH1" \
	"asked again (statement ends cached): the same statements and positions"
root iam simulate-principal-policy --policy-source-arn arn:aws:iam::$A:user/admin \
	--action-names iam:CreateUser --resource-arns arn:aws:iam::$A:user/eng/zed
is "$(echo "$OUT" | json_get '["EvaluationResults"][0]["MatchedStatements"]')" "$AUTH1" \
	"Authorize's statements and positions (EndPosition too) are the simulator's"
root iamd authorize --principal-arn arn:aws:iam::$A:user/admin --action-name iam:DeleteUser \
	--resource-arn arn:aws:iam::$A:user/eng/protected
like "$OUT" '"Decision": "explicitDeny"' "Authorize: explicit deny"
like "$OUT" "with an explicit deny in an identity-based policy" "explained"
root iamd authorize --principal-arn arn:aws:iam::$A:user/capped --action-name iam:CreateUser
like "$OUT" '"MissingLayer": "boundary"' "Authorize: the missing layer is the boundary"
root iamd authorize --principal-arn arn:aws:iam::$A:user/tagger --action-name iam:GetUser \
	--resource-arn arn:aws:iam::$A:user/blue1
like "$OUT" '"Decision": "allowed"' "Authorize reads the resource's tags"
root iamd authorize --principal-arn arn:aws:iam::$A:user/tagger --action-name s3:GetObject \
	--resource-arn arn:aws:s3:::b/k --resource-policy \
	'{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/tagger"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}'
like "$OUT" '"Decision": "allowed"' "Authorize with a resource policy"
like "$OUT" '"SourcePolicyType": "resource"' "naming the resource policy"
root iamd authorize --principal-arn arn:aws:iam::$A:user/tagger --action-name iam:GetUser \
	--context-entries ContextKeyName=aws:ResourceTag/team,ContextKeyValues=blue,ContextKeyType=string
like "$OUT" '"Decision": "allowed"' "Authorize with context entries"
root iamd authorize --principal-arn arn:aws:iam::$A:user/nobody --action-name iam:GetUser
like "$ERR" "NoSuchEntity" "Authorize of an unknown principal: NoSuchEntity"
root iamd authorize --principal-arn arn:aws:iam::$A:user/eng/admin --action-name iam:GetUser
like "$ERR" "NoSuchEntity" "the ARN's path must be the user's"
as $U "$IAMCTL" iamd authorize --principal-arn arn:aws:iam::$A:user/admin --action-name iam:GetUser
is "$ERR" "An error occurred (AccessDenied) when calling the Authorize operation: User: arn:aws:iam::$A:user/admin is not authorized to perform: iamd:Authorize on resource: * because no identity-based policy allows the iamd:Authorize action" \
	"Authorize itself needs iamd:Authorize"
root iam put-user-policy --user-name admin --policy-name authorize --policy-document \
	'{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iamd:Authorize","Resource":"*"}}'
as $U "$IAMCTL" iamd authorize --principal-arn arn:aws:iam::$A:user/eng/bob --action-name iam:GetUser
like "$OUT" '"Decision": "implicitDeny"' "granted, a user may ask about another"
[ -n "$OUT" ] || diag "$ERR"
# A role, once the roles handlers store them.
root iam create-role --role-name app --assume-role-policy-document \
	'{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}}'
if [ "$RC" -eq 0 ]; then
	root iam put-role-policy --role-name app --policy-name s3 --policy-document \
		'{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::app/*"}}'
	root iamd authorize --principal-arn arn:aws:sts::$A:assumed-role/app/s1 \
		--action-name s3:GetObject --resource-arn arn:aws:s3:::app/k
	like "$OUT" '"Decision": "allowed"' "Authorize: a role session gets the role's policies"
	root iamd authorize --principal-arn arn:aws:iam::$A:role/app \
		--action-name s3:PutObject --resource-arn arn:aws:s3:::app/k
	like "$OUT" '"Decision": "implicitDeny"' "Authorize: a role, denied what it lacks"
else
	skip "Authorize of a role session" "no roles in this build"
	skip "Authorize of a role" "no roles in this build"
fi

ok "iamd stops cleanly" iamd_stop
done_testing
