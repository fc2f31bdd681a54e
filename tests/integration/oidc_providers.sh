#!/bin/sh
# oidc_providers.sh: IAM OpenID Connect providers as AWS has them, with
# iamctl and Debian's AWS CLI through iam-gateway:
# CreateOpenIDConnectProvider (the URL's rules, client ids, thumbprints,
# tags, EntityAlreadyExists, the quota of 100), GetOpenIDConnectProvider
# (Url without https://), ListOpenIDConnectProviders,
# Add/RemoveClientID (idempotent, the limit of 100), UpdateThumbprint,
# Tag/Untag/ListOpenIDConnectProviderTags, DeleteOpenIDConnectProvider
# (then NoSuchEntity), authorization of a bound user and the audit trail.
. "$top_srcdir/tests/integration/lib.sh"

PY=/usr/bin/python3
[ -x "$PY" ] || skip_all "no /usr/bin/python3"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE
export HOME="$TMP/home"
mkdir -p "$HOME"
keyd_start || bail_out "iam-keyd did not start"
iamd_start || bail_out "iamd did not start"
ACCT=$("$IAMCTL" sts get-caller-identity | json_get '["Account"]')
TP1=0123456789abcdef0123456789abcdef01234567
TP2=89ABCDEF0123456789ABCDEF0123456789ABCDEF

run "$IAMCTL" iam create-open-id-connect-provider --url https://token.example.com \
	--client-id-list sts.amazonaws.com app-1 sts.amazonaws.com --thumbprint-list $TP1 \
	--tags Key=team,Value=build
is "$RC" 0 "CreateOpenIDConnectProvider"
ARN="arn:aws:iam::$ACCT:oidc-provider/token.example.com"
is "$(echo "$OUT" | json_get '["OpenIDConnectProviderArn"]')" "$ARN" "  its ARN: oidc-provider/HOST"
run "$IAMCTL" iam get-open-id-connect-provider --open-id-connect-provider-arn "$ARN"
is "$RC" 0 "GetOpenIDConnectProvider"
is "$(echo "$OUT" | json_get '["Url"]')" "token.example.com" "  Url without https://"
is "$(echo "$OUT" | json_get '["ClientIDList"]')" '["sts.amazonaws.com", "app-1"]' "  ClientIDList, duplicates dropped"
is "$(echo "$OUT" | json_get '["ThumbprintList"]')" "[\"$TP1\"]" "  ThumbprintList"
like "$(echo "$OUT" | json_get '["CreateDate"]')" '^20[0-9][0-9]-' "  CreateDate"
is "$(echo "$OUT" | json_get '["Tags"][0]["Key"]')" team "  Tags"

run "$IAMCTL" iam create-open-id-connect-provider --url https://token.example.com \
	--thumbprint-list $TP1
like "$ERR" "EntityAlreadyExists.*https://token.example.com already exists" "the same URL again: EntityAlreadyExists"
run "$IAMCTL" iam create-open-id-connect-provider --url https://TOKEN.example.com
like "$ERR" "EntityAlreadyExists" "  the host in another case too"
for bad in http://token.example.com token.example.com "https://" "https://a.example.com/x?y=1" \
	"https://a.example.com/#f"; do
	run "$IAMCTL" iam create-open-id-connect-provider --url "$bad"
	like "$ERR" "InvalidInput.*Invalid Open ID Connect Provider URL" "URL '$bad': InvalidInput"
done
run "$IAMCTL" iam create-open-id-connect-provider --url "https://$(printf 'a%.0s' $(seq 250)).com"
like "$ERR" "ValidationError.*'url'.*less than or equal to 255" "a URL of 258 characters: ValidationError"
run "$IAMCTL" iam create-open-id-connect-provider --url https://x.example.com --thumbprint-list abc
like "$ERR" "Invalid length for parameter ThumbprintList\\[0\\], value: 3, valid min length: 40" \
	"a short thumbprint: refused by iamctl as by the AWS CLI (botocore's min length)"
run "$IAMCTL" iam create-open-id-connect-provider --url https://x.example.com \
	--thumbprint-list zz23456789abcdef0123456789abcdef01234567
like "$ERR" "InvalidInput.*not a hex string" "a thumbprint that is not hex: InvalidInput"
run "$IAMCTL" iam create-open-id-connect-provider --url https://x.example.com \
	--thumbprint-list $TP1 $TP1 $TP1 $TP1 $TP1 $TP1
like "$ERR" "LimitExceeded" "six thumbprints: LimitExceeded"
run "$IAMCTL" iam create-open-id-connect-provider --url https://x.example.com \
	--client-id-list "$(printf 'c%.0s' $(seq 256))"
like "$ERR" "ValidationError.*clientIDList.1.member.*less than or equal to 255" "a client id of 256: ValidationError"
run "$IAMCTL" iam create-open-id-connect-provider --url https://x.example.com --client-id-list $(seq 101)
like "$ERR" "LimitExceeded.*ClientIdsPerOpenIdConnectProvider: 100" "101 client ids: LimitExceeded"

# a path, a port
run "$IAMCTL" iam create-open-id-connect-provider --url https://idp.example.com:8443/realms/main
ARN2="arn:aws:iam::$ACCT:oidc-provider/idp.example.com:8443/realms/main"
is "$(echo "$OUT" | json_get '["OpenIDConnectProviderArn"]')" "$ARN2" "a URL with a port and a path, no thumbprint"
run "$IAMCTL" iam list-open-id-connect-providers
is "$(echo "$OUT" | $PY -c 'import json,sys; print(sorted(x["Arn"] for x in json.load(sys.stdin)["OpenIDConnectProviderList"]))')" \
	"['$ARN2', '$ARN']" "ListOpenIDConnectProviders: both"

# client ids
run "$IAMCTL" iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn "$ARN" --client-id app-2
is "$RC" 0 "AddClientIDToOpenIDConnectProvider"
run "$IAMCTL" iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn "$ARN" --client-id app-2
is "$RC" 0 "  the same id again: no error"
run "$IAMCTL" iam remove-client-id-from-open-id-connect-provider --open-id-connect-provider-arn "$ARN" --client-id app-1
is "$RC" 0 "RemoveClientIDFromOpenIDConnectProvider"
run "$IAMCTL" iam remove-client-id-from-open-id-connect-provider --open-id-connect-provider-arn "$ARN" --client-id nope
is "$RC" 0 "  an id that is not there: no error"
run "$IAMCTL" iam get-open-id-connect-provider --open-id-connect-provider-arn "$ARN"
is "$(echo "$OUT" | json_get '["ClientIDList"]')" '["sts.amazonaws.com", "app-2"]' "  ClientIDList now"
for i in $(seq 98); do
	"$IAMCTL" iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn "$ARN2" --client-id "c$i" || break
done
run "$IAMCTL" iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn "$ARN2" --client-id c99
is "$RC" 0 "  the 99th... (98 added)"
run "$IAMCTL" iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn "$ARN2" --client-id c100
is "$RC" 0 "  the 100th client id"
run "$IAMCTL" iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn "$ARN2" --client-id c101
like "$ERR" "LimitExceeded" "  the 101st: LimitExceeded"

# thumbprints
run "$IAMCTL" iam update-open-id-connect-provider-thumbprint --open-id-connect-provider-arn "$ARN" \
	--thumbprint-list $TP2 $TP1
is "$RC" 0 "UpdateOpenIDConnectProviderThumbprint"
run "$IAMCTL" iam get-open-id-connect-provider --open-id-connect-provider-arn "$ARN"
is "$(echo "$OUT" | json_get '["ThumbprintList"]')" "[\"89abcdef0123456789abcdef0123456789abcdef\", \"$TP1\"]" "  kept in lower case"

# tags
run "$IAMCTL" iam tag-open-id-connect-provider --open-id-connect-provider-arn "$ARN" \
	--tags Key=env,Value=prod Key=TEAM,Value=infra
is "$RC" 0 "TagOpenIDConnectProvider"
run "$IAMCTL" iam list-open-id-connect-provider-tags --open-id-connect-provider-arn "$ARN"
is "$(echo "$OUT" | $PY -c 'import json,sys; print(" ".join("%s=%s" % (t["Key"], t["Value"]) for t in json.load(sys.stdin)["Tags"]))')" \
	"TEAM=infra env=prod" "  a key in another case replaces it"
run "$IAMCTL" iam untag-open-id-connect-provider --open-id-connect-provider-arn "$ARN" --tag-keys env
is "$RC" 0 "UntagOpenIDConnectProvider"
run "$IAMCTL" iam list-open-id-connect-provider-tags --open-id-connect-provider-arn "$ARN"
is "$(echo "$OUT" | $PY -c 'import json,sys; print(len(json.load(sys.stdin)["Tags"]))')" 1 "  one tag left"

# errors on ARNs
run "$IAMCTL" iam get-open-id-connect-provider --open-id-connect-provider-arn "arn:aws:iam::$ACCT:oidc-provider/nope.example.com"
like "$ERR" "NoSuchEntity.*OpenIDConnect Provider not found for arn" "an unknown provider: NoSuchEntity"
is "$RC" 254 "  exit status 254"
run "$IAMCTL" iam get-open-id-connect-provider --open-id-connect-provider-arn "arn:aws:iam::$ACCT:role/x-y-z-w"
like "$ERR" "InvalidInput.*is not valid" "a role's ARN: InvalidInput"
run "$IAMCTL" iam get-open-id-connect-provider --open-id-connect-provider-arn short
like "$ERR" "Invalid length for parameter OpenIDConnectProviderArn, value: 5, valid min length: 20" \
	"a short ARN: refused by iamctl as by the AWS CLI (botocore's min length)"

# a bound user needs iam:*OpenIDConnectProvider* on the provider's ARN
if can_switch_uid; then
	U=4322
	"$IAMCTL" iam create-user --user-name fed >/dev/null
	"$IAMCTL" iamd create-local-user-binding --uid $U --user-name fed >/dev/null
	run setpriv --reuid=$U --regid=$U --clear-groups -- "$IAMCTL" iam get-open-id-connect-provider --open-id-connect-provider-arn "$ARN"
	like "$ERR" "AccessDenied.*iam:GetOpenIDConnectProvider on resource: $ARN" "a bound user without the permission: AccessDenied on the provider's ARN"
	"$IAMCTL" iam put-user-policy --user-name fed --policy-name oidc --policy-document \
		"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iam:GetOpenIDConnectProvider\",\"Resource\":\"arn:aws:iam::*:oidc-provider/token.example.com\"}]}"
	run setpriv --reuid=$U --regid=$U --clear-groups -- "$IAMCTL" iam get-open-id-connect-provider --open-id-connect-provider-arn "$ARN"
	is "$RC" 0 "  allowed on its ARN"
else
	skip "a bound user" "needs root and setpriv"
	skip "a bound user" "needs root and setpriv"
fi

# the AWS CLI through the gateway
AWS_BIN=/usr/bin/aws
if [ -x "$AWS_BIN" ] && gateway_start --timeout 5; then
	export AWS_CONFIG_FILE="$TMP/no-config" AWS_SHARED_CREDENTIALS_FILE="$TMP/no-credentials"
	export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER="" AWS_EC2_METADATA_DISABLED=true
	"$IAMCTL" iam create-access-key > "$TMP/rootkey.json"
	AWS_ACCESS_KEY_ID=$(json_get '["AccessKey"]["AccessKeyId"]' <"$TMP/rootkey.json")
	AWS_SECRET_ACCESS_KEY=$(json_get '["AccessKey"]["SecretAccessKey"]' <"$TMP/rootkey.json")
	export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	aws() { run "$AWS_BIN" --endpoint-url "$IAMD_GATEWAY_URL" "$@"; }
	aws iam create-open-id-connect-provider --url https://cli.example.com/path \
		--client-id-list sts.amazonaws.com --thumbprint-list $TP1
	is "$(echo "$OUT" | json_get '["OpenIDConnectProviderArn"]')" \
		"arn:aws:iam::$ACCT:oidc-provider/cli.example.com/path" "aws iam create-open-id-connect-provider"
	aws iam get-open-id-connect-provider --open-id-connect-provider-arn "arn:aws:iam::$ACCT:oidc-provider/cli.example.com/path"
	GOT=$OUT
	run "$IAMCTL" iam get-open-id-connect-provider --open-id-connect-provider-arn "arn:aws:iam::$ACCT:oidc-provider/cli.example.com/path"
	is "$GOT" "$OUT" "aws iam get-open-id-connect-provider prints what iamctl prints"
	aws iam list-open-id-connect-providers
	like "$OUT" "oidc-provider/cli.example.com/path" "aws iam list-open-id-connect-providers"
	aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn "arn:aws:iam::$ACCT:oidc-provider/cli.example.com/path" --client-id more
	is "$RC" 0 "aws iam add-client-id-to-open-id-connect-provider"
	aws iam tag-open-id-connect-provider --open-id-connect-provider-arn "arn:aws:iam::$ACCT:oidc-provider/cli.example.com/path" --tags Key=a,Value=b
	aws iam list-open-id-connect-provider-tags --open-id-connect-provider-arn "arn:aws:iam::$ACCT:oidc-provider/cli.example.com/path"
	like "$OUT" '"Key": "a"' "aws iam tag/list-open-id-connect-provider-tags"
	aws iam delete-open-id-connect-provider --open-id-connect-provider-arn "arn:aws:iam::$ACCT:oidc-provider/cli.example.com/path"
	is "$RC" 0 "aws iam delete-open-id-connect-provider"
	aws iam delete-open-id-connect-provider --open-id-connect-provider-arn "arn:aws:iam::$ACCT:oidc-provider/cli.example.com/path"
	like "$ERR" "NoSuchEntity.*OpenIDConnect Provider not found" "  again: NoSuchEntity through the CLI"
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
else
	for _ in 1 2 3 4 5 6 7; do skip "the AWS CLI" "no /usr/bin/aws or gateway"; done
fi

# delete; quota
run "$IAMCTL" iam delete-open-id-connect-provider --open-id-connect-provider-arn "$ARN"
is "$RC" 0 "DeleteOpenIDConnectProvider"
run "$IAMCTL" iam get-open-id-connect-provider --open-id-connect-provider-arn "$ARN"
like "$ERR" "NoSuchEntity" "  then NoSuchEntity"
n=1
while [ $n -le 99 ]; do
	"$IAMCTL" iam create-open-id-connect-provider --url "https://p$n.example.com" >/dev/null || break
	n=$((n + 1))
done
is "$n" 100 "99 more providers (100 in all)"
run "$IAMCTL" iam create-open-id-connect-provider --url https://p100.example.com
like "$ERR" "LimitExceeded.*OpenIdConnectProvidersPerAccount: 100" "the 101st: LimitExceeded"

# an account holding a provider cannot be deleted
"$IAMCTL" iamd create-account --account-id 555566667777 >/dev/null
"$IAMCTL" --as-account 555566667777 iam create-open-id-connect-provider --url https://acct.example.com >/dev/null
run "$IAMCTL" iamd delete-account --account-id 555566667777
like "$ERR" "DeleteConflict.*identity providers" "DeleteAccount of an account with a provider: DeleteConflict"
"$IAMCTL" --as-account 555566667777 iam delete-open-id-connect-provider \
	--open-id-connect-provider-arn arn:aws:iam::555566667777:oidc-provider/acct.example.com
run "$IAMCTL" iamd delete-account --account-id 555566667777
is "$RC" 0 "  without it: deleted"

run "$IAMCTL" audit lookup --event-name CreateOpenIDConnectProvider
like "$OUT" '"url":"https://token.example.com"' "CreateOpenIDConnectProvider is in the audit trail"
done_testing
