/* keyd_audit: the audit trail's digest signing key (keyd.h, docs/audit.md
 * "Signed digests"). The Ed25519 keypair of a master key version comes from
 * seed = keyed BLAKE2b-256(master, "iamd/audit-sign/v1"); the secret key
 * lives in sodium_malloc memory for the time of one signature and is wiped.
 * What is signed is never bytes from the peer: keyd_audit_canonical()
 * builds it from typed, validated fields. */
#include "config.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "keyd.h"

#define AUDIT_SIGN_LABEL "iamd/audit-sign/v1"

static int keyd_audit_keypair(const struct keyd_key *k, uint8_t pk[KEYD_AUDIT_PK_LEN],
			      uint8_t **ret_sk)
{
	uint8_t *sk = sodium_malloc(crypto_sign_SECRETKEYBYTES + crypto_sign_SEEDBYTES);
	if (!sk)
		return -ENOMEM;
	uint8_t *seed = sk + crypto_sign_SECRETKEYBYTES;
	crypto_generichash(seed, crypto_sign_SEEDBYTES, (const uint8_t *)AUDIT_SIGN_LABEL,
			   strlen(AUDIT_SIGN_LABEL), k->master, KEYD_KEY_LEN);
	int r = crypto_sign_seed_keypair(pk, sk, seed) == 0 ? 0 : -EINVAL;
	sodium_memzero(seed, crypto_sign_SEEDBYTES);
	if (r < 0 || !ret_sk) {
		sodium_free(sk);     /* wipes */
		return r;
	}
	*ret_sk = sk;
	return 0;
}

int keyd_audit_public_key(const struct keyd_key *k, uint8_t ret[KEYD_AUDIT_PK_LEN])
{
	return keyd_audit_keypair(k, ret, NULL);
}

static uint8_t *put_be(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--)
		*p++ = (uint8_t)(v >> (8 * i));
	return p;
}

static bool name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n == 0 || n > KEYD_AUDIT_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e || s[i] == '/')
			return false;
	return true;
}

int keyd_audit_canonical(const struct keyd_audit_digest *in, uint8_t *out, size_t cap,
			 size_t *ret_len)
{
	if (in->n_files == 0 || in->n_files > KEYD_AUDIT_MAX_FILES)
		return -E2BIG;
	if ((in->prev_hash_len != 0 && in->prev_hash_len != 32) ||
	    (in->prev_sig_len != 0 && in->prev_sig_len != KEYD_AUDIT_SIG_LEN))
		return -EINVAL;
	size_t need = strlen(KEYD_AUDIT_CANON_LABEL) + 16 + 1 + in->prev_hash_len + 1 +
		      in->prev_sig_len + 4;
	for (size_t i = 0; i < in->n_files; i++) {
		if (!name_ok(in->files[i].name))
			return -EINVAL;
		need += 2 + strlen(in->files[i].name) + 32 + 24;
	}
	if (need > cap)
		return -E2BIG;
	uint8_t *p = out;
	memcpy(p, KEYD_AUDIT_CANON_LABEL, strlen(KEYD_AUDIT_CANON_LABEL));
	p += strlen(KEYD_AUDIT_CANON_LABEL);
	p = put_be(p, (uint64_t)in->start, 8);
	p = put_be(p, (uint64_t)in->end, 8);
	*p++ = (uint8_t)in->prev_hash_len;
	if (in->prev_hash_len)
		memcpy(p, in->prev_hash, in->prev_hash_len);
	p += in->prev_hash_len;
	*p++ = (uint8_t)in->prev_sig_len;
	if (in->prev_sig_len)
		memcpy(p, in->prev_sig, in->prev_sig_len);
	p += in->prev_sig_len;
	p = put_be(p, in->n_files, 4);
	for (size_t i = 0; i < in->n_files; i++) {
		const struct keyd_audit_file *f = &in->files[i];
		size_t nl = strlen(f->name);
		p = put_be(p, nl, 2);
		memcpy(p, f->name, nl);
		p += nl;
		memcpy(p, f->sha256, 32);
		p += 32;
		p = put_be(p, f->size, 8);
		p = put_be(p, (uint64_t)f->oldest, 8);
		p = put_be(p, (uint64_t)f->newest, 8);
	}
	*ret_len = (size_t)(p - out);
	return 0;
}

int keyd_audit_sign(const struct keyd_key *k, const struct keyd_audit_digest *in,
		    uint8_t ret[KEYD_AUDIT_SIG_LEN])
{
	static uint8_t buf[KEYD_AUDIT_CANON_MAX];   /* no secret: the signed bytes */
	uint8_t pk[KEYD_AUDIT_PK_LEN], *sk = NULL;
	size_t len;
	int r = keyd_audit_canonical(in, buf, sizeof(buf), &len);
	if (r < 0)
		return r;
	r = keyd_audit_keypair(k, pk, &sk);
	if (r < 0)
		return r;
	crypto_sign_detached(ret, NULL, buf, len, sk);
	sodium_free(sk);
	return 0;
}
