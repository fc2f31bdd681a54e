/* server: the event loop, connections and their limits (server.h). */
#include "config.h"
#include "server.h"

#include <errno.h>
#include <event2/event.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dispatch.h"
#include "iamd.h"
#include "keyd_client.h"
#include "peer.h"
#include "rpc/rpc.h"
#include "sd.h"
#include "util/spin.h"

#define READ_CHUNK (16u * 1024)
#define OUT_MAX_BYTES (4u << 20)      /* queued answers: pause reading above */
#define BUF_KEEP (256u * 1024)        /* larger idle buffers are given back */
#define DRAIN_TIMEOUT_MS 2000
#define ACCEPT_BACKOFF_MS 100
#define CONSUME_BATCH 2048u        /* answered request bytes left in a socket */
#define CONSUME_DELAY_US 1000      /* at most this long */

struct conn {
	struct server *srv;
	struct conn *prev, *next;
	int fd;
	int pidfd;                /* the peer's, taken at accept; -1: none */
	struct event *rev, *wev, *tev;
	struct rpc_buf in, out;
	struct session sess;
	unsigned queued;          /* answers in `out` since it was last empty */
	bool reading;             /* rev is armed */
	bool writing;             /* wev is armed */
	bool draining;            /* shutting down: close once flushed */
	bool pending;             /* a call waits for keyd (dispatch.h): read
				   * nothing more until it is answered */
	uint64_t last_frame_ms;   /* accept, or the last complete frame */
	uint64_t frame_start_ms;  /* first byte of an incomplete frame; 0: none */
	size_t unconsumed;        /* bytes copied into `in` with MSG_PEEK that are
				   * still in the socket (conn_consume()) */
	bool peek_off;            /* SO_PEEK_OFF set: peeks go on from there */
	bool peer_closed;         /* EV_CLOSED: the peer shut down its side; read
				   * on to the end (an edge-triggered event
				   * will not come again for it) */
};

struct server {
	struct iamd *d;
	struct event_base *base;
	int lfd;
	struct event *lev, *backoff, *drain, *sigterm, *sigint;
	struct event *consume;    /* takes answered requests out of sockets */
	bool consume_armed;
	struct conn *conns;
	unsigned nconns;
	bool stopping;
	uint64_t spin_ns;         /* --keyd-spin; 0 on a one-CPU host */
	uint64_t idle_spin_ns;    /* --idle-spin; 0 on a one-CPU host */
	uint64_t reads;           /* read events served: did a turn find work */
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct timeval ms_tv(uint64_t ms)
{
	struct timeval tv = { .tv_sec = (time_t)(ms / 1000),
			      .tv_usec = (suseconds_t)(ms % 1000) * 1000 };
	return tv;
}

static void server_check_drained(struct server *srv)
{
	if (srv->stopping && srv->nconns == 0)
		event_base_loopbreak(srv->base);
}

static void conn_close(struct conn *cn)
{
	struct server *srv = cn->srv;
	if (cn->prev)
		cn->prev->next = cn->next;
	else
		srv->conns = cn->next;
	if (cn->next)
		cn->next->prev = cn->prev;
	srv->nconns--;
	event_free(cn->rev);
	event_free(cn->wev);
	event_free(cn->tev);
	close(cn->fd);
	if (cn->pidfd >= 0)
		close(cn->pidfd);
	peer_cache_free(cn->sess.peer);
	rpc_buf_release(&cn->in);
	rpc_buf_release(&cn->out);
	session_fini(&cn->sess);
	free(cn);
	server_check_drained(srv);
}

/* Logs why a peer lost its connection and closes it. */
static void conn_drop(struct conn *cn, const char *why)
{
	iamd_log_limited(LOG_WARNING, "uid %u pid %d: %s; closing",
			 (unsigned)cn->sess.uid, (int)cn->sess.pid, why);
	conn_close(cn);
}

static void conn_set_reading(struct conn *cn, bool on)
{
	if (on == cn->reading || (on && (cn->draining || cn->pending)))
		return;
	if (on) {
		event_add(cn->rev, NULL);
		/* edge-triggered: what arrived while paused raised no event */
		event_active(cn->rev, EV_READ, 0);
	} else {
		event_del(cn->rev);
	}
	cn->reading = on;
}

static void conn_set_writing(struct conn *cn, bool on)
{
	if (on == cn->writing)
		return;
	if (on)
		event_add(cn->wev, NULL);
	else
		event_del(cn->wev);
	cn->writing = on;
}

/* Takes the bytes already copied into `in` out of the socket. Requests are
 * read with MSG_PEEK and taken out later, a batch at a time: taking one
 * out frees its sender's buffer, which wakes the peer if it sleeps on its
 * socket (unix_write_space()) - and a client waiting for its answer does:
 * a context switch (an IPI from another CPU) per call for nothing. Taken
 * out when CONSUME_BATCH bytes are answered, else by the server's timer
 * within CONSUME_DELAY_US (a peer whose small SO_SNDBUF fills up with them
 * waits that long at most). Without SO_PEEK_OFF (conn_new) each read takes
 * out what the one before peeked. 0, or -1 on a socket error (the next
 * read sees it). */
static int conn_consume(struct conn *cn)
{
	static uint8_t scratch[CONSUME_BATCH];   /* one loop thread */
	while (cn->unconsumed > 0) {
		size_t want = cn->unconsumed < sizeof(scratch) ? cn->unconsumed : sizeof(scratch);
		ssize_t n = recv(cn->fd, scratch, want, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			cn->unconsumed = 0;
			return -1;
		}
		cn->unconsumed -= (size_t)n;
		explicit_bzero(scratch, (size_t)n);   /* no second copy of a request */
	}
	return 0;
}

/* After a read's frames are answered: a full batch goes now, else the
 * timer takes it (server_on_consume()). */
static void conn_consume_later(struct conn *cn)
{
	struct server *srv = cn->srv;
	if (cn->unconsumed >= CONSUME_BATCH) {
		conn_consume(cn);
		return;
	}
	if (cn->unconsumed && !srv->consume_armed) {
		struct timeval tv = { .tv_sec = 0, .tv_usec = CONSUME_DELAY_US };
		evtimer_add(srv->consume, &tv);
		srv->consume_armed = true;
	}
}

static void server_on_consume(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;
	(void)fd;
	(void)what;
	srv->consume_armed = false;
	for (struct conn *cn = srv->conns; cn; cn = cn->next)
		conn_consume(cn);
}

/* Writes what is queued. 0: all sent or the rest waits for EV_WRITE;
 * -1: the connection was closed. */
static int conn_flush(struct conn *cn)
{
	while (rpc_buf_len(&cn->out) > 0) {
		ssize_t n = send(cn->fd, rpc_buf_head(&cn->out),
				 rpc_buf_len(&cn->out), MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				conn_set_writing(cn, true);
				if (cn->queued >= cn->srv->d->cfg.max_inflight ||
				    rpc_buf_len(&cn->out) > OUT_MAX_BYTES)
					conn_set_reading(cn, false);
				return 0;
			}
			conn_close(cn);   /* the peer went away: nothing to log */
			return -1;
		}
		rpc_buf_consume(&cn->out, (size_t)n);
	}
	cn->queued = 0;
	conn_set_writing(cn, false);
	if (cn->out.cap > BUF_KEEP)
		rpc_buf_release(&cn->out);
	if (cn->draining && !cn->pending) {
		conn_close(cn);
		return -1;
	}
	conn_set_reading(cn, true);
	return 0;
}

static void conn_arm_timer(struct conn *cn, uint64_t now)
{
	const struct iamd_config *cfg = &cn->srv->d->cfg;
	uint64_t deadline = cn->last_frame_ms + cfg->idle_timeout_ms;
	if (cn->frame_start_ms &&
	    cn->frame_start_ms + cfg->frame_timeout_ms < deadline)
		deadline = cn->frame_start_ms + cfg->frame_timeout_ms;
	struct timeval tv = ms_tv(deadline > now ? deadline - now : 0);
	event_add(cn->tev, &tv);
}

/* Dispatches every complete frame in `in`, as long as answers may queue.
 * 0, or -1 when the connection was closed. */
static int conn_process(struct conn *cn)
{
	const struct iamd_config *cfg = &cn->srv->d->cfg;
	bool got_frame = false;
	for (;;) {
		if (cn->pending)
			break;   /* answered when keyd is */
		if (!cn->draining && (cn->queued >= cfg->max_inflight ||
				      rpc_buf_len(&cn->out) > OUT_MAX_BYTES)) {
			if (conn_flush(cn) < 0)
				return -1;
			if (rpc_buf_len(&cn->out) > 0)
				break;   /* reading paused until the peer reads */
		}
		const uint8_t *body;
		uint32_t len;
		int r = rpc_frame_next(&cn->in, cfg->max_frame, &body, &len);
		if (r == 0)
			break;
		if (r < 0) {
			if (conn_flush(cn) < 0)   /* best effort: earlier answers */
				return -1;
			conn_drop(cn, r == -EMSGSIZE ? "frame length above the limit"
						     : "zero-length frame");
			return -1;
		}
		got_frame = true;
		r = dispatch_frame(&cn->sess, body, len, &cn->out);
		if (r == DISPATCH_PENDING) {
			/* reading stays armed (two epoll_ctl fewer per keyd
			 * call): conn_on_read() pauses it only if the peer
			 * sends more while the call waits */
			got_frame = true;
			cn->pending = true;
			break;
		}
		if (r < 0) {
			/* dispatch logged why */
			if (conn_flush(cn) == 0)
				conn_close(cn);
			return -1;
		}
		cn->queued++;
	}
	uint64_t now = 0;
	if (got_frame) {
		now = now_ms();
		cn->last_frame_ms = now;
		cn->frame_start_ms = 0;
	}
	if (rpc_buf_len(&cn->in) > 0 && cn->frame_start_ms == 0 &&
	    cn->queued < cfg->max_inflight) {
		/* a frame has started: it must complete in time */
		if (!now)
			now = now_ms();
		cn->frame_start_ms = now;
		conn_arm_timer(cn, now);
	}
	if (rpc_buf_len(&cn->in) == 0 && cn->in.cap > BUF_KEEP)
		rpc_buf_release(&cn->in);
	return 0;
}

/* Reads what the socket holds (bounded) and processes it. 0, or -1 when
 * the connection was closed. */
static int conn_read(struct conn *cn)
{
	const struct iamd_config *cfg = &cn->srv->d->cfg;
	for (int round = 0; round < 16; round++) {
		size_t want = READ_CHUNK;
		uint32_t body_len = 0;
		int pr = rpc_frame_parse(rpc_buf_head(&cn->in), rpc_buf_len(&cn->in),
					 cfg->max_frame, &body_len);
		if (pr == 0 && body_len > 0) {
			/* the length is known and checked: make room for the frame */
			size_t need = RPC_HDR_LEN + (size_t)body_len - rpc_buf_len(&cn->in);
			if (need > want)
				want = need;
		}
		uint8_t *tail;
		if (rpc_buf_reserve(&cn->in, want, &tail) < 0) {
			conn_drop(cn, "out of memory");
			return -1;
		}
		size_t room = rpc_buf_room(&cn->in);
		if (!cn->peek_off)
			conn_consume(cn);   /* peeks start at the head */
		ssize_t n = recv(cn->fd, tail, room, MSG_PEEK | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			conn_close(cn);
			return -1;
		}
		if (n == 0) {
			if (rpc_buf_len(&cn->in) > 0) {
				if (conn_flush(cn) == 0)
					conn_drop(cn, "connection closed inside a frame (truncated)");
				return -1;
			}
			/* the peer is done sending (maybe only half-closed):
			 * send what is answered, then close */
			conn_set_reading(cn, false);
			cn->draining = true;
			conn_flush(cn);
			return -1;   /* closed, or closes once flushed */
		}
		rpc_buf_commit(&cn->in, (size_t)n);
		cn->unconsumed += (size_t)n;
		if (conn_process(cn) < 0)
			return -1;
		if (((size_t)n < room && !cn->peer_closed) || cn->pending ||
		    (!cn->reading && !cn->draining))
			return 0;
	}
	/* more may wait, and an edge-triggered event will not say so again */
	event_active(cn->rev, EV_READ, 0);
	return 0;
}

static void conn_on_read(evutil_socket_t fd, short what, void *arg)
{
	struct conn *cn = arg;
	(void)fd;
	if (what & EV_CLOSED)
		cn->peer_closed = true;
	if (cn->pending) {
		/* more from the peer while a call waits for keyd: it stays in
		 * the socket until the call is answered */
		conn_set_reading(cn, false);
		return;
	}
	cn->srv->reads++;
	if (conn_read(cn) < 0)
		return;
	if (conn_flush(cn) < 0)
		return;
	conn_consume_later(cn);
}

static void conn_on_write(evutil_socket_t fd, short what, void *arg)
{
	struct conn *cn = arg;
	(void)fd;
	(void)what;
	if (conn_flush(cn) < 0 || rpc_buf_len(&cn->out) > 0)
		return;
	/* reading may have resumed with frames still waiting in `in` */
	if (rpc_buf_len(&cn->in) > 0 && conn_process(cn) == 0)
		conn_flush(cn);
}

static void conn_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct conn *cn = arg;
	const struct iamd_config *cfg = &cn->srv->d->cfg;
	uint64_t now = now_ms();
	(void)fd;
	(void)what;
	if (cn->frame_start_ms && now >= cn->frame_start_ms + cfg->frame_timeout_ms) {
		conn_drop(cn, "frame not completed before its deadline");
		return;
	}
	if (now >= cn->last_frame_ms + cfg->idle_timeout_ms && !cn->pending) {
		iamd_log_limited(LOG_INFO, "uid %u pid %d: idle; closing",
				 (unsigned)cn->sess.uid, (int)cn->sess.pid);
		conn_close(cn);
		return;
	}
	conn_arm_timer(cn, now);
}

/* An answer is in `out` and its call's audit record is about to be written
 * (dispatch.h, answered): it goes now, unless the socket is full (EV_WRITE
 * sends it) or another whole frame waits in `in` (its answer goes with this
 * one, one send for both). A failed send is conn_flush()'s to handle: the
 * connection stays open here. */
static void conn_on_answered(struct session *s, void *data)
{
	struct conn *cn = data;
	uint32_t body_len;
	(void)s;
	if (cn->writing || rpc_buf_len(&cn->out) == 0 ||
	    rpc_frame_parse(rpc_buf_head(&cn->in), rpc_buf_len(&cn->in),
			    cn->srv->d->cfg.max_frame, &body_len) != 0)
		return;
	ssize_t n = send(cn->fd, rpc_buf_head(&cn->out), rpc_buf_len(&cn->out),
			 MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n > 0)
		rpc_buf_consume(&cn->out, (size_t)n);
}

/* dispatch answered the call that waited for keyd (dispatch.h). */
static void conn_on_resumed(struct session *s, int r, void *data)
{
	struct conn *cn = data;
	(void)s;
	cn->pending = false;
	if (r < 0) {
		if (conn_flush(cn) == 0)
			conn_close(cn);
		return;
	}
	cn->queued++;
	/* frames that arrived meanwhile, then reading again */
	if (conn_process(cn) == 0)
		conn_flush(cn);
}

static int conn_new(struct server *srv, int fd, const struct ucred *cred)
{
	struct conn *cn = calloc(1, sizeof(*cn));
	if (!cn)
		return -ENOMEM;
	cn->srv = srv;
	cn->fd = fd;
	int r = session_init(&cn->sess, srv->d, cred->uid, cred->gid, cred->pid);
	if (r < 0) {
		free(cn);
		return r;
	}
	/* the peer's pidfd now, while the process that connected is surely
	 * the one under its pid: GetCredentials identifies it through this
	 * (peer.h); without one it refuses */
	cn->pidfd = -1;
	r = peer_pidfd_take(fd, cred->pid, cred->uid, &cn->pidfd);
	if (r < 0)
		iamd_log_limited(LOG_INFO, "uid %u pid %d: no pidfd (%s)",
				 (unsigned)cred->uid, (int)cred->pid, strerror(-r));
	cn->sess.pidfd = cn->pidfd;
	cn->sess.resumed = conn_on_resumed;
	cn->sess.resumed_data = cn;
	cn->sess.answered = conn_on_answered;
	/* edge-triggered: peeked bytes stay in the socket (conn_consume()) */
	int zero = 0;
	cn->peek_off = setsockopt(fd, SOL_SOCKET, SO_PEEK_OFF, &zero, sizeof(zero)) == 0;
	cn->rev = event_new(srv->base, fd, EV_READ | EV_CLOSED | EV_PERSIST | EV_ET,
			    conn_on_read, cn);
	cn->wev = event_new(srv->base, fd, EV_WRITE | EV_PERSIST | EV_ET, conn_on_write, cn);
	cn->tev = evtimer_new(srv->base, conn_on_timer, cn);
	if (!cn->rev || !cn->wev || !cn->tev) {
		event_free(cn->rev);
		event_free(cn->wev);
		event_free(cn->tev);
		session_fini(&cn->sess);
		if (cn->pidfd >= 0)
			close(cn->pidfd);
		free(cn);
		return -ENOMEM;
	}
	cn->next = srv->conns;
	if (srv->conns)
		srv->conns->prev = cn;
	srv->conns = cn;
	srv->nconns++;
	cn->last_frame_ms = now_ms();
	conn_set_reading(cn, true);
	conn_arm_timer(cn, cn->last_frame_ms);
	return 0;
}

static void server_on_backoff(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;
	(void)fd;
	(void)what;
	if (!srv->stopping)
		event_add(srv->lev, NULL);
}

static void server_on_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct server *srv = arg;
	(void)what;
	for (int i = 0; i < 64; i++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				/* out of descriptors: stop accepting for a moment
				 * rather than spin on the listening socket */
				iamd_log_limited(LOG_WARNING, "accept: %s; pausing",
						 strerror(errno));
				struct timeval tv = ms_tv(ACCEPT_BACKOFF_MS);
				event_del(srv->lev);
				event_add(srv->backoff, &tv);
			}
			return;
		}
		struct ucred cred;
		socklen_t len = sizeof(cred);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
			iamd_log_limited(LOG_WARNING, "SO_PEERCRED: %s; refusing",
					 strerror(errno));
			close(fd);
			continue;
		}
		if (srv->nconns >= srv->d->cfg.max_conns) {
			iamd_log_limited(LOG_WARNING,
					 "uid %u pid %d: %u connections already; refusing",
					 (unsigned)cred.uid, (int)cred.pid, srv->nconns);
			close(fd);
			continue;
		}
		int r = conn_new(srv, fd, &cred);
		if (r < 0) {
			iamd_log_limited(LOG_ERR, "cannot set up a connection: %s",
					 strerror(-r));
			close(fd);
		}
	}
}

static void server_on_drain_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;
	(void)fd;
	(void)what;
	iamd_log(LOG_WARNING, "%u connection(s) still had answers to send; closing them",
		 srv->nconns);
	event_base_loopbreak(srv->base);
}

/* Stop: no new connections; answer every complete request already
 * received, including what the kernel holds, then close. */
static void server_stop(struct server *srv)
{
	if (srv->stopping)
		return;
	srv->stopping = true;
	iamd_notify("STOPPING=1");
	iamd_log(LOG_INFO, "stopping: answering calls in flight on %u connection(s)",
		 srv->nconns);
	event_del(srv->lev);
	event_del(srv->backoff);
	close(srv->lfd);
	srv->lfd = -1;
	struct conn *cn = srv->conns;
	while (cn) {
		struct conn *next = cn->next;
		conn_set_reading(cn, false);
		cn->draining = true;
		if (conn_read(cn) == 0 && conn_process(cn) == 0)
			conn_flush(cn);   /* closes the connection once all is sent */
		cn = next;
	}
	if (srv->nconns == 0) {
		event_base_loopbreak(srv->base);
		return;
	}
	struct timeval tv = ms_tv(DRAIN_TIMEOUT_MS);
	event_add(srv->drain, &tv);
}

static void server_on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	iamd_log(LOG_INFO, "%s received", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	server_stop(arg);
}

int server_new(struct iamd *d, int listen_fd, struct server **ret)
{
	struct server *srv = calloc(1, sizeof(*srv));
	struct event_config *cfg = event_config_new();
	int r = -ENOMEM;
	if (!srv || !cfg)
		goto out;
	srv->d = d;
	srv->lfd = listen_fd;
	srv->spin_ns = util_spin_budget_ns(d->cfg.keyd_spin_us);
	srv->idle_spin_ns = util_spin_budget_ns(d->cfg.idle_spin_us);
	/* one thread: no locks */
	event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK);
	event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	srv->base = event_base_new_with_config(cfg);
	if (!srv->base)
		goto out;
	evutil_make_socket_nonblocking(listen_fd);
	srv->lev = event_new(srv->base, listen_fd, EV_READ | EV_PERSIST,
			     server_on_accept, srv);
	srv->backoff = evtimer_new(srv->base, server_on_backoff, srv);
	srv->drain = evtimer_new(srv->base, server_on_drain_timeout, srv);
	srv->consume = evtimer_new(srv->base, server_on_consume, srv);
	srv->sigterm = evsignal_new(srv->base, SIGTERM, server_on_signal, srv);
	srv->sigint = evsignal_new(srv->base, SIGINT, server_on_signal, srv);
	if (!srv->lev || !srv->backoff || !srv->drain || !srv->sigterm ||
	    !srv->sigint || !srv->consume)
		goto out;
	if (event_add(srv->lev, NULL) < 0 || event_add(srv->sigterm, NULL) < 0 ||
	    event_add(srv->sigint, NULL) < 0) {
		r = -EIO;
		goto out;
	}
	d->base = srv->base;
	*ret = srv;
	srv = NULL;
	r = 0;
out:
	if (srv) {
		srv->lfd = -1;   /* the caller keeps it on failure */
		server_free(srv);
	}
	if (cfg)
		event_config_free(cfg);
	return r;
}

static bool loop_ended(struct server *srv)
{
	return event_base_got_break(srv->base) || event_base_got_exit(srv->base);
}

/* Rather than sleep in epoll_wait and be woken, poll: run the loop without
 * blocking, serving whatever is ready and yielding the CPU each turn that
 * found nothing, while a call waits for keyd (for up to spin_ns: keyd
 * answers within microseconds) or a request came within the last
 * idle_spin_ns (the next one of a burst, or of a caller on another CPU,
 * often follows within that). On an idle CPU that has halted, being woken
 * costs more than either wait. -EIO when the loop failed, 1 when it was
 * told to stop, else 0 once neither reason holds. */
static int spin(struct server *srv)
{
	uint64_t now = util_now_ns();
	uint64_t keyd_end = now + srv->spin_ns, idle_end = now + srv->idle_spin_ns;
	uint64_t reads = srv->reads;
	for (;;) {
		bool keyd = srv->spin_ns && keyd_client_inflight(srv->d->keyd);
		if (!(keyd && now < keyd_end) && now >= idle_end)
			return 0;
		if (event_base_loop(srv->base, EVLOOP_NONBLOCK | EVLOOP_ONCE) < 0)
			return -EIO;
		if (loop_ended(srv))
			return 1;
		now = util_now_ns();
		if (srv->reads != reads) {
			reads = srv->reads;
			idle_end = now + srv->idle_spin_ns;
		} else {
			sched_yield();
		}
	}
}

int server_run(struct server *srv)
{
	if (!srv->spin_ns && !srv->idle_spin_ns)
		return event_base_dispatch(srv->base) < 0 ? -EIO : 0;
	for (;;) {
		int r = spin(srv);
		if (r != 0)
			return r < 0 ? r : 0;
		r = event_base_loop(srv->base, EVLOOP_ONCE);
		if (r < 0)
			return -EIO;
		if (r == 1 || loop_ended(srv))
			return 0;
	}
}

void server_free(struct server *srv)
{
	if (!srv)
		return;
	while (srv->conns)
		conn_close(srv->conns);
	if (srv->lev)
		event_free(srv->lev);
	if (srv->backoff)
		event_free(srv->backoff);
	if (srv->drain)
		event_free(srv->drain);
	if (srv->consume)
		event_free(srv->consume);
	if (srv->sigterm)
		event_free(srv->sigterm);
	if (srv->sigint)
		event_free(srv->sigint);
	if (srv->lfd >= 0)
		close(srv->lfd);
	if (srv->base) {
		srv->d->base = NULL;
		event_base_free(srv->base);
	}
	free(srv);
}
