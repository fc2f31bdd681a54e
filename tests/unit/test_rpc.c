/* Unit tests for lib/rpc: the frame reader, packing, and the blocking
 * client helpers over a real socketpair. */
#include "config.h"
#include "rpc/rpc.h"
#include "api.pb-c.h"
#include "../tap.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void test_parse(void)
{
	uint32_t n = 99;
	const uint8_t a[] = { 0, 0, 0, 3, 'a', 'b', 'c', 0, 0 };
	TAP_IS_INT(rpc_frame_parse(a, 0, 100, &n), 0, "parse: empty needs more");
	TAP_IS_INT(n, 0, "parse: length unknown without a header");
	TAP_IS_INT(rpc_frame_parse(a, 3, 100, &n), 0, "parse: 3 bytes need more");
	TAP_IS_INT(rpc_frame_parse(a, 5, 100, &n), 0, "parse: partial body needs more");
	TAP_IS_INT(n, 3, "parse: announced length known from the header");
	TAP_IS_INT(rpc_frame_parse(a, 7, 100, &n), 1, "parse: whole frame");
	TAP_IS_INT(rpc_frame_parse(a, 9, 100, &n), 1, "parse: whole frame with more behind");
	TAP_IS_INT(rpc_frame_parse(a, 4, 2, &n), -EMSGSIZE, "parse: above the cap");
	TAP_IS_INT(rpc_frame_parse(a, 4, 3, &n), 0, "parse: exactly the cap is fine");
	const uint8_t z[] = { 0, 0, 0, 0 };
	TAP_IS_INT(rpc_frame_parse(z, 4, 100, &n), -EBADMSG, "parse: zero length");
	const uint8_t big[] = { 0xff, 0xff, 0xff, 0xff };
	TAP_IS_INT(rpc_frame_parse(big, 4, RPC_MAX_FRAME_DEFAULT, &n), -EMSGSIZE,
		   "parse: 4 GiB announced, refused from the header alone");
}

static void test_buf_frames(void)
{
	struct rpc_buf b;
	rpc_buf_init(&b);
	Iam__Request req = IAM__REQUEST__INIT;
	Iam__GetUserRequest gu = IAM__GET_USER_REQUEST__INIT;
	gu.user_name = "alice";
	req.has_id = true;
	req.op_case = IAM__REQUEST__OP_GET_USER;
	req.get_user = &gu;
	for (int i = 0; i < 3; i++) {
		req.id = 10 + (uint64_t)i;
		tap_ok(rpc_frame_pack(&b, &req.base) == 0, "pack frame %d", i);
	}
	/* feed the bytes one at a time into a second buffer */
	struct rpc_buf in;
	rpc_buf_init(&in);
	int frames = 0, ids_ok = 1;
	for (size_t i = 0; i < rpc_buf_len(&b); i++) {
		uint8_t *tail;
		rpc_buf_reserve(&in, 1, &tail);
		*tail = rpc_buf_head(&b)[i];
		rpc_buf_commit(&in, 1);
		const uint8_t *body;
		uint32_t len;
		int r;
		while ((r = rpc_frame_next(&in, 1024, &body, &len)) == 1) {
			ProtobufCMessage *m = NULL;
			if (rpc_msg_unpack(&iam__request__descriptor, NULL, body, len, &m) < 0) {
				ids_ok = 0;
				continue;
			}
			Iam__Request *got = (Iam__Request *)m;
			ids_ok &= got->id == 10 + (uint64_t)frames &&
				  got->op_case == IAM__REQUEST__OP_GET_USER &&
				  strcmp(got->get_user->user_name, "alice") == 0;
			protobuf_c_message_free_unpacked(m, NULL);
			frames++;
		}
		if (r < 0)
			ids_ok = 0;
	}
	TAP_IS_INT(frames, 3, "byte-at-a-time feeding yields every frame");
	tap_ok(ids_ok, "frames decode in order");
	TAP_IS_INT(rpc_buf_len(&in), 0, "nothing left over");
	ProtobufCMessage *m = NULL;
	const uint8_t bad[] = { 0xff, 0xff, 0xff };
	TAP_IS_INT(rpc_msg_unpack(&iam__request__descriptor, NULL, bad, sizeof(bad), &m),
		   -EBADMSG, "garbage does not decode");
	tap_ok(m == NULL, "no output on failure");
	rpc_buf_release(&in);
	rpc_buf_release(&b);
	rpc_buf_release(&b);   /* twice is fine */
}

static void test_fd(void)
{
	int sv[2];
	tap_ok(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	Iam__Response resp = IAM__RESPONSE__INIT;
	resp.has_id = true;
	resp.id = 77;
	resp.request_id = "r";
	TAP_IS_INT(rpc_fd_send(sv[0], &resp.base), 0, "send one frame");
	uint8_t *body = NULL;
	size_t len = 0;
	TAP_IS_INT(rpc_fd_recv(sv[1], 1024, &body, &len), 0, "recv it");
	Iam__Response *got = iam__response__unpack(NULL, len, body);
	tap_ok(got && got->id == 77, "the same message");
	iam__response__free_unpacked(got, NULL);
	free(body);

	TAP_IS_INT(rpc_fd_send(sv[0], &resp.base), 0, "send again");
	TAP_IS_INT(rpc_fd_recv(sv[1], 2, &body, &len), -EMSGSIZE,
		   "recv refuses a frame above its cap");

	int sp[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, sp);
	const uint8_t part[] = { 0, 0, 0, 10, 1, 2 };
	rpc_fd_write_all(sp[0], part, sizeof(part));
	close(sp[0]);
	TAP_IS_INT(rpc_fd_recv(sp[1], 1024, &body, &len), -EPROTO,
		   "close inside a frame: -EPROTO");
	close(sp[1]);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sp);
	close(sp[0]);
	TAP_IS_INT(rpc_fd_recv(sp[1], 1024, &body, &len), -EPIPE,
		   "close between frames: -EPIPE");
	TAP_IS_INT(rpc_fd_send(sp[1], &resp.base) < 0, 1,
		   "send to a closed peer fails without SIGPIPE");
	close(sp[1]);
	close(sv[0]);
	close(sv[1]);
	int fd;
	TAP_IS_INT(rpc_connect_unix("/nonexistent/iamd.sock", &fd), -ENOENT,
		   "connect to a missing socket: -ENOENT");
}

/* rpc_frame_pack_response() packs exactly what protobuf-c packs. */
static void same_as_protobuf_c(const Iam__Response *resp, uint32_t number,
			       const ProtobufCMessage *result, const char *name)
{
	struct rpc_buf mine, theirs;
	rpc_buf_init(&mine);
	rpc_buf_init(&theirs);
	int r = rpc_frame_pack_response(&mine, resp->id,
					resp->status ? &resp->status->base : NULL,
					resp->request_id, number, result);
	rpc_frame_pack(&theirs, &resp->base);
	tap_ok(r == 0 && rpc_buf_len(&mine) == rpc_buf_len(&theirs) &&
	       memcmp(rpc_buf_head(&mine), rpc_buf_head(&theirs), rpc_buf_len(&mine)) == 0,
	       "pack_response: %s, byte for byte", name);
	rpc_buf_release(&mine);
	rpc_buf_release(&theirs);
}

static void test_pack_response(void)
{
	Iam__User u = IAM__USER__INIT;
	u.user_name = "alice";
	u.path = "/eng/";
	u.arn = "arn:aws:iam::123456789012:user/eng/alice";
	u.has_create_date = true;
	u.create_date = 1700000000;
	Iam__GetUserResponse gu = IAM__GET_USER_RESPONSE__INIT;
	gu.user = &u;
	Iam__Response resp = IAM__RESPONSE__INIT;
	resp.has_id = true;
	resp.id = 300;
	resp.request_id = "0f8fad5b-d9cb-469f-a165-70867728950e";
	resp.result_case = IAM__RESPONSE__RESULT_GET_USER;
	resp.get_user = &gu;
	same_as_protobuf_c(&resp, IAM__RESPONSE__RESULT_GET_USER, &gu.base, "a result");

	Iam__Status st = IAM__STATUS__INIT;
	st.code = "NoSuchEntity";
	st.message = "The user with name bob cannot be found.";
	st.has_sender_fault = st.has_http_status = true;
	st.sender_fault = true;
	st.http_status = 404;
	Iam__Response err = IAM__RESPONSE__INIT;
	err.has_id = true;
	err.id = (uint64_t)1 << 63;
	err.status = &st;
	err.request_id = resp.request_id;
	same_as_protobuf_c(&err, 0, NULL, "an error, a 64-bit id");

	Iam__HelloResponse h = IAM__HELLO_RESPONSE__INIT;
	h.has_version = true;
	h.version = 1;
	h.server = "iamd/0.1.0";
	Iam__Response hr = IAM__RESPONSE__INIT;
	hr.has_id = true;
	hr.request_id = "r";
	hr.result_case = IAM__RESPONSE__RESULT_HELLO;
	hr.hello = &h;
	same_as_protobuf_c(&hr, IAM__RESPONSE__RESULT_HELLO, &h.base,
			   "Hello (field 2, before status), id 0");
	Iam__DeleteUserResponse del = IAM__DELETE_USER_RESPONSE__INIT;
	Iam__Response dr = IAM__RESPONSE__INIT;
	dr.has_id = true;
	dr.id = 1;
	dr.result_case = IAM__RESPONSE__RESULT_DELETE_USER;
	dr.delete_user = &del;
	same_as_protobuf_c(&dr, IAM__RESPONSE__RESULT_DELETE_USER, &del.base,
			   "an empty result, no request id");
	struct rpc_buf b;
	rpc_buf_init(&b);
	TAP_IS_INT(rpc_frame_pack_response(&b, 1, NULL, NULL, RPC_RESPONSE_STATUS, &del.base),
		   -EINVAL, "pack_response: a result on an envelope field number is refused");
	rpc_buf_release(&b);
}

static int peek(const uint8_t *b, size_t n, uint64_t *id, uint32_t *op, size_t *ilen)
{
	const ProtobufCFieldDescriptor *f = NULL;
	const uint8_t *inner = NULL;
	int r = rpc_request_peek(&iam__request__descriptor, b, n, id, &f, &inner, ilen);
	if (r == 1) {
		*op = f->id;
		if (inner < b || inner + *ilen > b + n)
			return -1;
	}
	return r;
}

static void test_request_peek(void)
{
	uint64_t id = 0;
	uint32_t op = 0;
	size_t ilen = 0;
	Iam__Request req = IAM__REQUEST__INIT;
	Iam__GetUserRequest gu = IAM__GET_USER_REQUEST__INIT;
	gu.user_name = "alice";
	req.has_id = true;
	req.id = 1234567890123ull;
	req.op_case = IAM__REQUEST__OP_GET_USER;
	req.get_user = &gu;
	uint8_t b[256];
	size_t n = iam__request__pack(&req, b);
	TAP_IS_INT(peek(b, n, &id, &op, &ilen), 1, "peek: {id, GetUser}");
	tap_ok(id == req.id && op == IAM__REQUEST__OP_GET_USER &&
	       ilen == iam__get_user_request__get_packed_size(&gu),
	       "peek: the id, the op and the op's bytes");
	req.has_id = false;
	n = iam__request__pack(&req, b);
	id = 99;
	TAP_IS_INT(peek(b, n, &id, &op, &ilen), 1, "peek: without an id");
	TAP_IS_INT(id, 0, "peek: an absent id is 0");
	/* id after the op, and the id twice: the last wins, as in protobuf */
	const uint8_t late[] = { 0xca, 0x0c, 0x00, 0x08, 0x05, 0x08, 0x07 };
	TAP_IS_INT(peek(late, sizeof(late), &id, &op, &ilen), 1, "peek: id after the op");
	TAP_IS_INT(id, 7, "peek: the last id wins");
	const uint8_t two_ops[] = { 0xca, 0x0c, 0x00, 0xca, 0x0c, 0x00 };
	TAP_IS_INT(peek(two_ops, sizeof(two_ops), &id, &op, &ilen), 0,
		   "peek: an op twice is left to protobuf-c");
	const uint8_t unknown[] = { 0x08, 0x01, 0xba, 0x3e, 0x00 };
	TAP_IS_INT(peek(unknown, sizeof(unknown), &id, &op, &ilen), 0,
		   "peek: an unknown field is left to protobuf-c");
	const uint8_t other[] = { 0x1a, 0x00, 0xca, 0x0c, 0x00 };
	TAP_IS_INT(peek(other, sizeof(other), &id, &op, &ilen), 0,
		   "peek: a field other than id and op is left to protobuf-c");
	const uint8_t past_end[] = { 0xca, 0x0c, 0x05, 0x0a };
	TAP_IS_INT(peek(past_end, sizeof(past_end), &id, &op, &ilen), 0,
		   "peek: a length past the end is left to protobuf-c");
	const uint8_t op_varint[] = { 0xc8, 0x0c, 0x01 };
	TAP_IS_INT(peek(op_varint, sizeof(op_varint), &id, &op, &ilen), 0,
		   "peek: an op with the wrong wire type is left to protobuf-c");
	const uint8_t long_varint[] = { 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					0xff, 0xff, 0xff, 0x7f, 0xca, 0x0c, 0x00 };
	TAP_IS_INT(peek(long_varint, sizeof(long_varint), &id, &op, &ilen), 0,
		   "peek: a varint beyond 64 bits is left to protobuf-c");
	TAP_IS_INT(peek(b, 0, &id, &op, &ilen), 0, "peek: an empty body has no op");
	const uint8_t id_only[] = { 0x08, 0x01 };
	TAP_IS_INT(peek(id_only, sizeof(id_only), &id, &op, &ilen), 0,
		   "peek: no op is left to protobuf-c");
}

static int all_zero(const uint8_t *p, size_t n)
{
	int z = 1;
	for (size_t i = 0; i < n; i++)
		z &= p[i] == 0;
	return z;
}

/* Bytes marked secret leave no copy: wiped when drained, when compacted
 * away, and a grown buffer's old block is wiped before it is freed (checked
 * here through the bytes that stay behind in the same allocation). */
static void test_buf_secret(void)
{
	struct rpc_buf b;
	rpc_buf_init(&b);
	uint8_t *t;
	rpc_buf_reserve(&b, 40, &t);
	memset(t, 'S', 40);
	rpc_buf_commit(&b, 40);
	rpc_buf_mark_secret(&b);
	rpc_buf_consume(&b, 10);
	tap_ok(b.data[0] == 'S', "secret: a partly sent answer is kept until sent");
	rpc_buf_consume(&b, 30);
	tap_ok(all_zero(b.data, 40), "secret: wiped once drained");
	TAP_IS_INT((int)b.wipe_end, 0, "secret: nothing left to wipe");

	/* compaction: the moved bytes' old places are wiped */
	rpc_buf_reserve(&b, b.cap, &t);
	size_t cap = b.cap;
	memset(t, 'S', cap);
	rpc_buf_commit(&b, cap);
	rpc_buf_mark_secret(&b);
	rpc_buf_consume(&b, cap - 8);
	rpc_buf_reserve(&b, cap - 16, &t);   /* fits after moving 8 bytes down */
	TAP_IS_INT((int)b.cap, (int)cap, "secret: compacted in place");
	tap_ok(all_zero(b.data + 8, cap - 8), "secret: compaction wipes what it left behind");
	tap_ok(b.data[0] == 'S' && b.data[7] == 'S', "secret: the unsent bytes moved intact");
	rpc_buf_consume(&b, 8);
	tap_ok(all_zero(b.data, cap), "secret: wiped once drained after compaction");

	/* growth: copied into a new block, which keeps the mark */
	rpc_buf_reserve(&b, 16, &t);
	memset(t, 'S', 16);
	rpc_buf_commit(&b, 16);
	rpc_buf_mark_secret(&b);
	rpc_buf_reserve(&b, cap * 4, &t);
	tap_ok(b.cap >= cap * 4 && b.wipe_end == 16, "secret: growth keeps the mark");
	tap_ok(memcmp(rpc_buf_head(&b), "SSSSSSSSSSSSSSSS", 16) == 0, "secret: growth keeps the bytes");
	rpc_buf_consume(&b, 16);
	tap_ok(all_zero(b.data, 16), "secret: the grown buffer is wiped once drained");

	/* an unmarked buffer is not wiped (the common case costs nothing) */
	rpc_buf_reserve(&b, 4, &t);
	memcpy(t, "open", 4);
	rpc_buf_commit(&b, 4);
	rpc_buf_consume(&b, 4);
	tap_ok(memcmp(b.data, "open", 4) == 0, "secret: unmarked bytes are left alone");
	rpc_buf_release(&b);
	tap_ok(b.data == NULL && b.wipe_end == 0, "secret: release");
}

/* rpc_varint_get(): what protobuf accepts as a 64-bit varint, nothing more */
static void test_varint_get(void)
{
	uint8_t buf[16];
	uint64_t v = 0;
	const uint64_t cases[] = { 0, 1, 127, 128, 300, UINT32_MAX, (uint64_t)1 << 63, UINT64_MAX };
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		uint8_t *end = rpc_varint_put(buf, cases[i]);
		const uint8_t *got = rpc_varint_get(buf, end, &v);
		tap_ok(got == end && v == cases[i] && (size_t)(end - buf) == rpc_varint_len(cases[i]),
		       "varint %llu: read back whole (%zu bytes)", (unsigned long long)cases[i],
		       (size_t)(end - buf));
		tap_ok(rpc_varint_get(buf, end - 1, &v) == NULL, "varint %llu: truncated is refused",
		       (unsigned long long)cases[i]);
	}
	/* ten bytes whose last is above 1: beyond 2^64 - 1 */
	memset(buf, 0xff, 9);
	buf[9] = 0x02;
	tap_ok(rpc_varint_get(buf, buf + 10, &v) == NULL, "varint above 2^64 - 1 is refused");
	/* eleven bytes (a continuation bit on the tenth) */
	memset(buf, 0x80, 10);
	buf[10] = 0x00;
	tap_ok(rpc_varint_get(buf, buf + 11, &v) == NULL, "varint of 11 bytes is refused");
	tap_ok(rpc_varint_get(buf, buf, &v) == NULL, "no bytes: no varint");
}

int main(void)
{
	test_varint_get();
	test_buf_secret();
	test_request_peek();
	test_pack_response();
	test_parse();
	test_buf_frames();
	test_fd();
	return tap_done();
}
