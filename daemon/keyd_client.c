/* keyd_client: the keyd channel from iamd's side (keyd_client.h). Requests
 * wait in a doubly linked list in the order they were sent (keyd answers
 * in order, so the answer usually matches the head); one timer watches the
 * head's deadline; one deferred event writes everything queued in one
 * send(), so requests issued during one loop iteration go out together. */
#include "config.h"
#include "keyd_client.h"

#include <errno.h>
#include <event2/event.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "rpc/rpc.h"
#include "sd.h"

#define KEYD_PROTOCOL_VERSION 1
#define READ_CHUNK (16u * 1024)
#define ANSWER_CAP (1u << 20)
#define OUT_MAX (4u << 20)
#define BACKOFF_MIN_MS 50
/* a call while keyd is down tries to connect at most this often (a refused
 * connect on a Unix socket costs a few microseconds), so a keyd that came
 * back is used at once, not after the background retry's backoff */
#define SEND_ATTEMPT_EVERY_MS 1
#define BACKOFF_MAX_MS 1000
#define HELLO_ID 0

struct kreq {
	struct kreq *prev, *next;
	uint64_t id;
	uint32_t op;
	uint64_t deadline_ms;
	keyd_done_fn done;
	void *userdata;
};

struct keyd_client {
	struct event_base *base;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	uint32_t timeout_ms, max_queue;
	int fd;
	bool hello_ok;
	bool was_up;                  /* for logging transitions only */
	bool failing;                 /* failing requests: no reconnect now */
	struct event *rev, *wev, *flush_ev, *timer_ev, *retry_ev;
	struct rpc_buf in, out;
	struct kreq *head, *tail;
	unsigned n;
	uint64_t next_id;
	uint32_t backoff_ms;
	uint64_t last_attempt_ms;
	void (*ready_fn)(void *data);  /* keyd_client_on_ready() */
	void *ready_data;
};

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static struct timeval ms_tv(uint64_t ms)
{
	struct timeval tv = { .tv_sec = (time_t)(ms / 1000),
			      .tv_usec = (suseconds_t)(ms % 1000) * 1000 };
	return tv;
}

/* Answers are decoded into memory wiped when freed (they carry secrets). */
static void *wipe_alloc(void *data, size_t n)
{
	(void)data;
	size_t *p = malloc(n + 16);
	if (!p)
		return NULL;
	*p = n;
	return (char *)p + 16;
}

static void wipe_free(void *data, void *q)
{
	(void)data;
	if (!q)
		return;
	size_t *p = (size_t *)(void *)((char *)q - 16);
	sodium_memzero(q, *p);
	free(p);
}

static ProtobufCAllocator wipe_allocator = { .alloc = wipe_alloc, .free = wipe_free };

static void req_unlink(struct keyd_client *kc, struct kreq *q)
{
	if (q->prev)
		q->prev->next = q->next;
	else
		kc->head = q->next;
	if (q->next)
		q->next->prev = q->prev;
	else
		kc->tail = q->prev;
	kc->n--;
}

static void timer_arm(struct keyd_client *kc)
{
	if (!kc->head) {
		event_del(kc->timer_ev);
		return;
	}
	uint64_t now = now_ms();
	struct timeval tv = ms_tv(kc->head->deadline_ms > now ? kc->head->deadline_ms - now : 0);
	event_add(kc->timer_ev, &tv);
}

static void buf_wipe_release(struct rpc_buf *b)
{
	if (b->data)
		sodium_memzero(b->data, b->cap);
	rpc_buf_release(b);
}

static void retry_arm(struct keyd_client *kc)
{
	struct timeval tv = ms_tv(kc->backoff_ms);
	event_add(kc->retry_ev, &tv);
	kc->backoff_ms = kc->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : kc->backoff_ms * 2;
}

/* Fails every request with `err` (from the loop only). */
static void fail_all(struct keyd_client *kc, int err)
{
	struct keyd_reply rep = { .err = err };
	kc->failing = true;
	while (kc->head) {
		struct kreq *q = kc->head;
		req_unlink(kc, q);
		keyd_done_fn done = q->done;
		void *ud = q->userdata;
		free(q);
		done(ud, &rep);   /* may cancel or send: the list is re-read */
	}
	kc->failing = false;
	timer_arm(kc);
}

static void disconnect(struct keyd_client *kc, const char *why)
{
	if (kc->fd < 0)
		return;
	event_free(kc->rev);
	event_free(kc->wev);
	kc->rev = kc->wev = NULL;
	close(kc->fd);
	kc->fd = -1;
	kc->hello_ok = false;
	buf_wipe_release(&kc->in);
	buf_wipe_release(&kc->out);
	if (kc->was_up)
		iamd_log(LOG_WARNING,
			 "keyd: %s; calls that need keyd answer ServiceUnavailable until it is back",
			 why);
	kc->was_up = false;
	kc->backoff_ms = BACKOFF_MIN_MS;
	retry_arm(kc);
	fail_all(kc, -ECONNRESET);
}

static int flush_out(struct keyd_client *kc)
{
	while (rpc_buf_len(&kc->out) > 0) {
		ssize_t n = send(kc->fd, rpc_buf_head(&kc->out), rpc_buf_len(&kc->out),
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			event_add(kc->wev, NULL);
			return 0;
		}
		if (n < 0)
			return -errno;
		sodium_memzero((uint8_t *)rpc_buf_head(&kc->out), (size_t)n);
		rpc_buf_consume(&kc->out, (size_t)n);
	}
	event_del(kc->wev);
	return 0;
}

static void on_flush(evutil_socket_t fd, short what, void *arg)
{
	struct keyd_client *kc = arg;
	(void)fd;
	(void)what;
	if (kc->fd >= 0 && flush_out(kc) < 0)
		disconnect(kc, "cannot write to keyd");
}

static int handle_hello(struct keyd_client *kc, const Keyd__Response *resp)
{
	if (resp->result_case != KEYD__RESPONSE__RESULT_HELLO || !resp->hello ||
	    resp->hello->version != KEYD_PROTOCOL_VERSION)
		return -EPROTO;
	kc->hello_ok = true;
	kc->was_up = true;
	kc->backoff_ms = BACKOFF_MIN_MS;
	iamd_log(LOG_INFO, "keyd: connected to %s (%s, master key version %u)", kc->path,
		 resp->hello->server ? resp->hello->server : "?", resp->hello->key_version);
	if (kc->ready_fn)
		kc->ready_fn(kc->ready_data);
	return 0;
}

void keyd_client_on_ready(struct keyd_client *kc, void (*fn)(void *data), void *data)
{
	kc->ready_fn = fn;
	kc->ready_data = data;
}

/* One answer: to Hello, or to the request with its id. */
static int handle_frame(struct keyd_client *kc, uint8_t *body, uint32_t len)
{
	Keyd__Response *resp = keyd__response__unpack(&wipe_allocator, len, body);
	sodium_memzero(body, len);
	if (!resp)
		return -EBADMSG;
	int r = 0;
	if (resp->id == HELLO_ID) {
		r = handle_hello(kc, resp);
		goto out;
	}
	struct kreq *q = kc->head;
	while (q && q->id != resp->id)
		q = q->next;
	if (!q) {
		iamd_log(LOG_DEBUG, "keyd: a late answer (id %llu) dropped",
			 (unsigned long long)resp->id);
		goto out;
	}
	struct keyd_reply rep = { .err = 0, .code = KEYD__CODE__OK };
	if (resp->status && resp->status->has_code && resp->status->code != KEYD__CODE__OK) {
		rep.code = resp->status->code;
		rep.message = resp->status->message ? resp->status->message : "";
	} else {
		const ProtobufCFieldDescriptor *f =
			protobuf_c_message_descriptor_get_field(&keyd__response__descriptor, q->op);
		if ((uint32_t)resp->result_case != q->op || !f) {
			r = -EPROTO;
			goto out;
		}
		rep.result = *(ProtobufCMessage **)((char *)resp + f->offset);
	}
	req_unlink(kc, q);
	keyd_done_fn done = q->done;
	void *ud = q->userdata;
	free(q);
	done(ud, &rep);
	timer_arm(kc);
out:
	keyd__response__free_unpacked(resp, &wipe_allocator);
	return r;
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
	struct keyd_client *kc = arg;
	(void)what;
	for (int round = 0; round < 16 && kc->fd == fd; round++) {
		uint8_t *tail;
		if (rpc_buf_reserve(&kc->in, READ_CHUNK, &tail) < 0) {
			disconnect(kc, "out of memory");
			return;
		}
		ssize_t n = read(fd, tail, rpc_buf_room(&kc->in));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			disconnect(kc, n == 0 ? "keyd closed the connection" : strerror(errno));
			return;
		}
		rpc_buf_commit(&kc->in, (size_t)n);
		for (;;) {
			const uint8_t *body;
			uint32_t len;
			int r = rpc_frame_next(&kc->in, ANSWER_CAP, &body, &len);
			if (r == 0)
				break;
			if (r > 0)
				r = handle_frame(kc, (uint8_t *)body, len);
			if (r < 0) {
				disconnect(kc, "keyd broke the protocol");
				return;
			}
			if (kc->fd != fd)
				return;   /* a callback's doing: nothing more to read */
		}
		if ((size_t)n < READ_CHUNK)
			return;
	}
}

static void on_write(evutil_socket_t fd, short what, void *arg)
{
	on_flush(fd, what, arg);
}

/* Appends one request frame: the Request envelope {1: id, N: op message}
 * has the layout rpc_frame_pack_response() writes without status and
 * request id. */
static int queue_frame(struct keyd_client *kc, uint64_t id, uint32_t op,
		       const ProtobufCMessage *msg)
{
	if (rpc_buf_len(&kc->out) > OUT_MAX)
		return -EAGAIN;
	int r = rpc_frame_pack_response(&kc->out, id, NULL, NULL, op, msg);
	if (r < 0)
		return r;
	event_active(kc->flush_ev, EV_WRITE, 1);
	return 0;
}

static int try_connect(struct keyd_client *kc)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	kc->last_attempt_ms = now_ms();
	if (strlen(kc->path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, kc->path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = -errno;   /* EAGAIN too: keyd's backlog is full, try later */
		close(fd);
		return e;
	}
	kc->rev = event_new(kc->base, fd, EV_READ | EV_PERSIST, on_read, kc);
	kc->wev = event_new(kc->base, fd, EV_WRITE | EV_PERSIST, on_write, kc);
	if (!kc->rev || !kc->wev || event_add(kc->rev, NULL) < 0) {
		if (kc->rev)
			event_free(kc->rev);
		if (kc->wev)
			event_free(kc->wev);
		kc->rev = kc->wev = NULL;
		close(fd);
		return -ENOMEM;
	}
	kc->fd = fd;
	Keyd__Hello hello = KEYD__HELLO__INIT;
	char client[] = "iamd/" PACKAGE_VERSION;
	hello.has_version = true;
	hello.version = KEYD_PROTOCOL_VERSION;
	hello.client = client;
	int r = queue_frame(kc, HELLO_ID, KEYD__REQUEST__OP_HELLO, &hello.base);
	if (r < 0) {
		disconnect(kc, "cannot send Hello");
		return r;
	}
	event_del(kc->retry_ev);
	return 0;
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
	struct keyd_client *kc = arg;
	(void)fd;
	(void)what;
	if (kc->fd >= 0)
		return;
	if (try_connect(kc) < 0)
		retry_arm(kc);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct keyd_client *kc = arg;
	struct keyd_reply rep = { .err = -ETIMEDOUT };
	uint64_t now = now_ms();
	unsigned expired = 0;
	(void)fd;
	(void)what;
	while (kc->head && kc->head->deadline_ms <= now) {
		struct kreq *q = kc->head;
		req_unlink(kc, q);
		keyd_done_fn done = q->done;
		void *ud = q->userdata;
		free(q);
		expired++;
		done(ud, &rep);
	}
	if (expired)
		iamd_log_limited(LOG_WARNING, "keyd: %u request(s) unanswered after %u ms",
				 expired, kc->timeout_ms);
	timer_arm(kc);
}

int keyd_client_new(struct event_base *base, const char *path,
		    const struct keyd_client_options *opt, struct keyd_client **ret)
{
	struct keyd_client *kc = calloc(1, sizeof(*kc));
	if (!kc)
		return -ENOMEM;
	if (strlen(path) >= sizeof(kc->path)) {
		free(kc);
		return -ENAMETOOLONG;
	}
	strcpy(kc->path, path);
	kc->base = base;
	kc->fd = -1;
	kc->timeout_ms = opt && opt->timeout_ms ? opt->timeout_ms : 2000;
	kc->max_queue = opt && opt->max_queue ? opt->max_queue : 1024;
	kc->next_id = 1;
	kc->backoff_ms = BACKOFF_MIN_MS;
	kc->flush_ev = event_new(base, -1, 0, on_flush, kc);
	kc->timer_ev = evtimer_new(base, on_timer, kc);
	kc->retry_ev = evtimer_new(base, on_retry, kc);
	if (!kc->flush_ev || !kc->timer_ev || !kc->retry_ev) {
		keyd_client_free(kc);
		return -ENOMEM;
	}
	int r = try_connect(kc);
	if (r < 0) {
		iamd_log(LOG_INFO, "keyd: %s not reachable yet (%s); calls that need keyd "
			 "answer ServiceUnavailable until it is", path, strerror(-r));
		retry_arm(kc);
	}
	*ret = kc;
	return 0;
}

void keyd_client_free(struct keyd_client *kc)
{
	if (!kc)
		return;
	while (kc->head) {
		struct kreq *q = kc->head;
		req_unlink(kc, q);
		free(q);
	}
	if (kc->rev)
		event_free(kc->rev);
	if (kc->wev)
		event_free(kc->wev);
	if (kc->flush_ev)
		event_free(kc->flush_ev);
	if (kc->timer_ev)
		event_free(kc->timer_ev);
	if (kc->retry_ev)
		event_free(kc->retry_ev);
	if (kc->fd >= 0)
		close(kc->fd);
	buf_wipe_release(&kc->in);
	buf_wipe_release(&kc->out);
	free(kc);
}

unsigned keyd_client_inflight(const struct keyd_client *kc)
{
	return kc && kc->fd >= 0 ? kc->n : 0;
}

bool keyd_client_ready(const struct keyd_client *kc)
{
	return kc && kc->fd >= 0 && kc->hello_ok;
}

int keyd_client_send(struct keyd_client *kc, uint32_t op, const ProtobufCMessage *msg,
		     keyd_done_fn done, void *userdata)
{
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field(&keyd__request__descriptor, op);
	if (!kc || !f || op == KEYD__REQUEST__OP_HELLO || !msg || !done ||
	    f->descriptor != msg->descriptor)
		return -EINVAL;
	/* down: one immediate attempt, at most every SEND_ATTEMPT_EVERY_MS */
	if (kc->fd < 0 && !kc->failing && now_ms() - kc->last_attempt_ms >= SEND_ATTEMPT_EVERY_MS &&
	    try_connect(kc) < 0)
		return -ENOTCONN;
	if (kc->fd < 0)
		return -ENOTCONN;
	if (kc->n >= kc->max_queue)
		return -EAGAIN;
	struct kreq *q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->id = kc->next_id++;
	q->op = op;
	q->done = done;
	q->userdata = userdata;
	q->deadline_ms = now_ms() + kc->timeout_ms;
	int r = queue_frame(kc, q->id, op, msg);
	if (r < 0) {
		free(q);
		return r;
	}
	/* a password is wiped from the buffer once sent */
	if (op == KEYD__REQUEST__OP_HASH_PASSWORD || op == KEYD__REQUEST__OP_VERIFY_PASSWORD)
		rpc_buf_mark_secret(&kc->out);
	q->prev = kc->tail;
	if (kc->tail)
		kc->tail->next = q;
	else
		kc->head = q;
	kc->tail = q;
	kc->n++;
	if (kc->n == 1)
		timer_arm(kc);
	return 0;
}

void keyd_client_cancel(struct keyd_client *kc, void *userdata)
{
	if (!kc)
		return;
	struct kreq *q = kc->head;
	while (q) {
		struct kreq *next = q->next;
		if (q->userdata == userdata) {
			req_unlink(kc, q);
			free(q);
		}
		q = next;
	}
	timer_arm(kc);
}
