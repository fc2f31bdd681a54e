/* sha256: SHA-256 and HMAC-SHA256 with the x86 SHA extensions when the CPU
 * has them (several times libsodium's portable SHA-256, used otherwise);
 * the same bytes as crypto_hash_sha256 and crypto_auth_hmacsha256 (FIPS
 * 180-4, RFC 4231 vectors: tests/unit/test_util_sha256.c). Pure code (no
 * system call): keyd's sandbox allows it. For SigV4's hashes and signing
 * keys in iamd, keyd and libiam, and the audit trail's hashes (iamd and
 * iamctl audit verify). */
#ifndef IAMD_UTIL_SHA256_H
#define IAMD_UTIL_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#define UTIL_SHA256_LEN 32

/* SHA-256 in pieces. A state may be copied (struct assignment) to go on
 * from a common prefix. */
struct util_sha256 {
	bool ni;
	union {
		struct {   /* ni */
			uint32_t h[8];
			uint8_t buf[64];
			size_t n;
			uint64_t total;
		};
		crypto_hash_sha256_state portable;
	};
};
void util_sha256_init(struct util_sha256 *s);
void util_sha256_update(struct util_sha256 *s, const void *p, size_t len);
/* Writes the digest; the state is spent (init it again to reuse). */
void util_sha256_final(struct util_sha256 *s, uint8_t ret[UTIL_SHA256_LEN]);

void util_sha256(const void *p, size_t len, uint8_t ret[UTIL_SHA256_LEN]);

/* "SHA-256-lines", the audit trail's file hash (docs/audit.md, Digests):
 * the SHA-256 of the concatenated SHA-256 hashes of the text's lines - the
 * bytes before each newline, and the bytes after the last one if any - fed
 * in pieces of any size. */
struct util_sha256_lines {
	struct util_sha256 all, line;
	bool open;   /* bytes of a line not yet ended */
};
void util_sha256_lines_init(struct util_sha256_lines *s);
void util_sha256_lines_update(struct util_sha256_lines *s, const void *p, size_t len);
void util_sha256_lines_final(struct util_sha256_lines *s, uint8_t ret[UTIL_SHA256_LEN]);
/* The digest as 64 lower-case hex digits and a NUL. */
void util_sha256_hex(const void *p, size_t len, char ret[2 * UTIL_SHA256_LEN + 1]);

/* HMAC-SHA256 with the key's inner and outer pads already hashed: a key
 * used for many messages (keyd's cached SigV4 signing keys) costs two
 * compressions less per message. Holds key material: util_hmac_sha256_wipe
 * it when done. */
struct util_hmac_sha256 {
	struct util_sha256 inner, outer;
};
void util_hmac_sha256_init(struct util_hmac_sha256 *k, const void *key, size_t key_len);
/* The MAC of the concatenation of n pieces; k stays usable. */
void util_hmac_sha256_parts(const struct util_hmac_sha256 *k, const void *const *parts,
			    const size_t *lens, size_t n, uint8_t ret[UTIL_SHA256_LEN]);
void util_hmac_sha256_wipe(struct util_hmac_sha256 *k);
/* One-shot HMAC-SHA256; wipes what it derived from the key. */
void util_hmac_sha256(const void *key, size_t key_len, const void *msg, size_t len,
		      uint8_t ret[UTIL_SHA256_LEN]);

/* Whether the SHA extensions are used. */
bool util_sha256_accelerated(void);

#endif
