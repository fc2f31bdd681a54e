/* sigv4_api: the canonical form of a signed call on iamd's api socket
 * (sigv4.h, docs/sigv4.md), shared by the signer (libiam) and the
 * verifier (iamd). */
#include "sigv4.h"

#include <errno.h>
#include <string.h>

#include "sigv4_int.h"
#include "util/arena.h"

static void hdr(struct sigv4_header *h, const char *name, const char *value)
{
	h->name = name;
	h->name_len = strlen(name);
	h->value = value;
	h->value_len = strlen(value);
}

void sigv4_api_request(const struct sigv4_api_call *call,
		       struct sigv4_header hdrs[SIGV4_API_MAX_HEADERS],
		       struct sigv4_request *ret)
{
	size_t n = 0;
	hdr(&hdrs[n++], "host", SIGV4_API_HOST);
	hdr(&hdrs[n++], "x-amz-date", call->amz_date ? call->amz_date : "");
	if (call->security_token)
		hdr(&hdrs[n++], "x-amz-security-token", call->security_token);
	hdr(&hdrs[n++], SIGV4_API_ACTION_HEADER, call->action ? call->action : "");
	memset(ret, 0, sizeof(*ret));
	ret->method = "POST";
	ret->path = "/";
	ret->path_len = 1;
	ret->headers = hdrs;
	ret->n_headers = n;
	ret->payload_hash = call->payload_hash;
}

int sigv4_api_sign(struct arena *a, const struct sigv4_api_call *call,
		   const char *access_key_id, const char *secret, size_t secret_len,
		   const char *region, const char *service, char **ret_authz)
{
	struct sigv4_header hdrs[SIGV4_API_MAX_HEADERS];
	struct sigv4_request req;
	struct sigv4_error e;
	const char **names;
	char *list, *creq, *scope, *authz, hash[SIGV4_HEX_LEN + 1];
	char sts[512], sig[SIGV4_HEX_LEN + 1];
	size_t n, creq_len;
	int r;

	if (!call->action || !call->amz_date || strlen(call->amz_date) != SIGV4_DATE_LEN ||
	    !access_key_id || !*access_key_id || strpbrk(access_key_id, "/, \t\r\n") ||
	    !region || !*region || strchr(region, '/') || !service || strchr(service, '/'))
		return -EINVAL;
	sigv4_api_request(call, hdrs, &req);
	r = sigv4_signed_headers(a, &req, &names, &n, &list);
	if (r < 0)
		return r;
	r = sigv4_canonical_request(a, &req, names, n, &creq, &creq_len, &e);
	if (r < 0)
		return r;
	sigv4_sha256_hex(creq, creq_len, hash);
	scope = arena_printf(a, "%.8s/%s/%s/" SIGV4_TERMINATOR, call->amz_date, region,
			     service);
	if (!scope)
		return -ENOMEM;
	r = sigv4_string_to_sign(call->amz_date, scope, hash, sts, sizeof(sts));
	if (r < 0)
		return r;
	char date[9];
	memcpy(date, call->amz_date, 8);
	date[8] = '\0';
	r = sigv4_sign(secret, secret_len, date, region, service, sts, (size_t)r, sig);
	if (r < 0)
		return r;
	authz = sigv4_authz_format(a, access_key_id, scope, list, sig);
	if (!authz)
		return -ENOMEM;
	*ret_authz = authz;
	return 0;
}

int sigv4_api_prepare(struct arena *a, const char *authorization,
		      const struct sigv4_api_call *call, int64_t now,
		      const char *service, struct sigv4_authz *ret_az,
		      char creq_hash[SIGV4_HEX_LEN + 1], struct sigv4_error *reterr)
{
	static const char *const required[] = { "host", "x-amz-date", SIGV4_API_ACTION_HEADER };
	const char *services[] = { service, NULL };
	struct sigv4_header hdrs[SIGV4_API_MAX_HEADERS];
	struct sigv4_request req;
	struct sigv4_authz az;
	char *creq;
	size_t creq_len;
	int r;

	r = sigv4_authz_parse(a, authorization, strlen(authorization),
			      call->amz_date && *call->amz_date, &az, reterr);
	if (r < 0)
		return r;
	r = sigv4_authz_check(a, &az, call->amz_date, now, services, reterr);
	if (r < 0)
		return r;
	for (size_t i = 0; i < sizeof(required) / sizeof(*required); i++) {
		bool found = false;
		for (size_t k = 0; k < az.n_headers; k++)
			found |= strcmp(az.headers[k], required[i]) == 0;
		if (!found)
			return sv_fail(reterr, a, SIGV4_E_MISMATCH,
				       "'%s' must be a 'SignedHeader' in the AWS Authorization.",
				       required[i]);
	}
	sigv4_api_request(call, hdrs, &req);
	r = sigv4_canonical_request(a, &req, az.headers, az.n_headers, &creq,
				    &creq_len, reterr);
	if (r < 0)
		return r;
	sigv4_sha256_hex(creq, creq_len, creq_hash);
	*ret_az = az;
	return 0;
}
