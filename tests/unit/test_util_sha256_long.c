/* test_util_sha256_long: lib/util/sha256 on the audit trail's sizes (a
 * record chain's lines, whole files hashed as they are written) is
 * libsodium's crypto_hash_sha256, at every length around the block and
 * padding boundaries up to 1100 bytes, at random lengths and unaligned
 * starts, and in pieces, with the SHA extensions when the CPU has them. */
#include "config.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "util/sha256.h"
#include "../tap.h"

int main(void)
{
	static uint8_t buf[4096];
	uint8_t want[32], got[32];
	char hex[65], want_hex[65];
	int bad = 0;

	if (sodium_init() < 0)
		return 99;
	printf("# SHA extensions: %s\n", util_sha256_accelerated() ? "yes" : "no");
	randombytes_buf(buf, sizeof(buf));
	for (size_t len = 0; len <= 1100; len++) {
		crypto_hash_sha256(want, buf, len);
		util_sha256(buf, len, got);
		if (memcmp(want, got, 32) != 0 && bad++ < 3)
			printf("# length %zu differs\n", len);
	}
	tap_ok(bad == 0, "SHA-256 of 0..1100 random bytes is libsodium's");
	bad = 0;
	for (int i = 0; i < 200; i++) {
		size_t len = randombytes_uniform(sizeof(buf) + 1);
		size_t off = randombytes_uniform(16);
		if (len + off > sizeof(buf))
			len = sizeof(buf) - off;
		crypto_hash_sha256(want, buf + off, len);
		util_sha256(buf + off, len, got);
		bad += memcmp(want, got, 32) != 0;
	}
	tap_ok(bad == 0, "and at random lengths and unaligned starts");
	bad = 0;
	for (int i = 0; i < 100; i++) {
		struct util_sha256 st;
		size_t len = randombytes_uniform(sizeof(buf) + 1), at = 0;
		util_sha256_init(&st);
		while (at < len) {
			size_t n = randombytes_uniform(i & 1 ? 200 : 70) + 1;
			if (n > len - at)
				n = len - at;
			util_sha256_update(&st, buf + at, n);
			at += n;
		}
		util_sha256_final(&st, got);
		crypto_hash_sha256(want, buf, len);
		bad += memcmp(want, got, 32) != 0;
	}
	tap_ok(bad == 0, "in pieces of random sizes: the same");
	util_sha256_hex("abc", 3, hex);
	TAP_IS_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		   "FIPS 180-2 'abc' in hex");
	crypto_hash_sha256(want, buf, 1000);
	sodium_bin2hex(want_hex, sizeof(want_hex), want, 32);
	util_sha256_hex(buf, 1000, hex);
	TAP_IS_STR(hex, want_hex, "hex is lower case, 64 digits");
	return tap_done();
}
