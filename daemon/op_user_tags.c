/* op_user_tags: TagUser, UntagUser, ListUserTags. Tags live in the user's
 * record; keys are unique ignoring case, a tag with a known key replaces
 * the old one, and a user holds at most 50. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entity.h"
#include "ops.h"
#include "util/arena.h"
#include "util/name.h"

int op_tag_user_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__TagUserRequest *req = (const Iam__TagUserRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	util_name_check_user(req->user_name, "userName", true, &e);
	entity_tags_check(req->tags, req->n_tags, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	return op_resource_user(c, req->user_name, ret);
}

int op_tag_user(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__TagUserRequest *req = (const Iam__TagUserRequest *)m;
	Iam__TagUserResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__User *u;
	if (!resp)
		return -ENOMEM;
	iam__tag_user_response__init(resp);
	int r = op_user_load(c, req->user_name, &u);
	if (r < 0)
		return r;
	r = entity_tags_merge(c, &u->tags, &u->n_tags, req->tags, req->n_tags);
	if (r < 0)
		return r;
	r = entity_user_put(c, u, false);
	if (r < 0)
		return op_fail_store(c, r);
	*ret = &resp->base;
	return 0;
}

int op_untag_user_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__UntagUserRequest *req = (const Iam__UntagUserRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	util_name_check_user(req->user_name, "userName", true, &e);
	entity_tag_keys_check(req->tag_keys, req->n_tag_keys, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	return op_resource_user(c, req->user_name, ret);
}

int op_untag_user(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__UntagUserRequest *req = (const Iam__UntagUserRequest *)m;
	Iam__UntagUserResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__User *u;
	if (!resp)
		return -ENOMEM;
	iam__untag_user_response__init(resp);
	int r = op_user_load(c, req->user_name, &u);
	if (r < 0)
		return r;
	if (entity_tags_untag(u->tags, &u->n_tags, req->tag_keys, req->n_tag_keys) > 0) {
		r = entity_user_put(c, u, false);
		if (r < 0)
			return op_fail_store(c, r);
	}
	*ret = &resp->base;
	return 0;
}

int op_list_user_tags_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__ListUserTagsRequest *req = (const Iam__ListUserTagsRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	util_name_check_user(req->user_name, "userName", true, &e);
	util_name_check_marker(req->marker, "marker", &e);
	util_name_check_max_items(req->has_max_items, req->max_items, "maxItems", &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	return op_resource_user(c, req->user_name, ret);
}

int op_list_user_tags(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__ListUserTagsRequest *req = (const Iam__ListUserTagsRequest *)m;
	Iam__ListUserTagsResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__User *u;
	if (!resp)
		return -ENOMEM;
	iam__list_user_tags_response__init(resp);
	int r = op_user_load(c, req->user_name, &u);
	if (r < 0)
		return r;
	struct entity_tag_page pg;
	r = entity_tags_page(c, u->tags, u->n_tags, req->marker, req->has_max_items,
			     req->max_items, &pg);
	if (r < 0)
		return r;
	resp->tags = pg.tags;
	resp->n_tags = pg.n_tags;
	resp->has_is_truncated = true;
	resp->is_truncated = pg.truncated;
	resp->marker = pg.marker;
	*ret = &resp->base;
	return 0;
}
