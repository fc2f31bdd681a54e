#!/bin/sh
# oidc_federation.sh: STS AssumeRoleWithWebIdentity against a real OpenID
# Connect provider: oidc_idp.py serves its discovery document and JWKS
# (RSA, EC, Ed25519 keys) over HTTPS on 127.0.0.1 with a self-signed
# certificate, trusted by its thumbprint. A role trusts the provider with
# StringEquals on HOST:aud and StringLike on HOST:sub. Debian's AWS CLI
# assumes it unsigned through iam-gateway, then calls GetCallerIdentity
# with the credentials. Then the failures: wrong aud, wrong sub, expired,
# bad signature, alg none, HS256, unknown kid, wrong issuer, a provider
# without the right thumbprint (TLS refused: IDPCommunicationError), the
# provider deleted, a trust policy without the provider; the audit record.
. "$top_srcdir/tests/integration/lib.sh"

PY=/usr/bin/python3
AWS_BIN=/usr/bin/aws
[ -x "$PY" ] && "$PY" -c 'import jwt, cryptography' 2>/dev/null ||
	skip_all "needs /usr/bin/python3 with python3-jwt and python3-cryptography"
[ -x "$AWS_BIN" ] || skip_all "no $AWS_BIN (apt-get install awscli)"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE
export HOME="$TMP/home"
mkdir -p "$HOME"

IDP="$TMP/idp"
"$PY" "$top_srcdir/tests/integration/oidc_idp.py" serve "$IDP" 2>"$TMP/idp.log" &
IDP_PID=$!
i=0
while [ ! -s "$IDP/port" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
[ -s "$IDP/port" ] || bail_out "the identity provider did not start: $(cat "$TMP/idp.log")"
trap 'kill $IDP_PID 2>/dev/null; lib_cleanup' EXIT
PORT=$(cat "$IDP/port")
TP=$(cat "$IDP/thumbprint")
HOST="127.0.0.1:$PORT"
tok() { "$PY" "$top_srcdir/tests/integration/oidc_idp.py" token "$IDP" "$@"; }

keyd_start || bail_out "iam-keyd did not start"
iamd_start || bail_out "iamd did not start"
gateway_start --timeout 20 || bail_out "iam-gateway did not start"
ACCT=$("$IAMCTL" sts get-caller-identity | json_get '["Account"]')
PARN="arn:aws:iam::$ACCT:oidc-provider/$HOST"

export AWS_CONFIG_FILE="$TMP/no-config" AWS_SHARED_CREDENTIALS_FILE="$TMP/no-credentials"
export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER="" AWS_EC2_METADATA_DISABLED=true AWS_MAX_ATTEMPTS=1
aws() { run "$AWS_BIN" --endpoint-url "$IAMD_GATEWAY_URL" "$@"; }
# the AWS CLI for the good path and some failures, iamctl (the same call on
# the api socket, faster) for the rest
assume_cli() { aws sts assume-role-with-web-identity --role-arn "arn:aws:iam::$ACCT:role/$1" \
	--role-session-name ci-run --web-identity-token "$2"; }
assume() { run "$IAMCTL" sts assume-role-with-web-identity --role-arn "arn:aws:iam::$ACCT:role/$1" \
	--role-session-name ci-run --web-identity-token "$2"; }

run "$IAMCTL" iam create-open-id-connect-provider --url "https://$HOST" \
	--client-id-list sts.amazonaws.com --thumbprint-list "$TP"
is "$(echo "$OUT" | json_get '["OpenIDConnectProviderArn"]')" "$PARN" "the provider, trusted by its thumbprint"
TRUST=$(cat <<EOF
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"$PARN"},
 "Action":"sts:AssumeRoleWithWebIdentity",
 "Condition":{"StringEquals":{"$HOST:aud":"sts.amazonaws.com"},
              "StringLike":{"$HOST:sub":"repo:example/app:*"}}}]}
EOF
)
"$IAMCTL" iam create-role --role-name deploy --assume-role-policy-document "$TRUST" >/dev/null
"$IAMCTL" iam put-role-policy --role-name deploy --policy-name read --policy-document \
	'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*"}]}'

# --- the good path, with each key type ---
# the provider answers its keys after 1.5 s: the call waits for them (the
# loop serves others meanwhile), across a second boundary
T=$(tok)
echo 1.5 >"$IDP/delay"
( sleep 0.5; "$IAMCTL" iam list-roles >"$TMP/during.out" 2>&1; date +%s.%N >"$TMP/during.at" ) &
BG=$!
assume_cli deploy "$T"
DONE_AT=$(date +%s.%N)
wait $BG
rm -f "$IDP/delay"
like "$(cat "$TMP/during.out")" '"RoleName": "deploy"' "iamd answers others while a call waits for the provider's keys"
ok "  (that answer came before the waiting call's)" \
	"$PY" -c 'import sys; sys.exit(not float(sys.argv[1]) < float(sys.argv[2]))' "$(cat "$TMP/during.at")" "$DONE_AT"
is "$RC" 0 "aws sts assume-role-with-web-identity (unsigned, RS256): the keys fetched on the way" || diag "$ERR"
is "$(echo "$OUT" | json_get '["AssumedRoleUser"]["Arn"]')" "arn:aws:sts::$ACCT:assumed-role/deploy/ci-run" \
	"  AssumedRoleUser.Arn"
like "$(echo "$OUT" | json_get '["AssumedRoleUser"]["AssumedRoleId"]')" '^AROA[A-Z0-9]+:ci-run$' "  AssumedRoleId AROA...:ci-run"
is "$(echo "$OUT" | json_get '["SubjectFromWebIdentityToken"]')" "repo:example/app:ref:main" "  SubjectFromWebIdentityToken"
is "$(echo "$OUT" | json_get '["Audience"]')" "sts.amazonaws.com" "  Audience"
is "$(echo "$OUT" | json_get '["Provider"]')" "https://$HOST" "  Provider: the iss"
like "$(echo "$OUT" | json_get '["Credentials"]["AccessKeyId"]')" '^ASIA' "  Credentials"
AK=$(echo "$OUT" | json_get '["Credentials"]["AccessKeyId"]')
SK=$(echo "$OUT" | json_get '["Credentials"]["SecretAccessKey"]')
ST=$(echo "$OUT" | json_get '["Credentials"]["SessionToken"]')
run env AWS_ACCESS_KEY_ID="$AK" AWS_SECRET_ACCESS_KEY="$SK" AWS_SESSION_TOKEN="$ST" \
	"$AWS_BIN" --endpoint-url "$IAMD_GATEWAY_URL" sts get-caller-identity
is "$(echo "$OUT" | json_get '["Arn"]')" "arn:aws:sts::$ACCT:assumed-role/deploy/ci-run" \
	"GetCallerIdentity with the credentials: the assumed role"
run env AWS_ACCESS_KEY_ID="$AK" AWS_SECRET_ACCESS_KEY="$SK" AWS_SESSION_TOKEN="$ST" \
	"$AWS_BIN" --endpoint-url "$IAMD_GATEWAY_URL" iam list-roles --query 'Roles[].RoleName' --output text
is "$OUT" "deploy" "  and the role's permissions (iam:ListRoles)"
run env AWS_ACCESS_KEY_ID="$AK" AWS_SECRET_ACCESS_KEY="$SK" AWS_SESSION_TOKEN="$ST" \
	"$AWS_BIN" --endpoint-url "$IAMD_GATEWAY_URL" iam list-users
like "$ERR" "AccessDenied" "  and no more (iam:ListUsers denied)"
for alg in RS384 RS512 PS256 ES256 EdDSA; do
	assume deploy "$(tok --alg $alg)"
	is "$RC" 0 "a token signed with $alg"
done
assume deploy "$(tok --kid -)"
is "$RC" 0 "a token without a kid: any key of its type"
run "$IAMCTL" sts assume-role-with-web-identity --role-arn "arn:aws:iam::$ACCT:role/deploy" \
	--role-session-name via-iamctl --web-identity-token "$T"
is "$(echo "$OUT" | json_get '["AssumedRoleUser"]["Arn"]')" "arn:aws:sts::$ACCT:assumed-role/deploy/via-iamctl" \
	"iamctl sts assume-role-with-web-identity"
HITS=$(cat "$IDP/hits")
is "$HITS" 1 "the key set was fetched once for all of them" || diag "$(grep OIDC "$IAMD_LOG")"

# --- the failures ---
assume_cli deploy "$(tok --claim aud=other-client)"
like "$ERR" "InvalidIdentityToken.*Incorrect token audience" "an audience that is no ClientID: InvalidIdentityToken"
"$IAMCTL" iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn "$PARN" --client-id other-client
assume deploy "$(tok --claim aud=other-client)"
like "$ERR" "AccessDenied.*Not authorized to perform sts:AssumeRoleWithWebIdentity" \
	"  a ClientID the trust policy's HOST:aud does not allow: AccessDenied"
assume deploy "$(tok --json 'aud=["x", "sts.amazonaws.com"]')"
is "$RC" 0 "aud as a list holding the ClientID"
assume_cli deploy "$(tok --claim sub=repo:evil/app:ref:main)"
like "$ERR" "AccessDenied.*Not authorized to perform sts:AssumeRoleWithWebIdentity" "a sub the StringLike refuses: AccessDenied"
NOW=$(date +%s)
assume_cli deploy "$(tok --json exp=$((NOW - 300)) --json iat=$((NOW - 900)))"
like "$ERR" "ExpiredTokenException.*Token expired" "an expired token: ExpiredTokenException"
assume deploy "$(tok --json nbf=$((NOW + 600)))"
like "$ERR" "InvalidIdentityToken.*not valid yet" "nbf in the future: InvalidIdentityToken"
assume deploy "$(tok --drop exp)"
like "$ERR" "InvalidIdentityToken.*no expiration" "no exp: InvalidIdentityToken"
assume deploy "$(tok --tamper)"
like "$ERR" "InvalidIdentityToken.*signature could not be verified" "a changed payload (bad signature): InvalidIdentityToken"
assume deploy "$(tok --alg none)"
like "$ERR" "InvalidIdentityToken.*algorithm is not accepted" "alg none: InvalidIdentityToken"
HS=$("$PY" -c 'import jwt,sys,time; print(jwt.encode({"iss":sys.argv[1],"aud":"sts.amazonaws.com","sub":"repo:example/app:x","exp":int(time.time())+600}, "secret", algorithm="HS256", headers={"kid":"hmac"}))' "https://$HOST")
assume deploy "$HS"
like "$ERR" "InvalidIdentityToken.*algorithm is not accepted" "HS256 (a JWKS 'oct' key): InvalidIdentityToken"
assume deploy "$(tok --alg ES256 --kid rsa1)"
like "$ERR" "InvalidIdentityToken.*does not fit the key" "ES256 with the RSA key's kid: InvalidIdentityToken"
assume deploy "$(tok --kid unknown-kid)"
like "$ERR" "InvalidIdentityToken.*kid.*not in the provider's key set" "an unknown kid: InvalidIdentityToken"
is "$(cat "$IDP/hits")" "$HITS" "  no refetch within a minute of the last"
assume deploy "$(tok --claim iss=https://other.example.com)"
like "$ERR" "InvalidIdentityToken.*No OpenIDConnect provider found in your account for https://other.example.com" \
	"an issuer without a provider: InvalidIdentityToken"
assume deploy "not-a-jwt"
like "$ERR" "InvalidIdentityToken.*not a JWT" "garbage: InvalidIdentityToken"
run "$IAMCTL" sts assume-role-with-web-identity --role-arn "arn:aws:iam::$ACCT:role/deploy" \
	--role-session-name x --web-identity-token "$T"
like "$ERR" "Invalid length for parameter RoleSessionName, value: 1, valid min length: 2" \
	"a session name of one character: refused by iamctl as by the AWS CLI (botocore's min length)"
aws sts assume-role-with-web-identity --role-arn "arn:aws:iam::$ACCT:role/deploy" \
	--role-session-name ok-name --web-identity-token "$T" --duration-seconds 7200
like "$ERR" "ValidationError.*MaxSessionDuration" "DurationSeconds above the role's maximum: ValidationError"
aws sts assume-role-with-web-identity --role-arn "arn:aws:iam::$ACCT:role/nope" \
	--role-session-name ok-name --web-identity-token "$T"
like "$ERR" "AccessDenied.*Not authorized to perform sts:AssumeRoleWithWebIdentity" "a role that does not exist: AccessDenied"

# a role whose trust policy does not name the provider
"$IAMCTL" iam create-role --role-name other --assume-role-policy-document \
	"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Federated\":\"arn:aws:iam::$ACCT:oidc-provider/elsewhere.example.com\"},\"Action\":\"sts:AssumeRoleWithWebIdentity\"}]}" >/dev/null
assume other "$T"
like "$ERR" "AccessDenied.*Not authorized to perform sts:AssumeRoleWithWebIdentity" "a trust policy without the provider: AccessDenied"

# the audit record: a WebIdentityUser, the token hidden
run "$IAMCTL" audit lookup --event-name AssumeRoleWithWebIdentity
like "$OUT" '"type":"WebIdentityUser"' "the audit record: userIdentity type WebIdentityUser"
like "$OUT" "\"identityProvider\":\"$PARN\"" "  identityProvider: the provider's ARN"
like "$OUT" '"userName":"repo:example/app:ref:main"' "  userName: the sub"
like "$OUT" '"subjectFromWebIdentityToken":"repo:example/app:ref:main"' "  responseElements: subjectFromWebIdentityToken, as CloudTrail records it"
unlike "$OUT" "$(echo "$T" | cut -d. -f3 | cut -c1-20)" "  the token is not in it"

# TLS: a provider without the thumbprint of the server's certificate
"$IAMCTL" iam update-open-id-connect-provider-thumbprint --open-id-connect-provider-arn "$PARN" \
	--thumbprint-list 0000000000000000000000000000000000000000
assume_cli deploy "$T"
like "$ERR" "IDPCommunicationError.*Couldn't retrieve verification key" "a wrong thumbprint: TLS refused, IDPCommunicationError"
like "$(cat "$IAMD_LOG")" "not trusted.*thumbprint is not the provider's" "  iamd's log says why"
"$IAMCTL" iam update-open-id-connect-provider-thumbprint --open-id-connect-provider-arn "$PARN" \
	--thumbprint-list "$TP"
assume deploy "$T"
is "$RC" 0 "the right thumbprint again: assumed (the failure was forgotten)"

# the provider deleted
"$IAMCTL" iam delete-open-id-connect-provider --open-id-connect-provider-arn "$PARN"
assume deploy "$T"
like "$ERR" "InvalidIdentityToken.*No OpenIDConnect provider found" "the provider deleted: InvalidIdentityToken"

# a dead provider: IDPCommunicationError, iamd keeps serving
kill $IDP_PID
wait $IDP_PID 2>/dev/null
"$IAMCTL" iam create-open-id-connect-provider --url "https://$HOST" \
	--client-id-list sts.amazonaws.com --thumbprint-list "$TP" >/dev/null
assume deploy "$T"
like "$ERR" "IDPCommunicationError" "the provider is down: IDPCommunicationError"
run "$IAMCTL" iam list-roles
is "$RC" 0 "  and iamd serves on"
done_testing
