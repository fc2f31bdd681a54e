/* dispatch: one request frame in, one answer out (dispatch.h, call.h). */
#include "config.h"
#include "dispatch.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api.pb-c.h"
#include "authz.h"
#include "call.h"
#include "iamd.h"
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
	snprintf(s->root_arn, sizeof(s->root_arn), "arn:aws:iam::%s:root",
		 d->account_id);
	return 0;
}

void session_fini(struct session *s)
{
	arena_free(s->arena);
	s->arena = NULL;
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
		int r = authz_caller_identify(s->d, s->uid, ret);
		if (r < 0)
			iamd_log_limited(LOG_ERR, "uid %u: cannot read its binding: %s",
					 (unsigned)s->uid, strerror(-r));
	}
}

/* Runs the call: transaction, resource, authorization, handler, audit,
 * commit. Returns the handler's result message, or NULL with c->err set. */
static ProtobufCMessage *call_run(struct call *c, const ProtobufCMessage *req)
{
	const struct op *op = c->op;
	ProtobufCMessage *resp = NULL;
	const char *resource = "*";
	struct authz_result az = { 0 };
	int r;

	if (!(op->flags & OP_NO_TXN)) {
		r = store_txn_begin(c->d->store, op->flags & OP_WRITE, &c->txn);
		if (r < 0) {
			call_fail(c, r, "ServiceFailure", NULL);
			iamd_log_call(LOG_ERR, c, "%s: cannot begin a transaction: %s",
				      op->name, strerror(-r));
			goto out;
		}
	}
	if (op->resource) {
		r = op->resource(c, req, &resource);
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
		call_fail(c, -EACCES, "AccessDenied", "%s", az.message);
		iamd_log_call(LOG_NOTICE, c, "%s denied to uid %u", op->name,
			      (unsigned)c->caller.uid);
		goto out;
	}
	r = op->handler(c, req, &resp);
	if (r < 0 || !resp) {
		if (!c->err)
			call_fail(c, r < 0 ? r : -EIO, NULL, NULL);
		resp = NULL;
	}
	/* AUDIT: the call's record is written here, allowed or denied (the
	 * denials above jump to `out`, which will audit them too): caller,
	 * action, resource, request parameters and response elements
	 * rendered from the descriptors with secrets redacted, c->err_code,
	 * c->request_id. A mutating call whose record cannot be written
	 * fails before its commit. */
	if (resp && c->txn && store_txn_is_write(c->txn)) {
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
		}
	}
out:
	store_txn_abort(c->txn);   /* ends a read txn; a failed write leaves no trace */
	c->txn = NULL;
	if (c->err && strcmp(c->err_code, "ServiceFailure") == 0)
		iamd_log_call(LOG_ERR, c, "%s failed: %s", op->name,
			      strerror(-c->err));
	return resp;
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

static int answer_call(struct session *s, uint64_t id, const struct op *op,
		       const ProtobufCMessage *msg, struct rpc_buf *out)
{
	struct call c = {
		.arena = s->arena,
		.op = op,
		.id = id,
		.now = (int64_t)time(NULL),
		.d = s->d,
		.pb = s->pb,
		.req = msg,
	};
	Iam__Status status = IAM__STATUS__INIT;
	ProtobufCMessage *result;
	int r = call_request_id_new(c.request_id);
	if (r < 0)
		return r;
	caller_identify(s, &c.caller);

	result = call_run(&c, msg);
	if (result && !result_fits(op->number, result)) {
		call_fail(&c, -EPROTOTYPE, "ServiceFailure", NULL);
		iamd_log_call(LOG_ERR, &c, "%s: handler answered a %s, not the op's result",
			      op->name, result->descriptor->name);
		result = NULL;
	}
	if (!result) {
		unsigned http = 500;
		call_errno_code(c.err, &http);
		status.code = (char *)c.err_code;
		status.message = (char *)(c.err_msg ? c.err_msg : "");
		status.has_sender_fault = true;
		status.sender_fault = http < 500;
		status.has_http_status = true;
		status.http_status = http;
	}
	/* Response {id, status, request_id, result}: the result is the field
	 * with the op's number */
	return rpc_frame_pack_response(out, id, result ? NULL : &status.base,
				       c.request_id, op->number, result);
}

/* The request's id, op number and op message (NULL when no op is set).
 * The common envelope, {id, one op}, is read without protobuf-c walking the
 * Request descriptor (one field per op): only the op's message is decoded.
 * Anything else is decoded whole, with the same meaning. */
static int request_decode(struct session *s, const uint8_t *body, size_t len,
			  uint64_t *ret_id, uint32_t *ret_op,
			  ProtobufCMessage **ret_msg)
{
	const ProtobufCFieldDescriptor *f;
	const uint8_t *inner;
	size_t inner_len;
	uint64_t id;
	ProtobufCMessage *m = NULL;
	int r;
	if (rpc_request_peek(&iam__request__descriptor, body, len, &id, &f,
			     &inner, &inner_len) == 1) {
		r = rpc_msg_unpack(f->descriptor, &s->pb, inner, inner_len, &m);
		if (r < 0)
			return r;
		*ret_id = id;
		*ret_op = f->id;
		*ret_msg = m;
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
	return 0;
}

int dispatch_frame(struct session *s, const uint8_t *body, size_t len,
		   struct rpc_buf *out)
{
	uint64_t id = 0;
	uint32_t opnum = 0;
	ProtobufCMessage *msg = NULL;
	const struct op *op = NULL;
	int r = request_decode(s, body, len, &id, &opnum, &msg);
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
	r = answer_call(s, id, op, msg, out);
	if (r < 0)
		iamd_log(LOG_ERR, "cannot answer %s: %s", op->name, strerror(-r));
out:
	if (r >= 0)
		s->calls++;
	arena_reset(s->arena);
	return r < 0 ? r : 0;
}
