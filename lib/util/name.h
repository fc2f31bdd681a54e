/* name: AWS input validation for IAM names, paths, tags and paging fields,
 * and the case folding that makes names unique case-insensitively.
 *
 * Checks append to a struct util_verr; like AWS, every violated constraint
 * of a request is reported in one ValidationError message:
 *   "1 validation error detected: Value 'bad name' at 'userName' failed to
 *    satisfy constraint: Member must satisfy regular expression pattern:
 *    [\w+=,.@-]+"
 * Other rules (duplicate tag keys, the reserved aws: prefix) are InvalidInput
 * and set the code directly. Values echoed in messages are sanitized to
 * printable UTF-8. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UTIL_VERR_MSG 1536

struct util_verr {
	unsigned count;              /* ValidationError constraints violated */
	const char *code;            /* set for a non-validation error */
	char detail[UTIL_VERR_MSG];  /* "Value ... at ... failed ...; ..." */
	char msg[UTIL_VERR_MSG];     /* the final message (util_verr_done) */
};

#define UTIL_PATTERN_NAME "[\\w+=,.@-]+"
#define UTIL_PATTERN_PATH "(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)"
#define UTIL_PATTERN_PATH_PREFIX "\\u002F[\\u0021-\\u007E]*"
#define UTIL_PATTERN_MARKER "[\\u0020-\\u00FF]+"
#define UTIL_PATTERN_TAG_KEY "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+"
#define UTIL_PATTERN_TAG_VALUE "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*"

#define UTIL_USER_NAME_MAX 64
#define UTIL_GROUP_NAME_MAX 128
#define UTIL_PATH_MAX 512
#define UTIL_TAGS_MAX 50
#define UTIL_TAG_KEY_MAX 128
#define UTIL_TAG_VALUE_MAX 256
#define UTIL_MAX_ITEMS_MAX 1000
#define UTIL_MAX_ITEMS_DEFAULT 100

void util_verr_init(struct util_verr *e);
/* Records one violated constraint; value NULL prints as `null`. */
void util_verr_add(struct util_verr *e, const char *field, const char *value,
		   const char *constraint_fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Records a non-validation error (first one wins): code and message. */
void util_verr_set(struct util_verr *e, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Whether anything was recorded; if so, builds e->msg and returns the code
 * ("ValidationError" or the one set). NULL when there is nothing. */
const char *util_verr_done(struct util_verr *e);

/* Each returns true when valid, else records why in `e`. `required`: a NULL
 * value is "Member must not be null"; otherwise NULL is valid. */
bool util_name_check_user(const char *v, const char *field, bool required,
			  struct util_verr *e);
bool util_name_check_group(const char *v, const char *field, bool required,
			   struct util_verr *e);
bool util_name_check_path(const char *v, const char *field, struct util_verr *e);
bool util_name_check_path_prefix(const char *v, const char *field,
				 struct util_verr *e);
bool util_name_check_marker(const char *v, const char *field, struct util_verr *e);
bool util_name_check_max_items(bool has, int32_t v, const char *field,
			       struct util_verr *e);
/* A number member within [min, max] when present ("Member must have value
 * greater than or equal to MIN" / "less than or equal to MAX"). */
bool util_name_check_range(bool has, int64_t v, int64_t min, int64_t max, const char *field,
			   struct util_verr *e);
/* A tag key or value's length and characters (ValidationError), and for a
 * key the reserved aws: prefix (InvalidInput). */
bool util_name_check_tag_key(const char *v, const char *field, struct util_verr *e);
bool util_name_check_tag_value(const char *v, const char *field, struct util_verr *e);

/* Whether two tag keys are equal ignoring case. */
bool util_tag_key_equal(const char *a, const char *b);

/* ASCII lower-case copy of `src` into dst (dst may be src). */
void util_name_fold(char *dst, const char *src, size_t len);
/* Whether `s` starts with `prefix`. */
bool util_str_has_prefix(const char *s, const char *prefix);

/* Decodes one UTF-8 code point at s (len bytes left): its length, or 0
 * when invalid (overlong, surrogate, > U+10FFFF, truncated). */
size_t util_utf8_decode(const unsigned char *s, size_t len, uint32_t *ret_cp);
/* Code points in a valid UTF-8 string, or -1 if it is not valid UTF-8. */
long util_utf8_length(const char *s);
