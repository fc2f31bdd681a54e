/* op_account_admin: iamd's accounts (docs/sts.md, "Accounts") and their
 * aliases (IAM's CreateAccountAlias, DeleteAccountAlias, ListAccountAliases:
 * at most one per account, unique among iamd's accounts, kept in the
 * AccountRecord; authorized as any IAM call on "*") and password policy
 * (Get/Update/DeleteAccountPasswordPolicy, also in the AccountRecord). The host
 * root (uid 0, or the owner of the state directory, calling unsigned) makes
 * further accounts (iamd:CreateAccount), lists them and deletes empty ones,
 * and acts as the root of any of them with Request.account_id
 * (op_account_act_as(), called by dispatch). Accounts are AccountRecords in
 * STORE_DB_ACCOUNTS keyed by their 12-digit id; everything an account holds
 * is keyed or tagged by that id already (entity_account()). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "entity.h"
#include "iamd.h"
#include "iamd.pb-c.h"
#include "ops.h"
#include "sd.h"
#include "store.pb-c.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/id.h"
#include "util/name.h"

#define MSG_HOST_ROOT \
	"Only the host root (uid 0 or the owner of iamd's state directory, calling " \
	"without SigV4 credentials) manages accounts and acts as another account's root."

/* The host root itself: not a root key's holder, not a session. */
static bool is_host_root(const struct call *c)
{
	return c->caller.kind == CALLER_ROOT && !c->caller.access_key_id &&
	       !c->caller.session && (c->caller.uid == 0 || c->caller.uid == c->d->owner_uid);
}

static int host_root_only(struct call *c)
{
	return is_host_root(c) ? 0 : call_fail(c, -EACCES, "AccessDenied", "%s", MSG_HOST_ROOT);
}

static int account_get(struct call *c, struct store_txn *t, const char *id,
		       Iam__AccountRecord **ret)
{
	struct store_val v;
	int r = store_get(t, STORE_DB_ACCOUNTS, id, strlen(id), &v);
	if (r < 0)
		return r;
	Iam__AccountRecord *a = iam__account_record__unpack(&c->pb, v.len, v.data);
	if (!a)
		return -EIO;
	*ret = a;
	return 0;
}

int op_account_act_as(struct call *c, const char *account_id)
{
	struct store_txn *t = NULL;
	Iam__AccountRecord *a;
	/* naming one's own account changes nothing (IAMD_ACCOUNT_ID may be
	 * set in an environment shared with other uids) */
	if (!is_host_root(c) && c->caller.account_id &&
	    strcmp(c->caller.account_id, account_id) == 0)
		return 0;
	if (!is_host_root(c))
		return call_fail(c, -EACCES, "AccessDenied", "%s", MSG_HOST_ROOT);
	if (!util_account_id_valid(account_id))
		return call_fail(c, -EINVAL, "ValidationError",
				 "1 validation error detected: Value '%.32s' at 'accountId' failed to satisfy constraint: Member must be 12 digits",
				 account_id);
	int r = store_txn_begin(c->d->store, false, &t);
	if (r < 0)
		return call_fail(c, r, "ServiceFailure", NULL);
	r = account_get(c, t, account_id, &a);
	store_txn_abort(t);
	if (r == -ENOENT)
		return call_fail(c, -ENOENT, "NoSuchEntity", "The account %s does not exist.",
				 account_id);
	if (r < 0)
		return call_fail(c, r, "ServiceFailure", NULL);
	c->caller.account_id = a->account_id;
	c->caller.user_id = a->account_id;
	c->caller.arn = arena_printf(c->arena, "arn:aws:iam::%s:root", a->account_id);
	return c->caller.arn ? 0 : call_fail(c, -ENOMEM, "ServiceFailure", NULL);
}

static Iam__Account *account_view(struct call *c, const Iam__AccountRecord *r)
{
	Iam__Account *a = arena_alloc(c->arena, sizeof(*a));
	if (!a)
		return NULL;
	iam__account__init(a);
	a->account_id = r->account_id;
	a->account_alias = r->account_alias;
	a->has_create_date = r->has_create_date;
	a->create_date = r->create_date;
	a->has_is_default = true;
	a->is_default = r->account_id && strcmp(r->account_id, c->d->account_id) == 0;
	return a;
}

/* An alias as IAM's CreateAccountAlias wants it: 3-63 of [a-z0-9-], no
 * leading, trailing or doubled hyphen. */
static void alias_check(const char *v, struct util_verr *e)
{
	size_t n = strlen(v);
	bool ok = n >= 3 && n <= 63 && v[0] != '-' && v[n - 1] != '-';
	for (size_t i = 0; ok && i < n; i++)
		ok = (v[i] >= 'a' && v[i] <= 'z') || (v[i] >= '0' && v[i] <= '9') ||
		     (v[i] == '-' && v[i + 1] != '-');
	if (!ok)
		util_verr_add(e, "accountAlias", v,
			      "Member must satisfy regular expression pattern: ^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$");
}

/* ---- CreateAccount ---- */

int op_create_account_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__CreateAccountRequest *q = (const Iam__CreateAccountRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	if (q->account_id && !util_account_id_valid(q->account_id))
		util_verr_add(&e, "accountId", q->account_id, "Member must be 12 digits");
	if (q->account_alias)
		alias_check(q->account_alias, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	*ret = "*";
	return 0;
}

static int alias_taken(struct call *c, const char *alias, bool *ret)
{
	struct store_cursor *cur = NULL;
	struct store_val k, v;
	int r = store_cursor_open(c->txn, STORE_DB_ACCOUNTS, &cur);
	if (r < 0)
		return r;
	*ret = false;
	for (r = store_cursor_seek(cur, "", 0, &k, &v); r == 0 && !*ret;
	     r = store_cursor_next(cur, &k, &v)) {
		Iam__AccountRecord *a = iam__account_record__unpack(&c->pb, v.len, v.data);
		if (!a) {
			r = -EIO;
			break;
		}
		*ret = a->account_alias && strcmp(a->account_alias, alias) == 0;
	}
	store_cursor_close(cur);
	return r == -ENOENT ? 0 : r;
}

int op_create_account(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__CreateAccountRequest *q = (const Iam__CreateAccountRequest *)m;
	Iam__CreateAccountResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__AccountRecord rec = IAM__ACCOUNT_RECORD__INIT;
	char id[13];
	int r;
	if (!resp)
		return -ENOMEM;
	if ((r = host_root_only(c)) < 0)
		return r;
	if (q->account_alias) {
		bool taken;
		if ((r = alias_taken(c, q->account_alias, &taken)) < 0)
			return op_fail_store(c, r);
		if (taken)
			return call_fail(c, -EEXIST, "EntityAlreadyExists",
					 "The account alias %s already exists.", q->account_alias);
	}
	for (int tries = 0;; tries++) {
		struct store_val v;
		if (q->account_id)
			memcpy(id, q->account_id, 13);
		else if ((r = util_account_id_new(id)) < 0)
			return op_fail_store(c, r);
		r = store_get(c->txn, STORE_DB_ACCOUNTS, id, 12, &v);
		if (r == -ENOENT)
			break;
		if (r < 0)
			return op_fail_store(c, r);
		if (q->account_id)
			return call_fail(c, -EEXIST, "EntityAlreadyExists",
					 "The account %s already exists.", id);
		if (tries > 8)
			return op_fail_store(c, -EEXIST);
	}
	rec.account_id = arena_strdup(c->arena, id);
	rec.account_alias = q->account_alias;
	rec.has_create_date = true;
	rec.create_date = c->now;
	size_t len = iam__account_record__get_packed_size(&rec);
	uint8_t *buf = arena_alloc(c->arena, len ? len : 1);
	if (!buf || !rec.account_id)
		return -ENOMEM;
	iam__account_record__pack(&rec, buf);
	r = store_put(c->txn, STORE_DB_ACCOUNTS, id, 12, buf, len, STORE_NOOVERWRITE);
	if (r < 0)
		return op_fail_store(c, r);
	iam__create_account_response__init(resp);
	resp->account = account_view(c, &rec);
	if (!resp->account)
		return -ENOMEM;
	iamd_log_call(LOG_INFO, c, "account %s created", id);
	*ret = &resp->base;
	return 0;
}

/* ---- ListAccounts ---- */

/* A list request's Marker and MaxItems checked; the resource is "*". */
static int page_resource(struct call *c, const char *marker, bool has_max, int32_t max,
			 const char **ret)
{
	struct util_verr e;
	util_verr_init(&e);
	util_name_check_marker(marker, "marker", &e);
	util_name_check_max_items(has_max, max, "maxItems", &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	*ret = "*";
	return 0;
}

int op_list_accounts_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__ListAccountsRequest *q = (const Iam__ListAccountsRequest *)m;
	return page_resource(c, q->marker, q->has_max_items, q->max_items, ret);
}

struct list_acct {
	Iam__Account **items;
	size_t n;
};

static int list_visit(struct call *c, const char *suffix, size_t len,
		      const struct store_val *val, bool take, void *userdata)
{
	struct list_acct *l = userdata;
	(void)suffix;
	(void)len;
	Iam__AccountRecord *a = iam__account_record__unpack(&c->pb, val->len, val->data);
	if (!a || !a->account_id)
		return -EIO;
	if (take) {
		l->items[l->n] = account_view(c, a);
		if (!l->items[l->n++])
			return -ENOMEM;
	}
	return 1;
}

int op_list_accounts(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__ListAccountsRequest *q = (const Iam__ListAccountsRequest *)m;
	Iam__ListAccountsResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	struct entity_page p = { .kind = 'A', .marker = q->marker,
				 .has_max = q->has_max_items, .max = q->max_items };
	int32_t max = p.has_max ? p.max : UTIL_MAX_ITEMS_DEFAULT;
	struct list_acct l = { 0 };
	int r;
	if ((r = host_root_only(c)) < 0)
		return r;
	l.items = arena_alloc(c->arena, sizeof(*l.items) * (size_t)max);
	if (!resp || !l.items)
		return -ENOMEM;
	iam__list_accounts_response__init(resp);
	r = entity_page_walk(c, STORE_DB_ACCOUNTS, "", &p, list_visit, &l);
	if (r < 0)
		return op_fail_store(c, r);
	resp->accounts = l.items;
	resp->n_accounts = l.n;
	resp->has_is_truncated = true;
	resp->is_truncated = p.truncated;
	resp->marker = p.next_marker;
	*ret = &resp->base;
	return 0;
}

/* ---- DeleteAccount ---- */

int op_delete_account_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__DeleteAccountRequest *q = (const Iam__DeleteAccountRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	if (!q->account_id)
		util_verr_add(&e, "accountId", NULL, "Member must not be null");
	else if (!util_account_id_valid(q->account_id))
		util_verr_add(&e, "accountId", q->account_id, "Member must be 12 digits");
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	*ret = "*";
	return 0;
}

/* Whether any key of `db` starts with `prefix`. */
static int any_under(struct call *c, enum store_db db, const char *prefix, bool *ret)
{
	struct store_cursor *cur = NULL;
	struct store_val k, v;
	size_t n = strlen(prefix);
	int r = store_cursor_open(c->txn, db, &cur);
	if (r < 0)
		return r;
	r = store_cursor_seek(cur, prefix, n, &k, &v);
	*ret = r == 0 && k.len >= n && memcmp(k.data, prefix, n) == 0;
	store_cursor_close(cur);
	return r == -ENOENT ? 0 : r;
}

int op_delete_account(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__DeleteAccountRequest *q = (const Iam__DeleteAccountRequest *)m;
	Iam__DeleteAccountResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__AccountRecord *a;
	char prefix[16];
	int r;
	if (!resp)
		return -ENOMEM;
	if ((r = host_root_only(c)) < 0)
		return r;
	if (strcmp(q->account_id, c->d->account_id) == 0)
		return call_fail(c, -ENOTEMPTY, "DeleteConflict",
				 "The default account %s cannot be deleted.", q->account_id);
	r = account_get(c, c->txn, q->account_id, &a);
	if (r == -ENOENT)
		return call_fail(c, r, "NoSuchEntity", "The account %s does not exist.",
				 q->account_id);
	if (r < 0)
		return op_fail_store(c, r);
	/* nothing may be left in it: users, groups, roles, customer managed
	 * policies, the root's access keys, OIDC and SAML providers */
	snprintf(prefix, sizeof(prefix), "%s/", q->account_id);
	static const enum store_db dbs[] = { STORE_DB_USERS, STORE_DB_GROUPS, STORE_DB_ROLES,
					     STORE_DB_POLICIES, STORE_DB_USER_ACCESS_KEYS,
					     STORE_DB_OIDC_PROVIDERS, STORE_DB_SAML_PROVIDERS };
	for (size_t i = 0; i < sizeof(dbs) / sizeof(dbs[0]); i++) {
		bool any;
		if ((r = any_under(c, dbs[i], prefix, &any)) < 0)
			return op_fail_store(c, r);
		if (any)
			return call_fail(c, -ENOTEMPTY, "DeleteConflict",
					 "Cannot delete account %s: it still has users, groups, roles, policies, root access keys or identity providers.",
					 q->account_id);
	}
	r = store_del(c->txn, STORE_DB_ACCOUNTS, q->account_id, 12);
	if (r < 0)
		return op_fail_store(c, r);
	/* its last credential report goes with it (op_credential_report.c) */
	r = store_del(c->txn, STORE_DB_CREDENTIAL_REPORTS, q->account_id, 12);
	if (r < 0 && r != -ENOENT)
		return op_fail_store(c, r);
	iam__delete_account_response__init(resp);
	iamd_log_call(LOG_INFO, c, "account %s deleted", q->account_id);
	*ret = &resp->base;
	return 0;
}

/* ---- account aliases (IAM) ---- */

static int alias_resource(struct call *c, const char *alias, const char **ret)
{
	struct util_verr e;
	util_verr_init(&e);
	if (!alias)
		util_verr_add(&e, "accountAlias", NULL, "Member must not be null");
	else
		alias_check(alias, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	*ret = "*";
	return 0;
}

/* Writes account record `a` back in the call's transaction. */
static int account_put(struct call *c, const Iam__AccountRecord *a)
{
	size_t len = iam__account_record__get_packed_size(a);
	uint8_t *buf = arena_alloc(c->arena, len ? len : 1);
	if (!buf)
		return -ENOMEM;
	iam__account_record__pack(a, buf);
	return store_put(c->txn, STORE_DB_ACCOUNTS, a->account_id, strlen(a->account_id), buf,
			 len, 0);
}

/* The record of the account the call acts in. */
static int caller_account(struct call *c, Iam__AccountRecord **ret)
{
	int r = account_get(c, c->txn, entity_account(c), ret);
	return r < 0 ? op_fail_store(c, r == -ENOENT ? -EIO : r) : 0;
}

int op_create_account_alias_resource(struct call *c, const ProtobufCMessage *m,
				     const char **ret)
{
	return alias_resource(c, ((const Iam__CreateAccountAliasRequest *)m)->account_alias, ret);
}

/* As on AWS, an account has one alias: a new one replaces it; an alias of
 * another account is EntityAlreadyExists. */
int op_create_account_alias(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__CreateAccountAliasRequest *q = (const Iam__CreateAccountAliasRequest *)m;
	Iam__CreateAccountAliasResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__AccountRecord *a;
	bool taken;
	int r;
	if (!resp)
		return -ENOMEM;
	if ((r = caller_account(c, &a)) < 0)
		return r;
	iam__create_account_alias_response__init(resp);
	*ret = &resp->base;
	if (a->account_alias && strcmp(a->account_alias, q->account_alias) == 0)
		return 0;
	if ((r = alias_taken(c, q->account_alias, &taken)) < 0)
		return op_fail_store(c, r);
	if (taken)
		return call_fail(c, -EEXIST, "EntityAlreadyExists",
				 "The account alias %s already exists.", q->account_alias);
	a->account_alias = (char *)q->account_alias;
	r = account_put(c, a);
	return r < 0 ? op_fail_store(c, r) : 0;
}

int op_delete_account_alias_resource(struct call *c, const ProtobufCMessage *m,
				     const char **ret)
{
	return alias_resource(c, ((const Iam__DeleteAccountAliasRequest *)m)->account_alias, ret);
}

int op_delete_account_alias(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__DeleteAccountAliasRequest *q = (const Iam__DeleteAccountAliasRequest *)m;
	Iam__DeleteAccountAliasResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__AccountRecord *a;
	int r;
	if (!resp)
		return -ENOMEM;
	if ((r = caller_account(c, &a)) < 0)
		return r;
	if (!a->account_alias || strcmp(a->account_alias, q->account_alias) != 0)
		return call_fail(c, -ENOENT, "NoSuchEntity",
				 "The account alias %s cannot be found.", q->account_alias);
	a->account_alias = NULL;
	if ((r = account_put(c, a)) < 0)
		return op_fail_store(c, r);
	iam__delete_account_alias_response__init(resp);
	*ret = &resp->base;
	return 0;
}

int op_list_account_aliases_resource(struct call *c, const ProtobufCMessage *m,
				     const char **ret)
{
	const Iam__ListAccountAliasesRequest *q = (const Iam__ListAccountAliasesRequest *)m;
	return page_resource(c, q->marker, q->has_max_items, q->max_items, ret);
}

/* One alias at most: a single page; a marker other than none asks past it. */
int op_list_account_aliases(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__ListAccountAliasesRequest *q = (const Iam__ListAccountAliasesRequest *)m;
	Iam__ListAccountAliasesResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	char **items = arena_alloc(c->arena, sizeof(*items));
	Iam__AccountRecord *a;
	int r;
	if (!resp || !items)
		return -ENOMEM;
	if ((r = caller_account(c, &a)) < 0)
		return r;
	iam__list_account_aliases_response__init(resp);
	if (q->marker)
		return call_fail(c, -EINVAL, "InvalidInput", "Invalid Marker.");
	if (a->account_alias) {
		items[0] = a->account_alias;
		resp->account_aliases = items;
		resp->n_account_aliases = 1;
	}
	resp->has_is_truncated = true;
	resp->is_truncated = false;
	*ret = &resp->base;
	return 0;
}

/* ---- the account password policy (IAM) ---- */

int op_get_account_password_policy_resource(struct call *c, const ProtobufCMessage *m,
					    const char **ret)
{
	return op_resource_none(c, m, ret);
}

static int no_password_policy(struct call *c)
{
	return call_fail(c, -ENOENT, "NoSuchEntity",
			 "The Password Policy with domain name %s cannot be found.",
			 entity_account(c));
}

int op_get_account_password_policy(struct call *c, const ProtobufCMessage *m,
				   ProtobufCMessage **ret)
{
	Iam__GetAccountPasswordPolicyResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__AccountRecord *a;
	int r;
	(void)m;
	if (!resp)
		return -ENOMEM;
	if ((r = caller_account(c, &a)) < 0)
		return r;
	if (!a->password_policy)
		return no_password_policy(c);
	iam__get_account_password_policy_response__init(resp);
	resp->password_policy = a->password_policy;
	*ret = &resp->base;
	return 0;
}

int op_update_account_password_policy_resource(struct call *c, const ProtobufCMessage *m,
					       const char **ret)
{
	const Iam__UpdateAccountPasswordPolicyRequest *q =
		(const Iam__UpdateAccountPasswordPolicyRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	util_name_check_range(q->has_minimum_password_length, q->minimum_password_length, 6, 128,
			      "minimumPasswordLength", &e);
	util_name_check_range(q->has_max_password_age, q->max_password_age, 1, 1095,
			      "maxPasswordAge", &e);
	util_name_check_range(q->has_password_reuse_prevention, q->password_reuse_prevention, 1,
			      24, "passwordReusePrevention", &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	*ret = "*";
	return 0;
}

/* No partial updates, as on AWS: a member left out takes its default
 * (length 6, the rest false or none). */
int op_update_account_password_policy(struct call *c, const ProtobufCMessage *m,
				      ProtobufCMessage **ret)
{
	const Iam__UpdateAccountPasswordPolicyRequest *q =
		(const Iam__UpdateAccountPasswordPolicyRequest *)m;
	Iam__UpdateAccountPasswordPolicyResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__PasswordPolicy *p = arena_alloc(c->arena, sizeof(*p));
	Iam__AccountRecord *a;
	int r;
	if (!resp || !p)
		return -ENOMEM;
	if ((r = caller_account(c, &a)) < 0)
		return r;
	iam__password_policy__init(p);
	p->has_minimum_password_length = p->has_require_symbols = p->has_require_numbers = true;
	p->has_require_uppercase_characters = p->has_require_lowercase_characters = true;
	p->has_allow_users_to_change_password = p->has_expire_passwords = true;
	p->has_hard_expiry = true;
	p->minimum_password_length = q->has_minimum_password_length ? q->minimum_password_length : 6;
	p->require_symbols = q->has_require_symbols && q->require_symbols;
	p->require_numbers = q->has_require_numbers && q->require_numbers;
	p->require_uppercase_characters = q->has_require_uppercase_characters &&
					  q->require_uppercase_characters;
	p->require_lowercase_characters = q->has_require_lowercase_characters &&
					  q->require_lowercase_characters;
	p->allow_users_to_change_password = q->has_allow_users_to_change_password &&
					    q->allow_users_to_change_password;
	p->has_max_password_age = q->has_max_password_age;
	p->max_password_age = q->max_password_age;
	p->expire_passwords = q->has_max_password_age;
	p->has_password_reuse_prevention = q->has_password_reuse_prevention;
	p->password_reuse_prevention = q->password_reuse_prevention;
	p->hard_expiry = q->has_hard_expiry && q->hard_expiry;
	a->password_policy = p;
	if ((r = account_put(c, a)) < 0)
		return op_fail_store(c, r);
	iam__update_account_password_policy_response__init(resp);
	*ret = &resp->base;
	return 0;
}

int op_delete_account_password_policy_resource(struct call *c, const ProtobufCMessage *m,
					       const char **ret)
{
	return op_resource_none(c, m, ret);
}

int op_delete_account_password_policy(struct call *c, const ProtobufCMessage *m,
				      ProtobufCMessage **ret)
{
	Iam__DeleteAccountPasswordPolicyResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__AccountRecord *a;
	int r;
	(void)m;
	if (!resp)
		return -ENOMEM;
	if ((r = caller_account(c, &a)) < 0)
		return r;
	if (!a->password_policy)
		return call_fail(c, -ENOENT, "NoSuchEntity",
				 "The account policy with name PasswordPolicy cannot be found.");
	a->password_policy = NULL;
	if ((r = account_put(c, a)) < 0)
		return op_fail_store(c, r);
	iam__delete_account_password_policy_response__init(resp);
	*ret = &resp->base;
	return 0;
}
