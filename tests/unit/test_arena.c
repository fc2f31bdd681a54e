/* Unit tests for lib/util/arena. */
#include "util/arena.h"
#include "../tap.h"
#include <stdint.h>

int main(void)
{
	struct arena *a = NULL;
	tap_ok(arena_new(64, &a) == 0 && a, "arena_new");
	char *s = arena_strdup(a, "hello");
	TAP_IS_STR(s, "hello", "strdup copies");
	tap_ok(((uintptr_t)arena_alloc(a, 3) & 15) == 0, "allocations are 16-byte aligned");
	void *big = arena_alloc(a, 100000);
	tap_ok(big != NULL, "allocation larger than the first chunk");
	memset(big, 0xab, 100000);
	char *p = arena_printf(a, "%s-%d", "x", 42);
	TAP_IS_STR(p, "x-42", "printf formats");
	tap_ok(arena_used(a) >= 100000, "used counts bytes");
	arena_reset(a);
	TAP_IS_INT(arena_used(a), 0, "reset empties");
	tap_ok(arena_alloc(a, (size_t)1 << 40) == NULL, "absurd size refused");
	unsigned char *z = arena_zalloc(a, 32);
	int zero = 1;
	for (int i = 0; i < 32; i++)
		zero &= z[i] == 0;
	tap_ok(zero, "zalloc zeroes");
	/* arena_reset_wipe(): every byte handed out is zero before reuse; the
	 * first chunk stays, so its bytes can be looked at afterwards */
	arena_reset(a);
	unsigned char *sec = arena_alloc(a, 48);
	memset(sec, 'S', 48);
	(void)arena_alloc(a, 200000);   /* a second chunk, freed by the reset */
	arena_reset_wipe(a);
	int wiped = 1;
	for (int i = 0; i < 48; i++)
		wiped &= sec[i] == 0;
	tap_ok(wiped, "reset_wipe zeroes what was handed out");
	TAP_IS_INT(arena_used(a), 0, "reset_wipe empties");
	tap_ok(arena_alloc(a, 48) == sec, "reset_wipe keeps the first chunk");
	/* arena_concat: printf-free joins */
	TAP_IS_STR(arena_concat(a, "arn:aws:sts::", "111122223333", ":assumed-role/", "r", "/",
				"s", NULL),
		   "arn:aws:sts::111122223333:assumed-role/r/s", "concat joins its pieces");
	TAP_IS_STR(arena_concat(a, NULL), "", "concat of nothing: empty");
	TAP_IS_STR(arena_concat(a, "", "x", "", NULL), "x", "empty pieces add nothing");
	char longer[3000];
	memset(longer, 'L', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	char *cl = arena_concat(a, longer, "+", longer, NULL);
	tap_ok(cl && strlen(cl) == 2 * (sizeof(longer) - 1) + 1 && cl[sizeof(longer) - 1] == '+',
	       "concat of long pieces");
	arena_reset_wipe(NULL);
	arena_free(a);
	arena_free(NULL);
	return tap_done();
}
