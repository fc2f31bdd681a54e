/* store_lmdb: the entity store on LMDB (see store.h). The only file that
 * includes lmdb.h: LMDB's types and error codes stop here.
 *
 * One environment per store, MDB_NOTLS (transactions are not tied to a
 * thread), durable commits (no MDB_NOSYNC, no MDB_WRITEMAP), a forced sync
 * when the environment is created. Read transactions are reset and renewed
 * from one cached handle, so a steady stream of reads allocates nothing.
 * A failed write (map or disk full, I/O error) aborts the write transaction
 * at once: later operations and the commit return the same error, so nothing
 * is ever half-applied. */
#include "store/store.h"

#include <errno.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define STORE_DEFAULT_MAP_SIZE ((size_t)1 << 30)
#define STORE_DEFAULT_READERS 126
#define STORE_MAX_DBS 64          /* room for DBs added later */

/* The names of the databases, in enum store_db order. Never rename one. */
static const char *const store_db_names[STORE_DB__COUNT] = {
	[STORE_DB_META] = "meta",
	[STORE_DB_ACCOUNTS] = "accounts",
	[STORE_DB_USERS] = "users",
	[STORE_DB_USER_IDS] = "user_ids",
	[STORE_DB_GROUPS] = "groups",
	[STORE_DB_GROUP_IDS] = "group_ids",
	[STORE_DB_USER_GROUPS] = "user_groups",
	[STORE_DB_GROUP_USERS] = "group_users",
	[STORE_DB_ROLES] = "roles",
	[STORE_DB_ROLE_IDS] = "role_ids",
	[STORE_DB_POLICIES] = "policies",
	[STORE_DB_POLICY_IDS] = "policy_ids",
	[STORE_DB_INLINE_POLICIES] = "inline_policies",
	[STORE_DB_ATTACHMENTS] = "attachments",
	[STORE_DB_POLICY_ATTACHMENTS] = "policy_attachments",
	[STORE_DB_LOCAL_BINDINGS] = "local_bindings",
	[STORE_DB_ACCESS_KEYS] = "access_keys",
	[STORE_DB_USER_ACCESS_KEYS] = "user_access_keys",
	[STORE_DB_INSTANCE_PROFILES] = "instance_profiles",
	[STORE_DB_ROLE_INSTANCE_PROFILES] = "role_instance_profiles",
	[STORE_DB_HOST_ASSOCIATIONS] = "host_associations",
	[STORE_DB_MFA_DEVICES] = "mfa_devices",
	[STORE_DB_USER_MFA_DEVICES] = "user_mfa_devices",
	[STORE_DB_LOGIN_PROFILES] = "login_profiles",
	[STORE_DB_CREDENTIAL_REPORTS] = "credential_reports",
	[STORE_DB_SSH_PUBLIC_KEYS] = "ssh_public_keys",
	[STORE_DB_OIDC_PROVIDERS] = "oidc_providers",
	[STORE_DB_SAML_PROVIDERS] = "saml_providers",
};

struct store_cursor {
	struct store_txn *t;
	MDB_cursor *cur;
	struct store_cursor *next;    /* the txn's open cursors */
};

struct store_txn {
	struct store *s;
	MDB_txn *txn;                 /* NULL once aborted after an error */
	bool write;
	bool cached;                  /* embedded in the store: never freed */
	int err;                      /* sticky error of a write txn */
	struct store_cursor *cursors;
};

struct store {
	MDB_env *env;
	MDB_dbi dbi[STORE_DB__COUNT];
	MDB_txn *rtxn;                /* cached read txn, reset when idle */
	struct store_txn rt;          /* wraps rtxn while in use */
	struct store_txn wt;          /* the write txn (LMDB reuses its own) */
	bool rt_busy;
	bool wt_busy;                 /* LMDB allows one write txn */
};

static int store_errno(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:
		return 0;
	case MDB_NOTFOUND:
		return -ENOENT;
	case MDB_KEYEXIST:
		return -EEXIST;
	case MDB_MAP_FULL:
	case MDB_TXN_FULL:
	case ENOSPC:
	case EDQUOT:
		return -ENOSPC;
	case MDB_BAD_VALSIZE:
		return -EINVAL;       /* key too long or empty: caller's error */
	case ENOMEM:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

static int store_dbs_open(struct store *s)
{
	MDB_txn *txn = NULL;
	int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc)
		return store_errno(rc);
	for (int i = 0; i < STORE_DB__COUNT; i++) {
		rc = mdb_dbi_open(txn, store_db_names[i], MDB_CREATE, &s->dbi[i]);
		if (rc) {
			mdb_txn_abort(txn);
			return store_errno(rc);
		}
	}
	return store_errno(mdb_txn_commit(txn));
}

int store_open(const char *dir, const struct store_options *opt,
	       struct store **ret, bool *ret_created)
{
	struct store *s = NULL;
	char *data_path = NULL;
	struct stat st;
	bool created;
	int r;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	size_t n = strlen(dir) + sizeof("/data.mdb");
	data_path = malloc(n);
	if (!data_path)
		return -ENOMEM;
	snprintf(data_path, n, "%s/data.mdb", dir);
	if (stat(data_path, &st) == 0)
		created = st.st_size == 0;
	else if (errno == ENOENT)
		created = true;
	else {
		r = -errno;
		goto out;
	}

	s = calloc(1, sizeof(*s));
	if (!s) {
		r = -ENOMEM;
		goto out;
	}
	r = store_errno(mdb_env_create(&s->env));
	if (r < 0)
		goto out;
	size_t map = opt && opt->map_size ? opt->map_size : STORE_DEFAULT_MAP_SIZE;
	unsigned readers = opt && opt->max_readers ? opt->max_readers
						   : STORE_DEFAULT_READERS;
	if ((r = store_errno(mdb_env_set_mapsize(s->env, map))) < 0 ||
	    (r = store_errno(mdb_env_set_maxdbs(s->env, STORE_MAX_DBS))) < 0 ||
	    (r = store_errno(mdb_env_set_maxreaders(s->env, readers))) < 0)
		goto out;
	int rc = mdb_env_open(s->env, dir, MDB_NOTLS, 0600);
	if (rc) {
		r = rc > 0 ? -rc : store_errno(rc);
		if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH)
			r = -EIO;
		goto out;
	}
	int dead = 0;
	mdb_reader_check(s->env, &dead);   /* slots of killed processes */
	r = store_dbs_open(s);
	if (r < 0)
		goto out;
	if (created) {
		r = store_errno(mdb_env_sync(s->env, 1));
		if (r < 0)
			goto out;
	}
	s->rt.s = s;
	s->rt.cached = true;
	s->wt.s = s;
	s->wt.cached = true;
	s->wt.write = true;
	*ret = s;
	if (ret_created)
		*ret_created = created;
	s = NULL;
	r = 0;
out:
	store_close(s);
	free(data_path);
	return r;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	if (s->rtxn)
		mdb_txn_abort(s->rtxn);
	if (s->env)
		mdb_env_close(s->env);
	free(s);
}

int store_txn_begin(struct store *s, bool write, struct store_txn **ret)
{
	struct store_txn *t;
	int rc;

	if (write) {
		if (s->wt_busy)
			return -EBUSY;   /* would deadlock: one writer at a time */
		t = &s->wt;
		rc = mdb_txn_begin(s->env, NULL, 0, &t->txn);
		if (rc)
			return store_errno(rc);
		t->err = 0;
		t->cursors = NULL;
		s->wt_busy = true;
		*ret = t;
		return 0;
	}
	if (!s->rt_busy) {
		rc = s->rtxn ? mdb_txn_renew(s->rtxn)
			     : mdb_txn_begin(s->env, NULL, MDB_RDONLY, &s->rtxn);
		if (rc) {
			if (s->rtxn) {
				mdb_txn_abort(s->rtxn);
				s->rtxn = NULL;
			}
			return store_errno(rc);
		}
		s->rt_busy = true;
		s->rt.txn = s->rtxn;
		s->rt.err = 0;
		s->rt.cursors = NULL;
		*ret = &s->rt;
		return 0;
	}
	/* A second concurrent reader: its own handle. */
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &t->txn);
	if (rc) {
		free(t);
		return store_errno(rc);
	}
	t->s = s;
	*ret = t;
	return 0;
}

static void store_cursors_close(struct store_txn *t)
{
	struct store_cursor *c = t->cursors;
	while (c) {
		struct store_cursor *next = c->next;
		if (t->txn)
			mdb_cursor_close(c->cur);
		free(c);
		c = next;
	}
	t->cursors = NULL;
}

/* Ends t: commit (write) or reset/abort. */
static int store_txn_end(struct store_txn *t, bool commit)
{
	struct store *s = t->s;
	int r = 0;

	store_cursors_close(t);
	if (t->cached && !t->write) {
		mdb_txn_reset(s->rtxn);
		s->rt_busy = false;
		s->rt.txn = NULL;
		return 0;
	}
	if (t->write) {
		if (t->err < 0)
			r = t->err;          /* already aborted */
		else if (commit)
			r = store_errno(mdb_txn_commit(t->txn));
		else
			mdb_txn_abort(t->txn);
		t->txn = NULL;
		s->wt_busy = false;
		return r;
	}
	if (t->txn)
		mdb_txn_abort(t->txn);
	free(t);
	return r;
}

int store_txn_commit(struct store_txn *t)
{
	return store_txn_end(t, true);
}

void store_txn_abort(struct store_txn *t)
{
	if (t)
		store_txn_end(t, false);
}

bool store_txn_is_write(const struct store_txn *t)
{
	return t->write;
}

/* A write failed: abort the LMDB transaction now so nothing of it can be
 * committed; the error sticks to t. */
static int store_txn_fail(struct store_txn *t, int rc)
{
	int r = store_errno(rc);
	if (!t->write || r == -ENOENT || r == -EEXIST || r == -EINVAL)
		return r;
	store_cursors_close(t);
	mdb_txn_abort(t->txn);
	t->txn = NULL;
	t->err = r;
	return r;
}

static bool store_db_valid(enum store_db db)
{
	return (unsigned)db < STORE_DB__COUNT;
}

int store_get(struct store_txn *t, enum store_db db, const void *key,
	      size_t klen, struct store_val *ret)
{
	if (t->err < 0)
		return t->err;
	if (!store_db_valid(db) || klen == 0)
		return -EINVAL;
	MDB_val k = { .mv_size = klen, .mv_data = (void *)key }, v;
	int rc = mdb_get(t->txn, t->s->dbi[db], &k, &v);
	if (rc)
		return store_errno(rc);
	ret->data = v.mv_data;
	ret->len = v.mv_size;
	return 0;
}

int store_put(struct store_txn *t, enum store_db db, const void *key,
	      size_t klen, const void *val, size_t vlen, unsigned flags)
{
	if (t->err < 0)
		return t->err;
	if (!t->write)
		return -EROFS;
	if (!store_db_valid(db) || klen == 0)
		return -EINVAL;
	MDB_val k = { .mv_size = klen, .mv_data = (void *)key };
	MDB_val v = { .mv_size = vlen, .mv_data = (void *)val };
	int rc = mdb_put(t->txn, t->s->dbi[db], &k, &v,
			 (flags & STORE_NOOVERWRITE) ? MDB_NOOVERWRITE : 0);
	return rc ? store_txn_fail(t, rc) : 0;
}

int store_del(struct store_txn *t, enum store_db db, const void *key,
	      size_t klen)
{
	if (t->err < 0)
		return t->err;
	if (!t->write)
		return -EROFS;
	if (!store_db_valid(db) || klen == 0)
		return -EINVAL;
	MDB_val k = { .mv_size = klen, .mv_data = (void *)key };
	int rc = mdb_del(t->txn, t->s->dbi[db], &k, NULL);
	return rc ? store_txn_fail(t, rc) : 0;
}

int store_cursor_open(struct store_txn *t, enum store_db db,
		      struct store_cursor **ret)
{
	if (t->err < 0)
		return t->err;
	if (!store_db_valid(db))
		return -EINVAL;
	struct store_cursor *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	int rc = mdb_cursor_open(t->txn, t->s->dbi[db], &c->cur);
	if (rc) {
		free(c);
		return store_errno(rc);
	}
	c->t = t;
	c->next = t->cursors;
	t->cursors = c;
	*ret = c;
	return 0;
}

static int store_cursor_get(struct store_cursor *c, MDB_val *k, MDB_cursor_op op,
			    struct store_val *ret_key, struct store_val *ret_val)
{
	MDB_val v;
	if (c->t->err < 0)
		return c->t->err;
	int rc = mdb_cursor_get(c->cur, k, &v, op);
	if (rc)
		return store_errno(rc);
	if (ret_key) {
		ret_key->data = k->mv_data;
		ret_key->len = k->mv_size;
	}
	if (ret_val) {
		ret_val->data = v.mv_data;
		ret_val->len = v.mv_size;
	}
	return 0;
}

int store_cursor_seek(struct store_cursor *c, const void *key, size_t klen,
		      struct store_val *ret_key, struct store_val *ret_val)
{
	MDB_val k = { .mv_size = klen, .mv_data = (void *)key };
	if (klen == 0)
		return store_cursor_get(c, &k, MDB_FIRST, ret_key, ret_val);
	return store_cursor_get(c, &k, MDB_SET_RANGE, ret_key, ret_val);
}

int store_cursor_next(struct store_cursor *c, struct store_val *ret_key,
		      struct store_val *ret_val)
{
	MDB_val k = { 0 };
	return store_cursor_get(c, &k, MDB_NEXT, ret_key, ret_val);
}

void store_cursor_close(struct store_cursor *c)
{
	if (!c)
		return;
	struct store_txn *t = c->t;
	for (struct store_cursor **p = &t->cursors; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	if (t->txn)
		mdb_cursor_close(c->cur);
	free(c);
}
