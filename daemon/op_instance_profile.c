/* op_instance_profile: the IAM instance profile actions (CreateInstanceProfile,
 * GetInstanceProfile, ListInstanceProfiles, ListInstanceProfilesForRole,
 * AddRoleToInstanceProfile, RemoveRoleFromInstanceProfile,
 * DeleteInstanceProfile, TagInstanceProfile, UntagInstanceProfile,
 * ListInstanceProfileTags) with AWS's semantics, limits and errors.
 * A profile's record (STORE_DB_INSTANCE_PROFILES, account "/" lower(name))
 * names its role (at most one: InstanceSessionsPerInstanceProfile); the
 * index STORE_DB_ROLE_INSTANCE_PROFILES (role id "/" lower(profile)) answers
 * ListInstanceProfilesForRole and DeleteRole's conflict. Roles are read when
 * a profile is answered, so a profile always shows its role as it is now. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "entity.h"
#include "iam_instance_profile.pb-c.h"
#include "iamd.h"
#include "ops.h"
#include "util/arena.h"
#include "util/id.h"
#include "util/name.h"

#define PROFILE_NAME_MAX 128
#define PROFILE_ROLES_MAX 1

/* instanceProfileNameType: 1-128 characters of [\w+=,.@-]. */
static void profile_name_check(const char *v, const char *field, struct util_verr *e)
{
	if (!v) {
		util_verr_add(e, field, NULL, "Member must not be null");
		return;
	}
	size_t len = strlen(v);
	bool bad = len == 0;
	for (size_t i = 0; i < len; i++) {
		char ch = v[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || strchr("_+=,.@-", ch)))
			bad = true;
	}
	if (len == 0)
		util_verr_add(e, field, v, "Member must have length greater than or equal to 1");
	else if (len > PROFILE_NAME_MAX)
		util_verr_add(e, field, v, "Member must have length less than or equal to %d",
			      PROFILE_NAME_MAX);
	if (bad && len)
		util_verr_add(e, field, v,
			      "Member must satisfy regular expression pattern: [\\w+=,.@-]+");
}

static char *profile_arn(struct call *c, const char *path, const char *name)
{
	return arena_printf(c->arena, "arn:aws:iam::%s:instance-profile%s%s",
			    entity_account(c), path ? path : "/", name);
}

static int fail_no_profile(struct call *c, const char *name)
{
	return call_fail(c, -ENOENT, "NoSuchEntity", "Instance Profile %s cannot be found.",
			 name);
}

static int profile_get(struct call *c, const char *name, Iam__InstanceProfileRecord **ret)
{
	char key[ENTITY_KEY_MAX];
	struct store_val v;
	size_t klen = entity_key(key, entity_account(c), name, NULL);
	if (!klen)
		return -ENOENT;
	int r = store_get(c->txn, STORE_DB_INSTANCE_PROFILES, key, klen, &v);
	if (r < 0)
		return r;
	Iam__InstanceProfileRecord *rec =
		iam__instance_profile_record__unpack(&c->pb, v.len, v.data);
	if (!rec || !rec->instance_profile)
		return -EIO;
	*ret = rec;
	return 0;
}

static int profile_load(struct call *c, const char *name, Iam__InstanceProfileRecord **ret)
{
	int r = profile_get(c, name, ret);
	if (r == -ENOENT)
		return fail_no_profile(c, name);
	return r < 0 ? op_fail_store(c, r) : 0;
}

static int profile_put(struct call *c, const Iam__InstanceProfileRecord *rec, bool create)
{
	char key[ENTITY_KEY_MAX];
	size_t klen = entity_key(key, entity_account(c),
				 rec->instance_profile->instance_profile_name, NULL);
	if (!klen)
		return -EINVAL;
	size_t len = protobuf_c_message_get_packed_size(&rec->base);
	uint8_t *buf = arena_alloc(c->arena, len ? len : 1);
	if (!buf)
		return -ENOMEM;
	protobuf_c_message_pack(&rec->base, buf);
	return store_put(c->txn, STORE_DB_INSTANCE_PROFILES, key, klen, buf, len,
			 create ? STORE_NOOVERWRITE : 0);
}

/* role id "/" lower(profile name) */
static size_t role_index_key(char buf[ENTITY_KEY_MAX], const char *role_id, const char *profile)
{
	return entity_key(buf, role_id, profile, NULL);
}

int op_instance_profile_role_in_any(struct call *c, const char *role_id, bool *ret)
{
	struct store_cursor *cur = NULL;
	struct store_val k;
	char prefix[ENTITY_KEY_MAX];
	int n = snprintf(prefix, sizeof(prefix), "%s/", role_id);
	if (n < 0 || (size_t)n >= sizeof(prefix))
		return -EINVAL;
	int r = store_cursor_open(c->txn, STORE_DB_ROLE_INSTANCE_PROFILES, &cur);
	if (r < 0)
		return r;
	r = store_cursor_seek(cur, prefix, (size_t)n, &k, NULL);
	store_cursor_close(cur);
	if (r == -ENOENT) {
		*ret = false;
		return 0;
	}
	if (r < 0)
		return r;
	*ret = k.len >= (size_t)n && memcmp(k.data, prefix, (size_t)n) == 0;
	return 0;
}

/* The profile as AWS answers it: its roles read now, each as AWS shows a
 * role inside a profile (no tags, boundary, description or last use). */
static int profile_render(struct call *c, Iam__InstanceProfileRecord *rec, bool tags,
			  Iam__InstanceProfile **ret)
{
	Iam__InstanceProfile *p = rec->instance_profile;
	Iam__Role **roles = arena_alloc(c->arena, sizeof(*roles) * (rec->n_role_names + 1));
	size_t n = 0;
	if (!roles)
		return -ENOMEM;
	for (size_t i = 0; i < rec->n_role_names; i++) {
		Iam__Role *role;
		int r = entity_role_get(c, rec->role_names[i], &role);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return r;
		role->n_tags = 0;
		role->tags = NULL;
		role->permissions_boundary = NULL;
		role->role_last_used = NULL;
		role->description = NULL;
		role->has_max_session_duration = false;
		roles[n++] = role;
	}
	p->roles = roles;
	p->n_roles = n;
	if (!tags) {
		p->tags = NULL;
		p->n_tags = 0;
	}
	*ret = p;
	return 0;
}

static int name_resource(struct call *c, const char *name, const char **ret)
{
	struct util_verr e;
	Iam__InstanceProfileRecord *rec;
	util_verr_init(&e);
	profile_name_check(name, "instanceProfileName", &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	r = profile_get(c, name, &rec);
	if (r == 0) {
		*ret = rec->instance_profile->arn;
		return 0;
	}
	if (r != -ENOENT)
		return op_fail_store(c, r);
	*ret = profile_arn(c, "/", name);
	return *ret ? 0 : -ENOMEM;
}

/* ---- CreateInstanceProfile ---- */

int op_create_instance_profile_resource(struct call *c, const ProtobufCMessage *m,
					const char **ret)
{
	const Iam__CreateInstanceProfileRequest *req =
		(const Iam__CreateInstanceProfileRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	profile_name_check(req->instance_profile_name, "instanceProfileName", &e);
	util_name_check_path(req->path, "path", &e);
	entity_tags_check(req->tags, req->n_tags, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	*ret = profile_arn(c, req->path ? req->path : "/", req->instance_profile_name);
	return *ret ? 0 : -ENOMEM;
}

int op_create_instance_profile(struct call *c, const ProtobufCMessage *m,
			       ProtobufCMessage **ret)
{
	const Iam__CreateInstanceProfileRequest *req =
		(const Iam__CreateInstanceProfileRequest *)m;
	Iam__CreateInstanceProfileResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__InstanceProfileRecord *rec = arena_alloc(c->arena, sizeof(*rec));
	Iam__InstanceProfile *p = arena_alloc(c->arena, sizeof(*p));
	char *id = arena_alloc(c->arena, UTIL_ID_LEN + 1);
	if (!resp || !rec || !p || !id)
		return -ENOMEM;
	iam__create_instance_profile_response__init(resp);
	iam__instance_profile_record__init(rec);
	iam__instance_profile__init(p);
	int r = util_id_new(UTIL_ID_INSTANCE_PROFILE, id);
	if (r < 0)
		return op_fail_store(c, r);
	p->path = entity_strdup(c, req->path ? req->path : "/");
	p->instance_profile_name = entity_strdup(c, req->instance_profile_name);
	p->instance_profile_id = id;
	p->arn = profile_arn(c, p->path, p->instance_profile_name);
	p->has_create_date = true;
	p->create_date = c->now;
	p->tags = req->tags;
	p->n_tags = req->n_tags;
	if (!p->path || !p->instance_profile_name || !p->arn)
		return -ENOMEM;
	rec->instance_profile = p;
	r = profile_put(c, rec, true);
	if (r == -EEXIST)
		return call_fail(c, r, "EntityAlreadyExists",
				 "Instance Profile %s already exists.", req->instance_profile_name);
	if (r < 0)
		return op_fail_store(c, r);
	resp->instance_profile = p;
	*ret = &resp->base;
	return 0;
}

/* ---- GetInstanceProfile ---- */

int op_get_instance_profile_resource(struct call *c, const ProtobufCMessage *m,
				     const char **ret)
{
	return name_resource(c, ((const Iam__GetInstanceProfileRequest *)m)->instance_profile_name,
			     ret);
}

int op_get_instance_profile(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__GetInstanceProfileRequest *req = (const Iam__GetInstanceProfileRequest *)m;
	Iam__GetInstanceProfileResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__InstanceProfileRecord *rec;
	if (!resp)
		return -ENOMEM;
	iam__get_instance_profile_response__init(resp);
	int r = profile_load(c, req->instance_profile_name, &rec);
	if (r < 0)
		return r;
	r = profile_render(c, rec, true, &resp->instance_profile);
	if (r < 0)
		return op_fail_store(c, r);
	*ret = &resp->base;
	return 0;
}

/* ---- ListInstanceProfiles, ListInstanceProfilesForRole ---- */

struct list_profiles {
	const char *prefix;
	Iam__InstanceProfile **items;
	size_t n;
};

static int list_visit(struct call *c, const char *suffix, size_t len,
		      const struct store_val *val, bool take, void *userdata)
{
	struct list_profiles *l = userdata;
	(void)suffix;
	(void)len;
	Iam__InstanceProfileRecord *rec =
		iam__instance_profile_record__unpack(&c->pb, val->len, val->data);
	if (!rec || !rec->instance_profile || !rec->instance_profile->path)
		return -EIO;
	if (!util_str_has_prefix(rec->instance_profile->path, l->prefix))
		return 0;
	if (take) {
		int r = profile_render(c, rec, false, &l->items[l->n]);
		if (r < 0)
			return r;
		l->n++;
	}
	return 1;
}

/* The index's suffix is lower(profile name): the profile is read by it. */
static int for_role_visit(struct call *c, const char *suffix, size_t len,
			  const struct store_val *val, bool take, void *userdata)
{
	struct list_profiles *l = userdata;
	Iam__InstanceProfileRecord *rec;
	(void)val;
	if (!take)
		return 1;
	char *name = arena_alloc(c->arena, len + 1);
	if (!name)
		return -ENOMEM;
	memcpy(name, suffix, len);
	name[len] = '\0';
	int r = profile_get(c, name, &rec);
	if (r < 0)
		return r == -ENOENT ? -EIO : r;
	r = profile_render(c, rec, false, &l->items[l->n]);
	if (r < 0)
		return r;
	l->n++;
	return 1;
}

static int list_check(struct call *c, const char *marker, bool has_max, int32_t max)
{
	struct util_verr e;
	util_verr_init(&e);
	util_name_check_marker(marker, "marker", &e);
	util_name_check_max_items(has_max, max, "maxItems", &e);
	return entity_verr_fail(c, &e);
}

int op_list_instance_profiles_resource(struct call *c, const ProtobufCMessage *m,
				       const char **ret)
{
	const Iam__ListInstanceProfilesRequest *req = (const Iam__ListInstanceProfilesRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	util_name_check_path_prefix(req->path_prefix, "pathPrefix", &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0 || (r = list_check(c, req->marker, req->has_max_items, req->max_items)) < 0)
		return r;
	*ret = arena_printf(c->arena, "arn:aws:iam::%s:instance-profile%s", entity_account(c),
			    req->path_prefix ? req->path_prefix : "/");
	return *ret ? 0 : -ENOMEM;
}

int op_list_instance_profiles(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__ListInstanceProfilesRequest *req = (const Iam__ListInstanceProfilesRequest *)m;
	Iam__ListInstanceProfilesResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	struct entity_page p = { .kind = 'N', .marker = req->marker,
				 .has_max = req->has_max_items, .max = req->max_items };
	int32_t max = p.has_max ? p.max : UTIL_MAX_ITEMS_DEFAULT;
	struct list_profiles l = { .prefix = req->path_prefix ? req->path_prefix : "/" };
	char prefix[ENTITY_KEY_MAX];
	l.items = arena_alloc(c->arena, sizeof(*l.items) * (size_t)(max + 1));
	if (!resp || !l.items || !entity_key(prefix, entity_account(c), "", NULL))
		return -ENOMEM;
	iam__list_instance_profiles_response__init(resp);
	int r = entity_page_walk(c, STORE_DB_INSTANCE_PROFILES, prefix, &p, list_visit, &l);
	if (r < 0)
		return op_fail_store(c, r);
	resp->instance_profiles = l.items;
	resp->n_instance_profiles = l.n;
	resp->has_is_truncated = true;
	resp->is_truncated = p.truncated;
	resp->marker = p.next_marker;
	*ret = &resp->base;
	return 0;
}

int op_list_instance_profiles_for_role_resource(struct call *c, const ProtobufCMessage *m,
						const char **ret)
{
	const Iam__ListInstanceProfilesForRoleRequest *req =
		(const Iam__ListInstanceProfilesForRoleRequest *)m;
	int r = list_check(c, req->marker, req->has_max_items, req->max_items);
	if (r < 0)
		return r;
	return op_role_name_resource(c, req->role_name, ret);
}

int op_list_instance_profiles_for_role(struct call *c, const ProtobufCMessage *m,
				       ProtobufCMessage **ret)
{
	const Iam__ListInstanceProfilesForRoleRequest *req =
		(const Iam__ListInstanceProfilesForRoleRequest *)m;
	Iam__ListInstanceProfilesForRoleResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	struct entity_page p = { .kind = 'F', .marker = req->marker,
				 .has_max = req->has_max_items, .max = req->max_items };
	int32_t max = p.has_max ? p.max : UTIL_MAX_ITEMS_DEFAULT;
	struct list_profiles l = { .prefix = "/" };
	char prefix[ENTITY_KEY_MAX];
	Iam__Role *role;
	if (!resp)
		return -ENOMEM;
	iam__list_instance_profiles_for_role_response__init(resp);
	int r = op_role_load(c, req->role_name, &role);
	if (r < 0)
		return r;
	l.items = arena_alloc(c->arena, sizeof(*l.items) * (size_t)(max + 1));
	if (!l.items || !entity_key(prefix, role->role_id, "", NULL))
		return -ENOMEM;
	r = entity_page_walk(c, STORE_DB_ROLE_INSTANCE_PROFILES, prefix, &p, for_role_visit, &l);
	if (r < 0)
		return op_fail_store(c, r);
	resp->instance_profiles = l.items;
	resp->n_instance_profiles = l.n;
	resp->has_is_truncated = true;
	resp->is_truncated = p.truncated;
	resp->marker = p.next_marker;
	*ret = &resp->base;
	return 0;
}

/* ---- AddRoleToInstanceProfile, RemoveRoleFromInstanceProfile ---- */

static int profile_role_resource(struct call *c, const char *profile, const char *role,
				 const char **ret)
{
	struct util_verr e;
	util_verr_init(&e);
	profile_name_check(profile, "instanceProfileName", &e);
	util_name_check_user(role, "roleName", true, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	return name_resource(c, profile, ret);
}

int op_add_role_to_instance_profile_resource(struct call *c, const ProtobufCMessage *m,
					     const char **ret)
{
	const Iam__AddRoleToInstanceProfileRequest *req =
		(const Iam__AddRoleToInstanceProfileRequest *)m;
	return profile_role_resource(c, req->instance_profile_name, req->role_name, ret);
}

int op_add_role_to_instance_profile(struct call *c, const ProtobufCMessage *m,
				    ProtobufCMessage **ret)
{
	const Iam__AddRoleToInstanceProfileRequest *req =
		(const Iam__AddRoleToInstanceProfileRequest *)m;
	Iam__AddRoleToInstanceProfileResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__InstanceProfileRecord *rec;
	Iam__Role *role;
	char key[ENTITY_KEY_MAX];
	if (!resp)
		return -ENOMEM;
	iam__add_role_to_instance_profile_response__init(resp);
	int r = profile_load(c, req->instance_profile_name, &rec);
	if (r < 0 || (r = op_role_load(c, req->role_name, &role)) < 0)
		return r;
	for (size_t i = 0; i < rec->n_role_names; i++)
		if (util_tag_key_equal(rec->role_names[i], role->role_name))
			return call_fail(c, -EEXIST, "LimitExceeded",
					 "Cannot exceed quota for InstanceSessionsPerInstanceProfile: %d",
					 PROFILE_ROLES_MAX);
	if (rec->n_role_names >= PROFILE_ROLES_MAX)
		return call_fail(c, -EDQUOT, "LimitExceeded",
				 "Cannot exceed quota for InstanceSessionsPerInstanceProfile: %d",
				 PROFILE_ROLES_MAX);
	char **names = arena_alloc(c->arena, sizeof(*names) * (rec->n_role_names + 1));
	if (!names)
		return -ENOMEM;
	if (rec->n_role_names)
		memcpy(names, rec->role_names, sizeof(*names) * rec->n_role_names);
	names[rec->n_role_names] = role->role_name;
	rec->role_names = names;
	rec->n_role_names++;
	size_t klen = role_index_key(key, role->role_id,
				     rec->instance_profile->instance_profile_name);
	if (!klen)
		return -EINVAL;
	if ((r = profile_put(c, rec, false)) < 0 ||
	    (r = store_put(c->txn, STORE_DB_ROLE_INSTANCE_PROFILES, key, klen, "", 0, 0)) < 0)
		return op_fail_store(c, r);
	*ret = &resp->base;
	return 0;
}

int op_remove_role_from_instance_profile_resource(struct call *c, const ProtobufCMessage *m,
						  const char **ret)
{
	const Iam__RemoveRoleFromInstanceProfileRequest *req =
		(const Iam__RemoveRoleFromInstanceProfileRequest *)m;
	return profile_role_resource(c, req->instance_profile_name, req->role_name, ret);
}

int op_remove_role_from_instance_profile(struct call *c, const ProtobufCMessage *m,
					 ProtobufCMessage **ret)
{
	const Iam__RemoveRoleFromInstanceProfileRequest *req =
		(const Iam__RemoveRoleFromInstanceProfileRequest *)m;
	Iam__RemoveRoleFromInstanceProfileResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__InstanceProfileRecord *rec;
	Iam__Role *role;
	char key[ENTITY_KEY_MAX];
	size_t j = 0;
	bool found = false;
	if (!resp)
		return -ENOMEM;
	iam__remove_role_from_instance_profile_response__init(resp);
	int r = profile_load(c, req->instance_profile_name, &rec);
	if (r < 0 || (r = op_role_load(c, req->role_name, &role)) < 0)
		return r;
	for (size_t i = 0; i < rec->n_role_names; i++) {
		if (util_tag_key_equal(rec->role_names[i], role->role_name))
			found = true;
		else
			rec->role_names[j++] = rec->role_names[i];
	}
	if (!found)
		return call_fail(c, -ENOENT, "NoSuchEntity",
				 "Role %s in Instance Profile %s cannot be found.",
				 req->role_name, req->instance_profile_name);
	rec->n_role_names = j;
	size_t klen = role_index_key(key, role->role_id,
				     rec->instance_profile->instance_profile_name);
	if (!klen)
		return -EINVAL;
	r = store_del(c->txn, STORE_DB_ROLE_INSTANCE_PROFILES, key, klen);
	if ((r < 0 && r != -ENOENT) || (r = profile_put(c, rec, false)) < 0)
		return op_fail_store(c, r);
	*ret = &resp->base;
	return 0;
}

/* ---- DeleteInstanceProfile ---- */

int op_delete_instance_profile_resource(struct call *c, const ProtobufCMessage *m,
					const char **ret)
{
	return name_resource(
		c, ((const Iam__DeleteInstanceProfileRequest *)m)->instance_profile_name, ret);
}

int op_delete_instance_profile(struct call *c, const ProtobufCMessage *m,
			       ProtobufCMessage **ret)
{
	const Iam__DeleteInstanceProfileRequest *req =
		(const Iam__DeleteInstanceProfileRequest *)m;
	Iam__DeleteInstanceProfileResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__InstanceProfileRecord *rec;
	char key[ENTITY_KEY_MAX];
	if (!resp)
		return -ENOMEM;
	iam__delete_instance_profile_response__init(resp);
	int r = profile_load(c, req->instance_profile_name, &rec);
	if (r < 0)
		return r;
	if (rec->n_role_names > 0)
		return call_fail(c, -ENOTEMPTY, "DeleteConflict",
				 "Cannot delete entity, must remove roles from instance profile first.");
	size_t klen = entity_key(key, entity_account(c),
				 rec->instance_profile->instance_profile_name, NULL);
	r = store_del(c->txn, STORE_DB_INSTANCE_PROFILES, key, klen);
	if (r < 0)
		return op_fail_store(c, r);
	*ret = &resp->base;
	return 0;
}

/* ---- TagInstanceProfile, UntagInstanceProfile, ListInstanceProfileTags ---- */

int op_tag_instance_profile_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__TagInstanceProfileRequest *req = (const Iam__TagInstanceProfileRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	entity_tags_check(req->tags, req->n_tags, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	return name_resource(c, req->instance_profile_name, ret);
}

int op_tag_instance_profile(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__TagInstanceProfileRequest *req = (const Iam__TagInstanceProfileRequest *)m;
	Iam__TagInstanceProfileResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__InstanceProfileRecord *rec;
	if (!resp)
		return -ENOMEM;
	iam__tag_instance_profile_response__init(resp);
	int r = profile_load(c, req->instance_profile_name, &rec);
	if (r < 0)
		return r;
	Iam__InstanceProfile *p = rec->instance_profile;
	r = entity_tags_merge(c, &p->tags, &p->n_tags, req->tags, req->n_tags);
	if (r < 0 || (r = profile_put(c, rec, false)) < 0)
		return op_fail_store(c, r);
	*ret = &resp->base;
	return 0;
}

int op_untag_instance_profile_resource(struct call *c, const ProtobufCMessage *m,
				       const char **ret)
{
	const Iam__UntagInstanceProfileRequest *req = (const Iam__UntagInstanceProfileRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	entity_tag_keys_check(req->tag_keys, req->n_tag_keys, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	return name_resource(c, req->instance_profile_name, ret);
}

int op_untag_instance_profile(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__UntagInstanceProfileRequest *req = (const Iam__UntagInstanceProfileRequest *)m;
	Iam__UntagInstanceProfileResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__InstanceProfileRecord *rec;
	if (!resp)
		return -ENOMEM;
	iam__untag_instance_profile_response__init(resp);
	int r = profile_load(c, req->instance_profile_name, &rec);
	if (r < 0)
		return r;
	Iam__InstanceProfile *p = rec->instance_profile;
	if (entity_tags_untag(p->tags, &p->n_tags, req->tag_keys, req->n_tag_keys) > 0 &&
	    (r = profile_put(c, rec, false)) < 0)
		return op_fail_store(c, r);
	*ret = &resp->base;
	return 0;
}

int op_list_instance_profile_tags_resource(struct call *c, const ProtobufCMessage *m,
					   const char **ret)
{
	const Iam__ListInstanceProfileTagsRequest *req =
		(const Iam__ListInstanceProfileTagsRequest *)m;
	int r = list_check(c, req->marker, req->has_max_items, req->max_items);
	if (r < 0)
		return r;
	return name_resource(c, req->instance_profile_name, ret);
}

int op_list_instance_profile_tags(struct call *c, const ProtobufCMessage *m,
				  ProtobufCMessage **ret)
{
	const Iam__ListInstanceProfileTagsRequest *req =
		(const Iam__ListInstanceProfileTagsRequest *)m;
	Iam__ListInstanceProfileTagsResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__InstanceProfileRecord *rec;
	struct entity_tag_page p;
	if (!resp)
		return -ENOMEM;
	iam__list_instance_profile_tags_response__init(resp);
	int r = profile_load(c, req->instance_profile_name, &rec);
	if (r < 0)
		return r;
	r = entity_tags_page(c, rec->instance_profile->tags, rec->instance_profile->n_tags,
			     req->marker, req->has_max_items, req->max_items, &p);
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
