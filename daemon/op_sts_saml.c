/* op_sts_saml: sts:AssumeRoleWithSAML (saml.h, docs/federation.md): an
 * unsigned call whose credential is a signed SAML response.
 *
 *   resource(): the inputs as AWS checks them; the caller becomes nobody
 *   (whoever the peer or a signature says: the assertion is the
 *   credential); the provider PrincipalArn read in the ROLE's account; the
 *   response verified by lib/saml with the provider's entityID and
 *   certificates (signature, wrapping, issuer, times, audience, recipient);
 *   the Role attribute must pair RoleArn with PrincipalArn; RoleSessionName,
 *   SessionDuration, SourceIdentity, PrincipalTag:*, TransitiveTagKeys
 *   read. The caller is then CALLER_SAML (the provider's ARN as principal)
 *   and the role's trust policy the call's resource policy, with the
 *   context keys AWS sets (saml:aud, saml:sub, saml:sub_type, saml:iss,
 *   saml:namequalifier, saml:doc, the eduPerson and X.500 attributes...,
 *   sts:RoleSessionName, sts:SourceIdentity, aws:RequestTag/KEY).
 *   authz (dispatch -> authz_check -> trust_alone() in authz.c) decides
 *   sts:AssumeRoleWithSAML by the trust policy alone.
 *   handler(): sts:TagSession / sts:SetSourceIdentity when the assertion
 *   brings tags / a source identity; the assertion's ID taken (a replay is
 *   refused until it could no longer be used); the claims of an
 *   assumed-role session minted by iam-keyd as AssumeRole's are. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authn.h"
#include "authz.h"
#include "dispatch.h"
#include "entity.h"
#include "iam_saml.pb-c.h"
#include "iamd.h"
#include "keyd.pb-c.h"
#include "keyd_client.h"
#include "op_sts.h"
#include "ops.h"
#include "principal.h"
#include "saml.h"
#include "saml/saml.h"
#include "sd.h"
#include "store.pb-c.h"
#include "store/store.h"
#include "sts_session.h"
#include "util/arena.h"
#include "util/name.h"
#include "util/sha1.h"
#include "util/sha256.h"

#define RECIPIENT "https://signin.aws.amazon.com/saml"
#define NAMEID_PREFIX "urn:oasis:names:tc:SAML:2.0:nameid-format:"
#define MSG_DENIED "Not authorized to perform sts:AssumeRoleWithSAML"
#define MSG_SIGNATURE "Response signature invalid"
#define CTX_MAX (16 + SAML_ATTR_MAX + 2 * UTIL_TAGS_MAX)

/* What resource() found, for the handler (arena memory). */
struct fed {
	const Iam__AssumeRoleWithSAMLRequest *req;
	const char *account, *role_name, *provider_name;
	Iam__Role *role;
	const char *provider_arn;
	const char *session_name, *source_identity;
	const char *sub, *sub_type, *issuer, *audience, *name_qualifier;
	char *assertion_id;
	int64_t id_until;             /* the ID may be used again after this */
	int64_t expires;
	int32_t packed_percent;       /* -1: nothing packed */
	Keyd__Tag **tags;
	size_t n_tags;
	char **transitive;
	size_t n_transitive;
};

/* ---- replays: assertion IDs taken, until they could not be used anyway
 * (their NotOnOrAfter, at most SAML_ISSUE_MAX_AGE + skew after issue) ---- */

#define REPLAY_SLOTS 16384        /* 640 KiB; full of live IDs: refused */

static struct {
	uint8_t h[UTIL_SHA256_LEN];
	int64_t until;
} replay[REPLAY_SLOTS];

/* 0 when the ID was free (now taken), -EALREADY when taken, -EAGAIN when
 * the table is full of live IDs. */
static int replay_take(const char *provider_arn, const char *id, int64_t now, int64_t until)
{
	struct util_sha256 s;
	uint8_t h[UTIL_SHA256_LEN];
	util_sha256_init(&s);
	util_sha256_update(&s, provider_arn, strlen(provider_arn) + 1);
	util_sha256_update(&s, id, strlen(id));
	util_sha256_final(&s, h);
	size_t start = ((size_t)h[0] << 8 | h[1]) % REPLAY_SLOTS, free_slot = REPLAY_SLOTS;
	for (size_t k = 0; k < REPLAY_SLOTS; k++) {
		size_t i = (start + k) % REPLAY_SLOTS;
		bool live = replay[i].until > now;
		if (live && memcmp(replay[i].h, h, sizeof(h)) == 0)
			return -EALREADY;
		if (!live && free_slot == REPLAY_SLOTS)
			free_slot = i;
		if (replay[i].until == 0)
			break;   /* never used: the probe sequence ends here */
	}
	if (free_slot == REPLAY_SLOTS)
		return -EAGAIN;
	memcpy(replay[free_slot].h, h, sizeof(h));
	replay[free_slot].until = until;
	return 0;
}

/* ---- checks ---- */

static void check_inputs(const Iam__AssumeRoleWithSAMLRequest *q, struct util_verr *e)
{
	const struct { const char *v, *field; } arns[] = {
		{ q->role_arn, "roleArn" }, { q->principal_arn, "principalArn" },
	};
	for (size_t i = 0; i < 2; i++) {
		size_t n = arns[i].v ? strlen(arns[i].v) : 0;
		if (!arns[i].v)
			util_verr_add(e, arns[i].field, NULL, "Member must not be null");
		else if (n < 20 || n > 2048)
			util_verr_add(e, arns[i].field, arns[i].v, n < 20 ?
				      "Member must have length greater than or equal to 20" :
				      "Member must have length less than or equal to 2048");
	}
	/* the assertion is a credential: never echoed */
	size_t an = q->saml_assertion ? strlen(q->saml_assertion) : 0;
	if (!q->saml_assertion)
		util_verr_add(e, "sAMLAssertion", NULL, "Member must not be null");
	else if (an < SAML_RESPONSE_B64_MIN || an > SAML_RESPONSE_B64_MAX)
		util_verr_add(e, "sAMLAssertion", "******", an < SAML_RESPONSE_B64_MIN ?
			      "Member must have length greater than or equal to 4" :
			      "Member must have length less than or equal to 100000");
	sts_check_duration(q->has_duration_seconds, q->duration_seconds, 43200, e);
	sts_check_session_policy(q->policy, e);
	sts_check_policy_arns(q->policy_arns, q->n_policy_arns, e);
}

static int invalid(struct call *c, const char *msg, const char *why)
{
	iamd_log_call(LOG_NOTICE, c, "AssumeRoleWithSAML: assertion refused: %s", why ? why : msg);
	return call_fail(c, -EINVAL, "InvalidIdentityToken", "%s", msg);
}

/* [\w+=,.@-]{2,64} (RoleSessionName, SourceIdentity) */
static bool session_chars_ok(const char *v)
{
	size_t n = strlen(v);
	if (n < 2 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = v[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      strchr("_+=,.@-", ch)))
			return false;
	}
	return true;
}

static const char *one_value(const struct saml_assertion *a, const char *suffix, int *ret_count)
{
	char name[128];
	size_t n;
	snprintf(name, sizeof(name), "%s%s", SAML_ATTR_PREFIX, suffix);
	char *const *v = saml_attr_values(a, name, &n);
	*ret_count = (int)n;
	return n ? v[0] : NULL;
}

/* The Role attribute pairs "roleArn,providerArn" (either order). */
static bool role_listed(const struct saml_assertion *a, const char *role, const char *provider)
{
	size_t n;
	char *const *v = saml_attr_values(a, SAML_ATTR_PREFIX "Role", &n);
	size_t rl = strlen(role), pl = strlen(provider);
	for (size_t i = 0; i < n; i++) {
		const char *s = v[i], *comma = strchr(s, ',');
		if (!comma || strchr(comma + 1, ','))
			continue;
		size_t first = (size_t)(comma - s);
		const char *second = comma + 1;
		if ((first == rl && memcmp(s, role, rl) == 0 && strcmp(second, provider) == 0) ||
		    (first == pl && memcmp(s, provider, pl) == 0 && strcmp(second, role) == 0))
			return true;
	}
	return false;
}

/* Session tags from PrincipalTag:KEY attributes, TransitiveTagKeys. */
static int tags_read(struct call *c, struct fed *f, const struct saml_assertion *a)
{
	static const char pt[] = SAML_ATTR_PREFIX "PrincipalTag:";
	struct util_verr e;
	util_verr_init(&e);
	f->tags = arena_zalloc(c->arena, (a->n_attrs + 1) * sizeof(*f->tags));
	if (!f->tags)
		return -ENOMEM;
	for (size_t i = 0; i < a->n_attrs; i++) {
		const struct saml_attr *at = &a->attrs[i];
		if (strncmp(at->name, pt, sizeof(pt) - 1) != 0)
			continue;
		const char *key = at->name + sizeof(pt) - 1;
		const char *val = at->n_values ? at->values[0] : "";
		if (at->n_values > 1 || !util_name_check_tag_key(key, "tags.member.key", &e) ||
		    !util_name_check_tag_value(val, "tags.member.value", &e))
			return invalid(c, "A PrincipalTag attribute in AuthnResponse is not a valid session tag", at->name);
		for (size_t j = 0; j < f->n_tags; j++)
			if (util_tag_key_equal(f->tags[j]->key, key))
				return invalid(c, "Duplicate PrincipalTag keys in AuthnResponse", key);
		Keyd__Tag *t = arena_alloc(c->arena, sizeof(*t));
		if (!t)
			return -ENOMEM;
		keyd__tag__init(t);
		t->key = arena_strdup(c->arena, key);
		t->value = arena_strdup(c->arena, val);
		if (!t->key || !t->value)
			return -ENOMEM;
		f->tags[f->n_tags++] = t;
	}
	if (f->n_tags > UTIL_TAGS_MAX)
		return invalid(c, "AuthnResponse has more than 50 PrincipalTag attributes", NULL);
	size_t n;
	char *const *tk = saml_attr_values(a, SAML_ATTR_PREFIX "TransitiveTagKeys", &n);
	f->transitive = arena_zalloc(c->arena, (n + 1) * sizeof(char *));
	if (!f->transitive)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		bool found = false;
		for (size_t j = 0; j < f->n_tags && !found; j++)
			found = util_tag_key_equal(tk[i], f->tags[j]->key);
		if (!found)
			return invalid(c, "A TransitiveTagKeys value in AuthnResponse is not a PrincipalTag key", tk[i]);
		if (!(f->transitive[f->n_transitive++] = arena_strdup(c->arena, tk[i])))
			return -ENOMEM;
	}
	return 0;
}

/* AWS's SAML condition keys for attributes (IAM User Guide, "Available
 * keys for SAML-based federation"). */
static const struct { const char *attr, *key; } attr_keys[] = {
	{ "urn:oid:1.3.6.1.4.1.5923.1.1.1.1", "saml:edupersonaffiliation" },
	{ "urn:oid:1.3.6.1.4.1.5923.1.1.1.2", "saml:edupersonnickname" },
	{ "urn:oid:1.3.6.1.4.1.5923.1.1.1.3", "saml:edupersonorgdn" },
	{ "urn:oid:1.3.6.1.4.1.5923.1.1.1.4", "saml:edupersonorgunitdn" },
	{ "urn:oid:1.3.6.1.4.1.5923.1.1.1.5", "saml:edupersonprimaryaffiliation" },
	{ "urn:oid:1.3.6.1.4.1.5923.1.1.1.6", "saml:edupersonprincipalname" },
	{ "urn:oid:1.3.6.1.4.1.5923.1.1.1.7", "saml:edupersonentitlement" },
	{ "urn:oid:1.3.6.1.4.1.5923.1.1.1.8", "saml:edupersonprimaryorgunitdn" },
	{ "urn:oid:1.3.6.1.4.1.5923.1.1.1.9", "saml:edupersonscopedaffiliation" },
	{ "urn:oid:1.3.6.1.4.1.5923.1.1.1.10", "saml:edupersontargetedid" },
	{ "urn:oid:1.3.6.1.4.1.5923.1.1.1.11", "saml:edupersonassurance" },
	{ "urn:oid:1.3.6.1.4.1.5923.1.2.1.2", "saml:eduorghomepageuri" },
	{ "urn:oid:1.3.6.1.4.1.5923.1.2.1.3", "saml:eduorgidentityauthnpolicyuri" },
	{ "urn:oid:1.3.6.1.4.1.5923.1.2.1.4", "saml:eduorglegalname" },
	{ "urn:oid:1.3.6.1.4.1.5923.1.2.1.5", "saml:eduorgsuperioruri" },
	{ "urn:oid:1.3.6.1.4.1.5923.1.2.1.6", "saml:eduorgwhitepagesuri" },
	{ "urn:oid:2.5.4.3", "saml:cn" },
	{ "urn:oid:2.5.4.42", "saml:givenName" },
	{ "urn:oid:2.5.4.4", "saml:surname" },
	{ "urn:oid:0.9.2342.19200300.100.1.3", "saml:mail" },
	{ "urn:oid:0.9.2342.19200300.100.1.1", "saml:uid" },
	{ "urn:oid:2.16.840.1.113730.3.1.241", "saml:name" },
	{ "urn:oid:2.5.4.45", "saml:x500UniqueIdentifier" },
};

struct ctxb {
	struct policy_ctx_entry *e;
	size_t n;
};

static int put(struct call *c, struct ctxb *b, const char *key, const char *const *vals,
	       size_t nv)
{
	if (!vals || !nv || b->n == CTX_MAX)
		return 0;
	const char **copy = arena_alloc(c->arena, nv * sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	for (size_t i = 0; i < nv; i++)
		if (!(copy[i] = arena_strdup(c->arena, vals[i])))
			return -ENOMEM;
	b->e[b->n].key = key;
	b->e[b->n].values = copy;
	b->e[b->n].n_values = nv;
	b->n++;
	return 0;
}

static int put1(struct call *c, struct ctxb *b, const char *key, const char *v)
{
	return v ? put(c, b, key, &v, 1) : 0;
}

static int assertion_ctx(struct call *c, const struct fed *f, const struct saml_assertion *a)
{
	struct ctxb b = { .e = arena_zalloc(c->arena, CTX_MAX * sizeof(*b.e)) };
	int r = 0;
	if (!b.e)
		return -ENOMEM;
	const char *doc = arena_concat(c->arena, f->account, "/", f->provider_name, NULL);
	if (!doc ||
	    (r = put1(c, &b, "saml:aud", f->audience)) < 0 ||
	    (r = put1(c, &b, "saml:sub", f->sub)) < 0 ||
	    (r = put1(c, &b, "saml:sub_type", f->sub_type)) < 0 ||
	    (r = put1(c, &b, "saml:iss", f->issuer)) < 0 ||
	    (r = put1(c, &b, "saml:namequalifier", f->name_qualifier)) < 0 ||
	    (r = put1(c, &b, "saml:doc", doc)) < 0 ||
	    (r = put1(c, &b, "sts:RoleSessionName", f->session_name)) < 0 ||
	    (r = put1(c, &b, "sts:SourceIdentity", f->source_identity)) < 0)
		return r < 0 ? r : -ENOMEM;
	for (size_t i = 0; i < sizeof(attr_keys) / sizeof(attr_keys[0]); i++) {
		size_t n;
		char *const *v = saml_attr_values(a, attr_keys[i].attr, &n);
		if ((r = put(c, &b, attr_keys[i].key, (const char *const *)v, n)) < 0)
			return r;
	}
	/* the session tags as a request's tags (sts:TagSession conditions) */
	const char **keys = arena_zalloc(c->arena, (f->n_tags + 1) * sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i < f->n_tags; i++) {
		char *k = arena_concat(c->arena, "aws:RequestTag/", f->tags[i]->key, NULL);
		if (!k || (r = put1(c, &b, k, f->tags[i]->value)) < 0)
			return k ? r : -ENOMEM;
		keys[i] = f->tags[i]->key;
	}
	if ((r = put(c, &b, "aws:TagKeys", keys, f->n_tags)) < 0 ||
	    (r = put(c, &b, "sts:TransitiveTagKeys", (const char *const *)f->transitive,
		     f->n_transitive)) < 0)
		return r;
	c->ctx_extra = b.e;
	c->n_ctx_extra = b.n;
	return 0;
}

/* BASE64(SHA1(issuer + account + "/" + provider name)) (AWS's formula) */
static const char *name_qualifier(struct call *c, const struct fed *f)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint8_t h[UTIL_SHA1_LEN + 1] = { 0 };
	char *in = arena_concat(c->arena, f->issuer, f->account, "/", f->provider_name, NULL);
	char *out = arena_alloc(c->arena, 29), *o = out;
	if (!in || !out)
		return NULL;
	util_sha1((const uint8_t *)in, strlen(in), h);
	for (size_t i = 0; i < UTIL_SHA1_LEN; i += 3) {
		uint32_t v = (uint32_t)h[i] << 16 | (uint32_t)h[i + 1] << 8 |
			     (i + 2 < UTIL_SHA1_LEN ? h[i + 2] : 0);
		*o++ = t[v >> 18 & 63];
		*o++ = t[v >> 12 & 63];
		*o++ = t[v >> 6 & 63];
		*o++ = i + 2 < UTIL_SHA1_LEN ? t[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

/* The assertion: verified, and what AssumeRoleWithSAML reads of it. */
static int assertion_check(struct call *c, struct fed *f, const Iam__SAMLProviderRecord *p)
{
	static const char *const audiences[] = { "urn:amazon:webservices", RECIPIENT };
	/* the global sign-in endpoint, or a region's (AWS's regional SAML
	 * endpoints, https://REGION.signin.aws.amazon.com/saml) */
#define REGIONAL(r) "https://" r ".signin.aws.amazon.com/saml"
	static const char *const recipients[] = {
		RECIPIENT, REGIONAL("us-east-1"), REGIONAL("us-east-2"), REGIONAL("us-west-1"),
		REGIONAL("us-west-2"), REGIONAL("ca-central-1"), REGIONAL("ca-west-1"),
		REGIONAL("sa-east-1"), REGIONAL("mx-central-1"), REGIONAL("eu-west-1"),
		REGIONAL("eu-west-2"), REGIONAL("eu-west-3"), REGIONAL("eu-central-1"),
		REGIONAL("eu-central-2"), REGIONAL("eu-north-1"), REGIONAL("eu-south-1"),
		REGIONAL("eu-south-2"), REGIONAL("il-central-1"), REGIONAL("me-south-1"),
		REGIONAL("me-central-1"), REGIONAL("af-south-1"), REGIONAL("ap-east-1"),
		REGIONAL("ap-south-1"), REGIONAL("ap-south-2"), REGIONAL("ap-northeast-1"),
		REGIONAL("ap-northeast-2"), REGIONAL("ap-northeast-3"), REGIONAL("ap-southeast-1"),
		REGIONAL("ap-southeast-2"), REGIONAL("ap-southeast-3"), REGIONAL("ap-southeast-4"),
		REGIONAL("ap-southeast-5"), REGIONAL("ap-southeast-7"),
	};
#undef REGIONAL
	const Iam__AssumeRoleWithSAMLRequest *q = f->req;
	struct saml_expect x = {
		.issuer = p->entity_id, .certs = (const char *const *)p->certificates,
		.n_certs = p->n_certificates, .audiences = audiences, .n_audiences = 2,
		.recipients = recipients, .n_recipients = sizeof(recipients) / sizeof(recipients[0]),
		.now = c->now, .skew = SAML_SKEW,
	};
	struct saml_assertion *a = NULL;
	enum saml_error err = SAML_ERR_NONE;
	const char *why = NULL;
	int r = saml_response_verify(q->saml_assertion, strlen(q->saml_assertion), &x, &a, &err,
				     &why);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		iamd_log_call(LOG_NOTICE, c, "AssumeRoleWithSAML: %s: response refused: %s",
			      p->arn, why ? why : "?");
		switch (err) {
		case SAML_ERR_EXPIRED:
			return call_fail(c, -EINVAL, "ExpiredTokenException", "%s",
					 why ? why : "The SAML assertion has expired");
		case SAML_ERR_STATUS:
			c->err_http = 403;
			return call_fail(c, -EACCES, "IDPRejectedClaim",
					 "The identity provider did not authenticate the user (StatusCode is not Success)");
		case SAML_ERR_SIGNATURE:
			return call_fail(c, -EINVAL, "InvalidIdentityToken", MSG_SIGNATURE);
		case SAML_ERR_ISSUER:
			return call_fail(c, -EINVAL, "InvalidIdentityToken",
					 "Issuer not present in specified provider");
		default:
			return call_fail(c, -EINVAL, "InvalidIdentityToken", "%s",
					 why ? why : "Invalid SAML response");
		}
	}
	int n;
	f->session_name = one_value(a, "RoleSessionName", &n);
	if (!f->session_name)
		r = invalid(c, "RoleSessionName is required in AuthnResponse", NULL);
	else if (n > 1 || !session_chars_ok(f->session_name))
		r = invalid(c, "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}",
			    NULL);
	f->source_identity = r == 0 ? one_value(a, "SourceIdentity", &n) : NULL;
	if (f->source_identity && (n > 1 || !session_chars_ok(f->source_identity) ||
				   strncasecmp(f->source_identity, "aws:", 4) == 0))
		r = invalid(c, "Source Identity must match [a-zA-Z_0-9+=,.@-]{2,64} and not begin with \"aws:\"",
			    NULL);
	if (r == 0 && !role_listed(a, q->role_arn, q->principal_arn)) {
		iamd_log_call(LOG_NOTICE, c, "AssumeRoleWithSAML: %s,%s is not in the Role attribute",
			      q->role_arn, q->principal_arn);
		r = call_fail(c, -EACCES, "AccessDenied", MSG_DENIED);
	}
	/* SessionDuration: the session lasts no longer */
	const char *sd = r == 0 ? one_value(a, "SessionDuration", &n) : NULL;
	int64_t max_until = c->now + (q->has_duration_seconds ? q->duration_seconds
							       : STS_ROLE_DEFAULT_DURATION);
	if (sd) {
		char *end;
		long v = strtol(sd, &end, 10);
		if (*end || end == sd || v < 900 || v > 43200)
			r = invalid(c, "SessionDuration in AuthnResponse must be 900-43200 seconds", sd);
		else if (c->now + v < max_until)
			max_until = c->now + v;
	}
	if (a->has_session_not_on_or_after && a->session_not_on_or_after < max_until)
		max_until = a->session_not_on_or_after;
	if (r == 0 && max_until <= c->now)
		r = call_fail(c, -EINVAL, "ExpiredTokenException",
			      "The SAML assertion's SessionNotOnOrAfter has passed");
	if (r == 0)
		r = tags_read(c, f, a);
	if (r == 0) {
		f->expires = max_until;
		f->session_name = arena_strdup(c->arena, f->session_name);
		f->source_identity = entity_strdup(c, f->source_identity);
		f->sub = arena_strdup(c->arena, a->name_id);
		f->sub_type = a->name_id_format && util_str_has_prefix(a->name_id_format, NAMEID_PREFIX)
				      ? arena_strdup(c->arena, a->name_id_format + sizeof(NAMEID_PREFIX) - 1)
				      : entity_strdup(c, a->name_id_format);
		f->issuer = arena_strdup(c->arena, a->issuer);
		f->audience = arena_strdup(c->arena, a->recipient);
		f->assertion_id = arena_strdup(c->arena, a->id);
		int64_t until = a->issue_instant + SAML_ISSUE_MAX_AGE + SAML_SKEW;
		f->id_until = a->not_on_or_after + SAML_SKEW < until ? a->not_on_or_after + SAML_SKEW
								     : until;
		if (!f->session_name || !f->sub || !f->issuer || !f->audience || !f->assertion_id ||
		    !(f->name_qualifier = name_qualifier(c, f)))
			r = -ENOMEM;
	}
	if (r == 0)
		r = assertion_ctx(c, f, a);
	saml_assertion_free(a);
	return r;
}

int op_assume_role_with_saml_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__AssumeRoleWithSAMLRequest *q = (const Iam__AssumeRoleWithSAMLRequest *)m;
	struct fed *f = arena_zalloc(c->arena, sizeof(*f));
	Iam__SAMLProviderRecord *p = NULL;
	struct util_verr e;
	enum principal_kind kind;
	const char *session = NULL, *pacct;
	int r;
	/* nobody until the assertion says who: not the peer's uid, not a
	 * signature (the action is unsigned) */
	uid_t uid = c->caller.uid;
	gid_t gid = c->caller.gid;
	pid_t pid = c->caller.pid;
	memset(&c->caller, 0, sizeof(c->caller));
	c->caller.kind = CALLER_ANONYMOUS;
	c->caller.uid = uid;
	c->caller.gid = gid;
	c->caller.pid = pid;
	if (!f)
		return -ENOMEM;
	f->req = q;
	f->packed_percent = -1;
	util_verr_init(&e);
	check_inputs(q, &e);
	if ((r = entity_verr_fail(c, &e)) < 0)
		return r;
	if (principal_arn_split(c, q->role_arn, &kind, &f->account, &f->role_name, &session) < 0 ||
	    kind != PRINCIPAL_ROLE || session || !util_str_has_prefix(q->role_arn, "arn:aws:iam::"))
		return call_fail(c, -EINVAL, "ValidationError", "%.200s is not a valid role ARN.",
				 q->role_arn);
	r = saml_provider_arn_split(c, q->principal_arn, &pacct, &f->provider_name);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return call_fail(c, -EINVAL, "ValidationError",
				 "%.200s is not a valid SAML provider ARN.", q->principal_arn);
	if (q->policy) {
		struct policy *pol = NULL;
		struct policy_diag d = { 0 };
		r = policy_parse(q->policy, strlen(q->policy), POLICY_SESSION, NULL, &pol, &d);
		policy_free(pol);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			return call_fail(c, -EINVAL, "MalformedPolicyDocument", "%s", d.message);
	}
	/* the provider: in the role's account (its trust policy names it) */
	r = strcmp(pacct, f->account) == 0 ? saml_provider_get(c, pacct, f->provider_name, &p)
					   : -ENOENT;
	if (r == -ENOENT)
		return invalid(c, "Specified provider doesn't exist.", q->principal_arn);
	if (r < 0)
		return op_fail_store(c, r);
	f->provider_arn = p->arn;
	if ((r = assertion_check(c, f, p)) < 0)
		return r;
	if (q->policy || q->n_policy_arns || f->n_tags) {
		f->packed_percent = sts_packed_percent(q->policy, q->policy_arns, q->n_policy_arns,
						       f->tags, f->n_tags);
		if (f->packed_percent > 100)
			return call_fail(c, -EINVAL, "PackedPolicyTooLarge",
					 "Packed policy consumes %d%% of allotted space, please use smaller policy.",
					 f->packed_percent);
	}
	/* the bearer of the assertion is the caller */
	c->caller.kind = CALLER_SAML;
	c->caller.account_id = f->account;
	c->caller.arn = f->provider_arn;
	c->caller.user_name = f->sub;
	c->caller.user_id = arena_concat(c->arena, f->name_qualifier, ":", f->sub, NULL);
	c->caller.identity_provider = f->name_qualifier;   /* CloudTrail's */
	if (!c->caller.user_id)
		return -ENOMEM;
	r = sts_role_read(c, f->account, f->role_name, &f->role);
	if (r < 0)
		return op_fail_store(c, r);
	if (f->role && strcmp(f->role->arn, q->role_arn) != 0)
		f->role = NULL;   /* same name, another path */
	r = sts_role_trust_use(c, f->account, f->role,
			       q->has_duration_seconds ? q->duration_seconds : STS_ROLE_DEFAULT_DURATION);
	if (r < 0)
		return r;
	c->op_state = f;
	*ret = q->role_arn;
	return 0;
}

/* ---- the handler ---- */

struct minted {
	struct fed *f;
	Keyd__SessionClaims *claims;
};

static int saml_minted(struct call *c, void *state, const struct keyd_reply *rep,
		       ProtobufCMessage **ret)
{
	struct minted *mt = state;
	struct fed *f = mt->f;
	Keyd__SessionClaims *cl = mt->claims;
	if (rep->err || rep->code != KEYD__CODE__OK || !rep->result)
		return call_keyd_fail(c, rep);
	const Keyd__MintSessionResponse *k = (const Keyd__MintSessionResponse *)rep->result;
	Iam__AssumeRoleWithSAMLResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__AssumedRoleUser *u = arena_alloc(c->arena, sizeof(*u));
	if (!resp || !u)
		return -ENOMEM;
	iam__assume_role_with_samlresponse__init(resp);
	iam__assumed_role_user__init(u);
	int r = sts_credentials_new(c, cl, k, &resp->credentials);
	if (r < 0)
		return r;
	u->assumed_role_id = cl->principal_id;
	u->arn = cl->principal_arn;
	resp->assumed_role_user = u;
	if (f->packed_percent >= 0) {
		resp->has_packed_policy_size = true;
		resp->packed_policy_size = f->packed_percent;
	}
	resp->subject = (char *)f->sub;
	resp->subject_type = (char *)f->sub_type;
	resp->issuer = (char *)f->issuer;
	resp->audience = (char *)f->audience;
	resp->name_qualifier = (char *)f->name_qualifier;
	resp->source_identity = (char *)f->source_identity;
	iamd_log_call(LOG_INFO, c, "AssumeRoleWithSAML: %s issued to %s (%s) for %s until %lld",
		      cl->access_key_id, f->sub, f->provider_arn, cl->role_arn,
		      (long long)cl->expires);
	*ret = &resp->base;
	return 0;
}

int op_assume_role_with_saml(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	struct fed *f = c->op_state;
	int r;
	(void)m;
	(void)ret;
	if (!f || !f->role || c->caller.kind != CALLER_SAML)
		return call_fail(c, -EACCES, "AccessDenied", MSG_DENIED);
	if (f->n_tags && (r = sts_also_allowed(c, "sts:TagSession", f->req->role_arn)) < 0)
		return r;
	if (f->source_identity &&
	    (r = sts_also_allowed(c, "sts:SetSourceIdentity", f->req->role_arn)) < 0)
		return r;
	r = replay_take(f->provider_arn, f->assertion_id, c->now, f->id_until);
	if (r == -EALREADY)
		return invalid(c, "The SAML assertion has already been used", f->assertion_id);
	if (r < 0)
		return call_fail_unavailable(c, r);
	const Iam__AssumeRoleWithSAMLRequest *q = f->req;
	Keyd__SessionClaims *cl = arena_alloc(c->arena, sizeof(*cl));
	struct minted *mt = arena_alloc(c->arena, sizeof(*mt));
	if (!cl || !mt)
		return -ENOMEM;
	keyd__session_claims__init(cl);
	if ((r = sts_access_key_id_new(c, &cl->access_key_id)) < 0)
		return r;
	/* copies: the role was read in this call's transaction */
	const char *role_name = arena_strdup(c->arena, f->role->role_name);
	cl->account = (char *)f->account;
	cl->role_arn = arena_strdup(c->arena, f->role->arn);
	cl->role_id = arena_strdup(c->arena, f->role->role_id);
	if (!role_name || !cl->role_arn || !cl->role_id)
		return -ENOMEM;
	cl->principal_arn = arena_concat(c->arena, "arn:aws:sts::", f->account, ":assumed-role/",
					 role_name, "/", f->session_name, NULL);
	cl->principal_id = arena_concat(c->arena, cl->role_id, ":", f->session_name, NULL);
	cl->session_name = (char *)f->session_name;
	cl->has_issued = cl->has_expires = true;
	cl->issued = c->now;
	cl->expires = f->expires;
	if (sts_claims_session_policies(c, cl, q->policy, q->policy_arns, q->n_policy_arns) < 0)
		return -ENOMEM;
	cl->tags = f->tags;
	cl->n_tags = f->n_tags;
	cl->transitive_tag_keys = f->transitive;
	cl->n_transitive_tag_keys = f->n_transitive;
	cl->source_identity = (char *)f->source_identity;
	cl->has_mfa_present = true;
	cl->mfa_present = false;
	cl->has_chained = true;
	cl->chained = false;
	cl->has_kind = true;
	cl->kind = KEYD__SESSION_KIND__ASSUMED_ROLE;
	cl->source_user_arn = (char *)f->provider_arn;
	if (!cl->principal_arn || !cl->principal_id)
		return -ENOMEM;
	mt->f = f;
	mt->claims = cl;
	return authn_mint(c, cl, saml_minted, mt);
}
