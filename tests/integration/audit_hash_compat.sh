#!/bin/sh
# audit_hash_compat.sh: a digest's hash of its trail file (docs/audit.md,
# Digests). New digests say "hashAlgorithm": "SHA-256-lines" and hold the
# SHA-256 of the file's lines' SHA-256 hashes (recomputed here in Python);
# a digest written before that ("SHA-256", of the file's bytes) still
# verifies, a change of its file still fails verify, and iamd still signs
# it at a later start once it has checked the file; a file whose last
# newline is taken away fails verify by its size (the lines' hashes alone
# would not see it); a hashAlgorithm turned
# from "SHA-256-lines" into "SHA-256", or unknown, fails verify.
. "$top_srcdir/tests/integration/lib.sh"

command -v python3 >/dev/null || skip_all "needs python3"
[ -x "$IAMCTL" ] || skip_all "iamctl not built"
AUD=$IAMD_STATE_DIR/audit

verify() { run "$IAMCTL" audit verify --state-dir "$IAMD_STATE_DIR" "$@"; }
wait_signed() {   # up to 10 s for verify --require-signed to pass
	_w=0
	while [ $_w -lt 100 ]; do
		verify --require-signed
		[ "$RC" = 0 ] && return 0
		sleep 0.1
		_w=$((_w + 1))
	done
	return 1
}
# digest.py CMD DIGEST [ARG]: check (every file's hash as its algorithm
# says: prints the count), old (rewrite DIGEST as a digest of before
# 2026-11-30 would be, and digest/last with it), alg (set its hashAlgorithm)
digest_py='
import hashlib, json, sys, os
cmd, p = sys.argv[1], sys.argv[2]
aud = os.path.dirname(os.path.dirname(p))
def lines_hash(b):
    segs = b.split(b"\n")
    if segs and segs[-1] == b"":
        segs.pop()
    return hashlib.sha256(b"".join(hashlib.sha256(s).digest() for s in segs)).hexdigest()
def save(d):
    b = json.dumps(d, separators=(",", ":")).encode()
    open(p, "wb").write(b)
    last = os.path.join(aud, "digest", "last")
    name = open(last).read().split()[0]
    if name == os.path.basename(p):
        open(last, "w").write("%s %s -\n" % (name, hashlib.sha256(b).hexdigest()))
d = json.load(open(p))
lf = d["logFiles"][0]
fb = open(os.path.join(aud, lf["fileName"]), "rb").read()
if cmd == "check":
    want = lines_hash(fb) if lf["hashAlgorithm"] == "SHA-256-lines" else None
    print(lf["hashAlgorithm"], lf["hashValue"] == want)
elif cmd == "old":
    lf["hashAlgorithm"] = "SHA-256"
    lf["hashValue"] = hashlib.sha256(fb).hexdigest()
    save(d)
elif cmd == "alg":
    lf["hashAlgorithm"] = sys.argv[3]
    save(d)
'
last_digest() { ls "$AUD"/digest/*.digest.json | tail -n 1; }

# 1. keyd away: the digests are written unsigned, "SHA-256-lines"
iamd_start --audit-max-file-size 4096 || bail_out "iamd did not start"
read_calls 10
ok "iamd stops" iamd_stop
D=$(last_digest)
[ -n "$D" ] || bail_out "no digest written"
is "$(python3 -c "$digest_py" check "$D" 2>&1)" "SHA-256-lines True" \
	"a new digest: SHA-256-lines, the SHA-256 of its file's lines' hashes"
verify
is "$RC" 0 "verify passes"

# 2. the last digest as iamd wrote it before: SHA-256 of the file's bytes
run python3 -c "$digest_py" old "$D"
is "$RC" 0 "the last digest rewritten in the old form (SHA-256 of the file)"
verify
is "$RC" 0 "verify passes with a digest of the old form ($OUT)"
F=$AUD/$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["logFiles"][0]["fileName"])' "$D")
cp "$F" "$TMP/saved.jsonl"
sed -i '1s/"eventVersion":"1.08"/"eventVersion":"1.09"/' "$F"
verify
is "$RC" 1 "a changed file fails verify"
like "$OUT" "FAIL: .*: changed since its digest .* \\(SHA-256 " "named against its old-form digest"
cp "$TMP/saved.jsonl" "$F"

# 3. iamd checks an old-form digest's file and signs it
keyd_start || bail_out "iam-keyd did not start"
iamd_start --audit-max-file-size 4096 || bail_out "iamd did not restart"
if wait_signed; then pass "the old-form digest is signed at the next start"
else fail "the old-form digest is signed at the next start"; diag "$OUT"; fi
is "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["logFiles"][0]["hashAlgorithm"], d["digestSignatureAlgorithm"])' "$D")" \
	"SHA-256 Ed25519" "and keeps its form"
read_calls 6
ok "iamd stops" iamd_stop
verify --require-signed
is "$RC" 0 "verify --require-signed passes with digests of both forms"
D2=$(last_digest)
is "$(python3 -c "$digest_py" check "$D2" 2>&1)" "SHA-256-lines True" \
	"the digests after it are SHA-256-lines"

# the lines' hashes do not see a last newline taken away: the size does
F2=$AUD/$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["logFiles"][0]["fileName"])' "$D2")
cp "$F2" "$TMP/saved2.jsonl"
python3 -c 'import sys; p=sys.argv[1]; b=open(p,"rb").read(); open(p,"wb").write(b[:-1] if b.endswith(b"\n") else b+b"\n")' "$F2"
verify
is "$RC" 1 "a trail file without its last newline fails verify"
like "$OUT" "FAIL: .*: truncated: [0-9]+ bytes, its digest .* says [0-9]+" "named as truncated"
cp "$TMP/saved2.jsonl" "$F2"
verify --require-signed
is "$RC" 0 "and passes again once restored"

# 4. the algorithm is part of what verify checks
run python3 -c "$digest_py" alg "$D2" SHA-256
verify
is "$RC" 1 "SHA-256-lines turned into SHA-256 fails verify"
like "$OUT" "changed since its digest" "as a changed file"
run python3 -c "$digest_py" alg "$D2" MD5
verify
is "$RC" 1 "an unknown hashAlgorithm fails verify"
like "$OUT" "unknown hashAlgorithm MD5" "and is named"

done_testing
