/* op_get_credentials: iamd:GetCredentials, a local process's temporary
 * credentials for the role of the instance profile associated with it
 * (docs/host-roles.md). Any caller may ask (authz lets the action through:
 * the process speaks for itself); the answer depends only on who the
 * kernel says is asking (peer.c: SO_PEERCRED and a pidfd, the systemd
 * unit, invocation id and executable):
 *   - the most specific association that matches (unit > uid > gid >
 *     host; ambiguity is refused when associations are made);
 *   - the profile's role; its trust policy must allow sts:AssumeRole to the
 *     host's service principal host.iamd.local (or ec2.amazonaws.com, so
 *     that instance roles move over unchanged) with the condition keys
 *     iamd:SystemdUnit, iamd:InvocationId, iamd:Uid, iamd:Gid, iamd:ExePath;
 *   - a session of the role's MaxSessionDuration named "unit-NAME" or
 *     "uid-N", minted by iam-keyd like AssumeRole's (sts_credentials_new()). */
#include "config.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "entity.h"
#include "iam_instance_profile.pb-c.h"
#include "iamd.h"
#include "keyd_client.h"
#include "op_sts.h"
#include "ops.h"
#include "peer.h"
#include "sd.h"
#include "sts_session.h"
#include "policy/policy.h"
#include "util/arena.h"

#define HOST_PRINCIPAL "host.iamd.local"
#define EC2_PRINCIPAL "ec2.amazonaws.com"
#define SESSION_NAME_MAX 64

struct match {
	const struct peer_ident *peer;
	Iam__HostAssociation *best;
	int rank;                 /* 4 unit, 3 uid, 2 gid, 1 host */
};

static int rank_of(const Iam__HostSelector *s, const struct peer_ident *p)
{
	if (!s)
		return 0;
	if (s->systemd_unit)
		return p->unit[0] && fnmatch(s->systemd_unit, p->unit, 0) == 0 ? 4 : 0;
	if (s->has_uid)
		return s->uid == p->uid ? 3 : 0;
	if (s->has_gid)
		return s->gid == p->gid ? 2 : 0;
	return s->has_host && s->host ? 1 : 0;
}

static int match_visit(struct call *c, const char *suffix, size_t len,
		       const struct store_val *val, bool take, void *userdata)
{
	struct match *m = userdata;
	(void)suffix;
	(void)len;
	(void)take;
	Iam__HostAssociation *a = iam__host_association__unpack(&c->pb, val->len, val->data);
	if (!a)
		return -EIO;
	int rank = rank_of(a->selector, m->peer);
	if (rank > m->rank) {
		m->rank = rank;
		m->best = a;
	}
	return 0;
}

/* v in decimal into ret (at least 11 bytes): snprintf's work without its
 * format parsing, on the per-call path. */
static void utoa(unsigned v, char *ret)
{
	char t[16];
	size_t n = 0;
	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		ret[i] = t[n - 1 - i];
	ret[n] = '\0';
}

/* "unit-NAME" or "uid-N" within RoleSessionName's [\w+=,.@-]{2,64}. */
static char *session_name(struct call *c, const struct peer_ident *p, bool by_unit)
{
	char buf[SESSION_NAME_MAX + 1];
	if (by_unit) {
		size_t n = strlen(p->unit);
		if (n > SESSION_NAME_MAX - 5)
			n = SESSION_NAME_MAX - 5;
		memcpy(buf, "unit-", 5);
		memcpy(buf + 5, p->unit, n);
		buf[5 + n] = '\0';
	} else {
		memcpy(buf, "uid-", 4);
		utoa((unsigned)p->uid, buf + 4);
	}
	for (char *s = buf; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("_+=,.@-", *s)))
			*s = '-';
	return entity_strdup(c, buf);
}

/* The role's trust policy, for principal host.iamd.local or
 * ec2.amazonaws.com, with the caller's identity keys. */
static int trust_allows(struct call *c, const Iam__Role *role, const struct peer_ident *p,
			bool *ret)
{
	const struct policy *pol = NULL;
	char uid[16], gid[16];
	const char *v_unit[1] = { p->unit }, *v_inv[1] = { p->invocation_id },
		   *v_uid[1] = { uid }, *v_gid[1] = { gid }, *v_exe[1] = { p->exe };
	struct policy_ctx_entry ctx[5];
	size_t n = 0;
	utoa((unsigned)p->uid, uid);
	utoa((unsigned)p->gid, gid);
	ctx[n++] = (struct policy_ctx_entry){ "iamd:Uid", v_uid, 1 };
	ctx[n++] = (struct policy_ctx_entry){ "iamd:Gid", v_gid, 1 };
	if (p->unit[0])
		ctx[n++] = (struct policy_ctx_entry){ "iamd:SystemdUnit", v_unit, 1 };
	if (p->invocation_id[0])
		ctx[n++] = (struct policy_ctx_entry){ "iamd:InvocationId", v_inv, 1 };
	if (p->exe[0])
		ctx[n++] = (struct policy_ctx_entry){ "iamd:ExePath", v_exe, 1 };

	/* compiled once per role and store generation (sts_session.c's
	 * cache, as AssumeRole's) */
	const char *doc = role->assume_role_policy_document;
	int r = doc ? sts_trust_policy_get(c, entity_account(c), role->role_name, doc, &pol)
		    : -EIO;
	if (r < 0)
		return r;
	*ret = false;
	static const char *const principals[] = { HOST_PRINCIPAL, EC2_PRINCIPAL };
	for (size_t i = 0; i < 2 && !*ret; i++) {
		struct policy_set set = { .resource = pol };
		/* resource "*": a service principal has no account, and the
		 * role is in the association's account */
		struct policy_request q = { .principal = principals[i],
					    .action = "sts:AssumeRole", .resource = "*",
					    .context = ctx, .n_context = n,
					    .now_ms = c->now * 1000 };
		struct policy_scratch sc;
		struct policy_result res;
		r = policy_eval(&set, &q, &sc, &res);
		if (r < 0)
			break;
		*ret = res.decision == POLICY_ALLOW;
	}
	return r < 0 ? r : 0;
}

struct minted {
	Keyd__SessionClaims *claims;
	const char *association_id;
	const char *profile_arn;
};

static int get_credentials_resume(struct call *c, void *state, const struct keyd_reply *rep,
				  ProtobufCMessage **ret)
{
	struct minted *mt = state;
	if (rep->err || rep->code != KEYD__CODE__OK || !rep->result)
		return call_keyd_fail(c, rep);
	const Keyd__MintSessionResponse *k = (const Keyd__MintSessionResponse *)rep->result;
	Iam__GetCredentialsResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__AssumedRoleUser *u = arena_alloc(c->arena, sizeof(*u));
	if (!resp || !u)
		return -ENOMEM;
	iam__get_credentials_response__init(resp);
	iam__assumed_role_user__init(u);
	int r = sts_credentials_new(c, mt->claims, k, &resp->credentials);
	if (r < 0)
		return r;
	u->assumed_role_id = mt->claims->principal_id;
	u->arn = mt->claims->principal_arn;
	resp->assumed_role_user = u;
	resp->association_id = (char *)mt->association_id;
	resp->instance_profile_arn = (char *)mt->profile_arn;
	iamd_log_call(LOG_INFO, c, "GetCredentials: %s issued to pid %d uid %u for %s until %lld",
		      mt->claims->access_key_id, (int)c->caller.pid, (unsigned)c->caller.uid,
		      mt->claims->principal_arn, (long long)mt->claims->expires);
	*ret = &resp->base;
	return 0;
}

/* The NULL-terminated parts joined, in the call's arena (arena_printf()
 * without the format parsing: this is the per-call path). */
static char *concat(struct call *c, const char *const *parts)
{
	size_t n = 1;
	for (const char *const *s = parts; *s; s++)
		n += strlen(*s);
	char *d = arena_alloc(c->arena, n), *o = d;
	if (!d)
		return NULL;
	for (const char *const *s = parts; *s; s++) {
		size_t l = strlen(*s);
		memcpy(o, *s, l);
		o += l;
	}
	*o = '\0';
	return d;
}

/* The association's instance profile and its role, as GetInstanceProfile
 * shows them (its first role that exists; NULL when it has none), read
 * straight from the store: each record once, no rendering. */
static int profile_role(struct call *c, const char *name, Iam__InstanceProfile **ret_prof,
			Iam__Role **ret_role)
{
	char key[ENTITY_KEY_MAX];
	struct store_val v;
	Iam__Role *role = NULL;
	size_t klen = entity_key(key, entity_account(c), name, NULL);
	int r = klen ? store_get(c->txn, STORE_DB_INSTANCE_PROFILES, key, klen, &v) : -ENOENT;
	if (r == -ENOENT)
		return call_fail(c, -ENOENT, "NoSuchEntity",
				 "Instance Profile %s cannot be found.", name);
	if (r < 0)
		return op_fail_store(c, r);
	Iam__InstanceProfileRecord *rec =
		iam__instance_profile_record__unpack(&c->pb, v.len, v.data);
	if (!rec || !rec->instance_profile)
		return op_fail_store(c, -EIO);
	for (size_t i = 0; i < rec->n_role_names && !role; i++) {
		r = entity_role_get(c, rec->role_names[i], &role);
		if (r == -ENOENT)
			role = NULL;   /* gone meanwhile: as GetInstanceProfile, skipped */
		else if (r < 0)
			return op_fail_store(c, r);
	}
	*ret_prof = rec->instance_profile;
	*ret_role = role;
	return 0;
}

/* What a caller (uid, gid, unit: all that picks an association) resolved
 * to - the association, its profile and the role - kept while the store
 * is at the generation it was read at (iamd.h: every committed write bumps
 * it), so a caller asking again skips the walk over the associations and
 * the profile and role reads. Only resolutions to a role are kept; the
 * trust policy is evaluated on every call (compiled once per generation:
 * sts_trust_policy_get()). One loop thread: no lock. */
#define RES_CACHE 32
static struct resolved {
	uint64_t generation;
	bool used;
	uid_t uid;
	gid_t gid;
	int rank;
	char *unit;
	char *account_id;         /* the association's; NULL: none */
	char *association_id, *profile_arn;
	char *role_name, *role_id, *role_arn, *trust_doc;
	bool has_max;
	int32_t max;
} res_cache[RES_CACHE];

static struct resolved *res_slot(const struct peer_ident *p)
{
	uint32_t h = 2166136261u;
	for (const char *s = p->unit; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	h = (h ^ (uint32_t)p->uid) * 16777619u;
	h = (h ^ (uint32_t)p->gid) * 16777619u;
	return &res_cache[h % RES_CACHE];
}

static bool res_hit(const struct resolved *e, const struct call *c, const struct peer_ident *p)
{
	return e->used && e->generation == c->d->generation && e->uid == p->uid &&
	       e->gid == p->gid && strcmp(e->unit, p->unit) == 0;
}

static void res_clear(struct resolved *e)
{
	char **fields[] = { &e->unit, &e->account_id, &e->association_id, &e->profile_arn,
			    &e->role_name, &e->role_id, &e->role_arn, &e->trust_doc };
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		free(*fields[i]);
		*fields[i] = NULL;
	}
	e->used = false;
}

static char *dup_or_null(const char *s, bool *fail)
{
	char *d = s ? strdup(s) : NULL;
	if (s && !d)
		*fail = true;
	return d;
}

/* Keeps what the walk found (nothing when out of memory). */
static void res_put(struct resolved *e, const struct call *c, const struct peer_ident *p,
		    int rank, const Iam__HostAssociation *a, const Iam__InstanceProfile *prof,
		    const Iam__Role *role)
{
	bool fail = false;
	res_clear(e);
	e->unit = dup_or_null(p->unit, &fail);
	e->account_id = dup_or_null(a->account_id, &fail);
	e->association_id = dup_or_null(a->association_id, &fail);
	e->profile_arn = dup_or_null(prof->arn, &fail);
	e->role_name = dup_or_null(role->role_name, &fail);
	e->role_id = dup_or_null(role->role_id, &fail);
	e->role_arn = dup_or_null(role->arn, &fail);
	e->trust_doc = dup_or_null(role->assume_role_policy_document, &fail);
	if (fail) {
		res_clear(e);
		return;
	}
	e->generation = c->d->generation;
	e->uid = p->uid;
	e->gid = p->gid;
	e->rank = rank;
	e->has_max = role->has_max_session_duration;
	e->max = role->max_session_duration;
	e->used = true;
}

/* The role as the call uses it, from a kept resolution: its strings in
 * the call's arena (the entry may be replaced before keyd answers), but
 * the trust policy's text, used only before this call returns. */
static int res_role(struct call *c, const struct resolved *e, Iam__Role **ret)
{
	Iam__Role *role = arena_alloc(c->arena, sizeof(*role));
	if (!role)
		return -ENOMEM;
	iam__role__init(role);
	role->role_name = entity_strdup(c, e->role_name);
	role->role_id = entity_strdup(c, e->role_id);
	role->arn = entity_strdup(c, e->role_arn);
	role->assume_role_policy_document = e->trust_doc;
	role->has_max_session_duration = e->has_max;
	role->max_session_duration = e->max;
	if (!role->role_name || !role->role_id || !role->arn)
		return -ENOMEM;
	*ret = role;
	return 0;
}

int op_get_credentials_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	return op_resource_none(c, m, ret);
}

static int denied(struct call *c, const struct peer_ident *p, const char *why)
{
	return call_fail(c, -EACCES, "AccessDenied",
			 "Process %d (uid %u, gid %u, unit %s) cannot get host credentials: %s",
			 (int)p->pid, (unsigned)p->uid, (unsigned)p->gid,
			 p->unit[0] ? p->unit : "none", why);
}

int op_get_credentials(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const struct peer_ident *pp = NULL;
	struct match mm = { 0 };
	struct entity_page pg = { .kind = 'H' };
	Iam__Role *role = NULL;
	bool ok;
	(void)m;
	(void)ret;
	/* through the pidfd taken when the connection was accepted: only the
	 * process that connected is ever identified, never a process that
	 * inherited the socket or later got the same pid */
	int pidfd = c->session ? c->session->pidfd : -1;
	int r = pidfd < 0 ? -EBADF
			  : peer_cache_ident(&c->session->peer, pidfd, c->caller.pid,
					     c->caller.uid, c->caller.gid, &pp);
	if (r == -ESRCH)
		return call_fail(c, -EACCES, "AccessDenied",
				 "The process that opened this connection (pid %d, uid %u) has "
				 "exited: host credentials are issued only to the process "
				 "that connected, never to one that holds its connection "
				 "afterwards; connect again.",
				 (int)c->caller.pid, (unsigned)c->caller.uid);
	if (r < 0)
		return call_fail(c, -EACCES, "AccessDenied",
				 "The calling process (pid %d, uid %u) cannot be identified: %s",
				 (int)c->caller.pid, (unsigned)c->caller.uid,
				 r == -EBADF ? "no pidfd was taken when it connected"
					     : strerror(-r));
	const struct peer_ident *p = pp;
	const char *association_id, *profile_arn;
	int rank;
	struct resolved *e = res_slot(p);
	if (res_hit(e, c, p)) {
		if ((r = res_role(c, e, &role)) < 0)
			return r;
		association_id = entity_strdup(c, e->association_id);
		profile_arn = entity_strdup(c, e->profile_arn);
		if (!association_id || !profile_arn)
			return -ENOMEM;
		rank = e->rank;
		/* the association's account is the call's from here on */
		if (e->account_id && !(c->caller.account_id = entity_strdup(c, e->account_id)))
			return -ENOMEM;
	} else {
		mm.peer = p;
		r = entity_page_walk(c, STORE_DB_HOST_ASSOCIATIONS, "iip-assoc-", &pg, match_visit,
				     &mm);
		if (r < 0)
			return op_fail_store(c, r);
		if (!mm.best)
			return denied(c, p, "no instance profile is associated with it "
					     "(iamctl iamd associate-instance-profile).");
		/* the association's account is the call's from here on */
		if (mm.best->account_id)
			c->caller.account_id = mm.best->account_id;
		Iam__InstanceProfile *prof = NULL;
		r = profile_role(c, mm.best->instance_profile_name, &prof, &role);
		if (r < 0)
			return r;
		if (!role)
			return denied(c, p, "its instance profile has no role.");
		res_put(e, c, p, mm.rank, mm.best, prof, role);
		association_id = mm.best->association_id;
		profile_arn = prof->arn;
		rank = mm.rank;
	}
	r = trust_allows(c, role, p, &ok);
	if (r < 0)
		return op_fail_store(c, r);
	if (!ok)
		return call_fail(c, -EACCES, "AccessDenied",
				 "Process %d (uid %u, unit %s) is not authorized to perform: "
				 "sts:AssumeRole on resource: %s (its trust policy allows neither "
				 HOST_PRINCIPAL " nor " EC2_PRINCIPAL " for this caller)",
				 (int)p->pid, (unsigned)p->uid, p->unit[0] ? p->unit : "none",
				 role->arn);

	struct minted *mt = arena_alloc(c->arena, sizeof(*mt));
	Keyd__SessionClaims *cl = arena_alloc(c->arena, sizeof(*cl));
	if (!mt || !cl)
		return -ENOMEM;
	keyd__session_claims__init(cl);
	mt->claims = cl;
	mt->association_id = association_id;
	mt->profile_arn = profile_arn;
	if ((r = sts_access_key_id_new(c, &cl->access_key_id)) < 0)
		return r;
	char *name = session_name(c, p, rank == 4);
	if (!name)
		return -ENOMEM;
	const char *acct = entity_account(c);
	cl->account = (char *)acct;
	cl->principal_arn = concat(c, (const char *[]){ "arn:aws:sts::", acct, ":assumed-role/",
							role->role_name, "/", name, NULL });
	cl->principal_id = concat(c, (const char *[]){ role->role_id, ":", name, NULL });
	cl->role_arn = role->arn;
	cl->role_id = role->role_id;
	cl->session_name = name;
	cl->has_issued = cl->has_expires = true;
	cl->issued = c->now;
	cl->expires = c->now + (role->has_max_session_duration && role->max_session_duration > 0
					? role->max_session_duration : 3600);
	cl->has_mfa_present = true;
	cl->mfa_present = false;
	cl->has_chained = true;
	cl->chained = false;
	cl->has_kind = true;
	cl->kind = KEYD__SESSION_KIND__ASSUMED_ROLE;
	/* the identity keys travel with the session: every call made with
	 * it has them in its context (sts_session_ctx()) and its audit
	 * record shows them, as EC2's role credentials carry
	 * ec2:SourceInstanceARN */
	cl->has_host_uid = cl->has_host_gid = true;
	cl->host_uid = (uint32_t)p->uid;
	cl->host_gid = (uint32_t)p->gid;
	cl->host_systemd_unit = p->unit[0] ? entity_strdup(c, p->unit) : NULL;
	cl->host_invocation_id = p->invocation_id[0] ? entity_strdup(c, p->invocation_id) : NULL;
	cl->host_exe_path = p->exe[0] ? entity_strdup(c, p->exe) : NULL;
	if ((p->unit[0] && !cl->host_systemd_unit) ||
	    (p->invocation_id[0] && !cl->host_invocation_id) || (p->exe[0] && !cl->host_exe_path))
		return -ENOMEM;
	if (!cl->principal_arn || !cl->principal_id)
		return -ENOMEM;
	Keyd__MintSessionRequest kr = KEYD__MINT_SESSION_REQUEST__INIT;
	kr.claims = cl;
	return call_keyd(c, KEYD__REQUEST__OP_MINT_SESSION, &kr.base, get_credentials_resume, mt);
}
