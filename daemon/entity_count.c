/* entity_count: per-account entity counters and AWS's account-wide quotas
 * (see entity.h). A counter is the decimal count under
 * "count/" ACCT "/" KIND in the meta database, updated in the transaction
 * that creates or deletes the entity, so CreateUser checks its quota with one
 * read and GetAccountSummary reads counts without a scan. A missing counter
 * is 0. entity_count_rebuild() recomputes every counter from the records
 * (the schema migration that introduced them). */
#include "entity.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "util/arena.h"

struct entity_kind_info {
	const char *key;          /* in "count/ACCT/KEY" */
	const char *quota_name;   /* AWS's name in the LimitExceeded message */
	uint32_t quota;
	enum store_db db;         /* records keyed ACCT "/" lower(name) */
};

static const struct entity_kind_info kinds[ENTITY_KIND__COUNT] = {
	[ENTITY_KIND_USER] = { "users", "UsersPerAccount", 5000, STORE_DB_USERS },
	[ENTITY_KIND_GROUP] = { "groups", "GroupsPerAccount", 300, STORE_DB_GROUPS },
	[ENTITY_KIND_ROLE] = { "roles", "RolesPerAccount", 1000, STORE_DB_ROLES },
	[ENTITY_KIND_POLICY] = { "policies", "PoliciesPerAccount", 1500, STORE_DB_POLICIES },
};

#define COUNT_KEY_MAX 64
#define COUNT_VAL_MAX 20

uint32_t entity_count_quota(enum entity_kind kind)
{
	return (unsigned)kind < ENTITY_KIND__COUNT ? kinds[kind].quota : 0;
}

static size_t count_key(char buf[COUNT_KEY_MAX], const char *acct, enum entity_kind kind)
{
	int n = snprintf(buf, COUNT_KEY_MAX, "count/%s/%s", acct, kinds[kind].key);
	return n > 0 && n < COUNT_KEY_MAX ? (size_t)n : 0;
}

/* A stored counter: 1..20 decimal digits, nothing else. */
static int count_parse(const struct store_val *v, uint64_t *ret)
{
	uint64_t n = 0;
	const char *p = v->data;
	if (v->len == 0 || v->len > COUNT_VAL_MAX)
		return -EIO;
	for (size_t i = 0; i < v->len; i++) {
		if (p[i] < '0' || p[i] > '9' || n > (UINT64_MAX - 9) / 10)
			return -EIO;
		n = n * 10 + (uint64_t)(p[i] - '0');
	}
	*ret = n;
	return 0;
}

static int count_txn_get(struct store_txn *t, const char *acct, enum entity_kind kind,
			 uint64_t *ret)
{
	char key[COUNT_KEY_MAX];
	struct store_val v;
	size_t klen;
	if ((unsigned)kind >= ENTITY_KIND__COUNT || !(klen = count_key(key, acct, kind)))
		return -EINVAL;
	int r = store_get(t, STORE_DB_META, key, klen, &v);
	if (r == -ENOENT) {
		*ret = 0;
		return 0;
	}
	if (r < 0)
		return r;
	return count_parse(&v, ret);
}

static int count_txn_set(struct store_txn *t, const char *acct, enum entity_kind kind,
			 uint64_t n)
{
	char key[COUNT_KEY_MAX], val[COUNT_VAL_MAX + 2];
	size_t klen = count_key(key, acct, kind);
	if (!klen)
		return -EINVAL;
	int vlen = snprintf(val, sizeof(val), "%" PRIu64, n);
	return store_put(t, STORE_DB_META, key, klen, val, (size_t)vlen, 0);
}

int entity_count_txn_add(struct store_txn *t, const char *acct, enum entity_kind kind,
			 int delta, uint64_t *ret)
{
	uint64_t n;
	int r = count_txn_get(t, acct, kind, &n);
	if (r < 0)
		return r;
	if (delta < 0)
		n = n >= (uint64_t)-(int64_t)delta ? n - (uint64_t)-(int64_t)delta : 0;
	else
		n += (uint64_t)delta;
	r = count_txn_set(t, acct, kind, n);
	if (r < 0)
		return r;
	if (ret)
		*ret = n;
	return 0;
}

int entity_count_add(struct call *c, enum entity_kind kind, int delta)
{
	return entity_count_txn_add(c->txn, entity_account(c), kind, delta, NULL);
}

int entity_count_get(struct call *c, enum entity_kind kind, uint64_t *ret)
{
	return count_txn_get(c->txn, entity_account(c), kind, ret);
}

int entity_count_check(struct call *c, enum entity_kind kind)
{
	uint64_t n;
	int r = entity_count_get(c, kind, &n);
	if (r < 0)
		return r;
	if (n <= kinds[kind].quota)
		return 0;
	return call_fail(c, -EDQUOT, "LimitExceeded", "Cannot exceed quota for %s: %" PRIu32,
			 kinds[kind].quota_name, kinds[kind].quota);
}

/* Counts the records of one kind, account by account (keys are
 * ACCT "/" name, sorted, so each account is one run), and writes the
 * counters. Counters of accounts with no record left are deleted first. */
static int count_rebuild_kind(struct store_txn *t, enum entity_kind kind)
{
	struct store_cursor *cur = NULL;
	struct store_val k;
	char acct[COUNT_KEY_MAX] = "";
	uint64_t n = 0;
	int r = store_cursor_open(t, kinds[kind].db, &cur);
	if (r < 0)
		return r;
	for (r = store_cursor_seek(cur, "", 0, &k, NULL); r == 0;
	     r = store_cursor_next(cur, &k, NULL)) {
		const char *slash = memchr(k.data, '/', k.len);
		size_t alen = slash ? (size_t)(slash - (const char *)k.data) : 0;
		if (!slash || alen != 12)
			continue;   /* "aws/" (AWS managed policies) has no counter */
		if (strlen(acct) != alen || memcmp(acct, k.data, alen) != 0) {
			if (acct[0] && (r = count_txn_set(t, acct, kind, n)) < 0)
				break;
			memcpy(acct, k.data, alen);
			acct[alen] = '\0';
			n = 0;
		}
		n++;
	}
	store_cursor_close(cur);
	if (r != -ENOENT && r < 0)
		return r;
	return acct[0] ? count_txn_set(t, acct, kind, n) : 0;
}

/* Deletes every "count/" key of the meta database. */
static int count_clear(struct store_txn *t)
{
	static const char prefix[] = "count/";
	const size_t plen = sizeof(prefix) - 1;
	char key[COUNT_KEY_MAX];
	struct store_val k;
	for (;;) {
		struct store_cursor *cur = NULL;
		int r = store_cursor_open(t, STORE_DB_META, &cur);
		if (r < 0)
			return r;
		r = store_cursor_seek(cur, prefix, plen, &k, NULL);
		bool found = r == 0 && k.len >= plen && k.len < COUNT_KEY_MAX &&
			     memcmp(k.data, prefix, plen) == 0;
		size_t klen = found ? k.len : 0;
		if (found)
			memcpy(key, k.data, klen);
		store_cursor_close(cur);
		if (r < 0 && r != -ENOENT)
			return r;
		if (!found)
			return 0;
		r = store_del(t, STORE_DB_META, key, klen);
		if (r < 0)
			return r;
	}
}

int entity_count_rebuild(struct store_txn *t)
{
	int r = count_clear(t);
	for (int k = 0; r >= 0 && k < ENTITY_KIND__COUNT; k++)
		r = count_rebuild_kind(t, (enum entity_kind)k);
	return r < 0 ? r : 0;
}
