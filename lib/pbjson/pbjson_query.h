/* pbjson query: the AWS Query protocol (IAM, STS) from and to protobuf-c
 * messages, driven only by the message descriptors as pbjson.h is.
 *
 * Requests (pbjson_form.c): an application/x-www-form-urlencoded text (a
 * POST body or a query string) is split into decoded name/value pairs;
 * pbjson_from_form() turns the parameters into a message the way the AWS
 * SDKs flatten their input: a member by its AWS name (UserName), a
 * structure's members as X.Member, a list as X.member.N (N from 1, no gap;
 * "X=" alone is the empty list), a list of structures as
 * Tags.member.1.Key, a map as X.entry.N.key / X.entry.N.value. Values are
 * text, converted to the member's type as pbjson_coerce_field() does.
 *
 * Responses (pbjson_xml.c): a message as the elements AWS's XML holds:
 * members by their AWS names in field order, lists as <member>, maps as
 * <entry><key/><value/></entry>, policy documents URL-encoded as AWS
 * returns them, timestamps ISO 8601 with Z, booleans true/false, bytes in
 * base64; text escaped for XML.
 *
 * Errors are negative errno; -EINVAL for a parameter that does not fit,
 * with *reterr (malloc'd) naming it. */
#pragma once
#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>

struct pbjson_param {
	char *name;     /* decoded, NUL-terminated */
	char *value;    /* decoded, NUL-terminated */
	size_t value_len;  /* may differ from strlen() when it holds a NUL */
};

/* Splits `text` at '&' and '=' and percent-decodes ('+' is a space). At
 * most `max` parameters (-E2BIG beyond). *ret is malloc'd: free with
 * pbjson_form_free(). -EINVAL on a bad percent escape. */
int pbjson_form_parse(const char *text, size_t len, size_t max,
		      struct pbjson_param **ret, size_t *ret_n);
void pbjson_form_free(struct pbjson_param *p, size_t n);
/* The value of the first parameter named `name`, or NULL. */
const char *pbjson_form_get(const struct pbjson_param *p, size_t n,
			    const char *name);

/* The parameters p[0, n), except those whose names are in the
 * NULL-terminated `skip`, as a new message of type `d` from `alloc` (NULL:
 * malloc). An unknown parameter is -EINVAL ("Unknown parameter ..."). */
int pbjson_from_form(const ProtobufCMessageDescriptor *d,
		     const struct pbjson_param *p, size_t n,
		     const char *const *skip, ProtobufCAllocator *alloc,
		     ProtobufCMessage **ret, char **reterr);

/* An XML text being built (malloc'd, grows). */
struct pbjson_xbuf {
	char *data;
	size_t len;
	size_t cap;
	bool failed;    /* an allocation failed: the text is incomplete */
};

void pbjson_xbuf_add(struct pbjson_xbuf *b, const char *s, size_t n);
void pbjson_xbuf_adds(struct pbjson_xbuf *b, const char *s);
/* Text escaped for XML (& < > " and control characters as &#xN;). */
void pbjson_xbuf_escape(struct pbjson_xbuf *b, const char *s, size_t n);
void pbjson_xbuf_release(struct pbjson_xbuf *b);

/* The members of `m` as XML elements appended to `b`. `top_lists`: empty
 * repeated fields of m itself are written as <Name/> (AWS does so for a
 * result's lists); so are pbjson_field_is_required_list()'s at any depth,
 * always. -ENOMEM. */
int pbjson_to_xml(const ProtobufCMessage *m, bool top_lists,
		  struct pbjson_xbuf *b);
