/* bench_seed: fills a STOPPED iamd's store with IAM users, straight into
 * LMDB, for benchmarks that need a big store (CreateUser enforces AWS's
 * UsersPerAccount quota of 5,000; the counters only guard CreateUser).
 *
 *   bench_seed --db STATE_DIR/db --account ACCT --users N [--prefix P]
 *
 * writes, in the store iamd created (it must hold the "meta" record), users
 * P000000 .. P(N-1) (at least 6 digits) with path /seed/, tags
 * team=t(i % 4) and cost-center=cc(i % 10), exactly as CreateUser stores
 * them (daemon/entity.c): a UserRecord under ACCT "/" lower(name), the
 * user_ids index id -> that key, and adds N to the account's counter
 * "count/ACCT/users" in the meta database (daemon/entity_count.c). Refuses
 * a name that exists. Prints `seeded N users in ACCT`. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common.pb-c.h"
#include "iam.pb-c.h"
#include "store.pb-c.h"
#include "store/store.h"
#include "util/id.h"
#include "util/name.h"

#define BATCH 20000   /* users per write transaction */

static int fail(const char *what, int r)
{
	fprintf(stderr, "bench_seed: %s: %s\n", what, strerror(-r));
	return 1;
}

/* acct "/" lower(name), as entity_key(). */
static size_t user_key(char *buf, size_t cap, const char *acct, const char *name)
{
	int n = snprintf(buf, cap, "%s/%s", acct, name);
	if (n < 0 || (size_t)n >= cap)
		return 0;
	util_name_fold(buf + strlen(acct) + 1, name, strlen(name));
	return (size_t)n;
}

static int count_add(struct store_txn *t, const char *acct, uint64_t add)
{
	char key[64], val[24];
	struct store_val v;
	uint64_t n = 0;
	int kl = snprintf(key, sizeof(key), "count/%s/users", acct);
	int r = store_get(t, STORE_DB_META, key, (size_t)kl, &v);
	if (r == 0) {
		if (v.len == 0 || v.len > 20)
			return -EIO;
		for (size_t i = 0; i < v.len; i++) {
			char ch = ((const char *)v.data)[i];
			if (ch < '0' || ch > '9')
				return -EIO;
			n = n * 10 + (uint64_t)(ch - '0');
		}
	} else if (r != -ENOENT) {
		return r;
	}
	int vl = snprintf(val, sizeof(val), "%" PRIu64, n + add);
	return store_put(t, STORE_DB_META, key, (size_t)kl, val, (size_t)vl, 0);
}

static int put_user(struct store_txn *t, const char *acct, const char *prefix,
		    unsigned i, int64_t now)
{
	char name[80], id[UTIL_ID_LEN + 1], arn[200], key[256];
	char team[8], cc[8];
	uint8_t buf[1024];
	snprintf(name, sizeof(name), "%s%06u", prefix, i);
	snprintf(arn, sizeof(arn), "arn:aws:iam::%s:user/seed/%s", acct, name);
	snprintf(team, sizeof(team), "t%u", i % 4);
	snprintf(cc, sizeof(cc), "cc%u", i % 10);
	int r = util_id_new(UTIL_ID_USER, id);
	if (r < 0)
		return r;
	Iam__Tag tags[2] = { IAM__TAG__INIT, IAM__TAG__INIT };
	Iam__Tag *tagv[2] = { &tags[0], &tags[1] };
	tags[0].key = "team";
	tags[0].value = team;
	tags[1].key = "cost-center";
	tags[1].value = cc;
	Iam__User u = IAM__USER__INIT;
	u.path = "/seed/";
	u.user_name = name;
	u.user_id = id;
	u.arn = arn;
	u.has_create_date = 1;
	u.create_date = now;
	u.tags = tagv;
	u.n_tags = 2;
	Iam__UserRecord rec = IAM__USER_RECORD__INIT;
	rec.user = &u;
	size_t len = iam__user_record__get_packed_size(&rec);
	size_t kl = user_key(key, sizeof(key), acct, name);
	if (len > sizeof(buf) || !kl)
		return -E2BIG;
	iam__user_record__pack(&rec, buf);
	r = store_put(t, STORE_DB_USERS, key, kl, buf, len, STORE_NOOVERWRITE);
	if (r < 0)
		return r;
	return store_put(t, STORE_DB_USER_IDS, id, strlen(id), key, kl, 0);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "account", required_argument, NULL, 'a' },
		{ "users", required_argument, NULL, 'n' },
		{ "prefix", required_argument, NULL, 'p' },
		{ 0 },
	};
	const char *db = NULL, *acct = NULL, *prefix = "u";
	unsigned long n = 0;
	struct store *s = NULL;
	struct store_txn *t = NULL;
	struct store_val v;
	bool created = false;
	int o, r;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'd': db = optarg; break;
		case 'a': acct = optarg; break;
		case 'n': n = strtoul(optarg, NULL, 10); break;
		case 'p': prefix = optarg; break;
		default: return 2;
		}
	}
	if (!db || !acct || !util_account_id_valid(acct) || n == 0 || n > 10000000 ||
	    strlen(prefix) > 40) {
		fprintf(stderr, "usage: bench_seed --db DIR --account ACCT --users N "
			"[--prefix P]\n");
		return 2;
	}
	struct store_options so = { 0 };
	r = store_open(db, &so, &s, &created);
	if (r < 0)
		return fail(db, r);
	if (created) {
		store_close(s);
		fprintf(stderr, "bench_seed: %s held no store (start iamd on it once)\n", db);
		return 1;
	}
	r = store_txn_begin(s, false, &t);
	if (r == 0)
		r = store_get(t, STORE_DB_META, "meta", 4, &v);
	store_txn_abort(t);
	t = NULL;
	if (r < 0) {
		store_close(s);
		return fail("the store's meta record", r);
	}
	int64_t now = (int64_t)time(NULL);
	for (unsigned long i = 0; i < n && r == 0;) {
		unsigned long end = i + BATCH < n ? i + BATCH : n;
		r = store_txn_begin(s, true, &t);
		if (r < 0)
			break;
		for (unsigned long k = i; k < end && r == 0; k++)
			r = put_user(t, acct, prefix, (unsigned)k, now);
		if (r == 0)
			r = count_add(t, acct, end - i);
		if (r == 0)
			r = store_txn_commit(t);
		else
			store_txn_abort(t);
		t = NULL;
		i = end;
	}
	store_close(s);
	if (r < 0)
		return fail(r == -EEXIST ? "a seeded name exists" : "writing users", r);
	printf("seeded %lu users in %s\n", n, acct);
	return 0;
}
