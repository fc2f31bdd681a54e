/* op_mfa_list: ListMFADevices, ListVirtualMFADevices (by AssignmentStatus),
 * TagMFADevice, UntagMFADevice, ListMFADeviceTags, and the counts of
 * GetAccountSummary (op_mfa_count). op_mfa.h. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "entity.h"
#include "op_mfa.h"
#include "ops.h"
#include "store.pb-c.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/name.h"

struct mfa_count {
	size_t all, in_use;
};

static int count_visit(struct call *c, const char *suffix, size_t len,
		       const struct store_val *val, bool take, void *userdata)
{
	struct mfa_count *n = userdata;
	(void)suffix;
	(void)len;
	(void)take;
	Iam__MFADeviceRecord *rec = iam__mfadevice_record__unpack(&c->pb, val->len, val->data);
	if (!rec)
		return -EIO;
	n->all++;
	n->in_use += rec->user_id != NULL;
	return 0;   /* never taken: the walk sees every device */
}

int op_mfa_count(struct call *c, size_t *ret_all, size_t *ret_in_use)
{
	struct mfa_count n = { 0 };
	struct entity_page p = { .kind = 'C' };
	char prefix[ENTITY_KEY_MAX];
	if (!entity_key(prefix, entity_account(c), "", NULL))
		return -EINVAL;
	int r = entity_page_walk(c, STORE_DB_MFA_DEVICES, prefix, &p, count_visit, &n);
	if (r < 0)
		return r;
	*ret_all = n.all;
	*ret_in_use = n.in_use;
	return 0;
}

/* The device as ListVirtualMFADevices answers it. */
static int dev_render(struct call *c, const Iam__MFADeviceRecord *rec,
		      Iam__VirtualMFADevice **ret)
{
	Iam__VirtualMFADevice *d = arena_alloc(c->arena, sizeof(*d));
	if (!d)
		return -ENOMEM;
	iam__virtual_mfadevice__init(d);
	d->serial_number = rec->serial_number;
	d->tags = rec->tags;
	d->n_tags = rec->n_tags;
	if (rec->user_id) {
		Iam__User *u;
		int r = op_user_by_id(c, rec->user_id, &u);
		if (r < 0 && r != -ENOENT)
			return r;
		if (r == 0)
			d->user = op_user_brief(c, u);
		d->has_enable_date = rec->has_enable_date;
		d->enable_date = rec->enable_date;
	}
	*ret = d;
	return 0;
}

/* ---- ListMFADevices, ListVirtualMFADevices ---- */

struct list_devices {
	const char *status;                  /* Assigned, Unassigned, Any */
	Iam__VirtualMFADevice **virt;
	Iam__MFADevice **mfa;
	const char *user_name;
	size_t n;
};

static int virtual_visit(struct call *c, const char *suffix, size_t len,
			 const struct store_val *val, bool take, void *userdata)
{
	struct list_devices *l = userdata;
	(void)suffix;
	(void)len;
	Iam__MFADeviceRecord *rec = iam__mfadevice_record__unpack(&c->pb, val->len, val->data);
	if (!rec || !rec->serial_number)
		return -EIO;
	bool assigned = rec->user_id != NULL;
	if ((strcmp(l->status, "Assigned") == 0 && !assigned) ||
	    (strcmp(l->status, "Unassigned") == 0 && assigned))
		return 0;
	if (take) {
		int r = dev_render(c, rec, &l->virt[l->n]);
		if (r < 0)
			return r;
		l->n++;
	}
	return 1;
}

/* The index's suffix is lower(device name): the device is read by it. */
static int user_visit(struct call *c, const char *suffix, size_t len,
		      const struct store_val *val, bool take, void *userdata)
{
	struct list_devices *l = userdata;
	Iam__MFADeviceRecord *rec;
	(void)val;
	if (!take)
		return 1;
	char *name = arena_strndup(c->arena, suffix, len);
	Iam__MFADevice *d = arena_alloc(c->arena, sizeof(*d));
	if (!name || !d)
		return -ENOMEM;
	int r = mfa_dev_get(c, name, &rec);
	if (r < 0)
		return r == -ENOENT ? -EIO : r;
	iam__mfadevice__init(d);
	d->user_name = (char *)l->user_name;
	d->serial_number = rec->serial_number;
	d->has_enable_date = rec->has_enable_date;
	d->enable_date = rec->enable_date;
	l->mfa[l->n++] = d;
	return 1;
}

int op_list_mfa_devices_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__ListMFADevicesRequest *q = (const Iam__ListMFADevicesRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	int r = mfa_list_check(c, q->marker, q->has_max_items, q->max_items, &e);
	if (r < 0)
		return r;
	return mfa_user_resource(c, q->user_name, false, &e, ret);
}

int op_list_mfa_devices(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__ListMFADevicesRequest *q = (const Iam__ListMFADevicesRequest *)m;
	Iam__ListMFADevicesResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	struct entity_page p = { .kind = 'M', .marker = q->marker,
				 .has_max = q->has_max_items, .max = q->max_items };
	int32_t max = p.has_max ? p.max : UTIL_MAX_ITEMS_DEFAULT;
	struct list_devices l = { 0 };
	char prefix[ENTITY_KEY_MAX];
	Iam__User *u;
	if (!resp)
		return -ENOMEM;
	iam__list_mfadevices_response__init(resp);
	int r = mfa_user_resolve(c, q->user_name, &u);
	if (r < 0)
		return r;
	l.user_name = u->user_name;
	l.mfa = arena_alloc(c->arena, sizeof(*l.mfa) * (size_t)(max + 1));
	if (!l.mfa || !entity_key(prefix, u->user_id, "", NULL))
		return -ENOMEM;
	r = entity_page_walk(c, STORE_DB_USER_MFA_DEVICES, prefix, &p, user_visit, &l);
	if (r < 0)
		return op_fail_store(c, r);
	resp->mfa_devices = l.mfa;
	resp->n_mfa_devices = l.n;
	resp->has_is_truncated = true;
	resp->is_truncated = p.truncated;
	resp->marker = p.next_marker;
	*ret = &resp->base;
	return 0;
}

int op_list_virtual_mfa_devices_resource(struct call *c, const ProtobufCMessage *m,
					 const char **ret)
{
	const Iam__ListVirtualMFADevicesRequest *q = (const Iam__ListVirtualMFADevicesRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	if (q->assignment_status && strcmp(q->assignment_status, "Assigned") != 0 &&
	    strcmp(q->assignment_status, "Unassigned") != 0 &&
	    strcmp(q->assignment_status, "Any") != 0)
		util_verr_add(&e, "assignmentStatus", q->assignment_status,
			      "Member must satisfy enum value set: [Unassigned, Any, Assigned]");
	int r = mfa_list_check(c, q->marker, q->has_max_items, q->max_items, &e);
	if (r < 0)
		return r;
	*ret = "*";
	return 0;
}

int op_list_virtual_mfa_devices(struct call *c, const ProtobufCMessage *m,
				ProtobufCMessage **ret)
{
	const Iam__ListVirtualMFADevicesRequest *q = (const Iam__ListVirtualMFADevicesRequest *)m;
	Iam__ListVirtualMFADevicesResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	struct entity_page p = { .kind = 'V', .marker = q->marker,
				 .has_max = q->has_max_items, .max = q->max_items };
	int32_t max = p.has_max ? p.max : UTIL_MAX_ITEMS_DEFAULT;
	struct list_devices l = { .status = q->assignment_status ? q->assignment_status : "Any" };
	char prefix[ENTITY_KEY_MAX];
	l.virt = arena_alloc(c->arena, sizeof(*l.virt) * (size_t)(max + 1));
	if (!resp || !l.virt || !entity_key(prefix, entity_account(c), "", NULL))
		return -ENOMEM;
	iam__list_virtual_mfadevices_response__init(resp);
	int r = entity_page_walk(c, STORE_DB_MFA_DEVICES, prefix, &p, virtual_visit, &l);
	if (r < 0)
		return op_fail_store(c, r);
	resp->virtual_mfa_devices = l.virt;
	resp->n_virtual_mfa_devices = l.n;
	resp->has_is_truncated = true;
	resp->is_truncated = p.truncated;
	resp->marker = p.next_marker;
	*ret = &resp->base;
	return 0;
}

/* ---- TagMFADevice, UntagMFADevice, ListMFADeviceTags ---- */

int op_tag_mfa_device_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__TagMFADeviceRequest *q = (const Iam__TagMFADeviceRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	entity_tags_check(q->tags, q->n_tags, &e);
	return mfa_serial_resource(c, q->serial_number, &e, ret);
}

int op_tag_mfa_device(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__TagMFADeviceRequest *q = (const Iam__TagMFADeviceRequest *)m;
	Iam__TagMFADeviceResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__MFADeviceRecord *rec;
	if (!resp)
		return -ENOMEM;
	iam__tag_mfadevice_response__init(resp);
	int r = mfa_dev_load(c, q->serial_number, &rec);
	if (r < 0)
		return r;
	r = entity_tags_merge(c, &rec->tags, &rec->n_tags, q->tags, q->n_tags);
	if (r < 0 || (r = mfa_dev_put(c, rec, false)) < 0)
		return op_fail_store(c, r);
	*ret = &resp->base;
	return 0;
}

int op_untag_mfa_device_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__UntagMFADeviceRequest *q = (const Iam__UntagMFADeviceRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	entity_tag_keys_check(q->tag_keys, q->n_tag_keys, &e);
	return mfa_serial_resource(c, q->serial_number, &e, ret);
}

int op_untag_mfa_device(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__UntagMFADeviceRequest *q = (const Iam__UntagMFADeviceRequest *)m;
	Iam__UntagMFADeviceResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__MFADeviceRecord *rec;
	if (!resp)
		return -ENOMEM;
	iam__untag_mfadevice_response__init(resp);
	int r = mfa_dev_load(c, q->serial_number, &rec);
	if (r < 0)
		return r;
	if (entity_tags_untag(rec->tags, &rec->n_tags, q->tag_keys, q->n_tag_keys) > 0 &&
	    (r = mfa_dev_put(c, rec, false)) < 0)
		return op_fail_store(c, r);
	*ret = &resp->base;
	return 0;
}

int op_list_mfa_device_tags_resource(struct call *c, const ProtobufCMessage *m,
				     const char **ret)
{
	const Iam__ListMFADeviceTagsRequest *q = (const Iam__ListMFADeviceTagsRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	util_name_check_marker(q->marker, "marker", &e);
	util_name_check_max_items(q->has_max_items, q->max_items, "maxItems", &e);
	return mfa_serial_resource(c, q->serial_number, &e, ret);
}

int op_list_mfa_device_tags(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__ListMFADeviceTagsRequest *q = (const Iam__ListMFADeviceTagsRequest *)m;
	Iam__ListMFADeviceTagsResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__MFADeviceRecord *rec;
	struct entity_tag_page p;
	if (!resp)
		return -ENOMEM;
	iam__list_mfadevice_tags_response__init(resp);
	int r = mfa_dev_load(c, q->serial_number, &rec);
	if (r < 0)
		return r;
	r = entity_tags_page(c, rec->tags, rec->n_tags, q->marker, q->has_max_items,
			     q->max_items, &p);
	if (r < 0)
		return r;
	resp->tags = p.tags;
	resp->n_tags = p.n_tags;
	resp->has_is_truncated = true;
	resp->is_truncated = p.truncated;
	resp->marker = p.marker;
	*ret = &resp->base;
	return 0;
}
