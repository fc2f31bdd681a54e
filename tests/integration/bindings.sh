#!/bin/sh
# bindings.sh: local identities. iamd:CreateLocalUserBinding,
# DeleteLocalUserBinding, ListLocalUserBindings with their errors; a uid
# bound to a user acts as that user (allowed what its policy allows, denied
# the rest), an unbound uid is anonymous, a deleted binding or user takes
# effect on the next call, bindings survive a restart; iamctl shows the
# service "iamd". The parts that act as another uid need root and setpriv.
. "$top_srcdir/tests/integration/lib.sh"

A=123456789012
iamd_start --account-id $A || bail_out "iamd did not start"
root() { run "$IAMCTL" "$@"; }
as() {
	_uid=$1
	shift
	if can_switch_uid; then
		run setpriv --reuid="$_uid" --regid="$_uid" --clear-groups -- "$@"
		ERR=$(printf '%s\n' "$ERR" | sed '/^$/d')
	else
		RC=77 OUT= ERR=
	fi
}
uidtest() {   # uidtest CHECK ARGS... NAME: a check that needs another uid
	if can_switch_uid; then
		"$@"
	else
		eval "_name=\${$#}"
		skip "$_name" "cannot switch uid"
	fi
}

run "$IAMCTL" help
like "$OUT" 'iamd +iamd.s own actions' "iamctl help lists the iamd service"
run "$IAMCTL" iamd help
like "$OUT" 'create-local-user-binding' "iamctl iamd help lists its commands"
like "$OUT" 'authorize' "Authorize among them"
run "$IAMCTL" iam help
unlike "$OUT" 'local-user-binding' "not under iam"

root iam create-user --user-name alice --path /eng/
root iam put-user-policy --user-name alice --policy-name read --policy-document \
	'{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["iam:GetUser","iam:ListUsers"],"Resource":"*"}}'

root iamd create-local-user-binding --uid 65534 --user-name alice
is "$RC" 0 "root binds uid 65534 to alice"
like "$OUT" '"Uid": 65534' "the binding names the uid"
like "$OUT" "\"UserArn\": \"arn:aws:iam::$A:user/eng/alice\"" "and the user's ARN"
like "$OUT" '"UserId": "AIDA' "and its id"
root iamd create-local-user-binding --uid 65534 --user-name alice
like "$ERR" 'EntityAlreadyExists' "a uid binds once"
root iamd create-local-user-binding --uid 0 --user-name alice
like "$ERR" 'InvalidInput.*uid 0 is the account root' "uid 0 is root and cannot be bound"
root iamd create-local-user-binding --uid 1234 --user-name nobody
like "$ERR" 'NoSuchEntity.*The user with name nobody cannot be found' "a missing user"
root iamd create-local-user-binding --user-name alice
like "$ERR" "ValidationError.*'uid'" "the uid is required"
root iamd create-local-user-binding --uid 1234 --user-name alice --account-id 12
like "$ERR" 'InvalidInput' "a bad account id"
root iamd list-local-user-bindings
is "$(echo "$OUT" | json_get '["LocalUserBindings"][0]["UserName"]')" "alice" "list shows the binding"
root iamd delete-local-user-binding --uid 4242
like "$ERR" 'NoSuchEntity' "deleting a missing binding"

as 65534 "$IAMCTL" sts get-caller-identity
uidtest like "$OUT" "\"Arn\": \"arn:aws:iam::$A:user/eng/alice\"" "uid 65534 acts as alice"
as 65534 "$IAMCTL" iam list-users
uidtest is "$RC" 0 "allowed what its policy allows"
as 65534 "$IAMCTL" iam create-user --user-name x
uidtest is "$ERR" "An error occurred (AccessDenied) when calling the CreateUser operation: User: arn:aws:iam::$A:user/eng/alice is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::$A:user/x because no identity-based policy allows the iam:CreateUser action" \
	"and denied the rest"
as 65534 "$IAMCTL" iamd list-local-user-bindings
uidtest like "$ERR" "not authorized to perform: iamd:ListLocalUserBindings on resource: \\*" \
	"bindings are iamd: actions, authorized like the others"
as 65533 "$IAMCTL" iam list-users
uidtest is "$ERR" "An error occurred (AccessDenied) when calling the ListUsers operation: User: anonymous is not authorized to perform: iam:ListUsers on resource: arn:aws:iam::$A:user/" \
	"an unbound uid is anonymous"
as 65533 "$IAMCTL" sts get-caller-identity
uidtest like "$ERR" "AccessDenied" "anonymous may not even ask who it is"

# Delegation: a user allowed iamd:CreateLocalUserBinding on /eng/ users.
root iam create-user --user-name binder
root iam create-user --user-name ops --path /ops/
root iam put-user-policy --user-name binder --policy-name bind --policy-document \
	'{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["iamd:CreateLocalUserBinding","iamd:DeleteLocalUserBinding"],"Resource":"arn:aws:iam::123456789012:user/eng/*"}}'
root iamd create-local-user-binding --uid 65532 --user-name binder
as 65532 "$IAMCTL" iamd create-local-user-binding --uid 65531 --user-name alice
uidtest is "$RC" 0 "a delegated binder binds a uid to an /eng/ user"
as 65532 "$IAMCTL" iamd create-local-user-binding --uid 65530 --user-name ops
uidtest like "$ERR" "not authorized to perform: iamd:CreateLocalUserBinding on resource: arn:aws:iam::$A:user/ops/ops" \
	"but not to another user"
as 65532 "$IAMCTL" iamd delete-local-user-binding --uid 65531
uidtest is "$RC" 0 "and deletes what it may"

# A deleted binding takes effect on the next call.
root iamd delete-local-user-binding --uid 65534
is "$RC" 0 "root deletes the binding"
as 65534 "$IAMCTL" iam list-users
uidtest like "$ERR" "User: anonymous is not authorized" "the uid is anonymous again"

# Bindings survive a restart; deleting the user deletes its bindings.
root iamd create-local-user-binding --uid 65534 --user-name alice
ok "iamd stops" iamd_stop
iamd_start || bail_out "iamd did not restart"
root iamd list-local-user-bindings
like "$OUT" '"UserName": "alice"' "the binding survived a restart"
as 65534 "$IAMCTL" iam list-users
uidtest is "$RC" 0 "and still applies"
root iam delete-user-policy --user-name alice --policy-name read
root iam delete-user --user-name alice
is "$RC" 0 "alice is deleted"
root iamd list-local-user-bindings
unlike "$OUT" '"UserName": "alice"' "its binding went with it"
root iam create-user --user-name alice --path /eng/
root iam put-user-policy --user-name alice --policy-name read --policy-document \
	'{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}}'
as 65534 "$IAMCTL" iam list-users
uidtest like "$ERR" "User: anonymous" "a new alice is not bound to the old alice's uid"

ok "iamd stops cleanly" iamd_stop
done_testing
