/* Unit tests for daemon/gen_cache: a kept record is found only for its
 * key, owner and generation; a slot taken by another key frees what it held
 * (AddressSanitizer's leak check at exit would see a record lost); a key
 * too long is refused and left to the caller. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api.pb-c.h"
#include "store.pb-c.h"
#include "gen_cache.h"
#include "../tap.h"

static Iam__UserRecord *user(const char *name)
{
	Iam__UserRecord r = IAM__USER_RECORD__INIT;
	Iam__User u = IAM__USER__INIT;
	u.user_name = (char *)name;
	r.user = &u;
	size_t n = iam__user_record__get_packed_size(&r);
	uint8_t *buf = malloc(n);
	iam__user_record__pack(&r, buf);
	Iam__UserRecord *rec = iam__user_record__unpack(NULL, n, buf);
	free(buf);
	return rec;
}

static const char *name_of(ProtobufCMessage *m)
{
	return m ? ((Iam__UserRecord *)m)->user->user_name : NULL;
}

int main(void)
{
	static struct gen_cache_slot slots[1];   /* one slot: every key collides */
	struct gen_cache gc = GEN_CACHE_INIT(slots);
	static int owner_a, owner_b;   /* two daemons, by address */
	tap_ok(gen_cache_get(&gc, &owner_a, 1, "k1", 2) == NULL, "an empty cache keeps nothing");
	tap_ok(gen_cache_put(&gc, &owner_a, 1, "k1", 2, &user("alice")->base) == 0, "put");
	TAP_IS_STR(name_of(gen_cache_get(&gc, &owner_a, 1, "k1", 2)), "alice", "found again");
	tap_ok(gen_cache_get(&gc, &owner_a, 2, "k1", 2) == NULL, "not at another generation");
	tap_ok(gen_cache_get(&gc, &owner_b, 1, "k1", 2) == NULL, "not for another daemon");
	tap_ok(gen_cache_get(&gc, &owner_a, 1, "k2", 2) == NULL, "not for another key");
	tap_ok(gen_cache_get(&gc, &owner_a, 1, "k", 1) == NULL, "not for a prefix of the key");
	tap_ok(gen_cache_put(&gc, &owner_a, 1, "k2", 2, &user("bob")->base) == 0,
	       "another key takes the slot (alice is freed)");
	TAP_IS_STR(name_of(gen_cache_get(&gc, &owner_a, 1, "k2", 2)), "bob", "bob is found");
	tap_ok(gen_cache_get(&gc, &owner_a, 1, "k1", 2) == NULL, "alice is not");
	char big[GEN_CACHE_KEY_MAX + 1];
	memset(big, 'x', sizeof(big));
	Iam__UserRecord *carol = user("carol");
	tap_ok(gen_cache_put(&gc, &owner_a, 1, big, sizeof(big), &carol->base) == -ENAMETOOLONG,
	       "a key above GEN_CACHE_KEY_MAX is refused");
	TAP_IS_STR(name_of(gen_cache_get(&gc, &owner_a, 1, "k2", 2)), "bob", "... and bob stays");
	tap_ok(gen_cache_get(&gc, &owner_a, 1, big, sizeof(big)) == NULL, "... and is never found");
	iam__user_record__free_unpacked(carol, NULL);   /* still the caller's */
	tap_ok(gen_cache_put(&gc, &owner_a, 1, big, GEN_CACHE_KEY_MAX, &user("dave")->base) == 0,
	       "a key of exactly GEN_CACHE_KEY_MAX bytes is kept");
	TAP_IS_STR(name_of(gen_cache_get(&gc, &owner_a, 1, big, GEN_CACHE_KEY_MAX)), "dave",
		   "... and found");
	protobuf_c_message_free_unpacked(slots[0].rec, NULL);   /* the last one, at exit */
	return tap_done();
}
