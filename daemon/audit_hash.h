/* audit_hash: the SHA-256 of the audit trail's record chain (audit.c:
 * previousRecordHash), with the x86 SHA extensions when the CPU has them
 * (about 5x libsodium's portable SHA-256, which is used otherwise), by
 * lib/util/sha256. The same bytes as crypto_hash_sha256:
 * tests/unit/test_audit_hash.c. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/sha256.h"

/* SHA-256 in pieces (audit_digest.c hashes whole files with it). */
struct audit_hash_state {
	struct util_sha256 s;
};
void audit_hash_init(struct audit_hash_state *s);
void audit_hash_update(struct audit_hash_state *s, const void *p, size_t len);
void audit_hash_final(struct audit_hash_state *s, uint8_t ret[32]);

/* SHA-256 of `len` bytes. */
void audit_hash_sha256(const void *p, size_t len, uint8_t ret[32]);
/* The same as 64 lower-case hex digits and a NUL. */
void audit_hash_sha256_hex(const void *p, size_t len, char ret[65]);
/* Whether the SHA extensions are used. */
bool audit_hash_accelerated(void);
