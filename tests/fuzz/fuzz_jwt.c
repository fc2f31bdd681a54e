/* fuzz_jwt: libFuzzer target for lib/jwt's parsers of untrusted bytes (the
 * WebIdentityToken of AssumeRoleWithWebIdentity, and what an identity
 * provider answers: its configuration and key set). The first byte picks
 * the parser; a token that parses has every accessor and check run on it
 * and is verified against a fixed key set and against the input parsed as
 * a key set. A refusal must come with a reason. Built with
 * -fsanitize=fuzzer under --enable-fuzzing; `make check` replays
 * tests/fuzz/corpus/jwt/ through replay_main.c. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jwt/jwt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char fixed_jwks[] =
	"{\"keys\":[{\"kty\":\"OKP\",\"kid\":\"ed\",\"crv\":\"Ed25519\","
	"\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"},"
	"{\"kty\":\"EC\",\"kid\":\"p256\",\"crv\":\"P-256\","
	"\"x\":\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\","
	"\"y\":\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\"}]}";

static void token(const char *s, size_t n)
{
	struct jwt *t = NULL;
	struct jwt_keyset *ks = NULL;
	const char *why = NULL, *aud[JWT_AUD_MAX];
	int r = jwt_parse(s, n, &t, &why);
	if (r < 0) {
		if (r != -EINVAL && r != -ENOMEM)
			abort();
		if (r == -EINVAL && !why)
			abort();
		return;
	}
	if (!jwt_alg(t))
		abort();
	(void)jwt_kid(t);
	(void)jwt_claim_string(t, "iss");
	(void)jwt_claim_strings(t, "aud", aud, JWT_AUD_MAX);
	int64_t v;
	(void)jwt_claim_time(t, "exp", &v);
	free(jwt_claim_json(t, "https://aws.amazon.com/tags"));
	const char *clients[] = { "a", "sts.amazonaws.com" };
	struct jwt_expect x = { .issuer = "https://i", .clients = clients, .n_clients = 2,
				.now = 1750000000, .skew = 60 };
	struct jwt_claims cl;
	enum jwt_claim_error ce;
	r = jwt_claims_check(t, &x, &cl, &ce, &why);
	if ((r == 0) != (ce == JWT_CLAIM_OK) || (r < 0 && !why))
		abort();
	if (jwt_keyset_parse(fixed_jwks, sizeof(fixed_jwks) - 1, &ks, &why) != 0)
		abort();
	r = jwt_verify(t, ks, &why);
	if (r == 0 || (r != -ENOKEY && r != -EKEYREJECTED && r != -EINVAL && r != -ENOMEM))
		abort();   /* no input can carry a valid signature of these keys */
	jwt_keyset_free(ks);
	jwt_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 64 * 1024)
		return 0;
	const char *s = (const char *)data + 1;
	size_t n = size - 1;
	const char *why = NULL;
	switch (data[0] % 3) {
	case 0:
		token(s, n);
		break;
	case 1: {
		struct jwt_keyset *ks = NULL;
		int r = jwt_keyset_parse(s, n, &ks, &why);
		if (r == 0 && jwt_keyset_count(ks) > JWT_KEYS_MAX)
			abort();
		if (r < 0 && r != -ENOMEM && !why)
			abort();
		jwt_keyset_free(ks);
		break;
	}
	default: {
		char *u = NULL, *i = NULL;
		int r = jwt_discovery_parse(s, n, &u, &i, &why);
		if (r == 0 && (!u || strncmp(u, "https://", 8) != 0))
			abort();
		free(u);
		free(i);
		break;
	}
	}
	return 0;
}
