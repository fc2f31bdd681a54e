/* op_simulate: the policy simulator (SimulatePrincipalPolicy,
 * SimulateCustomPolicy) and the context keys of policies
 * (GetContextKeysForPrincipalPolicy, GetContextKeysForCustomPolicy), with
 * AWS's result shapes. A simulation evaluates with lib/policy exactly what
 * `iamctl policy eval` evaluates for the same policies and context: the
 * context entries given, plus the keys the engine derives from the caller
 * ARN (aws:PrincipalArn, aws:PrincipalAccount, aws:PrincipalType,
 * aws:username); the clock is not supplied (aws:CurrentTime is a context
 * entry like any other, and missing when a policy needs it). Also the
 * helpers Authorize shares (context entries, matched statements). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authz.h"
#include "entity.h"
#include "iam_views.pb-c.h"
#include "ops.h"
#include "principal.h"
#include "util/arena.h"
#include "util/name.h"

#define SIM_INPUT_MAX 131072   /* characters per policy in an input list */

/* ---- shared with Authorize ---- */

static const char *const ctx_types[] = {
	"string", "stringList", "numeric", "numericList", "boolean", "booleanList",
	"ip", "ipList", "binary", "binaryList", "date", "dateList",
};

int op_sim_context(struct call *c, struct Iam__ContextEntry *const *e, size_t n,
		   struct authz_ctx *x)
{
	for (size_t i = 0; i < n; i++) {
		const char *type = e[i]->context_key_type;
		bool list = false, known = !type;
		if (!e[i]->context_key_name || !*e[i]->context_key_name)
			return call_fail(c, -EINVAL, "InvalidInput",
					 "ContextEntries.member.%zu: ContextKeyName is required.", i + 1);
		for (size_t k = 0; type && k < sizeof(ctx_types) / sizeof(ctx_types[0]); k++)
			if (strcmp(type, ctx_types[k]) == 0) {
				known = true;
				list = k % 2 == 1;   /* the ...List types */
				break;
			}
		if (!known) {
			/* An enum of AWS's model: a ValidationError, as for any
			 * member outside its enum value set. */
			struct util_verr ve;
			char field[64];
			util_verr_init(&ve);
			snprintf(field, sizeof(field), "contextEntries.%zu.member.contextKeyType",
				 i + 1);
			util_verr_add(&ve, field, type,
				      "Member must satisfy enum value set: [string, stringList, "
				      "numeric, numericList, boolean, booleanList, ip, ipList, "
				      "binary, binaryList, date, dateList]");
			return entity_verr_fail(c, &ve);
		}
		if (!list && e[i]->n_context_key_values != 1)
			return call_fail(c, -EINVAL, "InvalidInput",
					 "Context key %s of type %s takes exactly one value.",
					 e[i]->context_key_name, type ? type : "string");
		if (authz_ctx_add_list(x, e[i]->context_key_name,
				       (const char *const *)e[i]->context_key_values,
				       e[i]->n_context_key_values) < 0)
			return call_fail(c, -EINVAL, "InvalidInput",
					 "Too many context entries (at most %d).", AUTHZ_CTX_MAX / 2);
	}
	return 0;
}

static Iam__Position *position(struct call *c, unsigned line, unsigned col)
{
	Iam__Position *p = arena_alloc(c->arena, sizeof(*p));
	if (!p)
		return NULL;
	iam__position__init(p);
	p->has_line = p->has_column = true;
	p->line = (int32_t)line;
	p->column = (int32_t)col;
	return p;
}

Iam__Statement *op_sim_statement(struct call *c, const char *id, const char *type,
				 const struct policy *pol, const char *text, size_t len,
				 uint32_t stmt)
{
	struct policy_stmt_info si;
	unsigned el = 0, ec = 0;
	Iam__Statement *s = arena_alloc(c->arena, sizeof(*s));
	if (!s || policy_statement_info(pol, stmt, &si) < 0)
		return NULL;
	iam__statement__init(s);
	s->source_policy_id = (char *)id;
	s->source_policy_type = (char *)type;
	s->start_position = position(c, si.line, si.col);
	if (text && policy_text_block_end(text, len, si.line, si.col, &el, &ec) == 0)
		s->end_position = position(c, el, ec);
	return s->start_position ? s : NULL;
}

const char *op_sim_decision(int d)
{
	return d == POLICY_ALLOW ? "allowed" :
	       d == POLICY_EXPLICIT_DENY ? "explicitDeny" : "implicitDeny";
}

/* ---- a simulation ---- */

struct sim_src {
	const struct policy *pol;
	const char *id, *type, *text;
	size_t len;
};

struct sim_key {
	const struct policy *pol;
	size_t stmt;
	const char *key;
};

struct sim {
	struct sim_src src[PRINCIPAL_MAX_POLICIES + 2];
	size_t n_src;
	const struct policy *identity[PRINCIPAL_MAX_POLICIES];
	size_t n_identity;
	const struct policy *boundary, *resource;
	const char *caller;
	const char *owner;
	struct authz_ctx ctx;
	struct sim_key *keys;
	size_t n_keys, cap_keys;
	struct call *c;
	const struct policy *walking;
};

static int sim_key_add(const char *key, size_t len, size_t stmt, void *userdata)
{
	struct sim *s = userdata;
	if (s->n_keys == s->cap_keys) {
		size_t ncap = s->cap_keys ? s->cap_keys * 2 : 32;
		struct sim_key *n = arena_alloc(s->c->arena, ncap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		if (s->n_keys)
			memcpy(n, s->keys, s->n_keys * sizeof(*n));
		s->keys = n;
		s->cap_keys = ncap;
	}
	char *k = arena_strndup(s->c->arena, key, len);
	if (!k)
		return -ENOMEM;
	s->keys[s->n_keys++] = (struct sim_key){ s->walking, stmt, k };
	return 0;
}

enum sim_role { SIM_IDENTITY, SIM_BOUNDARY, SIM_RESOURCE };

static int sim_add(struct sim *s, enum sim_role role, const struct policy *pol,
		   const char *id, const char *type, const char *text, size_t len)
{
	if (s->n_src >= sizeof(s->src) / sizeof(s->src[0]) ||
	    (role == SIM_IDENTITY && s->n_identity >= PRINCIPAL_MAX_POLICIES))
		return call_fail(s->c, -EDQUOT, "LimitExceeded",
				 "Cannot simulate more than %d policies.", PRINCIPAL_MAX_POLICIES);
	id = arena_strdup(s->c->arena, id);   /* outlives a temporary principal */
	if (!id)
		return -ENOMEM;
	s->src[s->n_src++] = (struct sim_src){ pol, id, type, text, len };
	if (role == SIM_IDENTITY)
		s->identity[s->n_identity++] = pol;
	else if (role == SIM_BOUNDARY)
		s->boundary = pol;
	else
		s->resource = pol;
	s->walking = pol;
	int r = policy_keys_walk(text, len, sim_key_add, s);
	return r == -ENOMEM ? r : 0;
}

static const struct sim_src *sim_src_of(const struct sim *s, const struct policy *pol)
{
	for (size_t i = 0; i < s->n_src; i++)
		if (s->src[i].pol == pol)
			return &s->src[i];
	return NULL;
}

/* Keys the engine derives from the caller's ARN. */
static bool derived_key(const char *caller, const char *k)
{
	if (strcasecmp(k, "aws:PrincipalArn") == 0 || strcasecmp(k, "aws:PrincipalAccount") == 0 ||
	    strcasecmp(k, "aws:PrincipalType") == 0)
		return true;
	const char *u = strstr(caller, ":user/");
	return strcasecmp(k, "aws:username") == 0 && u && u[6] != '\0';
}

static int missing_values(struct sim *s, const char *action, char ***ret, size_t *ret_n)
{
	char **out = NULL;
	size_t n = 0;
	for (size_t i = 0; i < s->n_keys; i++) {
		const struct sim_key *k = &s->keys[i];
		if (!policy_statement_has_action(k->pol, k->stmt, action) ||
		    authz_ctx_has(&s->ctx, k->key) || derived_key(s->caller, k->key))
			continue;
		bool dup = false;
		for (size_t j = 0; j < n && !dup; j++)
			dup = strcasecmp(out[j], k->key) == 0;
		if (dup)
			continue;
		if (!out && !(out = arena_alloc(s->c->arena, s->n_keys * sizeof(*out))))
			return -ENOMEM;
		out[n++] = (char *)k->key;
	}
	*ret = out;
	*ret_n = n;
	return 0;
}

/* True when a resource ARN names its account (arn:P:S:R:ACCOUNT:...). */
static bool arn_names_account(const char *arn)
{
	const char *p = arn;
	if (strncmp(arn, "arn:", 4) != 0)
		return false;
	for (int i = 0; i < 4; i++) {
		p = strchr(p, ':');
		if (!p)
			return false;
		p++;
	}
	return *p != ':' && *p != '\0' && strchr(p, ':') != NULL;
}

/* ResourceOwner as an account ID. AWS's SimulateCustomPolicy reference
 * gives it as the account's ARN ("arn:aws:iam::112233445566:root"),
 * SimulatePrincipalPolicy's as "An Amazon Web Services account ID": both
 * take either. NULL when not given; an ARN without an account fails. */
static int owner_account(struct call *c, const char *owner, const char **ret)
{
	const char *p = owner, *end, *acct;
	if (!owner || !*owner || strncmp(owner, "arn:", 4) != 0) {
		*ret = owner && *owner ? owner : NULL;
		return 0;
	}
	for (int i = 0; i < 4 && p; i++)
		if ((p = strchr(p, ':')))
			p++;
	end = p ? strchr(p, ':') : NULL;
	if (!end || end == p)
		return call_fail(c, -EINVAL, "InvalidInput",
				 "Invalid ResourceOwner %s: give an account ID or the account's "
				 "ARN (arn:aws:iam::ACCOUNT-ID:root).", owner);
	if (!(acct = arena_strndup(c->arena, p, (size_t)(end - p))))
		return -ENOMEM;
	*ret = acct;
	return 0;
}

static int sim_eval(struct sim *s, const char *action, const char *resource,
		    Iam__EvaluationResult **ret)
{
	struct call *c = s->c;
	struct policy_scratch *sc = authz_scratch(c);
	struct policy_result res;
	Iam__EvaluationResult *er = arena_alloc(c->arena, sizeof(*er));
	Iam__Statement **st = arena_alloc(c->arena, POLICY_MAX_MATCHES * sizeof(*st));
	if (!sc || !er || !st)
		return -ENOMEM;
	/* AWS: ResourceOwner is the owner "of any simulated resource that does
	 * not identify its owner in the resource ARN". */
	const char *owner = arn_names_account(resource) ? NULL : s->owner;
	struct policy_set set = { .identity = s->identity, .n_identity = s->n_identity,
				  .resource = s->resource, .boundary = s->boundary };
	struct policy_request req = { .principal = s->caller, .action = action,
				      .resource = resource, .resource_account = owner,
				      .context = s->ctx.e, .n_context = s->ctx.n, .now_ms = -1,
				      .all_matches = true };
	if (policy_eval(&set, &req, sc, &res) < 0)
		return call_fail(c, -EINVAL, "InvalidInput",
				 "Cannot simulate %s on %s: the action or resource is too long.",
				 action, resource);
	iam__evaluation_result__init(er);
	er->eval_action_name = (char *)action;
	er->eval_resource_name = (char *)resource;
	er->eval_decision = (char *)op_sim_decision(res.decision);
	size_t n = 0;
	for (unsigned i = 0; i < res.n_matches; i++) {
		const struct sim_src *src = sim_src_of(s, res.matches[i].policy);
		if (src && (st[n] = op_sim_statement(c, src->id, src->type, src->pol, src->text,
						      src->len, res.matches[i].stmt)))
			n++;
	}
	char **missing;
	size_t n_missing;
	int r = missing_values(s, action, &missing, &n_missing);
	if (r < 0)
		return r;
	Iam__PermissionsBoundaryDecisionDetail *pb = NULL;
	if (s->boundary) {
		struct policy_result br;
		struct policy_set bset = { .identity = &s->boundary, .n_identity = 1 };
		pb = arena_alloc(c->arena, sizeof(*pb));
		if (!pb || policy_eval(&bset, &req, sc, &br) < 0)
			return -ENOMEM;
		iam__permissions_boundary_decision_detail__init(pb);
		pb->has_allowed_by_permissions_boundary = true;
		pb->allowed_by_permissions_boundary = br.decision == POLICY_ALLOW;
	}
	er->matched_statements = st;
	er->n_matched_statements = n;
	er->permissions_boundary_decision_detail = pb;
	if (strcmp(resource, "*") == 0) {
		er->missing_context_values = missing;
		er->n_missing_context_values = n_missing;
	} else {
		/* AWS: with resources named, the missing values are per resource. */
		Iam__ResourceSpecificResult *rs = arena_alloc(c->arena, sizeof(*rs));
		Iam__ResourceSpecificResult **rsv = arena_alloc(c->arena, sizeof(*rsv));
		if (!rs || !rsv)
			return -ENOMEM;
		iam__resource_specific_result__init(rs);
		rs->eval_resource_name = (char *)resource;
		rs->eval_resource_decision = er->eval_decision;
		rs->matched_statements = st;
		rs->n_matched_statements = n;
		rs->missing_context_values = missing;
		rs->n_missing_context_values = n_missing;
		rs->permissions_boundary_decision_detail = pb;
		rsv[0] = rs;
		er->resource_specific_results = rsv;
		er->n_resource_specific_results = 1;
	}
	*ret = er;
	return 0;
}

struct sim_page {
	char *const *actions;
	size_t n_actions;
	char *const *resources;
	size_t n_resources;
	const char *marker;
	bool has_max;
	int32_t max;
	/* out */
	Iam__EvaluationResult **results;
	size_t n_results;
	bool truncated;
	char *next_marker;
};

static int sim_run(struct sim *s, struct sim_page *pg)
{
	struct call *c = s->c;
	static char *const star[] = { "*" };
	char *const *res = pg->n_resources ? pg->resources : star;
	size_t n_res = pg->n_resources ? pg->n_resources : 1;
	size_t total = pg->n_actions * n_res, start = 0;
	size_t max = pg->has_max ? (size_t)pg->max : UTIL_MAX_ITEMS_DEFAULT;
	if (pg->marker) {
		size_t ml;
		char *m = entity_marker_decode(c, 'S', pg->marker, &ml), *end;
		unsigned long v = m ? strtoul(m, &end, 10) : 0;
		if (!m || *end || v >= total)
			return entity_marker_fail(c);
		start = v;
	}
	size_t n = total - start < max ? total - start : max;
	pg->results = arena_alloc(c->arena, (n ? n : 1) * sizeof(*pg->results));
	if (!pg->results)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		size_t k = start + i;
		int r = sim_eval(s, pg->actions[k / n_res], res[k % n_res], &pg->results[i]);
		if (r < 0)
			return r;
	}
	pg->n_results = n;
	pg->truncated = start + n < total;
	if (pg->truncated) {
		char buf[24];
		int l = snprintf(buf, sizeof(buf), "%zu", start + n);
		pg->next_marker = entity_marker_encode(c, 'S', buf, (size_t)l);
		if (!pg->next_marker)
			return -ENOMEM;
	}
	return 0;
}

/* Validates what both simulate actions take. */
static int sim_check(struct call *c, char *const *actions, size_t n_actions,
		     char *const *resources, size_t n_resources, const char *marker,
		     bool has_max, int32_t max)
{
	struct util_verr e;
	if (n_actions == 0)
		return call_fail(c, -EINVAL, "ValidationError",
				 "1 validation error detected: Value null at 'actionNames' "
				 "failed to satisfy constraint: Member must not be null");
	for (size_t i = 0; i < n_actions; i++)
		if (!actions[i] || !strchr(actions[i], ':') || strlen(actions[i]) > 128)
			return call_fail(c, -EINVAL, "InvalidInput",
					 "Invalid action name %s: use service:ActionName.",
					 actions[i] ? actions[i] : "");
	for (size_t i = 0; i < n_resources; i++)
		if (!resources[i] || !*resources[i] || strlen(resources[i]) > 2048)
			return call_fail(c, -EINVAL, "InvalidInput",
					 "Invalid resource ARN at ResourceArns.member.%zu.", i + 1);
	util_verr_init(&e);
	util_name_check_marker(marker, "marker", &e);
	util_name_check_max_items(has_max, max, "maxItems", &e);
	return entity_verr_fail(c, &e);
}

/* Parses input policies into `tmp` and adds them to the simulation. */
static int sim_inputs(struct sim *s, struct principal *tmp, char *const *docs, size_t n,
		      enum policy_type type, const char *list_name)
{
	struct call *c = s->c;
	for (size_t i = 0; i < n; i++) {
		struct policy_diag d = { 0 };
		char *id = arena_printf(c->arena, "%s.%zu", list_name, i + 1);
		if (!id)
			return -ENOMEM;
		size_t len = docs[i] ? strlen(docs[i]) : 0;
		int r = principal_add_policy(tmp, docs[i] ? docs[i] : "", len, type,
					     SIM_INPUT_MAX, id, "none", &d);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			return call_fail(c, -EINVAL, "InvalidInput", "%s", d.message);
		const struct principal_policy *pp =
			type == POLICY_BOUNDARY ? &tmp->boundary : &tmp->pols[tmp->n_pols - 1];
		r = sim_add(s, type == POLICY_BOUNDARY ? SIM_BOUNDARY : SIM_IDENTITY, pp->pol,
			    pp->id, pp->type, pp->text, pp->text_len);
		if (r < 0)
			return r;
	}
	return 0;
}

static int sim_resource_policy(struct sim *s, struct principal *rp, const char *doc)
{
	struct policy_diag d = { 0 };
	int r = principal_add_policy(rp, doc, strlen(doc), POLICY_RESOURCE, SIM_INPUT_MAX,
				     "ResourcePolicy", "resource", &d);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return call_fail(s->c, -EINVAL, "InvalidInput", "%s", d.message);
	const struct principal_policy *pp = &rp->pols[rp->n_pols - 1];
	return sim_add(s, SIM_RESOURCE, pp->pol, pp->id, pp->type, pp->text, pp->text_len);
}

/* ---- the actions ---- */

static struct sim *sim_new(struct call *c)
{
	struct sim *s = arena_zalloc(c->arena, sizeof(*s));
	if (s)
		s->c = c;
	return s;
}

/* A user, group or role of the store, by ARN (cached compiled policies). */
static int source_load(struct call *c, const char *arn, const struct principal **ret)
{
	enum principal_kind kind;
	const char *acct, *name, *session;
	const struct principal *p = NULL;
	if (principal_arn_split(c, arn, &kind, &acct, &name, &session) < 0 || session)
		return call_fail(c, -EINVAL, "InvalidInput",
				 "Invalid ARN %s: PolicySourceArn must be the ARN of a user, "
				 "group or role.", arn);
	int r = authz_principal_get(c, kind, acct, name, &p);
	if (r == -ENOENT || (r == 0 && strcmp(p->arn, arn) != 0))
		return call_fail(c, -ENOENT, "NoSuchEntity", "The %s with name %s cannot be found.",
				 kind == PRINCIPAL_USER ? "user" :
				 kind == PRINCIPAL_ROLE ? "role" : "group", name);
	if (r < 0)
		return op_fail_store(c, r);
	*ret = p;
	return 0;
}

static int source_check(struct call *c, const char *arn)
{
	if (!arn)
		return call_fail(c, -EINVAL, "ValidationError",
				 "1 validation error detected: Value null at 'policySourceArn' "
				 "failed to satisfy constraint: Member must not be null");
	if (strlen(arn) < 20 || strlen(arn) > 2048)
		return call_fail(c, -EINVAL, "ValidationError",
				 "1 validation error detected: Value '%s' at 'policySourceArn' "
				 "failed to satisfy constraint: Member must have length between "
				 "20 and 2048", arn);
	return 0;
}

int op_simulate_principal_policy_resource(struct call *c, const ProtobufCMessage *m,
					  const char **ret)
{
	const Iam__SimulatePrincipalPolicyRequest *req =
		(const Iam__SimulatePrincipalPolicyRequest *)m;
	int r = source_check(c, req->policy_source_arn);
	if (r < 0)
		return r;
	r = sim_check(c, req->action_names, req->n_action_names, req->resource_arns,
		      req->n_resource_arns, req->marker, req->has_max_items, req->max_items);
	if (r < 0)
		return r;
	*ret = req->policy_source_arn;
	return 0;
}

/* What both simulate actions share once their sources are in `s`. */
static int sim_finish(struct sim *s, struct principal *rp, const char *resource_policy,
		      struct Iam__ContextEntry *const *ctx, size_t n_ctx, struct sim_page *pg)
{
	int r;
	if (resource_policy && (r = sim_resource_policy(s, rp, resource_policy)) < 0)
		return r;
	if ((r = op_sim_context(s->c, ctx, n_ctx, &s->ctx)) < 0)
		return r;
	return sim_run(s, pg);
}

int op_simulate_principal_policy(struct call *c, const ProtobufCMessage *m,
				 ProtobufCMessage **ret)
{
	const Iam__SimulatePrincipalPolicyRequest *req =
		(const Iam__SimulatePrincipalPolicyRequest *)m;
	Iam__SimulatePrincipalPolicyResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	struct sim *s = sim_new(c);
	struct principal *tmp = NULL, *rp = NULL;
	const struct principal *p;
	struct sim_page pg = {
		.actions = req->action_names, .n_actions = req->n_action_names,
		.resources = req->resource_arns, .n_resources = req->n_resource_arns,
		.marker = req->marker, .has_max = req->has_max_items, .max = req->max_items,
	};
	int r;

	if (!resp || !s)
		return -ENOMEM;
	if ((r = source_load(c, req->policy_source_arn, &p)) < 0)
		return r;
	if ((r = principal_new(PRINCIPAL_CUSTOM, &tmp)) < 0 ||
	    (r = principal_new(PRINCIPAL_CUSTOM, &rp)) < 0)
		goto out;
	for (size_t i = 0; i < p->n_pols; i++)
		if ((r = sim_add(s, SIM_IDENTITY, p->pols[i].pol, p->pols[i].id, p->pols[i].type,
				 p->pols[i].text, p->pols[i].text_len)) < 0)
			goto out;
	if ((r = sim_inputs(s, tmp, req->policy_input_list, req->n_policy_input_list,
			    POLICY_IDENTITY, "PolicyInputList")) < 0)
		goto out;
	if (req->n_permissions_boundary_policy_input_list > 1) {
		r = call_fail(c, -EINVAL, "InvalidInput",
			      "PermissionsBoundaryPolicyInputList takes one policy.");
		goto out;
	}
	if (req->n_permissions_boundary_policy_input_list)
		r = sim_inputs(s, tmp, req->permissions_boundary_policy_input_list, 1,
			       POLICY_BOUNDARY, "PermissionsBoundaryPolicyInputList");
	else if (p->boundary.pol)
		r = sim_add(s, SIM_BOUNDARY, p->boundary.pol, p->boundary.id, p->boundary.type,
			    p->boundary.text, p->boundary.text_len);
	if (r < 0)
		goto out;
	if (req->resource_policy && !req->caller_arn && p->kind != PRINCIPAL_USER) {
		r = call_fail(c, -EINVAL, "InvalidInput",
			      "CallerArn is required with a ResourcePolicy when PolicySourceArn "
			      "is not a user.");
		goto out;
	}
	s->caller = req->caller_arn ? req->caller_arn : req->policy_source_arn;
	if ((r = owner_account(c, req->resource_owner, &s->owner)) < 0)
		goto out;
	if ((r = sim_finish(s, rp, req->resource_policy, req->context_entries,
			    req->n_context_entries, &pg)) < 0)
		goto out;
	iam__simulate_principal_policy_response__init(resp);
	resp->evaluation_results = pg.results;
	resp->n_evaluation_results = pg.n_results;
	resp->has_is_truncated = true;
	resp->is_truncated = pg.truncated;
	resp->marker = pg.next_marker;
	*ret = &resp->base;
out:
	principal_free(tmp);
	principal_free(rp);
	return r < 0 ? r : 0;
}

int op_simulate_custom_policy_resource(struct call *c, const ProtobufCMessage *m,
				       const char **ret)
{
	const Iam__SimulateCustomPolicyRequest *req = (const Iam__SimulateCustomPolicyRequest *)m;
	if (req->n_policy_input_list == 0)
		return call_fail(c, -EINVAL, "ValidationError",
				 "1 validation error detected: Value null at 'policyInputList' "
				 "failed to satisfy constraint: Member must not be null");
	int r = sim_check(c, req->action_names, req->n_action_names, req->resource_arns,
			  req->n_resource_arns, req->marker, req->has_max_items, req->max_items);
	if (r < 0)
		return r;
	*ret = "*";
	return 0;
}

int op_simulate_custom_policy(struct call *c, const ProtobufCMessage *m,
			      ProtobufCMessage **ret)
{
	const Iam__SimulateCustomPolicyRequest *req = (const Iam__SimulateCustomPolicyRequest *)m;
	Iam__SimulateCustomPolicyResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	struct sim *s = sim_new(c);
	struct principal *tmp = NULL, *rp = NULL;
	struct sim_page pg = {
		.actions = req->action_names, .n_actions = req->n_action_names,
		.resources = req->resource_arns, .n_resources = req->n_resource_arns,
		.marker = req->marker, .has_max = req->has_max_items, .max = req->max_items,
	};
	int r;

	if (!resp || !s)
		return -ENOMEM;
	if ((r = principal_new(PRINCIPAL_CUSTOM, &tmp)) < 0 ||
	    (r = principal_new(PRINCIPAL_CUSTOM, &rp)) < 0)
		goto out;
	if ((r = sim_inputs(s, tmp, req->policy_input_list, req->n_policy_input_list,
			    POLICY_IDENTITY, "PolicyInputList")) < 0)
		goto out;
	if (req->n_permissions_boundary_policy_input_list > 1) {
		r = call_fail(c, -EINVAL, "InvalidInput",
			      "PermissionsBoundaryPolicyInputList takes one policy.");
		goto out;
	}
	if (req->n_permissions_boundary_policy_input_list &&
	    (r = sim_inputs(s, tmp, req->permissions_boundary_policy_input_list, 1,
			    POLICY_BOUNDARY, "PermissionsBoundaryPolicyInputList")) < 0)
		goto out;
	if (req->resource_policy && !req->caller_arn) {
		r = call_fail(c, -EINVAL, "InvalidInput",
			      "CallerArn is required when a ResourcePolicy is given.");
		goto out;
	}
	/* Without CallerArn the caller is nobody in particular of this
	 * account: no user name, no tags. */
	s->caller = req->caller_arn ? req->caller_arn
				    : arena_printf(c->arena, "arn:aws:iam::%s:user/",
						   entity_account(c));
	if (!s->caller) {
		r = -ENOMEM;
		goto out;
	}
	if ((r = owner_account(c, req->resource_owner, &s->owner)) < 0)
		goto out;
	if ((r = sim_finish(s, rp, req->resource_policy, req->context_entries,
			    req->n_context_entries, &pg)) < 0)
		goto out;
	iam__simulate_custom_policy_response__init(resp);
	resp->evaluation_results = pg.results;
	resp->n_evaluation_results = pg.n_results;
	resp->has_is_truncated = true;
	resp->is_truncated = pg.truncated;
	resp->marker = pg.next_marker;
	*ret = &resp->base;
out:
	principal_free(tmp);
	principal_free(rp);
	return r < 0 ? r : 0;
}

/* ---- context keys ---- */

struct keyset {
	struct call *c;
	char **names;
	size_t n, cap;
};

static int keyset_add(const char *key, size_t len, size_t stmt, void *userdata)
{
	struct keyset *ks = userdata;
	(void)stmt;
	for (size_t i = 0; i < ks->n; i++)
		if (strlen(ks->names[i]) == len && strncasecmp(ks->names[i], key, len) == 0)
			return 0;
	if (ks->n == ks->cap) {
		size_t ncap = ks->cap ? ks->cap * 2 : 16;
		char **n = arena_alloc(ks->c->arena, ncap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		if (ks->n)
			memcpy(n, ks->names, ks->n * sizeof(*n));
		ks->names = n;
		ks->cap = ncap;
	}
	if (!(ks->names[ks->n] = arena_strndup(ks->c->arena, key, len)))
		return -ENOMEM;
	ks->n++;
	return 0;
}

/* Validates each input policy and adds its keys. */
static int keys_of_inputs(struct call *c, struct keyset *ks, char *const *docs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct policy_diag d = { 0 };
		struct policy *pol = NULL;
		char name[40];
		snprintf(name, sizeof(name), "PolicyInputList.%zu", i + 1);
		struct policy_parse_opts o = { .type = POLICY_IDENTITY, .name = name,
					       .max_size = SIM_INPUT_MAX };
		size_t len = docs[i] ? strlen(docs[i]) : 0;
		int r = policy_parse_opts(docs[i] ? docs[i] : "", len, &o, &pol, &d);
		policy_free(pol);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			return call_fail(c, -EINVAL, "InvalidInput", "%s", d.message);
		if ((r = policy_keys_walk(docs[i], len, keyset_add, ks)) < 0)
			return r;
	}
	return 0;
}

int op_get_context_keys_for_custom_policy_resource(struct call *c, const ProtobufCMessage *m,
						   const char **ret)
{
	const Iam__GetContextKeysForCustomPolicyRequest *req =
		(const Iam__GetContextKeysForCustomPolicyRequest *)m;
	if (req->n_policy_input_list == 0)
		return call_fail(c, -EINVAL, "ValidationError",
				 "1 validation error detected: Value null at 'policyInputList' "
				 "failed to satisfy constraint: Member must not be null");
	*ret = "*";
	return 0;
}

int op_get_context_keys_for_custom_policy(struct call *c, const ProtobufCMessage *m,
					  ProtobufCMessage **ret)
{
	const Iam__GetContextKeysForCustomPolicyRequest *req =
		(const Iam__GetContextKeysForCustomPolicyRequest *)m;
	Iam__GetContextKeysForCustomPolicyResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	struct keyset ks = { .c = c };
	if (!resp)
		return -ENOMEM;
	int r = keys_of_inputs(c, &ks, req->policy_input_list, req->n_policy_input_list);
	if (r < 0)
		return r;
	iam__get_context_keys_for_custom_policy_response__init(resp);
	resp->context_key_names = ks.names;
	resp->n_context_key_names = ks.n;
	*ret = &resp->base;
	return 0;
}

int op_get_context_keys_for_principal_policy_resource(struct call *c,
						      const ProtobufCMessage *m,
						      const char **ret)
{
	const Iam__GetContextKeysForPrincipalPolicyRequest *req =
		(const Iam__GetContextKeysForPrincipalPolicyRequest *)m;
	int r = source_check(c, req->policy_source_arn);
	if (r < 0)
		return r;
	*ret = req->policy_source_arn;
	return 0;
}

int op_get_context_keys_for_principal_policy(struct call *c, const ProtobufCMessage *m,
					     ProtobufCMessage **ret)
{
	const Iam__GetContextKeysForPrincipalPolicyRequest *req =
		(const Iam__GetContextKeysForPrincipalPolicyRequest *)m;
	Iam__GetContextKeysForPrincipalPolicyResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	struct keyset ks = { .c = c };
	const struct principal *p;
	if (!resp)
		return -ENOMEM;
	int r = source_load(c, req->policy_source_arn, &p);
	if (r < 0)
		return r;
	for (size_t i = 0; i < p->n_pols; i++)
		if ((r = policy_keys_walk(p->pols[i].text, p->pols[i].text_len, keyset_add,
					  &ks)) < 0)
			return r;
	r = keys_of_inputs(c, &ks, req->policy_input_list, req->n_policy_input_list);
	if (r < 0)
		return r;
	iam__get_context_keys_for_principal_policy_response__init(resp);
	resp->context_key_names = ks.names;
	resp->n_context_key_names = ks.n;
	*ret = &resp->base;
	return 0;
}
