/* fuzz_policy: libFuzzer target for the policy parser, compiler and
 * evaluator. The first byte picks the policy type; the rest is the policy
 * text. A policy that parses is evaluated in its layer against a few
 * requests whose fields come from the tail of the input, so patterns,
 * variables and condition values meet odd request strings too. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const principals[] = {
	"arn:aws:iam::111122223333:user/alice",
	"arn:aws:sts::111122223333:assumed-role/AppRole/s1",
	"arn:aws:iam::111122223333:root",
	"arn:aws:iam::444455556666:user/x",
	"not-an-arn",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy *p = NULL;
	struct policy_diag d;
	struct policy_scratch sc;
	struct policy_result res;
	enum policy_type t;
	char tail[64];
	size_t tn;

	if (size < 1)
		return 0;
	t = (enum policy_type)(data[0] % 5);
	if (policy_parse((const char *)data + 1, size - 1, t, "fuzz", &p, &d) < 0)
		return 0;
	/* Request strings from the last bytes of the input. */
	tn = size - 1 < sizeof(tail) - 1 ? size - 1 : sizeof(tail) - 1;
	memcpy(tail, data + size - tn, tn);
	tail[tn] = '\0';
	for (size_t i = 0; i < tn; i++)
		if (tail[i] == '\0')
			tail[i] = 'x';
	for (size_t i = 0; i < policy_warning_count(p); i++)
		(void)policy_warning(p, i)->message[0];
	const char *multi[] = { tail, "team", "" };
	const char *one[] = { tail };
	const char *ip[] = { "2001:db8::1" };
	struct policy_ctx_entry ctx[] = {
		{ "aws:TagKeys", multi, 3 },
		{ "aws:PrincipalTag/team", one, 1 },
		{ "aws:SourceIp", ip, 1 },
		{ "s3:prefix", one, 1 },
		{ "aws:CurrentTime", one, 1 },
	};
	const struct policy *ids[1] = { p };
	for (size_t k = 0; k < sizeof(principals) / sizeof(principals[0]); k++) {
		struct policy_set set = { 0 };
		struct policy_request req = {
			.principal = principals[k],
			.action = k % 2 ? "s3:GetObject" : tail,
			.resource = k % 2 ? tail : "arn:aws:s3:::bucket/home/alice",
			.context = ctx,
			.n_context = sizeof(ctx) / sizeof(ctx[0]),
			.now_ms = k == 0 ? 1717243200000LL : -1,
		};
		switch (t) {
		case POLICY_RESOURCE:
		case POLICY_TRUST: set.resource = p; break;
		case POLICY_BOUNDARY: set.boundary = p; set.identity = ids; set.n_identity = 1; break;
		case POLICY_SESSION: set.session = p; set.identity = ids; set.n_identity = 1; break;
		default: set.identity = ids; set.n_identity = 1; break;
		}
		if (policy_eval(&set, &req, &sc, &res) == 0) {
			struct policy_stmt_info si;
			for (unsigned m = 0; m < res.n_matches; m++)
				policy_statement_info(res.matches[m].policy,
						      res.matches[m].stmt, &si);
		}
	}
	policy_free(p);
	return 0;
}
