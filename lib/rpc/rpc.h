/* rpc: the framing of iamd's stream sockets (the api socket, later the keyd
 * channel). Each message on the wire is a u32 big-endian length followed by
 * that many bytes of one protobuf envelope (proto/api.proto: Request from the
 * client, Response from the server).
 *
 * Server side: an incremental frame reader over a byte buffer (struct
 * rpc_buf) that checks the announced length against a cap BEFORE anything is
 * allocated for the body (a 0 length or one above the cap is an error), and
 * rpc_frame_pack() to append a message with its length prefix to an output
 * buffer. Client side: blocking rpc_fd_send()/rpc_fd_recv() of one frame.
 *
 * No event loop, no logging: callers decide what an error means (iamd closes
 * the connection). Errors are negative errno:
 *   -EMSGSIZE  announced length above the cap (or a message too large)
 *   -EBADMSG   zero length, or bytes that do not decode as the message
 *   -EPROTO    the peer closed in the middle of a frame
 *   -EPIPE     the peer closed between frames (rpc_fd_recv)
 *   -ENOMEM    out of memory */
#pragma once
#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RPC_HDR_LEN 4u
#define RPC_MAX_FRAME_DEFAULT (1u << 20)   /* 1 MiB */

/* A byte buffer with a consumed front: data[start, end) holds the bytes not
 * yet consumed. Zero-initialize it (or rpc_buf_init()) before use; one owner
 * frees it with rpc_buf_release().
 *
 * Bytes that carried a secret (an answer with a new secret access key, say)
 * are marked with rpc_buf_mark_secret(): from then on no copy of them is left
 * behind in the process. They are wiped when the buffer drains, the copy a
 * compaction or growth leaves behind is wiped, and release wipes them. */
struct rpc_buf {
	uint8_t *data;
	size_t start;
	size_t end;
	size_t cap;
	size_t wipe_end;   /* data[0, wipe_end) may hold secrets; 0: none */
};

void rpc_buf_init(struct rpc_buf *b);
/* Frees the storage; the buffer is empty and reusable afterwards. */
void rpc_buf_release(struct rpc_buf *b);
/* Makes room for at least `n` more bytes after end (compacting the consumed
 * front away first, growing if needed). *ret_tail points at the free room.
 * Moves data: pointers into the buffer are invalid afterwards. */
int rpc_buf_reserve(struct rpc_buf *b, size_t n, uint8_t **ret_tail);
/* Marks `n` bytes written at the tail as part of the buffer. */
void rpc_buf_commit(struct rpc_buf *b, size_t n);
/* Drops `n` bytes from the front; an emptied buffer restarts at offset 0
 * (and is wiped first when it held secrets). */
void rpc_buf_consume(struct rpc_buf *b, size_t n);
/* Every byte now in the buffer (consumed or not) may hold a secret. */
void rpc_buf_mark_secret(struct rpc_buf *b);
static inline size_t rpc_buf_len(const struct rpc_buf *b)
{
	return b->end - b->start;
}
static inline const uint8_t *rpc_buf_head(const struct rpc_buf *b)
{
	return b->data + b->start;
}
/* Free bytes at the tail without moving anything. */
static inline size_t rpc_buf_room(const struct rpc_buf *b)
{
	return b->cap - b->end;
}

/* Looks at the bytes p[0, len) for one frame. Returns 1 when a whole frame
 * is there (*ret_body_len = its body length; the frame is RPC_HDR_LEN +
 * body bytes), 0 when more bytes are needed (*ret_body_len = the announced
 * body length once the header is complete, else 0), -EBADMSG for a zero
 * length, -EMSGSIZE for a length above `cap`. Touches no memory beyond
 * p[0, len). */
int rpc_frame_parse(const uint8_t *p, size_t len, uint32_t cap,
		    uint32_t *ret_body_len);

/* Takes the next complete frame from the front of `b`: returns 1 and points
 * *ret_body at its body (valid until the next rpc_buf_reserve() on `b`), 0
 * when the frame is incomplete, or an error of rpc_frame_parse(). */
int rpc_frame_next(struct rpc_buf *b, uint32_t cap, const uint8_t **ret_body,
		   uint32_t *ret_body_len);

/* Protobuf varints, for frames packed and read by hand (rpc_frame.c,
 * iam-gateway, keyd's op peek, SigV4's op bytes): the bytes `v` takes,
 * writing it at p (returns the end), and reading one of at most 10 bytes
 * at p[0, end) (returns the end; NULL when the bytes are not a varint of 64
 * bits at most: truncated, longer, or above 2^64 - 1). */
static inline const uint8_t *rpc_varint_get(const uint8_t *p, const uint8_t *end,
					    uint64_t *ret)
{
	uint64_t v = 0;
	for (unsigned shift = 0; shift < 70 && p < end; shift += 7) {
		uint8_t b = *p++;
		if (shift == 63 && b > 1)
			return NULL;   /* beyond 64 bits */
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*ret = v;
			return p;
		}
	}
	return NULL;
}
static inline size_t rpc_varint_len(uint64_t v)
{
	size_t n = 1;
	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}
static inline uint8_t *rpc_varint_put(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

/* Appends `msg` with its length prefix to `out`. */
int rpc_frame_pack(struct rpc_buf *out, const ProtobufCMessage *msg);

/* The answer envelope of api.proto (and of the keyd channel):
 * Response {1: uint64 id, 3: Status status, 4: string request_id,
 * N: the result, one field of a oneof}. rpc_frame_pack_response() appends it
 * as one frame, byte for byte what protobuf-c would pack, without walking
 * the envelope's descriptor: the oneof has one field per operation, and
 * protobuf-c's pack visits every one of them. `status`, `request_id` and
 * `result` may be NULL (absent); `result_number` is the result's field
 * number (> 0 when `result` is set). */
#define RPC_RESPONSE_ID 1u
#define RPC_RESPONSE_STATUS 3u
#define RPC_RESPONSE_REQUEST_ID 4u
int rpc_frame_pack_response(struct rpc_buf *out, uint64_t id,
			    const ProtobufCMessage *status,
			    const char *request_id, uint32_t result_number,
			    const ProtobufCMessage *result);
/* The same with a result the caller packs itself (a message it knows the
 * wire form of, without protobuf-c's two walks of its descriptor): `size`
 * returns the result's packed size and `pack` writes exactly that many
 * bytes, what protobuf_c_message_pack() would write. */
struct rpc_packer {
	size_t (*size)(const void *result);
	size_t (*pack)(const void *result, uint8_t *p);
};
int rpc_frame_pack_response_with(struct rpc_buf *out, uint64_t id,
				 const ProtobufCMessage *status,
				 const char *request_id, uint32_t result_number,
				 const void *result, const struct rpc_packer *packer);

/* The request envelope of api.proto (and of the keyd channel):
 * Request {1: uint64 id, oneof op {N: the operation's message}}.
 * rpc_request_peek() reads such an envelope without protobuf-c walking its
 * descriptor (one field per operation). It returns 1 when `body` holds
 * exactly an optional id and one op field that `desc` declares as a message
 * member of a oneof: *ret_id (0 when absent), *ret_field (the op's field),
 * and the op message's bytes in *ret_inner (*ret_inner_len long), to decode with
 * rpc_msg_unpack(field->descriptor, ...). It returns 0 for anything else
 * (other or unknown fields, an op twice, bytes that are not protobuf):
 * decode the whole body with rpc_msg_unpack(desc, ...) then, which gives
 * the same meaning. Outputs are written only when it returns 1. */
#define RPC_REQUEST_ID 1u
int rpc_request_peek(const ProtobufCMessageDescriptor *desc,
		     const uint8_t *body, size_t len, uint64_t *ret_id,
		     const ProtobufCFieldDescriptor **ret_field,
		     const uint8_t **ret_inner, size_t *ret_inner_len);

/* Decodes `body` as a message of type `desc`, allocating from `alloc`
 * (NULL: malloc; then free with protobuf_c_message_free_unpacked()).
 * -EBADMSG if the bytes do not decode. */
int rpc_msg_unpack(const ProtobufCMessageDescriptor *desc,
		   ProtobufCAllocator *alloc, const uint8_t *body, size_t len,
		   ProtobufCMessage **ret);

/* Client side, blocking. */

/* Connects a SOCK_STREAM socket (close-on-exec) to the Unix socket `path`. */
int rpc_connect_unix(const char *path, int *ret_fd);
/* Writes one frame holding `msg` to `fd` (all of it; EINTR retried; no
 * SIGPIPE on a socket). */
int rpc_fd_send(int fd, const ProtobufCMessage *msg);
/* Writes bytes already framed (retrying short writes). */
int rpc_fd_write_all(int fd, const void *buf, size_t len);
/* Reads one frame from `fd`: *ret_body is malloc'd (caller frees), checked
 * against `cap` before it is allocated. -EPIPE on a clean close before the
 * frame, -EPROTO on a close inside it, -ETIMEDOUT if the socket has a
 * receive timeout (SO_RCVTIMEO) that expired. */
int rpc_fd_recv(int fd, uint32_t cap, uint8_t **ret_body, size_t *ret_len);
