/* test_arn: ARN splitting and IAM wildcard matching (lib/arn). */
#include "arn/arn.h"

#include <errno.h>
#include <string.h>

#include "../tap.h"

static void test_parse(void)
{
	struct arn a;
	const char *s = "arn:aws:lambda:us-west-2:444455556666:function:ingest";

	TAP_IS_INT(arn_parse(s, strlen(s), &a), 0, "parse a lambda ARN");
	tap_ok(a.partition.n == 3 && !memcmp(a.partition.p, "aws", 3), "partition");
	tap_ok(a.service.n == 6 && !memcmp(a.service.p, "lambda", 6), "service");
	tap_ok(a.region.n == 9 && !memcmp(a.region.p, "us-west-2", 9), "region");
	tap_ok(a.account.n == 12 && !memcmp(a.account.p, "444455556666", 12), "account");
	tap_ok(a.resource.n == 15 && !memcmp(a.resource.p, "function:ingest", 15),
	       "resource keeps its colons");
	s = "arn:aws:s3:::bucket/key";
	TAP_IS_INT(arn_parse(s, strlen(s), &a), 0, "parse an S3 ARN");
	tap_ok(a.region.n == 0 && a.account.n == 0, "S3 ARN: empty region and account");
	s = "arn:aws:s3";
	TAP_IS_INT(arn_parse(s, strlen(s), &a), -EINVAL, "too few parts rejected");
	s = "urn:aws:s3:::b";
	TAP_IS_INT(arn_parse(s, strlen(s), &a), -EINVAL, "not starting with arn: rejected");
	s = "arn::s3:::b";
	TAP_IS_INT(arn_parse(s, strlen(s), &a), -EINVAL, "empty partition rejected");
	tap_ok(arn_is_valid("arn:aws:s3:*", 12), "short pattern ending in * is valid");
	tap_ok(!arn_is_valid("arn:aws", 7), "arn:aws is not");
}

static void test_glob_plain(void)
{
	tap_ok(arn_match("*", "", ARN_GLOB_PLAIN, false), "* matches empty");
	tap_ok(arn_match("a*c", "abbbc", ARN_GLOB_PLAIN, false), "a*c");
	tap_ok(!arn_match("a*c", "abbbd", ARN_GLOB_PLAIN, false), "a*c vs abbbd");
	tap_ok(arn_match("a?c", "abc", ARN_GLOB_PLAIN, false), "? one char");
	tap_ok(!arn_match("a?c", "ac", ARN_GLOB_PLAIN, false), "? is not empty");
	tap_ok(!arn_match("a?c", "abbc", ARN_GLOB_PLAIN, false), "? is exactly one");
	tap_ok(arn_match("*a*b*", "xxaxxbxx", ARN_GLOB_PLAIN, false), "several stars");
	tap_ok(!arn_match("ABC", "abc", ARN_GLOB_PLAIN, false), "case-sensitive by default");
	tap_ok(arn_match("ABC*", "abcd", ARN_GLOB_PLAIN, true), "icase folds");
	tap_ok(arn_match("home/*", "home/a/b:c", ARN_GLOB_PLAIN, false),
	       "plain * runs across / and :");
	tap_ok(!arn_match("a*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
			  ARN_GLOB_PLAIN, false), "pathological pattern ends");
	/* A literal star (from ${*}) in a compiled pattern is just a byte. */
	char c[8];
	size_t n = arn_glob_literal("a*", 2, c);
	tap_ok(arn_glob_match(c, n, "a*", 2, false), "literal * matches itself");
	tap_ok(!arn_glob_match(c, n, "ab", 2, false), "literal * is not a wildcard");
}

static void test_glob_arn(void)
{
	const enum arn_glob_mode A = ARN_GLOB_ARN;

	tap_ok(arn_match("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b/c", A, false),
	       "resource * spans /");
	tap_ok(arn_match("arn:aws:sqs:*", "arn:aws:sqs:eu-west-1:777788889999:orders", A, false),
	       "trailing * of a segment runs across colons");
	tap_ok(arn_match("arn:aws:dynamodb:*:111122223333:table/Orders",
			 "arn:aws:dynamodb:us-east-1:111122223333:table/Orders", A, false),
	       "whole-segment * in region");
	tap_ok(arn_match("arn:aws:ec2:us-*-1:*:instance/*",
			 "arn:aws:ec2:us-east-1:111122223333:instance/i-1", A, false),
	       "mid-segment * inside a segment");
	tap_ok(!arn_match("arn:aws:ec2:us-*-1:*:instance/*",
			  "arn:aws:ec2:us-east:x-1:111122223333:instance/i-1", A, false),
	       "mid-segment * does not cross a colon");
	tap_ok(!arn_match("arn:aws:s3:::Bucket/*", "arn:aws:s3:::bucket/x", A, false),
	       "resource match is case-sensitive");
	tap_ok(arn_match("arn:aws:s3:::b?cket", "arn:aws:s3:::bucket", A, false), "? in ARN");
	tap_ok(!arn_match("arn:aws:s3:::bucket", "*", A, false), "ARN pattern vs \"*\" resource");
	tap_ok(arn_match("*", "arn:aws:s3:::bucket", A, false), "* matches any ARN");
	tap_ok(arn_match("arn:aws:iam::*:role/AppRole", "arn:aws:iam::111122223333:role/AppRole", A, false),
	       "account wildcard");
	tap_ok(!arn_match("arn:aws:iam::*:role/AppRole", "arn:aws:iam::111122223333:role/AppRoleX", A, false),
	       "no match past the end");
}

/* arn_glob_match_stars() answers as arn_glob_match() for every pattern
 * whose wildcards are all ARN_GLOB_STAR: hand-picked cases, then random
 * patterns and strings over a small alphabet (so that pieces recur and
 * overlap), with subjects made from the pattern as well as random ones. */
static unsigned long rnd_state = 12345;
static unsigned rnd(unsigned n)
{
	rnd_state = rnd_state * 6364136223846793005ul + 1442695040888963407ul;
	return (unsigned)(rnd_state >> 33) % n;
}

static void test_glob_stars(void)
{
	static const struct {
		const char *pat, *s;
		bool want;
	} cases[] = {
		{ "arn:aws:s3:*:1:Object/team-1/*", "arn:aws:s3:us-east-1:1:Object/team-1/x", true },
		{ "arn:aws:s3:*:1:Object/team-1/*", "arn:aws:s3:us-east-1:1:Object/team-2/x", false },
		{ "*", "", true },
		{ "a*", "a", true },
		{ "*a", "a", true },
		{ "a*a", "a", false },
		{ "a*a", "aa", true },
		{ "ab*bc", "abc", false },
		{ "ab*bc", "abbc", true },
		{ "*ab*ab*", "xabab", true },
		{ "*ab*ab*", "xaba", false },
		{ "*aba*b", "ababab", true },
		{ "a**b", "ab", true },
		{ "abc", "abc", true },
		{ "abc", "abcd", false },
		{ "", "", true },
	};
	char pat[64], sub[64];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* '*' in the table stands for the star marker */
		size_t n = 0;
		for (const char *p = cases[i].pat; *p; p++)
			pat[n++] = *p == '*' ? ARN_GLOB_STAR : *p;
		tap_ok(arn_glob_is_stars(pat, n), "case %zu: only stars", i);
		tap_ok(arn_glob_match_stars(pat, n, cases[i].s, strlen(cases[i].s)) == cases[i].want &&
		       arn_glob_match(pat, n, cases[i].s, strlen(cases[i].s), false) == cases[i].want,
		       "case %zu: %s", i, cases[i].s);
	}
	pat[0] = 'a';
	pat[1] = ARN_GLOB_QMARK;
	tap_ok(!arn_glob_is_stars(pat, 2), "? is not a star");
	pat[1] = ARN_GLOB_SEGSTAR;
	tap_ok(!arn_glob_is_stars(pat, 2), "a segment star is not a star");

	unsigned bad = 0, matched = 0;
	for (int round = 0; round < 200000; round++) {
		size_t pn = rnd(12), sn = 0;
		for (size_t i = 0; i < pn; i++)
			pat[i] = rnd(4) == 0 ? ARN_GLOB_STAR : "ab:"[rnd(3)];
		if (rnd(2)) {   /* from the pattern: stars become random runs */
			for (size_t i = 0; i < pn && sn < 40; i++) {
				if (pat[i] != ARN_GLOB_STAR) {
					sub[sn++] = pat[i];
					continue;
				}
				for (unsigned k = rnd(4); k && sn < 40; k--)
					sub[sn++] = "ab:"[rnd(3)];
			}
			if (sn && rnd(4) == 0)   /* and sometimes one byte off */
				sub[rnd((unsigned)sn)] = "ab:"[rnd(3)];
		} else {
			sn = rnd(14);
			for (size_t i = 0; i < sn; i++)
				sub[i] = "ab:"[rnd(3)];
		}
		bool want = arn_glob_match(pat, pn, sub, sn, false);
		matched += want;
		if (arn_glob_match_stars(pat, pn, sub, sn) != want)
			bad++;
	}
	tap_ok(bad == 0 && matched > 10000,
	       "200,000 random star patterns: same answer as arn_glob_match "
	       "(%u differ, %u matches)", bad, matched);
}

int main(void)
{
	test_parse();
	test_glob_plain();
	test_glob_arn();
	test_glob_stars();
	return tap_done();
}
