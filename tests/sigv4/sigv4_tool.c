/* sigv4_tool: lib/sigv4 from the command line, for the cross-checks with
 * other signers (tests/integration/sigv4_botocore.sh). A request file is
 * HTTP/1.1 in text as AWS's test suite writes it (sigv4_http_parse).
 *
 *   sigv4_tool canonical FILE
 *       the canonical request (over the Authorization's signed headers when
 *       the request has one, else over all its headers)
 *   sigv4_tool sign FILE AKID SECRET REGION SERVICE
 *       the Authorization value for FILE (every header signed; the date
 *       from its X-Amz-Date)
 *   sigv4_tool verify FILE SECRET NOW SERVICE
 *       checks FILE's Authorization at time NOW (20150830T123600Z) with
 *       the secret: prints "ok", or "CODE: message" and exits 1
 *   sigv4_tool api-verify AUTHZ AMZDATE ACTION PAYLOAD_HEX SECRET SERVICE [TOKEN]
 *       the same for an api-socket call whose op message bytes are
 *       PAYLOAD_HEX (docs/sigv4.md), at time AMZDATE
 *   sigv4_tool api-sign AKID SECRET REGION SERVICE AMZDATE ACTION PAYLOAD_HEX [TOKEN]
 *       the Authorization value of such a call */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigv4/sigv4.h"
#include "util/arena.h"

static char *slurp(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 16, len = 0, n;
	char *buf;
	if (!f)
		return NULL;
	buf = malloc(cap);
	while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (len + 1 == cap) {
			char *p = realloc(buf, cap * 2);
			if (!p) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = p;
			cap *= 2;
		}
	}
	fclose(f);
	if (buf)
		buf[len] = '\0';
	*ret_len = len;
	return buf;
}

static int failed(const struct sigv4_error *e, int r)
{
	printf("%s: %s\n", e->code ? e->code : "Error", e->message ? e->message : strerror(-r));
	return 1;
}

static int unhex(struct arena *a, const char *hex, uint8_t **ret, size_t *ret_len)
{
	size_t n = strlen(hex) / 2;
	uint8_t *p = arena_alloc(a, n + 1);
	if (!p || strlen(hex) % 2)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -EINVAL;
		p[i] = (uint8_t)v;
	}
	*ret = p;
	*ret_len = n;
	return 0;
}

static int cmd_file(struct arena *a, int argc, char **argv, const char *text,
		    size_t len)
{
	struct sigv4_http h;
	struct sigv4_authz az;
	struct sigv4_error e = { 0 };
	const char *const *names = NULL;
	size_t n = 0, creq_len;
	char *creq;
	char hash[SIGV4_HEX_LEN + 1];
	int r;

	r = sigv4_http_parse(a, text, len, &h, &e);
	if (r < 0)
		return failed(&e, r);
	if (h.authorization && strcmp(argv[1], "sign") != 0) {
		r = sigv4_authz_parse(a, h.authorization, strlen(h.authorization),
				      h.amz_date != NULL, &az, &e);
		if (r < 0)
			return failed(&e, r);
		names = az.headers;
		n = az.n_headers;
	}
	if (strcmp(argv[1], "verify") == 0) {
		const char *services[] = { argv[5], NULL };
		int64_t now;
		if (!h.authorization) {
			printf("%s: Request is missing Authentication Token\n", SIGV4_E_MISSING);
			return 1;
		}
		if (sigv4_date_parse(argv[4], &now) < 0)
			return 2;
		r = sigv4_authz_check(a, &az, h.amz_date, now, services, &e);
		if (r < 0)
			return failed(&e, r);
	}
	r = sigv4_canonical_request(a, &h.req, names, n, &creq, &creq_len, &e);
	if (r < 0)
		return failed(&e, r);
	if (strcmp(argv[1], "canonical") == 0) {
		fwrite(creq, 1, creq_len, stdout);
		return 0;
	}
	sigv4_sha256_hex(creq, creq_len, hash);
	if (strcmp(argv[1], "verify") == 0) {
		r = sigv4_verify(&az, h.amz_date, hash, argv[3], strlen(argv[3]), &e);
		if (r < 0)
			return failed(&e, r);
		printf("ok\n");
		return 0;
	}
	/* sign FILE AKID SECRET REGION SERVICE */
	char *list, *scope, sts[512], sig[SIGV4_HEX_LEN + 1], date[9];
	const char **all;
	if (argc != 7 || !h.amz_date || strlen(h.amz_date) != SIGV4_DATE_LEN)
		return 2;
	r = sigv4_signed_headers(a, &h.req, &all, &n, &list);
	scope = arena_printf(a, "%.8s/%s/%s/aws4_request", h.amz_date, argv[5], argv[6]);
	int sl = sigv4_string_to_sign(h.amz_date, scope, hash, sts, sizeof(sts));
	memcpy(date, h.amz_date, 8);
	date[8] = '\0';
	if (r < 0 || sl < 0 || sigv4_sign(argv[4], strlen(argv[4]), date, argv[5], argv[6],
					  sts, (size_t)sl, sig) < 0)
		return 2;
	printf("%s\n", sigv4_authz_format(a, argv[3], scope, list, sig));
	return 0;
}

static int cmd_api(struct arena *a, int argc, char **argv)
{
	struct sigv4_api_call call = { 0 };
	struct sigv4_authz az;
	struct sigv4_error e = { 0 };
	char hash[SIGV4_HEX_LEN + 1], creq_hash[SIGV4_HEX_LEN + 1], *authz;
	uint8_t *payload;
	size_t plen;
	int64_t now;
	int r;

	if (strcmp(argv[1], "api-verify") == 0) {
		if (argc < 8 || unhex(a, argv[5], &payload, &plen) < 0 ||
		    sigv4_date_parse(argv[3], &now) < 0)
			return 2;
		sigv4_sha256_hex(payload, plen, hash);
		call.action = argv[4];
		call.amz_date = argv[3];
		call.payload_hash = hash;
		call.security_token = argc > 8 ? argv[8] : NULL;
		r = sigv4_api_prepare(a, argv[2], &call, now, argv[7], &az, creq_hash, &e);
		if (r == 0)
			r = sigv4_verify(&az, call.amz_date, creq_hash, argv[6],
					 strlen(argv[6]), &e);
		if (r < 0)
			return failed(&e, r);
		printf("ok\n");
		return 0;
	}
	/* api-sign AKID SECRET REGION SERVICE AMZDATE ACTION PAYLOAD_HEX [TOKEN] */
	if (argc < 9 || unhex(a, argv[8], &payload, &plen) < 0)
		return 2;
	sigv4_sha256_hex(payload, plen, hash);
	call.action = argv[7];
	call.amz_date = argv[6];
	call.payload_hash = hash;
	call.security_token = argc > 9 ? argv[9] : NULL;
	r = sigv4_api_sign(a, &call, argv[2], argv[3], strlen(argv[3]), argv[4], argv[5],
			   &authz);
	if (r < 0)
		return 2;
	printf("%s\n", authz);
	return 0;
}

int main(int argc, char **argv)
{
	struct arena *a = NULL;
	int r = 2;
	if (argc < 3 || arena_new(0, &a) < 0) {
		fprintf(stderr, "usage: see tests/sigv4/sigv4_tool.c\n");
		return 2;
	}
	if ((strcmp(argv[1], "canonical") == 0 && argc == 3) ||
	    (strcmp(argv[1], "sign") == 0 && argc == 7) ||
	    (strcmp(argv[1], "verify") == 0 && argc == 6)) {
		size_t len;
		char *text = slurp(argv[2], &len);
		if (!text) {
			perror(argv[2]);
		} else {
			r = cmd_file(a, argc, argv, text, len);
			free(text);
		}
	}
	else if (strncmp(argv[1], "api-", 4) == 0)
		r = cmd_api(a, argc, argv);
	else
		fprintf(stderr, "usage: see tests/sigv4/sigv4_tool.c\n");
	arena_free(a);
	return r;
}
