/* jwt: JSON Web Tokens as OpenID Connect identity providers issue them
 * (RFC 7519), in the compact JWS serialization (RFC 7515), checked against
 * the provider's JSON Web Key Set (RFC 7517). No I/O, no clock (the caller
 * passes the time), no logging: functions return negative errno and a
 * static message in *reterr (never token bytes).
 *
 *   jwt_parse()       three base64url (RFC 4648 section 5, no padding)
 *                     segments: a JSON object header with "alg", a JSON
 *                     object payload, a signature; every length checked.
 *   jwt_keyset_parse() a JWKS document: RSA (n, e; 2048 bits or more), EC
 *                     (P-256, P-384: x, y) and OKP (Ed25519: x) keys; keys
 *                     of other types or with "use" other than "sig" are
 *                     skipped.
 *   jwt_verify()      the signature, with the key the header's "kid" names
 *                     (or, without a kid, any key that fits the alg):
 *                     RS256/RS384/RS512, PS256, ES256/ES384 (OpenSSL's
 *                     libcrypto), EdDSA with Ed25519 (libsodium). "none",
 *                     HS* and any other alg are refused, as is a key whose
 *                     type or curve (or own "alg") does not fit the alg.
 *   jwt_claims_check() iss, aud (or azp), exp, nbf, iat, sub.
 *
 * Memory: a struct jwt and a struct jwt_keyset own what they hold; the
 * strings they return are valid until they are freed. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JWT_TOKEN_MAX 20000       /* AWS's WebIdentityToken: 4-20000 */
#define JWT_JWKS_MAX (256u * 1024)/* a JWKS or discovery document */
#define JWT_KEYS_MAX 64           /* keys kept of one set */
#define JWT_AUD_MAX 32            /* audiences of one token */

struct jwt;
struct jwt_keyset;

int jwt_parse(const char *token, size_t len, struct jwt **ret, const char **reterr);
void jwt_free(struct jwt *t);                           /* accepts NULL */

const char *jwt_alg(const struct jwt *t);
const char *jwt_kid(const struct jwt *t);               /* NULL: none */
/* A string claim of the payload, or NULL (absent or not a string). */
const char *jwt_claim_string(const struct jwt *t, const char *name);
/* A claim that is a string or an array of strings: up to `max` of them in
 * out[]; the count, or -ENOENT when absent, -EINVAL when of another type. */
int jwt_claim_strings(const struct jwt *t, const char *name, const char **out, size_t max);
/* A NumericDate claim (seconds; a fraction is cut): 0, -ENOENT, -EINVAL. */
int jwt_claim_time(const struct jwt *t, const char *name, int64_t *ret);
/* The payload's claim `name` as compact JSON text (malloc'd, free() it),
 * or NULL when absent. */
char *jwt_claim_json(const struct jwt *t, const char *name);

int jwt_keyset_parse(const char *json, size_t len, struct jwt_keyset **ret,
		     const char **reterr);
void jwt_keyset_free(struct jwt_keyset *ks);            /* accepts NULL */
size_t jwt_keyset_count(const struct jwt_keyset *ks);
/* Whether the set holds a key with this kid. */
bool jwt_keyset_has_kid(const struct jwt_keyset *ks, const char *kid);

/* 0 when the signature verifies. -ENOKEY: no key of the set has the
 * token's kid (a refreshed set may have it); -EKEYREJECTED: the signature
 * does not verify, or no key fits; -EINVAL: an alg that is refused, or a
 * key of the wrong type for it; -ENOMEM. */
int jwt_verify(const struct jwt *t, const struct jwt_keyset *ks, const char **reterr);

enum jwt_claim_error {
	JWT_CLAIM_OK = 0,
	JWT_CLAIM_INVALID,        /* a required claim missing or mistyped */
	JWT_CLAIM_ISSUER,         /* iss is not the expected issuer */
	JWT_CLAIM_AUDIENCE,       /* neither aud nor azp is an expected client */
	JWT_CLAIM_EXPIRED,        /* exp is past (beyond the skew) */
	JWT_CLAIM_NOT_YET,        /* nbf or iat in the future (beyond the skew) */
};

struct jwt_expect {
	const char *issuer;                 /* iss must equal it exactly */
	const char *const *clients;         /* aud must hold one of them */
	size_t n_clients;
	int64_t now;                        /* seconds */
	int64_t skew;                       /* seconds allowed either way */
};

struct jwt_claims {
	const char *sub;
	const char *aud;          /* the audience that matched */
	const char *oaud;         /* when azp matched: the token's first aud */
	const char *azp;          /* NULL when the token has none */
	int64_t exp, iat;         /* iat: 0 when absent */
};

/* Checks the claims; 0 with *ret filled, or -EINVAL with *ret_error. An
 * audience matches when one of aud's values is an expected client; else,
 * as for Google's tokens, when azp is one (then aud is the token's "oaud"). */
int jwt_claims_check(const struct jwt *t, const struct jwt_expect *x, struct jwt_claims *ret,
		     enum jwt_claim_error *ret_error, const char **reterr);

/* An OpenID Provider Configuration document: its "jwks_uri" (an https URL)
 * and "issuer", copied (malloc'd; free() them). */
int jwt_discovery_parse(const char *json, size_t len, char **ret_jwks_uri, char **ret_issuer,
			const char **reterr);
