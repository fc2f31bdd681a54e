/* arena: bump allocation for per-request memory (see arena.h). */
#include "util/arena.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 16
#define ARENA_DEFAULT (16 * 1024)
#define ARENA_MAX_ALLOC ((size_t)1 << 30)

struct chunk {
	struct chunk *next;
	size_t size;   /* usable bytes in data[] */
	size_t used;
	unsigned char data[] __attribute__((aligned(ARENA_ALIGN)));
};

struct arena {
	struct chunk *head;   /* current chunk; the first one is last in the list */
	struct chunk *first;
	size_t used_total;
};

static struct chunk *chunk_new(size_t size)
{
	struct chunk *c = malloc(sizeof(*c) + size);
	if (!c)
		return NULL;
	c->next = NULL;
	c->size = size;
	c->used = 0;
	return c;
}

int arena_new(size_t initial, struct arena **ret)
{
	struct arena *a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->first = chunk_new(initial ? initial : ARENA_DEFAULT);
	if (!a->first) {
		free(a);
		return -ENOMEM;
	}
	a->head = a->first;
	*ret = a;
	return 0;
}

void arena_reset(struct arena *a)
{
	if (!a)
		return;
	struct chunk *c = a->head;
	while (c && c != a->first) {
		struct chunk *next = c->next;
		free(c);
		c = next;
	}
	a->head = a->first;
	a->first->used = 0;
	a->used_total = 0;
}

void arena_reset_wipe(struct arena *a)
{
	if (!a)
		return;
	for (struct chunk *c = a->head; c; c = c->next)
		explicit_bzero(c->data, c->used);
	arena_reset(a);
}

void arena_free(struct arena *a)
{
	if (!a)
		return;
	arena_reset(a);
	free(a->first);
	free(a);
}

void *arena_alloc(struct arena *a, size_t size)
{
	if (size > ARENA_MAX_ALLOC)
		return NULL;
	size_t need = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (need == 0)
		need = ARENA_ALIGN;
	struct chunk *c = a->head;
	if (c->size - c->used < need) {
		size_t sz = a->first->size * 2;
		if (sz < need)
			sz = need;
		struct chunk *n = chunk_new(sz);
		if (!n)
			return NULL;
		n->next = a->head;
		a->head = n;
		c = n;
	}
	void *p = c->data + c->used;
	c->used += need;
	a->used_total += need;
	return p;
}

void *arena_zalloc(struct arena *a, size_t size)
{
	void *p = arena_alloc(a, size);
	if (p)
		memset(p, 0, size);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *arena_concat(struct arena *a, ...)
{
	va_list ap;
	size_t n = 0;
	const char *piece;
	va_start(ap, a);
	while ((piece = va_arg(ap, const char *)))
		n += strlen(piece);
	va_end(ap);
	char *p = arena_alloc(a, n + 1), *q = p;
	if (!p)
		return NULL;
	va_start(ap, a);
	while ((piece = va_arg(ap, const char *))) {
		size_t k = strlen(piece);
		memcpy(q, piece, k);
		q += k;
	}
	va_end(ap);
	*q = '\0';
	return p;
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	char small[256];
	va_list ap;

	/* One formatting pass for the common short string: measuring first with
	 * vsnprintf(NULL, 0) costs as much as formatting. */
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	if ((size_t)n < sizeof(small))
		return arena_strndup(a, small, (size_t)n);
	char *p = arena_alloc(a, (size_t)n + 1);
	if (!p)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

size_t arena_used(const struct arena *a)
{
	return a->used_total;
}
