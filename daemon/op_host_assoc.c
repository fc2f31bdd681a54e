/* op_host_assoc: iamd's host associations (AssociateInstanceProfile,
 * DisassociateInstanceProfile, ListInstanceProfileAssociations; IAM actions
 * iamd:*): an instance profile of an account associated with a selector of
 * local callers, exactly one of a systemd unit name (an fnmatch(3) glob
 * allowed), a uid, a gid or the whole host. The most specific selector that
 * matches a caller wins (unit > uid > gid > host), so two associations of
 * the same kind that could match the same caller are refused here, at
 * association time: the same uid, gid or host twice (EntityAlreadyExists),
 * the same unit pattern twice (EntityAlreadyExists), or two unit patterns
 * where one matches the other's text (InvalidInput). Associations are
 * host-wide records (STORE_DB_HOST_ASSOCIATIONS, keyed by id). */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "entity.h"
#include "iam_instance_profile.pb-c.h"
#include "iamd.h"
#include "ops.h"
#include "util/arena.h"
#include "util/id.h"
#include "util/name.h"

#define ASSOC_PREFIX "iip-assoc-"
#define UNIT_MAX 256

static int fail_invalid(struct call *c, const char *msg)
{
	return call_fail(c, -EINVAL, "InvalidInput", "%s", msg);
}

/* A unit name or glob: 1-256 characters of unit-name characters
 * [A-Za-z0-9:_.\\@-] and the glob characters *?[]!. */
static bool unit_ok(const char *u)
{
	size_t len = strlen(u);
	if (len == 0 || len > UNIT_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = u[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || strchr(":_.\\@-*?[]!", ch)))
			return false;
	}
	return true;
}

static int selector_check(struct call *c, const Iam__HostSelector *s)
{
	if (!s)
		return fail_invalid(c, "Selector must not be null.");
	int n = (s->systemd_unit != NULL) + s->has_uid + s->has_gid + (s->has_host && s->host);
	if (n != 1)
		return fail_invalid(c, "Exactly one of Selector.SystemdUnit, Selector.Uid, "
				       "Selector.Gid and Selector.Host (true) must be given.");
	if (s->systemd_unit && !unit_ok(s->systemd_unit))
		return fail_invalid(c, "Selector.SystemdUnit must be 1-256 characters of "
				       "[A-Za-z0-9:_.\\@-] and the glob characters *?[]!.");
	return 0;
}

/* 0: unrelated; else the error recorded. */
static int selector_conflict(struct call *c, const Iam__HostSelector *a,
			     const Iam__HostAssociation *other)
{
	const Iam__HostSelector *b = other->selector;
	if (!b)
		return 0;
	if (a->systemd_unit && b->systemd_unit) {
		if (strcmp(a->systemd_unit, b->systemd_unit) == 0)
			return call_fail(c, -EEXIST, "EntityAlreadyExists",
					 "An association for unit %s already exists: %s.",
					 a->systemd_unit, other->association_id);
		if (fnmatch(a->systemd_unit, b->systemd_unit, 0) == 0 ||
		    fnmatch(b->systemd_unit, a->systemd_unit, 0) == 0)
			return call_fail(c, -EINVAL, "InvalidInput",
					 "Unit pattern %s overlaps %s of association %s: a "
					 "caller could match both.",
					 a->systemd_unit, b->systemd_unit, other->association_id);
		return 0;
	}
	if (a->has_uid && b->has_uid && a->uid == b->uid)
		return call_fail(c, -EEXIST, "EntityAlreadyExists",
				 "An association for uid %u already exists: %s.", (unsigned)a->uid,
				 other->association_id);
	if (a->has_gid && b->has_gid && a->gid == b->gid)
		return call_fail(c, -EEXIST, "EntityAlreadyExists",
				 "An association for gid %u already exists: %s.", (unsigned)a->gid,
				 other->association_id);
	if (a->has_host && a->host && b->has_host && b->host)
		return call_fail(c, -EEXIST, "EntityAlreadyExists",
				 "An association for the host already exists: %s.",
				 other->association_id);
	return 0;
}

struct assoc_scan {
	const Iam__HostSelector *sel;     /* conflicts with */
	Iam__HostAssociation **items;
	size_t n;
};

static int conflict_visit(struct call *c, const char *suffix, size_t len,
			  const struct store_val *val, bool take, void *userdata)
{
	struct assoc_scan *s = userdata;
	(void)suffix;
	(void)len;
	(void)take;
	Iam__HostAssociation *a = iam__host_association__unpack(&c->pb, val->len, val->data);
	if (!a)
		return -EIO;
	int r = selector_conflict(c, s->sel, a);
	return r < 0 ? r : 0;
}

static int list_visit(struct call *c, const char *suffix, size_t len,
		      const struct store_val *val, bool take, void *userdata)
{
	struct assoc_scan *s = userdata;
	(void)suffix;
	(void)len;
	if (!take)
		return 1;
	Iam__HostAssociation *a = iam__host_association__unpack(&c->pb, val->len, val->data);
	if (!a)
		return -EIO;
	s->items[s->n++] = a;
	return 1;
}

/* ---- AssociateInstanceProfile ---- */

int op_associate_instance_profile_resource(struct call *c, const ProtobufCMessage *m,
					   const char **ret)
{
	const Iam__AssociateInstanceProfileRequest *req =
		(const Iam__AssociateInstanceProfileRequest *)m;
	int r = selector_check(c, req->selector);
	if (r < 0)
		return r;
	/* GetInstanceProfile's resource: the profile's ARN */
	Iam__GetInstanceProfileRequest g = IAM__GET_INSTANCE_PROFILE_REQUEST__INIT;
	g.instance_profile_name = req->instance_profile_name;
	return op_get_instance_profile_resource(c, &g.base, ret);
}

int op_associate_instance_profile(struct call *c, const ProtobufCMessage *m,
				  ProtobufCMessage **ret)
{
	const Iam__AssociateInstanceProfileRequest *req =
		(const Iam__AssociateInstanceProfileRequest *)m;
	Iam__AssociateInstanceProfileResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__HostAssociation *a = arena_alloc(c->arena, sizeof(*a));
	char *id = arena_alloc(c->arena, sizeof(ASSOC_PREFIX) + UTIL_ID_LEN);
	char raw[UTIL_ID_LEN + 1];
	struct entity_page p = { .kind = 'H' };
	struct assoc_scan s = { .sel = req->selector };
	ProtobufCMessage *got;
	if (!resp || !a || !id)
		return -ENOMEM;
	iam__associate_instance_profile_response__init(resp);
	iam__host_association__init(a);
	Iam__GetInstanceProfileRequest g = IAM__GET_INSTANCE_PROFILE_REQUEST__INIT;
	g.instance_profile_name = req->instance_profile_name;
	int r = op_get_instance_profile(c, &g.base, &got);
	if (r < 0)
		return r;
	Iam__InstanceProfile *prof = ((Iam__GetInstanceProfileResponse *)got)->instance_profile;
	r = entity_page_walk(c, STORE_DB_HOST_ASSOCIATIONS, ASSOC_PREFIX, &p, conflict_visit, &s);
	if (r < 0)
		return op_fail_store(c, r);
	r = util_id_new("HRAS", raw);
	if (r < 0)
		return op_fail_store(c, r);
	memcpy(id, ASSOC_PREFIX, sizeof(ASSOC_PREFIX) - 1);
	util_name_fold(id + sizeof(ASSOC_PREFIX) - 1, raw + 4, UTIL_ID_RANDOM);
	id[sizeof(ASSOC_PREFIX) - 1 + UTIL_ID_RANDOM] = '\0';
	a->association_id = id;
	a->selector = req->selector;
	a->instance_profile_name = prof->instance_profile_name;
	a->instance_profile_arn = prof->arn;
	a->account_id = (char *)entity_account(c);
	a->has_create_date = true;
	a->create_date = c->now;
	size_t len = iam__host_association__get_packed_size(a);
	uint8_t *buf = arena_alloc(c->arena, len ? len : 1);
	if (!buf)
		return -ENOMEM;
	iam__host_association__pack(a, buf);
	r = store_put(c->txn, STORE_DB_HOST_ASSOCIATIONS, id, strlen(id), buf, len,
		      STORE_NOOVERWRITE);
	if (r < 0)
		return op_fail_store(c, r);
	resp->association = a;
	*ret = &resp->base;
	return 0;
}

/* ---- DisassociateInstanceProfile ---- */

static bool assoc_id_ok(const char *id)
{
	if (!id || strncmp(id, ASSOC_PREFIX, sizeof(ASSOC_PREFIX) - 1) != 0 ||
	    strlen(id) != sizeof(ASSOC_PREFIX) - 1 + UTIL_ID_RANDOM)
		return false;
	for (const char *s = id + sizeof(ASSOC_PREFIX) - 1; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '2' && *s <= '7')))
			return false;
	return true;
}

static int assoc_get(struct call *c, const char *id, Iam__HostAssociation **ret)
{
	struct store_val v;
	int r = store_get(c->txn, STORE_DB_HOST_ASSOCIATIONS, id, strlen(id), &v);
	if (r == -ENOENT)
		return call_fail(c, r, "NoSuchEntity", "The association %s cannot be found.", id);
	if (r < 0)
		return op_fail_store(c, r);
	Iam__HostAssociation *a = iam__host_association__unpack(&c->pb, v.len, v.data);
	if (!a)
		return op_fail_store(c, -EIO);
	*ret = a;
	return 0;
}

int op_disassociate_instance_profile_resource(struct call *c, const ProtobufCMessage *m,
					      const char **ret)
{
	const Iam__DisassociateInstanceProfileRequest *req =
		(const Iam__DisassociateInstanceProfileRequest *)m;
	Iam__HostAssociation *a = NULL;
	if (!req->association_id)
		return call_fail(c, -EINVAL, "ValidationError",
				 "1 validation error detected: Value null at 'associationId' "
				 "failed to satisfy constraint: Member must not be null");
	if (!assoc_id_ok(req->association_id))
		return fail_invalid(c, "AssociationId must be iip-assoc- and 17 characters "
				       "of a-z2-7.");
	int r = assoc_get(c, req->association_id, &a);
	if (r < 0)
		return r;
	*ret = a->instance_profile_arn;
	return 0;
}

int op_disassociate_instance_profile(struct call *c, const ProtobufCMessage *m,
				     ProtobufCMessage **ret)
{
	const Iam__DisassociateInstanceProfileRequest *req =
		(const Iam__DisassociateInstanceProfileRequest *)m;
	Iam__DisassociateInstanceProfileResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	if (!resp)
		return -ENOMEM;
	iam__disassociate_instance_profile_response__init(resp);
	int r = store_del(c->txn, STORE_DB_HOST_ASSOCIATIONS, req->association_id,
			  strlen(req->association_id));
	if (r == -ENOENT)
		return call_fail(c, r, "NoSuchEntity", "The association %s cannot be found.",
				 req->association_id);
	if (r < 0)
		return op_fail_store(c, r);
	*ret = &resp->base;
	return 0;
}

/* ---- ListInstanceProfileAssociations ---- */

int op_list_instance_profile_associations_resource(struct call *c, const ProtobufCMessage *m,
						   const char **ret)
{
	const Iam__ListInstanceProfileAssociationsRequest *req =
		(const Iam__ListInstanceProfileAssociationsRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	util_name_check_marker(req->marker, "marker", &e);
	util_name_check_max_items(req->has_max_items, req->max_items, "maxItems", &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	return op_resource_none(c, m, ret);
}

int op_list_instance_profile_associations(struct call *c, const ProtobufCMessage *m,
					  ProtobufCMessage **ret)
{
	const Iam__ListInstanceProfileAssociationsRequest *req =
		(const Iam__ListInstanceProfileAssociationsRequest *)m;
	Iam__ListInstanceProfileAssociationsResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	struct entity_page p = { .kind = 'H', .marker = req->marker,
				 .has_max = req->has_max_items, .max = req->max_items };
	int32_t max = p.has_max ? p.max : UTIL_MAX_ITEMS_DEFAULT;
	struct assoc_scan s = { 0 };
	s.items = arena_alloc(c->arena, sizeof(*s.items) * (size_t)(max + 1));
	if (!resp || !s.items)
		return -ENOMEM;
	iam__list_instance_profile_associations_response__init(resp);
	int r = entity_page_walk(c, STORE_DB_HOST_ASSOCIATIONS, ASSOC_PREFIX, &p, list_visit, &s);
	if (r < 0)
		return op_fail_store(c, r);
	resp->associations = s.items;
	resp->n_associations = s.n;
	resp->has_is_truncated = true;
	resp->is_truncated = p.truncated;
	resp->marker = p.next_marker;
	*ret = &resp->base;
	return 0;
}
