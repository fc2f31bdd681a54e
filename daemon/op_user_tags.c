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
	size_t cap = u->n_tags + req->n_tags, n = u->n_tags;
	Iam__Tag **tags = arena_alloc(c->arena, sizeof(*tags) * (cap ? cap : 1));
	if (!tags)
		return -ENOMEM;
	if (u->n_tags)
		memcpy(tags, u->tags, sizeof(*tags) * u->n_tags);
	for (size_t i = 0; i < req->n_tags; i++) {
		size_t j;
		for (j = 0; j < n; j++)
			if (util_tag_key_equal(tags[j]->key, req->tags[i]->key))
				break;
		tags[j] = req->tags[i];
		if (j == n)
			n++;
	}
	if (n > UTIL_TAGS_MAX)
		return call_fail(c, -EDQUOT, "LimitExceeded",
				 "The number of tags has reached the maximum limit.");
	u->tags = tags;
	u->n_tags = n;
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
	char field[32];
	util_verr_init(&e);
	util_name_check_user(req->user_name, "userName", true, &e);
	if (req->n_tag_keys > UTIL_TAGS_MAX) {
		char v[32];
		snprintf(v, sizeof(v), "[%zu keys]", req->n_tag_keys);
		util_verr_add(&e, "tagKeys", v, "Member must have length less than or equal to %d",
			      UTIL_TAGS_MAX);
	} else if (req->n_tag_keys == 0) {
		util_verr_add(&e, "tagKeys", NULL, "Member must not be null");
	}
	for (size_t i = 0; i < req->n_tag_keys && i < UTIL_TAGS_MAX; i++) {
		snprintf(field, sizeof(field), "tagKeys.%zu.member", i + 1);
		util_name_check_tag_key(req->tag_keys[i], field, &e);
	}
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
	size_t n = 0;
	for (size_t i = 0; i < u->n_tags; i++) {
		bool drop = false;
		for (size_t j = 0; j < req->n_tag_keys && !drop; j++)
			drop = util_tag_key_equal(u->tags[i]->key, req->tag_keys[j]);
		if (!drop)
			u->tags[n++] = u->tags[i];
	}
	if (n != u->n_tags) {
		u->n_tags = n;
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
	size_t start = 0;
	if (!resp)
		return -ENOMEM;
	iam__list_user_tags_response__init(resp);
	int r = op_user_load(c, req->user_name, &u);
	if (r < 0)
		return r;
	if (req->marker) {
		char *s = entity_marker_decode(c, 'T', req->marker, NULL), *end;
		if (!s || !*s)
			return entity_marker_fail(c);
		unsigned long v = strtoul(s, &end, 10);
		if (*end || v > UTIL_TAGS_MAX)
			return entity_marker_fail(c);
		start = v;
	}
	size_t max = req->has_max_items ? (size_t)req->max_items : UTIL_MAX_ITEMS_DEFAULT;
	size_t avail = start < u->n_tags ? u->n_tags - start : 0;
	size_t n = avail < max ? avail : max;
	resp->tags = n ? u->tags + start : NULL;
	resp->n_tags = n;
	resp->has_is_truncated = true;
	resp->is_truncated = avail > max;
	if (resp->is_truncated) {
		char buf[16];
		int len = snprintf(buf, sizeof(buf), "%zu", start + n);
		resp->marker = entity_marker_encode(c, 'T', buf, (size_t)len);
		if (!resp->marker)
			return -ENOMEM;
	}
	*ret = &resp->base;
	return 0;
}
