#!/usr/bin/env bash
# dev.sh: one command to build and run iamd, one to test it.
#
#   ./dev.sh run                 install what is missing, build, run in the foreground
#                                (iam-keyd first, beside iamd; see docs/keyd.md)
#                                and iam-gateway (the AWS Query API for the AWS CLI
#                                and SDKs) on http://127.0.0.1:${IAMD_GATEWAY_PORT:-8180}
#   ./dev.sh run --background    the same, detached; prints shell assignments only:
#                                eval "$(./dev.sh run --background)"
#   ./dev.sh stop                stop what `run --background` started
#   ./dev.sh test                install, build with ASan+UBSan, run every test;
#                                ends with the line "N passed, N failed"
#   ./dev.sh build               install and build only (into _build/dev)
#
# State lives in ./_state/ (IAMD_STATE_DIR overrides it), the sockets in
# /run/iamd-dev.N (or $TMPDIR/iamd-dev.N; IAMD_RUNTIME_DIR overrides it), where
# every local uid can reach them; builds in ./_build/.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
state=${IAMD_STATE_DIR:-$top/_state}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}

# Debian packages the build, the tests and `run` need.
packages=(build-essential autoconf automake libtool pkg-config
	libevent-dev libprotobuf-c-dev protobuf-c-compiler liblmdb-dev
	libsodium-dev libsystemd-dev libjansson-dev libseccomp-dev
	clang python3 util-linux procps python3-botocore awscli python3-boto3 curl
	zbar-tools openssh-client openssh-server libssl-dev python3-jwt python3-cryptography openssl
	libxmlsec1-dev python3-xmlsec xmlsec1)

log() { printf '%s\n' "dev.sh: $*" >&2; }

install_packages() {
	local missing=() p
	for p in "${packages[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	log "installing Debian packages: ${missing[*]}"
	local sudo=()
	[ "$(id -u)" -eq 0 ] || sudo=(sudo)
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# build DIR [configure args...]: configure once per set of args, then make.
build() {
	local dir=$1; shift
	local args="$*"
	if [ ! -x "$top/configure" ] || [ "$top/configure.ac" -nt "$top/configure" ]; then
		log "autoreconf"
		(cd "$top" && autoreconf -fi) >&2
	fi
	mkdir -p "$dir"
	if [ ! -f "$dir/Makefile" ] || [ "$(cat "$dir/.configure-args" 2>/dev/null)" != "$args" ]; then
		log "configure $args"
		(cd "$dir" && "$top/configure" -q $args) >&2
		printf '%s' "$args" > "$dir/.configure-args"
	fi
	log "make in ${dir#"$top"/}"
	make -C "$dir" -s -j"$jobs" >&2
}

pidfile() { echo "$state/dev.pids"; }

# The runtime directory (iamd's and iam-keyd's sockets, pid files): not
# under the state directory, which is 0700 (and the checkout may be under
# a private home), but where every uid can reach it, so that a local user
# bound to an IAM user (`iamctl iamd create-local-user-binding`) can call
# iamd: the socket is 0666 and iamd knows each caller by SO_PEERCRED.
# IAMD_RUNTIME_DIR overrides it; one per state directory.
runtime_dir() {
	if [ -n "${IAMD_RUNTIME_DIR:-}" ]; then
		echo "$IAMD_RUNTIME_DIR"
		return
	fi
	local base=/run
	[ -w /run ] || base=${TMPDIR:-/tmp}
	echo "$base/iamd-dev.$(printf '%s' "$state" | cksum | cut -d' ' -f1)"
}

# Starts iam-gateway on 127.0.0.1:$IAMD_GATEWAY_PORT (default 8180) in front
# of iamd's socket and waits until it listens. Sets gateway_pid and
# gateway_url.
start_gateway() {
	local bin=$1 run=$2
	rm -f "$state/gateway.out"
	"$bin/gateway/iam-gateway" --listen "127.0.0.1:${IAMD_GATEWAY_PORT:-8180}" \
		--socket "$run/api.sock" >"$state/gateway.out" 2>>"$state/gateway.log" &
	gateway_pid=$!
	for _ in $(seq 200); do
		gateway_url=$(sed -n 's/^listening on //p' "$state/gateway.out" 2>/dev/null | head -n 1)
		[ -n "$gateway_url" ] && return 0
		kill -0 "$gateway_pid" 2>/dev/null || break
		sleep 0.05
	done
	log "iam-gateway did not start; see $state/gateway.log"
	tail -n 20 "$state/gateway.log" >&2 || true
	kill -TERM "$gateway_pid" 2>/dev/null || true
	return 1
}

stop() {
	local f; f=$(pidfile)
	[ -f "$f" ] || { log "nothing to stop in $state"; return 0; }
	local name pid
	while read -r name pid; do
		if kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid" 2>/dev/null || true
			for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
			kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
			log "stopped $name ($pid)"
		fi
	done < "$f"
	rm -f "$f"
}

# Starts iam-keyd (state in $state/keyd, socket in RUNTIME) and waits until
# it is ready: it writes RUNTIME/iam-keyd.pid. Sets keyd_pid.
start_keyd() {
	local bin=$1 run=$2
	rm -f "$run/iam-keyd.pid"
	"$bin/keyd/iam-keyd" --foreground --state-dir "$state/keyd" --runtime-dir "$run" \
		>>"$state/keyd.log" 2>&1 &
	keyd_pid=$!
	for _ in $(seq 200); do
		[ "$(cat "$run/iam-keyd.pid" 2>/dev/null)" = "$keyd_pid" ] && return 0
		kill -0 "$keyd_pid" 2>/dev/null || break
		sleep 0.05
	done
	log "iam-keyd did not become ready; see $state/keyd.log"
	tail -n 20 "$state/keyd.log" >&2 || true
	kill -TERM "$keyd_pid" 2>/dev/null || true
	return 1
}

# Waits for iamd's readiness: it writes RUNTIME/iamd.pid once it accepts calls.
wait_ready() {
	local pid=$1 run=$2
	for _ in $(seq 200); do
		[ -S "$run/api.sock" ] && [ -f "$run/iamd.pid" ] && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

run() {
	local background=0
	[ "${1:-}" = "--background" ] && background=1
	install_packages
	build "$top/_build/dev"
	local bin=$top/_build/dev
	local run; run=$(runtime_dir)
	mkdir -p "$state" "$run"
	chmod 0700 "$state"
	chmod 0755 "$run"
	if [ -f "$(pidfile)" ]; then
		stop
	fi
	local args=(--foreground --state-dir "$state/db" --runtime-dir "$run"
		--keyd-socket "$run/keyd.sock")
	[ -n "${IAMD_ACCOUNT_ID:-}" ] && args+=(--account-id "$IAMD_ACCOUNT_ID")
	start_keyd "$bin" "$run" || exit 1   # sets keyd_pid (global: the EXIT trap reads it)
	echo "keyd $keyd_pid" > "$(pidfile)"
	if [ $background -eq 1 ]; then
		"$bin/daemon/iamd" "${args[@]}" >>"$state/iamd.log" 2>&1 &
		local pid=$!
		# iamd first, so that `stop` stops it before keyd
		printf 'iamd %s\nkeyd %s\n' "$pid" "$keyd_pid" > "$(pidfile)"
		if ! wait_ready "$pid" "$run"; then
			log "iamd did not become ready; see $state/iamd.log"
			tail -n 20 "$state/iamd.log" >&2 || true
			stop
			exit 1
		fi
		if ! start_gateway "$bin" "$run"; then
			stop
			exit 1
		fi
		# the gateway first, so that `stop` stops it before iamd
		printf 'gateway %s\niamd %s\nkeyd %s\n' "$gateway_pid" "$pid" "$keyd_pid" > "$(pidfile)"
		printf "IAMD_GATEWAY_URL='%s'\n" "$gateway_url"
		printf "IAMD_GATEWAY_PID='%s'\n" "$gateway_pid"
		printf "IAMD_SOCKET='%s'\n" "$run/api.sock"
		printf "IAMD_PID='%s'\n" "$pid"
		printf "IAMD_KEYD_PID='%s'\n" "$keyd_pid"
		printf "IAMCTL='%s'\n" "$bin/client/iamctl"
		printf "IAMD_STATE_DIR='%s'\n" "$state"
		printf 'export IAMD_SOCKET IAMD_PID IAMD_KEYD_PID IAMCTL IAMD_STATE_DIR IAMD_GATEWAY_URL IAMD_GATEWAY_PID\n'
		return 0
	fi
	cat >&2 <<MSG

iamd is starting with its state in $state (iam-keyd: pid $keyd_pid, $state/keyd.log)
  socket: $run/api.sock
Try, in another shell:
  export IAMD_SOCKET=$run/api.sock
  $bin/client/iamctl sts get-caller-identity
  $bin/client/iamctl iam create-user --user-name alice --path /eng/ --tags Key=team,Value=blue
  $bin/client/iamctl iam list-users
The AWS CLI and SDKs (docs/gateway.md), with keys from iamctl iam create-access-key:
  aws --endpoint-url http://127.0.0.1:${IAMD_GATEWAY_PORT:-8180} iam list-users
Stop with Ctrl-C.

MSG
	# not exec: iam-keyd (and iam-gateway) are stopped when iamd returns (Ctrl-C)
	trap 'kill -TERM ${gateway_pid:-} "$keyd_pid" 2>/dev/null; rm -f "$(pidfile)"' EXIT
	# iam-gateway connects to iamd's socket at its first request
	"$bin/gateway/iam-gateway" --listen "127.0.0.1:${IAMD_GATEWAY_PORT:-8180}" \
		--socket "$run/api.sock" >/dev/null 2>>"$state/gateway.log" &
	gateway_pid=$!
	"$bin/daemon/iamd" "${args[@]}"
}

test_all() {
	install_packages
	local dir=$top/_build/asan rc=0
	if ! build "$dir" --enable-sanitizers; then
		echo "build: FAILED" >&2
		echo "0 passed, 1 failed"
		return 1
	fi
	# the AWS SDK for JavaScript v3 (npm, pinned) for tests/integration/gateway_js.sh
	sh "$top/tests/js/install.sh" "$dir" ||
		log "the AWS SDK for JavaScript is not installed: gateway_js.sh will skip"
	make -C "$dir" -j"$jobs" check >&2 || rc=1
	local log=$dir/test-suite.log
	local pass=0 fail=0 skip=0
	if [ -f "$log" ]; then
		# Each TAP result, as the automake TAP driver recorded it (.trs files).
		local trs; trs=$(find "$dir/tests" -name '*.trs' 2>/dev/null)
		if [ -n "$trs" ]; then
			pass=$(cat $trs | grep -c -E '^:test-result: (PASS|XFAIL)' || true)
			fail=$(cat $trs | grep -c -E '^:test-result: (FAIL|ERROR|XPASS)' || true)
			skip=$(cat $trs | grep -c -E '^:test-result: SKIP' || true)
		fi
		[ "$rc" -ne 0 ] && [ "$fail" -eq 0 ] && fail=1
	else
		fail=1
	fi
	if [ -z "${IAMD_SKIP_DISTCHECK:-}" ]; then
		if make -C "$dir" -s -j"$jobs" distcheck >"$dir/distcheck.log" 2>&1; then
			pass=$((pass + 1)); echo "PASS: make distcheck" >&2
		else
			fail=$((fail + 1)); rc=1
			echo "FAIL: make distcheck (see $dir/distcheck.log)" >&2
			tail -n 40 "$dir/distcheck.log" >&2
			# Which test failed in the distcheck tree, and what its log says.
			local flog
			for flog in $(grep -l -r -E '^:test-result: (FAIL|ERROR|XPASS)' \
				--include='*.trs' "$dir"/iamd-*/ 2>/dev/null | head -n 5); do
				echo "--- distcheck: ${flog%.trs}.log" >&2
				grep -E '^(not ok|Bail out|# )' "${flog%.trs}.log" | head -n 40 >&2 || true
				tail -n 60 "${flog%.trs}.log" >&2 || true
			done
		fi
	fi
	if [ "$fail" -ne 0 ]; then
		find "$dir/tests" -name '*.log' -exec grep -h -E '^(FAIL|ERROR|XPASS):' {} + 2>/dev/null | head -n 50 >&2 || true
		rc=1
	fi
	echo "$pass passed, $fail failed, $skip skipped"
	return $rc
}

case "${1:-}" in
run) shift; run "$@" ;;
stop) stop ;;
test) test_all ;;
build) install_packages; build "$top/_build/dev" ;;
*) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
