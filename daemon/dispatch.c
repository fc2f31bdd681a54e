/* dispatch: one request frame in, one answer out (dispatch.h, call.h). */
#include "config.h"
#include "dispatch.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api.pb-c.h"
#include "authn.h"
#include "audit.h"
#include "authz.h"
#include "authz_wire.h"
#include "call.h"
#include "http_call.h"
#include "iamd.h"
#include "keyd_client.h"
#include "ops.h"
#include "sd.h"
#include "store/store.h"
#include "util/arena.h"

#define PROTOCOL_VERSION 1
#define ARENA_INITIAL (32 * 1024)

int session_init(struct session *s, struct iamd *d, uid_t uid, gid_t gid,
		 pid_t pid)
{
	memset(s, 0, sizeof(*s));
	int r = arena_new(ARENA_INITIAL, &s->arena);
	if (r < 0)
		return r;
	call_allocator_init(&s->pb, s->arena);
	s->d = d;
	s->uid = uid;
	s->gid = gid;
	s->pid = pid;
	s->pidfd = -1;
	snprintf(s->root_arn, sizeof(s->root_arn), "arn:aws:iam::%s:root",
		 d->account_id);
	if (d->audit) {
		char unit[96];
		int n = snprintf(s->source, sizeof(s->source), "uid:%u pid:%d",
				 (unsigned)uid, (int)pid);
		if (iamd_pid_unit(pid, unit, sizeof(unit)) == 0)
			snprintf(s->source + n, sizeof(s->source) - (size_t)n,
				 " unit:%s", unit);
	}
	return 0;
}

void session_fini(struct session *s)
{
	if (s->pending && s->pending->wait_cancel)
		s->pending->wait_cancel(s->pending);   /* call_wait() */
	else if (s->pending && s->d && s->d->keyd)
		keyd_client_cancel(s->d->keyd, s->pending);
	s->pending = NULL;
	if (s->wipe)
		arena_reset_wipe(s->arena);
	arena_free(s->arena);
	s->arena = NULL;
	audit_session_parts_free(s->audit_parts);
	s->audit_parts = NULL;
}

/* uid 0 and the owner of the state directory are the account root; any
 * other uid is the IAM user it is bound to, or anonymous. */
static void caller_identify(const struct session *s, struct caller *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->uid = s->uid;
	ret->gid = s->gid;
	ret->pid = s->pid;
	ret->account_id = s->d->account_id;
	if (s->uid == 0 || s->uid == s->d->owner_uid) {
		ret->kind = CALLER_ROOT;
		ret->arn = s->root_arn;
		ret->user_id = s->d->account_id;
	} else {
		/* A uid bound to an IAM user acts as that user (authz.h). */
		int r = authz_caller_identify(s->d, s->arena, s->uid, ret);
		if (r < 0)
			iamd_log_limited(LOG_ERR, "uid %u: cannot read its binding: %s",
					 (unsigned)s->uid, strerror(-r));
	}
}

static int call_txn_begin(struct call *c)
{
	int r = store_txn_begin(c->d->store, c->op->flags & OP_WRITE, &c->txn);
	if (r < 0) {
		call_fail(c, r, "ServiceFailure", NULL);
		iamd_log_call(LOG_ERR, c, "%s: cannot begin a transaction: %s",
			      c->op->name, strerror(-r));
	}
	return r;
}

/* A deferred call (authn.h) whose optimistic pipeline ended without
 * VerifyAndMint: its outcome is dropped, nothing of it was kept (no
 * commit, the transaction aborted), and the signature is checked first;
 * the pipeline then runs again from the start on the proven caller. */
static int call_unproven(struct call *c, ProtobufCMessage **ret_resp)
{
	c->err = 0;
	c->err_code = NULL;
	c->err_msg = NULL;
	c->err_http = 0;
	c->op_state = NULL;
	c->has_resource_tags = false;
	c->resource_tags = NULL;
	c->n_resource_tags = 0;
	c->resource_policy = NULL;
	c->resource_policy_trust = false;
	c->ctx_extra = NULL;
	c->n_ctx_extra = 0;
	*ret_resp = NULL;
	if (authn_verify_deferred(c) == CALL_PENDING)
		return CALL_PENDING;
	return 0;   /* c->err says why (keyd away) */
}

/* Runs the call from where it stands: from the start (c->resume NULL), or
 * from the resume function that call_keyd() registered, with keyd's
 * answer `rep`: transaction, [resume], resource, authorization, handler,
 * audit, commit. CALL_PENDING when the call waits for keyd (no transaction
 * held); else 0 and the call is over: *ret_resp is the result, or NULL
 * with c->err set. */
static int call_run(struct call *c, const struct keyd_reply *rep,
		    ProtobufCMessage **ret_resp)
{
	const struct op *op = c->op;
	const ProtobufCMessage *req = c->req;
	ProtobufCMessage *resp = NULL;
	const char *resource = "*";
	struct authz_result az = { 0 };
	int r;

	if (!(op->flags & OP_NO_TXN) && call_txn_begin(c) < 0)
		goto out;
	if (c->resume) {
		call_resume_fn resume = c->resume;
		void *state = c->resume_state;
		c->resume = NULL;
		c->resume_state = NULL;
		r = resume(c, state, rep, &resp);
		if (r != CALL_PROCEED)
			goto handled;
		resp = NULL;   /* authenticated: the pipeline goes on */
	}
	if (op->resource) {
		r = op->resource(c, req, &resource);
		if (r == CALL_PENDING)
			goto handled;
		if (r < 0) {
			if (!c->err)
				call_fail(c, r, NULL, NULL);
			goto out;
		}
	}
	r = authz_check(c, op->action, resource, &az);
	if (r < 0) {
		call_fail(c, r, "ServiceFailure", NULL);
		goto out;
	}
	if (az.decision != AUTHZ_ALLOW) {
		call_fail(c, -EACCES, az.code ? az.code : "AccessDenied", "%s", az.message);
		if (!c->authn_deferred)   /* else: decided again once proven */
			iamd_log_call(LOG_NOTICE, c, "%s denied to uid %u", op->name,
				      (unsigned)c->caller.uid);
		goto out;
	}
	r = op->handler(c, req, &resp);
handled:
	if (r == CALL_PENDING && c->resume && !c->authn_deferred) {
		/* nothing written before an await is kept */
		store_txn_abort(c->txn);
		c->txn = NULL;
		return CALL_PENDING;
	}
	if (c->resume) {
		/* a keyd request was sent (or a wait begun) but the call
		 * did not wait for it */
		if (c->wait_cancel)
			c->wait_cancel(c);
		else
			keyd_client_cancel(c->d->keyd, c);
		c->wait_cancel = NULL;
		c->wait_data = NULL;
		c->resume = NULL;
		resp = NULL;
		if (r >= 0)
			r = -EIO;
	}
	if (r < 0 || r == CALL_PENDING || r == CALL_PROCEED || !resp) {
		if (!c->err)
			call_fail(c, r < 0 ? r : -EIO, NULL, NULL);
		resp = NULL;
	}
	/* AUDIT: a mutating call's record is written and fsync'd before its
	 * commit; when it cannot be, the call fails and nothing changes
	 * (audit.h). Every other call is recorded by call_answer(). */
	if (resp && c->txn && store_txn_is_write(c->txn) && !c->authn_deferred) {
		r = audit_call(c->d->audit, c, resp, AUDIT_DURABLE);
		if (r < 0) {
			resp = NULL;
			call_fail(c, r, "ServiceFailure",
				  "The request could not be recorded in the audit trail.");
			iamd_log_call(LOG_CRIT, c, "%s refused: its audit record cannot "
				      "be written: %s", op->name, strerror(-r));
			goto out;
		}
		c->audited = true;
		r = store_txn_commit(c->txn);
		c->txn = NULL;
		if (r == 0)
			c->d->generation++;   /* authz's caches are stale now */
		if (r < 0) {
			resp = NULL;
			if (r == -ENOSPC)
				call_fail(c, r, "ServiceFailure",
					  "The request could not be stored: the database is full.");
			else
				call_fail(c, r, "ServiceFailure", NULL);
			iamd_log_call(LOG_ERR, c, "%s: commit failed: %s",
				      op->name, strerror(-r));
			/* its record said it succeeded: a second one says not */
			r = audit_call_superseded(c->d->audit, c);
			if (r < 0)
				iamd_log_call(LOG_CRIT, c, "audit: the trail still says %s "
					      "succeeded: %s", op->name, strerror(-r));
		}
	}
out:
	store_txn_abort(c->txn);   /* ends a read txn; a failed write leaves no trace */
	c->txn = NULL;
	if (c->authn_deferred)
		return call_unproven(c, ret_resp);
	if (c->err && strcmp(c->err_code, "ServiceFailure") == 0)
		iamd_log_call(LOG_ERR, c, "%s failed: %s", op->name,
			      strerror(-c->err));
	*ret_resp = resp;
	return 0;
}

/* The handler's answer must be the message of the Response field with the
 * op's number (found through the descriptor). */
static bool result_fits(uint32_t number, const ProtobufCMessage *msg)
{
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field(&iam__response__descriptor,
							number);
	return f && f->type == PROTOBUF_C_TYPE_MESSAGE &&
	       (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
	       f->descriptor == msg->descriptor;
}

static int answer_hello(struct session *s, uint64_t id, struct rpc_buf *out)
{
	char request_id[37];
	Iam__HelloResponse hello = IAM__HELLO_RESPONSE__INIT;
	char server[32] = "iamd/" PACKAGE_VERSION;
	int r = call_request_id_new(request_id);
	if (r < 0)
		return r;
	hello.has_version = true;
	hello.version = PROTOCOL_VERSION;
	hello.server = server;
	hello.account_id = s->d->account_id;
	return rpc_frame_pack_response(out, id, NULL, request_id,
				       IAM__RESPONSE__RESULT_HELLO, &hello.base);
}

/* Appends the call's answer (result or status) to `out`. */
static int call_answer(struct call *c, ProtobufCMessage *result, struct rpc_buf *out)
{
	const struct op *op = c->op;
	Iam__Status status = IAM__STATUS__INIT;
	if (result && !result_fits(op->number, result)) {
		call_fail(c, -EPROTOTYPE, "ServiceFailure", NULL);
		iamd_log_call(LOG_ERR, c, "%s: handler answered a %s, not the op's result",
			      op->name, result->descriptor->name);
		result = NULL;
	}
	if (!result) {
		unsigned http = 500;
		call_errno_code(c->err, &http);
		if (c->err_http)
			http = c->err_http;
		status.code = (char *)c->err_code;
		status.message = (char *)(c->err_msg ? c->err_msg : "");
		status.has_sender_fault = true;
		status.sender_fault = http < 500;
		status.has_http_status = true;
		status.http_status = http;
	}
	/* Response {id, status, request_id, result}: the result is the field
	 * with the op's number */
	/* Authorize's answer packed by hand (authz_wire.h) */
	int r = result && result->descriptor == &iam__authorize_response__descriptor
			? rpc_frame_pack_response_with(out, c->id, NULL, c->request_id,
						       op->number, result, &authz_wire_packer)
			: rpc_frame_pack_response(out, c->id, result ? NULL : &status.base,
						  c->request_id, op->number, result);
	struct session *s = c->session;
	if (s && s->wipe)
		rpc_buf_mark_secret(out);   /* before any byte of it is sent */
	if (!c->audited) {
		/* AUDIT: a call that changed nothing is recorded once its answer
		 * is on its way (dispatch.h, answered): the record never
		 * delays the answer, and is written before the next frame is
		 * read, in the same turn of the event loop */
		if (r == 0 && s && s->answered)
			s->answered(s, s->resumed_data);
		c->audited = true;
		(void)audit_call(c->d->audit, c, result, 0);
	}
	return r;
}

/* Starts a call: 0 when answered into `out`, DISPATCH_PENDING when it
 * waits for keyd (s->pending), negative errno when no answer could be made.
 * The call lives in the session's arena. */
static int call_start(struct session *s, uint64_t id, const struct op *op,
		      const ProtobufCMessage *msg, const Iam__SigV4Auth *auth,
		      const char *account_id, const uint8_t *body, size_t len,
		      const Iam__HttpCall *http, struct rpc_buf *out)
{
	struct call *c = arena_zalloc(s->arena, sizeof(*c));
	ProtobufCMessage *result = NULL;
	if (!c)
		return -ENOMEM;
	c->arena = s->arena;
	c->op = op;
	c->id = id;
	c->now = (int64_t)time(NULL);
	c->d = s->d;
	c->pb = s->pb;
	c->req = msg;
	c->session = s;
	if (op->flags & OP_SECRET)
		s->wipe = true;   /* the arena holds a password: wiped at the end */
	int r = call_request_id_new(c->request_id);
	if (r < 0)
		return r;
	caller_identify(s, &c->caller);
	/* the host root acting as another account's root (op_account_admin.c) */
	if (account_id && op_account_act_as(c, account_id) < 0)
		return call_answer(c, NULL, out);
	/* AUTHN: a request carrying credentials (Request field 3) is
	 * authenticated first (authn.h): keyd checks the signature, and the
	 * resume function makes the key's user or the session the caller */
	bool waiting = false;
	/* unsigned actions (AssumeRoleWithWebIdentity, AssumeRoleWithSAML):
	 * credentials sent with them are not looked at (their resource step
	 * makes the caller) */
	if (auth && (op->number == IAM__REQUEST__OP_ASSUME_ROLE_WITH_WEB_IDENTITY ||
		     op->number == IAM__REQUEST__OP_ASSUME_ROLE_WITH_SAML))
		auth = NULL;
	if (auth) {
		/* CALL_PROCEED: deferred, the pipeline runs on the claimed
		 * caller until keyd proves it (authn.h) */
		r = authn_sigv4_start(c, auth, body, len);
		if (r != CALL_PENDING && r != CALL_PROCEED)
			return call_answer(c, NULL, out);
		waiting = r == CALL_PENDING;
	}
	/* a call from iam-gateway: its caller is the SigV4 signer of the
	 * HTTP request, never the gateway's uid (http_call.h) */
	if (http) {
		r = http_call_authn(c, http);   /* CALL_PROCEED: deferred too */
		if (r != CALL_PENDING && r != CALL_PROCEED)
			return call_answer(c, NULL, out);
		waiting = r == CALL_PENDING;
	}
	if (waiting || call_run(c, NULL, &result) == CALL_PENDING) {
		s->pending = c;
		s->out = out;
		return DISPATCH_PENDING;
	}
	return call_answer(c, result, out);
}

/* Whether a keyd answer carries a secret (a secret access key, a TOTP seed)
 * that the call copies into its arena and its answer. Only keyd makes
 * secrets, so these answers are how a secret enters iamd. */
static bool keyd_result_secret(const struct keyd_reply *rep)
{
	if (rep->err || rep->code != KEYD__CODE__OK || !rep->result)
		return false;
	const ProtobufCMessageDescriptor *d = rep->result->descriptor;
	return d == &keyd__create_access_key_response__descriptor ||
	       d == &keyd__mint_session_response__descriptor ||
	       d == &keyd__verify_and_mint_response__descriptor ||
	       d == &keyd__create_mfa_seed_response__descriptor;
}

/* keyd answered a suspended call (or its request failed): run it on. A call
 * that received a secret leaves no copy behind: its arena is wiped, and the
 * bytes of its answer once they are sent (rpc_buf_mark_secret()). */
static void call_keyd_done(void *userdata, const struct keyd_reply *rep)
{
	struct call *c = userdata;
	struct session *s = c->session;
	ProtobufCMessage *result = NULL;
	if (keyd_result_secret(rep))
		s->wipe = true;
	if (call_run(c, rep, &result) == CALL_PENDING)
		return;   /* waiting again */
	int r = call_answer(c, result, s->out);   /* marks a secret answer */
	if (r < 0)
		iamd_log(LOG_ERR, "cannot answer %s: %s", c->op->name, strerror(-r));
	s->pending = NULL;
	s->calls++;
	if (s->wipe) {
		arena_reset_wipe(s->arena);
		s->wipe = false;
	}
	arena_reset(s->arena);
	if (s->resumed)
		s->resumed(s, r < 0 ? r : 0, s->resumed_data);
}

int call_fail_unavailable(struct call *c, int err)
{
	call_fail(c, err < 0 ? err : -EAGAIN, "ServiceUnavailable",
		  "The request has failed due to a temporary failure of the server.");
	c->err_http = 503;
	return c->err;
}

int call_keyd_fail(struct call *c, const struct keyd_reply *rep)
{
	if (rep->err) {
		iamd_log_call(LOG_WARNING, c, "%s: keyd: %s", c->op->name, strerror(-rep->err));
		return call_fail_unavailable(c, rep->err);
	}
	iamd_log_call(LOG_ERR, c, "%s: keyd refused (code %d): %s", c->op->name,
		      (int)rep->code, rep->message ? rep->message : "");
	return call_fail(c, -EIO, "ServiceFailure", NULL);
}

int call_wait(struct call *c, call_resume_fn resume, void *state,
	      void (*cancel)(struct call *c), void *wait_data)
{
	c->resume = resume;
	c->resume_state = state;
	c->wait_cancel = cancel;
	c->wait_data = wait_data;
	return CALL_PENDING;
}

void call_wake(struct call *c, int err)
{
	struct keyd_reply rep = { .err = err, .code = KEYD__CODE__OK };
	c->wait_cancel = NULL;
	c->wait_data = NULL;
	call_keyd_done(c, &rep);
}

int call_keyd(struct call *c, uint32_t keyd_op, const ProtobufCMessage *msg,
	      call_resume_fn resume, void *state)
{
	if (!c->session || !resume)
		return call_fail(c, -EINVAL, "ServiceFailure", NULL);
	int r = c->d->keyd ? keyd_client_send(c->d->keyd, keyd_op, msg, call_keyd_done, c)
			   : -ENOTCONN;
	if (r < 0) {
		if (r == -EINVAL)
			return call_fail(c, r, "ServiceFailure", NULL);
		iamd_log_call(LOG_WARNING, c, "%s: keyd %s", c->op->name,
			      r == -EAGAIN ? "queue full" : "not connected");
		return call_fail_unavailable(c, r);
	}
	c->resume = resume;
	c->resume_state = state;
	return CALL_PENDING;
}

/* The request's id, op number and op message (NULL when no op is set).
 * The common envelope, {id, one op}, is read without protobuf-c walking the
 * Request descriptor (one field per op): only the op's message is decoded.
 * Anything else is decoded whole, with the same meaning. */
static int request_decode(struct session *s, const uint8_t *body, size_t len,
			  uint64_t *ret_id, uint32_t *ret_op,
			  ProtobufCMessage **ret_msg, const Iam__SigV4Auth **ret_auth,
			  const char **ret_account, const Iam__HttpCall **ret_http)
{
	const ProtobufCFieldDescriptor *f;
	const uint8_t *inner;
	size_t inner_len;
	uint64_t id;
	ProtobufCMessage *m = NULL;
	int r;
	if (rpc_request_peek(&iam__request__descriptor, body, len, &id, &f,
			     &inner, &inner_len) == 1) {
		/* Authorize, local services' call: by hand (authz_wire.h) */
		r = f->descriptor == &iam__authorize_request__descriptor ?
			    authz_wire_decode(s->arena, inner, inner_len,
					      (Iam__AuthorizeRequest **)&m) : 0;
		if (r == 0)
			r = rpc_msg_unpack(f->descriptor, &s->pb, inner, inner_len, &m);
		if (r < 0)
			return r;
		*ret_id = id;
		*ret_op = f->id;
		*ret_msg = m;
		*ret_auth = NULL;
		*ret_account = NULL;
		*ret_http = NULL;
		return 0;
	}
	Iam__Request *req;
	r = rpc_msg_unpack(&iam__request__descriptor, &s->pb, body, len,
			   (ProtobufCMessage **)&req);
	if (r < 0)
		return r;
	if (req->op_case != IAM__REQUEST__OP__NOT_SET) {
		f = protobuf_c_message_descriptor_get_field(&iam__request__descriptor,
							    (unsigned)req->op_case);
		m = f ? *(ProtobufCMessage **)((char *)req + f->offset) : NULL;
	}
	*ret_id = req->id;
	*ret_op = (uint32_t)req->op_case;
	*ret_msg = m;
	*ret_auth = req->sigv4;   /* SigV4 credentials (authn.h), or NULL */
	*ret_account = req->account_id;   /* a host root's other account, or NULL */
	*ret_http = req->http;   /* a request forwarded by iam-gateway, or NULL */
	return 0;
}

/* A request that holds a password (OP_SECRET): its frame, already
 * consumed from the connection's input buffer and decoded into the call's
 * arena (wiped when the call ends), is wiped in place once the call has
 * started (a SigV4 signature over it is hashed by then). */
static void secret_frame_wipe(const struct op *op, const uint8_t *body, size_t len)
{
	if (op && (op->flags & OP_SECRET))
		explicit_bzero((uint8_t *)body, len);
}

int dispatch_frame(struct session *s, const uint8_t *body, size_t len,
		   struct rpc_buf *out)
{
	uint64_t id = 0;
	uint32_t opnum = 0;
	ProtobufCMessage *msg = NULL;
	const Iam__SigV4Auth *auth = NULL;
	const char *account_id = NULL;
	const struct op *op = NULL;
	const Iam__HttpCall *http = NULL;
	int r = request_decode(s, body, len, &id, &opnum, &msg, &auth, &account_id, &http);
	if (r < 0) {
		iamd_log_limited(LOG_WARNING,
				 "uid %u pid %d: malformed request (%zu bytes); closing",
				 (unsigned)s->uid, (int)s->pid, len);
		goto out;
	}
	if (opnum == IAM__REQUEST__OP_HELLO) {
		if (s->hello_done) {
			iamd_log_limited(LOG_WARNING, "uid %u pid %d: Hello twice; closing",
					 (unsigned)s->uid, (int)s->pid);
			r = -EPROTO;
			goto out;
		}
		s->hello_done = true;
		const Iam__Hello *hello = (const Iam__Hello *)msg;
		if (hello && hello->client)
			snprintf(s->user_agent, sizeof(s->user_agent), "%s",
				 hello->client);
		/* without them (out of memory) each record renders its own */
		if (s->d->audit)
			(void)audit_session_parts_new(s->d->account_id, s->root_arn,
						      s->source, s->user_agent,
						      &s->audit_parts);
		r = answer_hello(s, id, out);
		goto out;
	}
	if (!s->hello_done) {
		iamd_log_limited(LOG_WARNING,
				 "uid %u pid %d: first request is not Hello (op %u); closing",
				 (unsigned)s->uid, (int)s->pid, opnum);
		r = -EPROTO;
		goto out;
	}
	if (!opnum && http) {
		/* the action and its parameters come from the HTTP request;
		 * no other credentials or account go with it */
		if (auth || account_id) {
			r = -EPROTO;
			goto out;
		}
		r = http_call_decode(s, id, http, &op, &msg, out);
		if (r != 0)
			goto out;
		r = call_start(s, id, op, msg, NULL, NULL, body, len, http, out);
		secret_frame_wipe(op, body, len);
		if (r == DISPATCH_PENDING)
			return r;
		goto out;
	}
	op = opnum ? ops_find(opnum) : NULL;
	if (!op) {
		iamd_log_limited(LOG_WARNING, "uid %u pid %d: unknown op %u; closing",
				 (unsigned)s->uid, (int)s->pid, opnum);
		r = -EOPNOTSUPP;
		goto out;
	}
	if (op->max_len && len > op->max_len) {
		iamd_log_limited(LOG_WARNING,
				 "uid %u pid %d: %s request of %zu bytes above its cap of %u; closing",
				 (unsigned)s->uid, (int)s->pid, op->name, len, op->max_len);
		r = -EMSGSIZE;
		goto out;
	}
	if (!msg) {
		iamd_log_limited(LOG_WARNING, "uid %u pid %d: %s without its message; closing",
				 (unsigned)s->uid, (int)s->pid, op->name);
		r = -EBADMSG;
		goto out;
	}
	r = call_start(s, id, op, msg, auth, account_id, body, len, NULL, out);
	secret_frame_wipe(op, body, len);
	if (r == DISPATCH_PENDING)
		return r;   /* the arena belongs to the waiting call */
	if (r < 0)
		iamd_log(LOG_ERR, "cannot answer %s: %s", op->name, strerror(-r));
out:
	if (r >= 0)
		s->calls++;
	if (s->wipe) {
		arena_reset_wipe(s->arena);
		s->wipe = false;
	}
	arena_reset(s->arena);
	return r < 0 ? r : 0;
}
