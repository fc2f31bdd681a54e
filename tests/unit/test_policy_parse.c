/* test_policy_parse: the policy grammar and its errors (path, line:column),
 * policy types, size limits and Access Analyzer-style warnings. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../tap.h"
#include "policy/policy.h"

static int parse(const char *json, enum policy_type t, struct policy_diag *d)
{
	struct policy *p = NULL;
	int r;

	memset(d, 0, sizeof(*d));
	r = policy_parse(json, strlen(json), t, "P1", &p, d);
	policy_free(p);
	return r;
}

#define BAD(json, type, want_path, want_line, want_col, name)                    \
	do {                                                                     \
		struct policy_diag d_;                                           \
		int r_ = parse(json, type, &d_);                                 \
		tap_ok(r_ == -EINVAL && strcmp(d_.path, want_path) == 0 &&       \
		       d_.line == (want_line) && d_.col == (want_col) &&         \
		       strstr(d_.message, "policy P1") != NULL &&                \
		       strcmp(d_.code, "MalformedPolicyDocument") == 0, "%s", name); \
		if (r_ != -EINVAL || strcmp(d_.path, want_path) || d_.line != (want_line) || \
		    d_.col != (want_col))                                         \
			printf("#   r=%d path=%s %u:%u %s\n", r_, d_.path, d_.line, \
			       d_.col, d_.message);                               \
	} while (0)

#define GOOD(json, type, name)                                                   \
	do {                                                                     \
		struct policy_diag d_;                                           \
		int r_ = parse(json, type, &d_);                                 \
		if (!tap_ok(r_ == 0, "%s", name))                                \
			printf("#   %s\n", d_.message);                         \
	} while (0)

static const char *ID = POLICY_IDENTITY == 0 ? "identity" : "";

static void test_valid(void)
{
	(void)ID;
	GOOD("{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}}",
	     POLICY_IDENTITY, "statement as an object");
	GOOD("{\"Version\":\"2008-10-17\",\"Id\":\"x\",\"Statement\":[{\"Sid\":\"A\",\"Effect\":\"Deny\",\"NotAction\":[\"iam:*\"],\"NotResource\":[\"arn:aws:iam::*:user/x\"]}]}",
	     POLICY_IDENTITY, "2008 version, Id, NotAction, NotResource");
	GOOD("{\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[\"111122223333\",\"arn:aws:iam::111122223333:root\",\"arn:aws:iam::111122223333:user/a\",\"arn:aws:iam::111122223333:role/p/R\",\"arn:aws:sts::111122223333:assumed-role/R/s\"],\"Service\":\"ec2.amazonaws.com\",\"Federated\":\"cognito-identity.amazonaws.com\",\"CanonicalUser\":\"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be\"},\"Action\":\"sqs:SendMessage\",\"Resource\":\"arn:aws:sqs:us-east-1:111122223333:q\"}]}",
	     POLICY_RESOURCE, "every principal kind");
	GOOD("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"lambda.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}",
	     POLICY_TRUST, "trust policy without Resource");
	GOOD("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/*\",\"Condition\":{\"StringEquals\":{\"aws:PrincipalOrgID\":\"o-1\"},\"NumericLessThan\":{\"s3:max-keys\":10},\"Bool\":{\"aws:SecureTransport\":true},\"IpAddress\":{\"aws:SourceIp\":[\"10.0.0.0/8\",\"2001:db8::/32\"]},\"DateGreaterThan\":{\"aws:CurrentTime\":\"2024-01-01T00:00:00Z\"},\"ForAnyValue:StringLike\":{\"aws:TagKeys\":\"a*\"},\"NullIfExists\":{\"aws:x\":\"true\"}}}]}",
	     POLICY_RESOURCE, "conditions with typed values, numbers and booleans");
	GOOD("{\"Version\":\"2012-10-17\",\"Statement\":[]}", POLICY_IDENTITY,
	     "empty statement list");
}

static void test_errors(void)
{
	BAD("{\"Version\":\"2012-10-17\",\n \"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\"}]}",
	    POLICY_IDENTITY, "Statement[0]", 2, 15, "missing Resource in identity policy");
	BAD("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}",
	    POLICY_IDENTITY, "Statement[0].Effect", 1, 48, "Effect is case-sensitive");
	BAD("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\",\"Principal\":\"*\"}]}",
	    POLICY_IDENTITY, "Statement[0].Principal", 1, 87, "Principal in identity policy");
	BAD("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\",\"Principal\":\"*\"}]}",
	    POLICY_BOUNDARY, "Statement[0].Principal", 1, 87, "Principal in boundary");
	BAD("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\",\"Principal\":\"*\"}]}",
	    POLICY_SESSION, "Statement[0].Principal", 1, 87, "Principal in session policy");
	BAD("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}",
	    POLICY_RESOURCE, "Statement[0]", 1, 38, "resource policy statement without principal");
	BAD("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\",\"Effect\":\"Deny\"}]}",
	    POLICY_IDENTITY, "Statement[0]", 1, 87, "duplicated element");
	BAD("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\",\"Foo\":1}]}",
	    POLICY_IDENTITY, "Statement[0]", 1, 87, "unknown element");
	BAD("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[],\"Resource\":\"*\"}]}",
	    POLICY_IDENTITY, "Statement[0].Action", 1, 65, "empty Action list");
	BAD("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3GetObject\",\"Resource\":\"*\"}]}",
	    POLICY_IDENTITY, "Statement[0].Action", 1, 65, "action without service prefix");
	BAD("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"bucket\"}]}",
	    POLICY_IDENTITY, "Statement[0].Resource", 1, 83, "resource that is not an ARN");
	BAD("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":[\"*\",7]}]}",
	    POLICY_IDENTITY, "Statement[0].Resource[1]", 1, 88, "wrong type in a list");
	BAD("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\",\"Condition\":{\"StringEqualz\":{\"a:b\":\"c\"}}}]}",
	    POLICY_IDENTITY, "Statement[0].Condition.StringEqualz", 1, 100, "unknown condition operator");
	BAD("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\",\"Condition\":{\"NumericLessThan\":{\"s3:max-keys\":\"ten\"}}}]}",
	    POLICY_IDENTITY, "Statement[0].Condition.NumericLessThan.s3:max-keys", 1, 133,
	    "a value NumericLessThan cannot read");
	BAD("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\",\"Condition\":{\"IpAddress\":{\"aws:SourceIp\":[\"10.0.0.0/33\"]}}}]}",
	    POLICY_IDENTITY, "Statement[0].Condition.IpAddress.aws:SourceIp[0]", 1, 129,
	    "a bad CIDR");
	BAD("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\",\"Condition\":{\"DateLessThan\":{\"aws:CurrentTime\":\"yesterday\"}}}]}",
	    POLICY_IDENTITY, "Statement[0].Condition.DateLessThan.aws:CurrentTime", 1, 134,
	    "a bad date");
	BAD("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\",\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"yes\"}}}]}",
	    POLICY_IDENTITY, "Statement[0].Condition.Bool.aws:SecureTransport", 1, 130,
	    "a bad boolean");
	BAD("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"NotAction\":\"s3:x\",\"Resource\":\"*\"}]}",
	    POLICY_IDENTITY, "Statement[0].NotAction", 1, 72, "Action and NotAction");
	BAD("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::*:user/x\"},\"Action\":\"s3:*\",\"Resource\":\"*\"}]}",
	    POLICY_RESOURCE, "Statement[0].Principal.AWS", 1, 75, "wildcard in a principal ARN");
	BAD("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},\"Action\":\"sts:AssumeRole\",\"Resource\":\"*\"}]}",
	    POLICY_TRUST, "Statement[0].Resource", 1, 106, "Resource in a trust policy");
	BAD("{\"Version\":\"2012-10-18\",\"Statement\":[]}", POLICY_IDENTITY,
	    "Version", 1, 12, "unknown version");
	BAD("{\"Version\":\"2012-10-17\"}", POLICY_IDENTITY, "", 1, 1, "missing Statement");
	BAD("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"A\",\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"},{\"Sid\":\"A\",\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}",
	    POLICY_IDENTITY, "Statement[1].Sid", 1, 98, "duplicate Sid");
	BAD("{\"Version\":\"2012-10-17\",\n\"Statement\":[\n  {\"Effect\":\"Allow\",]}", POLICY_IDENTITY,
	    "", 3, 21, "JSON syntax error is positioned");
	BAD("[1]", POLICY_IDENTITY, "", 1, 1, "not an object");
}

static void test_limits(void)
{
	char big[8000];
	struct policy_diag d;
	struct policy *p = NULL;
	size_t n;
	int r;

	/* 6144 non-space characters, padded with white space that does not count. */
	n = (size_t)snprintf(big, sizeof(big),
			     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"arn:aws:s3:::");
	size_t fill = 6144 - (n + strlen("\"}]}"));
	memset(big + n, 'a', fill);
	n += fill;
	n += (size_t)snprintf(big + n, sizeof(big) - n, "\"}]}");
	memset(big + n, ' ', 1000);
	n += 1000;
	r = policy_parse(big, n, POLICY_IDENTITY, "big", &p, &d);
	TAP_IS_INT(r, 0, "6144 characters plus white space fits a managed policy");
	policy_free(p);
	p = NULL;
	r = policy_parse(big, n, POLICY_TRUST, "big", &p, &d);
	tap_ok(r == -E2BIG && strcmp(d.code, "LimitExceeded") == 0,
	       "the same text is too big for a trust policy");
	struct policy_parse_opts o = { .type = POLICY_IDENTITY, .name = "u",
				       .max_size = POLICY_MAX_INLINE_USER };
	r = policy_parse_opts(big, n, &o, &p, &d);
	TAP_IS_INT(r, -E2BIG, "too big for a user's inline policy (2048)");
}

static size_t count_warnings(const char *json, enum policy_type t, const char *needle)
{
	struct policy *p = NULL;
	struct policy_diag d;
	size_t k = 0;

	if (policy_parse(json, strlen(json), t, "W", &p, &d) < 0) {
		printf("# %s\n", d.message);
		return 999;
	}
	for (size_t i = 0; i < policy_warning_count(p); i++)
		if (strstr(policy_warning(p, i)->message, needle))
			k++;
	policy_free(p);
	return k;
}

static void test_warnings(void)
{
	TAP_IS_INT(count_warnings("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"NotPrincipal\":{\"AWS\":\"111122223333\"},\"Action\":\"s3:*\",\"Resource\":\"*\"}]}",
				  POLICY_RESOURCE, "NotPrincipal"), 1, "Allow with NotPrincipal");
	TAP_IS_INT(count_warnings("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\",\"Condition\":{\"ForAllValues:StringEquals\":{\"aws:RequestedRegion\":\"us-east-1\"}}}]}",
				  POLICY_IDENTITY, "single-valued"), 1, "ForAllValues on a single-valued key");
	TAP_IS_INT(count_warnings("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\",\"Condition\":{\"ForAllValues:StringEquals\":{\"aws:TagKeys\":\"a\"}}}]}",
				  POLICY_IDENTITY, "single-valued"), 0, "no warning on aws:TagKeys");
	TAP_IS_INT(count_warnings("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\",\"Condition\":{\"NullIfExists\":{\"aws:TagKeys\":\"true\"}}}]}",
				  POLICY_IDENTITY, "Null"), 1, "Null with IfExists");
	TAP_IS_INT(count_warnings("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"},{\"Effect\":\"Allow\",\"Action\":\"s3:Get*\",\"Resource\":\"arn:aws:s3:::b/*\"}]}",
				  POLICY_IDENTITY, "redundant"), 1, "shadowed statement");
	TAP_IS_INT(count_warnings("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:Get*\",\"Resource\":\"*\"},{\"Effect\":\"Allow\",\"Action\":\"s3:Get*\",\"Resource\":\"*\"}]}",
				  POLICY_IDENTITY, "redundant"), 1, "duplicate statement reported once");
	TAP_IS_INT(count_warnings("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:Get*\",\"Resource\":\"*\"},{\"Effect\":\"Allow\",\"Action\":\"s3:Put*\",\"Resource\":\"*\"}]}",
				  POLICY_IDENTITY, "redundant"), 0, "distinct statements are not redundant");
	TAP_IS_INT(count_warnings("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iam:PassRole\",\"Resource\":\"*\"}]}",
				  POLICY_IDENTITY, "PassRole"), 1, "iam:PassRole with *");
	TAP_IS_INT(count_warnings("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"iam:PassRole\",\"Resource\":\"arn:aws:iam::111122223333:role/x\"}]}",
				  POLICY_IDENTITY, "PassRole"), 0, "iam:PassRole with a named role");
}

int main(void)
{
	test_valid();
	test_errors();
	test_limits();
	test_warnings();
	return tap_done();
}
