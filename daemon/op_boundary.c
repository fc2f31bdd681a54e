/* op_boundary: permissions boundaries. Put/Delete{User,Role}PermissionsBoundary,
 * and what CreateUser, CreateRole, DeleteUser and DeleteRole share: the
 * check of a boundary ARN in a request, and moving an entity's boundary from
 * one managed policy to another while keeping each policy's
 * PermissionsBoundaryUsageCount right (entity_policy_boundary_use(), in the
 * call's transaction). */
#include <errno.h>
#include <string.h>

#include "entity.h"
#include "entity_policy.h"
#include "ops.h"
#include "store.pb-c.h"
#include "util/arena.h"
#include "util/name.h"

#define ARN_IAM "arn:aws:iam::"

/* arn:aws:iam::ACCOUNT|aws:policy/[PATH/]NAME with printable ASCII, not
 * ending in "/". */
static bool boundary_arn_valid(const char *arn)
{
	const char *p = arn + strlen(ARN_IAM);
	if (!util_str_has_prefix(arn, ARN_IAM))
		return false;
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

void op_boundary_check(const char *arn, const char *field, struct util_verr *e)
{
	if (!arn)
		return;
	size_t l = strlen(arn);
	if (l < 20 || l > 2048) {
		util_verr_add(e, field, arn, "Member must have length %s",
			      l < 20 ? "greater than or equal to 20"
				     : "less than or equal to 2048");
		return;
	}
	if (!boundary_arn_valid(arn))
		util_verr_set(e, "InvalidInput", "ARN %s is not valid.", arn);
}

static int fail_no_policy(struct call *c, const char *arn)
{
	return call_fail(c, -ENOENT, "NoSuchEntity",
			 "Policy %s does not exist or is not attachable.", arn);
}

int op_boundary_move(struct call *c, const char *old_arn, const char *new_arn,
		     Iam__AttachedPermissionsBoundary **ret)
{
	Iam__AttachedPermissionsBoundary *pb = NULL;
	bool same = false;
	int r;
	if (new_arn) {
		Iam__ManagedPolicyRecord *rec;
		r = entity_policy_get(c, new_arn, &rec);
		if (r == -ENOENT || r == -EINVAL ||
		    (r == 0 && rec->policy->has_is_attachable && !rec->policy->is_attachable))
			return fail_no_policy(c, new_arn);
		if (r < 0)
			return op_fail_store(c, r);
		/* the entity keeps the canonical ARN, whatever case was sent */
		const char *arn = rec->policy->arn;
		same = old_arn && strcmp(old_arn, arn) == 0;
		if (!same && (r = entity_policy_boundary_use(c, arn, 1)) < 0)
			return op_fail_store(c, r);
		pb = arena_alloc(c->arena, sizeof(*pb));
		if (!pb)
			return -ENOMEM;
		iam__attached_permissions_boundary__init(pb);
		pb->permissions_boundary_type = ENTITY_BOUNDARY_TYPE;
		pb->permissions_boundary_arn = entity_strdup(c, arn);
		if (!pb->permissions_boundary_arn)
			return -ENOMEM;
	}
	if (old_arn && !same) {
		/* the old policy may be gone: nothing to count then */
		r = entity_policy_boundary_use(c, old_arn, -1);
		if (r < 0 && r != -ENOENT)
			return op_fail_store(c, r);
	}
	if (ret)
		*ret = pb;
	return 0;
}

static const char *boundary_arn_of(const Iam__AttachedPermissionsBoundary *pb)
{
	return pb ? pb->permissions_boundary_arn : NULL;
}

/* ---- PutUserPermissionsBoundary, DeleteUserPermissionsBoundary ---- */

static int put_resource(struct call *c, bool role, const char *name, const char *arn,
			const char **ret)
{
	struct util_verr e;
	util_verr_init(&e);
	if (role)
		util_name_check_user(name, "roleName", true, &e);
	else
		util_name_check_user(name, "userName", true, &e);
	if (!arn)
		util_verr_add(&e, "permissionsBoundary", NULL, "Member must not be null");
	op_boundary_check(arn, "permissionsBoundary", &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	return role ? op_resource_role(c, name, ret) : op_resource_user(c, name, ret);
}

int op_put_user_permissions_boundary_resource(struct call *c, const ProtobufCMessage *m,
					      const char **ret)
{
	const Iam__PutUserPermissionsBoundaryRequest *req =
		(const Iam__PutUserPermissionsBoundaryRequest *)m;
	return put_resource(c, false, req->user_name, req->permissions_boundary, ret);
}

/* Sets (arn) or removes (NULL) a user's boundary. */
static int user_boundary_set(struct call *c, const char *name, const char *arn)
{
	Iam__User *u;
	int r = op_user_load(c, name, &u);
	if (r < 0)
		return r;
	const char *old = boundary_arn_of(u->permissions_boundary);
	if (!old && !arn)
		return 0;   /* nothing to delete: AWS answers success */
	r = op_boundary_move(c, old, arn, &u->permissions_boundary);
	if (r < 0)
		return r;
	r = entity_user_put(c, u, false);
	return r < 0 ? op_fail_store(c, r) : 0;
}

int op_put_user_permissions_boundary(struct call *c, const ProtobufCMessage *m,
				     ProtobufCMessage **ret)
{
	const Iam__PutUserPermissionsBoundaryRequest *req =
		(const Iam__PutUserPermissionsBoundaryRequest *)m;
	Iam__PutUserPermissionsBoundaryResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	if (!resp)
		return -ENOMEM;
	iam__put_user_permissions_boundary_response__init(resp);
	int r = user_boundary_set(c, req->user_name, req->permissions_boundary);
	if (r < 0)
		return r;
	*ret = &resp->base;
	return 0;
}

int op_delete_user_permissions_boundary_resource(struct call *c, const ProtobufCMessage *m,
						 const char **ret)
{
	const Iam__DeleteUserPermissionsBoundaryRequest *req =
		(const Iam__DeleteUserPermissionsBoundaryRequest *)m;
	return op_user_name_resource(c, req->user_name, ret);
}

int op_delete_user_permissions_boundary(struct call *c, const ProtobufCMessage *m,
					ProtobufCMessage **ret)
{
	const Iam__DeleteUserPermissionsBoundaryRequest *req =
		(const Iam__DeleteUserPermissionsBoundaryRequest *)m;
	Iam__DeleteUserPermissionsBoundaryResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	if (!resp)
		return -ENOMEM;
	iam__delete_user_permissions_boundary_response__init(resp);
	int r = user_boundary_set(c, req->user_name, NULL);
	if (r < 0)
		return r;
	*ret = &resp->base;
	return 0;
}

/* ---- PutRolePermissionsBoundary, DeleteRolePermissionsBoundary ---- */

int op_put_role_permissions_boundary_resource(struct call *c, const ProtobufCMessage *m,
					      const char **ret)
{
	const Iam__PutRolePermissionsBoundaryRequest *req =
		(const Iam__PutRolePermissionsBoundaryRequest *)m;
	return put_resource(c, true, req->role_name, req->permissions_boundary, ret);
}

static int role_boundary_set(struct call *c, const char *name, const char *arn)
{
	Iam__Role *role;
	int r = op_role_load(c, name, &role);
	if (r < 0)
		return r;
	const char *old = boundary_arn_of(role->permissions_boundary);
	if (!old && !arn)
		return 0;
	r = op_boundary_move(c, old, arn, &role->permissions_boundary);
	if (r < 0)
		return r;
	r = entity_role_put(c, role, false);
	return r < 0 ? op_fail_store(c, r) : 0;
}

int op_put_role_permissions_boundary(struct call *c, const ProtobufCMessage *m,
				     ProtobufCMessage **ret)
{
	const Iam__PutRolePermissionsBoundaryRequest *req =
		(const Iam__PutRolePermissionsBoundaryRequest *)m;
	Iam__PutRolePermissionsBoundaryResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	if (!resp)
		return -ENOMEM;
	iam__put_role_permissions_boundary_response__init(resp);
	int r = role_boundary_set(c, req->role_name, req->permissions_boundary);
	if (r < 0)
		return r;
	*ret = &resp->base;
	return 0;
}

int op_delete_role_permissions_boundary_resource(struct call *c, const ProtobufCMessage *m,
						 const char **ret)
{
	const Iam__DeleteRolePermissionsBoundaryRequest *req =
		(const Iam__DeleteRolePermissionsBoundaryRequest *)m;
	return op_role_name_resource(c, req->role_name, ret);
}

int op_delete_role_permissions_boundary(struct call *c, const ProtobufCMessage *m,
					ProtobufCMessage **ret)
{
	const Iam__DeleteRolePermissionsBoundaryRequest *req =
		(const Iam__DeleteRolePermissionsBoundaryRequest *)m;
	Iam__DeleteRolePermissionsBoundaryResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	if (!resp)
		return -ENOMEM;
	iam__delete_role_permissions_boundary_response__init(resp);
	int r = role_boundary_set(c, req->role_name, NULL);
	if (r < 0)
		return r;
	*ret = &resp->base;
	return 0;
}
