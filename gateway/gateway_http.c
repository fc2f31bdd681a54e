/* gateway_http: a whole HTTP request -> the frame to iamd; iamd's answer
 * -> AWS's XML (gateway.h). The request is forwarded whole; only the
 * answer is interpreted, from the Response descriptor: the result's field
 * names the action (CreateUser -> <CreateUserResponse><CreateUserResult>),
 * its service the XML namespace. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.pb-c.h"
#include "gateway.h"
#include "pbjson/pbjson.h"
#include "pbjson/pbjson_query.h"
#include "rpc/rpc.h"

#define NS_IAM "https://iam.amazonaws.com/doc/2010-05-08/"
#define NS_STS "https://sts.amazonaws.com/doc/2011-06-15/"

const char *gw_http_reason(unsigned status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 417: return "Expectation Failed";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
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

/* Per result field of Response: the action's AWS name and namespace, as
 * the text around the result ("<ActionResponse xmlns=...>\n  <ActionResult>",
 * "</ActionResult>\n", "</ActionResponse>\n"), worked out once. */
struct action_text {
	char *open, *result_open, *result_close, *close;
	size_t open_len, result_open_len, result_close_len, close_len;
};
static struct action_text *actions;   /* by field index, NULL until needed */

/* a, b and c joined, in a new malloc'd text. */
static char *text_cat(size_t *ret_len, const char *a, const char *b, const char *c)
{
	size_t la = strlen(a), lb = strlen(b), lc = strlen(c);
	char *t = malloc(la + lb + lc + 1);
	if (t) {
		memcpy(t, a, la);
		memcpy(t + la, b, lb);
		memcpy(t + la + lb, c, lc + 1);
		*ret_len = la + lb + lc;
	}
	return t;
}

static const struct action_text *action_text(const ProtobufCFieldDescriptor *f)
{
	const ProtobufCMessageDescriptor *d = &iam__response__descriptor;
	size_t i = (size_t)(f - d->fields);
	char action[PBJSON_NAME_MAX];
	if (i >= d->n_fields)
		return NULL;
	if (!actions && !(actions = calloc(d->n_fields, sizeof(*actions))))
		return NULL;
	struct action_text *t = &actions[i];
	if (t->open)
		return t;
	if (pbjson_name_to_aws(f->name, action, sizeof(action)) < 0)
		return NULL;
	const char *ns = strcmp(pbjson_action_service(action), "sts") == 0 ? NS_STS : NS_IAM;
	char open_end[128];
	snprintf(open_end, sizeof(open_end), "Response xmlns=\"%s\">\n", ns);
	t->result_open = text_cat(&t->result_open_len, "  <", action, "Result>");
	t->result_close = text_cat(&t->result_close_len, "</", action, "Result>\n");
	t->close = text_cat(&t->close_len, "</", action, "Response>\n");
	t->open = t->result_open && t->result_close && t->close ?
		  text_cat(&t->open_len, "<", action, open_end) : NULL;
	if (!t->open) {
		free(t->result_open);
		free(t->result_close);
		free(t->close);
		memset(t, 0, sizeof(*t));
		return NULL;
	}
	return t;
}

/* Appends the XML of `resp` to b. */
static int render_into(const Iam__Response *resp, struct pbjson_xbuf *b, unsigned *ret_status)
{
	const char *rid = resp->request_id ? resp->request_id : "";
	const ProtobufCFieldDescriptor *f = NULL;
	const struct action_text *t = NULL;
	unsigned status = 200;
	int r = 0;

	if (resp->result_case != IAM__RESPONSE__RESULT__NOT_SET)
		f = protobuf_c_message_descriptor_get_field(&iam__response__descriptor,
							    (unsigned)resp->result_case);
	if (!f || !(t = action_text(f)) ||
	    (resp->status && resp->status->code && *resp->status->code)) {
		const Iam__Status *st = resp->status;
		status = st && st->has_http_status ? st->http_status : 500;
		error_xml(b, NS_IAM, st && st->has_sender_fault ? st->sender_fault : status < 500,
			  st && st->code ? st->code : "ServiceFailure",
			  st && st->message ? st->message : "", rid);
		goto out;
	}
	const ProtobufCMessage *m = *(ProtobufCMessage *const *)((const char *)resp + f->offset);
	pbjson_xbuf_add(b, t->open, t->open_len);
	/* The result element even when empty: botocore reads the result
	 * wrapper of actions whose output is an empty structure (UpdateRole);
	 * for actions without output (DeleteUser) AWS sends only the metadata
	 * and the SDKs ignore the element. */
	if (m) {
		pbjson_xbuf_add(b, t->result_open, t->result_open_len);
		r = pbjson_to_xml(m, true, b);
		if (r < 0)
			goto out;
		pbjson_xbuf_add(b, t->result_close, t->result_close_len);
	}
	static const char meta[] = "  <ResponseMetadata>\n    <RequestId>";
	static const char meta_end[] = "</RequestId>\n  </ResponseMetadata>\n";
	pbjson_xbuf_add(b, meta, sizeof(meta) - 1);
	pbjson_xbuf_escape(b, rid, strlen(rid));
	pbjson_xbuf_add(b, meta_end, sizeof(meta_end) - 1);
	pbjson_xbuf_add(b, t->close, t->close_len);
out:
	if (r == 0 && b->failed)
		r = -ENOMEM;
	if (r == 0)
		*ret_status = status;
	return r;
}

int gw_http_render(const Iam__Response *resp, char **ret, size_t *ret_len,
		   unsigned *ret_status)
{
	struct pbjson_xbuf b = { 0 };
	unsigned status = 0;
	int r = render_into(resp, &b, &status);
	if (r < 0) {
		pbjson_xbuf_release(&b);
		return r;
	}
	*ret = b.data;
	*ret_len = b.len;
	*ret_status = status;
	return 0;
}


/* The answers' text, kept between answers (no malloc per answer). */
static struct pbjson_xbuf xml;

static void xml_reset(void)
{
	xml.len = 0;
	xml.failed = false;
	if (xml.cap > 256 * 1024)   /* after a large answer */
		pbjson_xbuf_release(&xml);
}

void gw_http_wipe(void)
{
	if (xml.data)
		explicit_bzero(xml.data, xml.len);
	xml.len = 0;
}

void gw_http_error(struct gw_conn *c, unsigned status, const char *code, const char *message)
{
	xml_reset();
	error_xml(&xml, NS_IAM, status < 500, code, message, "");
	if (xml.failed)
		gw_conn_answer(c, 500, NULL, "", 0);
	else
		gw_conn_answer(c, status, NULL, xml.data, xml.len);
}

static void answered(struct gw_conn *c, const Iam__Response *resp)
{
	unsigned status = 0;
	if (!gw_conn_open(c)) {
		gw_conn_request_done(c);
		return;
	}
	xml_reset();
	if (!resp)
		gw_http_error(c, 503, "ServiceUnavailable",
			      "The request has failed due to a temporary failure of the server.");
	else if (render_into(resp, &xml, &status) < 0)
		gw_http_error(c, 500, "ServiceFailure",
			      "The request processing has failed because of an unknown error, "
			      "exception or failure.");
	else
		gw_conn_answer(c, status, resp->request_id, xml.data, xml.len);
	gw_conn_request_done(c);
}

/* ---- the frame of Request {1: id, 5: http: HttpCall} (api.proto,
 * http.proto), packed by hand from the parts of the request in the
 * connection's buffer: no copy into protobuf-c structures, no walk of the
 * Request's op oneof (hundreds of members); the same bytes as
 * rpc_frame_pack of the equivalent messages. */

#define REQUEST_TAG_ID 0x08     /* Request.id, varint */
#define REQUEST_TAG_HTTP 0x2a   /* Request.http, length-delimited */
#define CALL_METHOD 0x0a        /* HttpCall fields, all length-delimited */
#define CALL_PATH 0x12
#define CALL_QUERY 0x1a
#define CALL_HEADER 0x22
#define CALL_BODY 0x2a
#define CALL_CLIENT 0x32
#define HEADER_NAME 0x0a        /* HttpHeader fields */
#define HEADER_VALUE 0x12


/* tag, length, bytes */
static size_t field_len(size_t n)
{
	return 1 + rpc_varint_len(n) + n;
}

static uint8_t *field(uint8_t *p, uint8_t tag, const void *data, size_t n)
{
	*p++ = tag;
	p = rpc_varint_put(p, n);
	memcpy(p, data, n);
	return p + n;
}

static size_t header_len(const struct gw_header *hd)
{
	return field_len(hd->name.len) + field_len(hd->value.len);
}

static int frame_http(struct gw_http *h, uint64_t id, const struct gw_request *r,
		      const char *method, const char *body, const char *peer, size_t *ret_len)
{
	const char *q = memchr(r->target.p, '?', r->target.len);
	size_t path_len = q ? (size_t)(q - r->target.p) : r->target.len;
	size_t query_len = q ? r->target.len - path_len - 1 : 0;
	size_t peer_len = strlen(peer);
	size_t inner = field_len(strlen(method)) + field_len(path_len) +
		       (q ? field_len(query_len) : 0) +
		       (r->content_length ? field_len(r->content_length) : 0) +
		       field_len(peer_len);
	for (size_t i = 0; i < r->n_headers; i++)
		inner += field_len(header_len(&r->headers[i]));
	size_t need = RPC_HDR_LEN + 1 + 10 + field_len(inner);
	if (need > h->frame_cap) {
		uint8_t *n = realloc(h->frame, need);
		if (!n)
			return -ENOMEM;
		h->frame = n;
		h->frame_cap = need;
	}
	uint8_t *p = h->frame + RPC_HDR_LEN;
	*p++ = REQUEST_TAG_ID;
	p = rpc_varint_put(p, id);
	*p++ = REQUEST_TAG_HTTP;
	p = rpc_varint_put(p, inner);
	p = field(p, CALL_METHOD, method, strlen(method));
	p = field(p, CALL_PATH, r->target.p, path_len);
	if (q)
		p = field(p, CALL_QUERY, q + 1, query_len);
	for (size_t i = 0; i < r->n_headers; i++) {
		const struct gw_header *hd = &r->headers[i];
		*p++ = CALL_HEADER;
		p = rpc_varint_put(p, header_len(hd));
		p = field(p, HEADER_NAME, hd->name.p, hd->name.len);
		p = field(p, HEADER_VALUE, hd->value.p, hd->value.len);
	}
	if (r->content_length)
		p = field(p, CALL_BODY, body, r->content_length);
	p = field(p, CALL_CLIENT, peer, peer_len);
	size_t len = (size_t)(p - h->frame) - RPC_HDR_LEN;
	if (len > UINT32_MAX)
		return -EMSGSIZE;
	h->frame[0] = (uint8_t)(len >> 24);
	h->frame[1] = (uint8_t)(len >> 16);
	h->frame[2] = (uint8_t)(len >> 8);
	h->frame[3] = (uint8_t)len;
	*ret_len = RPC_HDR_LEN + len;
	return 0;
}

void gw_http_forward(struct gw_http *h, struct gw_conn *c, const struct gw_request *r,
		     const char *body)
{
	const char *method = NULL;
	size_t flen = 0;
	if (r->method.len == 4 && memcmp(r->method.p, "POST", 4) == 0)
		method = "POST";
	else if (r->method.len == 3 && memcmp(r->method.p, "GET", 3) == 0)
		method = "GET";
	if (!method) {
		gw_http_error(c, 405, "InvalidAction", "The Query API takes POST or GET requests.");
		gw_conn_request_done(c);
		return;
	}
	uint64_t id = gw_up_next_id(h->up);
	int rc = frame_http(h, id, r, method, body, gw_conn_peer(c), &flen);
	if (rc == 0)
		rc = gw_up_send(h->up, id, h->frame, flen, c, answered);
	if (rc < 0) {
		fprintf(stderr, "iam-gateway: cannot reach iamd: %s\n", strerror(-rc));
		answered(c, NULL);
	}
}
