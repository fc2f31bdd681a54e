/* name: AWS input validation and case folding (see name.h). */
#include "util/name.h"

#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <wctype.h>

void util_verr_init(struct util_verr *e)
{
	e->count = 0;
	e->code = NULL;
	e->detail[0] = '\0';
	e->msg[0] = '\0';
}

size_t util_utf8_decode(const unsigned char *s, size_t len, uint32_t *ret_cp)
{
	if (len == 0)
		return 0;
	unsigned char c = s[0];
	uint32_t cp, min;
	size_t n;
	if (c < 0x80) {
		*ret_cp = c;
		return 1;
	} else if ((c & 0xe0) == 0xc0) {
		n = 2, cp = c & 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3, cp = c & 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4, cp = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*ret_cp = cp;
	return n;
}

long util_utf8_length(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s);
	long n = 0;
	while (len > 0) {
		uint32_t cp;
		size_t k = util_utf8_decode(p, len, &cp);
		if (k == 0)
			return -1;
		p += k;
		len -= k;
		n++;
	}
	return n;
}

/* Appends `s` to buf (size bytes, NUL-terminated) as printable UTF-8: control
 * characters and invalid bytes become '?'. At most `max` source bytes. */
static void verr_append_clean(char *buf, size_t size, const char *s, size_t max)
{
	size_t at = strlen(buf);
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strnlen(s, max);
	while (len > 0 && at + 5 < size) {
		uint32_t cp;
		size_t k = util_utf8_decode(p, len, &cp);
		if (k == 0 || cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
			buf[at++] = '?';
			k = k ? k : 1;
		} else {
			memcpy(buf + at, p, k);
			at += k;
		}
		p += k;
		len -= k;
	}
	buf[at] = '\0';
}

static void verr_append(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void verr_append(char *buf, size_t size, const char *fmt, ...)
{
	size_t at = strlen(buf);
	if (at + 1 >= size)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + at, size - at, fmt, ap);
	va_end(ap);
}

void util_verr_add(struct util_verr *e, const char *field, const char *value,
		   const char *constraint_fmt, ...)
{
	char constraint[256];
	va_list ap;
	va_start(ap, constraint_fmt);
	vsnprintf(constraint, sizeof(constraint), constraint_fmt, ap);
	va_end(ap);

	if (e->count > 0)
		verr_append(e->detail, sizeof(e->detail), "; ");
	if (value) {
		verr_append(e->detail, sizeof(e->detail), "Value '");
		verr_append_clean(e->detail, sizeof(e->detail), value, 600);
		verr_append(e->detail, sizeof(e->detail), "'");
	} else {
		verr_append(e->detail, sizeof(e->detail), "Value null");
	}
	verr_append(e->detail, sizeof(e->detail),
		    " at '%s' failed to satisfy constraint: %s", field, constraint);
	e->count++;
}

void util_verr_set(struct util_verr *e, const char *code, const char *fmt, ...)
{
	if (e->code)
		return;
	e->code = code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
}

const char *util_verr_done(struct util_verr *e)
{
	/* Like AWS, schema validation comes before the semantic checks. */
	if (e->count > 0) {
		int n = snprintf(e->msg, sizeof(e->msg), "%u validation error%s detected: ",
				 e->count, e->count == 1 ? "" : "s");
		if (n > 0 && (size_t)n < sizeof(e->msg)) {
			size_t room = sizeof(e->msg) - (size_t)n - 1;
			size_t len = strnlen(e->detail, room);
			while (len > 0 && e->detail[len] != '\0' &&
			       ((unsigned char)e->detail[len] & 0xc0) == 0x80)
				len--;    /* do not cut a UTF-8 sequence */
			memcpy(e->msg + n, e->detail, len);
			e->msg[(size_t)n + len] = '\0';
		}
		return "ValidationError";
	}
	return e->code;
}

static bool name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || strchr("_+=,.@-", c) != NULL;
}

static bool name_check(const char *v, const char *field, bool required,
		       size_t max, struct util_verr *e)
{
	if (!v) {
		if (required)
			util_verr_add(e, field, NULL, "Member must not be null");
		return !required;
	}
	bool ok = true;
	size_t len = strlen(v);
	if (len < 1) {
		util_verr_add(e, field, v, "Member must have length greater than or equal to 1");
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		if (!name_char((unsigned char)v[i])) {
			util_verr_add(e, field, v, "Member must satisfy regular expression pattern: %s",
				      UTIL_PATTERN_NAME);
			ok = false;
			break;
		}
	}
	if (len > max) {
		util_verr_add(e, field, v, "Member must have length less than or equal to %zu", max);
		ok = false;
	}
	return ok;
}

bool util_name_check_user(const char *v, const char *field, bool required,
			  struct util_verr *e)
{
	return name_check(v, field, required, UTIL_USER_NAME_MAX, e);
}

bool util_name_check_group(const char *v, const char *field, bool required,
			   struct util_verr *e)
{
	return name_check(v, field, required, UTIL_GROUP_NAME_MAX, e);
}

static bool path_chars(const char *v, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if ((unsigned char)v[i] < 0x21 || (unsigned char)v[i] > 0x7e)
			return false;
	return true;
}

static bool length_check(const char *v, size_t len, size_t max, const char *field,
			 struct util_verr *e)
{
	if (len < 1) {
		util_verr_add(e, field, v, "Member must have length greater than or equal to 1");
		return false;
	}
	if (len > max) {
		util_verr_add(e, field, v, "Member must have length less than or equal to %zu", max);
		return false;
	}
	return true;
}

bool util_name_check_path(const char *v, const char *field, struct util_verr *e)
{
	if (!v)
		return true;
	size_t len = strlen(v);
	bool ok = length_check(v, len, UTIL_PATH_MAX, field, e);
	if (len >= 1 && !(len == 1 ? v[0] == '/'
			  : v[0] == '/' && v[len - 1] == '/' && path_chars(v, 1, len - 1))) {
		util_verr_add(e, field, v, "Member must satisfy regular expression pattern: %s",
			      UTIL_PATTERN_PATH);
		ok = false;
	}
	return ok;
}

bool util_name_check_path_prefix(const char *v, const char *field, struct util_verr *e)
{
	if (!v)
		return true;
	size_t len = strlen(v);
	bool ok = length_check(v, len, UTIL_PATH_MAX, field, e);
	if (len >= 1 && !(v[0] == '/' && path_chars(v, 1, len))) {
		util_verr_add(e, field, v, "Member must satisfy regular expression pattern: %s",
			      UTIL_PATTERN_PATH_PREFIX);
		ok = false;
	}
	return ok;
}

bool util_name_check_marker(const char *v, const char *field, struct util_verr *e)
{
	if (!v)
		return true;
	size_t len = strlen(v);
	if (len < 1 || len > 320) {
		/* AWS states no maximum; ours are short, cap what we parse. */
		util_verr_add(e, field, v, len < 1
			      ? "Member must have length greater than or equal to 1"
			      : "Member must have length less than or equal to 320");
		return false;
	}
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] > 0x7e) {
			util_verr_add(e, field, v, "Member must satisfy regular expression pattern: %s",
				      UTIL_PATTERN_MARKER);
			return false;
		}
	}
	return true;
}

bool util_name_check_range(bool has, int64_t v, int64_t min, int64_t max, const char *field,
			   struct util_verr *e)
{
	if (!has)
		return true;
	char buf[24];
	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	if (v < min) {
		util_verr_add(e, field, buf, "Member must have value greater than or equal to %lld",
			      (long long)min);
		return false;
	}
	if (v > max) {
		util_verr_add(e, field, buf, "Member must have value less than or equal to %lld",
			      (long long)max);
		return false;
	}
	return true;
}

bool util_name_check_max_items(bool has, int32_t v, const char *field,
			       struct util_verr *e)
{
	return util_name_check_range(has, v, 1, UTIL_MAX_ITEMS_MAX, field, e);
}

/* \p{L} and \p{N} as libc's Unicode tables see them (alnum in C.UTF-8);
 * \p{Z} listed here (libc leaves some separators out of space). */
static bool tag_cp_valid(uint32_t cp)
{
	static locale_t loc;
	static bool loc_tried;

	if (cp < 0x80)
		return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
		       (cp >= '0' && cp <= '9') || cp == ' ' ||
		       (cp && strchr("_.:/=+-@", (int)cp));
	if (cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) ||
	    cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000)
		return true;
	if (!loc_tried) {
		loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
		loc_tried = true;
	}
	if (loc == (locale_t)0)
		return cp >= 0xa0;    /* no tables: accept non-control characters */
	return iswalnum_l((wint_t)cp, loc) != 0;
}

static bool tag_check(const char *v, const char *field, size_t min, size_t max,
		      const char *pattern, struct util_verr *e)
{
	const unsigned char *p = (const unsigned char *)v;
	size_t left = strlen(v), n = 0;
	bool chars_ok = true;
	while (left > 0) {
		uint32_t cp;
		size_t k = util_utf8_decode(p, left, &cp);
		if (k == 0) {
			chars_ok = false;
			k = 1;
		} else if (!tag_cp_valid(cp)) {
			chars_ok = false;
		}
		p += k;
		left -= k;
		n++;
	}
	bool ok = true;
	if (n < min) {
		util_verr_add(e, field, v, "Member must have length greater than or equal to %zu", min);
		ok = false;
	}
	if (n > max) {
		util_verr_add(e, field, v, "Member must have length less than or equal to %zu", max);
		ok = false;
	}
	if (!chars_ok) {
		util_verr_add(e, field, v, "Member must satisfy regular expression pattern: %s",
			      pattern);
		ok = false;
	}
	return ok;
}

bool util_name_check_tag_key(const char *v, const char *field, struct util_verr *e)
{
	if (!v) {
		util_verr_add(e, field, NULL, "Member must not be null");
		return false;
	}
	if (!tag_check(v, field, 1, UTIL_TAG_KEY_MAX, UTIL_PATTERN_TAG_KEY, e))
		return false;
	if (strncasecmp(v, "aws:", 4) == 0) {
		util_verr_set(e, "InvalidInput",
			      "Tag keys starting with 'aws:' are reserved for AWS use.");
		return false;
	}
	return true;
}

bool util_name_check_tag_value(const char *v, const char *field, struct util_verr *e)
{
	if (!v) {
		util_verr_add(e, field, NULL, "Member must not be null");
		return false;
	}
	return tag_check(v, field, 0, UTIL_TAG_VALUE_MAX, UTIL_PATTERN_TAG_VALUE, e);
}

bool util_tag_key_equal(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

void util_name_fold(char *dst, const char *src, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = src[i];
		dst[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
}

bool util_str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}
