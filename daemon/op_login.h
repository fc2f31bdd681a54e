/* op_login: IAM users' passwords (docs/passwords.md), shared by
 * op_login.c (login profiles, ChangePassword), op_login_policy.c (the
 * account password policy applied to a new password) and
 * op_credential_report.c. Records are read in the call's transaction and
 * unpacked with c->pb. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "call.h"
#include "iam_login.pb-c.h"
#include "iam_views.pb-c.h"

struct util_verr;

/* How many fingerprints a login profile keeps: the current password's and
 * the ones before it, as many as PasswordReusePrevention may ask (24). */
#define LOGIN_HISTORY_KEEP 24

/* The login profile of user `user_id` (-ENOENT when it has none). */
int login_profile_get(struct call *c, const char *user_id, Iam__LoginProfileRecord **ret);
int login_profile_put(struct call *c, const Iam__LoginProfileRecord *rec);
/* The account's password policy, or *ret NULL when none is set (AWS's
 * default then applies: login_policy_violation()), and its alias (NULL:
 * none; ret_alias may be NULL). */
int login_policy_get(struct call *c, Iam__PasswordPolicy **ret, const char **ret_alias);
/* When the password expires (MaxPasswordAge days after it was set), or 0
 * when it does not. */
int64_t login_password_expiry(const Iam__PasswordPolicy *p, const Iam__LoginProfileRecord *rec);

/* The rules of policy `p` (AWS's default when NULL: not the account id
 * nor `alias` either) that `password` breaks, as one message naming them
 * ("Password should have at least one symbol; ..."), in c->arena; NULL
 * when it breaks none. */
const char *login_policy_violation(struct call *c, const Iam__PasswordPolicy *p,
				   const char *alias, const char *password);
/* AWS's constraints on a password member (1-128 characters of
 * [\t\n\r\u0020-\u00FF]); the value is never echoed. */
void login_password_check(const char *v, const char *field, bool required,
			  struct util_verr *e);
