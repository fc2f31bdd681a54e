#!/bin/sh
# ssh_keys.sh: IAM SSH public keys as AWS has them, and sshd's
# AuthorizedKeysCommand (iamctl ssh authorized-keys; docs/ssh.md).
# Keys are made by OpenSSH's ssh-keygen in the test: UploadSSHPublicKey of
# an ssh-rsa line and of PEM (PKCS#8, PKCS#1) answers the fingerprint
# `ssh-keygen -l -E md5` prints; GetSSHPublicKey in SSH and PEM encodings
# gives what ssh-keygen exports; ListSSHPublicKeys, UpdateSSHPublicKey,
# DeleteSSHPublicKey; the errors (DuplicateSSHPublicKey, also through
# another encoding; UnrecognizedPublicKeyEncoding for ed25519, ecdsa, a
# private key and text; InvalidPublicKey for 1024 bits and a broken key;
# LimitExceeded at the sixth key; NoSuchEntity; ValidationError naming the
# member); DeleteUser's DeleteConflict while a key is left; the
# authorized-keys output (Active keys only, an unbound uid prints nothing
# and exits 0, --same-name), run as an unprivileged bound user allowed only
# iamd:ListLocalUserSSHPublicKeys (and denied without it); the audit trail;
# Debian's AWS CLI through iam-gateway printing what iamctl prints.
. "$top_srcdir/tests/integration/lib.sh"
# this file checks iamd's own validation: iamctl sends the parameters as
# given, without the AWS CLI's client-side checks (iamctl_validate.sh)
IAMCTL_SKIP_CLIENT_VALIDATION=1
export IAMCTL_SKIP_CLIENT_VALIDATION

command -v ssh-keygen >/dev/null || skip_all "ssh-keygen (openssh-client) is needed"
command -v python3 >/dev/null || skip_all "python3 is needed"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE
export HOME="$TMP/home"
mkdir -p "$HOME"
keyd_start || bail_out "iam-keyd did not start"
iamd_start || bail_out "iamd did not start"

K="$TMP/keys"
mkdir -p "$K"
for n in 1 2 3 4 5 6; do
	ssh-keygen -q -t rsa -b 2048 -N '' -C "key$n@test" -f "$K/rsa$n" || bail_out "ssh-keygen"
done
ssh-keygen -q -t rsa -b 3072 -N '' -f "$K/rsa3072"
ssh-keygen -q -t rsa -b 1024 -N '' -f "$K/rsa1024"
ssh-keygen -q -t ed25519 -N '' -f "$K/ed"
ssh-keygen -q -t ecdsa -N '' -f "$K/ecdsa"
md5() { ssh-keygen -l -E md5 -f "$1" | awk '{print $2}' | sed 's/^MD5://'; }
field() { printf "%s\n" "$OUT" | json_get "[\"SSHPublicKey\"][\"$1\"]"; }

"$IAMCTL" iam create-user --user-name alice >/dev/null
"$IAMCTL" iam create-user --user-name bob >/dev/null

# --- UploadSSHPublicKey ---
run "$IAMCTL" iam upload-ssh-public-key --user-name alice --ssh-public-key-body "$(cat "$K/rsa1.pub")"
is "$RC" 0 "UploadSSHPublicKey of an ssh-rsa line"
ID1=$(field SSHPublicKeyId)
like "$ID1" '^APKA[A-Z2-7]{16}$' "  an APKA... id of 20 characters"
is "$(field Fingerprint)" "$(md5 "$K/rsa1.pub")" "  Fingerprint = ssh-keygen -l -E md5"
is "$(field Status)" Active "  Active"
is "$(field UserName)" alice "  UserName"
is "$(field SSHPublicKeyBody)" "$(cat "$K/rsa1.pub")" "  the body as uploaded"
like "$(field UploadDate)" '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\+00:00$' "  UploadDate"

run "$IAMCTL" iam upload-ssh-public-key --user-name alice \
	--ssh-public-key-body "$(ssh-keygen -e -m PKCS8 -f "$K/rsa2.pub")"
is "$RC" 0 "UploadSSHPublicKey of PEM (SubjectPublicKeyInfo)"
ID2=$(field SSHPublicKeyId)
is "$(field Fingerprint)" "$(md5 "$K/rsa2.pub")" "  the fingerprint of the key, whatever its encoding"
run "$IAMCTL" iam upload-ssh-public-key --user-name alice \
	--ssh-public-key-body "$(ssh-keygen -e -m PEM -f "$K/rsa3072.pub")"
is "$RC" 0 "UploadSSHPublicKey of PEM (PKCS#1 RSA PUBLIC KEY), 3072 bits"
ID3=$(field SSHPublicKeyId)
is "$(field Fingerprint)" "$(md5 "$K/rsa3072.pub")" "  its fingerprint"

# --- GetSSHPublicKey ---
run "$IAMCTL" iam get-ssh-public-key --user-name alice --ssh-public-key-id "$ID1" --encoding PEM
is "$RC" 0 "GetSSHPublicKey Encoding PEM of an ssh-rsa upload"
is "$(field SSHPublicKeyBody)" "$(ssh-keygen -e -m PKCS8 -f "$K/rsa1.pub")" "  = ssh-keygen -e -m PKCS8"
is "$(field Fingerprint)" "$(md5 "$K/rsa1.pub")" "  with its fingerprint"
run "$IAMCTL" iam get-ssh-public-key --user-name alice --ssh-public-key-id "$ID2" --encoding SSH
is "$(field SSHPublicKeyBody)" "$(cut -d' ' -f1-2 "$K/rsa2.pub")" \
	"GetSSHPublicKey Encoding SSH of a PEM upload: the ssh-rsa line"
run "$IAMCTL" iam get-ssh-public-key --user-name alice --ssh-public-key-id "$ID1" --encoding SSH
is "$(field SSHPublicKeyBody)" "$(cat "$K/rsa1.pub")" "  in its own encoding: as uploaded"
run "$IAMCTL" iam get-ssh-public-key --user-name alice --ssh-public-key-id "$ID1" --encoding DER
like "$ERR" "ValidationError.*Value 'DER' at 'encoding' failed to satisfy constraint: Member must satisfy enum value set: \\[SSH, PEM\\]" \
	"Encoding DER: ValidationError"
run "$IAMCTL" iam get-ssh-public-key --user-name bob --ssh-public-key-id "$ID1" --encoding SSH
is "$RC" 254 "another user's key id"
like "$ERR" "NoSuchEntity.*The Public Key with id $ID1 cannot be found\\." "  NoSuchEntity"
run "$IAMCTL" iam get-ssh-public-key --user-name nobody --ssh-public-key-id "$ID1" --encoding SSH
like "$ERR" "NoSuchEntity.*The user with name nobody cannot be found\\." "a missing user: NoSuchEntity"
run "$IAMCTL" iam get-ssh-public-key --user-name alice --ssh-public-key-id APKA1 --encoding SSH
like "$ERR" "ValidationError.*Value 'APKA1' at 'sSHPublicKeyId' failed to satisfy constraint: Member must have length greater than or equal to 20" \
	"a short key id: ValidationError naming sSHPublicKeyId"

# --- errors of UploadSSHPublicKey ---
run "$IAMCTL" iam upload-ssh-public-key --user-name alice --ssh-public-key-body "$(cat "$K/rsa1.pub")"
like "$ERR" "DuplicateSSHPublicKey" "the same key again: DuplicateSSHPublicKey"
run "$IAMCTL" iam upload-ssh-public-key --user-name alice \
	--ssh-public-key-body "$(ssh-keygen -e -m PKCS8 -f "$K/rsa1.pub")"
like "$ERR" "DuplicateSSHPublicKey" "  also in another encoding"
run "$IAMCTL" iam upload-ssh-public-key --user-name bob --ssh-public-key-body "$(cat "$K/rsa1.pub")"
is "$RC" 0 "the same key for another user is not a duplicate"
BOB1=$(field SSHPublicKeyId)
for t in ed ecdsa; do
	run "$IAMCTL" iam upload-ssh-public-key --user-name alice --ssh-public-key-body "$(cat "$K/$t.pub")"
	like "$ERR" "UnrecognizedPublicKeyEncoding.*only RSA keys" "$t: UnrecognizedPublicKeyEncoding (AWS takes RSA only)"
done
run "$IAMCTL" iam upload-ssh-public-key --user-name alice --ssh-public-key-body "$(cat "$K/rsa1")"
like "$ERR" "UnrecognizedPublicKeyEncoding.*private key" "a private key: refused, saying so"
run "$IAMCTL" iam upload-ssh-public-key --user-name alice --ssh-public-key-body "hello"
like "$ERR" "UnrecognizedPublicKeyEncoding" "text: UnrecognizedPublicKeyEncoding"
run "$IAMCTL" iam upload-ssh-public-key --user-name alice --ssh-public-key-body "$(cat "$K/rsa1024.pub")"
like "$ERR" "InvalidPublicKey.*shorter than 2048 bits" "1024 bits: InvalidPublicKey"
run "$IAMCTL" iam upload-ssh-public-key --user-name alice \
	--ssh-public-key-body "$(cut -c1-300 "$K/rsa4.pub")"
like "$ERR" "InvalidPublicKey" "a truncated key: InvalidPublicKey"
run "$IAMCTL" iam upload-ssh-public-key --user-name alice --ssh-public-key-body "$(printf 'ssh-rsa \001')"
like "$ERR" "ValidationError.*at 'sSHPublicKeyBody'.*regular expression pattern" \
	"a control character: ValidationError naming sSHPublicKeyBody"
run "$IAMCTL" iam upload-ssh-public-key --user-name nobody --ssh-public-key-body "$(cat "$K/rsa4.pub")"
like "$ERR" "NoSuchEntity.*nobody" "a missing user: NoSuchEntity"
for n in 4 5; do
	run "$IAMCTL" iam upload-ssh-public-key --user-name alice --ssh-public-key-body "$(cat "$K/rsa$n.pub")"
done
is "$RC" 0 "five keys"
run "$IAMCTL" iam upload-ssh-public-key --user-name alice --ssh-public-key-body "$(cat "$K/rsa6.pub")"
like "$ERR" "LimitExceeded.*Cannot exceed quota for SSHPublicKeysPerUser: 5" "the sixth: LimitExceeded"

# --- ListSSHPublicKeys, UpdateSSHPublicKey ---
run "$IAMCTL" iam list-ssh-public-keys --user-name alice
is "$(printf "%s\n" "$OUT" | json_get '["SSHPublicKeys"]' | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" 5 \
	"ListSSHPublicKeys: five"
like "$OUT" "\"SSHPublicKeyId\": \"$ID2\"" "  with their ids"
unlike "$OUT" "SSHPublicKeyBody|Fingerprint" "  metadata only (no body, no fingerprint)"
run "$IAMCTL" iam list-ssh-public-keys --user-name alice --max-items 2 --no-paginate
like "$OUT" '"IsTruncated": true' "  two at a time: truncated"
run "$IAMCTL" iam update-ssh-public-key --user-name alice --ssh-public-key-id "$ID2" --status Inactive
is "$RC" 0 "UpdateSSHPublicKey Inactive"
run "$IAMCTL" iam get-ssh-public-key --user-name alice --ssh-public-key-id "$ID2" --encoding SSH
is "$(field Status)" Inactive "  Inactive"
run "$IAMCTL" iam update-ssh-public-key --user-name alice --ssh-public-key-id "$ID2" --status Off
like "$ERR" "ValidationError.*at 'status'.*\\[Active, Inactive\\]" "Status Off: ValidationError"

# --- sshd's AuthorizedKeysCommand ---
"$IAMCTL" iamd create-local-user-binding --uid 4300 --user-name alice >/dev/null
run "$IAMCTL" ssh authorized-keys 4300
is "$RC" 0 "iamctl ssh authorized-keys of a bound uid"
is "$(printf "%s\n" "$OUT" | wc -l)" 4 "  the four Active keys, one line each"
is "$(printf '%s\n' "$OUT" | grep -cF "$(cut -d' ' -f2 "$K/rsa2.pub")")" 0 "  not the Inactive one"
line=$(printf "%s\n" "$OUT" | grep "$ID1")
is "$line" "$(cut -d' ' -f1-2 "$K/rsa1.pub") alice/$ID1" "  ssh-rsa BASE64 USER/KEYID (no uploaded comment)"
printf "%s\n" "$OUT" | sed 's/^/restrict /' >"$TMP/authorized_keys"
ok "  ssh-keygen reads it as authorized_keys" ssh-keygen -l -f "$TMP/authorized_keys"
is "$(ssh-keygen -l -E md5 -f "$TMP/authorized_keys" | awk '{print $2}' | grep -c "$(md5 "$K/rsa1.pub")")" 1 \
	"  with the fingerprint of the uploaded key"
run "$IAMCTL" ssh authorized-keys 4301
is "$RC:$OUT" "0:" "an unbound uid: nothing, exit 0"
run "$IAMCTL" ssh authorized-keys no-such-local-user-xyz
is "$RC" 1 "a user NSS does not know: exit 1"
run "$IAMCTL" ssh authorized-keys
is "$RC" 252 "no user: usage"
if getent passwd nobody >/dev/null; then
	"$IAMCTL" iam create-user --user-name nobody >/dev/null
	"$IAMCTL" iam upload-ssh-public-key --user-name nobody --ssh-public-key-body "$(cat "$K/rsa6.pub")" >/dev/null
	run "$IAMCTL" ssh authorized-keys nobody
	is "$RC:$OUT" "0:" "the unbound local user nobody: nothing"
	run "$IAMCTL" ssh authorized-keys --same-name nobody
	is "$(printf '%s\n' "$OUT" | cut -d' ' -f1-2)" "$(cut -d' ' -f1-2 "$K/rsa6.pub")" \
		"  --same-name: the key of the IAM user of the same name"
else
	skip "--same-name" "no user nobody"; skip "--same-name" "no user nobody"
fi

if can_switch_uid; then
	SU=4310
	as_s() { run setpriv --reuid=$SU --regid=$SU --clear-groups -- "$@"; }
	"$IAMCTL" iam create-user --user-name sshd-keys >/dev/null
	"$IAMCTL" iamd create-local-user-binding --uid $SU --user-name sshd-keys >/dev/null
	"$IAMCTL" ssh authorized-keys 4300 >/dev/null   # the libtool wrapper's first run
	as_s "$IAMCTL" ssh authorized-keys 4300
	is "$RC" 1 "as a bound user without the permission: exit 1"
	like "$ERR" "AccessDenied.*user/sshd-keys is not authorized to perform: iamd:ListLocalUserSSHPublicKeys on resource: arn:aws:iam::[0-9]{12}:user/alice" \
		"  AccessDenied on the bound user's ARN, on stderr"
	"$IAMCTL" iam put-user-policy --user-name sshd-keys --policy-name keys --policy-document \
		'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iamd:ListLocalUserSSHPublicKeys","Resource":"*"}]}'
	as_s "$IAMCTL" ssh authorized-keys 4300
	is "$RC:$(printf "%s\n" "$OUT" | wc -l)" "0:4" "with iamd:ListLocalUserSSHPublicKeys allowed: the four keys, as uid $SU"
	as_s "$IAMCTL" iam list-ssh-public-keys --user-name alice
	like "$ERR" "AccessDenied" "  and nothing else (ListSSHPublicKeys denied)"
	as_s "$IAMCTL" ssh authorized-keys 4301
	is "$RC:$OUT" "0:" "  an unbound uid: nothing, exit 0"
else
	for _ in 1 2 3 4 5; do skip "the AuthorizedKeysCommandUser" "needs root and setpriv"; done
fi

# --- DeleteUser, DeleteSSHPublicKey ---
run "$IAMCTL" iam delete-user --user-name bob
like "$ERR" "DeleteConflict.*must delete SSH public keys first" "DeleteUser with a key left: DeleteConflict"
run "$IAMCTL" iam delete-ssh-public-key --user-name bob --ssh-public-key-id "$BOB1"
is "$RC:$OUT" "0:" "DeleteSSHPublicKey"
run "$IAMCTL" iam delete-ssh-public-key --user-name bob --ssh-public-key-id "$BOB1"
like "$ERR" "NoSuchEntity.*The Public Key with id $BOB1 cannot be found" "  again: NoSuchEntity"
run "$IAMCTL" iam delete-user --user-name bob
is "$RC" 0 "then DeleteUser"

# --- the audit trail ---
audit_written
run "$IAMCTL" audit lookup --event-name UploadSSHPublicKey
like "$OUT" "\"sSHPublicKeyId\":\"$ID1\"|\"SSHPublicKeyId\":\"$ID1\"|$ID1" "UploadSSHPublicKey is in the audit trail with its key id"
like "$OUT" "\"errorCode\":\"LimitExceeded\"" "  and the refused sixth key"

# --- Debian's AWS CLI through the gateway prints what iamctl prints ---
if [ -x /usr/bin/aws ] && gateway_start; then
	user_key alice
	"$IAMCTL" iam attach-user-policy --user-name alice --policy-arn arn:aws:iam::aws:policy/IAMFullAccess
	export AWS_ACCESS_KEY_ID=$alice_AK AWS_SECRET_ACCESS_KEY=$alice_SK AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
	export AWS_CONFIG_FILE="$TMP/no-config" AWS_SHARED_CREDENTIALS_FILE="$TMP/no-credentials"
	aws() { /usr/bin/aws --endpoint-url "$IAMD_GATEWAY_URL" "$@"; }
	"$IAMCTL" iam delete-ssh-public-key --user-name alice --ssh-public-key-id "$ID3"
	run aws iam upload-ssh-public-key --user-name alice --ssh-public-key-body "file://$K/rsa6.pub"
	is "$RC" 0 "aws iam upload-ssh-public-key through the gateway"
	ID6=$(field SSHPublicKeyId)
	is "$(field Fingerprint)" "$(md5 "$K/rsa6.pub")" "  the fingerprint ssh-keygen prints"
	for enc in SSH PEM; do
		aws iam get-ssh-public-key --user-name alice --ssh-public-key-id "$ID6" --encoding $enc >"$TMP/aws.out" 2>&1
		"$IAMCTL" iam get-ssh-public-key --user-name alice --ssh-public-key-id "$ID6" --encoding $enc >"$TMP/iamctl.out" 2>&1
		ok "aws iam get-ssh-public-key --encoding $enc prints what iamctl prints" cmp "$TMP/aws.out" "$TMP/iamctl.out"
	done
	is "$(json_get '["SSHPublicKey"]["SSHPublicKeyBody"]' <"$TMP/aws.out")" \
		"$(ssh-keygen -e -m PKCS8 -f "$K/rsa6.pub")" "  PEM through the Query API"
	aws iam list-ssh-public-keys >"$TMP/aws.out" 2>&1
	"$IAMCTL" iam list-ssh-public-keys --user-name alice >"$TMP/iamctl.out" 2>&1
	ok "aws iam list-ssh-public-keys (the caller's own) prints what iamctl prints" cmp "$TMP/aws.out" "$TMP/iamctl.out"
	run aws iam update-ssh-public-key --user-name alice --ssh-public-key-id "$ID6" --status Inactive
	is "$RC" 0 "aws iam update-ssh-public-key"
	run aws iam upload-ssh-public-key --user-name alice --ssh-public-key-body "file://$K/rsa6.pub"
	is "$RC" 254 "aws: a duplicate fails"
	like "$ERR" "An error occurred \\(DuplicateSSHPublicKey\\) when calling the UploadSSHPublicKey operation" \
		"  with DuplicateSSHPublicKey"
	run aws iam upload-ssh-public-key --user-name alice --ssh-public-key-body "file://$K/ed.pub"
	like "$ERR" "\\(UnrecognizedPublicKeyEncoding\\)" "aws: ed25519 UnrecognizedPublicKeyEncoding"
	run aws iam delete-ssh-public-key --user-name alice --ssh-public-key-id "$ID6"
	is "$RC" 0 "aws iam delete-ssh-public-key"
	run aws iam get-ssh-public-key --user-name alice --ssh-public-key-id "$ID6" --encoding SSH
	like "$ERR" "\\(NoSuchEntity\\).*$ID6" "  then NoSuchEntity"
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	gateway_stop
else
	for _ in $(seq 12); do skip "the AWS CLI" "no /usr/bin/aws or no gateway"; done
fi

ok "iamd stops cleanly" iamd_stop
done_testing
