/* op_user: the IAM user actions (CreateUser, GetUser, ListUsers, UpdateUser,
 * DeleteUser) with AWS's semantics, limits and errors. Tags are in
 * op_user_tags.c. Each resource function validates the request (AWS
 * validates before it authorizes) and returns the ARN that is authorized;
 * the handler runs after authorization in the same transaction. */
#include <errno.h>
#include <string.h>

#include "entity.h"
#include "entity_policy.h"
#include "iamd.h"
#include "ops.h"
#include "store.pb-c.h"
#include "util/arena.h"
#include "util/id.h"
#include "util/name.h"

int op_fail_no_user(struct call *c, const char *name)
{
	return call_fail(c, -ENOENT, "NoSuchEntity", "The user with name %s cannot be found.",
			 name);
}

int op_fail_store(struct call *c, int r)
{
	if (c->err)
		return c->err;   /* already explained */
	if (r == -ENOSPC)
		return call_fail(c, r, "ServiceFailure",
				 "The entity store is full (its map size or the disk); "
				 "nothing of this request was applied.");
	return call_fail(c, r, NULL, NULL);
}

int op_user_load(struct call *c, const char *name, Iam__User **ret)
{
	int r = entity_user_get(c, name, ret);
	if (r == -ENOENT)
		return op_fail_no_user(c, name);
	return r < 0 ? op_fail_store(c, r) : 0;
}

int op_user_by_id(struct call *c, const char *user_id, Iam__User **ret)
{
	struct store_val v;
	int r = store_get(c->txn, STORE_DB_USER_IDS, user_id, strlen(user_id), &v);
	if (r < 0)
		return r;
	char *key = arena_strndup(c->arena, v.data, v.len);
	if (!key)
		return -ENOMEM;
	r = store_get(c->txn, STORE_DB_USERS, key, strlen(key), &v);
	if (r < 0)
		return r;
	Iam__UserRecord *rec = iam__user_record__unpack(&c->pb, v.len, v.data);
	if (!rec || !rec->user || !rec->user->user_id || !rec->user->arn)
		return -EIO;
	*ret = rec->user;
	return 0;
}

int op_resource_user(struct call *c, const char *name, const char **ret_arn)
{
	Iam__User *u;
	int r = entity_user_get(c, name, &u);
	if (r == 0) {
		*ret_arn = u->arn;
		return 0;
	}
	if (r != -ENOENT)
		return op_fail_store(c, r);
	*ret_arn = entity_user_arn(c, "/", name);
	return *ret_arn ? 0 : -ENOMEM;
}

/* The user as list actions show it: no tags, no permissions boundary. */
Iam__User *op_user_brief(struct call *c, Iam__User *u)
{
	Iam__User *b = arena_alloc(c->arena, sizeof(*b));
	if (!b)
		return NULL;
	*b = *u;
	b->n_tags = 0;
	b->tags = NULL;
	b->permissions_boundary = NULL;
	return b;
}

/* ---- CreateUser ---- */

static bool boundary_arn_valid(const char *arn)
{
	/* arn:aws:iam::ACCOUNT|aws:policy/PATH/NAME, 20..2048 characters */
	size_t len = strlen(arn);
	if (len < 20 || len > 2048 || !util_str_has_prefix(arn, "arn:aws:iam::"))
		return false;
	const char *p = arn + strlen("arn:aws:iam::");
	if (util_str_has_prefix(p, "aws:")) {
		p += 4;
	} else {
		for (int i = 0; i < 12; i++, p++)
			if (*p < '0' || *p > '9')
				return false;
		if (*p++ != ':')
			return false;
	}
	if (!util_str_has_prefix(p, "policy/") || !p[7])
		return false;
	for (p += 7; *p; p++)
		if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e)
			return false;
	return p[-1] != '/';
}

int op_create_user_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__CreateUserRequest *req = (const Iam__CreateUserRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	util_name_check_user(req->user_name, "userName", true, &e);
	util_name_check_path(req->path, "path", &e);
	if (req->permissions_boundary) {
		size_t l = strlen(req->permissions_boundary);
		if (l < 20 || l > 2048)
			util_verr_add(&e, "permissionsBoundary", req->permissions_boundary,
				      "Member must have length %s",
				      l < 20 ? "greater than or equal to 20"
					     : "less than or equal to 2048");
	}
	entity_tags_check(req->tags, req->n_tags, &e);
	if (!e.code && e.count == 0 && req->permissions_boundary &&
	    !boundary_arn_valid(req->permissions_boundary))
		util_verr_set(&e, "InvalidInput", "ARN %s is not valid.", req->permissions_boundary);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	*ret = entity_user_arn(c, req->path ? req->path : "/", req->user_name);
	return *ret ? 0 : -ENOMEM;
}

int op_create_user(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__CreateUserRequest *req = (const Iam__CreateUserRequest *)m;
	Iam__User *u = arena_alloc(c->arena, sizeof(*u));
	Iam__CreateUserResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	char *id = arena_alloc(c->arena, UTIL_ID_LEN + 1);
	if (!u || !resp || !id)
		return -ENOMEM;
	iam__user__init(u);
	iam__create_user_response__init(resp);
	int r = util_id_new(UTIL_ID_USER, id);
	if (r < 0)
		return op_fail_store(c, r);
	u->path = entity_strdup(c, req->path ? req->path : "/");
	u->user_name = entity_strdup(c, req->user_name);
	u->user_id = id;
	u->arn = entity_user_arn(c, u->path, u->user_name);
	u->has_create_date = true;
	u->create_date = c->now;
	u->n_tags = req->n_tags;
	u->tags = req->tags;
	/* the boundary must name an existing managed policy (op_boundary.c) */
	r = op_boundary_move(c, NULL, req->permissions_boundary, &u->permissions_boundary);
	if (r < 0)
		return r;
	if (!u->path || !u->user_name || !u->arn)
		return -ENOMEM;
	r = entity_user_put(c, u, true);
	if (r == -EEXIST)
		return call_fail(c, r, "EntityAlreadyExists", "User with name %s already exists.",
				 req->user_name);
	if (r < 0 || (r = entity_count_check(c, ENTITY_KIND_USER)) < 0)
		return op_fail_store(c, r);
	resp->user = u;
	*ret = &resp->base;
	return 0;
}

/* ---- GetUser ---- */

int op_get_user_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__GetUserRequest *req = (const Iam__GetUserRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	util_name_check_user(req->user_name, "userName", false, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	if (!req->user_name) {
		*ret = c->caller.arn ? c->caller.arn : "*";
		return 0;
	}
	return op_resource_user(c, req->user_name, ret);
}

/* GetUser without a name, called by the account root: AWS answers with the
 * account id as UserId, the root ARN and the account's creation date. */
static int get_user_root(struct call *c, Iam__User *u)
{
	const char *acct = entity_account(c);
	struct store_val v;
	u->user_id = entity_strdup(c, acct);
	u->arn = arena_printf(c->arena, "arn:aws:iam::%s:root", acct);
	int r = store_get(c->txn, STORE_DB_ACCOUNTS, acct, strlen(acct), &v);
	if (r == 0) {
		Iam__AccountRecord *a = iam__account_record__unpack(&c->pb, v.len, v.data);
		if (a && a->has_create_date) {
			u->has_create_date = true;
			u->create_date = a->create_date;
		}
	} else if (r != -ENOENT) {
		return op_fail_store(c, r);
	}
	return u->user_id && u->arn ? 0 : -ENOMEM;
}

int op_get_user(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__GetUserRequest *req = (const Iam__GetUserRequest *)m;
	Iam__GetUserResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	if (!resp)
		return -ENOMEM;
	iam__get_user_response__init(resp);
	const char *name = req->user_name;
	int r;
	if (!name && c->caller.kind == CALLER_USER)
		name = c->caller.user_name;
	if (!name) {
		Iam__User *u = arena_alloc(c->arena, sizeof(*u));
		if (!u)
			return -ENOMEM;
		iam__user__init(u);
		if (c->caller.kind != CALLER_ROOT)
			return call_fail(c, -EINVAL, "ValidationError",
					 "Must specify userName when calling with non-User credentials");
		r = get_user_root(c, u);
		if (r < 0)
			return r;
		resp->user = u;
	} else {
		r = op_user_load(c, name, &resp->user);
		if (r < 0)
			return r;
	}
	*ret = &resp->base;
	return 0;
}

/* ---- ListUsers ---- */

static int list_check(struct call *c, const char *prefix, const char *marker,
		      bool has_max, int32_t max)
{
	struct util_verr e;
	util_verr_init(&e);
	util_name_check_path_prefix(prefix, "pathPrefix", &e);
	util_name_check_marker(marker, "marker", &e);
	util_name_check_max_items(has_max, max, "maxItems", &e);
	return entity_verr_fail(c, &e);
}

int op_list_users_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__ListUsersRequest *req = (const Iam__ListUsersRequest *)m;
	int r = list_check(c, req->path_prefix, req->marker, req->has_max_items, req->max_items);
	if (r < 0)
		return r;
	*ret = arena_printf(c->arena, "arn:aws:iam::%s:user%s", entity_account(c),
			    req->path_prefix ? req->path_prefix : "/");
	return *ret ? 0 : -ENOMEM;
}

struct list_users {
	const char *prefix;
	Iam__User **items;
	size_t n;
};

static int list_users_visit(struct call *c, const char *suffix, size_t len,
			    const struct store_val *val, bool take, void *userdata)
{
	struct list_users *l = userdata;
	Iam__UserRecord *rec = iam__user_record__unpack(&c->pb, val->len, val->data);
	if (!rec || !rec->user || !rec->user->path)
		return -EIO;
	if (!util_str_has_prefix(rec->user->path, l->prefix))
		return 0;
	if (take) {
		l->items[l->n] = op_user_brief(c, rec->user);
		if (!l->items[l->n])
			return -ENOMEM;
		l->n++;
	}
	return 1;
}

int op_list_users(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__ListUsersRequest *req = (const Iam__ListUsersRequest *)m;
	Iam__ListUsersResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	struct entity_page p = { .kind = 'U', .marker = req->marker,
				 .has_max = req->has_max_items, .max = req->max_items };
	int32_t max = p.has_max ? p.max : UTIL_MAX_ITEMS_DEFAULT;
	struct list_users l = { .prefix = req->path_prefix ? req->path_prefix : "/" };
	char prefix[ENTITY_KEY_MAX];

	l.items = arena_alloc(c->arena, sizeof(*l.items) * (size_t)max);
	if (!resp || !l.items || !entity_key(prefix, entity_account(c), "", NULL))
		return -ENOMEM;
	iam__list_users_response__init(resp);
	int r = entity_page_walk(c, STORE_DB_USERS, prefix, &p, list_users_visit, &l);
	if (r < 0)
		return op_fail_store(c, r);
	resp->users = l.items;
	resp->n_users = l.n;
	resp->has_is_truncated = true;
	resp->is_truncated = p.truncated;
	resp->marker = p.next_marker;
	*ret = &resp->base;
	return 0;
}

/* ---- UpdateUser ---- */

int op_update_user_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__UpdateUserRequest *req = (const Iam__UpdateUserRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	util_name_check_user(req->user_name, "userName", true, &e);
	util_name_check_path(req->new_path, "newPath", &e);
	util_name_check_user(req->new_user_name, "newUserName", false, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	return op_resource_user(c, req->user_name, ret);
}

int op_update_user(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__UpdateUserRequest *req = (const Iam__UpdateUserRequest *)m;
	Iam__UpdateUserResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__User *u;
	if (!resp)
		return -ENOMEM;
	iam__update_user_response__init(resp);
	int r = op_user_load(c, req->user_name, &u);
	if (r < 0)
		return r;
	if (req->new_user_name || req->new_path) {
		r = entity_user_rename(c, u, req->new_user_name, req->new_path);
		if (r == -EEXIST)
			return call_fail(c, r, "EntityAlreadyExists",
					 "User with name %s already exists.", req->new_user_name);
		if (r < 0)
			return op_fail_store(c, r);
	}
	*ret = &resp->base;
	return 0;
}

/* ---- DeleteUser ---- */

int op_user_name_resource(struct call *c, const char *name, const char **ret)
{
	struct util_verr e;
	util_verr_init(&e);
	util_name_check_user(name, "userName", true, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	return op_resource_user(c, name, ret);
}

int op_delete_user_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	return op_user_name_resource(c, ((const Iam__DeleteUserRequest *)m)->user_name, ret);
}

int op_delete_user(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__DeleteUserRequest *req = (const Iam__DeleteUserRequest *)m;
	Iam__DeleteUserResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__User *u;
	size_t groups, attached;
	if (!resp)
		return -ENOMEM;
	iam__delete_user_response__init(resp);
	int r = op_user_load(c, req->user_name, &u);
	if (r < 0)
		return r;
	r = entity_attached_count(c, u->user_id, &attached);
	if (r < 0)
		return op_fail_store(c, r);
	if (attached > 0)
		return call_fail(c, -ENOTEMPTY, "DeleteConflict",
				 "Cannot delete entity, must detach all policies first.");
	r = entity_user_groups_count(c, u->user_name, &groups);
	if (r < 0)
		return op_fail_store(c, r);
	if (groups > 0)
		return call_fail(c, -ENOTEMPTY, "DeleteConflict",
				 "Cannot delete entity, must remove users from group first.");
	bool inline_any;
	r = entity_inline_any(c, u->user_id, &inline_any);
	if (r < 0)
		return op_fail_store(c, r);
	if (inline_any)
		return call_fail(c, -ENOTEMPTY, "DeleteConflict",
				 "Cannot delete entity, must delete policies first.");
	bool login;
	r = op_login_profile_exists(c, u->user_id, &login);
	if (r < 0)
		return op_fail_store(c, r);
	if (login)
		return call_fail(c, -ENOTEMPTY, "DeleteConflict",
				 "Cannot delete entity, must delete login profile first.");
	size_t keys;
	r = op_access_key_count(c, u->user_id, &keys);
	if (r < 0)
		return op_fail_store(c, r);
	if (keys > 0)
		return call_fail(c, -ENOTEMPTY, "DeleteConflict",
				 "Cannot delete entity, must delete access keys first.");
	r = op_ssh_key_count(c, u->user_id, &keys);
	if (r < 0)
		return op_fail_store(c, r);
	if (keys)
		return call_fail(c, -ENOTEMPTY, "DeleteConflict",
				 "Cannot delete entity, must delete SSH public keys first.");
	bool mfa;
	r = op_mfa_user_has_device(c, u->user_id, &mfa);
	if (r < 0)
		return op_fail_store(c, r);
	if (mfa)
		return call_fail(c, -ENOTEMPTY, "DeleteConflict",
				 "Cannot delete entity, must delete MFA device first.");
	/* a boundary does not block the delete; its policy's count drops */
	if (u->permissions_boundary &&
	    (r = op_boundary_move(c, u->permissions_boundary->permissions_boundary_arn,
				  NULL, NULL)) < 0)
		return r;
	r = entity_user_del(c, u);
	if (r < 0)
		return op_fail_store(c, r);
	/* its local uid bindings go with it (op_binding.c) */
	r = op_binding_user_deleted(c, entity_account(c), u);
	if (r < 0)
		return op_fail_store(c, r);
	*ret = &resp->base;
	return 0;
}
