/* test_policy_util: helpers shared by the policy unit tests: parse a policy
 * from a string, decide one request against a few policies. */
#pragma once
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

static inline struct policy *tp_parse(const char *json, enum policy_type t)
{
	struct policy *p = NULL;
	struct policy_diag d;

	if (!json)
		return NULL;
	if (policy_parse(json, strlen(json), t, "test", &p, &d) < 0) {
		printf("# parse failed: %s\n", d.message);
		return NULL;
	}
	return p;
}

/* Wraps one statement (a JSON object text) into a 2012-10-17 policy. */
#define TP_POLICY(stmt) "{\"Version\":\"2012-10-17\",\"Statement\":[" stmt "]}"

struct tp_req {
	const char *principal, *action, *resource, *resource_account;
	const char *identity, *resource_policy, *boundary, *session;
	/* single-valued context keys: key, value, key, value, ..., NULL */
	const char *const *kv;
	/* one optional multivalued key */
	const char *mkey;
	const char *const *mvals;
	size_t n_mvals;
	int64_t now_ms;
};

/* Returns the decision, or -1 when a policy does not parse. */
static inline int tp_decide(const struct tp_req *r, struct policy_result *res)
{
	struct policy *id = tp_parse(r->identity, POLICY_IDENTITY);
	struct policy *rp = tp_parse(r->resource_policy, POLICY_RESOURCE);
	struct policy *b = tp_parse(r->boundary, POLICY_BOUNDARY);
	struct policy *s = tp_parse(r->session, POLICY_SESSION);
	const struct policy *ids[1] = { id };
	struct policy_set set = { ids, id ? 1 : 0, rp, b, s };
	struct policy_ctx_entry ctx[32];
	struct policy_request req = { 0 };
	struct policy_scratch sc;
	struct policy_result local;
	size_t n = 0;
	int ret = -1;

	if ((r->identity && !id) || (r->resource_policy && !rp) ||
	    (r->boundary && !b) || (r->session && !s))
		goto out;
	for (size_t i = 0; r->kv && r->kv[i]; i += 2) {
		ctx[n].key = r->kv[i];
		ctx[n].values = &r->kv[i + 1];
		ctx[n].n_values = 1;
		n++;
	}
	if (r->mkey) {
		ctx[n].key = r->mkey;
		ctx[n].values = r->mvals;
		ctx[n].n_values = r->n_mvals;
		n++;
	}
	req.principal = r->principal ? r->principal :
			"arn:aws:iam::111122223333:user/alice";
	req.action = r->action ? r->action : "s3:GetObject";
	req.resource = r->resource ? r->resource : "arn:aws:s3:::bucket/key";
	req.resource_account = r->resource_account;
	req.context = ctx;
	req.n_context = n;
	req.now_ms = r->now_ms ? r->now_ms : -1;
	if (!res)
		res = &local;
	if (policy_eval(&set, &req, &sc, res) == 0)
		ret = (int)res->decision;
out:
	policy_free(id);
	policy_free(rp);
	policy_free(b);
	policy_free(s);
	return ret;
}

#define ALLOW POLICY_ALLOW
#define IDENY POLICY_IMPLICIT_DENY
#define EDENY POLICY_EXPLICIT_DENY
