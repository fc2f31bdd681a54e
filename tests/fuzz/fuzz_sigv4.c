/* fuzz_sigv4: libFuzzer target for lib/sigv4's parsers of untrusted bytes:
 * the input is an HTTP request in text (sigv4_http_parse); its
 * Authorization value (or the whole input when it has none) goes through
 * sigv4_authz_parse and sigv4_authz_check, then the canonical request is
 * built over the signed headers and over all headers, and the signature
 * checked with a fixed key. Nothing may crash, leak or read out of bounds,
 * and every failure must carry an AWS code and message. Built with
 * -fsanitize=fuzzer under --enable-fuzzing; `make check` replays
 * tests/fuzz/corpus/sigv4/ (AWS's signed test requests) through
 * replay_main.c. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sigv4/sigv4.h"
#include "util/arena.h"

#define NOW 1440938160           /* 2015-08-30T12:36:00Z */
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void expect_error(int r, const struct sigv4_error *e)
{
	if (r == -EINVAL && (!e->code || !e->message))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const services[] = { "service", "iam", "sts", NULL };
	struct arena *a = NULL;
	struct sigv4_http h;
	struct sigv4_authz az;
	struct sigv4_error e = { 0 };
	const char *text = (const char *)data;
	char *creq;
	size_t creq_len;
	char hash[SIGV4_HEX_LEN + 1];

	if (size > 64 * 1024 || arena_new(0, &a) < 0)
		goto out;
	int r = sigv4_http_parse(a, text, size, &h, &e);
	expect_error(r, &e);
	if (r < 0) {
		r = sigv4_authz_parse(a, text, size, true, &az, &e);
		expect_error(r, &e);
		goto out;
	}
	r = sigv4_canonical_request(a, &h.req, NULL, 0, &creq, &creq_len, &e);
	expect_error(r, &e);
	if (!h.authorization)
		goto out;
	r = sigv4_authz_parse(a, h.authorization, strlen(h.authorization),
			      h.amz_date != NULL, &az, &e);
	expect_error(r, &e);
	if (r < 0)
		goto out;
	r = sigv4_authz_check(a, &az, h.amz_date, NOW, services, &e);
	expect_error(r, &e);
	r = sigv4_canonical_request(a, &h.req, az.headers, az.n_headers, &creq,
				    &creq_len, &e);
	expect_error(r, &e);
	if (r < 0 || !h.amz_date)
		goto out;
	sigv4_sha256_hex(creq, creq_len, hash);
	r = sigv4_verify(&az, h.amz_date, hash, SECRET, strlen(SECRET), &e);
	if (r < 0 && (r != -EACCES || strcmp(e.code, SIGV4_E_MISMATCH) != 0))
		abort();
out:
	arena_free(a);
	return 0;
}
