/* test_keyd_answer: keyd's op table end to end on frames (keyd_answer_frame):
 * Hello first and once, caps checked before decoding, every op's answers
 * and refusals, session tokens minted, opened, verified (SigV4 with the
 * temporary secret), expired with an injected clock, tampered; unknown
 * fields never sealed. */
#include "config.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "keyd.h"
#include "rpc/rpc.h"
#include "util/arena.h"
#include "../tap.h"

static struct keyd_ring *ring;
static struct keyd_session sess;
static int64_t fake_now;

static int64_t clock_fake(void)
{
	return fake_now;
}

/* Sends one request; *ret gets the decoded answer (free with
 * keyd__response__free_unpacked) or NULL; returns keyd_answer_frame's. */
static int call_raw(const uint8_t *body, size_t len, Keyd__Response **ret)
{
	struct rpc_buf out = { 0 };
	const uint8_t *rb;
	uint32_t rl;
	*ret = NULL;
	int r = keyd_answer_frame(ring, &sess, body, len, &out);
	if (r == 0 && rpc_frame_next(&out, 1u << 20, &rb, &rl) == 1)
		*ret = keyd__response__unpack(NULL, rl, rb);
	rpc_buf_release(&out);
	return r;
}

static int call(const Keyd__Request *req, Keyd__Response **ret)
{
	size_t len = keyd__request__get_packed_size(req);
	uint8_t *buf = malloc(len + 1);
	keyd__request__pack(req, buf);
	int r = call_raw(buf, len, ret);
	free(buf);
	return r;
}

static Keyd__Code code_of(const Keyd__Response *r)
{
	return r && r->status && r->status->has_code ? r->status->code : KEYD__CODE__OK;
}

static void session_reset(void)
{
	arena_free(sess.arena);
	memset(&sess, 0, sizeof(sess));
	arena_new(0, &sess.arena);
}

static void hello(void)
{
	Keyd__Request req = KEYD__REQUEST__INIT;
	Keyd__Hello h = KEYD__HELLO__INIT;
	Keyd__Response *resp;
	req.op_case = KEYD__REQUEST__OP_HELLO;
	req.hello = &h;
	call(&req, &resp);
	keyd__response__free_unpacked(resp, NULL);
}

static void test_protocol(void)
{
	Keyd__Request req = KEYD__REQUEST__INIT;
	Keyd__EchoRequest echo = KEYD__ECHO_REQUEST__INIT;
	Keyd__Hello h = KEYD__HELLO__INIT;
	Keyd__Response *resp;
	uint8_t data[8] = "pingpong";
	session_reset();
	req.has_id = true;
	req.id = 7;
	req.op_case = KEYD__REQUEST__OP_ECHO;
	req.echo = &echo;
	echo.has_data = true;
	echo.data.data = data;
	echo.data.len = sizeof(data);
	TAP_IS_INT(call(&req, &resp), -EPROTO, "a first request that is not Hello: closed");

	session_reset();
	req.op_case = KEYD__REQUEST__OP_HELLO;
	req.hello = &h;
	tap_ok(call(&req, &resp) == 0 && resp && resp->result_case == KEYD__RESPONSE__RESULT_HELLO &&
	       resp->hello->version == KEYD_PROTOCOL_VERSION && resp->hello->key_version == 1 &&
	       resp->id == 7, "Hello answered: version, key version, id echoed");
	keyd__response__free_unpacked(resp, NULL);
	TAP_IS_INT(call(&req, &resp), -EPROTO, "Hello twice: closed");

	session_reset();
	hello();
	req.op_case = KEYD__REQUEST__OP_ECHO;
	req.echo = &echo;
	tap_ok(call(&req, &resp) == 0 && code_of(resp) == KEYD__CODE__OK && resp->echo &&
	       resp->echo->data.len == 8 && memcmp(resp->echo->data.data, "pingpong", 8) == 0,
	       "Echo answers the bytes");
	keyd__response__free_unpacked(resp, NULL);
	uint8_t *big = calloc(1, 5000);
	echo.data.data = big;
	echo.data.len = 5000;
	TAP_IS_INT(call(&req, &resp), -EMSGSIZE, "an Echo above its 4 KiB cap: closed");
	free(big);

	session_reset();
	hello();
	const uint8_t unknown[] = { 0x08, 0x01, 0xfa, 0x01, 0x00 };   /* op 31 */
	TAP_IS_INT(call_raw(unknown, sizeof(unknown), &resp), -EOPNOTSUPP, "an unknown op: closed");
	session_reset();
	hello();
	const uint8_t garbage[] = { 0x08, 0xff, 0xff };
	TAP_IS_INT(call_raw(garbage, sizeof(garbage), &resp), -EBADMSG, "garbage: closed");
	session_reset();
	hello();
	/* two op fields, a field 1 of the wrong wire type, a bad length */
	const uint8_t two_ops[] = { 0x82, 0x01, 0x00, 0x52, 0x00 };
	const uint8_t bad_id[] = { 0x0a, 0x00, 0x82, 0x01, 0x00 };
	const uint8_t bad_len[] = { 0x82, 0x01, 0x05, 0x00 };
	uint32_t op;
	TAP_IS_INT(keyd_request_peek_op(two_ops, sizeof(two_ops), &op), -EBADMSG,
		   "peek: two ops refused");
	TAP_IS_INT(keyd_request_peek_op(bad_id, sizeof(bad_id), &op), -EBADMSG,
		   "peek: id of the wrong wire type refused");
	TAP_IS_INT(keyd_request_peek_op(bad_len, sizeof(bad_len), &op), -EBADMSG,
		   "peek: a length beyond the frame refused");
	const uint8_t fine[] = { 0x08, 0x05, 0x82, 0x01, 0x00 };
	tap_ok(keyd_request_peek_op(fine, sizeof(fine), &op) == 0 && op == 16,
	       "peek: id and Echo give op 16");
}

static void test_access_keys(void)
{
	Keyd__Request req = KEYD__REQUEST__INIT;
	Keyd__CreateAccessKeyRequest ck = KEYD__CREATE_ACCESS_KEY_REQUEST__INIT;
	Keyd__VerifySigV4Request v = KEYD__VERIFY_SIG_V4_REQUEST__INIT;
	Keyd__Response *resp;
	char secret[KEYD_SECRET_LEN + 1] = "";
	session_reset();
	hello();
	req.op_case = KEYD__REQUEST__OP_CREATE_ACCESS_KEY;
	req.create_access_key = &ck;
	ck.access_key_id = (char *)"ASIAABCDEFGHIJKLMNOP";
	tap_ok(call(&req, &resp) == 0 && code_of(resp) == KEYD__CODE__BAD_REQUEST &&
	       strstr(resp->status->message, "access_key_id"),
	       "CreateAccessKey for a non-AKIA id: BAD_REQUEST naming the field");
	keyd__response__free_unpacked(resp, NULL);
	ck.access_key_id = (char *)"AKIAABCDEFGHIJKLMNOP";
	tap_ok(call(&req, &resp) == 0 && code_of(resp) == KEYD__CODE__OK &&
	       resp->create_access_key && strlen(resp->create_access_key->secret_access_key) == 40 &&
	       resp->create_access_key->key_version == 1, "CreateAccessKey: 40 characters, version 1");
	if (resp && resp->create_access_key)
		strcpy(secret, resp->create_access_key->secret_access_key);
	keyd__response__free_unpacked(resp, NULL);

	uint8_t hash[32], sig[32];
	crypto_hash_sha256(hash, (const uint8_t *)"canonical request", 17);
	struct keyd_sigv4 in = { .amz_date = "20240102T030405Z", .date = "20240102",
				 .region = "us-east-1", .service = "iam", .creq_sha256 = hash };
	keyd_sigv4_sign(secret, strlen(secret), &in, sig);
	req.op_case = KEYD__REQUEST__OP_VERIFY_SIGV4;
	req.verify_sigv4 = &v;
	v.access_key_id = (char *)"AKIAABCDEFGHIJKLMNOP";
	v.has_key_version = true;
	v.key_version = 1;
	v.amz_date = (char *)in.amz_date;
	v.date = (char *)in.date;
	v.region = (char *)in.region;
	v.service = (char *)in.service;
	v.has_canonical_request_sha256 = v.has_signature = true;
	v.canonical_request_sha256 = (ProtobufCBinaryData){ 32, hash };
	v.signature = (ProtobufCBinaryData){ 32, sig };
	tap_ok(call(&req, &resp) == 0 && resp->verify_sigv4 && resp->verify_sigv4->valid,
	       "VerifySigV4: a signature made with the secret is valid");
	keyd__response__free_unpacked(resp, NULL);
	v.region = (char *)"eu-west-1";
	tap_ok(call(&req, &resp) == 0 && resp->verify_sigv4 && !resp->verify_sigv4->valid,
	       "another region: not valid");
	keyd__response__free_unpacked(resp, NULL);
	v.region = (char *)"us-east-1\nx";
	tap_ok(call(&req, &resp) == 0 && code_of(resp) == KEYD__CODE__BAD_REQUEST,
	       "a region with a newline: BAD_REQUEST");
	keyd__response__free_unpacked(resp, NULL);
	v.region = (char *)"us-east-1";
	v.key_version = 9;
	tap_ok(call(&req, &resp) == 0 && code_of(resp) == KEYD__CODE__UNKNOWN_KEY_VERSION,
	       "a key version not held: UNKNOWN_KEY_VERSION");
	keyd__response__free_unpacked(resp, NULL);
	v.key_version = 1;
	v.signature.len = 31;
	tap_ok(call(&req, &resp) == 0 && code_of(resp) == KEYD__CODE__BAD_REQUEST,
	       "a 31-byte signature: BAD_REQUEST");
	keyd__response__free_unpacked(resp, NULL);
	v.signature.len = 32;
	v.amz_date = (char *)"2024-01-02T03:04";
	tap_ok(call(&req, &resp) == 0 && code_of(resp) == KEYD__CODE__BAD_REQUEST,
	       "a malformed amz_date: BAD_REQUEST");
	keyd__response__free_unpacked(resp, NULL);
	sodium_memzero(secret, sizeof(secret));
}

static void claims_init(Keyd__SessionClaims *c, Keyd__Tag *tag, Keyd__Tag **tags)
{
	keyd__session_claims__init(c);
	c->access_key_id = (char *)"ASIAABCDEFGHIJKLMNOP";
	c->account = (char *)"123456789012";
	c->principal_arn = (char *)"arn:aws:sts::123456789012:assumed-role/admin/alice";
	c->principal_id = (char *)"AROAABCDEFGHIJKLMNOPQ:alice";
	c->role_arn = (char *)"arn:aws:iam::123456789012:role/admin";
	c->session_name = (char *)"alice";
	c->has_issued = c->has_expires = c->has_kind = true;
	c->issued = 1000;
	c->expires = 4600;
	c->kind = KEYD__SESSION_KIND__ASSUMED_ROLE;
	keyd__tag__init(tag);
	tag->key = (char *)"team";
	tag->value = (char *)"blue";
	tags[0] = tag;
	c->n_tags = 1;
	c->tags = tags;
}

static void test_sessions(void)
{
	Keyd__Request req = KEYD__REQUEST__INIT;
	Keyd__MintSessionRequest mint = KEYD__MINT_SESSION_REQUEST__INIT;
	Keyd__OpenSessionRequest open = KEYD__OPEN_SESSION_REQUEST__INIT;
	Keyd__VerifySigV4Request v = KEYD__VERIFY_SIG_V4_REQUEST__INIT;
	Keyd__SessionClaims claims;
	Keyd__Tag tag, *tags[1];
	Keyd__Response *resp;
	char secret[KEYD_SECRET_LEN + 1] = "", *token = NULL;

	session_reset();
	hello();
	fake_now = 2000;
	claims_init(&claims, &tag, tags);
	req.op_case = KEYD__REQUEST__OP_MINT_SESSION;
	req.mint_session = &mint;
	mint.claims = &claims;
	tap_ok(call(&req, &resp) == 0 && code_of(resp) == KEYD__CODE__OK && resp->mint_session &&
	       strlen(resp->mint_session->secret_access_key) == 40 &&
	       resp->mint_session->session_token, "MintSession: a secret and a token");
	if (resp && resp->mint_session) {
		strcpy(secret, resp->mint_session->secret_access_key);
		token = strdup(resp->mint_session->session_token);
	}
	keyd__response__free_unpacked(resp, NULL);
	if (!token)
		return;

	req.op_case = KEYD__REQUEST__OP_OPEN_SESSION;
	req.open_session = &open;
	open.session_token = token;
	tap_ok(call(&req, &resp) == 0 && resp->open_session && resp->open_session->claims &&
	       strcmp(resp->open_session->claims->principal_arn, claims.principal_arn) == 0 &&
	       resp->open_session->claims->n_tags == 1 &&
	       strcmp(resp->open_session->claims->tags[0]->value, "blue") == 0 &&
	       resp->open_session->claims->expires == 4600,
	       "OpenSession: the claims come back");
	keyd__response__free_unpacked(resp, NULL);

	/* SigV4 with the temporary credentials */
	uint8_t hash[32] = { 1 }, sig[32];
	struct keyd_sigv4 in = { .amz_date = "20240102T030405Z", .date = "20240102",
				 .region = "local", .service = "sts", .creq_sha256 = hash };
	keyd_sigv4_sign(secret, strlen(secret), &in, sig);
	req.op_case = KEYD__REQUEST__OP_VERIFY_SIGV4;
	req.verify_sigv4 = &v;
	v.access_key_id = claims.access_key_id;
	v.session_token = token;
	v.amz_date = (char *)in.amz_date;
	v.date = (char *)in.date;
	v.region = (char *)in.region;
	v.service = (char *)in.service;
	v.has_canonical_request_sha256 = v.has_signature = true;
	v.canonical_request_sha256 = (ProtobufCBinaryData){ 32, hash };
	v.signature = (ProtobufCBinaryData){ 32, sig };
	tap_ok(call(&req, &resp) == 0 && resp->verify_sigv4 && resp->verify_sigv4->valid &&
	       resp->verify_sigv4->claims &&
	       strcmp(resp->verify_sigv4->claims->session_name, "alice") == 0,
	       "VerifySigV4 with a session token: valid, with its claims");
	keyd__response__free_unpacked(resp, NULL);
	v.access_key_id = (char *)"ASIAABCDEFGHIJKLMNOR";
	tap_ok(call(&req, &resp) == 0 && code_of(resp) == KEYD__CODE__INVALID_TOKEN,
	       "the token with another access key id: INVALID_TOKEN");
	keyd__response__free_unpacked(resp, NULL);
	v.access_key_id = claims.access_key_id;

	/* tampered and truncated tokens */
	char *bad = strdup(token);
	bad[strlen(bad) / 2] = bad[strlen(bad) / 2] == 'A' ? 'B' : 'A';
	req.op_case = KEYD__REQUEST__OP_OPEN_SESSION;
	req.open_session = &open;
	open.session_token = bad;
	tap_ok(call(&req, &resp) == 0 && code_of(resp) == KEYD__CODE__INVALID_TOKEN,
	       "a tampered token: INVALID_TOKEN");
	keyd__response__free_unpacked(resp, NULL);
	strcpy(bad, token);
	bad[strlen(bad) - 8] = '\0';
	tap_ok(call(&req, &resp) == 0 && code_of(resp) == KEYD__CODE__INVALID_TOKEN,
	       "a truncated token: INVALID_TOKEN");
	keyd__response__free_unpacked(resp, NULL);
	free(bad);

	/* expiry, by keyd's clock */
	fake_now = 4600;
	open.session_token = token;
	tap_ok(call(&req, &resp) == 0 && code_of(resp) == KEYD__CODE__EXPIRED_TOKEN &&
	       !resp->open_session, "at its expiry: EXPIRED_TOKEN, no claims");
	keyd__response__free_unpacked(resp, NULL);
	req.op_case = KEYD__REQUEST__OP_VERIFY_SIGV4;
	req.verify_sigv4 = &v;
	tap_ok(call(&req, &resp) == 0 && code_of(resp) == KEYD__CODE__EXPIRED_TOKEN,
	       "VerifySigV4 with an expired token: EXPIRED_TOKEN");
	keyd__response__free_unpacked(resp, NULL);
	fake_now = 2000;

	/* claims keyd refuses to seal */
	req.op_case = KEYD__REQUEST__OP_MINT_SESSION;
	req.mint_session = &mint;
	claims.access_key_id = (char *)"AKIAABCDEFGHIJKLMNOP";
	tap_ok(call(&req, &resp) == 0 && code_of(resp) == KEYD__CODE__BAD_REQUEST &&
	       strstr(resp->status->message, "access_key_id"), "claims with an AKIA id: refused");
	keyd__response__free_unpacked(resp, NULL);
	claims.access_key_id = (char *)"ASIAABCDEFGHIJKLMNOP";
	claims.expires = claims.issued + 200000;
	tap_ok(call(&req, &resp) == 0 && code_of(resp) == KEYD__CODE__BAD_REQUEST,
	       "claims spanning more than 36 hours: refused");
	keyd__response__free_unpacked(resp, NULL);
	claims.expires = 4600;
	claims.has_kind = false;
	tap_ok(call(&req, &resp) == 0 && code_of(resp) == KEYD__CODE__BAD_REQUEST,
	       "claims without a kind: refused");
	keyd__response__free_unpacked(resp, NULL);
	claims.has_kind = true;

	/* an unknown field in the claims is not sealed into the token */
	size_t len = keyd__session_claims__get_packed_size(&claims);
	uint8_t *cbuf = malloc(len + 16);
	keyd__session_claims__pack(&claims, cbuf);
	memcpy(cbuf + len, "\xca\x3e\x04" "evil", 7);   /* field 1001, "evil" */
	Keyd__SessionClaims *extra = keyd__session_claims__unpack(NULL, len + 7, cbuf);
	mint.claims = extra;
	tap_ok(extra && extra->base.n_unknown_fields == 1, "claims with an unknown field decode");
	char *tok2 = NULL;
	if (call(&req, &resp) == 0 && resp->mint_session)
		tok2 = strdup(resp->mint_session->session_token);
	keyd__response__free_unpacked(resp, NULL);
	uint8_t plain[4096], nonce[KEYD_NONCE_LEN];
	size_t plen = 0;
	uint32_t ver;
	tap_ok(tok2 && keyd_open(ring, KEYD_SEAL_SESSION, tok2, plain, sizeof(plain), &plen, &ver,
				 nonce) == 0 && !memmem(plain, plen, "evil", 4),
	       "the sealed claims hold no unknown field");
	free(tok2);
	keyd__session_claims__free_unpacked(extra, NULL);
	free(cbuf);
	mint.claims = &claims;
	free(token);
	sodium_memzero(secret, sizeof(secret));
}

static void test_authz_messages(void)
{
	Keyd__Request req = KEYD__REQUEST__INIT;
	Keyd__SealAuthorizationMessageRequest seal = KEYD__SEAL_AUTHORIZATION_MESSAGE_REQUEST__INIT;
	Keyd__OpenAuthorizationMessageRequest open = KEYD__OPEN_AUTHORIZATION_MESSAGE_REQUEST__INIT;
	Keyd__OpenSessionRequest os = KEYD__OPEN_SESSION_REQUEST__INIT;
	Keyd__AuthorizationMessage m = KEYD__AUTHORIZATION_MESSAGE__INIT;
	Keyd__ContextEntry ce = KEYD__CONTEXT_ENTRY__INIT, *ces[1] = { &ce };
	char *vals[1] = { (char *)"203.0.113.9" };
	Keyd__Response *resp;
	char *enc = NULL;
	session_reset();
	hello();
	m.has_allowed = m.has_explicit_deny = true;
	m.explicit_deny = true;
	m.action = (char *)"iam:CreateUser";
	m.resource = (char *)"arn:aws:iam::123456789012:user/bob";
	ce.key = (char *)"aws:SourceIp";
	ce.n_values = 1;
	ce.values = vals;
	m.n_context = 1;
	m.context = ces;
	req.op_case = KEYD__REQUEST__OP_SEAL_AUTHORIZATION_MESSAGE;
	req.seal_authorization_message = &seal;
	seal.message = &m;
	if (call(&req, &resp) == 0 && resp->seal_authorization_message)
		enc = strdup(resp->seal_authorization_message->encoded_message);
	keyd__response__free_unpacked(resp, NULL);
	tap_ok(enc && !strstr(enc, "CreateUser"), "SealAuthorizationMessage: an opaque text");
	if (!enc)
		return;
	req.op_case = KEYD__REQUEST__OP_OPEN_AUTHORIZATION_MESSAGE;
	req.open_authorization_message = &open;
	open.encoded_message = enc;
	tap_ok(call(&req, &resp) == 0 && resp->open_authorization_message &&
	       resp->open_authorization_message->message->explicit_deny &&
	       strcmp(resp->open_authorization_message->message->context[0]->values[0],
		      "203.0.113.9") == 0, "OpenAuthorizationMessage: the details come back");
	keyd__response__free_unpacked(resp, NULL);
	req.op_case = KEYD__REQUEST__OP_OPEN_SESSION;
	req.open_session = &os;
	os.session_token = enc;
	tap_ok(call(&req, &resp) == 0 && code_of(resp) == KEYD__CODE__INVALID_TOKEN,
	       "an authorization message is not a session token");
	keyd__response__free_unpacked(resp, NULL);
	free(enc);
}

/* The documented canonical bytes (docs/audit.md), built independently. */
static size_t canon_one(uint8_t *b, int64_t start, int64_t end, const char *name,
			const uint8_t sha[32], uint64_t size, int64_t oldest, int64_t newest,
			const uint8_t *ph, const uint8_t *ps)
{
	size_t n = 0;
	memcpy(b, "iamd/audit-digest/v1", 20);
	n = 20;
#define BE(v, w) for (int i_ = (w) - 1; i_ >= 0; i_--) b[n++] = (uint8_t)((uint64_t)(v) >> (8 * i_))
	BE(start, 8);
	BE(end, 8);
	b[n++] = ph ? 32 : 0;
	if (ph) {
		memcpy(b + n, ph, 32);
		n += 32;
	}
	b[n++] = ps ? 64 : 0;
	if (ps) {
		memcpy(b + n, ps, 64);
		n += 64;
	}
	BE(1, 4);
	BE(strlen(name), 2);
	memcpy(b + n, name, strlen(name));
	n += strlen(name);
	memcpy(b + n, sha, 32);
	n += 32;
	BE(size, 8);
	BE(oldest, 8);
	BE(newest, 8);
#undef BE
	return n;
}

static void test_audit_sign(void)
{
	Keyd__Request req = KEYD__REQUEST__INIT;
	Keyd__GetAuditPublicKeyRequest gk = KEYD__GET_AUDIT_PUBLIC_KEY_REQUEST__INIT;
	Keyd__SignAuditDigestRequest sr = KEYD__SIGN_AUDIT_DIGEST_REQUEST__INIT;
	Keyd__AuditLogFile lf = KEYD__AUDIT_LOG_FILE__INIT, *lfs[65];
	Keyd__Response *resp;
	uint8_t pk[32], seed[32], want_pk[32], sk[64], sha[32], ph[32], ps[64], sig[64];
	uint8_t buf[1024];
	session_reset();
	hello();
	req.op_case = KEYD__REQUEST__OP_GET_AUDIT_PUBLIC_KEY;
	req.get_audit_public_key = &gk;
	tap_ok(call(&req, &resp) == 0 && code_of(resp) == KEYD__CODE__OK &&
	       resp->get_audit_public_key && resp->get_audit_public_key->public_key.len == 32 &&
	       resp->get_audit_public_key->key_version == 1,
	       "GetAuditPublicKey: 32 bytes, key version 1");
	if (resp && resp->get_audit_public_key && resp->get_audit_public_key->public_key.len == 32)
		memcpy(pk, resp->get_audit_public_key->public_key.data, 32);
	keyd__response__free_unpacked(resp, NULL);
	/* the key is the documented derivation of master version 1 */
	crypto_generichash(seed, 32, (const uint8_t *)"iamd/audit-sign/v1", 18,
			   keyd_ring_current(ring)->master, 32);
	crypto_sign_seed_keypair(want_pk, sk, seed);
	tap_ok(memcmp(pk, want_pk, 32) == 0,
	       "the public key is Ed25519 from keyed BLAKE2b(master, \"iamd/audit-sign/v1\")");

	memset(sha, 0xab, 32);
	memset(ph, 0x11, 32);
	memset(ps, 0x22, 64);
	lf.name = "20261129T140000Z_1.jsonl";
	lf.has_sha256 = lf.has_size = lf.has_oldest_event_time = lf.has_newest_event_time = true;
	lf.sha256.data = sha;
	lf.sha256.len = 32;
	lf.size = 12345;
	lf.oldest_event_time = 1795000000;
	lf.newest_event_time = 1795000100;
	lfs[0] = &lf;
	sr.has_digest_start_time = sr.has_digest_end_time = true;
	sr.digest_start_time = 1795000000;
	sr.digest_end_time = 1795000200;
	sr.n_log_files = 1;
	sr.log_files = lfs;
	sr.has_previous_digest_hash = sr.has_previous_digest_signature = true;
	sr.previous_digest_hash.data = ph;
	sr.previous_digest_hash.len = 32;
	sr.previous_digest_signature.data = ps;
	sr.previous_digest_signature.len = 64;
	req.op_case = KEYD__REQUEST__OP_SIGN_AUDIT_DIGEST;
	req.sign_audit_digest = &sr;
	bool got = call(&req, &resp) == 0 && code_of(resp) == KEYD__CODE__OK &&
		   resp->sign_audit_digest && resp->sign_audit_digest->signature.len == 64 &&
		   resp->sign_audit_digest->key_version == 1;
	tap_ok(got, "SignAuditDigest: a 64-byte signature, key version 1");
	if (got)
		memcpy(sig, resp->sign_audit_digest->signature.data, 64);
	keyd__response__free_unpacked(resp, NULL);
	size_t n = canon_one(buf, 1795000000, 1795000200, lf.name, sha, 12345, 1795000000,
			     1795000100, ph, ps);
	tap_ok(got && crypto_sign_verify_detached(sig, buf, n, pk) == 0,
	       "the signature verifies over the documented canonical bytes");
	n = canon_one(buf, 1795000000, 1795000200, lf.name, sha, 12346, 1795000000,
		      1795000100, ph, ps);
	tap_ok(crypto_sign_verify_detached(sig, buf, n, pk) != 0,
	       "one field changed (size): the signature no longer verifies");

	sr.has_previous_digest_hash = sr.has_previous_digest_signature = false;
	got = call(&req, &resp) == 0 && code_of(resp) == KEYD__CODE__OK &&
	      resp->sign_audit_digest && resp->sign_audit_digest->signature.len == 64;
	n = canon_one(buf, 1795000000, 1795000200, lf.name, sha, 12345, 1795000000,
		      1795000100, NULL, NULL);
	tap_ok(got && crypto_sign_verify_detached(resp->sign_audit_digest->signature.data, buf,
						  n, pk) == 0,
	       "the first digest (no previous hash or signature) is signed too");
	keyd__response__free_unpacked(resp, NULL);

	sr.has_previous_digest_signature = true;
	sr.previous_digest_signature.len = 63;
	tap_ok(call(&req, &resp) == 0 && code_of(resp) == KEYD__CODE__BAD_REQUEST,
	       "previous_digest_signature of 63 bytes: BadRequest");
	keyd__response__free_unpacked(resp, NULL);
	sr.has_previous_digest_signature = false;
	lf.sha256.len = 31;
	tap_ok(call(&req, &resp) == 0 && code_of(resp) == KEYD__CODE__BAD_REQUEST,
	       "a sha256 of 31 bytes: BadRequest");
	keyd__response__free_unpacked(resp, NULL);
	lf.sha256.len = 32;
	lf.name = "../etc/passwd";
	tap_ok(call(&req, &resp) == 0 && code_of(resp) == KEYD__CODE__BAD_REQUEST,
	       "a file name with '/': BadRequest");
	keyd__response__free_unpacked(resp, NULL);
	lf.name = "a.jsonl";
	sr.n_log_files = 0;
	tap_ok(call(&req, &resp) == 0 && code_of(resp) == KEYD__CODE__BAD_REQUEST,
	       "no log file: BadRequest");
	keyd__response__free_unpacked(resp, NULL);
	for (int i = 0; i < 65; i++)
		lfs[i] = &lf;
	sr.n_log_files = 65;
	tap_ok(call(&req, &resp) == 0 && code_of(resp) == KEYD__CODE__BAD_REQUEST,
	       "65 log files: BadRequest (at most 64)");
	keyd__response__free_unpacked(resp, NULL);
	sodium_memzero(sk, sizeof(sk));
	sodium_memzero(seed, sizeof(seed));
}

/* VerifyAndMint: a long-term key's signature checked, and a session minted
 * ONLY when it verifies; the signature is judged before the claims. And
 * the signing key cache: the same answers on a hit as on a miss. */
static void test_verify_and_mint(void)
{
	Keyd__Request req = KEYD__REQUEST__INIT;
	Keyd__CreateAccessKeyRequest ck = KEYD__CREATE_ACCESS_KEY_REQUEST__INIT;
	Keyd__VerifyAndMintRequest vm = KEYD__VERIFY_AND_MINT_REQUEST__INIT;
	Keyd__VerifySigV4Request v = KEYD__VERIFY_SIG_V4_REQUEST__INIT;
	Keyd__SessionClaims claims;
	Keyd__Tag tag, *tags[1];
	Keyd__Response *resp;
	char secret[KEYD_SECRET_LEN + 1] = "";
	const char *id = "AKIAVERIFYANDMINT234";
	session_reset();
	hello();
	req.op_case = KEYD__REQUEST__OP_CREATE_ACCESS_KEY;
	req.create_access_key = &ck;
	ck.access_key_id = (char *)id;
	if (call(&req, &resp) == 0 && resp && resp->create_access_key)
		strcpy(secret, resp->create_access_key->secret_access_key);
	keyd__response__free_unpacked(resp, NULL);

	uint8_t hash[32], sig[32], bad[32];
	crypto_hash_sha256(hash, (const uint8_t *)"AssumeRole", 10);
	struct keyd_sigv4 in = { .amz_date = "20240102T030405Z", .date = "20240102",
				 .region = "us-east-1", .service = "sts", .creq_sha256 = hash };
	keyd_sigv4_sign(secret, strlen(secret), &in, sig);
	memcpy(bad, sig, 32);
	bad[7] ^= 1;
	v.access_key_id = (char *)id;
	v.has_key_version = true;
	v.key_version = 1;
	v.amz_date = (char *)in.amz_date;
	v.date = (char *)in.date;
	v.region = (char *)in.region;
	v.service = (char *)in.service;
	v.has_canonical_request_sha256 = v.has_signature = true;
	v.canonical_request_sha256 = (ProtobufCBinaryData){ 32, hash };
	v.signature = (ProtobufCBinaryData){ 32, sig };
	claims_init(&claims, &tag, tags);
	fake_now = 2000;
	req.op_case = KEYD__REQUEST__OP_VERIFY_AND_MINT;
	req.verify_and_mint = &vm;
	vm.verify = &v;
	vm.claims = &claims;
	tap_ok(call(&req, &resp) == 0 && code_of(resp) == KEYD__CODE__OK &&
	       resp->verify_and_mint && resp->verify_and_mint->valid &&
	       resp->verify_and_mint->minted &&
	       resp->verify_and_mint->minted->secret_access_key &&
	       strlen(resp->verify_and_mint->minted->secret_access_key) == 40 &&
	       resp->verify_and_mint->minted->session_token &&
	       resp->verify_and_mint->minted->key_version == 1,
	       "VerifyAndMint, a good signature: valid, with credentials");
	char token[4096] = "";
	if (resp && resp->verify_and_mint && resp->verify_and_mint->minted)
		snprintf(token, sizeof(token), "%s", resp->verify_and_mint->minted->session_token);
	keyd__response__free_unpacked(resp, NULL);
	/* every token has its own nonce, so its own secret */
	char first_sk[KEYD_SECRET_LEN + 1] = "";
	bool differ = true;
	for (int i = 0; i < 50; i++) {
		if (call(&req, &resp) == 0 && resp->verify_and_mint &&
		    resp->verify_and_mint->minted) {
			const Keyd__MintSessionResponse *m = resp->verify_and_mint->minted;
			if (i == 0)
				snprintf(first_sk, sizeof(first_sk), "%s", m->secret_access_key);
			else if (strcmp(m->secret_access_key, first_sk) == 0 ||
				 strncmp(m->session_token, token, 40) == 0)
				differ = false;
		} else {
			differ = false;
		}
		keyd__response__free_unpacked(resp, NULL);
	}
	tap_ok(differ, "50 sessions minted from the same claims: 50 secrets and nonces");
	/* the token opens to the claims asked for */
	Keyd__OpenSessionRequest open = KEYD__OPEN_SESSION_REQUEST__INIT;
	Keyd__Request oreq = KEYD__REQUEST__INIT;
	oreq.op_case = KEYD__REQUEST__OP_OPEN_SESSION;
	oreq.open_session = &open;
	open.session_token = token;
	tap_ok(call(&oreq, &resp) == 0 && resp->open_session && resp->open_session->claims &&
	       strcmp(resp->open_session->claims->principal_arn, claims.principal_arn) == 0,
	       "VerifyAndMint's token opens to its claims");
	keyd__response__free_unpacked(resp, NULL);

	v.signature = (ProtobufCBinaryData){ 32, bad };
	tap_ok(call(&req, &resp) == 0 && code_of(resp) == KEYD__CODE__OK &&
	       resp->verify_and_mint && resp->verify_and_mint->has_valid &&
	       !resp->verify_and_mint->valid && !resp->verify_and_mint->minted,
	       "VerifyAndMint, a bad signature: not valid, and no credentials");
	keyd__response__free_unpacked(resp, NULL);
	claims.account = (char *)"12";
	tap_ok(call(&req, &resp) == 0 && code_of(resp) == KEYD__CODE__OK &&
	       resp->verify_and_mint && !resp->verify_and_mint->valid &&
	       !resp->verify_and_mint->minted,
	       "a bad signature with bad claims: not valid (the signature is judged first)");
	keyd__response__free_unpacked(resp, NULL);
	v.signature = (ProtobufCBinaryData){ 32, sig };
	tap_ok(call(&req, &resp) == 0 && code_of(resp) == KEYD__CODE__BAD_REQUEST &&
	       strstr(resp->status->message, "claims.account") && !resp->verify_and_mint,
	       "a good signature with bad claims: BAD_REQUEST naming the field, no credentials");
	keyd__response__free_unpacked(resp, NULL);
	claims.account = (char *)"123456789012";
	v.session_token = token;
	v.has_key_version = false;
	tap_ok(call(&req, &resp) == 0 && code_of(resp) == KEYD__CODE__BAD_REQUEST &&
	       strstr(resp->status->message, "session_token") && !resp->verify_and_mint,
	       "VerifyAndMint with a session token: BAD_REQUEST (long-term keys only)");
	keyd__response__free_unpacked(resp, NULL);
	v.session_token = NULL;
	v.has_key_version = true;
	v.key_version = 7;
	tap_ok(call(&req, &resp) == 0 && code_of(resp) == KEYD__CODE__UNKNOWN_KEY_VERSION &&
	       !resp->verify_and_mint, "an unknown key version: UNKNOWN_KEY_VERSION, no credentials");
	keyd__response__free_unpacked(resp, NULL);
	v.key_version = 1;
	vm.verify = NULL;
	tap_ok(call(&req, &resp) == 0 && code_of(resp) == KEYD__CODE__BAD_REQUEST,
	       "VerifyAndMint without verify: BAD_REQUEST");
	keyd__response__free_unpacked(resp, NULL);
	vm.verify = &v;

	/* the cache: hits answer as misses did; another scope, another key */
	struct keyd_sigcache *cache = NULL;
	bool valid = false, ok = true;
	const struct keyd_key *k = keyd_ring_current(ring);
	uint64_t hits = 0, misses = 0;
	tap_ok(keyd_sigcache_new(&cache) == 0, "a signing key cache");
	for (int i = 0; i < 3; i++) {
		ok = ok && keyd_sigv4_verify_cached(cache, k, id, NULL, &in, sig, &valid) == 0 &&
		     valid;
		ok = ok && keyd_sigv4_verify_cached(cache, k, id, NULL, &in, bad, &valid) == 0 &&
		     !valid;
	}
	keyd_sigcache_stats(cache, &hits, &misses);
	tap_ok(ok && misses == 1 && hits == 5,
	       "cached: good valid and bad not, 1 derivation for 6 checks (hits %llu misses %llu)",
	       (unsigned long long)hits, (unsigned long long)misses);
	struct keyd_sigv4 other = in;
	other.region = "eu-west-1";
	tap_ok(keyd_sigv4_verify_cached(cache, k, id, NULL, &other, sig, &valid) == 0 && !valid,
	       "cached: the same signature in another region's scope is not valid");
	uint8_t nonce[KEYD_NONCE_LEN] = { 1 };
	tap_ok(keyd_sigv4_verify_cached(cache, k, id, nonce, &in, sig, &valid) == 0 && !valid,
	       "cached: a session's key of the same id is another key");
	tap_ok(keyd_sigv4_verify_cached(NULL, k, id, NULL, &in, sig, &valid) == 0 && valid,
	       "without a cache: derived, valid");
	keyd_sigcache_free(cache);
	sodium_memzero(secret, sizeof(secret));
}

int main(void)
{
	const char *keys = "1 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";
	if (sodium_init() < 0 || keyd_ring_parse(keys, strlen(keys), &ring) < 0)
		return 99;
	keyd_log_setup(false);
	keyd_answer_set_clock(clock_fake);
	test_protocol();
	test_access_keys();
	test_sessions();
	test_verify_and_mint();
	test_authz_messages();
	test_audit_sign();
	arena_free(sess.arena);
	keyd_answer_fini();
	keyd_ring_free(ring);
	return tap_done();
}
