/* Unit tests for lib/rpc: the frame reader, packing, and the blocking
 * client helpers over a real socketpair. */
#include "config.h"
#include "rpc/rpc.h"
#include "api.pb-c.h"
#include "../tap.h"

#include <errno.h>
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

int main(void)
{
	test_parse();
	test_buf_frames();
	test_fd();
	return tap_done();
}
