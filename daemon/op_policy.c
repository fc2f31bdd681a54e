/* op_policy: the managed policy actions CreatePolicy, GetPolicy,
 * ListPolicies, DeletePolicy, TagPolicy, UntagPolicy, ListPolicyTags, and
 * the request checks the policy handlers share (op_policy.h). Customer
 * managed policies live in the caller's account; AWS managed ones (account
 * "aws") can be read and attached but never changed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entity.h"
#include "op_policy.h"
#include "policy/policy.h"
#include "util/arena.h"
#include "util/id.h"
#include "util/name.h"

/* LMDB keys hold at most 511 bytes: an attachment key is OWNER_ID "/" ARN. */
#define POLICY_ARN_STORED_MAX (511 - UTIL_ID_LEN - 1)
#define POLICY_DOCUMENT_MAX 131072

/* ---- shared checks (op_policy.h) ---- */

void op_policy_check_arn(const char *arn, const char *field, bool required,
			 struct util_verr *e)
{
	if (!arn) {
		if (required)
			util_verr_add(e, field, NULL, "Member must not be null");
		return;
	}
	size_t len = strlen(arn);
	if (len < ENTITY_POLICY_ARN_MIN)
		util_verr_add(e, field, arn, "Member must have length greater than or equal to %d",
			      ENTITY_POLICY_ARN_MIN);
	else if (len > ENTITY_POLICY_ARN_MAX)
		util_verr_add(e, field, arn, "Member must have length less than or equal to %d",
			      ENTITY_POLICY_ARN_MAX);
}

void op_policy_check_document(const char *doc, const char *field, struct util_verr *e)
{
	if (!doc) {
		util_verr_add(e, field, NULL, "Member must not be null");
		return;
	}
	const unsigned char *s = (const unsigned char *)doc;
	size_t len = strlen(doc), chars = 0;
	bool bad = len == 0;
	for (size_t i = 0; i < len && !bad;) {
		uint32_t cp;
		size_t n = util_utf8_decode(s + i, len - i, &cp);
		if (n == 0 || !(cp == 0x9 || cp == 0xa || cp == 0xd || (cp >= 0x20 && cp <= 0xff)))
			bad = true;
		i += n ? n : 1;
		chars++;
	}
	/* the document is not echoed: it may be long */
	if (len == 0)
		util_verr_add(e, field, "", "Member must have length greater than or equal to 1");
	else if (chars > POLICY_DOCUMENT_MAX)
		util_verr_add(e, field, "[document]",
			      "Member must have length less than or equal to %d", POLICY_DOCUMENT_MAX);
	else if (bad)
		util_verr_add(e, field, "[document]",
			      "Member must satisfy regular expression pattern: "
			      "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+");
}

int op_policy_arn_resource(struct call *c, const char *arn, const char **ret)
{
	struct entity_policy_arn a;
	int r = entity_policy_arn_parse(c, arn, &a);
	if (r == -EINVAL)
		return call_fail(c, r, "InvalidInput", "ARN %s is not valid.", arn);
	if (r < 0)
		return r;
	*ret = arn;
	return 0;
}

int op_policy_fail_missing(struct call *c, const char *arn, enum op_policy_missing which)
{
	if (which == OP_POLICY_NOT_ATTACHABLE)
		return call_fail(c, -ENOENT, "NoSuchEntity",
				 "Policy %s does not exist or is not attachable.", arn);
	return call_fail(c, -ENOENT, "NoSuchEntity", "Policy %s was not found.", arn);
}

int op_policy_load(struct call *c, const char *arn, enum op_policy_missing which,
		   Iam__ManagedPolicyRecord **ret)
{
	int r = entity_policy_get(c, arn, ret);
	if (r == -ENOENT || r == -EINVAL)
		return op_policy_fail_missing(c, arn, which);
	return r < 0 ? op_fail_store(c, r) : 0;
}

int op_policy_own(struct call *c, const char *arn, const char *msg)
{
	struct entity_policy_arn a;
	int r = entity_policy_arn_parse(c, arn, &a);
	if (r < 0 && r != -EINVAL)
		return r;
	if (r == 0 && strcmp(a.account, entity_account(c)) == 0)
		return 0;
	return call_fail(c, -EACCES, "AccessDenied", "%s", msg);
}

int op_policy_document_valid(struct call *c, const char *name, const char *doc)
{
	struct policy *p = NULL;
	struct policy_diag d;
	struct policy_parse_opts o = { .type = POLICY_IDENTITY, .name = name,
				       .max_size = POLICY_MAX_MANAGED };
	int r = policy_parse_opts(doc, strlen(doc), &o, &p, &d);
	policy_free(p);
	if (r == -E2BIG)
		return call_fail(c, -EDQUOT, "LimitExceeded",
				 "Cannot exceed quota for PolicySize: %d", POLICY_MAX_MANAGED);
	if (r == -EINVAL)
		return call_fail(c, r, "MalformedPolicyDocument", "%s", d.message);
	return r < 0 ? op_fail_store(c, r) : 0;
}

/* ---- shared by this file ---- */

static int policy_arn_member_resource(struct call *c, const char *arn, const char **ret)
{
	struct util_verr e;
	util_verr_init(&e);
	op_policy_check_arn(arn, "policyArn", true, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	return op_policy_arn_resource(c, arn, ret);
}

/* A shallow copy of the policy for an answer: `full` keeps Description and
 * Tags (GetPolicy); lists and CreatePolicy show neither, as AWS does
 * (CreatePolicy does echo the tags it was given). */
static Iam__Policy *policy_view(struct call *c, const Iam__Policy *p, bool description,
				bool tags)
{
	Iam__Policy *v = arena_alloc(c->arena, sizeof(*v));
	if (!v)
		return NULL;
	*v = *p;
	if (!description)
		v->description = NULL;
	if (!tags) {
		v->n_tags = 0;
		v->tags = NULL;
	}
	v->has_attachment_count = v->has_permissions_boundary_usage_count = true;
	v->has_is_attachable = true;
	return v;
}

/* ---- CreatePolicy ---- */

int op_create_policy_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__CreatePolicyRequest *req = (const Iam__CreatePolicyRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	util_name_check_group(req->policy_name, "policyName", true, &e);
	entity_policy_check_path(req->path, "path", &e);
	op_policy_check_document(req->policy_document, "policyDocument", &e);
	if (req->description) {
		long n = util_utf8_length(req->description);
		if (n < 0 || n > ENTITY_POLICY_DESCRIPTION_MAX)
			util_verr_add(&e, "description", req->description,
				      "Member must have length less than or equal to %d",
				      ENTITY_POLICY_DESCRIPTION_MAX);
	}
	entity_tags_check(req->tags, req->n_tags, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	*ret = entity_policy_arn(c, entity_account(c), req->path ? req->path : "/",
				 req->policy_name);
	return *ret ? 0 : -ENOMEM;
}

static Iam__ManagedPolicyRecord *policy_record_new(struct call *c,
						   const Iam__CreatePolicyRequest *req)
{
	Iam__ManagedPolicyRecord *rec = arena_alloc(c->arena, sizeof(*rec));
	Iam__Policy *p = arena_alloc(c->arena, sizeof(*p));
	Iam__PolicyVersion *v = arena_alloc(c->arena, sizeof(*v));
	Iam__PolicyVersion **vs = arena_alloc(c->arena, sizeof(*vs));
	char *id = arena_alloc(c->arena, UTIL_ID_LEN + 1);
	if (!rec || !p || !v || !vs || !id || util_id_new(UTIL_ID_POLICY, id) < 0)
		return NULL;
	iam__managed_policy_record__init(rec);
	iam__policy__init(p);
	iam__policy_version__init(v);
	p->policy_name = entity_strdup(c, req->policy_name);
	p->policy_id = id;
	p->path = entity_strdup(c, req->path ? req->path : "/");
	p->arn = entity_policy_arn(c, entity_account(c), p->path, p->policy_name);
	p->default_version_id = "v1";
	p->has_attachment_count = p->has_permissions_boundary_usage_count = true;
	p->has_is_attachable = p->is_attachable = true;
	p->description = req->description;
	p->has_create_date = p->has_update_date = true;
	p->create_date = p->update_date = c->now;
	p->n_tags = req->n_tags;
	p->tags = req->tags;
	v->document = req->policy_document;
	v->version_id = "v1";
	v->has_is_default_version = v->is_default_version = true;
	v->has_create_date = true;
	v->create_date = c->now;
	vs[0] = v;
	rec->policy = p;
	rec->versions = vs;
	rec->n_versions = 1;
	rec->has_next_version = true;
	rec->next_version = 2;
	return p->policy_name && p->path && p->arn ? rec : NULL;
}

int op_create_policy(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__CreatePolicyRequest *req = (const Iam__CreatePolicyRequest *)m;
	Iam__CreatePolicyResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	if (!resp)
		return -ENOMEM;
	iam__create_policy_response__init(resp);
	int r = op_policy_document_valid(c, req->policy_name, req->policy_document);
	if (r < 0)
		return r;
	Iam__ManagedPolicyRecord *rec = policy_record_new(c, req);
	if (!rec)
		return -ENOMEM;
	if (strlen(rec->policy->arn) > POLICY_ARN_STORED_MAX)
		return call_fail(c, -EINVAL, "InvalidInput",
				 "The policy ARN would have %zu characters; iamd stores policies "
				 "whose ARN has at most %d (a shorter path).",
				 strlen(rec->policy->arn), POLICY_ARN_STORED_MAX);
	r = entity_policy_put(c, rec, true);
	if (r == -EEXIST)
		return call_fail(c, r, "EntityAlreadyExists",
				 "A policy called %s already exists. Duplicate names are not allowed.",
				 req->policy_name);
	if (r < 0 || (r = entity_count_add(c, ENTITY_KIND_POLICY, 1)) < 0 ||
	    (r = entity_count_check(c, ENTITY_KIND_POLICY)) < 0)
		return op_fail_store(c, r);
	resp->policy = policy_view(c, rec->policy, false, req->n_tags > 0);
	if (!resp->policy)
		return -ENOMEM;
	*ret = &resp->base;
	return 0;
}

/* ---- GetPolicy ---- */

int op_get_policy_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	return policy_arn_member_resource(c, ((const Iam__GetPolicyRequest *)m)->policy_arn, ret);
}

int op_get_policy(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__GetPolicyRequest *req = (const Iam__GetPolicyRequest *)m;
	Iam__GetPolicyResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__ManagedPolicyRecord *rec;
	if (!resp)
		return -ENOMEM;
	iam__get_policy_response__init(resp);
	int r = op_policy_load(c, req->policy_arn, OP_POLICY_NOT_FOUND, &rec);
	if (r < 0)
		return r;
	resp->policy = policy_view(c, rec->policy, true, true);
	if (!resp->policy)
		return -ENOMEM;
	*ret = &resp->base;
	return 0;
}

/* ---- ListPolicies ---- */

static const char *const scopes[] = { "All", "AWS", "Local" };
static const char *const usages[] = { "PermissionsPolicy", "PermissionsBoundary" };

static bool enum_valid(const char *v, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v, set[i]) == 0)
			return true;
	return false;
}

int op_list_policies_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__ListPoliciesRequest *req = (const Iam__ListPoliciesRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	if (req->scope && !enum_valid(req->scope, scopes, 3))
		util_verr_add(&e, "scope", req->scope,
			      "Member must satisfy enum value set: [All, AWS, Local]");
	entity_policy_check_path(req->path_prefix, "pathPrefix", &e);
	if (req->policy_usage_filter && !enum_valid(req->policy_usage_filter, usages, 2))
		util_verr_add(&e, "policyUsageFilter", req->policy_usage_filter,
			      "Member must satisfy enum value set: "
			      "[PermissionsPolicy, PermissionsBoundary]");
	util_name_check_marker(req->marker, "marker", &e);
	util_name_check_max_items(req->has_max_items, req->max_items, "maxItems", &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	*ret = "*";
	return 0;
}

struct list_policies {
	const Iam__ListPoliciesRequest *req;
	const char *local;    /* "ACCT/" */
	bool want_local, want_aws;
	Iam__Policy **items;
	size_t n;
};

static bool list_policies_match(const struct list_policies *l, const Iam__Policy *p)
{
	const Iam__ListPoliciesRequest *req = l->req;
	if (req->path_prefix && !util_str_has_prefix(p->path, req->path_prefix))
		return false;
	const char *usage = req->policy_usage_filter;
	bool boundary = usage && strcmp(usage, "PermissionsBoundary") == 0;
	/* PermissionsBoundary: used as a boundary; PermissionsPolicy or
	 * OnlyAttached: attached as a permissions policy */
	if (boundary)
		return p->permissions_boundary_usage_count > 0;
	if (usage || req->only_attached)
		return p->attachment_count > 0;
	return true;
}

static int list_policies_visit(struct call *c, const char *suffix, size_t len,
			       const struct store_val *val, bool take, void *userdata)
{
	struct list_policies *l = userdata;
	size_t llen = strlen(l->local);
	bool local = len > llen && memcmp(suffix, l->local, llen) == 0;
	bool aws = len > 4 && memcmp(suffix, "aws/", 4) == 0;
	if (!(local && l->want_local) && !(aws && l->want_aws))
		return 0;
	Iam__ManagedPolicyRecord *rec = iam__managed_policy_record__unpack(&c->pb, val->len,
									    val->data);
	if (!rec || !rec->policy || !rec->policy->path)
		return -EIO;
	int r;
	if (aws && (r = aws_managed_use_apply(c->txn, entity_account(c), rec->policy)) < 0)
		return r;
	if (!list_policies_match(l, rec->policy))
		return 0;
	if (take) {
		l->items[l->n] = policy_view(c, rec->policy, false, false);
		if (!l->items[l->n])
			return -ENOMEM;
		l->n++;
	}
	return 1;
}

int op_list_policies(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__ListPoliciesRequest *req = (const Iam__ListPoliciesRequest *)m;
	Iam__ListPoliciesResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	struct entity_page p = { .kind = 'P', .marker = req->marker,
				 .has_max = req->has_max_items, .max = req->max_items };
	int32_t max = p.has_max ? p.max : UTIL_MAX_ITEMS_DEFAULT;
	const char *scope = req->scope ? req->scope : "All";
	struct list_policies l = {
		.req = req,
		.local = arena_printf(c->arena, "%s/", entity_account(c)),
		.want_local = strcmp(scope, "AWS") != 0,
		.want_aws = strcmp(scope, "Local") != 0,
	};
	l.items = arena_alloc(c->arena, sizeof(*l.items) * (size_t)max);
	if (!resp || !l.items || !l.local)
		return -ENOMEM;
	iam__list_policies_response__init(resp);
	/* the whole database in key order: this account's "ACCT/..." keys
	 * (digits) come before the AWS managed "aws/..." ones */
	int r = entity_page_walk(c, STORE_DB_POLICIES, "", &p, list_policies_visit, &l);
	if (r < 0)
		return op_fail_store(c, r);
	resp->policies = l.items;
	resp->n_policies = l.n;
	resp->has_is_truncated = true;
	resp->is_truncated = p.truncated;
	resp->marker = p.next_marker;
	*ret = &resp->base;
	return 0;
}

/* ---- DeletePolicy ---- */

int op_delete_policy_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	return policy_arn_member_resource(c, ((const Iam__DeletePolicyRequest *)m)->policy_arn,
					  ret);
}

int op_delete_policy(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__DeletePolicyRequest *req = (const Iam__DeletePolicyRequest *)m;
	Iam__DeletePolicyResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__ManagedPolicyRecord *rec;
	if (!resp)
		return -ENOMEM;
	iam__delete_policy_response__init(resp);
	int r = op_policy_own(c, req->policy_arn,
			      "Cannot delete policies outside your own account.");
	if (r < 0)
		return r;
	r = op_policy_load(c, req->policy_arn, OP_POLICY_NOT_FOUND, &rec);
	if (r < 0)
		return r;
	if (rec->policy->attachment_count > 0 || rec->policy->permissions_boundary_usage_count > 0)
		return call_fail(c, -ENOTEMPTY, "DeleteConflict",
				 "Cannot delete a policy attached to entities.");
	if (rec->n_versions > 1)
		return call_fail(c, -ENOTEMPTY, "DeleteConflict",
				 "This policy has more than one version. Before you delete a "
				 "policy, you must delete the policy's versions. The default "
				 "version is deleted with the policy.");
	r = entity_policy_del(c, rec);
	if (r < 0 || (r = entity_count_add(c, ENTITY_KIND_POLICY, -1)) < 0)
		return op_fail_store(c, r);
	*ret = &resp->base;
	return 0;
}

/* ---- TagPolicy, UntagPolicy, ListPolicyTags ---- */

static const char not_own_update[] = "Cannot update policies outside your own account.";

int op_tag_policy_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__TagPolicyRequest *req = (const Iam__TagPolicyRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	op_policy_check_arn(req->policy_arn, "policyArn", true, &e);
	entity_tags_check(req->tags, req->n_tags, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	return op_policy_arn_resource(c, req->policy_arn, ret);
}

int op_tag_policy(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__TagPolicyRequest *req = (const Iam__TagPolicyRequest *)m;
	Iam__TagPolicyResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__ManagedPolicyRecord *rec;
	if (!resp)
		return -ENOMEM;
	iam__tag_policy_response__init(resp);
	int r = op_policy_own(c, req->policy_arn, not_own_update);
	if (r < 0 || (r = op_policy_load(c, req->policy_arn, OP_POLICY_NOT_FOUND, &rec)) < 0)
		return r;
	Iam__Policy *p = rec->policy;
	r = entity_tags_merge(c, &p->tags, &p->n_tags, req->tags, req->n_tags);
	if (r < 0)
		return r;
	r = entity_policy_put(c, rec, false);
	if (r < 0)
		return op_fail_store(c, r);
	*ret = &resp->base;
	return 0;
}

int op_untag_policy_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__UntagPolicyRequest *req = (const Iam__UntagPolicyRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	op_policy_check_arn(req->policy_arn, "policyArn", true, &e);
	entity_tag_keys_check(req->tag_keys, req->n_tag_keys, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	return op_policy_arn_resource(c, req->policy_arn, ret);
}

int op_untag_policy(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__UntagPolicyRequest *req = (const Iam__UntagPolicyRequest *)m;
	Iam__UntagPolicyResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__ManagedPolicyRecord *rec;
	if (!resp)
		return -ENOMEM;
	iam__untag_policy_response__init(resp);
	int r = op_policy_own(c, req->policy_arn, not_own_update);
	if (r < 0 || (r = op_policy_load(c, req->policy_arn, OP_POLICY_NOT_FOUND, &rec)) < 0)
		return r;
	Iam__Policy *p = rec->policy;
	if (entity_tags_untag(p->tags, &p->n_tags, req->tag_keys, req->n_tag_keys) > 0) {
		r = entity_policy_put(c, rec, false);
		if (r < 0)
			return op_fail_store(c, r);
	}
	*ret = &resp->base;
	return 0;
}

int op_list_policy_tags_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__ListPolicyTagsRequest *req = (const Iam__ListPolicyTagsRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	op_policy_check_arn(req->policy_arn, "policyArn", true, &e);
	util_name_check_marker(req->marker, "marker", &e);
	util_name_check_max_items(req->has_max_items, req->max_items, "maxItems", &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	return op_policy_arn_resource(c, req->policy_arn, ret);
}

int op_list_policy_tags(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__ListPolicyTagsRequest *req = (const Iam__ListPolicyTagsRequest *)m;
	Iam__ListPolicyTagsResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__ManagedPolicyRecord *rec;
	struct entity_tag_page pg;
	if (!resp)
		return -ENOMEM;
	iam__list_policy_tags_response__init(resp);
	int r = op_policy_load(c, req->policy_arn, OP_POLICY_NOT_FOUND, &rec);
	if (r < 0)
		return r;
	r = entity_tags_page(c, rec->policy->tags, rec->policy->n_tags, req->marker,
			     req->has_max_items, req->max_items, &pg);
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
