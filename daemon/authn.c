/* authn: SigV4 authentication of api-socket calls (authn.h). */
#include "config.h"
#include "authn.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "api.pb-c.h"
#include "dispatch.h"
#include "gen_cache.h"
#include "iam_keys.pb-c.h"
#include "iamd.h"
#include "keyd.pb-c.h"
#include "keyd_client.h"
#include "rpc/rpc.h"
#include "sd.h"
#include "sigv4/sigv4.h"
#include "store.pb-c.h"
#include "store/store.h"
#include "util/arena.h"

/* InvalidClientTokenId's text: STS ends it with a period, IAM does not
 * (as each endpoint answers; invalid_token()) */
#define MSG_INVALID_TOKEN "The security token included in the request is invalid."
#define MSG_EXPIRED_TOKEN "The security token included in the request is expired"
#define MSG_MISSING "Request is missing Authentication Token"
#define LAST_USED_SLOTS 1024
#define LAST_USED_EVERY 60          /* seconds between writes per key */
#define MAX_KEY_ID 128

/* What the resume function needs: set by authn_sigv4_start, arena memory. */
struct authn_state {
	const char *access_key_id;
	const char *service;
	const char *region;
	bool session;
	/* deferred (authn.h): the VerifySigV4 request kept for later, and
	 * the caller as it was before the claimed identity replaced it */
	Keyd__VerifySigV4Request *verify;
	struct caller before;
	uint64_t claimed_gen;   /* the store's generation when the key was read */
};

/* authn_mint(): the op's resume function behind VerifyAndMint. */
struct authn_mint {
	struct authn_state *st;
	call_resume_fn resume;
	void *state;
};

/* The last AccessKeyLastUsed write per key (authn.h). */
static struct {
	char id[24];
	int64_t at;
} last_used[LAST_USED_SLOTS];

/* Records the AWS error of a failed authentication with its HTTP status. */
static int fail(struct call *c, int err, const char *code, const char *msg)
{
	call_fail(c, err, code, "%s", msg);
	c->err_http = strcmp(code, SIGV4_E_INCOMPLETE) == 0 ? 400 : 403;
	return c->err;
}

/* InvalidClientTokenId (403), worded as the call's service words it */
static int invalid_token(struct call *c)
{
	bool sts = !c->op || strncmp(c->op->action, "sts:", 4) == 0;
	call_fail(c, -EACCES, "InvalidClientTokenId", "%.*s",
		  (int)strlen(MSG_INVALID_TOKEN) - (sts ? 0 : 1), MSG_INVALID_TOKEN);
	c->err_http = 403;
	return c->err;
}

static int fail_sigv4(struct call *c, int r, const struct sigv4_error *e)
{
	if (r == -ENOMEM || !e->code)
		return call_fail(c, r, "ServiceFailure", NULL);
	return fail(c, -EACCES, e->code, e->message ? e->message : "");
}

/* protobuf wire format: a varint at p[*i, len) (rpc_varint_get()). */
static int varint(const uint8_t *p, size_t len, size_t *i, uint64_t *ret)
{
	const uint8_t *e = rpc_varint_get(p + *i, p + len, ret);
	if (!e)
		return -EBADMSG;
	*i = (size_t)(e - p);
	return 0;
}

int authn_op_bytes(const uint8_t *body, size_t len, uint32_t op,
		   const uint8_t **ret, size_t *ret_len)
{
	const uint8_t *found = NULL;
	size_t found_len = 0, i = 0;
	unsigned n_op = 0, n_id = 0, n_auth = 0;
	while (i < len) {
		uint64_t tag, v;
		if (varint(body, len, &i, &tag) < 0)
			return -EBADMSG;
		uint64_t field = tag >> 3;
		unsigned wire = tag & 7;
		if (field == 1 && wire == 0) {
			if (varint(body, len, &i, &v) < 0)
				return -EBADMSG;
			n_id++;
		} else if (wire == 2 && (field == 3 || field == op)) {
			if (varint(body, len, &i, &v) < 0 || v > len - i)
				return -EBADMSG;
			if (field == op) {
				found = body + i;
				found_len = (size_t)v;
				n_op++;
			} else {
				n_auth++;
			}
			i += (size_t)v;
		} else {
			return -EBADMSG;    /* anything else: not a signed call's shape */
		}
	}
	if (n_op != 1 || n_auth != 1 || n_id > 1)
		return -EBADMSG;
	*ret = found;
	*ret_len = found_len;
	return 0;
}

/* A lower-case hex digit's value; 16 for anything else. */
static inline unsigned hexdig(unsigned char ch)
{
	unsigned d = (unsigned)ch - '0', l = (unsigned)ch - 'a';
	return d < 10 ? d : l < 6 ? l + 10 : 16;
}

static int unhex32(const char *s, uint8_t out[32])
{
	uint8_t bad = 0;
	if (strnlen(s, 65) != 64)
		return -EINVAL;
	for (size_t i = 0; i < 32; i++) {
		unsigned hi = hexdig((unsigned char)s[2 * i]), lo = hexdig((unsigned char)s[2 * i + 1]);
		bad |= (uint8_t)((hi | lo) & 16);
		out[i] = (uint8_t)(hi << 4 | (lo & 15));
	}
	return bad ? -EINVAL : 0;
}

/* The stored record of an access key, or -ENOENT. */
static int key_get(struct call *c, struct store_txn *t, const char *id,
		   Iam__AccessKeyRecord **ret)
{
	struct store_val v;
	int r = store_get(t, STORE_DB_ACCESS_KEYS, id, strlen(id), &v);
	if (r < 0)
		return r;
	Iam__AccessKeyRecord *k = iam__access_key_record__unpack(&c->pb, v.len, v.data);
	if (!k)
		return -EIO;
	*ret = k;
	return 0;
}

/* Key owners, kept (gen_cache.h): a user renamed, moved or deleted is read
 * anew. AccessKeyLastUsed (key_touch) writes keys, not users. */
static struct gen_cache_slot user_slots[64];
static struct gen_cache users = GEN_CACHE_INIT(user_slots);

/* The user whose id is `user_id` (a key's owner), or -ENOENT. */
static int user_by_id(struct call *c, struct store_txn *t, const char *user_id,
		      const Iam__User **ret)
{
	struct store_val v;
	size_t n = strlen(user_id);
	const Iam__UserRecord *kept = (const Iam__UserRecord *)
		gen_cache_get(&users, c->d, c->d->generation, user_id, n);
	if (kept) {
		*ret = kept->user;
		return 0;
	}
	int r = store_get(t, STORE_DB_USER_IDS, user_id, n, &v);
	if (r < 0)
		return r;
	r = store_get(t, STORE_DB_USERS, v.data, v.len, &v);
	if (r < 0)
		return r;
	Iam__UserRecord *rec = iam__user_record__unpack(NULL, v.len, v.data);
	if (!rec)
		return -EIO;
	if (!rec->user || gen_cache_put(&users, c->d, c->d->generation, user_id, n,
					&rec->base) < 0) {
		iam__user_record__free_unpacked(rec, NULL);
		return -EIO;   /* ids are short: never too long to keep */
	}
	*ret = rec->user;
	return 0;
}

/* AccessKeyLastUsed, at most once a minute per key (authn.h). */
static void key_touch(struct call *c, const struct authn_state *st)
{
	size_t h = 5381;
	for (const char *p = st->access_key_id; *p; p++)
		h = h * 33 + (unsigned char)*p;
	h %= LAST_USED_SLOTS;
	if (strcmp(last_used[h].id, st->access_key_id) == 0 &&
	    c->now - last_used[h].at < LAST_USED_EVERY && c->now >= last_used[h].at)
		return;
	struct store_txn *t = c->txn;
	bool own = !t || !store_txn_is_write(t);
	Iam__AccessKeyRecord *k;
	uint8_t *buf = NULL;
	int r = own ? store_txn_begin(c->d->store, true, &t) : 0;
	if (r < 0)
		goto out;
	r = key_get(c, t, st->access_key_id, &k);
	if (r < 0)
		goto out;
	k->has_last_used_date = true;
	k->last_used_date = c->now;
	k->last_used_service = (char *)st->service;
	k->last_used_region = (char *)st->region;
	size_t n = iam__access_key_record__get_packed_size(k);
	buf = arena_alloc(c->arena, n ? n : 1);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	iam__access_key_record__pack(k, buf);
	r = store_put(t, STORE_DB_ACCESS_KEYS, st->access_key_id,
		      strlen(st->access_key_id), buf, n, 0);
	if (r >= 0 && own) {
		r = store_txn_commit(t);
		t = NULL;
	}
out:
	if (own)
		store_txn_abort(t);
	if (r < 0) {
		iamd_log_call(LOG_WARNING, c, "access key %s: cannot record its last use: %s",
			      st->access_key_id, strerror(-r));
		return;
	}
	snprintf(last_used[h].id, sizeof(last_used[h].id), "%s", st->access_key_id);
	last_used[h].at = c->now;
}

/* The session's claims (copied into the call's arena) as the caller. */
static int caller_session(struct call *c, const struct authn_state *st,
			  const Keyd__SessionClaims *claims)
{
	size_t n = keyd__session_claims__get_packed_size(claims);
	uint8_t *buf = arena_alloc(c->arena, n ? n : 1);
	if (!buf)
		return call_fail(c, -ENOMEM, "ServiceFailure", NULL);
	keyd__session_claims__pack(claims, buf);
	Keyd__SessionClaims *copy = keyd__session_claims__unpack(&c->pb, n, buf);
	if (!copy || !copy->access_key_id || strcmp(copy->access_key_id, st->access_key_id) != 0 ||
	    !copy->account || !copy->principal_arn) {
		iamd_log_call(LOG_WARNING, c, "session token of %s holds other claims",
			      st->access_key_id);
		return invalid_token(c);
	}
	c->caller.kind = CALLER_SESSION;
	/* GetSessionToken credentials act as their user or root (within the
	 * limits of sts_session.h) */
	if (copy->has_kind && copy->kind == KEYD__SESSION_KIND__SESSION_TOKEN)
		c->caller.kind = copy->session_name && *copy->session_name ? CALLER_USER
									    : CALLER_ROOT;
	c->caller.account_id = copy->account;
	c->caller.arn = copy->principal_arn;
	c->caller.user_id = copy->principal_id;
	c->caller.user_name = copy->session_name;
	c->caller.session = copy;
	c->caller.access_key_id = st->access_key_id;
	return CALL_PROCEED;
}

/* The long-term key's owner as the caller (read again: the key may have
 * been deactivated or deleted while keyd checked). In the call's fresh
 * transaction, or a read transaction of its own for an op without one. */
/* The key's owner becomes the caller: the key is read in `txn` (else the
 * call's transaction, else one of its own), unless `key` is that record,
 * read in the same turn of the event loop (nothing can have changed it). */
static int caller_key_owner_in(struct call *c, const struct authn_state *st,
			       struct store_txn *txn, Iam__AccessKeyRecord *key, bool touch)
{
	struct store_txn *t = txn ? txn : c->txn;
	Iam__AccessKeyRecord *k = key;
	const Iam__User *u = NULL;
	int r = t ? 0 : store_txn_begin(c->d->store, false, &t);
	if (r < 0)
		return call_fail(c, r, "ServiceFailure", NULL);
	if (!k)
		r = key_get(c, t, st->access_key_id, &k);
	if (r == 0 && (!k->status || strcmp(k->status, "Active") != 0))
		r = -ENOENT;
	bool root = r == 0 && k->owner_id && k->account_id &&
		    strcmp(k->owner_id, k->account_id) == 0;
	if (r == 0 && !root)
		r = k->owner_id ? user_by_id(c, t, k->owner_id, &u) : -ENOENT;
	if (t != c->txn && t != txn)
		store_txn_abort(t);
	if (r == -ENOENT)
		return invalid_token(c);
	if (r < 0)
		return call_fail(c, r, "ServiceFailure", NULL);
	/* a copy: `k` may be a kept one (gen_cache.h), as `u` below */
	c->caller.account_id = k->account_id ? arena_strdup(c->arena, k->account_id) : NULL;
	if (k->account_id && !c->caller.account_id)
		return call_fail(c, -ENOMEM, "ServiceFailure", NULL);
	c->caller.access_key_id = st->access_key_id;
	if (root) {
		c->caller.kind = CALLER_ROOT;
		c->caller.arn = arena_printf(c->arena, "arn:aws:iam::%s:root", k->account_id);
		c->caller.user_id = c->caller.account_id;
		c->caller.user_name = NULL;
	} else {
		/* copies: a kept record may be replaced (and freed) by another
		 * call while this one waits for keyd (gen_cache.h) */
		c->caller.kind = CALLER_USER;
		c->caller.arn = u->arn ? arena_strdup(c->arena, u->arn) : NULL;
		c->caller.user_id = u->user_id ? arena_strdup(c->arena, u->user_id) : NULL;
		c->caller.user_name = u->user_name ? arena_strdup(c->arena, u->user_name) : NULL;
		if ((u->user_id && !c->caller.user_id) || (u->user_name && !c->caller.user_name))
			return call_fail(c, -ENOMEM, "ServiceFailure", NULL);
	}
	if (!c->caller.arn)
		return call_fail(c, -ENOMEM, "ServiceFailure", NULL);
	if (touch)
		key_touch(c, st);
	return CALL_PROCEED;
}

static int caller_key_owner(struct call *c, const struct authn_state *st, bool touch)
{
	return caller_key_owner_in(c, st, NULL, NULL, touch);
}

/* keyd's refusal of the credentials themselves (not of the signature):
 * the AWS error, or 0 when keyd answered OK. */
static int verify_refused(struct call *c, const struct authn_state *st,
			  const struct keyd_reply *rep)
{
	if (rep->err)
		return call_keyd_fail(c, rep);
	switch (rep->code) {
	case KEYD__CODE__OK:
		return 0;
	case KEYD__CODE__EXPIRED_TOKEN:
		return fail(c, -EACCES, "ExpiredToken", MSG_EXPIRED_TOKEN);
	case KEYD__CODE__INVALID_TOKEN:
	case KEYD__CODE__UNKNOWN_KEY_VERSION:
		iamd_log_call(LOG_NOTICE, c, "%s: keyd refused the credentials of %s (code %d)",
			      c->op->name, st->access_key_id, (int)rep->code);
		return invalid_token(c);
	default:
		return call_keyd_fail(c, rep);
	}
}

static int mismatch(struct call *c, const struct authn_state *st)
{
	iamd_log_call(LOG_NOTICE, c, "%s: signature of %s does not match", c->op->name,
		      st->access_key_id);
	return fail(c, -EACCES, SIGV4_E_MISMATCH, SIGV4_MSG_MISMATCH);
}

static int verify_resume(struct call *c, void *state, const struct keyd_reply *rep,
			 ProtobufCMessage **ret_resp)
{
	const struct authn_state *st = state;
	int r = verify_refused(c, st, rep);
	(void)ret_resp;
	if (r < 0)
		return r;
	const Keyd__VerifySigV4Response *v = (const Keyd__VerifySigV4Response *)rep->result;
	if (!v || !v->valid)
		return mismatch(c, st);
	if (st->session)
		return v->claims ? caller_session(c, st, v->claims)
				 : invalid_token(c);
	return caller_key_owner(c, st, true);
}

/* Long-term keys SigV4 looks up, kept (gen_cache.h): UpdateAccessKey,
 * DeleteAccessKey and DeleteUser bump the generation. AccessKeyLastUsed
 * (key_touch) commits without a bump, so a kept copy's last-used fields may
 * be old: key_touch reads the store, never this. A call that waits for
 * keyd copies what it keeps (caller_key_owner_in). */
static struct gen_cache_slot key_slots[64];
static struct gen_cache keys = GEN_CACHE_INIT(key_slots);

static int key_get_kept(struct call *c, struct store_txn *t, const char *id,
			Iam__AccessKeyRecord **ret)
{
	struct store_val v;
	size_t n = strlen(id);
	Iam__AccessKeyRecord *kept = (Iam__AccessKeyRecord *)
		gen_cache_get(&keys, c->d, c->d->generation, id, n);
	if (kept) {
		*ret = kept;
		return 0;
	}
	int r = store_get(t, STORE_DB_ACCESS_KEYS, id, n, &v);
	if (r < 0)
		return r;
	Iam__AccessKeyRecord *k = iam__access_key_record__unpack(NULL, v.len, v.data);
	if (!k)
		return -EIO;
	if (gen_cache_put(&keys, c->d, c->d->generation, id, n, &k->base) < 0) {
		iam__access_key_record__free_unpacked(k, NULL);
		return -EIO;   /* never: verify_start caps ids at MAX_KEY_ID */
	}
	*ret = k;
	return 0;
}

/* The stored record of an active long-term key, read in `t` (or kept,
 * key_get_kept()); else the call fails with the InvalidClientTokenId of an
 * unknown or inactive key. */
static int key_active(struct call *c, struct store_txn *t, const char *id,
		      Iam__AccessKeyRecord **ret)
{
	Iam__AccessKeyRecord *k;
	int r = key_get_kept(c, t, id, &k);
	if (r == -ENOENT || (r == 0 && (!k->status || strcmp(k->status, "Active") != 0)))
		return invalid_token(c);
	if (r < 0)
		return call_fail(c, r, "ServiceFailure", NULL);
	*ret = k;
	return 0;
}

static int verify_start(struct call *c, const struct sigv4_authz *pz, const char *amz_date,
			const char *security_token, const char *service,
			const char creq_hash[SIGV4_HEX_LEN + 1], bool may_defer);

int authn_sigv4_start(struct call *c, const Iam__SigV4Auth *auth, const uint8_t *body,
		      size_t len)
{
	struct sigv4_api_call call = { 0 };
	struct sigv4_authz az;
	struct sigv4_error e = { 0 };
	char hash[SIGV4_HEX_LEN + 1], creq_hash[SIGV4_HEX_LEN + 1], service[CALL_SERVICE_MAX];
	const uint8_t *op_bytes;
	size_t op_len;
	int r;

	if (!auth->authorization || !*auth->authorization)
		return fail(c, -EACCES, SIGV4_E_MISSING, MSG_MISSING);
	if (authn_op_bytes(body, len, c->op->number, &op_bytes, &op_len) < 0)
		return fail(c, -EINVAL, SIGV4_E_INCOMPLETE,
			    "A signed request holds its credentials and one operation, each once.");
	call_service(c, service);
	sigv4_sha256_hex(op_bytes, op_len, hash);
	call.action = c->op->name;
	call.amz_date = auth->amz_date;
	call.security_token = auth->security_token && *auth->security_token ?
			      auth->security_token : NULL;
	call.payload_hash = hash;
	r = sigv4_api_prepare(c->arena, auth->authorization, &call, c->now, service, &az,
			      creq_hash, &e);
	if (r < 0)
		return fail_sigv4(c, r, &e);
	return verify_start(c, &az, call.amz_date, call.security_token, service, creq_hash, true);
}

/* The deferred path (authn.h): the key's owner becomes the caller as
 * claimed, the VerifySigV4 request is kept (copied into the arena: its
 * bytes live on the stack). */
static int defer(struct call *c, struct authn_state *st, const Keyd__VerifySigV4Request *v,
		 struct store_txn *t, Iam__AccessKeyRecord *key)
{
	Keyd__VerifySigV4Request *k = arena_alloc(c->arena, sizeof(*k));
	uint8_t *bytes = arena_alloc(c->arena, 64);
	if (!k || !bytes)
		return call_fail(c, -ENOMEM, "ServiceFailure", NULL);
	*k = *v;
	memcpy(bytes, v->canonical_request_sha256.data, 32);
	memcpy(bytes + 32, v->signature.data, 32);
	k->canonical_request_sha256.data = bytes;
	k->signature.data = bytes + 32;
	st->verify = k;
	st->before = c->caller;
	st->claimed_gen = c->d->generation;
	int r = caller_key_owner_in(c, st, t, key, false);
	if (r != CALL_PROCEED) {
		c->caller = st->before;
		return r;
	}
	c->authn_deferred = st;
	return CALL_PROCEED;
}

int authn_verify_deferred(struct call *c)
{
	struct authn_state *st = c->authn_deferred;
	if (!st)
		return call_fail(c, -EINVAL, "ServiceFailure", NULL);
	c->authn_deferred = NULL;
	c->caller = st->before;
	return call_keyd(c, KEYD__REQUEST__OP_VERIFY_SIGV4, &st->verify->base, verify_resume, st);
}

static int mint_resume(struct call *c, void *state, const struct keyd_reply *rep,
		       ProtobufCMessage **ret_resp)
{
	struct authn_mint *m = state;
	struct authn_state *st = m->st;
	struct caller claimed = c->caller;
	c->caller = st->before;   /* until the signature is proven */
	int r = verify_refused(c, st, rep);
	if (r < 0)
		return r;
	const Keyd__VerifyAndMintResponse *v = (const Keyd__VerifyAndMintResponse *)rep->result;
	if (!v || !v->valid)
		return mismatch(c, st);
	if (!v->minted) {
		iamd_log_call(LOG_ERR, c, "%s: keyd answered VerifyAndMint without credentials",
			      c->op->name);
		return call_fail(c, -EIO, "ServiceFailure", NULL);
	}
	/* proven: the key is read again (deactivated or deleted meanwhile?)
	 * unless nothing was committed since it was read (every committed
	 * write bumps the generation, iamd.h), its last use recorded, and the
	 * op's resume gets MintSession's answer */
	if (c->d->generation == st->claimed_gen) {
		c->caller = claimed;
		key_touch(c, st);
	} else {
		r = caller_key_owner(c, st, true);
		if (r != CALL_PROCEED)
			return r;
	}
	if (strcmp(c->caller.arn, claimed.arn) != 0 ||
	    strcmp(c->caller.account_id, claimed.account_id) != 0) {
		iamd_log_call(LOG_NOTICE, c, "%s: the owner of %s changed while keyd checked",
			      c->op->name, st->access_key_id);
		c->caller = st->before;
		return invalid_token(c);
	}
	iamd_log_call(LOG_DEBUG, c, "%s: signature of %s verified and session minted in one "
		      "keyd request (VerifyAndMint)", c->op->name, st->access_key_id);
	struct keyd_reply minted = { .err = 0, .code = KEYD__CODE__OK,
				     .result = &v->minted->base };
	return m->resume(c, m->state, &minted, ret_resp);
}

int authn_mint(struct call *c, const Keyd__SessionClaims *claims, call_resume_fn resume,
	       void *state)
{
	struct authn_state *st = c->authn_deferred;
	if (!st) {
		Keyd__MintSessionRequest kr = KEYD__MINT_SESSION_REQUEST__INIT;
		kr.claims = (Keyd__SessionClaims *)claims;
		return call_keyd(c, KEYD__REQUEST__OP_MINT_SESSION, &kr.base, resume, state);
	}
	struct authn_mint *m = arena_alloc(c->arena, sizeof(*m));
	if (!m)
		return call_fail(c, -ENOMEM, "ServiceFailure", NULL);
	m->st = st;
	m->resume = resume;
	m->state = state;
	Keyd__VerifyAndMintRequest kr = KEYD__VERIFY_AND_MINT_REQUEST__INIT;
	kr.verify = st->verify;
	kr.claims = (Keyd__SessionClaims *)claims;
	int r = call_keyd(c, KEYD__REQUEST__OP_VERIFY_AND_MINT, &kr.base, mint_resume, m);
	if (r == CALL_PENDING)
		c->authn_deferred = NULL;   /* keyd proves it, or mints nothing */
	return r;
}

/* The signature of a prepared request goes to keyd: the key looked up, its
 * session token or key version attached (shared by api-socket and HTTP
 * calls). */
static int verify_start(struct call *c, const struct sigv4_authz *pz, const char *amz_date,
			const char *security_token, const char *service,
			const char creq_hash[SIGV4_HEX_LEN + 1], bool may_defer)
{
	struct sigv4_authz az = *pz;
	struct { const char *amz_date, *security_token; } call = { amz_date, security_token };
	uint8_t creq_bin[32], sig_bin[32];
	int r;

	if (unhex32(az.signature, sig_bin) < 0)
		return fail(c, -EACCES, SIGV4_E_MISMATCH, SIGV4_MSG_MISMATCH);
	unhex32(creq_hash, creq_bin);

	struct authn_state *st = arena_zalloc(c->arena, sizeof(*st));
	if (!st)
		return call_fail(c, -ENOMEM, "ServiceFailure", NULL);
	st->access_key_id = az.access_key_id;
	st->service = arena_strdup(c->arena, service);
	st->region = az.region;
	Keyd__VerifySigV4Request v = KEYD__VERIFY_SIG_V4_REQUEST__INIT;
	v.access_key_id = (char *)az.access_key_id;
	v.amz_date = (char *)call.amz_date;
	v.date = (char *)az.date;
	v.region = (char *)az.region;
	v.service = (char *)az.service;
	v.has_canonical_request_sha256 = true;
	v.canonical_request_sha256.data = creq_bin;
	v.canonical_request_sha256.len = sizeof(creq_bin);
	v.has_signature = true;
	v.signature.data = sig_bin;
	v.signature.len = sizeof(sig_bin);
	if (strlen(az.access_key_id) > MAX_KEY_ID)
		return invalid_token(c);
	if (strncmp(az.access_key_id, "ASIA", 4) == 0) {
		if (!call.security_token)
			return invalid_token(c);
		st->session = true;
		v.session_token = (char *)call.security_token;
	} else if (strncmp(az.access_key_id, "AKIA", 4) == 0 && !call.security_token) {
		/* one read transaction for the key and, when deferred, its owner */
		struct store_txn *t = NULL;
		Iam__AccessKeyRecord *key = NULL;
		r = store_txn_begin(c->d->store, false, &t);
		if (r < 0)
			return call_fail(c, r, "ServiceFailure", NULL);
		bool deferred = false;
		r = key_active(c, t, az.access_key_id, &key);
		if (r == 0) {
			v.has_key_version = true;
			v.key_version = key->key_version;
			if (may_defer && (c->op->number == IAM__REQUEST__OP_ASSUME_ROLE ||
					  c->op->number == IAM__REQUEST__OP_GET_SESSION_TOKEN)) {
				deferred = true;
				r = defer(c, st, &v, t, key);
			}
		}
		store_txn_abort(t);
		if (r < 0 || deferred)
			return r;
	} else {
		return invalid_token(c);
	}
	return call_keyd(c, KEYD__REQUEST__OP_VERIFY_SIGV4, &v.base, verify_resume, st);
}

int authn_sigv4_http_start(struct call *c, const char *service, const char *authorization,
			   const char *amz_date, const char *security_token,
			   const struct sigv4_request *req)
{
	const char *services[] = { service, NULL };
	struct sigv4_authz az;
	struct sigv4_error e = { 0 };
	char creq_hash[SIGV4_HEX_LEN + 1];
	char *creq;
	size_t creq_len;
	int r;

	if (!authorization || !*authorization)
		return fail(c, -EACCES, SIGV4_E_MISSING, MSG_MISSING);
	r = sigv4_authz_parse(c->arena, authorization, strlen(authorization),
			      amz_date && *amz_date, &az, &e);
	if (r < 0)
		return fail_sigv4(c, r, &e);
	r = sigv4_authz_check(c->arena, &az, amz_date, c->now, services, &e);
	if (r < 0)
		return fail_sigv4(c, r, &e);
	r = sigv4_canonical_request(c->arena, req, az.headers, az.n_headers, &creq, &creq_len, &e);
	if (r < 0)
		return fail_sigv4(c, r, &e);
	sigv4_sha256_hex(creq, creq_len, creq_hash);
	return verify_start(c, &az, amz_date,
			    security_token && *security_token ? security_token : NULL,
			    service, creq_hash, true);
}
