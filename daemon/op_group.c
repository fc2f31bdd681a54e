/* op_group: the IAM group actions and group membership (CreateGroup,
 * GetGroup, ListGroups, UpdateGroup, DeleteGroup, AddUserToGroup,
 * RemoveUserFromGroup, ListGroupsForUser) with AWS's semantics, limits and
 * errors. Resource functions validate, then name the ARN authorized. */
#include <errno.h>
#include <string.h>

#include "entity.h"
#include "entity_policy.h"
#include "ops.h"
#include "store.pb-c.h"
#include "util/arena.h"
#include "util/id.h"
#include "util/name.h"

static int fail_no_group(struct call *c, const char *name)
{
	return call_fail(c, -ENOENT, "NoSuchEntity", "The group with name %s cannot be found.",
			 name);
}

static int group_load(struct call *c, const char *name, Iam__Group **ret)
{
	int r = entity_group_get(c, name, ret);
	if (r == -ENOENT)
		return fail_no_group(c, name);
	return r < 0 ? op_fail_store(c, r) : 0;
}

static int resource_group(struct call *c, const char *name, const char **ret_arn)
{
	Iam__Group *g;
	int r = entity_group_get(c, name, &g);
	if (r == 0) {
		*ret_arn = g->arn;
		return 0;
	}
	if (r != -ENOENT)
		return op_fail_store(c, r);
	*ret_arn = entity_group_arn(c, "/", name);
	return *ret_arn ? 0 : -ENOMEM;
}

static int group_name_resource(struct call *c, const char *name, const char **ret)
{
	struct util_verr e;
	util_verr_init(&e);
	util_name_check_group(name, "groupName", true, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	return resource_group(c, name, ret);
}

/* ---- CreateGroup ---- */

int op_create_group_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__CreateGroupRequest *req = (const Iam__CreateGroupRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	util_name_check_group(req->group_name, "groupName", true, &e);
	util_name_check_path(req->path, "path", &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	*ret = entity_group_arn(c, req->path ? req->path : "/", req->group_name);
	return *ret ? 0 : -ENOMEM;
}

int op_create_group(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__CreateGroupRequest *req = (const Iam__CreateGroupRequest *)m;
	Iam__Group *g = arena_alloc(c->arena, sizeof(*g));
	Iam__CreateGroupResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	char *id = arena_alloc(c->arena, UTIL_ID_LEN + 1);
	if (!g || !resp || !id)
		return -ENOMEM;
	iam__group__init(g);
	iam__create_group_response__init(resp);
	int r = util_id_new(UTIL_ID_GROUP, id);
	if (r < 0)
		return op_fail_store(c, r);
	g->path = entity_strdup(c, req->path ? req->path : "/");
	g->group_name = entity_strdup(c, req->group_name);
	g->group_id = id;
	g->arn = entity_group_arn(c, g->path, g->group_name);
	g->has_create_date = true;
	g->create_date = c->now;
	if (!g->path || !g->group_name || !g->arn)
		return -ENOMEM;
	r = entity_group_put(c, g, true);
	if (r == -EEXIST)
		return call_fail(c, r, "EntityAlreadyExists", "Group with name %s already exists.",
				 req->group_name);
	if (r < 0 || (r = entity_count_check(c, ENTITY_KIND_GROUP)) < 0)
		return op_fail_store(c, r);
	resp->group = g;
	*ret = &resp->base;
	return 0;
}

/* ---- GetGroup ---- */

static int page_check(struct call *c, const char *marker, bool has_max, int32_t max,
		      struct util_verr *e)
{
	util_name_check_marker(marker, "marker", e);
	util_name_check_max_items(has_max, max, "maxItems", e);
	return entity_verr_fail(c, e);
}

int op_get_group_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__GetGroupRequest *req = (const Iam__GetGroupRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	util_name_check_group(req->group_name, "groupName", true, &e);
	int r = page_check(c, req->marker, req->has_max_items, req->max_items, &e);
	if (r < 0)
		return r;
	return resource_group(c, req->group_name, ret);
}

struct member_list {
	void **items;
	size_t n;
	const char *prefix;     /* path prefix filter, lists of all only */
};

/* A membership entry: the suffix is the other side's lower-case name. */
static int group_users_visit(struct call *c, const char *suffix, size_t len,
			     const struct store_val *val, bool take, void *userdata)
{
	struct member_list *l = userdata;
	if (!take)
		return 1;
	char *name = arena_strndup(c->arena, suffix, len);
	Iam__User *u;
	if (!name)
		return -ENOMEM;
	int r = entity_user_get(c, name, &u);
	if (r < 0)
		return r == -ENOENT ? -EIO : r;   /* index without record */
	if (!(l->items[l->n] = op_user_brief(c, u)))
		return -ENOMEM;
	l->n++;
	return 1;
}

static void *page_items(struct call *c, bool has_max, int32_t max)
{
	size_t n = has_max ? (size_t)max : UTIL_MAX_ITEMS_DEFAULT;
	return arena_alloc(c->arena, sizeof(void *) * n);
}

int op_get_group(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__GetGroupRequest *req = (const Iam__GetGroupRequest *)m;
	Iam__GetGroupResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	struct entity_page p = { .kind = 'M', .marker = req->marker,
				 .has_max = req->has_max_items, .max = req->max_items };
	struct member_list l = { .items = page_items(c, p.has_max, p.max) };
	char prefix[ENTITY_KEY_MAX];
	if (!resp || !l.items)
		return -ENOMEM;
	iam__get_group_response__init(resp);
	int r = group_load(c, req->group_name, &resp->group);
	if (r < 0)
		return r;
	if (!entity_key(prefix, entity_account(c), resp->group->group_name, ""))
		return -EINVAL;
	r = entity_page_walk(c, STORE_DB_GROUP_USERS, prefix, &p, group_users_visit, &l);
	if (r < 0)
		return op_fail_store(c, r);
	resp->users = (Iam__User **)l.items;
	resp->n_users = l.n;
	resp->has_is_truncated = true;
	resp->is_truncated = p.truncated;
	resp->marker = p.next_marker;
	*ret = &resp->base;
	return 0;
}

/* ---- ListGroups ---- */

int op_list_groups_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__ListGroupsRequest *req = (const Iam__ListGroupsRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	util_name_check_path_prefix(req->path_prefix, "pathPrefix", &e);
	int r = page_check(c, req->marker, req->has_max_items, req->max_items, &e);
	if (r < 0)
		return r;
	*ret = arena_printf(c->arena, "arn:aws:iam::%s:group%s", entity_account(c),
			    req->path_prefix ? req->path_prefix : "/");
	return *ret ? 0 : -ENOMEM;
}

static int list_groups_visit(struct call *c, const char *suffix, size_t len,
			     const struct store_val *val, bool take, void *userdata)
{
	struct member_list *l = userdata;
	Iam__GroupRecord *rec = iam__group_record__unpack(&c->pb, val->len, val->data);
	if (!rec || !rec->group || !rec->group->path)
		return -EIO;
	if (!util_str_has_prefix(rec->group->path, l->prefix))
		return 0;
	if (take)
		l->items[l->n++] = rec->group;
	return 1;
}

int op_list_groups(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__ListGroupsRequest *req = (const Iam__ListGroupsRequest *)m;
	Iam__ListGroupsResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	struct entity_page p = { .kind = 'G', .marker = req->marker,
				 .has_max = req->has_max_items, .max = req->max_items };
	struct member_list l = { .items = page_items(c, p.has_max, p.max),
				 .prefix = req->path_prefix ? req->path_prefix : "/" };
	char prefix[ENTITY_KEY_MAX];
	if (!resp || !l.items || !entity_key(prefix, entity_account(c), "", NULL))
		return -ENOMEM;
	iam__list_groups_response__init(resp);
	int r = entity_page_walk(c, STORE_DB_GROUPS, prefix, &p, list_groups_visit, &l);
	if (r < 0)
		return op_fail_store(c, r);
	resp->groups = (Iam__Group **)l.items;
	resp->n_groups = l.n;
	resp->has_is_truncated = true;
	resp->is_truncated = p.truncated;
	resp->marker = p.next_marker;
	*ret = &resp->base;
	return 0;
}

/* ---- UpdateGroup ---- */

int op_update_group_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__UpdateGroupRequest *req = (const Iam__UpdateGroupRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	util_name_check_group(req->group_name, "groupName", true, &e);
	util_name_check_path(req->new_path, "newPath", &e);
	util_name_check_group(req->new_group_name, "newGroupName", false, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	return resource_group(c, req->group_name, ret);
}

int op_update_group(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__UpdateGroupRequest *req = (const Iam__UpdateGroupRequest *)m;
	Iam__UpdateGroupResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__Group *g;
	if (!resp)
		return -ENOMEM;
	iam__update_group_response__init(resp);
	int r = group_load(c, req->group_name, &g);
	if (r < 0)
		return r;
	if (req->new_group_name || req->new_path) {
		r = entity_group_rename(c, g, req->new_group_name, req->new_path);
		if (r == -EEXIST)
			return call_fail(c, r, "EntityAlreadyExists",
					 "Group with name %s already exists.", req->new_group_name);
		if (r < 0)
			return op_fail_store(c, r);
	}
	*ret = &resp->base;
	return 0;
}

/* ---- DeleteGroup ---- */

int op_delete_group_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	return group_name_resource(c, ((const Iam__DeleteGroupRequest *)m)->group_name, ret);
}

int op_delete_group(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__DeleteGroupRequest *req = (const Iam__DeleteGroupRequest *)m;
	Iam__DeleteGroupResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__Group *g;
	bool members;
	size_t attached;
	if (!resp)
		return -ENOMEM;
	iam__delete_group_response__init(resp);
	int r = group_load(c, req->group_name, &g);
	if (r < 0)
		return r;
	r = entity_attached_count(c, g->group_id, &attached);
	if (r < 0)
		return op_fail_store(c, r);
	if (attached > 0)
		return call_fail(c, -ENOTEMPTY, "DeleteConflict",
				 "Cannot delete entity, must detach all policies first.");
	r = entity_group_has_members(c, g->group_name, &members);
	if (r < 0)
		return op_fail_store(c, r);
	if (members)
		return call_fail(c, -ENOTEMPTY, "DeleteConflict",
				 "Cannot delete entity, must remove users from group first.");
	bool inline_any;
	r = entity_inline_any(c, g->group_id, &inline_any);
	if (r < 0)
		return op_fail_store(c, r);
	if (inline_any)
		return call_fail(c, -ENOTEMPTY, "DeleteConflict",
				 "Cannot delete entity, must delete policies first.");
	r = entity_group_del(c, g);
	if (r < 0)
		return op_fail_store(c, r);
	*ret = &resp->base;
	return 0;
}

/* ---- AddUserToGroup, RemoveUserFromGroup ---- */

static int membership_resource(struct call *c, const char *group, const char *user,
			       const char **ret)
{
	struct util_verr e;
	util_verr_init(&e);
	util_name_check_group(group, "groupName", true, &e);
	util_name_check_user(user, "userName", true, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	return resource_group(c, group, ret);
}

int op_add_user_to_group_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__AddUserToGroupRequest *req = (const Iam__AddUserToGroupRequest *)m;
	return membership_resource(c, req->group_name, req->user_name, ret);
}

int op_add_user_to_group(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__AddUserToGroupRequest *req = (const Iam__AddUserToGroupRequest *)m;
	Iam__AddUserToGroupResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__Group *g;
	Iam__User *u;
	size_t n;
	if (!resp)
		return -ENOMEM;
	iam__add_user_to_group_response__init(resp);
	int r = group_load(c, req->group_name, &g);
	if (r < 0 || (r = op_user_load(c, req->user_name, &u)) < 0)
		return r;
	r = entity_member_is(c, u->user_name, g->group_name);
	if (r == 0) {
		*ret = &resp->base;    /* already a member: nothing to do */
		return 0;
	}
	if (r != -ENOENT || (r = entity_user_groups_count(c, u->user_name, &n)) < 0)
		return op_fail_store(c, r);
	if (n >= ENTITY_GROUPS_PER_USER)
		return call_fail(c, -EDQUOT, "LimitExceeded",
				 "Cannot exceed quota for GroupsPerUser: %d",
				 ENTITY_GROUPS_PER_USER);
	r = entity_member_add(c, u->user_name, g->group_name);
	if (r < 0)
		return op_fail_store(c, r);
	*ret = &resp->base;
	return 0;
}

int op_remove_user_from_group_resource(struct call *c, const ProtobufCMessage *m,
				       const char **ret)
{
	const Iam__RemoveUserFromGroupRequest *req = (const Iam__RemoveUserFromGroupRequest *)m;
	return membership_resource(c, req->group_name, req->user_name, ret);
}

int op_remove_user_from_group(struct call *c, const ProtobufCMessage *m,
			      ProtobufCMessage **ret)
{
	const Iam__RemoveUserFromGroupRequest *req = (const Iam__RemoveUserFromGroupRequest *)m;
	Iam__RemoveUserFromGroupResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__Group *g;
	Iam__User *u;
	if (!resp)
		return -ENOMEM;
	iam__remove_user_from_group_response__init(resp);
	int r = group_load(c, req->group_name, &g);
	if (r < 0 || (r = op_user_load(c, req->user_name, &u)) < 0)
		return r;
	/* Like AWS, removing a user who is not a member succeeds. */
	r = entity_member_del(c, u->user_name, g->group_name);
	if (r < 0 && r != -ENOENT)
		return op_fail_store(c, r);
	*ret = &resp->base;
	return 0;
}

/* ---- ListGroupsForUser ---- */

int op_list_groups_for_user_resource(struct call *c, const ProtobufCMessage *m,
				     const char **ret)
{
	const Iam__ListGroupsForUserRequest *req = (const Iam__ListGroupsForUserRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	util_name_check_user(req->user_name, "userName", true, &e);
	int r = page_check(c, req->marker, req->has_max_items, req->max_items, &e);
	if (r < 0)
		return r;
	return op_resource_user(c, req->user_name, ret);
}

static int user_groups_visit(struct call *c, const char *suffix, size_t len,
			     const struct store_val *val, bool take, void *userdata)
{
	struct member_list *l = userdata;
	if (!take)
		return 1;
	char *name = arena_strndup(c->arena, suffix, len);
	Iam__Group *g;
	if (!name)
		return -ENOMEM;
	int r = entity_group_get(c, name, &g);
	if (r < 0)
		return r == -ENOENT ? -EIO : r;
	l->items[l->n++] = g;
	return 1;
}

int op_list_groups_for_user(struct call *c, const ProtobufCMessage *m,
			    ProtobufCMessage **ret)
{
	const Iam__ListGroupsForUserRequest *req = (const Iam__ListGroupsForUserRequest *)m;
	Iam__ListGroupsForUserResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	struct entity_page p = { .kind = 'R', .marker = req->marker,
				 .has_max = req->has_max_items, .max = req->max_items };
	struct member_list l = { .items = page_items(c, p.has_max, p.max) };
	char prefix[ENTITY_KEY_MAX];
	Iam__User *u;
	if (!resp || !l.items)
		return -ENOMEM;
	iam__list_groups_for_user_response__init(resp);
	int r = op_user_load(c, req->user_name, &u);
	if (r < 0)
		return r;
	if (!entity_key(prefix, entity_account(c), u->user_name, ""))
		return -EINVAL;
	r = entity_page_walk(c, STORE_DB_USER_GROUPS, prefix, &p, user_groups_visit, &l);
	if (r < 0)
		return op_fail_store(c, r);
	resp->groups = (Iam__Group **)l.items;
	resp->n_groups = l.n;
	resp->has_is_truncated = true;
	resp->is_truncated = p.truncated;
	resp->marker = p.next_marker;
	*ret = &resp->base;
	return 0;
}
