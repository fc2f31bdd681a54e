/* bench_policy: how fast the policy engine decides. Prints one line per
 * figure: `bench: NAME p50_ns=... p99_ns=... ops_s=... allocs=...`.
 *
 *   sample       the shared conformance sample, every case in turn
 *   realistic    a principal with 10 policies holding 60 statements with
 *                conditions and wildcards, 1,000 distinct requests
 *   largest      the largest set AWS allows a role: 20 managed policies of
 *                ~6,144 characters and a 10,240-character inline policy
 *   crowded      `realistic` with 10,000 unrelated policies in memory
 *   parse6k      parse and compile one 6 KB policy
 *
 * allocs counts malloc/calloc/realloc calls per decision (the program is
 * linked with --wrap for them). Run pinned: taskset -c 0. */
#define _GNU_SOURCE 1
#include <errno.h>
#include <sched.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "policy/policy.h"

/* ---- allocation counting ---- */

static uint64_t n_allocs;
void *__real_malloc(size_t n);
void *__real_calloc(size_t a, size_t b);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t a, size_t b);
void *__wrap_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n) { n_allocs++; return __real_malloc(n); }
void *__wrap_calloc(size_t a, size_t b) { n_allocs++; return __real_calloc(a, b); }
void *__wrap_realloc(void *p, size_t n) { n_allocs++; return __real_realloc(p, n); }

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

struct bcase {
	struct policy_set set;
	const struct policy *ids[16];
	struct policy_request req;
	struct policy_ctx_entry ctx[16];
	const char *vals[64];
};

/* Times `n` decisions, `rounds` times over; prints the figure line. */
static const char *only;   /* argv[1]: run one figure only */

static void run(const char *name, struct bcase *cs, size_t n, unsigned rounds)
{
	struct policy_scratch sc;
	struct policy_result res;
	size_t total, k = 0;
	uint64_t *lat;

	if (only)
		rounds *= 20;
	total = n * rounds;
	lat = malloc(total * sizeof(*lat));
	uint64_t t0, t1, a0, allocs;
	volatile unsigned sink = 0;

	if (!lat || (only && strcmp(only, name)))
		goto out;
	for (size_t i = 0; i < n; i++)   /* warm up */
		policy_eval(&cs[i].set, &cs[i].req, &sc, &res);
	for (unsigned r = 0; r < rounds; r++)
		for (size_t i = 0; i < n; i++) {
			uint64_t s = now_ns();
			policy_eval(&cs[i].set, &cs[i].req, &sc, &res);
			lat[k++] = now_ns() - s;
			sink += res.decision;
		}
	a0 = n_allocs;
	t0 = now_ns();
	for (unsigned r = 0; r < rounds; r++)
		for (size_t i = 0; i < n; i++) {
			policy_eval(&cs[i].set, &cs[i].req, &sc, &res);
			sink += res.decision;
		}
	t1 = now_ns();
	allocs = n_allocs - a0;
	qsort(lat, total, sizeof(*lat), cmp_u64);
	if (getenv("BENCH_VERBOSE")) {
		uint64_t sum = 0;
		for (size_t i = 0; i < total; i++)
			sum += lat[i];
		printf("# %s: mean %llu p10 %llu p90 %llu max %llu\n", name,
		       (unsigned long long)(sum / total),
		       (unsigned long long)lat[total / 10],
		       (unsigned long long)lat[total * 9 / 10],
		       (unsigned long long)lat[total - 1]);
	}
	printf("bench: %s p50_ns=%llu p99_ns=%llu ops_s=%.0f allocs=%.2f\n", name,
	       (unsigned long long)lat[total / 2],
	       (unsigned long long)lat[total * 99 / 100],
	       (double)total * 1e9 / (double)(t1 - t0 ? t1 - t0 : 1),
	       (double)allocs / (double)total);
	fflush(stdout);
out:
	free(lat);
	(void)sink;
}

/* ---- (a) the shared sample ---- */

static struct policy *parse_json(json_t *v, enum policy_type t)
{
	struct policy_parse_opts o = { .type = t, .name = "bench",
				       .max_size = 1 << 20 };
	struct policy *p = NULL;
	char *text = json_is_string(v) ? strdup(json_string_value(v)) :
					 json_dumps(v, JSON_COMPACT);
	if (text && policy_parse_opts(text, strlen(text), &o, &p, NULL) < 0)
		p = NULL;
	free(text);
	return p;
}

static size_t load_sample(const char *path, struct bcase **ret, json_t **keep)
{
	json_t *all = json_array();
	json_error_t je;
	char line[1 << 16];
	FILE *f = fopen(path, "r");
	struct bcase *cs;
	size_t n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (line[0] == '{')
			json_array_append_new(all, json_loads(line, 0, &je));
	fclose(f);
	cs = calloc(json_array_size(all), sizeof(*cs));
	for (size_t i = 0; cs && i < json_array_size(all); i++) {
		json_t *c = json_array_get(all, i), *rq = json_object_get(c, "request");
		json_t *ids = json_object_get(c, "identityPolicies"), *v;
		struct bcase *b = &cs[n];
		const char *k;
		size_t nv = 0;
		if (!c || json_array_size(ids) > 16)
			continue;
		for (size_t j = 0; j < json_array_size(ids); j++)
			b->ids[j] = parse_json(json_array_get(ids, j), POLICY_IDENTITY);
		b->set.identity = b->ids;
		b->set.n_identity = json_array_size(ids);
		if ((v = json_object_get(c, "resourcePolicy")))
			b->set.resource = parse_json(v, POLICY_RESOURCE);
		if ((v = json_object_get(c, "permissionsBoundary")))
			b->set.boundary = parse_json(v, POLICY_BOUNDARY);
		if ((v = json_object_get(c, "sessionPolicy")))
			b->set.session = parse_json(v, POLICY_SESSION);
		b->req.principal = json_string_value(json_object_get(rq, "principal"));
		b->req.action = json_string_value(json_object_get(rq, "action"));
		b->req.resource = json_string_value(json_object_get(rq, "resource"));
		b->req.resource_account = json_string_value(json_object_get(rq, "resourceAccount"));
		b->req.now_ms = -1;
		json_object_foreach(json_object_get(rq, "context"), k, v) {
			if (b->req.n_context >= 16)
				break;
			struct policy_ctx_entry *e = &b->ctx[b->req.n_context++];
			e->key = k;
			e->values = &b->vals[nv];
			e->n_values = 0;
			for (size_t j = 0; j < (json_is_array(v) ? json_array_size(v) : 1) && nv < 64; j++) {
				b->vals[nv++] = json_string_value(json_is_array(v) ? json_array_get(v, j) : v);
				e->n_values++;
			}
		}
		b->req.context = b->ctx;
		n++;
	}
	*ret = cs;
	*keep = all;
	return n;
}

/* ---- generated principals ---- */

static const char *const svcs[] = { "s3", "ec2", "dynamodb", "sqs", "kms", "iam", "lambda", "sns" };
static const char *const verbs[] = { "Get", "Put", "Delete", "List", "Describe", "Create", "Update", "Tag" };
static const char *const nouns[] = { "Object", "Bucket", "Item", "Table", "Queue", "Key", "Function", "Topic" };

/* Appends one statement with conditions and wildcards to buf. */
static size_t statement(char *buf, size_t cap, unsigned seed, unsigned acct)
{
	const char *svc = svcs[seed % 8];
	return (size_t)snprintf(buf, cap,
		"{\"Sid\":\"S%u\",\"Effect\":\"%s\",\"Action\":[\"%s:%s*\",\"%s:%s%s\",\"%s:?%s*\"],"
		"\"Resource\":[\"arn:aws:%s:*:%u:%s/team-%u/*\",\"arn:aws:%s:us-east-1:%u:*/${aws:username}/*\"],"
		"\"Condition\":{\"StringEquals\":{\"aws:PrincipalTag/team\":[\"t%u\",\"t%u\"]},"
		"\"IpAddressIfExists\":{\"aws:SourceIp\":[\"10.%u.0.0/16\",\"2001:db8:%x::/48\"]},"
		"\"ForAnyValue:StringLike\":{\"aws:TagKeys\":[\"cost-*\",\"env\"]}}}",
		seed, seed % 7 == 3 ? "Deny" : "Allow", svc, verbs[seed % 8], svc,
		verbs[(seed / 8) % 8], nouns[seed % 8], svc, nouns[(seed / 3) % 8] + 1,
		svc, acct, nouns[seed % 8], seed % 5, svc, acct, seed % 4, (seed + 1) % 4,
		seed % 256, seed % 4096);
}

static struct policy *gen_policy(unsigned first, unsigned count, size_t target,
				 enum policy_type t, size_t limit)
{
	static char buf[1 << 16];
	struct policy_parse_opts o = { .type = t, .name = "gen", .max_size = limit };
	struct policy *p = NULL;
	struct policy_diag d;
	size_t n = (size_t)snprintf(buf, sizeof(buf), "{\"Version\":\"2012-10-17\",\"Statement\":[");
	char st[2048];

	for (unsigned i = 0; count ? i < count : 1; i++) {
		size_t k = statement(st, sizeof(st), first + i, (unsigned)(111122223333ULL % 1000000));
		if (!count && n + k + 3 > target)
			break;
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? "," : "", st);
	}
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "]}");
	if (policy_parse_opts(buf, n, &o, &p, &d) < 0) {
		fprintf(stderr, "bench: generated policy: %s\n", d.message);
		return NULL;
	}
	return p;
}

static const char *const tagkeys[] = { "cost-center", "team" };

static void gen_requests(struct bcase *cs, size_t n, struct policy **pols,
			 size_t npol, char (*strs)[3][160])
{
	for (size_t i = 0; i < n; i++) {
		struct bcase *b = &cs[i];
		unsigned s = (unsigned)(i * 2654435761u);
		const char *svc = svcs[s % 8];
		snprintf(strs[i][0], 160, "%s:%s%s", svc, verbs[(s >> 3) % 8], nouns[(s >> 6) % 8]);
		snprintf(strs[i][1], 160, "arn:aws:%s:us-east-1:%u:%s/team-%u/item-%zu", svc,
			 (unsigned)(111122223333ULL % 1000000), nouns[(s >> 6) % 8], (s >> 9) % 5, i);
		snprintf(strs[i][2], 160, "10.%u.%u.%u", (s >> 12) % 256, (s >> 4) % 256, s % 256);
		for (size_t k = 0; k < npol && k < 16; k++)
			b->ids[k] = pols[k];
		b->set.identity = b->ids;
		b->set.n_identity = npol;
		b->req.principal = i % 3 ? "arn:aws:iam::111122223333:user/alice" :
				   "arn:aws:sts::111122223333:assumed-role/AppRole/s1";
		b->req.action = strs[i][0];
		b->req.resource = strs[i][1];
		b->req.now_ms = -1;
		b->vals[0] = i % 2 ? "t1" : "t3";
		b->vals[1] = strs[i][2];
		b->ctx[0] = (struct policy_ctx_entry){ "aws:PrincipalTag/team", &b->vals[0], 1 };
		b->ctx[1] = (struct policy_ctx_entry){ "aws:SourceIp", &b->vals[1], 1 };
		b->ctx[2] = (struct policy_ctx_entry){ "aws:TagKeys", tagkeys, 2 };
		b->req.context = b->ctx;
		b->req.n_context = 3;
	}
}

int main(int argc, char **argv)
{
	const char *shared = getenv("SHARED_DIR");
	const char *top = getenv("top_srcdir");
	char path[4096];
	struct bcase *cs = NULL;
	json_t *keep = NULL;
	size_t n;
	struct policy *pols[21];
	static char strs[1000][3][160];
	struct bcase *rq = calloc(1000, sizeof(*rq));

	only = argc > 1 ? argv[1] : NULL;
	/* One core, as `taskset -c 0` would (BENCH_NO_PIN=1 to leave it). */
	if (!getenv("BENCH_NO_PIN")) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(0, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0)
			printf("# bench: could not pin to CPU 0\n");
	}
	if (!rq)
		return 1;
	/* (a) */
	snprintf(path, sizeof(path), "%s/tests/policy/sample.jsonl", top ? top : ".");
	n = load_sample(path, &cs, &keep);
	if (!n && shared) {
		snprintf(path, sizeof(path), "%s/conformance/policy-eval/sample.jsonl", shared);
		n = load_sample(path, &cs, &keep);
	}
	if (n)
		run("sample", cs, n, 50);
	else
		printf("# bench: sample.jsonl not found (set top_srcdir)\n");

	/* (b) 10 policies, 60 statements */
	for (unsigned i = 0; i < 10; i++)
		pols[i] = gen_policy(i * 6, 6, 0, POLICY_IDENTITY, 1 << 20);
	gen_requests(rq, 1000, pols, 10, strs);
	run("realistic", rq, 1000, 20);

	/* (d) the same with 10,000 unrelated policies in memory */
	struct policy **crowd = (!only || !strcmp(only, "crowded")) ?
				calloc(10000, sizeof(*crowd)) : NULL;
	for (unsigned i = 0; crowd && i < 10000; i++)
		crowd[i] = gen_policy(1000 + i, 6, 0, POLICY_IDENTITY, 1 << 20);
	run("crowded", rq, 1000, 20);
	for (unsigned i = 0; crowd && i < 10000; i++)
		policy_free(crowd[i]);
	free(crowd);
	for (unsigned i = 0; i < 10; i++)
		policy_free(pols[i]);

	/* (c) 20 managed policies of 6,144 characters + 10,240 inline */
	for (unsigned i = 0; i < 20; i++)
		pols[i] = gen_policy(i * 40, 0, POLICY_MAX_MANAGED, POLICY_IDENTITY, 0);
	pols[20] = gen_policy(900, 0, POLICY_MAX_INLINE_ROLE, POLICY_IDENTITY,
			      POLICY_MAX_INLINE_ROLE);
	{
		struct bcase *big = calloc(1000, sizeof(*big));
		gen_requests(big, 1000, pols, 16, strs);
		for (size_t i = 0; big && i < 1000; i++) {
			/* 21 policies: the set's own array */
			static const struct policy *all[21];
			memcpy(all, pols, sizeof(all));
			big[i].set.identity = all;
			big[i].set.n_identity = 21;
		}
		if (big)
			run("largest", big, 1000, 5);
		free(big);
	}
	for (unsigned i = 0; i < 21; i++)
		policy_free(pols[i]);

	/* parse and compile a 6 KB policy */
	if (!only || !strcmp(only, "parse6k")) {
		static char buf[8192];
		size_t len = (size_t)snprintf(buf, sizeof(buf), "{\"Version\":\"2012-10-17\",\"Statement\":[");
		char st[2048];
		for (unsigned i = 0;; i++) {
			size_t k = statement(st, sizeof(st), i, 123456);
			if (len + k + 3 > POLICY_MAX_MANAGED)
				break;
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? "," : "", st);
		}
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "]}");
		enum { R = 2000 };
		static uint64_t lat[R];
		uint64_t t0 = now_ns(), a0 = n_allocs;
		for (unsigned i = 0; i < R; i++) {
			struct policy *p = NULL;
			uint64_t s = now_ns();
			policy_parse(buf, len, POLICY_IDENTITY, "p6k", &p, NULL);
			lat[i] = now_ns() - s;
			policy_free(p);
		}
		uint64_t t1 = now_ns();
		qsort(lat, R, sizeof(lat[0]), cmp_u64);
		printf("bench: parse6k p50_ns=%llu p99_ns=%llu ops_s=%.0f allocs=%.2f bytes=%zu\n",
		       (unsigned long long)lat[R / 2], (unsigned long long)lat[R * 99 / 100],
		       R * 1e9 / (double)(t1 - t0), (double)(n_allocs - a0) / R, len);
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < cs[i].set.n_identity; k++)
			policy_free((struct policy *)cs[i].ids[k]);
		policy_free((struct policy *)cs[i].set.resource);
		policy_free((struct policy *)cs[i].set.boundary);
		policy_free((struct policy *)cs[i].set.session);
	}
	free(rq);
	free(cs);
	json_decref(keep);
	return 0;
}
