/* jwt_parse: the compact JWS serialization and the claims (jwt.h). */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jwt/jwt.h"
#include "jwt/jwt_int.h"

int jwt_b64url_decode(const char *s, size_t len, uint8_t **ret, size_t *ret_len)
{
	/* RFC 4648 section 5 without padding: a length of 4k+1 cannot be, and
	 * the bits of the last character past the data must be zero */
	static const char alpha[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	if (len % 4 == 1)
		return -EINVAL;
	size_t out_len = len / 4 * 3 + (len % 4 ? len % 4 - 1 : 0);
	uint8_t *out = malloc(out_len + 1);
	if (!out)
		return -ENOMEM;
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		const char *p = s[i] ? memchr(alpha, s[i], 64) : NULL;
		if (!p) {
			free(out);
			return -EINVAL;
		}
		acc = (acc << 6) | (uint32_t)(p - alpha);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (acc != 0 || o != out_len) {   /* non-canonical trailing bits */
		free(out);
		return -EINVAL;
	}
	out[o] = 0;
	*ret = out;
	*ret_len = o;
	return 0;
}

json_t *jwt_json_object(const uint8_t *data, size_t len)
{
	json_error_t e;
	json_t *j = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &e);
	if (j && !json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static int segment(const char *s, size_t len, json_t **ret)
{
	uint8_t *raw;
	size_t n;
	int r = jwt_b64url_decode(s, len, &raw, &n);
	if (r < 0)
		return r;
	json_t *j = jwt_json_object(raw, n);
	free(raw);
	if (!j)
		return -EINVAL;
	*ret = j;
	return 0;
}

void jwt_free(struct jwt *t)
{
	if (!t)
		return;
	json_decref(t->header);
	json_decref(t->claims);
	free(t->signing_input);
	free(t->sig);
	free(t);
}

int jwt_parse(const char *token, size_t len, struct jwt **ret, const char **reterr)
{
	struct jwt *t = NULL;
	const char *d1, *d2;
	int r = -EINVAL;

	*reterr = "The token is not a JWT in the compact serialization (three base64url parts).";
	if (!token || len < 5 || len > JWT_TOKEN_MAX || memchr(token, '\0', len))
		return -EINVAL;
	d1 = memchr(token, '.', len);
	d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token)) : NULL;
	if (!d1 || !d2 || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - token)))
		return -EINVAL;   /* not three parts (a JWE has five) */
	size_t hl = (size_t)(d1 - token), pl = (size_t)(d2 - d1 - 1);
	size_t sl = len - (size_t)(d2 + 1 - token);
	if (hl == 0 || pl == 0)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	r = segment(token, hl, &t->header);
	if (r == -ENOMEM)
		goto out;
	if (r < 0) {
		*reterr = "The token's header is not a base64url-encoded JSON object.";
		goto out;
	}
	r = segment(d1 + 1, pl, &t->claims);
	if (r == -ENOMEM)
		goto out;
	if (r < 0) {
		*reterr = "The token's payload is not a base64url-encoded JSON object.";
		goto out;
	}
	r = jwt_b64url_decode(d2 + 1, sl, &t->sig, &t->sig_len);
	if (r == -ENOMEM)
		goto out;
	if (r < 0) {
		*reterr = "The token's signature is not base64url.";
		goto out;
	}
	r = -EINVAL;
	json_t *alg = json_object_get(t->header, "alg");
	json_t *kid = json_object_get(t->header, "kid");
	if (!json_is_string(alg) || json_string_length(alg) == 0) {
		*reterr = "The token's header has no alg.";
		goto out;
	}
	if (kid && !json_is_string(kid)) {
		*reterr = "The token's kid is not a string.";
		goto out;
	}
	if (json_object_get(t->header, "crit")) {
		*reterr = "The token's header names critical extensions that are not supported.";
		goto out;
	}
	t->alg = json_string_value(alg);
	t->kid = kid ? json_string_value(kid) : NULL;
	t->signing_input_len = hl + 1 + pl;
	t->signing_input = malloc(t->signing_input_len + 1);
	if (!t->signing_input) {
		r = -ENOMEM;
		goto out;
	}
	memcpy(t->signing_input, token, t->signing_input_len);
	t->signing_input[t->signing_input_len] = '\0';
	*ret = t;
	t = NULL;
	*reterr = NULL;
	r = 0;
out:
	jwt_free(t);
	return r;
}

const char *jwt_alg(const struct jwt *t)
{
	return t->alg;
}

const char *jwt_kid(const struct jwt *t)
{
	return t->kid;
}

const char *jwt_claim_string(const struct jwt *t, const char *name)
{
	json_t *v = json_object_get(t->claims, name);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

int jwt_claim_strings(const struct jwt *t, const char *name, const char **out, size_t max)
{
	json_t *v = json_object_get(t->claims, name);
	if (!v)
		return -ENOENT;
	if (json_is_string(v)) {
		if (max < 1)
			return -E2BIG;
		out[0] = json_string_value(v);
		return 1;
	}
	if (!json_is_array(v) || json_array_size(v) > max)
		return json_is_array(v) ? -E2BIG : -EINVAL;
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e) {
		if (!json_is_string(e))
			return -EINVAL;
		out[i] = json_string_value(e);
	}
	return (int)json_array_size(v);
}

int jwt_claim_time(const struct jwt *t, const char *name, int64_t *ret)
{
	json_t *v = json_object_get(t->claims, name);
	if (!v)
		return -ENOENT;
	if (json_is_integer(v)) {
		*ret = (int64_t)json_integer_value(v);
		return 0;
	}
	if (json_is_real(v)) {
		double d = json_real_value(v);
		if (!isfinite(d) || d > 9.2e18 || d < -9.2e18)
			return -EINVAL;
		*ret = (int64_t)d;
		return 0;
	}
	return -EINVAL;
}

char *jwt_claim_json(const struct jwt *t, const char *name)
{
	json_t *v = json_object_get(t->claims, name);
	return v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
}

static bool one_of(const char *v, const char *const *set, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		if (set[i] && strcmp(v, set[i]) == 0)
			return true;
	return false;
}

static int claim_fail(enum jwt_claim_error e, const char *msg,
		      enum jwt_claim_error *ret_error, const char **reterr)
{
	*ret_error = e;
	*reterr = msg;
	return -EINVAL;
}

int jwt_claims_check(const struct jwt *t, const struct jwt_expect *x, struct jwt_claims *ret,
		     enum jwt_claim_error *ret_error, const char **reterr)
{
	struct jwt_claims cl = { 0 };
	const char *aud[JWT_AUD_MAX];
	int64_t nbf;
	const char *iss = jwt_claim_string(t, "iss");
	if (!iss)
		return claim_fail(JWT_CLAIM_INVALID, "The token has no issuer (iss).", ret_error,
				  reterr);
	if (!x->issuer || strcmp(iss, x->issuer) != 0)
		return claim_fail(JWT_CLAIM_ISSUER, "The token's issuer is not the provider's URL.",
				  ret_error, reterr);
	int r = jwt_claim_time(t, "exp", &cl.exp);
	if (r < 0)
		return claim_fail(JWT_CLAIM_INVALID, r == -ENOENT ?
				  "The token has no expiration time (exp)." :
				  "The token's exp is not a number.", ret_error, reterr);
	r = jwt_claim_time(t, "iat", &cl.iat);
	if (r == -EINVAL)
		return claim_fail(JWT_CLAIM_INVALID, "The token's iat is not a number.", ret_error,
				  reterr);
	if (r == -ENOENT)
		cl.iat = 0;
	r = jwt_claim_time(t, "nbf", &nbf);
	if (r == -EINVAL)
		return claim_fail(JWT_CLAIM_INVALID, "The token's nbf is not a number.", ret_error,
				  reterr);
	if (r == 0 && nbf > x->now + x->skew)
		return claim_fail(JWT_CLAIM_NOT_YET, "The token is not valid yet (nbf).", ret_error,
				  reterr);
	if (cl.iat > x->now + x->skew)
		return claim_fail(JWT_CLAIM_NOT_YET, "The token was issued in the future (iat).",
				  ret_error, reterr);
	if (cl.exp < x->now - x->skew)
		return claim_fail(JWT_CLAIM_EXPIRED, "The token is expired (exp).", ret_error, reterr);
	cl.sub = jwt_claim_string(t, "sub");
	if (!cl.sub || !*cl.sub || strlen(cl.sub) > 255)
		return claim_fail(JWT_CLAIM_INVALID, "The token has no subject (sub) of 1-255 characters.",
				  ret_error, reterr);
	int n = jwt_claim_strings(t, "aud", aud, JWT_AUD_MAX);
	if (n <= 0)
		return claim_fail(JWT_CLAIM_INVALID, n == -ENOENT || n == 0 ?
				  "The token has no audience (aud)." :
				  "The token's aud is not a string or a list of strings.",
				  ret_error, reterr);
	json_t *azp = json_object_get(t->claims, "azp");
	if (azp && !json_is_string(azp))
		return claim_fail(JWT_CLAIM_INVALID, "The token's azp is not a string.", ret_error,
				  reterr);
	cl.azp = azp ? json_string_value(azp) : NULL;
	for (int i = 0; i < n && !cl.aud; i++)
		if (one_of(aud[i], x->clients, x->n_clients))
			cl.aud = aud[i];
	if (!cl.aud && one_of(cl.azp, x->clients, x->n_clients)) {
		cl.aud = cl.azp;
		cl.oaud = aud[0];
	}
	if (!cl.aud)
		return claim_fail(JWT_CLAIM_AUDIENCE, "Incorrect token audience.", ret_error, reterr);
	*ret = cl;
	*ret_error = JWT_CLAIM_OK;
	*reterr = NULL;
	return 0;
}

int jwt_discovery_parse(const char *json, size_t len, char **ret_jwks_uri, char **ret_issuer,
			const char **reterr)
{
	if (len > JWT_JWKS_MAX) {
		*reterr = "The provider's configuration document is too large.";
		return -E2BIG;
	}
	json_t *j = jwt_json_object((const uint8_t *)json, len);
	if (!j) {
		*reterr = "The provider's configuration document is not a JSON object.";
		return -EINVAL;
	}
	json_t *u = json_object_get(j, "jwks_uri"), *i = json_object_get(j, "issuer");
	int r = -EINVAL;
	*reterr = "The provider's configuration has no https jwks_uri.";
	if (json_is_string(u) && strncmp(json_string_value(u), "https://", 8) == 0 &&
	    json_string_length(u) < 2048) {
		char *uri = strdup(json_string_value(u));
		char *iss = json_is_string(i) ? strdup(json_string_value(i)) : NULL;
		if (!uri || (json_is_string(i) && !iss)) {
			free(uri);
			free(iss);
			r = -ENOMEM;
		} else {
			*ret_jwks_uri = uri;
			*ret_issuer = iss;
			*reterr = NULL;
			r = 0;
		}
	}
	json_decref(j);
	return r;
}
