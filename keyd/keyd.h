/* keyd: iam-keyd, the only holder of key material (docs/keyd.md). This
 * header joins its parts; nothing outside keyd/ includes it except keyd's
 * unit tests.
 *
 *   keyd_ring.c    the versioned master keys: file format, creation,
 *                  rotation, sodium_malloc memory made read-only
 *   keyd_crypto.c  derivations (access key and session secrets), SigV4
 *                  signing keys and signatures, sealing and opening tokens
 *                  (pure: keys, clock and nonces are passed in)
 *   keyd_totp.c    virtual MFA devices: SHA-1, HMAC-SHA1, HOTP/TOTP, seeds
 *                  derived from the master key and a nonce
 *   keyd_password.c  IAM users' passwords: peppered Argon2id hashes and
 *                  the fingerprints of reuse prevention
 *   keyd_answer.c  the static op table {op, max_len, handler}: decoding,
 *                  validation of every typed field, answers (session ops)
 *   keyd_answer_msg.c  authorization messages, the audit digest key
 *   keyd_sigcache.c    SigV4 signing keys cached per key and day
 *   keyd_loop.c    the epoll loop: listening socket, SO_PEERCRED,
 *                  framing (lib/rpc), signals
 *   keyd_sandbox.c non-dumpable, the seccomp allowlist
 *   keyd_log.c     logging (stderr, journal priority prefixes)
 *   keyd_main.c    options, directories, readiness
 *
 * Secrets (master keys, derived secrets, signing keys) live in sodium_malloc
 * memory or on the stack, are wiped with sodium_memzero() on every path,
 * compared with sodium_memcmp(), and never logged. Errors are negative
 * errno: -EBADMSG a token or message that does not open, -ENOKEY a master
 * key version not held, -EINVAL bad input, -E2BIG too large. */
#pragma once
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <syslog.h>

#include "keyd.pb-c.h"
#include "util/arena.h"

#define KEYD_PROTOCOL_VERSION 1
#define KEYD_KEY_LEN 32                /* a master key, and each subkey */
#define KEYD_MAX_VERSIONS 64
#define KEYD_SECRET_LEN 40             /* a secret access key, characters */
#define KEYD_SECRET_RAW 30             /* its bytes: 30 bytes = 40 base64 */
#define KEYD_NONCE_LEN 24              /* XChaCha20-Poly1305 */
#define KEYD_MAC_LEN 16
#define KEYD_SEAL_HDR 5                /* kind byte, u32be key version */
#define KEYD_SEALED_MAX_PLAIN (32u * 1024)
#define KEYD_MASTER_FILE "master.key"
#define KEYD_CREDENTIAL_NAME "iam-keyd.master"

/* ---- keyd_ring.c ---- */

/* One version of the master key and the subkeys derived from it at load
 * (keyed BLAKE2b of the master over a fixed label). */
struct keyd_key {
	uint32_t version;
	uint8_t master[KEYD_KEY_LEN];
	uint8_t token_key[KEYD_KEY_LEN];     /* "iamd/session-token/v1" */
	uint8_t message_key[KEYD_KEY_LEN];   /* "iamd/authz-message/v1" */
};

/* All versions held; lives in sodium_malloc memory (guard pages, mlock,
 * wiped by sodium_free), read-only once keyd_ring_lock() ran. */
struct keyd_ring {
	uint32_t n;
	uint32_t current;                    /* index of the highest version */
	struct keyd_key keys[KEYD_MAX_VERSIONS];
};

/* The file: text lines "VERSION BASE64(32 bytes)", '#' comments; the
 * highest version is the current one. */
int keyd_ring_parse(const char *text, size_t len, struct keyd_ring **ret);
/* Reads `path` (refused when group or others may read it, unless
 * `any_mode`: systemd credentials). -ENOENT when it does not exist. */
int keyd_ring_load(const char *path, bool any_mode, struct keyd_ring **ret);
/* Creates `path` (mode 0600, O_EXCL) with a random version 1. */
int keyd_ring_create(const char *path, struct keyd_ring **ret);
/* Offline rotation: appends version max+1 (random) to `path`, written whole
 * (temporary file, fsync, rename). */
int keyd_ring_rotate(const char *path, uint32_t *ret_version);
void keyd_ring_lock(struct keyd_ring *r);      /* sodium_mprotect_readonly */
void keyd_ring_free(struct keyd_ring *r);      /* accepts NULL */
const struct keyd_key *keyd_ring_find(const struct keyd_ring *r, uint32_t version);
const struct keyd_key *keyd_ring_current(const struct keyd_ring *r);

/* ---- keyd_crypto.c ---- */

/* keyed BLAKE2b(master, "iamd/access-key/v1" || id), 30 bytes, base64. */
int keyd_access_key_secret(const struct keyd_key *k, const char *access_key_id,
			   char ret[KEYD_SECRET_LEN + 1]);
/* keyed BLAKE2b(master, "iamd/session-secret/v1" || nonce || id). */
int keyd_session_secret(const struct keyd_key *k, const uint8_t nonce[KEYD_NONCE_LEN],
			const char *access_key_id, char ret[KEYD_SECRET_LEN + 1]);

struct keyd_sigv4 {
	const char *amz_date;                /* YYYYMMDDTHHMMSSZ */
	const char *date;                    /* YYYYMMDD */
	const char *region;
	const char *service;
	const uint8_t *creq_sha256;          /* 32 bytes */
};
/* The SigV4 signature of the string to sign built from `in`, with the
 * signing key derived from `secret` (HMAC-SHA256 chain). */
int keyd_sigv4_sign(const char *secret, size_t secret_len, const struct keyd_sigv4 *in,
		    uint8_t ret[32]);
/* The two halves of keyd_sigv4_sign(): the day's signing key (the
 * HMAC-SHA256 chain from "AWS4" secret over date, region, service,
 * "aws4_request"), and the signature of the string to sign with it. */
int keyd_sigv4_signing_key(const char *secret, size_t secret_len, const struct keyd_sigv4 *in,
			   uint8_t ret[32]);
int keyd_sigv4_sign_with_key(const uint8_t signing_key[32], const struct keyd_sigv4 *in,
			     uint8_t ret[32]);
/* The same with the signing key's HMAC pads already hashed (keyd_sigcache.c
 * keeps them so). */
struct util_hmac_sha256;
int keyd_sigv4_sign_with_state(const struct util_hmac_sha256 *signing,
			       const struct keyd_sigv4 *in, uint8_t ret[32]);
/* Whether `sig` is that signature (constant-time comparison). */
bool keyd_sigv4_check(const char *secret, size_t secret_len, const struct keyd_sigv4 *in,
		      const uint8_t sig[32]);

enum keyd_seal_kind {
	KEYD_SEAL_SESSION = 0x01,            /* session tokens */
	KEYD_SEAL_MESSAGE = 0x02,            /* encoded authorization messages */
};
/* Length of the base64 text (with its NUL) sealing `plain_len` bytes. */
size_t keyd_sealed_b64_size(size_t plain_len);
/* base64(kind || u32be version || nonce || XChaCha20-Poly1305(plain, ad =
 * the first 5 bytes)) into out[cap] (keyd_sealed_b64_size()). */
int keyd_seal(const struct keyd_key *k, enum keyd_seal_kind kind, const uint8_t *plain,
	      size_t plain_len, const uint8_t nonce[KEYD_NONCE_LEN], char *out, size_t cap);
/* Opens what keyd_seal() made: the plaintext into plain[cap], its length,
 * the version and the nonce. -EBADMSG for anything that does not open
 * (garbled, truncated, tampered, another kind, another master key),
 * -ENOKEY for a version not held. */
int keyd_open(const struct keyd_ring *ring, enum keyd_seal_kind kind, const char *b64,
	      uint8_t *plain, size_t cap, size_t *ret_len, uint32_t *ret_version,
	      uint8_t ret_nonce[KEYD_NONCE_LEN]);

/* ---- keyd_sigcache.c ---- */

/* Signing keys by (version, access key id, session nonce, date, region,
 * service), in sodium_malloc memory, bounded, wiped on eviction and free. */
#define KEYD_SIGCACHE_SLOTS 1024
struct keyd_sigcache;
int keyd_sigcache_new(struct keyd_sigcache **ret);
void keyd_sigcache_free(struct keyd_sigcache *c);       /* accepts NULL */
void keyd_sigcache_stats(struct keyd_sigcache *c, uint64_t *ret_hits, uint64_t *ret_misses);
/* *ret_valid: whether `sig` is the SigV4 signature of `in` by the secret
 * of `access_key_id` under master key version `k` (a long-term key's, or
 * with `nonce` a session's), compared in constant time. The signing key
 * comes from `c` when it holds it, else it is derived (and kept). `c` may
 * be NULL: derived every time. 0, or negative errno. */
int keyd_sigv4_verify_cached(struct keyd_sigcache *c, const struct keyd_key *k,
			     const char *access_key_id, const uint8_t *nonce,
			     const struct keyd_sigv4 *in, const uint8_t sig[32], bool *ret_valid);

/* ---- keyd_audit.c ---- */

#define KEYD_AUDIT_PK_LEN 32
#define KEYD_AUDIT_SIG_LEN 64
#define KEYD_AUDIT_MAX_FILES 64
#define KEYD_AUDIT_NAME_MAX 255
#define KEYD_AUDIT_CANON_LABEL "iamd/audit-digest/v1"
#define KEYD_AUDIT_CANON_MAX (20 + 16 + 33 + 65 + 4 + \
			      KEYD_AUDIT_MAX_FILES * (2 + KEYD_AUDIT_NAME_MAX + 32 + 24))

struct keyd_audit_file {
	const char *name;                    /* 1-255 printable ASCII, no '/' */
	const uint8_t *sha256;               /* 32 bytes */
	uint64_t size;
	int64_t oldest, newest;              /* Unix seconds */
};
/* What SignAuditDigest signs (docs/audit.md "Signed digests"). */
struct keyd_audit_digest {
	int64_t start, end;
	const struct keyd_audit_file *files;
	size_t n_files;                      /* 1-64 */
	const uint8_t *prev_hash;            /* 32 bytes, or prev_hash_len 0 */
	size_t prev_hash_len;
	const uint8_t *prev_sig;             /* 64 bytes, or prev_sig_len 0 */
	size_t prev_sig_len;
};
/* The canonical bytes of `in` into out[cap] (KEYD_AUDIT_CANON_MAX). */
int keyd_audit_canonical(const struct keyd_audit_digest *in, uint8_t *out, size_t cap,
			 size_t *ret_len);
/* The Ed25519 public key of version `k`: seed = keyed BLAKE2b(master,
 * "iamd/audit-sign/v1"). */
int keyd_audit_public_key(const struct keyd_key *k, uint8_t ret[KEYD_AUDIT_PK_LEN]);
/* The Ed25519 signature of keyd_audit_canonical(in) with version `k`. */
int keyd_audit_sign(const struct keyd_key *k, const struct keyd_audit_digest *in,
		    uint8_t ret[KEYD_AUDIT_SIG_LEN]);

/* ---- keyd_totp.c: virtual MFA devices (docs/mfa.md) ---- */

#define KEYD_MFA_SEED_LEN 20                 /* bytes: 32 characters of Base32 */
#define KEYD_MFA_SEED_B32 32
#define KEYD_MFA_NONCE_MIN 16
#define KEYD_MFA_NONCE_MAX 32
#define KEYD_TOTP_STEP 30                    /* seconds */
#define KEYD_TOTP_DIGITS 6
#define KEYD_TOTP_WINDOW_MAX 40              /* steps either side, two codes */
#define KEYD_TOTP_DRIFT_MAX 40               /* steps a device may be off */

/* RFC 4226: the `digits`-digit (1-9) code of `counter`. */
uint32_t keyd_hotp(const uint8_t *key, size_t klen, uint64_t counter, unsigned digits);
/* keyed BLAKE2b(master, "iamd/mfa-seed/v1" || nonce), 20 bytes; the nonce
 * is 16-32 bytes (-EINVAL otherwise). */
int keyd_mfa_seed(const struct keyd_key *k, const uint8_t *nonce, size_t nonce_len,
		  uint8_t ret[KEYD_MFA_SEED_LEN]);
/* RFC 4648 Base32 without padding into out[(len * 8 + 4) / 5 + 1]. */
void keyd_base32(const uint8_t *in, size_t len, char *out);

struct keyd_totp_check {
	const char *code;                    /* 6 digits */
	const char *next_code;               /* NULL, or the code of the next step */
	int64_t now_step;                    /* now / 30 */
	int32_t drift;                       /* steps the device is known to be off */
	uint32_t window;                     /* with next_code: 1-40 steps either side */
	int64_t last_step;                   /* only later steps count (-1: none used) */
};
/* Whether the code (one: steps now+drift-1 .. now+drift+1; two consecutive:
 * now+drift-window .. now+drift+window) is the device's: 1 with *ret_step
 * the step of the (last) code, 0 not, -EINVAL bad input. Every candidate is
 * compared in constant time. */
int keyd_totp_verify(const uint8_t seed[KEYD_MFA_SEED_LEN], const struct keyd_totp_check *in,
		     int64_t *ret_step);

/* ---- keyd_password.c: IAM users' passwords (docs/passwords.md) ---- */

/* Argon2id's cost (docs/keyd.md, "Password hashing"): keyd is one loop,
 * so a hash stalls every other request for its duration. */
#define KEYD_PWHASH_OPSLIMIT 3ULL
#define KEYD_PWHASH_MEMLIMIT (12u << 20)      /* bytes */
#define KEYD_PASSWORD_MAX 256                 /* bytes: 128 characters <= U+00FF */
#define KEYD_PASSWORD_PEPPERED 32
#define KEYD_PASSWORD_SALT 16
#define KEYD_PASSWORD_FINGERPRINT 32
#define KEYD_PASSWORD_HISTORY_MAX 24
#define KEYD_PASSWORD_HASH_MAX 128            /* crypto_pwhash_STRBYTES */

/* keyed BLAKE2b(keyed BLAKE2b(master, "iamd/password-pepper/v1"), password) */
int keyd_password_pepper(const struct keyd_key *k, const char *password, size_t len,
			 uint8_t ret[KEYD_PASSWORD_PEPPERED]);
/* keyed BLAKE2b(master, "iamd/password-history/v1" || salt || password) */
int keyd_password_fingerprint(const struct keyd_key *k, const uint8_t salt[KEYD_PASSWORD_SALT],
			      const char *password, size_t len,
			      uint8_t ret[KEYD_PASSWORD_FINGERPRINT]);
/* crypto_pwhash_str (Argon2id) of the peppered password, NUL-terminated. */
int keyd_password_hash(const struct keyd_key *k, const char *password,
		       char ret[KEYD_PASSWORD_HASH_MAX]);
/* 1 when `hash` is the hash of that password under `k`, 0 when not,
 * -EINVAL when `hash` is not an Argon2id string. Constant-time. */
int keyd_password_verify(const struct keyd_key *k, const char *password, const char *hash);

/* ---- keyd_answer.c ---- */

/* One connection's protocol state. */
struct keyd_session {
	bool hello_done;
	uid_t uid;
	pid_t pid;
	struct arena *arena;                 /* reset after every request */
};

struct rpc_buf;
/* The largest request frame any op accepts. */
#define KEYD_MAX_FRAME (64u * 1024)
/* Answers the request in body[0, len) into `out`. 0 when answered;
 * negative errno when the peer broke the protocol (malformed, not Hello
 * first, Hello twice, unknown op, above the op's cap): close it. Logged. */
int keyd_answer_frame(const struct keyd_ring *ring, struct keyd_session *s,
		      const uint8_t *body, size_t len, struct rpc_buf *out);
/* The op field number of a Request body, read from the wire format without
 * decoding (so the op's cap is checked before anything is allocated).
 * -EBADMSG unless the body is field 1 (varint) and exactly one
 * length-delimited op field. */
int keyd_request_peek_op(const uint8_t *p, size_t len, uint32_t *ret_op);
/* The process's signing key cache (keyd_sigcache.c): made by
 * keyd_answer_init() (before the sandbox), else at the first signature
 * checked; keyd_answer_fini() frees it. */
int keyd_answer_init(void);
void keyd_answer_fini(void);
/* The clock keyd judges expiry by: time(NULL), unless a test injects one
 * (NULL: back to time()). */
void keyd_answer_set_clock(int64_t (*now)(void));

/* ---- what the op handlers share (keyd_answer.c: the table, the framing,
 * the session ops; keyd_answer_msg.c: authorization messages, the audit
 * digest key). A handler answers 0 with its result, a Keyd__Code (> 0)
 * with x->msg for a refusal, or a negative errno for keyd's own failure.
 * ---- */

struct keyd_req {
	const struct keyd_ring *ring;
	struct keyd_session *s;
	ProtobufCAllocator *pb;
	int64_t now;
	const char *msg;                     /* a refusal's message (no secrets) */
	struct keyd_sigcache *cache;         /* signing keys (NULL: none) */
	char secret[KEYD_SECRET_LEN + 1];    /* wiped once the answer is packed */
};

static inline void *x_alloc(struct keyd_req *x, size_t n)
{
	return arena_zalloc(x->pb->allocator_data, n);
}

static inline int refuse(struct keyd_req *x, Keyd__Code code, const char *msg)
{
	x->msg = msg;
	return (int)code;
}

/* A string of at most `max` bytes (NULL passes); `n` (at most max_n)
 * strings of at most max_len bytes each. */
bool keyd_str_max(const char *s, size_t max);
bool keyd_strv_ok(char *const *v, size_t n, size_t max_n, size_t max_len);
/* A fresh token nonce (keyd_answer.c). */
void keyd_nonce_new(uint8_t ret[KEYD_NONCE_LEN]);
/* Packs `m` (at most KEYD_SEALED_MAX_PLAIN bytes) and seals it with the
 * current key into arena memory. */
int keyd_seal_msg(struct keyd_req *x, enum keyd_seal_kind kind, const ProtobufCMessage *m,
		  const uint8_t nonce[KEYD_NONCE_LEN], char **ret);
/* Opens a sealed text into a message of `desc`: a Keyd__Code for what the
 * peer sent, negative errno for keyd's failure. */
int keyd_open_msg(struct keyd_req *x, enum keyd_seal_kind kind, const char *text,
		  const ProtobufCMessageDescriptor *desc, ProtobufCMessage **ret,
		  uint32_t *ret_version, uint8_t nonce[KEYD_NONCE_LEN]);

/* keyd_answer_msg.c */
int keyd_answer_seal_authorization_message(struct keyd_req *x, const ProtobufCMessage *m,
					   ProtobufCMessage **ret);
int keyd_answer_open_authorization_message(struct keyd_req *x, const ProtobufCMessage *m,
					   ProtobufCMessage **ret);
int keyd_answer_get_audit_public_key(struct keyd_req *x, const ProtobufCMessage *m,
				     ProtobufCMessage **ret);
int keyd_answer_sign_audit_digest(struct keyd_req *x, const ProtobufCMessage *m,
				  ProtobufCMessage **ret);
/* keyd_totp.c */
int keyd_answer_create_mfa_seed(struct keyd_req *x, const ProtobufCMessage *m,
				ProtobufCMessage **ret);
int keyd_answer_verify_totp(struct keyd_req *x, const ProtobufCMessage *m,
			    ProtobufCMessage **ret);
/* keyd_password.c */
int keyd_answer_hash_password(struct keyd_req *x, const ProtobufCMessage *m,
			      ProtobufCMessage **ret);
int keyd_answer_verify_password(struct keyd_req *x, const ProtobufCMessage *m,
				ProtobufCMessage **ret);

/* ---- keyd_loop.c ---- */

struct keyd_loop_config {
	int listen_fd;                       /* listening AF_UNIX stream socket */
	int signal_fd;                       /* signalfd: SIGTERM, SIGINT */
	uid_t allow_uid;                     /* the only peer uid served */
	unsigned max_conns;
	const struct keyd_ring *ring;
};
struct keyd_loop;
/* Sets up the epoll instance (before the sandbox forbids epoll_create1). */
int keyd_loop_new(const struct keyd_loop_config *cfg, struct keyd_loop **ret);
/* Serves until SIGTERM/SIGINT. 0, or negative errno. */
int keyd_loop_run(struct keyd_loop *l);
void keyd_loop_free(struct keyd_loop *l);      /* accepts NULL */

/* ---- keyd_sandbox.c ---- */

/* Whether this build can install the seccomp filter (not under sanitizers,
 * which make syscalls of their own). */
bool keyd_sandbox_seccomp_available(void);
/* Makes the process non-dumpable (and no core files). */
int keyd_sandbox_nodump(void);
/* Installs the allowlist (SCMP_ACT_KILL_PROCESS on anything else).
 * `dir_fd` is the only directory unlinkat() may touch (-1: none). */
int keyd_sandbox_seccomp(int dir_fd);

/* ---- keyd_log.c ---- */

void keyd_log_setup(bool debug);
void keyd_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* At most a few dozen lines per second: for what a peer can cause. */
void keyd_log_limited(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
