/* fuzz_saml: libFuzzer target for lib/saml's parsers of untrusted bytes.
 * The first byte picks: 'M' an IdP metadata document (the rest), anything
 * else a SAML response (the rest, base64-encoded here as a client sends
 * it) verified against a fixed certificate at a fixed time - the seeds in
 * corpus/saml/ were signed with its key at that time, so they verify and
 * mutations reach the claims. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "saml/saml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char cert[] =
	"MIIDBzCCAe+gAwIBAgIUTfGJYiXhpoqu8t37tNHYBNJOVjkwDQYJKoZIhvcNAQELBQAwEzERMA8GA1UEAwwIdGVzdC1pZHAwHhcNMjYxMTMwMDYwMzU2WhcNMjYxMjMwMDYwMzU2WjATMREwDwYDVQQDDAh0ZXN0LWlkcDCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAJWbrGYI6e21BhwkiehICWa6bMzXn3/VLffv2jm2lXlnWIzO5+fWgK0s0dQL0tKBHk8hhUqcJPkTRKyH3skNIaiBbgTXGS22+1SU8b7tOznTu/UCZ/Ov1q6ebazJXkbbLYUoJpnxANoh/AF3gVxJNS//wWfNKIkHGKD2mAy1pIsPEgpLinUmF+w/43DZ6B2rpjtlfWpM3DnQW++lqa7xJQDs5EewVM4FnXFbUYmbhAJ5xNNUi5/n+X6VuTyFbIY4QMazqDv6SwkEZmKZlFesoKJsZbjVFokgcLmFN3KFf1SP+Hb1WKHHaT+etV1h0LjWxcTwBmaEx6O0jQDg1IqtKdMCAwEAAaNTMFEwHQYDVR0OBBYEFMVvXyOj1JQt8HikQQOd5UopPcDyMB8GA1UdIwQYMBaAFMVvXyOj1JQt8HikQQOd5UopPcDyMA8GA1UdEwEB/wQFMAMBAf8wDQYJKoZIhvcNAQELBQADggEBAB/TC9C+38/nZn+mg5DwBIdxpq5exSNa5NU+JGWd1L/C4YeaPV0K+Uhv+T/GyMAe4VVw64NrYm4Yx9mDtQwfq9EqhH4+ea+lytQFao31I4DJRbun+aAXwBLOqkM78BNkpDJAmHnTHY9qimbXmho5688UxLKvMrX7YUtpsL10XEYnWMy/LMG3e15uZ+3J6haHnlr7loMId/XuRz7MQKsgBXqmFZrGIZUxRh7zRKfsg5lCrUdYqT86Nrc/vmJ8Uf6EtVNi3+dNmU+pj9bLkalFeT2HPgnIDCjDofgsUergvmUxTpNyBEZai/vXcr5YAkDKCDZRgSdH0vFUaNtrxE4zudM=";

static char *b64(const uint8_t *p, size_t n)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *o = malloc((n + 2) / 3 * 4 + 1), *w = o;
	if (!o)
		return NULL;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
			     (i + 2 < n ? p[i + 2] : 0);
		*w++ = t[v >> 18 & 63];
		*w++ = t[v >> 12 & 63];
		*w++ = i + 1 < n ? t[v >> 6 & 63] : '=';
		*w++ = i + 2 < n ? t[v & 63] : '=';
	}
	*w = '\0';
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why;
	if (size < 1)
		return 0;
	if (data[0] == 'M') {
		struct saml_metadata *m = NULL;
		if (saml_metadata_parse((const char *)data + 1, size - 1, &m, &why) == 0)
			saml_metadata_free(m);
		return 0;
	}
	static const char *const certs[] = { cert };
	static const char *const aud[] = { "urn:amazon:webservices" };
	static const char *const rcpt[] = { "https://signin.aws.amazon.com/saml" };
	struct saml_expect x = {
		.issuer = "https://idp.example.com/saml", .certs = certs, .n_certs = 1,
		.audiences = aud, .n_audiences = 1, .recipients = rcpt, .n_recipients = 1,
		.now = 1796018636, .skew = SAML_SKEW,
	};
	char *s = b64(data + 1, size - 1);
	struct saml_assertion *a = NULL;
	enum saml_error e;
	if (s && saml_response_verify(s, strlen(s), &x, &a, &e, &why) == 0) {
		size_t n;
		(void)saml_attr_values(a, SAML_ATTR_PREFIX "Role", &n);
		saml_assertion_free(a);
	}
	free(s);
	return 0;
}
