/* test_keyd_crypto: keyd's derivations, SigV4 signatures (AWS's own test
 * vectors from tests/sigv4/vectors) and sealed tokens: tampered,
 * truncated, foreign-kind and other-master-key tokens refused. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "keyd.h"
#include "../tap.h"

static struct keyd_ring *ring_of(const char *text)
{
	struct keyd_ring *r = NULL;
	if (keyd_ring_parse(text, strlen(text), &r) < 0)
		return NULL;
	return r;
}

/* Two rings: same version 1, different master keys. */
static const char ring_a[] = "1 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";
static const char ring_b[] = "# other host\n1 HxwdHh8AAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRo=\n";

static bool b64_alphabet(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '+' || *s == '/'))
			return false;
	return true;
}

static void test_derivation(void)
{
	struct keyd_ring *a = ring_of(ring_a), *b = ring_of(ring_b);
	char s1[KEYD_SECRET_LEN + 1], s2[KEYD_SECRET_LEN + 1], s3[KEYD_SECRET_LEN + 1];
	tap_ok(a && b, "rings parse");
	if (!a || !b)
		return;
	const struct keyd_key *ka = keyd_ring_current(a), *kb = keyd_ring_current(b);
	tap_ok(keyd_access_key_secret(ka, "AKIAABCDEFGHIJKLMNOP", s1) == 0, "secret derived");
	TAP_IS_INT(strlen(s1), 40, "a secret has 40 characters");
	tap_ok(b64_alphabet(s1), "of AWS's base64 alphabet");
	keyd_access_key_secret(ka, "AKIAABCDEFGHIJKLMNOP", s2);
	TAP_IS_STR(s2, s1, "the same id and key give the same secret (no state kept)");
	keyd_access_key_secret(ka, "AKIAABCDEFGHIJKLMNOR", s2);
	tap_ok(strcmp(s1, s2) != 0, "another id gives another secret");
	keyd_access_key_secret(kb, "AKIAABCDEFGHIJKLMNOP", s3);
	tap_ok(strcmp(s1, s3) != 0, "another master key gives another secret");
	tap_ok(keyd_access_key_secret(ka, "", s3) == -EINVAL, "an empty id is refused");

	uint8_t n1[KEYD_NONCE_LEN] = { 1 }, n2[KEYD_NONCE_LEN] = { 2 };
	keyd_session_secret(ka, n1, "ASIAABCDEFGHIJKLMNOP", s1);
	keyd_session_secret(ka, n2, "ASIAABCDEFGHIJKLMNOP", s2);
	keyd_session_secret(ka, n1, "ASIAABCDEFGHIJKLMNOP", s3);
	TAP_IS_INT(strlen(s1), 40, "a session secret has 40 characters");
	tap_ok(strcmp(s1, s2) != 0 && strcmp(s1, s3) == 0,
	       "a session secret depends on the token's nonce, deterministically");
	keyd_access_key_secret(ka, "ASIAABCDEFGHIJKLMNOP", s2);
	tap_ok(strcmp(s1, s2) != 0, "session and access key secrets are domain-separated");
	keyd_ring_free(a);
	keyd_ring_free(b);
}

static char *slurp(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(1 << 16);
	size_t n = buf ? fread(buf, 1, (1 << 16) - 1, f) : 0;
	fclose(f);
	if (buf)
		buf[n] = '\0';
	*ret_len = n;
	return buf;
}

/* One case folder: the canonical request's hash (from .sts), signed with the example secret, must
 * give the Signature of .authz. Returns 1 if checked, 0 if not a case. */
static int sigv4_case(const char *dir, const char *name)
{
	char p[2048];
	size_t clen = 0, alen = 0;
	char *creq = NULL, *authz = NULL, *sts = NULL;
	size_t slen = 0;
	int ret = 0;
	if (snprintf(p, sizeof(p), "%s/%s.creq", dir, name) >= (int)sizeof(p))
		return 0;
	creq = slurp(p, &clen);
	if (snprintf(p, sizeof(p), "%s/%s.authz", dir, name) >= (int)sizeof(p))
		goto out;
	authz = slurp(p, &alen);
	if (snprintf(p, sizeof(p), "%s/%s.sts", dir, name) >= (int)sizeof(p))
		goto out;
	sts = slurp(p, &slen);
	if (!creq || !authz || !sts)
		goto out;
	/* the canonical request's hash as the string to sign has it (two
	 * published cases hash another .creq than the one they ship: README) */
	uint8_t hash[32], sig[32], want[32];
	const char *hex = strrchr(sts, '\n');
	if (!hex || strlen(hex + 1) != 64 ||
	    sodium_hex2bin(hash, 32, hex + 1, 64, NULL, NULL, NULL) != 0) {
		tap_ok(0, "%s: the sts file parses", name);
		ret = 1;
		goto out;
	}
	const char *s = strstr(authz, "Signature=");
	const char *cred = strstr(authz, "Credential=");
	char date[9] = "", region[32] = "", service[32] = "";
	if (!s || !cred || sscanf(cred, "Credential=%*[^/]/%8[0-9]/%31[^/]/%31[^/]/", date,
				  region, service) != 3) {
		tap_ok(0, "%s: the authz file parses", name);
		ret = 1;
		goto out;
	}
	sodium_hex2bin(want, 32, s + 10, 64, NULL, NULL, NULL);
	struct keyd_sigv4 in = { .amz_date = "20150830T123600Z", .date = date,
				 .region = region, .service = service, .creq_sha256 = hash };
	const char *secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
	keyd_sigv4_sign(secret, strlen(secret), &in, sig);
	tap_ok(memcmp(sig, want, 32) == 0, "sigv4 vector %s", name);
	tap_ok(keyd_sigv4_check(secret, strlen(secret), &in, want), "%s: check accepts it", name);
	want[31] ^= 1;
	tap_ok(!keyd_sigv4_check(secret, strlen(secret), &in, want),
	       "%s: one bit off is refused", name);
	ret = 1;
out:
	free(creq);
	free(authz);
	free(sts);
	return ret;
}

static int sigv4_walk(const char *dir, int depth)
{
	DIR *d = opendir(dir);
	int n = 0;
	if (!d)
		return 0;
	struct dirent *e;
	char **names = NULL;
	size_t nn = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		names = realloc(names, sizeof(*names) * (nn + 1));
		names[nn++] = strdup(e->d_name);
	}
	closedir(d);
	for (size_t i = 0; i < nn; i++) {
		char sub[1024];
		struct stat st;
		snprintf(sub, sizeof(sub), "%s/%s", dir, names[i]);
		if (stat(sub, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (!sigv4_case(sub, names[i]) && depth < 2)
				n += sigv4_walk(sub, depth + 1);
			else
				n++;
		}
		free(names[i]);
	}
	free(names);
	return n;
}

static void test_sigv4_vectors(void)
{
	/* the committed copy of ../shared/conformance/sigv4 (tests/sigv4/local.mk) */
	const char *src = getenv("top_srcdir");
	char dir[512];
	if (!src) {
		tap_ok(1, "# SKIP top_srcdir not set: no AWS vectors");
		return;
	}
	snprintf(dir, sizeof(dir), "%s/tests/sigv4/vectors", src);
	struct stat st;
	if (stat(dir, &st) < 0) {
		tap_ok(1, "# SKIP %s not found: no AWS vectors", dir);
		return;
	}
	int n = sigv4_walk(dir, 0);
	tap_ok(n >= 20, "the AWS SigV4 vectors were found (%d)", n);
	/* the field set keyd signs over: a change of any part changes it */
	uint8_t hash[32] = { 0 }, s1[32], s2[32];
	struct keyd_sigv4 in = { .amz_date = "20150830T123600Z", .date = "20150830",
				 .region = "us-east-1", .service = "iam", .creq_sha256 = hash };
	keyd_sigv4_sign("secret", 6, &in, s1);
	in.region = "us-east-2";
	keyd_sigv4_sign("secret", 6, &in, s2);
	tap_ok(memcmp(s1, s2, 32) != 0, "the region is signed");
}

static void test_seal(void)
{
	struct keyd_ring *a = ring_of(ring_a), *b = ring_of(ring_b);
	const char *plain = "claims: principal, role, expiry";
	uint8_t nonce[KEYD_NONCE_LEN], got_nonce[KEYD_NONCE_LEN], out[256];
	size_t cap = keyd_sealed_b64_size(strlen(plain)), len = 0;
	char *tok = malloc(cap), *bad = malloc(cap);
	uint32_t version = 0;
	randombytes_buf(nonce, sizeof(nonce));

	tap_ok(keyd_seal(keyd_ring_current(a), KEYD_SEAL_SESSION, (const uint8_t *)plain,
			 strlen(plain), nonce, tok, cap) == 0, "a token is sealed");
	tap_ok(keyd_open(a, KEYD_SEAL_SESSION, tok, out, sizeof(out), &len, &version,
			 got_nonce) == 0 &&
	       len == strlen(plain) && memcmp(out, plain, len) == 0 && version == 1 &&
	       memcmp(got_nonce, nonce, sizeof(nonce)) == 0,
	       "it opens to the same claims, version and nonce");
	tap_ok(keyd_open(b, KEYD_SEAL_SESSION, tok, out, sizeof(out), &len, &version,
			 got_nonce) == -EBADMSG, "another master key (same version) refuses it");
	tap_ok(keyd_open(a, KEYD_SEAL_MESSAGE, tok, out, sizeof(out), &len, &version,
			 got_nonce) == -EBADMSG, "a token does not open as an authorization message");
	tap_ok(keyd_open(a, KEYD_SEAL_SESSION, tok, out, 4, &len, &version, got_nonce) < 0,
	       "a plaintext larger than the buffer is refused");

	/* tamper with every character in turn (within the alphabet) */
	size_t tl = strlen(tok);
	int accepted = 0;
	for (size_t i = 0; i < tl; i++) {
		strcpy(bad, tok);
		if (bad[i] == '=')
			continue;
		bad[i] = bad[i] == 'A' ? 'B' : 'A';
		if (keyd_open(a, KEYD_SEAL_SESSION, bad, out, sizeof(out), &len, &version,
			      got_nonce) >= 0)
			accepted++;
	}
	TAP_IS_INT(accepted, 0, "no tampered token opens (every character changed in turn)");
	int truncated = 0;
	for (size_t n = 0; n < tl; n++) {
		strcpy(bad, tok);
		bad[n] = '\0';
		if (keyd_open(a, KEYD_SEAL_SESSION, bad, out, sizeof(out), &len, &version,
			      got_nonce) >= 0)
			truncated++;
	}
	TAP_IS_INT(truncated, 0, "no truncated token opens (every length)");
	tap_ok(keyd_open(a, KEYD_SEAL_SESSION, "not base64 at all!", out, sizeof(out), &len,
			 &version, got_nonce) == -EBADMSG, "garbage is refused");

	/* a version this keyd does not hold */
	struct keyd_ring *v7 = ring_of("7 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n");
	keyd_seal(keyd_ring_current(v7), KEYD_SEAL_SESSION, (const uint8_t *)plain,
		  strlen(plain), nonce, bad, cap);
	tap_ok(keyd_open(a, KEYD_SEAL_SESSION, bad, out, sizeof(out), &len, &version,
			 got_nonce) == -ENOKEY, "an unknown master key version: -ENOKEY");
	tap_ok(keyd_seal(keyd_ring_current(a), KEYD_SEAL_SESSION, (const uint8_t *)plain,
			 KEYD_SEALED_MAX_PLAIN + 1, nonce, tok, cap) == -E2BIG,
	       "claims above the cap are not sealed");

	/* every plaintext length mod 3 (the token's base64 padding) */
	static const char body[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ";
	int round_trips = 0;
	for (size_t pl = 0; pl <= 40; pl++) {
		size_t c2 = keyd_sealed_b64_size(pl);
		char *t2 = malloc(c2);
		uint8_t bin[512];
		size_t bin_len = 0;
		const char *end = NULL;
		if (t2 && keyd_seal(keyd_ring_current(a), KEYD_SEAL_SESSION, (const uint8_t *)body,
				    pl, nonce, t2, c2) == 0 &&
		    strlen(t2) == c2 - 1 &&
		    sodium_base642bin(bin, sizeof(bin), t2, strlen(t2), NULL, &bin_len, &end,
				      sodium_base64_VARIANT_ORIGINAL) == 0 &&
		    end == t2 + strlen(t2) &&
		    bin_len == KEYD_SEAL_HDR + KEYD_NONCE_LEN + pl + KEYD_MAC_LEN &&
		    keyd_open(a, KEYD_SEAL_SESSION, t2, out, sizeof(out), &len, &version,
			      got_nonce) == 0 &&
		    len == pl && memcmp(out, body, pl) == 0)
			round_trips++;
		free(t2);
	}
	TAP_IS_INT(round_trips, 41, "claims of 0..40 bytes: padded base64 of the whole token, opened back");
	keyd_ring_free(v7);
	free(tok);
	free(bad);
	keyd_ring_free(a);
	keyd_ring_free(b);
}

int main(void)
{
	if (sodium_init() < 0)
		return 99;
	test_derivation();
	test_sigv4_vectors();
	test_seal();
	return tap_done();
}
