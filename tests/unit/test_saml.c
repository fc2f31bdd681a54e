/* test_saml: lib/saml against responses signed by a real SAML signer
 * (tests/saml_idp.py: Debian's python3-xmlsec over lxml), made fresh at
 * run time in a temp dir: metadata parsing and its errors, signatures made
 * on the Response, the Assertion or both, and what must be refused -
 * unsigned, another key, tampered after signing, signature wrapping (a
 * second assertion in front, the signed one hidden in Extensions),
 * duplicate IDs, a DTD, expired, not yet valid, another audience,
 * recipient or issuer, a failed status, a comment inside the NameID. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "saml/saml.h"
#include "../tap.h"

#define ISSUER "https://idp.example.com/saml"
#define ROLE "arn:aws:iam::123456789012:role/fed,arn:aws:iam::123456789012:saml-provider/idp"

static char dir[] = "/tmp/test_saml.XXXXXX";
static char script[512];

static char *slurp_cmd(const char *cmd)
{
	FILE *f = popen(cmd, "r");
	size_t cap = 1 << 16, len = 0, n;
	char *buf = malloc(cap);
	if (!f || !buf) {
		if (f)
			pclose(f);
		free(buf);
		return NULL;
	}
	while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (len + 1 == cap) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb)
				break;
			buf = nb;
		}
	}
	buf[len] = '\0';
	if (pclose(f) != 0) {
		free(buf);
		return NULL;
	}
	while (len && (buf[len - 1] == '\n'))
		buf[--len] = '\0';
	return buf;
}

/* A response from the test IdP signed with key set `keys` ("a" or "b"). */
static char *response(const char *keys, const char *opts)
{
	char cmd[4096];
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s response %s/%s/key.pem %s/%s/cert.pem %s "
		 "--role %s %s", script, dir, keys, dir, keys, ISSUER, ROLE, opts);
	return slurp_cmd(cmd);
}

static struct saml_metadata *md;

static int verify(const char *b64, struct saml_assertion **ret, enum saml_error *err,
		  const char **why)
{
	static const char *const aud[] = { "urn:amazon:webservices",
					   "https://signin.aws.amazon.com/saml" };
	static const char *const rcpt[] = { "https://signin.aws.amazon.com/saml" };
	struct saml_expect x = {
		.issuer = ISSUER, .certs = (const char *const *)md->certs,
		.n_certs = md->n_certs, .audiences = aud, .n_audiences = 2,
		.recipients = rcpt, .n_recipients = 1, .now = time(NULL), .skew = SAML_SKEW,
	};
	*err = SAML_ERR_NONE;
	*why = NULL;
	return saml_response_verify(b64, strlen(b64), &x, ret, err, why);
}

/* The response made with `opts` is refused with `want`. */
static void refused(const char *keys, const char *opts, enum saml_error want, const char *name)
{
	char *b64 = response(keys, opts);
	struct saml_assertion *a = NULL;
	enum saml_error e;
	const char *why;
	if (!b64) {
		tap_ok(0, "%s (the test IdP failed)", name);
		return;
	}
	int r = verify(b64, &a, &e, &why);
	if (!tap_ok(r == -EINVAL && e == want, "%s", name))
		printf("#   r=%d error=%d (want %d): %s\n", r, (int)e, (int)want, why ? why : "");
	else
		printf("#   %s\n", why ? why : "");
	saml_assertion_free(a);
	free(b64);
}

static void accepted(const char *keys, const char *opts, const char *name,
		     struct saml_assertion **ret)
{
	char *b64 = response(keys, opts);
	struct saml_assertion *a = NULL;
	enum saml_error e = SAML_ERR_NONE;
	const char *why = NULL;
	int r = b64 ? verify(b64, &a, &e, &why) : -1;
	if (!tap_ok(r == 0, "%s", name))
		printf("#   r=%d error=%d: %s\n", r, (int)e, why ? why : "");
	if (ret)
		*ret = a;
	else
		saml_assertion_free(a);
	free(b64);
}

static void test_metadata(void)
{
	char cmd[4096];
	const char *why = NULL;
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s metadata %s/a/cert.pem %s", script, dir,
		 ISSUER);
	char *doc = slurp_cmd(cmd);
	int r = doc ? saml_metadata_parse(doc, strlen(doc), &md, &why) : -1;
	TAP_IS_INT(r, 0, "metadata: parsed");
	if (r < 0) {
		printf("#   %s\n", why ? why : "");
		exit(tap_done());
	}
	TAP_IS_STR(md->entity_id, ISSUER, "metadata: entityID");
	TAP_IS_INT(md->n_certs, 1, "metadata: one signing certificate");
	tap_ok(!md->has_valid_until, "metadata: no validUntil");

	struct { const char *from, *to, *name; } bad[] = {
		{ "entityID=", "entityId=", "no entityID" },
		{ "md:IDPSSODescriptor", "md:SPSSODescriptor", "no IDPSSODescriptor" },
		{ "use=\"signing\"", "use=\"encryption\"", "no signing certificate" },
		{ "<ds:X509Certificate>M", "<ds:X509Certificate>!", "a certificate not base64" },
		{ "<ds:X509Certificate>MII", "<ds:X509Certificate>AAA", "a certificate not DER" },
		{ "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
		  "<!DOCTYPE x [<!ENTITY a \"b\">]>", "a DTD" },
		{ "</md:EntityDescriptor>", "", "not well-formed" },
		{ "<md:EntityDescriptor ", "<md:EntityDescriptor validUntil=\"soon\" ", "a bad validUntil" },
		{ "urn:oasis:names:tc:SAML:2.0:protocol\">", "urn:oasis:names:tc:SAML:1.1:protocol\">",
		  "no SAML 2.0 in protocolSupportEnumeration" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *p = strstr(doc, bad[i].from);
		if (!p) {
			tap_ok(0, "metadata %s: pattern not found", bad[i].name);
			continue;
		}
		/* every occurrence */
		size_t n = strlen(doc) * 2 + 1, fl = strlen(bad[i].from), o = 0;
		char *m = malloc(n);
		for (const char *s = doc; *s;) {
			if (strncmp(s, bad[i].from, fl) == 0) {
				o += (size_t)snprintf(m + o, n - o, "%s", bad[i].to);
				s += fl;
			} else {
				m[o++] = *s++;
			}
		}
		m[o] = '\0';
		struct saml_metadata *x = NULL;
		why = NULL;
		r = saml_metadata_parse(m, strlen(m), &x, &why);
		tap_ok(r == -EINVAL && why, "metadata refused: %s (%s)", bad[i].name, why ? why : "");
		saml_metadata_free(x);
		free(m);
	}
	/* validUntil read */
	char *p = strstr(doc, "<md:EntityDescriptor ");
	size_t n = strlen(doc) + 64;
	char *m = malloc(n);
	snprintf(m, n, "%.*s<md:EntityDescriptor validUntil=\"2030-01-02T03:04:05Z\" %s",
		 (int)(p - doc), doc, p + strlen("<md:EntityDescriptor "));
	struct saml_metadata *x = NULL;
	r = saml_metadata_parse(m, strlen(m), &x, &why);
	tap_ok(r == 0 && x->has_valid_until && x->valid_until == 1893553445,
	       "metadata: validUntil read");
	saml_metadata_free(x);
	free(m);
	free(doc);
}

static void test_responses(void)
{
	struct saml_assertion *a = NULL;
	accepted("a", "--attr https://aws.amazon.com/SAML/Attributes/PrincipalTag:dept=eng "
		 "--attr 'urn:oid:1.3.6.1.4.1.5923.1.1.1.1=staff|member' --session-duration 1800 "
		 "--session-not-on-or-after 7200",
		 "the assertion signed: accepted", &a);
	if (a) {
		size_t n;
		char *const *v;
		TAP_IS_STR(a->issuer, ISSUER, "  Issuer");
		TAP_IS_STR(a->name_id, "alice", "  NameID");
		TAP_IS_STR(a->name_id_format, "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
			   "  NameID Format");
		TAP_IS_STR(a->recipient, "https://signin.aws.amazon.com/saml", "  Recipient");
		tap_ok(a->id && a->id[0] == '_', "  the Assertion's ID");
		tap_ok(a->not_on_or_after > time(NULL) && a->not_on_or_after <= time(NULL) + 300,
		       "  NotOnOrAfter");
		tap_ok(a->has_session_not_on_or_after &&
		       a->session_not_on_or_after > time(NULL) + 7000, "  SessionNotOnOrAfter");
		v = saml_attr_values(a, SAML_ATTR_PREFIX "Role", &n);
		tap_ok(n == 1 && strcmp(v[0], ROLE) == 0, "  the Role attribute");
		v = saml_attr_values(a, "urn:oid:1.3.6.1.4.1.5923.1.1.1.1", &n);
		tap_ok(n == 2 && strcmp(v[0], "staff") == 0 && strcmp(v[1], "member") == 0,
		       "  a multi-valued attribute");
		v = saml_attr_values(a, SAML_ATTR_PREFIX "SessionDuration", &n);
		tap_ok(n == 1 && strcmp(v[0], "1800") == 0, "  SessionDuration");
		saml_assertion_free(a);
	}
	accepted("a", "--sign response", "the response signed: accepted", NULL);
	accepted("a", "--sign both", "both signed: accepted", NULL);
	accepted("a", "--alg rsa-sha1 --digest sha1", "RSA-SHA1 (as AWS takes it): accepted", NULL);
	accepted("a", "--audience https://signin.aws.amazon.com/saml",
		 "the sign-in URL as Audience: accepted", NULL);
	a = NULL;
	accepted("a", "--comment-in-nameid", "a comment inside the NameID: accepted", &a);
	if (a)
		TAP_IS_STR(a->name_id, "alice", "  the NameID is all of its text");
	saml_assertion_free(a);

	refused("a", "--sign none", SAML_ERR_SIGNATURE, "unsigned: refused");
	refused("b", "", SAML_ERR_SIGNATURE, "signed by another key: refused");
	refused("a", "--tamper", SAML_ERR_SIGNATURE, "tampered after signing: refused");
	refused("a", "--sign both --tamper", SAML_ERR_SIGNATURE, "both signed, tampered: refused");
	refused("a", "--wrap", SAML_ERR_SIGNATURE, "wrapping (an unsigned assertion first): refused");
	refused("a", "--sign response --wrap", SAML_ERR_SIGNATURE,
		"wrapping of a signed response: refused");
	refused("a", "--wrap extensions", SAML_ERR_SIGNATURE,
		"wrapping (the signed assertion in Extensions): refused");
	refused("a", "--dup-id", SAML_ERR_SIGNATURE, "two elements with one ID: refused");
	refused("a", "--dtd", SAML_ERR_MALFORMED, "a DTD: refused");
	refused("a", "--offset -200 --lifetime 100", SAML_ERR_EXPIRED, "expired: refused");
	refused("a", "--offset -400 --lifetime 3600", SAML_ERR_EXPIRED,
		"issued more than 5 minutes ago: refused");
	refused("a", "--offset 600", SAML_ERR_NOT_YET, "not yet valid: refused");
	refused("a", "--audience https://sp.example.com", SAML_ERR_AUDIENCE,
		"another audience: refused");
	refused("a", "--recipient https://sp.example.com/acs", SAML_ERR_RECIPIENT,
		"another recipient: refused");
	refused("a", "--status Responder", SAML_ERR_STATUS, "StatusCode Responder: refused");

	/* the issuer: the metadata's entityID */
	char *b64 = response("a", "");
	static const char *const aud[] = { "urn:amazon:webservices" };
	static const char *const rcpt[] = { "https://signin.aws.amazon.com/saml" };
	struct saml_expect x = {
		.issuer = "https://other.example.com", .certs = (const char *const *)md->certs,
		.n_certs = md->n_certs, .audiences = aud, .n_audiences = 1,
		.recipients = rcpt, .n_recipients = 1, .now = time(NULL), .skew = SAML_SKEW,
	};
	enum saml_error e = SAML_ERR_NONE;
	const char *why = NULL;
	a = NULL;
	int r = b64 ? saml_response_verify(b64, strlen(b64), &x, &a, &e, &why) : -1;
	tap_ok(r == -EINVAL && e == SAML_ERR_ISSUER, "another issuer: refused");
	saml_assertion_free(a);
	/* base64 */
	static const char *const garbage[] = { "!!!!", "QUJD=", "QQ", "QUI=QUI=", "QR==" };
	for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
		x.issuer = ISSUER;
		r = saml_response_verify(garbage[i], strlen(garbage[i]), &x, &a, &e, &why);
		tap_ok(r == -EINVAL && e == SAML_ERR_MALFORMED, "not base64 (%s): refused", garbage[i]);
	}
	char *big = malloc(SAML_RESPONSE_B64_MAX + 5);
	memset(big, 'A', SAML_RESPONSE_B64_MAX + 4);
	big[SAML_RESPONSE_B64_MAX + 4] = '\0';
	r = saml_response_verify(big, strlen(big), &x, &a, &e, &why);
	tap_ok(r == -EINVAL && e == SAML_ERR_MALFORMED, "over 100000 characters: refused");
	free(big);
	/* base64 with line breaks, as IdPs wrap it */
	if (b64) {
		size_t n = strlen(b64);
		char *wrapped = malloc(n + n / 76 * 2 + 4), *w = wrapped;
		for (size_t i = 0; i < n; i++) {
			*w++ = b64[i];
			if (i % 76 == 75) {
				*w++ = '\r';
				*w++ = '\n';
			}
		}
		*w = '\0';
		a = NULL;
		r = saml_response_verify(wrapped, strlen(wrapped), &x, &a, &e, &why);
		tap_ok(r == 0, "base64 wrapped at 76 columns: accepted");
		saml_assertion_free(a);
		free(wrapped);
	}
	free(b64);
}

static void test_ec(void)
{
	char cmd[4096];
	const char *why = NULL;
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s metadata %s/ec/cert.pem %s", script, dir,
		 ISSUER);
	char *doc = slurp_cmd(cmd);
	struct saml_metadata *keep = md;
	int r = doc ? saml_metadata_parse(doc, strlen(doc), &md, &why) : -1;
	TAP_IS_INT(r, 0, "EC metadata: parsed");
	if (r == 0) {
		accepted("ec", "--alg ecdsa-sha256", "ECDSA-SHA256 with an EC certificate: accepted",
			 NULL);
		refused("a", "", SAML_ERR_SIGNATURE, "an RSA signature against an EC certificate: refused");
		saml_metadata_free(md);
	}
	md = keep;
	free(doc);
}

int main(void)
{
	const char *src = getenv("top_srcdir");
	char cmd[4096];
	if (access("/usr/bin/python3", X_OK) != 0 ||
	    system("/usr/bin/python3 -c 'import xmlsec, lxml' 2>/dev/null") != 0) {
		printf("1..0 # SKIP /usr/bin/python3 with python3-xmlsec is needed\n");
		return 0;
	}
	snprintf(script, sizeof(script), "%s/tests/saml_idp.py", src ? src : ".");
	if (!mkdtemp(dir))
		return 1;
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s keygen %s/a && /usr/bin/python3 %s keygen %s/b "
		 "&& /usr/bin/python3 %s keygen %s/ec --ec", script, dir, script, dir, script, dir);
	if (system(cmd) != 0) {
		printf("Bail out! the test IdP's keys\n");
		return 1;
	}
	test_metadata();
	test_responses();
	test_ec();
	saml_metadata_free(md);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		tap_diag("cannot remove the temp dir");
	return tap_done();
}
