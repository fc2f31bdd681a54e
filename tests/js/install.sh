#!/bin/sh
# tests/js/install.sh BUILD-DIR: installs the AWS SDK for JavaScript v3
# (the versions pinned in tests/js/package.json and package-lock.json) with
# `npm ci` into BUILD-DIR/tests/js/node_modules, unless that install is
# already there (a stamp holds the checksum of both files). Used by
# tests/integration/gateway_js.sh and `./dev.sh test`. Exit status: 0
# installed, 1 npm ci failed (its output on stderr), 2 no node 20+ or npm
# (the reason on stderr).
set -u
src=$(cd "$(dirname "$0")" && pwd)
dir=${1:?usage: install.sh BUILD-DIR}/tests/js

command -v node >/dev/null 2>&1 || { echo "no node (Node.js 20 or later)" >&2; exit 2; }
command -v npm >/dev/null 2>&1 || { echo "no npm" >&2; exit 2; }
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null)
[ "${major:-0}" -ge 20 ] 2>/dev/null ||
	{ echo "node $(node --version 2>/dev/null) is too old for @aws-sdk v3 (20 or later)" >&2; exit 2; }

mkdir -p "$dir" || exit 1
sum=$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -d' ' -f1)
[ "$(cat "$dir/node_modules/.iamd-stamp" 2>/dev/null)" = "$sum" ] && exit 0
if [ "$src" != "$(cd "$dir" && pwd)" ]; then
	cp "$src/package.json" "$src/package-lock.json" "$dir/" || exit 1
	chmod u+w "$dir/package.json" "$dir/package-lock.json"
fi
(cd "$dir" && timeout 300 npm ci --no-audit --no-fund --loglevel=error) >&2 || exit 1
[ -f "$dir/node_modules/@aws-sdk/client-iam/package.json" ] || exit 1
echo "$sum" >"$dir/node_modules/.iamd-stamp"
