/* op_credential_report: GenerateCredentialReport and GetCredentialReport
 * (docs/passwords.md) as AWS has them: a CSV with AWS's columns, one row
 * for the account root ("<root_account>") and one per user, made from one
 * read of the store (the write transaction of GenerateCredentialReport),
 * kept per account in STORE_DB_CREDENTIAL_REPORTS and served for 4 hours.
 * A report younger than that is not made again (State COMPLETE); a new one
 * is made at once, so the first call answers STARTED and the report is
 * there for the next GetCredentialReport. Certificates are not supported:
 * their columns are false / N/A. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entity.h"
#include "iam_keys.pb-c.h"
#include "op_login.h"
#include "ops.h"
#include "store.pb-c.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/isotime.h"

#define REPORT_TTL (4 * 3600)      /* seconds a report is served */
#define REPORT_FORMAT "text/csv"
#define NA "N/A"

static const char header[] =
	"user,arn,user_creation_time,password_enabled,password_last_used,"
	"password_last_changed,password_next_rotation,mfa_active,"
	"access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,"
	"access_key_1_last_used_region,access_key_1_last_used_service,"
	"access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
	"access_key_2_last_used_region,access_key_2_last_used_service,"
	"cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

/* ---- a growing text (malloc: a report of 10,000 users is megabytes) ---- */

struct text {
	char *p;
	size_t len, cap;
	int err;
};

static void text_add(struct text *t, const char *s, size_t n)
{
	if (t->err)
		return;
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 64 * 1024;
		while (cap < t->len + n + 1)
			cap *= 2;
		char *p = realloc(t->p, cap);
		if (!p) {
			t->err = -ENOMEM;
			return;
		}
		t->p = p;
		t->cap = cap;
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

static void text_str(struct text *t, const char *s)
{
	text_add(t, s, strlen(s));
}

/* One field after a comma (none before the first); quoted as RFC 4180 says
 * when it holds a comma or a quote (a user name may hold a comma). */
static void field(struct text *t, bool first, const char *s)
{
	if (!first)
		text_add(t, ",", 1);
	if (!strpbrk(s, ",\"\r\n")) {
		text_str(t, s);
		return;
	}
	text_add(t, "\"", 1);
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			text_add(t, "\"\"", 2);
		else
			text_add(t, p, 1);
	}
	text_add(t, "\"", 1);
}

static void field_time(struct text *t, bool has, int64_t secs, const char *none)
{
	char buf[ISOTIME_MAX];
	field(t, false, has && isotime_format(secs, ISOTIME_OFFSET, buf) == 0 ? buf : none);
}

static void field_bool(struct text *t, bool v)
{
	field(t, false, v ? "true" : "false");
}

/* ---- one row ---- */

struct keys {
	Iam__AccessKeyRecord *k[2];
	size_t n;
};

/* The first two access keys of an owner, oldest first. */
static int keys_get(struct store_txn *txn, struct store_cursor *cur, const char *owner_id,
		    struct keys *ret)
{
	char prefix[96];
	struct store_val k;
	int n = snprintf(prefix, sizeof(prefix), "%s/", owner_id);
	if (n < 0 || (size_t)n >= sizeof(prefix))
		return -EINVAL;
	memset(ret, 0, sizeof(*ret));
	int r = store_cursor_seek(cur, prefix, (size_t)n, &k, NULL);
	for (; r == 0 && ret->n < 2; r = store_cursor_next(cur, &k, NULL)) {
		if (k.len <= (size_t)n || memcmp(k.data, prefix, (size_t)n) != 0)
			break;
		char id[64];
		size_t idlen = k.len - (size_t)n;
		if (idlen >= sizeof(id))
			continue;
		memcpy(id, (const char *)k.data + n, idlen);
		id[idlen] = '\0';
		Iam__AccessKeyRecord *rec;
		if (op_access_key_lookup(txn, NULL, id, &rec) == 0)
			ret->k[ret->n++] = rec;
	}
	if (r < 0 && r != -ENOENT)
		return r;
	if (ret->n == 2 && ret->k[1]->create_date < ret->k[0]->create_date) {
		Iam__AccessKeyRecord *x = ret->k[0];
		ret->k[0] = ret->k[1];
		ret->k[1] = x;
	}
	return 0;
}

static void keys_free(struct keys *k)
{
	for (size_t i = 0; i < k->n; i++)
		iam__access_key_record__free_unpacked(k->k[i], NULL);
}

static void key_fields(struct text *t, const Iam__AccessKeyRecord *k)
{
	if (!k) {
		field_bool(t, false);
		for (int i = 0; i < 4; i++)
			field(t, false, NA);
		return;
	}
	field_bool(t, k->status && strcmp(k->status, "Active") == 0);
	field_time(t, k->has_create_date, k->create_date, NA);
	field_time(t, k->has_last_used_date, k->last_used_date, NA);
	field(t, false, k->has_last_used_date && k->last_used_region ? k->last_used_region : NA);
	field(t, false, k->has_last_used_date && k->last_used_service ? k->last_used_service : NA);
}

static void tail_fields(struct text *t, const struct keys *keys)
{
	key_fields(t, keys->n > 0 ? keys->k[0] : NULL);
	key_fields(t, keys->n > 1 ? keys->k[1] : NULL);
	field_bool(t, false);   /* signing certificates: not supported */
	field(t, false, NA);
	field_bool(t, false);
	field(t, false, NA);
	text_add(t, "\n", 1);
}

static bool has_prefix_key(struct store_cursor *cur, const char *owner_id)
{
	char prefix[96];
	struct store_val k;
	int n = snprintf(prefix, sizeof(prefix), "%s/", owner_id);
	if (n < 0 || (size_t)n >= sizeof(prefix))
		return false;
	return store_cursor_seek(cur, prefix, (size_t)n, &k, NULL) == 0 &&
	       k.len > (size_t)n && memcmp(k.data, prefix, (size_t)n) == 0;
}

struct report {
	struct call *c;
	struct text t;
	const Iam__PasswordPolicy *policy;
	struct store_cursor *keys, *mfa;
};

static int user_row(struct report *rp, const Iam__User *u)
{
	struct call *c = rp->c;
	struct text *t = &rp->t;
	struct keys keys;
	struct store_val v;
	Iam__LoginProfileRecord *lp = NULL;
	int r = store_get(c->txn, STORE_DB_LOGIN_PROFILES, u->user_id, strlen(u->user_id), &v);
	if (r == 0 && !(lp = iam__login_profile_record__unpack(NULL, v.len, v.data)))
		return -EIO;
	if (r < 0 && r != -ENOENT)
		return r;
	field(t, true, u->user_name);
	field(t, false, u->arn);
	field_time(t, u->has_create_date, u->create_date, NA);
	field_bool(t, lp != NULL);
	if (lp) {
		field_time(t, lp->has_password_last_used, lp->password_last_used, "no_information");
		field_time(t, true, lp->has_password_last_changed ? lp->password_last_changed
								 : lp->create_date, NA);
		int64_t next = login_password_expiry(rp->policy, lp);
		field_time(t, next != 0, next, NA);
	} else {
		field(t, false, NA);
		field(t, false, NA);
		field(t, false, NA);
	}
	if (lp)
		iam__login_profile_record__free_unpacked(lp, NULL);
	field_bool(t, has_prefix_key(rp->mfa, u->user_id));
	if ((r = keys_get(c->txn, rp->keys, u->user_id, &keys)) < 0)
		return r;
	tail_fields(t, &keys);
	keys_free(&keys);
	return 0;
}

static int root_row(struct report *rp)
{
	struct call *c = rp->c;
	struct store_val v;
	struct keys keys;
	const char *acct = entity_account(c);
	int r = store_get(c->txn, STORE_DB_ACCOUNTS, acct, strlen(acct), &v);
	if (r < 0)
		return r == -ENOENT ? -EIO : r;
	Iam__AccountRecord *a = iam__account_record__unpack(&c->pb, v.len, v.data);
	if (!a)
		return -EIO;
	rp->policy = a->password_policy;
	char *arn = arena_printf(c->arena, "arn:aws:iam::%s:root", acct);
	if (!arn)
		return -ENOMEM;
	field(&rp->t, true, "<root_account>");
	field(&rp->t, false, arn);
	field_time(&rp->t, a->has_create_date, a->create_date, NA);
	field(&rp->t, false, "not_supported");   /* the root has no password here */
	field(&rp->t, false, "no_information");
	field(&rp->t, false, "not_supported");
	field(&rp->t, false, "not_supported");
	field_bool(&rp->t, false);
	if ((r = keys_get(c->txn, rp->keys, acct, &keys)) < 0)
		return r;
	tail_fields(&rp->t, &keys);
	keys_free(&keys);
	return 0;
}

/* The report of the caller's account into rp->t. */
static int report_build(struct report *rp)
{
	struct call *c = rp->c;
	struct store_cursor *users = NULL;
	struct store_val k, v;
	char prefix[ENTITY_KEY_MAX];
	size_t plen = entity_key(prefix, entity_account(c), "", NULL);
	int r;
	if (!plen)
		return -EINVAL;
	text_str(&rp->t, header);
	text_add(&rp->t, "\n", 1);
	if ((r = store_cursor_open(c->txn, STORE_DB_USER_ACCESS_KEYS, &rp->keys)) < 0 ||
	    (r = store_cursor_open(c->txn, STORE_DB_USER_MFA_DEVICES, &rp->mfa)) < 0 ||
	    (r = root_row(rp)) < 0 ||
	    (r = store_cursor_open(c->txn, STORE_DB_USERS, &users)) < 0)
		goto out;
	for (r = store_cursor_seek(users, prefix, plen, &k, &v); r == 0;
	     r = store_cursor_next(users, &k, &v)) {
		if (k.len < plen || memcmp(k.data, prefix, plen) != 0)
			break;
		Iam__UserRecord *ur = iam__user_record__unpack(NULL, v.len, v.data);
		if (!ur || !ur->user || !ur->user->user_id || !ur->user->user_name) {
			if (ur)
				iam__user_record__free_unpacked(ur, NULL);
			r = -EIO;
			break;
		}
		r = user_row(rp, ur->user);
		iam__user_record__free_unpacked(ur, NULL);
		if (r < 0)
			break;
	}
	if (r == -ENOENT)
		r = 0;
out:
	store_cursor_close(users);
	store_cursor_close(rp->mfa);
	store_cursor_close(rp->keys);
	if (r == 0 && rp->t.err)
		r = rp->t.err;
	return r;
}

static int report_get(struct call *c, Iam__CredentialReportRecord **ret)
{
	const char *acct = entity_account(c);
	struct store_val v;
	int r = store_get(c->txn, STORE_DB_CREDENTIAL_REPORTS, acct, strlen(acct), &v);
	if (r < 0)
		return r;
	Iam__CredentialReportRecord *rec = iam__credential_report_record__unpack(&c->pb, v.len,
										v.data);
	if (!rec || !rec->has_generated_time)
		return -EIO;
	*ret = rec;
	return 0;
}

/* ---- GenerateCredentialReport ---- */

int op_generate_credential_report_resource(struct call *c, const ProtobufCMessage *m,
					   const char **ret)
{
	return op_resource_none(c, m, ret);
}

int op_generate_credential_report(struct call *c, const ProtobufCMessage *m,
				  ProtobufCMessage **ret)
{
	Iam__GenerateCredentialReportResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__CredentialReportRecord *old = NULL;
	struct report rp = { .c = c };
	(void)m;
	if (!resp)
		return -ENOMEM;
	iam__generate_credential_report_response__init(resp);
	int r = report_get(c, &old);
	if (r < 0 && r != -ENOENT)
		return op_fail_store(c, r);
	if (r == 0 && c->now - old->generated_time < REPORT_TTL) {
		resp->state = (char *)"COMPLETE";
		*ret = &resp->base;
		return 0;
	}
	r = report_build(&rp);
	if (r == 0) {
		Iam__CredentialReportRecord rec = IAM__CREDENTIAL_REPORT_RECORD__INIT;
		rec.has_generated_time = rec.has_content = true;
		rec.generated_time = c->now;
		rec.content.data = (uint8_t *)rp.t.p;
		rec.content.len = rp.t.len;
		size_t len = iam__credential_report_record__get_packed_size(&rec);
		uint8_t *buf = malloc(len ? len : 1);
		const char *acct = entity_account(c);
		if (!buf) {
			r = -ENOMEM;
		} else {
			iam__credential_report_record__pack(&rec, buf);
			r = store_put(c->txn, STORE_DB_CREDENTIAL_REPORTS, acct, strlen(acct), buf,
				      len, 0);
			free(buf);
		}
	}
	free(rp.t.p);
	if (r < 0)
		return op_fail_store(c, r);
	resp->state = (char *)"STARTED";
	resp->description = (char *)"No report exists. Starting a new report generation task";
	*ret = &resp->base;
	return 0;
}

/* ---- GetCredentialReport ---- */

int op_get_credential_report_resource(struct call *c, const ProtobufCMessage *m,
				      const char **ret)
{
	return op_resource_none(c, m, ret);
}

int op_get_credential_report(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	Iam__GetCredentialReportResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__CredentialReportRecord *rec;
	(void)m;
	if (!resp)
		return -ENOMEM;
	int r = report_get(c, &rec);
	if (r == -ENOENT) {
		call_fail(c, -ENOENT, "ReportNotPresent",
			  "Credential report not present. Use GenerateCredentialReport to "
			  "generate a report.");
		c->err_http = 410;
		return c->err;
	}
	if (r < 0)
		return op_fail_store(c, r);
	if (c->now - rec->generated_time >= REPORT_TTL) {
		call_fail(c, -ENOENT, "ReportExpired",
			  "Credential report has expired: reports are valid for 4 hours. Use "
			  "GenerateCredentialReport to generate a new one.");
		c->err_http = 410;
		return c->err;
	}
	iam__get_credential_report_response__init(resp);
	resp->has_content = rec->has_content;
	resp->content = rec->content;
	resp->report_format = (char *)REPORT_FORMAT;
	resp->has_generated_time = true;
	resp->generated_time = rec->generated_time;
	*ret = &resp->base;
	return 0;
}
