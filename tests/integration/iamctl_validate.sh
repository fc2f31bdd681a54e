#!/bin/sh
# iamctl's client-side parameter validation, as the AWS CLI's: the
# argument parser's "the following arguments are required" (exit 252),
# then botocore's ParamValidator from the service model (client/
# iamctl_shapes.c): nested required members, unknown members, types, min
# lengths in characters, min values; "Parameter validation failed:" with
# every error in botocore's order, exit 252, nothing sent. Each command
# line is also run through /usr/bin/aws and iam-gateway: same stderr
# (program name aside), same exit status.
. "$top_srcdir/tests/integration/lib.sh"

keyd_start || bail_out "iam-keyd did not start"
iamd_start || bail_out "iamd did not start"
"$IAMCTL" iam create-user --user-name alice >/dev/null || bail_out "create-user"

run "$IAMCTL" iam attach-user-policy
is "$RC" 252 "no required argument: exit 252"
is "$ERR" "
usage: iamctl [options] <command> <subcommand> [<subcommand> ...] [parameters]
To see help text, you can run:

  iamctl help
  iamctl <command> help
  iamctl <command> <subcommand> help

iamctl: error: the following arguments are required: --user-name, --policy-arn" "every missing required argument, in the model's order"
run "$IAMCTL" iam tag-user --user-name alice --tags Key=a Value=b Key=
is "$RC" 252 "nested members: exit 252"
is "$ERR" '
Parameter validation failed:
Missing required parameter in Tags[0]: "Value"
Missing required parameter in Tags[1]: "Key"
Missing required parameter in Tags[2]: "Value"
Invalid length for parameter Tags[2].Key, value: 0, valid min length: 1' \
	"each missing member and the empty key, in botocore's order"
run "$IAMCTL" iam get-user --user-name alice --query 'User.Tags'
is "$OUT" "null" "nothing was sent: alice has no tags"
run "$IAMCTL" iam create-user --user-name ""
is "$ERR" "
Parameter validation failed:
Invalid length for parameter UserName, value: 0, valid min length: 1" "an empty name"
run "$IAMCTL" iam create-user --user-name "é"
is "$RC" 254 "a one-character name of two bytes passes the client (length in characters)"
run "$IAMCTL" iam list-role-tags --role-name x --max-items 0
is "$ERR" "
Parameter validation failed:
Invalid value for parameter MaxItems, value: 0, valid min value: 1" "a min value"
IAMCTL_SKIP_CLIENT_VALIDATION=1 run "$IAMCTL" iam create-user --user-name ""
is "$RC" 254 "IAMCTL_SKIP_CLIENT_VALIDATION=1: sent as given"
like "$ERR" "ValidationError.*at 'userName'.*greater than or equal to 1" "  and iamd refuses it"
run "$IAMCTL" iamd list-accounts --max-items 0
unlike "$ERR" "Parameter validation failed" "an iamd-only action is iamd's to validate"

AWS_BIN=/usr/bin/aws
if [ -x "$AWS_BIN" ] && gateway_start --timeout 3; then
	export AWS_CONFIG_FILE="$TMP/no-config" AWS_SHARED_CREDENTIALS_FILE="$TMP/no-credentials"
	export AWS_DEFAULT_REGION=us-east-1 AWS_PAGER="" AWS_EC2_METADATA_DISABLED=true
	unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL 2>/dev/null
	"$IAMCTL" iam create-access-key >"$TMP/key.json"
	AWS_ACCESS_KEY_ID=$(json_get '["AccessKey"]["AccessKeyId"]' <"$TMP/key.json")
	AWS_SECRET_ACCESS_KEY=$(json_get '["AccessKey"]["SecretAccessKey"]' <"$TMP/key.json")
	export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	same() {   # same DESCRIPTION ARGS...: same stdout, stderr and status
		_d=$1; shift
		"$IAMCTL" "$@" >"$TMP/i.out" 2>"$TMP/i.err"; _irc=$?
		"$AWS_BIN" --endpoint-url "$IAMD_GATEWAY_URL" "$@" >"$TMP/a.out" 2>"$TMP/a.err"; _arc=$?
		sed -i 's/^usage: aws /usage: iamctl /; s/^  aws /  iamctl /; s/^aws: error: /iamctl: error: /' \
			"$TMP/a.err"
		if cmp -s "$TMP/i.out" "$TMP/a.out" && cmp -s "$TMP/i.err" "$TMP/a.err" &&
		   [ "$_irc" = "$_arc" ]; then
			pass "same as /usr/bin/aws: $_d"
		else
			fail "same as /usr/bin/aws: $_d"
			diag "iamctl exit $_irc, aws exit $_arc" "$(diff "$TMP/i.err" "$TMP/a.err" | head -n 20)"
		fi
	}
	same "required arguments" iam attach-user-policy
	same "required arguments before unknown options" iam attach-user-policy --foo 1
	same "one of two required given" iam add-user-to-group --user-name alice
	same "sts required arguments" sts assume-role
	same "create-virtual-mfa-device: the AWS CLI's own required arguments" iam create-virtual-mfa-device
	same "nested required members and a min length" iam tag-user --user-name alice --tags Key=a Value=b Key=
	same "an empty string" iam create-user --user-name ""
	same "a length in characters" iam create-role --role-name r --assume-role-policy-document '{}' \
		--description "é"
	same "several members short" iam put-user-policy --user-name "" --policy-name "" --policy-document ""
	same "a min value" iam list-role-tags --role-name x --max-items 0
	same "--page-size is MaxItems" iam list-users --page-size 0
	same "a min value of a number member" iam create-role --role-name r --assume-role-policy-document '{}' \
		--max-session-duration 3599
	same "a type in JSON" iam tag-user --user-name alice --tags '[{"Key":"a","Value":5}]'
	same "an unknown member in JSON" iam tag-user --user-name alice --tags '[{"Key":"a","Value":"b","Extra":1}]'
	same "--cli-input-json: required members, unknown, types" iam create-user \
		--cli-input-json '{"Path": 5, "Foo": [1], "Tags": [{"Key": null}]}'
	same "a list too short" iam untag-user --user-name alice --tag-keys '[]'
	same "nested in simulate-custom-policy" iam simulate-custom-policy --policy-input-list '{}' \
		--action-names x --context-entries '[{"ContextKeyName":""}]'
	same "sts: lengths and values" sts assume-role --role-arn arn:aws:iam::123456789012:role/x \
		--role-session-name s --duration-seconds 10 --policy-arns arn=short
	same "a short policy source ARN" iam simulate-principal-policy --policy-source-arn x \
		--action-names iam:GetUser
	same "valid input goes through" iam get-user --user-name alice --query User.UserName
else
	skip "no $AWS_BIN or no iam-gateway: the AWS CLI comparison" 20
fi

done_testing
