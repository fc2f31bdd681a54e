/* Unit tests for lib/util/sha256: SHA-256 and HMAC-SHA256 give libsodium's
 * bytes (FIPS 180-4 and RFC 4231 vectors, then every length up to 300
 * bytes in pieces), with and without the SHA extensions. */
#include "util/sha256.h"
#include "../tap.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static void hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

int main(void)
{
	uint8_t d[32], want[32], data[320], key[200];
	char h[65];
	if (sodium_init() < 0)
		return 1;
	printf("# SHA extensions: %s\n", util_sha256_accelerated() ? "used" : "not available");

	util_sha256("abc", 3, d);
	hex(d, 32, h);
	TAP_IS_STR(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "SHA-256(abc)");
	util_sha256_hex("", 0, h);
	TAP_IS_STR(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "SHA-256 of nothing");
	const char *m2 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	util_sha256_hex(m2, strlen(m2), h);
	TAP_IS_STR(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
		   "SHA-256 of the 448-bit vector");

	/* every length, fed in uneven pieces */
	randombytes_buf(data, sizeof(data));
	int same = 1;
	for (size_t len = 0; len <= 300; len++) {
		struct util_sha256 s;
		util_sha256_init(&s);
		size_t off = 0, step = 1;
		while (off < len) {
			size_t k = len - off < step ? len - off : step;
			util_sha256_update(&s, data + off, k);
			off += k;
			step = step * 3 % 71 + 1;
		}
		util_sha256_final(&s, d);
		crypto_hash_sha256(want, data, len);
		same &= memcmp(d, want, 32) == 0;
	}
	tap_ok(same, "every length 0..300 in pieces: libsodium's digest");

	/* RFC 4231 test cases 1, 2 and 6 (a key longer than a block) */
	uint8_t k1[20];
	memset(k1, 0x0b, sizeof(k1));
	util_hmac_sha256(k1, sizeof(k1), "Hi There", 8, d);
	hex(d, 32, h);
	TAP_IS_STR(h, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7", "RFC 4231 case 1");
	util_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, d);
	hex(d, 32, h);
	TAP_IS_STR(h, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", "RFC 4231 case 2");
	uint8_t k6[131];
	memset(k6, 0xaa, sizeof(k6));
	const char *m6 = "Test Using Larger Than Block-Size Key - Hash Key First";
	util_hmac_sha256(k6, sizeof(k6), m6, strlen(m6), d);
	hex(d, 32, h);
	TAP_IS_STR(h, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54", "RFC 4231 case 6");

	/* every key length, a reused key, messages in parts */
	randombytes_buf(key, sizeof(key));
	same = 1;
	for (size_t kl = 0; kl <= sizeof(key); kl += 7) {
		struct util_hmac_sha256 k;
		util_hmac_sha256_init(&k, key, kl);
		for (size_t ml = 0; ml <= 300; ml += 37) {
			size_t cut = ml / 3;
			const void *parts[] = { data, data + cut };
			size_t lens[] = { cut, ml - cut };
			util_hmac_sha256_parts(&k, parts, lens, 2, d);
			crypto_auth_hmacsha256_state st;
			crypto_auth_hmacsha256_init(&st, key, kl);
			crypto_auth_hmacsha256_update(&st, data, ml);
			crypto_auth_hmacsha256_final(&st, want);
			same &= memcmp(d, want, 32) == 0;
		}
		util_hmac_sha256_wipe(&k);
		uint8_t zero[sizeof(k)] = { 0 };
		same &= memcmp(&k, zero, sizeof(k)) == 0;
	}
	tap_ok(same, "HMAC: key lengths 0..200, reused keys, parts: libsodium's MAC; wiped");

	/* the SigV4 example key chain of AWS's documentation */
	uint8_t a[32], b[32];
	const char *secret = "AWS4wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
	util_hmac_sha256(secret, strlen(secret), "20150830", 8, a);
	util_hmac_sha256(a, 32, "us-east-1", 9, b);
	util_hmac_sha256(b, 32, "iam", 3, a);
	util_hmac_sha256(a, 32, "aws4_request", 12, b);
	hex(b, 32, h);
	TAP_IS_STR(h, "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9",
		   "AWS's example SigV4 signing key");

	/* SHA-256-lines (the audit trail's file hash): built by hand from
	 * libsodium's SHA-256 of each line, then fed whole and in pieces */
	static const struct {
		const char *text, *lines[4];
	} lc[] = {
		{ "", { NULL } },
		{ "a\n", { "a", NULL } },
		{ "a", { "a", NULL } },
		{ "a\n\nbc", { "a", "", "bc", NULL } },
		{ "{\"x\":1}\n{\"y\":2}\n", { "{\"x\":1}", "{\"y\":2}", NULL } },
	};
	bool lines_same = true;
	for (size_t i = 0; i < sizeof(lc) / sizeof(*lc); i++) {
		crypto_hash_sha256_state all;
		uint8_t lh[32];
		crypto_hash_sha256_init(&all);
		for (size_t k = 0; lc[i].lines[k]; k++) {
			crypto_hash_sha256(lh, (const uint8_t *)lc[i].lines[k], strlen(lc[i].lines[k]));
			crypto_hash_sha256_update(&all, lh, sizeof(lh));
		}
		crypto_hash_sha256_final(&all, want);
		size_t n = strlen(lc[i].text);
		for (size_t piece = 1; piece <= n + 1; piece++) {
			struct util_sha256_lines sl;
			util_sha256_lines_init(&sl);
			for (size_t at = 0; at < n; at += piece)
				util_sha256_lines_update(&sl, lc[i].text + at,
							 n - at < piece ? n - at : piece);
			util_sha256_lines_final(&sl, d);
			lines_same &= memcmp(d, want, 32) == 0;
		}
	}
	tap_ok(lines_same, "SHA-256-lines: each line's hash hashed, in pieces of any size; "
	       "a last newline adds no empty line");
	return tap_done();
}
