/* sigv4_rawcall: one sts:GetCallerIdentity on iamd's api socket, signed
 * by hand with lib/sigv4 at a date of the caller's choosing (libiam always
 * signs with the current time), for the skew and malformed-header cases
 * of tests/integration/sigv4_e2e.sh.
 *
 *   sigv4_rawcall SOCKET AKID SECRET OFFSET [AUTHZ [TOKEN]]
 *
 * OFFSET: seconds added to the current time for X-Amz-Date. AUTHZ: an
 * Authorization value to send instead of the computed one ("-": computed).
 * TOKEN: an X-Amz-Security-Token (signed). Prints "OK <arn>" or
 * "<code>: <message>"; exits 0 when iamd answered, 2 otherwise. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api.pb-c.h"
#include "rpc/rpc.h"
#include "sigv4/sigv4.h"
#include "util/arena.h"

static int roundtrip(int fd, Iam__Request *req, Iam__Response **ret)
{
	uint8_t *body = NULL;
	size_t len;
	int r = rpc_fd_send(fd, &req->base);
	if (r < 0)
		return r;
	r = rpc_fd_recv(fd, 1u << 20, &body, &len);
	if (r < 0)
		return r;
	r = rpc_msg_unpack(&iam__response__descriptor, NULL, body, len,
			   (ProtobufCMessage **)ret);
	free(body);
	return r;
}

int main(int argc, char **argv)
{
	struct arena *a = NULL;
	Iam__Request req = IAM__REQUEST__INIT;
	Iam__Hello hello = IAM__HELLO__INIT;
	Iam__GetCallerIdentityRequest gci = IAM__GET_CALLER_IDENTITY_REQUEST__INIT;
	Iam__SigV4Auth auth = IAM__SIG_V4_AUTH__INIT;
	Iam__Response *resp = NULL;
	char date[SIGV4_DATE_LEN + 1], hash[SIGV4_HEX_LEN + 1], *authz = NULL;
	int fd = -1;

	if (argc < 5 || arena_new(0, &a) < 0) {
		fprintf(stderr, "usage: sigv4_rawcall SOCKET AKID SECRET OFFSET [AUTHZ [TOKEN]]\n");
		return 2;
	}
	if (rpc_connect_unix(argv[1], &fd) < 0) {
		perror(argv[1]);
		return 2;
	}
	hello.has_version = true;
	hello.version = 1;
	req.op_case = IAM__REQUEST__OP_HELLO;
	req.hello = &hello;
	if (roundtrip(fd, &req, &resp) < 0)
		return 2;
	iam__response__free_unpacked(resp, NULL);

	sigv4_date_format((int64_t)time(NULL) + atoll(argv[4]), date);
	sigv4_sha256_hex("", 0, hash);    /* the packed GetCallerIdentityRequest: empty */
	struct sigv4_api_call call = {
		.action = "GetCallerIdentity", .amz_date = date, .payload_hash = hash,
		.security_token = argc > 6 ? argv[6] : NULL,
	};
	if (argc > 5 && strcmp(argv[5], "-") != 0)
		authz = argv[5];
	else if (sigv4_api_sign(a, &call, argv[2], argv[3], strlen(argv[3]), "us-east-1",
				"sts", &authz) < 0)
		return 2;
	auth.authorization = authz;
	auth.amz_date = date;
	auth.security_token = (char *)call.security_token;
	memset(&req, 0, sizeof(req));
	iam__request__init(&req);
	req.has_id = true;
	req.id = 2;
	req.sigv4 = &auth;
	req.op_case = IAM__REQUEST__OP_GET_CALLER_IDENTITY;
	req.get_caller_identity = &gci;
	if (roundtrip(fd, &req, &resp) < 0)
		return 2;
	if (resp->status && resp->status->code && *resp->status->code)
		printf("%s: %s\n", resp->status->code,
		       resp->status->message ? resp->status->message : "");
	else if (resp->result_case == IAM__RESPONSE__RESULT_GET_CALLER_IDENTITY)
		printf("OK %s\n", resp->get_caller_identity->arn ? resp->get_caller_identity->arn : "");
	iam__response__free_unpacked(resp, NULL);
	close(fd);
	arena_free(a);
	return 0;
}
