/* saml_verify: a SAML Response's signature and its assertion's claims
 * (saml.h says what is refused and why). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>
#include <libxml/valid.h>
#include <xmlsec/crypto.h>
#include <xmlsec/keys.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>

#include "saml/saml.h"
#include "saml_int.h"

#define IDS_MAX 256               /* ID attributes in one response */
#define DECODED_MAX 75000         /* 100,000 base64 characters */
#define ISSUE_MAX_AGE SAML_ISSUE_MAX_AGE         /* AWS: "Token must be redeemed within 5
				   * minutes of issuance" */
#define BEARER "urn:oasis:names:tc:SAML:2.0:cm:bearer"
#define SUCCESS "urn:oasis:names:tc:SAML:2.0:status:Success"

struct vctx {
	const struct saml_expect *x;
	xmlDocPtr doc;
	xmlNodePtr response, assertion;
	struct saml_assertion *a;
	enum saml_error err;
	const char *why;
};

static int fail(struct vctx *v, enum saml_error e, const char *why)
{
	v->err = e;
	v->why = why;
	return -EINVAL;
}

void saml_assertion_free(struct saml_assertion *a)
{
	if (!a)
		return;
	free(a->id);
	free(a->issuer);
	free(a->name_id);
	free(a->name_id_format);
	free(a->recipient);
	for (size_t i = 0; i < a->n_attrs; i++) {
		free(a->attrs[i].name);
		for (size_t j = 0; j < a->attrs[i].n_values; j++)
			free(a->attrs[i].values[j]);
		free(a->attrs[i].values);
	}
	free(a);
}

char *const *saml_attr_values(const struct saml_assertion *a, const char *name, size_t *ret_n)
{
	for (size_t i = 0; i < a->n_attrs; i++)
		if (strcmp(a->attrs[i].name, name) == 0) {
			*ret_n = a->attrs[i].n_values;
			return a->attrs[i].values;
		}
	*ret_n = 0;
	return NULL;
}

/* ---- structure: one assertion, unique IDs ---- */

struct walk {
	size_t n_assertions, n_encrypted, n_ids;
	xmlAttrPtr ids[IDS_MAX];
	bool dup, too_many;
};

static void walk_tree(xmlNodePtr n, struct walk *w, unsigned depth)
{
	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (saml_is(n, SAML_NS_ASSERTION, "Assertion"))
			w->n_assertions++;
		if (saml_is(n, SAML_NS_ASSERTION, "EncryptedAssertion"))
			w->n_encrypted++;
		for (xmlAttrPtr at = n->properties; at; at = at->next) {
			if (at->ns || strcmp((const char *)at->name, "ID") != 0)
				continue;
			if (w->n_ids == IDS_MAX) {
				w->too_many = true;
				continue;
			}
			w->ids[w->n_ids++] = at;
		}
		if (depth < 64)
			walk_tree(n->children, w, depth + 1);
	}
}

/* Every ID attribute registered as an ID (no DTD says so), none twice. */
static int ids_register(struct vctx *v, struct walk *w)
{
	for (size_t i = 0; i < w->n_ids; i++) {
		xmlChar *val = xmlNodeListGetString(v->doc, w->ids[i]->children, 1);
		if (!val)
			return -ENOMEM;
		bool dup = xmlGetID(v->doc, val) != NULL;
		if (!dup && !xmlAddID(NULL, v->doc, val, w->ids[i]))
			dup = true;
		xmlFree(val);
		if (dup)
			return fail(v, SAML_ERR_SIGNATURE, "the response has two elements with the same ID");
	}
	return 0;
}

static int structure(struct vctx *v)
{
	struct walk w = { 0 };
	xmlNodePtr root = xmlDocGetRootElement(v->doc);
	if (!saml_is(root, SAML_NS_PROTOCOL, "Response"))
		return fail(v, SAML_ERR_MALFORMED, "the document is not a samlp:Response");
	v->response = root;
	walk_tree(root, &w, 0);
	if (w.too_many)
		return fail(v, SAML_ERR_MALFORMED, "the response has too many ID attributes");
	if (w.n_encrypted)
		return fail(v, SAML_ERR_MALFORMED, "encrypted assertions are not supported");
	if (w.n_assertions != 1)
		return fail(v, SAML_ERR_SIGNATURE, w.n_assertions ?
			    "the response has more than one Assertion" : "the response has no Assertion");
	size_t n;
	v->assertion = saml_child(root, SAML_NS_ASSERTION, "Assertion", &n);
	if (!v->assertion)
		return fail(v, SAML_ERR_SIGNATURE, "the Assertion is not a child of the Response");
	return ids_register(v, &w);
}

/* ---- signatures ---- */

static int enable_transforms(xmlSecDSigCtxPtr ctx)
{
	xmlSecTransformId c14n[] = {
		xmlSecTransformExclC14NId, xmlSecTransformExclC14NWithCommentsId,
		xmlSecTransformInclC14NId, xmlSecTransformInclC14NWithCommentsId,
		xmlSecTransformInclC14N11Id, xmlSecTransformInclC14N11WithCommentsId,
	};
	xmlSecTransformId sig[] = {
		xmlSecTransformRsaSha1Id, xmlSecTransformRsaSha256Id,
		xmlSecTransformRsaSha384Id, xmlSecTransformRsaSha512Id,
		xmlSecTransformEcdsaSha1Id, xmlSecTransformEcdsaSha256Id,
		xmlSecTransformEcdsaSha384Id, xmlSecTransformEcdsaSha512Id,
	};
	xmlSecTransformId dig[] = {
		xmlSecTransformSha1Id, xmlSecTransformSha256Id,
		xmlSecTransformSha384Id, xmlSecTransformSha512Id,
	};
	for (size_t i = 0; i < sizeof(c14n) / sizeof(c14n[0]); i++)
		if (xmlSecDSigCtxEnableSignatureTransform(ctx, c14n[i]) < 0 ||
		    xmlSecDSigCtxEnableReferenceTransform(ctx, c14n[i]) < 0)
			return -ENOMEM;
	for (size_t i = 0; i < sizeof(sig) / sizeof(sig[0]); i++)
		if (xmlSecDSigCtxEnableSignatureTransform(ctx, sig[i]) < 0)
			return -ENOMEM;
	for (size_t i = 0; i < sizeof(dig) / sizeof(dig[0]); i++)
		if (xmlSecDSigCtxEnableReferenceTransform(ctx, dig[i]) < 0)
			return -ENOMEM;
	if (xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformEnvelopedId) < 0)
		return -ENOMEM;
	ctx->enabledReferenceUris = xmlSecTransformUriTypeSameDocument;
	return 0;
}

/* Whether signature `sig` verifies with `key` and signs exactly `parent`
 * (whose ID is `id`). */
static bool verify_with(xmlNodePtr sig, const char *id, xmlSecKeyPtr key)
{
	bool ok = false;
	xmlSecDSigCtxPtr ctx = xmlSecDSigCtxCreate(NULL);
	if (!ctx)
		return false;
	ctx->signKey = xmlSecKeyDuplicate(key);
	if (!ctx->signKey || enable_transforms(ctx) < 0)
		goto out;
	if (xmlSecDSigCtxVerify(ctx, sig) < 0 || ctx->status != xmlSecDSigStatusSucceeded)
		goto out;
	if (xmlSecPtrListGetSize(&ctx->signedInfoReferences) != 1)
		goto out;
	xmlSecDSigReferenceCtxPtr ref = xmlSecPtrListGetItem(&ctx->signedInfoReferences, 0);
	ok = ref && ref->status == xmlSecDSigStatusSucceeded && ref->uri &&
	     ref->uri[0] == '#' && strcmp((const char *)ref->uri + 1, id) == 0;
out:
	xmlSecDSigCtxDestroy(ctx);   /* destroys signKey */
	return ok;
}

/* The ds:Signature child of `parent` (NULL: none), which must be the
 * enveloped signature of `parent` by one of the metadata's certificates. */
static int signature_check(struct vctx *v, xmlNodePtr parent, bool *ret_signed)
{
	size_t n;
	xmlNodePtr sig = saml_child(parent, SAML_NS_DSIG, "Signature", &n);
	*ret_signed = false;
	if (!sig)
		return 0;
	if (n > 1)
		return fail(v, SAML_ERR_SIGNATURE, "an element has two Signatures");
	xmlChar *id = xmlGetNoNsProp(parent, (const xmlChar *)"ID");
	if (!id || !*id) {
		xmlFree(id);
		return fail(v, SAML_ERR_SIGNATURE, "a signed element has no ID");
	}
	/* exactly one Reference, "#" + the parent's ID: checked before the
	 * costly part, and again on what xmlsec processed */
	size_t n_si, n_ref;
	xmlNodePtr si = saml_child(sig, SAML_NS_DSIG, "SignedInfo", &n_si);
	xmlNodePtr ref = si ? saml_child(si, SAML_NS_DSIG, "Reference", &n_ref) : NULL;
	char *uri = ref ? saml_attr(ref, "URI") : NULL;
	bool shape = n_si == 1 && ref && n_ref == 1 && uri && uri[0] == '#' &&
		     strcmp(uri + 1, (const char *)id) == 0;
	free(uri);
	if (!shape) {
		xmlFree(id);
		return fail(v, SAML_ERR_SIGNATURE,
			    "the signature does not reference the element that holds it");
	}
	bool ok = false;
	for (size_t i = 0; i < v->x->n_certs && !ok; i++) {
		uint8_t *der = NULL;
		size_t len;
		if (saml_base64_decode(v->x->certs[i], strlen(v->x->certs[i]), &der, &len) < 0)
			continue;
		xmlSecKeyPtr key = xmlSecCryptoAppKeyLoadMemory(der, (xmlSecSize)len,
								xmlSecKeyDataFormatCertDer,
								NULL, NULL, NULL);
		free(der);
		if (!key)
			continue;
		ok = verify_with(sig, (const char *)id, key);
		xmlSecKeyDestroy(key);
	}
	xmlFree(id);
	if (!ok)
		return fail(v, SAML_ERR_SIGNATURE, "the signature is invalid or not made with the provider's certificates");
	*ret_signed = true;
	return 0;
}

/* ---- claims ---- */

static int text_of(struct vctx *v, const xmlNode *n, size_t max, char **ret)
{
	const char *why = NULL;
	char *t = saml_text(n, max, &why);
	if (!t)
		return why ? fail(v, SAML_ERR_MALFORMED, why) : -ENOMEM;
	*ret = t;
	return 0;
}

static int time_attr(struct vctx *v, const xmlNode *n, const char *name, bool *has, int64_t *ret)
{
	char *s = saml_attr(n, name);
	*has = false;
	if (!s)
		return 0;
	int r = saml_time_parse(s, ret);
	free(s);
	if (r < 0)
		return fail(v, SAML_ERR_MALFORMED, "a time attribute is not an xs:dateTime");
	*has = true;
	return 0;
}

static int issuer_check(struct vctx *v)
{
	int r;
	size_t n;
	xmlNodePtr is = saml_child(v->assertion, SAML_NS_ASSERTION, "Issuer", &n);
	if (!is || n != 1)
		return fail(v, SAML_ERR_ISSUER, "the Assertion has no Issuer");
	if ((r = text_of(v, is, SAML_VALUE_MAX, &v->a->issuer)) < 0)
		return r;
	if (strcmp(v->a->issuer, v->x->issuer) != 0)
		return fail(v, SAML_ERR_ISSUER, "Issuer not present in specified provider");
	xmlNodePtr ris = saml_child(v->response, SAML_NS_ASSERTION, "Issuer", NULL);
	if (ris) {
		char *t = NULL;
		if ((r = text_of(v, ris, SAML_VALUE_MAX, &t)) < 0)
			return r;
		bool same = strcmp(t, v->x->issuer) == 0;
		free(t);
		if (!same)
			return fail(v, SAML_ERR_ISSUER, "Issuer not present in specified provider");
	}
	return 0;
}

static int status_check(struct vctx *v)
{
	xmlNodePtr st = saml_child(v->response, SAML_NS_PROTOCOL, "Status", NULL);
	xmlNodePtr code = st ? saml_child(st, SAML_NS_PROTOCOL, "StatusCode", NULL) : NULL;
	char *val = code ? saml_attr(code, "Value") : NULL;
	bool ok = val && strcmp(val, SUCCESS) == 0;
	free(val);
	return ok ? 0 : fail(v, SAML_ERR_STATUS, "the response's StatusCode is not Success");
}

static bool in_list(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

static int issue_instant_check(struct vctx *v)
{
	bool has;
	int64_t t;
	int r = time_attr(v, v->assertion, "IssueInstant", &has, &t);
	if (r < 0)
		return r;
	if (!has)
		return fail(v, SAML_ERR_MALFORMED, "the Assertion has no IssueInstant");
	v->a->issue_instant = t;
	if (t > v->x->now + v->x->skew)
		return fail(v, SAML_ERR_NOT_YET, "the Assertion's IssueInstant is in the future");
	if (v->x->now - t > ISSUE_MAX_AGE + v->x->skew)
		return fail(v, SAML_ERR_EXPIRED, "Token must be redeemed within 5 minutes of issuance");
	return 0;
}

static int subject_check(struct vctx *v)
{
	size_t n;
	int r;
	xmlNodePtr subj = saml_child(v->assertion, SAML_NS_ASSERTION, "Subject", &n);
	if (!subj || n != 1)
		return fail(v, SAML_ERR_MALFORMED, "the Assertion has no Subject");
	xmlNodePtr nid = saml_child(subj, SAML_NS_ASSERTION, "NameID", &n);
	if (!nid || n != 1)
		return fail(v, SAML_ERR_MALFORMED, "the Subject has no NameID");
	if ((r = text_of(v, nid, SAML_VALUE_MAX, &v->a->name_id)) < 0)
		return r;
	if (!*v->a->name_id)
		return fail(v, SAML_ERR_MALFORMED, "the Subject's NameID is empty");
	v->a->name_id_format = saml_attr(nid, "Format");
	bool expired = false;
	for (xmlNodePtr sc = subj->children; sc; sc = sc->next) {
		if (!saml_is(sc, SAML_NS_ASSERTION, "SubjectConfirmation"))
			continue;
		char *method = saml_attr(sc, "Method");
		bool bearer = method && strcmp(method, BEARER) == 0;
		free(method);
		xmlNodePtr d = saml_child(sc, SAML_NS_ASSERTION, "SubjectConfirmationData", NULL);
		if (!bearer || !d)
			continue;
		char *rcpt = saml_attr(d, "Recipient");
		bool has_nooa, has_nb;
		int64_t nooa, nb;
		if ((r = time_attr(v, d, "NotOnOrAfter", &has_nooa, &nooa)) < 0 ||
		    (r = time_attr(v, d, "NotBefore", &has_nb, &nb)) < 0) {
			free(rcpt);
			return r;
		}
		if (!rcpt || !in_list(rcpt, v->x->recipients, v->x->n_recipients) || !has_nooa ||
		    has_nb) {
			free(rcpt);
			continue;
		}
		if (nooa <= v->x->now - v->x->skew) {
			expired = true;
			free(rcpt);
			continue;
		}
		v->a->recipient = rcpt;
		v->a->not_on_or_after = nooa;
		return 0;
	}
	if (expired)
		return fail(v, SAML_ERR_EXPIRED, "the assertion's SubjectConfirmationData NotOnOrAfter has passed");
	return fail(v, SAML_ERR_RECIPIENT, "the Subject has no bearer SubjectConfirmationData with the sign-in endpoint as Recipient and a NotOnOrAfter");
}

static int conditions_check(struct vctx *v)
{
	size_t n;
	int r;
	bool has;
	int64_t t;
	xmlNodePtr c = saml_child(v->assertion, SAML_NS_ASSERTION, "Conditions", &n);
	if (!c || n != 1)
		return fail(v, SAML_ERR_AUDIENCE, "Response does not contain the required audience.");
	if ((r = time_attr(v, c, "NotBefore", &has, &t)) < 0)
		return r;
	if (has && t > v->x->now + v->x->skew)
		return fail(v, SAML_ERR_NOT_YET, "the assertion's Conditions NotBefore is in the future");
	if ((r = time_attr(v, c, "NotOnOrAfter", &has, &t)) < 0)
		return r;
	if (has && t <= v->x->now - v->x->skew)
		return fail(v, SAML_ERR_EXPIRED, "the assertion's Conditions NotOnOrAfter has passed");
	if (has && t < v->a->not_on_or_after)
		v->a->not_on_or_after = t;
	/* every AudienceRestriction names one of ours; at least one exists */
	size_t restrictions = 0;
	for (xmlNodePtr ar = c->children; ar; ar = ar->next) {
		if (!saml_is(ar, SAML_NS_ASSERTION, "AudienceRestriction"))
			continue;
		restrictions++;
		bool ours = false;
		for (xmlNodePtr au = ar->children; au && !ours; au = au->next) {
			char *t2 = NULL;
			if (!saml_is(au, SAML_NS_ASSERTION, "Audience"))
				continue;
			if ((r = text_of(v, au, SAML_VALUE_MAX, &t2)) < 0)
				return r;
			ours = in_list(t2, v->x->audiences, v->x->n_audiences);
			free(t2);
		}
		if (!ours)
			return fail(v, SAML_ERR_AUDIENCE, "Response does not contain the required audience.");
	}
	if (!restrictions)
		return fail(v, SAML_ERR_AUDIENCE, "Response does not contain the required audience.");
	return 0;
}

static int attribute_read(struct vctx *v, xmlNodePtr at)
{
	struct saml_attr *sa;
	int r;
	if (v->a->n_attrs == SAML_ATTR_MAX)
		return fail(v, SAML_ERR_MALFORMED, "the assertion has too many attributes");
	char *name = saml_attr(at, "Name");
	if (!name)
		return fail(v, SAML_ERR_MALFORMED, "an Attribute has no Name");
	for (size_t i = 0; i < v->a->n_attrs; i++)
		if (strcmp(v->a->attrs[i].name, name) == 0) {
			free(name);
			return fail(v, SAML_ERR_MALFORMED, "an Attribute is given twice");
		}
	sa = &v->a->attrs[v->a->n_attrs++];
	sa->name = name;
	sa->values = calloc(SAML_VALUES_MAX, sizeof(*sa->values));
	if (!sa->values)
		return -ENOMEM;
	for (xmlNodePtr av = at->children; av; av = av->next) {
		if (!saml_is(av, SAML_NS_ASSERTION, "AttributeValue"))
			continue;
		if (sa->n_values == SAML_VALUES_MAX)
			return fail(v, SAML_ERR_MALFORMED, "an Attribute has too many values");
		if ((r = text_of(v, av, SAML_VALUE_MAX, &sa->values[sa->n_values])) < 0)
			return r;
		sa->n_values++;
	}
	return 0;
}

static int statements_read(struct vctx *v)
{
	int r;
	for (xmlNodePtr s = v->assertion->children; s; s = s->next) {
		if (saml_is(s, SAML_NS_ASSERTION, "AuthnStatement")) {
			bool has;
			int64_t t;
			if ((r = time_attr(v, s, "SessionNotOnOrAfter", &has, &t)) < 0)
				return r;
			if (has && (!v->a->has_session_not_on_or_after ||
				    t < v->a->session_not_on_or_after)) {
				v->a->has_session_not_on_or_after = true;
				v->a->session_not_on_or_after = t;
			}
		}
		if (!saml_is(s, SAML_NS_ASSERTION, "AttributeStatement"))
			continue;
		for (xmlNodePtr at = s->children; at; at = at->next)
			if (saml_is(at, SAML_NS_ASSERTION, "Attribute") &&
			    (r = attribute_read(v, at)) < 0)
				return r;
	}
	return 0;
}

static int verify_doc(struct vctx *v)
{
	int r;
	bool resp_signed, asrt_signed;
	if ((r = structure(v)) < 0)
		return r;
	char *version = saml_attr(v->assertion, "Version");
	bool v2 = version && strcmp(version, "2.0") == 0;
	free(version);
	if (!v2)
		return fail(v, SAML_ERR_MALFORMED, "the Assertion's Version is not 2.0");
	if ((r = signature_check(v, v->response, &resp_signed)) < 0 ||
	    (r = signature_check(v, v->assertion, &asrt_signed)) < 0)
		return r;
	if (!resp_signed && !asrt_signed)
		return fail(v, SAML_ERR_SIGNATURE, "the response is not signed");
	v->a->id = saml_attr(v->assertion, "ID");
	if (!v->a->id || !*v->a->id)
		return fail(v, SAML_ERR_MALFORMED, "the Assertion has no ID");
	if ((r = status_check(v)) < 0 || (r = issuer_check(v)) < 0 ||
	    (r = issue_instant_check(v)) < 0 || (r = subject_check(v)) < 0 ||
	    (r = conditions_check(v)) < 0 || (r = statements_read(v)) < 0)
		return r;
	return 0;
}

int saml_response_verify(const char *b64, size_t len, const struct saml_expect *x,
			 struct saml_assertion **ret, enum saml_error *reterr,
			 const char **reterr_why)
{
	struct vctx v = { .x = x };
	uint8_t *buf = NULL;
	size_t n;
	int r;
	if (len < SAML_RESPONSE_B64_MIN || len > SAML_RESPONSE_B64_MAX) {
		r = fail(&v, SAML_ERR_MALFORMED, "the SAML response is not 4-100000 characters");
		goto out;
	}
	r = saml_base64_decode(b64, len, &buf, &n);
	if (r == -EINVAL || (r == 0 && n > DECODED_MAX)) {
		r = fail(&v, SAML_ERR_MALFORMED, "the SAML response is not base64");
		goto out;
	}
	if (r < 0)
		goto out;
	r = saml_xml_parse(buf, n, &v.doc, &v.why);
	if (r == -EINVAL || r == -EIO) {
		r = fail(&v, SAML_ERR_MALFORMED, v.why);
		goto out;
	}
	if (r < 0)
		goto out;
	v.a = calloc(1, sizeof(*v.a));
	if (!v.a) {
		r = -ENOMEM;
		goto out;
	}
	r = verify_doc(&v);
out:
	xmlFreeDoc(v.doc);
	free(buf);
	if (r < 0) {
		saml_assertion_free(v.a);
		if (r == -EINVAL) {
			*reterr = v.err;
			*reterr_why = v.why;
		}
		return r;
	}
	*ret = v.a;
	return 0;
}
