#!/bin/sh
# sigv4_creds.sh: which credentials iamctl signs with, found the way the AWS
# CLI finds them (docs/sigv4.md): AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/
# AWS_SESSION_TOKEN, unless --profile is given; then the profile (--profile,
# AWS_PROFILE, "default") in ~/.aws/credentials (AWS_SHARED_CREDENTIALS_FILE)
# and ~/.aws/config (AWS_CONFIG_FILE, [profile NAME]); none: unsigned.
# `iamctl --debug` names the key it signs with; what iamd makes of the
# signature is sigv4_e2e.sh's business.
. "$top_srcdir/tests/integration/lib.sh"

iamd_start || bail_out "iamd did not start"

unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_SECURITY_TOKEN \
	AWS_PROFILE AWS_DEFAULT_PROFILE AWS_REGION AWS_DEFAULT_REGION
export HOME="$TMP/home"
mkdir -p "$HOME/.aws"

signs_with() {   # signs_with WANT NAME: the key id iamctl --debug reports
	got=$(printf '%s\n' "$ERR" | sed -n 's/^iamctl: signing with access key //p')
	is "$got" "$1" "$2"
}

run "$IAMCTL" --debug sts get-caller-identity
signs_with "" "no environment, no files: unsigned"
like "$ERR" 'no credentials found: calls go unsigned' "--debug says so"
is "$RC" 0 "and the call runs as the peer's uid"

AWS_ACCESS_KEY_ID=AKIAENVKEY AWS_SECRET_ACCESS_KEY=envsecret \
	run "$IAMCTL" --debug sts get-caller-identity
signs_with AKIAENVKEY "keys in the environment are used"

AWS_ACCESS_KEY_ID=AKIAENVKEY run "$IAMCTL" sts get-caller-identity
is "$RC" 255 "a key id without its secret fails"
like "$ERR" 'Partial credentials found in env, missing: AWS_SECRET_ACCESS_KEY' \
	"with botocore's words"

cat > "$HOME/.aws/credentials" <<'EOF'
# comment
[default]
aws_access_key_id = AKIADEFAULTFILE
aws_secret_access_key = defaultsecret

[dev]
AWS_Access_Key_Id=AKIADEVFILE
aws_secret_access_key=devsecret
aws_session_token = devtoken
	nested = ignored
EOF
cat > "$HOME/.aws/config" <<'EOF'
[default]
region = eu-west-3

[profile cfgonly]
aws_access_key_id = AKIACONFIGONLY
aws_secret_access_key = cfgsecret
region = ap-south-1

[profile dev]
aws_access_key_id = AKIANOTTHISONE
aws_secret_access_key = x

[cfgonly]
aws_access_key_id = AKIAWRONGSECTION
aws_secret_access_key = x

[profile assumer]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = dev

[profile partial]
aws_access_key_id = AKIAPARTIAL
EOF

run "$IAMCTL" --debug sts get-caller-identity
signs_with AKIADEFAULTFILE "the default profile of ~/.aws/credentials"

AWS_ACCESS_KEY_ID=AKIAENVKEY AWS_SECRET_ACCESS_KEY=envsecret \
	run "$IAMCTL" --debug sts get-caller-identity
signs_with AKIAENVKEY "the environment comes before the files"

AWS_ACCESS_KEY_ID=AKIAENVKEY AWS_SECRET_ACCESS_KEY=envsecret \
	run "$IAMCTL" --debug --profile dev sts get-caller-identity
signs_with AKIADEVFILE "--profile skips the environment"

AWS_ACCESS_KEY_ID=AKIAENVKEY AWS_SECRET_ACCESS_KEY=envsecret AWS_PROFILE=dev \
	run "$IAMCTL" --debug sts get-caller-identity
signs_with AKIAENVKEY "AWS_PROFILE does not (botocore keeps explicit keys first)"

AWS_PROFILE=dev run "$IAMCTL" --debug sts get-caller-identity
signs_with AKIADEVFILE "AWS_PROFILE picks the profile; keys are case-insensitive"

run "$IAMCTL" --debug --profile cfgonly sts get-caller-identity
signs_with AKIACONFIGONLY "keys from ~/.aws/config [profile NAME]"

run "$IAMCTL" --debug --profile dev sts get-caller-identity
signs_with AKIADEVFILE "~/.aws/credentials comes before ~/.aws/config"

run "$IAMCTL" --profile nosuch sts get-caller-identity
is "$RC" 255 "an unknown profile fails"
like "$ERR" 'The config profile \(nosuch\) could not be found' "with the AWS CLI's words"

AWS_PROFILE=nosuch run "$IAMCTL" sts get-caller-identity
like "$ERR" 'The config profile \(nosuch\) could not be found' "AWS_PROFILE too"

run "$IAMCTL" --profile partial sts get-caller-identity
is "$RC" 255 "a profile with a key id and no secret fails"
like "$ERR" 'Partial credentials found in config-file' "saying where"

run "$IAMCTL" --profile assumer sts get-caller-identity
is "$RC" 255 "a role_arn profile assumes the role with the source profile's keys (sts_profiles.sh)"
like "$ERR" 'An error occurred \([A-Za-z]+\) when calling the AssumeRole operation' \
	"and says why it could not (here: no iam-keyd, no such key)"

mv "$HOME/.aws/credentials" "$TMP/elsewhere-credentials"
mv "$HOME/.aws/config" "$TMP/elsewhere-config"
AWS_SHARED_CREDENTIALS_FILE="$TMP/elsewhere-credentials" \
	run "$IAMCTL" --debug sts get-caller-identity
signs_with AKIADEFAULTFILE "AWS_SHARED_CREDENTIALS_FILE moves the credentials file"
AWS_CONFIG_FILE="$TMP/elsewhere-config" \
	run "$IAMCTL" --debug --profile cfgonly sts get-caller-identity
signs_with AKIACONFIGONLY "AWS_CONFIG_FILE moves the config file"

AWS_ACCESS_KEY_ID=AKIAENVKEY AWS_SECRET_ACCESS_KEY=envsecret \
	run "$IAMCTL" --debug --no-sign-request sts get-caller-identity
signs_with "" "--no-sign-request sends no signature"
is "$RC" 0 "and the call runs as the peer's uid"

ok "iamd stops cleanly" iamd_stop
done_testing
