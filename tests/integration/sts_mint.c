/* sts_mint: asks iam-keyd directly (its socket, as iamd's uid) to mint
 * temporary credentials with claims of the test's choosing, for what iamd
 * itself never issues: a session that has ALREADY EXPIRED (AssumeRole's
 * shortest session lasts 900 s). tests/integration/sts.sh presents it to
 * iamd with tests/sigv4/sigv4_rawcall and expects ExpiredToken.
 *
 *   sts_mint KEYD_SOCKET ACCOUNT ROLE_ARN ROLE_ID ISSUED_AGO EXPIRES_IN
 *
 * ISSUED_AGO, EXPIRES_IN: seconds relative to now (EXPIRES_IN may be
 * negative). Prints "ACCESS_KEY_ID SECRET TOKEN"; exit 0, or 2 with the
 * reason on stderr. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "keyd.pb-c.h"
#include "rpc/rpc.h"
#include "util/id.h"

static Keyd__Response *roundtrip(int fd, Keyd__Request *req)
{
	uint8_t *body = NULL;
	size_t len;
	if (rpc_fd_send(fd, &req->base) < 0 || rpc_fd_recv(fd, 1u << 20, &body, &len) < 0)
		return NULL;
	Keyd__Response *r = keyd__response__unpack(NULL, len, body);
	free(body);
	return r;
}

int main(int argc, char **argv)
{
	Keyd__Request req = KEYD__REQUEST__INIT;
	Keyd__Hello hello = KEYD__HELLO__INIT;
	Keyd__MintSessionRequest mint = KEYD__MINT_SESSION_REQUEST__INIT;
	Keyd__SessionClaims cl = KEYD__SESSION_CLAIMS__INIT;
	Keyd__Response *resp;
	char id[UTIL_ID_LEN + 1], arn[512], pid[256];
	int fd = -1;

	if (argc != 7) {
		fprintf(stderr, "usage: sts_mint KEYD_SOCKET ACCOUNT ROLE_ARN ROLE_ID ISSUED_AGO EXPIRES_IN\n");
		return 2;
	}
	if (rpc_connect_unix(argv[1], &fd) < 0) {
		perror(argv[1]);
		return 2;
	}
	hello.has_version = true;
	hello.version = 1;
	hello.client = (char *)"sts_mint";
	req.id = 1;
	req.op_case = KEYD__REQUEST__OP_HELLO;
	req.hello = &hello;
	resp = roundtrip(fd, &req);
	if (!resp || resp->result_case != KEYD__RESPONSE__RESULT_HELLO) {
		fprintf(stderr, "sts_mint: no Hello from keyd\n");
		return 2;
	}
	keyd__response__free_unpacked(resp, NULL);

	int64_t now = (int64_t)time(NULL);
	const char *role = strrchr(argv[3], '/');
	if (util_id_new(UTIL_ID_TEMP_ACCESS_KEY, id) < 0 || !role)
		return 2;
	snprintf(arn, sizeof(arn), "arn:aws:sts::%s:assumed-role/%s/expired", argv[2], role + 1);
	snprintf(pid, sizeof(pid), "%s:expired", argv[4]);
	cl.access_key_id = id;
	cl.account = argv[2];
	cl.principal_arn = arn;
	cl.principal_id = pid;
	cl.role_arn = argv[3];
	cl.role_id = argv[4];
	cl.session_name = (char *)"expired";
	cl.has_issued = cl.has_expires = true;
	cl.issued = now - atoll(argv[5]);
	cl.expires = now + atoll(argv[6]);
	cl.has_kind = true;
	cl.kind = KEYD__SESSION_KIND__ASSUMED_ROLE;
	mint.claims = &cl;
	req.id = 2;
	req.op_case = KEYD__REQUEST__OP_MINT_SESSION;
	req.mint_session = &mint;
	resp = roundtrip(fd, &req);
	if (!resp || resp->result_case != KEYD__RESPONSE__RESULT_MINT_SESSION ||
	    !resp->mint_session->secret_access_key || !resp->mint_session->session_token) {
		fprintf(stderr, "sts_mint: keyd refused: %s\n",
			resp && resp->status && resp->status->message ? resp->status->message : "?");
		return 2;
	}
	printf("%s %s %s\n", id, resp->mint_session->secret_access_key,
	       resp->mint_session->session_token);
	keyd__response__free_unpacked(resp, NULL);
	close(fd);
	return 0;
}
