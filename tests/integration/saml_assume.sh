#!/bin/sh
# saml_assume.sh: SAML 2.0 federation end to end (docs/federation.md). A
# test IdP (tests/saml_idp.py: a key and self-signed certificate made with
# the openssl CLI, responses signed by Debian's python3-xmlsec), its
# metadata given to CreateSAMLProvider, a role trusting the provider with
# conditions on saml:aud and saml:sub; /usr/bin/aws sts
# assume-role-with-saml through iam-gateway (unsigned, as the CLI sends
# it), then GetCallerIdentity with the credentials. Then what must be
# refused, each with AWS's error: unsigned, signed by another key, tampered
# after signing, signature wrapping, expired, another audience, another
# recipient, a replay, the role not in the Role attribute, a trust policy
# without the provider, a subject the condition refuses; and the audit
# record (SAMLUser, the assertion redacted).
. "$top_srcdir/tests/integration/lib.sh"

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

ISSUER=https://idp.example.com/saml
$PY "$IDP" keygen "$TMP/idp" || bail_out "openssl could not make the IdP's key"
$PY "$IDP" keygen "$TMP/evil" || bail_out "openssl could not make another key"
$PY "$IDP" metadata "$TMP/idp/cert.pem" "$ISSUER" >"$TMP/metadata.xml"

ACCT=$("$IAMCTL" sts get-caller-identity | json_get '["Account"]')
PROVIDER="arn:aws:iam::$ACCT:saml-provider/corp-idp"
ROLE="arn:aws:iam::$ACCT:role/saml-dev"

run "$IAMCTL" iam create-saml-provider --name corp-idp --saml-metadata-document "file://$TMP/metadata.xml"
is "$RC" 0 "CreateSAMLProvider with the IdP's metadata"
like "$OUT" "\"SAMLProviderArn\": \"$PROVIDER\"" "  its ARN"

cat >"$TMP/trust.json" <<EOF
{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
 "Principal":{"Federated":"$PROVIDER"},
 "Action":"sts:AssumeRoleWithSAML",
 "Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"},
              "StringLike":{"saml:sub":["alice","bob"]}}}]}
EOF
run "$IAMCTL" iam create-role --role-name saml-dev --assume-role-policy-document "file://$TMP/trust.json"
is "$RC" 0 "a role trusting the provider, on conditions saml:aud and saml:sub"
"$IAMCTL" iam put-role-policy --role-name saml-dev --policy-name read --policy-document \
	'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}'

resp() { $PY "$IDP" response "$TMP/idp/key.pem" "$TMP/idp/cert.pem" "$ISSUER" \
	--role "$ROLE,$PROVIDER" "$@"; }
# through iam-gateway with the AWS CLI (slow to start: a few of the
# calls), or with iamctl on the api socket (the same handler)
assume_aws() {
	_a=$1
	shift
	run "$AWS_BIN" --endpoint-url "$IAMD_GATEWAY_URL" sts assume-role-with-saml \
		--role-arn "$ROLE" --principal-arn "$PROVIDER" --saml-assertion "$_a" "$@"
}
assume() {
	_a=$1
	shift
	run "$IAMCTL" sts assume-role-with-saml \
		--role-arn "$ROLE" --principal-arn "$PROVIDER" --saml-assertion "$_a" "$@"
}

# --- success ---
A=$(resp --sub alice --session-name alice@example.com)
assume_aws "$A"
is "$RC" 0 "aws sts assume-role-with-saml (unsigned, through iam-gateway)"
printf "%s" "$OUT" >"$TMP/creds.json"
is "$(json_get '["AssumedRoleUser"]["Arn"]' <"$TMP/creds.json")" \
	"arn:aws:sts::$ACCT:assumed-role/saml-dev/alice@example.com" "  AssumedRoleUser.Arn: the RoleSessionName attribute"
is "$(json_get '["Subject"]' <"$TMP/creds.json")" alice "  Subject: the NameID"
is "$(json_get '["SubjectType"]' <"$TMP/creds.json")" persistent "  SubjectType: persistent (the prefix dropped)"
is "$(json_get '["Issuer"]' <"$TMP/creds.json")" "$ISSUER" "  Issuer"
is "$(json_get '["Audience"]' <"$TMP/creds.json")" "https://signin.aws.amazon.com/saml" "  Audience: the Recipient"
NQ=$(printf '%s' "$ISSUER${ACCT}/corp-idp" | openssl dgst -sha1 -binary | openssl base64)
is "$(json_get '["NameQualifier"]' <"$TMP/creds.json")" "$NQ" "  NameQualifier: base64(SHA1(issuer + account + /name))"
like "$(json_get '["Credentials"]["AccessKeyId"]' <"$TMP/creds.json")" '^ASIA' "  temporary credentials"

AWS_ACCESS_KEY_ID=$(json_get '["Credentials"]["AccessKeyId"]' <"$TMP/creds.json") \
AWS_SECRET_ACCESS_KEY=$(json_get '["Credentials"]["SecretAccessKey"]' <"$TMP/creds.json") \
AWS_SESSION_TOKEN=$(json_get '["Credentials"]["SessionToken"]' <"$TMP/creds.json") \
	run "$AWS_BIN" --endpoint-url "$IAMD_GATEWAY_URL" sts get-caller-identity --query Arn --output text
is "$OUT" "arn:aws:sts::$ACCT:assumed-role/saml-dev/alice@example.com" \
	"GetCallerIdentity with the credentials: the assumed role"
AWS_ACCESS_KEY_ID=$(json_get '["Credentials"]["AccessKeyId"]' <"$TMP/creds.json") \
AWS_SECRET_ACCESS_KEY=$(json_get '["Credentials"]["SecretAccessKey"]' <"$TMP/creds.json") \
AWS_SESSION_TOKEN=$(json_get '["Credentials"]["SessionToken"]' <"$TMP/creds.json") \
	run "$AWS_BIN" --endpoint-url "$IAMD_GATEWAY_URL" iam list-users
is "$RC" 0 "  the session may do what the role allows (ListUsers)"

# --- the same assertion again ---
assume_aws "$A"
like "$ERR" "InvalidIdentityToken.*already been used" "a replay of the same assertion: InvalidIdentityToken"

# --- refusals ---
assume_aws "$(resp --sign none)"
like "$ERR" "InvalidIdentityToken.*Response signature invalid" "unsigned: InvalidIdentityToken"
assume "$($PY "$IDP" response "$TMP/evil/key.pem" "$TMP/evil/cert.pem" "$ISSUER" --role "$ROLE,$PROVIDER")"
like "$ERR" "InvalidIdentityToken.*Response signature invalid" "signed by another key: InvalidIdentityToken"
assume "$(resp --tamper)"
like "$ERR" "InvalidIdentityToken.*Response signature invalid" "tampered after signing: InvalidIdentityToken"
assume_aws "$(resp --wrap)"
like "$ERR" "InvalidIdentityToken.*Response signature invalid" "signature wrapping (a second, unsigned assertion): InvalidIdentityToken"
assume "$(resp --wrap extensions --sign response)"
like "$ERR" "InvalidIdentityToken.*Response signature invalid" "signature wrapping of a signed response: InvalidIdentityToken"
assume_aws "$(resp --offset -200 --lifetime 100)"
like "$ERR" "ExpiredTokenException" "expired: ExpiredTokenException"
assume "$(resp --offset -400 --lifetime 3600)"
like "$ERR" "ExpiredTokenException.*redeemed within 5 minutes" "issued more than 5 minutes ago: ExpiredTokenException"
assume "$(resp --audience https://sp.example.com)"
like "$ERR" "InvalidIdentityToken.*required audience" "another audience: InvalidIdentityToken"
assume "$(resp --recipient https://sp.example.com/acs)"
like "$ERR" "InvalidIdentityToken" "another recipient: InvalidIdentityToken"
assume "$($PY "$IDP" response "$TMP/idp/key.pem" "$TMP/idp/cert.pem" "$ISSUER" --role "arn:aws:iam::$ACCT:role/other,$PROVIDER")"
like "$ERR" "AccessDenied.*Not authorized to perform sts:AssumeRoleWithSAML" "the role not in the Role attribute: AccessDenied"
assume "$(resp --sub mallory)"
like "$ERR" "AccessDenied" "a subject the trust policy's saml:sub condition refuses: AccessDenied"
assume "$(resp --session-name x)"
like "$ERR" "InvalidIdentityToken.*RoleSessionName in AuthnResponse must match" "a bad RoleSessionName: InvalidIdentityToken"
assume "$(resp --status Responder)"
like "$ERR" "IDPRejectedClaim" "StatusCode Responder: IDPRejectedClaim"
assume "$(resp --dtd)"
like "$ERR" "InvalidIdentityToken" "a DTD: InvalidIdentityToken"
run "$IAMCTL" sts assume-role-with-saml --role-arn "$ROLE" \
	--principal-arn "arn:aws:iam::$ACCT:saml-provider/nobody" --saml-assertion "$(resp)"
like "$ERR" "InvalidIdentityToken.*Specified provider doesn't exist" "an unknown provider: InvalidIdentityToken"
assume "$(resp)" --duration-seconds 7200
like "$ERR" "ValidationError.*MaxSessionDuration" "DurationSeconds over the role's maximum: ValidationError"
assume "$(resp)" --policy '{"Version":"2012-10-17","Statement":[{"Effect":"Allow"'
like "$ERR" "MalformedPolicyDocument" "a malformed session policy: MalformedPolicyDocument"

# a trust policy that names another provider
cat >"$TMP/trust2.json" <<EOF
{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
 "Principal":{"Federated":"arn:aws:iam::$ACCT:saml-provider/other"},
 "Action":"sts:AssumeRoleWithSAML"}]}
EOF
"$IAMCTL" iam update-assume-role-policy --role-name saml-dev --policy-document "file://$TMP/trust2.json"
assume "$(resp)"
like "$ERR" "AccessDenied" "a trust policy without the provider: AccessDenied"
# an account principal does not let federated users in
cat >"$TMP/trust3.json" <<EOF
{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
 "Principal":{"AWS":"arn:aws:iam::$ACCT:root"},
 "Action":["sts:AssumeRoleWithSAML","sts:AssumeRole"]}]}
EOF
"$IAMCTL" iam update-assume-role-policy --role-name saml-dev --policy-document "file://$TMP/trust3.json"
assume "$(resp)"
like "$ERR" "AccessDenied" "a trust policy naming only the account: AccessDenied"

# session tags and SourceIdentity need sts:TagSession / sts:SetSourceIdentity
cat >"$TMP/trust4.json" <<EOF
{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
 "Principal":{"Federated":"$PROVIDER"},
 "Action":"sts:AssumeRoleWithSAML"}]}
EOF
"$IAMCTL" iam update-assume-role-policy --role-name saml-dev --policy-document "file://$TMP/trust4.json"
TAGATTR="https://aws.amazon.com/SAML/Attributes/PrincipalTag:dept=eng"
assume "$(resp --attr "$TAGATTR")"
like "$ERR" "AccessDenied.*sts:TagSession" "PrincipalTag attributes without sts:TagSession: AccessDenied"
sed 's/"sts:AssumeRoleWithSAML"/["sts:AssumeRoleWithSAML","sts:TagSession","sts:SetSourceIdentity"]/' \
	"$TMP/trust4.json" >"$TMP/trust5.json"
"$IAMCTL" iam update-assume-role-policy --role-name saml-dev --policy-document "file://$TMP/trust5.json"
assume "$(resp --attr "$TAGATTR" --source-identity alice-src --sub-format urn:oasis:names:tc:SAML:2.0:nameid-format:transient)"
is "$RC" 0 "with sts:TagSession and sts:SetSourceIdentity allowed: tags and a source identity"
is "$(printf '%s' "$OUT" | json_get '["SourceIdentity"]')" alice-src "  SourceIdentity"
is "$(printf '%s' "$OUT" | json_get '["SubjectType"]')" transient "  SubjectType transient"
assume "$(resp --recipient https://eu-west-1.signin.aws.amazon.com/saml)"
is "$(printf '%s' "$OUT" | json_get '["Audience"]')" https://eu-west-1.signin.aws.amazon.com/saml \
	"a regional sign-in endpoint as Recipient: accepted, and the Audience (saml:aud)"

# --- iamctl prints what the AWS CLI prints (credentials aside) ---
assume "$(resp --sub bob --session-name bob)"
is "$RC" 0 "iamctl sts assume-role-with-saml"
like "$OUT" '"Subject": "bob"' "  Subject bob"
I=$(printf '%s' "$OUT" | python3 -c 'import json,sys; v=json.load(sys.stdin); v.pop("Credentials"); print(sorted(v))')
assume_aws "$(resp --sub bob --session-name bob)"
A2=$(printf '%s' "$OUT" | python3 -c 'import json,sys; v=json.load(sys.stdin); v.pop("Credentials"); print(sorted(v))')
is "$I" "$A2" "  the same members as the AWS CLI prints"
audit_written
run "$IAMCTL" audit lookup --event-name AssumeRoleWithSAML
like "$OUT" '"type":"SAMLUser"' "the audit record: userIdentity SAMLUser"
NQ_RE=$(printf '%s' "$NQ" | sed 's/[][+.*?^$(){}|\\/]/\\&/g')
like "$OUT" "\"identityProvider\":\"$NQ_RE\"" "  identityProvider: the saml:namequalifier, as CloudTrail has it"
like "$OUT" "\"principalId\":\"$NQ_RE:alice\"" "  principalId: namequalifier:sub"
unlike "$OUT" "$(printf '%s' "$A" | cut -c 1-40)" "  the assertion is not in the trail"
like "$OUT" '"errorCode":"InvalidIdentityToken"' "  refusals are recorded too"

done_testing
