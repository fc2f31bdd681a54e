/* libiam_creds_cache: iam_credentials_get(), the calling process's host
 * credentials (iamd:GetCredentials, docs/host-roles.md) behind a
 * process-wide cache: iamd answers per process, so one cache serves every
 * client of the process. The cached credentials are refreshed ahead of
 * their expiry (a jittered 5-10 minutes, at most half their lifetime);
 * when a refresh fails they are still handed out while they have more
 * than IAM_CREDS_MIN_LEFT seconds left, never after. A failed call closes
 * the client's connection and the next one reconnects (libiam_call.c), so
 * the cache survives iamd restarts. A fork's child starts with an empty
 * cache and asks over a connection of its own (iamd identifies the process
 * that connected). Thread-safe: one mutex guards the
 * cache; the objects handed out are reference counted and immutable. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "iam_instance_profile.pb-c.h"
#include "libiam_internal.h"

/* never hand out credentials with less than this left (seconds) */
#define IAM_CREDS_MIN_LEFT 60
#define IAM_CREDS_AHEAD_MIN 300
#define IAM_CREDS_AHEAD_MAX 600

struct iam_credentials {
	int refs;                 /* atomic */
	char *access_key_id;
	char *secret_access_key;
	char *session_token;
	char *role_arn;           /* the assumed-role ARN */
	int64_t expiration;       /* Unix seconds */
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct iam_credentials *cache_creds;
static int64_t cache_refresh_at;
static int64_t (*cache_clock)(void);
static uint64_t cache_rng = 0x9e3779b97f4a7c15ull;

static void creds_release(struct iam_credentials *k);

/* A fork's child starts with an empty cache (and a usable lock, whatever
 * another thread of the parent held): iamd issues host credentials per
 * process, so the child asks for its own. */
static void cache_atfork_child(void)
{
	pthread_mutex_init(&cache_lock, NULL);
	creds_release(cache_creds);
	cache_creds = NULL;
	cache_refresh_at = 0;
}

static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void cache_init(void)
{
	pthread_atfork(NULL, NULL, cache_atfork_child);
}

static int64_t clock_now(void)
{
	if (cache_clock)
		return cache_clock();
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME_COARSE, &ts);
	return (int64_t)ts.tv_sec;
}

void iam_credentials_set_clock(int64_t (*now)(void))
{
	pthread_mutex_lock(&cache_lock);
	cache_clock = now;
	pthread_mutex_unlock(&cache_lock);
}

static void creds_release(struct iam_credentials *k)
{
	if (!k || __atomic_sub_fetch(&k->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	if (k->secret_access_key)
		explicit_bzero(k->secret_access_key, strlen(k->secret_access_key));
	if (k->session_token)
		explicit_bzero(k->session_token, strlen(k->session_token));
	free(k->access_key_id);
	free(k->secret_access_key);
	free(k->session_token);
	free(k->role_arn);
	free(k);
}

void iam_credentials_free(iam_credentials *k)
{
	creds_release(k);
}

const char *iam_credentials_access_key_id(const iam_credentials *k)
{
	return k ? k->access_key_id : NULL;
}

const char *iam_credentials_secret_access_key(const iam_credentials *k)
{
	return k ? k->secret_access_key : NULL;
}

const char *iam_credentials_session_token(const iam_credentials *k)
{
	return k ? k->session_token : NULL;
}

const char *iam_credentials_role_arn(const iam_credentials *k)
{
	return k ? k->role_arn : NULL;
}

int64_t iam_credentials_expiration(const iam_credentials *k)
{
	return k ? k->expiration : 0;
}

/* When to refresh credentials valid from `now` until `exp`: 5-10 minutes
 * (jittered) before, at most half of what is left. */
static int64_t refresh_time(int64_t now, int64_t exp)
{
	cache_rng ^= cache_rng << 13;
	cache_rng ^= cache_rng >> 7;
	cache_rng ^= cache_rng << 17;
	int64_t ahead = IAM_CREDS_AHEAD_MIN +
			(int64_t)(cache_rng % (IAM_CREDS_AHEAD_MAX - IAM_CREDS_AHEAD_MIN + 1));
	int64_t left = exp - now;
	if (ahead > left / 2)
		ahead = left / 2;
	return exp - ahead;
}

static int fetch(iam_client *c, struct iam_credentials **ret, iam_error **reterr)
{
	Iam__GetCredentialsRequest req = IAM__GET_CREDENTIALS_REQUEST__INIT;
	Iam__GetCredentialsResponse *resp = NULL;
	/* iamd answers for the process that connected: a fork's child asks
	 * over a connection of its own */
	libiam_disconnect_if_forked(c);
	int r = iam_call(c, "GetCredentials", &req.base, (ProtobufCMessage **)&resp, reterr);
	/* a connection that iamd closed (a restart): the call closed it, the
	 * next one connects again */
	if (r == -EPIPE || r == -ECONNRESET || r == -EPROTO)
		r = iam_call(c, "GetCredentials", &req.base, (ProtobufCMessage **)&resp, reterr);
	if (r < 0)
		return r;
	struct iam_credentials *k = calloc(1, sizeof(*k));
	const Iam__Credentials *cr = resp->credentials;
	if (!k || !cr || !cr->access_key_id || !cr->secret_access_key || !cr->session_token ||
	    !cr->has_expiration) {
		r = k ? -EPROTO : -ENOMEM;
		goto out;
	}
	k->refs = 1;
	k->access_key_id = strdup(cr->access_key_id);
	k->secret_access_key = strdup(cr->secret_access_key);
	k->session_token = strdup(cr->session_token);
	k->role_arn = strdup(resp->assumed_role_user && resp->assumed_role_user->arn
				     ? resp->assumed_role_user->arn : "");
	k->expiration = cr->expiration;
	if (!k->access_key_id || !k->secret_access_key || !k->session_token || !k->role_arn) {
		r = -ENOMEM;
		goto out;
	}
	*ret = k;
	k = NULL;
	r = 0;
out:
	if (k) {
		k->refs = 1;
		creds_release(k);
	}
	if (resp) {
		/* the secret was in the response: wipe it before it is freed */
		if (resp->credentials && resp->credentials->secret_access_key)
			explicit_bzero(resp->credentials->secret_access_key,
				       strlen(resp->credentials->secret_access_key));
		iam_message_free(&resp->base);
	}
	return r;
}

int iam_credentials_get_error(iam_client *c, iam_credentials **ret, iam_error **reterr)
{
	struct iam_credentials *fresh = NULL;
	int r = 0;

	pthread_once(&cache_once, cache_init);
	pthread_mutex_lock(&cache_lock);
	int64_t now = clock_now();
	if (cache_creds && now < cache_refresh_at)
		goto hand_out;
	r = fetch(c, &fresh, reterr);
	if (r == 0 && fresh->expiration - now > IAM_CREDS_MIN_LEFT) {
		creds_release(cache_creds);
		cache_creds = fresh;
		cache_refresh_at = refresh_time(now, fresh->expiration);
		goto hand_out;
	}
	if (r == 0) {
		/* iamd handed out credentials that are (nearly) expired */
		creds_release(fresh);
		r = -ESTALE;
	}
	/* the refresh failed: the old ones while they last */
	if (cache_creds && cache_creds->expiration - now > IAM_CREDS_MIN_LEFT) {
		if (reterr && *reterr) {
			iam_error_free(*reterr);
			*reterr = NULL;
		}
		goto hand_out;
	}
	pthread_mutex_unlock(&cache_lock);
	return r;
hand_out:
	__atomic_add_fetch(&cache_creds->refs, 1, __ATOMIC_ACQ_REL);
	*ret = cache_creds;
	pthread_mutex_unlock(&cache_lock);
	return 0;
}

int iam_credentials_get(iam_client *c, iam_credentials **ret)
{
	return iam_credentials_get_error(c, ret, NULL);
}

void iam_credentials_cache_clear(void)
{
	pthread_mutex_lock(&cache_lock);
	creds_release(cache_creds);
	cache_creds = NULL;
	cache_refresh_at = 0;
	pthread_mutex_unlock(&cache_lock);
}
