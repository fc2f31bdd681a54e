/* libiam_sign: the caller's credentials in a client handle and the SigV4
 * signature of each call (docs/sigv4.md): POST / with host:iamd,
 * x-amz-date, x-amz-security-token (temporary credentials) and
 * x-iamd-action:<Action> signed, over the SHA-256 of the op message's
 * bytes. The secret lives in memory of its own, wiped when it is replaced
 * and when the handle is freed. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "libiam_internal.h"
#include "pbjson/pbjson.h"
#include "sigv4/sigv4.h"
#include "util/arena.h"

#define MAX_KEY_ID 128
#define MAX_SECRET 128
#define MAX_TOKEN 8192
#define MAX_REGION 32
#define DEFAULT_REGION "us-east-1"

static void wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void libiam_credentials_clear(iam_client *c)
{
	wipe_free(c->access_key_id);
	wipe_free(c->secret);
	wipe_free(c->session_token);
	c->access_key_id = c->secret = c->session_token = NULL;
}

static bool printable(const char *s, size_t max, const char *forbid)
{
	size_t n = strnlen(s, max + 1);
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e ||
		    strchr(forbid, s[i]))
			return false;
	return true;
}

IAM_EXPORT int iam_client_set_credentials(iam_client *c, const char *access_key_id,
					  const char *secret_access_key,
					  const char *session_token)
{
	char *k = NULL, *s = NULL, *t = NULL;

	if (!c)
		return -EINVAL;
	if (!access_key_id) {
		libiam_credentials_clear(c);
		return 0;
	}
	if (!printable(access_key_id, MAX_KEY_ID, "/,;=") || !secret_access_key ||
	    !printable(secret_access_key, MAX_SECRET, "") ||
	    (session_token && !printable(session_token, MAX_TOKEN, "")))
		return -EINVAL;
	k = strdup(access_key_id);
	s = strdup(secret_access_key);
	t = session_token ? strdup(session_token) : NULL;
	if (!k || !s || (session_token && !t)) {
		wipe_free(k);
		wipe_free(s);
		wipe_free(t);
		return -ENOMEM;
	}
	libiam_credentials_clear(c);
	c->access_key_id = k;
	c->secret = s;
	c->session_token = t;
	return 0;
}

IAM_EXPORT int iam_client_set_region(iam_client *c, const char *region)
{
	char *r;
	if (!c)
		return -EINVAL;
	if (region && !printable(region, MAX_REGION, "/,;=:"))
		return -EINVAL;
	r = strdup(region ? region : DEFAULT_REGION);
	if (!r)
		return -ENOMEM;
	free(c->region);
	c->region = r;
	return 0;
}

IAM_EXPORT const char *iam_client_access_key_id(const iam_client *c)
{
	return c && c->access_key_id ? c->access_key_id : NULL;
}

int libiam_sign(iam_client *c, const ProtobufCFieldDescriptor *req_f,
		const ProtobufCMessage *req, Iam__SigV4Auth *auth)
{
	struct sigv4_api_call call = { 0 };
	char action[PBJSON_NAME_MAX], date[SIGV4_DATE_LEN + 1], hash[SIGV4_HEX_LEN + 1];
	uint8_t stack[4096], *buf = stack;
	size_t n;
	char *authz;
	int r;

	if (!c->access_key_id)
		return 0;
	if (!c->arena && (r = arena_new(4096, &c->arena)) < 0)
		return r;
	arena_reset(c->arena);
	r = pbjson_name_to_aws(req_f->name, action, sizeof(action));
	if (r < 0)
		return r;
	n = protobuf_c_message_get_packed_size(req);
	if (n > sizeof(stack) && !(buf = malloc(n)))
		return -ENOMEM;
	protobuf_c_message_pack(req, buf);
	sigv4_sha256_hex(buf, n, hash);
	if (buf != stack)
		free(buf);
	sigv4_date_format((int64_t)time(NULL), date);
	call.action = action;
	call.amz_date = date;
	call.security_token = c->session_token;
	call.payload_hash = hash;
	r = sigv4_api_sign(c->arena, &call, c->access_key_id, c->secret,
			   strlen(c->secret), c->region ? c->region : DEFAULT_REGION,
			   pbjson_action_service(action), &authz);
	if (r < 0)
		return r;
	auth->authorization = authz;
	auth->amz_date = arena_strdup(c->arena, date);
	auth->security_token = c->session_token;
	return auth->amz_date ? 1 : -ENOMEM;
}
