/* test_keyd_password: keyd's password pieces (keyd_password.c): the
 * peppered Argon2id hash verifies with the same master key only (not as a
 * plain crypto_pwhash hash of the password, not under another key), salts
 * differ, the cost parameters are keyd's, fingerprints; and the ops
 * HashPassword and VerifyPassword on frames (reuse found in the history,
 * the old password checked first, refusals), and the time one hash takes
 * on this machine (printed as a diagnostic). */
#include "config.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keyd.h"
#include "rpc/rpc.h"
#include "util/arena.h"
#include "../tap.h"

#define ok tap_ok
#define is_int TAP_IS_INT

static struct keyd_ring *ring, *other;
static struct keyd_session sess;

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void test_hash(void)
{
	const struct keyd_key *k = keyd_ring_current(ring);
	const struct keyd_key *k2 = keyd_ring_current(other);
	char h1[KEYD_PASSWORD_HASH_MAX], h2[KEYD_PASSWORD_HASH_MAX], params[64];
	double best = 1e9;
	for (int i = 0; i < 3; i++) {
		double t = now_ms();
		is_int(keyd_password_hash(k, "correct horse", h1), 0, "keyd_password_hash");
		if (now_ms() - t < best)
			best = now_ms() - t;
	}
	char msg[128];
	snprintf(msg, sizeof(msg), "one Argon2id hash (t=%llu, m=%u KiB): %.1f ms (best of 3)",
		 (unsigned long long)KEYD_PWHASH_OPSLIMIT, KEYD_PWHASH_MEMLIMIT >> 10, best);
	tap_diag(msg);
	snprintf(params, sizeof(params), "$argon2id$v=19$m=%u,t=%llu,p=1$",
		 KEYD_PWHASH_MEMLIMIT >> 10, (unsigned long long)KEYD_PWHASH_OPSLIMIT);
	ok(strncmp(h1, params, strlen(params)) == 0, "an Argon2id string with keyd's cost: %s",
	   params);
	is_int(keyd_password_verify(k, "correct horse", h1), 1, "the password verifies");
	is_int(keyd_password_verify(k, "correct horsf", h1), 0, "another does not");
	is_int(keyd_password_verify(k2, "correct horse", h1), 0,
	       "nor the same password under another master key (the pepper)");
	ok(crypto_pwhash_str_verify(h1, "correct horse", strlen("correct horse")) != 0,
	   "the hash is not a plain crypto_pwhash hash of the password");
	is_int(keyd_password_hash(k, "correct horse", h2), 0, "hashed again");
	ok(strcmp(h1, h2) != 0, "a fresh salt: another string");
	is_int(keyd_password_verify(k, "correct horse", "$2y$10$abc"), -EINVAL,
	       "a hash that is not Argon2id: -EINVAL");

	uint8_t salt[KEYD_PASSWORD_SALT] = { 1, 2, 3 }, f1[32], f2[32], f3[32];
	keyd_password_fingerprint(k, salt, "pw", 2, f1);
	keyd_password_fingerprint(k, salt, "pw", 2, f2);
	ok(memcmp(f1, f2, 32) == 0, "a fingerprint is the same for the same salt");
	salt[0] = 9;
	keyd_password_fingerprint(k, salt, "pw", 2, f3);
	ok(memcmp(f1, f3, 32) != 0, "another salt, another fingerprint");
	keyd_password_fingerprint(k2, salt, "pw", 2, f2);
	ok(memcmp(f3, f2, 32) != 0, "another master key, another fingerprint");
}

/* ---- the ops on frames ---- */

static Keyd__Response *call(const Keyd__Request *req)
{
	size_t len = keyd__request__get_packed_size(req);
	uint8_t *buf = malloc(len + 1);
	struct rpc_buf out = { 0 };
	const uint8_t *rb;
	uint32_t rl;
	Keyd__Response *resp = NULL;
	keyd__request__pack(req, buf);
	if (keyd_answer_frame(ring, &sess, buf, len, &out) == 0 &&
	    rpc_frame_next(&out, 1u << 20, &rb, &rl) == 1)
		resp = keyd__response__unpack(NULL, rl, rb);
	rpc_buf_release(&out);
	free(buf);
	return resp;
}

static Keyd__Code code_of(const Keyd__Response *r)
{
	return r && r->status && r->status->has_code ? r->status->code : KEYD__CODE__OK;
}

static Keyd__Response *hash_req(const char *pw, Keyd__PasswordFingerprint **hist, size_t n,
				const char *old_pw, const char *old_hash)
{
	Keyd__Request req = KEYD__REQUEST__INIT;
	Keyd__HashPasswordRequest h = KEYD__HASH_PASSWORD_REQUEST__INIT;
	char pbuf[300], obuf[300];
	snprintf(pbuf, sizeof(pbuf), "%s", pw);
	snprintf(obuf, sizeof(obuf), "%s", old_pw ? old_pw : "");
	req.op_case = KEYD__REQUEST__OP_HASH_PASSWORD;
	req.hash_password = &h;
	h.password = pbuf;
	h.history = hist;
	h.n_history = n;
	if (old_hash) {
		h.old_password = obuf;
		h.old_hash = (char *)old_hash;
		h.has_old_key_version = true;
		h.old_key_version = 1;
	}
	return call(&req);
}

static Keyd__Response *verify_req(const char *pw, const char *hash, uint32_t version)
{
	Keyd__Request req = KEYD__REQUEST__INIT;
	Keyd__VerifyPasswordRequest v = KEYD__VERIFY_PASSWORD_REQUEST__INIT;
	char pbuf[300];
	snprintf(pbuf, sizeof(pbuf), "%s", pw);
	req.op_case = KEYD__REQUEST__OP_VERIFY_PASSWORD;
	req.verify_password = &v;
	v.password = pbuf;
	v.hash = (char *)hash;
	v.has_key_version = true;
	v.key_version = version;
	return call(&req);
}

static void test_ops(void)
{
	Keyd__Request req = KEYD__REQUEST__INIT;
	Keyd__Hello hello = KEYD__HELLO__INIT;
	arena_new(0, &sess.arena);
	req.op_case = KEYD__REQUEST__OP_HELLO;
	req.hello = &hello;
	keyd__response__free_unpacked(call(&req), NULL);

	Keyd__Response *r1 = hash_req("Passw0rd!one", NULL, 0, NULL, NULL);
	ok(r1 && r1->hash_password && r1->hash_password->hash &&
	   strncmp(r1->hash_password->hash, "$argon2id$", 10) == 0 &&
	   r1->hash_password->key_version == 1 && !r1->hash_password->reused,
	   "HashPassword: an Argon2id string and the key version");
	ok(r1 && r1->hash_password && r1->hash_password->fingerprint &&
	   r1->hash_password->fingerprint->salt.len == 16 &&
	   r1->hash_password->fingerprint->fingerprint.len == 32,
	   "... and the password's fingerprint (salt 16, 32 bytes)");
	if (!r1 || !r1->hash_password || !r1->hash_password->fingerprint)
		return;
	const char *h1 = r1->hash_password->hash;

	Keyd__Response *r = verify_req("Passw0rd!one", h1, 1);
	ok(r && r->verify_password && r->verify_password->valid, "VerifyPassword: valid");
	keyd__response__free_unpacked(r, NULL);
	r = verify_req("Passw0rd!two", h1, 1);
	ok(r && r->verify_password && !r->verify_password->valid, "a wrong one: not valid");
	keyd__response__free_unpacked(r, NULL);
	r = verify_req("Passw0rd!one", h1, 5);
	is_int(code_of(r), KEYD__CODE__UNKNOWN_KEY_VERSION, "a key version not held");
	keyd__response__free_unpacked(r, NULL);
	r = verify_req("", h1, 1);
	is_int(code_of(r), KEYD__CODE__BAD_REQUEST, "an empty password: BAD_REQUEST");
	keyd__response__free_unpacked(r, NULL);

	Keyd__PasswordFingerprint *hist[1] = { r1->hash_password->fingerprint };
	r = hash_req("Passw0rd!one", hist, 1, NULL, NULL);
	ok(r && r->hash_password && r->hash_password->reused && !r->hash_password->hash,
	   "the same password with its fingerprint in the history: reused, no hash");
	keyd__response__free_unpacked(r, NULL);
	r = hash_req("Passw0rd!two", hist, 1, NULL, NULL);
	ok(r && r->hash_password && !r->hash_password->reused && r->hash_password->hash,
	   "another password: hashed");
	keyd__response__free_unpacked(r, NULL);

	r = hash_req("Passw0rd!two", NULL, 0, "Passw0rd!bad", h1);
	is_int(code_of(r), KEYD__CODE__WRONG_PASSWORD, "a wrong old password: WRONG_PASSWORD");
	keyd__response__free_unpacked(r, NULL);
	r = hash_req("Passw0rd!two", NULL, 0, "Passw0rd!one", h1);
	ok(r && r->hash_password && r->hash_password->hash, "the right old password: hashed");
	keyd__response__free_unpacked(r, NULL);

	Keyd__PasswordFingerprint bad = KEYD__PASSWORD_FINGERPRINT__INIT;
	Keyd__PasswordFingerprint *badv[1] = { &bad };
	r = hash_req("Passw0rd!two", badv, 1, NULL, NULL);
	is_int(code_of(r), KEYD__CODE__BAD_REQUEST, "a history entry without salt: BAD_REQUEST");
	keyd__response__free_unpacked(r, NULL);
	char longpw[KEYD_PASSWORD_MAX + 2];
	memset(longpw, 'a', sizeof(longpw) - 1);
	longpw[sizeof(longpw) - 1] = '\0';
	r = hash_req(longpw, NULL, 0, NULL, NULL);
	is_int(code_of(r), KEYD__CODE__BAD_REQUEST, "a password of 257 bytes: BAD_REQUEST");
	keyd__response__free_unpacked(r, NULL);
	keyd__response__free_unpacked(r1, NULL);
	arena_free(sess.arena);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const char *text = "1 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";
	const char *text2 = "1 HxAREhMUFRYXGBkaGxwdHh8AAQIDBAUGBwgJCgsMDQ4=\n";
	if (keyd_ring_parse(text, strlen(text), &ring) < 0 ||
	    keyd_ring_parse(text2, strlen(text2), &other) < 0)
		return 99;
	keyd_log_setup(false);
	test_hash();
	test_ops();
	keyd_ring_free(ring);
	keyd_ring_free(other);
	return tap_done();
}
