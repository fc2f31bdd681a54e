/* authz: authorization of every call by IAM policy (authz.h). */
#include "config.h"
#include "authz.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common.pb-c.h"
#include "entity.h"
#include "iamd.h"
#include "iamd.pb-c.h"
#include "oidc.h"
#include "principal.h"
#include "saml.h"
#include "sd.h"
#include "store.pb-c.h"
#include "store/store.h"
#include "sts_session.h"
#include "util/arena.h"

static struct authz_cache *cache_of(struct iamd *d)
{
	if (!d->authz && authz_cache_new(AUTHZ_CACHE_PRINCIPALS, &d->authz) < 0)
		return NULL;
	return d->authz;
}

struct policy_scratch *authz_scratch(struct call *c)
{
	struct authz_cache *ac = cache_of(c->d);
	return ac ? authz_cache_scratch(ac) : NULL;
}

char *authz_concat(struct call *c, ...)
{
	const char *part[16];
	size_t len[16], k = 0, n = 0;
	const char *s;
	va_list ap;
	va_start(ap, c);
	while ((s = va_arg(ap, const char *)) && k < 16) {
		part[k] = s;
		len[k] = strlen(s);
		n += len[k++];
	}
	va_end(ap);
	char *buf = arena_alloc(c->arena, n + 1), *p = buf;
	if (!buf)
		return NULL;
	for (size_t i = 0; i < k; i++) {
		memcpy(p, part[i], len[i]);
		p += len[i];
	}
	*p = '\0';
	return buf;
}

/* ---- the request context ---- */

int authz_ctx_add_list(struct authz_ctx *x, const char *key,
		       const char *const *values, size_t n)
{
	if (x->n >= AUTHZ_CTX_MAX)
		return -E2BIG;
	x->e[x->n].key = key;
	x->e[x->n].values = values;
	x->e[x->n].n_values = n;
	x->n++;
	return 0;
}

int authz_ctx_add(struct authz_ctx *x, const char *key, const char *value)
{
	if (x->n_vals >= AUTHZ_CTX_MAX)
		return -E2BIG;
	x->vals[x->n_vals] = value;
	int r = authz_ctx_add_list(x, key, &x->vals[x->n_vals], 1);
	if (r == 0)
		x->n_vals++;
	return r;
}

bool authz_ctx_has(const struct authz_ctx *x, const char *key)
{
	for (size_t i = 0; i < x->n; i++)
		if (strcasecmp(x->e[i].key, key) == 0)
			return true;
	return false;
}

/* Adds unless the caller already gave the key (only checked when it gave
 * any: the common case pays nothing). */
static int ctx_put(struct authz_ctx *x, size_t given, const char *key, const char *value)
{
	for (size_t i = 0; i < given; i++)
		if (strcasecmp(x->e[i].key, key) == 0)
			return 0;
	return authz_ctx_add(x, key, value);
}

static int ctx_put_list(struct authz_ctx *x, size_t given, const char *key,
			const char *const *values, size_t n)
{
	for (size_t i = 0; i < given; i++)
		if (strcasecmp(x->e[i].key, key) == 0)
			return 0;
	return authz_ctx_add_list(x, key, values, n);
}

static const ProtobufCFieldDescriptor *field(const ProtobufCMessage *m, const char *name,
					     ProtobufCType type, bool repeated)
{
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);
	if (!f || f->type != type || (f->label == PROTOBUF_C_LABEL_REPEATED) != repeated)
		return NULL;
	return f;
}

static const char *string_field(const ProtobufCMessage *m, const char *name)
{
	const ProtobufCFieldDescriptor *f = field(m, name, PROTOBUF_C_TYPE_STRING, false);
	return f ? *(const char *const *)((const char *)m + f->offset) : NULL;
}

/* aws:RequestTag/<key> and aws:TagKeys from a request's `tags` (Tag
 * messages) or `tag_keys` (strings). */
static int ctx_request_tags(struct call *c, const ProtobufCMessage *m,
			    struct authz_ctx *x, size_t given)
{
	const ProtobufCFieldDescriptor *f = field(m, "tags", PROTOBUF_C_TYPE_MESSAGE, true);
	int r;
	if (f && f->descriptor == &iam__tag__descriptor) {
		size_t n = *(const size_t *)((const char *)m + f->quantifier_offset);
		Iam__Tag *const *tags = *(Iam__Tag *const *const *)((const char *)m + f->offset);
		if (n == 0)
			return 0;
		const char **keys = arena_alloc(c->arena, n * sizeof(*keys));
		if (!keys)
			return -ENOMEM;
		size_t nk = 0;
		for (size_t i = 0; i < n; i++) {
			if (!tags[i]->key)
				continue;
			keys[nk++] = tags[i]->key;
			char *k = authz_concat(c, "aws:RequestTag/", tags[i]->key, NULL);
			if (!k)
				return -ENOMEM;
			r = ctx_put(x, given, k, tags[i]->value ? tags[i]->value : "");
			if (r < 0)
				return r;
		}
		return ctx_put_list(x, given, "aws:TagKeys", keys, nk);
	}
	f = field(m, "tag_keys", PROTOBUF_C_TYPE_STRING, true);
	if (f) {
		size_t n = *(const size_t *)((const char *)m + f->quantifier_offset);
		const char *const *keys = *(const char *const *const *)((const char *)m + f->offset);
		if (n)
			return ctx_put_list(x, given, "aws:TagKeys", keys, n);
	}
	return 0;
}

/* The actions for which AWS sets iam:PermissionsBoundary from the target
 * user's or role's current boundary (the request carries none). */
static bool boundary_of_target(const char *action)
{
	static const char *const names[] = {
		"iam:AttachRolePolicy", "iam:AttachUserPolicy",
		"iam:DeleteRolePermissionsBoundary", "iam:DeleteRolePolicy",
		"iam:DeleteUserPermissionsBoundary", "iam:DeleteUserPolicy",
		"iam:DetachRolePolicy", "iam:DetachUserPolicy",
		"iam:PutRolePolicy", "iam:PutUserPolicy",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(action, names[i]) == 0)
			return true;
	return false;
}

static bool is_attach_detach(const char *action)
{
	const char *colon = strchr(action, ':');
	const char *a = colon ? colon + 1 : action;
	return strncasecmp(a, "Attach", 6) == 0 || strncasecmp(a, "Detach", 6) == 0;
}

/* principal_resource_info() through the cache (authz_cache.c): an IAM
 * resource is read from the store once per generation. */
static int resource_info(struct call *c, const char *arn, struct Iam__Tag *const **ret_tags,
			 size_t *ret_n, const char **ret_boundary)
{
	struct authz_cache *ac = cache_of(c->d);
	int r;
	if (!ac)
		return -ENOMEM;
	if (strncmp(arn, "arn:aws:iam::", 13) != 0) {   /* nothing stored about it */
		*ret_tags = NULL;
		*ret_n = 0;
		*ret_boundary = NULL;
		return 0;
	}
	r = authz_cache_resource_get(ac, arn, c->d->generation, c->arena, ret_tags, ret_n,
				     ret_boundary);
	if (r != 0)
		return r < 0 ? r : 0;
	r = principal_resource_info(c, arn, ret_tags, ret_n, ret_boundary);
	if (r < 0)
		return r;
	r = authz_cache_resource_put(ac, arn, c->d->generation, *ret_tags, *ret_n,
				     *ret_boundary);
	return r == -ENOMEM ? r : 0;
}

int authz_ctx_build(struct call *c, const struct principal *p, const char *action,
		    const char *resource, const ProtobufCMessage *req,
		    struct authz_ctx *x)
{
	size_t given = x->n;
	unsigned uses = p ? p->uses : 0;
	int r;

	if (p)
		for (size_t i = 0; i < p->n_ctx; i++)
			if ((r = ctx_put_list(x, given, p->ctx[i].key, p->ctx[i].values,
					      p->ctx[i].n_values)) < 0)
				return r;
	const char *boundary = NULL;
	if (req) {
		if ((r = ctx_request_tags(c, req, x, given)) < 0)
			return r;
		const char *pa = is_attach_detach(action) ? string_field(req, "policy_arn") : NULL;
		if (pa && (r = ctx_put(x, given, "iam:PolicyARN", pa)) < 0)
			return r;
		boundary = string_field(req, "permissions_boundary");
	}
	bool want_target_boundary = !boundary && (uses & PRINCIPAL_USES_BOUNDARY_KEY) &&
				    boundary_of_target(action);
	bool want_tags = (uses & PRINCIPAL_USES_RESOURCE_TAG) && !c->has_resource_tags;
	if ((want_target_boundary || want_tags) && c->txn && resource &&
	    strcmp(resource, "*") != 0) {
		struct Iam__Tag *const *tags;
		size_t n;
		const char *b;
		r = resource_info(c, resource, &tags, &n, &b);
		if (r < 0)
			return r;
		if (want_target_boundary)
			boundary = b;
		if (want_tags) {
			c->has_resource_tags = true;
			c->resource_tags = tags;
			c->n_resource_tags = n;
		}
	}
	if (boundary && (r = ctx_put(x, given, "iam:PermissionsBoundary", boundary)) < 0)
		return r;
	if (uses & PRINCIPAL_USES_RESOURCE_TAG)
		for (size_t i = 0; i < c->n_resource_tags; i++) {
			const Iam__Tag *t = c->resource_tags[i];
			if (!t->key)
				continue;
			char *k = authz_concat(c, "aws:ResourceTag/", t->key, NULL);
			if (!k)
				return -ENOMEM;
			if ((r = ctx_put(x, given, k, t->value ? t->value : "")) < 0)
				return r;
		}
	return 0;
}

/* ---- principals ---- */

int authz_principal_get(struct call *c, enum principal_kind kind, const char *account,
			const char *name, const struct principal **ret)
{
	struct authz_cache *ac = cache_of(c->d);
	char key[ENTITY_KEY_MAX + 2];
	struct principal *p;
	int r;

	if (!ac)
		return -ENOMEM;
	key[0] = kind == PRINCIPAL_USER ? 'u' : kind == PRINCIPAL_ROLE ? 'r' : 'g';
	key[1] = ':';
	if (!entity_key(key + 2, account, name, NULL))
		return -ENOENT;
	p = authz_cache_get(ac, key, c->d->generation);
	if (p) {
		*ret = p;
		return 0;
	}
	struct store_txn *own = NULL;
	if (!c->txn) {
		r = store_txn_begin(c->d->store, false, &own);
		if (r < 0)
			return r;
		c->txn = own;
	}
	r = principal_load(c, kind, account, name, &p);
	if (own) {
		store_txn_abort(own);
		c->txn = NULL;
	}
	if (r < 0)
		return r;
	r = authz_cache_put(ac, key, c->d->generation, p);
	if (r < 0) {
		principal_free(p);
		return r;
	}
	*ret = p;
	return 0;
}

int authz_principal_by_arn(struct call *c, const char *arn, const struct principal **ret)
{
	struct authz_cache *ac = cache_of(c->d);
	const struct principal *p = ac && arn ? authz_cache_by_arn(ac, arn, c->d->generation)
					      : NULL;
	if (!p)
		return -ENOENT;
	*ret = p;
	return 0;
}

void authz_principal_remember(struct call *c, const struct principal *p)
{
	struct authz_cache *ac = cache_of(c->d);
	if (ac && p->arn)
		authz_cache_by_arn_put(ac, p, c->d->generation);
}

/* ---- callers ---- */

static int binding_lookup(struct iamd *d, uid_t uid, struct authz_binding *b)
{
	struct store_txn *t = NULL;
	struct store_val v;
	Iam__LocalUserBinding *lb = NULL;
	Iam__UserRecord *ur = NULL;
	char key[16], ukey[ENTITY_KEY_MAX];
	int r;

	snprintf(key, sizeof(key), "%010u", (unsigned)uid);
	r = store_txn_begin(d->store, false, &t);
	if (r < 0)
		return r;
	r = store_get(t, STORE_DB_LOCAL_BINDINGS, key, strlen(key), &v);
	if (r == -ENOENT) {
		r = authz_binding_set(b, uid, d->generation, NULL, NULL, NULL, NULL);
		goto out;
	}
	if (r < 0)
		goto out;
	lb = iam__local_user_binding__unpack(NULL, v.len, v.data);
	if (!lb || !lb->account_id || !lb->user_name || strlen(lb->account_id) != 12) {
		r = -EIO;
		goto out;
	}
	size_t kl = entity_key(ukey, lb->account_id, lb->user_name, NULL);
	r = kl ? store_get(t, STORE_DB_USERS, ukey, kl, &v) : -ENOENT;
	if (r == 0) {
		ur = iam__user_record__unpack(NULL, v.len, v.data);
		if (!ur || !ur->user || !ur->user->arn || !ur->user->user_id) {
			r = -EIO;
			goto out;
		}
	}
	/* The user is gone, or a new user took its name: not the one bound. */
	if (r == -ENOENT ||
	    (lb->user_id && strcmp(lb->user_id, ur->user->user_id) != 0)) {
		r = authz_binding_set(b, uid, d->generation, NULL, NULL, NULL, NULL);
		goto out;
	}
	if (r < 0)
		goto out;
	r = authz_binding_set(b, uid, d->generation, lb->account_id, ur->user->user_name,
			      ur->user->arn, ur->user->user_id);
out:
	store_txn_abort(t);
	if (lb)
		iam__local_user_binding__free_unpacked(lb, NULL);
	if (ur)
		iam__user_record__free_unpacked(ur, NULL);
	return r;
}

/* The bound user as the caller: its strings copied into `a` in one piece
 * (the slot is refilled when another call identifies its uid after a
 * write, or another uid of the slot calls, while this call may still wait
 * for keyd). */
static int caller_from_binding(struct arena *a, const struct authz_binding *b,
			       struct caller *ret)
{
	size_t lacc = strlen(b->account) + 1, lname = strlen(b->user_name) + 1,
	       larn = strlen(b->user_arn) + 1, lid = strlen(b->user_id) + 1;
	char *p = arena_alloc(a, lacc + lname + larn + lid);
	if (!p)
		return -ENOMEM;
	ret->account_id = memcpy(p, b->account, lacc);
	ret->user_name = memcpy(p += lacc, b->user_name, lname);
	ret->arn = memcpy(p += lname, b->user_arn, larn);
	ret->user_id = memcpy(p + larn, b->user_id, lid);
	ret->kind = CALLER_USER;
	return 0;
}

int authz_caller_identify(struct iamd *d, struct arena *a, uid_t uid, struct caller *ret)
{
	struct authz_cache *ac = cache_of(d);
	if (!ac)
		return -ENOMEM;
	struct authz_binding *b = authz_cache_binding(ac, uid);
	if (!b->valid || b->uid != uid || b->gen != d->generation) {
		int r = binding_lookup(d, uid, b);
		if (r < 0) {
			ret->kind = CALLER_ANONYMOUS;
			return r;
		}
	}
	if (!b->bound) {
		ret->kind = CALLER_ANONYMOUS;
		return 0;
	}
	int r = caller_from_binding(a, b, ret);
	if (r < 0)
		ret->kind = CALLER_ANONYMOUS;
	return r;
}

/* ---- deciding ---- */

/* A piece of a message whose length is known. */
struct mpart {
	const char *s;
	size_t n;
};
#define MLIT(s) { s, sizeof(s) - 1 }

static char *concat_parts(struct call *c, const struct mpart *part, size_t k)
{
	size_t n = 0;
	for (size_t i = 0; i < k; i++)
		n += part[i].n;
	char *buf = arena_alloc(c->arena, n + 1), *p = buf;
	if (!buf)
		return NULL;
	for (size_t i = 0; i < k; i++) {
		memcpy(p, part[i].s, part[i].n);
		p += part[i].n;
	}
	*p = '\0';
	return buf;
}

/* Every decision that denies words one of these: the pieces' lengths are
 * known but for the three names, each measured once. */
const char *authz_message(struct call *c, const char *who, const char *action,
			  const char *resource, const struct policy_result *res)
{
	const struct mpart w = { who, strlen(who) }, a = { action, strlen(action) },
			   r = { resource, strlen(resource) };
	if (res->decision == POLICY_EXPLICIT_DENY) {
		enum policy_layer l = res->n_matches ? res->matches[0].layer
						     : POLICY_LAYER_IDENTITY;
		static const struct mpart ins[] = {
			MLIT("an identity-based policy"), MLIT("a permissions boundary"),
			MLIT("a resource-based policy"), MLIT("a session policy"),
		};
		const struct mpart in = ins[l == POLICY_LAYER_BOUNDARY ? 1 :
					    l == POLICY_LAYER_RESOURCE ? 2 :
					    l == POLICY_LAYER_SESSION ? 3 : 0];
		const struct mpart m[] = {
			MLIT("User: "), w, MLIT(" is not authorized to perform: "), a,
			MLIT(" on resource: "), r, MLIT(" with an explicit deny in "), in,
		};
		return concat_parts(c, m, sizeof(m) / sizeof(m[0]));
	}
	static const struct mpart nos[] = {
		MLIT("identity-based policy"), MLIT("permissions boundary"),
		MLIT("resource-based policy"), MLIT("session policy"),
	};
	const struct mpart no = nos[res->missing == POLICY_LAYER_BOUNDARY ? 1 :
				    res->missing == POLICY_LAYER_RESOURCE ? 2 :
				    res->missing == POLICY_LAYER_SESSION ? 3 : 0];
	const struct mpart m[] = {
		MLIT("User: "), w, MLIT(" is not authorized to perform: "), a,
		MLIT(" on resource: "), r, MLIT(" because no "), no, MLIT(" allows the "), a,
		MLIT(" action"),
	};
	return concat_parts(c, m, sizeof(m) / sizeof(m[0]));
}

static int decide(enum authz_decision d, const char *msg,
		  struct authz_result *ret)
{
	if (d != AUTHZ_ALLOW && !msg)
		return -ENOMEM;
	ret->decision = d;
	ret->message = msg;
	return 0;
}

/* A federated caller (an OIDC token's or a SAML assertion's bearer): one of
 * `actions` is decided by the role's trust policy alone (c->resource_policy,
 * sts_role_trust_use()), with the provider's ARN as the principal and the
 * token's or assertion's context keys (c->ctx_extra); anything else is
 * denied. */
static int trust_alone(struct call *c, const char *action, const char *resource,
		       const char *const *actions, struct authz_result *ret)
{
	struct policy_result res = { .decision = POLICY_IMPLICIT_DENY };
	struct policy_scratch *sc = authz_scratch(c);
	bool ours = false;
	if (!sc)
		return -ENOMEM;
	for (size_t i = 0; actions[i] && !ours; i++)
		ours = strcmp(action, actions[i]) == 0;
	if (ours && c->resource_policy) {
		struct policy_set set = { .resource = c->resource_policy };
		struct policy_request req = {
			.principal = c->caller.arn,
			.action = action,
			.resource = resource,
			.context = c->ctx_extra,
			.n_context = c->n_ctx_extra,
			.now_ms = c->now * 1000,
		};
		int r = policy_eval(&set, &req, sc, &res);
		if (r < 0)
			return r;
	}
	if (res.decision == POLICY_ALLOW)
		return decide(AUTHZ_ALLOW, NULL, ret);
	const char *msg = arena_printf(c->arena, "Not authorized to perform %s", action);
	if (!msg)
		return -ENOMEM;
	return decide(res.decision == POLICY_EXPLICIT_DENY ? AUTHZ_DENY_EXPLICIT
							   : AUTHZ_DENY_IMPLICIT, msg, ret);
}

static int check_user(struct call *c, const char *action, const char *resource,
		      struct authz_result *ret)
{
	const struct principal *p;
	struct authz_ctx x;
	struct policy_result res;
	struct policy_scratch *sc = authz_scratch(c);
	int r;

	if (!sc)
		return -ENOMEM;
	r = authz_principal_get(c, PRINCIPAL_USER, c->caller.account_id,
				c->caller.user_name, &p);
	if (r == -ENOENT) {   /* deleted since it was identified */
		res = (struct policy_result){ .decision = POLICY_IMPLICIT_DENY };
		return decide(AUTHZ_DENY_IMPLICIT,
			      authz_message(c, c->caller.arn, action, resource, &res), ret);
	}
	if (r < 0)
		return r;
	x.n = 0;
	x.n_vals = 0;
	/* the keys the request adds (sts:ExternalId..., and the MFA of an
	 * AssumeRole with SerialNumber and TokenCode), then a GetSessionToken
	 * session's keys (sts_session.h): the first of a key wins, so a code
	 * given now counts over a session got without MFA, and both win over
	 * the user's */
	for (size_t i = 0; i < c->n_ctx_extra; i++)
		if ((r = authz_ctx_add_list(&x, c->ctx_extra[i].key, c->ctx_extra[i].values,
					    c->ctx_extra[i].n_values)) < 0)
			return r;
	if ((r = sts_session_ctx(c, &x)) < 0)
		return r;
	r = authz_ctx_build(c, p, action, resource, c->req, &x);
	if (r < 0)
		return r;
	struct policy_set set = {
		.identity = p->identity,
		.n_identity = p->n_pols,
		.boundary = p->boundary.pol,
		.resource = c->resource_policy,
	};
	struct policy_request req = {
		.principal = c->caller.arn,
		.action = action,
		.resource = resource,
		.context = x.e,
		.n_context = x.n,
		.now_ms = c->now * 1000,
	};
	if (c->resource_policy_trust)
		r = sts_session_eval(c, &set, NULL, 0, true, &req, &res);
	else
		r = policy_eval(&set, &req, sc, &res);
	if (r < 0)
		return r;
	if (res.decision == POLICY_ALLOW)
		return decide(AUTHZ_ALLOW, NULL, ret);
	return decide(res.decision == POLICY_EXPLICIT_DENY ? AUTHZ_DENY_EXPLICIT
							       : AUTHZ_DENY_IMPLICIT,
		      authz_message(c, c->caller.arn, action, resource, &res), ret);
}

int authz_check(struct call *c, const char *action, const char *resource,
		struct authz_result *ret)
{
	if (!resource)
		resource = "*";
	/* AWS needs no permission for sts:GetCallerIdentity, and denies it to
	 * no caller with credentials. */
	if (c->caller.kind != CALLER_ANONYMOUS && strcmp(action, "sts:GetCallerIdentity") == 0)
		return decide(AUTHZ_ALLOW, NULL, ret);
	/* nor for sts:GetSessionToken ("You cannot use policies to control
	 * authentication operations"; its handler refuses sessions) */
	if (c->caller.kind != CALLER_ANONYMOUS && strcmp(action, "sts:GetSessionToken") == 0)
		return decide(AUTHZ_ALLOW, NULL, ret);
	/* iamd:GetCredentials: any local process may ask for itself; the
	 * handler decides by its host association and the role's trust
	 * policy (op_get_credentials.c) */
	if (strcmp(action, "iamd:GetCredentials") == 0)
		return decide(AUTHZ_ALLOW, NULL, ret);
	/* temporary credentials: an assumed-role session is decided there; a
	 * GetSessionToken session within its limits goes on as its user */
	if (c->caller.session) {
		int r = sts_session_authorize(c, action, resource, ret);
		if (r != 0)
			return r < 0 ? r : 0;
	}
	switch (c->caller.kind) {
	case CALLER_ROOT:
		return decide(AUTHZ_ALLOW, NULL, ret);
	case CALLER_USER:
		return check_user(c, action, resource, ret);
	case CALLER_WEB_IDENTITY: {
		/* the bearer of an OIDC token (op_sts_web.c) */
		static const char *const web[] = { "sts:AssumeRoleWithWebIdentity",
						   "sts:TagSession", NULL };
		return trust_alone(c, action, resource, web, ret);
	}
	case CALLER_SAML: {
		/* the bearer of a SAML assertion (op_sts_saml.c) */
		static const char *const saml[] = { "sts:AssumeRoleWithSAML", "sts:TagSession",
						    "sts:SetSourceIdentity", NULL };
		return trust_alone(c, action, resource, saml, ret);
	}
	case CALLER_ANONYMOUS:
	default:
		return decide(AUTHZ_DENY_IMPLICIT,
			      arena_printf(c->arena,
					   "User: anonymous is not authorized to perform: %s on resource: %s",
					   action, resource), ret);
	}
}
