/* iam-gateway: the AWS Query API (IAM and STS over HTTP/1.1) on a loopback
 * address, in front of iamd's api socket, so that the AWS CLI, boto3 and
 * the AWS SDKs work unchanged with --endpoint-url (docs/gateway.md).
 *
 * It keeps no secret (the ones it passes on are wiped once sent:
 * gateway_up.c) and makes no decision: each HTTP request goes to iamd
 * as it arrived (api.proto Request.http, proto/http.proto: method, path,
 * query, headers in order, body), iamd parses the form, verifies the SigV4
 * signature over exactly those bytes and runs the call as the signer; the
 * gateway renders iamd's Response as AWS's XML from the descriptors
 * (lib/pbjson/pbjson_xml.c).
 *
 *   gateway_main.c    options, the listening socket, limits, signals
 *   gateway_loop.c    the event loop (epoll)
 *   gateway_parse.c   the HTTP/1.1 request head
 *   gateway_conn.c    the HTTP connections: reading requests, writing
 *                     answers, keep-alive, pipelining, limits, the request
 *                     deadline, the silence timeout
 *   gateway_http.c    a request -> the frame to iamd; the Response -> XML
 *   gateway_up.c      the api-socket connections (Hello, pipelining) */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
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
	uint32_t spin_us;             /* --spin (util/spin.h) */
	bool verbose;
};

/* gateway_parse.c: the HTTP/1.1 request head. The parts point into the
 * caller's buffer. */
#define GW_MAX_HEADER_COUNT 128
struct gw_field {
	const char *p;
	size_t len;
};
struct gw_header {
	struct gw_field name, value;    /* value without surrounding whitespace */
};
struct gw_request {
	struct gw_field method, target; /* target: the request-target in origin
					 * form (an absolute form's path and query) */
	unsigned version;               /* 10 (HTTP/1.0) or 11 */
	struct gw_header headers[GW_MAX_HEADER_COUNT];
	size_t n_headers;
	size_t head_len;                /* through the empty line (leading CRLFs too) */
	size_t content_length;          /* the body follows the head */
	bool keep_alive;                /* HTTP/1.1 without close, 1.0 with keep-alive */
	bool expect_continue;           /* HTTP/1.1 Expect: 100-continue */
};
/* Reads the request head at the start of buf[0..len): 1 when it is whole
 * (*ret filled in), 0 when more bytes are needed, or minus the HTTP status
 * to answer before closing: -400 (malformed, two different
 * Content-Lengths, obsolete line folding, control characters, HTTP/1.1
 * without Host, two Hosts), -411
 * (Transfer-Encoding: chunked; send a Content-Length), -413
 * (Content-Length above max_body), -417 (an Expect other than
 * 100-continue), -431 (the head above max_head bytes, or more than
 * GW_MAX_HEADER_COUNT headers), -501 (another transfer coding), -505
 * (not HTTP/1.x). */
int gw_request_parse(const char *buf, size_t len, size_t max_head, size_t max_body,
		     struct gw_request *ret);

/* gateway_loop.c: the event loop. A watch is a descriptor in the epoll
 * set (level-triggered) with its callback, called with what epoll
 * reported (EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP). A watch deleted while
 * the loop runs the callbacks of a batch gets none of the rest of that
 * batch (it may be freed at once). */
struct gw_loop;
struct gw_watch;
typedef void (*gw_watch_fn)(struct gw_watch *w, uint32_t events);
struct gw_watch {
	gw_watch_fn fn;
	void *arg;
	int fd;                        /* -1 while not in the set */
	uint32_t events;               /* what it waits for */
};
#define GW_WATCH_INIT { NULL, NULL, -1, 0 }
int gw_loop_new(struct gw_loop **ret);
void gw_loop_free(struct gw_loop *l);
int gw_watch_add(struct gw_loop *l, struct gw_watch *w, int fd, uint32_t events,
		 gw_watch_fn fn, void *arg);
/* Waits for `events` instead (no system call when unchanged). */
int gw_watch_set(struct gw_loop *l, struct gw_watch *w, uint32_t events);
/* Out of the set; before the descriptor is closed. */
void gw_watch_del(struct gw_loop *l, struct gw_watch *w);
/* While waiting(arg) holds, the loop polls without blocking (yielding the
 * CPU each turn) for up to budget_ns before it sleeps (util/spin.h). */
void gw_loop_spin(struct gw_loop *l, uint64_t budget_ns, bool (*waiting)(void *arg),
		  void *arg);
/* Runs the callbacks of what is ready until gw_loop_stop. */
int gw_loop_run(struct gw_loop *l);
void gw_loop_stop(struct gw_loop *l);

/* gateway_up.c: sends `frame` (a packed Request, its id `id`) to iamd on
 * one of the api-socket connections; when the Response arrives (or the
 * connection fails: resp NULL), done(conn, resp) is called once (resp is
 * valid during the call only). */
struct gw_conn;
typedef void (*gw_done_fn)(struct gw_conn *conn, const struct Iam__Response *resp);
struct gw_up;
int gw_up_new(struct gw_loop *loop, const char *socket_path, unsigned n,
	      struct gw_up **ret);
void gw_up_free(struct gw_up *u);
uint64_t gw_up_next_id(struct gw_up *u);
/* Whether a request sent to iamd waits for its answer (gw_loop_spin). */
bool gw_up_waiting(void *u);
int gw_up_send(struct gw_up *u, uint64_t id, const uint8_t *frame, size_t len,
	       struct gw_conn *conn, gw_done_fn done);

/* gateway_conn.c: the HTTP connections. Each accepted connection is read
 * with one read() per readable event into its buffer; a whole request
 * (gw_request_parse, then Content-Length bytes of body) goes to
 * gw_http_forward; one request per connection is at iamd at a time
 * (pipelined ones wait in the buffer, answered in order); an answer goes
 * out in one writev as soon as it is rendered. Errors in the request
 * itself (400, 411, 413, 417, 431, 501, 505) are answered with an XML
 * ErrorResponse and the connection closed.
 *
 * Connections are counted from their accept; at max_conns the listener
 * pauses (new clients wait in the kernel's backlog) until one closes; an
 * accept that fails for want of descriptors or memory pauses it until the
 * next sweep.
 *
 * The request deadline: each request must arrive whole (request line,
 * headers and body) within `deadline` seconds of the moment the gateway
 * starts waiting for it - the accept, or the end of the previous answer on
 * a keep-alive connection - however it trickles in; otherwise the
 * connection is closed (and logged). The silence timeout: a client that
 * sends nothing (or takes none of an answer) for `timeout` seconds is
 * dropped. A sweep every GW_SWEEP_MS (a timerfd, running while there
 * are connections) enforces both. */
#define GW_DEADLINE 30                 /* seconds for a request to arrive */
#define GW_SWEEP_MS 250

struct gw_http {
	struct gw_up *up;
	struct gw_loop *loop;
	struct gw_watch listener;      /* the listening socket */
	unsigned max_conns;
	unsigned deadline;             /* seconds */
	unsigned timeout;              /* seconds */
	size_t max_head, max_body;
	bool paused;                   /* at max_conns */
	bool backoff;                  /* accept failed: until the next sweep */
	bool verbose;
	struct gw_conn **conns;        /* n_conns open ones */
	size_t n_conns, cap_conns;
	struct gw_watch sweep;         /* the timerfd */
	bool sweeping;                 /* armed */
	uint64_t n_cut;                /* connections cut by the deadline */
	uint8_t *frame;                /* the request frame being sent */
	size_t frame_cap;
	struct arena *arena;           /* the answer being rendered */
	struct gw_request req;         /* the request being forwarded */
};
/* Serves the listening socket lfd (non-blocking; h takes it). */
int gw_http_init(struct gw_http *h, struct gw_loop *loop, struct gw_up *up, int lfd,
		 const struct gw_config *cfg);
void gw_http_release(struct gw_http *h);
/* The connection's peer, "127.0.0.1:50123". */
const char *gw_conn_peer(const struct gw_conn *c);
/* Queues the answer (status, Content-Type text/xml, the request id header
 * when not NULL, body) on the connection and writes it at once. */
void gw_conn_answer(struct gw_conn *c, unsigned status, const char *request_id,
		    const char *body, size_t len);
/* Releases what a forwarded request held of its connection: once per
 * gw_http_forward, after gw_conn_answer (or when the connection is gone:
 * gw_conn_open false). */
void gw_conn_request_done(struct gw_conn *c);
bool gw_conn_open(const struct gw_conn *c);

/* gateway_http.c: a whole request -> the frame to iamd; iamd's Response ->
 * AWS's XML. */
void gw_http_forward(struct gw_http *h, struct gw_conn *c, const struct gw_request *r,
		     const char *body);
/* An XML ErrorResponse answered by the gateway itself. */
void gw_http_error(struct gw_conn *c, unsigned status, const char *code, const char *message);
/* Wipes the last answer's XML (it held a secret; gateway_up.c). */
void gw_http_wipe(void);
/* Renders `resp` as AWS's XML into a new malloc'd text; *ret_status is the
 * HTTP status. */
int gw_http_render(const struct Iam__Response *resp, char **ret, size_t *ret_len,
		   unsigned *ret_status);
const char *gw_http_reason(unsigned status);
