/* gateway_http: HTTP requests in, AWS's XML out (gateway.h). The request
 * is forwarded whole; only the answer is interpreted, from the Response
 * descriptor: the result's field names the action (CreateUser ->
 * <CreateUserResponse><CreateUserResult>), its service the XML namespace. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/buffer.h>
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
}

static const char *method_name(enum evhttp_cmd_type t)
{
	switch (t) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	default: return NULL;
	}
}

static void conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct gw_http *h = arg;
	for (unsigned i = 0; i < h->n_conns; i++)
		if (h->conns[i] == evcon) {
			h->conns[i] = h->conns[--h->n_conns];
			break;
		}
	if (h->paused && h->n_conns < h->max_conns) {
		evconnlistener_enable(h->listener);
		h->paused = false;
	}
}

/* Counts a connection at its first request (gateway.h). */
static void conn_track(struct gw_http *h, struct evhttp_connection *evcon)
{
	for (unsigned i = 0; i < h->n_conns; i++)
		if (h->conns[i] == evcon)
			return;
	if (h->n_conns < h->max_conns) {
		h->conns[h->n_conns++] = evcon;
		evhttp_connection_set_closecb(evcon, conn_closed, h);
	}
	if (h->n_conns >= h->max_conns && !h->paused && h->listener) {
		evconnlistener_disable(h->listener);
		h->paused = true;
	}
}

void gw_http_handle(struct evhttp_request *req, void *arg)
{
	struct gw_http *h = arg;
	struct gw_up *u = h->up;
	Iam__HttpHeader hv[MAX_HEADERS], *hp[MAX_HEADERS];
	Iam__HttpCall call = IAM__HTTP_CALL__INIT;
	Iam__Request r = IAM__REQUEST__INIT;
	struct rpc_buf frame;
	struct evkeyval *kv;
	char peer[80] = "";
	size_t n = 0;

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
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	if (evcon) {
		char *addr = NULL;
		conn_track(h, evcon);
		ev_uint16_t port = 0;
		evhttp_connection_get_peer(evcon, &addr, &port);
		if (addr)
			snprintf(peer, sizeof(peer), "%s:%u", addr, (unsigned)port);
		call.client_address = peer;
	}
	uint64_t id = gw_up_next_id(u);
	r.has_id = true;
	r.id = id;
	r.http = &call;
	rpc_buf_init(&frame);
	int rc = rpc_frame_pack(&frame, &r.base);
	if (rc == 0)
		rc = gw_up_send(u, id, rpc_buf_head(&frame), rpc_buf_len(&frame), req,
				answered, NULL);
	rpc_buf_release(&frame);
	if (rc < 0) {
		fprintf(stderr, "iam-gateway: cannot reach iamd: %s\n", strerror(-rc));
		send_error(req, 503, "ServiceUnavailable",
			   "The request has failed due to a temporary failure of the server.");
	}
}
