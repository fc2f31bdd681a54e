/* oidc: OpenID Connect federation in iamd (docs/federation.md).
 *
 *   op_oidc.c     the IAM OIDC provider entities (STORE_DB_OIDC_PROVIDERS);
 *   oidc_keys.c   the providers' signing keys: fetched over HTTPS on the
 *                 event loop (libevent's evhttp over bufferevent_openssl),
 *                 never blocking it, and cached in memory per provider;
 *   op_sts_web.c  STS AssumeRoleWithWebIdentity.
 *
 * Key fetching. A call that needs a provider's keys and finds none cached
 * (or only keys past OIDC_KEYS_TTL, or a kid the cached set lacks, at most
 * once per OIDC_REFRESH_MIN seconds) starts the fetch (or joins the one
 * that runs) and WAITS for it without blocking the loop: it suspends like
 * a call waiting for iam-keyd (call_wait(), dispatch.h) and resumes in a
 * fresh transaction when the fetch ends, then runs its resource step again
 * with the keys (or with the fetch's failure: IDPCommunicationError). A
 * failed fetch is remembered for OIDC_FAIL_TTL seconds (calls meanwhile
 * fail at once), so a dead provider is not asked again per call.
 *
 * TLS: the server is accepted if its chain verifies against the system's
 * trust store for the URL's host, OR if the SHA-1 thumbprint of the top
 * (last) certificate of the chain it presents is in the provider's
 * ThumbprintList (AWS's rule). Limits: OIDC_FETCH_TIMEOUT seconds per
 * request, OIDC_DOC_MAX bytes per document, https only (no redirects are
 * followed). The discovery document is
 * URL/.well-known/openid-configuration; its issuer must be the URL and its
 * jwks_uri an https URL. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "call.h"

struct arena;
struct iamd;
struct jwt_keyset;
struct Iam__OIDCProviderRecord;

#define OIDC_URL_MAX 255
#define OIDC_KEY_MAX (13 + OIDC_URL_MAX + 2)
#define OIDC_CLIENT_ID_MAX 255
#define OIDC_CLIENT_IDS_MAX 100
#define OIDC_THUMBPRINTS_MAX 5
#define OIDC_PROVIDERS_MAX 100

#define OIDC_KEYS_TTL 3600        /* seconds a fetched key set is used */
#define OIDC_REFRESH_MIN 60       /* an unknown kid refetches at most this often */
#define OIDC_FAIL_TTL 10          /* a failed fetch answers for this long */
#define OIDC_FETCH_TIMEOUT 10     /* seconds per HTTPS request */
#define OIDC_DOC_MAX (256u * 1024)

/* ---- providers (op_oidc.c) ---- */

/* "https://host[:port][/path]" into host[:port][/path] (arena copy);
 * -EINVAL when not such a URL (no query, fragment, white space). */
int oidc_url_parse(const char *url, char **ret_url, struct arena *a);
/* The store key account "/" url with the host in lower case; 0 when too
 * long. */
size_t oidc_url_key(char buf[OIDC_KEY_MAX], const char *account, const char *url);
/* The provider of `url` (host[:port][/path]) in `account`, unpacked with
 * c->pb from c->txn; -ENOENT when there is none. */
int oidc_provider_get(struct call *c, const char *account, const char *url,
		      struct Iam__OIDCProviderRecord **ret);

/* ---- keys (oidc_keys.c) ---- */

enum oidc_keys_state {
	OIDC_KEYS_READY = 0,      /* *ret_keys set */
	OIDC_KEYS_FAILED,         /* the last fetch failed: *ret_error says why */
	OIDC_KEYS_FETCHING,       /* wait with oidc_keys_wait() */
};

/* The key set of provider `p` as cached at `now`. `refresh` (a kid the
 * set lacks): fetch again unless the set is younger than OIDC_REFRESH_MIN.
 * `now` is the call's time; the wall clock is used when it is later.
 * Starts a fetch when needed (FETCHING). *ret_keys is valid during the
 * current turn of the event loop only. Negative errno: out of memory. */
int oidc_keys_get(struct iamd *d, const struct Iam__OIDCProviderRecord *p, int64_t now,
		  bool refresh, const struct jwt_keyset **ret_keys, const char **ret_error);
/* Suspends the call until the fetch of provider `arn` ends; `resume` then
 * runs in a fresh transaction (rep->err is 0) and returns like an
 * authentication step: CALL_PROCEED to run the resource step again.
 * CALL_PENDING, or negative errno with the error recorded. */
int oidc_keys_wait(struct call *c, const char *arn, call_resume_fn resume, void *state);
/* Forgets what is cached for provider `arn` (deleted, thumbprints
 * changed); a fetch that runs finishes but its keys are dropped. */
void oidc_keys_forget(const char *arn);
/* Frees every cached set and cancels the fetches (iamd's exit). */
void oidc_keys_shutdown(void);

