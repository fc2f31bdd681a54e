/* Unit tests for lib/util/name: AWS validation rules and messages. */
#include "util/name.h"
#include "../tap.h"

static struct util_verr e;

static const char *done(void)
{
	const char *c = util_verr_done(&e);
	return c;
}

int main(void)
{
	util_verr_init(&e);
	tap_ok(util_name_check_user("alice", "userName", true, &e), "simple name");
	tap_ok(util_name_check_user("A_b+c=d,e.f@g-h9", "userName", true, &e), "every allowed char");
	tap_ok(util_name_check_user(NULL, "userName", false, &e), "optional NULL ok");
	tap_ok(done() == NULL, "no error recorded");

	util_verr_init(&e);
	tap_ok(!util_name_check_user("bad name", "userName", true, &e), "space refused");
	TAP_IS_STR(done(), "ValidationError", "code ValidationError");
	TAP_IS_STR(e.msg, "1 validation error detected: Value 'bad name' at 'userName' failed to "
		   "satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
		   "AWS message for a bad name");

	util_verr_init(&e);
	char n65[66];
	memset(n65, 'a', 65);
	n65[65] = 0;
	tap_ok(!util_name_check_user(n65, "userName", true, &e), "65 chars refused");
	tap_ok(strstr(e.detail, "Member must have length less than or equal to 64") != NULL,
	       "length message");
	n65[64] = 0;
	util_verr_init(&e);
	tap_ok(util_name_check_user(n65, "userName", true, &e), "64 chars ok");
	char g129[130];
	memset(g129, 'g', 129);
	g129[129] = 0;
	tap_ok(!util_name_check_group(g129, "groupName", true, &e), "group 129 refused");
	g129[128] = 0;
	util_verr_init(&e);
	tap_ok(util_name_check_group(g129, "groupName", true, &e), "group 128 ok");

	util_verr_init(&e);
	util_name_check_user(NULL, "userName", true, &e);
	done();
	TAP_IS_STR(e.msg, "1 validation error detected: Value null at 'userName' failed to "
		   "satisfy constraint: Member must not be null", "required missing");
	util_verr_init(&e);
	util_name_check_user("", "userName", true, &e);
	tap_ok(strstr(e.detail, "greater than or equal to 1") != NULL, "empty name: min length");

	/* Two errors in one message. */
	util_verr_init(&e);
	util_name_check_user("x y", "userName", true, &e);
	util_name_check_path("eng", "path", &e);
	done();
	tap_ok(strncmp(e.msg, "2 validation errors detected: Value 'x y' at 'userName'", 55) == 0 &&
	       strstr(e.msg, "; Value 'eng' at 'path'") != NULL, "errors are joined");

	/* Paths. */
	util_verr_init(&e);
	tap_ok(util_name_check_path("/", "path", &e), "/ ok");
	tap_ok(util_name_check_path("/eng/", "path", &e), "/eng/ ok");
	tap_ok(util_name_check_path("/a/b~!/", "path", &e), "punctuation ok");
	tap_ok(done() == NULL, "no error");
	tap_ok(!util_name_check_path("/eng", "path", &e), "no trailing slash refused");
	tap_ok(!util_name_check_path("eng/", "path", &e), "no leading slash refused");
	tap_ok(!util_name_check_path("/e g/", "path", &e), "space refused");
	tap_ok(!util_name_check_path("//x\x7f/", "path", &e), "DEL refused");
	tap_ok(!util_name_check_path("", "path", &e), "empty refused");
	char p513[514];
	memset(p513, 'p', 513);
	p513[0] = p513[512] = '/';
	p513[513] = 0;
	tap_ok(!util_name_check_path(p513, "path", &e), "513 refused");
	p513[511] = '/';
	p513[512] = 0;
	util_verr_init(&e);
	tap_ok(util_name_check_path(p513, "path", &e), "512 ok");
	tap_ok(util_name_check_path_prefix("/", "pathPrefix", &e), "prefix / ok");
	tap_ok(util_name_check_path_prefix("/eng", "pathPrefix", &e), "prefix without trailing / ok");
	tap_ok(!util_name_check_path_prefix("eng", "pathPrefix", &e), "prefix without / refused");
	tap_ok(strstr(e.detail, "\\u002F[\\u0021-\\u007E]*") != NULL, "prefix pattern named");

	/* MaxItems and markers. */
	util_verr_init(&e);
	tap_ok(util_name_check_max_items(false, 0, "maxItems", &e), "absent ok");
	tap_ok(util_name_check_max_items(true, 1, "maxItems", &e), "1 ok");
	tap_ok(util_name_check_max_items(true, 1000, "maxItems", &e), "1000 ok");
	tap_ok(!util_name_check_max_items(true, 0, "maxItems", &e), "0 refused");
	tap_ok(strstr(e.detail, "Value '0' at 'maxItems' failed to satisfy constraint: Member must "
		      "have value greater than or equal to 1") != NULL, "0 message");
	tap_ok(!util_name_check_max_items(true, 1001, "maxItems", &e), "1001 refused");
	util_verr_init(&e);
	tap_ok(util_name_check_marker("abc", "marker", &e), "marker ok");
	tap_ok(!util_name_check_marker("", "marker", &e), "empty marker refused");
	tap_ok(!util_name_check_marker("a\x01", "marker", &e), "control char refused");

	/* Tags. */
	util_verr_init(&e);
	tap_ok(util_name_check_tag_key("Dept", "tags.1.member.key", &e), "key ok");
	tap_ok(util_name_check_tag_key("a b_.:/=+-@9", "tags.1.member.key", &e), "all ASCII classes ok");
	tap_ok(util_name_check_tag_key("Café 中文 ٣", "tags.1.member.key", &e), "Unicode letters/digits ok");
	tap_ok(util_name_check_tag_value("", "tags.1.member.value", &e), "empty value ok");
	tap_ok(util_name_check_tag_value("x\xc2\xa0y\xe3\x80\x80", "v", &e), "Z separators ok");
	tap_ok(done() == NULL, "no error");
	tap_ok(!util_name_check_tag_key("", "tags.1.member.key", &e), "empty key refused");
	tap_ok(!util_name_check_tag_key("a*b", "tags.2.member.key", &e), "* refused");
	tap_ok(strstr(e.detail, "at 'tags.2.member.key' failed to satisfy constraint: Member must "
		      "satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+") != NULL,
	       "tag pattern message");
	tap_ok(!util_name_check_tag_value("a\xe2\x80\x94", "v", &e), "em dash refused");
	tap_ok(!util_name_check_tag_value("bad\xff", "v", &e), "invalid UTF-8 refused");
	tap_ok(strstr(e.detail, "Value 'bad?'") != NULL, "invalid bytes echoed as ?");
	char k[300];
	memset(k, 'k', 128);
	k[128] = 0;
	util_verr_init(&e);
	tap_ok(util_name_check_tag_key(k, "k", &e), "128-char key ok");
	strcpy(k, "");
	for (int i = 0; i < 128; i++)
		strcat(k, "\xc3\xa9");  /* 128 code points, 256 bytes */
	tap_ok(util_name_check_tag_key(k, "k", &e), "length counts characters, not bytes");
	strcat(k, "\xc3\xa9");
	tap_ok(!util_name_check_tag_key(k, "k", &e), "129 characters refused");
	util_verr_init(&e);
	tap_ok(!util_name_check_tag_key("AWS:x", "k", &e), "aws: prefix refused, any case");
	TAP_IS_STR(done(), "InvalidInput", "aws: prefix is InvalidInput");
	tap_ok(util_tag_key_equal("Dept", "dEPT"), "keys compare case-insensitively");
	tap_ok(!util_tag_key_equal("Dept", "Dep"), "different keys differ");

	char f[16];
	util_name_fold(f, "AlIcE.@9", 9);
	TAP_IS_STR(f, "alice.@9", "fold lower-cases ASCII");
	TAP_IS_INT(util_utf8_length("a\xc3\xa9\xe4\xb8\xad"), 3, "utf8 length");
	TAP_IS_INT(util_utf8_length("\xc0\x80"), -1, "overlong refused");
	TAP_IS_INT(util_utf8_length("\xed\xa0\x80"), -1, "surrogate refused");
	return tap_done();
}
