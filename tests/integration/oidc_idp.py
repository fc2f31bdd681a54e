#!/usr/bin/python3
"""oidc_idp.py: a small OpenID Connect identity provider for the tests.

  oidc_idp.py serve DIR   generates an RSA (2048), an EC P-256 and an
                          Ed25519 signing key and a self-signed TLS
                          certificate for 127.0.0.1, serves
                          /.well-known/openid-configuration and /jwks.json
                          over HTTPS on 127.0.0.1 (a free port), and writes
                          DIR/port, DIR/thumbprint (the SHA-1 of the
                          certificate, hex), DIR/issuer and the keys; runs
                          until killed. DIR/hits counts the JWKS requests;
                          while DIR/delay exists, the JWKS is answered
                          after that many seconds.
  oidc_idp.py token DIR [--alg A] [--kid K] [--claim k=v]... [--json k=JSON]...
                          [--drop k] [--tamper]
                          prints a token signed with DIR's key for alg A
                          (RS256, RS384, RS512, PS256, ES256, EdDSA; "none"
                          for an unsigned one), iss = DIR/issuer, aud
                          "sts.amazonaws.com", sub "repo:example/app:ref:main",
                          iat now, exp in 10 minutes, unless changed.
"""
import datetime
import hashlib
import http.server
import ipaddress
import json
import os
import ssl
import sys
import time

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID


def b64u(n, length=None):
    import base64
    if length is None:
        length = (n.bit_length() + 7) // 8
    return base64.urlsafe_b64encode(n.to_bytes(length, "big")).rstrip(b"=").decode()


def raw_b64u(b):
    import base64
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def serve(d):
    os.makedirs(d, exist_ok=True)
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    ed_key = ed25519.Ed25519PrivateKey.generate()
    tls_key = ec.generate_private_key(ec.SECP256R1())
    for name, k in (("rsa", rsa_key), ("ec", ec_key), ("ed", ed_key)):
        with open(os.path.join(d, name + ".pem"), "wb") as f:
            f.write(pem(k))
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.utcnow()
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(tls_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(tls_key, hashes.SHA256()))
    der = cert.public_bytes(serialization.Encoding.DER)
    with open(os.path.join(d, "cert.pem"), "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(os.path.join(d, "tls.pem"), "wb") as f:
        f.write(pem(tls_key))
    rn = rsa_key.public_key().public_numbers()
    en = ec_key.public_key().public_numbers()
    edx = ed_key.public_key().public_bytes(serialization.Encoding.Raw,
                                           serialization.PublicFormat.Raw)
    jwks = {"keys": [
        {"kty": "RSA", "kid": "rsa1", "use": "sig", "n": b64u(rn.n), "e": b64u(rn.e)},
        {"kty": "EC", "kid": "ec1", "use": "sig", "crv": "P-256",
         "x": b64u(en.x, 32), "y": b64u(en.y, 32)},
        {"kty": "OKP", "kid": "ed1", "crv": "Ed25519", "x": raw_b64u(edx)},
        {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
    ]}
    hits = [0]

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            if self.path == "/.well-known/openid-configuration":
                body = {"issuer": issuer, "jwks_uri": issuer + "/jwks.json",
                        "id_token_signing_alg_values_supported": ["RS256", "ES256", "EdDSA"]}
            elif self.path == "/jwks.json":
                delay = os.path.join(d, "delay")
                if os.path.exists(delay):   # a slow provider
                    time.sleep(float(open(delay).read()))
                hits[0] += 1
                with open(os.path.join(d, "hits.tmp"), "w") as f:
                    f.write("%d\n" % hits[0])
                os.replace(os.path.join(d, "hits.tmp"), os.path.join(d, "hits"))
                body = jwks
            else:
                self.send_response(404)
                self.end_headers()
                return
            b = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(b)))
            self.end_headers()
            self.wfile.write(b)

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(d, "cert.pem"), os.path.join(d, "tls.pem"))
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    port = srv.server_address[1]
    issuer = "https://127.0.0.1:%d" % port
    with open(os.path.join(d, "thumbprint"), "w") as f:
        f.write(hashlib.sha1(der).hexdigest() + "\n")
    with open(os.path.join(d, "issuer"), "w") as f:
        f.write(issuer + "\n")
    with open(os.path.join(d, "port.tmp"), "w") as f:
        f.write("%d\n" % port)
    os.replace(os.path.join(d, "port.tmp"), os.path.join(d, "port"))
    srv.serve_forever()


def token(d, args):
    alg, kid, tamper = "RS256", None, False
    now = int(time.time())
    claims = {"iss": open(os.path.join(d, "issuer")).read().strip(),
              "aud": "sts.amazonaws.com", "sub": "repo:example/app:ref:main",
              "iat": now, "exp": now + 600}
    i = 0
    while i < len(args):
        a = args[i]
        v = args[i + 1] if i + 1 < len(args) else None
        if a == "--alg":
            alg = v
        elif a == "--kid":
            kid = v
        elif a == "--claim":
            k, _, val = v.partition("=")
            claims[k] = val
        elif a == "--json":
            k, _, val = v.partition("=")
            claims[k] = json.loads(val)
        elif a == "--drop":
            claims.pop(v, None)
        elif a == "--tamper":
            tamper = True
            i -= 1
        i += 2
    keyfile = {"RS": "rsa", "PS": "rsa", "ES": "ec", "Ed": "ed"}.get(alg[:2])
    if alg == "none":
        tok = jwt.encode(claims, None, algorithm="none")
    else:
        with open(os.path.join(d, keyfile + ".pem"), "rb") as f:
            key = serialization.load_pem_private_key(f.read(), None)
        headers = None if kid == "-" else {
            "kid": kid or {"rsa": "rsa1", "ec": "ec1", "ed": "ed1"}[keyfile]}
        tok = jwt.encode(claims, key, algorithm=alg, headers=headers)
    if tamper:
        h, p, s = tok.split(".")
        body = json.loads(jwt.utils.base64url_decode(p))
        body["sub"] = body["sub"] + "x"
        p = raw_b64u(json.dumps(body).encode())
        tok = ".".join((h, p, s))
    print(tok)


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2])
    else:
        token(sys.argv[2], sys.argv[3:])
