/* op_sts: sts:AssumeRole (docs/sts.md). The rest of STS is in
 * op_sts_token.c.
 *
 *   resource(): every input checked as AWS does (ValidationError naming
 *   the member, MalformedPolicyDocument, PackedPolicyTooLarge, the
 *   duration against the role's MaxSessionDuration and the one hour of a
 *   chain, session tags and transitive keys, SourceIdentity); the role read
 *   in ITS account (cross-account: the ARN's); its compiled trust policy
 *   becomes the call's resource policy, with the request's context keys
 *   (sts:ExternalId, sts:RoleSessionName, sts:SourceIdentity,
 *   sts:TransitiveTagKeys; aws:RequestTag/aws:TagKeys come from Tags).
 *   authz (dispatch) then decides sts:AssumeRole on the role: the caller's
 *   identity side and the trust policy as AWS combines them, and the trust
 *   policy on its own (sts_session.h).
 *   handler(): no root; sts:TagSession and sts:SetSourceIdentity when tags
 *   or a source identity go into the session; the claims; MintSession to
 *   iam-keyd, or VerifyAndMint when the caller signed with an access key
 *   and keyd has not proven the signature yet (authn.h: everything up to
 *   here ran on the claimed identity; one keyd hop instead of two) (the
 *   call waits without blocking the loop);
 *   resume: the answer, and RoleLastUsed (at most once a minute per role,
 *   in a write transaction of its own that does not invalidate authz's
 *   caches). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "authn.h"
#include "authz.h"
#include "dispatch.h"
#include "entity.h"
#include "gen_cache.h"
#include "iamd.h"
#include "keyd_client.h"
#include "keyd.pb-c.h"
#include "op_sts.h"
#include "ops.h"
#include "principal.h"
#include "sd.h"
#include "store.pb-c.h"
#include "store/store.h"
#include "sts.pb-c.h"
#include "sts_session.h"
#include "util/arena.h"
#include "util/name.h"

#define CHAIN_MAX_DURATION 3600
#define LAST_USED_EVERY 60
#define LAST_USED_SLOTS 256

/* What resource() found, for the handler. Arena memory. */
struct assume {
	const Iam__AssumeRoleRequest *req;
	const Iam__Role *role;           /* NULL: no such role (AccessDenied) */
	const char *account, *name;   /* of the role */
	const char *role_arn;         /* as asked */
	int32_t duration;
	bool chained;
	const char *source_identity;  /* asked or inherited */
	Keyd__Tag **tags;             /* asked and inherited transitive */
	size_t n_tags;
	char **transitive;
	size_t n_transitive;
	int32_t packed_percent;       /* -1: nothing packed */
};

/* ---- checks ---- */

static bool in_set(unsigned char ch, const char *extra)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '_' || strchr(extra, ch);
}

/* A member of [\w<extra>]* of min..max characters. */
void sts_check_chars(const char *v, const char *field, size_t min, size_t max,
		     const char *extra, const char *pattern, struct util_verr *e)
{
	size_t n = strlen(v);
	if (n < min)
		util_verr_add(e, field, v, "Member must have length greater than or equal to %zu",
			      min);
	if (n > max)
		util_verr_add(e, field, v, "Member must have length less than or equal to %zu", max);
	for (size_t i = 0; i < n; i++)
		if (!in_set((unsigned char)v[i], extra)) {
			util_verr_add(e, field, v, "Member must satisfy regular expression pattern: %s",
				      pattern);
			break;
		}
}

void sts_check_role(const char *role_arn, const char *session_name, struct util_verr *e)
{
	if (!role_arn)
		util_verr_add(e, "roleArn", NULL, "Member must not be null");
	else if (strlen(role_arn) < 20 || strlen(role_arn) > 2048)
		util_verr_add(e, "roleArn", role_arn, strlen(role_arn) < 20 ?
			      "Member must have length greater than or equal to 20" :
			      "Member must have length less than or equal to 2048");
	if (!session_name)
		util_verr_add(e, "roleSessionName", NULL, "Member must not be null");
	else
		sts_check_chars(session_name, "roleSessionName", 2, 64, "+=,.@-",
				"[\\w+=,.@-]*", e);
}

void sts_check_session_policy(const char *policy, struct util_verr *e)
{
	if (!policy)
		return;
	long n = util_utf8_length(policy);
	if (n < 1)
		util_verr_add(e, "policy", policy,
			      "Member must have length greater than or equal to 1");
	else if (n > POLICY_MAX_SESSION)
		util_verr_add(e, "policy", policy,
			      "Member must have length less than or equal to %d", POLICY_MAX_SESSION);
}

void sts_check_policy_arns(Iam__PolicyDescriptorType *const *arns, size_t n,
			   struct util_verr *e)
{
	if (n > 10) {
		char v[32];
		snprintf(v, sizeof(v), "[%zu policies]", n);
		util_verr_add(e, "policyArns", v, "Member must have length less than or equal to 10");
	}
	for (size_t i = 0; i < n && i < 10; i++) {
		char field[40];
		const char *a = arns[i]->arn;
		snprintf(field, sizeof(field), "policyArns.%zu.member.arn", i + 1);
		if (!a || strlen(a) < 20 || strlen(a) > 2048)
			util_verr_add(e, field, a, "Member must have length between 20 and 2048");
		else if (!util_str_has_prefix(a, "arn:aws:iam::") || !strstr(a, ":policy/"))
			util_verr_set(e, "InvalidParameterValue",
				      "The policy ARN %.200s is not a managed policy ARN.", a);
	}
}

void sts_check_duration(bool has, int32_t v, int32_t max, struct util_verr *e)
{
	char buf[16];
	if (!has)
		return;
	snprintf(buf, sizeof(buf), "%d", v);
	if (v < 900)
		util_verr_add(e, "durationSeconds", buf,
			      "Member must have value greater than or equal to 900");
	else if (v > max)
		util_verr_add(e, "durationSeconds", buf,
			      "Member must have value less than or equal to %d", max);
}

void sts_check_mfa(const char *serial, const char *code, struct util_verr *e)
{
	if (serial)
		sts_check_chars(serial, "serialNumber", 9, 256, "+=/:,.@-", "[\\w+=/:,.@-]*", e);
	if (code)
		sts_check_chars(code, "tokenCode", 6, 6, "", "[\\d]*", e);
	/* one without the other cannot be checked (op_mfa_sts_verify checks
	 * the pair in the handler) */
	if ((!serial) != (!code) && !e->count)
		util_verr_set(e, "AccessDenied",
			      "MultiFactorAuthentication failed with invalid MFA one time pass code. ");
}

static void check_inputs(const Iam__AssumeRoleRequest *q, struct util_verr *e)
{
	sts_check_role(q->role_arn, q->role_session_name, e);
	sts_check_duration(q->has_duration_seconds, q->duration_seconds, 43200, e);
	if (q->external_id)
		sts_check_chars(q->external_id, "externalId", 2, 1224, "+=,.@:/-",
				"[\\w+=,.@:\\/-]*", e);
	sts_check_session_policy(q->policy, e);
	sts_check_policy_arns(q->policy_arns, q->n_policy_arns, e);
	entity_tags_check(q->tags, q->n_tags, e);
	if (q->n_transitive_tag_keys > UTIL_TAGS_MAX) {
		char v[32];
		snprintf(v, sizeof(v), "[%zu keys]", q->n_transitive_tag_keys);
		util_verr_add(e, "transitiveTagKeys", v,
			      "Member must have length less than or equal to 50");
	}
	for (size_t i = 0; i < q->n_transitive_tag_keys && i < UTIL_TAGS_MAX; i++) {
		char field[48];
		snprintf(field, sizeof(field), "transitiveTagKeys.%zu.member", i + 1);
		util_name_check_tag_key(q->transitive_tag_keys[i], field, e);
	}
	if (q->source_identity) {
		sts_check_chars(q->source_identity, "sourceIdentity", 2, 64, "+=,.@-",
				"[\\w+=,.@-]*", e);
		if (strncasecmp(q->source_identity, "aws:", 4) == 0)
			util_verr_set(e, "InvalidParameterValue",
				      "SourceIdentity cannot begin with the reserved prefix aws:.");
	}
	sts_check_mfa(q->serial_number, q->token_code, e);
}

/* The session's tags: the request's, then the caller's transitive ones
 * (which a request may not set again); transitive keys must be tags. */
static int session_tags(struct call *c, struct assume *a, struct util_verr *e)
{
	const Iam__AssumeRoleRequest *q = a->req;
	const Keyd__SessionClaims *s = a->chained ? c->caller.session : NULL;
	size_t max = q->n_tags + (s ? s->n_tags : 0);
	size_t maxk = q->n_transitive_tag_keys + (s ? s->n_transitive_tag_keys : 0);
	a->tags = arena_zalloc(c->arena, (max + 1) * sizeof(*a->tags));
	a->transitive = arena_zalloc(c->arena, (maxk + 1) * sizeof(*a->transitive));
	if (!a->tags || !a->transitive)
		return -ENOMEM;
	for (size_t i = 0; i < q->n_transitive_tag_keys; i++) {
		bool found = false;
		for (size_t j = 0; j < q->n_tags && !found; j++)
			found = util_tag_key_equal(q->transitive_tag_keys[i], q->tags[j]->key);
		if (!found) {
			util_verr_set(e, "InvalidParameterValue",
				      "The specified transitive tag key must be included in the requested tags.");
			return 0;
		}
		a->transitive[a->n_transitive++] = q->transitive_tag_keys[i];
	}
	for (size_t i = 0; i < q->n_tags; i++) {
		Keyd__Tag *t = arena_alloc(c->arena, sizeof(*t));
		if (!t)
			return -ENOMEM;
		keyd__tag__init(t);
		t->key = q->tags[i]->key;
		t->value = q->tags[i]->value ? q->tags[i]->value : (char *)"";
		a->tags[a->n_tags++] = t;
	}
	if (!s)
		return 0;
	/* incoming transitive tags: kept, and not to be overridden */
	for (size_t k = 0; k < s->n_transitive_tag_keys; k++) {
		const char *key = s->transitive_tag_keys[k];
		for (size_t j = 0; j < q->n_tags; j++)
			if (util_tag_key_equal(key, q->tags[j]->key)) {
				util_verr_set(e, "InvalidParameterValue",
					      "One or more of the specified session tag keys conflicts with a transitive tag key of the calling session: %.128s.",
					      key);
				return 0;
			}
		for (size_t j = 0; j < s->n_tags; j++)
			if (util_tag_key_equal(key, s->tags[j]->key)) {
				a->tags[a->n_tags++] = s->tags[j];
				break;
			}
		a->transitive[a->n_transitive++] = (char *)key;
	}
	if (a->n_tags > UTIL_TAGS_MAX) {
		char v[32];
		snprintf(v, sizeof(v), "[%zu tags]", a->n_tags);
		util_verr_add(e, "tags", v, "Member must have length less than or equal to 50");
	}
	return 0;
}

/* AWS packs the session policy, the policy ARNs and the tags into a binary
 * form of limited room; here that room is STS_PACKED_ROOM bytes of the
 * policy without insignificant white space, the ARNs and the tags' keys and
 * values (docs/sts.md). */
int32_t sts_packed_percent(const char *policy, Iam__PolicyDescriptorType *const *arns,
			   size_t n_arns, Keyd__Tag *const *tags, size_t n_tags)
{
	size_t bytes = 0;
	bool in_str = false, esc = false;
	for (const char *p = policy ? policy : ""; *p; p++) {
		if (in_str) {
			bytes++;
			if (esc)
				esc = false;
			else if (*p == '\\')
				esc = true;
			else if (*p == '"')
				in_str = false;
		} else if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
			bytes++;
			in_str = *p == '"';
		}
	}
	for (size_t i = 0; i < n_arns; i++)
		bytes += arns[i]->arn ? strlen(arns[i]->arn) : 0;
	for (size_t i = 0; i < n_tags; i++)
		bytes += strlen(tags[i]->key) + strlen(tags[i]->value ? tags[i]->value : "");
	return (int32_t)((bytes * 100 + STS_PACKED_ROOM - 1) / STS_PACKED_ROOM);
}

/* Roles AssumeRole reads, kept (gen_cache.h): a role changed, deleted or
 * made again is read anew. RoleLastUsed (role_touch) commits without a
 * bump: the kept copy's RoleLastUsed may be old, and AssumeRole never
 * reads it. */
static struct gen_cache_slot role_slots[32];
static struct gen_cache roles = GEN_CACHE_INIT(role_slots);

static int role_read_kept(struct call *c, const char *account, const char *name,
			  const Iam__Role **ret)
{
	char key[ENTITY_KEY_MAX];
	struct store_val v;
	size_t klen = entity_key(key, account, name, NULL);
	if (!klen) {
		*ret = NULL;
		return 0;
	}
	const Iam__RoleRecord *kept = (const Iam__RoleRecord *)
		gen_cache_get(&roles, c->d, c->d->generation, key, klen);
	if (kept) {
		*ret = kept->role;
		return 0;
	}
	int r = store_get(c->txn, STORE_DB_ROLES, key, klen, &v);
	if (r == -ENOENT) {
		*ret = NULL;
		return 0;
	}
	if (r < 0)
		return r;
	Iam__RoleRecord *rec = iam__role_record__unpack(NULL, v.len, v.data);
	if (!rec)
		return -EIO;
	if (!rec->role || !rec->role->arn || !rec->role->role_id ||
	    gen_cache_put(&roles, c->d, c->d->generation, key, klen, &rec->base) < 0) {
		iam__role_record__free_unpacked(rec, NULL);
		return -EIO;   /* ENTITY_KEY_MAX <= GEN_CACHE_KEY_MAX: never too long */
	}
	*ret = rec->role;
	return 0;
}

static int ctx_put(struct call *c, struct policy_ctx_entry *e, size_t *n, const char *key,
		   const char *const *vals, size_t nv)
{
	if (!vals) {
		return 0;
	}
	e[*n].key = key;
	e[*n].values = vals;
	e[*n].n_values = nv;
	(*n)++;
	(void)c;
	return 0;
}

static const char *const *one(struct call *c, const char *v)
{
	if (!v)
		return NULL;
	const char **a = arena_alloc(c->arena, sizeof(*a));
	if (a)
		a[0] = v;
	return a;
}

/* sts:ExternalId, sts:RoleSessionName, sts:SourceIdentity,
 * sts:TransitiveTagKeys for authz. */
static int request_ctx(struct call *c, const struct assume *a)
{
	const Iam__AssumeRoleRequest *q = a->req;
	struct policy_ctx_entry *e = arena_zalloc(c->arena, 6 * sizeof(*e));
	size_t n = 0;
	if (!e)
		return -ENOMEM;
	ctx_put(c, e, &n, "sts:ExternalId", one(c, q->external_id), 1);
	ctx_put(c, e, &n, "sts:RoleSessionName", one(c, q->role_session_name), 1);
	ctx_put(c, e, &n, "sts:SourceIdentity", one(c, q->source_identity), 1);
	if (q->n_transitive_tag_keys)
		ctx_put(c, e, &n, "sts:TransitiveTagKeys",
			(const char *const *)q->transitive_tag_keys, q->n_transitive_tag_keys);
	/* with SerialNumber and TokenCode the request is decided as MFA
	 * authenticated (age 0), also for a user's session token got without
	 * MFA (authz.c lets these keys win over the session's); the handler
	 * verifies the code, of the user's own device, before anything is
	 * minted, so a wrong code never gets credentials (op_mfa_sts.c). A
	 * role session has no device: it is refused there. */
	if (q->serial_number && q->token_code && c->caller.kind == CALLER_USER) {
		ctx_put(c, e, &n, "aws:MultiFactorAuthPresent", one(c, "true"), 1);
		ctx_put(c, e, &n, "aws:MultiFactorAuthAge", one(c, "0"), 1);
	}
	c->ctx_extra = e;
	c->n_ctx_extra = n;
	return 0;
}

int op_assume_role_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__AssumeRoleRequest *q = (const Iam__AssumeRoleRequest *)m;
	const Keyd__SessionClaims *s = c->caller.session;
	struct assume *a = arena_zalloc(c->arena, sizeof(*a));
	struct util_verr e;
	enum principal_kind kind;
	const char *session = NULL;
	int r;
	if (!a)
		return -ENOMEM;
	a->req = q;
	a->packed_percent = -1;
	util_verr_init(&e);
	check_inputs(q, &e);
	if ((r = entity_verr_fail(c, &e)) < 0)
		return r;
	if (principal_arn_split(c, q->role_arn, &kind, &a->account, &a->name, &session) < 0 ||
	    kind != PRINCIPAL_ROLE || session || !util_str_has_prefix(q->role_arn, "arn:aws:iam::"))
		return call_fail(c, -EINVAL, "ValidationError", "%.200s is not a valid role ARN.",
				 q->role_arn);
	a->role_arn = q->role_arn;
	a->chained = s && s->kind == KEYD__SESSION_KIND__ASSUMED_ROLE;
	/* the policy, as a session policy */
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
	if ((r = session_tags(c, a, &e)) < 0)
		return r;
	if ((r = entity_verr_fail(c, &e)) < 0)
		return r;
	if (q->policy || q->n_policy_arns || a->n_tags) {
		a->packed_percent = sts_packed_percent(q->policy, q->policy_arns, q->n_policy_arns,
						       a->tags, a->n_tags);
		if (a->packed_percent > 100)
			return call_fail(c, -EINVAL, "PackedPolicyTooLarge",
					 "Packed policy consumes %d%% of allotted space, please use smaller policy.",
					 a->packed_percent);
	}
	/* the source identity: set once in a chain */
	a->source_identity = q->source_identity;
	if (s && s->source_identity && *s->source_identity) {
		if (q->source_identity && strcmp(q->source_identity, s->source_identity) != 0)
			return call_fail(c, -EINVAL, "InvalidParameterValue",
					 "The source identity of a role chain cannot be changed: the calling session's is %s.",
					 s->source_identity);
		a->source_identity = s->source_identity;
	}
	r = role_read_kept(c, a->account, a->name, &a->role);
	if (r < 0)
		return op_fail_store(c, r);
	if (a->role && strcmp(a->role->arn, q->role_arn) != 0)
		a->role = NULL;   /* same name, another path: not this role */
	if (a->role) {
		int32_t max = a->role->has_max_session_duration ? a->role->max_session_duration
								 : STS_ROLE_DEFAULT_DURATION;
		a->duration = q->has_duration_seconds ? q->duration_seconds : STS_ROLE_DEFAULT_DURATION;
		if (a->chained && a->duration > CHAIN_MAX_DURATION)
			return call_fail(c, -EINVAL, "ValidationError",
					 "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.");
		if (a->duration > max)
			return call_fail(c, -EINVAL, "ValidationError",
					 "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
		const struct policy *trust = NULL;
		if (a->role->assume_role_policy_document) {
			r = sts_trust_policy_get(c, a->account, a->name,
						 a->role->assume_role_policy_document, &trust);
			if (r < 0)
				return op_fail_store(c, r);
		}
		c->resource_policy = trust;
	}
	c->resource_policy_trust = true;   /* no role, no trust: denied */
	if ((r = request_ctx(c, a)) < 0)
		return r;
	c->op_state = a;
	*ret = q->role_arn;
	return 0;
}

/* ---- the handler ---- */

struct minted {
	struct assume *a;
	Keyd__SessionClaims *claims;
};

/* RoleLastUsed, at most once a minute per role, outside the call's
 * transaction; a failure is logged and does not fail the call. */
static struct {
	char id[32];
	int64_t at;
} last_used[LAST_USED_SLOTS];

static void role_touch(struct call *c, const struct assume *a)
{
	const char *id = a->role->role_id;
	size_t h = 5381;
	for (const char *p = id; *p; p++)
		h = h * 33 + (unsigned char)*p;
	h %= LAST_USED_SLOTS;
	if (strcmp(last_used[h].id, id) == 0 && c->now >= last_used[h].at &&
	    c->now - last_used[h].at < LAST_USED_EVERY)
		return;
	struct store_txn *t = NULL, *saved = c->txn;
	Iam__Role *role = NULL;
	int r = store_txn_begin(c->d->store, true, &t);
	if (r == 0) {
		c->txn = t;
		r = sts_role_read(c, a->account, a->name, &role);
		if (r == 0 && role && strcmp(role->role_id, id) == 0) {
			Iam__RoleLastUsed *lu = arena_alloc(c->arena, sizeof(*lu));
			if (lu) {
				iam__role_last_used__init(lu);
				lu->has_last_used_date = true;
				lu->last_used_date = c->now;
				lu->region = (char *)"us-east-1";
				role->role_last_used = lu;
				char key[ENTITY_KEY_MAX];
				size_t klen = entity_key(key, a->account, a->name, NULL);
				Iam__RoleRecord rec = IAM__ROLE_RECORD__INIT;
				rec.role = role;
				size_t len = iam__role_record__get_packed_size(&rec);
				uint8_t *buf = arena_alloc(c->arena, len ? len : 1);
				r = buf ? 0 : -ENOMEM;
				if (r == 0) {
					iam__role_record__pack(&rec, buf);
					r = store_put(t, STORE_DB_ROLES, key, klen, buf, len, 0);
				}
			} else {
				r = -ENOMEM;
			}
		}
		c->txn = saved;
		if (r == 0)
			r = store_txn_commit(t);
		else
			store_txn_abort(t);
	}
	if (r < 0) {
		iamd_log_call(LOG_WARNING, c, "role %s: cannot record its last use: %s",
			      a->role->arn, strerror(-r));
		return;
	}
	snprintf(last_used[h].id, sizeof(last_used[h].id), "%s", id);
	last_used[h].at = c->now;
}

static int assume_resume(struct call *c, void *state, const struct keyd_reply *rep,
			 ProtobufCMessage **ret)
{
	struct minted *mt = state;
	struct assume *a = mt->a;
	if (rep->err || rep->code != KEYD__CODE__OK || !rep->result)
		return call_keyd_fail(c, rep);
	const Keyd__MintSessionResponse *k = (const Keyd__MintSessionResponse *)rep->result;
	Iam__AssumeRoleResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__AssumedRoleUser *u = arena_alloc(c->arena, sizeof(*u));
	if (!resp || !u)
		return -ENOMEM;
	iam__assume_role_response__init(resp);
	iam__assumed_role_user__init(u);
	int r = sts_credentials_new(c, mt->claims, k, &resp->credentials);
	if (r < 0)
		return r;
	u->assumed_role_id = mt->claims->principal_id;
	u->arn = mt->claims->principal_arn;
	resp->assumed_role_user = u;
	if (a->packed_percent >= 0) {
		resp->has_packed_policy_size = true;
		resp->packed_policy_size = a->packed_percent;
	}
	resp->source_identity = (char *)a->source_identity;
	role_touch(c, a);
	iamd_log_call(LOG_DEBUG, c, "AssumeRole: %s issued to %s for %s until %lld",
		      mt->claims->access_key_id, c->caller.arn, a->role->arn,
		      (long long)mt->claims->expires);
	*ret = &resp->base;
	return 0;
}

int sts_claims_session_policies(struct call *c, Keyd__SessionClaims *cl, const char *policy,
				Iam__PolicyDescriptorType *const *arns, size_t n)
{
	cl->session_policy = (char *)policy;
	if (!n)
		return 0;
	cl->policy_arns = arena_alloc(c->arena, n * sizeof(char *));
	if (!cl->policy_arns)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		cl->policy_arns[i] = arns[i]->arn;
	cl->n_policy_arns = n;
	return 0;
}

/* sts:TagSession or sts:SetSourceIdentity on the role, decided like
 * sts:AssumeRole (op_sts.h). */
int sts_also_allowed(struct call *c, const char *action, const char *role_arn)
{
	struct authz_result az = { 0 };
	int r = authz_check(c, action, role_arn, &az);
	if (r < 0)
		return call_fail(c, r, "ServiceFailure", NULL);
	if (az.decision != AUTHZ_ALLOW)
		return call_fail(c, -EACCES, "AccessDenied", "%s", az.message);
	return 0;
}

int op_assume_role(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	struct assume *a = c->op_state;
	const Keyd__SessionClaims *s = c->caller.session;
	int r;
	(void)m;
	(void)ret;
	if (!a)
		return -ENOMEM;
	if (c->caller.kind == CALLER_ROOT)
		return call_fail(c, -EACCES, "AccessDenied",
				 "Roles may not be assumed by root accounts.");
	if (!a->role || c->caller.kind == CALLER_ANONYMOUS || !c->caller.arn)
		return call_fail(c, -EACCES, "AccessDenied",
				 "User: %s is not authorized to perform: sts:AssumeRole on resource: %s",
				 c->caller.arn ? c->caller.arn : "anonymous", a->role_arn);
	if (a->n_tags && (r = sts_also_allowed(c, "sts:TagSession", a->role_arn)) < 0)
		return r;
	if (a->source_identity && (r = sts_also_allowed(c, "sts:SetSourceIdentity", a->role_arn)) < 0)
		return r;

	/* what the call uses of the role once keyd answers, in its own
	 * memory: the kept role (gen_cache.h) may be replaced (and freed) by another
	 * call meanwhile */
	Iam__Role *kept = arena_alloc(c->arena, sizeof(*kept));
	if (!kept)
		return -ENOMEM;
	iam__role__init(kept);
	kept->arn = arena_strdup(c->arena, a->role->arn);
	kept->role_id = arena_strdup(c->arena, a->role->role_id);
	kept->role_name = a->role->role_name ? arena_strdup(c->arena, a->role->role_name) : NULL;
	if (!kept->arn || !kept->role_id || (a->role->role_name && !kept->role_name))
		return -ENOMEM;
	a->role = kept;

	const Iam__AssumeRoleRequest *q = a->req;
	struct minted *mt = arena_zalloc(c->arena, sizeof(*mt));
	Keyd__SessionClaims *cl = arena_alloc(c->arena, sizeof(*cl));
	if (!mt || !cl)
		return -ENOMEM;
	keyd__session_claims__init(cl);
	mt->a = a;
	mt->claims = cl;
	if ((r = sts_access_key_id_new(c, &cl->access_key_id)) < 0)
		return r;
	cl->account = (char *)a->account;
	cl->principal_arn = arena_concat(c->arena, "arn:aws:sts::", a->account, ":assumed-role/",
					 a->role->role_name, "/", q->role_session_name, NULL);
	cl->principal_id = arena_concat(c->arena, a->role->role_id, ":", q->role_session_name,
					NULL);
	cl->role_arn = a->role->arn;
	cl->role_id = a->role->role_id;
	cl->session_name = q->role_session_name;
	cl->has_issued = cl->has_expires = true;
	cl->issued = c->now;
	cl->expires = c->now + a->duration;
	if (sts_claims_session_policies(c, cl, q->policy, q->policy_arns, q->n_policy_arns) < 0)
		return -ENOMEM;
	cl->tags = a->tags;
	cl->n_tags = a->n_tags;
	cl->transitive_tag_keys = a->transitive;
	cl->n_transitive_tag_keys = a->n_transitive;
	cl->source_identity = (char *)a->source_identity;
	/* a session authenticated with MFA passes it on (GetSessionToken
	 * credentials with MFA assuming a role) */
	cl->has_mfa_present = true;
	cl->mfa_present = s && s->mfa_present;
	if (cl->mfa_present && s->has_mfa_auth_time) {
		cl->has_mfa_auth_time = true;
		cl->mfa_auth_time = s->mfa_auth_time;
	}
	cl->has_chained = true;
	cl->chained = a->chained;
	cl->has_kind = true;
	cl->kind = KEYD__SESSION_KIND__ASSUMED_ROLE;
	cl->source_user_arn = (char *)(s && s->source_user_arn ? s->source_user_arn
							     : c->caller.arn);
	if (!cl->principal_arn || !cl->principal_id)
		return -ENOMEM;
	/* SerialNumber and TokenCode: keyd checks the code, then mints */
	if (q->serial_number)
		return op_mfa_sts_verify(c, q->serial_number, q->token_code, cl, assume_resume, mt);
	/* MintSession; VerifyAndMint (one keyd hop) when the caller signed
	 * with an access key and is not proven yet: keyd mints only if the
	 * signature verifies (authn.h) */
	return authn_mint(c, cl, assume_resume, mt);
}
