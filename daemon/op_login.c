/* op_login: IAM users' passwords (docs/passwords.md): CreateLoginProfile,
 * GetLoginProfile, UpdateLoginProfile, DeleteLoginProfile and
 * ChangePassword with AWS's semantics and errors.
 *
 * A password is checked against the account's password policy here, then
 * sent to iam-keyd (HashPassword), which peppers it, hashes it with
 * Argon2id and answers the hash and the password's fingerprint; keyd also
 * refuses a password whose fingerprint is among the last ones
 * (PasswordReusePrevention) and, for ChangePassword, checks the old
 * password against the stored hash first. The record (STORE_DB_LOGIN_PROFILES,
 * user id -> LoginProfileRecord) keeps keyd's hash and the fingerprints,
 * never a password. The ops carry OP_SECRET: dispatch wipes the call's
 * arena (the decoded passwords) when the call ends, and keyd_client wipes
 * the request it sent. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "api.pb-c.h"
#include "dispatch.h"
#include "entity.h"
#include "keyd_client.h"
#include "op_login.h"
#include "ops.h"
#include "policy/policy.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/name.h"

/* ---- the record ---- */

int login_profile_get(struct call *c, const char *user_id, Iam__LoginProfileRecord **ret)
{
	struct store_val v;
	int r = store_get(c->txn, STORE_DB_LOGIN_PROFILES, user_id, strlen(user_id), &v);
	if (r < 0)
		return r;
	Iam__LoginProfileRecord *rec = iam__login_profile_record__unpack(&c->pb, v.len, v.data);
	if (!rec || !rec->hash || !rec->has_key_version)
		return -EIO;
	*ret = rec;
	return 0;
}

int login_profile_put(struct call *c, const Iam__LoginProfileRecord *rec)
{
	size_t len = iam__login_profile_record__get_packed_size(rec);
	uint8_t *buf = arena_alloc(c->arena, len ? len : 1);
	if (!buf)
		return -ENOMEM;
	iam__login_profile_record__pack(rec, buf);
	return store_put(c->txn, STORE_DB_LOGIN_PROFILES, rec->user_id, strlen(rec->user_id), buf,
			 len, 0);
}

int op_login_profile_exists(struct call *c, const char *user_id, bool *ret)
{
	struct store_val v;
	int r = store_get(c->txn, STORE_DB_LOGIN_PROFILES, user_id, strlen(user_id), &v);
	if (r < 0 && r != -ENOENT)
		return r;
	*ret = r == 0;
	return 0;
}

static int fail_no_profile(struct call *c, const char *user_name)
{
	return call_fail(c, -ENOENT, "NoSuchEntity", "Login Profile for User %s cannot be found.",
			 user_name);
}

static int fail_policy(struct call *c, const char *why)
{
	return call_fail(c, -EINVAL, "PasswordPolicyViolation", "%s", why);
}

static int fail_reused(struct call *c, const Iam__PasswordPolicy *p)
{
	return call_fail(c, -EINVAL, "PasswordPolicyViolation",
			 "Password should not be one of the last %d passwords used",
			 p ? p->password_reuse_prevention : 0);
}

/* A user's profile, or NoSuchEntity recorded. */
static int profile_load(struct call *c, const Iam__User *u, Iam__LoginProfileRecord **ret)
{
	int r = login_profile_get(c, u->user_id, ret);
	if (r == -ENOENT)
		return fail_no_profile(c, u->user_name);
	return r < 0 ? op_fail_store(c, r) : 0;
}

static Iam__LoginProfile *profile_view(struct call *c, const Iam__User *u,
				       const Iam__LoginProfileRecord *rec)
{
	Iam__LoginProfile *p = arena_alloc(c->arena, sizeof(*p));
	if (!p)
		return NULL;
	iam__login_profile__init(p);
	p->user_name = u->user_name;
	p->has_create_date = p->has_password_reset_required = true;
	p->create_date = rec->create_date;
	p->password_reset_required = rec->password_reset_required;
	return p;
}

/* The policy's rules (AWS's default without one), recorded as
 * PasswordPolicyViolation when `password` breaks one. */
static int policy_check(struct call *c, const char *password, Iam__PasswordPolicy **ret)
{
	Iam__PasswordPolicy *p = NULL;
	const char *alias = NULL;
	int r = login_policy_get(c, &p, &alias);
	if (r < 0)
		return op_fail_store(c, r);
	const char *why = login_policy_violation(c, p, alias, password);
	if (why)
		return fail_policy(c, why);
	*ret = p;
	return 0;
}

/* The fingerprints keyd compares a new password with: the last
 * PasswordReusePrevention passwords (the current one first). */
static int history_request(struct call *c, const Iam__PasswordPolicy *p,
			   const Iam__LoginProfileRecord *rec, Keyd__HashPasswordRequest *kr)
{
	size_t n = rec && p && p->has_password_reuse_prevention && p->password_reuse_prevention > 0
			   ? (size_t)p->password_reuse_prevention : 0;
	if (rec && n > rec->n_history)
		n = rec->n_history;
	if (!n)
		return 0;
	Keyd__PasswordFingerprint **v = arena_alloc(c->arena, n * sizeof(*v));
	Keyd__PasswordFingerprint *f = arena_alloc(c->arena, n * sizeof(*f));
	if (!v || !f)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		keyd__password_fingerprint__init(&f[i]);
		f[i].has_salt = rec->history[i]->has_salt;
		f[i].salt = rec->history[i]->salt;
		f[i].has_fingerprint = rec->history[i]->has_fingerprint;
		f[i].fingerprint = rec->history[i]->fingerprint;
		f[i].has_key_version = rec->history[i]->has_key_version;
		f[i].key_version = rec->history[i]->key_version;
		v[i] = &f[i];
	}
	kr->history = v;
	kr->n_history = n;
	return 0;
}

/* keyd's answer into the record: the hash, its version, the fingerprint in
 * front of the history (which keeps LOGIN_HISTORY_KEEP). */
static int profile_set_password(struct call *c, Iam__LoginProfileRecord *rec,
				const Keyd__HashPasswordResponse *k)
{
	if (!k->hash || !k->has_key_version || !k->fingerprint || !k->fingerprint->has_salt ||
	    !k->fingerprint->has_fingerprint)
		return call_fail(c, -EPROTO, "ServiceFailure", NULL);
	size_t keep = rec->n_history < LOGIN_HISTORY_KEEP ? rec->n_history : LOGIN_HISTORY_KEEP - 1;
	Iam__PasswordFingerprintRecord **h = arena_alloc(c->arena, (keep + 1) * sizeof(*h));
	Iam__PasswordFingerprintRecord *f = arena_alloc(c->arena, sizeof(*f));
	uint8_t *salt = arena_alloc(c->arena, k->fingerprint->salt.len + 1);
	uint8_t *mac = arena_alloc(c->arena, k->fingerprint->fingerprint.len + 1);
	rec->hash = arena_strdup(c->arena, k->hash);
	if (!h || !f || !salt || !mac || !rec->hash)
		return -ENOMEM;
	memcpy(salt, k->fingerprint->salt.data, k->fingerprint->salt.len);
	memcpy(mac, k->fingerprint->fingerprint.data, k->fingerprint->fingerprint.len);
	iam__password_fingerprint_record__init(f);
	f->has_salt = f->has_fingerprint = f->has_key_version = true;
	f->salt.data = salt;
	f->salt.len = k->fingerprint->salt.len;
	f->fingerprint.data = mac;
	f->fingerprint.len = k->fingerprint->fingerprint.len;
	f->key_version = k->fingerprint->key_version;
	h[0] = f;
	for (size_t i = 0; i < keep; i++)
		h[i + 1] = rec->history[i];
	rec->history = h;
	rec->n_history = keep + 1;
	rec->has_key_version = true;
	rec->key_version = k->key_version;
	rec->has_password_last_changed = true;
	rec->password_last_changed = c->now;
	return 0;
}

/* keyd's answer to HashPassword: 0 with *ret, or the call's error. */
static int hash_reply(struct call *c, const struct keyd_reply *rep,
		      const Iam__PasswordPolicy *p, const Keyd__HashPasswordResponse **ret)
{
	if (!rep->err && rep->code == KEYD__CODE__WRONG_PASSWORD)
		return call_fail(c, -EACCES, "AccessDenied", "The old password is incorrect.");
	if (rep->err || rep->code != KEYD__CODE__OK || !rep->result)
		return call_keyd_fail(c, rep);
	const Keyd__HashPasswordResponse *k = (const Keyd__HashPasswordResponse *)rep->result;
	if (k->reused)
		return fail_reused(c, p);
	*ret = k;
	return 0;
}

/* ---- CreateLoginProfile ---- */

struct login_state {
	const char *user_name;
	const char *user_id;
	const char *old_hash;         /* the hash the request started from */
	Iam__PasswordPolicy *policy;
	bool has_reset;
	bool reset;
};

int op_create_login_profile_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__CreateLoginProfileRequest *q = (const Iam__CreateLoginProfileRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	util_name_check_user(q->user_name, "userName", true, &e);
	login_password_check(q->password, "password", true, &e);
	int r = entity_verr_fail(c, &e);
	return r < 0 ? r : op_resource_user(c, q->user_name, ret);
}

static int fail_exists(struct call *c, const char *user_name)
{
	return call_fail(c, -EEXIST, "EntityAlreadyExists", "Login Profile for user %s already exists.",
			 user_name);
}

static int create_resume(struct call *c, void *state, const struct keyd_reply *rep,
			 ProtobufCMessage **ret)
{
	struct login_state *st = state;
	const Keyd__HashPasswordResponse *k;
	Iam__LoginProfileRecord *old, *rec = arena_alloc(c->arena, sizeof(*rec));
	Iam__User *u;
	int r = hash_reply(c, rep, st->policy, &k);
	if (r < 0)
		return r;
	if (!rec)
		return -ENOMEM;
	/* read again: the user may be gone, or a profile made meanwhile */
	if ((r = op_user_load(c, st->user_name, &u)) < 0)
		return r;
	r = login_profile_get(c, u->user_id, &old);
	if (r == 0)
		return fail_exists(c, u->user_name);
	if (r != -ENOENT)
		return op_fail_store(c, r);
	iam__login_profile_record__init(rec);
	rec->user_id = u->user_id;
	rec->has_create_date = rec->has_password_reset_required = true;
	rec->create_date = c->now;
	rec->password_reset_required = st->reset;
	if ((r = profile_set_password(c, rec, k)) < 0 || (r = login_profile_put(c, rec)) < 0)
		return op_fail_store(c, r);
	Iam__CreateLoginProfileResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	if (!resp)
		return -ENOMEM;
	iam__create_login_profile_response__init(resp);
	if (!(resp->login_profile = profile_view(c, u, rec)))
		return -ENOMEM;
	*ret = &resp->base;
	return 0;
}

int op_create_login_profile(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__CreateLoginProfileRequest *q = (const Iam__CreateLoginProfileRequest *)m;
	struct login_state *st = arena_zalloc(c->arena, sizeof(*st));
	Iam__LoginProfileRecord *old;
	Iam__User *u;
	(void)ret;
	if (!st)
		return -ENOMEM;
	int r = op_user_load(c, q->user_name, &u);
	if (r < 0)
		return r;
	r = login_profile_get(c, u->user_id, &old);
	if (r == 0)
		return fail_exists(c, u->user_name);
	if (r != -ENOENT)
		return op_fail_store(c, r);
	if ((r = policy_check(c, q->password, &st->policy)) < 0)
		return r;
	st->user_name = u->user_name;
	st->reset = q->has_password_reset_required && q->password_reset_required;
	Keyd__HashPasswordRequest kr = KEYD__HASH_PASSWORD_REQUEST__INIT;
	kr.password = q->password;
	return call_keyd(c, KEYD__REQUEST__OP_HASH_PASSWORD, &kr.base, create_resume, st);
}

/* ---- GetLoginProfile, DeleteLoginProfile ---- */

int op_get_login_profile_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	return op_user_name_resource(c, ((const Iam__GetLoginProfileRequest *)m)->user_name, ret);
}

int op_get_login_profile(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__GetLoginProfileRequest *q = (const Iam__GetLoginProfileRequest *)m;
	Iam__GetLoginProfileResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__LoginProfileRecord *rec;
	Iam__User *u;
	if (!resp)
		return -ENOMEM;
	int r = op_user_load(c, q->user_name, &u);
	if (r < 0 || (r = profile_load(c, u, &rec)) < 0)
		return r;
	iam__get_login_profile_response__init(resp);
	if (!(resp->login_profile = profile_view(c, u, rec)))
		return -ENOMEM;
	*ret = &resp->base;
	return 0;
}

int op_delete_login_profile_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	return op_user_name_resource(c, ((const Iam__DeleteLoginProfileRequest *)m)->user_name, ret);
}

int op_delete_login_profile(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__DeleteLoginProfileRequest *q = (const Iam__DeleteLoginProfileRequest *)m;
	Iam__DeleteLoginProfileResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__LoginProfileRecord *rec;
	Iam__User *u;
	if (!resp)
		return -ENOMEM;
	int r = op_user_load(c, q->user_name, &u);
	if (r < 0 || (r = profile_load(c, u, &rec)) < 0)
		return r;
	r = store_del(c->txn, STORE_DB_LOGIN_PROFILES, u->user_id, strlen(u->user_id));
	if (r < 0)
		return op_fail_store(c, r);
	iam__delete_login_profile_response__init(resp);
	*ret = &resp->base;
	return 0;
}

/* ---- UpdateLoginProfile, ChangePassword: a new password over an old one ---- */

/* The profile read again in the fresh transaction: still the user's, and
 * still the password the request started from (else another change won:
 * EntityTemporarilyUnmodifiable). */
static int reload(struct call *c, const struct login_state *st, Iam__User **ret_u,
		  Iam__LoginProfileRecord **ret)
{
	int r = op_user_load(c, st->user_name, ret_u);
	if (r < 0 || (r = profile_load(c, *ret_u, ret)) < 0)
		return r;
	if (strcmp((*ret_u)->user_id, st->user_id) != 0)
		return fail_no_profile(c, st->user_name);
	if (st->old_hash && strcmp((*ret)->hash, st->old_hash) != 0) {
		call_fail(c, -EBUSY, "EntityTemporarilyUnmodifiable",
			  "Login Profile for User %s changed while this request was processed; "
			  "try again.", st->user_name);
		c->err_http = 409;
		return c->err;
	}
	return 0;
}

static int update_resume(struct call *c, void *state, const struct keyd_reply *rep,
			 ProtobufCMessage **ret)
{
	struct login_state *st = state;
	const Keyd__HashPasswordResponse *k;
	Iam__LoginProfileRecord *rec;
	Iam__User *u;
	int r = hash_reply(c, rep, st->policy, &k);
	if (r < 0 || (r = reload(c, st, &u, &rec)) < 0)
		return r;
	if ((r = profile_set_password(c, rec, k)) < 0)
		return r;
	if (st->has_reset) {
		rec->has_password_reset_required = true;
		rec->password_reset_required = st->reset;
	}
	if ((r = login_profile_put(c, rec)) < 0)
		return op_fail_store(c, r);
	if (c->op->number == IAM__REQUEST__OP_CHANGE_PASSWORD) {
		Iam__ChangePasswordResponse *resp = arena_alloc(c->arena, sizeof(*resp));
		if (!resp)
			return -ENOMEM;
		iam__change_password_response__init(resp);
		*ret = &resp->base;
	} else {
		Iam__UpdateLoginProfileResponse *resp = arena_alloc(c->arena, sizeof(*resp));
		if (!resp)
			return -ENOMEM;
		iam__update_login_profile_response__init(resp);
		*ret = &resp->base;
	}
	return 0;
}

/* Checks `password` against the policy and sends it to keyd with the
 * history (and, for ChangePassword, the old password to check first). */
static int update_start(struct call *c, struct login_state *st, const Iam__User *u,
			const Iam__LoginProfileRecord *rec, const char *password,
			const char *old_password)
{
	int r = policy_check(c, password, &st->policy);
	if (r < 0)
		return r;
	st->user_name = u->user_name;
	st->user_id = u->user_id;
	st->old_hash = rec->hash;
	Keyd__HashPasswordRequest kr = KEYD__HASH_PASSWORD_REQUEST__INIT;
	kr.password = (char *)password;
	if (old_password) {
		kr.old_password = (char *)old_password;
		kr.old_hash = rec->hash;
		kr.has_old_key_version = true;
		kr.old_key_version = rec->key_version;
	}
	if ((r = history_request(c, st->policy, rec, &kr)) < 0)
		return r;
	return call_keyd(c, KEYD__REQUEST__OP_HASH_PASSWORD, &kr.base, update_resume, st);
}

int op_update_login_profile_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__UpdateLoginProfileRequest *q = (const Iam__UpdateLoginProfileRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	util_name_check_user(q->user_name, "userName", true, &e);
	login_password_check(q->password, "password", false, &e);
	int r = entity_verr_fail(c, &e);
	return r < 0 ? r : op_resource_user(c, q->user_name, ret);
}

int op_update_login_profile(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__UpdateLoginProfileRequest *q = (const Iam__UpdateLoginProfileRequest *)m;
	struct login_state *st = arena_zalloc(c->arena, sizeof(*st));
	Iam__LoginProfileRecord *rec;
	Iam__User *u;
	if (!st)
		return -ENOMEM;
	int r = op_user_load(c, q->user_name, &u);
	if (r < 0 || (r = profile_load(c, u, &rec)) < 0)
		return r;
	st->has_reset = q->has_password_reset_required;
	st->reset = q->password_reset_required;
	if (q->password)
		return update_start(c, st, u, rec, q->password, NULL);
	/* no password: only PasswordResetRequired, if given */
	if (st->has_reset) {
		rec->has_password_reset_required = true;
		rec->password_reset_required = st->reset;
		if ((r = login_profile_put(c, rec)) < 0)
			return op_fail_store(c, r);
	}
	Iam__UpdateLoginProfileResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	if (!resp)
		return -ENOMEM;
	iam__update_login_profile_response__init(resp);
	*ret = &resp->base;
	return 0;
}

/* AllowUsersToChangePassword: every IAM user of the account may change its
 * own password, as if a resource-based policy on the user allowed it; an
 * explicit deny of its policies still wins (AWS: the setting grants
 * iam:ChangePassword on the user's own ARN). Compiled once. */
static const struct policy *change_own_policy(void)
{
	static struct policy *pol;
	static const char doc[] =
		"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"AllowUsersToChangePassword\","
		"\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},"
		"\"Action\":\"iam:ChangePassword\",\"Resource\":\"*\"}]}";
	if (!pol && policy_parse(doc, sizeof(doc) - 1, POLICY_RESOURCE, "AllowUsersToChangePassword",
				 &pol, NULL) < 0)
		pol = NULL;
	return pol;
}

int op_change_password_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__ChangePasswordRequest *q = (const Iam__ChangePasswordRequest *)m;
	Iam__PasswordPolicy *p = NULL;
	struct util_verr e;
	util_verr_init(&e);
	login_password_check(q->old_password, "oldPassword", true, &e);
	login_password_check(q->new_password, "newPassword", true, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	/* the caller's own password: an IAM user's, with its long-term
	 * identity (AWS refuses the root user and temporary credentials) */
	if (c->caller.kind != CALLER_USER || c->caller.session)
		return call_fail(c, -EINVAL, "InvalidUserType",
				 "Only an IAM user can change its own password with ChangePassword.");
	if ((r = login_policy_get(c, &p, NULL)) < 0)
		return op_fail_store(c, r);
	if (p && p->allow_users_to_change_password)
		c->resource_policy = change_own_policy();
	*ret = c->caller.arn;
	return 0;
}

int op_change_password(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__ChangePasswordRequest *q = (const Iam__ChangePasswordRequest *)m;
	struct login_state *st = arena_zalloc(c->arena, sizeof(*st));
	Iam__LoginProfileRecord *rec;
	Iam__PasswordPolicy *p = NULL;
	Iam__User *u;
	(void)ret;
	if (!st)
		return -ENOMEM;
	int r = op_user_load(c, c->caller.user_name, &u);
	if (r < 0 || (r = profile_load(c, u, &rec)) < 0)
		return r;
	if ((r = login_policy_get(c, &p, NULL)) < 0)
		return op_fail_store(c, r);
	/* HardExpiry: an expired password is reset by an administrator only */
	int64_t expiry = login_password_expiry(p, rec);
	if (p && p->hard_expiry && expiry && c->now >= expiry)
		return call_fail(c, -EACCES, "AccessDenied",
				 "The password of user %s has expired and the account password "
				 "policy (HardExpiry) requires an administrator to reset it.",
				 u->user_name);
	st->has_reset = true;
	st->reset = false;   /* a new password of its own: no reset pending */
	return update_start(c, st, u, rec, q->new_password, q->old_password);
}
