/* dispatch: turns one request frame into one answer, the pipeline of
 * call.h (decode, Hello, caller, transaction, resource, authorization,
 * handler, audit, commit, encode). Knows nothing of the event loop: the
 * server (server.c) hands it complete frames and sends what it appends to
 * the output buffer. Synchronous: when dispatch_frame() returns, the call
 * is over and its arena is reset. */
#pragma once
#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "rpc/rpc.h"

struct arena;
struct iamd;

/* One connection's protocol state; owned by the server's connection. */
struct session {
	struct iamd *d;
	struct arena *arena;      /* reset after every call */
	ProtobufCAllocator pb;    /* draws from arena */
	uid_t uid;                /* the peer, from SO_PEERCRED at accept */
	gid_t gid;
	pid_t pid;
	bool hello_done;
	uint64_t calls;           /* answered so far */
	char root_arn[64];        /* arn:aws:iam::ACCOUNT:root */
};

int session_init(struct session *s, struct iamd *d, uid_t uid, gid_t gid,
		 pid_t pid);
void session_fini(struct session *s);         /* accepts a zeroed session */

/* Handles the request in body[0, len) and appends its answer (one frame) to
 * `out`. Returns 0 when answered, or a negative errno when the peer broke
 * the protocol (malformed bytes, a first request that is not Hello, Hello
 * twice, an unknown op, a frame above the op's cap): the server then closes
 * the connection. The reason is logged here. */
int dispatch_frame(struct session *s, const uint8_t *body, size_t len,
		   struct rpc_buf *out);
