/* op_account: the account views. GetAccountAuthorizationDetails answers every
 * user, group, role and managed policy of the account with their inline
 * policies, groups, attached policies, boundaries, tags and policy versions,
 * paged across the kinds in AWS's order (UserDetailList, GroupDetailList,
 * RoleDetailList, Policies: customer managed, then AWS managed in use).
 * GetAccountSummary answers the entity counts (the counters of
 * entity_count.c, plus one pass over the id indexes for the attachments)
 * and AWS's quotas. Records are read straight from the store by the key
 * formats of lib/store/store.h. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api.pb-c.h"
#include "entity.h"
#include "entity_policy.h"
#include "iam_instance_profile.pb-c.h"
#include "iam_views.pb-c.h"
#include "ops.h"
#include "store.pb-c.h"
#include "util/arena.h"
#include "util/name.h"

/* One marker kind for the whole walk; its data is the section tag and the
 * key suffix of the next entry. */
#define DETAILS_MARKER_KIND 'D'
/* A page stops early (truncated, as AWS allows) once its details hold about
 * this many bytes, so 1000 roles with 10 KiB of policies each still make a
 * reasonable frame. */
#define DETAILS_PAGE_BYTES (2u << 20)

enum filter_bit {
	F_USER = 1u << 0,
	F_GROUP = 1u << 1,
	F_ROLE = 1u << 2,
	F_LOCAL = 1u << 3,
	F_AWS = 1u << 4,
	F_ALL = (1u << 5) - 1,
};

static const struct {
	const char *name;
	unsigned bit;
} filters[] = {
	{ "User", F_USER }, { "Role", F_ROLE }, { "Group", F_GROUP },
	{ "LocalManagedPolicy", F_LOCAL }, { "AWSManagedPolicy", F_AWS },
};

struct vec {
	void **v;
	size_t n, cap;
};

struct details {
	const char *acct;
	int32_t max;
	int32_t taken;
	size_t bytes;
	struct vec users, groups, roles, policies;
	bool truncated;
	char *marker;
};

typedef int (*visit_fn)(struct call *c, struct details *d, const struct store_val *val,
			bool take);

struct section {
	char tag;
	unsigned bit;
	enum store_db db;
	bool aws;            /* keys under "aws/" instead of the account */
	visit_fn visit;
};

static int vec_push(struct call *c, struct vec *a, void *item)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 8;
		void **v = arena_alloc(c->arena, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		if (a->n)
			memcpy(v, a->v, a->n * sizeof(*v));
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = item;
	return 0;
}

/* Calls fn for each entry under prefix in db, in key order, until fn
 * returns non-zero (> 0: stop, done). */
typedef int (*scan_fn)(struct call *c, const char *suffix, size_t len,
		       const struct store_val *val, void *ud);

static int scan_prefix(struct call *c, enum store_db db, const char *prefix, scan_fn fn,
		       void *ud)
{
	struct store_cursor *cur = NULL;
	struct store_val k, v;
	size_t plen = strlen(prefix);
	int r = store_cursor_open(c->txn, db, &cur);
	if (r < 0)
		return r;
	for (r = store_cursor_seek(cur, prefix, plen, &k, &v); r == 0;
	     r = store_cursor_next(cur, &k, &v)) {
		if (k.len < plen || memcmp(k.data, prefix, plen) != 0)
			break;
		r = fn(c, (const char *)k.data + plen, k.len - plen, &v, ud);
		if (r != 0)
			break;   /* an error, or fn says it has seen enough */
	}
	store_cursor_close(cur);
	return r == -ENOENT || r > 0 ? 0 : r;
}

/* ---- the parts of a detail ---- */

static int inline_visit(struct call *c, const char *suffix, size_t len,
			const struct store_val *val, void *ud)
{
	(void)suffix;
	(void)len;
	Iam__InlinePolicyRecord *rec = iam__inline_policy_record__unpack(&c->pb, val->len,
									 val->data);
	Iam__PolicyDetail *pd = arena_alloc(c->arena, sizeof(*pd));
	if (!rec || !pd)
		return rec ? -ENOMEM : -EIO;
	iam__policy_detail__init(pd);
	pd->policy_name = rec->policy_name;
	pd->policy_document = rec->policy_document;
	return vec_push(c, ud, pd);
}

/* The owner's inline policies (owner id "/" lower(name)), by name. */
static int inline_list(struct call *c, const char *owner_id, Iam__PolicyDetail ***ret,
		       size_t *ret_n)
{
	struct vec v = { 0 };
	char *prefix = arena_printf(c->arena, "%s/", owner_id);
	if (!prefix)
		return -ENOMEM;
	int r = scan_prefix(c, STORE_DB_INLINE_POLICIES, prefix, inline_visit, &v);
	if (r < 0)
		return r;
	*ret = (Iam__PolicyDetail **)v.v;
	*ret_n = v.n;
	return 0;
}

/* The owner's attached managed policies: name (the ARN's last segment) and
 * ARN. */
static int attached_list(struct call *c, const char *owner_id, Iam__AttachedPolicy ***ret,
			 size_t *ret_n)
{
	char **arns;
	size_t n;
	int r = entity_attached_list(c, owner_id, &arns, &n);
	if (r < 0)
		return r;
	Iam__AttachedPolicy **v = arena_alloc(c->arena, sizeof(*v) * (n ? n : 1));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *slash = strrchr(arns[i], '/');
		v[i] = arena_alloc(c->arena, sizeof(**v));
		if (!v[i])
			return -ENOMEM;
		iam__attached_policy__init(v[i]);
		v[i]->policy_arn = arns[i];
		v[i]->policy_name = slash ? (char *)slash + 1 : arns[i];
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

struct group_names {
	struct vec v;
	const char *acct;
};

static int group_name_visit(struct call *c, const char *suffix, size_t len,
			    const struct store_val *val, void *ud)
{
	(void)val;
	struct group_names *g = ud;
	struct store_val gv;
	char *key = arena_printf(c->arena, "%s/%.*s", g->acct, (int)len, suffix);
	if (!key)
		return -ENOMEM;
	int r = store_get(c->txn, STORE_DB_GROUPS, key, strlen(key), &gv);
	if (r == -ENOENT)
		return 0;   /* a dangling membership: show nothing */
	if (r < 0)
		return r;
	Iam__GroupRecord *rec = iam__group_record__unpack(&c->pb, gv.len, gv.data);
	if (!rec || !rec->group || !rec->group->group_name)
		return -EIO;
	return vec_push(c, &g->v, rec->group->group_name);
}

/* The names (as created) of the groups the user is in. */
static int group_list(struct call *c, const char *acct, const char *user, char ***ret,
		      size_t *ret_n)
{
	char prefix[ENTITY_KEY_MAX];
	struct group_names g = { .acct = acct };
	if (!entity_key(prefix, acct, user, ""))
		return -EINVAL;
	int r = scan_prefix(c, STORE_DB_USER_GROUPS, prefix, group_name_visit, &g);
	if (r < 0)
		return r;
	*ret = (char **)g.v.v;
	*ret_n = g.v.n;
	return 0;
}

struct profiles {
	struct vec v;
	const char *acct;
	Iam__Role *role;     /* the role whose profiles these are */
};

/* A role of a profile by name: the detail's own role, or its record. */
static int profile_role(struct call *c, struct profiles *p, const char *name, Iam__Role **ret)
{
	char key[ENTITY_KEY_MAX];
	struct store_val v;
	size_t klen;
	if (p->role->role_name && strcasecmp(p->role->role_name, name) == 0) {
		*ret = p->role;
		return 1;
	}
	if (!(klen = entity_key(key, p->acct, name, NULL)))
		return -EINVAL;
	int r = store_get(c->txn, STORE_DB_ROLES, key, klen, &v);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	Iam__RoleRecord *rec = iam__role_record__unpack(&c->pb, v.len, v.data);
	if (!rec || !rec->role)
		return -EIO;
	*ret = rec->role;
	return 1;
}

/* role id "/" lower(profile) in role_instance_profiles: the profile with
 * its roles. */
static int profile_visit(struct call *c, const char *suffix, size_t len,
			 const struct store_val *val, void *ud)
{
	(void)val;
	struct profiles *p = ud;
	struct store_val pv;
	char *key = arena_printf(c->arena, "%s/%.*s", p->acct, (int)len, suffix);
	if (!key)
		return -ENOMEM;
	int r = store_get(c->txn, STORE_DB_INSTANCE_PROFILES, key, strlen(key), &pv);
	if (r == -ENOENT)
		return 0;   /* a dangling index entry: show nothing */
	if (r < 0)
		return r;
	Iam__InstanceProfileRecord *rec =
		iam__instance_profile_record__unpack(&c->pb, pv.len, pv.data);
	if (!rec || !rec->instance_profile)
		return -EIO;
	Iam__InstanceProfile *ip = rec->instance_profile;
	ip->roles = arena_alloc(c->arena, sizeof(*ip->roles) * (rec->n_role_names + 1));
	if (!ip->roles)
		return -ENOMEM;
	ip->n_roles = 0;
	for (size_t i = 0; i < rec->n_role_names; i++) {
		Iam__Role *ro;
		r = profile_role(c, p, rec->role_names[i], &ro);
		if (r < 0)
			return r;
		if (r > 0)
			ip->roles[ip->n_roles++] = ro;
	}
	return vec_push(c, &p->v, ip);
}

static int profile_list(struct call *c, const char *acct, Iam__Role *role,
			Iam__InstanceProfile ***ret, size_t *ret_n)
{
	struct profiles p = { .acct = acct, .role = role };
	char *prefix = arena_printf(c->arena, "%s/", role->role_id);
	if (!prefix)
		return -ENOMEM;
	int r = scan_prefix(c, STORE_DB_ROLE_INSTANCE_PROFILES, prefix, profile_visit, &p);
	if (r < 0)
		return r;
	*ret = (Iam__InstanceProfile **)p.v.v;
	*ret_n = p.v.n;
	return 0;
}

/* ---- one detail per kind ---- */

static int user_visit(struct call *c, struct details *d, const struct store_val *val,
		      bool take)
{
	if (!take)
		return 1;
	Iam__UserRecord *rec = iam__user_record__unpack(&c->pb, val->len, val->data);
	Iam__UserDetail *ud = arena_alloc(c->arena, sizeof(*ud));
	if (!rec || !rec->user || !rec->user->user_id || !rec->user->user_name)
		return -EIO;
	if (!ud)
		return -ENOMEM;
	Iam__User *u = rec->user;
	iam__user_detail__init(ud);
	ud->path = u->path;
	ud->user_name = u->user_name;
	ud->user_id = u->user_id;
	ud->arn = u->arn;
	ud->has_create_date = u->has_create_date;
	ud->create_date = u->create_date;
	ud->permissions_boundary = u->permissions_boundary;
	ud->n_tags = u->n_tags;
	ud->tags = u->tags;
	int r;
	if ((r = inline_list(c, u->user_id, &ud->user_policy_list, &ud->n_user_policy_list)) < 0 ||
	    (r = group_list(c, d->acct, u->user_name, &ud->group_list, &ud->n_group_list)) < 0 ||
	    (r = attached_list(c, u->user_id, &ud->attached_managed_policies,
			       &ud->n_attached_managed_policies)) < 0 ||
	    (r = vec_push(c, &d->users, ud)) < 0)
		return r;
	d->bytes += protobuf_c_message_get_packed_size(&ud->base);
	return 1;
}

static int group_visit(struct call *c, struct details *d, const struct store_val *val,
		       bool take)
{
	if (!take)
		return 1;
	Iam__GroupRecord *rec = iam__group_record__unpack(&c->pb, val->len, val->data);
	Iam__GroupDetail *gd = arena_alloc(c->arena, sizeof(*gd));
	if (!rec || !rec->group || !rec->group->group_id)
		return -EIO;
	if (!gd)
		return -ENOMEM;
	Iam__Group *g = rec->group;
	iam__group_detail__init(gd);
	gd->path = g->path;
	gd->group_name = g->group_name;
	gd->group_id = g->group_id;
	gd->arn = g->arn;
	gd->has_create_date = g->has_create_date;
	gd->create_date = g->create_date;
	int r;
	if ((r = inline_list(c, g->group_id, &gd->group_policy_list,
			     &gd->n_group_policy_list)) < 0 ||
	    (r = attached_list(c, g->group_id, &gd->attached_managed_policies,
			       &gd->n_attached_managed_policies)) < 0 ||
	    (r = vec_push(c, &d->groups, gd)) < 0)
		return r;
	d->bytes += protobuf_c_message_get_packed_size(&gd->base);
	return 1;
}

static int role_visit(struct call *c, struct details *d, const struct store_val *val,
		      bool take)
{
	if (!take)
		return 1;
	Iam__RoleRecord *rec = iam__role_record__unpack(&c->pb, val->len, val->data);
	Iam__RoleDetail *rd = arena_alloc(c->arena, sizeof(*rd));
	if (!rec || !rec->role || !rec->role->role_id)
		return -EIO;
	if (!rd)
		return -ENOMEM;
	Iam__Role *ro = rec->role;
	iam__role_detail__init(rd);
	rd->path = ro->path;
	rd->role_name = ro->role_name;
	rd->role_id = ro->role_id;
	rd->arn = ro->arn;
	rd->has_create_date = ro->has_create_date;
	rd->create_date = ro->create_date;
	rd->assume_role_policy_document = ro->assume_role_policy_document;
	rd->permissions_boundary = ro->permissions_boundary;
	rd->n_tags = ro->n_tags;
	rd->tags = ro->tags;
	rd->role_last_used = ro->role_last_used;
	if (!rd->role_last_used) {   /* AWS answers {} for a role never used */
		rd->role_last_used = arena_alloc(c->arena, sizeof(*rd->role_last_used));
		if (!rd->role_last_used)
			return -ENOMEM;
		iam__role_last_used__init(rd->role_last_used);
	}
	int r;
	if ((r = inline_list(c, ro->role_id, &rd->role_policy_list,
			     &rd->n_role_policy_list)) < 0 ||
	    (r = attached_list(c, ro->role_id, &rd->attached_managed_policies,
			       &rd->n_attached_managed_policies)) < 0 ||
	    (r = profile_list(c, d->acct, ro, &rd->instance_profile_list,
			      &rd->n_instance_profile_list)) < 0 ||
	    (r = vec_push(c, &d->roles, rd)) < 0)
		return r;
	d->bytes += protobuf_c_message_get_packed_size(&rd->base);
	return 1;
}

static int policy_visit_common(struct call *c, struct details *d, const struct store_val *val,
			       bool take, bool aws)
{
	Iam__ManagedPolicyRecord *rec = iam__managed_policy_record__unpack(&c->pb, val->len,
									   val->data);
	if (!rec || !rec->policy)
		return -EIO;
	Iam__Policy *p = rec->policy;
	int r;
	/* AWS managed policies show only when the account uses them (the
	 * counts are the account's own). */
	if (aws && (r = aws_managed_use_apply(c->txn, d->acct, p)) < 0)
		return r;
	if (aws && p->attachment_count <= 0 && p->permissions_boundary_usage_count <= 0)
		return 0;
	if (!take)
		return 1;
	Iam__ManagedPolicyDetail *md = arena_alloc(c->arena, sizeof(*md));
	if (!md)
		return -ENOMEM;
	iam__managed_policy_detail__init(md);
	md->policy_name = p->policy_name;
	md->policy_id = p->policy_id;
	md->arn = p->arn;
	md->path = p->path;
	md->default_version_id = p->default_version_id;
	md->has_attachment_count = true;
	md->attachment_count = p->attachment_count;
	md->has_permissions_boundary_usage_count = true;
	md->permissions_boundary_usage_count = p->permissions_boundary_usage_count;
	md->has_is_attachable = true;
	md->is_attachable = p->has_is_attachable ? p->is_attachable : true;
	md->description = p->description;
	md->has_create_date = p->has_create_date;
	md->create_date = p->create_date;
	md->has_update_date = p->has_update_date;
	md->update_date = p->update_date;
	md->n_policy_version_list = rec->n_versions;
	md->policy_version_list = rec->versions;
	for (size_t i = 0; i < rec->n_versions; i++) {
		Iam__PolicyVersion *v = rec->versions[i];
		v->has_is_default_version = true;
		v->is_default_version = p->default_version_id && v->version_id &&
					strcmp(p->default_version_id, v->version_id) == 0;
	}
	r = vec_push(c, &d->policies, md);
	if (r < 0)
		return r;
	d->bytes += protobuf_c_message_get_packed_size(&md->base);
	return 1;
}

static int local_visit(struct call *c, struct details *d, const struct store_val *val,
		       bool take)
{
	return policy_visit_common(c, d, val, take, false);
}

static int aws_visit(struct call *c, struct details *d, const struct store_val *val,
		     bool take)
{
	return policy_visit_common(c, d, val, take, true);
}

static const struct section sections[] = {
	{ 'u', F_USER, STORE_DB_USERS, false, user_visit },
	{ 'g', F_GROUP, STORE_DB_GROUPS, false, group_visit },
	{ 'r', F_ROLE, STORE_DB_ROLES, false, role_visit },
	{ 'l', F_LOCAL, STORE_DB_POLICIES, false, local_visit },
	{ 'a', F_AWS, STORE_DB_POLICIES, true, aws_visit },
};
#define N_SECTIONS (sizeof(sections) / sizeof(sections[0]))

/* Walks one section from `from` (a key suffix, "" for its start). Returns
 * 1 when the page is full and a marker was set, 0 when the section ended. */
static int details_section(struct call *c, struct details *d, const struct section *s,
			   const char *from, size_t from_len)
{
	struct store_cursor *cur = NULL;
	struct store_val k, v;
	char prefix[ENTITY_KEY_MAX], start[ENTITY_KEY_MAX];
	size_t plen = entity_key(prefix, s->aws ? ENTITY_POLICY_ACCOUNT_AWS : d->acct, "", NULL);
	if (!plen || plen + from_len >= sizeof(start))
		return -EINVAL;
	memcpy(start, prefix, plen);
	memcpy(start + plen, from, from_len);
	int r = store_cursor_open(c->txn, s->db, &cur);
	if (r < 0)
		return r;
	for (r = store_cursor_seek(cur, start, plen + from_len, &k, &v); r == 0;
	     r = store_cursor_next(cur, &k, &v)) {
		if (k.len < plen || memcmp(k.data, prefix, plen) != 0)
			break;
		bool take = d->taken < d->max && (d->taken == 0 || d->bytes < DETAILS_PAGE_BYTES);
		int m = s->visit(c, d, &v, take);
		if (m < 0) {
			r = m;
			break;
		}
		if (m == 0)
			continue;
		if (take) {
			d->taken++;
			continue;
		}
		/* the first entry of the next page */
		size_t slen = k.len - plen;
		char *data = arena_alloc(c->arena, slen + 1);
		if (!data) {
			r = -ENOMEM;
			break;
		}
		data[0] = s->tag;
		memcpy(data + 1, (const char *)k.data + plen, slen);
		d->truncated = true;
		d->marker = entity_marker_encode(c, DETAILS_MARKER_KIND, data, slen + 1);
		r = d->marker ? 1 : -ENOMEM;
		break;
	}
	store_cursor_close(cur);
	return r == -ENOENT ? 0 : r;
}

int op_get_account_authorization_details_resource(struct call *c, const ProtobufCMessage *m,
						  const char **ret)
{
	const Iam__GetAccountAuthorizationDetailsRequest *req =
		(const Iam__GetAccountAuthorizationDetailsRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	for (size_t i = 0; i < req->n_filter; i++) {
		bool known = false;
		for (size_t j = 0; j < sizeof(filters) / sizeof(filters[0]); j++)
			known |= req->filter[i] && strcmp(req->filter[i], filters[j].name) == 0;
		if (!known) {
			char field[48];
			snprintf(field, sizeof(field), "filter.%zu.member", i + 1);
			util_verr_add(&e, field, req->filter[i],
				      "Member must satisfy enum value set: [User, Role, Group, "
				      "LocalManagedPolicy, AWSManagedPolicy]");
		}
	}
	util_name_check_marker(req->marker, "marker", &e);
	util_name_check_max_items(req->has_max_items, req->max_items, "maxItems", &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	return op_resource_none(c, m, ret);
}

int op_get_account_authorization_details(struct call *c, const ProtobufCMessage *m,
					 ProtobufCMessage **ret)
{
	const Iam__GetAccountAuthorizationDetailsRequest *req =
		(const Iam__GetAccountAuthorizationDetailsRequest *)m;
	Iam__GetAccountAuthorizationDetailsResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	struct details d = { .acct = entity_account(c),
			     .max = req->has_max_items ? req->max_items : UTIL_MAX_ITEMS_DEFAULT };
	unsigned want = req->n_filter ? 0 : F_ALL;
	size_t first = 0;
	const char *from = "";
	size_t from_len = 0;
	int r = 0;

	if (!resp)
		return -ENOMEM;
	iam__get_account_authorization_details_response__init(resp);
	for (size_t i = 0; i < req->n_filter; i++)
		for (size_t j = 0; j < sizeof(filters) / sizeof(filters[0]); j++)
			if (strcmp(req->filter[i], filters[j].name) == 0)
				want |= filters[j].bit;
	if (req->marker) {
		size_t len;
		char *mk = entity_marker_decode(c, DETAILS_MARKER_KIND, req->marker, &len);
		for (first = 0; mk && len >= 1 && first < N_SECTIONS; first++)
			if (sections[first].tag == mk[0])
				break;
		if (!mk || len < 1 || first == N_SECTIONS)
			return entity_marker_fail(c);
		from = mk + 1;
		from_len = len - 1;
	}
	for (size_t s = first; s < N_SECTIONS && r == 0; s++) {
		if (!(want & sections[s].bit))
			continue;
		r = details_section(c, &d, &sections[s], s == first ? from : "",
				    s == first ? from_len : 0);
	}
	if (r < 0)
		return op_fail_store(c, r);
	resp->user_detail_list = (Iam__UserDetail **)d.users.v;
	resp->n_user_detail_list = d.users.n;
	resp->group_detail_list = (Iam__GroupDetail **)d.groups.v;
	resp->n_group_detail_list = d.groups.n;
	resp->role_detail_list = (Iam__RoleDetail **)d.roles.v;
	resp->n_role_detail_list = d.roles.n;
	resp->policies = (Iam__ManagedPolicyDetail **)d.policies.v;
	resp->n_policies = d.policies.n;
	resp->has_is_truncated = true;
	resp->is_truncated = d.truncated;
	resp->marker = d.marker;
	*ret = &resp->base;
	return 0;
}

/* ---- GetAccountSummary ---- */

struct attached_sum {
	const char *prefix;   /* ACCT "/" */
	size_t plen;
	size_t n;
};

/* An id index entry (id -> ACCT "/" name): the owner's attachments count
 * when it belongs to the account. */
static int attached_sum_visit(struct call *c, const char *suffix, size_t len,
			      const struct store_val *val, void *ud)
{
	struct attached_sum *a = ud;
	size_t n;
	if (val->len < a->plen || memcmp(val->data, a->prefix, a->plen) != 0)
		return 0;
	char *id = arena_strndup(c->arena, suffix, len);
	if (!id)
		return -ENOMEM;
	int r = entity_attached_count(c, id, &n);
	if (r < 0)
		return r;
	a->n += n;
	return 0;
}

/* PolicyVersionsInUse: the managed policies (their default versions)
 * attached to the account's users, groups and roles, one per attachment. */
static int attachments_in_use(struct call *c, size_t *ret)
{
	char prefix[ENTITY_KEY_MAX];
	struct attached_sum a = { .prefix = prefix };
	static const enum store_db dbs[] = { STORE_DB_USER_IDS, STORE_DB_GROUP_IDS,
					     STORE_DB_ROLE_IDS };
	a.plen = entity_key(prefix, entity_account(c), "", NULL);
	if (!a.plen)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(dbs) / sizeof(dbs[0]); i++) {
		int r = scan_prefix(c, dbs[i], "", attached_sum_visit, &a);
		if (r < 0)
			return r;
	}
	*ret = a.n;
	return 0;
}

struct key_count {
	size_t n;
	size_t stop;
};

static int key_count_visit(struct call *c, const char *suffix, size_t len,
			   const struct store_val *val, void *ud)
{
	(void)c;
	(void)suffix;
	(void)len;
	(void)val;
	struct key_count *k = ud;
	return ++k->n >= k->stop ? 1 : 0;
}

/* How many keys are under ACCT "/" in db, counting up to `stop`. */
static int account_keys(struct call *c, enum store_db db, size_t stop, size_t *ret)
{
	char prefix[ENTITY_KEY_MAX];
	struct key_count k = { .stop = stop };
	if (!entity_key(prefix, entity_account(c), "", NULL))
		return -EINVAL;
	int r = scan_prefix(c, db, prefix, key_count_visit, &k);
	if (r < 0)
		return r;
	*ret = k.n;
	return 0;
}

struct summary {
	Iam__GetAccountSummaryResponse__SummaryMapEntry **v;
	size_t n;
};

static int summary_put(struct call *c, struct summary *s, const char *key, uint64_t value)
{
	Iam__GetAccountSummaryResponse__SummaryMapEntry *e = arena_alloc(c->arena, sizeof(*e));
	if (!e)
		return -ENOMEM;
	iam__get_account_summary_response__summary_map_entry__init(e);
	e->key = (char *)key;
	e->has_value = true;
	e->value = value > INT32_MAX ? INT32_MAX : (int32_t)value;
	s->v[s->n++] = e;
	return 0;
}

int op_get_account_summary_resource(struct call *c, const ProtobufCMessage *m,
				    const char **ret)
{
	return op_resource_none(c, m, ret);
}

/* AWS's quotas and fixed values, in the order AWS documents the keys. */
static const struct {
	const char *key;
	int32_t value;
} summary_fixed[] = {
	{ "ServerCertificates", 0 },          /* no server certificates here */
	{ "ServerCertificatesQuota", 20 },
	{ "UserPolicySizeQuota", 2048 },
	{ "GroupPolicySizeQuota", 5120 },
	{ "GroupsPerUserQuota", ENTITY_GROUPS_PER_USER },
	{ "SigningCertificatesPerUserQuota", 2 },
	{ "AccessKeysPerUserQuota", 2 },
	{ "AccountMFAEnabled", 0 },           /* nor root MFA */
	{ "AccountPasswordPresent", 0 },      /* root has no password here */
	{ "AccountSigningCertificatesPresent", 0 },
	{ "AttachedPoliciesPerGroupQuota", ENTITY_POLICIES_PER_OWNER },
	{ "AttachedPoliciesPerRoleQuota", ENTITY_POLICIES_PER_OWNER },
	{ "AttachedPoliciesPerUserQuota", ENTITY_POLICIES_PER_OWNER },
	{ "PolicySizeQuota", 6144 },
	{ "PolicyVersionsInUseQuota", 10000 },
	{ "VersionsPerPolicyQuota", ENTITY_POLICY_VERSIONS_MAX },
	{ "GlobalEndpointTokenVersion", 1 },
	{ "AssumeRolePolicySizeQuota", 2048 },
	{ "InstanceProfilesQuota", 1000 },
	{ "Providers", 0 },                   /* no identity providers yet */
	{ "RolePolicySizeQuota", 10240 },
};
#define N_FIXED (sizeof(summary_fixed) / sizeof(summary_fixed[0]))

static const struct {
	const char *key;
	const char *quota_key;
	enum entity_kind kind;
} summary_counted[] = {
	{ "Users", "UsersQuota", ENTITY_KIND_USER },
	{ "Groups", "GroupsQuota", ENTITY_KIND_GROUP },
	{ "Policies", "PoliciesQuota", ENTITY_KIND_POLICY },
	{ "Roles", "RolesQuota", ENTITY_KIND_ROLE },
};
#define N_COUNTED (sizeof(summary_counted) / sizeof(summary_counted[0]))

int op_get_account_summary(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	(void)m;
	Iam__GetAccountSummaryResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	struct summary s = { .v = arena_alloc(c->arena, sizeof(*s.v) *
							    (N_FIXED + 2 * N_COUNTED + 5)) };
	size_t in_use, n_keys;
	int r = 0;
	if (!resp || !s.v)
		return -ENOMEM;
	iam__get_account_summary_response__init(resp);
	for (size_t i = 0; i < N_COUNTED && r >= 0; i++) {
		uint64_t n;
		r = entity_count_get(c, summary_counted[i].kind, &n);
		if (r >= 0)
			r = summary_put(c, &s, summary_counted[i].key, n);
		if (r >= 0)
			r = summary_put(c, &s, summary_counted[i].quota_key,
					entity_count_quota(summary_counted[i].kind));
	}
	if (r >= 0 && (r = attachments_in_use(c, &in_use)) >= 0)
		r = summary_put(c, &s, "PolicyVersionsInUse", in_use);
	/* instance profiles: their keys; root's access keys: any under ACCT "/" */
	if (r >= 0 && (r = account_keys(c, STORE_DB_INSTANCE_PROFILES, SIZE_MAX, &n_keys)) >= 0)
		r = summary_put(c, &s, "InstanceProfiles", n_keys);
	if (r >= 0 && (r = account_keys(c, STORE_DB_USER_ACCESS_KEYS, 1, &n_keys)) >= 0)
		r = summary_put(c, &s, "AccountAccessKeysPresent", n_keys > 0);
	/* virtual MFA devices, and those assigned (op_mfa.c) */
	size_t n_mfa = 0, n_mfa_used = 0;
	if (r >= 0 && (r = op_mfa_count(c, &n_mfa, &n_mfa_used)) >= 0 &&
	    (r = summary_put(c, &s, "MFADevices", n_mfa)) >= 0)
		r = summary_put(c, &s, "MFADevicesInUse", n_mfa_used);
	for (size_t i = 0; i < N_FIXED && r >= 0; i++)
		r = summary_put(c, &s, summary_fixed[i].key, (uint64_t)summary_fixed[i].value);
	if (r < 0)
		return op_fail_store(c, r);
	resp->summary_map = s.v;
	resp->n_summary_map = s.n;
	*ret = &resp->base;
	return 0;
}
