/* audit: the trail's files, chain and durability (audit.h). */
#include "config.h"
#include "audit.h"

#include <dirent.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
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
#include "pbjson/pbjson.h"
#include "sd.h"
#include "util/sha256.h"

#define BUF_FLUSH_AT (256u << 10)   /* buffered bytes that force a write */
#define BUF_MAX (8u << 20)          /* kept while writes fail, then dropped */

struct audit {
	struct iamd *d;
	struct audit_options o;
	char dir[PATH_MAX];
	int fd;                     /* the file being written, O_APPEND */
	char name[AUDIT_NAME_MAX];  /* its name in dir */
	uint64_t file_seq;
	int64_t opened;             /* Unix seconds */
	uint64_t size;              /* bytes written to it */
	struct util_sha256 fhash;   /* of its lines' hashes, taken as they are
				     * sealed (audit_seal), for its digest */
	bool fhash_ok;              /* false: the file and the hash may differ
				     * (a failed write or sync, records dropped);
				     * the digest reads the file */
	int64_t oldest, newest;     /* event times in it */
	uint64_t seq;               /* the last record's recordSequence */
	char prev[65];              /* the hash of the last sealed record */
	/* Lines not written yet: b.p[0, sealed) are whole records with their
	 * chain fields; the lines after `sealed` have recordSequence but
	 * their previousRecordHash is still to be filled in (audit_seal). */
	struct pbjson_buf b;
	size_t sealed;
	struct event *timer;
	bool timer_armed;
	bool failing;               /* the last write failed (logged once) */
	bool closing;               /* audit_close() waits for a signature */
	char durable_event_id[37];  /* the last durable record's eventID */
	char durable_request_id[37];    /* and requestID */
};

#define AUDIT_STOP_SIGN_WAIT_MS 2000   /* for the last digest's signature */

/* The end of a line: ...,"previousRecordHash":"<64 hex>"}\n */
#define HASH_TAIL 67              /* 64 hex digits, '"', '}', '\n' */

/* Fills in the previous record's hash of every line after `sealed`, in
 * order, and hashes each line for the next; the file's hash (its digest's
 * "SHA-256-lines" value, docs/audit.md) takes each line's 32-byte hash, not
 * its bytes again: one pass of SHA-256 over the records instead of two. A
 * sealed line is written to the current file, or the file's hash is given
 * up (fhash_ok) where it is not. */
static void audit_seal(struct audit *a)
{
	static const char hex[] = "0123456789abcdef";
	char *p = a->b.p;
	size_t at = a->sealed;
	while (at < a->b.len) {
		char *nl = memchr(p + at, '\n', a->b.len - at);
		if (!nl)
			break;   /* cannot happen: lines are appended whole */
		memcpy(nl - HASH_TAIL + 1, a->prev, 64);
		size_t n = (size_t)(nl - (p + at));
		struct util_sha256 lh;
		uint8_t h[UTIL_SHA256_LEN];
		util_sha256_init(&lh);
		util_sha256_update(&lh, p + at, n);
		util_sha256_final(&lh, h);
		util_sha256_update(&a->fhash, h, sizeof(h));
		for (int i = 0; i < UTIL_SHA256_LEN; i++) {
			a->prev[2 * i] = hex[h[i] >> 4];
			a->prev[2 * i + 1] = hex[h[i] & 15];
		}
		a->prev[64] = '\0';
		at = (size_t)(nl - p) + 1;
	}
	a->sealed = at;
}

/* Seals and writes what is buffered. On failure the file is cut back to
 * what was whole before, and the buffer kept. */
static int audit_flush(struct audit *a)
{
	size_t done = 0;
	int r = 0;
	audit_seal(a);
	while (done < a->b.len) {
		ssize_t n = write(a->fd, a->b.p + done, a->b.len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		done += (size_t)n;
	}
	if (r < 0) {
		if (done && ftruncate(a->fd, (off_t)a->size) < 0) {
			iamd_log(LOG_CRIT, "audit: %s: cannot cut a partial write back: %s",
				 a->name, strerror(errno));
			a->fhash_ok = false;
		}
		if (!a->failing)
			iamd_log(LOG_CRIT, "audit: cannot write %s/%s: %s", a->dir,
				 a->name, strerror(-r));
		a->failing = true;
		return r;
	}
	if (a->failing)
		iamd_log(LOG_NOTICE, "audit: writing %s/%s again", a->dir, a->name);
	a->failing = false;
	a->size += a->b.len;
	a->b.len = 0;
	a->sealed = 0;
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
	util_sha256_init(&a->fhash);
	a->fhash_ok = true;
	a->oldest = a->newest = 0;
	return 0;
}

/* The closed file's digest, from the hash kept while writing it (no
 * second pass over up to --audit-max-file bytes in the loop): SHA-256 over
 * its lines' SHA-256 hashes (audit_digest.c, "SHA-256-lines"). */
static void file_digest(struct audit *a)
{
	uint8_t h[UTIL_SHA256_LEN];
	char hex[2 * UTIL_SHA256_LEN + 1];
	util_sha256_final(&a->fhash, h);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	audit_digest_closed(a->dir, a->name, a->oldest, a->newest, a->fhash_ok ? hex : NULL,
			    a->size, a->d);
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
	file_digest(a);
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
	int64_t now = (int64_t)time(NULL);
	if (a->fd >= 0 && a->size + a->b.len > 0 &&
	    now - a->opened >= (int64_t)a->o.rotate_interval)
		(void)file_rotate(a, now);
	else if (a->fd >= 0)
		(void)audit_flush(a);
	if (a->b.len || a->o.rotate_interval) {
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
		audit_digest_closed(a->dir, last_name, last_oldest, last_newest, NULL, 0, d);
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
	a->closing = true;   /* records of calls answered while we wait: refused */
	if (a->fd >= 0) {
		(void)audit_flush(a);
		(void)fsync(a->fd);
		close(a->fd);
		a->fd = -1;
		if (a->size)
			file_digest(a);
	}
	audit_digest_stop(AUDIT_STOP_SIGN_WAIT_MS);
	pbjson_buf_free(&a->b);
	free(a);
}

static void timer_arm(struct audit *a)
{
	if (!a->timer_armed && a->timer) {
		struct timeval tv = { .tv_sec = 1 };
		evtimer_add(a->timer, &tv);
		a->timer_armed = true;
	}
}

/* Before the record at b.p[*at, b.len) is kept: a new file when the
 * current one would grow too large or is too old (the records before go
 * to the old file, this one starts the new file: *at becomes 0). On
 * failure the record is not in the buffer any more. */
static int audit_rotate_for(struct audit *a, size_t *at, int64_t when)
{
	size_t rl = a->b.len - *at;
	int r;
	if (a->fd >= 0 && a->size + a->b.len <= a->o.max_file_size &&
	    !(a->o.rotate_interval && when - a->opened >= (int64_t)a->o.rotate_interval))
		return 0;
	if (a->fd >= 0 && a->size + *at == 0)
		return 0;   /* an empty file takes any record */
	if (a->fd < 0) {
		r = file_open(a, when);
		if (r < 0)
			a->b.len = *at;
		return r;
	}
	char *rec = a->b.p + *at;
	a->b.len = *at;   /* the records before, without this one */
	r = file_rotate(a, when);
	if (r < 0)
		return r;   /* the buffer holds the records before, or nothing */
	/* flushed: this record moves to the start of the buffer */
	memmove(a->b.p, rec, rl);
	a->b.len = rl;
	*at = 0;
	return 0;
}

/* Appends c's record, its chain fields and the newline to the buffer;
 * with AUDIT_DURABLE writes and fsyncs it, or takes it back. */
static int audit_append(struct audit *a, const struct call *c,
			const ProtobufCMessage *resp, unsigned flags,
			const char *supersedes, char event_id[37])
{
	bool durable = flags & AUDIT_DURABLE;
	int64_t when = c->now;
	int r;

	if (a->b.len > BUF_MAX) {
		iamd_log_limited(LOG_CRIT, "audit: %zu bytes of records could not be "
				 "written; dropped (the chain will show the gap)", a->b.len);
		if (a->sealed)
			a->fhash_ok = false;   /* it took bytes the file will not have */
		a->b.len = 0;
		a->sealed = 0;
	}
	if (durable)
		audit_seal(a);   /* a->prev is the last record's hash */
	size_t at = a->b.len;
	uint64_t saved_seq = a->seq;
	char saved_prev[65];
	memcpy(saved_prev, a->prev, sizeof(saved_prev));
	int64_t oldest = a->oldest, newest = a->newest;

	r = audit_record_write(&a->b, c, resp, event_id);
	if (r < 0)
		return r;
	if (supersedes) {
		char note[256];
		int nn = snprintf(note, sizeof(note), "The record %s of this request said "
				  "it succeeded; the change could not be stored and the "
				  "caller got %s.", supersedes, c->err_code);
		pbjson_buf_append(&a->b, ",\"additionalEventData\":{\"supersedesEventID\":",
				  sizeof(",\"additionalEventData\":{\"supersedesEventID\":") - 1);
		pbjson_buf_string(&a->b, supersedes, strlen(supersedes));
		pbjson_buf_append(&a->b, ",\"note\":", sizeof(",\"note\":") - 1);
		pbjson_buf_string(&a->b, note, nn < 0 ? 0 : strnlen(note, sizeof(note)));
		pbjson_buf_append(&a->b, "}", 1);
	}
	/* ,"recordSequence":N,"previousRecordHash":"<filled in by audit_seal>"}\n */
	static const char k_seq[] = ",\"recordSequence\":";
	static const char k_hash[] = ",\"previousRecordHash\":\""
		"0000000000000000000000000000000000000000000000000000000000000000\"}\n";
	char tail[sizeof(k_seq) + 24 + sizeof(k_hash)];
	char digits[24], *d = digits + sizeof(digits);
	uint64_t seq = a->seq + 1;
	do {
		*--d = (char)('0' + seq % 10);
		seq /= 10;
	} while (seq);
	size_t dn = (size_t)(digits + sizeof(digits) - d), tn = 0;
	memcpy(tail, k_seq, sizeof(k_seq) - 1);
	tn += sizeof(k_seq) - 1;
	memcpy(tail + tn, d, dn);
	tn += dn;
	memcpy(tail + tn, k_hash, sizeof(k_hash) - 1);
	tn += sizeof(k_hash) - 1;
	pbjson_buf_append(&a->b, tail, tn);
	if (a->b.oom) {
		a->b.oom = false;
		a->b.len = at;
		return -ENOMEM;
	}
	r = audit_rotate_for(a, &at, when);
	if (r < 0)
		return r;
	a->seq++;
	if (!a->oldest || when < a->oldest)
		a->oldest = when;
	if (when > a->newest)
		a->newest = when;
	if (!durable) {
		if (a->b.len >= BUF_FLUSH_AT)
			(void)audit_flush(a);
		timer_arm(a);
		return 0;
	}
	size_t ll = a->b.len - at;
	r = audit_flush(a);
	if (r == 0 && fdatasync(a->fd) < 0) {
		r = -errno;
		iamd_log(LOG_CRIT, "audit: cannot sync %s/%s: %s", a->dir,
			 a->name, strerror(-r));
		/* what reached the file is not known to be durable: cut it
		 * back to before this record */
		a->size -= ll;
		a->fhash_ok = false;
		if (ftruncate(a->fd, (off_t)a->size) < 0)
			iamd_log(LOG_CRIT, "audit: cannot cut %s back: %s",
				 a->name, strerror(errno));
		at = 0;   /* the buffer was written: empty */
	}
	if (r < 0) {
		if (a->sealed > at)
			a->fhash_ok = false;   /* this record was sealed, then taken back */
		a->b.len = at;
		a->sealed = at;
		a->seq = saved_seq;
		memcpy(a->prev, saved_prev, sizeof(saved_prev));
		a->oldest = oldest;
		a->newest = newest;
		return r;
	}
	return 0;
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
	int r = audit_append(a, c, resp, flags, NULL, event_id);
	if (r < 0) {
		if (flags & AUDIT_DURABLE)
			iamd_log_call(LOG_CRIT, c, "audit: cannot record %s: %s",
				      c->op->name, strerror(-r));
		else
			iamd_log_limited(LOG_CRIT, "audit: the record of %s (request %s) "
					 "is lost: %s", c->op->name, c->request_id,
					 strerror(-r));
		return r;
	}
	if (flags & AUDIT_DURABLE) {
		memcpy(a->durable_event_id, event_id, sizeof(a->durable_event_id));
		memcpy(a->durable_request_id, c->request_id, sizeof(a->durable_request_id));
	}
	audit_journal(c, event_id);
	return 0;
}

int audit_call_superseded(struct audit *a, const struct call *c)
{
	char event_id[37];
	if (!a || !c->op)
		return 0;
	if (a->closing)
		return -ESHUTDOWN;
	if (!c->err_code || strcmp(a->durable_request_id, c->request_id) != 0)
		return -EINVAL;   /* no durable record of this call to supersede */
	int r = audit_append(a, c, NULL, AUDIT_DURABLE, a->durable_event_id, event_id);
	if (r == 0)
		a->durable_request_id[0] = 0;
	return r;
}
