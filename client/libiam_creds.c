/* libiam_creds: finds the caller's credentials the way the AWS CLI and
 * botocore do (docs/sigv4.md):
 *
 *   1. the environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 *      AWS_SESSION_TOKEN (or AWS_SECURITY_TOKEN), unless a profile was
 *      given explicitly (--profile): that skips the environment;
 *   2. the profile (--profile, else AWS_PROFILE, else AWS_DEFAULT_PROFILE,
 *      else "default"):
 *      a. a `role_arn` in its ~/.aws/config section: a role to assume
 *         with the credentials of `source_profile` (external_id,
 *         role_session_name, duration_seconds), through the AWS CLI's
 *         session cache (libiam_role.c);
 *      b. ~/.aws/credentials [NAME] (AWS_SHARED_CREDENTIALS_FILE);
 *      c. ~/.aws/config [profile NAME] or [default] (AWS_CONFIG_FILE);
 *   3. nothing: calls go unsigned and iamd knows the caller by its uid.
 *
 * The region: AWS_REGION, else AWS_DEFAULT_REGION, else the profile's
 * `region`, else us-east-1. A source is resolved into `struct cred_src`
 * first, so that a profile that assumes a role (later) is one more kind. */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libiam_internal.h"

#define MAX_FILE (1u << 20)
#define MAX_NAME 256

/* One profile's settings that matter here, from one INI file. */
struct ini_profile {
	bool found;
	char *access_key_id;
	char *secret;
	char *session_token;
	char *region;
	char *role_arn;
	char *source_profile;
	char *external_id;
	char *role_session_name;
	char *duration_seconds;
};

enum cred_kind { CRED_NONE, CRED_STATIC, CRED_ASSUME_ROLE };

struct cred_src {
	enum cred_kind kind;
	const char *where;            /* "env", "shared-credentials-file", "config-file" */
	const char *access_key_id;
	const char *secret;
	const char *session_token;
	const char *role_arn;         /* CRED_ASSUME_ROLE */
	const char *source_profile;
	const char *external_id;
};

static void wipe(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

static void ini_profile_fini(struct ini_profile *p)
{
	wipe(p->access_key_id);
	wipe(p->secret);
	wipe(p->session_token);
	free(p->region);
	free(p->role_arn);
	free(p->source_profile);
	free(p->external_id);
	free(p->role_session_name);
	free(p->duration_seconds);
	memset(p, 0, sizeof(*p));
}

static char *strip(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* `path` with a leading "~/" in $HOME (or the passwd entry's home). */
static char *expand_home(const char *path)
{
	const char *home;
	char *r = NULL;
	if (strncmp(path, "~/", 2) != 0)
		return strdup(path);
	home = getenv("HOME");
	if (!home || !*home) {
		struct passwd *pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : NULL;
	}
	if (!home || asprintf(&r, "%s/%s", home, path + 2) < 0)
		return NULL;
	return r;
}

static int set_value(char **dst, const char *v)
{
	char *d = strdup(v);
	if (!d)
		return -ENOMEM;
	wipe(*dst);
	*dst = d;
	return 0;
}

/* Reads section `section` of the INI file at `path` (a missing file has
 * no sections). Keys are case-insensitive, as botocore's parser makes
 * them; indented lines (nested values) and comment lines are skipped; a
 * repeated key takes the last value. */
static int ini_read(const char *path, const char *section, struct ini_profile *ret)
{
	struct ini_profile p = { 0 };
	char *line = NULL;
	size_t cap = 0, total = 0;
	ssize_t n;
	bool in = false;
	int r = 0;
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	while ((n = getline(&line, &cap, f)) > 0) {
		total += (size_t)n;
		if (total > MAX_FILE) {
			r = -EFBIG;
			break;
		}
		if (line[n - 1] == '\n')
			line[n - 1] = '\0';
		if (line[0] == ' ' || line[0] == '\t')
			continue;               /* a nested value (s3 = ...) */
		char *s = strip(line);
		if (!*s || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *end = strrchr(s, ']');
			if (end)
				*end = '\0';
			in = end && strcmp(strip(s + 1), section) == 0;
			p.found |= in;
			continue;
		}
		if (!in)
			continue;
		char *eq = strpbrk(s, "=:");
		if (!eq)
			continue;
		*eq = '\0';
		char *k = strip(s), *v = strip(eq + 1);
		for (char *c = k; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
		char **slot = strcmp(k, "aws_access_key_id") == 0 ? &p.access_key_id :
			      strcmp(k, "aws_secret_access_key") == 0 ? &p.secret :
			      strcmp(k, "aws_session_token") == 0 ? &p.session_token :
			      strcmp(k, "aws_security_token") == 0 && !p.session_token ?
				      &p.session_token :
			      strcmp(k, "region") == 0 ? &p.region :
			      strcmp(k, "role_arn") == 0 ? &p.role_arn :
			      strcmp(k, "source_profile") == 0 ? &p.source_profile :
			      strcmp(k, "external_id") == 0 ? &p.external_id :
			      strcmp(k, "role_session_name") == 0 ? &p.role_session_name :
			      strcmp(k, "duration_seconds") == 0 ? &p.duration_seconds : NULL;
		if (slot && *v && (r = set_value(slot, v)) < 0)
			break;
	}
	if (line) {
		explicit_bzero(line, cap);
		free(line);
	}
	fclose(f);
	if (r < 0) {
		ini_profile_fini(&p);
		return r;
	}
	*ret = p;
	return 0;
}

static int fail(iam_error **reterr, int err, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(iam_error **reterr, int err, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (reterr && libiam_error_new(code, msg, NULL, 0, true, reterr) < 0)
		return -ENOMEM;
	return err;
}

static const char *env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

/* A profile's static keys, or the partial-credentials error. */
static int from_profile(const struct ini_profile *p, const char *where,
			struct cred_src *ret, iam_error **reterr)
{
	if (!p->access_key_id && !p->secret)
		return 0;
	if (!p->access_key_id || !p->secret)
		return fail(reterr, -EINVAL, "PartialCredentials",
			    "Partial credentials found in %s, missing: "
			    "aws_access_key_id or aws_secret_access_key", where);
	ret->kind = CRED_STATIC;
	ret->where = where;
	ret->access_key_id = p->access_key_id;
	ret->secret = p->secret;
	ret->session_token = p->session_token;
	return 1;
}

/* skip_env: --profile was given; must_exist: a profile was named (by
 * --profile or AWS_PROFILE), so its absence is an error. */
static int resolve(const char *profile, bool skip_env, bool must_exist, bool skip_role,
		   const struct ini_profile *creds, const struct ini_profile *conf,
		   struct cred_src *ret, iam_error **reterr)
{
	int r;
	if (!skip_env && env("AWS_ACCESS_KEY_ID")) {
		if (!env("AWS_SECRET_ACCESS_KEY"))
			return fail(reterr, -EINVAL, "PartialCredentials",
				    "Partial credentials found in %s, missing: "
				    "AWS_SECRET_ACCESS_KEY", "env");
		ret->kind = CRED_STATIC;
		ret->where = "env";
		ret->access_key_id = env("AWS_ACCESS_KEY_ID");
		ret->secret = env("AWS_SECRET_ACCESS_KEY");
		ret->session_token = env("AWS_SESSION_TOKEN") ? env("AWS_SESSION_TOKEN") :
				     env("AWS_SECURITY_TOKEN");
		return 1;
	}
	if (conf->role_arn && !skip_role) {
		ret->kind = CRED_ASSUME_ROLE;
		ret->where = "config-file";
		ret->role_arn = conf->role_arn;
		ret->source_profile = conf->source_profile;
		ret->external_id = conf->external_id;
		return 1;
	}
	if ((r = from_profile(creds, "shared-credentials-file", ret, reterr)) != 0 ||
	    (r = from_profile(conf, "config-file", ret, reterr)) != 0)
		return r;
	if (must_exist && !creds->found && !conf->found)
		return fail(reterr, -ENOENT, "ProfileNotFound",
			    "The config profile (%s) could not be found", profile);
	return 0;
}

/* At most this many profiles in a chain of source_profile (botocore
 * refuses loops). */
#define MAX_DEPTH 8

static int load(iam_client *c, const char *profile, bool explicit_profile, int depth,
		bool skip_role, iam_error **reterr);

/* The credentials of a role profile's source_profile: from the files only
 * (as botocore); a profile naming itself uses its own static keys. */
static int load_source(iam_client *c, const char *profile, int depth, bool self,
		       iam_error **reterr)
{
	return load(c, profile, true, depth, self, reterr);
}

static int load(iam_client *c, const char *profile, bool explicit_profile, int depth,
		bool skip_role, iam_error **reterr)
{
	struct ini_profile creds = { 0 }, conf = { 0 };
	struct cred_src src = { 0 };
	char *cpath = NULL, *fpath = NULL, section[MAX_NAME + 16];
	int r;

	if (depth > MAX_DEPTH)
		return fail(reterr, -ELOOP, "InfiniteLoopConfigError",
			    "Infinite loop in credential configuration detected. Attempting "
			    "to load from profile %s", profile ? profile : "default");
	if (!explicit_profile)
		profile = env("AWS_PROFILE") ? env("AWS_PROFILE") : env("AWS_DEFAULT_PROFILE");
	/* AWS_PROFILE names the profile as --profile does, but keys in the
	 * environment still come first (botocore) */
	bool named = explicit_profile || profile;
	if (!profile)
		profile = "default";
	if (strlen(profile) > MAX_NAME)
		return fail(reterr, -EINVAL, "ProfileNotFound",
			    "The config profile (%.64s...) could not be found", profile);
	cpath = expand_home(env("AWS_SHARED_CREDENTIALS_FILE") ?
			    env("AWS_SHARED_CREDENTIALS_FILE") : "~/.aws/credentials");
	fpath = expand_home(env("AWS_CONFIG_FILE") ? env("AWS_CONFIG_FILE") : "~/.aws/config");
	r = -ENOMEM;
	if (!cpath || !fpath)
		goto out;
	if ((r = ini_read(cpath, profile, &creds)) < 0)
		goto out;
	snprintf(section, sizeof(section), "profile %s", profile);
	if ((r = ini_read(fpath, section, &conf)) < 0)
		goto out;
	if (!conf.found && strcmp(profile, "default") == 0 &&
	    (r = ini_read(fpath, "default", &conf)) < 0)
		goto out;
	r = resolve(profile, explicit_profile, named, skip_role, &creds, &conf, &src, reterr);
	if (r <= 0)
		goto out;
	const char *region = env("AWS_REGION") ? env("AWS_REGION") :
			     env("AWS_DEFAULT_REGION") ? env("AWS_DEFAULT_REGION") : conf.region;
	if (region && !c->region && (r = iam_client_set_region(c, region)) < 0) {
		r = fail(reterr, r, "InvalidConfiguration", "The region '%.64s' is not valid",
			 region);
		goto out;
	}
	if (src.kind == CRED_ASSUME_ROLE) {
		struct libiam_role_profile rp = {
			.profile = profile,
			.role_arn = conf.role_arn,
			.source_profile = conf.source_profile,
			.external_id = conf.external_id,
			.role_session_name = conf.role_session_name,
			.duration_seconds = conf.duration_seconds,
		};
		if (!rp.source_profile) {
			r = fail(reterr, -EINVAL, "InvalidConfiguration",
				 "The profile \"%s\" contains role_arn but no source_profile "
				 "(credential_source is not supported by iamd)", profile);
			goto out;
		}
		r = libiam_role_assume(c, &rp, load_source, depth + 1, reterr);
		goto out;
	}
	r = iam_client_set_credentials(c, src.access_key_id, src.secret, src.session_token);
	if (r < 0) {
		r = fail(reterr, r, "InvalidConfiguration",
			 "The credentials found in %s are not valid", src.where);
		goto out;
	}
	r = 1;
out:
	ini_profile_fini(&creds);
	ini_profile_fini(&conf);
	free(cpath);
	free(fpath);
	return r;
}

IAM_EXPORT int iam_client_load_credentials(iam_client *c, const char *profile,
					   iam_error **reterr)
{
	if (!c)
		return -EINVAL;
	return load(c, profile, profile && *profile, 0, false, reterr);
}
