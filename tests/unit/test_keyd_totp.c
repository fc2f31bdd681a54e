/* test_keyd_totp: keyd's virtual MFA pieces (keyd_totp.c): SHA-1 against
 * RFC 3174's vectors, HMAC-SHA1 against RFC 2202's, HOTP against RFC
 * 4226's, TOTP (SHA-1, 8 digits) against RFC 6238's; Base32; the window,
 * drift, pairs and used steps of keyd_totp_verify; and the ops CreateMfaSeed
 * and VerifyTotp on frames (the seed derived again from the same nonce,
 * refusals, the clock injected). */
#include "config.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyd.h"
#include "util/sha1.h"
#include "rpc/rpc.h"
#include "util/arena.h"
#include "../tap.h"

#define ok tap_ok
#define is_int TAP_IS_INT
#define is_str TAP_IS_STR

static struct keyd_ring *ring;
static struct keyd_session sess;
static int64_t fake_now;

static int64_t clock_fake(void)
{
	return fake_now;
}

static void hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static void test_sha1(void)
{
	uint8_t d[20];
	char h[41];
	util_sha1((const uint8_t *)"abc", 3, d);
	hex(d, 20, h);
	is_str(h, "a9993e364706816aba3e25717850c26c9cd0d89d", "SHA-1 'abc' (RFC 3174 test 1)");
	const char *t2 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	util_sha1((const uint8_t *)t2, strlen(t2), d);
	hex(d, 20, h);
	is_str(h, "84983e441c3bd26ebaae4aa1f95129e5e54670f1", "SHA-1 test 2 (two blocks)");
	char *a = malloc(1000000);
	memset(a, 'a', 1000000);
	util_sha1((const uint8_t *)a, 1000000, d);
	free(a);
	hex(d, 20, h);
	is_str(h, "34aa973cd4c4daa4f61eeb2bdbad27316534016f", "SHA-1 a million 'a' (test 3)");
	const char *t4 = "0123456701234567012345670123456701234567012345670123456701234567";
	size_t n4 = strlen(t4) * 10;
	char *b = malloc(n4);
	for (int i = 0; i < 10; i++)
		memcpy(b + i * 64, t4, 64);
	util_sha1((const uint8_t *)b, n4, d);
	free(b);
	hex(d, 20, h);
	is_str(h, "dea356a2cddd90c7a7ecedc5ebb563934f460452", "SHA-1 test 4 (640 bytes)");
	util_sha1((const uint8_t *)"", 0, d);
	hex(d, 20, h);
	is_str(h, "da39a3ee5e6b4b0d3255bfef95601890afd80709", "SHA-1 of nothing");
}

static void test_hmac(void)
{
	uint8_t d[20], key[80], data[80];
	char h[41];
	memset(key, 0x0b, 20);
	util_hmac_sha1(key, 20, (const uint8_t *)"Hi There", 8, d);
	hex(d, 20, h);
	is_str(h, "b617318655057264e28bc0b6fb378c8ef146be00", "HMAC-SHA1 RFC 2202 case 1");
	util_hmac_sha1((const uint8_t *)"Jefe", 4,
		       (const uint8_t *)"what do ya want for nothing?", 28, d);
	hex(d, 20, h);
	is_str(h, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79", "case 2");
	memset(key, 0xaa, 20);
	memset(data, 0xdd, 50);
	util_hmac_sha1(key, 20, data, 50, d);
	hex(d, 20, h);
	is_str(h, "125d7342b9ac11cd91a39af48aa17b4f63f175d3", "case 3");
	memset(key, 0xaa, 80);
	const char *m6 = "Test Using Larger Than Block-Size Key - Hash Key First";
	util_hmac_sha1(key, 80, (const uint8_t *)m6, strlen(m6), d);
	hex(d, 20, h);
	is_str(h, "aa4ae5e15272d00e95705637ce8a3b55ed402112", "case 6 (key longer than a block)");
	const char *m7 = "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data";
	util_hmac_sha1(key, 80, (const uint8_t *)m7, strlen(m7), d);
	hex(d, 20, h);
	is_str(h, "e8e99d0f45237d786d6bbaa7965c7808bbff1a91", "case 7");
}

static const uint8_t rfc_key[] = "12345678901234567890";

static void test_hotp_totp(void)
{
	static const uint32_t hotp[] = { 755224, 287082, 359152, 969429, 338314,
					 254676, 287922, 162583, 399871, 520489 };
	bool all = true;
	for (unsigned i = 0; i < 10; i++)
		all &= keyd_hotp(rfc_key, 20, i, 6) == hotp[i];
	ok(all, "HOTP: RFC 4226 appendix D, counters 0-9");
	static const struct {
		int64_t t;
		uint32_t code;
	} totp[] = { { 59, 94287082 }, { 1111111109, 7081804 }, { 1111111111, 14050471 },
		     { 1234567890, 89005924 }, { 2000000000, 69279037 },
		     { 20000000000LL, 65353130 } };
	for (size_t i = 0; i < sizeof(totp) / sizeof(totp[0]); i++) {
		uint32_t got = keyd_hotp(rfc_key, 20, (uint64_t)(totp[i].t / 30), 8);
		ok(got == totp[i].code, "TOTP SHA-1 RFC 6238 appendix B, T=%lld: %08u",
		   (long long)totp[i].t, got);
	}
	char b32[40];
	keyd_base32((const uint8_t *)"foobar", 6, b32);
	is_str(b32, "MZXW6YTBOI", "Base32 'foobar' (RFC 4648, no padding)");
	keyd_base32(rfc_key, 20, b32);
	is_str(b32, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "Base32 of the RFC key: 32 characters");
}

static void code6(int64_t step, char out[7])
{
	snprintf(out, 7, "%06u", keyd_hotp(rfc_key, 20, (uint64_t)step, 6));
}

static void test_verify(void)
{
	char c[7], n[7], bad[7];
	int64_t now = 1700000000 / 30, step = 0;
	struct keyd_totp_check in = { .code = c, .now_step = now, .window = 1, .last_step = -1 };
	code6(now, c);
	is_int(keyd_totp_verify(rfc_key, &in, &step), 1, "the current code verifies");
	is_int(step, now, "... at the current step");
	code6(now - 1, c);
	is_int(keyd_totp_verify(rfc_key, &in, &step), 1, "the previous step's code verifies");
	is_int(step, now - 1, "... at now-1");
	code6(now + 1, c);
	is_int(keyd_totp_verify(rfc_key, &in, &step), 1, "the next step's code verifies");
	code6(now - 2, c);
	is_int(keyd_totp_verify(rfc_key, &in, &step), 0, "a code two steps old does not");
	code6(now + 2, c);
	is_int(keyd_totp_verify(rfc_key, &in, &step), 0, "nor two steps ahead");
	code6(now, c);
	in.last_step = now;
	is_int(keyd_totp_verify(rfc_key, &in, &step), 0, "a used step does not count again");
	in.last_step = now - 1;
	is_int(keyd_totp_verify(rfc_key, &in, &step), 1, "a later step after a used one does");
	in.last_step = -1;
	code6(now + 7, c);
	in.drift = 7;
	is_int(keyd_totp_verify(rfc_key, &in, &step), 1, "a known drift moves the window");
	in.drift = 0;
	/* two consecutive codes: Enable/Resync */
	code6(now - 8, c);
	code6(now - 7, n);
	in.next_code = n;
	in.window = 10;
	is_int(keyd_totp_verify(rfc_key, &in, &step), 1, "two consecutive codes 8 steps old");
	is_int(step, now - 7, "... the step of the second");
	in.window = 5;
	is_int(keyd_totp_verify(rfc_key, &in, &step), 0, "... not within a window of 5");
	in.window = 10;
	code6(now - 6, n);
	is_int(keyd_totp_verify(rfc_key, &in, &step), 0, "two codes that are not consecutive");
	code6(now, n);
	code6(now + 1, c);
	in.code = c;
	in.next_code = n;
	is_int(keyd_totp_verify(rfc_key, &in, &step), 0, "two codes in the wrong order");
	snprintf(bad, sizeof(bad), "12345");
	in.code = bad;
	in.next_code = NULL;
	is_int(keyd_totp_verify(rfc_key, &in, &step), -EINVAL, "five digits: -EINVAL");
	snprintf(bad, sizeof(bad), "12a456");
	is_int(keyd_totp_verify(rfc_key, &in, &step), -EINVAL, "a letter: -EINVAL");
	in.code = c;
	in.drift = 41;
	is_int(keyd_totp_verify(rfc_key, &in, &step), -EINVAL, "drift above 40: -EINVAL");
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

static Keyd__Response *verify(const uint8_t *nonce, size_t nlen, uint32_t version,
			      const char *code, const char *next, int64_t last)
{
	Keyd__Request req = KEYD__REQUEST__INIT;
	Keyd__VerifyTotpRequest v = KEYD__VERIFY_TOTP_REQUEST__INIT;
	req.op_case = KEYD__REQUEST__OP_VERIFY_TOTP;
	req.verify_totp = &v;
	v.has_nonce = v.has_key_version = true;
	v.nonce.data = (uint8_t *)nonce;
	v.nonce.len = nlen;
	v.key_version = version;
	v.code = (char *)code;
	v.next_code = (char *)next;
	if (last >= 0) {
		v.has_last_step = true;
		v.last_step = last;
	}
	return call(&req);
}

/* Base32 decoding for the test: 32 characters into 20 bytes. */
static void b32_decode(const char *s, uint8_t out[20])
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;
	for (; *s && o < 20; s++) {
		unsigned v = *s >= 'A' && *s <= 'Z' ? (unsigned)(*s - 'A') : (unsigned)(*s - '2' + 26);
		acc = (acc << 5) | v;
		bits += 5;
		if (bits >= 8) {
			out[o++] = (uint8_t)(acc >> (bits - 8));
			bits -= 8;
		}
	}
}

static void test_ops(void)
{
	Keyd__Request req = KEYD__REQUEST__INIT;
	Keyd__Hello h = KEYD__HELLO__INIT;
	Keyd__CreateMfaSeedRequest cr = KEYD__CREATE_MFA_SEED_REQUEST__INIT;
	uint8_t nonce[16], seed[20];
	char c[7], n[7];
	keyd_answer_set_clock(clock_fake);
	fake_now = 1800000000;
	arena_new(0, &sess.arena);
	req.op_case = KEYD__REQUEST__OP_HELLO;
	req.hello = &h;
	keyd__response__free_unpacked(call(&req), NULL);

	randombytes_buf(nonce, sizeof(nonce));
	req.op_case = KEYD__REQUEST__OP_CREATE_MFA_SEED;
	req.create_mfa_seed = &cr;
	cr.has_nonce = true;
	cr.nonce.data = nonce;
	cr.nonce.len = sizeof(nonce);
	Keyd__Response *r = call(&req);
	ok(r && r->create_mfa_seed && r->create_mfa_seed->base32_seed &&
	   strlen(r->create_mfa_seed->base32_seed) == 32, "CreateMfaSeed: 32 characters of Base32");
	ok(r && r->create_mfa_seed && r->create_mfa_seed->key_version == 1,
	   "... with the key version");
	if (!r || !r->create_mfa_seed || !r->create_mfa_seed->base32_seed)
		return;
	b32_decode(r->create_mfa_seed->base32_seed, seed);
	char first[33];
	snprintf(first, sizeof(first), "%s", r->create_mfa_seed->base32_seed);
	keyd__response__free_unpacked(r, NULL);
	r = call(&req);
	ok(r && r->create_mfa_seed && strcmp(r->create_mfa_seed->base32_seed, first) == 0,
	   "the same nonce gives the same seed (derived, nothing kept)");
	keyd__response__free_unpacked(r, NULL);
	cr.nonce.len = 15;
	r = call(&req);
	is_int(code_of(r), KEYD__CODE__BAD_REQUEST, "a nonce of 15 bytes: BAD_REQUEST");
	keyd__response__free_unpacked(r, NULL);

	int64_t now = fake_now / 30;
	snprintf(c, sizeof(c), "%06u", keyd_hotp(seed, 20, (uint64_t)now, 6));
	r = verify(nonce, 16, 1, c, NULL, -1);
	ok(r && r->verify_totp && r->verify_totp->valid && r->verify_totp->step == now &&
	   r->verify_totp->drift == 0, "VerifyTotp: the current code, its step, drift 0");
	keyd__response__free_unpacked(r, NULL);
	r = verify(nonce, 16, 1, c, NULL, now);
	ok(r && r->verify_totp && !r->verify_totp->valid && !r->verify_totp->has_step,
	   "the same code after its step was used: not valid");
	keyd__response__free_unpacked(r, NULL);
	snprintf(c, sizeof(c), "%06u", (keyd_hotp(seed, 20, (uint64_t)now, 6) + 1) % 1000000);
	r = verify(nonce, 16, 1, c, NULL, -1);
	ok(r && r->verify_totp && !r->verify_totp->valid, "a wrong code: not valid");
	keyd__response__free_unpacked(r, NULL);
	snprintf(c, sizeof(c), "%06u", keyd_hotp(seed, 20, (uint64_t)now - 5, 6));
	snprintf(n, sizeof(n), "%06u", keyd_hotp(seed, 20, (uint64_t)now - 4, 6));
	r = verify(nonce, 16, 1, c, n, -1);
	ok(r && r->verify_totp && r->verify_totp->valid && r->verify_totp->drift == -4,
	   "two consecutive codes 5 steps late: valid, drift -4");
	keyd__response__free_unpacked(r, NULL);
	r = verify(nonce, 16, 7, c, n, -1);
	is_int(code_of(r), KEYD__CODE__UNKNOWN_KEY_VERSION, "a key version not held");
	keyd__response__free_unpacked(r, NULL);
	r = verify(nonce, 16, 1, "12345", NULL, -1);
	is_int(code_of(r), KEYD__CODE__BAD_REQUEST, "a code of 5 digits: BAD_REQUEST");
	keyd__response__free_unpacked(r, NULL);
	r = verify(nonce, 8, 1, c, NULL, -1);
	is_int(code_of(r), KEYD__CODE__BAD_REQUEST, "a nonce of 8 bytes: BAD_REQUEST");
	keyd__response__free_unpacked(r, NULL);
	uint8_t other[16];
	memcpy(other, nonce, 16);
	other[0] ^= 1;
	snprintf(c, sizeof(c), "%06u", keyd_hotp(seed, 20, (uint64_t)now, 6));
	r = verify(other, 16, 1, c, NULL, -1);
	ok(r && r->verify_totp && !r->verify_totp->valid, "another device's nonce: not valid");
	keyd__response__free_unpacked(r, NULL);
	arena_free(sess.arena);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_sha1();
	test_hmac();
	test_hotp_totp();
	test_verify();
	const char *text = "1 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";
	if (keyd_ring_parse(text, strlen(text), &ring) < 0)
		return 99;
	keyd_log_setup(false);
	test_ops();
	keyd_ring_free(ring);
	return tap_done();
}
