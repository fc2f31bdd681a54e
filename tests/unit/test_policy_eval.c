/* test_policy_eval: how policies combine (AWS's "Policy evaluation logic",
 * "single account", "cross-account", "permissions boundaries" and "session
 * policies" pages), NotPrincipal, NotAction, NotResource, case rules and
 * the explanation of a decision. */
#include <stdio.h>

#include "../tap.h"
#include "test_policy_util.h"

#define ALLOW_ALL_S3 TP_POLICY("{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}")
#define ALLOW_EC2 TP_POLICY("{\"Effect\":\"Allow\",\"Action\":\"ec2:*\",\"Resource\":\"*\"}")
#define DENY_ALL_S3 TP_POLICY("{\"Effect\":\"Deny\",\"Action\":\"s3:*\",\"Resource\":\"*\"}")
#define RES_ALLOW(who) TP_POLICY("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" who "\"},\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::bucket/*\"}")
#define RES_DENY(who) TP_POLICY("{\"Effect\":\"Deny\",\"Principal\":{\"AWS\":\"" who "\"},\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::bucket/*\"}")

#define ALICE "arn:aws:iam::111122223333:user/alice"
#define SESSION "arn:aws:sts::111122223333:assumed-role/AppRole/s1"
#define ROLE "arn:aws:iam::111122223333:role/service/AppRole"

#define D(...) ({ struct tp_req r_ = { __VA_ARGS__ }; tp_decide(&r_, NULL); })

static void basics(void)
{
	TAP_IS_INT(D(0), IDENY, "no policy: implicit deny");
	TAP_IS_INT(D(.identity = ALLOW_ALL_S3), ALLOW, "identity allow");
	TAP_IS_INT(D(.identity = ALLOW_EC2), IDENY, "identity allows another service");
	TAP_IS_INT(D(.identity = ALLOW_ALL_S3, .resource_policy = RES_DENY(ALICE)), EDENY,
		   "explicit deny in the resource policy wins");
	TAP_IS_INT(D(.identity = DENY_ALL_S3, .resource_policy = RES_ALLOW(ALICE)), EDENY,
		   "explicit deny in identity wins over a resource grant");
	TAP_IS_INT(D(.identity = ALLOW_ALL_S3, .boundary = DENY_ALL_S3), EDENY,
		   "a deny in the boundary is explicit");
	TAP_IS_INT(D(.principal = SESSION, .identity = ALLOW_ALL_S3, .session = DENY_ALL_S3), EDENY,
		   "a deny in the session policy is explicit");
	TAP_IS_INT(D(.action = "S3:getobject", .identity = TP_POLICY("{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}")),
		   ALLOW, "actions match case-insensitively");
	TAP_IS_INT(D(.resource = "arn:aws:s3:::Bucket/key", .identity = TP_POLICY("{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"arn:aws:s3:::bucket/*\"}")),
		   IDENY, "resources match case-sensitively");
	TAP_IS_INT(D(.identity = TP_POLICY("{\"Effect\":\"Allow\",\"NotAction\":\"iam:*\",\"Resource\":\"*\"}")),
		   ALLOW, "NotAction allows what it does not list");
	TAP_IS_INT(D(.action = "iam:CreateUser", .resource = "arn:aws:iam::111122223333:user/x",
		     .identity = TP_POLICY("{\"Effect\":\"Allow\",\"NotAction\":\"iam:*\",\"Resource\":\"*\"}")),
		   IDENY, "NotAction does not allow what it lists");
	TAP_IS_INT(D(.identity = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"},{\"Effect\":\"Deny\",\"Action\":\"s3:*\",\"NotResource\":\"arn:aws:s3:::other/*\"}]}"),
		   EDENY, "NotResource deny applies to every other resource");
	TAP_IS_INT(D(.action = "sts:GetCallerIdentity", .resource = "*",
		     .identity = TP_POLICY("{\"Effect\":\"Allow\",\"Action\":\"sts:*\",\"Resource\":\"arn:aws:sts::*:*\"}")),
		   IDENY, "an ARN pattern does not match the resource \"*\"");
	TAP_IS_INT(D(.principal = "arn:aws:iam::111122223333:root"), ALLOW,
		   "the account root user needs no allow in its account");
	TAP_IS_INT(D(.principal = "arn:aws:iam::111122223333:root", .resource_policy = RES_DENY("111122223333")),
		   EDENY, "but an explicit deny stops it");
}

static void same_account(void)
{
	TAP_IS_INT(D(.resource_policy = RES_ALLOW(ALICE)), ALLOW,
		   "a resource policy naming the user grants on its own");
	TAP_IS_INT(D(.resource_policy = RES_ALLOW(ALICE), .boundary = ALLOW_EC2), ALLOW,
		   "a boundary does not limit a grant to the user's ARN");
	TAP_IS_INT(D(.identity = ALLOW_ALL_S3, .boundary = ALLOW_EC2), IDENY,
		   "a boundary limits identity-based permissions");
	TAP_IS_INT(D(.resource_policy = RES_ALLOW("111122223333")), IDENY,
		   "naming the account delegates to identity policies");
	TAP_IS_INT(D(.resource_policy = RES_ALLOW("arn:aws:iam::111122223333:root"), .identity = ALLOW_ALL_S3),
		   ALLOW, "account grant plus identity allow");
	TAP_IS_INT(D(.principal = SESSION, .resource_policy = RES_ALLOW(SESSION), .boundary = ALLOW_EC2,
		     .session = ALLOW_EC2), ALLOW,
		   "a grant to the session ARN is limited by neither boundary nor session policy");
	TAP_IS_INT(D(.principal = SESSION, .resource_policy = RES_ALLOW(ROLE)), ALLOW,
		   "a grant to the role ARN reaches its sessions (role path ignored)");
	TAP_IS_INT(D(.principal = SESSION, .resource_policy = RES_ALLOW(ROLE), .boundary = ALLOW_EC2),
		   IDENY, "a grant to the role ARN is limited by the boundary");
	TAP_IS_INT(D(.principal = SESSION, .resource_policy = RES_ALLOW(ROLE), .session = ALLOW_EC2),
		   IDENY, "a grant to the role ARN is limited by the session policy");
	TAP_IS_INT(D(.principal = SESSION, .identity = ALLOW_ALL_S3, .session = ALLOW_ALL_S3), ALLOW,
		   "identity and session policy both allow");
	TAP_IS_INT(D(.principal = SESSION, .identity = ALLOW_EC2, .session = ALLOW_ALL_S3), IDENY,
		   "a session policy grants nothing by itself");
	TAP_IS_INT(D(.principal = "arn:aws:sts::111122223333:assumed-role/Other/s1", .resource_policy = RES_ALLOW(ROLE)),
		   IDENY, "another role's session is not named");
}

static void cross_account(void)
{
	const char *res = "arn:aws:s3:::bucket/key";
	TAP_IS_INT(D(.resource = res, .resource_account = "444455556666", .identity = ALLOW_ALL_S3),
		   IDENY, "cross-account: identity alone is not enough");
	TAP_IS_INT(D(.resource = res, .resource_account = "444455556666", .resource_policy = RES_ALLOW(ALICE)),
		   IDENY, "cross-account: the resource policy alone is not enough");
	TAP_IS_INT(D(.resource = res, .resource_account = "444455556666", .identity = ALLOW_ALL_S3,
		     .resource_policy = RES_ALLOW("111122223333")),
		   ALLOW, "cross-account: both sides allow (account principal)");
	TAP_IS_INT(D(.resource = res, .resource_account = "444455556666", .identity = ALLOW_ALL_S3,
		     .resource_policy = RES_ALLOW("arn:aws:iam::444455556666:root")),
		   IDENY, "cross-account: the resource policy names another account");
	TAP_IS_INT(D(.resource = res, .resource_account = "444455556666", .identity = ALLOW_ALL_S3,
		     .resource_policy = RES_ALLOW(ALICE), .boundary = ALLOW_EC2),
		   IDENY, "cross-account: the boundary still limits");
	TAP_IS_INT(D(.resource = "arn:aws:sqs:us-east-1:444455556666:q", .action = "sqs:SendMessage",
		     .identity = TP_POLICY("{\"Effect\":\"Allow\",\"Action\":\"sqs:*\",\"Resource\":\"*\"}")),
		   IDENY, "the resource account comes from the ARN");
}

static void not_principal(void)
{
	const char *pol = TP_POLICY("{\"Effect\":\"Deny\",\"NotPrincipal\":{\"AWS\":[\"arn:aws:iam::111122223333:user/bob\"]},\"Action\":\"s3:*\",\"Resource\":\"*\"}");
	TAP_IS_INT(D(.identity = ALLOW_ALL_S3, .resource_policy = pol), EDENY,
		   "Deny with NotPrincipal denies everyone not listed");
	TAP_IS_INT(D(.principal = "arn:aws:iam::111122223333:user/bob", .identity = ALLOW_ALL_S3,
		     .resource_policy = pol), ALLOW, "the listed principal is not denied");
	const char *acct = TP_POLICY("{\"Effect\":\"Deny\",\"NotPrincipal\":{\"AWS\":\"arn:aws:iam::111122223333:root\"},\"Action\":\"s3:*\",\"Resource\":\"*\"}");
	TAP_IS_INT(D(.identity = ALLOW_ALL_S3, .resource_policy = acct), ALLOW,
		   "listing the account exempts its principals");
	TAP_IS_INT(D(.principal = "arn:aws:iam::111122223333:user/bob", .identity = ALLOW_ALL_S3,
		     .boundary = ALLOW_ALL_S3, .resource_policy = pol), EDENY,
		   "Deny with NotPrincipal always denies a principal with a boundary");
	TAP_IS_INT(D(.principal = SESSION, .resource_policy = RES_ALLOW("*"), .boundary = ALLOW_EC2),
		   ALLOW, "a grant to \"*\" names the session itself");
}

static void explain(void)
{
	struct policy_result res;
	struct policy_stmt_info si;
	struct tp_req r = { .identity = "{\"Version\":\"2012-10-17\",\n\"Statement\":[\n{\"Sid\":\"A\",\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"},\n {\"Sid\":\"D\",\"Effect\":\"Deny\",\"Action\":\"s3:Get*\",\"Resource\":\"*\"}]}" };
	struct policy *p = tp_parse(r.identity, POLICY_IDENTITY);

	TAP_IS_INT(tp_decide(&r, &res), EDENY, "explained deny");
	tap_ok(res.n_matches == 1 && res.matches[0].stmt == 1 &&
	       res.matches[0].layer == POLICY_LAYER_IDENTITY, "the deny statement is named");
	tap_ok(p && policy_statement_info(p, 1, &si) == 0 && si.sid && !strcmp(si.sid, "D") &&
	       si.line == 4 && si.col == 2 && si.deny, "its Sid, line and column");
	policy_free(p);
	r.identity = ALLOW_ALL_S3;
	r.boundary = ALLOW_EC2;
	TAP_IS_INT(tp_decide(&r, &res), IDENY, "explained implicit deny");
	TAP_IS_INT(res.missing, POLICY_LAYER_BOUNDARY, "the boundary lacked an allow");
	r.boundary = NULL;
	r.resource = "arn:aws:s3:::bucket/key";
	r.resource_account = "444455556666";
	TAP_IS_INT(tp_decide(&r, &res), IDENY, "cross-account implicit deny");
	TAP_IS_INT(res.missing, POLICY_LAYER_RESOURCE, "the resource policy lacked an allow");
	tap_ok(res.cross_account, "reported as cross-account");
}

int main(void)
{
	basics();
	same_account();
	cross_account();
	not_principal();
	explain();
	return tap_done();
}
