#!/bin/sh
# ssh_sshd.sh: a real OpenSSH login through iamd (docs/ssh.md). Debian's
# sshd runs in the foreground on a loopback high port with
# AuthorizedKeysCommand `iamctl ssh authorized-keys %U` run as the system
# user `daemon` (bound to an IAM user allowed only
# iamd:ListLocalUserSSHPublicKeys) and AuthorizedKeysFile none; the local
# user `nobody` is bound to the IAM user alice. `ssh -i` with alice's key
# logs in (sshd logs "Accepted publickey for nobody"); UpdateSSHPublicKey
# Inactive: the same login is refused; Active again: accepted; a key alice
# never uploaded: refused. Skipped (77) without sshd, ssh, root or the
# users daemon and nobody.
. "$top_srcdir/tests/integration/lib.sh"

SSHD=/usr/sbin/sshd
[ -x "$SSHD" ] || skip_all "no $SSHD (openssh-server)"
command -v ssh >/dev/null && command -v ssh-keygen >/dev/null || skip_all "no ssh (openssh-client)"
[ "$(id -u)" -eq 0 ] || skip_all "sshd's AuthorizedKeysCommandUser needs root to switch to"
getent passwd nobody >/dev/null && getent passwd daemon >/dev/null || skip_all "no users nobody and daemon"
mkdir -p /run/sshd 2>/dev/null || skip_all "cannot make sshd's privilege separation directory /run/sshd"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE
export HOME="$TMP/home"
mkdir -p "$HOME"

# sshd runs the command only from a root-owned path no one else may write
# (every directory up to /): a directory of its own under /run (the build
# tree may be anywhere, /tmp included); the script there runs iamctl
CMDDIR=$(mktemp -d /run/iamd-sshd-cmd.XXXXXX 2>/dev/null) ||
	skip_all "cannot make a directory under /run for sshd's AuthorizedKeysCommand"
chmod 0755 "$CMDDIR" || bail_out "cannot chmod $CMDDIR"
d=$CMDDIR
while :; do
	[ "$(stat -c %u "$d")" = 0 ] && [ $(( 0$(stat -c %a "$d") & 022 )) -eq 0 ] || {
		rmdir "$CMDDIR"
		skip_all "$d is not root-owned and closed to others (sshd's safe path)"
	}
	[ "$d" = / ] && break
	d=$(dirname "$d")
done
SSHD_PID=
finish() {
	[ -n "$SSHD_PID" ] && kill "$SSHD_PID" 2>/dev/null
	rm -rf "$CMDDIR"
	lib_cleanup
}
trap finish EXIT

keyd_start || bail_out "iam-keyd did not start"
iamd_start || bail_out "iamd did not start"

cat >"$CMDDIR/authorized-keys" <<EOF
#!/bin/sh
exec env IAMD_SOCKET='$IAMD_SOCKET' ASAN_OPTIONS=detect_leaks=0 '$IAMCTL' ssh authorized-keys "\$1"
EOF
chmod 0755 "$CMDDIR/authorized-keys"

ssh-keygen -q -t rsa -b 2048 -N '' -f "$TMP/alice_key" || bail_out "ssh-keygen"
ssh-keygen -q -t rsa -b 2048 -N '' -f "$TMP/other_key"
ssh-keygen -q -t ed25519 -N '' -f "$TMP/host_key"

"$IAMCTL" iam create-user --user-name alice >/dev/null
run "$IAMCTL" iam upload-ssh-public-key --user-name alice --ssh-public-key-body "$(cat "$TMP/alice_key.pub")"
is "$RC" 0 "alice's key uploaded"
KID=$(printf '%s' "$OUT" | json_get '["SSHPublicKey"]["SSHPublicKeyId"]')
"$IAMCTL" iamd create-local-user-binding --uid "$(id -u nobody)" --user-name alice >/dev/null
"$IAMCTL" iam create-user --user-name sshd-keys >/dev/null
"$IAMCTL" iam put-user-policy --user-name sshd-keys --policy-name authorized-keys --policy-document \
	'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iamd:ListLocalUserSSHPublicKeys","Resource":"*"}]}'
"$IAMCTL" iamd create-local-user-binding --uid "$(id -u daemon)" --user-name sshd-keys >/dev/null
"$CMDDIR/authorized-keys" nobody >/dev/null   # the libtool wrapper's first run, as root
run setpriv --reuid="$(id -u daemon)" --regid="$(id -g daemon)" --clear-groups -- "$CMDDIR/authorized-keys" "$(id -u nobody)"
is "$RC" 0 "the command as daemon: exit 0"
is "$(printf '%s\n' "$OUT" | cut -d' ' -f1-2)" "$(cut -d' ' -f1-2 "$TMP/alice_key.pub")" "  alice's key"

PORT=$((20000 + $$ % 20000))
cat >"$TMP/sshd_config" <<EOF
Port $PORT
ListenAddress 127.0.0.1
HostKey $TMP/host_key
PidFile $TMP/sshd.pid
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile none
AuthorizedKeysCommand $CMDDIR/authorized-keys %U
AuthorizedKeysCommandUser daemon
LogLevel VERBOSE
EOF
"$SSHD" -t -f "$TMP/sshd_config" 2>"$TMP/sshd-t.err" || {
	diag "$(cat "$TMP/sshd-t.err")"
	skip_all "sshd refuses the test configuration"
}
"$SSHD" -D -f "$TMP/sshd_config" -E "$TMP/sshd.log" &
SSHD_PID=$!
for _ in $(seq 50); do
	grep -q "Server listening" "$TMP/sshd.log" 2>/dev/null && break
	sleep 0.1
done
grep -q "Server listening" "$TMP/sshd.log" || { diag "$(cat "$TMP/sshd.log")"; bail_out "sshd did not start"; }

login() {   # login KEY: ssh as nobody; RC, and the count of accepted logins
	run ssh -F /dev/null -i "$1" -p "$PORT" -o BatchMode=yes -o IdentitiesOnly=yes \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=10 \
		nobody@127.0.0.1 true
	sleep 0.2
	ACCEPTED=$(grep -c "Accepted publickey for nobody" "$TMP/sshd.log")
}

login "$TMP/alice_key"
is "$ACCEPTED" 1 "ssh -i alice's key as nobody: sshd accepts it from iamd"
isnt "$RC" 255 "  ssh authenticated (the session ran)"
"$IAMCTL" iam update-ssh-public-key --user-name alice --ssh-public-key-id "$KID" --status Inactive
login "$TMP/alice_key"
is "$RC:$ACCEPTED" "255:1" "the key made Inactive: refused"
like "$ERR" "Permission denied \\(publickey\\)" "  Permission denied (publickey)"
"$IAMCTL" iam update-ssh-public-key --user-name alice --ssh-public-key-id "$KID" --status Active
login "$TMP/alice_key"
is "$ACCEPTED" 2 "Active again: accepted"
login "$TMP/other_key"
is "$RC:$ACCEPTED" "255:2" "a key alice never uploaded: refused"
"$IAMCTL" iamd delete-local-user-binding --uid "$(id -u nobody)" >/dev/null
login "$TMP/alice_key"
is "$RC:$ACCEPTED" "255:2" "nobody unbound: refused (the command printed nothing)"

kill "$SSHD_PID" 2>/dev/null
wait "$SSHD_PID" 2>/dev/null
SSHD_PID=
ok "iamd stops cleanly" iamd_stop
done_testing
