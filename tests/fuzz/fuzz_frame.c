/* fuzz_frame: libFuzzer target for what iamd does with a peer's bytes
 * before any handler runs: the incremental frame reader (lib/rpc) fed in
 * chunks of varying size, then each complete frame decoded as a Request
 * with a per-call arena allocator, as dispatch does. The first input byte
 * picks the chunk size. Built with -fsanitize=fuzzer under
 * --enable-fuzzing; `make check` replays tests/fuzz/corpus/frame/ through
 * replay_main.c. */
#include "config.h"

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

/* What dispatch looks at in a decoded request. */
static void inspect(const Iam__Request *req)
{
	if (req->op_case == IAM__REQUEST__OP__NOT_SET)
		return;
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field(&iam__request__descriptor,
							(unsigned)req->op_case);
	if (!f)
		__builtin_trap();   /* a set oneof case is always a known field */
	const ProtobufCMessage *m = *(ProtobufCMessage *const *)((const char *)req + f->offset);
	if (m) {
		/* re-encoding what was decoded must work */
		size_t n = protobuf_c_message_get_packed_size(m);
		(void)n;
	}
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
			ProtobufCMessage *m = NULL;
			if (rpc_msg_unpack(&iam__request__descriptor, &pb, body, len, &m) == 0)
				inspect((const Iam__Request *)m);
			arena_reset(arena);
		}
		if (r < 0)
			break;   /* iamd closes the connection here */
	}
	rpc_buf_release(&in);
	arena_free(arena);
	return 0;
}
