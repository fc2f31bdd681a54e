/* Unit tests for lib/store: real LMDB in a temp dir. */
#include "store/store.h"
#include "../tap.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[256];

static void rm_dir(const char *d)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/data.mdb", d);
	unlink(p);
	snprintf(p, sizeof(p), "%s/lock.mdb", d);
	unlink(p);
	rmdir(d);
}

static int put_str(struct store_txn *t, enum store_db db, const char *k,
		   const char *v, unsigned flags)
{
	return store_put(t, db, k, strlen(k), v, strlen(v), flags);
}

static int get_eq(struct store *s, enum store_db db, const char *k, const char *want)
{
	struct store_txn *t = NULL;
	struct store_val v;
	int ok = 0;
	if (store_txn_begin(s, false, &t) < 0)
		return 0;
	int r = store_get(t, db, k, strlen(k), &v);
	if (want == NULL)
		ok = r == -ENOENT;
	else
		ok = r == 0 && v.len == strlen(want) && memcmp(v.data, want, v.len) == 0;
	store_txn_abort(t);
	return ok;
}

static void test_basic(void)
{
	struct store *s = NULL;
	struct store_txn *t = NULL;
	struct store_val v;
	bool created = false;

	TAP_IS_INT(store_open(dir, NULL, &s, &created), 0, "open creates the environment");
	tap_ok(created, "created is reported on first open");
	TAP_IS_INT(store_txn_begin(s, true, &t), 0, "begin write txn");
	tap_ok(store_txn_is_write(t), "txn is a write txn");
	struct store_txn *t2 = NULL;
	TAP_IS_INT(store_txn_begin(s, true, &t2), -EBUSY, "a second writer is refused, not deadlocked");
	TAP_IS_INT(put_str(t, STORE_DB_USERS, "1/alice", "A", 0), 0, "put");
	TAP_IS_INT(put_str(t, STORE_DB_USERS, "1/bob", "B", 0), 0, "put another");
	TAP_IS_INT(put_str(t, STORE_DB_USERS, "1/carol", "C", 0), 0, "put a third");
	TAP_IS_INT(put_str(t, STORE_DB_GROUPS, "1/alice", "G", 0), 0, "same key in another db");
	TAP_IS_INT(put_str(t, STORE_DB_USERS, "1/alice", "X", STORE_NOOVERWRITE), -EEXIST,
		   "NOOVERWRITE on an existing key: -EEXIST");
	TAP_IS_INT(store_get(t, STORE_DB_USERS, "1/alice", 7, &v), 0, "get in the write txn");
	tap_ok(v.len == 1 && memcmp(v.data, "A", 1) == 0, "NOOVERWRITE kept the old value");
	TAP_IS_INT(store_txn_commit(t), 0, "commit");

	tap_ok(get_eq(s, STORE_DB_USERS, "1/bob", "B"), "committed value readable");
	tap_ok(get_eq(s, STORE_DB_GROUPS, "1/alice", "G"), "databases are separate");
	tap_ok(get_eq(s, STORE_DB_USERS, "1/dave", NULL), "missing key: -ENOENT");

	/* Two readers at once: the cached one and a second handle. */
	struct store_txn *r1 = NULL, *r2 = NULL;
	TAP_IS_INT(store_txn_begin(s, false, &r1), 0, "first reader");
	TAP_IS_INT(store_txn_begin(s, false, &r2), 0, "second concurrent reader");
	tap_ok(!store_txn_is_write(r1) && r1 != r2, "readers are read txns and distinct");
	TAP_IS_INT(put_str(r1, STORE_DB_USERS, "1/x", "x", 0), -EROFS, "put in a read txn refused");
	store_txn_abort(r2);
	TAP_IS_INT(store_txn_commit(r1), 0, "committing a read txn ends it");

	/* Abort leaves nothing. */
	TAP_IS_INT(store_txn_begin(s, true, &t), 0, "begin write txn again");
	TAP_IS_INT(put_str(t, STORE_DB_USERS, "1/eve", "E", 0), 0, "put eve");
	TAP_IS_INT(store_del(t, STORE_DB_USERS, "1/bob", 5), 0, "del bob");
	TAP_IS_INT(store_del(t, STORE_DB_USERS, "1/nobody", 8), -ENOENT, "del missing: -ENOENT");
	store_txn_abort(t);
	tap_ok(get_eq(s, STORE_DB_USERS, "1/eve", NULL), "aborted put is not there");
	tap_ok(get_eq(s, STORE_DB_USERS, "1/bob", "B"), "aborted del is not applied");

	/* Cursor: order, seek, end. */
	TAP_IS_INT(store_txn_begin(s, false, &t), 0, "read txn for cursor");
	struct store_cursor *c = NULL;
	struct store_val k;
	TAP_IS_INT(store_cursor_open(t, STORE_DB_USERS, &c), 0, "cursor open");
	TAP_IS_INT(store_cursor_seek(c, "1/b", 3, &k, &v), 0, "seek to first key >= 1/b");
	tap_ok(k.len == 5 && memcmp(k.data, "1/bob", 5) == 0, "seek lands on 1/bob");
	TAP_IS_INT(store_cursor_next(c, &k, &v), 0, "next");
	tap_ok(k.len == 7 && memcmp(k.data, "1/carol", 7) == 0 && v.len == 1 &&
	       memcmp(v.data, "C", 1) == 0, "next is 1/carol with its value");
	TAP_IS_INT(store_cursor_next(c, &k, &v), -ENOENT, "end of db: -ENOENT");
	TAP_IS_INT(store_cursor_seek(c, "1/zzz", 5, &k, &v), -ENOENT, "seek past the end: -ENOENT");
	TAP_IS_INT(store_cursor_seek(c, "", 0, &k, &v), 0, "seek to the start");
	tap_ok(k.len == 7 && memcmp(k.data, "1/alice", 7) == 0, "start is 1/alice");
	store_cursor_close(c);
	/* A cursor left open is closed with its txn (ASan checks no leak). */
	TAP_IS_INT(store_cursor_open(t, STORE_DB_GROUPS, &c), 0, "second cursor");
	store_txn_abort(t);
	store_cursor_close(NULL);
	store_close(s);
	store_close(NULL);

	/* Reopen keeps the data. */
	s = NULL;
	TAP_IS_INT(store_open(dir, NULL, &s, &created), 0, "reopen");
	tap_ok(!created, "reopen does not report creation");
	tap_ok(get_eq(s, STORE_DB_USERS, "1/alice", "A") && get_eq(s, STORE_DB_USERS, "1/carol", "C"),
	       "data survives close and reopen");
	tap_ok(get_eq(s, STORE_DB_USERS, "1/eve", NULL), "aborted data still absent after reopen");
	store_close(s);
}

/* Many read txns in a row reuse one handle (no growth in reader slots). */
static void test_read_renew(void)
{
	struct store *s = NULL;
	struct store_options o = { .map_size = 0, .max_readers = 4 };
	TAP_IS_INT(store_open(dir, &o, &s, NULL), 0, "open with 4 reader slots");
	int ok = 1;
	for (int i = 0; i < 10000 && ok; i++) {
		struct store_txn *t = NULL;
		struct store_val v;
		ok = store_txn_begin(s, false, &t) == 0 &&
		     store_get(t, STORE_DB_USERS, "1/alice", 7, &v) == 0;
		if (t)
			store_txn_abort(t);
	}
	tap_ok(ok, "10000 read txns with 4 reader slots: the handle is renewed");
	store_close(s);
}

/* A tiny map fills up: -ENOSPC, nothing half-applied, store still usable. */
static void test_map_full(void)
{
	char d2[300];
	snprintf(d2, sizeof(d2), "%s/small", dir);
	struct store *s = NULL;
	struct store_options o = { .map_size = 64 * 1024 };
	TAP_IS_INT(store_open(d2, &o, &s, NULL), 0, "open with a 64 KiB map");

	struct store_txn *t = NULL;
	char key[32], val[1000];
	memset(val, 'v', sizeof(val));
	TAP_IS_INT(store_txn_begin(s, true, &t), 0, "begin");
	TAP_IS_INT(put_str(t, STORE_DB_META, "keep", "me", 0), 0, "put a record to keep");
	TAP_IS_INT(store_txn_commit(t), 0, "commit it");

	/* One txn writes until the map is full: all of it must vanish. */
	TAP_IS_INT(store_txn_begin(s, true, &t), 0, "begin a big txn");
	int r = 0, i;
	for (i = 0; i < 1000 && r == 0; i++) {
		snprintf(key, sizeof(key), "big%04d", i);
		r = store_put(t, STORE_DB_USERS, key, strlen(key), val, sizeof(val), 0);
	}
	TAP_IS_INT(r, -ENOSPC, "filling the map: -ENOSPC");
	TAP_IS_INT(put_str(t, STORE_DB_USERS, "after", "x", 0), -ENOSPC,
		   "the failed txn refuses further writes");
	TAP_IS_INT(store_txn_commit(t), -ENOSPC, "its commit reports the error");
	tap_ok(get_eq(s, STORE_DB_USERS, "big0000", NULL), "nothing of the failed txn was applied");
	tap_ok(get_eq(s, STORE_DB_META, "keep", "me"), "earlier data intact");

	/* Committed txns one by one until full: the last good one stays. */
	int last = -1;
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "k%04d", i);
		if (store_txn_begin(s, true, &t) < 0)
			break;
		r = store_put(t, STORE_DB_USERS, key, strlen(key), val, sizeof(val), 0);
		if (r == 0)
			r = store_txn_commit(t);
		else
			store_txn_abort(t);
		if (r < 0)
			break;
		last = i;
	}
	TAP_IS_INT(r, -ENOSPC, "small commits fill the map: -ENOSPC");
	tap_ok(last > 0, "some commits fitted before");
	snprintf(key, sizeof(key), "k%04d", last);
	struct store_txn *rt = NULL;
	struct store_val v;
	tap_ok(store_txn_begin(s, false, &rt) == 0 &&
	       store_get(rt, STORE_DB_USERS, key, strlen(key), &v) == 0 && v.len == sizeof(val),
	       "the last committed record is intact");
	store_txn_abort(rt);
	/* The full store still reads, and a write that fails leaves it as it
	 * was; reopened with a larger map it takes writes again. */
	tap_ok(get_eq(s, STORE_DB_META, "keep", "me"), "full store still serves reads");
	store_close(s);
	s = NULL;
	o.map_size = 256 * 1024;
	TAP_IS_INT(store_open(d2, &o, &s, NULL), 0, "reopen the full store with a larger map");
	TAP_IS_INT(store_txn_begin(s, true, &t), 0, "begin after growing");
	TAP_IS_INT(store_del(t, STORE_DB_USERS, "k0000", 5), 0, "delete");
	TAP_IS_INT(put_str(t, STORE_DB_META, "small", "ok", 0), 0, "put");
	TAP_IS_INT(store_txn_commit(t), 0, "commit");
	tap_ok(get_eq(s, STORE_DB_META, "keep", "me") && get_eq(s, STORE_DB_META, "small", "ok") &&
	       get_eq(s, STORE_DB_USERS, "k0000", NULL), "store is consistent and writable");
	snprintf(key, sizeof(key), "k%04d", last);
	tap_ok(store_txn_begin(s, false, &rt) == 0 &&
	       store_get(rt, STORE_DB_USERS, key, strlen(key), &v) == 0 && v.len == sizeof(val),
	       "the last record committed before the map filled is there");
	store_txn_abort(rt);
	store_close(s);
	rm_dir(d2);
}

int main(void)
{
	static char base[128];
	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp || strlen(tmp) > 80)
		tmp = "/tmp";
	snprintf(base, sizeof(base), "%s/test_store.XXXXXX", tmp);
	if (!mkdtemp(base)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s/db", base);
	struct store *s = NULL;
	TAP_IS_INT(store_open("/nonexistent/x/y", NULL, &s, NULL), -ENOENT,
		   "open in a missing parent dir fails cleanly");
	test_basic();
	test_read_renew();
	test_map_full();
	rm_dir(dir);
	rmdir(base);
	return tap_done();
}
