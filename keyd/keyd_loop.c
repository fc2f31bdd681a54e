/* keyd_loop: a plain epoll loop (no libevent in keyd). One listening
 * socket, a signalfd, and a few connections, each served only if its peer
 * (SO_PEERCRED at accept) is the allowed uid. Frames are answered as they
 * complete (keyd_answer_frame); a peer that breaks the protocol loses its
 * connection. Bytes sent are wiped from the output buffer (answers hold
 * secrets), each request frame once answered (requests hold passwords),
 * and both buffers when a connection closes. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "keyd.h"
#include "rpc/rpc.h"
#include "util/arena.h"

#define READ_CHUNK (16u * 1024)
#define OUT_PAUSE (1u << 20)          /* queued answers: stop reading above */
#define ARENA_INITIAL (64u * 1024)
#define TAG_LISTEN ((void *)1)
#define TAG_SIGNAL ((void *)2)

struct kconn {
	struct kconn *prev, *next;
	int fd;
	struct rpc_buf in, out;
	struct keyd_session s;
	uint32_t events;                  /* what epoll watches now */
};

struct keyd_loop {
	struct keyd_loop_config cfg;
	int epfd;
	unsigned nconns;
	struct kconn *conns;
};

static void conn_close(struct keyd_loop *l, struct kconn *c);

int keyd_loop_new(const struct keyd_loop_config *cfg, struct keyd_loop **ret)
{
	struct keyd_loop *l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->cfg = *cfg;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	int r = l->epfd < 0 ? -errno : 0;
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = TAG_LISTEN };
	if (r == 0 && epoll_ctl(l->epfd, EPOLL_CTL_ADD, cfg->listen_fd, &ev) < 0)
		r = -errno;
	ev.data.ptr = TAG_SIGNAL;
	if (r == 0 && cfg->signal_fd >= 0 &&
	    epoll_ctl(l->epfd, EPOLL_CTL_ADD, cfg->signal_fd, &ev) < 0)
		r = -errno;
	if (r < 0) {
		keyd_loop_free(l);
		return r;
	}
	*ret = l;
	return 0;
}

void keyd_loop_free(struct keyd_loop *l)
{
	if (!l)
		return;
	while (l->conns)
		conn_close(l, l->conns);
	if (l->epfd >= 0)
		close(l->epfd);
	free(l);
}

static void buf_wipe_release(struct rpc_buf *b)
{
	if (b->data)
		sodium_memzero(b->data, b->cap);
	rpc_buf_release(b);
}

static void conn_close(struct keyd_loop *l, struct kconn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		l->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	buf_wipe_release(&c->in);
	buf_wipe_release(&c->out);
	arena_free(c->s.arena);
	free(c);
	l->nconns--;
}

static void conn_watch(struct keyd_loop *l, struct kconn *c, uint32_t events)
{
	if (events == c->events)
		return;
	struct epoll_event ev = { .events = events, .data.ptr = c };
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->events = events;
}

/* Sends what is queued, wiping what went out. 0, or negative errno when
 * the peer is gone. */
static int conn_flush(struct keyd_loop *l, struct kconn *c)
{
	while (rpc_buf_len(&c->out) > 0) {
		ssize_t n = send(c->fd, rpc_buf_head(&c->out), rpc_buf_len(&c->out),
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0)
			return -errno;
		sodium_memzero((uint8_t *)rpc_buf_head(&c->out), (size_t)n);
		rpc_buf_consume(&c->out, (size_t)n);
	}
	uint32_t ev = 0;
	if (rpc_buf_len(&c->out) < OUT_PAUSE)
		ev |= EPOLLIN;
	if (rpc_buf_len(&c->out) > 0)
		ev |= EPOLLOUT;
	conn_watch(l, c, ev);
	return 0;
}

/* Answers every complete frame. 0, or negative errno: close. */
static int conn_process(struct keyd_loop *l, struct kconn *c)
{
	for (;;) {
		const uint8_t *body;
		uint32_t len;
		int r = rpc_frame_next(&c->in, KEYD_MAX_FRAME, &body, &len);
		if (r == 0)
			return 0;
		if (r < 0) {
			keyd_log_limited(LOG_WARNING, "uid %u pid %d: %s; closing",
					 (unsigned)c->s.uid, (int)c->s.pid,
					 r == -EMSGSIZE ? "frame length above the limit"
							: "zero-length frame");
			return r;
		}
		r = keyd_answer_frame(l->cfg.ring, &c->s, body, len, &c->out);
		/* requests hold passwords (HashPassword) and tokens */
		sodium_memzero((uint8_t *)body, len);
		if (r < 0)
			return r;
		if (rpc_buf_len(&c->out) >= OUT_PAUSE)
			return 0;
	}
}

static void conn_on_event(struct keyd_loop *l, struct kconn *c, uint32_t events)
{
	int r = 0;
	if (events & EPOLLIN) {
		for (int round = 0; round < 16 && r == 0; round++) {
			uint8_t *tail;
			if (rpc_buf_reserve(&c->in, READ_CHUNK, &tail) < 0) {
				r = -ENOMEM;
				break;
			}
			ssize_t n = read(c->fd, tail, rpc_buf_room(&c->in));
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			if (n <= 0) {
				r = -EPIPE;   /* closed (or failed): answer what came, then close */
				break;
			}
			rpc_buf_commit(&c->in, (size_t)n);
			r = conn_process(l, c);
			if (rpc_buf_len(&c->out) >= OUT_PAUSE)
				break;
			if ((size_t)n < READ_CHUNK)
				break;   /* drained: no read just to see EAGAIN (epoll
					  * is level-triggered: more wakes us) */
		}
	}
	if (r == 0 && (events & (EPOLLHUP | EPOLLERR)) && !(events & EPOLLIN))
		r = -EPIPE;
	int w = conn_flush(l, c);
	if (r == 0 && rpc_buf_len(&c->out) < OUT_PAUSE && rpc_buf_len(&c->in) > 0 &&
	    !(c->events & EPOLLIN))
		r = conn_process(l, c);   /* reading resumed with frames waiting */
	if (r < 0 || w < 0)
		conn_close(l, c);
}

static void loop_accept(struct keyd_loop *l)
{
	for (int i = 0; i < 16; i++) {
		int fd = accept4(l->cfg.listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		struct ucred cred;
		socklen_t clen = sizeof(cred);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0) {
			keyd_log_limited(LOG_WARNING, "SO_PEERCRED: %s; refusing", strerror(errno));
			close(fd);
			continue;
		}
		if (cred.uid != l->cfg.allow_uid) {
			keyd_log_limited(LOG_WARNING,
					 "uid %u pid %d refused: keyd serves uid %u only",
					 (unsigned)cred.uid, (int)cred.pid,
					 (unsigned)l->cfg.allow_uid);
			close(fd);
			continue;
		}
		if (l->nconns >= l->cfg.max_conns) {
			keyd_log_limited(LOG_WARNING, "pid %d refused: %u connections already",
					 (int)cred.pid, l->nconns);
			close(fd);
			continue;
		}
		struct kconn *c = calloc(1, sizeof(*c));
		if (!c || arena_new(ARENA_INITIAL, &c->s.arena) < 0) {
			free(c);
			close(fd);
			continue;
		}
		c->fd = fd;
		c->s.uid = cred.uid;
		c->s.pid = cred.pid;
		c->events = EPOLLIN;
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
		if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			arena_free(c->s.arena);
			free(c);
			close(fd);
			continue;
		}
		c->next = l->conns;
		if (l->conns)
			l->conns->prev = c;
		l->conns = c;
		l->nconns++;
		keyd_log(LOG_DEBUG, "uid %u pid %d connected", (unsigned)cred.uid, (int)cred.pid);
	}
}

int keyd_loop_run(struct keyd_loop *l)
{
	struct epoll_event evs[32];
	for (;;) {
		int n = epoll_wait(l->epfd, evs, 32, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;
			if (p == TAG_LISTEN) {
				loop_accept(l);
			} else if (p == TAG_SIGNAL) {
				struct signalfd_siginfo si;
				if (read(l->cfg.signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
					keyd_log(LOG_INFO, "%s received; stopping",
						 si.ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT");
					return 0;
				}
			} else {
				conn_on_event(l, p, evs[i].events);
			}
		}
	}
}
