/* gen_cache: records kept per store generation. See gen_cache.h. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "gen_cache.h"

static struct gen_cache_slot *slot(const struct gen_cache *gc, const void *key, size_t klen)
{
	const unsigned char *k = key;
	size_t h = 5381;
	for (size_t i = 0; i < klen; i++)
		h = h * 33 + k[i];
	return &gc->slots[h % gc->n];
}

ProtobufCMessage *gen_cache_get(const struct gen_cache *gc, const void *owner, uint64_t gen,
				const void *key, size_t klen)
{
	if (klen > GEN_CACHE_KEY_MAX)
		return NULL;
	const struct gen_cache_slot *s = slot(gc, key, klen);
	if (s->rec && s->owner == owner && s->gen == gen && s->klen == klen &&
	    memcmp(s->key, key, klen) == 0)
		return s->rec;
	return NULL;
}

int gen_cache_put(struct gen_cache *gc, const void *owner, uint64_t gen, const void *key,
		  size_t klen, ProtobufCMessage *rec)
{
	if (klen > GEN_CACHE_KEY_MAX)
		return -ENAMETOOLONG;
	struct gen_cache_slot *s = slot(gc, key, klen);
	if (s->rec)
		protobuf_c_message_free_unpacked(s->rec, NULL);
	s->owner = owner;
	s->gen = gen;
	s->klen = klen;
	memcpy(s->key, key, klen);
	s->rec = rec;
	return 0;
}
