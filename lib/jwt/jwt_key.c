/* jwt_key: JSON Web Key Sets and signature verification (jwt.h). The one
 * file of lib/jwt that uses OpenSSL's libcrypto (RSA, ECDSA) and
 * libsodium (Ed25519). */
#include "config.h"

#include <errno.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "jwt/jwt.h"
#include "jwt/jwt_int.h"

#define RSA_MIN_BITS 2048
#define RSA_MAX_BYTES 1024        /* 8192 bits */

enum key_type { KEY_RSA = 1, KEY_EC256, KEY_EC384, KEY_ED25519 };

struct jwt_key {
	enum key_type type;
	char *kid;                /* NULL: none */
	char *alg;                /* the JWK's own "alg", NULL: none */
	EVP_PKEY *pkey;           /* RSA, EC */
	uint8_t ed[32];           /* Ed25519 */
};

struct jwt_keyset {
	struct jwt_key keys[JWT_KEYS_MAX];
	size_t n;
};

void jwt_keyset_free(struct jwt_keyset *ks)
{
	if (!ks)
		return;
	for (size_t i = 0; i < ks->n; i++) {
		free(ks->keys[i].kid);
		free(ks->keys[i].alg);
		EVP_PKEY_free(ks->keys[i].pkey);
	}
	free(ks);
}

size_t jwt_keyset_count(const struct jwt_keyset *ks)
{
	return ks ? ks->n : 0;
}

bool jwt_keyset_has_kid(const struct jwt_keyset *ks, const char *kid)
{
	for (size_t i = 0; ks && kid && i < ks->n; i++)
		if (ks->keys[i].kid && strcmp(ks->keys[i].kid, kid) == 0)
			return true;
	return false;
}

/* A base64url member of `jwk` decoded, of at most `max` bytes. */
static int member_bytes(json_t *jwk, const char *name, size_t max, uint8_t **ret, size_t *ret_len)
{
	json_t *v = json_object_get(jwk, name);
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > (max * 4 + 2) / 3)
		return -EINVAL;
	return jwt_b64url_decode(json_string_value(v), json_string_length(v), ret, ret_len);
}

static EVP_PKEY *pkey_fromdata(const char *type, OSSL_PARAM_BLD *bld)
{
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	if (params && ctx && EVP_PKEY_fromdata_init(ctx) == 1)
		(void)EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return pkey;
}

static int key_rsa(json_t *jwk, struct jwt_key *k)
{
	uint8_t *n = NULL, *e = NULL;
	size_t nl, el;
	BIGNUM *bn = NULL, *be = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	int r = member_bytes(jwk, "n", RSA_MAX_BYTES, &n, &nl);
	if (r == 0)
		r = member_bytes(jwk, "e", 8, &e, &el);
	if (r < 0)
		goto out;
	/* no leading zero octets (RFC 7518 6.3.1.1), 2048 bits or more */
	r = -EINVAL;
	if (nl == 0 || n[0] == 0 || nl * 8 < RSA_MIN_BITS || el == 0 || e[0] == 0)
		goto out;
	r = -ENOMEM;
	bn = BN_bin2bn(n, (int)nl, NULL);
	be = BN_bin2bn(e, (int)el, NULL);
	bld = OSSL_PARAM_BLD_new();
	if (!bn || !be || !bld || !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be))
		goto out;
	k->pkey = pkey_fromdata("RSA", bld);
	r = k->pkey ? 0 : -EINVAL;
	k->type = KEY_RSA;
out:
	free(n);
	free(e);
	BN_free(bn);
	BN_free(be);
	OSSL_PARAM_BLD_free(bld);
	return r;
}

static int key_ec(json_t *jwk, struct jwt_key *k)
{
	json_t *crv = json_object_get(jwk, "crv");
	const char *group;
	size_t clen;
	if (json_is_string(crv) && strcmp(json_string_value(crv), "P-256") == 0) {
		group = "prime256v1";
		clen = 32;
		k->type = KEY_EC256;
	} else if (json_is_string(crv) && strcmp(json_string_value(crv), "P-384") == 0) {
		group = "secp384r1";
		clen = 48;
		k->type = KEY_EC384;
	} else {
		return -EOPNOTSUPP;
	}
	uint8_t *x = NULL, *y = NULL, pub[1 + 2 * 48];
	size_t xl, yl;
	OSSL_PARAM_BLD *bld = NULL;
	int r = member_bytes(jwk, "x", clen, &x, &xl);
	if (r == 0)
		r = member_bytes(jwk, "y", clen, &y, &yl);
	if (r < 0)
		goto out;
	r = -EINVAL;
	if (xl != clen || yl != clen)
		goto out;
	pub[0] = 0x04;   /* uncompressed point */
	memcpy(pub + 1, x, clen);
	memcpy(pub + 1 + clen, y, clen);
	r = -ENOMEM;
	bld = OSSL_PARAM_BLD_new();
	if (!bld ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, 1 + 2 * clen))
		goto out;
	k->pkey = pkey_fromdata("EC", bld);   /* checks the point is on the curve */
	r = k->pkey ? 0 : -EINVAL;
out:
	free(x);
	free(y);
	OSSL_PARAM_BLD_free(bld);
	return r;
}

static int key_okp(json_t *jwk, struct jwt_key *k)
{
	json_t *crv = json_object_get(jwk, "crv");
	uint8_t *x = NULL;
	size_t xl;
	if (!json_is_string(crv) || strcmp(json_string_value(crv), "Ed25519") != 0)
		return -EOPNOTSUPP;
	int r = member_bytes(jwk, "x", 32, &x, &xl);
	if (r == 0 && xl != 32)
		r = -EINVAL;
	if (r == 0) {
		memcpy(k->ed, x, 32);
		k->type = KEY_ED25519;
	}
	free(x);
	return r;
}

/* One JWK: 0 and *k filled, -EOPNOTSUPP to skip it, -EINVAL when malformed. */
static int key_parse(json_t *jwk, struct jwt_key *k)
{
	json_t *kty = json_object_get(jwk, "kty"), *use = json_object_get(jwk, "use");
	json_t *kid = json_object_get(jwk, "kid"), *alg = json_object_get(jwk, "alg");
	int r;
	if (!json_is_object(jwk) || !json_is_string(kty))
		return -EINVAL;
	if (use && (!json_is_string(use) || strcmp(json_string_value(use), "sig") != 0))
		return -EOPNOTSUPP;   /* an encryption key */
	if ((kid && !json_is_string(kid)) || (alg && !json_is_string(alg)))
		return -EINVAL;
	const char *t = json_string_value(kty);
	memset(k, 0, sizeof(*k));
	if (strcmp(t, "RSA") == 0)
		r = key_rsa(jwk, k);
	else if (strcmp(t, "EC") == 0)
		r = key_ec(jwk, k);
	else if (strcmp(t, "OKP") == 0)
		r = key_okp(jwk, k);
	else
		return -EOPNOTSUPP;
	if (r < 0)
		return r;
	k->kid = kid ? strdup(json_string_value(kid)) : NULL;
	k->alg = alg ? strdup(json_string_value(alg)) : NULL;
	if ((kid && !k->kid) || (alg && !k->alg)) {
		free(k->kid);
		free(k->alg);
		EVP_PKEY_free(k->pkey);
		return -ENOMEM;
	}
	return 0;
}

int jwt_keyset_parse(const char *json, size_t len, struct jwt_keyset **ret,
		     const char **reterr)
{
	if (len > JWT_JWKS_MAX) {
		*reterr = "The provider's key set is too large.";
		return -E2BIG;
	}
	json_t *j = jwt_json_object((const uint8_t *)json, len);
	json_t *keys = j ? json_object_get(j, "keys") : NULL;
	int r = -EINVAL;
	if (!json_is_array(keys)) {
		*reterr = "The provider's key set is not a JSON object with a keys list.";
		json_decref(j);
		return -EINVAL;
	}
	struct jwt_keyset *ks = calloc(1, sizeof(*ks));
	if (!ks) {
		json_decref(j);
		return -ENOMEM;
	}
	size_t i;
	json_t *jwk;
	r = 0;
	json_array_foreach(keys, i, jwk) {
		if (ks->n >= JWT_KEYS_MAX)
			break;
		int k = key_parse(jwk, &ks->keys[ks->n]);
		if (k == 0)
			ks->n++;
		else if (k == -ENOMEM) {
			r = k;
			break;
		}
		/* a malformed or unsupported key is skipped: the others serve */
	}
	json_decref(j);
	if (r < 0) {
		jwt_keyset_free(ks);
		return r;
	}
	*ret = ks;
	*reterr = NULL;
	return 0;
}

/* ---- verification ---- */

struct alg_info {
	const char *name;
	enum key_type type;
	const char *md;           /* NULL: EdDSA */
	bool pss;
	size_t ec_len;            /* ECDSA: bytes of r and of s */
};

static const struct alg_info algs[] = {
	{ "RS256", KEY_RSA, "SHA256", false, 0 },
	{ "RS384", KEY_RSA, "SHA384", false, 0 },
	{ "RS512", KEY_RSA, "SHA512", false, 0 },
	{ "PS256", KEY_RSA, "SHA256", true, 0 },
	{ "ES256", KEY_EC256, "SHA256", false, 32 },
	{ "ES384", KEY_EC384, "SHA384", false, 48 },
	{ "EdDSA", KEY_ED25519, NULL, false, 0 },
};

/* JWS's ECDSA signature (r || s, fixed length) as DER. */
static int ecdsa_der(const uint8_t *sig, size_t len, size_t half, uint8_t **ret, size_t *ret_len)
{
	if (len != 2 * half)
		return -EKEYREJECTED;
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, (int)half, NULL), *s = BN_bin2bn(sig + half, (int)half, NULL);
	if (!es || !r || !s || !ECDSA_SIG_set0(es, r, s)) {
		ECDSA_SIG_free(es);
		BN_free(r);
		BN_free(s);
		return -ENOMEM;
	}
	uint8_t *der = NULL;
	int n = i2d_ECDSA_SIG(es, &der);
	ECDSA_SIG_free(es);
	if (n <= 0)
		return -ENOMEM;
	*ret = der;
	*ret_len = (size_t)n;
	return 0;
}

static int verify_one(const struct jwt *t, const struct alg_info *a, const struct jwt_key *k)
{
	if (a->type == KEY_ED25519)
		return t->sig_len == crypto_sign_BYTES &&
		       crypto_sign_verify_detached(t->sig, (const uint8_t *)t->signing_input,
						   t->signing_input_len, k->ed) == 0 ? 0 : -EKEYREJECTED;
	const uint8_t *sig = t->sig;
	size_t sig_len = t->sig_len;
	uint8_t *der = NULL;
	int r;
	if (a->ec_len) {
		r = ecdsa_der(t->sig, t->sig_len, a->ec_len, &der, &sig_len);
		if (r < 0)
			return r;
		sig = der;
	}
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	r = -ENOMEM;
	if (md && EVP_DigestVerifyInit_ex(md, &pctx, a->md, NULL, NULL, k->pkey, NULL) == 1 &&
	    (!a->pss ||
	     (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
	      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1))) {
		r = EVP_DigestVerify(md, sig, sig_len, (const uint8_t *)t->signing_input,
				     t->signing_input_len) == 1 ? 0 : -EKEYREJECTED;
	}
	EVP_MD_CTX_free(md);
	OPENSSL_free(der);
	return r;
}

int jwt_verify(const struct jwt *t, const struct jwt_keyset *ks, const char **reterr)
{
	const struct alg_info *a = NULL;
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (strcmp(t->alg, algs[i].name) == 0)
			a = &algs[i];
	if (!a) {
		*reterr = "The token's signing algorithm is not accepted.";
		return -EINVAL;   /* none, HS256, ... */
	}
	bool found = false, typed = false;
	for (size_t i = 0; ks && i < ks->n; i++) {
		const struct jwt_key *k = &ks->keys[i];
		if (t->kid && (!k->kid || strcmp(k->kid, t->kid) != 0))
			continue;
		found = true;
		if (k->type != a->type || (k->alg && strcmp(k->alg, a->name) != 0))
			continue;   /* the key is not for this alg */
		typed = true;
		int r = verify_one(t, a, k);
		if (r == 0) {
			*reterr = NULL;
			return 0;
		}
		if (r == -ENOMEM)
			return r;
	}
	if (t->kid && !found) {
		*reterr = "The token's key id (kid) is not in the provider's key set.";
		return -ENOKEY;
	}
	if (found && !typed && t->kid) {
		*reterr = "The token's signing algorithm does not fit the key its kid names.";
		return -EINVAL;
	}
	*reterr = "The token's signature could not be verified.";
	return -EKEYREJECTED;
}
