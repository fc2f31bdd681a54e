/* op_attach: Attach/Detach{User,Group,Role}Policy,
 * ListAttached{User,Group,Role}Policies and ListEntitiesForPolicy. An
 * attachment is two index entries (owner -> policy, policy -> owner, see
 * entity_policy.h) and the policy's AttachmentCount; attaching twice is a
 * no-op; a user, group or role holds at most 10 managed policies. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entity.h"
#include "op_policy.h"
#include "store.pb-c.h"
#include "util/arena.h"
#include "util/id.h"
#include "util/name.h"

enum owner_kind { OWNER_USER, OWNER_GROUP, OWNER_ROLE };

static const struct owner_info {
	const char *word;         /* in "The user with name X cannot be found." */
	const char *field;        /* the request member */
	const char *quota;        /* LimitExceeded "Cannot exceed quota for ...: 10" */
} owners[] = {
	[OWNER_USER] = { "user", "userName", "PoliciesPerUser" },
	[OWNER_GROUP] = { "group", "groupName", "PoliciesPerGroup" },
	[OWNER_ROLE] = { "role", "roleName", "PoliciesPerRole" },
};

struct owner {
	const char *id, *name, *path, *arn;
};

/* A role by name: RoleRecord under ACCT "/" lower(name). */
static int role_get(struct call *c, const char *name, Iam__Role **ret)
{
	char key[ENTITY_KEY_MAX];
	struct store_val v;
	size_t klen = entity_key(key, entity_account(c), name, NULL);
	if (!klen)
		return -ENOENT;
	int r = store_get(c->txn, STORE_DB_ROLES, key, klen, &v);
	if (r < 0)
		return r;
	Iam__RoleRecord *rec = iam__role_record__unpack(&c->pb, v.len, v.data);
	if (!rec || !rec->role || !rec->role->role_id)
		return -EIO;
	*ret = rec->role;
	return 0;
}

/* The owner, or -ENOENT; nothing recorded. */
static int owner_get(struct call *c, enum owner_kind kind, const char *name, struct owner *ret)
{
	int r;
	if (kind == OWNER_USER) {
		Iam__User *u;
		if ((r = entity_user_get(c, name, &u)) == 0)
			*ret = (struct owner){ u->user_id, u->user_name, u->path, u->arn };
	} else if (kind == OWNER_GROUP) {
		Iam__Group *g;
		if ((r = entity_group_get(c, name, &g)) == 0)
			*ret = (struct owner){ g->group_id, g->group_name, g->path, g->arn };
	} else {
		Iam__Role *ro;
		if ((r = role_get(c, name, &ro)) == 0)
			*ret = (struct owner){ ro->role_id, ro->role_name, ro->path, ro->arn };
	}
	return r;
}

static int owner_load(struct call *c, enum owner_kind kind, const char *name, struct owner *ret)
{
	int r = owner_get(c, kind, name, ret);
	if (r == -ENOENT)
		return call_fail(c, r, "NoSuchEntity", "The %s with name %s cannot be found.",
				 owners[kind].word, name);
	return r < 0 ? op_fail_store(c, r) : 0;
}

/* Validates the owner's name (and the policy ARN when given) and returns the
 * owner's ARN, or the ARN it would have at path "/". */
static int owner_resource(struct call *c, enum owner_kind kind, const char *name,
			  const char *arn, bool with_arn, const char **ret)
{
	struct util_verr e;
	struct owner o;
	util_verr_init(&e);
	if (kind == OWNER_GROUP)
		util_name_check_group(name, owners[kind].field, true, &e);
	else   /* user and role names: 1-64 of [\w+=,.@-] */
		util_name_check_user(name, owners[kind].field, true, &e);
	if (with_arn)
		op_policy_check_arn(arn, "policyArn", true, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	if (with_arn && (r = op_policy_arn_resource(c, arn, &arn)) < 0)
		return r;
	r = owner_get(c, kind, name, &o);
	if (r == 0) {
		*ret = o.arn;
		return 0;
	}
	if (r != -ENOENT)
		return op_fail_store(c, r);
	*ret = arena_printf(c->arena, "arn:aws:iam::%s:%s/%s", entity_account(c),
			    owners[kind].word, name);
	return *ret ? 0 : -ENOMEM;
}

/* ---- Attach, Detach ---- */

static int attach(struct call *c, enum owner_kind kind, const char *name, const char *arn)
{
	struct owner o;
	Iam__ManagedPolicyRecord *rec;
	size_t n;
	int r = owner_load(c, kind, name, &o);
	if (r < 0 || (r = op_policy_load(c, arn, OP_POLICY_NOT_ATTACHABLE, &rec)) < 0)
		return r;
	r = entity_attached_is(c, o.id, rec->policy->arn);
	if (r == 0)
		return 0;   /* attached already: nothing changes */
	if (r != -ENOENT || (r = entity_attached_count(c, o.id, &n)) < 0)
		return op_fail_store(c, r);
	if (n >= ENTITY_POLICIES_PER_OWNER)
		return call_fail(c, -EDQUOT, "LimitExceeded", "Cannot exceed quota for %s: %d",
				 owners[kind].quota, ENTITY_POLICIES_PER_OWNER);
	r = entity_attach(c, o.id, rec);
	return r < 0 ? op_fail_store(c, r) : 0;
}

static int detach(struct call *c, enum owner_kind kind, const char *name, const char *arn)
{
	struct owner o;
	Iam__ManagedPolicyRecord *rec;
	int r = owner_load(c, kind, name, &o);
	if (r < 0 || (r = op_policy_load(c, arn, OP_POLICY_NOT_FOUND, &rec)) < 0)
		return r;
	r = entity_detach(c, o.id, rec);
	if (r == -ENOENT)
		return op_policy_fail_missing(c, arn, OP_POLICY_NOT_FOUND);
	return r < 0 ? op_fail_store(c, r) : 0;
}

#define ATTACH_OP(op, kind, member, fn)                                                    \
	int op_##op##_resource(struct call *c, const ProtobufCMessage *m, const char **ret)  \
	{                                                                                  \
		const Iam__##fn##Request *req = (const Iam__##fn##Request *)m;             \
		return owner_resource(c, kind, req->member, req->policy_arn, true, ret);   \
	}                                                                                  \
	int op_##op(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)     \
	{                                                                                  \
		const Iam__##fn##Request *req = (const Iam__##fn##Request *)m;             \
		Iam__##fn##Response *resp = arena_zalloc(c->arena, sizeof(*resp));         \
		if (!resp)                                                                 \
			return -ENOMEM;                                                    \
		iam__##op##_response__init(resp);                                          \
		int r = (strncmp(#op, "attach", 6) == 0 ? attach : detach)(                \
			c, kind, req->member, req->policy_arn);                            \
		if (r < 0)                                                                 \
			return r;                                                          \
		*ret = &resp->base;                                                        \
		return 0;                                                                  \
	}

ATTACH_OP(attach_user_policy, OWNER_USER, user_name, AttachUserPolicy)
ATTACH_OP(detach_user_policy, OWNER_USER, user_name, DetachUserPolicy)
ATTACH_OP(attach_group_policy, OWNER_GROUP, group_name, AttachGroupPolicy)
ATTACH_OP(detach_group_policy, OWNER_GROUP, group_name, DetachGroupPolicy)
ATTACH_OP(attach_role_policy, OWNER_ROLE, role_name, AttachRolePolicy)
ATTACH_OP(detach_role_policy, OWNER_ROLE, role_name, DetachRolePolicy)

/* ---- ListAttached{User,Group,Role}Policies ---- */

/* Index markers: kind, then the position of the next item as decimal. */
static int page_start(struct call *c, char kind, const char *marker, size_t n, size_t *ret)
{
	*ret = 0;
	if (!marker)
		return 0;
	char *s = entity_marker_decode(c, kind, marker, NULL), *end;
	if (!s || !*s)
		return entity_marker_fail(c);
	unsigned long v = strtoul(s, &end, 10);
	if (*end || v > n)
		return entity_marker_fail(c);
	*ret = v;
	return 0;
}

static int page_end(struct call *c, char kind, size_t start, size_t n, size_t total,
		    bool *truncated, char **marker)
{
	*truncated = start + n < total;
	*marker = NULL;
	if (*truncated) {
		char buf[24];
		int len = snprintf(buf, sizeof(buf), "%zu", start + n);
		*marker = entity_marker_encode(c, kind, buf, (size_t)len);
		if (!*marker)
			return -ENOMEM;
	}
	return 0;
}

struct attached_page {
	Iam__AttachedPolicy **items;
	size_t n;
	bool truncated;
	char *marker;
};

static int list_attached_resource(struct call *c, enum owner_kind kind, const char *name,
				  const char *prefix, const char *marker, bool has_max,
				  int32_t max, const char **ret)
{
	struct util_verr e;
	util_verr_init(&e);
	entity_policy_check_path(prefix, "pathPrefix", &e);
	util_name_check_marker(marker, "marker", &e);
	util_name_check_max_items(has_max, max, "maxItems", &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	return owner_resource(c, kind, name, NULL, false, ret);
}

static int list_attached(struct call *c, enum owner_kind kind, const char *name,
			 const char *prefix, const char *marker, bool has_max, int32_t max,
			 struct attached_page *ret)
{
	struct owner o;
	char **arns;
	size_t n, m = 0, start;
	int r = owner_load(c, kind, name, &o);
	if (r < 0)
		return r;
	if ((r = entity_attached_list(c, o.id, &arns, &n)) < 0)
		return op_fail_store(c, r);
	Iam__AttachedPolicy **all = arena_alloc(c->arena, sizeof(*all) * (n ? n : 1));
	if (!all)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct entity_policy_arn a;
		if (entity_policy_arn_parse(c, arns[i], &a) < 0)
			continue;   /* not ours to show */
		if (prefix && !util_str_has_prefix(a.path, prefix))
			continue;
		Iam__AttachedPolicy *ap = arena_alloc(c->arena, sizeof(*ap));
		if (!ap)
			return -ENOMEM;
		iam__attached_policy__init(ap);
		ap->policy_name = (char *)a.name;
		ap->policy_arn = arns[i];
		all[m++] = ap;
	}
	if ((r = page_start(c, 'A', marker, m, &start)) < 0)
		return r;
	size_t lim = has_max ? (size_t)max : UTIL_MAX_ITEMS_DEFAULT;
	size_t k = m - start < lim ? m - start : lim;
	ret->items = all + start;
	ret->n = k;
	return page_end(c, 'A', start, k, m, &ret->truncated, &ret->marker);
}

#define LIST_ATTACHED_OP(op, kind, member, fn)                                            \
	int op_##op##_resource(struct call *c, const ProtobufCMessage *m, const char **ret)  \
	{                                                                                  \
		const Iam__##fn##Request *req = (const Iam__##fn##Request *)m;             \
		return list_attached_resource(c, kind, req->member, req->path_prefix,      \
					      req->marker, req->has_max_items,             \
					      req->max_items, ret);                        \
	}                                                                                  \
	int op_##op(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)     \
	{                                                                                  \
		const Iam__##fn##Request *req = (const Iam__##fn##Request *)m;             \
		Iam__##fn##Response *resp = arena_zalloc(c->arena, sizeof(*resp));         \
		struct attached_page p;                                                    \
		if (!resp)                                                                 \
			return -ENOMEM;                                                    \
		iam__##op##_response__init(resp);                                          \
		int r = list_attached(c, kind, req->member, req->path_prefix, req->marker, \
				      req->has_max_items, req->max_items, &p);             \
		if (r < 0)                                                                 \
			return r;                                                          \
		resp->attached_policies = p.items;                                         \
		resp->n_attached_policies = p.n;                                           \
		resp->has_is_truncated = true;                                             \
		resp->is_truncated = p.truncated;                                          \
		resp->marker = p.marker;                                                   \
		*ret = &resp->base;                                                        \
		return 0;                                                                  \
	}

LIST_ATTACHED_OP(list_attached_user_policies, OWNER_USER, user_name, ListAttachedUserPolicies)
LIST_ATTACHED_OP(list_attached_group_policies, OWNER_GROUP, group_name,
		 ListAttachedGroupPolicies)
LIST_ATTACHED_OP(list_attached_role_policies, OWNER_ROLE, role_name, ListAttachedRolePolicies)

/* ---- ListEntitiesForPolicy ---- */

static const char *const entity_filters[] = { "User", "Role", "Group", "LocalManagedPolicy",
					      "AWSManagedPolicy" };

int op_list_entities_for_policy_resource(struct call *c, const ProtobufCMessage *m,
					 const char **ret)
{
	const Iam__ListEntitiesForPolicyRequest *req = (const Iam__ListEntitiesForPolicyRequest *)m;
	struct util_verr e;
	bool ok = !req->entity_filter;
	util_verr_init(&e);
	op_policy_check_arn(req->policy_arn, "policyArn", true, &e);
	for (size_t i = 0; !ok && i < sizeof(entity_filters) / sizeof(*entity_filters); i++)
		ok = strcmp(req->entity_filter, entity_filters[i]) == 0;
	if (!ok)
		util_verr_add(&e, "entityFilter", req->entity_filter,
			      "Member must satisfy enum value set: "
			      "[User, Role, Group, LocalManagedPolicy, AWSManagedPolicy]");
	util_name_check_path(req->path_prefix, "pathPrefix", &e);
	if (req->policy_usage_filter && strcmp(req->policy_usage_filter, "PermissionsPolicy") &&
	    strcmp(req->policy_usage_filter, "PermissionsBoundary"))
		util_verr_add(&e, "policyUsageFilter", req->policy_usage_filter,
			      "Member must satisfy enum value set: "
			      "[PermissionsPolicy, PermissionsBoundary]");
	util_name_check_marker(req->marker, "marker", &e);
	util_name_check_max_items(req->has_max_items, req->max_items, "maxItems", &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	return op_policy_arn_resource(c, req->policy_arn, ret);
}

/* One entity of the answer; sorted groups, users, roles, each by name. */
struct ent {
	enum owner_kind kind;
	char *name, *id;
	char sort[ENTITY_KEY_MAX];
};

struct ent_list {
	const Iam__ListEntitiesForPolicyRequest *req;
	struct ent *v;
	size_t n, cap;
};

static int ent_add(struct call *c, struct ent_list *l, enum owner_kind kind, const char *name,
		   const char *id, const char *path)
{
	const char *f = l->req->entity_filter;
	static const char *const words[] = { "User", "Group", "Role" };
	if ((f && strcmp(f, words[kind]) != 0) ||
	    (l->req->path_prefix && !util_str_has_prefix(path, l->req->path_prefix)))
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct ent *v = arena_alloc(c->arena, sizeof(*v) * cap);
		if (!v)
			return -ENOMEM;
		if (l->n)
			memcpy(v, l->v, sizeof(*v) * l->n);
		l->v = v;
		l->cap = cap;
	}
	struct ent *e = &l->v[l->n];
	static const char order[] = { '1', '0', '2' };   /* groups, users, roles */
	e->kind = kind;
	e->name = entity_strdup(c, name);
	e->id = entity_strdup(c, id);
	if (!e->name || !e->id)
		return -ENOMEM;
	snprintf(e->sort, sizeof(e->sort), "%c%s", order[kind], name);
	util_name_fold(e->sort, e->sort, strlen(e->sort));
	l->n++;
	return 0;
}

/* The entity an owner id names in the caller's account (ids are global:
 * an AWS managed policy's index holds every account's owners). */
static int ent_from_id(struct call *c, struct ent_list *l, const char *id)
{
	static const struct { const char *prefix; enum owner_kind kind; enum store_db db; } ids[] = {
		{ UTIL_ID_USER, OWNER_USER, STORE_DB_USER_IDS },
		{ UTIL_ID_GROUP, OWNER_GROUP, STORE_DB_GROUP_IDS },
		{ UTIL_ID_ROLE, OWNER_ROLE, STORE_DB_ROLE_IDS },
	};
	const char *acct = entity_account(c);
	size_t alen = strlen(acct);
	for (size_t i = 0; i < 3; i++) {
		struct store_val v;
		if (!util_str_has_prefix(id, ids[i].prefix))
			continue;
		int r = store_get(c->txn, ids[i].db, id, strlen(id), &v);
		if (r == -ENOENT)
			return 0;
		if (r < 0)
			return r;
		if (v.len <= alen + 1 || memcmp(v.data, acct, alen) != 0 ||
		    ((const char *)v.data)[alen] != '/')
			return 0;   /* another account's */
		char *name = arena_strndup(c->arena, (const char *)v.data + alen + 1,
					   v.len - alen - 1);
		struct owner o;
		if (!name)
			return -ENOMEM;
		r = owner_get(c, ids[i].kind, name, &o);
		if (r == -ENOENT)
			return 0;
		return r < 0 ? r : ent_add(c, l, ids[i].kind, o.name, o.id, o.path);
	}
	return 0;
}

static int ents_attached(struct call *c, struct ent_list *l, const char *arn)
{
	struct store_cursor *cur = NULL;
	struct store_val k;
	char *prefix = arena_printf(c->arena, "%s\n", arn);
	if (!prefix)
		return -ENOMEM;
	size_t plen = strlen(prefix);
	/* collect the ids first: ent_from_id reads other databases */
	char **idv = NULL;
	size_t n = 0, cap = 0;
	int r = store_cursor_open(c->txn, STORE_DB_POLICY_ATTACHMENTS, &cur);
	if (r < 0)
		return r;
	for (r = store_cursor_seek(cur, prefix, plen, &k, NULL); r == 0;
	     r = store_cursor_next(cur, &k, NULL)) {
		if (k.len < plen || memcmp(k.data, prefix, plen) != 0)
			break;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			char **nv = arena_alloc(c->arena, sizeof(*nv) * cap);
			if (!nv) {
				r = -ENOMEM;
				break;
			}
			if (n)
				memcpy(nv, idv, sizeof(*nv) * n);
			idv = nv;
		}
		if (!(idv[n++] = arena_strndup(c->arena, (const char *)k.data + plen, k.len - plen))) {
			r = -ENOMEM;
			break;
		}
	}
	store_cursor_close(cur);
	if (r < 0 && r != -ENOENT)
		return r;
	for (size_t i = 0; i < n; i++)
		if ((r = ent_from_id(c, l, idv[i])) < 0)
			return r;
	return 0;
}

/* Users and roles whose permissions boundary is `arn` (a scan of the
 * account's users and roles). */
static int ents_boundary(struct call *c, struct ent_list *l, const char *arn)
{
	char prefix[ENTITY_KEY_MAX];
	size_t plen = entity_key(prefix, entity_account(c), "", NULL);
	for (int pass = 0; pass < 2; pass++) {
		struct store_cursor *cur = NULL;
		struct store_val k, v;
		enum store_db db = pass == 0 ? STORE_DB_USERS : STORE_DB_ROLES;
		int r = store_cursor_open(c->txn, db, &cur);
		if (r < 0)
			return r;
		for (r = store_cursor_seek(cur, prefix, plen, &k, &v); r == 0;
		     r = store_cursor_next(cur, &k, &v)) {
			if (k.len < plen || memcmp(k.data, prefix, plen) != 0)
				break;
			const Iam__AttachedPermissionsBoundary *b;
			if (pass == 0) {
				Iam__UserRecord *u = iam__user_record__unpack(&c->pb, v.len, v.data);
				if (!u || !u->user) {
					r = -EIO;
					break;
				}
				b = u->user->permissions_boundary;
				if (b && b->permissions_boundary_arn &&
				    strcmp(b->permissions_boundary_arn, arn) == 0 &&
				    (r = ent_add(c, l, OWNER_USER, u->user->user_name,
						 u->user->user_id, u->user->path)) < 0)
					break;
			} else {
				Iam__RoleRecord *ro = iam__role_record__unpack(&c->pb, v.len, v.data);
				if (!ro || !ro->role) {
					r = -EIO;
					break;
				}
				b = ro->role->permissions_boundary;
				if (b && b->permissions_boundary_arn &&
				    strcmp(b->permissions_boundary_arn, arn) == 0 &&
				    (r = ent_add(c, l, OWNER_ROLE, ro->role->role_name,
						 ro->role->role_id, ro->role->path)) < 0)
					break;
			}
		}
		store_cursor_close(cur);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	return 0;
}

static int ent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ent *)a)->sort, ((const struct ent *)b)->sort);
}

static int entities_answer(struct call *c, const struct ent_list *l, size_t start, size_t k,
			   Iam__ListEntitiesForPolicyResponse *resp)
{
	resp->policy_users = arena_alloc(c->arena, sizeof(void *) * (k ? k : 1));
	resp->policy_groups = arena_alloc(c->arena, sizeof(void *) * (k ? k : 1));
	resp->policy_roles = arena_alloc(c->arena, sizeof(void *) * (k ? k : 1));
	if (!resp->policy_users || !resp->policy_groups || !resp->policy_roles)
		return -ENOMEM;
	for (size_t i = start; i < start + k; i++) {
		const struct ent *e = &l->v[i];
		if (e->kind == OWNER_USER) {
			Iam__PolicyUser *u = arena_alloc(c->arena, sizeof(*u));
			if (!u)
				return -ENOMEM;
			iam__policy_user__init(u);
			u->user_name = e->name;
			u->user_id = e->id;
			resp->policy_users[resp->n_policy_users++] = u;
		} else if (e->kind == OWNER_GROUP) {
			Iam__PolicyGroup *g = arena_alloc(c->arena, sizeof(*g));
			if (!g)
				return -ENOMEM;
			iam__policy_group__init(g);
			g->group_name = e->name;
			g->group_id = e->id;
			resp->policy_groups[resp->n_policy_groups++] = g;
		} else {
			Iam__PolicyRole *ro = arena_alloc(c->arena, sizeof(*ro));
			if (!ro)
				return -ENOMEM;
			iam__policy_role__init(ro);
			ro->role_name = e->name;
			ro->role_id = e->id;
			resp->policy_roles[resp->n_policy_roles++] = ro;
		}
	}
	return 0;
}

int op_list_entities_for_policy(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__ListEntitiesForPolicyRequest *req = (const Iam__ListEntitiesForPolicyRequest *)m;
	Iam__ListEntitiesForPolicyResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__ManagedPolicyRecord *rec;
	struct ent_list l = { .req = req };
	size_t start;
	if (!resp)
		return -ENOMEM;
	iam__list_entities_for_policy_response__init(resp);
	int r = op_policy_load(c, req->policy_arn, OP_POLICY_NOT_ATTACHABLE, &rec);
	if (r < 0)
		return r;
	/* LocalManagedPolicy and AWSManagedPolicy name no user, group or role */
	bool none = req->entity_filter && (strcmp(req->entity_filter, "LocalManagedPolicy") == 0 ||
					   strcmp(req->entity_filter, "AWSManagedPolicy") == 0);
	if (!none) {
		bool boundary = req->policy_usage_filter &&
				strcmp(req->policy_usage_filter, "PermissionsBoundary") == 0;
		r = boundary ? ents_boundary(c, &l, rec->policy->arn)
			     : ents_attached(c, &l, rec->policy->arn);
		if (r < 0)
			return op_fail_store(c, r);
	}
	if (l.n > 1)
		qsort(l.v, l.n, sizeof(*l.v), ent_cmp);
	if ((r = page_start(c, 'E', req->marker, l.n, &start)) < 0)
		return r;
	size_t lim = req->has_max_items ? (size_t)req->max_items : UTIL_MAX_ITEMS_DEFAULT;
	size_t k = l.n - start < lim ? l.n - start : lim;
	bool truncated;
	if ((r = entities_answer(c, &l, start, k, resp)) < 0 ||
	    (r = page_end(c, 'E', start, k, l.n, &truncated, &resp->marker)) < 0)
		return r;
	resp->has_is_truncated = true;
	resp->is_truncated = truncated;
	*ret = &resp->base;
	return 0;
}
