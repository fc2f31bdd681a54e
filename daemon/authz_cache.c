/* authz_cache: what authorization keeps between calls (authz.h): compiled
 * principals in a bounded LRU keyed by "u:"/"r:"/"g:" account "/"
 * lower(name), uid bindings in direct-mapped slots, IAM resources' tags and
 * boundaries in 2-way sets keyed by ARN, and the one
 * struct policy_scratch the daemon decides with. Every entry records the
 * daemon generation it was built at and is rebuilt when that moved on. */
#include "authz.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common.pb-c.h"
#include "principal.h"
#include "util/arena.h"

struct centry {
	char *key;
	uint32_t hash;
	uint64_t gen;
	struct principal *p;
	int32_t next_hash;        /* chain in the bucket; -1 ends it */
	int32_t prev, next;       /* LRU list; head is the most recent */
};

/* One IAM resource's tags and boundary, in one malloc block. */
struct rentry {
	uint64_t gen;
	char *arn;
	size_t n_tags;
	char **keys, **values;    /* n_tags each; a NULL stays NULL */
	char *boundary;
};

struct authz_cache {
	struct centry *e;
	size_t cap, used;
	int32_t *buckets;         /* nbuckets (a power of two) heads, -1 empty */
	size_t nbuckets;
	int32_t head, tail;
	int32_t free_list;        /* unused entries chained through next */
	struct authz_binding bind[AUTHZ_BIND_SLOTS];
	struct rentry *res[AUTHZ_RESOURCE_SLOTS];   /* 2-way sets by ARN */
	struct policy_scratch scratch;
	uint64_t hits, misses;
	/* principals by ARN (authz_cache_by_arn), replaced in turn */
	struct {
		const struct principal *p;   /* NULL: empty */
		uint64_t gen;
	} arn_memo[AUTHZ_ARN_MEMO];
	unsigned arn_memo_next;
};

const struct principal *authz_cache_by_arn(const struct authz_cache *ac, const char *arn,
					   uint64_t gen)
{
	for (unsigned i = 0; i < AUTHZ_ARN_MEMO; i++) {
		const struct principal *p = ac->arn_memo[i].p;
		if (p && ac->arn_memo[i].gen == gen && p->arn && strcmp(p->arn, arn) == 0)
			return p;
	}
	return NULL;
}

void authz_cache_by_arn_put(struct authz_cache *ac, const struct principal *p, uint64_t gen)
{
	for (unsigned i = 0; i < AUTHZ_ARN_MEMO; i++)
		if (ac->arn_memo[i].p == p) {
			ac->arn_memo[i].gen = gen;
			return;
		}
	unsigned i = ac->arn_memo_next++ % AUTHZ_ARN_MEMO;
	ac->arn_memo[i].p = p;
	ac->arn_memo[i].gen = gen;
}

/* p is about to be freed: no longer found by its ARN. */
static void arn_memo_forget(struct authz_cache *ac, const struct principal *p)
{
	for (unsigned i = 0; i < AUTHZ_ARN_MEMO; i++)
		if (ac->arn_memo[i].p == p)
			ac->arn_memo[i].p = NULL;
}

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

int authz_cache_new(size_t cap, struct authz_cache **ret)
{
	struct authz_cache *ac = calloc(1, sizeof(*ac));
	if (!ac)
		return -ENOMEM;
	if (cap == 0)
		cap = AUTHZ_CACHE_PRINCIPALS;
	ac->cap = cap;
	ac->nbuckets = 1;
	while (ac->nbuckets < cap * 2)
		ac->nbuckets <<= 1;
	ac->e = calloc(cap, sizeof(*ac->e));
	ac->buckets = malloc(ac->nbuckets * sizeof(*ac->buckets));
	if (!ac->e || !ac->buckets) {
		authz_cache_free(ac);
		return -ENOMEM;
	}
	for (size_t i = 0; i < ac->nbuckets; i++)
		ac->buckets[i] = -1;
	for (size_t i = 0; i < cap; i++)
		ac->e[i].next = i + 1 < cap ? (int32_t)(i + 1) : -1;
	ac->free_list = 0;
	ac->head = ac->tail = -1;
	*ret = ac;
	return 0;
}

static void binding_clear(struct authz_binding *b)
{
	free(b->user_name);
	free(b->user_arn);
	free(b->user_id);
	memset(b, 0, sizeof(*b));
}

void authz_cache_free(struct authz_cache *ac)
{
	if (!ac)
		return;
	if (ac->e)
		for (size_t i = 0; i < ac->cap; i++) {
			free(ac->e[i].key);
			principal_free(ac->e[i].p);
		}
	for (size_t i = 0; i < AUTHZ_BIND_SLOTS; i++)
		binding_clear(&ac->bind[i]);
	for (size_t i = 0; i < AUTHZ_RESOURCE_SLOTS; i++)
		free(ac->res[i]);
	free(ac->e);
	free(ac->buckets);
	free(ac);
}

struct policy_scratch *authz_cache_scratch(struct authz_cache *ac)
{
	return &ac->scratch;
}

static void lru_unlink(struct authz_cache *ac, int32_t i)
{
	struct centry *e = &ac->e[i];
	if (e->prev >= 0)
		ac->e[e->prev].next = e->next;
	else
		ac->head = e->next;
	if (e->next >= 0)
		ac->e[e->next].prev = e->prev;
	else
		ac->tail = e->prev;
}

static void lru_push(struct authz_cache *ac, int32_t i)
{
	struct centry *e = &ac->e[i];
	e->prev = -1;
	e->next = ac->head;
	if (ac->head >= 0)
		ac->e[ac->head].prev = i;
	ac->head = i;
	if (ac->tail < 0)
		ac->tail = i;
}

static int32_t find(struct authz_cache *ac, const char *key, uint32_t h)
{
	for (int32_t i = ac->buckets[h & (ac->nbuckets - 1)]; i >= 0; i = ac->e[i].next_hash)
		if (ac->e[i].hash == h && strcmp(ac->e[i].key, key) == 0)
			return i;
	return -1;
}

struct principal *authz_cache_get(struct authz_cache *ac, const char *key, uint64_t gen)
{
	uint32_t h = hash_str(key);
	int32_t i = find(ac, key, h);
	if (i < 0 || ac->e[i].gen != gen) {
		ac->misses++;
		return NULL;
	}
	ac->hits++;
	if (ac->head != i) {
		lru_unlink(ac, i);
		lru_push(ac, i);
	}
	return ac->e[i].p;
}

static void unhash(struct authz_cache *ac, int32_t i)
{
	int32_t *pp = &ac->buckets[ac->e[i].hash & (ac->nbuckets - 1)];
	while (*pp >= 0 && *pp != i)
		pp = &ac->e[*pp].next_hash;
	if (*pp == i)
		*pp = ac->e[i].next_hash;
}

int authz_cache_put(struct authz_cache *ac, const char *key, uint64_t gen,
		    struct principal *p)
{
	uint32_t h = hash_str(key);
	int32_t i = find(ac, key, h);
	if (i >= 0) {   /* a stale entry: replace its principal */
		arn_memo_forget(ac, ac->e[i].p);
		principal_free(ac->e[i].p);
		ac->e[i].p = p;
		ac->e[i].gen = gen;
		if (ac->head != i) {
			lru_unlink(ac, i);
			lru_push(ac, i);
		}
		return 0;
	}
	char *k = strdup(key);
	if (!k)
		return -ENOMEM;
	if (ac->free_list >= 0) {
		i = ac->free_list;
		ac->free_list = ac->e[i].next;
		ac->used++;
	} else {   /* evict the least recently used */
		i = ac->tail;
		lru_unlink(ac, i);
		unhash(ac, i);
		free(ac->e[i].key);
		arn_memo_forget(ac, ac->e[i].p);
		principal_free(ac->e[i].p);
	}
	struct centry *e = &ac->e[i];
	e->key = k;
	e->hash = h;
	e->gen = gen;
	e->p = p;
	int32_t *b = &ac->buckets[h & (ac->nbuckets - 1)];
	e->next_hash = *b;
	*b = i;
	lru_push(ac, i);
	return 0;
}

void authz_cache_stats(const struct authz_cache *ac, size_t *ret_used,
		       uint64_t *ret_hits, uint64_t *ret_misses)
{
	*ret_used = ac->used;
	*ret_hits = ac->hits;
	*ret_misses = ac->misses;
}

struct authz_binding *authz_cache_binding(struct authz_cache *ac, uid_t uid)
{
	return &ac->bind[uid % AUTHZ_BIND_SLOTS];
}

int authz_binding_set(struct authz_binding *b, uid_t uid, uint64_t gen,
		      const char *account, const char *name, const char *arn,
		      const char *id)
{
	binding_clear(b);
	b->uid = uid;
	b->gen = gen;
	b->valid = true;
	if (!name)
		return 0;   /* known unbound */
	b->user_name = strdup(name);
	b->user_arn = strdup(arn);
	b->user_id = strdup(id);
	if (!b->user_name || !b->user_arn || !b->user_id || strlen(account) != 12) {
		binding_clear(b);
		return -ENOMEM;
	}
	memcpy(b->account, account, 13);
	b->bound = true;
	return 0;
}

/* ---- IAM resources ---- */

static size_t str_size(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

/* Copies s (NULL stays NULL) to *pos and advances it. */
static char *str_put(char **pos, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *d = memcpy(*pos, s, n);
	*pos += n;
	return d;
}

int authz_cache_resource_get(struct authz_cache *ac, const char *arn, uint64_t gen,
			     struct arena *a, struct Iam__Tag *const **ret_tags,
			     size_t *ret_n, const char **ret_boundary)
{
	struct rentry **set = &ac->res[hash_str(arn) % AUTHZ_RESOURCE_SLOTS & ~1u];
	const struct rentry *e = set[0];
	if (!e || e->gen != gen || strcmp(e->arn, arn) != 0) {
		e = set[1];
		if (!e || e->gen != gen || strcmp(e->arn, arn) != 0)
			return 0;
	}
	/* copies in the call's arena: a later miss may replace the entry */
	size_t size = e->n_tags * (sizeof(Iam__Tag *) + sizeof(Iam__Tag)) +
		      str_size(e->boundary);
	for (size_t i = 0; i < e->n_tags; i++)
		size += str_size(e->keys[i]) + str_size(e->values[i]);
	char *buf = arena_alloc(a, size ? size : 1);
	if (!buf)
		return -ENOMEM;
	Iam__Tag **tv = (Iam__Tag **)buf;
	Iam__Tag *tags = (Iam__Tag *)(buf + e->n_tags * sizeof(Iam__Tag *));
	char *pos = (char *)(tags + e->n_tags);
	for (size_t i = 0; i < e->n_tags; i++) {
		iam__tag__init(&tags[i]);
		tags[i].key = str_put(&pos, e->keys[i]);
		tags[i].value = str_put(&pos, e->values[i]);
		tv[i] = &tags[i];
	}
	*ret_tags = tv;
	*ret_n = e->n_tags;
	*ret_boundary = str_put(&pos, e->boundary);
	return 1;
}

int authz_cache_resource_put(struct authz_cache *ac, const char *arn, uint64_t gen,
			     struct Iam__Tag *const *tags, size_t n,
			     const char *boundary)
{
	size_t size = sizeof(struct rentry) + 2 * n * sizeof(char *) + str_size(arn) +
		      str_size(boundary);
	for (size_t i = 0; i < n; i++)
		size += str_size(tags[i]->key) + str_size(tags[i]->value);
	struct rentry *e = malloc(size);
	if (!e)
		return -ENOMEM;
	e->gen = gen;
	e->n_tags = n;
	e->keys = (char **)(e + 1);
	e->values = e->keys + n;
	char *pos = (char *)(e->values + n);
	e->arn = str_put(&pos, arn);
	e->boundary = str_put(&pos, boundary);
	for (size_t i = 0; i < n; i++) {
		e->keys[i] = str_put(&pos, tags[i]->key);
		e->values[i] = str_put(&pos, tags[i]->value);
	}
	/* two ways: the newest first; a stale or same-ARN entry goes first */
	struct rentry **set = &ac->res[hash_str(arn) % AUTHZ_RESOURCE_SLOTS & ~1u];
	int victim = 1;
	for (int w = 0; w < 2; w++)
		if (!set[w] || set[w]->gen != gen || strcmp(set[w]->arn, arn) == 0) {
			victim = w;
			break;
		}
	free(set[victim]);
	if (victim == 1)
		set[1] = set[0];
	set[0] = e;
	return 0;
}
