/* saml internals shared by saml_xml.c (the safe parser, helpers, metadata)
 * and saml_verify.c (responses). */
#pragma once
#include <libxml/tree.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SAML_NS_MD "urn:oasis:names:tc:SAML:2.0:metadata"
#define SAML_NS_ASSERTION "urn:oasis:names:tc:SAML:2.0:assertion"
#define SAML_NS_PROTOCOL "urn:oasis:names:tc:SAML:2.0:protocol"
#define SAML_NS_DSIG "http://www.w3.org/2000/09/xmldsig#"

/* libxml2 and xmlsec initialized once, quiet (no output of their own), no
 * external entity ever loaded. 0, or -EIO. */
int saml_lib_init(void);

/* Parses len bytes as a UTF-8 XML document, refusing DTDs and entity
 * declarations, network and external loads. 0 with *ret (xmlFreeDoc()),
 * -EINVAL with *why, -ENOMEM. */
int saml_xml_parse(const uint8_t *buf, size_t len, xmlDocPtr *ret, const char **why);

/* Whether n is element `name` in namespace `ns`. */
bool saml_is(const xmlNode *n, const char *ns, const char *name);
/* The first element child of n named ns:name, or NULL; *ret_count (may be
 * NULL) how many there are. */
xmlNodePtr saml_child(const xmlNode *n, const char *ns, const char *name, size_t *ret_count);
/* Attribute `name` (no namespace) of n as a malloc()ed string, or NULL. */
char *saml_attr(const xmlNode *n, const char *name);
/* All of n's text (comments do not cut it), white space around it
 * trimmed, malloc()ed; NULL (with *why) when n has element children or
 * the text is longer than max. */
char *saml_text(const xmlNode *n, size_t max, const char **why);
