#!/bin/sh
# sigv4_botocore.sh: AWS's own Python signer (Debian's python3-botocore,
# botocore.auth.SigV4Auth over an AWSRequest) and lib/sigv4 (through
# tests/sigv4/sigv4_tool) agree: on the canonical request and on the
# Authorization value of Query-protocol requests to iam and sts (a form
# body, a session token, a GET with a query and a path to normalize), and
# on an api-socket call in iamd's canonical form (docs/sigv4.md). A
# signature botocore made verifies; a changed byte or a clock 20 minutes
# away does not.
. "$top_srcdir/tests/integration/lib.sh"

PY=/usr/bin/python3
TOOL="$top_builddir/tests/sigv4/sigv4_tool"
[ -x "$TOOL" ] || bail_out "$TOOL is not built"
"$PY" -c 'import botocore.auth' 2>/dev/null ||
	skip_all "Debian's python3-botocore is not installed (apt-get install python3-botocore)"

SECRET='wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'
cd "$TMP" || bail_out "no $TMP"

# botocore signs; each case leaves NAME.sreq (the request as text, with its
# Authorization), NAME.creq (botocore's canonical request) and NAME.authz.
cat > sign.py <<'EOF'
import datetime, sys, types
from urllib.parse import urlsplit
import botocore.auth
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

FIXED = datetime.datetime(2015, 8, 30, 12, 36, 0)
class FixedDateTime(datetime.datetime):
    @classmethod
    def utcnow(cls):
        return FIXED
botocore.auth.datetime = types.SimpleNamespace(datetime=FixedDateTime)
if hasattr(botocore.auth, 'get_current_datetime'):
    botocore.auth.get_current_datetime = lambda *a, **k: FIXED

class Recording(SigV4Auth):
    def canonical_request(self, request):
        self.creq = super().canonical_request(request)
        return self.creq

SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'
TOKEN = 'FQoGZXIvYXdzEKr//////////wEaDExampleSessionToken+/='

def case(name, method, url, service, body=b'', headers=None, token=None):
    creds = Credentials('AKIDEXAMPLE', SECRET, token)
    req = AWSRequest(method=method, url=url, data=body, headers=headers or {})
    auth = Recording(creds, service, 'us-east-1')
    auth.add_auth(req)
    parts = urlsplit(req.url)
    target = parts.path + ('?' + parts.query if parts.query else '')
    lines = ['%s %s HTTP/1.1' % (method, target), 'Host:' + parts.netloc]
    for k, v in req.headers.items():
        lines.append('%s:%s' % (k, v))
    raw = body if isinstance(body, bytes) else body.encode()
    open(name + '.sreq', 'wb').write('\n'.join(lines).encode() + b'\n\n' + raw)
    unsigned = [l for l in lines if not l.startswith('Authorization:')]
    open(name + '.req', 'wb').write('\n'.join(unsigned).encode() + b'\n\n' + raw)
    open(name + '.creq', 'w').write(auth.creq)
    open(name + '.authz', 'w').write(req.headers['Authorization'] + '\n')

form = {'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8'}
case('iam-form', 'POST', 'https://iam.amazonaws.com/', 'iam',
     'Action=CreateUser&UserName=al%C3%AFce&Path=%2Fdiv%2F&Version=2010-05-08', form)
case('sts-token', 'POST', 'https://sts.amazonaws.com/', 'sts',
     'Action=GetCallerIdentity&Version=2011-06-15', form, token=TOKEN)
case('get-query', 'GET',
     'https://iam.amazonaws.com/a/./b//c/../d%20e?Version=2010-05-08&Action=ListUsers'
     '&Marker=x%2By%20z&PathPrefix=%2Fdiv%2F&Empty=', 'iam',
     headers={'X-Custom': '  spaced    out  value '})
# iamd's api socket: POST https://iamd/ with X-Iamd-Action, over the op bytes
case('api-getuser', 'POST', 'https://iamd/', 'iam', b'\x0a\x05alice',
     {'X-Iamd-Action': 'GetUser'})
case('api-session', 'POST', 'https://iamd/', 'sts', b'',
     {'X-Iamd-Action': 'GetCallerIdentity'}, token=TOKEN)
EOF
"$PY" sign.py 2> sign.err || { diag "$(cat sign.err)"; bail_out "botocore could not sign"; }

for c in iam-form sts-token get-query; do
	svc=iam
	[ $c = sts-token ] && svc=sts
	run "$TOOL" canonical $c.sreq
	is "$OUT" "$(cat $c.creq)" "$c: the canonical request is botocore's"
	run "$TOOL" verify $c.sreq "$SECRET" 20150830T123600Z $svc
	is "$OUT" ok "$c: botocore's signature verifies"
	run "$TOOL" sign $c.req AKIDEXAMPLE "$SECRET" us-east-1 $svc
	is "$OUT" "$(cat $c.authz)" "$c: lib/sigv4 signs it as botocore does"
done

sed 's/UserName=al%C3%AFce/UserName=al%C3%AFcf/' iam-form.sreq > tampered.sreq
run "$TOOL" verify tampered.sreq "$SECRET" 20150830T123600Z iam
is "$RC" 1 "a changed parameter does not verify"
like "$OUT" '^SignatureDoesNotMatch: The request signature we calculated does not match' \
	"SignatureDoesNotMatch, AWS's message"
run "$TOOL" verify iam-form.sreq "$SECRET" 20150830T125600Z iam
like "$OUT" '^RequestTimeTooSkewed: Signature expired: 20150830T123600Z is now earlier than 20150830T124100Z \(20150830T125600Z - 15 min.\)' \
	"a clock 20 minutes ahead: RequestTimeTooSkewed"
run "$TOOL" verify iam-form.sreq "$SECRET" 20150830T123600Z sts
like "$OUT" "^SignatureDoesNotMatch: Credential should be scoped to correct service: 'sts'." \
	"an iam signature is not an sts one"
run "$TOOL" verify iam-form.sreq 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ' 20150830T123600Z iam
like "$OUT" '^SignatureDoesNotMatch' "another secret does not verify"

authz=$(cat api-getuser.authz)
run "$TOOL" api-verify "$authz" 20150830T123600Z GetUser 0a05616c696365 "$SECRET" iam
is "$OUT" ok "an api-socket call botocore signed verifies in iamd's canonical form"
run "$TOOL" api-sign AKIDEXAMPLE "$SECRET" us-east-1 iam 20150830T123600Z GetUser 0a05616c696365
is "$OUT" "$(cat api-getuser.authz)" "libiam's signer gives botocore's Authorization"
run "$TOOL" api-verify "$authz" 20150830T123600Z DeleteUser 0a05616c696365 "$SECRET" iam
like "$OUT" '^SignatureDoesNotMatch' "the signature binds the action"
run "$TOOL" api-verify "$authz" 20150830T123600Z GetUser 0a05616c696366 "$SECRET" iam
like "$OUT" '^SignatureDoesNotMatch' "and the op message's bytes"

TOKEN='FQoGZXIvYXdzEKr//////////wEaDExampleSessionToken+/='
authz=$(cat api-session.authz)
like "$authz" 'SignedHeaders=host;x-amz-date;x-amz-security-token;x-iamd-action,' \
	"botocore signs the session token header"
run "$TOOL" api-verify "$authz" 20150830T123600Z GetCallerIdentity '' "$SECRET" sts "$TOKEN"
is "$OUT" ok "a session's call botocore signed verifies"
run "$TOOL" api-sign AKIDEXAMPLE "$SECRET" us-east-1 sts 20150830T123600Z GetCallerIdentity '' "$TOKEN"
is "$OUT" "$(cat api-session.authz)" "and libiam's signer agrees"

done_testing
