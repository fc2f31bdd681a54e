/* keyd_totp: virtual MFA devices (docs/mfa.md). SHA-1 (RFC 3174) and
 * HMAC-SHA1 (RFC 2104, lib/util/sha1.c) because TOTP needs them;
 * HOTP (RFC 4226) and TOTP (RFC 6238: 30 s steps, 6 digits); the seed of a
 * device derived from the master key and a non-secret nonce that iamd
 * stores (keyed BLAKE2b(master, "iamd/mfa-seed/v1" || nonce), 20 bytes), so
 * the seed exists only in keyd and, once, in CreateMfaSeed's answer; and
 * the constant-time check of one code, or of two consecutive codes, against
 * a window of steps (pure: the clock is passed in); and the handlers of
 * the ops CreateMfaSeed and VerifyTotp (keyd.h, the table in
 * keyd_answer.c). */
#include "config.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "keyd.h"
#include "util/sha1.h"

#define MFA_SEED_LABEL "iamd/mfa-seed/v1"

/* ---- HOTP, TOTP ---- */

uint32_t keyd_hotp(const uint8_t *key, size_t klen, uint64_t counter, unsigned digits)
{
	uint8_t msg[8], mac[UTIL_SHA1_LEN];
	uint32_t mod = 1;
	for (unsigned i = 0; i < digits && i < 9; i++)
		mod *= 10;
	for (int i = 0; i < 8; i++)
		msg[i] = (uint8_t)(counter >> (56 - 8 * i));
	util_hmac_sha1(key, klen, msg, sizeof(msg), mac);
	unsigned off = mac[19] & 0x0f;
	uint32_t bin = ((uint32_t)(mac[off] & 0x7f) << 24) | ((uint32_t)mac[off + 1] << 16) |
		       ((uint32_t)mac[off + 2] << 8) | mac[off + 3];
	sodium_memzero(mac, sizeof(mac));
	return bin % mod;
}

int keyd_mfa_seed(const struct keyd_key *k, const uint8_t *nonce, size_t nonce_len,
		  uint8_t ret[KEYD_MFA_SEED_LEN])
{
	uint8_t msg[sizeof(MFA_SEED_LABEL) - 1 + KEYD_MFA_NONCE_MAX];
	if (nonce_len < KEYD_MFA_NONCE_MIN || nonce_len > KEYD_MFA_NONCE_MAX)
		return -EINVAL;
	memcpy(msg, MFA_SEED_LABEL, sizeof(MFA_SEED_LABEL) - 1);
	memcpy(msg + sizeof(MFA_SEED_LABEL) - 1, nonce, nonce_len);
	if (crypto_generichash(ret, KEYD_MFA_SEED_LEN, msg,
			       sizeof(MFA_SEED_LABEL) - 1 + nonce_len, k->master,
			       KEYD_KEY_LEN) != 0)
		return -EIO;
	return 0;
}

void keyd_base32(const uint8_t *in, size_t len, char *out)
{
	static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		acc = (acc << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = abc[(acc >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits)
		out[o++] = abc[(acc << (5 - bits)) & 31];
	out[o] = '\0';
	acc = 0;
}

static bool code_ok(const char *s)
{
	if (!s || strlen(s) != KEYD_TOTP_DIGITS)
		return false;
	for (size_t i = 0; i < KEYD_TOTP_DIGITS; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static void code_text(uint32_t v, char out[KEYD_TOTP_DIGITS + 1])
{
	for (int i = KEYD_TOTP_DIGITS - 1; i >= 0; i--) {
		out[i] = (char)('0' + v % 10);
		v /= 10;
	}
	out[KEYD_TOTP_DIGITS] = '\0';
}

int keyd_totp_verify(const uint8_t seed[KEYD_MFA_SEED_LEN], const struct keyd_totp_check *in,
		     int64_t *ret_step)
{
	bool pair = in->next_code != NULL;
	uint32_t window = pair ? in->window : 1;
	char want[KEYD_TOTP_DIGITS + 1], got[KEYD_TOTP_DIGITS + 1];
	int64_t found = -1;
	if (!code_ok(in->code) || (pair && !code_ok(in->next_code)) || window < 1 ||
	    window > KEYD_TOTP_WINDOW_MAX || in->drift < -KEYD_TOTP_DRIFT_MAX ||
	    in->drift > KEYD_TOTP_DRIFT_MAX || in->now_step < KEYD_TOTP_WINDOW_MAX * 4)
		return -EINVAL;
	int64_t centre = in->now_step + in->drift;
	/* every candidate is computed and compared, match or not; which step
	 * matched (the answer) is chosen without a branch on the comparison */
	for (int64_t s = centre - (int64_t)window; s <= centre + (int64_t)window; s++) {
		int64_t last = pair ? s + 1 : s;
		code_text(keyd_hotp(seed, KEYD_MFA_SEED_LEN, (uint64_t)s, KEYD_TOTP_DIGITS), want);
		int eq = sodium_memcmp(want, in->code, KEYD_TOTP_DIGITS) == 0;
		if (pair) {
			code_text(keyd_hotp(seed, KEYD_MFA_SEED_LEN, (uint64_t)(s + 1),
					    KEYD_TOTP_DIGITS), got);
			eq &= sodium_memcmp(got, in->next_code, KEYD_TOTP_DIGITS) == 0;
		}
		/* a step already used (or older) never counts again */
		eq &= s > in->last_step;
		int64_t mask = -(int64_t)eq;
		found = (found & ~mask) | (last & mask);
	}
	sodium_memzero(want, sizeof(want));
	sodium_memzero(got, sizeof(got));
	if (found < 0)
		return 0;
	*ret_step = found;
	return 1;
}

/* ---- the ops (keyd.h): the seed leaves keyd once, at creation ---- */
int keyd_answer_create_mfa_seed(struct keyd_req *x, const ProtobufCMessage *m,
				       ProtobufCMessage **ret)
{
	const Keyd__CreateMfaSeedRequest *req = (const Keyd__CreateMfaSeedRequest *)m;
	Keyd__CreateMfaSeedResponse *resp = x_alloc(x, sizeof(*resp));
	const struct keyd_key *k = keyd_ring_current(x->ring);
	uint8_t seed[KEYD_MFA_SEED_LEN];
	if (!resp)
		return -ENOMEM;
	if (!req->has_nonce || req->nonce.len < KEYD_MFA_NONCE_MIN ||
	    req->nonce.len > KEYD_MFA_NONCE_MAX)
		return refuse(x, KEYD__CODE__BAD_REQUEST, "nonce: 16 to 32 bytes");
	int r = keyd_mfa_seed(k, req->nonce.data, req->nonce.len, seed);
	if (r < 0)
		return r;
	/* x->secret is wiped once the answer is packed */
	keyd_base32(seed, sizeof(seed), x->secret);
	sodium_memzero(seed, sizeof(seed));
	keyd__create_mfa_seed_response__init(resp);
	resp->base32_seed = x->secret;
	resp->has_key_version = true;
	resp->key_version = k->version;
	*ret = &resp->base;
	return 0;
}

int keyd_answer_verify_totp(struct keyd_req *x, const ProtobufCMessage *m,
				   ProtobufCMessage **ret)
{
	const Keyd__VerifyTotpRequest *req = (const Keyd__VerifyTotpRequest *)m;
	Keyd__VerifyTotpResponse *resp = x_alloc(x, sizeof(*resp));
	uint8_t seed[KEYD_MFA_SEED_LEN];
	int64_t step = 0;
	if (!resp)
		return -ENOMEM;
	if (!req->has_nonce || req->nonce.len < KEYD_MFA_NONCE_MIN ||
	    req->nonce.len > KEYD_MFA_NONCE_MAX)
		return refuse(x, KEYD__CODE__BAD_REQUEST, "nonce: 16 to 32 bytes");
	if (!req->has_key_version)
		return refuse(x, KEYD__CODE__BAD_REQUEST, "key_version: required");
	if (!code_ok(req->code) || (req->next_code && !code_ok(req->next_code)))
		return refuse(x, KEYD__CODE__BAD_REQUEST, "code, next_code: 6 digits");
	if (req->has_drift && (req->drift < -KEYD_TOTP_DRIFT_MAX ||
			       req->drift > KEYD_TOTP_DRIFT_MAX))
		return refuse(x, KEYD__CODE__BAD_REQUEST, "drift: -40 to 40 steps");
	if (req->has_window && (req->window < 1 || req->window > KEYD_TOTP_WINDOW_MAX))
		return refuse(x, KEYD__CODE__BAD_REQUEST, "window: 1 to 40 steps");
	const struct keyd_key *k = keyd_ring_find(x->ring, req->key_version);
	if (!k)
		return refuse(x, KEYD__CODE__UNKNOWN_KEY_VERSION, "key_version: not held");
	int r = keyd_mfa_seed(k, req->nonce.data, req->nonce.len, seed);
	if (r < 0)
		return r;
	struct keyd_totp_check in = {
		.code = req->code, .next_code = req->next_code,
		.now_step = x->now / KEYD_TOTP_STEP,
		.drift = req->has_drift ? req->drift : 0,
		.window = req->has_window ? req->window : 10,
		.last_step = req->has_last_step ? req->last_step : -1,
	};
	r = keyd_totp_verify(seed, &in, &step);
	sodium_memzero(seed, sizeof(seed));
	if (r == -EINVAL)
		return refuse(x, KEYD__CODE__BAD_REQUEST, "the clock or an input is out of range");
	if (r < 0)
		return r;
	keyd__verify_totp_response__init(resp);
	resp->has_valid = true;
	resp->valid = r == 1;
	if (r == 1) {
		resp->has_step = resp->has_drift = true;
		resp->step = step;
		resp->drift = (int32_t)(step - in.now_step);
	}
	*ret = &resp->base;
	return 0;
}
