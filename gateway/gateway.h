/* iam-gateway: the AWS Query API (IAM and STS over HTTP/1.1) on a loopback
 * address, in front of iamd's api socket, so that the AWS CLI, boto3 and
 * the AWS SDKs work unchanged with --endpoint-url (docs/gateway.md).
 *
 * It holds no secret and makes no decision: each HTTP request goes to iamd
 * as it arrived (api.proto Request.http, proto/http.proto: method, path,
 * query, headers in order, body), iamd parses the form, verifies the SigV4
 * signature over exactly those bytes and runs the call as the signer; the
 * gateway renders iamd's Response as AWS's XML from the descriptors
 * (lib/pbjson/pbjson_xml.c).
 *
 *   gateway_main.c    options, the listener, limits, signals
 *   gateway_http.c    HTTP requests in, XML answers out; connections counted,
 *                     the request deadline
 *   gateway_up.c      the api-socket connections (Hello, pipelining) */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct evhttp_request;
struct gw;
struct Iam__Response;

#define GW_DEFAULT_PORT 8180
#define GW_MAX_HEADERS_SIZE (16 * 1024)
#define GW_MAX_BODY (1000 * 1024)     /* the frame to iamd stays below 1 MiB */
#define GW_MAX_CONNS 256
#define GW_TIMEOUT 20                  /* seconds of silence allowed */
#define GW_UPSTREAMS 2
#define GW_MAX_INFLIGHT 256            /* per api-socket connection */

struct gw_config {
	const char *listen;           /* "127.0.0.1:8180" */
	bool allow_non_loopback;
	const char *socket_path;      /* iamd's api socket */
	unsigned max_conns;
	unsigned timeout;
	unsigned deadline;
	size_t max_body;
	size_t max_headers;
	unsigned upstreams;
	bool verbose;
};

/* gateway_up.c: sends `frame` (a packed Request, its id `id`) to iamd on
 * one of the api-socket connections; when the Response arrives (or the
 * connection fails: resp NULL), done(req, resp, data) is called once. */
typedef void (*gw_done_fn)(struct evhttp_request *req, const struct Iam__Response *resp,
			   void *data);
struct gw_up;
int gw_up_new(struct event_base *base, const char *socket_path, unsigned n,
	      struct gw_up **ret);
void gw_up_free(struct gw_up *u);
uint64_t gw_up_next_id(struct gw_up *u);
int gw_up_send(struct gw_up *u, uint64_t id, const uint8_t *frame, size_t len,
	       struct evhttp_request *req, gw_done_fn done, void *data);

/* gateway_http.c: the request handler (evhttp generic callback; arg: a
 * struct gw_http) and the per-connection bookkeeping.
 *
 * Every accepted connection gets a struct gw_conn (gw_http_bev, evhttp's
 * bufferevent callback, holds a reference on the connection's bufferevent
 * so that its fate can be read safely). Connections are counted from their
 * accept; at max_conns the listener pauses (new clients wait in the
 * kernel's backlog) until one closes.
 *
 * The request deadline: each request must arrive whole (request line,
 * headers and body) within `deadline` seconds of the moment the gateway
 * starts waiting for it - the accept, or the end of the previous answer on
 * a keep-alive connection - however it trickles in; otherwise the
 * connection is shut down. The silence timeout (evhttp's, per read) still
 * applies on top. A sweep every GW_SWEEP_MS enforces deadlines and
 * releases the bookkeeping of connections evhttp has closed. */
#define GW_DEADLINE 30                 /* seconds for a request to arrive */
#define GW_SWEEP_MS 250

struct event;
struct bufferevent;
struct gw_conn;
struct gw_http {
	struct gw_up *up;
	struct event_base *base;
	struct evconnlistener *listener;
	unsigned max_conns;
	unsigned deadline;             /* seconds */
	bool paused;
	bool verbose;
	struct gw_conn **conns;        /* n_conns live ones */
	size_t n_conns, cap_conns;
	struct event *sweep;           /* pending while n_conns > 0 */
	uint64_t n_cut;                /* connections cut by the deadline */
	uint8_t *frame;                /* the request frame being sent */
	size_t frame_cap;
};
int gw_http_init(struct gw_http *h, struct event_base *base, struct gw_up *up,
		 unsigned max_conns, unsigned deadline);
void gw_http_release(struct gw_http *h);
/* evhttp_set_bevcb's callback (arg: the gw_http). */
struct bufferevent *gw_http_bev(struct event_base *base, void *arg);
void gw_http_handle(struct evhttp_request *req, void *arg);
/* Renders `resp` as AWS's XML into a new malloc'd text; *ret_status is the
 * HTTP status. */
int gw_http_render(const struct Iam__Response *resp, char **ret, size_t *ret_len,
		   unsigned *ret_status);
