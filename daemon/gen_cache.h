/* gen_cache: decoded store records kept while the store stays at the
 * generation they were read at (iamd.h: every write committed through
 * dispatch bumps it, so a record changed, deleted or made again is read
 * anew). A direct-mapped table of slots keyed by bytes, one per kind of
 * record (authn.c's key owners and access keys, op_sts.c's roles); records
 * are protobuf-c messages unpacked with its own allocator, freed when their
 * slot is taken by another. iamd's loop thread only. A record got is
 * read-only, and valid only until another call runs: what outlives a keyd
 * await must be copied first (dispatch.h). */
#pragma once
#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

#define GEN_CACHE_KEY_MAX 256

struct gen_cache_slot {
	const void *owner;   /* the daemon whose store it came from */
	uint64_t gen;
	size_t klen;
	char key[GEN_CACHE_KEY_MAX];
	ProtobufCMessage *rec;   /* NULL: empty */
};

struct gen_cache {
	struct gen_cache_slot *slots;
	size_t n;
};
#define GEN_CACHE_INIT(slots) { (slots), sizeof(slots) / sizeof((slots)[0]) }

/* The record kept for key[0, klen) of `owner` at `gen`, or NULL. */
ProtobufCMessage *gen_cache_get(const struct gen_cache *gc, const void *owner, uint64_t gen,
				const void *key, size_t klen);
/* Keeps `rec` (unpacked with protobuf-c's own allocator) for key[0, klen),
 * freeing what its slot held. 0, or -ENAMETOOLONG when the key is longer
 * than GEN_CACHE_KEY_MAX: then nothing is kept and `rec` stays the
 * caller's. */
int gen_cache_put(struct gen_cache *gc, const void *owner, uint64_t gen, const void *key,
		  size_t klen, ProtobufCMessage *rec);
