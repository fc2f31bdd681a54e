/* libiam_role: profiles that assume a role, the AWS CLI's way (docs/sts.md).
 *
 *   [profile admin]
 *   role_arn = arn:aws:iam::123456789012:role/admin
 *   source_profile = dev
 *   external_id = ...            (optional)
 *   role_session_name = ...      (optional; default botocore-session-<time>)
 *   duration_seconds = 3600      (optional)
 *
 * The session is cached where the AWS CLI keeps it,
 * ~/.aws/cli/cache/<key>.json, key = hex SHA-1 of the JSON of the
 * AssumeRole arguments with sorted keys (botocore's
 * AssumeRoleCredentialFetcher._create_cache_key: json.dumps(args,
 * sort_keys=True), RoleSessionName left out when it is the generated
 * default), written 0600 through a temporary file and rename(). A cached
 * session is used while more than 15 minutes are left (botocore's expiry
 * window); otherwise the source profile's credentials are loaded, AssumeRole
 * is called on this connection, the answer cached, and the session's
 * credentials signed with from then on. The AWS CLI and iamctl read each
 * other's cache files. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "libiam_internal.h"
#include "sts.pb-c.h"
#include "util/isotime.h"
#include "util/sha1.h"

#define EXPIRY_WINDOW (15 * 60)

/* The cache file's name: SHA-1 in hex, as the AWS CLI names it. */
static void sha1_hex(const char *data, size_t len, char out[41])
{
	uint8_t d[UTIL_SHA1_LEN];
	util_sha1((const uint8_t *)data, len, d);
	for (int i = 0; i < UTIL_SHA1_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* ---- the cache key: Python's json.dumps(args, sort_keys=True) ---- */

/* A JSON string as Python writes it (ensure_ascii): \uXXXX for non-ASCII
 * (surrogate pairs above U+FFFF), \n \r \t \b \f and \" \\. */
static int py_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	fputc('"', f);
	while (*p) {
		uint32_t cp = *p;
		size_t n = 1;
		if (cp >= 0x80) {
			n = cp >= 0xF0 ? 4 : cp >= 0xE0 ? 3 : cp >= 0xC0 ? 2 : 0;
			if (!n)
				return -EINVAL;
			cp &= 0xFFu >> (n + 1);
			for (size_t i = 1; i < n; i++) {
				if ((p[i] & 0xC0) != 0x80)
					return -EINVAL;
				cp = cp << 6 | (p[i] & 0x3F);
			}
		}
		p += n;
		switch (cp) {
		case '"': fputs("\\\"", f); continue;
		case '\\': fputs("\\\\", f); continue;
		case '\n': fputs("\\n", f); continue;
		case '\r': fputs("\\r", f); continue;
		case '\t': fputs("\\t", f); continue;
		case '\b': fputs("\\b", f); continue;
		case '\f': fputs("\\f", f); continue;
		default: break;
		}
		if (cp < 0x20 || (cp >= 0x7F && cp < 0x10000))
			fprintf(f, "\\u%04x", cp);
		else if (cp >= 0x10000)
			fprintf(f, "\\u%04x\\u%04x", 0xD800 + ((cp - 0x10000) >> 10),
				0xDC00 + ((cp - 0x10000) & 0x3FF));
		else
			fputc((int)cp, f);
	}
	fputc('"', f);
	return 0;
}

static int cache_key(const struct libiam_role_profile *rp, bool has_duration, long duration,
		     char hex[41])
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r = 0;
	if (!f)
		return -ENOMEM;
	/* keys in sorted order: DurationSeconds, ExternalId, RoleArn,
	 * RoleSessionName */
	const char *sep = "";
	fputc('{', f);
	if (has_duration) {
		fprintf(f, "\"DurationSeconds\": %ld", duration);
		sep = ", ";
	}
	if (rp->external_id) {
		fprintf(f, "%s\"ExternalId\": ", sep);
		r |= py_str(f, rp->external_id);
		sep = ", ";
	}
	fprintf(f, "%s\"RoleArn\": ", sep);
	r |= py_str(f, rp->role_arn);
	if (rp->role_session_name) {
		fputs(", \"RoleSessionName\": ", f);
		r |= py_str(f, rp->role_session_name);
	}
	fputc('}', f);
	if (fclose(f) != 0 || !buf) {
		free(buf);
		return -ENOMEM;
	}
	if (r == 0)
		sha1_hex(buf, len, hex);
	free(buf);
	return r ? -EINVAL : 0;
}

/* ---- the cache file ---- */

static char *cache_dir(void)
{
	const char *home = getenv("HOME");
	char *d = NULL;
	if (!home || !*home || asprintf(&d, "%s/.aws/cli/cache", home) < 0)
		return NULL;
	return d;
}

/* Expiration as botocore writes it ("...UTC") or any ISO 8601 form. */
static int parse_expiration(const char *s, int64_t *ret)
{
	char buf[ISOTIME_MAX + 8];
	size_t n = strlen(s);
	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n + 1);
	if (n > 3 && strcmp(buf + n - 3, "UTC") == 0)
		buf[n - 3] = '\0';
	return isotime_parse(buf, ret);
}

static void wipe_json_string(json_t *j)
{
	const char *s = json_string_value(j);
	if (s)
		explicit_bzero((char *)s, strlen(s));
}

/* 1 and the credentials set when the cache holds a session with more than
 * EXPIRY_WINDOW seconds left; 0 otherwise. */
static int cache_load(iam_client *c, const char *path)
{
	json_error_t je;
	json_t *j = json_load_file(path, 0, &je);
	int r = 0;
	if (!j)
		return 0;
	json_t *cr = json_object_get(j, "Credentials");
	const char *ak = json_string_value(json_object_get(cr, "AccessKeyId"));
	const char *sk = json_string_value(json_object_get(cr, "SecretAccessKey"));
	const char *tok = json_string_value(json_object_get(cr, "SessionToken"));
	const char *exp = json_string_value(json_object_get(cr, "Expiration"));
	int64_t when;
	if (ak && sk && tok && exp && parse_expiration(exp, &when) == 0 &&
	    when - (int64_t)time(NULL) > EXPIRY_WINDOW &&
	    iam_client_set_credentials(c, ak, sk, tok) == 0)
		r = 1;
	wipe_json_string(json_object_get(cr, "SecretAccessKey"));
	wipe_json_string(json_object_get(cr, "SessionToken"));
	json_decref(j);
	return r;
}

static int mkdirs(const char *dir)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof(tmp), "%s", dir) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int cache_store(const char *dir, const char *path, const Iam__AssumeRoleResponse *a)
{
	char tmp[PATH_MAX], exp[ISOTIME_MAX];
	json_t *j = NULL;
	char *text = NULL;
	int fd = -1, r;
	if (snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	if ((r = mkdirs(dir)) < 0)
		return r;
	if (isotime_format(a->credentials->expiration, ISOTIME_Z, exp) < 0)
		return -ERANGE;
	exp[strlen(exp) - 1] = '\0';   /* botocore: "%Y-%m-%dT%H:%M:%S%Z" */
	strcat(exp, "UTC");
	j = json_pack("{s:{s:s,s:s,s:s,s:s},s:{s:s?,s:s?}}", "Credentials",
		      "AccessKeyId", a->credentials->access_key_id,
		      "SecretAccessKey", a->credentials->secret_access_key,
		      "SessionToken", a->credentials->session_token, "Expiration", exp,
		      "AssumedRoleUser",
		      "AssumedRoleId", a->assumed_role_user ? a->assumed_role_user->assumed_role_id : NULL,
		      "Arn", a->assumed_role_user ? a->assumed_role_user->arn : NULL);
	text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	if (j) {
		wipe_json_string(json_object_get(json_object_get(j, "Credentials"), "SecretAccessKey"));
		wipe_json_string(json_object_get(json_object_get(j, "Credentials"), "SessionToken"));
	}
	json_decref(j);
	if (!text)
		return -ENOMEM;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	r = fd < 0 ? -errno : 0;
	size_t n = strlen(text), off = 0;
	while (r == 0 && off < n) {
		ssize_t w = write(fd, text + off, n - off);
		if (w < 0) {
			r = -errno;
			break;
		}
		off += (size_t)w;
	}
	if (fd >= 0 && (fsync(fd) < 0 || close(fd) < 0) && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0 && fd >= 0)
		unlink(tmp);
	explicit_bzero(text, n);
	free(text);
	return r;
}

/* ---- assuming ---- */

static int fail(iam_error **reterr, int err, const char *code, const char *msg)
{
	if (reterr && libiam_error_new(code, msg, NULL, 0, true, reterr) < 0)
		return -ENOMEM;
	return err;
}

int libiam_role_assume(iam_client *c, const struct libiam_role_profile *rp,
		       int (*load)(iam_client *c, const char *profile, int depth, bool self,
				   iam_error **reterr),
		       int depth, iam_error **reterr)
{
	Iam__AssumeRoleRequest req = IAM__ASSUME_ROLE_REQUEST__INIT;
	Iam__AssumeRoleResponse *resp = NULL;
	char hex[41], session[64], msg[512];
	char *dir = NULL, *path = NULL;
	long duration = 0;
	bool has_duration = rp->duration_seconds != NULL;
	int r;

	if (has_duration) {
		char *end;
		errno = 0;
		duration = strtol(rp->duration_seconds, &end, 10);
		if (errno || *end || end == rp->duration_seconds || duration < 0 ||
		    duration > INT32_MAX)
			return fail(reterr, -EINVAL, "InvalidConfiguration",
				    "duration_seconds in the profile must be a number of seconds");
	}
	if ((r = cache_key(rp, has_duration, duration, hex)) < 0)
		return fail(reterr, r, "InvalidConfiguration",
			    "The role profile holds a value that is not valid UTF-8");
	dir = cache_dir();
	if (!dir || asprintf(&path, "%s/%s.json", dir, hex) < 0) {
		free(dir);
		return -ENOMEM;
	}
	r = cache_load(c, path);
	if (r != 0)
		goto out;
	/* the source profile's credentials sign the AssumeRole call */
	r = load(c, rp->source_profile, depth, strcmp(rp->source_profile, rp->profile) == 0,
		 reterr);
	if (r < 0)
		goto out;
	if (r == 0) {
		snprintf(msg, sizeof(msg), "The source profile \"%.200s\" must have credentials.",
			 rp->source_profile);
		r = fail(reterr, -EINVAL, "InvalidConfiguration", msg);
		goto out;
	}
	snprintf(session, sizeof(session), "botocore-session-%lld", (long long)time(NULL));
	req.role_arn = (char *)rp->role_arn;
	req.role_session_name = (char *)(rp->role_session_name ? rp->role_session_name : session);
	req.external_id = (char *)rp->external_id;
	req.has_duration_seconds = has_duration;
	req.duration_seconds = (int32_t)duration;
	iam_error *e = NULL;
	r = iam_call(c, "AssumeRole", &req.base, (ProtobufCMessage **)&resp, &e);
	if (r < 0) {
		/* as the AWS CLI says it */
		if (e)
			snprintf(msg, sizeof(msg),
				 "An error occurred (%s) when calling the AssumeRole operation: %s",
				 iam_error_code(e), iam_error_message(e));
		else
			snprintf(msg, sizeof(msg),
				 "Connection failed when calling the AssumeRole operation: %s",
				 strerror(-r));
		if (reterr && libiam_error_new(e ? iam_error_code(e) : "ConnectionError", msg,
					       e ? iam_error_request_id(e) : NULL,
					       e ? iam_error_http_status(e) : 0,
					       e ? iam_error_sender_fault(e) : false, reterr) < 0)
			r = -ENOMEM;
		iam_error_free(e);
		goto out;
	}
	if (!resp->credentials || !resp->credentials->access_key_id ||
	    !resp->credentials->secret_access_key || !resp->credentials->session_token) {
		r = fail(reterr, -EPROTO, "InvalidResponse", "AssumeRole answered no credentials");
		goto out;
	}
	/* a cache that cannot be written costs an AssumeRole next time, no more */
	(void)cache_store(dir, path, resp);
	r = iam_client_set_credentials(c, resp->credentials->access_key_id,
				       resp->credentials->secret_access_key,
				       resp->credentials->session_token);
	r = r < 0 ? r : 1;
out:
	if (resp) {
		if (resp->credentials && resp->credentials->secret_access_key)
			explicit_bzero(resp->credentials->secret_access_key,
				       strlen(resp->credentials->secret_access_key));
		if (resp->credentials && resp->credentials->session_token)
			explicit_bzero(resp->credentials->session_token,
				       strlen(resp->credentials->session_token));
		iam_message_free(&resp->base);
	}
	free(dir);
	free(path);
	return r;
}
