/* oidc_keys: the OIDC providers' signing keys, fetched over HTTPS on the
 * event loop and cached per provider (oidc.h says when and how). The one
 * file of iamd that uses OpenSSL's libssl and libevent's evhttp client. */
#include "config.h"

#include <errno.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/buffer.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dispatch.h"
#include "iam_oidc.pb-c.h"
#include "iamd.h"
#include "jwt/jwt.h"
#include "keyd_client.h"
#include "oidc.h"
#include "sd.h"
#include "util/arena.h"

#define ERROR_MAX 256
#define ARN_MAX 320

struct waiter {
	struct call *c;
	struct waiter *next, **prevp;
};

struct fetch;

/* One provider's keys (or the failure of their last fetch). */
struct entry {
	char arn[ARN_MAX];
	struct jwt_keyset *keys;
	int64_t fetched_at;       /* keys */
	int64_t failed_at;        /* 0: the last fetch did not fail */
	char error[ERROR_MAX];
	struct fetch *fetch;      /* running, or NULL */
	bool stale;               /* forgotten while fetching: drop its result */
	struct waiter *waiters;
	struct entry *next;
};

/* One HTTPS GET of the fetch (discovery, then the JWKS). */
struct fetch {
	struct entry *e;
	struct event_base *base;
	char url[OIDC_URL_MAX + 1];   /* the provider's host[:port][/path] */
	char thumbprints[OIDC_THUMBPRINTS_MAX][41];
	size_t n_thumbprints;
	int stage;                    /* 0: discovery, 1: keys */
	char *host;                   /* of the current request */
	struct evhttp_connection *conn;
	struct event *deadline;
	char error[ERROR_MAX];        /* set by the TLS check */
	bool done;
};

static struct entry *entries;
static SSL_CTX *ssl_ctx;
static struct evdns_base *dns;
static int ssl_fetch_idx = -1;

static struct entry *entry_find(const char *arn)
{
	for (struct entry *e = entries; e; e = e->next)
		if (strcmp(e->arn, arn) == 0)
			return e;
	return NULL;
}

/* ---- waiting calls ---- */

static void waiter_cancel(struct call *c)
{
	struct waiter *w = c->wait_data;
	if (!w)
		return;
	*w->prevp = w->next;
	if (w->next)
		w->next->prevp = w->prevp;
	c->wait_data = NULL;
}

/* Runs the waiting calls on. A call woken may answer and free its arena
 * (its waiter) and may cancel another (its connection closed): the list
 * is detached first and each remaining waiter is linked from `head`. */
static void entry_wake(struct entry *e)
{
	struct waiter *head = e->waiters;
	e->waiters = NULL;
	if (head)
		head->prevp = &head;
	while (head) {
		struct waiter *w = head;
		head = w->next;
		if (head)
			head->prevp = &head;
		w->c->wait_data = NULL;
		call_wake(w->c, 0);
	}
}

int oidc_keys_wait(struct call *c, const char *arn, call_resume_fn resume, void *state)
{
	struct entry *e = entry_find(arn);
	if (!e || !e->fetch)
		return call_fail(c, -EIO, "ServiceFailure", NULL);
	struct waiter *w = arena_zalloc(c->arena, sizeof(*w));
	if (!w)
		return call_fail(c, -ENOMEM, "ServiceFailure", NULL);
	w->c = c;
	w->next = e->waiters;
	w->prevp = &e->waiters;
	if (e->waiters)
		e->waiters->prevp = &w->next;
	e->waiters = w;
	return call_wait(c, resume, state, waiter_cancel, w);
}

/* ---- TLS ---- */

static bool thumbprint_ok(const struct fetch *f, X509 *top)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	char hex[41];
	if (X509_digest(top, EVP_sha1(), md, &n) != 1 || n != 20)
		return false;
	for (unsigned i = 0; i < 20; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	for (size_t i = 0; i < f->n_thumbprints; i++)
		if (strcmp(f->thumbprints[i], hex) == 0)
			return true;
	return false;
}

static bool host_ok(X509 *leaf, const char *host)
{
	if (X509_check_ip_asc(leaf, host, 0) == 1)
		return true;
	return X509_check_host(leaf, host, strlen(host), 0, NULL) == 1;
}

/* The whole chain check (SSL_CTX_set_cert_verify_callback): the system's
 * trust store for the host, or the thumbprint of the chain's top
 * certificate as the server presented it (and the leaf names the host). */
static int cert_verify(X509_STORE_CTX *sctx, void *arg)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(sctx, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct fetch *f = ssl ? SSL_get_ex_data(ssl, ssl_fetch_idx) : NULL;
	(void)arg;
	if (!f)
		return 0;
	if (X509_verify_cert(sctx) == 1)
		return 1;
	int err = X509_STORE_CTX_get_error(sctx);
	STACK_OF(X509) *chain = X509_STORE_CTX_get0_untrusted(sctx);
	X509 *leaf = X509_STORE_CTX_get0_cert(sctx);
	X509 *top = chain && sk_X509_num(chain) > 0 ? sk_X509_value(chain, sk_X509_num(chain) - 1)
						   : leaf;
	if (top && leaf && thumbprint_ok(f, top) && host_ok(leaf, f->host)) {
		X509_STORE_CTX_set_error(sctx, X509_V_OK);
		return 1;
	}
	snprintf(f->error, sizeof(f->error),
		 "the certificate of %.60s is not trusted (%.60s) and its thumbprint is not the provider's",
		 f->host, X509_verify_cert_error_string(err));
	return 0;
}

static int tls_init(void)
{
	if (ssl_ctx)
		return 0;
	ssl_ctx = SSL_CTX_new(TLS_client_method());
	if (!ssl_ctx)
		return -ENOMEM;
	ssl_fetch_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
	SSL_CTX_set_min_proto_version(ssl_ctx, TLS1_2_VERSION);
	SSL_CTX_set_default_verify_paths(ssl_ctx);
	SSL_CTX_set_verify(ssl_ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_cert_verify_callback(ssl_ctx, cert_verify, NULL);
	return 0;
}

/* ---- the fetch ---- */

static void fetch_free(struct fetch *f)
{
	if (!f)
		return;
	if (f->conn)
		evhttp_connection_free(f->conn);
	if (f->deadline)
		event_free(f->deadline);
	free(f->host);
	free(f);
}

static void fetch_free_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	fetch_free(arg);
}

/* The fetch is over: its entry gets the keys (ks, taken) or the error,
 * the waiting calls run on, and the fetch is freed outside evhttp's
 * callback. */
static void fetch_end(struct fetch *f, struct jwt_keyset *ks, const char *error)
{
	struct entry *e = f->e;
	struct timeval now0 = { 0, 0 };
	f->done = true;
	e->fetch = NULL;
	int64_t now = (int64_t)time(NULL);
	if (e->stale) {
		e->stale = false;
		jwt_keyset_free(ks);
	} else if (ks) {
		jwt_keyset_free(e->keys);
		e->keys = ks;
		e->fetched_at = now;
		e->failed_at = 0;
		iamd_log(LOG_INFO, "OIDC provider %s: %zu signing keys fetched", e->arn,
			 jwt_keyset_count(ks));
	} else {
		e->failed_at = now;
		snprintf(e->error, sizeof(e->error), "%s", error ? error : "fetch failed");
		iamd_log_limited(LOG_WARNING, "OIDC provider %s: cannot fetch its keys: %s", e->arn,
				 e->error);
	}
	if (event_base_once(f->base, -1, EV_TIMEOUT, fetch_free_cb, f, &now0) < 0)
		iamd_log(LOG_ERR, "OIDC: cannot schedule a fetch's cleanup");
	entry_wake(e);
}

static int fetch_get(struct fetch *f, const char *url);

static void fetch_done(struct evhttp_request *req, void *arg)
{
	struct fetch *f = arg;
	char msg[ERROR_MAX];
	const char *reterr = NULL;
	if (f->done)
		return;
	int code = req ? evhttp_request_get_response_code(req) : 0;
	if (!req || code == 0) {
		snprintf(msg, sizeof(msg), "%s", *f->error ? f->error :
			 "no answer from the provider (connection, TLS or timeout)");
		fetch_end(f, NULL, msg);
		return;
	}
	if (code != 200) {
		snprintf(msg, sizeof(msg), "the provider answered HTTP %d for %s", code,
			 f->stage == 0 ? "its configuration" : "its keys");
		fetch_end(f, NULL, msg);
		return;
	}
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	if (len > OIDC_DOC_MAX) {
		fetch_end(f, NULL, "the provider's document is too large");
		return;
	}
	char *body = (char *)evbuffer_pullup(in, (ev_ssize_t)len);
	if (!body && len) {
		fetch_end(f, NULL, "out of memory");
		return;
	}
	if (f->stage == 0) {
		char *jwks = NULL, *issuer = NULL;
		int r = jwt_discovery_parse(body ? body : "", len, &jwks, &issuer, &reterr);
		if (r == 0) {
			char want[OIDC_URL_MAX + 9];
			snprintf(want, sizeof(want), "https://%s", f->url);
			size_t wl = strlen(want), il = issuer ? strlen(issuer) : 0;
			/* the issuer is the provider's URL (a trailing / aside) */
			while (wl > 8 && want[wl - 1] == '/')
				wl--;
			while (il > 8 && issuer[il - 1] == '/')
				il--;
			if (!issuer || il != wl || strncmp(issuer, want, wl) != 0) {
				reterr = "the configuration's issuer is not the provider's URL";
				r = -EINVAL;
			}
		}
		if (r == 0) {
			f->stage = 1;
			r = fetch_get(f, jwks);
			if (r < 0)
				reterr = *f->error ? f->error : "cannot request the provider's keys";
		}
		free(jwks);
		free(issuer);
		if (r < 0)
			fetch_end(f, NULL, reterr);
		return;
	}
	struct jwt_keyset *ks = NULL;
	int r = jwt_keyset_parse(body ? body : "", len, &ks, &reterr);
	if (r == 0 && jwt_keyset_count(ks) == 0) {
		jwt_keyset_free(ks);
		ks = NULL;
		r = -EINVAL;
		reterr = "the provider's key set holds no usable signing key";
	}
	fetch_end(f, r == 0 ? ks : NULL, reterr);
}

static void fetch_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct fetch *f = arg;
	(void)fd;
	(void)what;
	if (!f->done)
		fetch_end(f, NULL, "the provider did not answer in time");
}

/* GET url (https) on a new connection; the previous one (discovery) is
 * freed later with the fetch. */
static int fetch_get(struct fetch *f, const char *url)
{
	struct evhttp_uri *u = evhttp_uri_parse(url);
	SSL *ssl = NULL;
	struct bufferevent *bev = NULL;
	struct evhttp_request *req = NULL;
	int r = -EINVAL;
	if (!u || !evhttp_uri_get_scheme(u) || strcasecmp(evhttp_uri_get_scheme(u), "https") != 0 ||
	    !evhttp_uri_get_host(u) || !*evhttp_uri_get_host(u)) {
		snprintf(f->error, sizeof(f->error), "not an https URL: %.100s", url);
		goto out;
	}
	const char *host = evhttp_uri_get_host(u);
	int port = evhttp_uri_get_port(u) > 0 ? evhttp_uri_get_port(u) : 443;
	const char *path = evhttp_uri_get_path(u);
	const char *query = evhttp_uri_get_query(u);
	char target[2048], hosthdr[300];
	snprintf(target, sizeof(target), "%s%s%s", path && *path ? path : "/", query ? "?" : "",
		 query ? query : "");
	snprintf(hosthdr, sizeof(hosthdr), port == 443 ? "%s" : "%s:%d", host, port);
	if (f->conn) {
		/* the discovery's connection: freed with the fetch (evhttp
		 * still holds it in this callback) */
		struct evhttp_connection *old = f->conn;
		f->conn = NULL;
		evhttp_connection_free_on_completion(old);
	}
	free(f->host);
	f->host = strdup(host);
	r = -ENOMEM;
	if (!f->host)
		goto out;
	ssl = SSL_new(ssl_ctx);
	if (!ssl)
		goto out;
	SSL_set_ex_data(ssl, ssl_fetch_idx, f);
	/* the trust store's check names the host (an IP address or a name) */
	X509_VERIFY_PARAM *vp = SSL_get0_param(ssl);
	bool ip = strchr(host, ':') || strspn(host, "0123456789.") == strlen(host);
	if (ip ? X509_VERIFY_PARAM_set1_ip_asc(vp, host) != 1
	       : X509_VERIFY_PARAM_set1_host(vp, host, 0) != 1 ||
		 SSL_set_tlsext_host_name(ssl, host) != 1) {   /* SNI for a name */
		SSL_free(ssl);
		goto out;
	}
	bev = bufferevent_openssl_socket_new(f->base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
					     BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (!bev) {
		SSL_free(ssl);
		goto out;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	f->conn = evhttp_connection_base_bufferevent_new(f->base, dns, bev, host,
							 (unsigned short)port);
	if (!f->conn) {
		bufferevent_free(bev);
		goto out;
	}
	evhttp_connection_set_timeout(f->conn, OIDC_FETCH_TIMEOUT);
	evhttp_connection_set_retries(f->conn, 0);
	evhttp_connection_set_max_body_size(f->conn, OIDC_DOC_MAX);
	evhttp_connection_set_max_headers_size(f->conn, 64 * 1024);
	req = evhttp_request_new(fetch_done, f);
	if (!req)
		goto out;
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Host", hosthdr);
	evhttp_add_header(h, "Accept", "application/json");
	evhttp_add_header(h, "User-Agent", "iamd/" PACKAGE_VERSION);
	evhttp_add_header(h, "Connection", "close");
	if (evhttp_make_request(f->conn, req, EVHTTP_REQ_GET, target) < 0) {
		req = NULL;   /* freed by evhttp */
		r = -EIO;
		goto out;
	}
	r = 0;
out:
	evhttp_uri_free(u);
	return r;
}

static int fetch_start(struct iamd *d, struct entry *e, const Iam__OIDCProviderRecord *p)
{
	struct fetch *f = calloc(1, sizeof(*f));
	struct timeval tmo = { OIDC_FETCH_TIMEOUT + 5, 0 };   /* the whole fetch */
	int r = -ENOMEM;
	if (!f)
		return -ENOMEM;
	f->e = e;
	f->base = d->base;
	snprintf(f->url, sizeof(f->url), "%s", p->url);
	for (size_t i = 0; i < p->n_thumbprint_list && i < OIDC_THUMBPRINTS_MAX; i++)
		snprintf(f->thumbprints[f->n_thumbprints++], 41, "%s", p->thumbprint_list[i]);
	if (tls_init() < 0)
		goto fail;
	if (!dns)
		dns = evdns_base_new(d->base, EVDNS_BASE_INITIALIZE_NAMESERVERS |
				     EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	f->deadline = evtimer_new(d->base, fetch_timeout, f);
	if (!f->deadline || evtimer_add(f->deadline, &tmo) < 0)
		goto fail;
	char url[OIDC_URL_MAX + 64];
	size_t ul = strlen(p->url);
	snprintf(url, sizeof(url), "https://%s%s.well-known/openid-configuration", p->url,
		 ul && p->url[ul - 1] == '/' ? "" : "/");
	r = fetch_get(f, url);
	if (r < 0)
		goto fail;
	e->fetch = f;
	return 0;
fail:
	snprintf(e->error, sizeof(e->error), "%s", *f->error ? f->error : "cannot start the fetch");
	e->failed_at = (int64_t)time(NULL);
	fetch_free(f);
	return r == -ENOMEM ? r : 0;
}

/* ---- the cache ---- */

int oidc_keys_get(struct iamd *d, const Iam__OIDCProviderRecord *p, int64_t now, bool refresh,
		  const struct jwt_keyset **ret_keys, const char **ret_error)
{
	struct entry *e = entry_find(p->arn);
	/* the clock of now, not the call's: a call that waited for a fetch
	 * started before the fetch ended (its keys are not "from the future") */
	int64_t wall = (int64_t)time(NULL);
	if (wall > now)
		now = wall;
	if (!e) {
		if (strlen(p->arn) >= ARN_MAX)
			return -EINVAL;
		e = calloc(1, sizeof(*e));
		if (!e)
			return -ENOMEM;
		snprintf(e->arn, sizeof(e->arn), "%s", p->arn);
		e->next = entries;
		entries = e;
	}
	if (e->fetch)
		return OIDC_KEYS_FETCHING;
	bool fresh = e->keys && now >= e->fetched_at && now - e->fetched_at < OIDC_KEYS_TTL;
	bool young = e->keys && now >= e->fetched_at && now - e->fetched_at < OIDC_REFRESH_MIN;
	if (fresh && (!refresh || young)) {
		*ret_keys = e->keys;
		return OIDC_KEYS_READY;
	}
	if (e->failed_at && now >= e->failed_at && now - e->failed_at < OIDC_FAIL_TTL) {
		*ret_error = e->error;
		return OIDC_KEYS_FAILED;
	}
	int r = fetch_start(d, e, p);
	if (r < 0)
		return r;
	if (!e->fetch) {
		*ret_error = e->error;
		return OIDC_KEYS_FAILED;
	}
	return OIDC_KEYS_FETCHING;
}

void oidc_keys_forget(const char *arn)
{
	struct entry *e = entry_find(arn);
	if (!e)
		return;
	jwt_keyset_free(e->keys);
	e->keys = NULL;
	e->fetched_at = 0;
	e->failed_at = 0;
	if (e->fetch)
		e->stale = true;
}

void oidc_keys_shutdown(void)
{
	while (entries) {
		struct entry *e = entries;
		entries = e->next;
		for (struct waiter *w = e->waiters; w; w = w->next)
			w->c->wait_data = NULL;   /* its cancel is a no-op now */
		if (e->fetch) {
			e->fetch->done = true;
			fetch_free(e->fetch);
		}
		jwt_keyset_free(e->keys);
		free(e);
	}
	if (dns)
		evdns_base_free(dns, 0);
	dns = NULL;
	SSL_CTX_free(ssl_ctx);
	ssl_ctx = NULL;
}
