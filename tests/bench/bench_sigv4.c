/* bench_sigv4: the in-process cost of what iamd and keyd do for one signed
 * api-socket call (docs/sigv4.md): iamd's part (parse the Authorization
 * header, check date and scope, build and hash the canonical request over
 * the op bytes: sigv4_api_prepare) and keyd's part (string to sign, the
 * HMAC chain from the secret, constant-time compare: sigv4_verify), one
 * core, no I/O. Prints
 *   bench: sigv4_verify_inproc prepare_ns=... verify_ns=... total_ns=...
 * The end-to-end figure (iamd + keyd over their sockets) is not measured
 * here yet. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sigv4/sigv4.h"
#include "util/arena.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define ROUNDS 200000

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(void)
{
	struct arena *a;
	char date[SIGV4_DATE_LEN + 1], hash[65], creq_hash[65], *authz;
	struct sigv4_authz az;
	struct sigv4_error e;
	int64_t t = (int64_t)time(NULL);
	if (arena_new(0, &a) < 0)
		return 1;
	sigv4_date_format(t, date);
	sigv4_sha256_hex("\x0a\x05alice", 7, hash);
	struct sigv4_api_call call = { .action = "GetUser", .amz_date = date, .payload_hash = hash };
	if (sigv4_api_sign(a, &call, "AKIAIOSFODNN7EXAMPLE", SECRET, strlen(SECRET),
			   "us-east-1", "iam", &authz) < 0)
		return 1;
	char *keep = strdup(authz);
	arena_reset(a);
	double best_p = 1e18, best_v = 1e18;
	for (int run = 0; run < 3; run++) {
		double t0 = now_ns();
		for (int i = 0; i < ROUNDS; i++) {
			sigv4_sha256_hex("\x0a\x05alice", 7, hash);
			if (sigv4_api_prepare(a, keep, &call, t, "iam", &az, creq_hash, &e) < 0)
				return 1;
			arena_reset(a);
		}
		double t1 = now_ns();
		sigv4_api_prepare(a, keep, &call, t, "iam", &az, creq_hash, &e);
		for (int i = 0; i < ROUNDS; i++)
			if (sigv4_verify(&az, date, creq_hash, SECRET, strlen(SECRET), &e) < 0)
				return 1;
		double t2 = now_ns();
		arena_reset(a);
		if ((t1 - t0) / ROUNDS < best_p)
			best_p = (t1 - t0) / ROUNDS;
		if ((t2 - t1) / ROUNDS < best_v)
			best_v = (t2 - t1) / ROUNDS;
	}
	printf("bench: sigv4_verify_inproc prepare_ns=%.0f verify_ns=%.0f total_ns=%.0f\n",
	       best_p, best_v, best_p + best_v);
	free(keep);
	arena_free(a);
	return 0;
}
