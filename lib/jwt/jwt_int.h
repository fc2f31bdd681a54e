/* jwt_int: what jwt_parse.c and jwt_key.c share (private to lib/jwt). */
#pragma once
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct jwt {
	json_t *header, *claims;
	const char *alg, *kid;       /* in header */
	char *signing_input;         /* "HEADER.PAYLOAD" as received */
	size_t signing_input_len;
	uint8_t *sig;
	size_t sig_len;
};

/* base64url without padding, canonical: malloc'd bytes (NUL after them). */
int jwt_b64url_decode(const char *s, size_t len, uint8_t **ret, size_t *ret_len);
/* A JSON object from bytes (duplicate keys refused), or NULL. */
json_t *jwt_json_object(const uint8_t *data, size_t len);
