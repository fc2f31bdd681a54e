#!/bin/sh
# qr_zbar.sh: the QR codes of lib/util/qr.h decode, with ZBar (zbarimg,
# Debian's zbar-tools), to the exact text, for texts whose symbols span
# versions 1 to 40 (every block structure of level M is different), at
# several scales; the PNG files are well formed (pngcheck-like checks in
# Python: signature, chunk CRCs, the zlib stream); too long a text is
# refused.
set -u
n=0
failed=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi; }
command -v zbarimg >/dev/null 2>&1 || { echo "1..0 # SKIP zbarimg (zbar-tools) is not installed"; exit 0; }
tool=$top_builddir/tests/unit/qr_tool
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
text() {   # text LEN: an otpauth-like text of LEN bytes
	python3 -c 'import sys
base = "otpauth://totp/phone@111122223333?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&x="
n = int(sys.argv[1])
s = (base + "abcdefghijklmnopqrstuvwxyz0123456789-._~" * 80)[:n]
print(s)' "$1"
}
for len in 1 10 14 20 26 40 62 84 106 122 152 180 213 251 287 331 362 412 450 504 560 624 666 711 779 857 911 997 1059 1125 1190 1264 1370 1452 1538 1628 1722 1809 1911 1989 2099 2213 2331; do
	t=$(text "$len")
	size=$("$tool" -s "$t")
	"$tool" "$t" "$tmp/q.png" 3 || { ok 1 "render $len bytes"; continue; }
	got=$(zbarimg -q --raw -Sbinary "$tmp/q.png" 2>/dev/null)
	[ "$got" = "$t" ]
	ok $? "$len bytes (version $(( (size - 17) / 4 ))) decode to the same text"
done
t="otpauth://totp/alice-phone@111122223333?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
for scale in 2 5 8; do
	"$tool" "$t" "$tmp/s$scale.png" "$scale"
	[ "$(zbarimg -q --raw "$tmp/s$scale.png" 2>/dev/null)" = "$t" ]
	ok $? "scale $scale decodes"
done
python3 - "$tmp/s5.png" "$t" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "signature"
pos, chunks, idat = 8, [], b""
while pos < len(data):
    n, = struct.unpack(">I", data[pos:pos + 4])
    typ = data[pos + 4:pos + 8]
    body = data[pos + 8:pos + 8 + n]
    crc, = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
    assert crc == zlib.crc32(typ + body) & 0xffffffff, "crc of " + typ.decode()
    chunks.append(typ)
    if typ == b"IDAT":
        idat += body
    pos += 12 + n
assert chunks[0] == b"IHDR" and chunks[-1] == b"IEND", chunks
w, h, depth, ctype = struct.unpack(">IIBB", data[16:26])
raw = zlib.decompress(idat)   # checks Adler-32
assert len(raw) == h * (1 + (w + 7) // 8), "row bytes"
assert w == h and depth == 1 and ctype == 0
PY
ok $? "the PNG is well formed (chunk CRCs, IHDR, the zlib stream and its Adler-32)"
long=$(text 2332)
"$tool" "$long" "$tmp/x.png" 2>/dev/null
[ $? = 1 ] && [ ! -s "$tmp/x.png" ]
ok $? "2,332 bytes (more than version 40 holds at level M) are refused"
echo "1..$n"
exit $failed
