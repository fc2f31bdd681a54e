/* op_access_key: CreateAccessKey, ListAccessKeys, UpdateAccessKey,
 * DeleteAccessKey, GetAccessKeyLastUsed with AWS's semantics, limits and
 * errors. iamd stores a record per key (AccessKeyRecord: owner, status,
 * dates, the master key version) and never its secret: CreateAccessKey
 * asks iam-keyd for it (call_keyd(), dispatch.h) and returns it once.
 *
 * The owner of a key is an IAM user (owner id AIDA...), or the account
 * root (owner id = the account id) when the root calls without UserName,
 * as on AWS. At most 2 keys per owner (AccessKeysPerUser). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dispatch.h"
#include "entity.h"
#include "iam_keys.pb-c.h"
#include "keyd_client.h"
#include "ops.h"
#include "store.pb-c.h"
#include "util/arena.h"
#include "util/id.h"
#include "util/name.h"

#define KEYS_PER_USER 2
#define STATUS_ACTIVE "Active"
#define STATUS_INACTIVE "Inactive"

/* Whose keys a call is about. */
struct ak_owner {
	const char *owner_id;     /* AIDA... or the account id (root) */
	const char *user_name;    /* NULL for the root */
	const char *arn;          /* the user's ARN, or the root's */
};

/* ---- records ---- */

int op_access_key_lookup(struct store_txn *t, ProtobufCAllocator *pb, const char *id,
			 Iam__AccessKeyRecord **ret)
{
	struct store_val v;
	if (!id)
		return -ENOENT;
	int r = store_get(t, STORE_DB_ACCESS_KEYS, id, strlen(id), &v);
	if (r < 0)
		return r;
	Iam__AccessKeyRecord *rec = iam__access_key_record__unpack(pb, v.len, v.data);
	if (!rec || !rec->access_key_id || !rec->owner_id || !rec->account_id)
		return -EIO;
	*ret = rec;
	return 0;
}

static int record_put(struct store_txn *t, const Iam__AccessKeyRecord *rec, unsigned flags)
{
	uint8_t buf[1024];
	size_t len = iam__access_key_record__get_packed_size(rec);
	if (len > sizeof(buf))
		return -E2BIG;
	iam__access_key_record__pack(rec, buf);
	return store_put(t, STORE_DB_ACCESS_KEYS, rec->access_key_id, strlen(rec->access_key_id),
			 buf, len, flags);
}

int op_access_key_record_use(struct store_txn *t, ProtobufCAllocator *pb, const char *id,
			     int64_t now, const char *service, const char *region)
{
	Iam__AccessKeyRecord *rec;
	int r = op_access_key_lookup(t, pb, id, &rec);
	if (r < 0)
		return r;
	rec->has_last_used_date = true;
	rec->last_used_date = now;
	rec->last_used_service = (char *)service;
	rec->last_used_region = (char *)region;
	return record_put(t, rec, 0);
}

/* owner id "/" key id */
static char *index_key(struct call *c, const char *owner_id, const char *id)
{
	return arena_printf(c->arena, "%s/%s", owner_id, id ? id : "");
}

int op_access_key_count(struct call *c, const char *owner_id, size_t *ret)
{
	struct store_cursor *cur = NULL;
	struct store_val k, v;
	char *prefix = index_key(c, owner_id, NULL);
	size_t n = 0;
	if (!prefix)
		return -ENOMEM;
	size_t plen = strlen(prefix);
	int r = store_cursor_open(c->txn, STORE_DB_USER_ACCESS_KEYS, &cur);
	if (r < 0)
		return r;
	for (r = store_cursor_seek(cur, prefix, plen, &k, &v); r == 0;
	     r = store_cursor_next(cur, &k, &v)) {
		if (k.len < plen || memcmp(k.data, prefix, plen) != 0)
			break;
		n++;
	}
	store_cursor_close(cur);
	if (r < 0 && r != -ENOENT)
		return r;
	*ret = n;
	return 0;
}

/* ---- owners ---- */

static int owner_root(struct call *c, struct ak_owner *o)
{
	o->owner_id = entity_account(c);
	o->user_name = NULL;
	o->arn = arena_printf(c->arena, "arn:aws:iam::%s:root", entity_account(c));
	return o->arn ? 0 : -ENOMEM;
}

/* The owner named by the request (user_name), or the caller. Records
 * NoSuchEntity for a missing user. */
static int owner_resolve(struct call *c, const char *user_name, struct ak_owner *o)
{
	Iam__User *u;
	if (!user_name && c->caller.kind == CALLER_ROOT)
		return owner_root(c, o);
	if (!user_name && c->caller.kind == CALLER_USER)
		user_name = c->caller.user_name;
	if (!user_name)
		return call_fail(c, -EINVAL, "ValidationError",
				 "Must specify userName when calling with non-User credentials");
	int r = op_user_load(c, user_name, &u);
	if (r < 0)
		return r;
	o->owner_id = u->user_id;
	o->user_name = u->user_name;
	o->arn = u->arn;
	return 0;
}

/* The owner of a stored key, by its owner id. */
static int owner_of_record(struct call *c, const Iam__AccessKeyRecord *rec, struct ak_owner *o)
{
	Iam__User *u;
	if (strcmp(rec->owner_id, rec->account_id) == 0)
		return owner_root(c, o);
	int r = op_user_by_id(c, rec->owner_id, &u);
	if (r < 0)
		return r;
	o->owner_id = u->user_id;
	o->user_name = u->user_name;
	o->arn = u->arn;
	return 0;
}

static int fail_no_key(struct call *c, const char *id)
{
	return call_fail(c, -ENOENT, "NoSuchEntity", "The Access Key with id %s cannot be found.",
			 id);
}

/* accessKeyId: 16 to 128 of [\w]. */
static void check_key_id(const char *id, const char *field, struct util_verr *e)
{
	if (!id) {
		util_verr_add(e, field, NULL, "Member must not be null");
		return;
	}
	size_t n = strlen(id);
	if (n < 16)
		util_verr_add(e, field, id, "Member must have length greater than or equal to 16");
	else if (n > 128)
		util_verr_add(e, field, id, "Member must have length less than or equal to 128");
	for (size_t i = 0; i < n; i++) {
		char ch = id[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_')) {
			util_verr_add(e, field, id,
				      "Member must satisfy regular expression pattern: [\\w]+");
			break;
		}
	}
}

/* The user_name member and the owner's ARN, for the resource functions;
 * the owner is kept in c->op_state for the handler. */
static int resource_owner(struct call *c, const char *user_name, struct util_verr *e,
			  const char **ret)
{
	util_name_check_user(user_name, "userName", false, e);
	int r = entity_verr_fail(c, e);
	if (r < 0)
		return r;
	if (!user_name && c->caller.kind == CALLER_ANONYMOUS) {
		*ret = "*";   /* authorization refuses it */
		return 0;
	}
	struct ak_owner *o = arena_zalloc(c->arena, sizeof(*o));
	if (!o)
		return -ENOMEM;
	r = owner_resolve(c, user_name, o);
	if (r < 0)
		return r;
	c->op_state = o;
	*ret = o->arn;
	return 0;
}

/* ---- CreateAccessKey ---- */

struct create_state {
	struct ak_owner owner;
	char id[UTIL_ID_LEN + 1];
};

static int quota_check(struct call *c, const char *owner_id)
{
	size_t n = 0;
	int r = op_access_key_count(c, owner_id, &n);
	if (r < 0)
		return op_fail_store(c, r);
	if (n >= KEYS_PER_USER)
		return call_fail(c, -EDQUOT, "LimitExceeded",
				 "Cannot exceed quota for AccessKeysPerUser: %d", KEYS_PER_USER);
	return 0;
}

int op_create_access_key_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__CreateAccessKeyRequest *req = (const Iam__CreateAccessKeyRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	return resource_owner(c, req->user_name, &e, ret);
}

/* keyd derived the secret: store the key (in a fresh write transaction,
 * so the owner and the quota are checked again) and answer it once. */
static int create_access_key_resume(struct call *c, void *state, const struct keyd_reply *rep,
				    ProtobufCMessage **ret)
{
	struct create_state *st = state;
	if (rep->err || rep->code != KEYD__CODE__OK)
		return call_keyd_fail(c, rep);
	const Keyd__CreateAccessKeyResponse *kr = (const Keyd__CreateAccessKeyResponse *)rep->result;
	if (!kr->secret_access_key || strlen(kr->secret_access_key) != 40 || !kr->has_key_version)
		return call_fail(c, -EPROTO, "ServiceFailure", NULL);
	/* the user may have gone while keyd worked */
	if (strcmp(st->owner.owner_id, entity_account(c)) != 0) {
		Iam__User *u;
		int r = op_user_by_id(c, st->owner.owner_id, &u);
		if (r == -ENOENT)
			return op_fail_no_user(c, st->owner.user_name);
		if (r < 0)
			return op_fail_store(c, r);
		st->owner.user_name = u->user_name;
	}
	int r = quota_check(c, st->owner.owner_id);
	if (r < 0)
		return r;

	Iam__AccessKeyRecord rec = IAM__ACCESS_KEY_RECORD__INIT;
	rec.access_key_id = st->id;
	rec.account_id = (char *)entity_account(c);
	rec.owner_id = (char *)st->owner.owner_id;
	rec.status = (char *)STATUS_ACTIVE;
	rec.has_create_date = true;
	rec.create_date = c->now;
	rec.has_key_version = true;
	rec.key_version = kr->key_version;
	r = record_put(c->txn, &rec, STORE_NOOVERWRITE);
	if (r == 0) {
		char *k = index_key(c, st->owner.owner_id, st->id);
		r = k ? store_put(c->txn, STORE_DB_USER_ACCESS_KEYS, k, strlen(k), "", 0, 0)
		      : -ENOMEM;
	}
	if (r < 0)
		return op_fail_store(c, r);

	Iam__CreateAccessKeyResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__AccessKey *ak = arena_alloc(c->arena, sizeof(*ak));
	if (!resp || !ak)
		return -ENOMEM;
	iam__create_access_key_response__init(resp);
	iam__access_key__init(ak);
	ak->user_name = (char *)st->owner.user_name;
	ak->access_key_id = st->id;
	ak->status = (char *)STATUS_ACTIVE;
	ak->secret_access_key = arena_strdup(c->arena, kr->secret_access_key);
	ak->has_create_date = true;
	ak->create_date = c->now;
	if (!ak->secret_access_key)
		return -ENOMEM;
	resp->access_key = ak;
	*ret = &resp->base;
	return 0;
}

int op_create_access_key(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	(void)m;
	(void)ret;
	struct ak_owner *o = c->op_state;
	struct create_state *st = arena_zalloc(c->arena, sizeof(*st));
	if (!o || !st)
		return -ENOMEM;
	st->owner = *o;
	int r = quota_check(c, o->owner_id);
	if (r < 0)
		return r;
	for (int tries = 0;; tries++) {
		Iam__AccessKeyRecord *old;
		r = util_id_new(UTIL_ID_ACCESS_KEY, st->id);
		if (r < 0)
			return op_fail_store(c, r);
		r = op_access_key_lookup(c->txn, &c->pb, st->id, &old);
		if (r == -ENOENT)
			break;
		if (r < 0 || tries > 8)
			return op_fail_store(c, r < 0 ? r : -EEXIST);
	}
	Keyd__CreateAccessKeyRequest kr = KEYD__CREATE_ACCESS_KEY_REQUEST__INIT;
	kr.access_key_id = st->id;
	return call_keyd(c, KEYD__REQUEST__OP_CREATE_ACCESS_KEY, &kr.base,
			 create_access_key_resume, st);
}

/* ---- ListAccessKeys ---- */

int op_list_access_keys_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__ListAccessKeysRequest *req = (const Iam__ListAccessKeysRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	util_name_check_marker(req->marker, "marker", &e);
	util_name_check_max_items(req->has_max_items, req->max_items, "maxItems", &e);
	return resource_owner(c, req->user_name, &e, ret);
}

struct list_keys {
	const struct ak_owner *owner;
	Iam__AccessKeyMetadata **items;
	size_t n;
};

static int list_keys_visit(struct call *c, const char *suffix, size_t len,
			   const struct store_val *val, bool take, void *userdata)
{
	struct list_keys *l = userdata;
	(void)val;
	if (!take)
		return 1;
	char *id = arena_strndup(c->arena, suffix, len);
	Iam__AccessKeyRecord *rec;
	Iam__AccessKeyMetadata *md = arena_alloc(c->arena, sizeof(*md));
	if (!id || !md)
		return -ENOMEM;
	int r = op_access_key_lookup(c->txn, &c->pb, id, &rec);
	if (r < 0)
		return r == -ENOENT ? -EIO : r;   /* an index without its record */
	iam__access_key_metadata__init(md);
	md->user_name = (char *)l->owner->user_name;
	md->access_key_id = rec->access_key_id;
	md->status = rec->status;
	md->has_create_date = rec->has_create_date;
	md->create_date = rec->create_date;
	l->items[l->n++] = md;
	return 1;
}

int op_list_access_keys(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__ListAccessKeysRequest *req = (const Iam__ListAccessKeysRequest *)m;
	Iam__ListAccessKeysResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	struct entity_page p = { .kind = 'K', .marker = req->marker,
				 .has_max = req->has_max_items, .max = req->max_items };
	int32_t max = p.has_max ? p.max : UTIL_MAX_ITEMS_DEFAULT;
	struct list_keys l = { .owner = c->op_state };
	l.items = arena_alloc(c->arena, sizeof(*l.items) * (size_t)max);
	if (!resp || !l.items || !l.owner)
		return -ENOMEM;
	iam__list_access_keys_response__init(resp);
	char *prefix = index_key(c, l.owner->owner_id, NULL);
	if (!prefix)
		return -ENOMEM;
	int r = entity_page_walk(c, STORE_DB_USER_ACCESS_KEYS, prefix, &p, list_keys_visit, &l);
	if (r < 0)
		return op_fail_store(c, r);
	resp->access_key_metadata = l.items;
	resp->n_access_key_metadata = l.n;
	resp->has_is_truncated = true;
	resp->is_truncated = p.truncated;
	resp->marker = p.next_marker;
	*ret = &resp->base;
	return 0;
}

/* ---- UpdateAccessKey, DeleteAccessKey ---- */

int op_update_access_key_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__UpdateAccessKeyRequest *req = (const Iam__UpdateAccessKeyRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	check_key_id(req->access_key_id, "accessKeyId", &e);
	if (!req->status)
		util_verr_add(&e, "status", NULL, "Member must not be null");
	else if (strcmp(req->status, STATUS_ACTIVE) != 0 && strcmp(req->status, STATUS_INACTIVE) != 0)
		util_verr_add(&e, "status", req->status,
			      "Member must satisfy enum value set: [Active, Inactive]");
	return resource_owner(c, req->user_name, &e, ret);
}

/* The key `id` of the request's owner, or NoSuchEntity. */
static int owned_key(struct call *c, const char *id, Iam__AccessKeyRecord **ret)
{
	const struct ak_owner *o = c->op_state;
	Iam__AccessKeyRecord *rec;
	if (!o)
		return -EIO;
	int r = op_access_key_lookup(c->txn, &c->pb, id, &rec);
	if (r == -ENOENT || (r == 0 && (strcmp(rec->owner_id, o->owner_id) != 0 ||
					strcmp(rec->account_id, entity_account(c)) != 0)))
		return fail_no_key(c, id);
	if (r < 0)
		return op_fail_store(c, r);
	*ret = rec;
	return 0;
}

int op_update_access_key(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__UpdateAccessKeyRequest *req = (const Iam__UpdateAccessKeyRequest *)m;
	Iam__UpdateAccessKeyResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__AccessKeyRecord *rec;
	if (!resp)
		return -ENOMEM;
	iam__update_access_key_response__init(resp);
	int r = owned_key(c, req->access_key_id, &rec);
	if (r < 0)
		return r;
	if (strcmp(rec->status, req->status) != 0) {
		rec->status = req->status;
		r = record_put(c->txn, rec, 0);
		if (r < 0)
			return op_fail_store(c, r);
	}
	*ret = &resp->base;
	return 0;
}

int op_delete_access_key_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__DeleteAccessKeyRequest *req = (const Iam__DeleteAccessKeyRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	check_key_id(req->access_key_id, "accessKeyId", &e);
	return resource_owner(c, req->user_name, &e, ret);
}

int op_delete_access_key(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__DeleteAccessKeyRequest *req = (const Iam__DeleteAccessKeyRequest *)m;
	Iam__DeleteAccessKeyResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__AccessKeyRecord *rec;
	if (!resp)
		return -ENOMEM;
	iam__delete_access_key_response__init(resp);
	int r = owned_key(c, req->access_key_id, &rec);
	if (r < 0)
		return r;
	char *k = index_key(c, rec->owner_id, rec->access_key_id);
	if (!k)
		return -ENOMEM;
	r = store_del(c->txn, STORE_DB_ACCESS_KEYS, rec->access_key_id,
		      strlen(rec->access_key_id));
	if (r == 0)
		r = store_del(c->txn, STORE_DB_USER_ACCESS_KEYS, k, strlen(k));
	if (r < 0)
		return op_fail_store(c, r);
	*ret = &resp->base;
	return 0;
}

/* ---- GetAccessKeyLastUsed ---- */

struct last_used_state {
	Iam__AccessKeyRecord *rec;
	struct ak_owner owner;
};

int op_get_access_key_last_used_resource(struct call *c, const ProtobufCMessage *m,
					 const char **ret)
{
	const Iam__GetAccessKeyLastUsedRequest *req = (const Iam__GetAccessKeyLastUsedRequest *)m;
	struct last_used_state *st = arena_zalloc(c->arena, sizeof(*st));
	struct util_verr e;
	if (!st)
		return -ENOMEM;
	util_verr_init(&e);
	check_key_id(req->access_key_id, "accessKeyId", &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	r = op_access_key_lookup(c->txn, &c->pb, req->access_key_id, &st->rec);
	if (r == -ENOENT || (r == 0 && strcmp(st->rec->account_id, entity_account(c)) != 0))
		return fail_no_key(c, req->access_key_id);
	if (r < 0)
		return op_fail_store(c, r);
	r = owner_of_record(c, st->rec, &st->owner);
	if (r < 0)
		return op_fail_store(c, r);
	c->op_state = st;
	*ret = st->owner.arn;
	return 0;
}

int op_get_access_key_last_used(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	(void)m;
	struct last_used_state *st = c->op_state;
	Iam__GetAccessKeyLastUsedResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__AccessKeyLastUsed *lu = arena_alloc(c->arena, sizeof(*lu));
	if (!st || !resp || !lu)
		return -ENOMEM;
	iam__get_access_key_last_used_response__init(resp);
	iam__access_key_last_used__init(lu);
	resp->user_name = (char *)st->owner.user_name;
	if (st->rec->has_last_used_date) {
		lu->has_last_used_date = true;
		lu->last_used_date = st->rec->last_used_date;
	}
	lu->service_name = st->rec->last_used_service ? st->rec->last_used_service : (char *)"N/A";
	lu->region = st->rec->last_used_region ? st->rec->last_used_region : (char *)"N/A";
	resp->access_key_last_used = lu;
	*ret = &resp->base;
	return 0;
}
