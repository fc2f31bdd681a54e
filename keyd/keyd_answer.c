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

struct keyd_req {
	const struct keyd_ring *ring;
	struct keyd_session *s;
	ProtobufCAllocator *pb;
	int64_t now;
	const char *msg;                     /* a refusal's message (no secrets) */
	struct keyd_sigcache *cache;         /* signing keys (NULL: none) */
	char secret[KEYD_SECRET_LEN + 1];    /* wiped once the answer is packed */
};

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

int keyd_answer_init(void)
{
	return sigcache ? 0 : keyd_sigcache_new(&sigcache);
}

void keyd_answer_fini(void)
{
	keyd_sigcache_free(sigcache);
	sigcache = NULL;
}

void keyd_answer_set_clock(int64_t (*now)(void))
{
	clock_now = now ? now : clock_real;
}

static void *x_alloc(struct keyd_req *x, size_t n)
{
	return arena_zalloc(x->pb->allocator_data, n);
}

static int refuse(struct keyd_req *x, Keyd__Code code, const char *msg)
{
	x->msg = msg;
	return (int)code;
}

/* ---- field checks ---- */

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool str_max(const char *s, size_t max)
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

static bool strv_ok(char *const *v, size_t n, size_t max_n, size_t max_len)
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
	if (!str_max(c->role_arn, 2048) || !str_max(c->role_id, 128) ||
	    !str_max(c->source_user_arn, 2048))
		return "claims: role_arn, role_id or source_user_arn too long";
	if (!str_max(c->session_name, 64) || !str_max(c->source_identity, 256))
		return "claims: session_name or source_identity too long";
	if (!c->has_issued || !c->has_expires || c->issued <= 0 || c->expires <= c->issued ||
	    c->expires - c->issued > 129600)
		return "claims: issued < expires, at most 36 hours apart, expected";
	if (!str_max(c->session_policy, 20480))
		return "claims.session_policy: at most 20480 bytes";
	if (!strv_ok(c->policy_arns, c->n_policy_arns, 20, 2048))
		return "claims.policy_arns: at most 20 ARNs of 2048 bytes";
	if (!strv_ok(c->transitive_tag_keys, c->n_transitive_tag_keys, 64, 512))
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
static int seal_msg(struct keyd_req *x, enum keyd_seal_kind kind, const ProtobufCMessage *m,
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
static int open_msg(struct keyd_req *x, enum keyd_seal_kind kind, const char *text,
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
		r = open_msg(x, KEYD_SEAL_SESSION, req->session_token,
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
	randombytes_buf(nonce, sizeof(nonce));
	int r = seal_msg(x, KEYD_SEAL_SESSION, &c->base, nonce, &resp->session_token);
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
	int r = open_msg(x, KEYD_SEAL_SESSION, req->session_token,
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

static const char *authz_message_check(const Keyd__AuthorizationMessage *a)
{
	if (!str_max(a->action, 512) || !str_max(a->resource, 2048) ||
	    !str_max(a->principal_id, 512) || !str_max(a->principal_arn, 2048))
		return "message: action, resource or principal too long";
	if (a->n_matched_statements > 64)
		return "message.matched_statements: at most 64";
	for (size_t i = 0; i < a->n_matched_statements; i++) {
		const Keyd__MatchedStatement *s = a->matched_statements[i];
		if (!s || !str_max(s->source_policy_id, 2048) ||
		    !str_max(s->source_policy_type, 64) || !str_max(s->effect, 16) ||
		    !str_max(s->statement_id, 256))
			return "message.matched_statements: a field is too long";
	}
	if (a->n_context > 128)
		return "message.context: at most 128 entries";
	for (size_t i = 0; i < a->n_context; i++) {
		const Keyd__ContextEntry *e = a->context[i];
		if (!e || !e->key || strlen(e->key) > 256 ||
		    !strv_ok(e->values, e->n_values, 64, 1024))
			return "message.context: an entry is too long";
	}
	return NULL;
}

static Keyd__AuthorizationMessage *authz_message_copy(struct keyd_req *x,
						      const Keyd__AuthorizationMessage *in)
{
	Keyd__AuthorizationMessage *a = x_alloc(x, sizeof(*a));
	if (!a)
		return NULL;
	keyd__authorization_message__init(a);
	a->has_allowed = in->has_allowed;
	a->allowed = in->allowed;
	a->has_explicit_deny = in->has_explicit_deny;
	a->explicit_deny = in->explicit_deny;
	a->action = in->action;
	a->resource = in->resource;
	a->principal_id = in->principal_id;
	a->principal_arn = in->principal_arn;
	a->has_issued = in->has_issued;
	a->issued = in->issued;
	if (in->n_matched_statements) {
		a->matched_statements = x_alloc(x, sizeof(void *) * in->n_matched_statements);
		if (!a->matched_statements)
			return NULL;
		for (size_t i = 0; i < in->n_matched_statements; i++) {
			const Keyd__MatchedStatement *s = in->matched_statements[i];
			Keyd__MatchedStatement *t = x_alloc(x, sizeof(*t));
			if (!t)
				return NULL;
			keyd__matched_statement__init(t);
			t->source_policy_id = s->source_policy_id;
			t->source_policy_type = s->source_policy_type;
			t->effect = s->effect;
			t->statement_id = s->statement_id;
			a->matched_statements[i] = t;
		}
		a->n_matched_statements = in->n_matched_statements;
	}
	if (in->n_context) {
		a->context = x_alloc(x, sizeof(void *) * in->n_context);
		if (!a->context)
			return NULL;
		for (size_t i = 0; i < in->n_context; i++) {
			Keyd__ContextEntry *e = x_alloc(x, sizeof(*e));
			if (!e)
				return NULL;
			keyd__context_entry__init(e);
			e->key = in->context[i]->key;
			e->n_values = in->context[i]->n_values;
			e->values = in->context[i]->values;
			a->context[i] = e;
		}
		a->n_context = in->n_context;
	}
	return a;
}

static int keyd_answer_seal_authorization_message(struct keyd_req *x,
						  const ProtobufCMessage *m,
						  ProtobufCMessage **ret)
{
	const Keyd__SealAuthorizationMessageRequest *req =
		(const Keyd__SealAuthorizationMessageRequest *)m;
	Keyd__SealAuthorizationMessageResponse *resp = x_alloc(x, sizeof(*resp));
	uint8_t nonce[KEYD_NONCE_LEN];
	if (!resp)
		return -ENOMEM;
	if (!req->message)
		return refuse(x, KEYD__CODE__BAD_REQUEST, "message: required");
	const char *why = authz_message_check(req->message);
	if (why)
		return refuse(x, KEYD__CODE__BAD_REQUEST, why);
	Keyd__AuthorizationMessage *a = authz_message_copy(x, req->message);
	if (!a)
		return -ENOMEM;
	keyd__seal_authorization_message_response__init(resp);
	randombytes_buf(nonce, sizeof(nonce));
	int r = seal_msg(x, KEYD_SEAL_MESSAGE, &a->base, nonce, &resp->encoded_message);
	if (r == -E2BIG)
		return refuse(x, KEYD__CODE__BAD_REQUEST, "message: too large to seal");
	if (r < 0)
		return r;
	*ret = &resp->base;
	return 0;
}

static int keyd_answer_open_authorization_message(struct keyd_req *x,
						  const ProtobufCMessage *m,
						  ProtobufCMessage **ret)
{
	const Keyd__OpenAuthorizationMessageRequest *req =
		(const Keyd__OpenAuthorizationMessageRequest *)m;
	Keyd__OpenAuthorizationMessageResponse *resp = x_alloc(x, sizeof(*resp));
	Keyd__AuthorizationMessage *a = NULL;
	uint8_t nonce[KEYD_NONCE_LEN];
	uint32_t version;
	if (!resp)
		return -ENOMEM;
	if (!req->encoded_message)
		return refuse(x, KEYD__CODE__BAD_REQUEST, "encoded_message: required");
	int r = open_msg(x, KEYD_SEAL_MESSAGE, req->encoded_message,
			 &keyd__authorization_message__descriptor, (ProtobufCMessage **)&a,
			 &version, nonce);
	if (r != 0)
		return r;
	keyd__open_authorization_message_response__init(resp);
	resp->message = authz_message_copy(x, a);
	if (!resp->message)
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

/* The audit digest key (keyd_audit.c): the public half of the current
 * version, and signatures over bytes keyd builds from typed fields. */
static int keyd_answer_get_audit_public_key(struct keyd_req *x, const ProtobufCMessage *m,
					    ProtobufCMessage **ret)
{
	(void)m;
	Keyd__GetAuditPublicKeyResponse *resp = x_alloc(x, sizeof(*resp));
	uint8_t *pk = x_alloc(x, KEYD_AUDIT_PK_LEN);
	const struct keyd_key *k = keyd_ring_current(x->ring);
	if (!resp || !pk)
		return -ENOMEM;
	int r = keyd_audit_public_key(k, pk);
	if (r < 0)
		return r;
	keyd__get_audit_public_key_response__init(resp);
	resp->has_public_key = resp->has_key_version = true;
	resp->public_key.data = pk;
	resp->public_key.len = KEYD_AUDIT_PK_LEN;
	resp->key_version = k->version;
	*ret = &resp->base;
	return 0;
}

static int keyd_answer_sign_audit_digest(struct keyd_req *x, const ProtobufCMessage *m,
					 ProtobufCMessage **ret)
{
	const Keyd__SignAuditDigestRequest *req = (const Keyd__SignAuditDigestRequest *)m;
	Keyd__SignAuditDigestResponse *resp = x_alloc(x, sizeof(*resp));
	uint8_t *sig = x_alloc(x, KEYD_AUDIT_SIG_LEN);
	const struct keyd_key *k = keyd_ring_current(x->ring);
	if (!resp || !sig)
		return -ENOMEM;
	if (req->n_log_files == 0 || req->n_log_files > KEYD_AUDIT_MAX_FILES)
		return refuse(x, KEYD__CODE__BAD_REQUEST, "log_files: 1 to 64 entries");
	if (!req->has_digest_start_time || !req->has_digest_end_time ||
	    req->digest_end_time < req->digest_start_time)
		return refuse(x, KEYD__CODE__BAD_REQUEST,
			      "digest_start_time, digest_end_time: required, start <= end");
	if (req->has_previous_digest_hash && req->previous_digest_hash.len != 0 &&
	    req->previous_digest_hash.len != 32)
		return refuse(x, KEYD__CODE__BAD_REQUEST,
			      "previous_digest_hash: 32 bytes or empty");
	if (req->has_previous_digest_signature && req->previous_digest_signature.len != 0 &&
	    req->previous_digest_signature.len != KEYD_AUDIT_SIG_LEN)
		return refuse(x, KEYD__CODE__BAD_REQUEST,
			      "previous_digest_signature: 64 bytes or empty");
	struct keyd_audit_file *f = x_alloc(x, sizeof(*f) * req->n_log_files);
	if (!f)
		return -ENOMEM;
	for (size_t i = 0; i < req->n_log_files; i++) {
		const Keyd__AuditLogFile *lf = req->log_files[i];
		if (!lf->name || !str_max(lf->name, KEYD_AUDIT_NAME_MAX) || !lf->name[0])
			return refuse(x, KEYD__CODE__BAD_REQUEST,
				      "log_files.name: 1 to 255 characters");
		if (!lf->has_sha256 || lf->sha256.len != 32)
			return refuse(x, KEYD__CODE__BAD_REQUEST, "log_files.sha256: 32 bytes");
		f[i] = (struct keyd_audit_file){ lf->name, lf->sha256.data, lf->size,
						 lf->oldest_event_time, lf->newest_event_time };
	}
	struct keyd_audit_digest d = {
		.start = req->digest_start_time, .end = req->digest_end_time,
		.files = f, .n_files = req->n_log_files,
		.prev_hash = req->previous_digest_hash.data,
		.prev_hash_len = req->has_previous_digest_hash ? req->previous_digest_hash.len : 0,
		.prev_sig = req->previous_digest_signature.data,
		.prev_sig_len = req->has_previous_digest_signature ?
				req->previous_digest_signature.len : 0,
	};
	int r = keyd_audit_sign(k, &d, sig);
	if (r == -EINVAL)
		return refuse(x, KEYD__CODE__BAD_REQUEST,
			      "log_files.name: printable ASCII without '/'");
	if (r < 0)
		return r;
	keyd__sign_audit_digest_response__init(resp);
	resp->has_signature = resp->has_key_version = true;
	resp->signature.data = sig;
	resp->signature.len = KEYD_AUDIT_SIG_LEN;
	resp->key_version = k->version;
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
};

static const struct keyd_op *op_find(uint32_t number)
{
	for (size_t i = 0; i < sizeof(keyd_ops) / sizeof(keyd_ops[0]); i++)
		if (keyd_ops[i].number == number)
			return &keyd_ops[i];
	return NULL;
}

/* ---- framing ---- */

static const uint8_t *varint_get(const uint8_t *p, const uint8_t *end, uint64_t *ret)
{
	uint64_t v = 0;
	for (unsigned shift = 0; p < end && shift < 64; shift += 7) {
		uint8_t b = *p++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*ret = v;
			return p;
		}
	}
	return NULL;
}

int keyd_request_peek_op(const uint8_t *p, size_t len, uint32_t *ret_op)
{
	const uint8_t *end = p + len;
	uint32_t op = 0;
	while (p < end) {
		uint64_t tag, v;
		p = varint_get(p, end, &tag);
		if (!p)
			return -EBADMSG;
		uint64_t field = tag >> 3;
		unsigned wt = (unsigned)(tag & 7);
		if (field == 1 && wt == 0) {
			p = varint_get(p, end, &v);
		} else if (field > 1 && field < (1u << 29) && wt == 2) {
			p = varint_get(p, end, &v);
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
