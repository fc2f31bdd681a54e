/* keyd_crypto: secrets derived from the master key, SigV4 signatures, and
 * sealed tokens (keyd.h). Pure: no I/O, no clock; nonces are passed in.
 * Every intermediate secret is wiped before return. */
#include "config.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "keyd.h"
#include "util/sha256.h"

static const char label_access_key[] = "iamd/access-key/v1";
static const char label_session_secret[] = "iamd/session-secret/v1";

/* 30 bytes as 40 characters of base64 (A-Z a-z 0-9 + /, no padding: 30
 * bytes are a whole number of base64 groups), as AWS's secrets look. */
static void secret_encode(const uint8_t raw[KEYD_SECRET_RAW], char ret[KEYD_SECRET_LEN + 1])
{
	sodium_bin2base64(ret, KEYD_SECRET_LEN + 1, raw, KEYD_SECRET_RAW,
			  sodium_base64_VARIANT_ORIGINAL);
}

static bool id_ok(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	return n > 0 && n <= 128;
}

int keyd_access_key_secret(const struct keyd_key *k, const char *access_key_id,
			   char ret[KEYD_SECRET_LEN + 1])
{
	crypto_generichash_state st;
	uint8_t raw[KEYD_SECRET_RAW];
	if (!id_ok(access_key_id))
		return -EINVAL;
	int r = crypto_generichash_init(&st, k->master, KEYD_KEY_LEN, sizeof(raw));
	if (r == 0)
		r = crypto_generichash_update(&st, (const uint8_t *)label_access_key,
					      strlen(label_access_key));
	if (r == 0)
		r = crypto_generichash_update(&st, (const uint8_t *)access_key_id,
					      strlen(access_key_id));
	if (r == 0)
		r = crypto_generichash_final(&st, raw, sizeof(raw));
	if (r == 0)
		secret_encode(raw, ret);
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(raw, sizeof(raw));
	return r == 0 ? 0 : -EIO;
}

int keyd_session_secret(const struct keyd_key *k, const uint8_t nonce[KEYD_NONCE_LEN],
			const char *access_key_id, char ret[KEYD_SECRET_LEN + 1])
{
	crypto_generichash_state st;
	uint8_t raw[KEYD_SECRET_RAW];
	if (!id_ok(access_key_id))
		return -EINVAL;
	int r = crypto_generichash_init(&st, k->master, KEYD_KEY_LEN, sizeof(raw));
	if (r == 0)
		r = crypto_generichash_update(&st, (const uint8_t *)label_session_secret,
					      strlen(label_session_secret));
	if (r == 0)
		r = crypto_generichash_update(&st, nonce, KEYD_NONCE_LEN);
	if (r == 0)
		r = crypto_generichash_update(&st, (const uint8_t *)access_key_id,
					      strlen(access_key_id));
	if (r == 0)
		r = crypto_generichash_final(&st, raw, sizeof(raw));
	if (r == 0)
		secret_encode(raw, ret);
	sodium_memzero(&st, sizeof(st));
	sodium_memzero(raw, sizeof(raw));
	return r == 0 ? 0 : -EIO;
}

/* HMAC-SHA256 with the SHA extensions when the CPU has them (util/sha256.h) */
static void hmac(const uint8_t *key, size_t klen, const void *msg, size_t mlen,
		 uint8_t out[32])
{
	util_hmac_sha256(key, klen, msg, mlen, out);
}

int keyd_sigv4_signing_key(const char *secret, size_t secret_len, const struct keyd_sigv4 *in,
			   uint8_t ret[32])
{
	static const char term[] = "aws4_request";
	uint8_t kbuf[4 + 128];
	uint8_t k1[32];

	if (secret_len > 128 || !in->date || !in->region || !in->service)
		return -EINVAL;
	/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" secret, date), region),
	 * service), "aws4_request") */
	memcpy(kbuf, "AWS4", 4);
	memcpy(kbuf + 4, secret, secret_len);
	hmac(kbuf, 4 + secret_len, in->date, strlen(in->date), k1);
	sodium_memzero(kbuf, sizeof(kbuf));
	hmac(k1, 32, in->region, strlen(in->region), ret);
	hmac(ret, 32, in->service, strlen(in->service), k1);
	hmac(k1, 32, term, strlen(term), ret);
	sodium_memzero(k1, sizeof(k1));
	return 0;
}

int keyd_sigv4_sign_with_state(const struct util_hmac_sha256 *signing,
			       const struct keyd_sigv4 *in, uint8_t ret[32])
{
	static const char algo[] = "AWS4-HMAC-SHA256\n";
	static const char hexd[] = "0123456789abcdef";
	char hex[64];

	if (!in->amz_date || !in->date || !in->region || !in->service || !in->creq_sha256)
		return -EINVAL;
	/* the string to sign, built here from the typed fields (the
	 * canonical request's hash is no secret: plain hex) */
	for (int i = 0; i < 32; i++) {
		hex[2 * i] = hexd[in->creq_sha256[i] >> 4];
		hex[2 * i + 1] = hexd[in->creq_sha256[i] & 15];
	}
	const void *parts[] = { algo, in->amz_date, "\n", in->date, "/", in->region, "/",
				in->service, "/aws4_request\n", hex };
	const size_t lens[] = { sizeof(algo) - 1, strlen(in->amz_date), 1, strlen(in->date), 1,
				strlen(in->region), 1, strlen(in->service), 14, sizeof(hex) };
	util_hmac_sha256_parts(signing, parts, lens, sizeof(lens) / sizeof(lens[0]), ret);
	return 0;
}

int keyd_sigv4_sign_with_key(const uint8_t signing_key[32], const struct keyd_sigv4 *in,
			     uint8_t ret[32])
{
	struct util_hmac_sha256 st;
	util_hmac_sha256_init(&st, signing_key, 32);
	int r = keyd_sigv4_sign_with_state(&st, in, ret);
	util_hmac_sha256_wipe(&st);
	return r;
}

int keyd_sigv4_sign(const char *secret, size_t secret_len, const struct keyd_sigv4 *in,
		    uint8_t ret[32])
{
	uint8_t key[32];
	int r = keyd_sigv4_signing_key(secret, secret_len, in, key);
	if (r == 0)
		r = keyd_sigv4_sign_with_key(key, in, ret);
	sodium_memzero(key, sizeof(key));
	return r;
}

bool keyd_sigv4_check(const char *secret, size_t secret_len, const struct keyd_sigv4 *in,
		      const uint8_t sig[32])
{
	uint8_t want[32];
	bool ok = keyd_sigv4_sign(secret, secret_len, in, want) == 0 &&
		  sodium_memcmp(want, sig, 32) == 0;
	sodium_memzero(want, sizeof(want));
	return ok;
}

/* base64 (the original alphabet, padded) of a sealed token: ciphertext
 * that is sent out as it is, so no secret: a table encoder, not libsodium's
 * constant-time one (which secrets keep: secret_encode). `out` holds
 * sodium_base64_ENCODED_LEN(len) bytes. */
static void b64_encode_public(char *out, const uint8_t *in, size_t len)
{
	static const char t[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i = 0;
	for (; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		*out++ = t[v >> 18];
		*out++ = t[(v >> 12) & 63];
		*out++ = t[(v >> 6) & 63];
		*out++ = t[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0);
		*out++ = t[v >> 18];
		*out++ = t[(v >> 12) & 63];
		*out++ = i + 1 < len ? t[(v >> 6) & 63] : '=';
		*out++ = '=';
	}
	*out = '\0';
}

size_t keyd_sealed_b64_size(size_t plain_len)
{
	size_t bin = KEYD_SEAL_HDR + KEYD_NONCE_LEN + plain_len + KEYD_MAC_LEN;
	return sodium_base64_ENCODED_LEN(bin, sodium_base64_VARIANT_ORIGINAL);
}

static const uint8_t *seal_key(const struct keyd_key *k, enum keyd_seal_kind kind)
{
	return kind == KEYD_SEAL_SESSION ? k->token_key : k->message_key;
}

int keyd_seal(const struct keyd_key *k, enum keyd_seal_kind kind, const uint8_t *plain,
	      size_t plain_len, const uint8_t nonce[KEYD_NONCE_LEN], char *out, size_t cap)
{
	if (plain_len > KEYD_SEALED_MAX_PLAIN)
		return -E2BIG;
	if (cap < keyd_sealed_b64_size(plain_len))
		return -ENOBUFS;
	size_t bin_len = KEYD_SEAL_HDR + KEYD_NONCE_LEN + plain_len + KEYD_MAC_LEN;
	uint8_t *bin = malloc(bin_len);
	if (!bin)
		return -ENOMEM;
	bin[0] = (uint8_t)kind;
	bin[1] = (uint8_t)(k->version >> 24);
	bin[2] = (uint8_t)(k->version >> 16);
	bin[3] = (uint8_t)(k->version >> 8);
	bin[4] = (uint8_t)k->version;
	memcpy(bin + KEYD_SEAL_HDR, nonce, KEYD_NONCE_LEN);
	unsigned long long clen = 0;
	int r = crypto_aead_xchacha20poly1305_ietf_encrypt(
		bin + KEYD_SEAL_HDR + KEYD_NONCE_LEN, &clen, plain, plain_len, bin,
		KEYD_SEAL_HDR, NULL, nonce, seal_key(k, kind));
	if (r == 0)
		b64_encode_public(out, bin, bin_len);
	free(bin);
	return r == 0 ? 0 : -EIO;
}

int keyd_open(const struct keyd_ring *ring, enum keyd_seal_kind kind, const char *b64,
	      uint8_t *plain, size_t cap, size_t *ret_len, uint32_t *ret_version,
	      uint8_t ret_nonce[KEYD_NONCE_LEN])
{
	size_t b64_len = b64 ? strlen(b64) : 0;
	size_t max_bin = b64_len / 4 * 3 + 3;
	size_t bin_len = 0;
	const char *end = NULL;
	uint8_t *bin = NULL;
	int r = -EBADMSG;

	if (b64_len == 0)
		return -EBADMSG;
	bin = malloc(max_bin);
	if (!bin)
		return -ENOMEM;
	if (sodium_base642bin(bin, max_bin, b64, b64_len, NULL, &bin_len, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    end != b64 + b64_len ||
	    bin_len < KEYD_SEAL_HDR + KEYD_NONCE_LEN + KEYD_MAC_LEN || bin[0] != (uint8_t)kind)
		goto out;
	uint32_t version = (uint32_t)bin[1] << 24 | (uint32_t)bin[2] << 16 |
			   (uint32_t)bin[3] << 8 | bin[4];
	const struct keyd_key *k = keyd_ring_find(ring, version);
	if (!k) {
		r = -ENOKEY;
		goto out;
	}
	size_t clen = bin_len - KEYD_SEAL_HDR - KEYD_NONCE_LEN;
	if (clen - KEYD_MAC_LEN > cap) {
		r = -E2BIG;
		goto out;
	}
	unsigned long long plen = 0;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(
		    plain, &plen, NULL, bin + KEYD_SEAL_HDR + KEYD_NONCE_LEN, clen, bin,
		    KEYD_SEAL_HDR, bin + KEYD_SEAL_HDR, seal_key(k, kind)) != 0)
		goto out;
	memcpy(ret_nonce, bin + KEYD_SEAL_HDR, KEYD_NONCE_LEN);
	*ret_len = (size_t)plen;
	*ret_version = version;
	r = 0;
out:
	free(bin);
	return r;
}
