/* gateway_loop: iam-gateway's event loop (gateway.h): one epoll set,
 * level-triggered, a callback per file descriptor, waits without a
 * timeout (the sweep is a timerfd, so blocking arms no kernel timer) and
 * no work between two waits but the callbacks of what is ready: per
 * request, one epoll_wait when the request arrives and one when iamd's
 * answer does - which, while a request waits for iamd, polls (timeout 0,
 * the CPU yielded between turns) for up to --spin before it blocks
 * (util/spin.h). */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "gateway.h"
#include "util/spin.h"

#define BATCH 64

struct gw_loop {
	int epfd;
	bool stop;
	struct epoll_event ev[BATCH];
	int n, i;                  /* the batch being run: ev[i + 1 .. n) to come */
	uint64_t spin_ns;          /* gw_loop_spin() */
	bool (*waiting)(void *arg);
	void *waiting_arg;
};

int gw_loop_new(struct gw_loop **ret)
{
	struct gw_loop *l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		int r = -errno;
		free(l);
		return r;
	}
	*ret = l;
	return 0;
}

void gw_loop_free(struct gw_loop *l)
{
	if (!l)
		return;
	close(l->epfd);
	free(l);
}

int gw_watch_add(struct gw_loop *l, struct gw_watch *w, int fd, uint32_t events,
		 gw_watch_fn fn, void *arg)
{
	struct epoll_event e = { .events = events, .data.ptr = w };
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &e) < 0)
		return -errno;
	w->fd = fd;
	w->events = events;
	w->fn = fn;
	w->arg = arg;
	return 0;
}

int gw_watch_set(struct gw_loop *l, struct gw_watch *w, uint32_t events)
{
	struct epoll_event e = { .events = events, .data.ptr = w };
	if (w->fd < 0 || w->events == events)
		return 0;
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, w->fd, &e) < 0)
		return -errno;
	w->events = events;
	return 0;
}

void gw_watch_del(struct gw_loop *l, struct gw_watch *w)
{
	if (w->fd < 0)
		return;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, w->fd, NULL);
	/* what the batch still holds for it is dropped: the watch may be
	 * freed (or reused for another descriptor) before its turn */
	for (int j = l->i + 1; j < l->n; j++)
		if (l->ev[j].data.ptr == w)
			l->ev[j].data.ptr = NULL;
	w->fd = -1;
	w->events = 0;
}

void gw_loop_spin(struct gw_loop *l, uint64_t budget_ns, bool (*waiting)(void *arg),
		  void *arg)
{
	l->spin_ns = waiting ? budget_ns : 0;
	l->waiting = waiting;
	l->waiting_arg = arg;
}

void gw_loop_stop(struct gw_loop *l)
{
	l->stop = true;
}

int gw_loop_run(struct gw_loop *l)
{
	uint64_t spin_end = 0;   /* 0: not polling */
	while (!l->stop) {
		int timeout = -1;
		if (l->spin_ns && l->waiting(l->waiting_arg)) {
			uint64_t now = util_now_ns();
			if (!spin_end)
				spin_end = now + l->spin_ns;
			if (now < spin_end)
				timeout = 0;
		} else {
			spin_end = 0;
		}
		int n = epoll_wait(l->epfd, l->ev, BATCH, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0 && timeout == 0) {
			sched_yield();   /* iamd (or keyd) may share this CPU */
			continue;
		}
		spin_end = 0;   /* something happened: the next wait polls afresh */
		l->n = n;
		for (l->i = 0; l->i < l->n; l->i++) {
			struct gw_watch *w = l->ev[l->i].data.ptr;
			if (w)
				w->fn(w, l->ev[l->i].events);
		}
		l->n = l->i = 0;
	}
	return 0;
}
