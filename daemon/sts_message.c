/* sts_message: the details of a denial as iam-keyd seals them
 * (keyd.AuthorizationMessage, typed fields only) and as
 * sts:DecodeAuthorizationMessage answers them: AWS's DecodedMessage JSON
 *   {"allowed":false,"explicitDeny":false,
 *    "matchedStatements":{"items":[{"statementId":..,"effect":"DENY",
 *        "sourcePolicyId":..,"sourcePolicyType":..}]},
 *    "failures":{"items":[]},
 *    "context":{"principal":{"id":..,"arn":..},"action":..,"resource":..,
 *        "conditions":{"items":[{"key":..,"values":{"items":[{"value":..}]}}]}}}
 * (docs/sts.md). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dispatch.h"
#include "iamd.pb-c.h"
#include "keyd_client.h"
#include "op_sts.h"
#include "sts_session.h"
#include "util/arena.h"

struct jbuf {
	struct call *c;
	char *p;
	size_t n, cap;
	bool oom;
};

static void put(struct jbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 1024;
		while (cap < b->n + n + 1)
			cap *= 2;
		char *np = arena_alloc(b->c->arena, cap);
		if (!np) {
			b->oom = true;
			return;
		}
		if (b->n)
			memcpy(np, b->p, b->n);
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void lit(struct jbuf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* A JSON string (control characters escaped; other bytes as they are). */
static void str(struct jbuf *b, const char *s)
{
	put(b, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		char esc[8];
		if (*p == '"' || *p == '\\') {
			esc[0] = '\\';
			esc[1] = (char)*p;
			put(b, esc, 2);
		} else if (*p < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", *p);
			put(b, esc, 6);
		} else {
			put(b, (const char *)p, 1);
		}
	}
	put(b, "\"", 1);
}

static void member(struct jbuf *b, const char *name, const char *value, bool comma)
{
	if (comma)
		lit(b, ",");
	str(b, name);
	lit(b, ":");
	str(b, value);
}

char *sts_authz_message_json(struct call *c, const Keyd__AuthorizationMessage *m)
{
	struct jbuf b = { .c = c };
	lit(&b, "{\"allowed\":");
	lit(&b, m->allowed ? "true" : "false");
	lit(&b, ",\"explicitDeny\":");
	lit(&b, m->explicit_deny ? "true" : "false");
	lit(&b, ",\"matchedStatements\":{\"items\":[");
	for (size_t i = 0; i < m->n_matched_statements; i++) {
		const Keyd__MatchedStatement *s = m->matched_statements[i];
		lit(&b, i ? ",{" : "{");
		member(&b, "statementId", s->statement_id ? s->statement_id : "", false);
		member(&b, "effect", s->effect ? s->effect : "", true);
		member(&b, "sourcePolicyId", s->source_policy_id ? s->source_policy_id : "", true);
		member(&b, "sourcePolicyType", s->source_policy_type ? s->source_policy_type : "",
		       true);
		lit(&b, "}");
	}
	lit(&b, "]},\"failures\":{\"items\":[]},\"context\":{\"principal\":{");
	member(&b, "id", m->principal_id ? m->principal_id : "", false);
	member(&b, "arn", m->principal_arn ? m->principal_arn : "", true);
	lit(&b, "}");
	member(&b, "action", m->action ? m->action : "", true);
	member(&b, "resource", m->resource ? m->resource : "", true);
	lit(&b, ",\"conditions\":{\"items\":[");
	for (size_t i = 0; i < m->n_context; i++) {
		const Keyd__ContextEntry *e = m->context[i];
		lit(&b, i ? ",{" : "{");
		member(&b, "key", e->key ? e->key : "", false);
		lit(&b, ",\"values\":{\"items\":[");
		for (size_t k = 0; k < e->n_values; k++) {
			lit(&b, k ? ",{" : "{");
			member(&b, "value", e->values[k], false);
			lit(&b, "}");
		}
		lit(&b, "]}}");
	}
	lit(&b, "]}}}");
	return b.oom ? NULL : b.p;
}

/* ---- sealing Authorize's denials ---- */

static int seal_resume(struct call *c, void *state, const struct keyd_reply *rep,
		       ProtobufCMessage **ret)
{
	Iam__AuthorizeResponse *resp = state;
	if (rep->err || rep->code != KEYD__CODE__OK || !rep->result)
		return call_keyd_fail(c, rep);
	const Keyd__SealAuthorizationMessageResponse *k =
		(const Keyd__SealAuthorizationMessageResponse *)rep->result;
	if (!k->encoded_message)
		return call_fail(c, -EIO, "ServiceFailure", NULL);
	resp->encoded_authorization_message = arena_strdup(c->arena, k->encoded_message);
	if (!resp->encoded_authorization_message)
		return -ENOMEM;
	*ret = &resp->base;
	return 0;
}

int sts_message_seal(struct call *c, Iam__AuthorizeResponse *resp, const char *principal_arn,
		     const char *principal_id, const char *action, const char *resource,
		     const struct authz_ctx *x)
{
	Keyd__AuthorizationMessage *m = arena_alloc(c->arena, sizeof(*m));
	if (!m)
		return -ENOMEM;
	keyd__authorization_message__init(m);
	m->has_allowed = m->has_explicit_deny = true;
	m->allowed = false;
	m->explicit_deny = resp->decision && strcmp(resp->decision, "explicitDeny") == 0;
	m->action = (char *)action;
	m->resource = (char *)resource;
	m->principal_arn = (char *)principal_arn;
	m->principal_id = (char *)principal_id;
	m->has_issued = true;
	m->issued = c->now;
	m->matched_statements = arena_alloc(c->arena, (resp->n_matched_statements + 1) *
							     sizeof(*m->matched_statements));
	m->context = arena_alloc(c->arena, (x->n + 1) * sizeof(*m->context));
	if (!m->matched_statements || !m->context)
		return -ENOMEM;
	for (size_t i = 0; i < resp->n_matched_statements; i++) {
		Keyd__MatchedStatement *s = arena_alloc(c->arena, sizeof(*s));
		if (!s)
			return -ENOMEM;
		keyd__matched_statement__init(s);
		s->source_policy_id = resp->matched_statements[i]->source_policy_id;
		s->source_policy_type = resp->matched_statements[i]->source_policy_type;
		s->effect = (char *)(m->explicit_deny ? "DENY" : "ALLOW");
		m->matched_statements[m->n_matched_statements++] = s;
	}
	for (size_t i = 0; i < x->n; i++) {
		Keyd__ContextEntry *e = arena_alloc(c->arena, sizeof(*e));
		if (!e)
			return -ENOMEM;
		keyd__context_entry__init(e);
		e->key = (char *)x->e[i].key;
		e->values = (char **)x->e[i].values;
		e->n_values = x->e[i].n_values;
		m->context[m->n_context++] = e;
	}
	/* the answer is sent once keyd has sealed: a copy in the call's
	 * arena, as its matched statements name the policies of authz's
	 * cached principal, which another call may free meanwhile (a write
	 * moves the generation, the principal is read again) */
	size_t n = iam__authorize_response__get_packed_size(resp);
	uint8_t *buf = arena_alloc(c->arena, n ? n : 1);
	if (!buf)
		return -ENOMEM;
	iam__authorize_response__pack(resp, buf);
	Iam__AuthorizeResponse *kept = iam__authorize_response__unpack(&c->pb, n, buf);
	if (!kept)
		return -ENOMEM;
	Keyd__SealAuthorizationMessageRequest kr = KEYD__SEAL_AUTHORIZATION_MESSAGE_REQUEST__INIT;
	kr.message = m;
	return call_keyd(c, KEYD__REQUEST__OP_SEAL_AUTHORIZATION_MESSAGE, &kr.base, seal_resume,
			 kept);
}
