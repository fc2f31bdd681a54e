#!/bin/sh
# audit_resign.sh: digests left unsigned are signed later, in order
# (docs/audit.md "Signed digests"): the public key is in
# STATE/audit/digest/public-key right after start and is keyd's (derived
# here from keyd's master key with libsodium); a stop/start cycle leaves a
# trail that passes `iamctl audit verify --require-signed`; digests written
# while keyd is down are signed once keyd is back (iamd running) or at the
# next start (iamd stopped meanwhile), each holding the previous one's new
# signature; the file being written when iamd was killed is digested and
# signed at the next start; a trail file changed while its digest was unsigned is never
# signed (no laundering), and verify names the change.
. "$top_srcdir/tests/integration/lib.sh"

command -v python3 >/dev/null || skip_all "needs python3"
[ -x "$IAMCTL" ] || skip_all "iamctl not built"
AUD=$IAMD_STATE_DIR/audit
PK=$AUD/digest/public-key

verify() { run "$IAMCTL" audit verify --state-dir "$IAMD_STATE_DIR" "$@"; }
# waits up to 10 s for verify --require-signed to pass
wait_signed() {
	_w=0
	while [ $_w -lt 100 ]; do
		verify --require-signed
		[ "$RC" = 0 ] && return 0
		sleep 0.1
		_w=$((_w + 1))
	done
	return 1
}
# 0 when every digest holds the previous digest's signature and hash
chain_py='
import json, glob, hashlib, sys
ps = sorted(glob.glob(sys.argv[1] + "/digest/*.digest.json"))
prev = None
for p in ps:
    b = open(p, "rb").read()
    d = json.loads(b)
    if prev is None:
        ok = d["previousDigestHashValue"] is None and d["previousDigestSignature"] is None
    else:
        ok = d["previousDigestHashValue"] == hashlib.sha256(prev[0]).hexdigest() and \
             d["previousDigestSignature"] == prev[1].get("digestSignature")
    if not ok or len(d.get("digestSignature") or "") != 128:
        print("broken at", p); sys.exit(1)
    prev = (b, d)
print(len(ps))'

keyd_start || bail_out "iam-keyd did not start"
iamd_start --audit-max-file-size 4096 || bail_out "iamd did not start"

# 1. the public key, right after start, is keyd's
_w=0
while [ ! -s "$PK" ] && [ $_w -lt 60 ]; do sleep 0.05; _w=$((_w + 1)); done
run "$IAMCTL" audit public-key --state-dir "$IAMD_STATE_DIR"
is "$RC" 0 "iamctl audit public-key works right after start (no digest yet)"
is "$(ls "$AUD/digest" | grep -c 'digest.json$')" 0 "before any digest was written"
WANT=$(python3 -c '
import base64, ctypes, sys
na = ctypes.CDLL("libsodium.so.23")
assert na.sodium_init() >= 0
lines = [l.split() for l in open(sys.argv[1]) if l.strip() and not l.startswith("#")]
v, b64 = max(lines, key=lambda l: int(l[0]))
master = base64.b64decode(b64)
label = b"iamd/audit-sign/v1"
seed = ctypes.create_string_buffer(32)
na.crypto_generichash(seed, ctypes.c_size_t(32), label, ctypes.c_ulonglong(len(label)),
                      master, ctypes.c_size_t(32))
pk = ctypes.create_string_buffer(32); sk = ctypes.create_string_buffer(64)
na.crypto_sign_seed_keypair(pk, sk, seed)
print("ed25519 %s %s" % (v, pk.raw.hex()))' "$IAMD_KEYD_STATE_DIR/master.key" 2>&1)
is "$OUT" "$WANT" "and is keyd's key (derived from its master key)"

# 2. stop/start: the trail passes verify --require-signed
read_calls 12
ok "iamd stops" iamd_stop
verify --require-signed
is "$RC" 0 "after a stop: verify --require-signed passes"
like "$OUT" "OK: .* 0 unsigned" "no digest is unsigned"
iamd_start --audit-max-file-size 4096 || bail_out "iamd did not restart"
read_calls 3
ok "iamd stops again" iamd_stop
verify --require-signed
is "$RC" 0 "after a stop/start cycle: verify --require-signed passes"

# 3. keyd killed, calls made, keyd back: the digests are signed
iamd_start --audit-max-file-size 4096 || bail_out "iamd did not restart"
keyd_kill
read_calls 14
ok "the read records are written (files rotate)" audit_written
N_UNS=$(grep -l '"digestSignatureStatus"' "$AUD"/digest/*.digest.json | wc -l)
[ "$N_UNS" -ge 2 ] && pass "keyd down: $N_UNS digests written unsigned" \
	|| fail "keyd down: only $N_UNS unsigned digests"
verify --require-signed
is "$RC" 1 "verify --require-signed fails while they are unsigned"
verify
is "$RC" 0 "verify (marked unsigned digests) passes"
keyd_start || bail_out "iam-keyd did not restart"
if wait_signed; then pass "keyd back: the digests are signed (iamd still running)"
else fail "keyd back: the digests are signed (iamd still running)"; diag "$OUT"; fi
run python3 -c "$chain_py" "$AUD"
is "$RC" 0 "each digest holds the previous one's new hash and signature ($OUT)"
grep -q '"digestSignatureStatus"' "$AUD"/digest/*.digest.json && \
	fail "no digest is marked unsigned any more" || pass "no digest is marked unsigned any more"

# 4. keyd down, iamd stopped (its last digest unsigned), both back: signed
#    at the start
keyd_kill
read_calls 10
ok "iamd stops without keyd" iamd_stop
verify --require-signed
is "$RC" 1 "unsigned digests after a stop without keyd"
keyd_start || bail_out "iam-keyd did not restart"
iamd_start --audit-max-file-size 4096 || bail_out "iamd did not restart"
if wait_signed; then pass "signed at the next start"
else fail "signed at the next start"; diag "$OUT"; fi
run python3 -c "$chain_py" "$AUD"
is "$RC" 0 "and chained in order ($OUT)"
ok "iamd stops" iamd_stop
verify --require-signed
is "$RC" 0 "verify --require-signed after all that"

# 5. iamd killed: the file it was writing is digested and signed at the
#    next start
iamd_start --audit-max-file-size 4096 || bail_out "iamd did not restart"
run "$IAMCTL" iam create-user --user-name killed
KF=$(ls "$AUD" | grep '\.jsonl$' | tail -n 1)
iamd_kill
[ -e "$AUD/digest/${KF%.jsonl}.digest.json" ] && fail "no digest of $KF after SIGKILL" \
	|| pass "no digest of $KF after SIGKILL"
iamd_start --audit-max-file-size 4096 || bail_out "iamd did not restart"
if wait_signed; then pass "after a restart: verify --require-signed passes"
else fail "after a restart: verify --require-signed passes"; diag "$OUT"; fi
is "$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["logFiles"][0]["fileName"], d["digestSignatureAlgorithm"],
      d["logFiles"][0]["oldestEventTime"] <= d["logFiles"][0]["newestEventTime"])' \
	"$AUD/digest/${KF%.jsonl}.digest.json" 2>&1)" "$KF Ed25519 True" \
	"the file being written when iamd was killed has a signed digest"
like "$(cat "$IAMD_LOG")" "audit: $KF was not closed" "iamd says so"
ok "iamd stops" iamd_stop

# 6. a file changed while its digest waited for a signature is not signed
keyd_kill
iamd_start --audit-max-file-size 4096 || bail_out "iamd did not restart"
read_calls 10
ok "iamd stops" iamd_stop
VICTIM=$(python3 -c '
import json, glob, sys
for p in sorted(glob.glob(sys.argv[1] + "/digest/*.digest.json")):
    d = json.load(open(p))
    if d.get("digestSignatureStatus"):
        print(d["logFiles"][0]["fileName"]); break' "$AUD")
[ -n "$VICTIM" ] || bail_out "no unsigned digest to tamper with"
sed -i 's/"eventName":"ListUsers"/"eventName":"ListRoles"/' "$AUD/$VICTIM"
keyd_start || bail_out "iam-keyd did not restart"
iamd_start --audit-max-file-size 4096 || bail_out "iamd did not restart"
_w=0
while ! grep -q "the file it lists changed" "$IAMD_LOG" && [ $_w -lt 100 ]; do
	sleep 0.1
	_w=$((_w + 1))
done
ok "iamd stops" iamd_stop
like "$(cat "$IAMD_LOG")" "audit: digest .*: the file it lists changed; digests are no longer signed" \
	"iamd refuses to sign over the change (LOG_CRIT)"
VD=$(echo "$VICTIM" | sed 's/\.jsonl$/.digest.json/')
grep -q '"digestSignatureStatus"' "$AUD/digest/$VD" && pass "its digest stays unsigned" \
	|| fail "its digest stays unsigned"
verify
is "$RC" 1 "verify fails"
like "$OUT" "FAIL: $VICTIM: changed since its digest" "and names the changed file"

done_testing
