/* audit_hash: SHA-256 for the record chain (audit_hash.h), on
 * lib/util/sha256 (the x86 SHA extensions when the CPU has them). */
#include "config.h"
#include "audit_hash.h"

bool audit_hash_accelerated(void)
{
	return util_sha256_accelerated();
}

void audit_hash_init(struct audit_hash_state *s)
{
	util_sha256_init(&s->s);
}

void audit_hash_update(struct audit_hash_state *s, const void *p, size_t len)
{
	util_sha256_update(&s->s, p, len);
}

void audit_hash_final(struct audit_hash_state *s, uint8_t ret[32])
{
	util_sha256_final(&s->s, ret);
}

void audit_hash_sha256(const void *p, size_t len, uint8_t ret[32])
{
	util_sha256(p, len, ret);
}

void audit_hash_sha256_hex(const void *p, size_t len, char ret[65])
{
	util_sha256_hex(p, len, ret);
}
