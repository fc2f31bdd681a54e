/* keyd_client: iamd's asynchronous client of iam-keyd (proto/keyd.proto),
 * a libevent adapter with raw events like server.c. One connection to the
 * keyd socket, made at start and remade with a backoff (50 ms doubling to
 * 1 s, and at once when a request finds it down and the last attempt is
 * older than 1 ms); Hello first; requests carry ids and are pipelined; each
 * has a deadline (2 s by default); the queue is bounded. While keyd is away
 * every request fails fast: keyd_client_<op>() returns -ENOTCONN (or
 * -EAGAIN when the queue is full) and the caller answers
 * ServiceUnavailable; nothing blocks the loop.
 *
 * Callbacks: `done` is called exactly once per accepted request, ALWAYS
 * from the event loop (an answer, a timeout, a lost connection), never from
 * inside keyd_client_<op>(), keyd_client_cancel() or keyd_client_free().
 * So a caller holding an LMDB transaction is never re-entered.
 * keyd_client_cancel() forgets the requests of a userdata (their answers are
 * dropped, `done` is not called).
 *
 * Nothing here logs a secret: answers are decoded into memory wiped when
 * freed, and the frames they came in are wiped too. */
#pragma once
#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stdint.h>

#include "keyd.pb-c.h"

struct event_base;
struct keyd_client;

struct keyd_client_options {
	uint32_t timeout_ms;          /* per request; 0: 2000 */
	uint32_t max_queue;           /* requests in flight; 0: 1024 */
};

/* What `done` gets. `result` is the op's answer message (e.g. a
 * Keyd__CreateAccessKeyResponse), valid only during the callback: copy what
 * you keep. */
struct keyd_reply {
	int err;                      /* 0: keyd answered; -ETIMEDOUT, -ECONNRESET
				       * (connection lost), -ECANCELED */
	Keyd__Code code;              /* when err == 0: KEYD__CODE__OK or a refusal */
	const char *message;          /* keyd's words for a refusal; no secrets */
	const ProtobufCMessage *result;   /* when code is OK */
};

typedef void (*keyd_done_fn)(void *userdata, const struct keyd_reply *rep);

/* Connects (or starts retrying) to the keyd socket at `path`. */
int keyd_client_new(struct event_base *base, const char *path,
		    const struct keyd_client_options *opt, struct keyd_client **ret);
/* Drops every request without calling `done`; accepts NULL. Call it before
 * the event base is freed. */
void keyd_client_free(struct keyd_client *kc);
/* Connected and Hello answered. */
bool keyd_client_ready(const struct keyd_client *kc);
/* Requests sent and not yet answered (0 while keyd is away). */
unsigned keyd_client_inflight(const struct keyd_client *kc);
/* Calls fn(data) from the event loop each time keyd becomes ready (Hello
 * answered, at the first connection and after each reconnection); fn may
 * send requests. One subscriber: a second call replaces the first, NULL
 * removes it. */
void keyd_client_on_ready(struct keyd_client *kc, void (*fn)(void *data), void *data);

/* Sends request `msg` of keyd op `op` (KEYD__REQUEST__OP_*; msg must be
 * that field's message type). 0: `done` will be called; -ENOTCONN keyd is
 * not connected; -EAGAIN the queue is full; -EINVAL wrong message type. */
int keyd_client_send(struct keyd_client *kc, uint32_t op, const ProtobufCMessage *msg,
		     keyd_done_fn done, void *userdata);
/* Forgets every request of `userdata`. */
void keyd_client_cancel(struct keyd_client *kc, void *userdata);

/* The typed ops: keyd_client_<op> beside keyd_answer_<op> in keyd. */
static inline int keyd_client_create_access_key(struct keyd_client *kc,
						const Keyd__CreateAccessKeyRequest *a,
						keyd_done_fn done, void *userdata)
{
	return keyd_client_send(kc, KEYD__REQUEST__OP_CREATE_ACCESS_KEY, &a->base, done,
				userdata);
}
static inline int keyd_client_verify_sigv4(struct keyd_client *kc,
					   const Keyd__VerifySigV4Request *a,
					   keyd_done_fn done, void *userdata)
{
	return keyd_client_send(kc, KEYD__REQUEST__OP_VERIFY_SIGV4, &a->base, done, userdata);
}
static inline int keyd_client_mint_session(struct keyd_client *kc,
					   const Keyd__MintSessionRequest *a,
					   keyd_done_fn done, void *userdata)
{
	return keyd_client_send(kc, KEYD__REQUEST__OP_MINT_SESSION, &a->base, done, userdata);
}
static inline int keyd_client_open_session(struct keyd_client *kc,
					   const Keyd__OpenSessionRequest *a,
					   keyd_done_fn done, void *userdata)
{
	return keyd_client_send(kc, KEYD__REQUEST__OP_OPEN_SESSION, &a->base, done, userdata);
}
static inline int keyd_client_seal_authorization_message(
	struct keyd_client *kc, const Keyd__SealAuthorizationMessageRequest *a,
	keyd_done_fn done, void *userdata)
{
	return keyd_client_send(kc, KEYD__REQUEST__OP_SEAL_AUTHORIZATION_MESSAGE, &a->base,
				done, userdata);
}
static inline int keyd_client_open_authorization_message(
	struct keyd_client *kc, const Keyd__OpenAuthorizationMessageRequest *a,
	keyd_done_fn done, void *userdata)
{
	return keyd_client_send(kc, KEYD__REQUEST__OP_OPEN_AUTHORIZATION_MESSAGE, &a->base,
				done, userdata);
}
static inline int keyd_client_echo(struct keyd_client *kc, const Keyd__EchoRequest *a,
				   keyd_done_fn done, void *userdata)
{
	return keyd_client_send(kc, KEYD__REQUEST__OP_ECHO, &a->base, done, userdata);
}
