#!/bin/sh
# gateway_awscli.sh: the AWS CLI v2 from Debian (/usr/bin/aws, not whatever
# `aws` comes first on PATH) against iam-gateway with --endpoint-url and
# SigV4 credentials made through iamctl: users, groups, roles, managed and
# inline policies, versions, attachments, tags, pagination with small
# pages, access keys (a user's own keys allowed and denied), AssumeRole with
# ExternalId and a session policy, simulation with context entries, the
# error paths (values, not only exit codes), unsigned and hostile HTTP.
. "$top_srcdir/tests/integration/lib.sh"

AWS_BIN=/usr/bin/aws
[ -x "$AWS_BIN" ] || skip_all "no $AWS_BIN (apt-get install awscli)"
command -v python3 >/dev/null || skip_all "no python3"

keyd_start || bail_out "iam-keyd did not start"
iamd_start || bail_out "iamd did not start"
gateway_start --timeout 3 || bail_out "iam-gateway did not start"

export AWS_CONFIG_FILE="$TMP/no-config" AWS_SHARED_CREDENTIALS_FILE="$TMP/no-credentials"
export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER="" AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL 2>/dev/null

aws() { "$AWS_BIN" --endpoint-url "$IAMD_GATEWAY_URL" --output json "$@"; }
# q QUERY AWS-ARGS...: runs aws with --query QUERY --output text
q() { _q=$1; shift; run "$AWS_BIN" --endpoint-url "$IAMD_GATEWAY_URL" --output text --query "$_q" "$@"; }
use_keys() {   # use_keys JSON-FILE: the access key in a CreateAccessKey answer
	AWS_ACCESS_KEY_ID=$(json_get '["AccessKey"]["AccessKeyId"]' <"$1")
	AWS_SECRET_ACCESS_KEY=$(json_get '["AccessKey"]["SecretAccessKey"]' <"$1")
	export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	unset AWS_SESSION_TOKEN
}

run "$IAMCTL" iam create-access-key
is "$RC" 0 "a root access key through iamctl"
echo "$OUT" >"$TMP/root.json"
use_keys "$TMP/root.json"
ACCT=$("$IAMCTL" sts get-caller-identity | json_get '["Account"]')

q Arn sts get-caller-identity
is "$OUT" "arn:aws:iam::$ACCT:root" "GetCallerIdentity through the gateway: the key's root, not the gateway's uid"

# --- users, tags, pagination -------------------------------------------------
q 'User.[UserName,Path,Arn]' iam create-user --user-name alice --path /eng/ --tags Key=team,Value=blue Key=cost,Value=42
is "$OUT" "alice	/eng/	arn:aws:iam::$ACCT:user/eng/alice" "CreateUser with a path and tags"
q 'User.Tags[?Key==`team`].Value' iam get-user --user-name alice
is "$OUT" "blue" "GetUser returns the tags"
for u in bob carol dave erin; do aws iam create-user --user-name $u >/dev/null; done
q 'Users[].UserName' iam list-users --page-size 2
is "$(echo $OUT)" "alice bob carol dave erin" "ListUsers with --page-size 2 follows the markers to every user"
run aws iam list-users --max-items 2
like "$OUT" '"NextToken"' "ListUsers --max-items 2 gives a NextToken"
is "$(echo "$OUT" | json_get '["Users"][1]["UserName"]')" "bob" "the second page's last user"
q 'Users[].UserName' iam list-users --path-prefix /eng/
is "$OUT" "alice" "ListUsers --path-prefix"
aws iam tag-user --user-name bob --tags Key=a,Value=1 Key=b,Value=2 >/dev/null
aws iam untag-user --user-name bob --tag-keys a >/dev/null
q 'Tags[].[Key,Value]' iam list-user-tags --user-name bob
is "$OUT" "b	2" "TagUser then UntagUser"
# iamctl prints what the AWS CLI prints: a paginated list merged, its
# NextToken the AWS CLI's own (and each takes the other's); an action the
# AWS CLI does not paginate (ListRoleTags) is one call with IsTruncated
aws iam create-role --role-name tagged --assume-role-policy-document \
	'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}' >/dev/null
aws iam tag-role --role-name tagged --tags Key=a,Value=1 Key=b,Value=2 Key=c,Value=3 >/dev/null
same() {   # same NAME ARGS...: aws and iamctl print the same
	_n=$1
	shift
	aws "$@" >"$TMP/same.aws" 2>&1
	"$IAMCTL" "$@" >"$TMP/same.iamctl" 2>&1
	ok "$_n: iamctl prints what the AWS CLI prints" cmp "$TMP/same.aws" "$TMP/same.iamctl"
}
same "list-users --max-items 2" iam list-users --max-items 2
T=$(aws iam list-users --max-items 2 | json_get '["NextToken"]')
same "list-users --starting-token (the AWS CLI's token)" iam list-users --max-items 2 --starting-token "$T"
same "list-users --page-size 1 --max-items 3" iam list-users --page-size 1 --max-items 3
same "list-role-tags (not paginated: IsTruncated printed)" iam list-role-tags --role-name tagged
same "list-role-tags --max-items 2 (the MaxItems member)" iam list-role-tags --role-name tagged --max-items 2
M=$(aws iam list-role-tags --role-name tagged --max-items 2 | json_get '["Marker"]')
same "list-role-tags --marker" iam list-role-tags --role-name tagged --marker "$M"
q 'User.UserName' iam update-user --user-name erin --new-user-name erin2
run aws iam get-user --user-name erin2
is "$RC" 0 "UpdateUser renames"

# --- groups -------------------------------------------------------------------
q 'Group.GroupName' iam create-group --group-name devs
is "$OUT" "devs" "CreateGroup"
aws iam add-user-to-group --group-name devs --user-name alice >/dev/null
aws iam add-user-to-group --group-name devs --user-name bob >/dev/null
q 'Users[].UserName' iam get-group --group-name devs
is "$OUT" "alice	bob" "GetGroup lists the members"
q 'Groups[].GroupName' iam list-groups-for-user --user-name alice
is "$OUT" "devs" "ListGroupsForUser"

# --- managed policies, versions, attachments -----------------------------------
DOC1='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetUser","iam:ListUserTags"],"Resource":"*"}]}'
DOC2='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:GetUser","iam:ListUserTags","iam:GetRole"],"Resource":"*"}]}'
q 'Policy.Arn' iam create-policy --policy-name readers --policy-document "$DOC1" --description "read users"
is "$OUT" "arn:aws:iam::$ACCT:policy/readers" "CreatePolicy"
PARN=$OUT
q 'PolicyVersion.[VersionId,IsDefaultVersion]' iam create-policy-version --policy-arn "$PARN" --policy-document "$DOC2" --set-as-default
is "$OUT" "v2	True" "CreatePolicyVersion --set-as-default"
q 'Versions[].VersionId' iam list-policy-versions --policy-arn "$PARN"
is "$OUT" "v2	v1" "ListPolicyVersions"
q 'PolicyVersion.Document.Statement[0].Action[2]' iam get-policy-version --policy-arn "$PARN" --version-id v2
is "$OUT" "iam:GetRole" "GetPolicyVersion: the document comes back URL-encoded and the CLI decodes it"
aws iam attach-user-policy --user-name alice --policy-arn "$PARN" >/dev/null
q 'AttachedPolicies[].PolicyName' iam list-attached-user-policies --user-name alice
is "$OUT" "readers" "AttachUserPolicy"
q 'Policy.AttachmentCount' iam get-policy --policy-arn "$PARN"
is "$OUT" "1" "the attachment is counted"
aws iam attach-group-policy --group-name devs --policy-arn "$PARN" >/dev/null
q 'PolicyGroups[].GroupName' iam list-entities-for-policy --policy-arn "$PARN"
is "$OUT" "devs" "ListEntitiesForPolicy"

# --- inline policies ------------------------------------------------------------
INL='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}'
run aws iam put-user-policy --user-name alice --policy-name assume --policy-document "$INL"
is "$RC" 0 "PutUserPolicy"
q 'PolicyDocument.Statement[0].Action' iam get-user-policy --user-name alice --policy-name assume
is "$OUT" "sts:AssumeRole" "GetUserPolicy returns the document"
q 'PolicyNames' iam list-user-policies --user-name alice
is "$OUT" "assume" "ListUserPolicies"

# --- roles ----------------------------------------------------------------------
TRUST='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::'$ACCT':root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"ext-123"}}}]}'
q 'Role.Arn' iam create-role --role-name reader --assume-role-policy-document "$TRUST" --tags Key=env,Value=dev
is "$OUT" "arn:aws:iam::$ACCT:role/reader" "CreateRole"
RARN=$OUT
q 'Role.AssumeRolePolicyDocument.Statement[0].Condition.StringEquals."sts:ExternalId"' iam get-role --role-name reader
is "$OUT" "ext-123" "GetRole: the trust policy decoded"
q 'Tags[].Value' iam list-role-tags --role-name reader
is "$OUT" "dev" "ListRoleTags"
run aws iam update-role --role-name reader --max-session-duration 7200 --description "reads"
is "$RC" 0 "UpdateRole (an empty result structure for botocore)"
q 'Role.[MaxSessionDuration,Description]' iam get-role --role-name reader
is "$OUT" "7200	reads" "UpdateRole changed the role"
aws iam attach-role-policy --role-name reader --policy-arn "$PARN" >/dev/null
q 'AttachedPolicies[].PolicyArn' iam list-attached-role-policies --role-name reader
is "$OUT" "$PARN" "AttachRolePolicy"

# --- errors -----------------------------------------------------------------------
run aws iam get-user --user-name nobody
is "$RC" 254 "GetUser of a missing user fails as on AWS"
like "$ERR" 'NoSuchEntity.*The user with name nobody cannot be found' "NoSuchEntity with AWS's message"
run aws iam delete-user --user-name alice
like "$ERR" '\(DeleteConflict\)' "DeleteUser with policies: DeleteConflict"
run aws iam create-policy --policy-name bad --policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Maybe"}]}'
like "$ERR" '\(MalformedPolicyDocument\)' "a malformed document: MalformedPolicyDocument"
run aws iam create-user --user-name alice
like "$ERR" '\(EntityAlreadyExists\)' "a second alice: EntityAlreadyExists"

# --- simulation with context entries -------------------------------------------------
SIM='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}'
q 'EvaluationResults[0].EvalDecision' iam simulate-custom-policy --policy-input-list "$SIM" --action-names s3:GetObject --context-entries ContextKeyName=aws:SourceIp,ContextKeyValues=10.1.2.3,ContextKeyType=ip
is "$OUT" "allowed" "SimulateCustomPolicy with a context entry inside the range"
q 'EvaluationResults[0].EvalDecision' iam simulate-custom-policy --policy-input-list "$SIM" --action-names s3:GetObject --context-entries ContextKeyName=aws:SourceIp,ContextKeyValues=192.168.1.1,ContextKeyType=ip
is "$OUT" "implicitDeny" "... and outside it"
q 'EvaluationResults[].EvalDecision' iam simulate-principal-policy --policy-source-arn "arn:aws:iam::$ACCT:user/eng/alice" --action-names iam:GetUser iam:DeleteUser
is "$OUT" "allowed	implicitDeny" "SimulatePrincipalPolicy for alice"

# --- a user's own keys ------------------------------------------------------------------
aws iam create-access-key --user-name alice >"$TMP/alice.json"
is "$(json_get '["AccessKey"]["UserName"]' <"$TMP/alice.json")" "alice" "CreateAccessKey for alice"
AKID=$(json_get '["AccessKey"]["AccessKeyId"]' <"$TMP/alice.json")
q 'AccessKeyMetadata[].[AccessKeyId,Status]' iam list-access-keys --user-name alice
is "$OUT" "$AKID	Active" "ListAccessKeys"
use_keys "$TMP/alice.json"
q Arn sts get-caller-identity
is "$OUT" "arn:aws:iam::$ACCT:user/eng/alice" "alice's key: GetCallerIdentity is alice"
q 'User.UserName' iam get-user --user-name bob
is "$OUT" "bob" "alice may GetUser (her managed policy)"
run aws iam list-users
is "$RC" 254 "alice may not ListUsers"
like "$ERR" '\(AccessDenied\).*User: arn:aws:iam::[0-9]+:user/eng/alice is not authorized to perform: iam:ListUsers' "AccessDenied names alice and the action"
run aws iam delete-user --user-name bob
like "$ERR" '\(AccessDenied\)' "alice may not DeleteUser"

# AssumeRole with an ExternalId and a session policy, then the session's keys
if git -C "$top_srcdir" log --oneline 2>/dev/null | grep -q 'STS: AssumeRole' ||
   grep -q 'AssumeRoleRequest assume_role' "$top_srcdir/proto/api.proto"; then
	run aws sts assume-role --role-arn "$RARN" --role-session-name s1
	like "$ERR" '\(AccessDenied\)' "AssumeRole without the ExternalId: AccessDenied"
	SP='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetRole","Resource":"*"}]}'
	run aws sts assume-role --role-arn "$RARN" --role-session-name s1 --external-id ext-123 --policy "$SP"
	is "$RC" 0 "AssumeRole with the ExternalId and a session policy"
	echo "$OUT" >"$TMP/session.json"
	is "$(json_get '["AssumedRoleUser"]["Arn"]' <"$TMP/session.json")" "arn:aws:sts::$ACCT:assumed-role/reader/s1" "AssumedRoleUser.Arn"
	AWS_ACCESS_KEY_ID=$(json_get '["Credentials"]["AccessKeyId"]' <"$TMP/session.json")
	AWS_SECRET_ACCESS_KEY=$(json_get '["Credentials"]["SecretAccessKey"]' <"$TMP/session.json")
	AWS_SESSION_TOKEN=$(json_get '["Credentials"]["SessionToken"]' <"$TMP/session.json")
	export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
	like "$AWS_ACCESS_KEY_ID" '^ASIA' "temporary credentials (ASIA...)"
	q Arn sts get-caller-identity
	is "$OUT" "arn:aws:sts::$ACCT:assumed-role/reader/s1" "the session's GetCallerIdentity"
	q 'Role.RoleName' iam get-role --role-name reader
	is "$OUT" "reader" "the session may GetRole (role policy and session policy)"
	run aws iam get-user --user-name bob
	like "$ERR" '\(AccessDenied\)' "the session policy leaves out GetUser"
	AWS_SESSION_TOKEN="${AWS_SESSION_TOKEN%????????????}garbledgarbl"
	run aws sts get-caller-identity
	like "$ERR" '\(InvalidClientTokenId\)' "a garbled session token: InvalidClientTokenId"
	unset AWS_SESSION_TOKEN
else
	skip "AssumeRole through the gateway" "STS AssumeRole not in this tree"
fi

# a wrong secret, an inactive key
use_keys "$TMP/alice.json"
case "$AWS_SECRET_ACCESS_KEY" in *X) _last=Y ;; *) _last=X ;; esac
AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY%?}$_last" run aws sts get-caller-identity
like "$ERR" '\(SignatureDoesNotMatch\).*The request signature we calculated does not match' "a wrong secret: SignatureDoesNotMatch"
use_keys "$TMP/root.json"
aws iam update-access-key --user-name alice --access-key-id "$AKID" --status Inactive >/dev/null
use_keys "$TMP/alice.json"
run aws sts get-caller-identity
like "$ERR" '\(InvalidClientTokenId\).*The security token included in the request is invalid' "an inactive key: InvalidClientTokenId"
use_keys "$TMP/root.json"

# --- raw HTTP: unsigned, unknown actions, hostile clients ----------------------------
run curl -s -o "$TMP/body" -w '%{http_code}' -d 'Action=ListUsers&Version=2010-05-08' "$IAMD_GATEWAY_URL/"
is "$OUT" "403" "an unsigned request: 403"
like "$(cat "$TMP/body")" '<Code>MissingAuthenticationToken</Code>' "MissingAuthenticationToken, never the gateway's uid"
like "$(cat "$TMP/body")" '<Type>Sender</Type>' "an ErrorResponse of type Sender"
run curl -s -o "$TMP/body" -w '%{http_code}' -d 'Action=NoSuchThing&Version=2010-05-08' "$IAMD_GATEWAY_URL/"
is "$OUT" "400" "an unknown action: 400"
like "$(cat "$TMP/body")" '<Code>InvalidAction</Code>' "InvalidAction"
run curl -s -o "$TMP/body" -w '%{http_code}' -d 'Action=ListUsers&Version=2011-06-15' "$IAMD_GATEWAY_URL/"
like "$(cat "$TMP/body")" '<Code>InvalidAction</Code>' "an IAM action with STS's version: InvalidAction"
run curl -s -o "$TMP/body" -w '%{http_code}' -d 'Version=2010-05-08' "$IAMD_GATEWAY_URL/"
like "$(cat "$TMP/body")" '<Code>MissingAction</Code>' "no Action: MissingAction"

run curl -s -o "$TMP/body" -w '%{http_code}' -d 'Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=x&RoleSessionName=s&WebIdentityToken=t' "$IAMD_GATEWAY_URL/"
like "$(cat "$TMP/body")" '<Code>ValidationError</Code>' "AssumeRoleWithWebIdentity is taken unsigned (as on AWS): its inputs checked (oidc_federation.sh)"
run "$IAMD_GATEWAY" --listen 0.0.0.0:0 --socket "$IAMD_SOCKET"
is "$RC" 2 "a non-loopback --listen is refused"
like "$ERR" 'not a loopback address' "... saying why"

cat >"$TMP/hostile.py" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
def conn():
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    return s
def status(s):
    data = b""
    try:
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    except (ConnectionResetError, socket.timeout):
        pass
    return data.split(b"\r\n")[0].decode(errors="replace")
what = sys.argv[2]
if what == "header":
    s = conn()
    s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40000 + b"\r\n\r\n")
    print(status(s) or "closed")
elif what == "body":
    s = conn()
    s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 2000000\r\n\r\n")
    try:
        s.sendall(b"a" * 65536)
    except OSError:
        pass
    print(status(s) or "closed")
elif what == "slow":
    s = conn()
    s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n")
    t = time.time()
    try:
        d = s.recv(4096)
    except (ConnectionResetError, socket.timeout):
        d = b""
    print("closed after %.0f s" % (time.time() - t) if not d else "answered")
PY
run python3 "$TMP/hostile.py" "$IAMD_GATEWAY_PORT" header
like "$OUT" '^(HTTP/1.1 4[0-9][0-9]|closed)' "an oversize header: refused ($OUT)"
run python3 "$TMP/hostile.py" "$IAMD_GATEWAY_PORT" body
like "$OUT" '^(HTTP/1.1 413|HTTP/1.1 4[0-9][0-9]|closed)' "an oversize body: refused ($OUT)"
python3 "$TMP/hostile.py" "$IAMD_GATEWAY_PORT" slow >"$TMP/slow.out" 2>&1 &
SLOW=$!
sleep 0.5
q Arn sts get-caller-identity
is "$OUT" "arn:aws:iam::$ACCT:root" "served while a slow client holds a connection"
wait "$SLOW"
like "$(cat "$TMP/slow.out")" '^closed after [0-9]' "the slow client is dropped after the timeout"
ok "the gateway is still running" kill -0 "$IAMD_GATEWAY_PID"

ok "iam-gateway stops on SIGTERM" gateway_stop
ok "iamd stops" iamd_stop
done_testing
