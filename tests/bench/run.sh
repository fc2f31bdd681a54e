#!/bin/sh
# tests/bench/run.sh: `make bench`. Starts a fresh iamd in a temporary
# directory, pinned to CPU 0 (taskset -c 0), creates the user the
# benchmarks read, runs every tests/bench/bench_* program of the build tree
# (each prints `bench: NAME p50_us=… p99_us=… ops_s=… floor_p50_us=… ratio=…`
# lines beside its own floor), and stops iamd. The environment of each
# benchmark: IAMD_SOCKET, IAMCTL, BENCH_USER, top_srcdir, top_builddir.
# Run from the build directory (make does), or set top_builddir.
set -u
top_builddir=${top_builddir:-$(pwd)}
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
export top_srcdir top_builddir

iamd=$top_builddir/daemon/iamd
IAMCTL=$top_builddir/client/iamctl
BENCH_USER=${BENCH_USER:-bench}
export IAMCTL BENCH_USER

[ -x "$iamd" ] || { echo "bench: $iamd is not built" >&2; exit 1; }
pin=""
if command -v taskset >/dev/null 2>&1; then
	pin="taskset -c 0"
else
	echo "# taskset not found: iamd runs unpinned" >&2
fi
if grep -q __asan_init "$iamd" 2>/dev/null; then
	echo "# note: this is a sanitizer build; its figures are not representative" \
		"(use a build configured without --enable-sanitizers, e.g. _build/dev)"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/iamd-bench.XXXXXX")
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

$pin "$iamd" --foreground --state-dir "$tmp/state" --runtime-dir "$tmp/run" \
	2>"$tmp/iamd.log" &
pid=$!
i=0
while [ "$(cat "$tmp/run/iamd.pid" 2>/dev/null)" != "$pid" ]; do
	if ! kill -0 "$pid" 2>/dev/null || [ $i -ge 600 ]; then
		echo "bench: iamd did not start:" >&2
		cat "$tmp/iamd.log" >&2
		exit 1
	fi
	sleep 0.05
	i=$((i + 1))
done
IAMD_SOCKET=$tmp/run/api.sock
export IAMD_SOCKET

# The user the benchmarks read (bench_api also creates it if missing).
if [ -x "$IAMCTL" ]; then
	"$IAMCTL" iam create-user --user-name "$BENCH_USER" --path /bench/ >/dev/null 2>&1 ||
		echo "# iamctl could not create $BENCH_USER; the benchmarks will" >&2
fi

status=0
found=0
for b in "$top_builddir"/tests/bench/bench_*; do
	[ -f "$b" ] && [ -x "$b" ] || continue
	case "$b" in *.o|*.sh|*/bench_seed) continue ;; esac   # bench_seed: a tool
	found=1
	echo "# $(basename "$b")"
	"$b" || { echo "bench: $(basename "$b") failed" >&2; status=1; }
done
[ $found -eq 1 ] || { echo "bench: no tests/bench/bench_* program built" >&2; status=1; }

kill -TERM "$pid" 2>/dev/null
wait "$pid"
rc=$?
pid=
[ $rc -eq 0 ] || { echo "bench: iamd exited with status $rc" >&2; status=1; }
exit $status
