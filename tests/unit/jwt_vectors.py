#!/usr/bin/python3
"""jwt_vectors.py: writes tests/unit/jwt_vectors.h, the tokens and key set
test_jwt.c checks lib/jwt with - made by python3-jwt and
python3-cryptography (Debian), so the C verifier is held to another
implementation's output. Run it again to make new ones:
    /usr/bin/python3 tests/unit/jwt_vectors.py > tests/unit/jwt_vectors.h
Claims: iss https://idp.example.com, aud app, sub user-1, iat 1700000000,
exp 4102444800 (2100), unless a vector says otherwise."""
import base64
import json

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives import serialization


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def n2b(n, length=None):
    length = length or (n.bit_length() + 7) // 8
    return n.to_bytes(length, "big")


rsa_k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
rsa_small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
p256 = ec.generate_private_key(ec.SECP256R1())
p384 = ec.generate_private_key(ec.SECP384R1())
ed = ed25519.Ed25519PrivateKey.generate()


def rsa_jwk(k, kid):
    n = k.public_key().public_numbers()
    return {"kty": "RSA", "kid": kid, "use": "sig", "n": b64u(n2b(n.n)), "e": b64u(n2b(n.e))}


def ec_jwk(k, kid, crv, size):
    n = k.public_key().public_numbers()
    return {"kty": "EC", "kid": kid, "crv": crv, "x": b64u(n2b(n.x, size)), "y": b64u(n2b(n.y, size))}


edx = ed.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
jwks = {"keys": [
    rsa_jwk(rsa_k, "rsa"), rsa_jwk(rsa_small, "small"),
    ec_jwk(p256, "p256", "P-256", 32), ec_jwk(p384, "p384", "P-384", 48),
    {"kty": "OKP", "kid": "ed", "crv": "Ed25519", "x": b64u(edx)},
    dict(rsa_jwk(rsa_k, "enc"), use="enc"),
    {"kty": "oct", "kid": "hmac", "k": b64u(b"secret")},
    {"kty": "EC", "kid": "bad", "crv": "P-256", "x": b64u(b"\x01" * 32), "y": b64u(b"\x02" * 32)},
]}
base = {"iss": "https://idp.example.com", "aud": "app", "sub": "user-1", "iat": 1700000000,
        "exp": 4102444800}


def tok(key, alg, kid, **over):
    c = dict(base)
    c.update(over)
    for k in [k for k, v in c.items() if v is None]:
        del c[k]
    return jwt.encode(c, key, algorithm=alg, headers={"kid": kid} if kid else None)


vec = [
    ("RS256", tok(rsa_k, "RS256", "rsa"), 0),
    ("RS384", tok(rsa_k, "RS384", "rsa"), 0),
    ("RS512", tok(rsa_k, "RS512", "rsa"), 0),
    ("PS256", tok(rsa_k, "PS256", "rsa"), 0),
    ("ES256", tok(p256, "ES256", "p256"), 0),
    ("ES384", tok(p384, "ES384", "p384"), 0),
    ("EdDSA", tok(ed, "EdDSA", "ed"), 0),
    ("no kid: any RSA key", tok(rsa_k, "RS256", None), 0),
    ("a 1024-bit RSA key is not in the set", tok(rsa_small, "RS256", "small"), "ENOKEY"),
    ("an encryption key is skipped", tok(rsa_k, "RS256", "enc"), "ENOKEY"),
    ("unknown kid", tok(rsa_k, "RS256", "nope"), "ENOKEY"),
    ("ES256 with the RSA key's kid", tok(p256, "ES256", "rsa"), "EINVAL"),
    ("RS256 with the P-256 key's kid", tok(rsa_k, "RS256", "p256"), "EINVAL"),
    ("ES256 signed by another key", tok(ec.generate_private_key(ec.SECP256R1()), "ES256", "p256"), "EKEYREJECTED"),
    ("HS256 with an oct key", jwt.encode(base, "secret", algorithm="HS256", headers={"kid": "hmac"}), "EINVAL"),
    ("alg none", jwt.encode(base, None, algorithm="none"), "EINVAL"),
]
t = tok(rsa_k, "RS256", "rsa")
h, p, s = t.split(".")
body = json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
body["sub"] = "admin"
vec.append(("a changed payload", ".".join([h, b64u(json.dumps(body).encode()), s]), "EKEYREJECTED"))
sig = bytearray(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))
sig[-1] ^= 1
vec.append(("a flipped signature bit", ".".join([h, p, b64u(bytes(sig))]), "EKEYREJECTED"))
claims = [
    ("good", tok(rsa_k, "RS256", "rsa"), "OK"),
    ("aud list", tok(rsa_k, "RS256", "rsa", aud=["x", "app"]), "OK"),
    ("azp matches (Google)", tok(rsa_k, "RS256", "rsa", aud="other", azp="app"), "OK"),
    ("wrong aud", tok(rsa_k, "RS256", "rsa", aud="other"), "AUDIENCE"),
    ("wrong iss", tok(rsa_k, "RS256", "rsa", iss="https://evil.example.com"), "ISSUER"),
    ("expired", tok(rsa_k, "RS256", "rsa", exp=1700000100), "EXPIRED"),
    ("no exp", tok(rsa_k, "RS256", "rsa", exp=None), "INVALID"),
    ("nbf in the future", tok(rsa_k, "RS256", "rsa", nbf=4000000000), "NOT_YET"),
    ("iat in the future", tok(rsa_k, "RS256", "rsa", iat=4000000000), "NOT_YET"),
    ("no sub", tok(rsa_k, "RS256", "rsa", sub=None), "INVALID"),
    ("exp a string", tok(rsa_k, "RS256", "rsa", exp="soon"), "INVALID"),
    ("aud a number", tok(rsa_k, "RS256", "rsa", aud=5), "INVALID"),
]
print("/* tests/unit/jwt_vectors.h: made by tests/unit/jwt_vectors.py (python3-jwt %s); do not edit. */" % jwt.__version__)
print("static const char jwks[] = %s;" % json.dumps(json.dumps(jwks)))
print("static const struct { const char *name, *token; int err; } sig_vectors[] = {")
for name, t, err in vec:
    print("\t{ %s, %s, %s }," % (json.dumps(name), json.dumps(t), "0" if err == 0 else "-" + err))
print("};")
print("static const struct { const char *name, *token; enum jwt_claim_error want; } claim_vectors[] = {")
for name, t, want in claims:
    print("\t{ %s, %s, JWT_CLAIM_%s }," % (json.dumps(name), json.dumps(t), want))
print("};")
