/* gateway_conn: iam-gateway's HTTP connections (gateway.h): accept,
 * reading requests (one read() per readable event, the head by
 * gateway_parse.c), keep-alive and pipelining (one request at iamd per
 * connection, the next parsed once the answer is out), writing answers
 * (one writev, the rest on EV_WRITE), 100 Continue, the limits, the
 * request deadline and the silence timeout. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "gateway.h"
#include "util/arena.h"

#define IN_START 8192u
#define IN_SLACK 4096u     /* free space wanted before a read */
#define LINGER_MS 2000u    /* a refused client's rest is read and dropped */
#define ACCEPTS 16u        /* accepted per readable event of the listener */

struct gw_conn {
	struct gw_http *h;
	int fd;                       /* -1 once closed */
	struct gw_watch w;            /* EPOLLIN while reading, EPOLLOUT while `out` */
	char *in;                     /* received, not yet forwarded: [in_off, in_len) */
	size_t in_off, in_len, in_cap;
	char *out;                    /* an answer the socket did not take whole */
	size_t out_off, out_len;
	size_t idx;                   /* in h->conns */
	unsigned refs;                /* the connection's own, one while at iamd */
	uint64_t deadline_ms;         /* 0: not waiting for a request */
	uint64_t last_ms;             /* the last byte in or out */
	bool busy;                    /* a request at iamd */
	bool keep_alive;              /* of the request at iamd */
	bool closing;                 /* close once the answer is out */
	bool refused;                 /* the gateway refused the request */
	bool draining;                /* refused and answered: reading to drop */
	bool reading;                 /* waiting for EPOLLIN */
	bool eof;                     /* the client closed its side */
	bool continued;               /* 100 Continue sent for the request */
	bool in_process;              /* process() is running */
	unsigned version;             /* of the request at iamd */
	char peer[64];                /* "127.0.0.1:50123", for iamd's logs */
};

static void listener_update(struct gw_http *h)
{
	bool on = !h->paused && !h->backoff;
	gw_watch_set(h->loop, &h->listener, on ? EPOLLIN : 0);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

const char *gw_conn_peer(const struct gw_conn *c)
{
	return c->peer;
}

static void conn_unref(struct gw_conn *c)
{
	if (--c->refs)
		return;
	free(c->in);
	if (c->out)
		explicit_bzero(c->out, c->out_len);   /* may hold a secret */
	free(c->out);
	free(c);
}

static void conn_close(struct gw_conn *c)
{
	struct gw_http *h = c->h;
	if (c->fd < 0)
		return;
	gw_watch_del(h->loop, &c->w);
	close(c->fd);
	c->fd = -1;
	h->conns[c->idx] = h->conns[--h->n_conns];
	h->conns[c->idx]->idx = c->idx;
	if (h->paused && h->n_conns < h->max_conns) {
		h->paused = false;
		listener_update(h);
	}
	conn_unref(c);
}

/* What the connection waits for: EPOLLIN while reading, EPOLLOUT while
 * an answer waits for room. */
static void conn_watch(struct gw_conn *c)
{
	uint32_t ev = (c->reading ? EPOLLIN : 0) | (c->out ? EPOLLOUT : 0);
	if (c->fd >= 0 && gw_watch_set(c->h->loop, &c->w, ev) < 0)
		conn_close(c);
}

static void reading_set(struct gw_conn *c, bool on)
{
	if (c->reading == on || c->fd < 0)
		return;
	c->reading = on;
	conn_watch(c);
}

static void process(struct gw_conn *c);

/* The answer is out whole: the clock of the next request starts. */
static void answer_done(struct gw_conn *c)
{
	if (c->closing && c->refused && !c->eof && shutdown(c->fd, SHUT_WR) == 0) {
		/* A lingering close: what the client still sends (the body of a
		 * refused request) is read and dropped until it closes its side
		 * or LINGER_MS pass - closing with unread bytes would reset the
		 * connection and could destroy the answer before the client
		 * reads it. */
		c->draining = true;
		c->in_off = c->in_len = 0;
		c->deadline_ms = now_ms() + LINGER_MS;
		reading_set(c, true);
		return;
	}
	if (c->closing) {
		conn_close(c);
		return;
	}
	c->deadline_ms = now_ms() + (uint64_t)c->h->deadline * 1000u;
	if (!c->eof)
		reading_set(c, true);
	process(c);
}

static bool write_error(int e)
{
	return e != EAGAIN && e != EWOULDBLOCK && e != EINTR;
}

static void conn_writable(struct gw_conn *c)
{
	ssize_t w = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
	if (w < 0) {
		if (write_error(errno))
			conn_close(c);
		return;
	}
	c->last_ms = now_ms();
	c->out_off += (size_t)w;
	if (c->out_off < c->out_len)
		return;
	explicit_bzero(c->out, c->out_len);   /* may hold a secret */
	free(c->out);
	c->out = NULL;
	c->out_off = c->out_len = 0;
	conn_watch(c);
	answer_done(c);
}

/* Writes iov at once; what the socket does not take waits for EV_WRITE.
 * The answer is done (answer_done) when it went out whole. */
static void conn_write(struct gw_conn *c, const struct iovec *iov, int n)
{
	size_t total = 0;
	for (int i = 0; i < n; i++)
		total += iov[i].iov_len;
	ssize_t w = writev(c->fd, iov, n);
	if (w < 0) {
		if (write_error(errno)) {
			conn_close(c);
			return;
		}
		w = 0;
	}
	c->last_ms = now_ms();
	if ((size_t)w == total) {
		answer_done(c);
		return;
	}
	c->out = malloc(total - (size_t)w);
	if (!c->out) {
		conn_close(c);
		return;
	}
	size_t skip = (size_t)w;
	for (int i = 0; i < n; i++) {
		if (skip >= iov[i].iov_len) {
			skip -= iov[i].iov_len;
			continue;
		}
		memcpy(c->out + c->out_len, (const char *)iov[i].iov_base + skip,
		       iov[i].iov_len - skip);
		c->out_len += iov[i].iov_len - skip;
		skip = 0;
	}
	c->out_off = 0;
	c->reading = false;
	conn_watch(c);
}

static char *put(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}
#define PUTS(p, s) put(p, s, sizeof(s) - 1)

/* The Date header's value, formatted once a second (IMF-fixdate: always
 * HTTP_DATE_LEN characters). */
#define HTTP_DATE_LEN 29
static const char *http_date(void)
{
	static time_t last;
	static char buf[40] = "Thu, 01 Jan 1970 00:00:00 GMT";
	time_t t = time(NULL);
	if (t != last) {
		struct tm tm;
		gmtime_r(&t, &tm);
		if (strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm) == HTTP_DATE_LEN)
			last = t;
		else
			memcpy(buf, "Thu, 01 Jan 1970 00:00:00 GMT", HTTP_DATE_LEN + 1);
	}
	return buf;
}

/* n in decimal at p; the end. */
static char *put_uint(char *p, size_t n)
{
	char tmp[24];
	size_t i = sizeof(tmp);
	do {
		tmp[--i] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	return put(p, tmp + i, sizeof(tmp) - i);
}

void gw_conn_answer(struct gw_conn *c, unsigned status, const char *request_id,
		    const char *body, size_t len)
{
	char head[512];
	char *p = head;
	const char *why = gw_http_reason(status);
	size_t rl = request_id ? strlen(request_id) : 0;
	c->busy = false;
	if (c->fd < 0)
		return;
	if (rl > 128)
		rl = 0;   /* iamd's ids are short; never overflow head */
	if (status < 100 || status > 999)
		status = 500;
	p = PUTS(p, "HTTP/1.1 ");
	p = put_uint(p, status);
	*p++ = ' ';
	p = put(p, why, strlen(why));
	p = PUTS(p, "\r\nContent-Type: text/xml\r\n");
	if (rl) {
		p = PUTS(p, "x-amzn-RequestId: ");
		p = put(p, request_id, rl);
		p = PUTS(p, "\r\n");
	}
	p = PUTS(p, "Date: ");
	p = put(p, http_date(), HTTP_DATE_LEN);
	p = PUTS(p, "\r\nContent-Length: ");
	p = put_uint(p, len);
	if (c->closing || !c->keep_alive) {
		c->closing = true;
		p = PUTS(p, "\r\nConnection: close\r\n\r\n");
	} else if (c->version == 10) {
		p = PUTS(p, "\r\nConnection: keep-alive\r\n\r\n");
	} else {
		p = PUTS(p, "\r\n\r\n");
	}
	struct iovec iov[2] = { { head, (size_t)(p - head) }, { (void *)body, len } };
	conn_write(c, iov, len ? 2 : 1);
}

/* A request the gateway refuses itself: answered, then the connection
 * closes (what follows in the stream cannot be trusted). */
static void refuse(struct gw_conn *c, int status)
{
	static const struct {
		int status;
		const char *code, *message;
	} why[] = {
		{ 400, "InvalidRequest", "The HTTP request is malformed." },
		{ 411, "MissingContentLength",
		  "A Content-Length is required (Transfer-Encoding: chunked is not accepted)." },
		{ 413, "RequestEntityTooLarge", "The request body is too large." },
		{ 417, "InvalidRequest", "Only Expect: 100-continue is supported." },
		{ 431, "RequestHeaderFieldsTooLarge", "The request's headers are too large." },
		{ 501, "NotImplemented", "The transfer coding is not supported." },
		{ 505, "InvalidRequest", "Only HTTP/1.0 and HTTP/1.1 are supported." },
	};
	size_t i = 0;
	while (i + 1 < sizeof(why) / sizeof(why[0]) && why[i].status != status)
		i++;
	if (why[i].status != status)
		i = 0, status = 400;
	c->closing = true;
	c->refused = true;
	c->version = 11;
	reading_set(c, false);
	gw_http_error(c, (unsigned)status, why[i].code, why[i].message);
}

/* The whole request at the start of the buffer goes to iamd; false when
 * none is whole yet (or the request was refused). */
static bool process_one(struct gw_conn *c)
{
	struct gw_http *h = c->h;
	struct gw_request *r = &h->req;
	const char *buf = c->in + c->in_off;
	size_t have = c->in_len - c->in_off;
	int rc = gw_request_parse(buf, have, h->max_head, h->max_body, r);
	if (rc < 0) {
		refuse(c, -rc);
		return false;
	}
	if (rc == 0)
		return false;
	size_t total = r->head_len + r->content_length;
	if (have < total) {
		/* the body is on its way: room for it whole, one read */
		if (c->in_off + total > c->in_cap) {
			if (c->in_off) {
				memmove(c->in, c->in + c->in_off, have);
				c->in_len = have;
				c->in_off = 0;
			}
			if (total > c->in_cap) {
				char *n = realloc(c->in, total);
				if (!n) {
					refuse(c, 413);
					return false;
				}
				c->in = n;
				c->in_cap = total;
			}
		}
		if (r->expect_continue && !c->continued) {
			static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
			c->continued = true;
			if (write(c->fd, cont, sizeof(cont) - 1) < 0 && write_error(errno))
				conn_close(c);
		}
		return false;
	}
	c->deadline_ms = 0;
	c->continued = false;
	c->busy = true;
	c->refs++;
	c->keep_alive = r->keep_alive;
	c->version = r->version;
	c->in_off += total;
	/* the buffer's bytes stay put until the frame is packed: nothing is
	 * read in between */
	gw_http_forward(h, c, r, buf + r->head_len);
	return true;
}

/* Forwards the whole requests the buffer holds, one at a time: the next
 * once the answer to the previous one is out (pipelining). */
static void process(struct gw_conn *c)
{
	if (c->in_process)
		return;   /* the loop below goes on */
	c->in_process = true;
	c->refs++;
	while (c->fd >= 0 && !c->busy && !c->out && !c->closing && c->in_off < c->in_len &&
	       process_one(c))
		;
	if (c->in_off == c->in_len)
		c->in_off = c->in_len = 0;
	if (c->fd >= 0 && c->eof && !c->busy && !c->out)
		conn_close(c);   /* the client is gone and nothing is left to answer */
	c->in_process = false;
	conn_unref(c);
}

void gw_conn_request_done(struct gw_conn *c)
{
	conn_unref(c);
}

static void conn_readable(struct gw_conn *c)
{
	struct gw_http *h = c->h;
	int fd = c->fd;
	if (c->draining) {
		char drop[4096];
		ssize_t r = read(fd, drop, sizeof(drop));
		if (r == 0 || (r < 0 && write_error(errno)))
			conn_close(c);
		return;
	}
	if (c->in_cap - c->in_len < IN_SLACK) {
		if (c->in_off) {
			memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
			c->in_len -= c->in_off;
			c->in_off = 0;
		}
		size_t limit = h->max_head + h->max_body + IN_SLACK;
		if (c->in_cap - c->in_len < IN_SLACK) {
			size_t cap = c->in_cap ? 2 * c->in_cap : IN_START;
			if (cap > limit)
				cap = limit;
			if (cap <= c->in_cap) {
				/* full: a pipelined flood waits for the answer */
				reading_set(c, false);
				return;
			}
			char *n = realloc(c->in, cap);
			if (!n) {
				conn_close(c);
				return;
			}
			c->in = n;
			c->in_cap = cap;
		}
	}
	ssize_t r = read(fd, c->in + c->in_len, c->in_cap - c->in_len);
	if (r < 0) {
		if (write_error(errno))
			conn_close(c);
		return;
	}
	if (r == 0) {
		c->eof = true;
		if (c->busy || c->out)
			reading_set(c, false);   /* close once the answer is out */
		else
			conn_close(c);
		return;
	}
	c->in_len += (size_t)r;
	c->last_ms = now_ms();
	process(c);
	/* after a large request, give the memory back */
	if (c->fd >= 0 && !c->busy && c->in_len == 0 && c->in_cap > 8 * IN_START) {
		free(c->in);
		c->in = NULL;
		c->in_cap = 0;
	}
}

static void conn_event(struct gw_watch *w, uint32_t events)
{
	struct gw_conn *c = w->arg;
	c->refs++;
	if (c->out && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
		conn_writable(c);
	if (c->fd >= 0 && c->reading && (events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
		conn_readable(c);
	else if (c->fd >= 0 && !c->reading && !c->out && (events & (EPOLLERR | EPOLLHUP)))
		conn_close(c);   /* reset or shut both ways: reported until closed */
	conn_unref(c);
}

/* The sweep runs every GW_SWEEP_MS while there are connections (or the
 * listener waits for the next one after a failed accept). */
static void sweep_set(struct gw_http *h, bool on)
{
	struct itimerspec its = { 0 };
	if (on == h->sweeping || h->sweep.fd < 0)
		return;
	if (on) {
		its.it_interval.tv_nsec = GW_SWEEP_MS * 1000000L;
		its.it_value = its.it_interval;
	}
	if (timerfd_settime(h->sweep.fd, 0, &its, NULL) == 0)
		h->sweeping = on;
}

static void sweep(struct gw_watch *w, uint32_t events)
{
	struct gw_http *h = w->arg;
	uint64_t now = now_ms();
	uint64_t silence = (uint64_t)h->timeout * 1000u;
	uint64_t ticks;
	(void)events;
	if (read(w->fd, &ticks, sizeof(ticks)) < 0 && write_error(errno))
		fprintf(stderr, "iam-gateway: the sweep's timer: %s\n", strerror(errno));
	if (h->backoff) {
		h->backoff = false;
		listener_update(h);
	}
	for (size_t i = 0; i < h->n_conns;) {
		struct gw_conn *c = h->conns[i];
		if (c->busy) {
			i++;
			continue;
		}
		if (c->draining) {
			if (now >= c->deadline_ms)
				conn_close(c);
			else
				i++;
			continue;
		}
		if (!c->out && c->deadline_ms && now >= c->deadline_ms) {
			fprintf(stderr, "iam-gateway: %s: no whole request within %u s, closing\n",
				c->peer, h->deadline);
			h->n_cut++;
			conn_close(c);   /* h->conns[i] is now another one */
			continue;
		}
		if (now - c->last_ms >= silence) {
			if (h->verbose)
				fprintf(stderr, "iam-gateway: %s: silent for %u s, closing\n",
					c->peer, h->timeout);
			conn_close(c);
			continue;
		}
		i++;
	}
	if (!h->n_conns)
		sweep_set(h, false);
}

static void conn_new(struct gw_http *h, int fd, const struct sockaddr *sa, socklen_t salen)
{
	struct gw_conn *c = NULL;
	char addr[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	int one = 1;
	if (h->n_conns == h->cap_conns) {
		size_t cap = h->cap_conns ? 2 * h->cap_conns : 64;
		struct gw_conn **n = realloc(h->conns, cap * sizeof(*n));
		if (!n)
			goto fail;
		h->conns = n;
		h->cap_conns = cap;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		goto fail;
	c->h = h;
	c->fd = fd;
	c->refs = 1;
	c->w.fd = -1;
	if (gw_watch_add(h->loop, &c->w, fd, EPOLLIN, conn_event, c) < 0)
		goto fail;
	c->reading = true;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (sa->sa_family == AF_INET && (size_t)salen >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, addr, sizeof(addr));
		port = ntohs(s4->sin_port);
	} else if (sa->sa_family == AF_INET6 &&
		   (size_t)salen >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &s6->sin6_addr, addr, sizeof(addr));
		port = ntohs(s6->sin6_port);
	}
	snprintf(c->peer, sizeof(c->peer), "%s:%u", addr, port);
	c->last_ms = now_ms();
	c->deadline_ms = c->last_ms + (uint64_t)h->deadline * 1000u;
	c->idx = h->n_conns;
	h->conns[h->n_conns++] = c;
	if (h->n_conns >= h->max_conns && !h->paused) {
		h->paused = true;
		listener_update(h);
	}
	sweep_set(h, true);
	return;
fail:
	if (c)
		gw_watch_del(h->loop, &c->w);
	free(c);
	fprintf(stderr, "iam-gateway: out of memory, a connection refused\n");
	close(fd);
}

static void listener_readable(struct gw_watch *w, uint32_t events)
{
	struct gw_http *h = w->arg;
	(void)events;
	for (unsigned i = 0; i < ACCEPTS && !h->paused && !h->backoff; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd = accept4(w->fd, (struct sockaddr *)&ss, &sl,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			conn_new(h, fd, (struct sockaddr *)&ss, sl);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		/* EMFILE, ENFILE, ENOBUFS, ENOMEM: the client waits in the
		 * backlog; the listener rests until the next sweep */
		fprintf(stderr, "iam-gateway: accept: %s\n", strerror(errno));
		h->backoff = true;
		listener_update(h);
		sweep_set(h, true);
	}
}

int gw_http_init(struct gw_http *h, struct gw_loop *loop, struct gw_up *up, int lfd,
		 const struct gw_config *cfg)
{
	int r;
	memset(h, 0, sizeof(*h));
	h->listener.fd = h->sweep.fd = -1;
	h->loop = loop;
	h->up = up;
	h->max_conns = cfg->max_conns;
	h->deadline = cfg->deadline;
	h->timeout = cfg->timeout;
	h->max_head = cfg->max_headers;
	h->max_body = cfg->max_body;
	h->verbose = cfg->verbose;
	if (arena_new(16384, &h->arena) < 0) {
		close(lfd);
		return -ENOMEM;
	}
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (tfd < 0 || (r = gw_watch_add(loop, &h->sweep, tfd, EPOLLIN, sweep, h)) < 0) {
		r = tfd < 0 ? -errno : r;
		if (tfd >= 0)
			close(tfd);
		close(lfd);
		return r;
	}
	r = gw_watch_add(loop, &h->listener, lfd, EPOLLIN, listener_readable, h);
	if (r < 0)
		close(lfd);
	return r;
}

void gw_http_release(struct gw_http *h)
{
	while (h->n_conns)
		conn_close(h->conns[h->n_conns - 1]);
	free(h->conns);
	h->conns = NULL;
	free(h->frame);
	h->frame = NULL;
	h->frame_cap = 0;
	int fd = h->sweep.fd;
	if (fd >= 0) {
		gw_watch_del(h->loop, &h->sweep);
		close(fd);
	}
	fd = h->listener.fd;
	if (fd >= 0) {
		gw_watch_del(h->loop, &h->listener);
		close(fd);
	}
	arena_free(h->arena);
	h->arena = NULL;
}

bool gw_conn_open(const struct gw_conn *c)
{
	return c->fd >= 0;
}
