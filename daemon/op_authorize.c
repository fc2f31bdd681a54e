/* op_authorize: iamd:Authorize, for local services: "may principal P do
 * action A on resource R in context C?". P is a user, a role, or an
 * assumed-role session (arn:aws:sts::ACCT:assumed-role/ROLE/SESSION, decided
 * by the role's policies). Answered from P's stored policies (compiled and
 * cached as for P's own calls), its permissions boundary and, when given,
 * R's resource policy, with the request context P's own call would carry
 * (aws:userid, aws:PrincipalTag/<key>, aws:ResourceTag/<key> of IAM resources,
 * the current time) plus the context entries given, which win. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "authz.h"
#include "iamd.pb-c.h"
#include "ops.h"
#include "principal.h"
#include "sts_session.h"
#include "util/arena.h"

int op_authorize_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__AuthorizeRequest *req = (const Iam__AuthorizeRequest *)m;
	if (!req->principal_arn)
		return call_fail(c, -EINVAL, "ValidationError",
				 "1 validation error detected: Value null at 'principalArn' "
				 "failed to satisfy constraint: Member must not be null");
	if (!req->action_name)
		return call_fail(c, -EINVAL, "ValidationError",
				 "1 validation error detected: Value null at 'actionName' "
				 "failed to satisfy constraint: Member must not be null");
	if (!strchr(req->action_name, ':') || strlen(req->action_name) > 128)
		return call_fail(c, -EINVAL, "InvalidInput",
				 "Invalid action name %s: use service:ActionName.", req->action_name);
	if (req->resource_arn && (!*req->resource_arn || strlen(req->resource_arn) > 2048))
		return call_fail(c, -EINVAL, "InvalidInput",
				 "Invalid ResourceArn: 1 to 2048 characters.");
	*ret = "*";
	return 0;
}

/* A matched statement of one of the principal's policies: as
 * op_sim_statement() shows it, with the statement's end from the
 * principal's cache (found in the text once, not on every decision). */
static Iam__Statement *principal_statement(struct call *c, const struct principal_policy *pp,
					   uint32_t stmt)
{
	struct policy_stmt_info si;
	unsigned el, ec;
	Iam__Statement *s = arena_alloc(c->arena, sizeof(*s));
	Iam__Position *pos = arena_alloc(c->arena, 2 * sizeof(*pos));
	if (!s || !pos || policy_statement_info(pp->pol, stmt, &si) < 0)
		return NULL;
	iam__statement__init(s);
	s->source_policy_id = (char *)pp->id;
	s->source_policy_type = (char *)pp->type;
	iam__position__init(&pos[0]);
	pos[0].has_line = pos[0].has_column = true;
	pos[0].line = (int32_t)si.line;
	pos[0].column = (int32_t)si.col;
	s->start_position = &pos[0];
	if (pp->text && principal_stmt_end(pp, stmt, &el, &ec) == 0) {
		iam__position__init(&pos[1]);
		pos[1].has_line = pos[1].has_column = true;
		pos[1].line = (int32_t)el;
		pos[1].column = (int32_t)ec;
		s->end_position = &pos[1];
	}
	return s;
}

static const char *layer_name(enum policy_layer l)
{
	switch (l) {
	case POLICY_LAYER_BOUNDARY: return "boundary";
	case POLICY_LAYER_SESSION: return "session";
	case POLICY_LAYER_RESOURCE: return "resource";
	default: return "identity";
	}
}

int op_authorize(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__AuthorizeRequest *req = (const Iam__AuthorizeRequest *)m;
	Iam__AuthorizeResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	struct authz_ctx *x = arena_alloc(c->arena, sizeof(*x));
	const char *resource = req->resource_arn ? req->resource_arn : "*";
	enum principal_kind kind;
	const char *acct, *name, *session;
	const struct principal *p;
	struct policy *rpol = NULL;
	struct policy_result res;
	int r;

	if (!resp || !x)
		return -ENOMEM;
	/* a user or role asked about recently: by its exact ARN, without
	 * splitting it and looking it up again */
	session = NULL;
	if (authz_principal_by_arn(c, req->principal_arn, &p) < 0) {
		if (principal_arn_split(c, req->principal_arn, &kind, &acct, &name,
					&session) < 0 || kind == PRINCIPAL_GROUP)
			return call_fail(c, -EINVAL, "InvalidInput",
					 "Invalid PrincipalArn %s: use the ARN of a user, a role or "
					 "an assumed-role session.", req->principal_arn);
		r = authz_principal_get(c, kind, acct, name, &p);
		if (r == -ENOENT ||
		    (r == 0 && !session && strcmp(p->arn, req->principal_arn) != 0))
			return call_fail(c, -ENOENT, "NoSuchEntity",
					 "The %s with name %s cannot be found.",
					 kind == PRINCIPAL_USER ? "user" : "role", name);
		if (r < 0)
			return op_fail_store(c, r);
		if (!session)
			authz_principal_remember(c, p);
	}
	x->n = x->n_vals = 0;
	if ((r = op_sim_context(c, req->context_entries, req->n_context_entries, x)) < 0)
		return r;
	if (session) {
		char *uid = arena_printf(c->arena, "%s:%s", p->id, session);
		if (!uid)
			return -ENOMEM;
		if (!authz_ctx_has(x, "aws:userid") && authz_ctx_add(x, "aws:userid", uid) < 0)
			return call_fail(c, -EINVAL, "InvalidInput", "Too many context entries.");
	}
	r = authz_ctx_build(c, p, req->action_name, resource, NULL, x);
	if (r == -E2BIG)
		return call_fail(c, -EINVAL, "InvalidInput", "Too many context entries.");
	if (r < 0)
		return op_fail_store(c, r);
	if (req->resource_policy) {
		struct policy_diag d = { 0 };
		struct policy_parse_opts o = { .type = POLICY_RESOURCE, .name = "ResourcePolicy" };
		r = policy_parse_opts(req->resource_policy, strlen(req->resource_policy), &o,
				      &rpol, &d);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			return call_fail(c, -EINVAL, "MalformedPolicyDocument", "%s", d.message);
	}
	struct policy_set set = { .identity = p->identity, .n_identity = p->n_pols,
				  .boundary = p->boundary.pol, .resource = rpol };
	struct policy_request preq = { .principal = req->principal_arn,
				       .action = req->action_name, .resource = resource,
				       .resource_account = req->resource_owner,
				       .context = x->e, .n_context = x->n,
				       .now_ms = c->now * 1000 };
	struct policy_scratch *sc = authz_scratch(c);
	r = sc ? policy_eval(&set, &preq, sc, &res) : -ENOMEM;
	if (r < 0) {
		policy_free(rpol);
		return r == -ENOMEM ? r : call_fail(c, -EINVAL, "InvalidInput",
						   "The action or resource is too long.");
	}
	iam__authorize_response__init(resp);
	resp->decision = (char *)op_sim_decision(res.decision);
	resp->matched_statements = arena_alloc(c->arena, POLICY_MAX_MATCHES *
						       sizeof(*resp->matched_statements));
	if (!resp->matched_statements) {
		policy_free(rpol);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < res.n_matches; i++) {
		const struct policy_match *mt = &res.matches[i];
		const struct principal_policy *pp = principal_find(p, mt->policy);
		Iam__Statement *st;
		if (pp)
			st = principal_statement(c, pp, mt->stmt);
		else
			st = op_sim_statement(c, "ResourcePolicy", "resource", mt->policy,
					      req->resource_policy,
					      req->resource_policy ? strlen(req->resource_policy) : 0,
					      mt->stmt);
		if (st)
			resp->matched_statements[resp->n_matched_statements++] = st;
	}
	policy_free(rpol);   /* the statements copied what they show */
	if (res.decision == POLICY_IMPLICIT_DENY)
		resp->missing_layer = (char *)layer_name(res.missing);
	if (res.decision == POLICY_ALLOW)
		resp->message = authz_concat(c, "User: ", req->principal_arn,
					     " is authorized to perform: ", req->action_name,
					     " on resource: ", resource, NULL);
	else
		resp->message = (char *)authz_message(c, req->principal_arn, req->action_name,
						      resource, &res);
	if (!resp->message)
		return -ENOMEM;
	/* a denial's details sealed by iam-keyd (sts_message.c) */
	if (res.decision != POLICY_ALLOW && req->has_encode_authorization_message &&
	    req->encode_authorization_message)
		return sts_message_seal(c, resp, req->principal_arn, p->id, req->action_name,
					resource, x);
	*ret = &resp->base;
	return 0;
}
