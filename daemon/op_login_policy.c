/* op_login_policy: the account password policy applied to a new password
 * (op_login.h), the password members' validation, and when a password
 * expires. AWS's rules:
 *
 *  - a password is 1-128 characters of [\t\n\r\u0020-\u00FF];
 *  - with a policy: MinimumPasswordLength (6-128), RequireSymbols (one of
 *    ! @ # $ % ^ & * ( ) _ + - = [ ] { } | '), RequireNumbers,
 *    RequireUppercaseCharacters, RequireLowercaseCharacters (ASCII);
 *  - without one, AWS's default: at least 8 characters, at least three of
 *    uppercase, lowercase, numbers and symbols (any other character), and
 *    not the account's id or alias;
 *  - PasswordReusePrevention is checked by iam-keyd (the fingerprints of
 *    the last passwords, op_login.c); MaxPasswordAge is counted from the
 *    day the password was set. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "entity.h"
#include "op_login.h"
#include "ops.h"
#include "store.pb-c.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/name.h"

#define PASSWORD_CHARS_MAX 128
#define DEFAULT_MIN_LENGTH 8
#define AWS_SYMBOLS "!@#$%^&*()_+-=[]{}|'"

/* Code points of a valid password, or -1 (not UTF-8, or a character out of
 * [\t\n\r\u0020-\u00FF]). */
static long password_chars(const char *v)
{
	const unsigned char *p = (const unsigned char *)v;
	size_t len = strlen(v), i = 0;
	long n = 0;
	while (i < len) {
		uint32_t cp;
		size_t k = util_utf8_decode(p + i, len - i, &cp);
		if (!k || cp > 0xFF || (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r'))
			return -1;
		i += k;
		n++;
	}
	return n;
}

void login_password_check(const char *v, const char *field, bool required,
			  struct util_verr *e)
{
	if (!v) {
		if (required)
			util_verr_add(e, field, NULL, "Member must not be null");
		return;
	}
	long n = password_chars(v);
	if (v[0] == '\0')
		util_verr_add(e, field, "******", "Member must have length greater than or equal to 1");
	else if (n < 0)
		util_verr_add(e, field, "******",
			      "Member must satisfy regular expression pattern: "
			      "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+");
	else if (n > PASSWORD_CHARS_MAX)
		util_verr_add(e, field, "******",
			      "Member must have length less than or equal to %d", PASSWORD_CHARS_MAX);
}

struct classes {
	long chars;
	bool upper, lower, digit, symbol, other;
};

static void classify(const char *v, struct classes *k)
{
	memset(k, 0, sizeof(*k));
	k->chars = password_chars(v);
	for (const char *p = v; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (ch >= 'A' && ch <= 'Z')
			k->upper = true;
		else if (ch >= 'a' && ch <= 'z')
			k->lower = true;
		else if (ch >= '0' && ch <= '9')
			k->digit = true;
		else if (ch < 0x80 && strchr(AWS_SYMBOLS, ch))
			k->symbol = true;
		else if ((ch & 0xC0) != 0x80)
			k->other = true;   /* a character's first byte */
	}
}

static void rule_add(char *buf, size_t cap, const char *rule)
{
	size_t n = strlen(buf);
	snprintf(buf + n, cap - n, "%s%s", n ? "; " : "", rule);
}

const char *login_policy_violation(struct call *c, const Iam__PasswordPolicy *p,
				   const char *alias, const char *password)
{
	char msg[512] = "", rule[128];
	struct classes k;
	classify(password, &k);
	if (!p) {
		unsigned kinds = (unsigned)k.upper + k.lower + k.digit + (k.symbol || k.other);
		if (k.chars < DEFAULT_MIN_LENGTH) {
			snprintf(rule, sizeof(rule), "Password should have a minimum length of %d",
				 DEFAULT_MIN_LENGTH);
			rule_add(msg, sizeof(msg), rule);
		}
		if (kinds < 3)
			rule_add(msg, sizeof(msg),
				 "Password should have at least three of these character types: "
				 "uppercase letters, lowercase letters, numbers and symbols");
		const char *acct = entity_account(c);
		if (strcmp(password, acct) == 0 || (alias && strcasecmp(password, alias) == 0))
			rule_add(msg, sizeof(msg),
				 "Password should not be identical to the account's id or alias");
		return msg[0] ? arena_strdup(c->arena, msg) : NULL;
	}
	int32_t min = p->has_minimum_password_length ? p->minimum_password_length : 6;
	if (k.chars < min) {
		snprintf(rule, sizeof(rule), "Password should have a minimum length of %d", min);
		rule_add(msg, sizeof(msg), rule);
	}
	if (p->require_symbols && !k.symbol)
		rule_add(msg, sizeof(msg), "Password should have at least one symbol");
	if (p->require_numbers && !k.digit)
		rule_add(msg, sizeof(msg), "Password should have at least one number");
	if (p->require_uppercase_characters && !k.upper)
		rule_add(msg, sizeof(msg), "Password should have at least one uppercase letter");
	if (p->require_lowercase_characters && !k.lower)
		rule_add(msg, sizeof(msg), "Password should have at least one lowercase letter");
	return msg[0] ? arena_strdup(c->arena, msg) : NULL;
}

int login_policy_get(struct call *c, Iam__PasswordPolicy **ret, const char **ret_alias)
{
	const char *acct = entity_account(c);
	struct store_val v;
	int r = store_get(c->txn, STORE_DB_ACCOUNTS, acct, strlen(acct), &v);
	if (r < 0)
		return r == -ENOENT ? -EIO : r;
	Iam__AccountRecord *a = iam__account_record__unpack(&c->pb, v.len, v.data);
	if (!a)
		return -EIO;
	*ret = a->password_policy;
	if (ret_alias)
		*ret_alias = a->account_alias;
	return 0;
}

int64_t login_password_expiry(const Iam__PasswordPolicy *p, const Iam__LoginProfileRecord *rec)
{
	if (!p || !p->has_max_password_age || p->max_password_age <= 0 || !rec)
		return 0;
	int64_t set = rec->has_password_last_changed ? rec->password_last_changed
						      : rec->create_date;
	return set + (int64_t)p->max_password_age * 86400;
}
