/* op_policy_version: CreatePolicyVersion, GetPolicyVersion,
 * ListPolicyVersions, DeletePolicyVersion, SetDefaultPolicyVersion. A
 * managed policy holds at most 5 versions, all in its one record; version
 * ids v1, v2, ... keep counting after a delete (next_version), and the
 * default version can never be deleted (DeletePolicy removes it). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entity.h"
#include "op_policy.h"
#include "util/arena.h"
#include "util/name.h"

#define VERSION_NOT_FOUND "Policy %s version %s does not exist or is not attachable."

/* v[1-9][0-9]*(\.[A-Za-z0-9-]*)? */
static bool version_id_valid(const char *v)
{
	if (v[0] != 'v' || v[1] < '1' || v[1] > '9')
		return false;
	const char *p = v + 2;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p == '\0')
		return true;
	if (*p++ != '.')
		return false;
	for (; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || *p == '-'))
			return false;
	return true;
}

static void check_version_id(const char *v, struct util_verr *e)
{
	if (!v)
		util_verr_add(e, "versionId", NULL, "Member must not be null");
	else if (!version_id_valid(v))
		util_verr_add(e, "versionId", v, "Member must satisfy regular expression pattern: %s",
			      ENTITY_POLICY_PATTERN_VERSION);
}

/* Validates PolicyArn (and VersionId when with_version) and returns the
 * policy ARN as the resource. */
static int version_resource(struct call *c, const char *arn, const char *version,
			    bool with_version, const char **ret)
{
	struct util_verr e;
	util_verr_init(&e);
	op_policy_check_arn(arn, "policyArn", true, &e);
	if (with_version)
		check_version_id(version, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	return op_policy_arn_resource(c, arn, ret);
}

/* The number in "vN" (0 if there is none). */
static long version_number(const char *id)
{
	return id && id[0] == 'v' ? strtol(id + 1, NULL, 10) : 0;
}

/* A version as lists and CreatePolicyVersion show it: no document. */
static Iam__PolicyVersion *version_brief(struct call *c, const Iam__PolicyVersion *v)
{
	Iam__PolicyVersion *b = arena_alloc(c->arena, sizeof(*b));
	if (!b)
		return NULL;
	*b = *v;
	b->document = NULL;
	b->has_is_default_version = true;
	return b;
}

/* ---- CreatePolicyVersion ---- */

int op_create_policy_version_resource(struct call *c, const ProtobufCMessage *m,
				      const char **ret)
{
	const Iam__CreatePolicyVersionRequest *req = (const Iam__CreatePolicyVersionRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	op_policy_check_arn(req->policy_arn, "policyArn", true, &e);
	op_policy_check_document(req->policy_document, "policyDocument", &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	return op_policy_arn_resource(c, req->policy_arn, ret);
}

int op_create_policy_version(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__CreatePolicyVersionRequest *req = (const Iam__CreatePolicyVersionRequest *)m;
	Iam__CreatePolicyVersionResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__ManagedPolicyRecord *rec;
	if (!resp)
		return -ENOMEM;
	iam__create_policy_version_response__init(resp);
	int r = op_policy_own(c, req->policy_arn,
			      "Cannot update policies outside your own account.");
	if (r < 0 || (r = op_policy_load(c, req->policy_arn, OP_POLICY_NOT_FOUND, &rec)) < 0)
		return r;
	r = op_policy_document_valid(c, rec->policy->policy_name, req->policy_document);
	if (r < 0)
		return r;
	if (rec->n_versions >= ENTITY_POLICY_VERSIONS_MAX)
		return call_fail(c, -EDQUOT, "LimitExceeded",
				 "A managed policy can have up to %d versions. Before you create a "
				 "new version, you must delete an existing version.",
				 ENTITY_POLICY_VERSIONS_MAX);
	long next = rec->has_next_version ? rec->next_version : 0;
	for (size_t i = 0; i < rec->n_versions; i++)   /* never below a live id */
		if (version_number(rec->versions[i]->version_id) >= next)
			next = version_number(rec->versions[i]->version_id) + 1;
	if (next >= INT32_MAX)
		return call_fail(c, -EDQUOT, "LimitExceeded", "No version number is left.");
	Iam__PolicyVersion *v = arena_alloc(c->arena, sizeof(*v));
	Iam__PolicyVersion **vs = arena_alloc(c->arena, sizeof(*vs) * (rec->n_versions + 1));
	if (!v || !vs)
		return -ENOMEM;
	iam__policy_version__init(v);
	v->version_id = arena_printf(c->arena, "v%ld", next);
	v->document = req->policy_document;
	v->has_is_default_version = true;
	v->is_default_version = req->has_set_as_default && req->set_as_default;
	v->has_create_date = true;
	v->create_date = c->now;
	if (!v->version_id)
		return -ENOMEM;
	memcpy(vs, rec->versions, sizeof(*vs) * rec->n_versions);
	vs[rec->n_versions] = v;
	rec->versions = vs;
	rec->n_versions++;
	rec->has_next_version = true;
	rec->next_version = (int32_t)(next + 1);
	if (v->is_default_version) {
		for (size_t i = 0; i + 1 < rec->n_versions; i++)
			rec->versions[i]->is_default_version = false;
		rec->policy->default_version_id = v->version_id;
		rec->policy->has_update_date = true;
		rec->policy->update_date = c->now;
	}
	r = entity_policy_put(c, rec, false);
	if (r < 0)
		return op_fail_store(c, r);
	resp->policy_version = version_brief(c, v);
	if (!resp->policy_version)
		return -ENOMEM;
	*ret = &resp->base;
	return 0;
}

/* ---- GetPolicyVersion ---- */

int op_get_policy_version_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__GetPolicyVersionRequest *req = (const Iam__GetPolicyVersionRequest *)m;
	return version_resource(c, req->policy_arn, req->version_id, true, ret);
}

int op_get_policy_version(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__GetPolicyVersionRequest *req = (const Iam__GetPolicyVersionRequest *)m;
	Iam__GetPolicyVersionResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__ManagedPolicyRecord *rec;
	if (!resp)
		return -ENOMEM;
	iam__get_policy_version_response__init(resp);
	int r = entity_policy_get(c, req->policy_arn, &rec);
	Iam__PolicyVersion *v = r == 0 ? entity_policy_version(rec, req->version_id) : NULL;
	if (r == -ENOENT || r == -EINVAL || (r == 0 && !v))
		return call_fail(c, -ENOENT, "NoSuchEntity", VERSION_NOT_FOUND, req->policy_arn,
				 req->version_id);
	if (r < 0)
		return op_fail_store(c, r);
	v->has_is_default_version = true;
	resp->policy_version = v;
	*ret = &resp->base;
	return 0;
}

/* ---- ListPolicyVersions ---- */

int op_list_policy_versions_resource(struct call *c, const ProtobufCMessage *m,
				     const char **ret)
{
	const Iam__ListPolicyVersionsRequest *req = (const Iam__ListPolicyVersionsRequest *)m;
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

static int version_cmp_desc(const void *a, const void *b)
{
	long x = version_number((*(Iam__PolicyVersion *const *)a)->version_id);
	long y = version_number((*(Iam__PolicyVersion *const *)b)->version_id);
	return x < y ? 1 : x > y ? -1 : 0;
}

int op_list_policy_versions(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__ListPolicyVersionsRequest *req = (const Iam__ListPolicyVersionsRequest *)m;
	Iam__ListPolicyVersionsResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__ManagedPolicyRecord *rec;
	size_t start = 0;
	if (!resp)
		return -ENOMEM;
	iam__list_policy_versions_response__init(resp);
	int r = op_policy_load(c, req->policy_arn, OP_POLICY_NOT_FOUND, &rec);
	if (r < 0)
		return r;
	if (req->marker) {
		char *s = entity_marker_decode(c, 'V', req->marker, NULL), *end;
		if (!s || !*s)
			return entity_marker_fail(c);
		unsigned long v = strtoul(s, &end, 10);
		if (*end || v > rec->n_versions)
			return entity_marker_fail(c);
		start = v;
	}
	/* newest first, as AWS lists them */
	qsort(rec->versions, rec->n_versions, sizeof(*rec->versions), version_cmp_desc);
	size_t max = req->has_max_items ? (size_t)req->max_items : UTIL_MAX_ITEMS_DEFAULT;
	size_t avail = rec->n_versions - start;
	size_t n = avail < max ? avail : max;
	Iam__PolicyVersion **items = arena_alloc(c->arena, sizeof(*items) * (n ? n : 1));
	if (!items)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!(items[i] = version_brief(c, rec->versions[start + i])))
			return -ENOMEM;
	resp->versions = items;
	resp->n_versions = n;
	resp->has_is_truncated = true;
	resp->is_truncated = avail > max;
	if (resp->is_truncated) {
		char buf[16];
		int len = snprintf(buf, sizeof(buf), "%zu", start + n);
		resp->marker = entity_marker_encode(c, 'V', buf, (size_t)len);
		if (!resp->marker)
			return -ENOMEM;
	}
	*ret = &resp->base;
	return 0;
}

/* ---- DeletePolicyVersion ---- */

int op_delete_policy_version_resource(struct call *c, const ProtobufCMessage *m,
				      const char **ret)
{
	const Iam__DeletePolicyVersionRequest *req = (const Iam__DeletePolicyVersionRequest *)m;
	return version_resource(c, req->policy_arn, req->version_id, true, ret);
}

int op_delete_policy_version(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__DeletePolicyVersionRequest *req = (const Iam__DeletePolicyVersionRequest *)m;
	Iam__DeletePolicyVersionResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__ManagedPolicyRecord *rec;
	if (!resp)
		return -ENOMEM;
	iam__delete_policy_version_response__init(resp);
	int r = op_policy_own(c, req->policy_arn,
			      "Cannot delete policy versions for policies outside your own account.");
	if (r < 0 || (r = op_policy_load(c, req->policy_arn, OP_POLICY_NOT_FOUND, &rec)) < 0)
		return r;
	size_t i;
	for (i = 0; i < rec->n_versions; i++)
		if (strcmp(rec->versions[i]->version_id, req->version_id) == 0)
			break;
	if (i == rec->n_versions)
		return call_fail(c, -ENOENT, "NoSuchEntity", VERSION_NOT_FOUND, req->policy_arn,
				 req->version_id);
	if (rec->versions[i]->is_default_version ||
	    strcmp(rec->versions[i]->version_id, rec->policy->default_version_id) == 0)
		return call_fail(c, -ENOTEMPTY, "DeleteConflict",
				 "Cannot delete the default version of a policy.");
	memmove(rec->versions + i, rec->versions + i + 1,
		sizeof(*rec->versions) * (rec->n_versions - i - 1));
	rec->n_versions--;
	r = entity_policy_put(c, rec, false);
	if (r < 0)
		return op_fail_store(c, r);
	*ret = &resp->base;
	return 0;
}

/* ---- SetDefaultPolicyVersion ---- */

int op_set_default_policy_version_resource(struct call *c, const ProtobufCMessage *m,
					   const char **ret)
{
	const Iam__SetDefaultPolicyVersionRequest *req =
		(const Iam__SetDefaultPolicyVersionRequest *)m;
	return version_resource(c, req->policy_arn, req->version_id, true, ret);
}

int op_set_default_policy_version(struct call *c, const ProtobufCMessage *m,
				  ProtobufCMessage **ret)
{
	const Iam__SetDefaultPolicyVersionRequest *req =
		(const Iam__SetDefaultPolicyVersionRequest *)m;
	Iam__SetDefaultPolicyVersionResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__ManagedPolicyRecord *rec;
	if (!resp)
		return -ENOMEM;
	iam__set_default_policy_version_response__init(resp);
	int r = op_policy_own(c, req->policy_arn,
			      "Cannot update policies outside your own account.");
	if (r < 0)
		return r;
	r = entity_policy_get(c, req->policy_arn, &rec);
	Iam__PolicyVersion *v = r == 0 ? entity_policy_version(rec, req->version_id) : NULL;
	if (r == -ENOENT || r == -EINVAL || (r == 0 && !v))
		return call_fail(c, -ENOENT, "NoSuchEntity", VERSION_NOT_FOUND, req->policy_arn,
				 req->version_id);
	if (r < 0)
		return op_fail_store(c, r);
	for (size_t i = 0; i < rec->n_versions; i++) {
		rec->versions[i]->has_is_default_version = true;
		rec->versions[i]->is_default_version = rec->versions[i] == v;
	}
	rec->policy->default_version_id = v->version_id;
	rec->policy->has_update_date = true;
	rec->policy->update_date = c->now;
	r = entity_policy_put(c, rec, false);
	if (r < 0)
		return op_fail_store(c, r);
	*ret = &resp->base;
	return 0;
}
