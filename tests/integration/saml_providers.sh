#!/bin/sh
# saml_providers.sh: IAM's SAML providers as AWS has them (docs/federation.md):
# CreateSAMLProvider (its metadata parsed: EntityDescriptor, entityID,
# validUntil, the IDPSSODescriptor's signing certificates; InvalidInput
# naming what is wrong), GetSAMLProvider, ListSAMLProviders,
# UpdateSAMLProvider, DeleteSAMLProvider, Tag/Untag/ListSAMLProviderTags,
# their ValidationErrors, NoSuchEntity and EntityAlreadyExists, the quota
# of 100 per account; authorization of a user with an access key (denied,
# then allowed by a policy on the provider's ARN); Debian's AWS CLI
# through iam-gateway printing what iamctl prints.
. "$top_srcdir/tests/integration/lib.sh"
# this file checks iamd's own validation: iamctl sends the parameters as
# given, without the AWS CLI's client-side checks (iamctl_validate.sh)
IAMCTL_SKIP_CLIENT_VALIDATION=1
export IAMCTL_SKIP_CLIENT_VALIDATION

AWS_BIN=/usr/bin/aws
PY=/usr/bin/python3
IDP="$top_srcdir/tests/saml_idp.py"
[ -x "$AWS_BIN" ] || skip_all "no $AWS_BIN (apt-get install awscli)"
$PY -c 'import xmlsec, lxml' 2>/dev/null || skip_all "no python3-xmlsec (apt-get install python3-xmlsec)"
command -v openssl >/dev/null || skip_all "no openssl"

keyd_start || bail_out "iam-keyd did not start"
iamd_start || bail_out "iamd did not start"
gateway_start --timeout 3 || bail_out "iam-gateway did not start"

export AWS_CONFIG_FILE="$TMP/no-config" AWS_SHARED_CREDENTIALS_FILE="$TMP/no-credentials"
export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER="" AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY 2>/dev/null

$PY "$IDP" keygen "$TMP/a" && $PY "$IDP" keygen "$TMP/b" || bail_out "openssl could not make keys"
$PY "$IDP" metadata "$TMP/a/cert.pem" https://idp.example.com/saml >"$TMP/md-a.xml"
$PY "$IDP" metadata "$TMP/b/cert.pem" https://idp.example.com/saml >"$TMP/md-b.xml"
ACCT=$("$IAMCTL" sts get-caller-identity | json_get '["Account"]')
# py EXPR: EXPR of the JSON on stdin (as v), printed as JSON
py() { python3 -c 'import json,sys; v=json.load(sys.stdin); print(json.dumps('"$1"'))'; }
ARN="arn:aws:iam::$ACCT:saml-provider/corp"

run "$IAMCTL" iam create-saml-provider --name corp --saml-metadata-document "file://$TMP/md-a.xml" \
	--tags Key=team,Value=sec
is "$RC" 0 "CreateSAMLProvider"
is "$(printf '%s' "$OUT" | json_get '["SAMLProviderArn"]')" "$ARN" "  SAMLProviderArn"
is "$(printf '%s' "$OUT" | json_get '["Tags"][0]["Key"]')" team "  Tags echoed"
run "$IAMCTL" iam create-saml-provider --name corp --saml-metadata-document "file://$TMP/md-a.xml"
like "$ERR" "EntityAlreadyExists" "the same name again: EntityAlreadyExists"
run "$IAMCTL" iam create-saml-provider --name 'bad name' --saml-metadata-document "file://$TMP/md-a.xml"
like "$ERR" "ValidationError.*at 'name'.*\\[\\\\w\\._-\\]\\+" "a name outside [\\w._-]+: ValidationError"
run "$IAMCTL" iam create-saml-provider --name short --saml-metadata-document '<x/>'
like "$ERR" "ValidationError.*sAMLMetadataDocument.*greater than or equal to 1000" \
	"a document under 1000 characters: ValidationError"
sed 's/IDPSSODescriptor/SPSSODescriptor/g' "$TMP/md-a.xml" >"$TMP/md-sp.xml"
run "$IAMCTL" iam create-saml-provider --name sp --saml-metadata-document "file://$TMP/md-sp.xml"
like "$ERR" "InvalidInput.*Could not parse metadata: .*IDPSSODescriptor" \
	"metadata without an IDPSSODescriptor: InvalidInput naming it"
sed 's/use="signing"/use="encryption"/' "$TMP/md-a.xml" >"$TMP/md-nokey.xml"
run "$IAMCTL" iam create-saml-provider --name nokey --saml-metadata-document "file://$TMP/md-nokey.xml"
like "$ERR" "InvalidInput.*Could not parse metadata: .*signing certificate" \
	"metadata without a signing certificate: InvalidInput"
sed 's/entityID="[^"]*"//' "$TMP/md-a.xml" >"$TMP/md-noid.xml"
run "$IAMCTL" iam create-saml-provider --name noid --saml-metadata-document "file://$TMP/md-noid.xml"
like "$ERR" "InvalidInput.*entityID" "metadata without an entityID: InvalidInput"
sed 's/<md:EntityDescriptor /<md:EntityDescriptor validUntil="2001-01-01T00:00:00Z" /' "$TMP/md-a.xml" >"$TMP/md-old.xml"
run "$IAMCTL" iam create-saml-provider --name old --saml-metadata-document "file://$TMP/md-old.xml"
like "$ERR" "InvalidInput.*validUntil has passed" "metadata past its validUntil: InvalidInput"
{ echo '<!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]>'; cat "$TMP/md-a.xml"; } >"$TMP/md-xxe.xml"
run "$IAMCTL" iam create-saml-provider --name xxe --saml-metadata-document "file://$TMP/md-xxe.xml"
like "$ERR" "InvalidInput.*DTD" "metadata with a DTD (an external entity): InvalidInput"

run "$IAMCTL" iam get-saml-provider --saml-provider-arn "$ARN"
is "$RC" 0 "GetSAMLProvider"
is "$(printf '%s' "$OUT" | json_get '["SAMLMetadataDocument"]')" "$(cat "$TMP/md-a.xml")" "  the document as given"
like "$OUT" '"CreateDate": "[0-9]{4}-' "  CreateDate"
is "$(printf '%s' "$OUT" | json_get '["Tags"][0]["Value"]')" sec "  Tags"
run "$IAMCTL" iam get-saml-provider --saml-provider-arn "arn:aws:iam::$ACCT:saml-provider/none"
like "$ERR" "NoSuchEntity" "GetSAMLProvider of no provider: NoSuchEntity"
run "$IAMCTL" iam get-saml-provider --saml-provider-arn "arn:aws:iam::$ACCT:role/not-a-provider"
like "$ERR" "InvalidInput.*is not valid" "GetSAMLProvider of a role ARN: InvalidInput"
run "$IAMCTL" iam get-saml-provider --saml-provider-arn short
like "$ERR" "ValidationError.*sAMLProviderArn" "an ARN under 20 characters: ValidationError"

run "$IAMCTL" iam create-saml-provider --name other.idp_2 --saml-metadata-document "file://$TMP/md-b.xml"
is "$RC" 0 "a second provider ([\\w._-] in its name)"
run "$IAMCTL" iam list-saml-providers
is "$(printf '%s' "$OUT" | py 'len(v["SAMLProviderList"])')" 2 "ListSAMLProviders: both"
like "$OUT" "\"Arn\": \"$ARN\"" "  with their ARNs"

run "$IAMCTL" iam update-saml-provider --saml-provider-arn "$ARN" --saml-metadata-document "file://$TMP/md-b.xml"
is "$RC" 0 "UpdateSAMLProvider with new metadata"
is "$(printf '%s' "$OUT" | json_get '["SAMLProviderArn"]')" "$ARN" "  answers the ARN"
run "$IAMCTL" iam get-saml-provider --saml-provider-arn "$ARN"
is "$(printf '%s' "$OUT" | json_get '["SAMLMetadataDocument"]')" "$(cat "$TMP/md-b.xml")" "  the new document is kept"
run "$IAMCTL" iam update-saml-provider --saml-provider-arn "$ARN" --saml-metadata-document "file://$TMP/md-sp.xml"
like "$ERR" "InvalidInput.*Could not parse metadata" "UpdateSAMLProvider with bad metadata: InvalidInput"

run "$IAMCTL" iam tag-saml-provider --saml-provider-arn "$ARN" --tags Key=env,Value=prod Key=Team,Value=ops
is "$RC" 0 "TagSAMLProvider"
run "$IAMCTL" iam list-saml-provider-tags --saml-provider-arn "$ARN"
is "$(printf '%s' "$OUT" | py 'sorted(t["Key"]+"="+t["Value"] for t in v["Tags"])')" \
	'["Team=ops", "env=prod"]' "  a tag of the same key ignoring case replaced, another added"
run "$IAMCTL" iam untag-saml-provider --saml-provider-arn "$ARN" --tag-keys env
run "$IAMCTL" iam list-saml-provider-tags --saml-provider-arn "$ARN"
is "$(printf '%s' "$OUT" | py '[t["Key"] for t in v["Tags"]]')" '["Team"]' "UntagSAMLProvider"

# the AWS CLI through the gateway prints what iamctl prints
ROOT_KEY=$("$IAMCTL" iam create-access-key)
export AWS_ACCESS_KEY_ID=$(printf '%s' "$ROOT_KEY" | json_get '["AccessKey"]["AccessKeyId"]')
export AWS_SECRET_ACCESS_KEY=$(printf '%s' "$ROOT_KEY" | json_get '["AccessKey"]["SecretAccessKey"]')
for cmd in "list-saml-providers" "get-saml-provider --saml-provider-arn $ARN" \
	"list-saml-provider-tags --saml-provider-arn $ARN"; do
	# shellcheck disable=SC2086
	A=$("$AWS_BIN" --endpoint-url "$IAMD_GATEWAY_URL" iam $cmd 2>&1)
	# shellcheck disable=SC2086
	I=$("$IAMCTL" iam $cmd 2>&1)
	is "$A" "$I" "aws iam ${cmd%% *} prints what iamctl prints"
done
run "$AWS_BIN" --endpoint-url "$IAMD_GATEWAY_URL" iam create-saml-provider --name viacli \
	--saml-metadata-document "file://$TMP/md-a.xml"
is "$RC" 0 "aws iam create-saml-provider"
run "$AWS_BIN" --endpoint-url "$IAMD_GATEWAY_URL" iam delete-saml-provider \
	--saml-provider-arn "arn:aws:iam::$ACCT:saml-provider/viacli"
is "$RC" 0 "aws iam delete-saml-provider"
run "$AWS_BIN" --endpoint-url "$IAMD_GATEWAY_URL" iam delete-saml-provider \
	--saml-provider-arn "arn:aws:iam::$ACCT:saml-provider/viacli"
like "$ERR" "NoSuchEntity" "  again: NoSuchEntity"
run "$AWS_BIN" --endpoint-url "$IAMD_GATEWAY_URL" iam create-saml-provider --name short \
	--saml-metadata-document '<x/>'
like "$ERR" "ValidationError|Invalid length for parameter SAMLMetadataDocument" \
	"aws: a short document is refused (by the CLI's own validation, or iamd's ValidationError)"

# authorization: a user with an access key
"$IAMCTL" iam create-user --user-name fedadmin >/dev/null
user_key fedadmin
export AWS_ACCESS_KEY_ID="$fedadmin_AK" AWS_SECRET_ACCESS_KEY="$fedadmin_SK"
run "$AWS_BIN" --endpoint-url "$IAMD_GATEWAY_URL" iam get-saml-provider --saml-provider-arn "$ARN"
like "$ERR" "AccessDenied.*iam:GetSAMLProvider on resource: $ARN" \
	"a user without the permission: AccessDenied on the provider's ARN"
env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$IAMCTL" iam put-user-policy --user-name fedadmin --policy-name saml --policy-document \
	"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iam:*SAMLProvider*\",\"Resource\":\"$ARN\"},{\"Effect\":\"Allow\",\"Action\":\"iam:ListSAMLProviders\",\"Resource\":\"*\"}]}"
run "$AWS_BIN" --endpoint-url "$IAMD_GATEWAY_URL" iam get-saml-provider --saml-provider-arn "$ARN"
is "$RC" 0 "  allowed by a policy on the ARN"
run "$AWS_BIN" --endpoint-url "$IAMD_GATEWAY_URL" iam delete-saml-provider \
	--saml-provider-arn "arn:aws:iam::$ACCT:saml-provider/other.idp_2"
like "$ERR" "AccessDenied" "  not on another provider"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY

run "$IAMCTL" iam delete-saml-provider --saml-provider-arn "$ARN"
is "$RC" 0 "DeleteSAMLProvider"
run "$IAMCTL" iam get-saml-provider --saml-provider-arn "$ARN"
like "$ERR" "NoSuchEntity" "  then GetSAMLProvider: NoSuchEntity"

# the quota: 100 per account
seq 1 99 | xargs -P 2 -I @NUM@ "$IAMCTL" iam create-saml-provider --name p@NUM@ \
	--saml-metadata-document "file://$TMP/md-a.xml" >/dev/null 2>&1
run "$IAMCTL" iam list-saml-providers
is "$(printf '%s' "$OUT" | py 'len(v["SAMLProviderList"])')" 100 "100 providers"
run "$IAMCTL" iam create-saml-provider --name p100 --saml-metadata-document "file://$TMP/md-a.xml"
like "$ERR" "LimitExceeded" "the 101st: LimitExceeded"

# an account that holds a SAML provider cannot be deleted
run "$IAMCTL" iamd create-account --account-id 222233334444
run "$IAMCTL" --as-account 222233334444 iam create-saml-provider --name theirs \
	--saml-metadata-document "file://$TMP/md-a.xml"
is "$RC" 0 "another account's provider"
run "$IAMCTL" iamd delete-account --account-id 222233334444
like "$ERR" "DeleteConflict.*identity providers" "  DeleteAccount while it has one: DeleteConflict"
run "$IAMCTL" --as-account 222233334444 iam delete-saml-provider \
	--saml-provider-arn arn:aws:iam::222233334444:saml-provider/theirs
run "$IAMCTL" iamd delete-account --account-id 222233334444
is "$RC" 0 "  once it is deleted, so is the account"

audit_written
run "$IAMCTL" audit lookup --event-name CreateSAMLProvider
like "$OUT" '"name":"corp"' "CreateSAMLProvider is in the audit trail"

done_testing
