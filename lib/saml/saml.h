/* saml: SAML 2.0 for AssumeRoleWithSAML and the IAM SAML providers
 * (docs/federation.md). Pure: no I/O, no clock (the caller passes the
 * time), no logging; libxml2 and xmlsec1 (OpenSSL backend) stop here.
 *
 *   saml_metadata_parse()  an IdP's metadata document (CreateSAMLProvider,
 *                          UpdateSAMLProvider): the EntityDescriptor's
 *                          entityID, validUntil and the X.509 signing
 *                          certificates of its IDPSSODescriptor;
 *   saml_response_verify() a base64 SAML Response as a browser posts it:
 *                          its signature (the Response's or the
 *                          Assertion's) by one of those certificates, then
 *                          the assertion's claims.
 *
 * What verification refuses, whatever the signature says:
 *   - a DTD or entity declaration anywhere (checked on the bytes before
 *     libxml2 sees them), external loads (XML_PARSE_NONET, an entity
 *     loader that loads nothing), XInclude (never processed);
 *   - anything but exactly one saml:Assertion in the whole document, an
 *     EncryptedAssertion, duplicate ID attributes;
 *   - a Signature that is not a direct child of the Response or of the
 *     Assertion, one whose single Reference is not "#" + the ID of that
 *     parent (the element we read the claims from), Reference transforms
 *     other than enveloped-signature and canonicalization (no XPath, no
 *     XSLT), a KeyInfo key (only the metadata's certificates are tried);
 *   - text of an element with child elements where a value is expected;
 *     a value is all of an element's text (comments do not cut it).
 * Algorithms: RSA and ECDSA with SHA-1, SHA-256, SHA-384, SHA-512 (AWS
 * takes SHA-1 signed responses: so does iamd; docs/federation.md). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* AWS's limits */
#define SAML_METADATA_MIN 1000
#define SAML_METADATA_MAX 10000000
#define SAML_RESPONSE_B64_MIN 4
#define SAML_RESPONSE_B64_MAX 100000
#define SAML_CERTS_MAX 16          /* signing certificates kept per provider */
#define SAML_ATTR_MAX 64           /* attributes read from an assertion */
#define SAML_VALUES_MAX 64         /* values per attribute */
#define SAML_VALUE_MAX 4096        /* bytes per value */
#define SAML_SKEW 60               /* seconds allowed on NotBefore/NotOnOrAfter */
#define SAML_ISSUE_MAX_AGE 300     /* an assertion is taken up to 5 minutes
				    * after its IssueInstant (AWS) */

/* The SAML attribute names AWS reads (https://aws.amazon.com/SAML/Attributes/...). */
#define SAML_ATTR_PREFIX "https://aws.amazon.com/SAML/Attributes/"

struct saml_metadata {
	char *entity_id;
	bool has_valid_until;
	int64_t valid_until;       /* Unix seconds */
	char *certs[SAML_CERTS_MAX];   /* base64 DER, white space removed */
	size_t n_certs;
};

/* Parses and checks `doc` (len bytes). 0 with *ret (saml_metadata_free());
 * -EINVAL with *reterr_why (static text naming what is wrong); -ENOMEM. */
int saml_metadata_parse(const char *doc, size_t len, struct saml_metadata **ret,
			const char **reterr_why);
void saml_metadata_free(struct saml_metadata *m);

struct saml_attr {
	char *name;
	char **values;
	size_t n_values;
};

/* A verified assertion's claims. */
struct saml_assertion {
	char *id;                  /* the Assertion's ID (replay) */
	char *issuer;
	char *name_id;             /* Subject/NameID */
	char *name_id_format;      /* its Format, NULL when absent */
	char *recipient;           /* SubjectConfirmationData Recipient */
	int64_t issue_instant;     /* the Assertion's IssueInstant */
	int64_t not_on_or_after;   /* the earliest of Conditions' and the
				    * bearer SubjectConfirmationData's */
	bool has_session_not_on_or_after;
	int64_t session_not_on_or_after;  /* AuthnStatement SessionNotOnOrAfter */
	struct saml_attr attrs[SAML_ATTR_MAX];
	size_t n_attrs;
};

/* What the caller expects of the response. */
struct saml_expect {
	const char *issuer;              /* the metadata's entityID */
	const char *const *certs;        /* base64 DER (struct saml_metadata) */
	size_t n_certs;
	const char *const *audiences;    /* one must be in AudienceRestriction */
	size_t n_audiences;
	const char *const *recipients;   /* the bearer confirmation's Recipient */
	size_t n_recipients;
	int64_t now;                     /* Unix seconds */
	int64_t skew;                    /* seconds */
};

enum saml_error {
	SAML_ERR_NONE = 0,
	SAML_ERR_MALFORMED,        /* not base64, not XML, not a SAML Response */
	SAML_ERR_SIGNATURE,        /* unsigned, bad signature, unknown key,
				    * wrapping */
	SAML_ERR_ISSUER,           /* not the provider's entityID */
	SAML_ERR_STATUS,           /* the IdP said no (StatusCode) */
	SAML_ERR_EXPIRED,          /* NotOnOrAfter passed */
	SAML_ERR_NOT_YET,          /* NotBefore in the future */
	SAML_ERR_AUDIENCE,         /* none of the expected audiences */
	SAML_ERR_RECIPIENT,        /* no bearer confirmation for us */
};

/* Decodes, parses and verifies `b64` (len bytes, base64 of a samlp:Response
 * with white space allowed between groups). 0 with *ret
 * (saml_assertion_free()); -EINVAL with *reterr (and *reterr_why: static
 * text for the log and the error message); -ENOMEM. */
int saml_response_verify(const char *b64, size_t len, const struct saml_expect *x,
			 struct saml_assertion **ret, enum saml_error *reterr,
			 const char **reterr_why);
void saml_assertion_free(struct saml_assertion *a);

/* The values of attribute `name` in a (NULL when absent), their count in
 * *ret_n. */
char *const *saml_attr_values(const struct saml_assertion *a, const char *name,
			      size_t *ret_n);

/* Base64 (RFC 4648, the standard alphabet, padding required; white space
 * between characters ignored) into a malloc()ed buffer with a NUL after
 * its *ret_len bytes. -EINVAL when malformed, -ENOMEM. */
int saml_base64_decode(const char *in, size_t len, uint8_t **ret, size_t *ret_len);

/* xs:dateTime as SAML writes it (UTC "Z" or an offset; fractions of a
 * second dropped) into Unix seconds. -EINVAL when malformed. */
int saml_time_parse(const char *s, int64_t *ret);
