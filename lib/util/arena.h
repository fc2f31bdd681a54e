/* arena: a bump allocator that owns everything one request decodes and
 * builds. arena_reset() frees it all at once and keeps the first chunk, so a
 * steady stream of requests allocates nothing from malloc. Not thread-safe:
 * one arena per connection or per call. */
#pragma once
#include <stddef.h>

struct arena;

/* A new arena whose first chunk holds `initial` bytes (0: 16 KiB). */
int arena_new(size_t initial, struct arena **ret);
void arena_free(struct arena *a);                /* accepts NULL */
/* Releases every allocation; keeps the first chunk for reuse. */
void arena_reset(struct arena *a);
/* arena_reset() after wiping every byte handed out: for a call that held a
 * secret (accepts NULL). */
void arena_reset_wipe(struct arena *a);
/* 16-byte aligned memory, or NULL when size is absurd or malloc fails. */
void *arena_alloc(struct arena *a, size_t size);
void *arena_zalloc(struct arena *a, size_t size);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The concatenation of the strings up to a NULL (NULL pieces: none may
 * be), without printf's cost: for ARNs and ids on a per-call path. NULL
 * when memory runs out. */
char *arena_concat(struct arena *a, ...) __attribute__((sentinel));
/* Bytes handed out since the last reset (for tests and stats). */
size_t arena_used(const struct arena *a);
