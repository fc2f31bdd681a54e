/* entity_policy: managed policy records, their ARNs, and the attachment
 * indexes (see entity_policy.h). */
#include "entity_policy.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "entity.h"
#include "util/arena.h"
#include "util/name.h"

static const char arn_prefix[] = "arn:aws:iam::";

/* ---- ARNs ---- */

static bool policy_path_char(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	       strchr(".,+@=_-", ch) != NULL;
}

/* "/" or "/seg/seg/" with segments of [A-Za-z0-9.,+@=_-]+ */
static bool policy_path_valid(const char *v, size_t len)
{
	if (len < 1 || v[0] != '/' || v[len - 1] != '/')
		return false;
	for (size_t i = 1; i < len; i++) {
		if (v[i] == '/') {
			if (v[i - 1] == '/')
				return false;   /* empty segment */
		} else if (!policy_path_char(v[i])) {
			return false;
		}
	}
	return true;
}

bool entity_policy_check_path(const char *v, const char *field, struct util_verr *e)
{
	if (!v)
		return true;
	size_t len = strlen(v);
	bool ok = true;
	if (len < 1) {
		util_verr_add(e, field, v, "Member must have length greater than or equal to 1");
		ok = false;
	} else if (len > UTIL_PATH_MAX) {
		util_verr_add(e, field, v, "Member must have length less than or equal to %d",
			      UTIL_PATH_MAX);
		ok = false;
	}
	if (len >= 1 && !policy_path_valid(v, len)) {
		util_verr_add(e, field, v, "Member must satisfy regular expression pattern: %s",
			      ENTITY_POLICY_PATTERN_PATH);
		ok = false;
	}
	return ok;
}

static bool policy_name_valid(const char *v, size_t len)
{
	if (len < 1 || len > ENTITY_POLICY_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)v[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		      strchr("_+=,.@-", ch)))
			return false;
	}
	return true;
}

/* The account of an ARN that starts with arn:aws:iam:: (12 digits or
 * "aws"), copied to acct; the position after its ':' or NULL. */
static const char *arn_account(const char *arn, char acct[13])
{
	if (strncmp(arn, arn_prefix, sizeof(arn_prefix) - 1) != 0)
		return NULL;
	const char *p = arn + sizeof(arn_prefix) - 1;
	if (strncmp(p, "aws:", 4) == 0) {
		memcpy(acct, "aws", 4);
		return p + 4;
	}
	for (int i = 0; i < 12; i++)
		if (p[i] < '0' || p[i] > '9')
			return NULL;
	if (p[12] != ':')
		return NULL;
	memcpy(acct, p, 12);
	acct[12] = '\0';
	return p + 13;
}

int entity_policy_arn_parse(struct call *c, const char *arn, struct entity_policy_arn *ret)
{
	struct entity_policy_arn a;
	size_t len = arn ? strlen(arn) : 0;
	if (len < ENTITY_POLICY_ARN_MIN || len > ENTITY_POLICY_ARN_MAX)
		return -EINVAL;
	const char *p = arn_account(arn, a.account);
	if (!p || strncmp(p, "policy/", 7) != 0)
		return -EINVAL;
	p += 6;   /* at the path's first '/' */
	const char *slash = strrchr(p, '/');
	size_t plen = (size_t)(slash - p) + 1;
	if (!policy_path_valid(p, plen) || !policy_name_valid(slash + 1, strlen(slash + 1)))
		return -EINVAL;
	a.path = arena_strndup(c->arena, p, plen);
	a.name = arena_strdup(c->arena, slash + 1);
	if (!a.path || !a.name)
		return -ENOMEM;
	*ret = a;
	return 0;
}

char *entity_policy_arn(struct call *c, const char *acct, const char *path, const char *name)
{
	return arena_printf(c->arena, "%s%s:policy%s%s", arn_prefix, acct, path ? path : "/",
			    name);
}

bool entity_policy_arn_is_aws(const char *arn)
{
	return arn && util_str_has_prefix(arn, "arn:aws:iam::aws:policy/");
}

/* ---- records ---- */

static int policy_pack(struct call *c, const ProtobufCMessage *m, uint8_t **ret, size_t *ret_len)
{
	size_t len = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = arena_alloc(c->arena, len ? len : 1);
	if (!buf)
		return -ENOMEM;
	protobuf_c_message_pack(m, buf);
	*ret = buf;
	*ret_len = len;
	return 0;
}

int entity_policy_get(struct call *c, const char *arn, Iam__ManagedPolicyRecord **ret)
{
	struct entity_policy_arn a;
	char key[ENTITY_KEY_MAX];
	struct store_val v;
	int r = entity_policy_arn_parse(c, arn, &a);
	if (r < 0)
		return r;
	if (strcmp(a.account, ENTITY_POLICY_ACCOUNT_AWS) != 0 &&
	    strcmp(a.account, entity_account(c)) != 0)
		return -ENOENT;   /* no cross-account managed policies */
	size_t klen = entity_key(key, a.account, a.name, NULL);
	if (!klen)
		return -ENOENT;
	r = store_get(c->txn, STORE_DB_POLICIES, key, klen, &v);
	if (r < 0)
		return r;
	Iam__ManagedPolicyRecord *rec = iam__managed_policy_record__unpack(&c->pb, v.len, v.data);
	if (!rec || !rec->policy || !rec->policy->arn || !rec->policy->path)
		return -EIO;   /* a record we cannot read: never guess */
	if (strcmp(rec->policy->path, a.path) != 0)
		return -ENOENT;
	/* shared by every account: the counts are the caller's */
	if (strcmp(a.account, ENTITY_POLICY_ACCOUNT_AWS) == 0 &&
	    (r = aws_managed_use_apply(c->txn, entity_account(c), rec->policy)) < 0)
		return r;
	*ret = rec;
	return 0;
}

static size_t policy_key(char key[ENTITY_KEY_MAX], const Iam__Policy *p)
{
	char acct[13];
	if (!p->arn || !p->policy_name || !arn_account(p->arn, acct))
		return 0;
	return entity_key(key, acct, p->policy_name, NULL);
}

int entity_policy_put(struct call *c, const Iam__ManagedPolicyRecord *rec, bool create)
{
	char key[ENTITY_KEY_MAX];
	uint8_t *buf;
	size_t len, klen = policy_key(key, rec->policy);
	if (!klen || !rec->policy->policy_id)
		return -EINVAL;
	int r = policy_pack(c, &rec->base, &buf, &len);
	if (r < 0)
		return r;
	r = store_put(c->txn, STORE_DB_POLICIES, key, klen, buf, len,
		      create ? STORE_NOOVERWRITE : 0);
	if (r < 0)
		return r;
	return store_put(c->txn, STORE_DB_POLICY_IDS, rec->policy->policy_id,
			 strlen(rec->policy->policy_id), key, klen, 0);
}

int entity_policy_del(struct call *c, const Iam__ManagedPolicyRecord *rec)
{
	char key[ENTITY_KEY_MAX];
	size_t klen = policy_key(key, rec->policy);
	if (!klen)
		return -EINVAL;
	int r = store_del(c->txn, STORE_DB_POLICIES, key, klen);
	if (r < 0)
		return r;
	r = store_del(c->txn, STORE_DB_POLICY_IDS, rec->policy->policy_id,
		      strlen(rec->policy->policy_id));
	return r == -ENOENT ? 0 : r;
}

Iam__PolicyVersion *entity_policy_version(const Iam__ManagedPolicyRecord *rec, const char *id)
{
	for (size_t i = 0; id && i < rec->n_versions; i++)
		if (rec->versions[i]->version_id && strcmp(rec->versions[i]->version_id, id) == 0)
			return rec->versions[i];
	return NULL;
}

const char *entity_policy_document(const Iam__ManagedPolicyRecord *rec)
{
	Iam__PolicyVersion *v = entity_policy_version(rec, rec->policy->default_version_id);
	return v ? v->document : NULL;
}

static void count_add(int32_t *count, protobuf_c_boolean *has, int delta)
{
	int64_t n = (int64_t)*count + delta;
	*count = n < 0 ? 0 : n > INT32_MAX ? INT32_MAX : (int32_t)n;
	*has = true;
}

int entity_policy_boundary_use(struct call *c, const char *arn, int delta)
{
	Iam__ManagedPolicyRecord *rec;
	int r = entity_policy_get(c, arn, &rec);
	if (r == -EINVAL)
		return -ENOENT;
	if (r < 0)
		return r;
	count_add(&rec->policy->permissions_boundary_usage_count,
		  &rec->policy->has_permissions_boundary_usage_count, delta);
	if (entity_policy_arn_is_aws(rec->policy->arn))
		return aws_managed_use_add(c->txn, entity_account(c), rec->policy->policy_name,
					   0, delta);
	return entity_policy_put(c, rec, false);
}

/* ---- attachments ---- */

/* OWNER "/" ARN and ARN "\n" OWNER into the arena. */
static int attach_keys(struct call *c, const char *owner, const char *arn, char **k1,
		       size_t *l1, char **k2, size_t *l2)
{
	*k1 = arena_printf(c->arena, "%s/%s", owner, arn);
	*k2 = arena_printf(c->arena, "%s\n%s", arn, owner);
	if (!*k1 || !*k2)
		return -ENOMEM;
	*l1 = strlen(*k1);
	*l2 = strlen(*k2);
	return 0;
}

int entity_attached_count(struct call *c, const char *owner_id, size_t *ret)
{
	struct store_cursor *cur = NULL;
	struct store_val k;
	char prefix[64];
	size_t n = 0;
	int plen = snprintf(prefix, sizeof(prefix), "%s/", owner_id);
	if (plen <= 1 || (size_t)plen >= sizeof(prefix))
		return -EINVAL;
	int r = store_cursor_open(c->txn, STORE_DB_ATTACHMENTS, &cur);
	if (r < 0)
		return r;
	for (r = store_cursor_seek(cur, prefix, (size_t)plen, &k, NULL); r == 0;
	     r = store_cursor_next(cur, &k, NULL)) {
		if (k.len < (size_t)plen || memcmp(k.data, prefix, (size_t)plen) != 0)
			break;
		n++;
	}
	store_cursor_close(cur);
	if (r < 0 && r != -ENOENT)
		return r;
	*ret = n;
	return 0;
}

int entity_attached_list(struct call *c, const char *owner_id, char ***ret, size_t *ret_n)
{
	struct store_cursor *cur = NULL;
	struct store_val k;
	char prefix[64];
	size_t n = 0, max;
	int plen = snprintf(prefix, sizeof(prefix), "%s/", owner_id);
	if (plen <= 1 || (size_t)plen >= sizeof(prefix))
		return -EINVAL;
	int r = entity_attached_count(c, owner_id, &max);
	if (r < 0)
		return r;
	char **v = arena_alloc(c->arena, sizeof(*v) * (max ? max : 1));
	if (!v)
		return -ENOMEM;
	r = store_cursor_open(c->txn, STORE_DB_ATTACHMENTS, &cur);
	if (r < 0)
		return r;
	for (r = store_cursor_seek(cur, prefix, (size_t)plen, &k, NULL); r == 0 && n < max;
	     r = store_cursor_next(cur, &k, NULL)) {
		if (k.len < (size_t)plen || memcmp(k.data, prefix, (size_t)plen) != 0)
			break;
		v[n] = arena_strndup(c->arena, (const char *)k.data + plen, k.len - (size_t)plen);
		if (!v[n]) {
			r = -ENOMEM;
			break;
		}
		n++;
	}
	store_cursor_close(cur);
	if (r < 0 && r != -ENOENT)
		return r;
	*ret = v;
	*ret_n = n;
	return 0;
}

int entity_attached_is(struct call *c, const char *owner_id, const char *arn)
{
	char *k1, *k2;
	size_t l1, l2;
	struct store_val v;
	int r = attach_keys(c, owner_id, arn, &k1, &l1, &k2, &l2);
	if (r < 0)
		return r;
	return store_get(c->txn, STORE_DB_ATTACHMENTS, k1, l1, &v);
}

int entity_attach(struct call *c, const char *owner_id, Iam__ManagedPolicyRecord *rec)
{
	char *k1, *k2;
	size_t l1, l2;
	int r = attach_keys(c, owner_id, rec->policy->arn, &k1, &l1, &k2, &l2);
	if (r < 0)
		return r;
	r = store_put(c->txn, STORE_DB_ATTACHMENTS, k1, l1, "", 0, STORE_NOOVERWRITE);
	if (r == -EEXIST)
		return 0;   /* attached already */
	if (r < 0)
		return r;
	r = store_put(c->txn, STORE_DB_POLICY_ATTACHMENTS, k2, l2, "", 0, 0);
	if (r < 0)
		return r;
	count_add(&rec->policy->attachment_count, &rec->policy->has_attachment_count, 1);
	if (entity_policy_arn_is_aws(rec->policy->arn))
		return aws_managed_use_add(c->txn, entity_account(c), rec->policy->policy_name,
					   1, 0);
	return entity_policy_put(c, rec, false);
}

int entity_detach(struct call *c, const char *owner_id, Iam__ManagedPolicyRecord *rec)
{
	char *k1, *k2;
	size_t l1, l2;
	int r = attach_keys(c, owner_id, rec->policy->arn, &k1, &l1, &k2, &l2);
	if (r < 0)
		return r;
	r = store_del(c->txn, STORE_DB_ATTACHMENTS, k1, l1);
	if (r < 0)
		return r;   /* -ENOENT: not attached */
	r = store_del(c->txn, STORE_DB_POLICY_ATTACHMENTS, k2, l2);
	if (r < 0 && r != -ENOENT)
		return r;
	count_add(&rec->policy->attachment_count, &rec->policy->has_attachment_count, -1);
	if (entity_policy_arn_is_aws(rec->policy->arn))
		return aws_managed_use_add(c->txn, entity_account(c), rec->policy->policy_name,
					   -1, 0);
	return entity_policy_put(c, rec, false);
}
