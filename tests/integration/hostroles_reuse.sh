#!/bin/sh
# hostroles_reuse: a reused pid cannot impersonate (docs/host-roles.md, "Who
# is asking"). In a PID namespace of its own (unshare --pid, as root) where
# pids are handed out deterministically (ns_last_pid), with iamd, iam-keyd
# and every client inside it:
#   - a process C of uid 1021 connects to iamd, forks a holder H that
#     inherits the connection, and exits; H asking over C's connection is
#     refused (the process that connected is gone);
#   - then a process of the same uid is started UNDER C's PID inside the
#     unit whose association gives the role "victim" (a cgroup named like a
#     unit); H asking again over C's connection must still be refused and
#     never get victim's role, although the process now under that pid
#     would get it when it connects itself;
#   - the same when C asked (and was identified) itself before it left: the
#     identity iamd keeps with a connection holds only while C is alive.
# Skips the file where it cannot be arranged: not root, no PID namespace, no
# writable cgroup v2 hierarchy.
if [ "${IAMD_REUSE_IN_NS:-}" != 1 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "1..0 # SKIP needs root (a PID namespace, ns_last_pid, cgroups)"
		exit 0
	fi
	if ! unshare --pid --fork --mount-proc true 2>/dev/null; then
		echo "1..0 # SKIP cannot make a PID namespace here (unshare --pid)"
		exit 0
	fi
	IAMD_REUSE_IN_NS=1
	export IAMD_REUSE_IN_NS
	exec unshare --pid --fork --mount-proc "${SHELL:-/bin/sh}" "$0" "$@"
fi

. "$top_srcdir/tests/integration/lib.sh"

[ -x "$IAMD_KEYD" ] || skip_all "iam-keyd is not built"
command -v setpriv >/dev/null || skip_all "setpriv is needed"
[ -w /proc/sys/kernel/ns_last_pid ] || skip_all "/proc/sys/kernel/ns_last_pid is not writable"
CGR=
for d in /sys/fs/cgroup /sys/fs/cgroup/unified; do
	if [ "$(stat -f -c %T "$d" 2>/dev/null)" = cgroup2fs ]; then CGR=$d; break; fi
done
[ -n "$CGR" ] || skip_all "no cgroup v2 hierarchy"
RND=$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
UNIT=iamd-reuse-$RND.service
CG=$CGR/$UNIT
mkdir "$CG" 2>/dev/null || skip_all "cannot create a cgroup in $CGR"
REUSE=$top_builddir/tests/integration/peer_reuse
SLEEPER=
cleanup() {
	exec 3>&- 2>/dev/null
	[ -n "$SLEEPER" ] && kill "$SLEEPER" 2>/dev/null
	for _ in $(seq 50); do
		rmdir "$CG" 2>/dev/null && break
		sleep 0.1
	done
	lib_cleanup
}
trap cleanup EXIT
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE
IAMD_ACCOUNT_ID=333333333333
A=$IAMD_ACCOUNT_ID

keyd_start || bail_out "iam-keyd did not start"
iamd_start || bail_out "iamd did not start"
is "$$" 1 "this test runs as pid 1 of its own PID namespace"

"$IAMCTL" iam create-role --role-name victim --assume-role-policy-document \
	'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"host.iamd.local"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"iamd:SystemdUnit":"'"$UNIT"'"}}}]}' \
	>/dev/null &&
"$IAMCTL" iam create-instance-profile --instance-profile-name victim >/dev/null &&
"$IAMCTL" iam add-role-to-instance-profile --instance-profile-name victim --role-name victim &&
"$IAMCTL" iamd associate-instance-profile --instance-profile-name victim \
	--selector "{\"SystemdUnit\":\"$UNIT\"}" >/dev/null
is "$?" 0 "role victim, associated with unit $UNIT (a cgroup named like a unit)"

# controls: in the unit uid 1021 gets victim's role; outside it, nothing
run sh -c 'echo $$ >"$0/cgroup.procs" && exec setpriv --reuid=1021 --regid=1021 --clear-groups -- "$@"' \
	"$CG" "$IAMCTL" iamd get-credentials
is "$(printf '%s' "$OUT" | json_get '["AssumedRoleUser"]["Arn"]' 2>/dev/null)" \
	"arn:aws:sts::$A:assumed-role/victim/unit-$UNIT" "a process of the unit gets victim's role"
run setpriv --reuid=1021 --regid=1021 --clear-groups -- "$IAMCTL" iamd get-credentials
like "$ERR" 'AccessDenied.*no instance profile is associated' "outside the unit uid 1021 gets nothing"

# C connects, passes its connection to H, exits (reaped: its pid is free)
rm -f "$TMP/ctl"
mkfifo "$TMP/ctl"
setpriv --reuid=1021 --regid=1021 --clear-groups -- "$REUSE" hold <"$TMP/ctl" >"$TMP/h.out" 2>"$TMP/h.err" &
HOLDP=$!
exec 3>"$TMP/ctl"
wait "$HOLDP"
is "$?" 0 "a process connected, forked a holder of its connection and exited ($(cat "$TMP/h.err"))"
P=$(sed -n 's/^conn_pid //p' "$TMP/h.out")
like "$P" '^[0-9]+$' "the connecting process's pid ($P)"
[ -n "$P" ] || bail_out "no pid from peer_reuse hold"
[ ! -e "/proc/$P" ] && pass "pid $P is free" || fail "pid $P is free"

answers() { grep -c '^\(arn\|error\) ' "$TMP/h.out"; }
ask() {   # the holder asks over C's connection; the answer's line
	_n=$(answers)
	echo get >&3
	for _ in $(seq 300); do
		[ "$(answers)" -gt "$_n" ] && break
		sleep 0.1
	done
	grep '^\(arn\|error\) ' "$TMP/h.out" | tail -n 1
}
L=$(ask)
like "$L" '^error AccessDenied The process that opened this connection \(pid '"$P"', uid 1021\) has exited' \
	"its connection held by another process: refused, the connecting process is gone"

# a process of the same uid, in the unit, now under C's pid
run "$REUSE" spawn-at "$P" "$CG" 1021 -- sleep 120
is "$OUT" "spawned $P" "a new process of uid 1021 under pid $P ($ERR)"
SLEEPER=$P
grep -q "^0::/$UNIT\$" "/proc/$P/cgroup" 2>/dev/null && pass "it is in unit $UNIT" ||
	fail "it is in unit $UNIT ($(cat "/proc/$P/cgroup" 2>/dev/null | tr '\n' ' '))"
is "$(stat -c %u "/proc/$P" 2>/dev/null)" 1021 "it runs as uid 1021"
L=$(ask)
like "$L" '^error AccessDenied The process that opened this connection \(pid '"$P"', uid 1021\) has exited' \
	"a reused pid does not pass for the process that connected"
unlike "$L" 'victim' "the holder never gets victim's role"

exec 3>&-
kill "$SLEEPER" 2>/dev/null
SLEEPER=

# the same when C asked first itself (iamd then keeps C's identity with
# the connection: it still holds only while C is alive)
rm -f "$TMP/ctl2"
mkfifo "$TMP/ctl2"
sh -c 'echo $$ >"$0/cgroup.procs" && exec setpriv --reuid=1021 --regid=1021 --clear-groups -- "$@"' \
	"$CG" "$REUSE" hold asked <"$TMP/ctl2" >"$TMP/h.out" 2>"$TMP/h.err" &
HOLDP=$!
exec 3>"$TMP/ctl2"
wait "$HOLDP"
is "$?" 0 "a process of the unit connected, asked, forked a holder and exited ($(cat "$TMP/h.err"))"
P=$(sed -n 's/^conn_pid //p' "$TMP/h.out")
is "$(grep '^\(arn\|error\) ' "$TMP/h.out" | head -n 1)" "arn arn:aws:sts::$A:assumed-role/victim/unit-$UNIT" \
	"the connecting process itself got victim's role"
L=$(ask)
like "$L" '^error AccessDenied The process that opened this connection \(pid '"$P"', uid 1021\) has exited' \
	"then its holder asking over its connection: refused, although C was identified before"
run "$REUSE" spawn-at "$P" "$CG" 1021 -- sleep 120
is "$OUT" "spawned $P" "a new process of uid 1021 in the unit under pid $P ($ERR)"
SLEEPER=$P
L=$(ask)
like "$L" '^error AccessDenied The process that opened this connection \(pid '"$P"', uid 1021\) has exited' \
	"a reused pid does not revive the identity kept for the connection"
exec 3>&-
kill "$SLEEPER" 2>/dev/null
done_testing
