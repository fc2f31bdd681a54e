/* keyd_password: IAM users' console passwords (docs/passwords.md, the ops
 * HashPassword and VerifyPassword of proto/keyd.proto). A password never
 * leaves keyd in any form an attacker of iamd's LMDB file could use:
 *
 *   pepper[v]   = keyed BLAKE2b(master[v], "iamd/password-pepper/v1")
 *   peppered    = keyed BLAKE2b(pepper[v], password), 32 bytes
 *   hash        = crypto_pwhash_str(peppered): Argon2id with keyd's cost
 *                 (KEYD_PWHASH_OPSLIMIT, KEYD_PWHASH_MEMLIMIT)
 *   fingerprint = keyed BLAKE2b(master[v], "iamd/password-history/v1" ||
 *                 salt[16] || password), 32 bytes (reuse prevention)
 *
 * Every intermediate is wiped; comparisons are constant-time
 * (crypto_pwhash_str_verify, sodium_memcmp). The handlers wipe the
 * passwords of the decoded request once answered. */
#include "config.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "keyd.h"

#define PEPPER_LABEL "iamd/password-pepper/v1"
#define HISTORY_LABEL "iamd/password-history/v1"

/* AWS: 1-128 characters of [\t\n\r\x20-\xFF]; each at most 2 UTF-8 bytes. */
static bool password_ok(const char *p)
{
	size_t n = p ? strlen(p) : 0;
	return n >= 1 && n <= KEYD_PASSWORD_MAX;
}

int keyd_password_pepper(const struct keyd_key *k, const char *password, size_t len,
			 uint8_t ret[KEYD_PASSWORD_PEPPERED])
{
	uint8_t pepper[KEYD_KEY_LEN];
	int r = -EIO;
	if (crypto_generichash(pepper, sizeof(pepper), (const uint8_t *)PEPPER_LABEL,
			       sizeof(PEPPER_LABEL) - 1, k->master, KEYD_KEY_LEN) == 0 &&
	    crypto_generichash(ret, KEYD_PASSWORD_PEPPERED, (const uint8_t *)password, len,
			       pepper, sizeof(pepper)) == 0)
		r = 0;
	sodium_memzero(pepper, sizeof(pepper));
	return r;
}

int keyd_password_fingerprint(const struct keyd_key *k, const uint8_t salt[KEYD_PASSWORD_SALT],
			      const char *password, size_t len,
			      uint8_t ret[KEYD_PASSWORD_FINGERPRINT])
{
	crypto_generichash_state st;
	int r = -EIO;
	if (crypto_generichash_init(&st, k->master, KEYD_KEY_LEN, KEYD_PASSWORD_FINGERPRINT) == 0 &&
	    crypto_generichash_update(&st, (const uint8_t *)HISTORY_LABEL,
				      sizeof(HISTORY_LABEL) - 1) == 0 &&
	    crypto_generichash_update(&st, salt, KEYD_PASSWORD_SALT) == 0 &&
	    crypto_generichash_update(&st, (const uint8_t *)password, len) == 0 &&
	    crypto_generichash_final(&st, ret, KEYD_PASSWORD_FINGERPRINT) == 0)
		r = 0;
	sodium_memzero(&st, sizeof(st));
	return r;
}

int keyd_password_hash(const struct keyd_key *k, const char *password,
		       char ret[KEYD_PASSWORD_HASH_MAX])
{
	uint8_t pep[KEYD_PASSWORD_PEPPERED];
	int r = keyd_password_pepper(k, password, strlen(password), pep);
	if (r == 0 && crypto_pwhash_str_alg(ret, (const char *)pep, sizeof(pep),
					    KEYD_PWHASH_OPSLIMIT, KEYD_PWHASH_MEMLIMIT,
					    crypto_pwhash_ALG_ARGON2ID13) != 0)
		r = -ENOMEM;   /* libsodium fails only when it cannot allocate */
	sodium_memzero(pep, sizeof(pep));
	return r;
}

int keyd_password_verify(const struct keyd_key *k, const char *password, const char *hash)
{
	uint8_t pep[KEYD_PASSWORD_PEPPERED];
	if (!hash || strnlen(hash, KEYD_PASSWORD_HASH_MAX) >= KEYD_PASSWORD_HASH_MAX ||
	    strncmp(hash, "$argon2id$", 10) != 0)
		return -EINVAL;
	int r = keyd_password_pepper(k, password, strlen(password), pep);
	if (r < 0)
		return r;
	r = crypto_pwhash_str_verify(hash, (const char *)pep, sizeof(pep)) == 0 ? 1 : 0;
	sodium_memzero(pep, sizeof(pep));
	return r;
}

/* Whether the password is one of the history's (every entry is computed
 * and compared, whatever matched before). */
static int history_match(struct keyd_req *x, Keyd__PasswordFingerprint *const *h, size_t n,
			 const char *password, bool *ret)
{
	uint8_t fp[KEYD_PASSWORD_FINGERPRINT];
	bool hit = false;
	for (size_t i = 0; i < n; i++) {
		if (!h[i]->has_salt || h[i]->salt.len != KEYD_PASSWORD_SALT ||
		    !h[i]->has_fingerprint || h[i]->fingerprint.len != KEYD_PASSWORD_FINGERPRINT ||
		    !h[i]->has_key_version)
			return refuse(x, KEYD__CODE__BAD_REQUEST,
				      "history: salt 16 bytes, fingerprint 32 bytes, key_version");
		const struct keyd_key *k = keyd_ring_find(x->ring, h[i]->key_version);
		if (!k)
			continue;   /* a retired version: that password cannot match */
		int r = keyd_password_fingerprint(k, h[i]->salt.data, password, strlen(password), fp);
		if (r < 0)
			return r;
		hit |= sodium_memcmp(fp, h[i]->fingerprint.data, sizeof(fp)) == 0;
	}
	sodium_memzero(fp, sizeof(fp));
	*ret = hit;
	return 0;
}

static void wipe_str(char *s)
{
	if (s)
		sodium_memzero(s, strlen(s));
}

static int hash_password(struct keyd_req *x, const Keyd__HashPasswordRequest *req,
			 Keyd__HashPasswordResponse *resp)
{
	const struct keyd_key *k = keyd_ring_current(x->ring);
	bool reused = false;
	int r;
	if (!password_ok(req->password))
		return refuse(x, KEYD__CODE__BAD_REQUEST, "password: 1 to 256 bytes");
	if (req->n_history > KEYD_PASSWORD_HISTORY_MAX)
		return refuse(x, KEYD__CODE__BAD_REQUEST, "history: at most 24 entries");
	if (req->old_hash) {
		if (!password_ok(req->old_password) || !req->has_old_key_version)
			return refuse(x, KEYD__CODE__BAD_REQUEST,
				      "old_password, old_key_version: required with old_hash");
		const struct keyd_key *ok = keyd_ring_find(x->ring, req->old_key_version);
		if (!ok)
			return refuse(x, KEYD__CODE__UNKNOWN_KEY_VERSION,
				      "old_key_version: not held");
		r = keyd_password_verify(ok, req->old_password, req->old_hash);
		if (r == -EINVAL)
			return refuse(x, KEYD__CODE__BAD_REQUEST, "old_hash: an Argon2id string");
		if (r < 0)
			return r;
		if (r == 0)
			return refuse(x, KEYD__CODE__WRONG_PASSWORD, "old_password: not the password");
	}
	if ((r = history_match(x, req->history, req->n_history, req->password, &reused)) != 0)
		return r;
	keyd__hash_password_response__init(resp);
	resp->has_reused = true;
	resp->reused = reused;
	if (reused)
		return 0;
	Keyd__PasswordFingerprint *fp = x_alloc(x, sizeof(*fp));
	uint8_t *salt = x_alloc(x, KEYD_PASSWORD_SALT);
	uint8_t *mac = x_alloc(x, KEYD_PASSWORD_FINGERPRINT);
	char *hash = x_alloc(x, KEYD_PASSWORD_HASH_MAX);
	if (!fp || !salt || !mac || !hash)
		return -ENOMEM;
	randombytes_buf(salt, KEYD_PASSWORD_SALT);
	if ((r = keyd_password_fingerprint(k, salt, req->password, strlen(req->password), mac)) < 0 ||
	    (r = keyd_password_hash(k, req->password, hash)) < 0)
		return r;
	keyd__password_fingerprint__init(fp);
	fp->has_salt = fp->has_fingerprint = fp->has_key_version = true;
	fp->salt.data = salt;
	fp->salt.len = KEYD_PASSWORD_SALT;
	fp->fingerprint.data = mac;
	fp->fingerprint.len = KEYD_PASSWORD_FINGERPRINT;
	fp->key_version = k->version;
	resp->hash = hash;
	resp->has_key_version = true;
	resp->key_version = k->version;
	resp->fingerprint = fp;
	return 0;
}

int keyd_answer_hash_password(struct keyd_req *x, const ProtobufCMessage *m,
			      ProtobufCMessage **ret)
{
	Keyd__HashPasswordRequest *req = (Keyd__HashPasswordRequest *)m;
	Keyd__HashPasswordResponse *resp = x_alloc(x, sizeof(*resp));
	int r = resp ? hash_password(x, req, resp) : -ENOMEM;
	wipe_str(req->password);
	wipe_str(req->old_password);
	if (r == 0)
		*ret = &resp->base;
	return r;
}

int keyd_answer_verify_password(struct keyd_req *x, const ProtobufCMessage *m,
				ProtobufCMessage **ret)
{
	Keyd__VerifyPasswordRequest *req = (Keyd__VerifyPasswordRequest *)m;
	Keyd__VerifyPasswordResponse *resp = x_alloc(x, sizeof(*resp));
	const struct keyd_key *k = NULL;
	int r = 0, valid = 0;
	if (!resp)
		r = -ENOMEM;
	else if (!password_ok(req->password))
		r = refuse(x, KEYD__CODE__BAD_REQUEST, "password: 1 to 256 bytes");
	else if (!req->has_key_version)
		r = refuse(x, KEYD__CODE__BAD_REQUEST, "key_version: required");
	else if (!(k = keyd_ring_find(x->ring, req->key_version)))
		r = refuse(x, KEYD__CODE__UNKNOWN_KEY_VERSION, "key_version: not held");
	if (r == 0) {
		valid = keyd_password_verify(k, req->password, req->hash);
		if (valid == -EINVAL)
			r = refuse(x, KEYD__CODE__BAD_REQUEST, "hash: an Argon2id string");
		else if (valid < 0)
			r = valid;
	}
	wipe_str(req->password);
	if (r != 0)
		return r;
	keyd__verify_password_response__init(resp);
	resp->has_valid = true;
	resp->valid = valid == 1;
	*ret = &resp->base;
	return 0;
}
