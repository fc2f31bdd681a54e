/* sigv4_crypto: SHA-256, the HMAC-SHA256 key chain and the constant-time
 * comparison (sigv4.h). The one file of lib/sigv4 that hashes: with
 * util/sha256.h (the SHA extensions when the CPU has them), libsodium for
 * wiping and comparing. */
#include "sigv4.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "util/sha256.h"

#define MAX_SECRET 128
#define MAX_SCOPE_PART 64

static void to_hex(const unsigned char *in, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * n] = '\0';
}

void sigv4_sha256_hex(const void *data, size_t len, char out[SIGV4_HEX_LEN + 1])
{
	util_sha256_hex(data, len, out);
}

static void hmac(unsigned char out[crypto_auth_hmacsha256_BYTES],
		 const unsigned char *key, size_t key_len, const void *msg, size_t len)
{
	util_hmac_sha256(key, key_len, msg, len, out);
}

int sigv4_sign(const char *secret, size_t secret_len, const char *date,
	       const char *region, const char *service, const char *sts,
	       size_t sts_len, char out[SIGV4_HEX_LEN + 1])
{
	unsigned char k[4 + MAX_SECRET];
	unsigned char a[crypto_auth_hmacsha256_BYTES], b[crypto_auth_hmacsha256_BYTES];
	if (secret_len > MAX_SECRET || strlen(date) > MAX_SCOPE_PART ||
	    strlen(region) > MAX_SCOPE_PART || strlen(service) > MAX_SCOPE_PART)
		return -EINVAL;
	memcpy(k, "AWS4", 4);
	memcpy(k + 4, secret, secret_len);
	hmac(a, k, 4 + secret_len, date, strlen(date));
	hmac(b, a, sizeof(a), region, strlen(region));
	hmac(a, b, sizeof(b), service, strlen(service));
	hmac(b, a, sizeof(a), SIGV4_TERMINATOR, strlen(SIGV4_TERMINATOR));
	hmac(a, b, sizeof(b), sts, sts_len);
	to_hex(a, sizeof(a), out);
	sodium_memzero(k, sizeof(k));
	sodium_memzero(a, sizeof(a));
	sodium_memzero(b, sizeof(b));
	return 0;
}

bool sigv4_signature_equal(const char *computed, const char *given)
{
	if (!computed || !given || strlen(computed) != SIGV4_HEX_LEN ||
	    strnlen(given, SIGV4_HEX_LEN + 1) != SIGV4_HEX_LEN)
		return false;
	return sodium_memcmp(computed, given, SIGV4_HEX_LEN) == 0;
}

int sigv4_verify(const struct sigv4_authz *az, const char *amz_date,
		 const char *creq_hash_hex, const char *secret, size_t secret_len,
		 struct sigv4_error *reterr)
{
	char sts[512], sig[SIGV4_HEX_LEN + 1];
	int n = sigv4_string_to_sign(amz_date, az->scope, creq_hash_hex, sts, sizeof(sts));
	int r = n < 0 ? n : sigv4_sign(secret, secret_len, az->date, az->region,
				       az->service, sts, (size_t)n, sig);
	bool ok = r == 0 && sigv4_signature_equal(sig, az->signature);
	sodium_memzero(sig, sizeof(sig));
	if (!ok) {
		reterr->code = SIGV4_E_MISMATCH;
		reterr->message = SIGV4_MSG_MISMATCH;
		return -EACCES;
	}
	return 0;
}
