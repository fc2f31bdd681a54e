/* principal: collecting and compiling a principal's policies (principal.h). */
#include "principal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "arn/arn.h"
#include "entity.h"
#include "store.pb-c.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/name.h"

/* Stored documents were validated when written: parse them without the
 * write-time size limits. */
#define STORED_MAX (1u << 20)

int principal_new(enum principal_kind kind, struct principal **ret)
{
	struct arena *a = NULL;
	int r = arena_new(4096, &a);
	if (r < 0)
		return r;
	struct principal *p = arena_zalloc(a, sizeof(*p));
	if (!p) {
		arena_free(a);
		return -ENOMEM;
	}
	p->arena = a;
	p->kind = kind;
	*ret = p;
	return 0;
}

void principal_free(struct principal *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_pols; i++)
		policy_free(p->pols[i].pol);
	policy_free(p->boundary.pol);
	arena_free(p->arena);
}

static int uses_key(const char *key, size_t len, size_t stmt, void *userdata)
{
	unsigned *uses = userdata;
	(void)stmt;
	if (len > 16 && strncasecmp(key, "aws:ResourceTag/", 16) == 0)
		*uses |= PRINCIPAL_USES_RESOURCE_TAG;
	else if (len == 23 && strncasecmp(key, "iam:PermissionsBoundary", 23) == 0)
		*uses |= PRINCIPAL_USES_BOUNDARY_KEY;
	return 0;
}

int principal_add_policy(struct principal *p, const char *text, size_t len,
			 enum policy_type type, size_t max_size, const char *id,
			 const char *src_type, struct policy_diag *reterr)
{
	struct policy_parse_opts o = { .type = type, .name = id,
				       .max_size = max_size ? max_size : STORED_MAX };
	struct policy *pol = NULL;
	struct principal_policy *pp;
	int r;

	if (type != POLICY_BOUNDARY && p->n_pols >= PRINCIPAL_MAX_POLICIES)
		return -E2BIG;
	r = policy_parse_opts(text, len, &o, &pol, reterr);
	if (r < 0)
		return r;
	if (type == POLICY_BOUNDARY) {
		policy_free(p->boundary.pol);
		pp = &p->boundary;
	} else {
		if (!p->pols) {
			p->pols = arena_zalloc(p->arena, PRINCIPAL_MAX_POLICIES * sizeof(*p->pols));
			p->identity = arena_zalloc(p->arena,
						   PRINCIPAL_MAX_POLICIES * sizeof(*p->identity));
			if (!p->pols || !p->identity) {
				policy_free(pol);
				return -ENOMEM;
			}
		}
		pp = &p->pols[p->n_pols];
	}
	pp->pol = pol;   /* owned through pp from here on */
	if (type != POLICY_BOUNDARY)
		p->identity[p->n_pols++] = pol;
	pp->id = arena_strdup(p->arena, id ? id : "");
	pp->type = src_type;
	pp->text = arena_strndup(p->arena, text, len);
	pp->text_len = len;
	pp->stmt_end = arena_zalloc(p->arena, (policy_statement_count(pol) + 1) *
					       sizeof(*pp->stmt_end));
	if (!pp->id || !pp->text || !pp->stmt_end)
		return -ENOMEM;
	(void)policy_keys_walk(text, len, uses_key, &p->uses);
	return 0;
}

int principal_stmt_end(const struct principal_policy *pp, uint32_t stmt,
		       unsigned *ret_line, unsigned *ret_col)
{
	struct policy_stmt_info si;
	unsigned el, ec;
	int r;

	if (stmt >= policy_statement_count(pp->pol))
		return -EINVAL;
	if (pp->stmt_end && pp->stmt_end[stmt][0]) {
		*ret_line = pp->stmt_end[stmt][0];
		*ret_col = pp->stmt_end[stmt][1];
		return 0;
	}
	if ((r = policy_statement_info(pp->pol, stmt, &si)) < 0 ||
	    (r = policy_text_block_end(pp->text, pp->text_len, si.line, si.col, &el, &ec)) < 0)
		return r;
	if (pp->stmt_end) {
		pp->stmt_end[stmt][0] = el;
		pp->stmt_end[stmt][1] = ec;
	}
	*ret_line = el;
	*ret_col = ec;
	return 0;
}

const struct principal_policy *principal_find(const struct principal *p,
					      const struct policy *pol)
{
	for (size_t i = 0; i < p->n_pols; i++)
		if (p->pols[i].pol == pol)
			return &p->pols[i];
	if (p->boundary.pol == pol)
		return &p->boundary;
	return NULL;
}

/* ---- reading the store ---- */

/* Splits a managed policy ARN into its account ("aws" or 12 digits) and
 * name, copied into the arena. */
static int policy_arn_split(struct call *c, const char *arn, char **ret_acct,
			    char **ret_name)
{
	struct arn a;
	if (arn_parse(arn, strlen(arn), &a) < 0 || a.service.n != 3 ||
	    memcmp(a.service.p, "iam", 3) != 0 || a.resource.n < 8 ||
	    memcmp(a.resource.p, "policy/", 7) != 0)
		return -EINVAL;
	const char *end = a.resource.p + a.resource.n, *name = end;
	while (name > a.resource.p && name[-1] != '/')
		name--;
	if (name == end || a.account.n == 0)
		return -EINVAL;
	*ret_acct = arena_strndup(c->arena, a.account.p, a.account.n);
	*ret_name = arena_strndup(c->arena, name, (size_t)(end - name));
	return *ret_acct && *ret_name ? 0 : -ENOMEM;
}

static int managed_get(struct call *c, const char *arn, Iam__ManagedPolicyRecord **ret)
{
	char key[ENTITY_KEY_MAX];
	char *acct, *name;
	struct store_val v;
	int r = policy_arn_split(c, arn, &acct, &name);
	if (r < 0)
		return r == -EINVAL ? -ENOENT : r;
	size_t klen = entity_key(key, acct, name, NULL);
	if (!klen)
		return -ENOENT;
	r = store_get(c->txn, STORE_DB_POLICIES, key, klen, &v);
	if (r < 0)
		return r;
	Iam__ManagedPolicyRecord *rec =
		iam__managed_policy_record__unpack(&c->pb, v.len, v.data);
	if (!rec || !rec->policy)
		return -EIO;
	if (rec->policy->arn && strcmp(rec->policy->arn, arn) != 0)
		return -ENOENT;   /* same name, another path */
	*ret = rec;
	return 0;
}

/* The default version's document of the managed policy `arn`. */
static int managed_default_doc(struct call *c, const char *arn, const char **ret_name,
			       const char **ret_doc, bool *ret_aws)
{
	Iam__ManagedPolicyRecord *rec;
	int r = managed_get(c, arn, &rec);
	if (r < 0)
		return r;
	const char *dv = rec->policy->default_version_id;
	for (size_t i = 0; i < rec->n_versions; i++) {
		Iam__PolicyVersion *v = rec->versions[i];
		if (!v->document)
			continue;
		if ((dv && v->version_id && strcmp(dv, v->version_id) == 0) ||
		    (!dv && v->has_is_default_version && v->is_default_version)) {
			*ret_name = rec->policy->policy_name ? rec->policy->policy_name : arn;
			*ret_doc = v->document;
			*ret_aws = util_str_has_prefix(arn, "arn:aws:iam::aws:");
			return 0;
		}
	}
	return -EIO;   /* a policy without its default version */
}

static int add_stored(struct principal *p, const char *doc, enum policy_type type,
		      const char *id, const char *src_type)
{
	int r = principal_add_policy(p, doc, strlen(doc), type, 0, id, src_type, NULL);
	return r == -ENOMEM ? r : r < 0 ? -EIO : 0;
}

int principal_add_managed(struct call *c, struct principal *p, const char *arn,
			  enum policy_type type)
{
	const char *name, *doc;
	bool aws;
	int r = managed_default_doc(c, arn, &name, &doc, &aws);
	if (r < 0)
		return r;
	return add_stored(p, doc, type, name, aws ? "aws-managed" : "user-managed");
}

/* Inline policies of owner id `oid` (INLINE_POLICIES "oid/name"). */
static int add_inline(struct call *c, struct principal *p, const char *oid,
		      const char *src_type)
{
	char prefix[ENTITY_KEY_MAX];
	struct store_cursor *cur = NULL;
	struct store_val k, v;
	int n = snprintf(prefix, sizeof(prefix), "%s/", oid);
	if (n < 0 || (size_t)n >= sizeof(prefix))
		return -EINVAL;
	int r = store_cursor_open(c->txn, STORE_DB_INLINE_POLICIES, &cur);
	if (r < 0)
		return r;
	for (r = store_cursor_seek(cur, prefix, (size_t)n, &k, &v); r == 0;
	     r = store_cursor_next(cur, &k, &v)) {
		if (k.len < (size_t)n || memcmp(k.data, prefix, (size_t)n) != 0)
			break;
		Iam__InlinePolicyRecord *rec =
			iam__inline_policy_record__unpack(&c->pb, v.len, v.data);
		if (!rec || !rec->policy_document) {
			r = -EIO;
			break;
		}
		r = add_stored(p, rec->policy_document, POLICY_IDENTITY,
			       rec->policy_name, src_type);
		if (r < 0)
			break;
	}
	store_cursor_close(cur);
	return r == -ENOENT ? 0 : r;
}

/* Attached managed policies of owner id `oid` (ATTACHMENTS "oid/ARN"). */
static int add_attached(struct call *c, struct principal *p, const char *oid)
{
	char prefix[ENTITY_KEY_MAX];
	struct store_cursor *cur = NULL;
	struct store_val k, v;
	int n = snprintf(prefix, sizeof(prefix), "%s/", oid);
	if (n < 0 || (size_t)n >= sizeof(prefix))
		return -EINVAL;
	int r = store_cursor_open(c->txn, STORE_DB_ATTACHMENTS, &cur);
	if (r < 0)
		return r;
	for (r = store_cursor_seek(cur, prefix, (size_t)n, &k, &v); r == 0;
	     r = store_cursor_next(cur, &k, &v)) {
		if (k.len < (size_t)n || memcmp(k.data, prefix, (size_t)n) != 0)
			break;
		char *arn = arena_strndup(c->arena, (const char *)k.data + n, k.len - (size_t)n);
		const char *name, *doc;
		bool aws;
		if (!arn) {
			r = -ENOMEM;
			break;
		}
		r = managed_default_doc(c, arn, &name, &doc, &aws);
		if (r == -ENOENT)
			continue;   /* detached under us: nothing to apply */
		if (r < 0)
			break;
		r = add_stored(p, doc, POLICY_IDENTITY, name,
			       aws ? "aws-managed" : "user-managed");
		if (r < 0)
			break;
	}
	store_cursor_close(cur);
	return r == -ENOENT ? 0 : r;
}

/* The boundary: a missing boundary policy denies everything (an empty
 * boundary), never nothing. */
static int add_boundary(struct call *c, struct principal *p,
			const Iam__AttachedPermissionsBoundary *b)
{
	const char *name, *doc;
	bool aws;
	if (!b || !b->permissions_boundary_arn)
		return 0;
	p->boundary_arn = arena_strdup(p->arena, b->permissions_boundary_arn);
	if (!p->boundary_arn)
		return -ENOMEM;
	int r = managed_default_doc(c, b->permissions_boundary_arn, &name, &doc, &aws);
	if (r == -ENOENT) {
		name = b->permissions_boundary_arn;
		doc = "{\"Version\":\"2012-10-17\",\"Statement\":[]}";
		aws = false;
	} else if (r < 0) {
		return r;
	}
	return add_stored(p, doc, POLICY_BOUNDARY, name, aws ? "aws-managed" : "user-managed");
}

static int ctx_add(struct principal *p, size_t *cap, const char *key, const char *val)
{
	if (p->n_ctx >= *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		struct policy_ctx_entry *n = arena_alloc(p->arena, ncap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		if (p->n_ctx)
			memcpy(n, p->ctx, p->n_ctx * sizeof(*n));
		p->ctx = n;
		*cap = ncap;
	}
	const char **vals = arena_alloc(p->arena, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	vals[0] = val;
	p->ctx[p->n_ctx].key = key;
	p->ctx[p->n_ctx].values = vals;
	p->ctx[p->n_ctx].n_values = 1;
	p->n_ctx++;
	return 0;
}

/* aws:userid and aws:PrincipalTag/<key>. */
static int ctx_build(struct principal *p, Iam__Tag *const *tags, size_t n_tags)
{
	size_t cap = 0;
	int r = 0;
	if (p->kind == PRINCIPAL_USER)
		r = ctx_add(p, &cap, "aws:userid", p->id);
	for (size_t i = 0; i < n_tags && r == 0; i++) {
		if (!tags[i]->key)
			continue;
		char *k = arena_printf(p->arena, "aws:PrincipalTag/%s", tags[i]->key);
		char *v = arena_strdup(p->arena, tags[i]->value ? tags[i]->value : "");
		r = k && v ? ctx_add(p, &cap, k, v) : -ENOMEM;
	}
	return r;
}

static int set_names(struct principal *p, const char *arn, const char *id,
		     const char *name, const char *account)
{
	p->arn = arena_strdup(p->arena, arn ? arn : "");
	p->id = arena_strdup(p->arena, id ? id : "");
	p->name = arena_strdup(p->arena, name ? name : "");
	p->account = arena_strdup(p->arena, account);
	return p->arn && p->id && p->name && p->account ? 0 : -ENOMEM;
}

static int record_get(struct call *c, enum store_db db, const char *account,
		      const char *name, struct store_val *v)
{
	char key[ENTITY_KEY_MAX];
	size_t klen = entity_key(key, account, name, NULL);
	if (!klen)
		return -ENOENT;
	return store_get(c->txn, db, key, klen, v);
}

static int load_group(struct call *c, struct principal *p, const char *account,
		      const char *name, bool self)
{
	struct store_val v;
	int r = record_get(c, STORE_DB_GROUPS, account, name, &v);
	if (r < 0)
		return r == -ENOENT && !self ? 0 : r;
	Iam__GroupRecord *rec = iam__group_record__unpack(&c->pb, v.len, v.data);
	if (!rec || !rec->group || !rec->group->group_id)
		return -EIO;
	Iam__Group *g = rec->group;
	if (self && (r = set_names(p, g->arn, g->group_id, g->group_name, account)) < 0)
		return r;
	if ((r = add_inline(c, p, g->group_id, "group")) < 0)
		return r;
	return add_attached(c, p, g->group_id);
}

static int load_user(struct call *c, struct principal *p, const char *account,
		     const char *name)
{
	struct store_val v, k;
	struct store_cursor *cur = NULL;
	char prefix[ENTITY_KEY_MAX];
	int r = record_get(c, STORE_DB_USERS, account, name, &v);
	if (r < 0)
		return r;
	Iam__UserRecord *rec = iam__user_record__unpack(&c->pb, v.len, v.data);
	if (!rec || !rec->user || !rec->user->user_id)
		return -EIO;
	Iam__User *u = rec->user;
	if ((r = set_names(p, u->arn, u->user_id, u->user_name, account)) < 0 ||
	    (r = add_inline(c, p, u->user_id, "user")) < 0 ||
	    (r = add_attached(c, p, u->user_id)) < 0)
		return r;
	/* Its groups: USER_GROUPS "acct/user/group". */
	size_t plen = entity_key(prefix, account, u->user_name, "");
	if (!plen)
		return -EINVAL;
	r = store_cursor_open(c->txn, STORE_DB_USER_GROUPS, &cur);
	if (r < 0)
		return r;
	char **groups = NULL;
	size_t n_groups = 0;
	for (r = store_cursor_seek(cur, prefix, plen, &k, &v); r == 0;
	     r = store_cursor_next(cur, &k, &v)) {
		if (k.len <= plen || memcmp(k.data, prefix, plen) != 0)
			break;
		if (!groups && !(groups = arena_alloc(c->arena, 64 * sizeof(*groups)))) {
			r = -ENOMEM;
			break;
		}
		if (n_groups < 64 &&
		    !(groups[n_groups++] = arena_strndup(c->arena, (const char *)k.data + plen,
							 k.len - plen))) {
			r = -ENOMEM;
			break;
		}
	}
	store_cursor_close(cur);
	if (r < 0 && r != -ENOENT)
		return r;
	for (size_t i = 0; i < n_groups; i++)
		if ((r = load_group(c, p, account, groups[i], false)) < 0)
			return r;
	if ((r = add_boundary(c, p, u->permissions_boundary)) < 0)
		return r;
	return ctx_build(p, u->tags, u->n_tags);
}

static int load_role(struct call *c, struct principal *p, const char *account,
		     const char *name)
{
	struct store_val v;
	int r = record_get(c, STORE_DB_ROLES, account, name, &v);
	if (r < 0)
		return r;
	Iam__RoleRecord *rec = iam__role_record__unpack(&c->pb, v.len, v.data);
	if (!rec || !rec->role || !rec->role->role_id)
		return -EIO;
	Iam__Role *ro = rec->role;
	if ((r = set_names(p, ro->arn, ro->role_id, ro->role_name, account)) < 0 ||
	    (r = add_inline(c, p, ro->role_id, "role")) < 0 ||
	    (r = add_attached(c, p, ro->role_id)) < 0 ||
	    (r = add_boundary(c, p, ro->permissions_boundary)) < 0)
		return r;
	return ctx_build(p, ro->tags, ro->n_tags);
}

int principal_load(struct call *c, enum principal_kind kind, const char *account,
		   const char *name, struct principal **ret)
{
	struct principal *p = NULL;
	int r = principal_new(kind, &p);
	if (r < 0)
		return r;
	switch (kind) {
	case PRINCIPAL_USER:
		r = load_user(c, p, account, name);
		break;
	case PRINCIPAL_ROLE:
		r = load_role(c, p, account, name);
		break;
	case PRINCIPAL_GROUP:
		r = load_group(c, p, account, name, true);
		break;
	default:
		r = -EINVAL;
		break;
	}
	if (r < 0) {
		principal_free(p);
		return r;
	}
	*ret = p;
	return 0;
}

int principal_arn_split(struct call *c, const char *arn, enum principal_kind *ret_kind,
			const char **ret_account, const char **ret_name,
			const char **ret_session)
{
	struct arn a;
	enum principal_kind kind;
	const char *session = NULL;
	if (!arn || arn_parse(arn, strlen(arn), &a) < 0 || a.account.n == 0)
		return -EINVAL;
	const char *res = a.resource.p, *end = res + a.resource.n, *name = end;
	while (name > res && name[-1] != '/')
		name--;
	bool iam = a.service.n == 3 && memcmp(a.service.p, "iam", 3) == 0;
	bool sts = a.service.n == 3 && memcmp(a.service.p, "sts", 3) == 0;
	if (iam && util_str_has_prefix(res, "user/"))
		kind = PRINCIPAL_USER;
	else if (iam && util_str_has_prefix(res, "role/"))
		kind = PRINCIPAL_ROLE;
	else if (iam && util_str_has_prefix(res, "group/"))
		kind = PRINCIPAL_GROUP;
	else if (sts && util_str_has_prefix(res, "assumed-role/")) {
		const char *role = res + 13;
		const char *slash = memchr(role, '/', (size_t)(end - role));
		if (!slash || slash == role || slash + 1 >= end)
			return -EINVAL;
		kind = PRINCIPAL_ROLE;
		session = slash + 1;
		name = role;
		end = slash;
	} else {
		return -EINVAL;
	}
	if (name >= end)
		return -EINVAL;
	const char *acct = arena_strndup(c->arena, a.account.p, a.account.n);
	const char *nm = arena_strndup(c->arena, name, (size_t)(end - name));
	if (!acct || !nm)
		return -ENOMEM;
	*ret_kind = kind;
	*ret_account = acct;
	*ret_name = nm;
	if (ret_session)
		*ret_session = session;
	return 0;
}

int principal_resource_info(struct call *c, const char *arn,
			    struct Iam__Tag *const **ret_tags, size_t *ret_n,
			    const char **ret_boundary)
{
	enum principal_kind kind;
	const char *acct, *name;
	struct store_val v;
	Iam__AttachedPermissionsBoundary *b = NULL;
	int r;

	*ret_tags = NULL;
	*ret_n = 0;
	if (ret_boundary)
		*ret_boundary = NULL;
	if (!util_str_has_prefix(arn, "arn:aws:iam::"))
		return 0;   /* not an IAM resource: nothing stored about it */
	if (strstr(arn, ":policy/")) {
		Iam__ManagedPolicyRecord *rec;
		r = managed_get(c, arn, &rec);
		if (r == -ENOENT)
			return 0;
		if (r < 0)
			return r;
		*ret_tags = rec->policy->tags;
		*ret_n = rec->policy->n_tags;
		return 0;
	}
	if (principal_arn_split(c, arn, &kind, &acct, &name, NULL) < 0 ||
	    kind == PRINCIPAL_GROUP)
		return 0;
	r = record_get(c, kind == PRINCIPAL_USER ? STORE_DB_USERS : STORE_DB_ROLES, acct,
		       name, &v);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (kind == PRINCIPAL_USER) {
		Iam__UserRecord *rec = iam__user_record__unpack(&c->pb, v.len, v.data);
		if (!rec || !rec->user)
			return -EIO;
		*ret_tags = rec->user->tags;
		*ret_n = rec->user->n_tags;
		b = rec->user->permissions_boundary;
	} else {
		Iam__RoleRecord *rec = iam__role_record__unpack(&c->pb, v.len, v.data);
		if (!rec || !rec->role)
			return -EIO;
		*ret_tags = rec->role->tags;
		*ret_n = rec->role->n_tags;
		b = rec->role->permissions_boundary;
	}
	if (ret_boundary && b)
		*ret_boundary = b->permissions_boundary_arn;
	return 0;
}
