/* fuzz_frame: libFuzzer target for what iamd does with a peer's bytes
 * before any handler runs: the incremental frame reader (lib/rpc) fed in
 * chunks of varying size, then each complete frame decoded as a Request
 * with a per-call arena allocator both ways dispatch can (the envelope
 * peek plus the op message alone, and protobuf-c on the whole Request),
 * which must agree. The first input byte
 * picks the chunk size. Built with -fsanitize=fuzzer under
 * --enable-fuzzing; `make check` replays tests/fuzz/corpus/frame/ through
 * replay_main.c. */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "api.pb-c.h"
#include "rpc/rpc.h"
#include "util/arena.h"

#define FUZZ_MAX_FRAME (64u * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void *fz_alloc(void *a, size_t n)
{
	return arena_alloc(a, n);
}

static void fz_free(void *a, void *p)
{
	(void)a;
	(void)p;
}

/* The op message of a whole-decoded Request, NULL when none is set. */
static const ProtobufCMessage *op_msg(const Iam__Request *req)
{
	if (req->op_case == IAM__REQUEST__OP__NOT_SET)
		return NULL;
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field(&iam__request__descriptor,
							(unsigned)req->op_case);
	if (!f)
		__builtin_trap();   /* a set oneof case is always a known field */
	return *(ProtobufCMessage *const *)((const char *)req + f->offset);
}

static bool same_bytes(const ProtobufCMessage *a, const ProtobufCMessage *b)
{
	static uint8_t pa[FUZZ_MAX_FRAME * 2], pb[FUZZ_MAX_FRAME * 2];
	size_t na = protobuf_c_message_get_packed_size(a);
	size_t nb = protobuf_c_message_get_packed_size(b);
	if (na != nb || na > sizeof(pa))
		return na == nb;
	protobuf_c_message_pack(a, pa);
	protobuf_c_message_pack(b, pb);
	return memcmp(pa, pb, na) == 0;
}

/* Both ways dispatch decodes a request must agree: the envelope peek plus
 * the op message alone, and protobuf-c on the whole Request. */
static void decode_both(ProtobufCAllocator *pb, const uint8_t *body, size_t len)
{
	ProtobufCMessage *whole = NULL, *inner = NULL;
	int rw = rpc_msg_unpack(&iam__request__descriptor, pb, body, len, &whole);
	uint64_t id;
	const ProtobufCFieldDescriptor *f;
	const uint8_t *ib;
	size_t ilen;
	if (rpc_request_peek(&iam__request__descriptor, body, len, &id, &f, &ib, &ilen) != 1)
		return;   /* dispatch decodes it whole */
	if (ib < body || ib + ilen > body + len)
		__builtin_trap();
	int ri = rpc_msg_unpack(f->descriptor, pb, ib, ilen, &inner);
	if ((rw == 0) != (ri == 0))
		__builtin_trap();   /* one way accepts what the other refuses */
	if (rw < 0)
		return;
	const Iam__Request *req = (const Iam__Request *)whole;
	if (req->id != id || (uint32_t)req->op_case != f->id)
		__builtin_trap();
	const ProtobufCMessage *m = op_msg(req);
	if (!m || !same_bytes(m, inner))
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *arena = NULL;
	struct rpc_buf in;
	size_t chunk, off = 0;
	if (size == 0 || arena_new(4096, &arena) < 0)
		return 0;
	ProtobufCAllocator pb = { fz_alloc, fz_free, arena };
	chunk = (size_t)data[0] % 17 + 1;
	if (data[0] >= 0xf0)
		chunk = size;   /* all at once */
	data++;
	size--;
	rpc_buf_init(&in);
	while (off < size) {
		size_t n = size - off < chunk ? size - off : chunk;
		uint8_t *tail;
		if (rpc_buf_reserve(&in, n, &tail) < 0)
			break;
		memcpy(tail, data + off, n);
		rpc_buf_commit(&in, n);
		off += n;
		const uint8_t *body;
		uint32_t len;
		int r;
		while ((r = rpc_frame_next(&in, FUZZ_MAX_FRAME, &body, &len)) == 1) {
			if (len == 0 || len > FUZZ_MAX_FRAME)
				__builtin_trap();
			decode_both(&pb, body, len);
			arena_reset(arena);
		}
		if (r < 0)
			break;   /* iamd closes the connection here */
	}
	rpc_buf_release(&in);
	arena_free(arena);
	return 0;
}
