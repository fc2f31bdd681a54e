/* op_role: the IAM role actions (CreateRole, GetRole, ListRoles, UpdateRole,
 * UpdateRoleDescription, UpdateAssumeRolePolicy, DeleteRole) with AWS's
 * semantics, limits and errors. Tags are in op_role_tags.c. A role's trust
 * policy is validated by lib/policy as a trust policy; resource functions
 * validate the request and name the role's ARN, handlers run after
 * authorization in the same transaction. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "entity.h"
#include "entity_policy.h"
#include "iamd.h"
#include "ops.h"
#include "policy/policy.h"
#include "store.pb-c.h"
#include "util/arena.h"
#include "util/id.h"
#include "util/name.h"

#define ROLE_DESCRIPTION_MAX 1000
#define ROLE_SESSION_MIN 3600
#define ROLE_SESSION_MAX 43200
#define ROLE_SESSION_DEFAULT 3600

int op_fail_no_role(struct call *c, const char *name)
{
	return call_fail(c, -ENOENT, "NoSuchEntity", "The role with name %s cannot be found.",
			 name);
}

int op_role_load(struct call *c, const char *name, Iam__Role **ret)
{
	int r = entity_role_get(c, name, ret);
	if (r == -ENOENT)
		return op_fail_no_role(c, name);
	return r < 0 ? op_fail_store(c, r) : 0;
}

int op_resource_role(struct call *c, const char *name, const char **ret_arn)
{
	Iam__Role *role;
	int r = entity_role_get(c, name, &role);
	if (r == 0) {
		*ret_arn = role->arn;
		return 0;
	}
	if (r != -ENOENT)
		return op_fail_store(c, r);
	*ret_arn = entity_role_arn(c, "/", name);
	return *ret_arn ? 0 : -ENOMEM;
}

int op_role_name_resource(struct call *c, const char *name, const char **ret)
{
	struct util_verr e;
	util_verr_init(&e);
	util_name_check_user(name, "roleName", true, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	return op_resource_role(c, name, ret);
}

/* ---- validation ---- */

/* roleDescriptionType: 0-1000 characters of
 * [\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]. */
static void description_check(const char *v, const char *field, bool required,
			      struct util_verr *e)
{
	if (!v) {
		if (required)
			util_verr_add(e, field, NULL, "Member must not be null");
		return;
	}
	size_t len = strlen(v), n = 0;
	bool bad = false;
	for (size_t i = 0; i < len; n++) {
		uint32_t cp;
		size_t k = util_utf8_decode((const unsigned char *)v + i, len - i, &cp);
		if (!k) {
			bad = true;
			break;
		}
		i += k;
		if (!(cp == 0x09 || cp == 0x0a || cp == 0x0d || (cp >= 0x20 && cp <= 0x7e) ||
		      (cp >= 0xa1 && cp <= 0xff)))
			bad = true;
	}
	if (bad)
		util_verr_add(e, field, v, "Member must satisfy regular expression pattern: "
			      "[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*");
	if (n > ROLE_DESCRIPTION_MAX)
		util_verr_add(e, field, v, "Member must have length less than or equal to %d",
			      ROLE_DESCRIPTION_MAX);
}

static void session_check(bool has, int32_t v, const char *field, struct util_verr *e)
{
	util_name_check_range(has, v, ROLE_SESSION_MIN, ROLE_SESSION_MAX, field, e);
}

/* Validates a trust policy with lib/policy: MalformedPolicyDocument with
 * its position, or LimitExceeded over the trust policy quota. */
static int trust_check(struct call *c, const char *role_name, const char *doc)
{
	struct policy *p = NULL;
	struct policy_diag d;
	memset(&d, 0, sizeof(d));
	int r = policy_parse(doc, strlen(doc), POLICY_TRUST, role_name, &p, &d);
	policy_free(p);
	if (r == -E2BIG)
		return call_fail(c, -EDQUOT, "LimitExceeded",
				 "Cannot exceed quota for ACLSizePerRole: %d", POLICY_MAX_TRUST);
	if (r == -EINVAL)
		return call_fail(c, -EINVAL, "MalformedPolicyDocument", "%s", d.message);
	return r < 0 ? op_fail_store(c, r) : 0;
}

/* ---- CreateRole ---- */

int op_create_role_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__CreateRoleRequest *req = (const Iam__CreateRoleRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	util_name_check_path(req->path, "path", &e);
	util_name_check_user(req->role_name, "roleName", true, &e);
	op_policy_document_check(req->assume_role_policy_document, "assumeRolePolicyDocument",
				 true, &e);
	description_check(req->description, "description", false, &e);
	session_check(req->has_max_session_duration, req->max_session_duration,
		      "maxSessionDuration", &e);
	op_boundary_check(req->permissions_boundary, "permissionsBoundary", &e);
	entity_tags_check(req->tags, req->n_tags, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	*ret = entity_role_arn(c, req->path ? req->path : "/", req->role_name);
	return *ret ? 0 : -ENOMEM;
}

int op_create_role(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__CreateRoleRequest *req = (const Iam__CreateRoleRequest *)m;
	Iam__Role *role = arena_alloc(c->arena, sizeof(*role)), *other;
	Iam__CreateRoleResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	char *id = arena_alloc(c->arena, UTIL_ID_LEN + 1);
	if (!role || !resp || !id)
		return -ENOMEM;
	iam__role__init(role);
	iam__create_role_response__init(resp);
	int r = entity_role_get(c, req->role_name, &other);
	if (r == 0)
		return call_fail(c, -EEXIST, "EntityAlreadyExists",
				 "Role with name %s already exists.", req->role_name);
	if (r != -ENOENT)
		return op_fail_store(c, r);
	r = trust_check(c, req->role_name, req->assume_role_policy_document);
	if (r < 0)
		return r;
	r = op_boundary_move(c, NULL, req->permissions_boundary, &role->permissions_boundary);
	if (r < 0)
		return r;
	r = util_id_new(UTIL_ID_ROLE, id);
	if (r < 0)
		return op_fail_store(c, r);
	role->path = entity_strdup(c, req->path ? req->path : "/");
	role->role_name = entity_strdup(c, req->role_name);
	role->role_id = id;
	role->arn = entity_role_arn(c, role->path, role->role_name);
	role->has_create_date = true;
	role->create_date = c->now;
	role->assume_role_policy_document = req->assume_role_policy_document;
	if (req->description && *req->description)
		role->description = req->description;
	role->has_max_session_duration = true;
	role->max_session_duration = req->has_max_session_duration ? req->max_session_duration
								   : ROLE_SESSION_DEFAULT;
	role->n_tags = req->n_tags;
	role->tags = req->tags;
	if (!role->path || !role->role_name || !role->arn)
		return -ENOMEM;
	r = entity_role_put(c, role, true);
	if (r == -EEXIST)
		return call_fail(c, r, "EntityAlreadyExists", "Role with name %s already exists.",
				 req->role_name);
	if (r < 0 || (r = entity_count_check(c, ENTITY_KIND_ROLE)) < 0)
		return op_fail_store(c, r);
	resp->role = role;
	*ret = &resp->base;
	return 0;
}

/* ---- GetRole ---- */

int op_get_role_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	return op_role_name_resource(c, ((const Iam__GetRoleRequest *)m)->role_name, ret);
}

/* The role as GetRole shows it: RoleLastUsed always present ({} when the
 * role was never used), as AWS answers. */
static int role_full(struct call *c, Iam__Role *role)
{
	if (role->role_last_used)
		return 0;
	Iam__RoleLastUsed *lu = arena_alloc(c->arena, sizeof(*lu));
	if (!lu)
		return -ENOMEM;
	iam__role_last_used__init(lu);
	role->role_last_used = lu;
	return 0;
}

int op_get_role(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__GetRoleRequest *req = (const Iam__GetRoleRequest *)m;
	Iam__GetRoleResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	if (!resp)
		return -ENOMEM;
	iam__get_role_response__init(resp);
	int r = op_role_load(c, req->role_name, &resp->role);
	if (r < 0)
		return r;
	r = role_full(c, resp->role);
	if (r < 0)
		return r;
	*ret = &resp->base;
	return 0;
}

/* ---- ListRoles ---- */

int op_list_roles_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__ListRolesRequest *req = (const Iam__ListRolesRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	util_name_check_path_prefix(req->path_prefix, "pathPrefix", &e);
	util_name_check_marker(req->marker, "marker", &e);
	util_name_check_max_items(req->has_max_items, req->max_items, "maxItems", &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	*ret = arena_printf(c->arena, "arn:aws:iam::%s:role%s", entity_account(c),
			    req->path_prefix ? req->path_prefix : "/");
	return *ret ? 0 : -ENOMEM;
}

struct list_roles {
	const char *prefix;
	Iam__Role **items;
	size_t n;
};

/* ListRoles leaves out PermissionsBoundary, RoleLastUsed and Tags, as AWS
 * does. */
static int list_roles_visit(struct call *c, const char *suffix, size_t len,
			    const struct store_val *val, bool take, void *userdata)
{
	struct list_roles *l = userdata;
	(void)suffix;
	(void)len;
	Iam__RoleRecord *rec = iam__role_record__unpack(&c->pb, val->len, val->data);
	if (!rec || !rec->role || !rec->role->path)
		return -EIO;
	if (!util_str_has_prefix(rec->role->path, l->prefix))
		return 0;
	if (take) {
		Iam__Role *role = rec->role;
		role->n_tags = 0;
		role->tags = NULL;
		role->permissions_boundary = NULL;
		role->role_last_used = NULL;
		l->items[l->n++] = role;
	}
	return 1;
}

int op_list_roles(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__ListRolesRequest *req = (const Iam__ListRolesRequest *)m;
	Iam__ListRolesResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	struct entity_page p = { .kind = 'L', .marker = req->marker,
				 .has_max = req->has_max_items, .max = req->max_items };
	int32_t max = p.has_max ? p.max : UTIL_MAX_ITEMS_DEFAULT;
	struct list_roles l = { .prefix = req->path_prefix ? req->path_prefix : "/" };
	char prefix[ENTITY_KEY_MAX];

	l.items = arena_alloc(c->arena, sizeof(*l.items) * (size_t)max);
	if (!resp || !l.items || !entity_key(prefix, entity_account(c), "", NULL))
		return -ENOMEM;
	iam__list_roles_response__init(resp);
	int r = entity_page_walk(c, STORE_DB_ROLES, prefix, &p, list_roles_visit, &l);
	if (r < 0)
		return op_fail_store(c, r);
	resp->roles = l.items;
	resp->n_roles = l.n;
	resp->has_is_truncated = true;
	resp->is_truncated = p.truncated;
	resp->marker = p.next_marker;
	*ret = &resp->base;
	return 0;
}

/* ---- UpdateRole, UpdateRoleDescription ---- */

int op_update_role_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__UpdateRoleRequest *req = (const Iam__UpdateRoleRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	util_name_check_user(req->role_name, "roleName", true, &e);
	description_check(req->description, "description", false, &e);
	session_check(req->has_max_session_duration, req->max_session_duration,
		      "maxSessionDuration", &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	return op_resource_role(c, req->role_name, ret);
}

/* An empty description removes it. */
static void role_set_description(Iam__Role *role, const char *d)
{
	role->description = d && *d ? (char *)d : NULL;
}

int op_update_role(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__UpdateRoleRequest *req = (const Iam__UpdateRoleRequest *)m;
	Iam__UpdateRoleResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__Role *role;
	if (!resp)
		return -ENOMEM;
	iam__update_role_response__init(resp);
	int r = op_role_load(c, req->role_name, &role);
	if (r < 0)
		return r;
	if (req->description)
		role_set_description(role, req->description);
	if (req->has_max_session_duration) {
		role->has_max_session_duration = true;
		role->max_session_duration = req->max_session_duration;
	}
	r = entity_role_put(c, role, false);
	if (r < 0)
		return op_fail_store(c, r);
	*ret = &resp->base;
	return 0;
}

int op_update_role_description_resource(struct call *c, const ProtobufCMessage *m,
					const char **ret)
{
	const Iam__UpdateRoleDescriptionRequest *req =
		(const Iam__UpdateRoleDescriptionRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	util_name_check_user(req->role_name, "roleName", true, &e);
	description_check(req->description, "description", true, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	return op_resource_role(c, req->role_name, ret);
}

int op_update_role_description(struct call *c, const ProtobufCMessage *m,
			       ProtobufCMessage **ret)
{
	const Iam__UpdateRoleDescriptionRequest *req =
		(const Iam__UpdateRoleDescriptionRequest *)m;
	Iam__UpdateRoleDescriptionResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__Role *role;
	if (!resp)
		return -ENOMEM;
	iam__update_role_description_response__init(resp);
	int r = op_role_load(c, req->role_name, &role);
	if (r < 0)
		return r;
	role_set_description(role, req->description);
	r = entity_role_put(c, role, false);
	if (r < 0)
		return op_fail_store(c, r);
	r = role_full(c, role);
	if (r < 0)
		return r;
	resp->role = role;
	*ret = &resp->base;
	return 0;
}

/* ---- UpdateAssumeRolePolicy ---- */

int op_update_assume_role_policy_resource(struct call *c, const ProtobufCMessage *m,
					  const char **ret)
{
	const Iam__UpdateAssumeRolePolicyRequest *req =
		(const Iam__UpdateAssumeRolePolicyRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	util_name_check_user(req->role_name, "roleName", true, &e);
	op_policy_document_check(req->policy_document, "policyDocument", true, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	return op_resource_role(c, req->role_name, ret);
}

int op_update_assume_role_policy(struct call *c, const ProtobufCMessage *m,
				 ProtobufCMessage **ret)
{
	const Iam__UpdateAssumeRolePolicyRequest *req =
		(const Iam__UpdateAssumeRolePolicyRequest *)m;
	Iam__UpdateAssumeRolePolicyResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__Role *role;
	if (!resp)
		return -ENOMEM;
	iam__update_assume_role_policy_response__init(resp);
	int r = op_role_load(c, req->role_name, &role);
	if (r < 0)
		return r;
	r = trust_check(c, role->role_name, req->policy_document);
	if (r < 0)
		return r;
	role->assume_role_policy_document = req->policy_document;
	r = entity_role_put(c, role, false);
	if (r < 0)
		return op_fail_store(c, r);
	*ret = &resp->base;
	return 0;
}

/* ---- DeleteRole ---- */

int op_delete_role_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	return op_role_name_resource(c, ((const Iam__DeleteRoleRequest *)m)->role_name, ret);
}

int op_delete_role(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__DeleteRoleRequest *req = (const Iam__DeleteRoleRequest *)m;
	Iam__DeleteRoleResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__Role *role;
	bool inline_any;
	size_t attached;
	if (!resp)
		return -ENOMEM;
	iam__delete_role_response__init(resp);
	int r = op_role_load(c, req->role_name, &role);
	if (r < 0)
		return r;
	r = entity_attached_count(c, role->role_id, &attached);
	if (r < 0)
		return op_fail_store(c, r);
	if (attached > 0)
		return call_fail(c, -ENOTEMPTY, "DeleteConflict",
				 "Cannot delete entity, must detach all policies first.");
	r = entity_inline_any(c, role->role_id, &inline_any);
	if (r < 0)
		return op_fail_store(c, r);
	if (inline_any)
		return call_fail(c, -ENOTEMPTY, "DeleteConflict",
				 "Cannot delete entity, must delete policies first.");
	r = op_instance_profile_role_in_any(c, role->role_id, &inline_any);
	if (r < 0)
		return op_fail_store(c, r);
	if (inline_any)
		return call_fail(c, -ENOTEMPTY, "DeleteConflict",
				 "Cannot delete entity, must remove roles from instance profile first.");
	/* a boundary does not block the delete; its policy's count drops */
	if (role->permissions_boundary) {
		r = op_boundary_move(c, role->permissions_boundary->permissions_boundary_arn,
				     NULL, NULL);
		if (r < 0)
			return r;
	}
	r = entity_role_del(c, role);
	if (r < 0)
		return op_fail_store(c, r);
	*ret = &resp->base;
	return 0;
}
