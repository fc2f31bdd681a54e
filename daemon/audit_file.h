/* audit_file: the trail's file names, the end of the chain found at start,
 * and the digest of each closed file (audit_digest.c). See docs/audit.md. */
#pragma once
#include <stdint.h>

struct iamd;

/* audit-00000001-20261129T143358Z.jsonl: the file's sequence number first,
 * so names sort in writing order. */
#define AUDIT_NAME_MAX 64
void audit_file_name(uint64_t file_seq, int64_t opened, char ret[AUDIT_NAME_MAX]);
/* The sequence number of a trail file's name, or 0 if `name` is not one. */
uint64_t audit_file_seq(const char *name);

/* The end of the trail in `dir`: the highest file sequence number, the last
 * record's recordSequence and hash (0 and 64 zeros for an empty trail). */
int audit_file_chain_tail(const char *dir, uint64_t *ret_file_seq,
			  uint64_t *ret_seq, char ret_hash[65]);

/* Whether the trail file numbered file_seq in `dir` holds records but has
 * no digest (iamd was killed while writing it): 1 with its name and its
 * first and last records' eventTime (0 when unknown), 0 when not. */
int audit_file_undigested(const char *dir, uint64_t file_seq, char ret_name[AUDIT_NAME_MAX],
			  int64_t *ret_oldest, int64_t *ret_newest);

/* A file was closed: digest it (dir/digest/NAME.digest.json, written
 * unsigned at once and signed by iam-keyd as soon as it is reachable).
 * sha256_hex and size: the file's hash ("SHA-256-lines": SHA-256 of its
 * lines' SHA-256 hashes, docs/audit.md) and length as its writer computed
 * them while writing; NULL: read the file to hash it. */
void audit_digest_closed(const char *dir, const char *name, int64_t oldest,
			 int64_t newest, const char *sha256_hex, uint64_t size,
			 struct iamd *d);
/* Starts signing what is unsigned in dir/digest (left by an earlier run),
 * in order, and watches keyd: when it (re)connects its public key goes to
 * dir/digest/public-key and the digests written meanwhile are signed.
 * d->base must exist. */
int audit_digest_start(const char *dir, struct iamd *d);
/* Waits up to wait_ms (running the event loop) for the signatures still
 * to come, then forgets keyd. Call it before keyd_client_free(). */
void audit_digest_stop(unsigned wait_ms);
