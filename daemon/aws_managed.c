/* aws_managed: the AWS managed policies iamd knows, with the documents,
 * versions, ids, descriptions and dates AWS publishes for them (AWS Managed
 * Policy Reference Guide), and their seeding into the store under account
 * "aws" (arn:aws:iam::aws:policy/NAME). Only the default version of each
 * is kept. They are read-only: no handler changes them.
 *
 * They are shared by every account, but as on AWS an account sees only its
 * own use of them: AttachmentCount and PermissionsBoundaryUsageCount are
 * kept per account in the meta database, "awsuse/" ACCT "/" NAME ->
 * "ATTACHMENTS BOUNDARIES" (decimal; absent is 0 0), written in the
 * transaction that attaches, detaches or sets a boundary. The counts in the
 * shared records stay 0. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entity.h"
#include "entity_policy.h"
#include "store/store.h"

struct aws_policy {
	const char *name;
	const char *id;
	const char *version;      /* the default version */
	int32_t next_version;
	int64_t create_date;      /* Unix seconds */
	int64_t update_date;
	const char *description;
	const char *document;
};

static const struct aws_policy aws_policies[] = {
	{
		"AdministratorAccess", "ANPAIWMBCKSKIEE64ZLYK", "v1", 2,
		1423247986, 1423247986,   /* 2015-02-06T18:39:46Z */
		"Provides full access to AWS services and resources.",
		"{\n"
		"  \"Version\" : \"2012-10-17\",\n"
		"  \"Statement\" : [\n"
		"    {\n"
		"      \"Effect\" : \"Allow\",\n"
		"      \"Action\" : \"*\",\n"
		"      \"Resource\" : \"*\"\n"
		"    }\n"
		"  ]\n"
		"}",
	},
	{
		"IAMFullAccess", "ANPAI7XKCFMBPM3QQRRVQ", "v2", 3,
		1423248038, 1561146000,   /* 2015-02-06T18:40:38Z, 2019-06-21T19:40:00Z */
		"Provides full access to IAM via the AWS Management Console.",
		"{\n"
		"  \"Version\" : \"2012-10-17\",\n"
		"  \"Statement\" : [\n"
		"    {\n"
		"      \"Effect\" : \"Allow\",\n"
		"      \"Action\" : [\n"
		"        \"iam:*\",\n"
		"        \"organizations:DescribeAccount\",\n"
		"        \"organizations:DescribeOrganization\",\n"
		"        \"organizations:DescribeOrganizationalUnit\",\n"
		"        \"organizations:DescribePolicy\",\n"
		"        \"organizations:ListChildren\",\n"
		"        \"organizations:ListParents\",\n"
		"        \"organizations:ListPoliciesForTarget\",\n"
		"        \"organizations:ListRoots\",\n"
		"        \"organizations:ListPolicies\",\n"
		"        \"organizations:ListTargetsForPolicy\"\n"
		"      ],\n"
		"      \"Resource\" : \"*\"\n"
		"    }\n"
		"  ]\n"
		"}",
	},
	{
		"IAMReadOnlyAccess", "ANPAJKSO7NDY4T57MWDSQ", "v4", 5,
		1423248039, 1516907487,   /* 2015-02-06T18:40:39Z, 2018-01-25T19:11:27Z */
		"Provides read only access to IAM via the AWS Management Console.",
		"{\n"
		"  \"Version\" : \"2012-10-17\",\n"
		"  \"Statement\" : [\n"
		"    {\n"
		"      \"Effect\" : \"Allow\",\n"
		"      \"Action\" : [\n"
		"        \"iam:GenerateCredentialReport\",\n"
		"        \"iam:GenerateServiceLastAccessedDetails\",\n"
		"        \"iam:Get*\",\n"
		"        \"iam:List*\",\n"
		"        \"iam:SimulateCustomPolicy\",\n"
		"        \"iam:SimulatePrincipalPolicy\"\n"
		"      ],\n"
		"      \"Resource\" : \"*\"\n"
		"    }\n"
		"  ]\n"
		"}",
	},
	{
		"IAMUserChangePassword", "ANPAJ4L4MM2A7QIEB56MS", "v3", 4,
		1479169516, 1748555520,   /* 2016-11-15T00:25:16Z, 2025-05-29T21:52:00Z */
		"Provides the ability for an IAM user to change their own password.",
		"{\n"
		"  \"Version\" : \"2012-10-17\",\n"
		"  \"Statement\" : [\n"
		"    {\n"
		"      \"Effect\" : \"Allow\",\n"
		"      \"Action\" : [\n"
		"        \"iam:ChangePassword\"\n"
		"      ],\n"
		"      \"Resource\" : [\n"
		"        \"arn:aws:iam::*:user/${aws:username}\",\n"
		"        \"arn:aws:iam::*:user/*/${aws:username}\"\n"
		"      ]\n"
		"    },\n"
		"    {\n"
		"      \"Effect\" : \"Allow\",\n"
		"      \"Action\" : [\n"
		"        \"iam:GetAccountPasswordPolicy\"\n"
		"      ],\n"
		"      \"Resource\" : \"*\"\n"
		"    }\n"
		"  ]\n"
		"}",
	},
};

static int seed_put(struct store_txn *t, const char *key, size_t klen,
		    const Iam__ManagedPolicyRecord *rec)
{
	size_t len = protobuf_c_message_get_packed_size(&rec->base);
	uint8_t *buf = malloc(len ? len : 1);
	if (!buf)
		return -ENOMEM;
	protobuf_c_message_pack(&rec->base, buf);
	int r = store_put(t, STORE_DB_POLICIES, key, klen, buf, len, 0);
	free(buf);
	if (r < 0)
		return r;
	return store_put(t, STORE_DB_POLICY_IDS, rec->policy->policy_id,
			 strlen(rec->policy->policy_id), key, klen, 0);
}

static int seed_one(struct store_txn *t, const struct aws_policy *a)
{
	char key[ENTITY_KEY_MAX];
	char arn[ENTITY_KEY_MAX];
	size_t klen = entity_key(key, ENTITY_POLICY_ACCOUNT_AWS, a->name, NULL);
	Iam__ManagedPolicyRecord rec = IAM__MANAGED_POLICY_RECORD__INIT;
	Iam__Policy p = IAM__POLICY__INIT;
	Iam__PolicyVersion v = IAM__POLICY_VERSION__INIT;
	Iam__PolicyVersion *vs[1] = { &v };
	strcpy(arn, "arn:aws:iam::aws:policy/");
	strcat(arn, a->name);
	p.policy_name = (char *)a->name;
	p.policy_id = (char *)a->id;
	p.arn = arn;
	p.path = "/";
	p.default_version_id = (char *)a->version;
	p.has_attachment_count = p.has_permissions_boundary_usage_count = true;
	p.has_is_attachable = p.is_attachable = true;
	p.description = (char *)a->description;
	p.has_create_date = p.has_update_date = true;
	p.create_date = a->create_date;
	p.update_date = a->update_date;
	v.document = (char *)a->document;
	v.version_id = (char *)a->version;
	v.has_is_default_version = v.is_default_version = true;
	v.has_create_date = true;
	v.create_date = a->update_date;
	rec.policy = &p;
	rec.versions = vs;
	rec.n_versions = 1;
	rec.has_next_version = true;
	rec.next_version = a->next_version;
	return seed_put(t, key, klen, &rec);
}

int aws_managed_seed(struct store_txn *t)
{
	for (size_t i = 0; i < sizeof(aws_policies) / sizeof(aws_policies[0]); i++) {
		int r = seed_one(t, &aws_policies[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- per-account use ---- */

#define USE_PREFIX "awsuse/"
#define USE_KEY_MAX (sizeof(USE_PREFIX) + 13 + ENTITY_POLICY_NAME_MAX + 1)
#define USE_VAL_MAX 32

static size_t use_key(char buf[USE_KEY_MAX], const char *acct, const char *name)
{
	int n = snprintf(buf, USE_KEY_MAX, USE_PREFIX "%s/%s", acct, name);
	return n > 0 && (size_t)n < USE_KEY_MAX ? (size_t)n : 0;
}

/* "A B": two decimal counts, nothing else. */
static int use_parse(const struct store_val *v, int32_t *a, int32_t *b)
{
	char buf[USE_VAL_MAX + 1];
	int64_t x[2] = { 0, 0 };
	size_t k = 0;
	bool digit = false;

	if (v->len == 0 || v->len > USE_VAL_MAX)
		return -EIO;
	memcpy(buf, v->data, v->len);
	buf[v->len] = '\0';
	for (const char *q = buf; *q; q++) {
		if (*q == ' ' && digit && k == 0) {
			k = 1;
			digit = false;
		} else if (*q >= '0' && *q <= '9' && x[k] <= INT32_MAX / 10) {
			x[k] = x[k] * 10 + (*q - '0');
			digit = true;
		} else {
			return -EIO;
		}
	}
	if (k != 1 || !digit || x[0] > INT32_MAX || x[1] > INT32_MAX)
		return -EIO;
	*a = (int32_t)x[0];
	*b = (int32_t)x[1];
	return 0;
}

int aws_managed_use_get(struct store_txn *t, const char *acct, const char *name,
			int32_t *ret_attached, int32_t *ret_boundary)
{
	char key[USE_KEY_MAX];
	struct store_val v;
	int32_t a = 0, b = 0;
	size_t klen = use_key(key, acct, name);
	if (!klen)
		return -EINVAL;
	int r = store_get(t, STORE_DB_META, key, klen, &v);
	if (r < 0 && r != -ENOENT)
		return r;
	if (r == 0 && (r = use_parse(&v, &a, &b)) < 0)
		return r;
	*ret_attached = a;
	*ret_boundary = b;
	return 0;
}

static int32_t clamp_add(int32_t n, int delta)
{
	int64_t x = (int64_t)n + delta;
	return x < 0 ? 0 : x > INT32_MAX ? INT32_MAX : (int32_t)x;
}

int aws_managed_use_add(struct store_txn *t, const char *acct, const char *name,
			int d_attached, int d_boundary)
{
	char key[USE_KEY_MAX], val[USE_VAL_MAX];
	int32_t a, b;
	int r = aws_managed_use_get(t, acct, name, &a, &b);
	if (r < 0)
		return r;
	a = clamp_add(a, d_attached);
	b = clamp_add(b, d_boundary);
	size_t klen = use_key(key, acct, name);
	if (a == 0 && b == 0) {
		r = store_del(t, STORE_DB_META, key, klen);
		return r == -ENOENT ? 0 : r;
	}
	int vlen = snprintf(val, sizeof(val), "%" PRId32 " %" PRId32, a, b);
	return store_put(t, STORE_DB_META, key, klen, val, (size_t)vlen, 0);
}

int aws_managed_use_apply(struct store_txn *t, const char *acct, Iam__Policy *p)
{
	int32_t a, b;
	if (!p->policy_name)
		return -EIO;
	int r = aws_managed_use_get(t, acct, p->policy_name, &a, &b);
	if (r < 0)
		return r;
	p->attachment_count = a;
	p->permissions_boundary_usage_count = b;
	p->has_attachment_count = p->has_permissions_boundary_usage_count = true;
	return 0;
}

/* ---- schema migration 4: the counts per account ---- */

/* Deletes every "awsuse/" key of the meta database. */
static int use_clear(struct store_txn *t)
{
	const size_t plen = sizeof(USE_PREFIX) - 1;
	char key[USE_KEY_MAX];
	struct store_val k;
	for (;;) {
		struct store_cursor *cur = NULL;
		int r = store_cursor_open(t, STORE_DB_META, &cur);
		if (r < 0)
			return r;
		r = store_cursor_seek(cur, USE_PREFIX, plen, &k, NULL);
		bool found = r == 0 && k.len >= plen && k.len < USE_KEY_MAX &&
			     memcmp(k.data, USE_PREFIX, plen) == 0;
		size_t klen = found ? k.len : 0;
		if (found)
			memcpy(key, k.data, klen);
		store_cursor_close(cur);
		if (r < 0 && r != -ENOENT)
			return r;
		if (!found)
			return 0;
		r = store_del(t, STORE_DB_META, key, klen);
		if (r < 0)
			return r;
	}
}

/* The account of a user, group or role id (its *_ids record is
 * ACCT "/" lower(name)); -ENOENT when the id names nothing. */
static int owner_account(struct store_txn *t, const char *id, size_t n, char acct[13])
{
	static const struct { const char *prefix; enum store_db db; } ids[] = {
		{ "AIDA", STORE_DB_USER_IDS }, { "AGPA", STORE_DB_GROUP_IDS },
		{ "AROA", STORE_DB_ROLE_IDS },
	};
	for (size_t i = 0; i < 3; i++) {
		struct store_val v;
		if (n < 4 || memcmp(id, ids[i].prefix, 4) != 0)
			continue;
		int r = store_get(t, ids[i].db, id, n, &v);
		if (r < 0)
			return r;
		if (v.len < 13 || ((const char *)v.data)[12] != '/')
			return -ENOENT;
		memcpy(acct, v.data, 12);
		acct[12] = '\0';
		return 0;
	}
	return -ENOENT;
}

/* The name of the AWS managed policy an ARN names, or NULL. */
static const char *aws_name(const char *arn, size_t n, char buf[ENTITY_POLICY_NAME_MAX + 1])
{
	static const char prefix[] = "arn:aws:iam::aws:policy/";
	const size_t plen = sizeof(prefix) - 1;
	if (n <= plen || memcmp(arn, prefix, plen) != 0)
		return NULL;
	const char *name = arn + n;
	while (name[-1] != '/')
		name--;
	size_t len = (size_t)(arn + n - name);
	if (!len || len > ENTITY_POLICY_NAME_MAX)
		return NULL;
	memcpy(buf, name, len);
	buf[len] = '\0';
	return buf;
}

/* One count for every AWS managed policy attachment, by the owner's account. */
static int use_rebuild_attachments(struct store_txn *t)
{
	static const char prefix[] = "arn:aws:iam::aws:policy/";
	struct store_cursor *cur = NULL;
	struct store_val k;
	char arn[ENTITY_POLICY_ARN_MAX + 1], owner[64], acct[13];
	char name[ENTITY_POLICY_NAME_MAX + 1];
	size_t from_len = sizeof(prefix) - 1;
	char from[ENTITY_POLICY_ARN_MAX + 64];
	memcpy(from, prefix, from_len);
	/* A cursor per key: counting writes to the meta database. */
	for (bool first = true;; first = false) {
		int r = store_cursor_open(t, STORE_DB_POLICY_ATTACHMENTS, &cur);
		if (r < 0)
			return r;
		r = store_cursor_seek(cur, from, from_len, &k, NULL);
		if (r == 0 && !first && k.len == from_len && memcmp(k.data, from, from_len) == 0)
			r = store_cursor_next(cur, &k, NULL);
		bool ok = r == 0 && k.len >= sizeof(prefix) - 1 && k.len < sizeof(from) &&
			  memcmp(k.data, prefix, sizeof(prefix) - 1) == 0;
		if (ok) {
			from_len = k.len;
			memcpy(from, k.data, k.len);
		}
		store_cursor_close(cur);
		if (r < 0 && r != -ENOENT)
			return r;
		if (!ok)
			return 0;
		const char *nl = memchr(from, '\n', from_len);
		if (!nl || (size_t)(nl - from) > ENTITY_POLICY_ARN_MAX ||
		    from_len - (size_t)(nl - from) - 1 >= sizeof(owner))
			continue;
		size_t alen = (size_t)(nl - from), olen = from_len - alen - 1;
		memcpy(arn, from, alen);
		arn[alen] = '\0';
		memcpy(owner, nl + 1, olen);
		owner[olen] = '\0';
		if (!aws_name(arn, alen, name))
			continue;
		r = owner_account(t, owner, olen, acct);
		if (r == -ENOENT)
			continue;
		if (r < 0 || (r = aws_managed_use_add(t, acct, name, 1, 0)) < 0)
			return r;
	}
}

/* One count for every user and role whose boundary is an AWS managed
 * policy. Records are read whole before any write. */
static int use_rebuild_boundaries(struct store_txn *t, enum store_db db)
{
	struct store_cursor *cur = NULL;
	struct store_val k, v;
	struct use { char acct[13]; char name[ENTITY_POLICY_NAME_MAX + 1]; } *uses = NULL;
	size_t n = 0, cap = 0;
	int r = store_cursor_open(t, db, &cur);
	if (r < 0)
		return r;
	for (r = store_cursor_seek(cur, "", 0, &k, &v); r == 0; r = store_cursor_next(cur, &k, &v)) {
		const Iam__AttachedPermissionsBoundary *pb = NULL;
		Iam__UserRecord *u = NULL;
		Iam__RoleRecord *ro = NULL;
		if (k.len < 13 || ((const char *)k.data)[12] != '/')
			continue;
		if (db == STORE_DB_USERS) {
			u = iam__user_record__unpack(NULL, v.len, v.data);
			pb = u && u->user ? u->user->permissions_boundary : NULL;
		} else {
			ro = iam__role_record__unpack(NULL, v.len, v.data);
			pb = ro && ro->role ? ro->role->permissions_boundary : NULL;
		}
		const char *arn = pb ? pb->permissions_boundary_arn : NULL;
		char name[ENTITY_POLICY_NAME_MAX + 1];
		if (arn && aws_name(arn, strlen(arn), name)) {
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				struct use *nu = realloc(uses, ncap * sizeof(*nu));
				if (!nu)
					r = -ENOMEM;
				else
					uses = nu, cap = ncap;
			}
			if (r == 0) {
				memcpy(uses[n].acct, k.data, 12);
				uses[n].acct[12] = '\0';
				strcpy(uses[n].name, name);
				n++;
			}
		}
		if (u)
			iam__user_record__free_unpacked(u, NULL);
		if (ro)
			iam__role_record__free_unpacked(ro, NULL);
		if (r < 0)
			break;
	}
	store_cursor_close(cur);
	if (r == -ENOENT)
		r = 0;
	for (size_t i = 0; r == 0 && i < n; i++)
		r = aws_managed_use_add(t, uses[i].acct, uses[i].name, 0, 1);
	free(uses);
	return r;
}

int aws_managed_use_rebuild(struct store_txn *t)
{
	int r = use_clear(t);
	if (r == 0)
		r = aws_managed_seed(t);   /* the shared records' counts to 0 */
	if (r == 0)
		r = use_rebuild_attachments(t);
	if (r == 0)
		r = use_rebuild_boundaries(t, STORE_DB_USERS);
	if (r == 0)
		r = use_rebuild_boundaries(t, STORE_DB_ROLES);
	return r;
}
