/* op_role_tags: TagRole, UntagRole, ListRoleTags. Tags live in the role's
 * record; keys are unique ignoring case, a tag with a known key replaces
 * the old one, and a role holds at most 50 (entity_tags_* in
 * entity_role.c). */
#include <errno.h>
#include <stdio.h>

#include "entity.h"
#include "ops.h"
#include "util/arena.h"
#include "util/name.h"

int op_tag_role_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__TagRoleRequest *req = (const Iam__TagRoleRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	util_name_check_user(req->role_name, "roleName", true, &e);
	entity_tags_check(req->tags, req->n_tags, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	return op_resource_role(c, req->role_name, ret);
}

int op_tag_role(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__TagRoleRequest *req = (const Iam__TagRoleRequest *)m;
	Iam__TagRoleResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__Role *role;
	if (!resp)
		return -ENOMEM;
	iam__tag_role_response__init(resp);
	int r = op_role_load(c, req->role_name, &role);
	if (r < 0)
		return r;
	r = entity_tags_merge(c, &role->tags, &role->n_tags, req->tags, req->n_tags);
	if (r < 0)
		return r;
	r = entity_role_put(c, role, false);
	if (r < 0)
		return op_fail_store(c, r);
	*ret = &resp->base;
	return 0;
}

int op_untag_role_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__UntagRoleRequest *req = (const Iam__UntagRoleRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	util_name_check_user(req->role_name, "roleName", true, &e);
	entity_tag_keys_check(req->tag_keys, req->n_tag_keys, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	return op_resource_role(c, req->role_name, ret);
}

int op_untag_role(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__UntagRoleRequest *req = (const Iam__UntagRoleRequest *)m;
	Iam__UntagRoleResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__Role *role;
	if (!resp)
		return -ENOMEM;
	iam__untag_role_response__init(resp);
	int r = op_role_load(c, req->role_name, &role);
	if (r < 0)
		return r;
	if (entity_tags_untag(role->tags, &role->n_tags, req->tag_keys, req->n_tag_keys) > 0) {
		r = entity_role_put(c, role, false);
		if (r < 0)
			return op_fail_store(c, r);
	}
	*ret = &resp->base;
	return 0;
}

int op_list_role_tags_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__ListRoleTagsRequest *req = (const Iam__ListRoleTagsRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	util_name_check_user(req->role_name, "roleName", true, &e);
	util_name_check_marker(req->marker, "marker", &e);
	util_name_check_max_items(req->has_max_items, req->max_items, "maxItems", &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	return op_resource_role(c, req->role_name, ret);
}

int op_list_role_tags(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__ListRoleTagsRequest *req = (const Iam__ListRoleTagsRequest *)m;
	Iam__ListRoleTagsResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	struct entity_tag_page p;
	Iam__Role *role;
	if (!resp)
		return -ENOMEM;
	iam__list_role_tags_response__init(resp);
	int r = op_role_load(c, req->role_name, &role);
	if (r < 0)
		return r;
	r = entity_tags_page(c, role->tags, role->n_tags, req->marker, req->has_max_items,
			     req->max_items, &p);
	if (r < 0)
		return r;
	resp->tags = p.tags;
	resp->n_tags = p.n_tags;
	resp->has_is_truncated = true;
	resp->is_truncated = p.truncated;
	resp->marker = p.marker;
	*ret = &resp->base;
	return 0;
}
