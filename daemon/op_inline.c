/* op_inline: inline policies of users, groups and roles
 * (Put/Get/Delete/List{User,Group,Role}Policy). Records live in the
 * inline_policies DB under owner id "/" lower(policy name), so renaming the
 * owner moves nothing. Documents are validated by lib/policy as identity
 * policies; the aggregate size of an owner's inline policies (white space
 * outside strings not counted) is capped as AWS caps it: user 2,048, group
 * 5,120, role 10,240 characters. One generic implementation; the per-action
 * entry points at the end only unpack their request. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "entity.h"
#include "ops.h"
#include "policy/policy.h"
#include "store.pb-c.h"
#include "util/arena.h"
#include "util/name.h"

#define POLICY_DOC_MAX 131072

enum owner_kind { OWNER_USER, OWNER_GROUP, OWNER_ROLE };

static const struct {
	const char *word;    /* in messages: "user" */
	const char *field;   /* the request member: "userName" */
	size_t limit;        /* aggregate size of its inline policies */
} owner_kinds[] = {
	[OWNER_USER] = { "user", "userName", POLICY_MAX_INLINE_USER },
	[OWNER_GROUP] = { "group", "groupName", POLICY_MAX_INLINE_GROUP },
	[OWNER_ROLE] = { "role", "roleName", POLICY_MAX_INLINE_ROLE },
};

enum inline_verb { INLINE_PUT, INLINE_GET, INLINE_DELETE, INLINE_LIST };

/* One request, whatever its action. */
struct inline_req {
	enum owner_kind kind;
	enum inline_verb verb;
	const char *owner;
	const char *policy;
	const char *doc;
	const char *marker;
	bool has_max;
	int32_t max;
};

struct owner {
	const char *name;    /* as stored (its case) */
	const char *id;
};

void op_policy_document_check(const char *doc, const char *field, bool required,
			      struct util_verr *e)
{
	if (!doc) {
		if (required)
			util_verr_add(e, field, NULL, "Member must not be null");
		return;
	}
	size_t len = strlen(doc), n = 0;
	bool bad = false;
	for (size_t i = 0; i < len; n++) {
		uint32_t cp;
		size_t k = util_utf8_decode((const unsigned char *)doc + i, len - i, &cp);
		if (!k) {
			bad = true;
			break;
		}
		i += k;
		if (!(cp == 0x09 || cp == 0x0a || cp == 0x0d || (cp >= 0x20 && cp <= 0xff)))
			bad = true;
	}
	/* a policy is echoed in messages only when it is short */
	const char *shown = len <= 64 ? doc : "(policy document)";
	if (n < 1)
		util_verr_add(e, field, doc, "Member must have length greater than or equal to 1");
	else if (bad)
		util_verr_add(e, field, shown, "Member must satisfy regular expression pattern: "
			      "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+");
	if (n > POLICY_DOC_MAX)
		util_verr_add(e, field, shown, "Member must have length less than or equal to %d",
			      POLICY_DOC_MAX);
}

/* A document's size as AWS counts it against the quotas: characters, white
 * space outside strings left out. */
static size_t doc_size(const char *s)
{
	size_t count = 0;
	bool in_str = false, esc = false;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if ((ch & 0xc0) == 0x80)
			continue;
		if (in_str) {
			if (esc)
				esc = false;
			else if (ch == '\\')
				esc = true;
			else if (ch == '"')
				in_str = false;
		} else if (ch == '"') {
			in_str = true;
		} else if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
			continue;
		}
		count++;
	}
	return count;
}

/* ---- owners ---- */

static int owner_load(struct call *c, enum owner_kind k, const char *name, struct owner *ret)
{
	int r;
	switch (k) {
	case OWNER_USER: {
		Iam__User *u;
		if ((r = op_user_load(c, name, &u)) < 0)
			return r;
		*ret = (struct owner){ u->user_name, u->user_id };
		break;
	}
	case OWNER_GROUP: {
		Iam__Group *g;
		r = entity_group_get(c, name, &g);
		if (r == -ENOENT)
			return call_fail(c, r, "NoSuchEntity",
					 "The group with name %s cannot be found.", name);
		if (r < 0)
			return op_fail_store(c, r);
		*ret = (struct owner){ g->group_name, g->group_id };
		break;
	}
	case OWNER_ROLE: {
		Iam__Role *role;
		if ((r = op_role_load(c, name, &role)) < 0)
			return r;
		*ret = (struct owner){ role->role_name, role->role_id };
		break;
	}
	}
	return ret->name && ret->id ? 0 : -EIO;
}

static int owner_resource(struct call *c, enum owner_kind k, const char *name,
			  const char **ret)
{
	Iam__Group *g;
	int r;
	switch (k) {
	case OWNER_USER:
		return op_resource_user(c, name, ret);
	case OWNER_ROLE:
		return op_resource_role(c, name, ret);
	case OWNER_GROUP:
		r = entity_group_get(c, name, &g);
		if (r == 0) {
			*ret = g->arn;
			return 0;
		}
		if (r != -ENOENT)
			return op_fail_store(c, r);
		*ret = entity_group_arn(c, "/", name);
		return *ret ? 0 : -ENOMEM;
	}
	return -EINVAL;
}

/* owner id "/" lower(policy), or "ID/" when policy is NULL. */
static size_t inline_key(char key[ENTITY_KEY_MAX], const char *id, const char *policy)
{
	size_t il = strlen(id), pl = policy ? strlen(policy) : 0;
	if (il + 1 + pl >= ENTITY_KEY_MAX)
		return 0;
	memcpy(key, id, il);
	key[il] = '/';
	util_name_fold(key + il + 1, policy ? policy : "", pl);
	key[il + 1 + pl] = '\0';
	return il + 1 + pl;
}

static int fail_no_policy(struct call *c, enum owner_kind k, const char *policy)
{
	return call_fail(c, -ENOENT, "NoSuchEntity", "The %s policy with name %s cannot be found.",
			 owner_kinds[k].word, policy);
}

/* ---- resource (validation, then the owner's ARN) ---- */

static int inline_resource(struct call *c, const struct inline_req *q, const char **ret)
{
	struct util_verr e;
	util_verr_init(&e);
	if (q->kind == OWNER_GROUP)
		util_name_check_group(q->owner, owner_kinds[q->kind].field, true, &e);
	else
		util_name_check_user(q->owner, owner_kinds[q->kind].field, true, &e);
	if (q->verb == INLINE_LIST) {
		util_name_check_marker(q->marker, "marker", &e);
		util_name_check_max_items(q->has_max, q->max, "maxItems", &e);
	} else {
		util_name_check_group(q->policy, "policyName", true, &e);
	}
	if (q->verb == INLINE_PUT)
		op_policy_document_check(q->doc, "policyDocument", true, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	return owner_resource(c, q->kind, q->owner, ret);
}

/* ---- Put ---- */

/* The size of the owner's other inline policies (all but `skip`). */
static int inline_sum_others(struct call *c, const char *id, const char *skip, size_t skip_len,
			     size_t *ret)
{
	struct store_cursor *cur = NULL;
	struct store_val k, v;
	char prefix[ENTITY_KEY_MAX];
	size_t plen = inline_key(prefix, id, NULL), sum = 0;
	int r = store_cursor_open(c->txn, STORE_DB_INLINE_POLICIES, &cur);
	if (r < 0)
		return r;
	for (r = store_cursor_seek(cur, prefix, plen, &k, &v); r == 0;
	     r = store_cursor_next(cur, &k, &v)) {
		if (k.len < plen || memcmp(k.data, prefix, plen) != 0)
			break;
		if (k.len == skip_len && memcmp(k.data, skip, skip_len) == 0)
			continue;
		Iam__InlinePolicyRecord *rec = iam__inline_policy_record__unpack(&c->pb, v.len,
										 v.data);
		if (!rec || !rec->policy_document) {
			r = -EIO;
			break;
		}
		sum += doc_size(rec->policy_document);
	}
	store_cursor_close(cur);
	if (r < 0 && r != -ENOENT)
		return r;
	*ret = sum;
	return 0;
}

static int fail_size(struct call *c, enum owner_kind k, const struct owner *o)
{
	return call_fail(c, -EDQUOT, "LimitExceeded",
			 "Maximum policy size of %zu bytes exceeded for %s %s",
			 owner_kinds[k].limit, owner_kinds[k].word, o->name);
}

static int inline_put(struct call *c, const struct inline_req *q)
{
	struct owner o;
	struct policy *p = NULL;
	struct policy_diag d;
	char key[ENTITY_KEY_MAX];
	size_t others;
	int r = owner_load(c, q->kind, q->owner, &o);
	if (r < 0)
		return r;
	struct policy_parse_opts opts = { .type = POLICY_IDENTITY, .name = q->policy,
					  .max_size = owner_kinds[q->kind].limit };
	memset(&d, 0, sizeof(d));
	r = policy_parse_opts(q->doc, strlen(q->doc), &opts, &p, &d);
	policy_free(p);
	if (r == -E2BIG)
		return fail_size(c, q->kind, &o);
	if (r == -EINVAL)
		return call_fail(c, r, "MalformedPolicyDocument", "%s", d.message);
	if (r < 0)
		return op_fail_store(c, r);
	size_t klen = inline_key(key, o.id, q->policy);
	if (!klen)
		return -EINVAL;
	r = inline_sum_others(c, o.id, key, klen, &others);
	if (r < 0)
		return op_fail_store(c, r);
	if (others + doc_size(q->doc) > owner_kinds[q->kind].limit)
		return fail_size(c, q->kind, &o);
	Iam__InlinePolicyRecord rec = IAM__INLINE_POLICY_RECORD__INIT;
	rec.policy_name = (char *)q->policy;
	rec.policy_document = (char *)q->doc;
	size_t len = protobuf_c_message_get_packed_size(&rec.base);
	uint8_t *buf = arena_alloc(c->arena, len ? len : 1);
	if (!buf)
		return -ENOMEM;
	protobuf_c_message_pack(&rec.base, buf);
	r = store_put(c->txn, STORE_DB_INLINE_POLICIES, key, klen, buf, len, 0);
	return r < 0 ? op_fail_store(c, r) : 0;
}

/* ---- Get, Delete ---- */

struct inline_got {
	const char *owner;
	const char *policy;
	const char *doc;
};

static int inline_get(struct call *c, const struct inline_req *q, struct inline_got *ret)
{
	struct owner o;
	struct store_val v;
	char key[ENTITY_KEY_MAX];
	int r = owner_load(c, q->kind, q->owner, &o);
	if (r < 0)
		return r;
	size_t klen = inline_key(key, o.id, q->policy);
	r = klen ? store_get(c->txn, STORE_DB_INLINE_POLICIES, key, klen, &v) : -ENOENT;
	if (r == -ENOENT)
		return fail_no_policy(c, q->kind, q->policy);
	if (r < 0)
		return op_fail_store(c, r);
	Iam__InlinePolicyRecord *rec = iam__inline_policy_record__unpack(&c->pb, v.len, v.data);
	if (!rec || !rec->policy_name || !rec->policy_document)
		return op_fail_store(c, -EIO);
	*ret = (struct inline_got){ o.name, rec->policy_name, rec->policy_document };
	return 0;
}

static int inline_delete(struct call *c, const struct inline_req *q)
{
	struct owner o;
	char key[ENTITY_KEY_MAX];
	int r = owner_load(c, q->kind, q->owner, &o);
	if (r < 0)
		return r;
	size_t klen = inline_key(key, o.id, q->policy);
	r = klen ? store_del(c->txn, STORE_DB_INLINE_POLICIES, key, klen) : -ENOENT;
	if (r == -ENOENT)
		return fail_no_policy(c, q->kind, q->policy);
	return r < 0 ? op_fail_store(c, r) : 0;
}

/* ---- List ---- */

struct inline_list {
	char **names;
	size_t n;
	bool truncated;
	char *marker;
};

static int inline_list_visit(struct call *c, const char *suffix, size_t len,
			     const struct store_val *val, bool take, void *userdata)
{
	struct inline_list *l = userdata;
	(void)suffix;
	(void)len;
	if (!take)
		return 1;
	Iam__InlinePolicyRecord *rec = iam__inline_policy_record__unpack(&c->pb, val->len,
									 val->data);
	if (!rec || !rec->policy_name)
		return -EIO;
	l->names[l->n++] = rec->policy_name;
	return 1;
}

static int inline_list(struct call *c, const struct inline_req *q, struct inline_list *ret)
{
	struct owner o;
	char prefix[ENTITY_KEY_MAX];
	struct entity_page p = { .kind = 'I', .marker = q->marker,
				 .has_max = q->has_max, .max = q->max };
	int32_t max = p.has_max ? p.max : UTIL_MAX_ITEMS_DEFAULT;
	struct inline_list l = { 0 };
	int r = owner_load(c, q->kind, q->owner, &o);
	if (r < 0)
		return r;
	l.names = arena_alloc(c->arena, sizeof(*l.names) * (size_t)max);
	if (!l.names || !inline_key(prefix, o.id, NULL))
		return -ENOMEM;
	r = entity_page_walk(c, STORE_DB_INLINE_POLICIES, prefix, &p, inline_list_visit, &l);
	if (r < 0)
		return op_fail_store(c, r);
	l.truncated = p.truncated;
	l.marker = p.next_marker;
	*ret = l;
	return 0;
}

/* ---- entry points ---- */

/* The eight actions of one owner kind: K is the kind, Name the AWS word
 * (User), name its snake case (user), F the owner member (user_name). */
#define INLINE_ACTIONS(K, Name, name, F)                                              \
	int op_put_##name##_policy_resource(struct call *c, const ProtobufCMessage *m, \
					    const char **ret)                         \
	{                                                                             \
		const Iam__Put##Name##PolicyRequest *req = (const void *)m;           \
		struct inline_req q = { K, INLINE_PUT, req->F, req->policy_name,     \
					req->policy_document, NULL, false, 0 };        \
		return inline_resource(c, &q, ret);                                   \
	}                                                                             \
	int op_put_##name##_policy(struct call *c, const ProtobufCMessage *m,         \
				   ProtobufCMessage **ret)                            \
	{                                                                             \
		const Iam__Put##Name##PolicyRequest *req = (const void *)m;           \
		Iam__Put##Name##PolicyResponse *resp = arena_alloc(c->arena, sizeof(*resp)); \
		struct inline_req q = { K, INLINE_PUT, req->F, req->policy_name,     \
					req->policy_document, NULL, false, 0 };        \
		if (!resp)                                                            \
			return -ENOMEM;                                               \
		iam__put_##name##_policy_response__init(resp);                        \
		int r = inline_put(c, &q);                                            \
		if (r < 0)                                                            \
			return r;                                                     \
		*ret = &resp->base;                                                   \
		return 0;                                                             \
	}                                                                             \
	int op_get_##name##_policy_resource(struct call *c, const ProtobufCMessage *m, \
					    const char **ret)                         \
	{                                                                             \
		const Iam__Get##Name##PolicyRequest *req = (const void *)m;           \
		struct inline_req q = { K, INLINE_GET, req->F, req->policy_name,     \
					NULL, NULL, false, 0 };                        \
		return inline_resource(c, &q, ret);                                   \
	}                                                                             \
	int op_get_##name##_policy(struct call *c, const ProtobufCMessage *m,         \
				   ProtobufCMessage **ret)                            \
	{                                                                             \
		const Iam__Get##Name##PolicyRequest *req = (const void *)m;           \
		Iam__Get##Name##PolicyResponse *resp = arena_alloc(c->arena, sizeof(*resp)); \
		struct inline_req q = { K, INLINE_GET, req->F, req->policy_name,     \
					NULL, NULL, false, 0 };                        \
		struct inline_got g;                                                  \
		if (!resp)                                                            \
			return -ENOMEM;                                               \
		iam__get_##name##_policy_response__init(resp);                        \
		int r = inline_get(c, &q, &g);                                        \
		if (r < 0)                                                            \
			return r;                                                     \
		resp->F = (char *)g.owner;                                            \
		resp->policy_name = (char *)g.policy;                                 \
		resp->policy_document = (char *)g.doc;                                \
		*ret = &resp->base;                                                   \
		return 0;                                                             \
	}                                                                             \
	int op_delete_##name##_policy_resource(struct call *c, const ProtobufCMessage *m, \
					       const char **ret)                      \
	{                                                                             \
		const Iam__Delete##Name##PolicyRequest *req = (const void *)m;        \
		struct inline_req q = { K, INLINE_DELETE, req->F, req->policy_name,  \
					NULL, NULL, false, 0 };                        \
		return inline_resource(c, &q, ret);                                   \
	}                                                                             \
	int op_delete_##name##_policy(struct call *c, const ProtobufCMessage *m,      \
				      ProtobufCMessage **ret)                         \
	{                                                                             \
		const Iam__Delete##Name##PolicyRequest *req = (const void *)m;        \
		Iam__Delete##Name##PolicyResponse *resp = arena_alloc(c->arena, sizeof(*resp)); \
		struct inline_req q = { K, INLINE_DELETE, req->F, req->policy_name,  \
					NULL, NULL, false, 0 };                        \
		if (!resp)                                                            \
			return -ENOMEM;                                               \
		iam__delete_##name##_policy_response__init(resp);                     \
		int r = inline_delete(c, &q);                                         \
		if (r < 0)                                                            \
			return r;                                                     \
		*ret = &resp->base;                                                   \
		return 0;                                                             \
	}                                                                             \
	int op_list_##name##_policies_resource(struct call *c, const ProtobufCMessage *m, \
					       const char **ret)                      \
	{                                                                             \
		const Iam__List##Name##PoliciesRequest *req = (const void *)m;        \
		struct inline_req q = { K, INLINE_LIST, req->F, NULL, NULL,          \
					req->marker, req->has_max_items,               \
					req->max_items };                              \
		return inline_resource(c, &q, ret);                                   \
	}                                                                             \
	int op_list_##name##_policies(struct call *c, const ProtobufCMessage *m,      \
				      ProtobufCMessage **ret)                         \
	{                                                                             \
		const Iam__List##Name##PoliciesRequest *req = (const void *)m;        \
		Iam__List##Name##PoliciesResponse *resp =                             \
			arena_alloc(c->arena, sizeof(*resp));                         \
		struct inline_req q = { K, INLINE_LIST, req->F, NULL, NULL,          \
					req->marker, req->has_max_items,               \
					req->max_items };                              \
		struct inline_list l;                                                 \
		if (!resp)                                                            \
			return -ENOMEM;                                               \
		iam__list_##name##_policies_response__init(resp);                     \
		int r = inline_list(c, &q, &l);                                       \
		if (r < 0)                                                            \
			return r;                                                     \
		resp->policy_names = l.names;                                         \
		resp->n_policy_names = l.n;                                           \
		resp->has_is_truncated = true;                                        \
		resp->is_truncated = l.truncated;                                     \
		resp->marker = l.marker;                                              \
		*ret = &resp->base;                                                   \
		return 0;                                                             \
	}

INLINE_ACTIONS(OWNER_USER, User, user, user_name)
INLINE_ACTIONS(OWNER_GROUP, Group, group, group_name)
INLINE_ACTIONS(OWNER_ROLE, Role, role, role_name)
