/* keyd_sigcache: SigV4 signing keys cached per (master key version, access
 * key id, session nonce, scope date, region, service) (keyd.h). Deriving
 * one costs the secret's BLAKE2b and four HMAC-SHA256; a request of a key
 * already seen that day costs the one HMAC of the string to sign instead,
 * with the key's inner and outer pads hashed once (util/sha256.h).
 *
 * The table lives in sodium_malloc memory (guard pages, locked, wiped when
 * freed; not toggled with sodium_mprotect_*: an mprotect of locked pages
 * per request cost more than the derivations it saves); it is
 * direct-mapped and bounded (KEYD_SIGCACHE_SLOTS): a slot taken by another
 * key is wiped before it is reused. Only signing keys (as their hashed
 * HMAC pads) are kept, never a secret access key; a slot's identity (ids, date, scope) is not secret. A
 * signing key is good for one day's scope only, so the cache never makes a
 * signature valid that the full derivation would refuse. */
#include "config.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "keyd.h"
#include "util/sha256.h"

#define ID_MAX 32                 /* longer ids are derived every time */
#define PART_MAX 64

struct slot {
	bool used;
	bool has_nonce;
	uint32_t version;
	uint8_t nonce[KEYD_NONCE_LEN];
	char id[ID_MAX + 1];
	char date[9];
	char region[PART_MAX + 1];
	char service[PART_MAX + 1];
	struct util_hmac_sha256 signing;   /* the signing key's HMAC pads, hashed */
};

struct keyd_sigcache {
	uint64_t hits, misses;
	struct slot slots[KEYD_SIGCACHE_SLOTS];
};

int keyd_sigcache_new(struct keyd_sigcache **ret)
{
	struct keyd_sigcache *c = sodium_malloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	sodium_memzero(c, sizeof(*c));
	*ret = c;
	return 0;
}

void keyd_sigcache_free(struct keyd_sigcache *c)
{
	if (c)
		sodium_free(c);   /* makes it writable, wipes and unmaps */
}

void keyd_sigcache_stats(struct keyd_sigcache *c, uint64_t *ret_hits, uint64_t *ret_misses)
{
	*ret_hits = c->hits;
	*ret_misses = c->misses;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

static bool slot_is(const struct slot *s, uint32_t version, const char *id,
		    const uint8_t *nonce, const struct keyd_sigv4 *in)
{
	return s->used && s->version == version && s->has_nonce == (nonce != NULL) &&
	       (!nonce || memcmp(s->nonce, nonce, KEYD_NONCE_LEN) == 0) &&
	       strcmp(s->id, id) == 0 && strcmp(s->date, in->date) == 0 &&
	       strcmp(s->region, in->region) == 0 && strcmp(s->service, in->service) == 0;
}

/* The secret of the key: a long-term key's, or a session's (nonce). */
static int secret_of(const struct keyd_key *k, const char *id, const uint8_t *nonce,
		     char secret[KEYD_SECRET_LEN + 1])
{
	return nonce ? keyd_session_secret(k, nonce, id, secret)
		     : keyd_access_key_secret(k, id, secret);
}

int keyd_sigv4_verify_cached(struct keyd_sigcache *c, const struct keyd_key *k,
			     const char *access_key_id, const uint8_t *nonce,
			     const struct keyd_sigv4 *in, const uint8_t sig[32], bool *ret_valid)
{
	char secret[KEYD_SECRET_LEN + 1];
	uint8_t key[32], want[32];
	int r;
	if (!k || !access_key_id || !in->date || !in->region || !in->service)
		return -EINVAL;
	size_t id_len = strlen(access_key_id);
	bool cacheable = c && id_len <= ID_MAX && strlen(in->date) == 8 &&
			 strlen(in->region) <= PART_MAX && strlen(in->service) <= PART_MAX;
	struct slot *s = NULL;
	if (cacheable) {
		uint64_t h = 14695981039346656037ull;
		h = fnv(h, &k->version, sizeof(k->version));
		h = fnv(h, access_key_id, id_len + 1);
		if (nonce)
			h = fnv(h, nonce, KEYD_NONCE_LEN);
		h = fnv(h, in->date, strlen(in->date) + 1);
		h = fnv(h, in->region, strlen(in->region) + 1);
		h = fnv(h, in->service, strlen(in->service) + 1);
		s = &c->slots[h % KEYD_SIGCACHE_SLOTS];
		if (slot_is(s, k->version, access_key_id, nonce, in)) {
			c->hits++;
			r = keyd_sigv4_sign_with_state(&s->signing, in, want);
			goto check;
		}
		c->misses++;
	}
	r = secret_of(k, access_key_id, nonce, secret);
	if (r == 0)
		r = keyd_sigv4_signing_key(secret, KEYD_SECRET_LEN, in, key);
	sodium_memzero(secret, sizeof(secret));
	struct util_hmac_sha256 signing;
	sodium_memzero(&signing, sizeof(signing));
	if (r == 0) {
		util_hmac_sha256_init(&signing, key, sizeof(key));
		r = keyd_sigv4_sign_with_state(&signing, in, want);
	}
	if (r == 0 && s) {
		sodium_memzero(s, sizeof(*s));   /* whoever was there */
		s->used = true;
		s->version = k->version;
		s->has_nonce = nonce != NULL;
		if (nonce)
			memcpy(s->nonce, nonce, KEYD_NONCE_LEN);
		memcpy(s->id, access_key_id, id_len + 1);
		memcpy(s->date, in->date, 9);
		strcpy(s->region, in->region);
		strcpy(s->service, in->service);
		s->signing = signing;
	}
	util_hmac_sha256_wipe(&signing);
	sodium_memzero(key, sizeof(key));
check:
	if (r == 0)
		*ret_valid = sodium_memcmp(want, sig, 32) == 0;
	sodium_memzero(want, sizeof(want));
	return r;
}
