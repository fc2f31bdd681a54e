#!/bin/sh
# gateway_limits.sh: iam-gateway's limits against slow and greedy clients,
# with raw sockets (python3): the request deadline (--request-deadline: a
# request must arrive whole within N seconds however it trickles in - the
# headers or the body a few bytes at a time, never silent long enough for
# the silence timeout), while other clients are served meanwhile; the
# deadline's clock restarts for each request of a keep-alive connection;
# --max-connections (a client beyond waits, then is served); pipelined
# requests; bad values; running out of descriptors (clients wait in the
# backlog, the listener rests instead of spinning).
# The answers here are iamd's own (MissingAuthenticationToken for an
# unsigned request): each one went through the gateway and iamd.
. "$top_srcdir/tests/integration/lib.sh"

command -v python3 >/dev/null || skip_all "no python3"

run "$IAMD_GATEWAY" --request-deadline 0
is "$RC" 2 "--request-deadline 0 is refused"
like "$ERR" "bad value '0' for --request-deadline" "... naming the option"
run "$IAMD_GATEWAY" --help
like "$OUT" '--request-deadline SECONDS' "--help documents --request-deadline"

keyd_start || bail_out "iam-keyd did not start"
iamd_start || bail_out "iamd did not start"
# silence allowed: 10 s; a whole request: 2 s
gateway_start --timeout 10 --request-deadline 2 --max-connections 6 ||
	bail_out "iam-gateway did not start"

cat >"$TMP/clients.py" <<'PY'
import socket, sys, threading, time
port = int(sys.argv[1])
what = sys.argv[2]
REQ = (b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
       b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 35\r\n\r\n"
       b"Action=ListUsers&Version=2010-05-08")

def conn():
    return socket.create_connection(("127.0.0.1", port), timeout=15)

LEFT = {}   # socket -> bytes read past the previous answer (pipelining)

def answer(s):
    """One whole HTTP answer: (status line, body) or (None, None) at EOF."""
    data = LEFT.pop(s, b"")
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            return None, None
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    n = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            n = int(v)
    while len(body) < n:
        chunk = s.recv(65536)
        if not chunk:
            break
        body += chunk
    LEFT[s] = body[n:]
    return head.split(b"\r\n")[0].decode(), body[:n].decode(errors="replace")

def served(s):
    s.sendall(REQ)
    st, body = answer(s)
    return st == "HTTP/1.1 403 Forbidden" and "<Code>MissingAuthenticationToken</Code>" in body

def trickle(pieces, gap, limit=12.0):
    """Sends pieces one by one, `gap` s apart; returns the seconds until the
    gateway closed the connection (None: still open after `limit` s)."""
    s = conn()
    t = time.time()
    for p in pieces:
        try:
            s.sendall(p)
        except OSError:
            return time.time() - t
        s.settimeout(gap)
        try:
            d = s.recv(4096)
            if not d:
                return time.time() - t
            return -1.0   # an answer: not expected
        except socket.timeout:
            pass
        except OSError:
            return time.time() - t
        if time.time() - t > limit:
            return None
    return None

if what in ("headers", "body"):
    if what == "headers":
        pieces = [b"POST / HTTP/1.1\r\n"] + [b"X-Slow-%d: x\r\n" % i for i in range(100)]
    else:
        pieces = [b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                  b"Content-Length: 100\r\n\r\n"] + [b"a"] * 100
    result = {}
    th = threading.Thread(target=lambda: result.update(cut=trickle(pieces, 0.4)))
    th.start()
    # meanwhile another client is served, on a keep-alive connection
    time.sleep(0.3)
    s = conn()
    lat = []
    ok = True
    for i in range(5):
        t = time.time()
        ok = served(s) and ok
        lat.append(time.time() - t)
        time.sleep(0.1)
    th.join()
    cut = result.get("cut")
    print("cut %s" % ("never" if cut is None else "%.2f" % cut))
    print("other %s max %.2f" % ("served" if ok else "FAILED", max(lat)))
elif what == "keepalive":
    # four requests on one connection, 0.8 s apart: 2.4 s in all, more
    # than the deadline, each request arriving at once
    s = conn()
    ok = 0
    for i in range(4):
        if i:
            time.sleep(0.8)
        ok += served(s)
    print("answered %d" % ok)
elif what == "idle":
    # a keep-alive connection left idle after its answer: closed once the
    # next request has not come within the deadline
    s = conn()
    served(s)
    t = time.time()
    s.settimeout(15)
    d = s.recv(4096)
    print("closed %s after %.2f" % ("" if not d else "NOT", time.time() - t))
elif what == "pipeline":
    # three requests in one write: three answers, in order, on the connection
    s = conn()
    s.sendall(REQ * 3)
    n = 0
    for i in range(3):
        st, body = answer(s)
        n += st == "HTTP/1.1 403 Forbidden" and "MissingAuthenticationToken" in body
    print("answered %d" % n)
elif what == "maxconns":
    # 6 connections allowed: 6 idle ones, then a 7th waits until one closes
    idle = [conn() for i in range(6)]
    time.sleep(0.3)
    s = socket.create_connection(("127.0.0.1", port), timeout=15)
    s.sendall(REQ)
    s.settimeout(0.8)
    try:
        d = s.recv(4096)
        print("7th answered at once" if d else "7th closed")
    except socket.timeout:
        print("7th waits")
    idle[0].close()
    s.settimeout(5)
    st, body = answer(s)
    print("7th then %s" % st)
elif what == "fds":
    # the gateway runs out of descriptors: clients beyond wait in the
    # backlog, and are served once descriptors are free again
    a = conn()
    for i in range(2):   # both api-socket connections opened
        a.sendall(REQ)
        answer(a)
    idle = [conn() for i in range(8)]
    time.sleep(0.3)
    s = socket.create_connection(("127.0.0.1", port), timeout=15)
    s.sendall(REQ)
    s.settimeout(1)
    try:
        d = s.recv(4096)
        print("late answered at once" if d else "late closed")
    except socket.timeout:
        print("late waits")
    for c in idle:
        c.close()
    s.settimeout(10)
    st, body = answer(s)
    print("late then %s" % st)
    a.sendall(REQ)
    st, body = answer(a)
    print("first then %s" % st)
PY

run python3 "$TMP/clients.py" "$IAMD_GATEWAY_PORT" headers
diag "$OUT"
CUT=$(echo "$OUT" | sed -n 's/^cut //p')
is "$(awk -v c="$CUT" 'BEGIN { print (c != "never" && c >= 1.9 && c < 6) ? "in time" : "cut at " c }')" "in time" \
	"headers trickling in (a line every 0.4 s, never silent) are cut at the 2 s deadline"
like "$OUT" 'other served' "another client is served meanwhile (5 requests on keep-alive)"
like "$(cat "$IAMD_GATEWAY_LOG")" 'no whole request within 2 s, closing' "the gateway logs the cut"

run python3 "$TMP/clients.py" "$IAMD_GATEWAY_PORT" body
diag "$OUT"
CUT=$(echo "$OUT" | sed -n 's/^cut //p')
is "$(awk -v c="$CUT" 'BEGIN { print (c != "never" && c >= 1.9 && c < 6) ? "in time" : "cut at " c }')" "in time" \
	"a body trickling in (a byte every 0.4 s) is cut at the deadline"
like "$OUT" 'other served' "another client is served meanwhile"

run python3 "$TMP/clients.py" "$IAMD_GATEWAY_PORT" keepalive
is "$OUT" "answered 4" "four prompt requests on one connection over 2.4 s: the deadline is per request"

run python3 "$TMP/clients.py" "$IAMD_GATEWAY_PORT" pipeline
is "$OUT" "answered 3" "three pipelined requests: three answers"

run python3 "$TMP/clients.py" "$IAMD_GATEWAY_PORT" idle
like "$OUT" '^closed  after' "an idle keep-alive connection is closed ..."
T=$(echo "$OUT" | sed -n 's/^closed .* after //p')
is "$(awk -v c="$T" 'BEGIN { print (c >= 1.5 && c < 6) ? "yes" : "no: " c }')" "yes" \
	"... when the next request has not come within the deadline"

run python3 "$TMP/clients.py" "$IAMD_GATEWAY_PORT" maxconns
like "$OUT" '7th waits' "--max-connections 6: a 7th connection waits ..."
like "$OUT" '7th then HTTP/1.1 403' "... and is served once one closes"

ok "the gateway is still running" kill -0 "$IAMD_GATEWAY_PID"
ok "iam-gateway stops on SIGTERM" gateway_stop

# Out of descriptors (a low RLIMIT_NOFILE): an accept that fails rests the
# listener until the next sweep (250 ms) instead of failing again at once,
# and the clients waiting in the backlog are served once descriptors are
# free.
GW=$IAMD_GATEWAY
printf '#!/bin/sh\nulimit -n 16\nexec "%s" "$@"\n' "$GW" >"$TMP/gateway-fds"
chmod +x "$TMP/gateway-fds"
IAMD_GATEWAY=$TMP/gateway-fds
GW_LOG=$IAMD_GATEWAY_LOG
IAMD_GATEWAY_LOG=$TMP/fds.log
: >"$IAMD_GATEWAY_LOG"
gateway_start || bail_out "iam-gateway did not start with 16 descriptors"
run python3 "$TMP/clients.py" "$IAMD_GATEWAY_PORT" fds
like "$OUT" 'late waits' "out of descriptors: a further client waits ..."
like "$OUT" 'late then HTTP/1.1 403' "... and is served once descriptors are free"
like "$OUT" 'first then HTTP/1.1 403' "the first client is still served"
like "$(cat "$TMP/fds.log")" 'accept: Too many open files' "the gateway logs the failed accept"
N=$(grep -c 'accept: Too many open files' "$TMP/fds.log")
ok "... a few times, not in a loop ($N times)" test "$N" -ge 1 -a "$N" -le 40
ok "iam-gateway stops on SIGTERM" gateway_stop
cat "$TMP/fds.log" >>"$GW_LOG"
IAMD_GATEWAY_LOG=$GW_LOG
IAMD_GATEWAY=$GW
ok "iamd stops" iamd_stop
done_testing
