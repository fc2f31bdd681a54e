/* keyd_answer: the op table and its handlers (keyd.h). Like OpenSSH's
 * monitor: a static table {op, name, max_len, handler}; the frame's op is
 * read from the wire and its cap checked before anything is decoded; every
 * typed field is validated; keyd builds what it signs or seals from those
 * fields (claims are copied field by field, so unknown fields never reach
 * a token). A handler answers 0 with its result, a Keyd__Code (> 0) with
 * x->msg for a refusal, or a negative errno for keyd's own failure. */
#include "config.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>
#include <time.h>

#include "keyd.h"
#include "rpc/rpc.h"
#include "util/arena.h"
#include "util/id.h"

#define CAP_SMALL 512u
#define CAP_ECHO (4096u + 64u)
#define ECHO_MAX 4096u
#define CAP_TOKEN (48u * 1024)
#define CAP_PASSWORD 4096u

typedef int (*keyd_handler_fn)(struct keyd_req *x, const ProtobufCMessage *req,
			       ProtobufCMessage **ret);

struct keyd_op {
	uint32_t number;                     /* Request.op field == Response.result field */
	const char *name;
	uint32_t max_len;                    /* cap on the request frame */
	keyd_handler_fn handler;
};

static int64_t clock_real(void)
{
	return (int64_t)time(NULL);
}

static int64_t (*clock_now)(void) = clock_real;
static struct keyd_sigcache *sigcache;

/* Token nonces: keyed BLAKE2b(a random per-process key, a counter), so
 * unique and unpredictable without a getrandom() per token. The key lives
 * in sodium_malloc memory, wiped at exit. */
static struct nonce_state {
	uint8_t key[32];
	uint64_t counter;
} *nonces;

static int nonces_init(void)
{
	if (nonces)
		return 0;
	nonces = sodium_malloc(sizeof(*nonces));
	if (!nonces)
		return -ENOMEM;
	randombytes_buf(nonces->key, sizeof(nonces->key));
	nonces->counter = 0;
	return 0;
}

void keyd_nonce_new(uint8_t ret[KEYD_NONCE_LEN])
{
	if (nonces_init() < 0) {
		randombytes_buf(ret, KEYD_NONCE_LEN);
		return;
	}
	uint8_t ctr[8];
	uint64_t n = nonces->counter++;
	for (int i = 0; i < 8; i++)
		ctr[i] = (uint8_t)(n >> (8 * i));
	crypto_generichash(ret, KEYD_NONCE_LEN, ctr, sizeof(ctr), nonces->key,
			   sizeof(nonces->key));
}

int keyd_answer_init(void)
{
	int r = nonces_init();
	if (r == 0 && !sigcache)
		r = keyd_sigcache_new(&sigcache);
	return r;
}

void keyd_answer_fini(void)
{
	keyd_sigcache_free(sigcache);
	sigcache = NULL;
	if (nonces)
		sodium_free(nonces);
	nonces = NULL;
}

void keyd_answer_set_clock(int64_t (*now)(void))
{
	clock_now = now ? now : clock_real;
}

/* ---- field checks ---- */

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

bool keyd_str_max(const char *s, size_t max)
{
	return !s || strlen(s) <= max;
}

static bool scope_part_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.'))
			return false;
	}
	return true;
}

static bool amz_date_ok(const char *s)
{
	return s && strlen(s) == 16 && digits(s, 8) && s[8] == 'T' && digits(s + 9, 6) &&
	       s[15] == 'Z';
}

bool keyd_strv_ok(char *const *v, size_t n, size_t max_n, size_t max_len)
{
	if (n > max_n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!v[i] || strlen(v[i]) > max_len)
			return false;
	return true;
}

/* Validates session claims; NULL when they are fine, else the reason. */
static const char *claims_check(const Keyd__SessionClaims *c)
{
	if (!util_id_valid(c->access_key_id, UTIL_ID_TEMP_ACCESS_KEY))
		return "claims.access_key_id: an ASIA... id expected";
	if (!c->account || strlen(c->account) != 12 || !digits(c->account, 12))
		return "claims.account: 12 digits expected";
	if (!c->principal_arn || strncmp(c->principal_arn, "arn:", 4) != 0 ||
	    strlen(c->principal_arn) > 2048)
		return "claims.principal_arn: an ARN of at most 2048 bytes expected";
	if (!c->principal_id || !c->principal_id[0] || strlen(c->principal_id) > 512)
		return "claims.principal_id: 1 to 512 bytes expected";
	if (!keyd_str_max(c->role_arn, 2048) || !keyd_str_max(c->role_id, 128) ||
	    !keyd_str_max(c->source_user_arn, 2048))
		return "claims: role_arn, role_id or source_user_arn too long";
	if (!keyd_str_max(c->session_name, 64) || !keyd_str_max(c->source_identity, 256))
		return "claims: session_name or source_identity too long";
	if (!c->has_issued || !c->has_expires || c->issued <= 0 || c->expires <= c->issued ||
	    c->expires - c->issued > 129600)
		return "claims: issued < expires, at most 36 hours apart, expected";
	if (!keyd_str_max(c->session_policy, 20480))
		return "claims.session_policy: at most 20480 bytes";
	if (!keyd_strv_ok(c->policy_arns, c->n_policy_arns, 20, 2048))
		return "claims.policy_arns: at most 20 ARNs of 2048 bytes";
	if (!keyd_strv_ok(c->transitive_tag_keys, c->n_transitive_tag_keys, 64, 512))
		return "claims.transitive_tag_keys: at most 64 keys of 512 bytes";
	if (c->n_tags > 64)
		return "claims.tags: at most 64 tags";
	for (size_t i = 0; i < c->n_tags; i++)
		if (!c->tags[i] || !c->tags[i]->key || !c->tags[i]->value ||
		    strlen(c->tags[i]->key) > 512 || strlen(c->tags[i]->value) > 1024)
			return "claims.tags: each tag needs a key (512 bytes) and a value (1024 bytes)";
	if (!c->has_kind || (c->kind != KEYD__SESSION_KIND__ASSUMED_ROLE &&
			     c->kind != KEYD__SESSION_KIND__SESSION_TOKEN &&
			     c->kind != KEYD__SESSION_KIND__FEDERATED))
		return "claims.kind: assumed-role, session-token or federated expected";
	if (!keyd_str_max(c->host_systemd_unit, 256) || !keyd_str_max(c->host_invocation_id, 32) ||
	    !keyd_str_max(c->host_exe_path, 4096))
		return "claims: host_systemd_unit, host_invocation_id or host_exe_path too long";
	return NULL;
}

/* The claims keyd seals: known fields only, copied one by one. */
static Keyd__SessionClaims *claims_copy(struct keyd_req *x, const Keyd__SessionClaims *in)
{
	Keyd__SessionClaims *c = x_alloc(x, sizeof(*c));
	if (!c)
		return NULL;
	keyd__session_claims__init(c);
	c->access_key_id = in->access_key_id;
	c->account = in->account;
	c->principal_arn = in->principal_arn;
	c->principal_id = in->principal_id;
	c->role_arn = in->role_arn;
	c->role_id = in->role_id;
	c->session_name = in->session_name;
	c->has_issued = in->has_issued;
	c->issued = in->issued;
	c->has_expires = in->has_expires;
	c->expires = in->expires;
	c->session_policy = in->session_policy;
	c->n_policy_arns = in->n_policy_arns;
	c->policy_arns = in->policy_arns;
	c->n_transitive_tag_keys = in->n_transitive_tag_keys;
	c->transitive_tag_keys = in->transitive_tag_keys;
	c->source_identity = in->source_identity;
	c->has_mfa_present = in->has_mfa_present;
	c->mfa_present = in->mfa_present;
	c->has_chained = in->has_chained;
	c->chained = in->chained;
	c->has_kind = in->has_kind;
	c->kind = in->kind;
	c->source_user_arn = in->source_user_arn;
	c->has_mfa_auth_time = in->has_mfa_auth_time;
	c->mfa_auth_time = in->mfa_auth_time;
	/* host credentials: who the kernel said asked (iamd:GetCredentials) */
	c->host_systemd_unit = in->host_systemd_unit;
	c->host_invocation_id = in->host_invocation_id;
	c->has_host_uid = in->has_host_uid;
	c->host_uid = in->host_uid;
	c->has_host_gid = in->has_host_gid;
	c->host_gid = in->host_gid;
	c->host_exe_path = in->host_exe_path;
	if (in->n_tags) {
		c->tags = x_alloc(x, sizeof(*c->tags) * in->n_tags);
		if (!c->tags)
			return NULL;
		for (size_t i = 0; i < in->n_tags; i++) {
			Keyd__Tag *t = x_alloc(x, sizeof(*t));
			if (!t)
				return NULL;
			keyd__tag__init(t);
			t->key = in->tags[i]->key;
			t->value = in->tags[i]->value;
			c->tags[i] = t;
		}
		c->n_tags = in->n_tags;
	}
	return c;
}

/* Packs `m` (at most KEYD_SEALED_MAX_PLAIN bytes) and seals it with the
 * current key into arena memory. */
int keyd_seal_msg(struct keyd_req *x, enum keyd_seal_kind kind, const ProtobufCMessage *m,
		    const uint8_t nonce[KEYD_NONCE_LEN], char **ret)
{
	size_t len = protobuf_c_message_get_packed_size(m);
	if (len > KEYD_SEALED_MAX_PLAIN)
		return -E2BIG;
	uint8_t *plain = x_alloc(x, len + 1);
	size_t cap = keyd_sealed_b64_size(len);
	char *out = x_alloc(x, cap);
	if (!plain || !out)
		return -ENOMEM;
	protobuf_c_message_pack(m, plain);
	int r = keyd_seal(keyd_ring_current(x->ring), kind, plain, len, nonce, out, cap);
	if (r < 0)
		return r;
	*ret = out;
	return 0;
}

/* Opens a sealed text into a message of `desc`. A Keyd__Code for what the
 * peer sent, negative errno for keyd's failure. */
int keyd_open_msg(struct keyd_req *x, enum keyd_seal_kind kind, const char *text,
		    const ProtobufCMessageDescriptor *desc, ProtobufCMessage **ret,
		    uint32_t *ret_version, uint8_t nonce[KEYD_NONCE_LEN])
{
	size_t len = 0;
	size_t cap = text ? strlen(text) / 4 * 3 + 3 : 0;
	if (cap > KEYD_SEALED_MAX_PLAIN + 64)
		return refuse(x, KEYD__CODE__INVALID_TOKEN, "the token is too long");
	uint8_t *plain = arena_alloc(x->pb->allocator_data, cap + 1);
	if (!plain)
		return -ENOMEM;
	int r = keyd_open(x->ring, kind, text, plain, cap, &len, ret_version, nonce);
	if (r == -EBADMSG || r == -ENOKEY || r == -E2BIG)
		return refuse(x, KEYD__CODE__INVALID_TOKEN,
			      "the token is not one this keyd sealed");
	if (r < 0)
		return r;
	ProtobufCMessage *m = protobuf_c_message_unpack(desc, x->pb, len, plain);
	if (!m)
		return refuse(x, KEYD__CODE__INVALID_TOKEN, "the token's content does not decode");
	*ret = m;
	return 0;
}

/* ---- handlers: keyd_answer_<op> ---- */

static int keyd_answer_create_access_key(struct keyd_req *x, const ProtobufCMessage *m,
					 ProtobufCMessage **ret)
{
	const Keyd__CreateAccessKeyRequest *req = (const Keyd__CreateAccessKeyRequest *)m;
	Keyd__CreateAccessKeyResponse *resp = x_alloc(x, sizeof(*resp));
	if (!resp)
		return -ENOMEM;
	if (!util_id_valid(req->access_key_id, UTIL_ID_ACCESS_KEY))
		return refuse(x, KEYD__CODE__BAD_REQUEST, "access_key_id: an AKIA... id expected");
	const struct keyd_key *k = keyd_ring_current(x->ring);
	int r = keyd_access_key_secret(k, req->access_key_id, x->secret);
	if (r < 0)
		return r;
	keyd__create_access_key_response__init(resp);
	resp->secret_access_key = x->secret;
	resp->has_key_version = true;
	resp->key_version = k->version;
	*ret = &resp->base;
	return 0;
}

/* The fields of a VerifySigV4 request checked and the signature compared:
 * 0 with *ret_valid (and, for a session token that verifies, its claims),
 * a Keyd__Code refusal, or negative errno. */
static int verify_sig(struct keyd_req *x, const Keyd__VerifySigV4Request *req,
		      bool *ret_valid, Keyd__SessionClaims **ret_claims)
{
	Keyd__SessionClaims *claims = NULL;
	int r;
	if (!amz_date_ok(req->amz_date))
		return refuse(x, KEYD__CODE__BAD_REQUEST, "amz_date: YYYYMMDDTHHMMSSZ expected");
	if (!req->date || strlen(req->date) != 8 || !digits(req->date, 8))
		return refuse(x, KEYD__CODE__BAD_REQUEST, "date: YYYYMMDD expected");
	if (!scope_part_ok(req->region) || !scope_part_ok(req->service))
		return refuse(x, KEYD__CODE__BAD_REQUEST,
			      "region, service: 1 to 64 of [A-Za-z0-9._-] expected");
	if (!req->has_canonical_request_sha256 || req->canonical_request_sha256.len != 32 ||
	    !req->has_signature || req->signature.len != 32)
		return refuse(x, KEYD__CODE__BAD_REQUEST,
			      "canonical_request_sha256, signature: 32 bytes each expected");
	struct keyd_sigv4 in = {
		.amz_date = req->amz_date, .date = req->date, .region = req->region,
		.service = req->service, .creq_sha256 = req->canonical_request_sha256.data,
	};
	const struct keyd_key *k;
	uint8_t nonce[KEYD_NONCE_LEN];
	if (req->session_token) {
		uint32_t version;
		if (req->has_key_version)
			return refuse(x, KEYD__CODE__BAD_REQUEST,
				      "key_version and session_token are exclusive");
		if (!util_id_valid(req->access_key_id, UTIL_ID_TEMP_ACCESS_KEY))
			return refuse(x, KEYD__CODE__INVALID_TOKEN,
				      "access_key_id: an ASIA... id expected with a session token");
		r = keyd_open_msg(x, KEYD_SEAL_SESSION, req->session_token,
			     &keyd__session_claims__descriptor, (ProtobufCMessage **)&claims,
			     &version, nonce);
		if (r != 0)
			return r;
		if (!claims->access_key_id || strcmp(claims->access_key_id, req->access_key_id) != 0)
			return refuse(x, KEYD__CODE__INVALID_TOKEN,
				      "the token belongs to another access key id");
		if (!claims->has_expires || x->now >= claims->expires)
			return refuse(x, KEYD__CODE__EXPIRED_TOKEN, "the token has expired");
		k = keyd_ring_find(x->ring, version);
	} else {
		if (!req->has_key_version)
			return refuse(x, KEYD__CODE__BAD_REQUEST,
				      "key_version or session_token expected");
		if (!util_id_valid(req->access_key_id, UTIL_ID_ACCESS_KEY))
			return refuse(x, KEYD__CODE__BAD_REQUEST,
				      "access_key_id: an AKIA... id expected");
		k = keyd_ring_find(x->ring, req->key_version);
		if (!k)
			return refuse(x, KEYD__CODE__UNKNOWN_KEY_VERSION,
				      "this keyd does not hold that master key version");
	}
	bool valid = false;
	r = keyd_sigv4_verify_cached(x->cache, k, req->access_key_id,
				     claims ? nonce : NULL, &in, req->signature.data, &valid);
	if (r < 0)
		return r;
	*ret_valid = valid;
	*ret_claims = valid ? claims : NULL;
	return 0;
}

static int keyd_answer_verify_sigv4(struct keyd_req *x, const ProtobufCMessage *m,
				    ProtobufCMessage **ret)
{
	const Keyd__VerifySigV4Request *req = (const Keyd__VerifySigV4Request *)m;
	Keyd__VerifySigV4Response *resp = x_alloc(x, sizeof(*resp));
	Keyd__SessionClaims *claims = NULL;
	bool valid = false;
	if (!resp)
		return -ENOMEM;
	keyd__verify_sig_v4_response__init(resp);
	int r = verify_sig(x, req, &valid, &claims);
	if (r != 0)
		return r;
	resp->has_valid = true;
	resp->valid = valid;
	if (claims && !(resp->claims = claims_copy(x, claims)))
		return -ENOMEM;
	*ret = &resp->base;
	return 0;
}

/* A session from checked claims: the token sealed with the current key,
 * its secret in x->secret. A Keyd__Code refusal or negative errno. */
static int mint(struct keyd_req *x, const Keyd__SessionClaims *claims,
		Keyd__MintSessionResponse **ret)
{
	Keyd__MintSessionResponse *resp = x_alloc(x, sizeof(*resp));
	uint8_t nonce[KEYD_NONCE_LEN];
	if (!resp)
		return -ENOMEM;
	if (!claims)
		return refuse(x, KEYD__CODE__BAD_REQUEST, "claims: required");
	const char *why = claims_check(claims);
	if (why)
		return refuse(x, KEYD__CODE__BAD_REQUEST, why);
	Keyd__SessionClaims *c = claims_copy(x, claims);
	if (!c)
		return -ENOMEM;
	const struct keyd_key *k = keyd_ring_current(x->ring);
	keyd__mint_session_response__init(resp);
	keyd_nonce_new(nonce);
	int r = keyd_seal_msg(x, KEYD_SEAL_SESSION, &c->base, nonce, &resp->session_token);
	if (r == -E2BIG)
		return refuse(x, KEYD__CODE__BAD_REQUEST, "claims: too large to seal");
	if (r < 0)
		return r;
	r = keyd_session_secret(k, nonce, c->access_key_id, x->secret);
	if (r < 0)
		return r;
	resp->secret_access_key = x->secret;
	resp->has_key_version = true;
	resp->key_version = k->version;
	*ret = resp;
	return 0;
}

static int keyd_answer_mint_session(struct keyd_req *x, const ProtobufCMessage *m,
				    ProtobufCMessage **ret)
{
	const Keyd__MintSessionRequest *req = (const Keyd__MintSessionRequest *)m;
	Keyd__MintSessionResponse *resp = NULL;
	int r = mint(x, req->claims, &resp);
	if (r != 0)
		return r;
	*ret = &resp->base;
	return 0;
}

/* VerifySigV4 of a long-term key, then MintSession only if it verified
 * (proto/keyd.proto): the signature is judged before the claims. */
static int keyd_answer_verify_and_mint(struct keyd_req *x, const ProtobufCMessage *m,
				       ProtobufCMessage **ret)
{
	const Keyd__VerifyAndMintRequest *req = (const Keyd__VerifyAndMintRequest *)m;
	Keyd__VerifyAndMintResponse *resp = x_alloc(x, sizeof(*resp));
	Keyd__SessionClaims *none = NULL;
	bool valid = false;
	if (!resp)
		return -ENOMEM;
	if (!req->verify)
		return refuse(x, KEYD__CODE__BAD_REQUEST, "verify: required");
	if (req->verify->session_token)
		return refuse(x, KEYD__CODE__BAD_REQUEST,
			      "verify.session_token: a long-term access key only");
	int r = verify_sig(x, req->verify, &valid, &none);
	if (r != 0)
		return r;
	keyd__verify_and_mint_response__init(resp);
	resp->has_valid = true;
	resp->valid = valid;
	if (valid && (r = mint(x, req->claims, &resp->minted)) != 0)
		return r;
	*ret = &resp->base;
	return 0;
}

static int keyd_answer_open_session(struct keyd_req *x, const ProtobufCMessage *m,
				    ProtobufCMessage **ret)
{
	const Keyd__OpenSessionRequest *req = (const Keyd__OpenSessionRequest *)m;
	Keyd__OpenSessionResponse *resp = x_alloc(x, sizeof(*resp));
	Keyd__SessionClaims *claims = NULL;
	uint8_t nonce[KEYD_NONCE_LEN];
	uint32_t version;
	if (!resp)
		return -ENOMEM;
	if (!req->session_token)
		return refuse(x, KEYD__CODE__BAD_REQUEST, "session_token: required");
	int r = keyd_open_msg(x, KEYD_SEAL_SESSION, req->session_token,
			 &keyd__session_claims__descriptor, (ProtobufCMessage **)&claims,
			 &version, nonce);
	if (r != 0)
		return r;
	if (!claims->has_expires || x->now >= claims->expires)
		return refuse(x, KEYD__CODE__EXPIRED_TOKEN, "the token has expired");
	keyd__open_session_response__init(resp);
	resp->claims = claims_copy(x, claims);
	resp->has_key_version = true;
	resp->key_version = version;
	if (!resp->claims)
		return -ENOMEM;
	*ret = &resp->base;
	return 0;
}

static int keyd_answer_echo(struct keyd_req *x, const ProtobufCMessage *m,
			    ProtobufCMessage **ret)
{
	const Keyd__EchoRequest *req = (const Keyd__EchoRequest *)m;
	Keyd__EchoResponse *resp = x_alloc(x, sizeof(*resp));
	if (!resp)
		return -ENOMEM;
	if (req->has_data && req->data.len > ECHO_MAX)
		return refuse(x, KEYD__CODE__BAD_REQUEST, "data: at most 4096 bytes");
	keyd__echo_response__init(resp);
	resp->has_data = req->has_data;
	resp->data = req->data;
	*ret = &resp->base;
	return 0;
}

static const struct keyd_op keyd_ops[] = {
	{ KEYD__REQUEST__OP_HELLO, "Hello", CAP_SMALL, NULL },
	{ KEYD__REQUEST__OP_CREATE_ACCESS_KEY, "CreateAccessKey", CAP_SMALL,
	  keyd_answer_create_access_key },
	{ KEYD__REQUEST__OP_VERIFY_SIGV4, "VerifySigV4", CAP_TOKEN, keyd_answer_verify_sigv4 },
	{ KEYD__REQUEST__OP_MINT_SESSION, "MintSession", 40u * 1024, keyd_answer_mint_session },
	{ KEYD__REQUEST__OP_OPEN_SESSION, "OpenSession", CAP_TOKEN, keyd_answer_open_session },
	{ KEYD__REQUEST__OP_SEAL_AUTHORIZATION_MESSAGE, "SealAuthorizationMessage", 40u * 1024,
	  keyd_answer_seal_authorization_message },
	{ KEYD__REQUEST__OP_OPEN_AUTHORIZATION_MESSAGE, "OpenAuthorizationMessage",
	  KEYD_MAX_FRAME, keyd_answer_open_authorization_message },
	{ KEYD__REQUEST__OP_ECHO, "Echo", CAP_ECHO, keyd_answer_echo },
	{ KEYD__REQUEST__OP_GET_AUDIT_PUBLIC_KEY, "GetAuditPublicKey", CAP_SMALL,
	  keyd_answer_get_audit_public_key },
	{ KEYD__REQUEST__OP_SIGN_AUDIT_DIGEST, "SignAuditDigest", 32u * 1024,
	  keyd_answer_sign_audit_digest },
	{ KEYD__REQUEST__OP_VERIFY_AND_MINT, "VerifyAndMint", 40u * 1024,
	  keyd_answer_verify_and_mint },
	{ KEYD__REQUEST__OP_CREATE_MFA_SEED, "CreateMfaSeed", CAP_SMALL,
	  keyd_answer_create_mfa_seed },
	{ KEYD__REQUEST__OP_VERIFY_TOTP, "VerifyTotp", CAP_SMALL, keyd_answer_verify_totp },
	/* two passwords of 256 bytes, a hash, 24 history entries of 60 bytes */
	{ KEYD__REQUEST__OP_HASH_PASSWORD, "HashPassword", CAP_PASSWORD,
	  keyd_answer_hash_password },
	{ KEYD__REQUEST__OP_VERIFY_PASSWORD, "VerifyPassword", CAP_SMALL,
	  keyd_answer_verify_password },
};

static const struct keyd_op *op_find(uint32_t number)
{
	for (size_t i = 0; i < sizeof(keyd_ops) / sizeof(keyd_ops[0]); i++)
		if (keyd_ops[i].number == number)
			return &keyd_ops[i];
	return NULL;
}

/* ---- framing ---- */

int keyd_request_peek_op(const uint8_t *p, size_t len, uint32_t *ret_op)
{
	const uint8_t *end = p + len;
	uint32_t op = 0;
	while (p < end) {
		uint64_t tag, v;
		p = rpc_varint_get(p, end, &tag);
		if (!p)
			return -EBADMSG;
		uint64_t field = tag >> 3;
		unsigned wt = (unsigned)(tag & 7);
		if (field == 1 && wt == 0) {
			p = rpc_varint_get(p, end, &v);
		} else if (field > 1 && field < (1u << 29) && wt == 2) {
			p = rpc_varint_get(p, end, &v);
			if (!p || v > (uint64_t)(end - p) || (op && op != field))
				return -EBADMSG;
			p += v;
			op = (uint32_t)field;
		} else {
			return -EBADMSG;
		}
		if (!p)
			return -EBADMSG;
	}
	if (!op)
		return -EBADMSG;
	*ret_op = op;
	return 0;
}

static void *pb_alloc(void *data, size_t size)
{
	return arena_alloc(data, size);
}

static void pb_free(void *data, void *p)
{
	(void)data;
	(void)p;
}

static int answer_hello(const struct keyd_ring *ring, const Keyd__Request *req,
			struct rpc_buf *out)
{
	Keyd__HelloResponse hello = KEYD__HELLO_RESPONSE__INIT;
	char server[] = "iam-keyd/" PACKAGE_VERSION;
	hello.has_version = true;
	hello.version = KEYD_PROTOCOL_VERSION;
	hello.server = server;
	hello.has_key_version = true;
	hello.key_version = keyd_ring_current(ring)->version;
	return rpc_frame_pack_response(out, req->id, NULL, NULL, KEYD__RESPONSE__RESULT_HELLO,
				       &hello.base);
}

static int answer_op(const struct keyd_ring *ring, struct keyd_session *s,
		     ProtobufCAllocator *pb, const Keyd__Request *req, const struct keyd_op *op,
		     struct rpc_buf *out)
{
	struct keyd_req x = { .ring = ring, .s = s, .pb = pb, .now = clock_now() };
	if (!sigcache && keyd_sigcache_new(&sigcache) < 0)
		sigcache = NULL;   /* derived every time */
	x.cache = sigcache;
	Keyd__Status status = KEYD__STATUS__INIT;
	ProtobufCMessage *result = NULL;
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field(&keyd__request__descriptor, op->number);
	const ProtobufCMessage *msg = f ? *(ProtobufCMessage **)((char *)req + f->offset) : NULL;
	if (!msg)
		return -EBADMSG;
	int r = op->handler(&x, msg, &result);
	if (r != 0) {
		result = NULL;
		status.has_code = true;
		if (r > 0) {
			status.code = (Keyd__Code)r;
			status.message = (char *)x.msg;
		} else {
			status.code = KEYD__CODE__INTERNAL;
			status.message = (char *)"keyd could not answer";
			keyd_log(LOG_ERR, "%s: %s", op->name, strerror(-r));
		}
	}
	r = rpc_frame_pack_response(out, req->id, result ? NULL : &status.base, NULL,
				    op->number, result);
	sodium_memzero(x.secret, sizeof(x.secret));
	return r;
}

int keyd_answer_frame(const struct keyd_ring *ring, struct keyd_session *s,
		      const uint8_t *body, size_t len, struct rpc_buf *out)
{
	ProtobufCAllocator pb = { .alloc = pb_alloc, .free = pb_free,
				  .allocator_data = s->arena };
	Keyd__Request *req = NULL;
	uint32_t number = 0;
	const struct keyd_op *op = NULL;
	int r = keyd_request_peek_op(body, len, &number);
	if (r == 0 && !(op = op_find(number))) {
		keyd_log_limited(LOG_WARNING, "uid %u pid %d: unknown op %u; closing",
				 (unsigned)s->uid, (int)s->pid, number);
		r = -EOPNOTSUPP;
		goto out;
	}
	if (r == 0 && len > op->max_len) {
		keyd_log_limited(LOG_WARNING, "uid %u pid %d: %s of %zu bytes above its cap of %u; closing",
				 (unsigned)s->uid, (int)s->pid, op->name, len, op->max_len);
		r = -EMSGSIZE;
		goto out;
	}
	if (r == 0)
		r = rpc_msg_unpack(&keyd__request__descriptor, &pb, body, len,
				   (ProtobufCMessage **)&req);
	if (r < 0) {
		keyd_log_limited(LOG_WARNING, "uid %u pid %d: malformed request (%zu bytes); closing",
				 (unsigned)s->uid, (int)s->pid, len);
		goto out;
	}
	if (op->number == KEYD__REQUEST__OP_HELLO) {
		if (s->hello_done) {
			keyd_log_limited(LOG_WARNING, "uid %u pid %d: Hello twice; closing",
					 (unsigned)s->uid, (int)s->pid);
			r = -EPROTO;
			goto out;
		}
		s->hello_done = true;
		r = answer_hello(ring, req, out);
		goto out;
	}
	if (!s->hello_done) {
		keyd_log_limited(LOG_WARNING, "uid %u pid %d: first request is not Hello; closing",
				 (unsigned)s->uid, (int)s->pid);
		r = -EPROTO;
		goto out;
	}
	r = answer_op(ring, s, &pb, req, op, out);
	if (r < 0)
		keyd_log_limited(LOG_WARNING, "uid %u pid %d: %s: %s; closing", (unsigned)s->uid,
				 (int)s->pid, op->name, strerror(-r));
out:
	arena_reset(s->arena);
	return r < 0 ? r : 0;
}
