#!/bin/sh
# keyd_links.sh: iam-keyd links lib/util, lib/rpc, keyd.proto's code,
# libprotobuf-c, libsodium and libseccomp only (readelf -d on the binary),
# and keyd/*.c include nothing of daemon/, client/, LMDB, jansson, libevent
# or the policy engine.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
bin=$top_builddir/keyd/iam-keyd
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }

command -v readelf >/dev/null 2>&1 || { echo "1..0 # SKIP readelf not found"; exit 0; }
[ -x "$bin" ] || { echo "Bail out! $bin not built"; exit 99; }
needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
[ -n "$needed" ] && ok "readelf lists what iam-keyd needs" || nok "readelf lists what iam-keyd needs"
for lib in liblmdb libjansson libevent libsystemd libiamproto libiampolicy libiamstore; do
	if printf '%s\n' "$needed" | grep -q "^$lib"; then
		nok "iam-keyd does not link $lib"
		echo "# NEEDED: $needed" >&2
	else
		ok "iam-keyd does not link $lib"
	fi
done
unexpected=$(printf '%s\n' "$needed" |
	grep -v -E '^(libprotobuf-c|libsodium|libseccomp|libc|libasan|libubsan|libm|libgcc_s|ld-linux)[.-]' || true)
if [ -z "$unexpected" ]; then
	ok "iam-keyd needs libprotobuf-c, libsodium, libseccomp and libc only"
else
	nok "iam-keyd needs libprotobuf-c, libsodium, libseccomp and libc only"
	echo "# unexpected: $unexpected" >&2
fi
# no symbol of the api's generated messages, the store or the policy engine
if command -v nm >/dev/null 2>&1; then
	syms=$(nm "$bin" 2>/dev/null | grep -E ' (iam__|store_|policy_|mdb_|json_|event_)' | head -n 5)
	if [ -z "$syms" ]; then
		ok "no api message, store, policy, LMDB, jansson or libevent symbol inside"
	else
		nok "no api message, store, policy, LMDB, jansson or libevent symbol inside"
		echo "# found: $syms" >&2
	fi
fi
bad=$(grep -n -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]([^>"]*/)?(daemon/|client/|lmdb|jansson|event2/|policy/|store/|pbjson/|api\.pb-c|iam[a-z_]*\.pb-c|sd-|systemd/)' \
	"$top_srcdir"/keyd/*.c "$top_srcdir"/keyd/*.h 2>/dev/null)
if [ -z "$bad" ]; then
	ok "keyd/ includes nothing of daemon/, client/, LMDB, jansson, libevent, policy"
else
	nok "keyd/ includes nothing of daemon/, client/, LMDB, jansson, libevent, policy"
	echo "# $bad" >&2
fi
incs=$(grep -h -E '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$top_srcdir"/keyd/*.c "$top_srcdir"/keyd/*.h |
	sed 's/.*"\(.*\)".*/\1/' | sort -u | grep -v -E '^(config\.h|keyd\.h|keyd\.pb-c\.h|rpc/rpc\.h|util/[a-z0-9_]+\.h)$')
if [ -z "$incs" ]; then
	ok "keyd/'s own includes are config.h, keyd.h, keyd.pb-c.h, rpc/, util/"
else
	nok "keyd/'s own includes are config.h, keyd.h, keyd.pb-c.h, rpc/, util/"
	echo "# also: $incs" >&2
fi
echo "1..$n"
[ $fails -eq 0 ]
