/* test_jwt: lib/jwt against tokens and a key set made by python3-jwt and
 * python3-cryptography (jwt_vectors.h, jwt_vectors.py): every algorithm
 * verifies; unknown kids, mismatched keys, foreign signatures, changed
 * payloads, HS256 and alg none are refused with the documented codes; the
 * claims checks with an injected clock; base64url and the compact form's
 * edge cases; the discovery document. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jwt/jwt.h"
#include "../tap.h"
#include "jwt_vectors.h"

#define NOW 1750000000

static void test_keyset(struct jwt_keyset **ret)
{
	const char *why = NULL;
	int r = jwt_keyset_parse(jwks, strlen(jwks), ret, &why);
	TAP_IS_INT(r, 0, "the key set parses");
	/* rsa, p256, p384, ed: the 1024-bit key, the encryption key, the oct
	 * key and the point off the curve are skipped */
	TAP_IS_INT(jwt_keyset_count(*ret), 4, "four usable signing keys kept");
	tap_ok(jwt_keyset_has_kid(*ret, "rsa") && !jwt_keyset_has_kid(*ret, "small") &&
	       !jwt_keyset_has_kid(*ret, "enc") && !jwt_keyset_has_kid(*ret, "bad"),
	       "  by kid: rsa kept; small, enc, bad skipped");
}

static void test_signatures(const struct jwt_keyset *ks)
{
	for (size_t i = 0; i < sizeof(sig_vectors) / sizeof(sig_vectors[0]); i++) {
		struct jwt *t = NULL;
		const char *why = NULL;
		int r = jwt_parse(sig_vectors[i].token, strlen(sig_vectors[i].token), &t, &why);
		if (r < 0) {
			tap_ok(0, "%s: parses (%s)", sig_vectors[i].name, why);
			continue;
		}
		r = jwt_verify(t, ks, &why);
		if (!tap_ok(r == sig_vectors[i].err, "%s: %s", sig_vectors[i].name,
			    sig_vectors[i].err ? strerror(-sig_vectors[i].err) : "verifies"))
			printf("#   got %d (%s)\n", r, why ? why : "");
		tap_ok(r == 0 ? why == NULL : why != NULL, "  a reason when refused");
		jwt_free(t);
	}
}

static void test_claims(void)
{
	const char *clients[] = { "x-other", "app" };
	struct jwt_expect x = { .issuer = "https://idp.example.com", .clients = clients,
				.n_clients = 2, .now = NOW, .skew = 60 };
	for (size_t i = 0; i < sizeof(claim_vectors) / sizeof(claim_vectors[0]); i++) {
		struct jwt *t = NULL;
		struct jwt_claims cl;
		enum jwt_claim_error ce = JWT_CLAIM_OK;
		const char *why = NULL;
		int r = jwt_parse(claim_vectors[i].token, strlen(claim_vectors[i].token), &t, &why);
		if (r == 0)
			r = jwt_claims_check(t, &x, &cl, &ce, &why);
		if (!tap_ok(ce == claim_vectors[i].want && (r == 0) == (ce == JWT_CLAIM_OK),
			    "claims: %s", claim_vectors[i].name))
			printf("#   got %d/%d (%s)\n", r, (int)ce, why ? why : "");
		if (r == 0 && strcmp(claim_vectors[i].name, "azp matches (Google)") == 0) {
			TAP_IS_STR(cl.aud, "app", "  azp: the audience is azp");
			TAP_IS_STR(cl.oaud, "other", "  and oaud the token's aud");
		}
		if (r == 0 && strcmp(claim_vectors[i].name, "good") == 0) {
			TAP_IS_STR(cl.sub, "user-1", "  sub");
			TAP_IS_STR(cl.aud, "app", "  aud");
			TAP_IS_INT(cl.exp, 4102444800LL, "  exp");
		}
		jwt_free(t);
	}
	/* the skew: 60 s either way */
	struct jwt *t = NULL;
	struct jwt_claims cl;
	enum jwt_claim_error ce;
	const char *why;
	jwt_parse(claim_vectors[0].token, strlen(claim_vectors[0].token), &t, &why);
	x.now = 4102444800LL + 59;
	tap_ok(jwt_claims_check(t, &x, &cl, &ce, &why) == 0, "exp 59 s ago: within the skew");
	x.now = 4102444800LL + 61;
	tap_ok(jwt_claims_check(t, &x, &cl, &ce, &why) < 0 && ce == JWT_CLAIM_EXPIRED,
	       "exp 61 s ago: expired");
	x.now = NOW;
	x.n_clients = 0;
	tap_ok(jwt_claims_check(t, &x, &cl, &ce, &why) < 0 && ce == JWT_CLAIM_AUDIENCE,
	       "a provider without client ids takes no audience");
	jwt_free(t);
}

static void test_parse_edges(void)
{
	static const struct { const char *tok; const char *name; } bad[] = {
		{ "", "empty" },
		{ "abc", "one part" },
		{ "a.b", "two parts" },
		{ "a.b.c.d.e", "five parts (JWE)" },
		{ ".eyJhIjoxfQ.", "no header" },
		{ "eyJhbGciOiJSUzI1NiJ9..sig", "no payload" },
		{ "eyJhbGciOiJSUzI1NiJ9=.eyJhIjoxfQ.", "padding" },
		{ "eyJhbGciOiJSUzI1NiJ9.eyJhIjoxfQ.a", "a signature of 4k+1 characters" },
		{ "eyJhbGciOiJSUzI1NiJ9.eyJhIjoxfQ.AB", "non-canonical trailing bits" },
		{ "eyJhbGciOiJSUzI1NiJ9.eyJhIj+xfQ.", "'+' is not base64url" },
		{ "WzFd.eyJhIjoxfQ.", "header an array" },
		{ "eyJ0eXAiOiJKV1QifQ.eyJhIjoxfQ.", "header without alg" },
		{ "eyJhbGciOjF9.eyJhIjoxfQ.", "alg a number" },
		{ "eyJhbGciOiJSUzI1NiIsImNyaXQiOlsiYiJdfQ.eyJhIjoxfQ.", "crit" },
		{ "eyJhbGciOiJSUzI1NiIsImFsZyI6Im5vbmUifQ.eyJhIjoxfQ.", "duplicate alg" },
		{ "eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.", "payload not JSON" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct jwt *t = NULL;
		const char *why = NULL;
		int r = jwt_parse(bad[i].tok, strlen(bad[i].tok), &t, &why);
		tap_ok(r == -EINVAL && !t && why, "refused: %s", bad[i].name);
		jwt_free(t);
	}
	char *big = malloc(JWT_TOKEN_MAX + 2);
	memset(big, 'a', JWT_TOKEN_MAX + 1);
	big[3] = '.';
	big[10] = '.';
	big[JWT_TOKEN_MAX + 1] = '\0';
	struct jwt *t = NULL;
	const char *why;
	tap_ok(jwt_parse(big, JWT_TOKEN_MAX + 1, &t, &why) == -EINVAL, "20001 characters: refused");
	free(big);
	tap_ok(jwt_parse("eyJhbGciOiJSUzI1NiJ9.eyJhIjoxfQ.", 32, &t, &why) == 0 &&
	       strcmp(jwt_alg(t), "RS256") == 0 && !jwt_kid(t), "an empty signature parses (and verifies nothing)");
	jwt_free(t);
}

static void test_discovery(void)
{
	char *u = NULL, *i = NULL;
	const char *why;
	const char good[] = "{\"issuer\":\"https://a.example\",\"jwks_uri\":\"https://a.example/keys\"}";
	tap_ok(jwt_discovery_parse(good, strlen(good), &u, &i, &why) == 0 && u && i &&
	       strcmp(u, "https://a.example/keys") == 0 && strcmp(i, "https://a.example") == 0,
	       "discovery: jwks_uri and issuer");
	free(u);
	free(i);
	const char http[] = "{\"issuer\":\"https://a.example\",\"jwks_uri\":\"http://a.example/keys\"}";
	tap_ok(jwt_discovery_parse(http, strlen(http), &u, &i, &why) == -EINVAL,
	       "discovery: an http jwks_uri is refused");
	const char arr[] = "[]";
	tap_ok(jwt_discovery_parse(arr, 2, &u, &i, &why) == -EINVAL, "discovery: not an object");
	struct jwt_keyset *ks = NULL;
	tap_ok(jwt_keyset_parse("{\"keys\":{}}", 11, &ks, &why) == -EINVAL && !ks,
	       "a key set whose keys is not a list");
}

int main(void)
{
	struct jwt_keyset *ks = NULL;
	test_keyset(&ks);
	test_signatures(ks);
	jwt_keyset_free(ks);
	test_claims();
	test_parse_edges();
	test_discovery();
	return tap_done();
}
