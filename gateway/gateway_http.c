/* gateway_http: HTTP requests in, AWS's XML out (gateway.h). The request
 * is forwarded whole; only the answer is interpreted, from the Response
 * descriptor: the result's field names the action (CreateUser ->
 * <CreateUserResponse><CreateUserResult>), its service the XML namespace.
 * Also the per-connection bookkeeping: the connection count and the
 * request deadline (gateway.h). */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "api.pb-c.h"
#include "gateway.h"
#include "http.pb-c.h"
#include "pbjson/pbjson.h"
#include "pbjson/pbjson_query.h"
#include "rpc/rpc.h"

#define NS_IAM "https://iam.amazonaws.com/doc/2010-05-08/"
#define NS_STS "https://sts.amazonaws.com/doc/2011-06-15/"
#define MAX_HEADERS 128

static const char *reason(unsigned status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default: return status < 400 ? "OK" : "Error";
	}
}

static void error_xml(struct pbjson_xbuf *b, const char *ns, bool sender, const char *code,
		      const char *message, const char *request_id)
{
	pbjson_xbuf_adds(b, "<ErrorResponse xmlns=\"");
	pbjson_xbuf_adds(b, ns);
	pbjson_xbuf_adds(b, "\">\n  <Error>\n    <Type>");
	pbjson_xbuf_adds(b, sender ? "Sender" : "Receiver");
	pbjson_xbuf_adds(b, "</Type>\n    <Code>");
	pbjson_xbuf_escape(b, code, strlen(code));
	pbjson_xbuf_adds(b, "</Code>\n    <Message>");
	pbjson_xbuf_escape(b, message, strlen(message));
	pbjson_xbuf_adds(b, "</Message>\n  </Error>\n  <RequestId>");
	pbjson_xbuf_escape(b, request_id, strlen(request_id));
	pbjson_xbuf_adds(b, "</RequestId>\n</ErrorResponse>\n");
}

int gw_http_render(const Iam__Response *resp, char **ret, size_t *ret_len,
		   unsigned *ret_status)
{
	struct pbjson_xbuf b = { 0 };
	const char *rid = resp->request_id ? resp->request_id : "";
	const ProtobufCFieldDescriptor *f = NULL;
	char action[PBJSON_NAME_MAX];
	unsigned status = 200;
	int r = 0;

	if (resp->result_case != IAM__RESPONSE__RESULT__NOT_SET)
		f = protobuf_c_message_descriptor_get_field(&iam__response__descriptor,
							    (unsigned)resp->result_case);
	if (!f || pbjson_name_to_aws(f->name, action, sizeof(action)) < 0 ||
	    (resp->status && resp->status->code && *resp->status->code)) {
		const Iam__Status *st = resp->status;
		status = st && st->has_http_status ? st->http_status : 500;
		error_xml(&b, NS_IAM, st && st->has_sender_fault ? st->sender_fault : status < 500,
			  st && st->code ? st->code : "ServiceFailure",
			  st && st->message ? st->message : "", rid);
		goto out;
	}
	const ProtobufCMessage *m = *(ProtobufCMessage *const *)((const char *)resp + f->offset);
	const char *ns = strcmp(pbjson_action_service(action), "sts") == 0 ? NS_STS : NS_IAM;
	pbjson_xbuf_adds(&b, "<");
	pbjson_xbuf_adds(&b, action);
	pbjson_xbuf_adds(&b, "Response xmlns=\"");
	pbjson_xbuf_adds(&b, ns);
	pbjson_xbuf_adds(&b, "\">\n");
	/* The result element even when empty: botocore reads the result
	 * wrapper of actions whose output is an empty structure (UpdateRole);
	 * for actions without output (DeleteUser) AWS sends only the metadata
	 * and the SDKs ignore the element. */
	if (m) {
		pbjson_xbuf_adds(&b, "  <");
		pbjson_xbuf_adds(&b, action);
		pbjson_xbuf_adds(&b, "Result>");
		r = pbjson_to_xml(m, true, &b);
		if (r < 0)
			goto out;
		pbjson_xbuf_adds(&b, "</");
		pbjson_xbuf_adds(&b, action);
		pbjson_xbuf_adds(&b, "Result>\n");
	}
	pbjson_xbuf_adds(&b, "  <ResponseMetadata>\n    <RequestId>");
	pbjson_xbuf_escape(&b, rid, strlen(rid));
	pbjson_xbuf_adds(&b, "</RequestId>\n  </ResponseMetadata>\n</");
	pbjson_xbuf_adds(&b, action);
	pbjson_xbuf_adds(&b, "Response>\n");
out:
	if (r == 0 && b.failed)
		r = -ENOMEM;
	if (r < 0) {
		pbjson_xbuf_release(&b);
		return r;
	}
	*ret = b.data;
	*ret_len = b.len;
	*ret_status = status;
	return 0;
}

static void release_xml(const void *data, size_t len, void *arg)
{
	(void)len;
	(void)arg;
	free((void *)data);
}

static void send_xml(struct evhttp_request *req, unsigned status, char *xml, size_t len,
		     const char *request_id)
{
	struct evbuffer *out = evbuffer_new();
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Content-Type", "text/xml");
	if (request_id && *request_id)
		evhttp_add_header(h, "x-amzn-RequestId", request_id);
	if (out && evbuffer_add_reference(out, xml, len, release_xml, NULL) == 0)
		evhttp_send_reply(req, (int)status, reason(status), out);
	else {
		free(xml);
		evhttp_send_error(req, 500, NULL);
	}
	if (out)
		evbuffer_free(out);
}

static void send_error(struct evhttp_request *req, unsigned status, const char *code,
		       const char *message)
{
	struct pbjson_xbuf b = { 0 };
	error_xml(&b, NS_IAM, status < 500, code, message, "");
	if (b.failed) {
		pbjson_xbuf_release(&b);
		evhttp_send_error(req, 500, NULL);
		return;
	}
	send_xml(req, status, b.data, b.len, NULL);
}

/* Writes the answer evhttp has queued at once, instead of on the next turn
 * of the loop, then lets evhttp finish the request as its write callback
 * would (bufferevent_trigger: the request may be freed; nothing touches it
 * afterwards). Whatever the socket does not take goes out as usual. */
static void flush_now(struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
	if (!bev)
		return;
	struct evbuffer *out = bufferevent_get_output(bev);
	evutil_socket_t fd = bufferevent_getfd(bev);
	if (fd < 0 || evbuffer_get_length(out) == 0 || evbuffer_write(out, fd) <= 0)
		return;
	if (evbuffer_get_length(out) == 0)
		bufferevent_trigger(bev, EV_WRITE, 0);
}

static void answered(struct evhttp_request *req, const Iam__Response *resp, void *data)
{
	char *xml = NULL;
	size_t len = 0;
	unsigned status;
	(void)data;
	if (!resp) {
		send_error(req, 503, "ServiceUnavailable",
			   "The request has failed due to a temporary failure of the server.");
		return;
	}
	if (gw_http_render(resp, &xml, &len, &status) < 0) {
		send_error(req, 500, "ServiceFailure",
			   "The request processing has failed because of an unknown error, "
			   "exception or failure.");
		return;
	}
	send_xml(req, status, xml, len, resp->request_id);
	flush_now(req);
}

static const char *method_name(enum evhttp_cmd_type t)
{
	switch (t) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	default: return NULL;
	}
}

/* ---- connections: counting, the request deadline (gateway.h) ---- */

struct gw_conn {
	struct bufferevent *bev;            /* one reference is ours */
	struct evhttp_connection *evcon;    /* once a request came in whole */
	uint64_t deadline_ms;               /* 0: not waiting for a request */
	char peer[64];                      /* "127.0.0.1:50123", for iamd's logs */
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sweep_arm(struct gw_http *h)
{
	struct timeval tv = { 0, GW_SWEEP_MS * 1000 };
	if (h->sweep && !evtimer_pending(h->sweep, NULL))
		evtimer_add(h->sweep, &tv);
}

static void conn_release(struct gw_http *h, size_t i)
{
	struct gw_conn *c = h->conns[i];
	h->conns[i] = h->conns[--h->n_conns];
	bufferevent_decref(c->bev);
	free(c);
	if (h->paused && h->n_conns < h->max_conns) {
		evconnlistener_enable(h->listener);
		h->paused = false;
	}
}

/* evhttp has freed the connection: bufferevent_free clears the callbacks
 * (our reference keeps the object, and its socket, until we let go). */
static bool conn_gone(const struct gw_conn *c)
{
	bufferevent_event_cb ecb = NULL;
	bufferevent_getcb(c->bev, NULL, NULL, &ecb, NULL);
	return ecb == NULL;
}

static struct gw_conn *conn_find(struct gw_http *h, struct evhttp_connection *evcon,
				 size_t *ret_i)
{
	struct bufferevent *bev = evhttp_connection_get_bufferevent(evcon);
	for (size_t i = h->n_conns; i-- > 0;)
		if (h->conns[i]->bev == bev) {
			if (ret_i)
				*ret_i = i;
			return h->conns[i];
		}
	return NULL;
}

static void conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct gw_http *h = arg;
	size_t i;
	if (conn_find(h, evcon, &i))
		conn_release(h, i);
}

static void conn_cut(struct gw_http *h, struct gw_conn *c)
{
	evutil_socket_t fd = bufferevent_getfd(c->bev);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char addr[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (fd >= 0 && getpeername(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
			inet_ntop(AF_INET, &s4->sin_addr, addr, sizeof(addr));
			port = ntohs(s4->sin_port);
		} else if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
			inet_ntop(AF_INET6, &s6->sin6_addr, addr, sizeof(addr));
			port = ntohs(s6->sin6_port);
		}
	}
	fprintf(stderr, "iam-gateway: %s:%u: no whole request within %u s, closing\n", addr,
		port, h->deadline);
	c->deadline_ms = 0;
	h->n_cut++;
	/* evhttp reads the end of the stream and frees the connection itself */
	if (fd >= 0)
		shutdown(fd, SHUT_RDWR);
}

static void sweep(evutil_socket_t fd, short what, void *arg)
{
	struct gw_http *h = arg;
	uint64_t now = now_ms();
	(void)fd;
	(void)what;
	for (size_t i = 0; i < h->n_conns;) {
		struct gw_conn *c = h->conns[i];
		if (conn_gone(c)) {
			conn_release(h, i);
			continue;
		}
		if (c->deadline_ms && now >= c->deadline_ms)
			conn_cut(h, c);
		i++;
	}
	if (h->n_conns)
		sweep_arm(h);
}

struct bufferevent *gw_http_bev(struct event_base *base, void *arg)
{
	struct gw_http *h = arg;
	if (h->n_conns == h->cap_conns) {
		size_t cap = h->cap_conns ? 2 * h->cap_conns : 64;
		struct gw_conn **n = realloc(h->conns, cap * sizeof(*n));
		if (!n)
			return NULL;   /* evhttp makes its own: uncounted, no deadline */
		h->conns = n;
		h->cap_conns = cap;
	}
	struct gw_conn *c = calloc(1, sizeof(*c));
	struct bufferevent *bev = c ? bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)
				    : NULL;
	if (!bev) {
		free(c);
		return NULL;
	}
	bufferevent_incref(bev);
	c->bev = bev;
	c->deadline_ms = now_ms() + (uint64_t)h->deadline * 1000u;
	h->conns[h->n_conns++] = c;
	if (h->n_conns >= h->max_conns && !h->paused && h->listener) {
		evconnlistener_disable(h->listener);
		h->paused = true;
	}
	sweep_arm(h);
	return bev;
}

/* The answer went out whole: the clock of the next request starts. */
static void answer_sent(struct evhttp_request *req, void *arg)
{
	struct gw_http *h = arg;
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct gw_conn *c = evcon ? conn_find(h, evcon, NULL) : NULL;
	if (c)
		c->deadline_ms = now_ms() + (uint64_t)h->deadline * 1000u;
}

/* A request came in whole: its clock stops. The connection's record
 * (NULL if it has none). */
static struct gw_conn *request_arrived(struct gw_http *h, struct evhttp_request *req,
				       struct evhttp_connection *evcon)
{
	struct gw_conn *c = conn_find(h, evcon, NULL);
	if (!c)
		return NULL;
	c->deadline_ms = 0;
	if (!c->evcon) {
		char *addr = NULL;
		ev_uint16_t port = 0;
		c->evcon = evcon;
		evhttp_connection_set_closecb(evcon, conn_closed, h);
		evhttp_connection_get_peer(evcon, &addr, &port);
		if (addr)
			snprintf(c->peer, sizeof(c->peer), "%s:%u", addr, (unsigned)port);
	}
	evhttp_request_set_on_complete_cb(req, answer_sent, h);
	return c;
}

int gw_http_init(struct gw_http *h, struct event_base *base, struct gw_up *up,
		 unsigned max_conns, unsigned deadline)
{
	memset(h, 0, sizeof(*h));
	h->base = base;
	h->up = up;
	h->max_conns = max_conns;
	h->deadline = deadline;
	h->sweep = evtimer_new(base, sweep, h);
	return h->sweep ? 0 : -ENOMEM;
}

void gw_http_release(struct gw_http *h)
{
	while (h->n_conns)
		conn_release(h, h->n_conns - 1);
	free(h->conns);
	h->conns = NULL;
	free(h->frame);
	h->frame = NULL;
	h->frame_cap = 0;
	if (h->sweep)
		event_free(h->sweep);
	h->sweep = NULL;
}

static size_t varint(uint64_t v, uint8_t *p)
{
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

/* The frame of Request {1: id, 5: http} (api.proto), packed by hand into
 * h->frame: protobuf-c's pack of the envelope walks every member of its op
 * oneof (hundreds); the same bytes as rpc_frame_pack. */
#define REQUEST_TAG_ID 0x08     /* field 1, varint */
#define REQUEST_TAG_HTTP 0x2a   /* field 5, length-delimited */
static int frame_http(struct gw_http *h, uint64_t id, const Iam__HttpCall *call,
		      size_t *ret_len)
{
	size_t inner = iam__http_call__get_packed_size(call);
	size_t need = RPC_HDR_LEN + 1 + 10 + 1 + 10 + inner;
	if (need > h->frame_cap) {
		uint8_t *n = realloc(h->frame, need);
		if (!n)
			return -ENOMEM;
		h->frame = n;
		h->frame_cap = need;
	}
	uint8_t *p = h->frame + RPC_HDR_LEN;
	*p++ = REQUEST_TAG_ID;
	p += varint(id, p);
	*p++ = REQUEST_TAG_HTTP;
	p += varint(inner, p);
	p += iam__http_call__pack(call, p);
	size_t body = (size_t)(p - h->frame) - RPC_HDR_LEN;
	if (body > UINT32_MAX)
		return -EMSGSIZE;
	h->frame[0] = (uint8_t)(body >> 24);
	h->frame[1] = (uint8_t)(body >> 16);
	h->frame[2] = (uint8_t)(body >> 8);
	h->frame[3] = (uint8_t)body;
	*ret_len = RPC_HDR_LEN + body;
	return 0;
}

void gw_http_handle(struct evhttp_request *req, void *arg)
{
	struct gw_http *h = arg;
	struct gw_up *u = h->up;
	Iam__HttpHeader hv[MAX_HEADERS], *hp[MAX_HEADERS];
	Iam__HttpCall call = IAM__HTTP_CALL__INIT;
	struct evkeyval *kv;
	char peer[80] = "";
	size_t n = 0, flen = 0;

	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct gw_conn *c = evcon ? request_arrived(h, req, evcon) : NULL;
	const char *method = method_name(evhttp_request_get_command(req));
	const char *uri = evhttp_request_get_uri(req);
	if (!method || !uri) {
		send_error(req, 405, "InvalidAction", "The Query API takes POST or GET requests.");
		return;
	}
	TAILQ_FOREACH(kv, evhttp_request_get_input_headers(req), next) {
		if (n == MAX_HEADERS) {
			send_error(req, 400, "InvalidRequest", "Too many headers.");
			return;
		}
		iam__http_header__init(&hv[n]);
		hv[n].name = kv->key;
		hv[n].value = kv->value;
		hp[n] = &hv[n];
		n++;
	}
	const char *q = strchr(uri, '?');
	call.method = (char *)method;
	call.has_path = true;
	call.path.data = (uint8_t *)uri;
	call.path.len = q ? (size_t)(q - uri) : strlen(uri);
	if (q) {
		call.has_query = true;
		call.query.data = (uint8_t *)q + 1;
		call.query.len = strlen(q + 1);
	}
	call.n_headers = n;
	call.headers = hp;
	struct evbuffer *body = evhttp_request_get_input_buffer(req);
	size_t blen = evbuffer_get_length(body);
	if (blen) {
		call.has_body = true;
		call.body.data = evbuffer_pullup(body, -1);
		call.body.len = blen;
		if (!call.body.data) {
			send_error(req, 500, "ServiceFailure", "Out of memory.");
			return;
		}
	}
	if (c && c->peer[0]) {
		call.client_address = c->peer;
	} else if (evcon) {
		char *addr = NULL;
		ev_uint16_t port = 0;
		evhttp_connection_get_peer(evcon, &addr, &port);
		if (addr)
			snprintf(peer, sizeof(peer), "%s:%u", addr, (unsigned)port);
		call.client_address = peer;
	}
	uint64_t id = gw_up_next_id(u);
	int rc = frame_http(h, id, &call, &flen);
	if (rc == 0)
		rc = gw_up_send(u, id, h->frame, flen, req, answered, NULL);
	if (rc < 0) {
		fprintf(stderr, "iam-gateway: cannot reach iamd: %s\n", strerror(-rc));
		send_error(req, 503, "ServiceUnavailable",
			   "The request has failed due to a temporary failure of the server.");
	}
}
