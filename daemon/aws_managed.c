/* aws_managed: the AWS managed policies iamd knows, with the documents,
 * versions, ids, descriptions and dates AWS publishes for them (AWS Managed
 * Policy Reference Guide), and their seeding into the store under account
 * "aws" (arn:aws:iam::aws:policy/NAME). Only the default version of each
 * is kept. They are read-only: no handler changes them, except the
 * attachment and permissions boundary counts, which a re-seed keeps. */
#include <errno.h>
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

/* The counts of the record already stored under key (0 when none). */
static int seed_counts(struct store_txn *t, const char *key, size_t klen, int32_t *attached,
		       int32_t *boundary)
{
	struct store_val v;
	*attached = *boundary = 0;
	int r = store_get(t, STORE_DB_POLICIES, key, klen, &v);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	Iam__ManagedPolicyRecord *old = iam__managed_policy_record__unpack(NULL, v.len, v.data);
	if (!old)
		return -EIO;
	if (old->policy) {
		*attached = old->policy->attachment_count;
		*boundary = old->policy->permissions_boundary_usage_count;
	}
	iam__managed_policy_record__free_unpacked(old, NULL);
	return 0;
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
	int r = seed_counts(t, key, klen, &p.attachment_count,
			    &p.permissions_boundary_usage_count);
	if (r < 0)
		return r;
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
