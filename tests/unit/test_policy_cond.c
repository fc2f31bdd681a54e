/* test_policy_cond: every condition operator, IfExists, ForAllValues and
 * ForAnyValue with empty and missing keys, case rules, and how values, keys
 * and operators combine (AWS's "Condition operators" and "Multivalued
 * context keys" pages). */
#include <stdio.h>

#include "../tap.h"
#include "test_policy_util.h"

/* Allow s3:GetObject on * when `cond` (a Condition object) holds. */
static int with(const char *cond, const char *const *kv, const char *mkey,
		const char *const *mvals, size_t n_mvals)
{
	char pol[2048];
	struct tp_req r = { 0 };

	snprintf(pol, sizeof(pol),
		 "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\","
		 "\"Action\":\"s3:GetObject\",\"Resource\":\"*\",\"Condition\":%s}}",
		 cond);
	r.identity = pol;
	r.kv = kv;
	r.mkey = mkey;
	r.mvals = mvals;
	r.n_mvals = n_mvals;
	return tp_decide(&r, NULL) == ALLOW;
}

#define KV(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define T(cond, kv, want, name) tap_ok(with(cond, kv, NULL, NULL, 0) == (want), "%s", name)
#define TM(cond, key, vals, n, want, name) \
	tap_ok(with(cond, NULL, key, vals, n) == (want), "%s", name)

static void strings(void)
{
	T("{\"StringEquals\":{\"aws:username\":\"alice\"}}", NULL, 1,
	  "StringEquals on the derived aws:username");
	T("{\"StringEquals\":{\"s3:prefix\":\"home/\"}}", KV("s3:prefix", "home/"), 1, "StringEquals");
	T("{\"StringEquals\":{\"s3:prefix\":\"HOME/\"}}", KV("s3:prefix", "home/"), 0,
	  "StringEquals is case-sensitive on values");
	T("{\"StringEquals\":{\"S3:PREFIX\":\"home/\"}}", KV("s3:prefix", "home/"), 1,
	  "condition keys are case-insensitive");
	T("{\"StringEquals\":{\"s3:prefix\":\"home/*\"}}", KV("s3:prefix", "home/x"), 0,
	  "StringEquals has no wildcards");
	T("{\"StringNotEquals\":{\"s3:prefix\":\"a\"}}", KV("s3:prefix", "b"), 1, "StringNotEquals");
	T("{\"StringNotEquals\":{\"s3:prefix\":\"a\"}}", NULL, 1,
	  "StringNotEquals on a missing key is true");
	T("{\"StringEquals\":{\"s3:prefix\":\"a\"}}", NULL, 0, "StringEquals on a missing key is false");
	T("{\"StringEqualsIgnoreCase\":{\"s3:prefix\":\"HOME/\"}}", KV("s3:prefix", "home/"), 1,
	  "StringEqualsIgnoreCase");
	T("{\"StringNotEqualsIgnoreCase\":{\"s3:prefix\":\"HOME/\"}}", KV("s3:prefix", "home/"), 0,
	  "StringNotEqualsIgnoreCase");
	T("{\"StringLike\":{\"s3:prefix\":\"home/*/x?\"}}", KV("s3:prefix", "home/a/b/x1"), 1,
	  "StringLike * and ?");
	T("{\"StringLike\":{\"s3:prefix\":\"Home/*\"}}", KV("s3:prefix", "home/a"), 0,
	  "StringLike is case-sensitive");
	T("{\"StringNotLike\":{\"s3:prefix\":\"home/*\"}}", KV("s3:prefix", "tmp/a"), 1, "StringNotLike");
	T("{\"StringNotLike\":{\"s3:prefix\":[\"home/*\",\"tmp/*\"]}}", KV("s3:prefix", "tmp/a"), 0,
	  "StringNotLike: no value may match");
	T("{\"StringEquals\":{\"s3:prefix\":[\"a\",\"b\",\"c\"]}}", KV("s3:prefix", "b"), 1,
	  "values of one key are ORed");
	T("{\"StringEquals\":{\"s3:prefix\":\"a\",\"s3:delimiter\":\"/\"}}",
	  KV("s3:prefix", "a", "s3:delimiter", "-"), 0, "keys of one operator are ANDed");
	T("{\"StringEquals\":{\"s3:prefix\":\"a\"},\"StringLike\":{\"s3:delimiter\":\"*\"}}",
	  KV("s3:prefix", "a"), 0, "operators are ANDed");
}

static void numbers_dates_bools(void)
{
	T("{\"NumericEquals\":{\"s3:max-keys\":\"10\"}}", KV("s3:max-keys", "10"), 1, "NumericEquals");
	T("{\"NumericEquals\":{\"s3:max-keys\":\"10\"}}", KV("s3:max-keys", "10.0"), 1,
	  "NumericEquals compares numbers, not text");
	T("{\"NumericNotEquals\":{\"s3:max-keys\":\"10\"}}", KV("s3:max-keys", "11"), 1, "NumericNotEquals");
	T("{\"NumericLessThan\":{\"s3:max-keys\":\"10\"}}", KV("s3:max-keys", "9.5"), 1, "NumericLessThan");
	T("{\"NumericLessThan\":{\"s3:max-keys\":\"10\"}}", KV("s3:max-keys", "10"), 0, "NumericLessThan strict");
	T("{\"NumericLessThanEquals\":{\"s3:max-keys\":\"10\"}}", KV("s3:max-keys", "10"), 1, "NumericLessThanEquals");
	T("{\"NumericGreaterThan\":{\"s3:max-keys\":10}}", KV("s3:max-keys", "11"), 1,
	  "NumericGreaterThan with a JSON number");
	T("{\"NumericGreaterThanEquals\":{\"s3:max-keys\":\"10\"}}", KV("s3:max-keys", "9"), 0,
	  "NumericGreaterThanEquals");
	T("{\"NumericLessThan\":{\"s3:max-keys\":\"10\"}}", KV("s3:max-keys", "abc"), 0,
	  "a context value that is not a number does not match");
	T("{\"DateGreaterThan\":{\"aws:CurrentTime\":\"2024-01-01T00:00:00Z\"}}",
	  KV("aws:CurrentTime", "2024-06-01T12:00:00Z"), 1, "DateGreaterThan ISO 8601");
	T("{\"DateLessThan\":{\"aws:CurrentTime\":\"2024-06-01T14:00:00+02:00\"}}",
	  KV("aws:CurrentTime", "2024-06-01T12:00:00Z"), 0, "time zones are honoured");
	T("{\"DateEquals\":{\"aws:EpochTime\":\"1717243200\"}}",
	  KV("aws:EpochTime", "2024-06-01T12:00:00Z"), 1, "epoch seconds against ISO 8601");
	T("{\"DateNotEquals\":{\"aws:CurrentTime\":\"2024-06-01T12:00:00.000Z\"}}",
	  KV("aws:CurrentTime", "2024-06-01T12:00:00Z"), 0, "fractions of a second");
	T("{\"DateLessThanEquals\":{\"aws:CurrentTime\":\"2024-06-01\"}}",
	  KV("aws:CurrentTime", "2024-06-01T00:00:00Z"), 1, "a date alone is midnight UTC");
	T("{\"DateGreaterThanEquals\":{\"aws:TokenIssueTime\":\"2024-06-01T00:00:00Z\"}}", NULL, 0,
	  "a missing date key does not match");
	struct tp_req r = { .identity = "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\",\"Condition\":{\"DateGreaterThan\":{\"aws:CurrentTime\":\"2024-05-31T23:59:59Z\"},\"NumericLessThan\":{\"aws:EpochTime\":\"1717243201\"}}}}",
			    .now_ms = 1717243200000LL };
	TAP_IS_INT(tp_decide(&r, NULL), ALLOW, "aws:CurrentTime and aws:EpochTime from the caller's clock");
	struct tp_req r2 = { .identity = "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":{\"aws:CurrentTime\":\"2024-02-29T23:59:59Z\",\"aws:EpochTime\":\"1709251199\"}}}}",
			     .now_ms = 1709251199999LL };
	TAP_IS_INT(tp_decide(&r2, NULL), ALLOW, "the derived clock keys are the exact texts (leap day, last second)");
	T("{\"Bool\":{\"aws:SecureTransport\":\"true\"}}", KV("aws:SecureTransport", "true"), 1, "Bool");
	T("{\"Bool\":{\"aws:SecureTransport\":\"true\"}}", KV("aws:SecureTransport", "TRUE"), 1,
	  "Bool reads true in any case");
	T("{\"Bool\":{\"aws:SecureTransport\":\"false\"}}", NULL, 0, "Bool on a missing key");
	T("{\"BoolIfExists\":{\"aws:SecureTransport\":\"false\"}}", NULL, 1, "BoolIfExists on a missing key");
	T("{\"BinaryEquals\":{\"aws:RequestTag/blob\":\"QmluYXJ5VmFsdWU=\"}}",
	  KV("aws:RequestTag/blob", "QmluYXJ5VmFsdWU="), 1, "BinaryEquals");
	T("{\"BinaryEquals\":{\"aws:RequestTag/blob\":\"AAECAwQ=\"}}",
	  KV("aws:RequestTag/blob", "QmluYXJ5VmFsdWU="), 0, "BinaryEquals differs");
}

static void ips_arns_null(void)
{
	T("{\"IpAddress\":{\"aws:SourceIp\":\"192.0.2.0/24\"}}", KV("aws:SourceIp", "192.0.2.10"), 1, "IpAddress IPv4");
	T("{\"IpAddress\":{\"aws:SourceIp\":\"192.0.2.0/24\"}}", KV("aws:SourceIp", "192.0.3.10"), 0, "IpAddress outside");
	T("{\"IpAddress\":{\"aws:SourceIp\":\"2001:db8::/32\"}}", KV("aws:SourceIp", "2001:db8:1234::1"), 1, "IpAddress IPv6");
	T("{\"IpAddress\":{\"aws:SourceIp\":\"2001:db8::/32\"}}", KV("aws:SourceIp", "192.0.2.1"), 0,
	  "an IPv4 address is not in an IPv6 block");
	T("{\"IpAddress\":{\"aws:SourceIp\":\"203.0.113.7\"}}", KV("aws:SourceIp", "203.0.113.7"), 1,
	  "a single address is a /32");
	T("{\"NotIpAddress\":{\"aws:SourceIp\":[\"10.0.0.0/8\",\"2001:db8::/32\"]}}",
	  KV("aws:SourceIp", "2001:db9::1"), 1, "NotIpAddress");
	T("{\"NotIpAddress\":{\"aws:SourceIp\":\"10.0.0.0/8\"}}", NULL, 1, "NotIpAddress on a missing key");
	T("{\"IpAddressIfExists\":{\"aws:SourceIp\":\"10.0.0.0/8\"}}", NULL, 1, "IpAddressIfExists, key missing");
	T("{\"IpAddressIfExists\":{\"aws:SourceIp\":\"10.0.0.0/8\"}}", KV("aws:SourceIp", "11.0.0.1"), 0,
	  "IpAddressIfExists, key present");
	T("{\"ArnLike\":{\"aws:SourceArn\":\"arn:aws:lambda:*:444455556666:function:*\"}}",
	  KV("aws:SourceArn", "arn:aws:lambda:us-west-2:444455556666:function:ingest"), 1, "ArnLike");
	T("{\"ArnEquals\":{\"aws:SourceArn\":\"arn:aws:lambda:*:444455556666:function:*\"}}",
	  KV("aws:SourceArn", "arn:aws:lambda:us-west-2:444455556666:function:ingest"), 1,
	  "ArnEquals takes wildcards too");
	T("{\"ArnLike\":{\"aws:SourceArn\":\"arn:aws:lambda:*:444455556666:function:Ingest\"}}",
	  KV("aws:SourceArn", "arn:aws:lambda:us-west-2:444455556666:function:ingest"), 0,
	  "ArnLike is case-sensitive");
	T("{\"ArnNotLike\":{\"aws:PrincipalArn\":\"arn:aws:iam::*:user/bob\"}}", NULL, 1,
	  "ArnNotLike against the derived aws:PrincipalArn");
	T("{\"ArnNotEquals\":{\"aws:PrincipalArn\":\"arn:aws:iam::111122223333:user/alice\"}}", NULL, 0,
	  "ArnNotEquals");
	T("{\"Null\":{\"aws:TokenIssueTime\":\"true\"}}", NULL, 1, "Null true: key absent");
	T("{\"Null\":{\"aws:TokenIssueTime\":\"false\"}}", KV("aws:TokenIssueTime", "2024-01-01T00:00:00Z"), 1,
	  "Null false: key present");
	T("{\"Null\":{\"aws:TokenIssueTime\":\"false\"}}", NULL, 0, "Null false, key absent");
}

static void sets(void)
{
	static const char *const two[] = { "team", "cost-center" };
	static const char *const one[] = { "team" };

	TM("{\"ForAllValues:StringEquals\":{\"aws:TagKeys\":[\"team\",\"cost-center\",\"env\"]}}",
	   "aws:TagKeys", two, 2, 1, "ForAllValues: every value is allowed");
	TM("{\"ForAllValues:StringEquals\":{\"aws:TagKeys\":[\"team\"]}}",
	   "aws:TagKeys", two, 2, 0, "ForAllValues: one value is not");
	TM("{\"ForAllValues:StringEquals\":{\"aws:TagKeys\":[\"team\"]}}",
	   "aws:TagKeys", NULL, 0, 1, "ForAllValues: an empty set is true");
	T("{\"ForAllValues:StringEquals\":{\"aws:TagKeys\":[\"team\"]}}", NULL, 1,
	  "ForAllValues: a missing key is true");
	TM("{\"ForAnyValue:StringEquals\":{\"aws:TagKeys\":[\"env\",\"team\"]}}",
	   "aws:TagKeys", two, 2, 1, "ForAnyValue: one value matches");
	TM("{\"ForAnyValue:StringEquals\":{\"aws:TagKeys\":[\"env\"]}}",
	   "aws:TagKeys", two, 2, 0, "ForAnyValue: none matches");
	TM("{\"ForAnyValue:StringEquals\":{\"aws:TagKeys\":[\"env\"]}}",
	   "aws:TagKeys", NULL, 0, 0, "ForAnyValue: an empty set is false");
	T("{\"ForAnyValue:StringEquals\":{\"aws:TagKeys\":[\"env\"]}}", NULL, 0,
	  "ForAnyValue: a missing key is false");
	TM("{\"ForAllValues:StringNotEquals\":{\"aws:TagKeys\":[\"secret\"]}}",
	   "aws:TagKeys", two, 2, 1, "ForAllValues:StringNotEquals");
	TM("{\"ForAnyValue:StringNotEquals\":{\"aws:TagKeys\":[\"team\"]}}",
	   "aws:TagKeys", one, 1, 0, "ForAnyValue:StringNotEquals, only the listed value");
	TM("{\"ForAnyValue:StringLike\":{\"aws:TagKeys\":[\"cost-*\"]}}",
	   "aws:TagKeys", two, 2, 1, "ForAnyValue:StringLike");
	TM("{\"StringEquals\":{\"aws:TagKeys\":\"cost-center\"}}",
	   "aws:TagKeys", two, 2, 1, "a plain operator on a multivalued key: any value");
	TM("{\"StringNotEquals\":{\"aws:TagKeys\":\"cost-center\"}}",
	   "aws:TagKeys", two, 2, 0, "a negated operator on a multivalued key: no value may match");
}

static void variables(void)
{
	T("{\"StringEquals\":{\"s3:prefix\":\"home/${aws:username}/\"}}",
	  KV("s3:prefix", "home/alice/"), 1, "variable in a condition value");
	T("{\"StringLike\":{\"s3:prefix\":\"${aws:PrincipalTag/team}/*\"}}",
	  KV("s3:prefix", "blue/x", "aws:PrincipalTag/team", "blue"), 1, "principal tag variable");
	T("{\"StringLike\":{\"s3:prefix\":\"${aws:PrincipalTag/team}/*\"}}",
	  KV("s3:prefix", "blue/x"), 0, "a missing variable matches nothing");
	T("{\"StringLike\":{\"s3:prefix\":\"${aws:PrincipalTag/team, 'blue'}/*\"}}",
	  KV("s3:prefix", "blue/x"), 1, "a variable's default value");
	T("{\"StringEquals\":{\"s3:prefix\":\"a${*}b${?}c${$}\"}}",
	  KV("s3:prefix", "a*b?c$"), 1, "${*} ${?} ${$} are the characters");
	T("{\"StringLike\":{\"s3:prefix\":\"a${*}\"}}", KV("s3:prefix", "ab"), 0,
	  "${*} is not a wildcard");
	T("{\"StringLike\":{\"s3:prefix\":\"${aws:userid}*\"}}",
	  KV("s3:prefix", "AIDAEXAMPLE:x", "aws:userid", "AIDAEXAMPLE"), 1, "aws:userid from the context");
	struct tp_req r = { .identity = "{\"Version\":\"2008-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"arn:aws:s3:::bucket/${aws:username}\"}}",
			    .resource = "arn:aws:s3:::bucket/alice" };
	TAP_IS_INT(tp_decide(&r, NULL), IDENY, "no variables under Version 2008-10-17");
	r.resource = "arn:aws:s3:::bucket/${aws:username}";
	TAP_IS_INT(tp_decide(&r, NULL), ALLOW, "2008-10-17 reads ${...} as text");
	r.identity = TP_POLICY("{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"arn:aws:s3:::bucket/${aws:username}/*\"}");
	r.resource = "arn:aws:s3:::bucket/alice/notes.txt";
	TAP_IS_INT(tp_decide(&r, NULL), ALLOW, "variable in Resource");
	r.principal = "arn:aws:sts::111122223333:assumed-role/R/alice";
	TAP_IS_INT(tp_decide(&r, NULL), IDENY, "aws:username is absent for a role session");
}

int main(void)
{
	strings();
	numbers_dates_bools();
	ips_arns_null();
	sets();
	variables();
	return tap_done();
}
