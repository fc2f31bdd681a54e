#!/bin/sh
# sts_profiles.sh: iamctl switches roles the way the AWS CLI does
# (docs/sts.md, docs/iamctl.md): a ~/.aws/config profile with role_arn,
# source_profile and external_id assumes the role with the source profile's
# keys, caches the session in ~/.aws/cli/cache/<sha1>.json (the name
# botocore computes, mode 0600), uses the cache while more than 15 minutes
# are left (no second AssumeRole: iamd's log and the source keys removed
# prove it), assumes again when it nears expiry; role_session_name and
# duration_seconds; a role profile as the source of another (a chain);
# a wrong external_id and a missing source_profile explained.
. "$top_srcdir/tests/integration/lib.sh"

[ -x "$IAMD_KEYD" ] || skip_all "iam-keyd is not built"
command -v python3 >/dev/null || skip_all "python3 is needed"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE \
	AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE AWS_REGION AWS_DEFAULT_REGION
export HOME="$TMP/home"
mkdir -p "$HOME/.aws"
IAMD_ACCOUNT_ID=555555555555
A=$IAMD_ACCOUNT_ID
keyd_start || bail_out "iam-keyd did not start"
iamd_start --debug || bail_out "iamd did not start"
unset IAMD_ACCOUNT_ID

j() { printf '%s' "$OUT" | json_get "$1"; }
issued() { grep -c 'AssumeRole: ASIA.* issued' "$IAMD_LOG"; }
# cache_key ROLE_ARN EXTRA_ARGS_JSON: the file name botocore gives the
# session (its own code when it is installed, else its recipe)
cache_key() {
	python3 - "$1" "$2" <<'EOF'
import hashlib, json, sys
arn, extra = sys.argv[1], json.loads(sys.argv[2])
try:
    from botocore.credentials import AssumeRoleCredentialFetcher
    print(AssumeRoleCredentialFetcher(None, None, arn, extra_args=extra)._cache_key)
except ImportError:
    args = dict(extra, RoleArn=arn)
    print(hashlib.sha1(json.dumps(args, sort_keys=True).encode()).hexdigest())
EOF
}

run "$IAMCTL" iam create-user --user-name dev
DEV_ARN=$(j '["User"]["Arn"]')
for _ in $(seq 50); do
	run "$IAMCTL" iam create-access-key --user-name dev
	[ "$RC" = 0 ] && break
	sleep 0.1
done
DAK=$(j '["AccessKey"]["AccessKeyId"]')
DSK=$(j '["AccessKey"]["SecretAccessKey"]')
run "$IAMCTL" iam create-role --role-name admin --assume-role-policy-document \
	"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"$DEV_ARN\"},\"Action\":\"sts:AssumeRole\",\"Condition\":{\"StringEquals\":{\"sts:ExternalId\":\"ext-1\"}}}]}"
run "$IAMCTL" iam put-role-policy --role-name admin --policy-name list \
	--policy-document '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListUsers","sts:AssumeRole"],"Resource":"*"}]}'
run "$IAMCTL" iam create-role --role-name second --assume-role-policy-document \
	"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::$A:role/admin\"},\"Action\":\"sts:AssumeRole\"}]}"

write_creds() {
	cat > "$HOME/.aws/credentials" <<EOF
[dev]
aws_access_key_id = $DAK
aws_secret_access_key = $DSK
EOF
}
write_creds
cat > "$HOME/.aws/config" <<EOF
[profile dev]
region = eu-west-1

[profile admin]
role_arn = arn:aws:iam::$A:role/admin
source_profile = dev
external_id = ext-1

[profile named]
role_arn = arn:aws:iam::$A:role/admin
source_profile = dev
external_id = ext-1
role_session_name = my-session
duration_seconds = 1800

[profile chain]
role_arn = arn:aws:iam::$A:role/second
source_profile = admin

[profile wrongext]
role_arn = arn:aws:iam::$A:role/admin
source_profile = dev
external_id = nope-9

[profile nosource]
role_arn = arn:aws:iam::$A:role/admin
EOF

# --- assuming and caching ----------------------------------------------------------

run "$IAMCTL" --profile admin sts get-caller-identity
is "$RC" 0 "--profile admin assumes the role with dev's keys"
like "$(j '["Arn"]')" "^arn:aws:sts::$A:assumed-role/admin/botocore-session-[0-9]{10}$" \
	"as the AWS CLI names the session (botocore-session-<time>)"
SESSION_ARN=$(j '["Arn"]')
is "$(issued)" 1 "one AssumeRole in iamd's log"
KEY=$(cache_key "arn:aws:iam::$A:role/admin" '{"ExternalId": "ext-1"}')
CACHE="$HOME/.aws/cli/cache/$KEY.json"
ok "the session is cached where the AWS CLI keeps it ($KEY.json)" test -f "$CACHE"
is "$(stat -c %a "$CACHE")" 600 "the cache file is 0600"
is "$(stat -c %a "$HOME/.aws/cli/cache")" 700 "its directory 0700"
CJ=$(cat "$CACHE")
like "$(printf '%s' "$CJ" | json_get '["Credentials"]["AccessKeyId"]')" '^ASIA' "the cache holds the session's key"
like "$(printf '%s' "$CJ" | json_get '["Credentials"]["Expiration"]')" '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}UTC$' \
	"and its Expiration as botocore writes it"
is "$(printf '%s' "$CJ" | json_get '["AssumedRoleUser"]["Arn"]')" "$SESSION_ARN" "and the AssumedRoleUser"
if grep -q -- "$DSK" "$CACHE"; then fail "the source secret is not in the cache"; else pass "the source secret is not in the cache"; fi

run "$IAMCTL" --profile admin iam list-users
is "$RC" 0 "calls run with the role's policies"
like "$OUT" '"UserName": "dev"' "(ListUsers)"
is "$(issued)" 1 "from the cache: no second AssumeRole"
run "$IAMCTL" --profile admin iam list-roles
like "$ERR" "AccessDenied.*assumed-role/admin/botocore-session" "and only them"

: > "$HOME/.aws/credentials"
run "$IAMCTL" --profile admin sts get-caller-identity
is "$RC" 0 "with dev's keys gone the cached session still works"
is "$(j '["Arn"]')" "$SESSION_ARN" "the same session"
is "$(issued)" 1 "still one AssumeRole"
AWS_PROFILE=admin run "$IAMCTL" sts get-caller-identity
is "$(j '["Arn"]')" "$SESSION_ARN" "AWS_PROFILE=admin finds it too"

# near expiry: 10 minutes left is less than botocore's 15-minute window
python3 - "$CACHE" <<'EOF'
import json, sys, time
p = sys.argv[1]
d = json.load(open(p))
d["Credentials"]["Expiration"] = time.strftime("%Y-%m-%dT%H:%M:%SUTC", time.gmtime(time.time() + 600))
json.dump(d, open(p, "w"))
EOF
run "$IAMCTL" --profile admin sts get-caller-identity
is "$RC" 255 "a session near expiry is not used: assuming again needs dev's keys"
like "$ERR" 'source profile "dev" must have credentials' "and says so"
write_creds
run "$IAMCTL" --profile admin sts get-caller-identity
is "$RC" 0 "with dev's keys back it assumes again"
is "$(issued)" 2 "a second AssumeRole"
EXP=$(json_get '["Credentials"]["Expiration"]' < "$CACHE")
LEFT=$(python3 -c 'import sys,time,calendar; print(calendar.timegm(time.strptime(sys.argv[1],"%Y-%m-%dT%H:%M:%SUTC"))-int(time.time()))' "$EXP")
if [ "$LEFT" -gt 3500 ] && [ "$LEFT" -le 3600 ]; then pass "the cache holds the new hour"; else fail "the cache holds the new hour"; diag "left: $LEFT"; fi

# --- role_session_name, duration_seconds ------------------------------------------------

run "$IAMCTL" --profile named sts get-caller-identity
is "$(j '["Arn"]')" "arn:aws:sts::$A:assumed-role/admin/my-session" "role_session_name names the session"
KEY2=$(cache_key "arn:aws:iam::$A:role/admin" '{"ExternalId": "ext-1", "RoleSessionName": "my-session", "DurationSeconds": 1800}')
ok "its cache key covers RoleSessionName and DurationSeconds" test -f "$HOME/.aws/cli/cache/$KEY2.json"
EXP=$(json_get '["Credentials"]["Expiration"]' < "$HOME/.aws/cli/cache/$KEY2.json")
LEFT=$(python3 -c 'import sys,time,calendar; print(calendar.timegm(time.strptime(sys.argv[1],"%Y-%m-%dT%H:%M:%SUTC"))-int(time.time()))' "$EXP")
if [ "$LEFT" -gt 1700 ] && [ "$LEFT" -le 1800 ]; then pass "duration_seconds = 1800"; else fail "duration_seconds = 1800"; diag "left: $LEFT"; fi

# --- a chain of profiles -----------------------------------------------------------------

run "$IAMCTL" --profile chain sts get-caller-identity
is "$RC" 0 "a role profile whose source is a role profile: a chain"
like "$(j '["Arn"]')" "^arn:aws:sts::$A:assumed-role/second/botocore-session-" "ends in the second role"

# --- errors ----------------------------------------------------------------------------------

run "$IAMCTL" --profile wrongext sts get-caller-identity
is "$RC" 255 "a wrong external_id fails"
like "$ERR" 'An error occurred \(AccessDenied\) when calling the AssumeRole operation: User: '"$DEV_ARN"' is not authorized to perform: sts:AssumeRole' \
	"with the AWS CLI's words"
run "$IAMCTL" --profile nosource sts get-caller-identity
is "$RC" 255 "role_arn without source_profile fails"
like "$ERR" 'contains role_arn but no source_profile' "and says why"
run "$IAMCTL" --profile dev --no-sign-request sts get-caller-identity
is "$(j '["Arn"]')" "arn:aws:iam::$A:root" "--no-sign-request ignores every profile"

ok "iamd stops cleanly" iamd_stop
keyd_stop
done_testing
