/* http_call: the Query protocol's requests from iam-gateway (http_call.h). */
#include "config.h"
#include "http_call.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.pb-c.h"
#include "authn.h"
#include "call.h"
#include "dispatch.h"
#include "http.pb-c.h"
#include "pbjson/pbjson.h"
#include "pbjson/pbjson_query.h"
#include "rpc/rpc.h"
#include "sd.h"
#include "sigv4/sigv4.h"
#include "util/arena.h"

#define MAX_PARAMS 4096
#define MAX_HEADERS 128
#define VERSION_IAM "2010-05-08"
#define VERSION_STS "2011-06-15"

/* A Response with only a status: the error of a request that never became
 * a call. */
static int answer_error(uint64_t id, const char *code, unsigned http,
			const char *message, struct rpc_buf *out)
{
	char request_id[37];
	Iam__Status st = IAM__STATUS__INIT;
	int r = call_request_id_new(request_id);
	if (r < 0)
		return r;
	st.code = (char *)code;
	st.message = (char *)message;
	st.has_sender_fault = true;
	st.sender_fault = http < 500;
	st.has_http_status = true;
	st.http_status = http;
	r = rpc_frame_pack_response(out, id, &st.base, request_id, 0, NULL);
	return r < 0 ? r : HTTP_CALL_ANSWERED;
}

/* The header `name` (the first of that name), or NULL. */
static const char *header(const Iam__HttpCall *h, const char *name)
{
	for (size_t i = 0; i < h->n_headers; i++)
		if (h->headers[i]->name && strcasecmp(h->headers[i]->name, name) == 0)
			return h->headers[i]->value ? h->headers[i]->value : "";
	return NULL;
}

/* application/x-www-form-urlencoded, with or without parameters. */
static bool is_form(const char *ct)
{
	static const char form[] = "application/x-www-form-urlencoded";
	if (!ct)
		return false;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, form, sizeof(form) - 1) != 0)
		return false;
	ct += sizeof(form) - 1;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return !*ct || *ct == ';';
}

/* The query and the form body as one text ("q&body") in the arena. */
static char *form_text(struct arena *a, const Iam__HttpCall *h, size_t *ret_len)
{
	size_t q = h->has_query ? h->query.len : 0;
	size_t b = h->has_body && is_form(header(h, "content-type")) ? h->body.len : 0;
	char *t = arena_alloc(a, q + b + 2);
	if (!t)
		return NULL;
	if (q)
		memcpy(t, h->query.data, q);
	t[q] = '&';
	if (b)
		memcpy(t + q + 1, h->body.data, b);
	t[q + b + 1] = '\0';
	*ret_len = q + b + 1;
	return t;
}

int http_call_decode(struct session *s, uint64_t id, const Iam__HttpCall *http,
		     const struct op **ret_op, ProtobufCMessage **ret_msg,
		     struct rpc_buf *out)
{
	static const char *const skip[] = { "Action", "Version", NULL };
	struct pbjson_param *p = NULL;
	size_t n = 0, len;
	const ProtobufCFieldDescriptor *f = NULL;
	char aws[PBJSON_NAME_MAX], *err = NULL;
	const struct op *op;
	ProtobufCMessage *m = NULL;
	int r;

	if (!http->method || (strcmp(http->method, "POST") && strcmp(http->method, "GET")))
		return answer_error(id, "InvalidAction", 400,
				    "The Query API takes POST or GET requests.", out);
	if (http->n_headers > MAX_HEADERS)
		return answer_error(id, "InvalidRequest", 400, "Too many headers.", out);
	char *text = form_text(s->arena, http, &len);
	if (!text)
		return -ENOMEM;
	r = pbjson_form_parse(text, len, MAX_PARAMS, &p, &n);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		r = answer_error(id, "MalformedQueryString", 400,
				 r == -E2BIG ? "The request has too many parameters." :
				 "The request's parameters are not well-formed "
				 "application/x-www-form-urlencoded text.", out);
		goto out;
	}
	const char *action = pbjson_form_get(p, n, "Action");
	const char *version = pbjson_form_get(p, n, "Version");
	if (!action || !*action) {
		r = answer_error(id, "MissingAction", 400,
				 "The request must contain the parameter Action.", out);
		goto out;
	}
	const char *service = NULL;
	op = NULL;
	if (action[0] >= 'A' && action[0] <= 'Z' && !strchr(action, '_') &&
	    pbjson_action_find(action, &f, NULL) == 0 &&
	    pbjson_name_to_aws(f->name, aws, sizeof(aws)) == 0 && strcmp(aws, action) == 0 &&
	    (op = ops_find(f->id)) != NULL) {
		service = pbjson_action_service(action);
		const char *want = strcmp(service, "iam") == 0 ? VERSION_IAM :
				   strcmp(service, "sts") == 0 ? VERSION_STS : NULL;
		if (!want || !version || strcmp(version, want) != 0)
			op = NULL;
	}
	if (!op) {
		char *msg = arena_printf(s->arena, "Could not find operation %s for version %s",
					 action, version ? version : "NO_VERSION_SPECIFIED");
		r = msg ? answer_error(id, "InvalidAction", 400, msg, out) : -ENOMEM;
		goto out;
	}
	r = pbjson_from_form(f->descriptor, p, n, skip, &s->pb, &m, &err);
	if (r == -ENOMEM)
		goto out;
	if (r < 0) {
		r = answer_error(id, "InvalidInput", 400, err ? err : "Invalid parameters.", out);
		goto out;
	}
	*ret_op = op;
	*ret_msg = m;
	r = 0;
out:
	free(err);
	pbjson_form_free(p, n);
	return r;
}

int http_call_authn(struct call *c, const Iam__HttpCall *http)
{
	struct sigv4_header *hdrs;
	struct sigv4_request req = { 0 };
	char hash[SIGV4_HEX_LEN + 1];
	char service[CALL_SERVICE_MAX];

	/* whatever the gateway's uid is, it is never the caller */
	uid_t uid = c->caller.uid;
	gid_t gid = c->caller.gid;
	pid_t pid = c->caller.pid;
	memset(&c->caller, 0, sizeof(c->caller));
	c->caller.kind = CALLER_ANONYMOUS;
	c->caller.uid = uid;
	c->caller.gid = gid;
	c->caller.pid = pid;
	/* unsigned actions: the credential is in the request (a web identity
	 * token, a SAML response); no signature is looked at, the caller stays
	 * nobody until the handler's resource step says who (op_sts_web.c,
	 * op_sts_saml.c) */
	if (c->op->number == IAM__REQUEST__OP_ASSUME_ROLE_WITH_WEB_IDENTITY ||
	    c->op->number == IAM__REQUEST__OP_ASSUME_ROLE_WITH_SAML)
		return CALL_PROCEED;

	call_service(c, service);
	hdrs = arena_zalloc(c->arena, (http->n_headers ? http->n_headers : 1) * sizeof(*hdrs));
	if (!hdrs)
		return call_fail(c, -ENOMEM, "ServiceFailure", NULL);
	for (size_t i = 0; i < http->n_headers; i++) {
		const Iam__HttpHeader *h = http->headers[i];
		hdrs[i].name = h->name ? h->name : "";
		hdrs[i].name_len = strlen(hdrs[i].name);
		hdrs[i].value = h->value ? h->value : "";
		hdrs[i].value_len = strlen(hdrs[i].value);
	}
	sigv4_sha256_hex(http->has_body ? http->body.data : (const uint8_t *)"",
			 http->has_body ? http->body.len : 0, hash);
	req.method = http->method;
	req.path = http->has_path && http->path.len ? (const char *)http->path.data : "/";
	req.path_len = http->has_path && http->path.len ? http->path.len : 1;
	req.query = http->has_query ? (const char *)http->query.data : NULL;
	req.query_len = http->has_query ? http->query.len : 0;
	req.headers = hdrs;
	req.n_headers = http->n_headers;
	req.payload_hash = hash;
	return authn_sigv4_http_start(c, service, header(http, "authorization"),
				      header(http, "x-amz-date"),
				      header(http, "x-amz-security-token"), &req);
}
