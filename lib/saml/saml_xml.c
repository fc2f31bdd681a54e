/* saml_xml: the safe XML parser, base64, xs:dateTime, element helpers and
 * the IdP metadata (saml.h). */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <openssl/x509.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/xmlsec.h>

#include "saml/saml.h"
#include "saml_int.h"
#include "util/isotime.h"

#define ENTITY_ID_MAX 1024
#define CERT_B64_MAX 16384

/* ---- library set-up ---- */

static void quiet_xml(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static void quiet_xmlsec(const char *file, int line, const char *func, const char *obj,
			 const char *subj, int reason, const char *msg)
{
	(void)file, (void)line, (void)func, (void)obj, (void)subj, (void)reason, (void)msg;
}

/* No external entity, DTD or schema is ever loaded. */
static xmlParserInputPtr no_loader(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
	(void)url;
	(void)id;
	(void)ctxt;
	return NULL;
}

static int init_result = -EIO;

static void init_once(void)
{
	xmlInitParser();
	xmlSetExternalEntityLoader(no_loader);
	xmlSetGenericErrorFunc(NULL, quiet_xml);
	xmlSecErrorsSetCallback(quiet_xmlsec);
	if (xmlSecInit() < 0)
		return;
	if (xmlSecCheckVersion() != 1)
		return;
	if (xmlSecCryptoAppInit(NULL) < 0 || xmlSecCryptoInit() < 0)
		return;
	init_result = 0;
}

int saml_lib_init(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, init_once);
	/* per thread in libxml2: set again (cheap) */
	xmlSetGenericErrorFunc(NULL, quiet_xml);
	return init_result;
}

/* ---- parsing ---- */

int saml_xml_parse(const uint8_t *buf, size_t len, xmlDocPtr *ret, const char **why)
{
	if (len == 0 || len > INT_MAX) {
		*why = "the document is empty or too long";
		return -EINVAL;
	}
	if (memchr(buf, '\0', len)) {
		*why = "the document is not UTF-8 text";
		return -EINVAL;
	}
	/* read as UTF-8 whatever the declaration says, so that these byte
	 * strings are what the parser would see */
	if (memmem(buf, len, "<!DOCTYPE", 9) || memmem(buf, len, "<!ENTITY", 8)) {
		*why = "the document has a DTD (not allowed)";
		return -EINVAL;
	}
	if (saml_lib_init() < 0) {
		*why = "the XML security library could not be initialized";
		return -EIO;
	}
	xmlResetLastError();
	xmlDocPtr doc = xmlReadMemory((const char *)buf, (int)len, NULL, "UTF-8",
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc) {
		const xmlError *e = xmlGetLastError();
		*why = "the document is not well-formed XML";
		return e && e->code == XML_ERR_NO_MEMORY ? -ENOMEM : -EINVAL;
	}
	if (doc->intSubset || doc->extSubset || !xmlDocGetRootElement(doc)) {
		xmlFreeDoc(doc);
		*why = "the document has a DTD (not allowed) or no root element";
		return -EINVAL;
	}
	*ret = doc;
	return 0;
}

bool saml_is(const xmlNode *n, const char *ns, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       strcmp((const char *)n->ns->href, ns) == 0 &&
	       strcmp((const char *)n->name, name) == 0;
}

xmlNodePtr saml_child(const xmlNode *n, const char *ns, const char *name, size_t *ret_count)
{
	xmlNodePtr first = NULL;
	size_t count = 0;
	for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
		if (saml_is(c, ns, name)) {
			if (!first)
				first = c;
			count++;
		}
	if (ret_count)
		*ret_count = count;
	return first;
}

char *saml_attr(const xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
	if (!v)
		return NULL;
	char *s = strdup((const char *)v);
	xmlFree(v);
	return s;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

char *saml_text(const xmlNode *n, size_t max, const char **why)
{
	size_t len = 0;
	for (xmlNodePtr c = n->children; c; c = c->next) {
		if (c->type == XML_ELEMENT_NODE) {
			*why = "an element holds elements where a value is expected";
			return NULL;
		}
		if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
			len += strlen((const char *)c->content);
		if (len > max) {
			*why = "a value is too long";
			return NULL;
		}
	}
	char *s = malloc(len + 1), *p = s;
	if (!s) {
		*why = NULL;
		return NULL;
	}
	for (xmlNodePtr c = n->children; c; c = c->next)
		if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content) {
			size_t k = strlen((const char *)c->content);
			memcpy(p, c->content, k);
			p += k;
		}
	*p = '\0';
	char *b = s;
	while (is_space(*b))
		b++;
	size_t k = strlen(b);
	while (k && is_space(b[k - 1]))
		k--;
	memmove(s, b, k);
	s[k] = '\0';
	return s;
}

/* ---- base64 and time ---- */

static int b64_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int saml_base64_decode(const char *in, size_t len, uint8_t **ret, size_t *ret_len)
{
	uint8_t *out = malloc(len / 4 * 3 + 4);
	size_t o = 0, q = 0, pad = 0;
	uint32_t acc = 0;
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (is_space((char)c))
			continue;
		if (c == '=') {
			pad++;
			if (q < 2 || q + pad > 4)
				goto bad;
			if (q + pad == 4) {
				/* the padding ends the text */
				for (size_t j = i + 1; j < len; j++)
					if (!is_space(in[j]))
						goto bad;
				break;
			}
			continue;
		}
		int v = b64_val(c);
		if (v < 0 || pad)
			goto bad;
		acc = acc << 6 | (uint32_t)v;
		if (++q == 4) {
			out[o++] = (uint8_t)(acc >> 16);
			out[o++] = (uint8_t)(acc >> 8);
			out[o++] = (uint8_t)acc;
			q = 0;
			acc = 0;
		}
	}
	if (q + pad != 0 && q + pad != 4)
		goto bad;
	if (q == 2) {
		if (acc & 0xf)
			goto bad;   /* non-canonical trailing bits */
		out[o++] = (uint8_t)(acc >> 4);
	} else if (q == 3) {
		if (acc & 0x3)
			goto bad;
		out[o++] = (uint8_t)(acc >> 10);
		out[o++] = (uint8_t)(acc >> 2);
	}
	if (o == 0)
		goto bad;
	out[o] = '\0';
	*ret = out;
	*ret_len = o;
	return 0;
bad:
	free(out);
	return -EINVAL;
}

int saml_time_parse(const char *s, int64_t *ret)
{
	/* xs:dateTime: the date and the time, always */
	if (!s || strlen(s) < 19 || s[10] != 'T')
		return -EINVAL;
	return isotime_parse(s, ret);
}

/* ---- metadata ---- */

void saml_metadata_free(struct saml_metadata *m)
{
	if (!m)
		return;
	free(m->entity_id);
	for (size_t i = 0; i < m->n_certs; i++)
		free(m->certs[i]);
	free(m);
}

/* A certificate's base64 text without white space, checked to be an X.509
 * certificate with a public key. */
static int cert_read(const xmlNode *n, char **ret, const char **why)
{
	char *t = saml_text(n, CERT_B64_MAX, why), *p = t;
	uint8_t *der = NULL;
	size_t len;
	if (!t)
		return *why ? -EINVAL : -ENOMEM;
	for (char *s = t; *s; s++)
		if (!is_space(*s))
			*p++ = *s;
	*p = '\0';
	int r = saml_base64_decode(t, strlen(t), &der, &len);
	if (r == -EINVAL)
		*why = "an X509Certificate is not base64";
	if (r < 0)
		goto out;
	const unsigned char *d = der;
	X509 *x = d2i_X509(NULL, &d, (long)len);
	EVP_PKEY *k = x ? X509_get0_pubkey(x) : NULL;
	if (!x || !k || d != der + len) {
		*why = "an X509Certificate is not a DER X.509 certificate with a public key";
		r = -EINVAL;
	}
	X509_free(x);
out:
	free(der);
	if (r < 0) {
		free(t);
		return r;
	}
	*ret = t;
	return 0;
}

static bool supports_saml2(const char *pse)
{
	static const char proto[] = SAML_NS_PROTOCOL;
	for (const char *p = pse; p && (p = strstr(p, proto)); p += sizeof(proto) - 1) {
		char after = p[sizeof(proto) - 1];
		if ((p == pse || is_space(p[-1])) && (!after || is_space(after)))
			return true;
	}
	return false;
}

static int idp_keys(const xmlNode *idp, struct saml_metadata *m, const char **why)
{
	for (xmlNodePtr kd = idp->children; kd; kd = kd->next) {
		if (!saml_is(kd, SAML_NS_MD, "KeyDescriptor"))
			continue;
		char *use = saml_attr(kd, "use");
		bool signing = !use || strcmp(use, "signing") == 0;
		free(use);
		if (!signing)
			continue;
		xmlNodePtr ki = saml_child(kd, SAML_NS_DSIG, "KeyInfo", NULL);
		for (xmlNodePtr xd = ki ? ki->children : NULL; xd; xd = xd->next) {
			if (!saml_is(xd, SAML_NS_DSIG, "X509Data"))
				continue;
			for (xmlNodePtr c = xd->children; c; c = c->next) {
				if (!saml_is(c, SAML_NS_DSIG, "X509Certificate"))
					continue;
				if (m->n_certs == SAML_CERTS_MAX) {
					*why = "the metadata has more than 16 signing certificates";
					return -EINVAL;
				}
				int r = cert_read(c, &m->certs[m->n_certs], why);
				if (r < 0)
					return r;
				m->n_certs++;
			}
		}
	}
	return 0;
}

static int metadata_read(xmlDocPtr doc, struct saml_metadata *m, const char **why)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);
	if (!saml_is(root, SAML_NS_MD, "EntityDescriptor")) {
		*why = "the root element is not an EntityDescriptor (urn:oasis:names:tc:SAML:2.0:metadata)";
		return -EINVAL;
	}
	m->entity_id = saml_attr(root, "entityID");
	if (!m->entity_id || !*m->entity_id || strlen(m->entity_id) > ENTITY_ID_MAX) {
		*why = "the EntityDescriptor has no entityID of 1-1024 characters";
		return -EINVAL;
	}
	char *vu = saml_attr(root, "validUntil");
	if (vu) {
		int r = saml_time_parse(vu, &m->valid_until);
		free(vu);
		if (r < 0) {
			*why = "the EntityDescriptor's validUntil is not an xs:dateTime";
			return -EINVAL;
		}
		m->has_valid_until = true;
	}
	size_t n_idp = 0;
	xmlNodePtr idp = NULL;
	for (xmlNodePtr c = root->children; c; c = c->next) {
		if (!saml_is(c, SAML_NS_MD, "IDPSSODescriptor"))
			continue;
		char *pse = saml_attr(c, "protocolSupportEnumeration");
		if (supports_saml2(pse)) {
			idp = idp ? idp : c;
			n_idp++;
		}
		free(pse);
	}
	if (!idp) {
		*why = "the EntityDescriptor has no IDPSSODescriptor for SAML 2.0 (protocolSupportEnumeration urn:oasis:names:tc:SAML:2.0:protocol)";
		return -EINVAL;
	}
	if (n_idp > 1) {
		*why = "the EntityDescriptor has more than one IDPSSODescriptor";
		return -EINVAL;
	}
	int r = idp_keys(idp, m, why);
	if (r < 0)
		return r;
	if (m->n_certs == 0) {
		*why = "the IDPSSODescriptor has no signing certificate (KeyDescriptor/KeyInfo/X509Data/X509Certificate)";
		return -EINVAL;
	}
	return 0;
}

int saml_metadata_parse(const char *doc, size_t len, struct saml_metadata **ret,
			const char **reterr_why)
{
	const char *why = NULL;
	xmlDocPtr x = NULL;
	struct saml_metadata *m = calloc(1, sizeof(*m));
	int r;
	if (!m)
		return -ENOMEM;
	r = saml_xml_parse((const uint8_t *)doc, len, &x, &why);
	if (r == 0)
		r = metadata_read(x, m, &why);
	xmlFreeDoc(x);
	if (r < 0) {
		saml_metadata_free(m);
		if (r == -EIO)
			r = -EINVAL;
		if (r == -EINVAL)
			*reterr_why = why ? why : "the metadata could not be parsed";
		return r;
	}
	*ret = m;
	return 0;
}
