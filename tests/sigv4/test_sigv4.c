/* test_sigv4: lib/sigv4 against every case of AWS's SigV4 test suite
 * (tests/sigv4/vectors/, a copy of ../shared/conformance/sigv4/ with its
 * LICENSE and NOTICE; see its README for the two quirky cases), then the
 * Authorization parser's and the checker's errors with AWS's words, path
 * and query canonicalization corners, and the signing helpers. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../tap.h"
#include "sigv4/sigv4.h"
#include "util/arena.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define NOW 1440938160           /* 2015-08-30T12:36:00Z */

static struct arena *A;
static const char *const SERVICES[] = { "service", NULL };

static char *slurp(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, len = 0, n;
	char *buf = malloc(cap);
	while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (len + 1 == cap) {
			char *p = realloc(buf, cap * 2);
			if (!p) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = p;
			cap *= 2;
		}
	}
	fclose(f);
	if (buf)
		buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
	return buf;
}

static char *case_file(const char *dir, const char *name, const char *ext, size_t *len)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s.%s", dir, name, ext);
	return slurp(path, len);
}

/* The Signature= of an Authorization value. */
static const char *authz_signature(const char *authz)
{
	const char *s = strstr(authz, "Signature=");
	return s ? s + 10 : "";
}

static int verify_sreq(const char *text, size_t len, struct sigv4_error *e)
{
	struct sigv4_http h;
	struct sigv4_authz az;
	char *creq, hash[65];
	size_t creq_len;
	int r = sigv4_http_parse(A, text, len, &h, e);
	if (r < 0)
		return r;
	if (!h.authorization) {
		e->code = SIGV4_E_MISSING;
		return -EACCES;
	}
	r = sigv4_authz_parse(A, h.authorization, strlen(h.authorization),
			      h.amz_date != NULL, &az, e);
	if (r < 0)
		return r;
	r = sigv4_authz_check(A, &az, h.amz_date, NOW, SERVICES, e);
	if (r < 0)
		return r;
	r = sigv4_canonical_request(A, &h.req, az.headers, az.n_headers, &creq,
				    &creq_len, e);
	if (r < 0)
		return r;
	sigv4_sha256_hex(creq, creq_len, hash);
	return sigv4_verify(&az, h.amz_date, hash, SECRET, strlen(SECRET), e);
}

/* Flips the last byte of the first occurrence of `what` in a copy of s. */
static char *mutate(const char *s, size_t len, const char *what)
{
	char *c = malloc(len + 1);
	memcpy(c, s, len + 1);
	char *p = strstr(c, what);
	if (p)
		p[strlen(what) - 1] ^= 0x01;
	return p ? c : (free(c), NULL);
}

static void run_case(const char *dir, const char *name)
{
	size_t req_len, sreq_len;
	char *req = case_file(dir, name, "req", &req_len);
	char *creq_want = case_file(dir, name, "creq", NULL);
	char *sts_want = case_file(dir, name, "sts", NULL);
	char *authz_want = case_file(dir, name, "authz", NULL);
	char *sreq = case_file(dir, name, "sreq", &sreq_len);
	struct sigv4_http h;
	struct sigv4_error e = { 0 };
	char *creq = NULL, *list = NULL, hash[65], sts[512], sig[65];
	const char **names;
	size_t n, creq_len = 0;
	/* the two form cases: .creq signs content-length, .sts/.authz not */
	bool form_quirk = strncmp(name, "post-x-www-form-urlencoded", 26) == 0;
	bool charset_quirk = strcmp(name, "post-x-www-form-urlencoded-parameters") == 0;

	if (!tap_ok(req && creq_want && sts_want && authz_want && sreq, "%s: files", name))
		goto out;
	int r = sigv4_http_parse(A, req, req_len, &h, &e);
	if (!tap_ok(r == 0, "%s: .req parses", name)) {
		printf("#   %s\n", e.message);
		goto out;
	}
	/* the client side: every header of the request is signed */
	r = sigv4_signed_headers(A, &h.req, &names, &n, &list);
	r = r < 0 ? r : sigv4_canonical_request(A, &h.req, NULL, 0, &creq, &creq_len, &e);
	TAP_IS_INT(r, 0, "canonical request builds");
	TAP_IS_STR(creq, creq_want, ".creq");

	if (!form_quirk) {
		sigv4_sha256_hex(creq, creq_len, hash);
		r = sigv4_string_to_sign(h.amz_date, "20150830/us-east-1/service/aws4_request",
					 hash, sts, sizeof(sts));
		tap_ok(r > 0, "%s: string to sign builds", name);
		TAP_IS_STR(sts, sts_want, ".sts");
		r = sigv4_sign(SECRET, strlen(SECRET), "20150830", "us-east-1", "service",
			       sts, strlen(sts), sig);
		TAP_IS_STR(sig, authz_signature(authz_want), "signature as in .authz");
		char *authz = sigv4_authz_format(A, "AKIDEXAMPLE",
						 "20150830/us-east-1/service/aws4_request",
						 list, sig);
		TAP_IS_STR(authz, authz_want, ".authz");
	} else if (!charset_quirk) {
		/* signed without content-length: that .sts and .authz agree */
		const char *sh[] = { "content-type", "host", "x-amz-date" };
		r = sigv4_canonical_request(A, &h.req, sh, 3, &creq, &creq_len, &e);
		sigv4_sha256_hex(creq, creq_len, hash);
		sigv4_string_to_sign(h.amz_date, "20150830/us-east-1/service/aws4_request",
				     hash, sts, sizeof(sts));
		TAP_IS_STR(sts, sts_want, ".sts (signed headers of .authz)");
	}

	/* the server side: the signed request verifies */
	r = verify_sreq(sreq, sreq_len, &e);
	if (charset_quirk) {
		/* its signature was made over "charset=utf8" (README) */
		tap_ok(r == -EACCES && strcmp(e.code, SIGV4_E_MISMATCH) == 0,
		       "%s: .sreq as published does not verify (known quirk)", name);
		char *fixed = mutate(sreq, sreq_len, "charset=utf-");
		if (fixed) {
			char *dash = strstr(fixed, "utf,8");
			if (dash)
				memmove(dash + 3, dash + 4, strlen(dash + 4) + 1);
			r = verify_sreq(fixed, strlen(fixed), &e);
			free(fixed);
		}
		tap_ok(r == 0, "%s: .sreq with charset=utf8 verifies", name);
		goto out;
	}
	if (!tap_ok(r == 0, "%s: .sreq verifies", name))
		printf("#   %s: %s\n", e.code ? e.code : "?", e.message ? e.message : "");

	/* one changed byte of the signature, a signed header or the body */
	const char *targets[] = { "Signature=", "X-Amz-Date:20150830T12360", "Param1=value1" };
	const char *tnames[] = { "signature", "x-amz-date", "body or query" };
	for (size_t i = 0; i < 3; i++) {
		char *m;
		if (i == 0) {
			m = malloc(sreq_len + 1);
			memcpy(m, sreq, sreq_len + 1);
			char *s = strstr(m, "Signature=");
			s[10] = s[10] == 'a' ? 'b' : 'a';
		} else {
			m = mutate(sreq, sreq_len, targets[i]);
		}
		if (!m)
			continue;
		memset(&e, 0, sizeof(e));
		r = verify_sreq(m, strlen(m), &e);
		/* a changed x-amz-date moves the date away from the scope's day only
		 * in its last digit: the signature no longer matches either way */
		tap_ok(r < 0 && e.code && (strcmp(e.code, SIGV4_E_MISMATCH) == 0 ||
					   strcmp(e.code, SIGV4_E_SKEWED) == 0),
		       "%s: a changed %s is refused (%s)", name, tnames[i],
		       e.code ? e.code : "accepted");
		free(m);
	}
out:
	free(req);
	free(creq_want);
	free(sts_want);
	free(authz_want);
	free(sreq);
	arena_reset(A);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk(const char *dir, int *cases)
{
	DIR *d = opendir(dir);
	if (!d)
		return -errno;
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		names = realloc(names, (n + 1) * sizeof(*names));
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_name);
	for (size_t i = 0; i < n; i++) {
		char path[2048], reqf[4608];
		struct stat st;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			snprintf(reqf, sizeof(reqf), "%s/%s.req", path, names[i]);
			if (stat(reqf, &st) == 0) {
				run_case(path, names[i]);
				(*cases)++;
			} else {
				walk(path, cases);
			}
		}
		free(names[i]);
	}
	free(names);
	return 0;
}

static void expect_authz_error(const char *value, bool has_date, const char *code,
			       const char *msg, const char *what)
{
	struct sigv4_authz az;
	struct sigv4_error e = { 0 };
	int r = sigv4_authz_parse(A, value, strlen(value), has_date, &az, &e);
	tap_ok(r == -EINVAL && e.code && strcmp(e.code, code) == 0, "authz: %s -> %s", what, code);
	TAP_IS_STR(e.message, msg, "authz message");
	arena_reset(A);
}

static void test_authz_errors(void)
{
	const char *ok = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
			 "SignedHeaders=host;x-amz-date, Signature=abc";
	struct sigv4_authz az;
	struct sigv4_error e = { 0 };
	int r = sigv4_authz_parse(A, ok, strlen(ok), true, &az, &e);
	TAP_IS_INT(r, 0, "authz: a well-formed header parses");
	TAP_IS_STR(az.access_key_id, "AKIDEXAMPLE", "authz: access key id");
	TAP_IS_STR(az.scope, "20150830/us-east-1/iam/aws4_request", "authz: scope");
	TAP_IS_STR(az.region, "us-east-1", "authz: region");
	TAP_IS_STR(az.service, "iam", "authz: service");
	TAP_IS_INT(az.n_headers, 2, "authz: two signed headers");
	TAP_IS_STR(az.headers[1], "x-amz-date", "authz: second signed header");
	TAP_IS_STR(az.signature, "abc", "authz: signature as given");
	arena_reset(A);

	expect_authz_error("Bearer xyz", true, SIGV4_E_INCOMPLETE,
			   "Authorization header requires 'Credential' parameter. "
			   "Authorization header requires 'Signature' parameter. "
			   "Authorization header requires 'SignedHeaders' parameter. "
			   "Authorization=Bearer xyz", "another scheme");
	expect_authz_error("AWS4-HMAC-SHA256 Credential=A/20150830/r/iam/aws4_request, Signature=ab",
			   false, SIGV4_E_INCOMPLETE,
			   "Authorization header requires 'SignedHeaders' parameter. "
			   "Authorization header requires existence of either a 'X-Amz-Date' or a "
			   "'Date' header. Authorization=AWS4-HMAC-SHA256 Credential=A/20150830/r/iam/"
			   "aws4_request, Signature=ab", "no SignedHeaders, no date");
	expect_authz_error("AWS4-HMAC-SHA512 Credential=x", true, SIGV4_E_INCOMPLETE,
			   "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 "
			   "for now). ", "another algorithm");
	expect_authz_error("AWS4-HMAC-SHA256 Credential A/B", true, SIGV4_E_INCOMPLETE,
			   "'Credential A/B' not a valid key=value pair (missing equal-sign) in "
			   "Authorization header: 'AWS4-HMAC-SHA256 Credential A/B'", "no equal sign");
	expect_authz_error("AWS4-HMAC-SHA256 Credential=a/b/c/d, SignedHeaders=host, Signature=x",
			   true, SIGV4_E_INCOMPLETE,
			   "Credential must have exactly 5 slash-delimited elements, e.g. "
			   "keyid/date/region/service/term, got 'a/b/c/d'", "four scope parts");
	expect_authz_error("AWS4-HMAC-SHA256 Credential=a/b/c/d/e/f, SignedHeaders=host, Signature=x",
			   true, SIGV4_E_INCOMPLETE,
			   "Credential must have exactly 5 slash-delimited elements, e.g. "
			   "keyid/date/region/service/term, got 'a/b/c/d/e/f'", "six scope parts");
	expect_authz_error("AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host;;x, Signature=x",
			   true, SIGV4_E_INCOMPLETE,
			   "SignedHeaders 'host;;x' holds an empty header name.", "empty header name");
	expect_authz_error("AWS4-HMAC-SHA256 Signature=a, Signature=b, Credential=a/b/c/d/e, SignedHeaders=host",
			   true, SIGV4_E_INCOMPLETE,
			   "'Signature=b' repeats a parameter in Authorization header: "
			   "'AWS4-HMAC-SHA256 Signature=a, Signature=b, Credential=a/b/c/d/e, "
			   "SignedHeaders=host'", "a repeated parameter");
	char nul[] = "AWS4-HMAC-SHA256 Credential=a\0/b/c/d/e";
	r = sigv4_authz_parse(A, nul, sizeof(nul) - 1, true, &az, &e);
	tap_ok(r == -EINVAL && strcmp(e.code, SIGV4_E_INCOMPLETE) == 0, "authz: a NUL byte is refused");
	char *big = malloc(SIGV4_MAX_AUTHZ + 2);
	memset(big, 'A', SIGV4_MAX_AUTHZ + 1);
	big[SIGV4_MAX_AUTHZ + 1] = '\0';
	r = sigv4_authz_parse(A, big, strlen(big), true, &az, &e);
	tap_ok(r == -EINVAL && strcmp(e.code, SIGV4_E_INCOMPLETE) == 0, "authz: oversize is refused");
	free(big);
	arena_reset(A);
}

static void expect_check(const char *authz, const char *date, const char *code,
			 const char *msg, const char *what)
{
	static const char *const svc[] = { "iam", "sts", NULL };
	struct sigv4_authz az;
	struct sigv4_error e = { 0 };
	int r = sigv4_authz_parse(A, authz, strlen(authz), true, &az, &e);
	r = r < 0 ? r : sigv4_authz_check(A, &az, date, NOW, svc, &e);
	if (!code) {
		tap_ok(r == 0, "check: %s passes", what);
		if (r < 0)
			printf("#   %s\n", e.message);
	} else {
		tap_ok(r == -EINVAL && e.code && strcmp(e.code, code) == 0,
		       "check: %s -> %s", what, code);
		TAP_IS_STR(e.message, msg, "check message");
	}
	arena_reset(A);
}

static void test_checks(void)
{
	const char *ok = "AWS4-HMAC-SHA256 Credential=AKID/20150830/eu-west-3/sts/aws4_request, "
			 "SignedHeaders=host;x-amz-date, Signature=x";
	expect_check(ok, "20150830T123600Z", NULL, NULL, "any region, service sts");
	expect_check(ok, "20150830T125059Z", NULL, NULL, "14:59 ahead");
	expect_check(ok, "20150830T122100Z", NULL, NULL, "15:00 behind");
	expect_check(ok, "20150830T122059Z", SIGV4_E_SKEWED,
		     "Signature expired: 20150830T122059Z is now earlier than 20150830T122100Z "
		     "(20150830T123600Z - 15 min.)", "15:01 behind");
	expect_check(ok, "20150830T125601Z", SIGV4_E_SKEWED,
		     "Signature not yet current: 20150830T125601Z is still later than "
		     "20150830T125100Z (20150830T123600Z + 15 min.)", "20:01 ahead");
	expect_check(ok, "2015-08-30T12:36:00Z", SIGV4_E_INCOMPLETE,
		     "Date must be in ISO-8601 'basic format'. Got '2015-08-30T12:36:00Z'. "
		     "See http://en.wikipedia.org/wiki/ISO_8601", "extended date format");
	expect_check(ok, "20150230T123600Z", SIGV4_E_INCOMPLETE,
		     "Date must be in ISO-8601 'basic format'. Got '20150230T123600Z'. "
		     "See http://en.wikipedia.org/wiki/ISO_8601", "February 30th");
	expect_check("AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/iam/aws4_request, "
		     "SignedHeaders=x-amz-date, Signature=x", "20150830T123600Z", SIGV4_E_MISMATCH,
		     "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
		     "host unsigned");
	expect_check("AWS4-HMAC-SHA256 Credential=AKID/20150829/US_EAST/s3/aws4_reques, "
		     "SignedHeaders=host, Signature=x", "20150830T123600Z", SIGV4_E_MISMATCH,
		     "Credential should be scoped to a valid region, not 'US_EAST'. "
		     "Credential should be scoped to correct service: 'iam'. "
		     "Credential should be scoped with a valid terminator: 'aws4_request', "
		     "not 'aws4_reques'. Date in Credential scope does not match YYYYMMDD from "
		     "ISO-8601 version of date from HTTP: '20150829' != '20150830', from "
		     "'20150830T123600Z'.", "every scope part wrong");
}

static const char *canon_uri(const char *path, bool s3)
{
	struct sigv4_request req = {
		.method = "GET", .path = path, .path_len = strlen(path), .s3 = s3,
		.payload_hash = SIGV4_UNSIGNED_PAYLOAD,
	};
	char *creq;
	static char out[256];
	struct sigv4_error e;
	const char *sh[] = { "host" };
	if (sigv4_canonical_request(A, &req, sh, 1, &creq, NULL, &e) < 0)
		return "(error)";
	char *nl = strchr(creq + 4, '\n');
	snprintf(out, sizeof(out), "%.*s", (int)(nl - creq - 4), creq + 4);
	arena_reset(A);
	return out;
}

static const char *canon_query(const char *q)
{
	struct sigv4_request req = {
		.method = "GET", .path = "/", .path_len = 1, .query = q,
		.query_len = strlen(q), .payload_hash = SIGV4_UNSIGNED_PAYLOAD,
	};
	char *creq;
	static char out[256];
	struct sigv4_error e;
	const char *sh[] = { "host" };
	if (sigv4_canonical_request(A, &req, sh, 1, &creq, NULL, &e) < 0)
		return "(error)";
	char *l2 = strchr(creq, '\n') + 1;
	l2 = strchr(l2, '\n') + 1;
	snprintf(out, sizeof(out), "%.*s", (int)(strchr(l2, '\n') - l2), l2);
	arena_reset(A);
	return out;
}

static void test_canonical_corners(void)
{
	TAP_IS_STR(canon_uri("", false), "/", "uri: empty is /");
	TAP_IS_STR(canon_uri("/a/b/../../..", false), "/", "uri: .. above the root stays at /");
	TAP_IS_STR(canon_uri("/a/./b/", false), "/a/b/", "uri: trailing slash kept");
	TAP_IS_STR(canon_uri("/a/b/.", false), "/a/b", "uri: a final . goes");
	TAP_IS_STR(canon_uri("/a%2Fb", false), "/a%252Fb", "uri: an escape is encoded again");
	TAP_IS_STR(canon_uri("/a*b", false), "/a%2Ab", "uri: reserved characters encoded");
	TAP_IS_STR(canon_uri("//a/../b", true), "//a/../b", "uri: s3 keeps dots and slashes");
	TAP_IS_STR(canon_uri("/a%2ab%20c", true), "/a%2Ab%20c", "uri: s3 encodes once");
	TAP_IS_STR(canon_query("b=2&a=1&a=0"), "a=0&a=1&b=2", "query: by name then value");
	TAP_IS_STR(canon_query("a&b=&&c=%7e%2a"), "a=&b=&c=~%2A", "query: empty values, escapes normalized");
	TAP_IS_STR(canon_query("x=a+b c"), "x=a%2Bb%20c", "query: + and space encoded");
	TAP_IS_STR(canon_query("x=%zz%4"), "x=%25zz%254", "query: a bad escape is a literal %");

	struct sigv4_request req = { .method = "GET", .path = "/", .path_len = 1,
				     .payload_hash = "ABC" };
	char *creq;
	struct sigv4_error e;
	const char *sh[] = { "host" };
	tap_ok(sigv4_canonical_request(A, &req, sh, 1, &creq, NULL, &e) == -EINVAL,
	       "canonical: a bad payload hash is refused");
	req.payload_hash = SIGV4_UNSIGNED_PAYLOAD;
	const char *bad[] = { "Host" };
	tap_ok(sigv4_canonical_request(A, &req, bad, 1, &creq, NULL, &e) == -EINVAL,
	       "canonical: an upper-case signed header is refused");
	const char *missing[] = { "host", "x-absent" };
	int r = sigv4_canonical_request(A, &req, missing, 2, &creq, NULL, &e);
	tap_ok(r == 0 && strstr(creq, "\nx-absent:\n"), "canonical: an absent signed header is empty");
	arena_reset(A);
}

static void test_helpers(void)
{
	char d[SIGV4_DATE_LEN + 1], sts[256];
	int64_t t;
	sigv4_date_format(NOW, d);
	TAP_IS_STR(d, "20150830T123600Z", "date: format");
	sigv4_date_format(0, d);
	TAP_IS_STR(d, "19700101T000000Z", "date: format of the epoch");
	sigv4_date_format(951868799, d);
	TAP_IS_STR(d, "20000229T235959Z", "date: format of a leap day's last second");
	/* every day of 400 years formats to what parse reads back */
	int back = 1;
	for (int64_t x = 946684800; x < 946684800 + 146097LL * 86400; x += 86400 + 3661) {
		sigv4_date_format(x, d);
		back &= sigv4_date_parse(d, &t) == 0 && t == x;
	}
	tap_ok(back, "date: format and parse agree over 400 years");
	tap_ok(sigv4_date_parse("20150830T123600Z", &t) == 0 && t == NOW, "date: parse");
	tap_ok(sigv4_date_parse("20000229T000000Z", &t) == 0, "date: leap day");
	tap_ok(sigv4_date_parse("19000229T000000Z", &t) < 0, "date: 1900 is not leap");
	tap_ok(sigv4_date_parse("20150830T123600", &t) < 0, "date: no Z");
	tap_ok(sigv4_string_to_sign("20150830T123600Z", "x\ny", "00", sts, sizeof(sts)) == -EINVAL,
	       "sts: a newline in the scope is refused");
	tap_ok(sigv4_string_to_sign("20150830T123600Z", "s",
				    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
				    sts, 20) == -ENOSPC, "sts: too small a buffer");
	tap_ok(!sigv4_signature_equal("abc", "abc"), "compare: short strings never match");
	char h[65];
	sigv4_sha256_hex("", 0, h);
	TAP_IS_STR(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		   "sha256 of nothing");
}

static void test_api(void)
{
	char hash[65], creq_hash[65];
	char *authz = NULL;
	struct sigv4_authz az;
	struct sigv4_error e = { 0 };
	sigv4_sha256_hex("\x0a\x05alice", 7, hash);
	struct sigv4_api_call call = { .action = "GetUser", .amz_date = "20150830T123600Z",
				       .payload_hash = hash };
	int r = sigv4_api_sign(A, &call, "AKIAEXAMPLE", SECRET, strlen(SECRET), "eu-west-1",
			       "iam", &authz);
	TAP_IS_INT(r, 0, "api: a call signs");
	tap_ok(authz && strstr(authz, "SignedHeaders=host;x-amz-date;x-iamd-action,") != NULL,
	       "api: host, x-amz-date and x-iamd-action signed");
	r = sigv4_api_prepare(A, authz, &call, NOW, "iam", &az, creq_hash, &e);
	TAP_IS_INT(r, 0, "api: the server side prepares it");
	r = sigv4_verify(&az, call.amz_date, creq_hash, SECRET, strlen(SECRET), &e);
	TAP_IS_INT(r, 0, "api: and it verifies");
	r = sigv4_verify(&az, call.amz_date, creq_hash, "x", 1, &e);
	TAP_IS_INT(r, -EACCES, "api: another secret does not");
	TAP_IS_STR(e.message, SIGV4_MSG_MISMATCH, "api: AWS's message");

	struct sigv4_api_call other = call;
	other.action = "DeleteUser";
	r = sigv4_api_prepare(A, authz, &other, NOW, "iam", &az, creq_hash, &e);
	r = r < 0 ? r : sigv4_verify(&az, call.amz_date, creq_hash, SECRET, strlen(SECRET), &e);
	TAP_IS_INT(r, -EACCES, "api: the signature does not carry over to another action");
	char h2[65];
	sigv4_sha256_hex("\x0a\x05alicf", 7, h2);
	other = call;
	other.payload_hash = h2;
	r = sigv4_api_prepare(A, authz, &other, NOW, "iam", &az, creq_hash, &e);
	r = r < 0 ? r : sigv4_verify(&az, call.amz_date, creq_hash, SECRET, strlen(SECRET), &e);
	TAP_IS_INT(r, -EACCES, "api: nor to other parameters");
	other = call;
	other.security_token = "FQoGZXIvYXdzEXAMPLE";
	r = sigv4_api_prepare(A, authz, &other, NOW, "iam", &az, creq_hash, &e);
	r = r < 0 ? r : sigv4_verify(&az, call.amz_date, creq_hash, SECRET, strlen(SECRET), &e);
	TAP_IS_INT(r, 0, "api: an unsigned token header does not change the signature (post-sts-header-after)");
	r = sigv4_api_prepare(A, authz, &call, NOW, "sts", &az, creq_hash, &e);
	tap_ok(r == -EINVAL && strcmp(e.code, SIGV4_E_MISMATCH) == 0 &&
	       strcmp(e.message, "Credential should be scoped to correct service: 'sts'.") == 0,
	       "api: the scope must name the action's service");

	other = call;
	other.security_token = "FQoGZXIvYXdzEXAMPLE";
	r = sigv4_api_sign(A, &other, "ASIAEXAMPLE", SECRET, strlen(SECRET), "us-east-1",
			   "sts", &authz);
	tap_ok(r == 0 && strstr(authz, "SignedHeaders=host;x-amz-date;x-amz-security-token;x-iamd-action,"),
	       "api: a session's token is signed");
	r = sigv4_api_prepare(A, authz, &other, NOW, "sts", &az, creq_hash, &e);
	r = r < 0 ? r : sigv4_verify(&az, call.amz_date, creq_hash, SECRET, strlen(SECRET), &e);
	TAP_IS_INT(r, 0, "api: with its token it verifies");
	other.security_token = "FQoGZXIvYXdzEXAMPLF";
	r = sigv4_api_prepare(A, authz, &other, NOW, "sts", &az, creq_hash, &e);
	r = r < 0 ? r : sigv4_verify(&az, call.amz_date, creq_hash, SECRET, strlen(SECRET), &e);
	TAP_IS_INT(r, -EACCES, "api: with another token it does not");

	const char *noaction = "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20150830/us-east-1/iam/"
			       "aws4_request, SignedHeaders=host;x-amz-date, Signature=00";
	r = sigv4_api_prepare(A, noaction, &call, NOW, "iam", &az, creq_hash, &e);
	tap_ok(r == -EINVAL && strcmp(e.code, SIGV4_E_MISMATCH) == 0, "api: x-iamd-action must be signed");
	TAP_IS_STR(e.message, "'x-iamd-action' must be a 'SignedHeader' in the AWS Authorization.",
		   "api: message naming it");
	other = call;
	other.amz_date = NULL;
	r = sigv4_api_prepare(A, noaction, &other, NOW, "iam", &az, creq_hash, &e);
	tap_ok(r == -EINVAL && strcmp(e.code, SIGV4_E_INCOMPLETE) == 0 &&
	       strstr(e.message, "'X-Amz-Date' or a 'Date' header"), "api: no date is IncompleteSignature");
	tap_ok(sigv4_api_sign(A, &call, "AKIA/X", SECRET, strlen(SECRET), "r", "iam", &authz) == -EINVAL,
	       "api: a key id with a slash is refused");
	arena_reset(A);
}

int main(void)
{
	const char *src = getenv("top_srcdir");
	char dir[4096];
	int cases = 0;
	snprintf(dir, sizeof(dir), "%s/tests/sigv4/vectors", src ? src : ".");
	if (arena_new(0, &A) < 0)
		return 1;
	tap_ok(walk(dir, &cases) == 0, "vectors found in %s", dir);
	tap_ok(cases == 31, "every case of the suite ran (%d)", cases);
	test_authz_errors();
	test_checks();
	test_canonical_corners();
	test_helpers();
	test_api();
	arena_free(A);
	return tap_done();
}
