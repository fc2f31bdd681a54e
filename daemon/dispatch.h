/* dispatch: turns one request frame into one answer, the pipeline of
 * call.h (decode, Hello, caller, transaction, resource, authorization,
 * handler, audit, commit, encode). Knows nothing of the event loop: the
 * server (server.c) hands it complete frames and sends what it appends to
 * the output buffer.
 *
 * Most calls are synchronous: when dispatch_frame() returns 0 the call is
 * over and its arena is reset. A call that needs iam-keyd suspends
 * instead (dispatch_frame() returns DISPATCH_PENDING) and is answered later
 * from the event loop; the server stops reading that connection meanwhile,
 * so answers stay in request order and the session's arena belongs to the
 * suspended call.
 *
 * Awaiting keyd (for handlers, and for the SigV4 authentication step):
 *
 *   static int create_key_resume(struct call *c, void *state,
 *                                const struct keyd_reply *rep,
 *                                ProtobufCMessage **ret_resp)
 *   {
 *           if (rep->err || rep->code != KEYD__CODE__OK)
 *                   return call_keyd_fail(c, rep);
 *           ... c->txn is a FRESH transaction (read or write as the op's
 *           flags say): re-read what you rely on, write, build the answer
 *           from rep->result (valid during this call only) ...
 *           return 0;
 *   }
 *
 *   int op_create_access_key(struct call *c, const ProtobufCMessage *m,
 *                            ProtobufCMessage **ret)
 *   {
 *           ... validate, read in c->txn ...
 *           Keyd__CreateAccessKeyRequest kr = ...;
 *           return call_keyd(c, KEYD__REQUEST__OP_CREATE_ACCESS_KEY,
 *                            &kr.base, create_key_resume, state);
 *   }
 *
 * call_keyd() sends the request (the message is packed at once: it may
 * live on the stack) and returns CALL_PENDING, or a negative errno with
 * ServiceUnavailable (503) recorded when keyd is down or its queue is
 * full; the handler returns what it returns. Dispatch then ABORTS the
 * call's transaction (nothing written before an await is kept: never hold
 * an LMDB write transaction across an await) and suspends the call. When
 * keyd answers (or the request times out, 2 s, or the connection to keyd
 * is lost: rep->err), dispatch begins a fresh transaction and calls the
 * resume function, which returns like a handler: >= 0 with *ret_resp,
 * negative errno after call_fail(), or CALL_PENDING after another
 * call_keyd() (a chain). `state` is the caller's (arena memory: it lives as
 * long as the call).
 *
 * Lifetimes across an await: other connections' calls run while a call
 * waits, and the process-wide caches keyed by the store's generation
 * (authn.c's user and key caches, op_sts.c's roles, authz_cache.c's
 * principals and bindings, ...) may replace and free a record meanwhile.
 * Nothing the call uses after the await - its resume function, its
 * c->caller, its answer, its audit record - may point into such a cache:
 * copy what is kept into the call's arena before awaiting (the caller's
 * names are copied when it is identified). tests/integration/keyd_waits.sh
 * and sts_onehop.sh stop iam-keyd across a write to prove it under ASan.
 *
 * Authentication (SigV4): a step before the pipeline may do the same: it
 * sends VerifySigV4 with call_keyd(); its resume function fills c->caller
 * and returns CALL_PROCEED, and the pipeline (resource, authorization,
 * handler) runs in the fresh transaction as if nothing had waited. See the
 * AUTHN mark in dispatch.c (call_start). */
#pragma once
#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "call.h"
#include "rpc/rpc.h"

struct arena;
struct iamd;
struct call;
struct keyd_reply;
struct peer_cache;

/* One connection's protocol state; owned by the server's connection. */
struct session {
	struct iamd *d;
	struct arena *arena;      /* reset after every call */
	ProtobufCAllocator pb;    /* draws from arena */
	uid_t uid;                /* the peer, from SO_PEERCRED at accept */
	gid_t gid;
	pid_t pid;
	int pidfd;                /* the peer's pidfd taken at accept (peer.h:
				   * peer_pidfd_take()), owned by the server's
				   * connection; -1: none */
	struct peer_cache *peer;  /* GetCredentials' identity of the peer
				   * (peer.h: peer_cache_ident()), freed with
				   * the connection; NULL until then */
	bool hello_done;
	uint64_t calls;           /* answered so far */
	char root_arn[64];        /* arn:aws:iam::ACCOUNT:root */
	/* for the audit trail (audit.h): the peer as "uid:N pid:N[ unit:U]"
	 * and Hello's client string */
	char source[160];
	char user_agent[128];
	/* both, and the root's identity, as the records show them (audit.h);
	 * made at Hello, NULL when the trail is off or memory short */
	struct audit_session_parts *audit_parts;
	/* a call waiting for keyd, answered into `out`; then dispatch calls
	 * resumed(s, 0, resumed_data) (or a negative errno when the answer
	 * could not be encoded: close the connection). Set by the server. */
	struct call *pending;
	bool wipe;                /* the pending call received a secret from
				   * keyd: wipe its arena and answer */
	struct rpc_buf *out;
	void (*resumed)(struct session *s, int r, void *data);
	void *resumed_data;
	/* called with resumed_data once an answer is in the output buffer
	 * and before the call's audit record is written (calls that change
	 * nothing; a mutating call's record is durable before its commit,
	 * long before): the server may send it at once, so the record is
	 * written while the peer reads (dispatch.c call_answer()). Must leave
	 * the connection open; NULL: the answer waits for the server's flush. */
	void (*answered)(struct session *s, void *data);
};

int session_init(struct session *s, struct iamd *d, uid_t uid, gid_t gid,
		 pid_t pid);
/* Forgets a pending call (its keyd request is cancelled). */
void session_fini(struct session *s);         /* accepts a zeroed session */

/* Handles the request in body[0, len) and appends its answer (one frame) to
 * `out`. Returns 0 when answered, DISPATCH_PENDING when the call waits for
 * keyd (it will be answered into `out`, then s->resumed() is called; do not
 * dispatch another frame of this session before), or a negative errno when
 * the peer broke the protocol (malformed bytes, a first request that is not
 * Hello, Hello twice, an unknown op, a frame above the op's cap): the
 * server then closes the connection. The reason is logged here. */
#define DISPATCH_PENDING 1
int dispatch_frame(struct session *s, const uint8_t *body, size_t len,
		   struct rpc_buf *out);

/* Sends keyd request `msg` of op `keyd_op` (KEYD__REQUEST__OP_*) for the
 * call and suspends it until keyd answers; see above. CALL_PENDING, or a
 * negative errno with ServiceUnavailable recorded. */
int call_keyd(struct call *c, uint32_t keyd_op, const ProtobufCMessage *msg,
	      call_resume_fn resume, void *state);
/* Waiting for something other than keyd (an OIDC provider's keys being
 * fetched, oidc.h): the call suspends exactly as with call_keyd() (its
 * transaction aborted, the connection not read meanwhile), with `resume`
 * and `state`, and `cancel(c)` is called with c->wait_data == wait_data if
 * the call is dropped while it waits (its connection closed) so the
 * waker forgets it. The waker calls call_wake(c, err) once from the event
 * loop (never from inside the call): the call resumes in a fresh
 * transaction with a keyd_reply whose err is `err` and result NULL.
 * Returns CALL_PENDING. */
int call_wait(struct call *c, call_resume_fn resume, void *state,
	      void (*cancel)(struct call *c), void *wait_data);
void call_wake(struct call *c, int err);
/* Records why keyd could not serve the call: ServiceUnavailable (503) when
 * it did not answer (down, timeout, lost connection), ServiceFailure
 * otherwise. Returns the negative errno. */
int call_keyd_fail(struct call *c, const struct keyd_reply *rep);
/* ServiceUnavailable, 503: "The request has failed due to a temporary
 * failure of the server." */
int call_fail_unavailable(struct call *c, int err);
