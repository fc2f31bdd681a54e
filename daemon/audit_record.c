/* audit_record: one call as a CloudTrail event (audit.h, docs/audit.md),
 * written straight into the trail's buffer: no jansson, no allocation but
 * the buffer's. The request and response are rendered from the proto
 * descriptors by pbjson_write() with CloudTrail's camelCase keys, policy
 * documents as text and every secret field redacted. */
#include "config.h"
#include "audit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "authz_wire.h"
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

#define LIT(b, s) pbjson_buf_append((b), (s), sizeof(s) - 1)

static void put_str(struct pbjson_buf *b, const char *v)
{
	if (v)
		pbjson_buf_string(b, v, strlen(v));
	else
		LIT(b, "null");
}

/* A string iamd made itself and knows holds no byte JSON escapes (a UUID,
 * an ISO 8601 time, an op's name, 12 digits), between quotes. */
static void put_plain(struct pbjson_buf *b, const char *v, size_t n)
{
	if (pbjson_buf_reserve(b, n + 2) < 0)
		return;
	char *o = b->p + b->len;
	o[0] = '"';
	memcpy(o + 1, v, n);
	o[n + 1] = '"';
	b->len += n + 2;
}

struct audit_session_parts {
	size_t peer_len, root_len, acct_len;
	const char *peer, *root, *acct;   /* into text */
	char text[];
};

int audit_session_parts_new(const char *account_id, const char *root_arn,
			    const char *source, const char *user_agent,
			    struct audit_session_parts **ret)
{
	struct pbjson_buf b = { 0 };
	struct audit_session_parts *p = NULL;
	LIT(&b, ",\"sourceIPAddress\":");
	put_str(&b, source);
	LIT(&b, ",\"userAgent\":");
	put_str(&b, user_agent);
	size_t peer = b.len;
	LIT(&b, ",\"userIdentity\":{\"type\":\"Root\",\"principalId\":");
	put_str(&b, account_id);
	LIT(&b, ",\"arn\":");
	put_str(&b, root_arn);
	LIT(&b, ",\"accountId\":");
	put_str(&b, account_id);
	LIT(&b, "}");
	size_t root = b.len;
	put_str(&b, account_id);
	if (!b.oom)
		p = malloc(sizeof(*p) + b.len);
	if (p) {
		memcpy(p->text, b.p, b.len);
		p->peer = p->text;
		p->peer_len = peer;
		p->root = p->text + peer;
		p->root_len = root - peer;
		p->acct = p->text + root;
		p->acct_len = b.len - root;
	}
	pbjson_buf_free(&b);
	if (!p)
		return -ENOMEM;
	audit_session_parts_free(*ret);
	*ret = p;
	return 0;
}

void audit_session_parts_free(struct audit_session_parts *p)
{
	free(p);
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

/* ,"sessionContext":{...} */
static void session_context(struct pbjson_buf *b, const struct caller *cl)
{
	const Keyd__SessionClaims *s = cl->session;
	char t[32];
	LIT(b, ",\"sessionContext\":{\"sessionIssuer\":{");
	if (s->role_arn && *s->role_arn) {
		const char *name = strrchr(s->role_arn, '/');
		LIT(b, "\"type\":\"Role\",\"principalId\":");
		put_str(b, s->role_id);
		LIT(b, ",\"arn\":");
		put_str(b, s->role_arn);
		LIT(b, ",\"accountId\":");
		put_str(b, s->account);
		LIT(b, ",\"userName\":");
		put_str(b, name ? name + 1 : s->role_arn);
	} else if (s->source_user_arn) {
		/* GetSessionToken: the user (or root) the session is for */
		if (strstr(s->source_user_arn, ":root"))
			LIT(b, "\"type\":\"Root\"");
		else
			LIT(b, "\"type\":\"IAMUser\"");
		LIT(b, ",\"arn\":");
		put_str(b, s->source_user_arn);
		LIT(b, ",\"accountId\":");
		put_str(b, s->account);
	}
	iso_time(s->has_issued ? s->issued : 0, t);
	LIT(b, "},\"attributes\":{\"creationDate\":");
	put_str(b, t);
	if (s->has_mfa_present && s->mfa_present)
		LIT(b, ",\"mfaAuthenticated\":\"true\"}");
	else
		LIT(b, ",\"mfaAuthenticated\":\"false\"}");
	if (s->source_identity && *s->source_identity) {
		LIT(b, ",\"sourceIdentity\":");
		put_str(b, s->source_identity);
	}
	if (s->has_host_uid) {
		/* host credentials (iamd:GetCredentials): the process they were
		 * issued to, as EC2's role credentials show ec2RoleDelivery */
		char n[16];
		int k = snprintf(n, sizeof(n), "%u", (unsigned)s->host_uid);
		LIT(b, ",\"iamdHostIdentity\":{\"uid\":");
		pbjson_buf_append(b, n, (size_t)k);
		if (s->has_host_gid) {
			k = snprintf(n, sizeof(n), "%u", (unsigned)s->host_gid);
			LIT(b, ",\"gid\":");
			pbjson_buf_append(b, n, (size_t)k);
		}
		if (s->host_systemd_unit) {
			LIT(b, ",\"systemdUnit\":");
			put_str(b, s->host_systemd_unit);
		}
		if (s->host_invocation_id) {
			LIT(b, ",\"invocationId\":");
			put_str(b, s->host_invocation_id);
		}
		if (s->host_exe_path) {
			LIT(b, ",\"exePath\":");
			put_str(b, s->host_exe_path);
		}
		LIT(b, "}");
	}
	LIT(b, "}");
}

/* ,"userIdentity":{...} */
static void user_identity(struct pbjson_buf *b, const struct call *c)
{
	const struct caller *cl = &c->caller;
	const struct session *s = c->session;
	/* the account root as dispatch identified it (the same strings) */
	if (s && s->audit_parts && cl->kind == CALLER_ROOT && !cl->access_key_id &&
	    cl->arn == s->root_arn && cl->user_id == c->d->account_id &&
	    cl->account_id == c->d->account_id && !authn_failed(c)) {
		pbjson_buf_append(b, s->audit_parts->root, s->audit_parts->root_len);
		return;
	}
	if (authn_failed(c)) {
		LIT(b, ",\"userIdentity\":{\"type\":\"Unknown\",\"principalId\":\"\","
		    "\"accountId\":");
		put_str(b, c->d->account_id);
		if (cl->access_key_id) {
			LIT(b, ",\"accessKeyId\":");
			put_str(b, cl->access_key_id);
		}
		LIT(b, "}");
		return;
	}
	switch (cl->kind) {
	case CALLER_ROOT:
		LIT(b, ",\"userIdentity\":{\"type\":\"Root\"");
		break;
	case CALLER_USER:
		LIT(b, ",\"userIdentity\":{\"type\":\"IAMUser\"");
		break;
	case CALLER_SESSION:
		if (cl->session && cl->session->role_arn && *cl->session->role_arn)
			LIT(b, ",\"userIdentity\":{\"type\":\"AssumedRole\"");
		else if (cl->session && cl->session->has_kind &&
			 cl->session->kind == KEYD__SESSION_KIND__FEDERATED)
			LIT(b, ",\"userIdentity\":{\"type\":\"FederatedUser\"");
		else
			LIT(b, ",\"userIdentity\":{\"type\":\"IAMUser\"");
		break;
	case CALLER_WEB_IDENTITY:
	case CALLER_SAML:
		/* CloudTrail's AssumeRoleWithWebIdentity and AssumeRoleWithSAML:
		 * the token's or the assertion's subject at its provider
		 * (never the token or the assertion) */
		if (cl->kind == CALLER_SAML)
			LIT(b, ",\"userIdentity\":{\"type\":\"SAMLUser\",\"principalId\":");
		else
			LIT(b, ",\"userIdentity\":{\"type\":\"WebIdentityUser\",\"principalId\":");
		put_str(b, cl->user_id ? cl->user_id : "");
		LIT(b, ",\"userName\":");
		put_str(b, cl->user_name ? cl->user_name : "");
		LIT(b, ",\"identityProvider\":");
		put_str(b, cl->identity_provider ? cl->identity_provider : "");
		LIT(b, "}");
		return;
	default:
		LIT(b, ",\"userIdentity\":{\"type\":\"Unknown\"");
		break;
	}
	LIT(b, ",\"principalId\":");
	put_str(b, cl->user_id ? cl->user_id : "");
	if (cl->arn) {
		LIT(b, ",\"arn\":");
		put_str(b, cl->arn);
	}
	LIT(b, ",\"accountId\":");
	put_str(b, cl->account_id ? cl->account_id : c->d->account_id);
	if (cl->access_key_id) {
		LIT(b, ",\"accessKeyId\":");
		put_str(b, cl->access_key_id);
	}
	if (cl->kind == CALLER_USER && cl->user_name) {
		LIT(b, ",\"userName\":");
		put_str(b, cl->user_name);
	}
	if (cl->kind == CALLER_SESSION && cl->session)
		session_context(b, cl);
	LIT(b, "}");
}

/* A message as its JSON object; null when absent, empty, or not
 * renderable. */
static void render(struct pbjson_buf *b, const ProtobufCMessage *m)
{
	size_t at = b->len;
	/* Authorize's request by hand (authz_wire.h): the same bytes */
	if (m && (m->descriptor == &iam__authorize_request__descriptor
			  ? authz_wire_render(b, (const Iam__AuthorizeRequest *)m)
			  : pbjson_write(b, m, PB_FLAGS)) == 0) {
		if (b->len - at != 2)
			return;
		b->len = at;   /* {} */
	}
	LIT(b, "null");
}

/* CloudTrail shows responseElements for calls that change something and
 * for those that issue credentials; read calls have null. */
static bool shows_response(const struct call *c)
{
	return (c->op->flags & (OP_WRITE | OP_CREDENTIALS)) != 0;
}

static const char *event_source(const struct call *c)
{
	const char *a = c->op->action;
	if (strncmp(a, "sts:", 4) == 0)
		return "\"sts.amazonaws.com\"";
	if (strncmp(a, "iamd:", 5) == 0)
		return "\"iamd.amazonaws.com\"";
	return "\"iam.amazonaws.com\"";
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

int audit_record_write(struct pbjson_buf *b, const struct call *c,
		       const ProtobufCMessage *resp, char event_id[37])
{
	const struct session *s = c->session;
	bool data = audit_record_is_data(c);
	size_t at = b->len;
	int r = call_request_id_new(event_id);
	if (r < 0)
		return r;
	if (pbjson_buf_reserve(b, 1024) < 0)
		return -ENOMEM;
	LIT(b, "{\"eventVersion\":\"1.08\"");
	user_identity(b, c);
	LIT(b, ",\"eventTime\":");
	const char *when = event_time(c->now);
	put_plain(b, when, strlen(when));
	LIT(b, ",\"eventSource\":");
	pbjson_buf_append(b, event_source(c), strlen(event_source(c)));
	LIT(b, ",\"eventName\":");
	put_plain(b, c->op->name, strlen(c->op->name));
	LIT(b, ",\"awsRegion\":\"us-east-1\"");
	if (s && s->audit_parts) {
		pbjson_buf_append(b, s->audit_parts->peer, s->audit_parts->peer_len);
	} else {
		LIT(b, ",\"sourceIPAddress\":");
		put_str(b, s ? s->source : "");
		LIT(b, ",\"userAgent\":");
		put_str(b, s ? s->user_agent : "");
	}
	if (c->err_code) {
		LIT(b, ",\"errorCode\":");
		put_str(b, c->err_code);
		LIT(b, ",\"errorMessage\":");
		put_str(b, c->err_msg ? c->err_msg : "");
	}
	LIT(b, ",\"requestParameters\":");
	render(b, c->req);
	LIT(b, ",\"responseElements\":");
	render(b, resp && shows_response(c) ? resp : NULL);
	LIT(b, ",\"requestID\":");
	put_plain(b, c->request_id, strlen(c->request_id));   /* UUIDs */
	LIT(b, ",\"eventID\":");
	put_plain(b, event_id, strlen(event_id));
	if (c->op->flags & OP_WRITE)
		LIT(b, ",\"readOnly\":false");
	else
		LIT(b, ",\"readOnly\":true");
	LIT(b, ",\"eventType\":\"AwsApiCall\"");
	if (data)
		LIT(b, ",\"managementEvent\":false");
	else
		LIT(b, ",\"managementEvent\":true");
	LIT(b, ",\"recipientAccountId\":");
	const char *acct = c->caller.account_id ? c->caller.account_id : c->d->account_id;
	if (s && s->audit_parts && acct == c->d->account_id)
		pbjson_buf_append(b, s->audit_parts->acct, s->audit_parts->acct_len);
	else
		put_str(b, acct);
	if (data)
		LIT(b, ",\"eventCategory\":\"Data\"");
	else
		LIT(b, ",\"eventCategory\":\"Management\"");
	if (b->oom) {
		b->len = at;
		b->oom = false;
		return -ENOMEM;
	}
	return 0;
}

/* Denials and credential issues go to the journal too (sd.h). */
void audit_journal(const struct call *c, const char *event_id)
{
	const char *n = c->op->name;
	bool denied = c->err_code && (strcmp(c->err_code, "AccessDenied") == 0 ||
				      authn_failed(c));
	bool cred = !c->err_code && (c->op->flags & OP_CREDENTIALS);
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
