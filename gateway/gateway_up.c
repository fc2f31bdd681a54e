/* gateway_up: iam-gateway's connections to iamd's api socket (gateway.h).
 * A few persistent connections, each opened with Hello; requests are
 * pipelined on them and iamd answers each connection in request order, so
 * a FIFO of pending requests per connection matches the answers (their ids
 * are checked). A lost connection fails its pending requests (the HTTP
 * clients get ServiceUnavailable) and is opened again on the next request. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/util.h>

#include "api.pb-c.h"
#include "gateway.h"
#include "rpc/rpc.h"

#define MAX_ANSWER (64u << 20)

struct pending {
	struct pending *next;
	uint64_t id;
	struct evhttp_request *req;
	gw_done_fn done;
	void *data;
};

struct conn {
	struct gw_up *u;
	struct bufferevent *bev;   /* NULL while closed */
	struct pending *head, *tail;
	size_t n;
	bool hello_pending;
};

struct gw_up {
	struct event_base *base;
	char *path;
	unsigned n;
	unsigned rr;
	uint64_t next_id;
	struct conn *conns;
};

static void conn_close(struct conn *c, const char *why)
{
	struct pending *p = c->head;
	if (c->bev) {
		if (why)
			fprintf(stderr, "iam-gateway: api socket connection lost: %s\n", why);
		bufferevent_free(c->bev);
	}
	c->bev = NULL;
	c->head = c->tail = NULL;
	c->n = 0;
	c->hello_pending = false;
	while (p) {
		struct pending *next = p->next;
		p->done(p->req, NULL, p->data);
		free(p);
		p = next;
	}
}

static void conn_read(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	for (;;) {
		uint8_t hdr[RPC_HDR_LEN];
		uint32_t len = 0;
		size_t have = evbuffer_get_length(in);
		if (have < RPC_HDR_LEN)
			return;
		evbuffer_copyout(in, hdr, sizeof(hdr));
		int r = rpc_frame_parse(hdr, sizeof(hdr), MAX_ANSWER, &len);
		if (r < 0) {
			conn_close(c, "bad frame");
			return;
		}
		if (have < RPC_HDR_LEN + (size_t)len)
			return;
		uint8_t *p = evbuffer_pullup(in, (ev_ssize_t)(RPC_HDR_LEN + len));
		Iam__Response *resp = p ? iam__response__unpack(NULL, len, p + RPC_HDR_LEN) : NULL;
		evbuffer_drain(in, RPC_HDR_LEN + len);
		if (!resp) {
			conn_close(c, "an answer that does not decode");
			return;
		}
		if (c->hello_pending) {
			c->hello_pending = false;
			bool good = resp->result_case == IAM__RESPONSE__RESULT_HELLO;
			iam__response__free_unpacked(resp, NULL);
			if (!good) {
				conn_close(c, "Hello refused");
				return;
			}
			continue;
		}
		struct pending *pd = c->head;
		if (!pd || pd->id != resp->id) {
			iam__response__free_unpacked(resp, NULL);
			conn_close(c, "an answer to no request");
			return;
		}
		c->head = pd->next;
		if (!c->head)
			c->tail = NULL;
		c->n--;
		pd->done(pd->req, resp, pd->data);
		iam__response__free_unpacked(resp, NULL);
		free(pd);
	}
}

static void conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		conn_close(c, what & BEV_EVENT_EOF ? "closed by iamd" :
			   evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
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
	evutil_make_socket_nonblocking(fd);
	c->bev = bufferevent_socket_new(c->u->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!c->bev) {
		close(fd);
		return -ENOMEM;
	}
	bufferevent_setcb(c->bev, conn_read, NULL, conn_event, c);
	bufferevent_enable(c->bev, EV_READ);
	hello.has_version = true;
	hello.version = 1;
	hello.client = (char *)"iam-gateway/" PACKAGE_VERSION;
	req.op_case = IAM__REQUEST__OP_HELLO;
	req.hello = &hello;
	rpc_buf_init(&b);
	r = rpc_frame_pack(&b, &req.base);
	if (r == 0 && bufferevent_write(c->bev, rpc_buf_head(&b), rpc_buf_len(&b)) < 0)
		r = -ENOMEM;
	rpc_buf_release(&b);
	if (r < 0) {
		conn_close(c, NULL);
		return r;
	}
	c->hello_pending = true;
	return 0;
}

int gw_up_new(struct event_base *base, const char *socket_path, unsigned n,
	      struct gw_up **ret)
{
	struct gw_up *u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->base = base;
	u->n = n ? n : 1;
	u->path = strdup(socket_path);
	u->conns = calloc(u->n, sizeof(*u->conns));
	if (!u->path || !u->conns) {
		gw_up_free(u);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < u->n; i++)
		u->conns[i].u = u;
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
	free(u);
}

uint64_t gw_up_next_id(struct gw_up *u)
{
	return u->next_id++;
}

int gw_up_send(struct gw_up *u, uint64_t id, const uint8_t *frame, size_t len,
	       struct evhttp_request *req, gw_done_fn done, void *data)
{
	struct conn *c = &u->conns[u->rr++ % u->n];
	if (!c->bev) {
		int r = conn_open(c);
		if (r < 0)
			return r;
	}
	if (c->n >= GW_MAX_INFLIGHT)
		return -EAGAIN;
	struct pending *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	if (bufferevent_write(c->bev, frame, len) < 0) {
		free(p);
		return -ENOMEM;
	}
	p->id = id;
	p->req = req;
	p->done = done;
	p->data = data;
	if (c->tail)
		c->tail->next = p;
	else
		c->head = p;
	c->tail = p;
	c->n++;
	return 0;
}
