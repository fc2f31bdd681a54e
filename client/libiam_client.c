/* libiam client: the connection to iamd (connect, Hello, frames of lib/rpc
 * sent and received with poll() under one deadline per call, so that a
 * dead or frozen daemon never hangs the caller), the typed call and the
 * errors. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "api.pb-c.h"
#include "libiam_internal.h"
#include "rpc/rpc.h"
#include "util/arena.h"

#define LIBIAM_PROTOCOL_VERSION 1
#define LIBIAM_MAX_FRAME (64u << 20)    /* a response larger than this is an error */
#define LIBIAM_CLIENT_NAME "libiam/" PACKAGE_VERSION

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The deadline of a call started now (-1: none). */
static int64_t deadline_of(const iam_client *c)
{
	return c->timeout_ms > 0 ? now_ms() + c->timeout_ms : -1;
}

/* Waits for `events` on fd until the deadline: 0, -ETIMEDOUT or -errno. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };

	for (;;) {
		int64_t left = deadline < 0 ? -1 : deadline - now_ms();
		int r;
		if (deadline >= 0 && left <= 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, left > INT32_MAX ? INT32_MAX : (int)left);
		if (r > 0)
			return 0;   /* readable, writable, or HUP/ERR: the I/O says which */
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

static int write_all(int fd, const uint8_t *p, size_t n, int64_t deadline)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int r = wait_fd(fd, POLLOUT, deadline);
			if (r < 0)
				return r;
			continue;
		}
		return w < 0 ? -errno : -EPIPE;
	}
	return 0;
}

/* Reads exactly n bytes. -EPIPE on EOF before the first byte when
 * `at_start`, -EPROTO on EOF later. */
static int read_all(int fd, uint8_t *p, size_t n, bool at_start, int64_t deadline)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = recv(fd, p + got, n - got, 0);
		if (r > 0) {
			got += (size_t)r;
			continue;
		}
		if (r == 0)
			return at_start && got == 0 ? -EPIPE : -EPROTO;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			int w = wait_fd(fd, POLLIN, deadline);
			if (w < 0)
				return w;
			continue;
		}
		return -errno;
	}
	return 0;
}

static int send_request(int fd, const Iam__Request *req, int64_t deadline)
{
	struct rpc_buf out;
	int r;

	rpc_buf_init(&out);
	r = rpc_frame_pack(&out, &req->base);
	if (r >= 0)
		r = write_all(fd, rpc_buf_head(&out), rpc_buf_len(&out), deadline);
	rpc_buf_release(&out);
	return r;
}

static int recv_response(int fd, int64_t deadline, Iam__Response **ret)
{
	uint8_t hdr[RPC_HDR_LEN], *body = NULL;
	uint32_t n = 0;
	ProtobufCMessage *m = NULL;
	int r;

	r = read_all(fd, hdr, sizeof(hdr), true, deadline);
	if (r < 0)
		return r;
	/* the length is checked against the cap before anything is allocated */
	r = rpc_frame_parse(hdr, sizeof(hdr), LIBIAM_MAX_FRAME, &n);
	if (r < 0)
		return r == -EBADMSG ? -EPROTO : r;
	body = malloc(n);
	if (!body)
		return -ENOMEM;
	r = read_all(fd, body, n, false, deadline);
	if (r < 0)
		goto out;
	r = rpc_msg_unpack(&iam__response__descriptor, NULL, body, n, &m);
	if (r < 0) {
		r = -EPROTO;
		goto out;
	}
	*ret = (Iam__Response *)m;
	r = 0;
out:
	free(body);
	return r;
}

static void disconnect(iam_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

void libiam_disconnect_if_forked(iam_client *c)
{
	if (c->fd >= 0 && c->conn_pid != getpid())
		disconnect(c);
}

/* Sends req (its id set here) and waits for the response with the same id;
 * responses to other ids (a pipelining peer) are dropped. */
static int roundtrip(iam_client *c, Iam__Request *req, int64_t deadline,
		     Iam__Response **ret)
{
	uint64_t id = c->next_id++;
	int r;

	req->has_id = 1;
	req->id = id;
	r = send_request(c->fd, req, deadline);
	if (r < 0)
		return r;
	for (int skipped = 0; skipped < 1024; skipped++) {
		Iam__Response *resp = NULL;
		r = recv_response(c->fd, deadline, &resp);
		if (r < 0)
			return r;
		if (resp->has_id && resp->id == id) {
			*ret = resp;
			return 0;
		}
		iam__response__free_unpacked(resp, NULL);
	}
	return -EPROTO;
}

static int connect_unix(const char *path, int64_t deadline, int *ret_fd)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	for (;;) {
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN) {   /* the listen backlog is full: retry */
			struct timespec ts = { 0, 10 * 1000 * 1000 };
			if (deadline >= 0 && now_ms() >= deadline) {
				r = -ETIMEDOUT;
				goto fail;
			}
			nanosleep(&ts, NULL);
			continue;
		}
		if (errno == EINPROGRESS) {
			int err = 0;
			socklen_t len = sizeof(err);
			r = wait_fd(fd, POLLOUT, deadline);
			if (r < 0)
				goto fail;
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
				err = errno;
			if (err) {
				r = -err;
				goto fail;
			}
			break;
		}
		r = -errno;
		goto fail;
	}
	*ret_fd = fd;
	return 0;
fail:
	close(fd);
	return r;
}

static int set_str(char **dst, const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d)
		return -ENOMEM;
	free(*dst);
	*dst = d;
	return 0;
}

/* Connects and says Hello. */
static int client_connect(iam_client *c)
{
	Iam__Request req = IAM__REQUEST__INIT;
	Iam__Hello hello = IAM__HELLO__INIT;
	Iam__Response *resp = NULL;
	int64_t deadline = deadline_of(c);
	int r;

	disconnect(c);
	r = connect_unix(c->path, deadline, &c->fd);
	if (r < 0)
		return r;
	c->conn_pid = getpid();
	hello.has_version = 1;
	hello.version = LIBIAM_PROTOCOL_VERSION;
	hello.client = (char *)LIBIAM_CLIENT_NAME;
	req.op_case = IAM__REQUEST__OP_HELLO;
	req.hello = &hello;
	r = roundtrip(c, &req, deadline, &resp);
	if (r < 0)
		goto out;
	if ((resp->status && resp->status->code && *resp->status->code) ||
	    resp->result_case != IAM__RESPONSE__RESULT_HELLO) {
		r = -EPROTO;
		goto out;
	}
	if ((r = set_str(&c->account_id, resp->hello->account_id)) < 0 ||
	    (r = set_str(&c->server, resp->hello->server)) < 0)
		goto out;
	r = 0;
out:
	iam__response__free_unpacked(resp, NULL);
	if (r < 0)
		disconnect(c);
	return r;
}

IAM_EXPORT int iam_client_new(const char *socket_path, iam_client **ret)
{
	return iam_client_new_with_timeout(socket_path, IAM_DEFAULT_TIMEOUT_MS, ret);
}

IAM_EXPORT int iam_client_new_with_timeout(const char *socket_path,
					   int timeout_ms, iam_client **ret)
{
	iam_client *c;
	const char *path = socket_path;
	int r;

	if (!ret)
		return -EINVAL;
	if (!path || !*path)
		path = getenv("IAMD_SOCKET");
	if (!path || !*path)
		path = IAM_DEFAULT_SOCKET;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->fd = -1;
	c->next_id = 1;
	c->timeout_ms = timeout_ms;
	c->path = strdup(path);
	if (!c->path) {
		r = -ENOMEM;
		goto fail;
	}
	r = client_connect(c);
	if (r < 0)
		goto fail;
	*ret = c;
	return 0;
fail:
	iam_client_free(c);
	return r;
}

IAM_EXPORT void iam_client_free(iam_client *c)
{
	if (!c)
		return;
	disconnect(c);
	free(c->path);
	free(c->account_id);
	free(c->server);
	libiam_credentials_clear(c);
	free(c->region);
	free(c->act_as_account);
	arena_free(c->arena);
	free(c);
}

IAM_EXPORT int iam_client_set_account_id(iam_client *c, const char *account_id)
{
	char *d = NULL;
	if (!c)
		return -EINVAL;
	if (account_id) {
		size_t n = strlen(account_id);
		if (n != 12 || strspn(account_id, "0123456789") != 12)
			return -EINVAL;
		if (!(d = strdup(account_id)))
			return -ENOMEM;
	}
	free(c->act_as_account);
	c->act_as_account = d;
	return 0;
}

IAM_EXPORT void iam_client_set_timeout(iam_client *c, int timeout_ms)
{
	if (c)
		c->timeout_ms = timeout_ms;
}

IAM_EXPORT const char *iam_client_account_id(const iam_client *c)
{
	return c && c->account_id ? c->account_id : "";
}

IAM_EXPORT const char *iam_client_server(const iam_client *c)
{
	return c && c->server ? c->server : "";
}

/* True when the daemon closed the idle connection (EOF or error pending). */
static bool peer_gone(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char b;

	if (poll(&p, 1, 0) <= 0)
		return false;
	if (p.revents & (POLLHUP | POLLERR))
		return true;
	return recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

static int errno_of_code(const char *code)
{
	static const struct { const char *code; int err; } map[] = {
		{ "NoSuchEntity", -ENOENT },
		{ "EntityAlreadyExists", -EEXIST },
		{ "DeleteConflict", -ENOTEMPTY },
		{ "LimitExceeded", -EDQUOT },
		{ "ValidationError", -EINVAL },
		{ "InvalidInput", -EINVAL },
		{ "MalformedPolicyDocument", -EINVAL },
		{ "AccessDenied", -EACCES },
		{ "ServiceFailure", -EIO },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(code, map[i].code) == 0)
			return map[i].err;
	return -EREMOTEIO;
}

/* The result member of resp for field resp_f, detached from resp. */
static int take_result(Iam__Response *resp, const ProtobufCFieldDescriptor *resp_f,
		       ProtobufCMessage **ret)
{
	ProtobufCMessage **member = (ProtobufCMessage **)((char *)resp + resp_f->offset);
	const ProtobufCMessageDescriptor *d = resp_f->descriptor;
	ProtobufCMessage *m;

	if (resp->result_case == (Iam__Response__ResultCase)resp_f->id && *member) {
		*ret = *member;
		*member = NULL;
		resp->result_case = IAM__RESPONSE__RESULT__NOT_SET;
		return 0;
	}
	if (resp->result_case != IAM__RESPONSE__RESULT__NOT_SET)
		return -EPROTO;   /* the answer to another action */
	m = calloc(1, d->sizeof_message);
	if (!m)
		return -ENOMEM;
	protobuf_c_message_init(d, m);
	*ret = m;
	return 0;
}

int libiam_call(iam_client *c, const ProtobufCFieldDescriptor *req_f,
		const ProtobufCFieldDescriptor *resp_f, const ProtobufCMessage *req,
		ProtobufCMessage **ret_resp, iam_error **reterr)
{
	Iam__Request env = IAM__REQUEST__INIT;
	Iam__SigV4Auth auth = IAM__SIG_V4_AUTH__INIT;
	Iam__Response *resp = NULL;
	const Iam__Status *st;
	int64_t deadline;
	int r;

	if (c->fd >= 0 && peer_gone(c->fd))
		disconnect(c);
	if (c->fd < 0) {
		r = client_connect(c);
		if (r < 0)
			return r == -ENOENT ? -ECONNREFUSED : r;
	}
	env.op_case = (Iam__Request__OpCase)req_f->id;
	*(const ProtobufCMessage **)((char *)&env + req_f->offset) = req;
	r = libiam_sign(c, req_f, req, &auth);
	if (r < 0)
		return r;
	if (r > 0)
		env.sigv4 = &auth;
	else if (c->act_as_account)
		env.account_id = c->act_as_account;   /* a host root's other account */
	deadline = deadline_of(c);
	r = roundtrip(c, &env, deadline, &resp);
	if (r < 0) {
		disconnect(c);   /* the stream is in an unknown state */
		return r;
	}
	st = resp->status;
	if (st && st->code && *st->code) {
		r = errno_of_code(st->code);
		if (reterr) {
			int e = libiam_error_new(st->code, st->message,
						 resp->request_id,
						 st->has_http_status ? st->http_status : 0,
						 st->has_sender_fault && st->sender_fault,
						 reterr);
			if (e < 0)
				r = e;
		}
		goto out;
	}
	r = take_result(resp, resp_f, ret_resp);
out:
	iam__response__free_unpacked(resp, NULL);
	return r;
}

/* --- errors ---------------------------------------------------------- */

int libiam_error_new(const char *code, const char *message,
		     const char *request_id, unsigned http_status,
		     bool sender_fault, iam_error **ret)
{
	iam_error *e = calloc(1, sizeof(*e));

	if (!e)
		return -ENOMEM;
	e->code = strdup(code ? code : "");
	e->message = strdup(message ? message : "");
	e->request_id = strdup(request_id ? request_id : "");
	e->http_status = http_status;
	e->sender_fault = sender_fault;
	if (!e->code || !e->message || !e->request_id) {
		iam_error_free(e);
		return -ENOMEM;
	}
	*ret = e;
	return 0;
}

IAM_EXPORT const char *iam_error_code(const iam_error *e)
{
	return e ? e->code : "";
}

IAM_EXPORT const char *iam_error_message(const iam_error *e)
{
	return e ? e->message : "";
}

IAM_EXPORT const char *iam_error_request_id(const iam_error *e)
{
	return e ? e->request_id : "";
}

IAM_EXPORT unsigned iam_error_http_status(const iam_error *e)
{
	return e ? e->http_status : 0;
}

IAM_EXPORT bool iam_error_sender_fault(const iam_error *e)
{
	return e && e->sender_fault;
}

IAM_EXPORT void iam_error_free(iam_error *e)
{
	if (!e)
		return;
	free(e->code);
	free(e->message);
	free(e->request_id);
	free(e);
}

IAM_EXPORT void iam_free(void *p)
{
	free(p);
}
