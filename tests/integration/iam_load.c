/* iam_load: a write load and a reader for the integration tests, on one
 * api connection (raw frames through lib/rpc, so thousands of calls take
 * seconds, not thousands of process starts).
 *
 *   iam_load create-users SOCKET PREFIX COUNT [PATH]
 *       creates PREFIX00000 ... in order; prints each user's name on stdout
 *       (flushed) once iamd acknowledged it; exits 0 when all were created,
 *       1 at the first failure (a refusal, or the daemon gone).
 *   iam_load list-users SOCKET [PAGE]
 *       prints every user name, following markers with MaxItems PAGE
 *       (default 1000); exits 1 on any error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.pb-c.h"
#include "rpc/rpc.h"

#define CAP (4u << 20)

static int fd = -1;
static uint64_t next_id = 1;

/* Sends `rq` and returns the response (malloc'd), or NULL. */
static Iam__Response *roundtrip(Iam__Request *rq)
{
	uint8_t *body = NULL;
	size_t len = 0;
	rq->has_id = true;
	rq->id = next_id++;
	int r = rpc_fd_send(fd, &rq->base);
	if (r < 0) {
		fprintf(stderr, "iam_load: send: %s\n", strerror(-r));
		return NULL;
	}
	r = rpc_fd_recv(fd, CAP, &body, &len);
	if (r < 0) {
		fprintf(stderr, "iam_load: recv: %s\n", strerror(-r));
		return NULL;
	}
	Iam__Response *resp = iam__response__unpack(NULL, len, body);
	free(body);
	if (!resp)
		fprintf(stderr, "iam_load: undecodable response\n");
	return resp;
}

static bool failed(Iam__Response *resp, const char *what)
{
	if (resp->status && resp->status->code && *resp->status->code) {
		fprintf(stderr, "iam_load: %s: %s: %s\n", what, resp->status->code,
			resp->status->message ? resp->status->message : "");
		return true;
	}
	return false;
}

static int hello(const char *sock)
{
	int r = rpc_connect_unix(sock, &fd);
	if (r < 0) {
		fprintf(stderr, "iam_load: connect %s: %s\n", sock, strerror(-r));
		return -1;
	}
	Iam__Hello h = IAM__HELLO__INIT;
	h.has_version = true;
	h.version = 1;
	h.client = "iam_load";
	Iam__Request rq = IAM__REQUEST__INIT;
	rq.op_case = IAM__REQUEST__OP_HELLO;
	rq.hello = &h;
	Iam__Response *resp = roundtrip(&rq);
	if (!resp || failed(resp, "Hello")) {
		if (resp)
			iam__response__free_unpacked(resp, NULL);
		return -1;
	}
	iam__response__free_unpacked(resp, NULL);
	return 0;
}

static int create_users(const char *prefix, long count, const char *path)
{
	char name[80];
	for (long i = 0; i < count; i++) {
		snprintf(name, sizeof(name), "%s%05ld", prefix, i);
		Iam__CreateUserRequest cu = IAM__CREATE_USER_REQUEST__INIT;
		cu.user_name = name;
		cu.path = (char *)path;
		Iam__Request rq = IAM__REQUEST__INIT;
		rq.op_case = IAM__REQUEST__OP_CREATE_USER;
		rq.create_user = &cu;
		Iam__Response *resp = roundtrip(&rq);
		if (!resp)
			return 1;
		bool bad = failed(resp, name) || resp->result_case != IAM__RESPONSE__RESULT_CREATE_USER;
		iam__response__free_unpacked(resp, NULL);
		if (bad)
			return 1;
		printf("%s\n", name);
		fflush(stdout);
	}
	return 0;
}

static int list_users(int page)
{
	char *marker = NULL;
	int rc = 0;
	for (;;) {
		Iam__ListUsersRequest lu = IAM__LIST_USERS_REQUEST__INIT;
		lu.has_max_items = true;
		lu.max_items = page;
		lu.marker = marker;
		Iam__Request rq = IAM__REQUEST__INIT;
		rq.op_case = IAM__REQUEST__OP_LIST_USERS;
		rq.list_users = &lu;
		Iam__Response *resp = roundtrip(&rq);
		free(marker);
		marker = NULL;
		if (!resp)
			return 1;
		if (failed(resp, "ListUsers") || !resp->list_users) {
			iam__response__free_unpacked(resp, NULL);
			return 1;
		}
		Iam__ListUsersResponse *l = resp->list_users;
		for (size_t i = 0; i < l->n_users; i++)
			printf("%s\n", l->users[i]->user_name);
		if (l->is_truncated && l->marker)
			marker = strdup(l->marker);
		iam__response__free_unpacked(resp, NULL);
		if (!marker)
			break;
	}
	return rc;
}

int main(int argc, char **argv)
{
	if (argc >= 5 && strcmp(argv[1], "create-users") == 0) {
		if (hello(argv[2]) < 0)
			return 1;
		return create_users(argv[3], strtol(argv[4], NULL, 10), argc > 5 ? argv[5] : NULL);
	}
	if (argc >= 3 && strcmp(argv[1], "list-users") == 0) {
		if (hello(argv[2]) < 0)
			return 1;
		return list_users(argc > 3 ? atoi(argv[3]) : 1000);
	}
	fprintf(stderr, "usage: iam_load create-users SOCKET PREFIX COUNT [PATH]\n"
			"       iam_load list-users SOCKET [PAGE]\n");
	return 2;
}
