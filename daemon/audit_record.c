/* audit_record: one call as a CloudTrail event (audit.h, docs/audit.md).
 * The request and response are rendered from the proto descriptors by
 * lib/pbjson with CloudTrail's camelCase keys, policy documents as text and
 * every secret field redacted. */
#include "config.h"
#include "audit.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "call.h"
#include "dispatch.h"
#include "iamd.h"
#include "keyd.pb-c.h"
#include "pbjson/pbjson.h"
#include "sd.h"

#define PB_FLAGS (PBJSON_CAMEL | PBJSON_DOC_TEXT | PBJSON_REDACT | PBJSON_TIME_Z)

bool audit_record_is_data(const struct call *c)
{
	return c->op && strcmp(c->op->name, "Authorize") == 0;
}

static void iso_time(int64_t t, char buf[32])
{
	struct tm tm;
	time_t tt = (time_t)t;
	gmtime_r(&tt, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void set_str(json_t *o, const char *k, const char *v)
{
	json_object_set_new(o, k, v ? json_string(v) : json_null());
}

/* The error codes of a failed authentication (authn.c, docs/sigv4.md):
 * the caller is then unknown, whatever the local peer is. */
static bool authn_failed(const struct call *c)
{
	static const char *const codes[] = {
		"InvalidClientTokenId", "SignatureDoesNotMatch",
		"IncompleteSignature", "ExpiredToken", "InvalidToken",
		"MissingAuthenticationToken", "RequestExpired",
		"AuthFailure", "InvalidSignatureException",
	};
	if (!c->err_code)
		return false;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(c->err_code, codes[i]) == 0)
			return true;
	return false;
}

static json_t *session_context(const struct caller *cl)
{
	const Keyd__SessionClaims *s = cl->session;
	json_t *ctx = json_object(), *iss = json_object(), *attr = json_object();
	char t[32];
	if (s->role_arn && *s->role_arn) {
		const char *name = strrchr(s->role_arn, '/');
		json_object_set_new(iss, "type", json_string("Role"));
		set_str(iss, "principalId", s->role_id);
		set_str(iss, "arn", s->role_arn);
		set_str(iss, "accountId", s->account);
		set_str(iss, "userName", name ? name + 1 : s->role_arn);
	} else if (s->source_user_arn) {
		/* GetSessionToken: the user (or root) the session is for */
		json_object_set_new(iss, "type", json_string(
			strstr(s->source_user_arn, ":root") ? "Root" : "IAMUser"));
		set_str(iss, "arn", s->source_user_arn);
		set_str(iss, "accountId", s->account);
	}
	iso_time(s->has_issued ? s->issued : 0, t);
	json_object_set_new(attr, "creationDate", json_string(t));
	json_object_set_new(attr, "mfaAuthenticated",
			    json_string(s->has_mfa_present && s->mfa_present ? "true" : "false"));
	json_object_set_new(ctx, "sessionIssuer", iss);
	json_object_set_new(ctx, "attributes", attr);
	if (s->source_identity && *s->source_identity)
		set_str(ctx, "sourceIdentity", s->source_identity);
	return ctx;
}

static json_t *user_identity(const struct call *c)
{
	const struct caller *cl = &c->caller;
	json_t *u = json_object();
	if (authn_failed(c)) {
		json_object_set_new(u, "type", json_string("Unknown"));
		json_object_set_new(u, "principalId", json_string(""));
		set_str(u, "accountId", c->d->account_id);
		if (cl->access_key_id)
			set_str(u, "accessKeyId", cl->access_key_id);
		return u;
	}
	switch (cl->kind) {
	case CALLER_ROOT:
		json_object_set_new(u, "type", json_string("Root"));
		break;
	case CALLER_USER:
		json_object_set_new(u, "type", json_string("IAMUser"));
		break;
	case CALLER_SESSION:
		json_object_set_new(u, "type", json_string(
			cl->session && cl->session->role_arn && *cl->session->role_arn
				? "AssumedRole" : "IAMUser"));
		break;
	default:
		json_object_set_new(u, "type", json_string("Unknown"));
		break;
	}
	set_str(u, "principalId", cl->user_id ? cl->user_id : "");
	if (cl->arn)
		set_str(u, "arn", cl->arn);
	set_str(u, "accountId", cl->account_id ? cl->account_id : c->d->account_id);
	if (cl->access_key_id)
		set_str(u, "accessKeyId", cl->access_key_id);
	if (cl->kind == CALLER_USER && cl->user_name)
		set_str(u, "userName", cl->user_name);
	if (cl->kind == CALLER_SESSION && cl->session)
		json_object_set_new(u, "sessionContext", session_context(cl));
	return u;
}

static json_t *render(const ProtobufCMessage *m)
{
	json_t *j = NULL;
	if (!m || pbjson_to_json(m, PB_FLAGS, &j) < 0)
		return json_null();
	if (json_object_size(j) == 0) {
		json_decref(j);
		return json_null();
	}
	return j;
}

/* CloudTrail shows responseElements for calls that change something and
 * for those that issue credentials; read calls have null. */
static bool shows_response(const struct call *c)
{
	const char *n = c->op->name;
	size_t l = strlen(n);
	return (c->op->flags & OP_WRITE) || strncmp(n, "Assume", 6) == 0 ||
	       (l > 5 && strcmp(n + l - 5, "Token") == 0);
}

bool audit_record_deferrable(const struct call *c)
{
	return !c->caller.session && !shows_response(c);
}

static const char *event_source(const struct call *c)
{
	const char *a = c->op->action;
	if (strncmp(a, "sts:", 4) == 0)
		return "sts.amazonaws.com";
	if (strncmp(a, "iamd:", 5) == 0)
		return "iamd.amazonaws.com";
	return "iam.amazonaws.com";
}

/* A growing text (malloc'd) for the record: the envelope is written
 * directly, jansson only renders the request and response. */
struct sb {
	char *p;
	size_t len, cap;
	bool oom;
};

static void sb_grow(struct sb *b, size_t more)
{
	if (b->oom || b->len + more + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 1024;
	while (cap < b->len + more + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return;
	}
	b->p = p;
	b->cap = cap;
}

static void sb_raw(struct sb *b, const char *s, size_t n)
{
	sb_grow(b, n);
	if (b->oom)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

#define SB_LIT(b, s) sb_raw((b), (s), sizeof(s) - 1)

/* "text", JSON-escaped */
static void sb_str(struct sb *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	sb_grow(b, strlen(s) * 6 + 2);
	if (b->oom)
		return;
	char *o = b->p + b->len;
	*o++ = '"';
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			*o++ = '\\';
			*o++ = (char)*p;
		} else if (*p < 0x20) {
			*o++ = '\\';
			*o++ = 'u';
			*o++ = '0';
			*o++ = '0';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		} else {
			*o++ = (char)*p;
		}
	}
	*o++ = '"';
	b->len = (size_t)(o - b->p);
	b->p[b->len] = 0;
}

/* ,"key":"value" (null when v is NULL) */
static void sb_kv(struct sb *b, const char *key, const char *v)
{
	SB_LIT(b, ",\"");
	sb_raw(b, key, strlen(key));
	SB_LIT(b, "\":");
	if (v)
		sb_str(b, v);
	else
		SB_LIT(b, "null");
}

/* ,"key":<json> */
static void sb_json(struct sb *b, const char *key, json_t *j)
{
	SB_LIT(b, ",\"");
	sb_raw(b, key, strlen(key));
	SB_LIT(b, "\":");
	char *t = json_is_null(j) ? NULL : json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (t) {
		sb_raw(b, t, strlen(t));
		free(t);
	} else {
		SB_LIT(b, "null");
	}
	json_decref(j);
}

/* eventTime: formatted once a second */
static const char *event_time(int64_t t)
{
	static int64_t last = -1;
	static char buf[32];
	if (t != last) {
		iso_time(t, buf);
		last = t;
	}
	return buf;
}

char *audit_record_build(const struct call *c, const ProtobufCMessage *resp,
			 char event_id[37])
{
	const struct session *s = c->session;
	bool data = audit_record_is_data(c);
	struct sb b = { 0 };
	if (call_request_id_new(event_id) < 0)
		return NULL;
	sb_grow(&b, 1024);
	SB_LIT(&b, "{\"eventVersion\":\"1.08\"");
	sb_json(&b, "userIdentity", user_identity(c));
	sb_kv(&b, "eventTime", event_time(c->now));
	sb_kv(&b, "eventSource", event_source(c));
	sb_kv(&b, "eventName", c->op->name);
	sb_kv(&b, "awsRegion", "us-east-1");
	sb_kv(&b, "sourceIPAddress", s ? s->source : "");
	sb_kv(&b, "userAgent", s ? s->user_agent : "");
	if (c->err_code) {
		sb_kv(&b, "errorCode", c->err_code);
		sb_kv(&b, "errorMessage", c->err_msg ? c->err_msg : "");
	}
	sb_json(&b, "requestParameters", render(c->req));
	sb_json(&b, "responseElements",
		resp && shows_response(c) ? render(resp) : json_null());
	sb_kv(&b, "requestID", c->request_id);
	sb_kv(&b, "eventID", event_id);
	if (c->op->flags & OP_WRITE)
		SB_LIT(&b, ",\"readOnly\":false");
	else
		SB_LIT(&b, ",\"readOnly\":true");
	sb_kv(&b, "eventType", "AwsApiCall");
	if (data)
		SB_LIT(&b, ",\"managementEvent\":false");
	else
		SB_LIT(&b, ",\"managementEvent\":true");
	sb_kv(&b, "recipientAccountId",
	      c->caller.account_id ? c->caller.account_id : c->d->account_id);
	sb_kv(&b, "eventCategory", data ? "Data" : "Management");
	SB_LIT(&b, "}");
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

/* Denials and credential issues go to the journal too (sd.h). */
void audit_journal(const struct call *c, const char *event_id)
{
	const char *n = c->op->name;
	bool denied = c->err_code && (strcmp(c->err_code, "AccessDenied") == 0 ||
				      authn_failed(c));
	bool cred = !c->err_code &&
		    (strcmp(n, "CreateAccessKey") == 0 || strncmp(n, "Assume", 6) == 0 ||
		     strcmp(n, "GetSessionToken") == 0 ||
		     strcmp(n, "GetFederationToken") == 0 ||
		     strcmp(n, "CreateLoginProfile") == 0 ||
		     strcmp(n, "UpdateLoginProfile") == 0);
	if (!denied && !cred)
		return;
	const char *who = authn_failed(c) ? "unknown"
			  : c->caller.arn ? c->caller.arn : "anonymous";
	if (denied)
		iamd_log_audit(event_id, who, c->op->action, "deny",
			       "audit: %s denied to %s (uid %u): %s", n, who,
			       (unsigned)c->caller.uid, c->err_code);
	else
		iamd_log_audit(event_id, who, c->op->action, "allow",
			       "audit: %s issued credentials to %s (uid %u)", n, who,
			       (unsigned)c->caller.uid);
}
