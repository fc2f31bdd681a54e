/* audit: iamd's audit trail (docs/audit.md). One CloudTrail event per call
 * that reaches dispatch, allowed or denied, and per failed authentication,
 * as one JSON line appended to STATE/audit/audit-SEQ-TIME.jsonl. Every
 * line carries "recordSequence" (1, 2, ... over the whole trail) and
 * "previousRecordHash" (hex SHA-256 of the previous line's bytes, without
 * its newline; 64 zeros for the first), so the file being written is
 * covered too.
 *
 * Durability: a mutating call's record is written and fsync'd before its
 * commit (audit_call(..., AUDIT_DURABLE)); when that fails the call fails
 * (dispatch.c) and the trail is left as it was. Other records are buffered
 * and written within a second by a timer (no fsync on the read path).
 *
 * Files rotate by size and age; a closed file is listed in a digest
 * (audit_digest.c) signed by iam-keyd. */
#pragma once
#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct iamd;
struct call;
struct audit;
struct pbjson_buf;

struct audit_options {
	bool enabled;              /* --audit=no turns the trail off */
	bool data_events;          /* --audit-data-events: record Authorize */
	uint64_t max_file_size;    /* --audit-max-file-size: rotate above */
	uint32_t rotate_interval;  /* --audit-rotate-interval: seconds */
};

#define AUDIT_MAX_FILE_SIZE_DEFAULT (16u << 20)
#define AUDIT_ROTATE_INTERVAL_DEFAULT 3600u

/* Opens the trail in STATE/audit (created 0700), continues the chain of
 * the last file and starts a new file. d->base must exist (the flush
 * timer). */
int audit_open(struct iamd *d, const struct audit_options *o,
	       struct audit **ret);
/* Writes what is buffered, closes the file (and digests it). Accepts NULL. */
void audit_close(struct audit *a);

enum audit_flags {
	AUDIT_DURABLE = 1u << 0,   /* written and fsync'd before returning */
};

/* Records call `c` with its answer `resp` (NULL when it failed: c->err_code
 * says why). 0 when recorded (or not to be recorded), negative errno when
 * the record could not be written: with AUDIT_DURABLE nothing of it is
 * left in the trail. Accepts a NULL trail (d->audit unset). */
int audit_call(struct audit *a, const struct call *c,
	       const ProtobufCMessage *resp, unsigned flags);

/* The durable record that audit_call(.., AUDIT_DURABLE) wrote for `c`
 * said the call succeeded, but its commit then failed (c->err_code says
 * how the caller was answered): appends, durably, a second record of the
 * same requestID with that errorCode and "additionalEventData"
 * {"supersedesEventID": the first record's eventID, "note"}. iamctl audit
 * lookup shows the call once, as failed. 0 when written; -EINVAL when no
 * durable record of `c` is the last one written. */
int audit_call_superseded(struct audit *a, const struct call *c);

/* Appends c's record (audit_record.c) to `b`: the JSON object without the
 * chain fields and without its closing brace, which audit.c appends.
 * `event_id` receives the eventID. -ENOMEM (b as it was). */
int audit_record_write(struct pbjson_buf *b, const struct call *c,
		       const ProtobufCMessage *resp, char event_id[37]);
/* What every record of one connection's calls shares, rendered once (at
 * Hello) instead of escaped again in each record: the peer's
 * sourceIPAddress and userAgent, and the userIdentity of the account
 * root (uid 0 or the state directory's owner, without credentials).
 * One allocation, owned by the session (dispatch.h). -ENOMEM. */
struct audit_session_parts;
int audit_session_parts_new(const char *account_id, const char *root_arn,
			    const char *source, const char *user_agent,
			    struct audit_session_parts **ret);
void audit_session_parts_free(struct audit_session_parts *p);   /* accepts NULL */

/* Whether c's record is a data event (Authorize), not a management event. */
bool audit_record_is_data(const struct call *c);

/* The hex SHA-256 of `len` bytes (65 bytes with the NUL). */
void audit_sha256_hex(const void *p, size_t len, char ret[65]);

/* A one-line journal summary of a denial or a credential issue
 * (IAM_EVENT_ID, IAM_PRINCIPAL, IAM_ACTION, IAM_DECISION; sd.c). */
void audit_journal(const struct call *c, const char *event_id);
