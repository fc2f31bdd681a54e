#!/bin/sh
# audit_sign.sh: the audit digests signed by iam-keyd (docs/audit.md
# "Signed digests"): digests of files closed while iamd runs carry an
# Ed25519 signature, the public key is in STATE/audit/digest/public-key and
# `iamctl audit public-key` prints it, `iamctl audit verify` checks every
# signature and names the digest whose byte or signature was changed or
# whose signature was removed; the digest written at stop is signed; with
# keyd down the digests are written unsigned and marked (audit_resign.sh:
# signed later).
. "$top_srcdir/tests/integration/lib.sh"

command -v python3 >/dev/null || skip_all "needs python3"
AUD=$IAMD_STATE_DIR/audit
check() { if [ "$1" = 0 ]; then pass "$2"; else fail "$2"; fi; }

keyd_start || bail_out "iam-keyd did not start"
iamd_start --audit-max-file-size 4096 || bail_out "iamd did not start"
i=0
while [ $i -lt 16 ]; do
	run "$IAMCTL" iam create-user --user-name "s$i"
	i=$((i + 1))
done
# digests of files closed while iamd runs: signed. Each is written at once,
# unsigned, and rewritten signed when keyd's answer comes: wait (up to 10 s)
# until every closed file has its digest and every digest is signed (a
# count taken before the last answers came would not match verify's below)
signed() {
	python3 -c '
import json, glob, sys
n = 0
ds = glob.glob(sys.argv[1] + "/digest/*.digest.json")
for p in ds:
    d = json.load(open(p))
    if d.get("digestSignatureAlgorithm") == "Ed25519" and len(d.get("digestSignature") or "") == 128 \
       and d.get("digestSignatureKeyVersion") == 1:
        n += 1
closed = len(glob.glob(sys.argv[1] + "/audit-*.jsonl")) - 1
print(n, len(ds), closed)' "$AUD"
}
_w=0
while :; do
	set -- $(signed)
	NS=$1
	[ "$1" = "$2" ] && [ "$2" = "$3" ] && break
	[ $_w -ge 200 ] && break
	sleep 0.05
	_w=$((_w + 1))
done
is "$2 $3" "$1 $1" "every closed file has a digest, and every digest is signed"
check "$([ "$NS" -ge 2 ] && echo 0 || echo 1)" "digests closed while iamd runs are signed ($NS)"
# the next digest carries the previous one's signature
is "$(python3 -c '
import json, glob, sys
ds = [json.load(open(p)) for p in sorted(glob.glob(sys.argv[1] + "/digest/*.digest.json"))]
ok = all(ds[i]["previousDigestSignature"] == ds[i - 1]["digestSignature"]
         for i in range(1, len(ds)) if "digestSignature" in ds[i - 1])
print("yes" if ok and ds[0]["previousDigestSignature"] is None else "no")' "$AUD")" yes \
	"each digest carries the previous digest's signature"
like "$(cat "$AUD/digest/public-key")" '^ed25519 1 [0-9a-f]{64}$' \
	"STATE/audit/digest/public-key: ed25519 VERSION HEX"
run "$IAMCTL" audit public-key --state-dir "$IAMD_STATE_DIR"
is "$RC" 0 "iamctl audit public-key"
is "$OUT" "$(cat "$AUD/digest/public-key")" "prints the key"
iamd_stop
run "$IAMCTL" audit verify --state-dir "$IAMD_STATE_DIR"
is "$RC" 0 "verify: the signed trail is OK"
# the digest written as iamd stops is signed too (iamd waits for keyd)
like "$OUT" "OK: .* $((NS + 1)) signed, 0 unsigned" "and counts the signatures it checked"
run "$IAMCTL" audit verify --state-dir "$IAMD_STATE_DIR" --require-signed
is "$RC" 0 "verify --require-signed: the digest written at stop is signed"

# tampering on a copy
T=$TMP/tamper; mkdir -p "$T"
SIGNED=$(python3 -c '
import json, glob, sys
for p in sorted(glob.glob(sys.argv[1] + "/digest/*.digest.json")):
    if "digestSignature" in json.load(open(p)):
        print(p.rsplit("/", 1)[1]); break' "$AUD")
fresh() { rm -rf "$T/audit"; cp -a "$AUD" "$T/audit"; }
edit() {   # edit DIGEST PYTHON-STATEMENT-ON-d (written compact, order kept)
	python3 -c '
import json, sys
p = sys.argv[1]
d = json.load(open(p))
'"$2"'
open(p, "w").write(json.dumps(d, separators=(",", ":")))' "$T/audit/digest/$1"
}
fresh
edit "$SIGNED" 'd["logFiles"][0]["fileSize"] += 1'
run "$IAMCTL" audit verify --state-dir "$T"
is "$RC" 1 "verify: a signed field changed fails"
like "$OUT" "FAIL: digest $SIGNED: signature invalid" "and names the digest"
fresh
python3 -c '
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
i = b.index(b"digestEndTime") + 34   # the seconds digit of the end time
b[i] = ord("0") + (b[i] - ord("0") + 1) % 10
open(p, "wb").write(bytes(b))' "$T/audit/digest/$SIGNED"
run "$IAMCTL" audit verify --state-dir "$T"
is "$RC" 1 "verify: a digest byte changed fails"
like "$OUT" "FAIL: digest $SIGNED: signature invalid" "and names the digest"
fresh
edit "$SIGNED" 's = d["digestSignature"]; d["digestSignature"] = ("1" if s[0] != "1" else "2") + s[1:]'
run "$IAMCTL" audit verify --state-dir "$T"
is "$RC" 1 "verify: a changed signature fails"
like "$OUT" "FAIL: digest $SIGNED: signature invalid" "and names the digest"
fresh
edit "$SIGNED" 'del d["digestSignature"]; del d["digestSignatureKeyVersion"]; d["digestSignatureAlgorithm"] = None'
run "$IAMCTL" audit verify --state-dir "$T"
is "$RC" 1 "verify: a removed signature fails"
like "$OUT" "FAIL: digest $SIGNED: signature missing" "and names the digest"
fresh
printf 'ed25519 1 %064d\n' 0 >"$T/audit/digest/public-key"
run "$IAMCTL" audit verify --state-dir "$T"
is "$RC" 1 "verify: another public key fails"
like "$OUT" "FAIL: digest $SIGNED: signature invalid" "and names the digests"

# keyd down: digests written unsigned and marked; verify reports them
keyd_stop
iamd_start --audit-max-file-size 4096 || bail_out "iamd did not restart"
i=0
while [ $i -lt 14 ]; do
	run "$IAMCTL" iam list-users
	i=$((i + 1))
done
iamd_stop
is "$(python3 -c '
import json, glob, sys
n = [p for p in glob.glob(sys.argv[1] + "/digest/*.digest.json")
     if json.load(open(p)).get("digestSignatureStatus") == "Unsigned: iam-keyd was unavailable"]
print(len(n) >= 2)' "$AUD")" True "keyd down: digests written unsigned and marked"
run "$IAMCTL" audit verify --state-dir "$IAMD_STATE_DIR"
is "$RC" 0 "verify: unsigned but marked digests pass"
like "$OUT" "note: digest .*: unsigned" "and are named"

done_testing
