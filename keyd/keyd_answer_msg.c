/* keyd_answer_msg: the handlers of sts:DecodeAuthorizationMessage's
 * sealed messages (SealAuthorizationMessage, OpenAuthorizationMessage) and
 * of the audit digest key (GetAuditPublicKey, SignAuditDigest); the op
 * table is keyd_answer.c's (keyd.h). */
#include "config.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "keyd.h"

static const char *authz_message_check(const Keyd__AuthorizationMessage *a)
{
	if (!keyd_str_max(a->action, 512) || !keyd_str_max(a->resource, 2048) ||
	    !keyd_str_max(a->principal_id, 512) || !keyd_str_max(a->principal_arn, 2048))
		return "message: action, resource or principal too long";
	if (a->n_matched_statements > 64)
		return "message.matched_statements: at most 64";
	for (size_t i = 0; i < a->n_matched_statements; i++) {
		const Keyd__MatchedStatement *s = a->matched_statements[i];
		if (!s || !keyd_str_max(s->source_policy_id, 2048) ||
		    !keyd_str_max(s->source_policy_type, 64) || !keyd_str_max(s->effect, 16) ||
		    !keyd_str_max(s->statement_id, 256))
			return "message.matched_statements: a field is too long";
	}
	if (a->n_context > 128)
		return "message.context: at most 128 entries";
	for (size_t i = 0; i < a->n_context; i++) {
		const Keyd__ContextEntry *e = a->context[i];
		if (!e || !e->key || strlen(e->key) > 256 ||
		    !keyd_strv_ok(e->values, e->n_values, 64, 1024))
			return "message.context: an entry is too long";
	}
	return NULL;
}

static Keyd__AuthorizationMessage *authz_message_copy(struct keyd_req *x,
						      const Keyd__AuthorizationMessage *in)
{
	Keyd__AuthorizationMessage *a = x_alloc(x, sizeof(*a));
	if (!a)
		return NULL;
	keyd__authorization_message__init(a);
	a->has_allowed = in->has_allowed;
	a->allowed = in->allowed;
	a->has_explicit_deny = in->has_explicit_deny;
	a->explicit_deny = in->explicit_deny;
	a->action = in->action;
	a->resource = in->resource;
	a->principal_id = in->principal_id;
	a->principal_arn = in->principal_arn;
	a->has_issued = in->has_issued;
	a->issued = in->issued;
	if (in->n_matched_statements) {
		a->matched_statements = x_alloc(x, sizeof(void *) * in->n_matched_statements);
		if (!a->matched_statements)
			return NULL;
		for (size_t i = 0; i < in->n_matched_statements; i++) {
			const Keyd__MatchedStatement *s = in->matched_statements[i];
			Keyd__MatchedStatement *t = x_alloc(x, sizeof(*t));
			if (!t)
				return NULL;
			keyd__matched_statement__init(t);
			t->source_policy_id = s->source_policy_id;
			t->source_policy_type = s->source_policy_type;
			t->effect = s->effect;
			t->statement_id = s->statement_id;
			a->matched_statements[i] = t;
		}
		a->n_matched_statements = in->n_matched_statements;
	}
	if (in->n_context) {
		a->context = x_alloc(x, sizeof(void *) * in->n_context);
		if (!a->context)
			return NULL;
		for (size_t i = 0; i < in->n_context; i++) {
			Keyd__ContextEntry *e = x_alloc(x, sizeof(*e));
			if (!e)
				return NULL;
			keyd__context_entry__init(e);
			e->key = in->context[i]->key;
			e->n_values = in->context[i]->n_values;
			e->values = in->context[i]->values;
			a->context[i] = e;
		}
		a->n_context = in->n_context;
	}
	return a;
}

int keyd_answer_seal_authorization_message(struct keyd_req *x,
						  const ProtobufCMessage *m,
						  ProtobufCMessage **ret)
{
	const Keyd__SealAuthorizationMessageRequest *req =
		(const Keyd__SealAuthorizationMessageRequest *)m;
	Keyd__SealAuthorizationMessageResponse *resp = x_alloc(x, sizeof(*resp));
	uint8_t nonce[KEYD_NONCE_LEN];
	if (!resp)
		return -ENOMEM;
	if (!req->message)
		return refuse(x, KEYD__CODE__BAD_REQUEST, "message: required");
	const char *why = authz_message_check(req->message);
	if (why)
		return refuse(x, KEYD__CODE__BAD_REQUEST, why);
	Keyd__AuthorizationMessage *a = authz_message_copy(x, req->message);
	if (!a)
		return -ENOMEM;
	keyd__seal_authorization_message_response__init(resp);
	keyd_nonce_new(nonce);
	int r = keyd_seal_msg(x, KEYD_SEAL_MESSAGE, &a->base, nonce, &resp->encoded_message);
	if (r == -E2BIG)
		return refuse(x, KEYD__CODE__BAD_REQUEST, "message: too large to seal");
	if (r < 0)
		return r;
	*ret = &resp->base;
	return 0;
}

int keyd_answer_open_authorization_message(struct keyd_req *x,
						  const ProtobufCMessage *m,
						  ProtobufCMessage **ret)
{
	const Keyd__OpenAuthorizationMessageRequest *req =
		(const Keyd__OpenAuthorizationMessageRequest *)m;
	Keyd__OpenAuthorizationMessageResponse *resp = x_alloc(x, sizeof(*resp));
	Keyd__AuthorizationMessage *a = NULL;
	uint8_t nonce[KEYD_NONCE_LEN];
	uint32_t version;
	if (!resp)
		return -ENOMEM;
	if (!req->encoded_message)
		return refuse(x, KEYD__CODE__BAD_REQUEST, "encoded_message: required");
	int r = keyd_open_msg(x, KEYD_SEAL_MESSAGE, req->encoded_message,
			 &keyd__authorization_message__descriptor, (ProtobufCMessage **)&a,
			 &version, nonce);
	if (r != 0)
		return r;
	keyd__open_authorization_message_response__init(resp);
	resp->message = authz_message_copy(x, a);
	if (!resp->message)
		return -ENOMEM;
	*ret = &resp->base;
	return 0;
}

/* The audit digest key (keyd_audit.c): the public half of the current
 * version, and signatures over bytes keyd builds from typed fields. */
int keyd_answer_get_audit_public_key(struct keyd_req *x, const ProtobufCMessage *m,
					    ProtobufCMessage **ret)
{
	(void)m;
	Keyd__GetAuditPublicKeyResponse *resp = x_alloc(x, sizeof(*resp));
	uint8_t *pk = x_alloc(x, KEYD_AUDIT_PK_LEN);
	const struct keyd_key *k = keyd_ring_current(x->ring);
	if (!resp || !pk)
		return -ENOMEM;
	int r = keyd_audit_public_key(k, pk);
	if (r < 0)
		return r;
	keyd__get_audit_public_key_response__init(resp);
	resp->has_public_key = resp->has_key_version = true;
	resp->public_key.data = pk;
	resp->public_key.len = KEYD_AUDIT_PK_LEN;
	resp->key_version = k->version;
	*ret = &resp->base;
	return 0;
}

int keyd_answer_sign_audit_digest(struct keyd_req *x, const ProtobufCMessage *m,
					 ProtobufCMessage **ret)
{
	const Keyd__SignAuditDigestRequest *req = (const Keyd__SignAuditDigestRequest *)m;
	Keyd__SignAuditDigestResponse *resp = x_alloc(x, sizeof(*resp));
	uint8_t *sig = x_alloc(x, KEYD_AUDIT_SIG_LEN);
	const struct keyd_key *k = keyd_ring_current(x->ring);
	if (!resp || !sig)
		return -ENOMEM;
	if (req->n_log_files == 0 || req->n_log_files > KEYD_AUDIT_MAX_FILES)
		return refuse(x, KEYD__CODE__BAD_REQUEST, "log_files: 1 to 64 entries");
	if (!req->has_digest_start_time || !req->has_digest_end_time ||
	    req->digest_end_time < req->digest_start_time)
		return refuse(x, KEYD__CODE__BAD_REQUEST,
			      "digest_start_time, digest_end_time: required, start <= end");
	if (req->has_previous_digest_hash && req->previous_digest_hash.len != 0 &&
	    req->previous_digest_hash.len != 32)
		return refuse(x, KEYD__CODE__BAD_REQUEST,
			      "previous_digest_hash: 32 bytes or empty");
	if (req->has_previous_digest_signature && req->previous_digest_signature.len != 0 &&
	    req->previous_digest_signature.len != KEYD_AUDIT_SIG_LEN)
		return refuse(x, KEYD__CODE__BAD_REQUEST,
			      "previous_digest_signature: 64 bytes or empty");
	struct keyd_audit_file *f = x_alloc(x, sizeof(*f) * req->n_log_files);
	if (!f)
		return -ENOMEM;
	for (size_t i = 0; i < req->n_log_files; i++) {
		const Keyd__AuditLogFile *lf = req->log_files[i];
		if (!lf->name || !keyd_str_max(lf->name, KEYD_AUDIT_NAME_MAX) || !lf->name[0])
			return refuse(x, KEYD__CODE__BAD_REQUEST,
				      "log_files.name: 1 to 255 characters");
		if (!lf->has_sha256 || lf->sha256.len != 32)
			return refuse(x, KEYD__CODE__BAD_REQUEST, "log_files.sha256: 32 bytes");
		f[i] = (struct keyd_audit_file){ lf->name, lf->sha256.data, lf->size,
						 lf->oldest_event_time, lf->newest_event_time };
	}
	struct keyd_audit_digest d = {
		.start = req->digest_start_time, .end = req->digest_end_time,
		.files = f, .n_files = req->n_log_files,
		.prev_hash = req->previous_digest_hash.data,
		.prev_hash_len = req->has_previous_digest_hash ? req->previous_digest_hash.len : 0,
		.prev_sig = req->previous_digest_signature.data,
		.prev_sig_len = req->has_previous_digest_signature ?
				req->previous_digest_signature.len : 0,
	};
	int r = keyd_audit_sign(k, &d, sig);
	if (r == -EINVAL)
		return refuse(x, KEYD__CODE__BAD_REQUEST,
			      "log_files.name: printable ASCII without '/'");
	if (r < 0)
		return r;
	keyd__sign_audit_digest_response__init(resp);
	resp->has_signature = resp->has_key_version = true;
	resp->signature.data = sig;
	resp->signature.len = KEYD_AUDIT_SIG_LEN;
	resp->key_version = k->version;
	*ret = &resp->base;
	return 0;
}

