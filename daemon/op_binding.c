/* op_binding: iamd's local identities (iamd:CreateLocalUserBinding,
 * iamd:DeleteLocalUserBinding, iamd:ListLocalUserBindings). A binding maps
 * a local uid to an IAM user of an account; a process of that uid then acts
 * as that user on the api socket (dispatch.c, authz_caller_identify()).
 * Stored in the local_bindings DB under the uid as 10 decimal digits, with
 * the user's id: a later user of the same name is not bound. Deleting the
 * user deletes its bindings (op_binding_user_deleted()). See
 * docs/local-identities.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "entity.h"
#include "iamd.h"
#include "iamd.pb-c.h"
#include "ops.h"
#include "store.pb-c.h"
#include "util/arena.h"
#include "util/id.h"
#include "util/name.h"

#define BIND_KEY_LEN 10

static void bind_key(char key[BIND_KEY_LEN + 1], uint32_t uid)
{
	snprintf(key, BIND_KEY_LEN + 1, "%010u", (unsigned)uid);
}

static int fail_uid_missing(struct call *c)
{
	return call_fail(c, -EINVAL, "ValidationError",
			 "1 validation error detected: Value null at 'uid' failed to "
			 "satisfy constraint: Member must not be null");
}

static int bind_get(struct call *c, uint32_t uid, Iam__LocalUserBinding **ret)
{
	char key[BIND_KEY_LEN + 1];
	struct store_val v;
	bind_key(key, uid);
	int r = store_get(c->txn, STORE_DB_LOCAL_BINDINGS, key, BIND_KEY_LEN, &v);
	if (r < 0)
		return r;
	Iam__LocalUserBinding *b = iam__local_user_binding__unpack(&c->pb, v.len, v.data);
	if (!b)
		return -EIO;
	*ret = b;
	return 0;
}

/* The user `name` of `acct` (which need not be the caller's). */
static int user_in(struct call *c, const char *acct, const char *name, Iam__User **ret)
{
	char key[ENTITY_KEY_MAX];
	struct store_val v;
	size_t klen = entity_key(key, acct, name, NULL);
	if (!klen)
		return -ENOENT;
	int r = store_get(c->txn, STORE_DB_USERS, key, klen, &v);
	if (r < 0)
		return r;
	Iam__UserRecord *rec = iam__user_record__unpack(&c->pb, v.len, v.data);
	if (!rec || !rec->user)
		return -EIO;
	*ret = rec->user;
	return 0;
}

/* ---- CreateLocalUserBinding ---- */

struct create_state {
	const char *acct;
	Iam__User *user;      /* NULL: no such user */
};

int op_create_local_user_binding_resource(struct call *c, const ProtobufCMessage *m,
					  const char **ret)
{
	const Iam__CreateLocalUserBindingRequest *req =
		(const Iam__CreateLocalUserBindingRequest *)m;
	struct util_verr e;
	struct create_state *st = arena_zalloc(c->arena, sizeof(*st));
	if (!st)
		return -ENOMEM;
	if (!req->has_uid)
		return fail_uid_missing(c);
	util_verr_init(&e);
	util_name_check_user(req->user_name, "userName", true, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	st->acct = req->account_id ? req->account_id : entity_account(c);
	if (!util_account_id_valid(st->acct))
		return call_fail(c, -EINVAL, "InvalidInput",
				 "AccountId %s is not a 12-digit account id.", st->acct);
	r = user_in(c, st->acct, req->user_name, &st->user);
	if (r < 0 && r != -ENOENT)
		return op_fail_store(c, r);
	c->op_state = st;
	*ret = st->user ? st->user->arn
			: arena_printf(c->arena, "arn:aws:iam::%s:user/%s", st->acct,
				       req->user_name);
	return *ret ? 0 : -ENOMEM;
}

int op_create_local_user_binding(struct call *c, const ProtobufCMessage *m,
				 ProtobufCMessage **ret)
{
	const Iam__CreateLocalUserBindingRequest *req =
		(const Iam__CreateLocalUserBindingRequest *)m;
	struct create_state *st = c->op_state;
	Iam__CreateLocalUserBindingResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__LocalUserBinding *b = arena_alloc(c->arena, sizeof(*b));
	Iam__LocalUserBinding *old;
	char key[BIND_KEY_LEN + 1];
	if (!resp || !b)
		return -ENOMEM;
	if (!st->user)
		return op_fail_no_user(c, req->user_name);
	if (req->uid == 0 || req->uid == (uint32_t)c->d->owner_uid)
		return call_fail(c, -EINVAL, "InvalidInput",
				 "uid %u is the account root and cannot be bound to a user.",
				 (unsigned)req->uid);
	if (req->uid == (uint32_t)-1)
		return call_fail(c, -EINVAL, "InvalidInput", "uid %u is not a valid uid.",
				 (unsigned)req->uid);
	int r = bind_get(c, req->uid, &old);
	if (r == 0)
		return call_fail(c, -EEXIST, "EntityAlreadyExists",
				 "A local user binding for uid %u already exists (user %s).",
				 (unsigned)req->uid, old->user_name ? old->user_name : "?");
	if (r != -ENOENT)
		return op_fail_store(c, r);
	iam__create_local_user_binding_response__init(resp);
	iam__local_user_binding__init(b);
	b->has_uid = true;
	b->uid = req->uid;
	b->account_id = (char *)st->acct;
	b->user_name = st->user->user_name;
	b->user_arn = st->user->arn;
	b->user_id = st->user->user_id;
	b->has_create_date = true;
	b->create_date = c->now;
	size_t len = protobuf_c_message_get_packed_size(&b->base);
	uint8_t *buf = arena_alloc(c->arena, len ? len : 1);
	if (!buf)
		return -ENOMEM;
	protobuf_c_message_pack(&b->base, buf);
	bind_key(key, req->uid);
	r = store_put(c->txn, STORE_DB_LOCAL_BINDINGS, key, BIND_KEY_LEN, buf, len,
		      STORE_NOOVERWRITE);
	if (r < 0)
		return op_fail_store(c, r);
	resp->local_user_binding = b;
	*ret = &resp->base;
	return 0;
}

/* ---- DeleteLocalUserBinding ---- */

int op_delete_local_user_binding_resource(struct call *c, const ProtobufCMessage *m,
					  const char **ret)
{
	const Iam__DeleteLocalUserBindingRequest *req =
		(const Iam__DeleteLocalUserBindingRequest *)m;
	Iam__LocalUserBinding *b;
	if (!req->has_uid)
		return fail_uid_missing(c);
	int r = bind_get(c, req->uid, &b);
	if (r == -ENOENT) {
		*ret = "*";
		return 0;
	}
	if (r < 0)
		return op_fail_store(c, r);
	c->op_state = b;
	*ret = b->user_arn ? b->user_arn : "*";
	return 0;
}

int op_delete_local_user_binding(struct call *c, const ProtobufCMessage *m,
				 ProtobufCMessage **ret)
{
	const Iam__DeleteLocalUserBindingRequest *req =
		(const Iam__DeleteLocalUserBindingRequest *)m;
	Iam__DeleteLocalUserBindingResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	char key[BIND_KEY_LEN + 1];
	if (!resp)
		return -ENOMEM;
	if (!c->op_state)
		return call_fail(c, -ENOENT, "NoSuchEntity",
				 "The local user binding for uid %u cannot be found.",
				 (unsigned)req->uid);
	iam__delete_local_user_binding_response__init(resp);
	bind_key(key, req->uid);
	int r = store_del(c->txn, STORE_DB_LOCAL_BINDINGS, key, BIND_KEY_LEN);
	if (r < 0)
		return op_fail_store(c, r);
	*ret = &resp->base;
	return 0;
}

/* ---- ListLocalUserBindings ---- */

int op_list_local_user_bindings_resource(struct call *c, const ProtobufCMessage *m,
					 const char **ret)
{
	const Iam__ListLocalUserBindingsRequest *req =
		(const Iam__ListLocalUserBindingsRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	util_name_check_marker(req->marker, "marker", &e);
	util_name_check_max_items(req->has_max_items, req->max_items, "maxItems", &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	*ret = "*";
	return 0;
}

struct list_bind {
	const char *acct;
	Iam__LocalUserBinding **items;
	size_t n;
};

static int list_bind_visit(struct call *c, const char *suffix, size_t len,
			   const struct store_val *val, bool take, void *userdata)
{
	struct list_bind *l = userdata;
	(void)suffix;
	(void)len;
	Iam__LocalUserBinding *b = iam__local_user_binding__unpack(&c->pb, val->len, val->data);
	if (!b)
		return -EIO;
	if (!b->account_id || strcmp(b->account_id, l->acct) != 0)
		return 0;
	if (take)
		l->items[l->n++] = b;
	return 1;
}

int op_list_local_user_bindings(struct call *c, const ProtobufCMessage *m,
				ProtobufCMessage **ret)
{
	const Iam__ListLocalUserBindingsRequest *req =
		(const Iam__ListLocalUserBindingsRequest *)m;
	Iam__ListLocalUserBindingsResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	struct entity_page p = { .kind = 'B', .marker = req->marker,
				 .has_max = req->has_max_items, .max = req->max_items };
	int32_t max = p.has_max ? p.max : UTIL_MAX_ITEMS_DEFAULT;
	struct list_bind l = { .acct = entity_account(c) };
	l.items = arena_alloc(c->arena, sizeof(*l.items) * (size_t)max);
	if (!resp || !l.items)
		return -ENOMEM;
	iam__list_local_user_bindings_response__init(resp);
	int r = entity_page_walk(c, STORE_DB_LOCAL_BINDINGS, "", &p, list_bind_visit, &l);
	if (r < 0)
		return op_fail_store(c, r);
	resp->local_user_bindings = l.items;
	resp->n_local_user_bindings = l.n;
	resp->has_is_truncated = true;
	resp->is_truncated = p.truncated;
	resp->marker = p.next_marker;
	*ret = &resp->base;
	return 0;
}

/* ---- DeleteUser ---- */

int op_binding_user_deleted(struct call *c, const char *acct, const Iam__User *u)
{
	struct store_cursor *cur = NULL;
	struct store_val k, v;
	char (*keys)[BIND_KEY_LEN + 1] = NULL;
	size_t n = 0, cap = 0;
	int r = store_cursor_open(c->txn, STORE_DB_LOCAL_BINDINGS, &cur);
	if (r < 0)
		return r;
	for (r = store_cursor_seek(cur, "", 0, &k, &v); r == 0;
	     r = store_cursor_next(cur, &k, &v)) {
		Iam__LocalUserBinding *b = iam__local_user_binding__unpack(&c->pb, v.len, v.data);
		if (!b || k.len != BIND_KEY_LEN) {
			r = -EIO;
			break;
		}
		bool same = b->user_id ? strcmp(b->user_id, u->user_id) == 0
				       : (b->account_id && strcmp(b->account_id, acct) == 0 &&
					  b->user_name && strcasecmp(b->user_name, u->user_name) == 0);
		if (!same)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			void *nk = arena_alloc(c->arena, ncap * sizeof(*keys));
			if (!nk) {
				r = -ENOMEM;
				break;
			}
			if (n)
				memcpy(nk, keys, n * sizeof(*keys));
			keys = nk;
			cap = ncap;
		}
		memcpy(keys[n], k.data, BIND_KEY_LEN);
		keys[n++][BIND_KEY_LEN] = '\0';
	}
	store_cursor_close(cur);
	if (r < 0 && r != -ENOENT)
		return r;
	for (size_t i = 0; i < n; i++)
		if ((r = store_del(c->txn, STORE_DB_LOCAL_BINDINGS, keys[i], BIND_KEY_LEN)) < 0)
			return r;
	return 0;
}
