/* audit: the trail's files, chain and durability (audit.h). */
#include "config.h"
#include "audit.h"

#include <dirent.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit_file.h"
#include "call.h"
#include "dispatch.h"
#include "iamd.h"
#include "sd.h"

#define BUF_FLUSH_AT (256u << 10)   /* buffered bytes that force a write */
#define BUF_MAX (8u << 20)          /* kept while writes fail, then dropped */

/* A read call's record, queued as a copy of what it is built from: built,
 * hashed and buffered by audit_drain() in the timer (or before any other
 * record), so the call's path pays for copies only. */
struct pending {
	struct pending *next;
	const struct op *op;
	const ProtobufCMessageDescriptor *desc;
	int64_t now;
	int kind;
	uid_t uid;
	char request_id[37];
	const char *err_code;     /* copied below, like every string */
	const char *err_msg;
	const char *arn, *user_id, *user_name, *account_id, *access_key_id;
	const char *source, *user_agent;
	uint8_t *req;
	size_t req_len;
};

struct audit {
	struct iamd *d;
	struct audit_options o;
	char dir[PATH_MAX];
	int fd;                     /* the file being written, O_APPEND */
	char name[AUDIT_NAME_MAX];  /* its name in dir */
	uint64_t file_seq;
	int64_t opened;             /* Unix seconds */
	uint64_t size;              /* bytes written to it */
	int64_t oldest, newest;     /* event times in it */
	uint64_t seq;               /* the last record's recordSequence */
	char prev[65];              /* the last record's hash */
	char *buf;                  /* lines not written yet */
	size_t len, cap;
	struct event *timer;
	bool timer_armed;
	bool failing;               /* the last write failed (logged once) */
	bool closing;               /* audit_close() waits for a signature */
	struct pending *head, **tail;   /* read records not built yet */
	char durable_event_id[37];  /* the last durable record's eventID */
	char durable_request_id[37];    /* and requestID */
	size_t n_pending;
};

#define PENDING_MAX 4096          /* built at once above */
#define AUDIT_STOP_SIGN_WAIT_MS 2000   /* for the last digest's signature */

static int audit_append(struct audit *a, const char *rec, int64_t when,
			unsigned flags);
static void audit_drain(struct audit *a);

/* Writes what is buffered. On failure the file is cut back to what was
 * whole before, and the buffer kept. */
static int audit_flush(struct audit *a)
{
	size_t done = 0;
	int r = 0;
	while (done < a->len) {
		ssize_t n = write(a->fd, a->buf + done, a->len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		done += (size_t)n;
	}
	if (r < 0) {
		if (done && ftruncate(a->fd, (off_t)a->size) < 0)
			iamd_log(LOG_CRIT, "audit: %s: cannot cut a partial write back: %s",
				 a->name, strerror(errno));
		if (!a->failing)
			iamd_log(LOG_CRIT, "audit: cannot write %s/%s: %s", a->dir,
				 a->name, strerror(-r));
		a->failing = true;
		return r;
	}
	if (a->failing)
		iamd_log(LOG_NOTICE, "audit: writing %s/%s again", a->dir, a->name);
	a->failing = false;
	a->size += a->len;
	a->len = 0;
	return 0;
}

static int file_open(struct audit *a, int64_t now)
{
	audit_file_name(a->file_seq, now, a->name);
	int dfd = open(a->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	int fd = openat(dfd, a->name, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC,
			0600);
	int r = fd < 0 ? -errno : 0;
	if (fd >= 0)
		(void)fsync(dfd);   /* the new name is durable too */
	close(dfd);
	if (r < 0)
		return r;
	a->fd = fd;
	a->opened = now;
	a->size = 0;
	a->oldest = a->newest = 0;
	return 0;
}

/* Closes the current file (written and fsync'd) and opens the next. */
static int file_rotate(struct audit *a, int64_t now)
{
	int r = audit_flush(a);
	if (r < 0)
		return r;
	if (fsync(a->fd) < 0)
		return -errno;
	close(a->fd);
	a->fd = -1;
	audit_digest_closed(a->dir, a->name, a->oldest, a->newest, a->d);
	a->file_seq++;
	r = file_open(a, now);
	if (r < 0)
		iamd_log(LOG_CRIT, "audit: cannot open a new file in %s: %s",
			 a->dir, strerror(-r));
	return r;
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct audit *a = arg;
	(void)fd;
	(void)what;
	a->timer_armed = false;
	audit_drain(a);
	int64_t now = (int64_t)time(NULL);
	if (a->fd >= 0 && a->size + a->len > 0 &&
	    now - a->opened >= (int64_t)a->o.rotate_interval)
		(void)file_rotate(a, now);
	else if (a->fd >= 0)
		(void)audit_flush(a);
	if (a->len || a->o.rotate_interval) {
		struct timeval tv = { .tv_sec = 1 };
		evtimer_add(a->timer, &tv);
		a->timer_armed = true;
	}
}

int audit_open(struct iamd *d, const struct audit_options *o, struct audit **ret)
{
	struct audit *a = calloc(1, sizeof(*a));
	int r;
	if (!a)
		return -ENOMEM;
	a->d = d;
	a->o = *o;
	a->fd = -1;
	a->tail = &a->head;
	if (!a->o.max_file_size)
		a->o.max_file_size = AUDIT_MAX_FILE_SIZE_DEFAULT;
	if ((size_t)snprintf(a->dir, sizeof(a->dir), "%s/audit", d->cfg.state_dir) >=
	    sizeof(a->dir)) {
		r = -ENAMETOOLONG;
		goto fail;
	}
	if (mkdir(a->dir, 0700) < 0 && errno != EEXIST) {
		r = -errno;
		goto fail;
	}
	r = audit_file_chain_tail(a->dir, &a->file_seq, &a->seq, a->prev);
	if (r < 0) {
		iamd_log(LOG_ERR, "audit: cannot read the end of the trail in %s: %s",
			 a->dir, strerror(-r));
		goto fail;
	}
	/* the file iamd was writing when it was killed has no digest yet */
	char last_name[AUDIT_NAME_MAX];
	int64_t last_oldest, last_newest;
	if (audit_file_undigested(a->dir, a->file_seq, last_name, &last_oldest,
				  &last_newest) == 1) {
		iamd_log(LOG_NOTICE, "audit: %s was not closed (iamd stopped without "
			 "closing it): digesting it now", last_name);
		audit_digest_closed(a->dir, last_name, last_oldest, last_newest, d);
	}
	a->file_seq++;
	r = file_open(a, (int64_t)time(NULL));
	if (r < 0) {
		iamd_log(LOG_ERR, "audit: cannot open a file in %s: %s", a->dir,
			 strerror(-r));
		goto fail;
	}
	a->timer = evtimer_new(d->base, timer_cb, a);
	if (!a->timer) {
		r = -ENOMEM;
		goto fail;
	}
	r = audit_digest_start(a->dir, d);   /* signs what is left unsigned */
	if (r < 0)
		goto fail;
	struct timeval tv = { .tv_sec = 1 };
	evtimer_add(a->timer, &tv);
	a->timer_armed = true;
	iamd_log(LOG_INFO, "audit: writing %s/%s (record %llu follows)", a->dir,
		 a->name, (unsigned long long)a->seq);
	*ret = a;
	return 0;
fail:
	audit_close(a);
	return r;
}

void audit_close(struct audit *a)
{
	if (!a)
		return;
	if (a->timer)
		event_free(a->timer);
	audit_drain(a);
	a->closing = true;   /* records of calls answered while we wait: refused */
	if (a->fd >= 0) {
		(void)audit_flush(a);
		(void)fsync(a->fd);
		close(a->fd);
		a->fd = -1;
		if (a->size)
			audit_digest_closed(a->dir, a->name, a->oldest, a->newest, a->d);
	}
	audit_digest_stop(AUDIT_STOP_SIGN_WAIT_MS);
	free(a->buf);
	free(a);
}

static int buf_reserve(struct audit *a, size_t more)
{
	if (a->len + more <= a->cap)
		return 0;
	size_t cap = a->cap ? a->cap : 64 * 1024;
	while (cap < a->len + more)
		cap *= 2;
	char *p = realloc(a->buf, cap);
	if (!p)
		return -ENOMEM;
	a->buf = p;
	a->cap = cap;
	return 0;
}

/* Appends one record line (the record's JSON with the chain fields added)
 * to the buffer; with AUDIT_DURABLE writes and fsyncs it, or takes it
 * back. */
static int audit_append(struct audit *a, const char *rec, int64_t when,
			unsigned flags)
{
	size_t rl = strlen(rec);
	int r;
	if (rl < 2 || rec[rl - 1] != '}')
		return -EINVAL;
	if (a->fd < 0 || a->size + a->len + rl > a->o.max_file_size ||
	    (a->o.rotate_interval && when - a->opened >= (int64_t)a->o.rotate_interval)) {
		if (a->fd >= 0 && (a->size + a->len > 0)) {
			r = file_rotate(a, when);
			if (r < 0)
				return r;
		} else if (a->fd < 0) {
			r = file_open(a, when);
			if (r < 0)
				return r;
		}
	}
	if (a->len + rl > BUF_MAX) {
		iamd_log_limited(LOG_CRIT, "audit: %zu bytes of records could not be "
				 "written; dropped (the chain will show the gap)", a->len);
		a->len = 0;
	}
	r = buf_reserve(a, rl + 128);
	if (r < 0)
		return r;
	size_t saved_len = a->len;
	uint64_t saved_seq = a->seq;
	char saved_prev[65];
	memcpy(saved_prev, a->prev, sizeof(saved_prev));

	char *line = a->buf + a->len;
	memcpy(line, rec, rl - 1);
	int n = snprintf(line + rl - 1, 128,
			 ",\"recordSequence\":%llu,\"previousRecordHash\":\"%s\"}",
			 (unsigned long long)(a->seq + 1), a->prev);
	size_t ll = rl - 1 + (size_t)n;
	audit_sha256_hex(line, ll, a->prev);
	line[ll] = '\n';
	a->len += ll + 1;
	a->seq++;
	int64_t oldest = a->oldest, newest = a->newest;
	if (!a->oldest || when < a->oldest)
		a->oldest = when;
	if (when > a->newest)
		a->newest = when;

	if (flags & AUDIT_DURABLE) {
		r = audit_flush(a);
		if (r == 0 && fdatasync(a->fd) < 0) {
			r = -errno;
			iamd_log(LOG_CRIT, "audit: cannot sync %s/%s: %s", a->dir,
				 a->name, strerror(-r));
			/* what reached the file is not known to be durable: cut
			 * it back to before this record */
			a->size -= ll + 1;
			if (ftruncate(a->fd, (off_t)a->size) < 0)
				iamd_log(LOG_CRIT, "audit: cannot cut %s back: %s",
					 a->name, strerror(errno));
			a->len = 0;
			saved_len = 0;
		}
		if (r < 0) {
			a->len = saved_len;
			a->seq = saved_seq;
			memcpy(a->prev, saved_prev, sizeof(saved_prev));
			a->oldest = oldest;
			a->newest = newest;
			return r;
		}
		return 0;
	}
	if (a->len >= BUF_FLUSH_AT)
		(void)audit_flush(a);
	if (!a->timer_armed && a->timer) {
		struct timeval tv = { .tv_sec = 1 };
		evtimer_add(a->timer, &tv);
		a->timer_armed = true;
	}
	return 0;
}

static size_t slen(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

static const char *scopy(char **p, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *d = *p;
	memcpy(d, s, n);
	*p += n;
	return d;
}

/* Queues a copy of what c's record is built from. */
static int pending_add(struct audit *a, const struct call *c)
{
	const struct caller *cl = &c->caller;
	const struct session *s = c->session;
	size_t req_len = c->req ? protobuf_c_message_get_packed_size(c->req) : 0;
	size_t n = sizeof(struct pending) + req_len + slen(c->err_code) +
		   slen(c->err_msg) + slen(cl->arn) + slen(cl->user_id) +
		   slen(cl->user_name) + slen(cl->account_id) +
		   slen(cl->access_key_id) + (s ? slen(s->source) + slen(s->user_agent) : 0);
	struct pending *p = malloc(n);
	if (!p)
		return -ENOMEM;
	char *str = (char *)(p + 1);
	memset(p, 0, sizeof(*p));
	p->op = c->op;
	p->now = c->now;
	p->kind = (int)cl->kind;
	p->uid = cl->uid;
	memcpy(p->request_id, c->request_id, sizeof(p->request_id));
	if (c->req) {
		p->desc = c->req->descriptor;
		p->req = (uint8_t *)str;
		p->req_len = protobuf_c_message_pack(c->req, p->req);
		str += req_len;
	}
	p->err_code = scopy(&str, c->err_code);
	p->err_msg = scopy(&str, c->err_msg);
	p->arn = scopy(&str, cl->arn);
	p->user_id = scopy(&str, cl->user_id);
	p->user_name = scopy(&str, cl->user_name);
	p->account_id = scopy(&str, cl->account_id);
	p->access_key_id = scopy(&str, cl->access_key_id);
	if (s) {
		p->source = scopy(&str, s->source);
		p->user_agent = scopy(&str, s->user_agent);
	}
	*a->tail = p;
	a->tail = &p->next;
	a->n_pending++;
	return 0;
}

/* The call as it was, from the copy. */
static void pending_build(struct audit *a, struct pending *p)
{
	struct session s;
	struct call c;
	char event_id[37];
	memset(&c, 0, sizeof(c));
	memset(&s, 0, sizeof(s));
	c.op = p->op;
	c.now = p->now;
	c.d = a->d;
	memcpy(c.request_id, p->request_id, sizeof(c.request_id));
	c.err_code = p->err_code;
	c.err_msg = p->err_msg;
	c.caller.kind = (enum caller_kind)p->kind;
	c.caller.uid = p->uid;
	c.caller.arn = p->arn;
	c.caller.user_id = p->user_id;
	c.caller.user_name = p->user_name;
	c.caller.account_id = p->account_id;
	c.caller.access_key_id = p->access_key_id;
	snprintf(s.source, sizeof(s.source), "%s", p->source ? p->source : "");
	snprintf(s.user_agent, sizeof(s.user_agent), "%s",
		 p->user_agent ? p->user_agent : "");
	c.session = &s;
	ProtobufCMessage *req = p->desc ? protobuf_c_message_unpack(p->desc, NULL,
					p->req_len, p->req) : NULL;
	c.req = req;
	char *rec = audit_record_build(&c, NULL, event_id);
	if (req)
		protobuf_c_message_free_unpacked(req, NULL);
	if (!rec) {
		iamd_log(LOG_CRIT, "audit: cannot build the record of %s (request %s)",
			 p->op->name, p->request_id);
		return;
	}
	if (audit_append(a, rec, p->now, 0) < 0)
		iamd_log_limited(LOG_CRIT, "audit: the record of %s (request %s) is lost",
				 p->op->name, p->request_id);
	free(rec);
	audit_journal(&c, event_id);
}

static void audit_drain(struct audit *a)
{
	struct pending *p = a->head;
	a->head = NULL;
	a->tail = &a->head;
	a->n_pending = 0;
	while (p) {
		struct pending *next = p->next;
		pending_build(a, p);
		free(p);
		p = next;
	}
}

int audit_call(struct audit *a, const struct call *c,
	       const ProtobufCMessage *resp, unsigned flags)
{
	char event_id[37];
	if (!a || !c->op)
		return 0;
	if (a->closing) {
		iamd_log_call(LOG_CRIT, c, "audit: %s answered after the trail was "
			      "closed: not recorded", c->op->name);
		return -ESHUTDOWN;
	}
	if (!a->o.data_events && audit_record_is_data(c))
		return 0;
	if (!(flags & AUDIT_DURABLE) && audit_record_deferrable(c) &&
	    pending_add(a, c) == 0) {
		if (a->n_pending >= PENDING_MAX)
			audit_drain(a);
		if (!a->timer_armed && a->timer) {
			struct timeval tv = { .tv_sec = 1 };
			evtimer_add(a->timer, &tv);
			a->timer_armed = true;
		}
		return 0;
	}
	audit_drain(a);   /* the records queued before come first */
	char *rec = audit_record_build(c, resp, event_id);
	if (!rec) {
		iamd_log_call(LOG_CRIT, c, "audit: cannot build the record of %s",
			      c->op->name);
		return -ENOMEM;
	}
	int r = audit_append(a, rec, c->now, flags);
	free(rec);
	if (r == 0 && (flags & AUDIT_DURABLE)) {
		memcpy(a->durable_event_id, event_id, sizeof(a->durable_event_id));
		memcpy(a->durable_request_id, c->request_id, sizeof(a->durable_request_id));
	}
	audit_journal(c, event_id);
	return r;
}

int audit_call_superseded(struct audit *a, const struct call *c)
{
	char event_id[37], *line = NULL;
	int r;
	if (!a || !c->op)
		return 0;
	if (a->closing)
		return -ESHUTDOWN;
	if (!c->err_code || strcmp(a->durable_request_id, c->request_id) != 0)
		return -EINVAL;   /* no durable record of this call to supersede */
	audit_drain(a);
	char *rec = audit_record_build(c, NULL, event_id);
	if (!rec)
		return -ENOMEM;
	size_t rl = strlen(rec);
	if (rl < 2 || rec[rl - 1] != '}') {
		r = -EINVAL;
		goto out;
	}
	if (asprintf(&line, "%.*s,\"additionalEventData\":{\"supersedesEventID\":\"%s\","
		     "\"note\":\"The record %s of this request said it succeeded; the "
		     "change could not be stored and the caller got %s.\"}}",
		     (int)(rl - 1), rec, a->durable_event_id, a->durable_event_id,
		     c->err_code) < 0) {
		line = NULL;
		r = -ENOMEM;
		goto out;
	}
	r = audit_append(a, line, c->now, AUDIT_DURABLE);
	if (r == 0)
		a->durable_request_id[0] = 0;
out:
	free(line);
	free(rec);
	return r;
}
