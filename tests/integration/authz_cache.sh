#!/bin/sh
# authz_cache.sh: what authz caches about IAM resources (their tags, a user's
# or role's permissions boundary, read for aws:ResourceTag/<key> and
# iam:PermissionsBoundary) follows every write: tagging, untagging,
# deleting and recreating a user, a boundary put and deleted, role and
# managed policy tags; asked through Authorize again and again, each answer
# is the one the store gives now.
. "$top_srcdir/tests/integration/lib.sh"

IAMD_ACCOUNT_ID=123456789012
A=123456789012
iamd_start --account-id $A || bail_out "iamd did not start"

root() { run "$IAMCTL" "$@"; }
# decision ACTION RESOURCE: prints the Authorize decision for "viewer"
decision() {
	root iamd authorize --principal-arn arn:aws:iam::$A:user/viewer \
		--action-name "$1" --resource-arn "$2"
	printf '%s\n' "$OUT" | sed -n 's/.*"Decision": "\([A-Za-z]*\)".*/\1/p'
}

root iam create-user --user-name viewer --tags Key=team,Value=blue
root iam create-policy --policy-name fence --policy-document \
	'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
is "$RC" 0 "the boundary policy is created"
root iam put-user-policy --user-name viewer --policy-name tags --policy-document '{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":["iam:GetUser","iam:GetRole","iam:GetPolicy"],"Resource":"*",
  "Condition":{"StringEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}"}}},
 {"Effect":"Allow","Action":"iam:PutUserPolicy","Resource":"*",
  "Condition":{"StringEquals":{"iam:PermissionsBoundary":"arn:aws:iam::123456789012:policy/fence"}}}]}'
is "$RC" 0 "viewer's policy is put"

U=arn:aws:iam::$A:user/t1
root iam create-user --user-name t1 --tags Key=team,Value=blue
is "$(decision iam:GetUser $U)" allowed "a resource tagged like the caller: allowed"
is "$(decision iam:GetUser $U)" allowed "asked again: allowed"
root iam tag-user --user-name t1 --tags Key=team,Value=red
is "$(decision iam:GetUser $U)" implicitDeny "retagged: denied at once"
is "$(decision iam:GetUser $U)" implicitDeny "asked again: still denied"
root iam untag-user --user-name t1 --tag-keys team
is "$(decision iam:GetUser $U)" implicitDeny "untagged: denied"
root iam tag-user --user-name t1 --tags Key=team,Value=blue
is "$(decision iam:GetUser $U)" allowed "tagged back: allowed"
root iam delete-user --user-name t1
is "$RC" 0 "the resource is deleted"
is "$(decision iam:GetUser $U)" implicitDeny "a deleted resource has no tags"
root iam create-user --user-name t1 --tags Key=team,Value=blue
is "$(decision iam:GetUser $U)" allowed "recreated with the tag: allowed"
root iam update-user --user-name t1 --new-user-name t1y
is "$(decision iam:GetUser $U)" implicitDeny "renamed away: the old ARN names nothing"
is "$(decision iam:GetUser arn:aws:iam::$A:user/t1y)" allowed "the new ARN has the tags"

T=arn:aws:iam::$A:user/t2
root iam create-user --user-name t2
is "$(decision iam:PutUserPolicy $T)" implicitDeny "the target has no boundary: denied"
root iam put-user-permissions-boundary --user-name t2 \
	--permissions-boundary arn:aws:iam::$A:policy/fence
is "$(decision iam:PutUserPolicy $T)" allowed "the target's boundary is read: allowed"
root iam delete-user-permissions-boundary --user-name t2
is "$(decision iam:PutUserPolicy $T)" implicitDeny "boundary deleted: denied at once"

R=arn:aws:iam::$A:role/r1
root iam create-role --role-name r1 --tags Key=team,Value=blue --assume-role-policy-document \
	'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
is "$RC" 0 "a tagged role is created"
is "$(decision iam:GetRole $R)" allowed "a role's tags are read"
root iam untag-role --role-name r1 --tag-keys team
is "$(decision iam:GetRole $R)" implicitDeny "the role untagged: denied"

P=arn:aws:iam::$A:policy/fence
is "$(decision iam:GetPolicy $P)" implicitDeny "an untagged managed policy: denied"
root iam tag-policy --policy-arn $P --tags Key=team,Value=blue
is "$(decision iam:GetPolicy $P)" allowed "the policy tagged: allowed"

# many resources at once, each answered from its own record
i=0
while [ $i -lt 40 ]; do
	[ $((i % 2)) -eq 0 ] && t=blue || t=red
	"$IAMCTL" iam create-user --user-name m$i --tags Key=team,Value=$t >/dev/null 2>&1
	i=$((i + 1))
done
bad=0
for round in 1 2; do
	i=0
	while [ $i -lt 40 ]; do
		[ $((i % 2)) -eq 0 ] && want=allowed || want=implicitDeny
		[ "$(decision iam:GetUser arn:aws:iam::$A:user/m$i)" = $want ] || bad=$((bad + 1))
		i=$((i + 1))
	done
done
is "$bad" 0 "40 resources asked twice: every answer from its own tags"

# the principal asked about, found again by its exact ARN (authz's memo)
# while nothing changed, follows every write to it at once
V=arn:aws:iam::$A:user/viewer
is "$(decision iam:GetUser arn:aws:iam::$A:user/m0)" allowed "viewer asked about again: allowed"
root iam tag-user --user-name viewer --tags Key=team,Value=red
is "$(decision iam:GetUser arn:aws:iam::$A:user/m0)" implicitDeny \
	"the principal's own tag changed: its aws:PrincipalTag at once"
is "$(decision iam:GetUser arn:aws:iam::$A:user/m1)" allowed "and the red resource is allowed"
root iam delete-user-policy --user-name viewer --policy-name tags
is "$(decision iam:GetUser arn:aws:iam::$A:user/m1)" implicitDeny \
	"its policy deleted: denied at once"
root iamd authorize --principal-arn arn:aws:iam::$A:user/VIEWER --action-name iam:GetUser
like "$ERR" "NoSuchEntity" "the ARN must be the principal's own, letter for letter"
root iam delete-user --user-name viewer
root iamd authorize --principal-arn $V --action-name iam:GetUser
like "$ERR" "NoSuchEntity" "the principal deleted: NoSuchEntity at once"
root iam create-user --user-name viewer
root iam put-user-policy --user-name viewer --policy-name all --policy-document \
	'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}'
is "$(decision iam:GetUser arn:aws:iam::$A:user/m1)" allowed "recreated: its new policy"
# more principals than are remembered, asked in turn
bad=0
for round in 1 2 3; do
	i=0
	while [ $i -lt 6 ]; do
		root iamd authorize --principal-arn arn:aws:iam::$A:user/m$i --action-name iam:GetUser
		printf '%s\n' "$OUT" | grep -q '"Decision": "implicitDeny"' || bad=$((bad + 1))
		root iamd authorize --principal-arn $V --action-name iam:GetUser
		printf '%s\n' "$OUT" | grep -q '"Decision": "allowed"' || bad=$((bad + 1))
		i=$((i + 1))
	done
done
is "$bad" 0 "7 principals asked about in turn: each answered from its own policies"

ok "iamd stops" iamd_stop
done_testing
