#!/bin/sh
# gateway_http.sh: iam-gateway's HTTP/1.1 reader with raw sockets (python3;
# requests signed with botocore's SigV4 from Debian's python3-botocore,
# so an answer of 200 proves the bytes reached iamd exactly as signed):
# a request sent a byte at a time, pipelined requests (in one write, split
# across writes, then the client's half-close), empty lines before a
# request, Expect: 100-continue, Connection: close, HTTP/1.0 with and
# without keep-alive, a signed GET with a query string, and the requests
# refused before iamd sees them: Transfer-Encoding chunked (411) or another
# coding (501), two Content-Lengths, a bad one, too large a body (413), too
# large a head or too many headers (431), HTTP/2.0 (505), a garbled request
# line, obsolete line folding, control characters (400), an unknown Expect
# (417), a method other than GET and POST (405, the connection kept); a
# client still sending a refused body reads its 413 (lingering close).
. "$top_srcdir/tests/integration/lib.sh"

/usr/bin/python3 -c 'import botocore.auth' 2>/dev/null || skip_all "no python3-botocore"
keyd_start || bail_out "iam-keyd did not start"
iamd_start || bail_out "iamd did not start"
gateway_start --max-header-size 16384 || bail_out "iam-gateway did not start"
"$IAMCTL" iam create-access-key >"$TMP/root.json" || bail_out "no root access key"
AK=$(json_get '["AccessKey"]["AccessKeyId"]' <"$TMP/root.json")
SK=$(json_get '["AccessKey"]["SecretAccessKey"]' <"$TMP/root.json")

cat >"$TMP/rawhttp.py" <<'PY'
import socket, sys, threading, time
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

port, ak, sk = int(sys.argv[1]), sys.argv[2], sys.argv[3]
host = "127.0.0.1:%d" % port
CT = "application/x-www-form-urlencoded; charset=utf-8"
GCI = b"Action=GetCallerIdentity&Version=2011-06-15"

def signed(body=GCI, method="POST", query="", extra=b"", version=b"HTTP/1.1"):
    url = "http://%s/%s" % (host, ("?" + query) if query else "")
    req = AWSRequest(method=method, url=url, data=body if method == "POST" else None,
                     headers={"Content-Type": CT} if method == "POST" else {})
    SigV4Auth(Credentials(ak, sk), "sts", "us-east-1").add_auth(req)
    head = b"%s /%s %s\r\nHost: %s\r\n" % (method.encode(), (b"?" + query.encode()) if query else b"",
                                            version, host.encode())
    for k, v in req.headers.items():
        head += b"%s: %s\r\n" % (k.encode(), v.encode() if isinstance(v, str) else v)
    if method == "POST":
        head += b"Content-Length: %d\r\n" % len(body)
    return head + extra + b"\r\n" + (body if method == "POST" else b"")

UNSIGNED = (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 35\r\n\r\nAction=ListUsers&Version=2010-05-08")

def conn():
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s

LEFT = {}

def answer(s):
    """(status, headers dict, body) of one answer; (None, {}, b"") at EOF."""
    data = LEFT.pop(s, b"")
    while True:
        while b"\r\n\r\n" not in data:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                chunk = b""
            if not chunk:
                return None, {}, b""
            data += chunk
        head, data = data.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        hdrs = {}
        for l in lines[1:]:
            k, _, v = l.partition(b":")
            hdrs[k.strip().lower().decode()] = v.strip().decode()
        if status != 100:
            break
    n = int(hdrs.get("content-length", "0"))
    while len(data) < n:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    LEFT[s] = data[n:]
    return status, hdrs, data[:n]

def eof(s):
    """True when the gateway closes the connection (within 5 s)."""
    if LEFT.get(s):
        return False
    s.settimeout(5)
    try:
        return s.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False

def check(name, cond):
    print("%s - %s" % ("ok" if cond else "not ok", name))
    sys.stdout.flush()

def me(st, body):
    return st == 200 and b":root</Arn>" in body

def code(body):
    b = body.decode(errors="replace")
    return b.split("<Code>")[1].split("</Code>")[0] if "<Code>" in b else None

# a signed request whole, then a byte at a time on the same connection
s = conn()
st, h, body = answer((s.sendall(signed()), s)[1])
check("a signed GetCallerIdentity: 200, the root", me(st, body))
check("... with a request id, text/xml and a Date", h.get("x-amzn-requestid") and
      h.get("content-type") == "text/xml" and h.get("date", "").endswith(" GMT"))
check("... kept alive (no Connection: close)", "connection" not in h)
for b in signed():
    s.send(bytes([b]))
    time.sleep(0.001)
st, h, body = answer(s)
check("the same request a byte at a time: 200", me(st, body))

# pipelining: three in one write, the fourth split across two writes
reqs = [signed(), UNSIGNED, signed()]
s.sendall(b"".join(reqs))
fourth = signed()
s.sendall(fourth[:50])
time.sleep(0.2)
s.sendall(fourth[50:])
got = [answer(s) for i in range(4)]
check("four pipelined requests: four answers in order",
      [g[0] for g in got] == [200, 403, 200, 200] and code(got[1][2]) == "MissingAuthenticationToken"
      and all(me(g[0], g[2]) for g in (got[0], got[2], got[3])))
s.sendall(signed() + UNSIGNED)
s.shutdown(socket.SHUT_WR)
a, b = answer(s), answer(s)
check("two pipelined then the client's half-close: both answered", me(a[0], a[2]) and b[0] == 403)
check("... then the gateway closes", eof(s))
s.close()

s = conn()
s.sendall(b"\r\n\r\n" + signed())
st, h, body = answer(s)
check("empty lines before a request are skipped", me(st, body))

# the absolute form of the target, as a proxy sends it (RFC 9112 3.2.2)
t = conn()
req = signed().replace(b"POST / HTTP/1.1", b"POST http://%s/ HTTP/1.1" % host.encode(), 1)
st, h, body = answer((t.sendall(req), t)[1])
check("an absolute target (http://host/): 200, and the signature holds", me(st, body))
t.close()
# HTTP/1.1 without Host (RFC 9112 3.2)
t = conn()
req = signed().replace(b"Host: %s\r\n" % host.encode(), b"", 1)
st, h, body = answer((t.sendall(req), t)[1])
check("HTTP/1.1 without Host: 400", st == 400)
check("... and the connection ends", eof(t))
t.close()

# Expect: 100-continue
req = signed(extra=b"Expect: 100-continue\r\n")
head, body = req.split(b"\r\n\r\n", 1)
s.sendall(head + b"\r\n\r\n")
s.settimeout(5)
interim = s.recv(4096)
check("Expect: 100-continue: HTTP/1.1 100 Continue before the body",
      interim == b"HTTP/1.1 100 Continue\r\n\r\n")
s.sendall(body)
st, h, body = answer(s)
check("... then the answer", me(st, body))

# a signed GET with the parameters in the query string
s.sendall(signed(method="GET", query="Action=GetCallerIdentity&Version=2011-06-15"))
st, h, body = answer(s)
check("a signed GET with a query string: 200", me(st, body))

# a method other than GET and POST: 405, the connection stays usable
s.sendall(b"PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
st, h, body = answer(s)
check("PUT: 405 InvalidAction", st == 405 and code(body) == "InvalidAction")
s.sendall(signed())
st, h, body = answer(s)
check("... and the connection serves the next request", me(st, body))

# Connection: close
s.sendall(signed(extra=b"Connection: close\r\n"))
st, h, body = answer(s)
check("Connection: close: answered with Connection: close", me(st, body) and
      h.get("connection") == "close")
check("... then closed", eof(s))

# HTTP/1.0
s = conn()
s.sendall(signed(version=b"HTTP/1.0"))
st, h, body = answer(s)
check("HTTP/1.0: answered, then closed", me(st, body) and eof(s))
s = conn()
s.sendall(signed(version=b"HTTP/1.0", extra=b"Connection: keep-alive\r\n"))
st, h, body = answer(s)
check("HTTP/1.0 with Connection: keep-alive: Connection: keep-alive",
      me(st, body) and h.get("connection") == "keep-alive")
s.sendall(signed(version=b"HTTP/1.0", extra=b"Connection: keep-alive\r\n"))
st, h, body = answer(s)
check("... and a second request on it", me(st, body))

def refused(name, raw, want_status, want_code=None):
    s = conn()
    try:
        s.sendall(raw)
    except OSError:
        pass
    st, h, body = answer(s)
    check("%s: %s" % (name, want_status), st == want_status and
          (want_code is None or code(body) == want_code))
    check("... and closed", h.get("connection") == "close" and eof(s))

POST = b"POST / HTTP/1.1\r\nHost: x\r\n"
refused("Transfer-Encoding: chunked", POST + b"Transfer-Encoding: chunked\r\n\r\n"
        b"5\r\nAct=1\r\n0\r\n\r\n", 411, "MissingContentLength")
refused("Transfer-Encoding: gzip", POST + b"Transfer-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabc",
        501, "NotImplemented")
refused("two different Content-Lengths", POST + b"Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        400, "InvalidRequest")
refused("a Content-Length that is no number", POST + b"Content-Length: 3x\r\n\r\nabc", 400)
refused("a body above --max-body", POST + b"Content-Length: 1024001\r\n\r\n", 413,
        "RequestEntityTooLarge")
refused("a head above --max-header-size", POST + b"X-Big: " + b"a" * 17000 + b"\r\n\r\n", 431,
        "RequestHeaderFieldsTooLarge")
refused("129 headers", POST + b"".join(b"X-H%d: v\r\n" % i for i in range(129)) + b"\r\n", 431)
refused("HTTP/2.0", b"POST / HTTP/2.0\r\nHost: x\r\n\r\n", 505)
refused("a garbled request line", b"HELLO\r\n\r\n", 400)
refused("obsolete line folding", POST + b"X-A: 1\r\n  folded\r\n\r\n", 400)
refused("a control character in a header", POST + b"X-A: a\x01b\r\n\r\n", 400)
refused("a space before the colon", POST + b"X-A : b\r\n\r\n", 400)
refused("Expect: something else", POST + b"Expect: 200-ok\r\nContent-Length: 0\r\n\r\n", 417)
# a client that reads nothing for a while, with a small receive buffer,
# while 200 pipelined requests (sent by another thread) are answered: no
# answer lost, all in order, the connection usable after
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.settimeout(30)
s.connect(("127.0.0.1", port))
one = signed()
N = 200
sender = threading.Thread(target=lambda: s.sendall(one * N))
sender.start()
time.sleep(1.0)
got = [answer(s) for i in range(N)]
sender.join()
check("%d pipelined requests to a slow reader: %d answers, in order, whole" % (N, N),
      all(me(g[0], g[2]) for g in got))
s.sendall(signed())
check("... and the connection goes on", me(*answer(s)[::2]))
s.close()

# a client still sending the body of a refused request gets the answer (a
# lingering close: the rest is read and dropped, not answered by a reset)
s = conn()
s.sendall(POST + b"Content-Length: 2000000\r\n\r\n")
time.sleep(0.3)   # the 413 is out before the body comes
sent = True
try:
    for i in range(8):
        s.sendall(b"a" * 65536)
except OSError:
    sent = False
st, h, body = answer(s)
check("a client sending 512 KiB of a refused body: its sends do not fail", sent)
check("... and it reads the 413", st == 413 and code(body) == "RequestEntityTooLarge")
check("... and the connection ends", eof(s))

s = conn()
s.sendall(signed())
check("after all that the gateway serves", me(*answer(s)[::2]))
PY

/usr/bin/python3 "$TMP/rawhttp.py" "$IAMD_GATEWAY_PORT" "$AK" "$SK" >"$TMP/rawhttp.tap" 2>&1
RC=$?
while IFS= read -r line; do
	case "$line" in
	"ok - "*) pass "${line#ok - }" ;;
	"not ok - "*) fail "${line#not ok - }" ;;
	*) diag "$line" ;;
	esac
done <"$TMP/rawhttp.tap"
is "$RC" 0 "the client script exits 0"
ok "the gateway is still running" kill -0 "$IAMD_GATEWAY_PID"
ok "iam-gateway stops on SIGTERM" gateway_stop
ok "iamd stops" iamd_stop
done_testing
