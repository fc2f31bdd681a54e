/* gateway_up: iam-gateway's connections to iamd's api socket (gateway.h).
 * A few persistent connections, each opened with Hello; requests are
 * pipelined on them and iamd answers each connection in request order, so
 * a FIFO of pending requests per connection matches the answers (their ids
 * are checked). A lost connection fails its pending requests (the HTTP
 * clients get ServiceUnavailable) and is opened again on the next request. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "api.pb-c.h"
#include "gateway.h"
#include "pbjson/pbjson.h"
#include "rpc/rpc.h"
#include "util/arena.h"

#define MAX_ANSWER (64u << 20)
#define IN_START (64u << 10)

struct pending {
	struct pending *next;
	uint64_t id;
	struct gw_conn *conn;
	gw_done_fn done;
};

/* One api-socket connection. Writes go straight to the socket while
 * nothing waits before them (no event loop turn, no epoll change); what
 * the socket does not take waits in `out` for EPOLLOUT. Answers are read
 * into `in`, one read per readable event. */
struct conn {
	struct gw_up *u;
	int fd;                    /* -1 while closed */
	struct gw_watch w;         /* EPOLLIN, and EPOLLOUT while `out` holds bytes */
	uint8_t *out;              /* [out_off, out_len) to send */
	size_t out_off, out_len, out_cap;
	uint8_t *in;
	size_t in_len, in_cap;
	struct pending *head, *tail;
	size_t n;
	bool hello_pending;
};

struct gw_up {
	struct gw_loop *loop;
	char *path;
	unsigned n;
	unsigned rr;
	uint64_t next_id;
	size_t waiting;            /* requests sent, not yet answered */
	struct conn *conns;
	struct arena *arena;       /* the answer being decoded */
	ProtobufCAllocator pb;     /* draws from arena */
};

static void *pb_alloc(void *data, size_t size)
{
	return arena_alloc(data, size);
}

static void pb_free(void *data, void *p)
{
	(void)data;
	(void)p;   /* arena_reset after each answer */
}

/* Whether an answer's type can hold a secret (CreateAccessKey's, a
 * session's credentials, an MFA seed): remembered per type. Such an answer
 * leaves no copy in the gateway: its frame, its decoded form and its XML
 * are wiped once it is sent (and the connection buffers' moves and growth
 * wipe what they leave behind). */
static bool answer_secret(const Iam__Response *r)
{
	static struct {
		const ProtobufCMessageDescriptor *d;
		bool secret;
	} seen[64];
	if (r->result_case == IAM__RESPONSE__RESULT__NOT_SET)
		return false;
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field(&iam__response__descriptor,
							(unsigned)r->result_case);
	if (!f || f->type != PROTOBUF_C_TYPE_MESSAGE)
		return false;
	const ProtobufCMessageDescriptor *d = f->descriptor;
	size_t i = ((uintptr_t)d >> 4) % 64;
	if (seen[i].d != d) {
		seen[i].d = d;
		seen[i].secret = pbjson_type_has_secret(d);
	}
	return seen[i].secret;
}

/* realloc() that leaves no copy of the old bytes behind. */
static uint8_t *in_grow(struct conn *c, size_t cap)
{
	uint8_t *n = malloc(cap);
	if (!n)
		return NULL;
	if (c->in) {
		memcpy(n, c->in, c->in_len);
		explicit_bzero(c->in, c->in_cap);
		free(c->in);
	}
	c->in = n;
	c->in_cap = cap;
	return n;
}

static void out_free(struct conn *c)
{
	if (c->out)
		explicit_bzero(c->out, c->out_cap);   /* requests may hold a secret */
	free(c->out);
	c->out = NULL;
	c->out_off = c->out_len = c->out_cap = 0;
}

static void conn_close(struct conn *c, const char *why)
{
	struct pending *p = c->head;
	if (c->fd >= 0) {
		if (why)
			fprintf(stderr, "iam-gateway: api socket connection lost: %s\n", why);
		gw_watch_del(c->u->loop, &c->w);
		close(c->fd);
	}
	out_free(c);
	c->fd = -1;
	if (c->in)
		explicit_bzero(c->in, c->in_cap);
	free(c->in);
	c->in = NULL;
	c->in_len = c->in_cap = 0;
	c->head = c->tail = NULL;
	c->u->waiting -= c->n;
	c->n = 0;
	c->hello_pending = false;
	while (p) {
		struct pending *next = p->next;
		p->done(p->conn, NULL);
		free(p);
		p = next;
	}
}

/* The Response envelope decoded by hand into the arena: its id, status,
 * request_id and the one result field, each once, the result with its own
 * message's descriptor - protobuf-c's unpack of Response initializes and
 * checks each of the oneof's hundred-odd fields per answer. NULL for
 * anything else (unknown fields, a field twice, two results, bytes that
 * are not protobuf): the caller decodes it whole then, which gives the
 * same meaning. */
static Iam__Response *response_peek(struct gw_up *u, const uint8_t *body, size_t len)
{
	const ProtobufCMessageDescriptor *d = &iam__response__descriptor;
	const uint8_t *p = body, *end = body + len;
	Iam__Response *r = arena_alloc(u->arena, sizeof(*r));
	uint64_t v, n;
	if (!r)
		return NULL;
	iam__response__init(r);
	while (p < end) {
		p = rpc_varint_get(p, end, &v);
		if (!p || v > UINT32_MAX)
			return NULL;
		uint32_t number = (uint32_t)(v >> 3), wire = (uint32_t)(v & 7);
		if (number == RPC_RESPONSE_ID && wire == 0 && !r->has_id) {
			if (!(p = rpc_varint_get(p, end, &r->id)))
				return NULL;
			r->has_id = true;
			continue;
		}
		if (wire != 2 || !(p = rpc_varint_get(p, end, &n)) || n > (uint64_t)(end - p))
			return NULL;
		const uint8_t *inner = p;
		p += n;
		if (number == RPC_RESPONSE_STATUS && !r->status) {
			r->status = iam__status__unpack(&u->pb, (size_t)n, inner);
			if (!r->status)
				return NULL;
			continue;
		}
		if (number == RPC_RESPONSE_REQUEST_ID && !r->request_id) {
			if (!(r->request_id = arena_alloc(u->arena, (size_t)n + 1)))
				return NULL;
			memcpy(r->request_id, inner, (size_t)n);
			r->request_id[n] = '\0';
			continue;
		}
		const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(d, number);
		if (!f || f->type != PROTOBUF_C_TYPE_MESSAGE ||
		    !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) ||
		    r->result_case != IAM__RESPONSE__RESULT__NOT_SET)
			return NULL;
		ProtobufCMessage *m = protobuf_c_message_unpack(f->descriptor, &u->pb, (size_t)n,
								inner);
		if (!m)
			return NULL;
		*(ProtobufCMessage **)((char *)r + f->offset) = m;
		r->result_case = (Iam__Response__ResultCase)number;
	}
	return r;
}

/* Handles one whole answer frame's body; false when the connection had to
 * be closed. */
static bool conn_answer(struct conn *c, const uint8_t *body, uint32_t len)
{
	struct gw_up *u = c->u;
	arena_reset(u->arena);
	Iam__Response *resp = response_peek(u, body, len);
	if (!resp) {
		arena_reset_wipe(u->arena);   /* it may have decoded a secret */
		resp = iam__response__unpack(&u->pb, len, body);
	}
	if (!resp) {
		conn_close(c, "an answer that does not decode");
		return false;
	}
	bool secret = answer_secret(resp);
	if (secret)   /* decoded into the arena: the frame is no longer needed */
		explicit_bzero((uint8_t *)body, len);
	if (c->hello_pending) {
		c->hello_pending = false;
		bool good = resp->result_case == IAM__RESPONSE__RESULT_HELLO;
		if (!good)
			conn_close(c, "Hello refused");
		return good;
	}
	struct pending *pd = c->head;
	if (!pd || pd->id != resp->id) {
		conn_close(c, "an answer to no request");
		return false;
	}
	c->head = pd->next;
	if (!c->head)
		c->tail = NULL;
	c->n--;
	u->waiting--;
	pd->done(pd->conn, resp);
	free(pd);
	if (secret) {   /* answered (or copied for a slow client, wiped then) */
		gw_http_wipe();
		arena_reset_wipe(u->arena);
	}
	return true;
}

static void conn_read(struct conn *c)
{
	int fd = c->fd;
	if (c->in_len == c->in_cap) {
		size_t cap = c->in_cap ? 2 * c->in_cap : IN_START;
		if (cap > MAX_ANSWER + RPC_HDR_LEN || !in_grow(c, cap)) {
			conn_close(c, "an answer too large");
			return;
		}
	}
	ssize_t r = read(fd, c->in + c->in_len, c->in_cap - c->in_len);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (r <= 0) {
		conn_close(c, r == 0 ? "closed by iamd" : strerror(errno));
		return;
	}
	c->in_len += (size_t)r;
	size_t off = 0;
	for (;;) {
		uint32_t len = 0;
		int k = rpc_frame_parse(c->in + off, c->in_len - off, MAX_ANSWER, &len);
		if (k < 0) {
			conn_close(c, "bad frame");
			return;
		}
		if (k == 0) {
			/* a frame larger than the buffer: make room for it whole */
			if (len && RPC_HDR_LEN + (size_t)len > c->in_cap &&
			    !in_grow(c, RPC_HDR_LEN + (size_t)len)) {
				conn_close(c, "out of memory");
				return;
			}
			break;
		}
		if (!conn_answer(c, c->in + off + RPC_HDR_LEN, len) || c->fd < 0)
			return;   /* closed (by the answer's callback, too) */
		off += RPC_HDR_LEN + (size_t)len;
	}
	if (off) {
		memmove(c->in, c->in + off, c->in_len - off);
		explicit_bzero(c->in + c->in_len - off, off);   /* the old places */
		c->in_len -= off;
	}
	if (c->in_len == 0 && c->in_cap > IN_START) {   /* after a large answer */
		free(c->in);
		c->in = NULL;
		c->in_cap = 0;
	}
}

static void conn_write(struct conn *c)
{
	ssize_t w = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
	if (w < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			conn_close(c, strerror(errno));
		return;
	}
	c->out_off += (size_t)w;
	if (c->out_off < c->out_len)
		return;
	out_free(c);
	if (gw_watch_set(c->u->loop, &c->w, EPOLLIN) < 0)
		conn_close(c, "epoll");
}

static void conn_event(struct gw_watch *w, uint32_t events)
{
	struct conn *c = w->arg;
	if (c->out && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
		conn_write(c);
	if (c->fd >= 0 && (events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
		conn_read(c);
}

/* Sends a whole frame: at once while nothing waits, else after what does. */
static int conn_send(struct conn *c, const uint8_t *p, size_t len)
{
	if (!c->out) {
		ssize_t w = write(c->fd, p, len);
		if (w < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				return -errno;
			w = 0;
		}
		p += w;
		len -= (size_t)w;
		if (len == 0)
			return 0;
	}
	if (c->out_len + len > c->out_cap) {
		/* what is left moves to the front of a new buffer; the old one
		 * is wiped */
		size_t left = c->out_len - c->out_off;
		size_t cap = 2 * (left + len);
		uint8_t *n = malloc(cap);
		if (!n)
			return -ENOMEM;
		if (left)
			memcpy(n, c->out + c->out_off, left);
		out_free(c);
		c->out = n;
		c->out_cap = cap;
		c->out_len = left;
	}
	memcpy(c->out + c->out_len, p, len);
	c->out_len += len;
	return gw_watch_set(c->u->loop, &c->w, EPOLLIN | EPOLLOUT);
}

static int conn_open(struct conn *c)
{
	struct rpc_buf b;
	Iam__Request req = IAM__REQUEST__INIT;
	Iam__Hello hello = IAM__HELLO__INIT;
	int fd = -1;
	int r = rpc_connect_unix(c->u->path, &fd);
	if (r < 0)
		return r;
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ||
	    (r = gw_watch_add(c->u->loop, &c->w, fd, EPOLLIN, conn_event, c)) < 0) {
		r = fl < 0 ? -errno : r < 0 ? r : -errno;
		close(fd);
		return r;
	}
	c->fd = fd;
	hello.has_version = true;
	hello.version = 1;
	hello.client = (char *)"iam-gateway/" PACKAGE_VERSION;
	req.op_case = IAM__REQUEST__OP_HELLO;
	req.hello = &hello;
	rpc_buf_init(&b);
	r = rpc_frame_pack(&b, &req.base);
	if (r == 0)
		r = conn_send(c, rpc_buf_head(&b), rpc_buf_len(&b));
	rpc_buf_release(&b);
	if (r < 0) {
		conn_close(c, NULL);
		return r;
	}
	c->hello_pending = true;
	return 0;
}

int gw_up_new(struct gw_loop *loop, const char *socket_path, unsigned n,
	      struct gw_up **ret)
{
	struct gw_up *u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->loop = loop;
	u->n = n ? n : 1;
	u->path = strdup(socket_path);
	u->conns = calloc(u->n, sizeof(*u->conns));
	if (!u->path || !u->conns || arena_new(64 * 1024, &u->arena) < 0) {
		gw_up_free(u);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < u->n; i++) {
		u->conns[i].u = u;
		u->conns[i].fd = -1;
		u->conns[i].w.fd = -1;
	}
	u->pb.alloc = pb_alloc;
	u->pb.free = pb_free;
	u->pb.allocator_data = u->arena;
	u->next_id = 1;
	*ret = u;
	return 0;
}

void gw_up_free(struct gw_up *u)
{
	if (!u)
		return;
	for (unsigned i = 0; u->conns && i < u->n; i++)
		conn_close(&u->conns[i], NULL);
	free(u->conns);
	free(u->path);
	arena_free(u->arena);
	free(u);
}

uint64_t gw_up_next_id(struct gw_up *u)
{
	return u->next_id++;
}

bool gw_up_waiting(void *u)
{
	return ((struct gw_up *)u)->waiting > 0;
}

int gw_up_send(struct gw_up *u, uint64_t id, const uint8_t *frame, size_t len,
	       struct gw_conn *conn, gw_done_fn done)
{
	struct conn *c = &u->conns[u->rr++ % u->n];
	if (c->fd < 0) {
		int r = conn_open(c);
		if (r < 0)
			return r;
	}
	if (c->n >= GW_MAX_INFLIGHT)
		return -EAGAIN;
	struct pending *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	int r = conn_send(c, frame, len);
	if (r < 0) {
		free(p);
		conn_close(c, strerror(-r));
		return r;
	}
	p->id = id;
	p->conn = conn;
	p->done = done;
	if (c->tail)
		c->tail->next = p;
	else
		c->head = p;
	c->tail = p;
	c->n++;
	u->waiting++;
	return 0;
}
