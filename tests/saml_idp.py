#!/usr/bin/python3
"""saml_idp.py: a test SAML 2.0 identity provider for iamd's tests
(tests/unit/test_saml.c, tests/integration/saml_*.sh).

  saml_idp.py keygen DIR [--ec]        DIR/key.pem and DIR/cert.pem (openssl CLI)
  saml_idp.py metadata CERT ENTITYID   an IdP metadata document on stdout
  saml_idp.py response KEY CERT ISSUER [options]
                                       a base64 samlp:Response on stdout

Responses are signed with python3-xmlsec (Debian's, over lxml), enveloped,
exclusive c14n, RSA-SHA256 unless told otherwise. Options make the bad ones
the tests need: --sign none|response|assertion|both, --tamper (a value
changed after signing), --wrap (a second, unsigned assertion moved in front
of the signed one), --dup-id, --dtd, --offset (seconds added to every time).
"""
import argparse
import base64
import os
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone

from lxml import etree
import xmlsec

NS_P = "urn:oasis:names:tc:SAML:2.0:protocol"
NS_A = "urn:oasis:names:tc:SAML:2.0:assertion"
NS_MD = "urn:oasis:names:tc:SAML:2.0:metadata"
NS_DS = "http://www.w3.org/2000/09/xmldsig#"
ATTR = "https://aws.amazon.com/SAML/Attributes/"


def keygen(d, ec):
    os.makedirs(d, exist_ok=True)
    key, cert = os.path.join(d, "key.pem"), os.path.join(d, "cert.pem")
    newkey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"] if ec \
        else ["-newkey", "rsa:2048"]
    subprocess.run(["openssl", "req", "-x509", *newkey, "-nodes", "-keyout", key,
                    "-out", cert, "-days", "30", "-subj", "/CN=test-idp"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def cert_b64(path):
    lines = open(path).read().strip().splitlines()
    return "".join(l for l in lines if not l.startswith("-----"))


def metadata(cert, entity_id):
    c = cert_b64(cert)
    # long enough for AWS's 1000-character minimum
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="{NS_MD}" xmlns:ds="{NS_DS}" entityID="{entity_id}">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="{NS_P}">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo>
        <ds:X509Data>
          <ds:X509Certificate>{c}</ds:X509Certificate>
        </ds:X509Data>
      </ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:transient</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/sso/redirect"/>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example.com/sso/post"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
"""


def ts(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def el(parent, ns, name, text=None, **attrs):
    e = etree.SubElement(parent, f"{{{ns}}}{name}", {k: v for k, v in attrs.items()})
    if text is not None:
        e.text = text
    return e


def build(a):
    now = datetime.now(timezone.utc) + timedelta(seconds=a.offset)
    nooa = now + timedelta(seconds=a.lifetime)
    nsmap = {"samlp": NS_P, "saml": NS_A}
    resp = etree.Element(f"{{{NS_P}}}Response", nsmap=nsmap)
    resp.set("ID", "_r" + uuid.uuid4().hex)
    resp.set("Version", "2.0")
    resp.set("IssueInstant", ts(now))
    resp.set("Destination", a.recipient)
    el(resp, NS_A, "Issuer", a.issuer)
    st = el(resp, NS_P, "Status")
    el(st, NS_P, "StatusCode", Value="urn:oasis:names:tc:SAML:2.0:status:" + a.status)
    asr = el(resp, NS_A, "Assertion", ID=a.assertion_id or "_a" + uuid.uuid4().hex,
             Version="2.0", IssueInstant=ts(now))
    el(asr, NS_A, "Issuer", a.issuer)
    subj = el(asr, NS_A, "Subject")
    nid = el(subj, NS_A, "NameID", a.sub)
    if a.sub_format:
        nid.set("Format", a.sub_format)
    sc = el(subj, NS_A, "SubjectConfirmation", Method="urn:oasis:names:tc:SAML:2.0:cm:bearer")
    el(sc, NS_A, "SubjectConfirmationData", NotOnOrAfter=ts(nooa), Recipient=a.recipient)
    cond = el(asr, NS_A, "Conditions", NotBefore=ts(now - timedelta(seconds=5)),
              NotOnOrAfter=ts(nooa))
    ar = el(cond, NS_A, "AudienceRestriction")
    el(ar, NS_A, "Audience", a.audience)
    authn = el(asr, NS_A, "AuthnStatement", AuthnInstant=ts(now), SessionIndex="_s1")
    if a.session_not_on_or_after is not None:
        authn.set("SessionNotOnOrAfter",
                  ts(now + timedelta(seconds=a.session_not_on_or_after)))
    ac = el(authn, NS_A, "AuthnContext")
    el(ac, NS_A, "AuthnContextClassRef",
       "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport")
    attrs = el(asr, NS_A, "AttributeStatement")

    def attr(name, values):
        at = el(attrs, NS_A, "Attribute", Name=name)
        for v in values:
            el(at, NS_A, "AttributeValue", v)
    if a.role:
        attr(ATTR + "Role", a.role)
    if a.session_name is not None:
        attr(ATTR + "RoleSessionName", [a.session_name])
    if a.session_duration is not None:
        attr(ATTR + "SessionDuration", [str(a.session_duration)])
    if a.source_identity is not None:
        attr(ATTR + "SourceIdentity", [a.source_identity])
    for kv in a.attr or []:
        k, _, v = kv.partition("=")
        attr(k, v.split("|"))
    return resp, asr


def sign(node, key, cert, alg, digest):
    sig_alg = {"rsa-sha256": xmlsec.Transform.RSA_SHA256, "rsa-sha1": xmlsec.Transform.RSA_SHA1,
               "ecdsa-sha256": xmlsec.Transform.ECDSA_SHA256}[alg]
    dig = {"sha256": xmlsec.Transform.SHA256, "sha1": xmlsec.Transform.SHA1}[digest]
    sig = xmlsec.template.create(node, xmlsec.Transform.EXCL_C14N, sig_alg)
    # the Signature goes after the Issuer, as the schema has it
    node.insert(1, sig)
    ref = xmlsec.template.add_reference(sig, dig, uri="#" + node.get("ID"))
    xmlsec.template.add_transform(ref, xmlsec.Transform.ENVELOPED)
    xmlsec.template.add_transform(ref, xmlsec.Transform.EXCL_C14N)
    ki = xmlsec.template.ensure_key_info(sig)
    xmlsec.template.add_x509_data(ki)
    ctx = xmlsec.SignatureContext()
    k = xmlsec.Key.from_file(key, xmlsec.KeyFormat.PEM)
    k.load_cert_from_file(cert, xmlsec.KeyFormat.PEM)
    ctx.key = k
    ctx.register_id(node, "ID")
    ctx.sign(sig)


def response(a):
    resp, asr = build(a)
    if a.sign in ("assertion", "both"):
        sign(asr, a.key, a.cert, a.alg, a.digest)
    if a.sign in ("response", "both"):
        sign(resp, a.key, a.cert, a.alg, a.digest)
    if a.tamper:
        nid = asr.find(f"{{{NS_A}}}Subject/{{{NS_A}}}NameID")
        nid.text = "admin"
    if a.wrap:
        # XML signature wrapping: an unsigned copy with other claims goes
        # first; the signed original stays, moved into Extensions
        evil = etree.fromstring(etree.tostring(asr))
        for s in evil.findall(f"{{{NS_DS}}}Signature"):
            evil.remove(s)
        evil.set("ID", "_evil" + uuid.uuid4().hex)
        evil.find(f"{{{NS_A}}}Subject/{{{NS_A}}}NameID").text = "admin"
        if a.wrap == "extensions":
            resp.remove(asr)
            ext = etree.Element(f"{{{NS_P}}}Extensions")
            ext.append(asr)
            resp.insert(1, ext)
        resp.insert(2, evil)
    if a.dup_id:
        resp.set("ID", asr.get("ID"))
    xml = etree.tostring(resp, xml_declaration=False, encoding="UTF-8")
    if a.comment_in_nameid:
        xml = xml.replace(b">" + a.sub.encode() + b"<",
                          b">" + a.sub[:2].encode() + b"<!---->" + a.sub[2:].encode() + b"<")
    if a.dtd:
        xml = b'<!DOCTYPE r [<!ENTITY x "y">]>' + xml
    return base64.b64encode(xml).decode()


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    k = sub.add_parser("keygen")
    k.add_argument("dir")
    k.add_argument("--ec", action="store_true")
    m = sub.add_parser("metadata")
    m.add_argument("cert")
    m.add_argument("entity_id")
    r = sub.add_parser("response")
    r.add_argument("key")
    r.add_argument("cert")
    r.add_argument("issuer")
    r.add_argument("--role", action="append", help="ROLE_ARN,PROVIDER_ARN")
    r.add_argument("--session-name", default="alice@example.com")
    r.add_argument("--session-duration", type=int)
    r.add_argument("--session-not-on-or-after", type=int)
    r.add_argument("--source-identity")
    r.add_argument("--attr", action="append", help="NAME=V1|V2")
    r.add_argument("--sub", default="alice")
    r.add_argument("--sub-format", default="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent")
    r.add_argument("--audience", default="urn:amazon:webservices")
    r.add_argument("--recipient", default="https://signin.aws.amazon.com/saml")
    r.add_argument("--status", default="Success")
    r.add_argument("--assertion-id")
    r.add_argument("--offset", type=int, default=0)
    r.add_argument("--lifetime", type=int, default=300)
    r.add_argument("--sign", default="assertion",
                   choices=["none", "response", "assertion", "both"])
    r.add_argument("--alg", default="rsa-sha256")
    r.add_argument("--digest", default="sha256")
    r.add_argument("--tamper", action="store_true")
    r.add_argument("--wrap", nargs="?", const="front", choices=["front", "extensions"])
    r.add_argument("--dup-id", action="store_true")
    r.add_argument("--dtd", action="store_true")
    r.add_argument("--comment-in-nameid", action="store_true")
    a = p.parse_args()
    if a.cmd == "keygen":
        keygen(a.dir, a.ec)
    elif a.cmd == "metadata":
        sys.stdout.write(metadata(a.cert, a.entity_id))
    else:
        sys.stdout.write(response(a) + "\n")


if __name__ == "__main__":
    main()
