/* op_mfa: virtual MFA devices (docs/mfa.md): CreateVirtualMFADevice,
 * EnableMFADevice, DeactivateMFADevice, ResyncMFADevice,
 * DeleteVirtualMFADevice, ListMFADevices, ListVirtualMFADevices,
 * TagMFADevice, UntagMFADevice, ListMFADeviceTags with AWS's semantics,
 * limits and errors; and the check of SerialNumber/TokenCode for STS
 * (op_mfa_sts_verify, ops.h).
 *
 * A device's record (STORE_DB_MFA_DEVICES, account "/" lower(name)) holds
 * no seed: iam-keyd derives it from its master key and the record's nonce
 * (CreateMfaSeed answers it once, at creation) and checks codes itself
 * (VerifyTotp). The record keeps the last TOTP step used, so a code is
 * accepted once, and the device's drift (EnableMFADevice, ResyncMFADevice).
 * STORE_DB_USER_MFA_DEVICES (user id "/" lower(name)) lists a user's
 * devices: ListMFADevices, the per-user quota and DeleteUser's conflict. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "authn.h"
#include "dispatch.h"
#include "entity.h"
#include "iam_mfa.pb-c.h"
#include "iamd.h"
#include "keyd_client.h"
#include "ops.h"
#include "sd.h"
#include "store.pb-c.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/name.h"

#define MFA_NAME_MAX 226
#define MFA_PER_USER 8
#define MFA_NONCE_LEN 16
#define ENABLE_WINDOW 10          /* steps either side for two codes */
#define RESYNC_WINDOW 40

/* ---- checks, keys, records ---- */

static void name_check(const char *v, const char *field, struct util_verr *e)
{
	if (!v) {
		util_verr_add(e, field, NULL, "Member must not be null");
		return;
	}
	size_t len = strlen(v);
	bool bad = false;
	for (size_t i = 0; i < len; i++) {
		char ch = v[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || strchr("_+=,.@-", ch)))
			bad = true;
	}
	if (len == 0)
		util_verr_add(e, field, v, "Member must have length greater than or equal to 1");
	else if (len > MFA_NAME_MAX)
		util_verr_add(e, field, v, "Member must have length less than or equal to %d",
			      MFA_NAME_MAX);
	else if (bad)
		util_verr_add(e, field, v,
			      "Member must satisfy regular expression pattern: [\\w+=,.@-]+");
}

static void serial_check(const char *v, struct util_verr *e)
{
	if (!v) {
		util_verr_add(e, "serialNumber", NULL, "Member must not be null");
		return;
	}
	size_t len = strlen(v);
	bool bad = false;
	for (size_t i = 0; i < len; i++) {
		char ch = v[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || strchr("_+=/:,.@-", ch)))
			bad = true;
	}
	if (len < 9)
		util_verr_add(e, "serialNumber", v,
			      "Member must have length greater than or equal to 9");
	else if (len > 256)
		util_verr_add(e, "serialNumber", v,
			      "Member must have length less than or equal to 256");
	else if (bad)
		util_verr_add(e, "serialNumber", v,
			      "Member must satisfy regular expression pattern: [\\w+=/:,.@-]+");
}

/* A secret: the value is never echoed in the message. */
static void code_check(const char *v, const char *field, struct util_verr *e)
{
	if (!v) {
		util_verr_add(e, field, NULL, "Member must not be null");
		return;
	}
	size_t len = strlen(v);
	bool digits = len > 0;
	for (size_t i = 0; i < len; i++)
		digits &= v[i] >= '0' && v[i] <= '9';
	if (len != 6)
		util_verr_add(e, field, "******", "Member must have length equal to 6");
	else if (!digits)
		util_verr_add(e, field, "******",
			      "Member must satisfy regular expression pattern: [\\d]+");
}

static char *mfa_arn(struct call *c, const char *path, const char *name)
{
	return arena_printf(c->arena, "arn:aws:iam::%s:mfa%s%s", entity_account(c),
			    path ? path : "/", name);
}

/* The device name of a serial number of this account, or NULL. */
static const char *serial_name(struct call *c, const char *serial)
{
	char *prefix = arena_printf(c->arena, "arn:aws:iam::%s:mfa/", entity_account(c));
	if (!prefix || !serial || !util_str_has_prefix(serial, prefix))
		return NULL;
	const char *name = strrchr(serial, '/') + 1;
	return *name ? name : NULL;
}

static int fail_no_device(struct call *c, const char *serial)
{
	return call_fail(c, -ENOENT, "NoSuchEntity",
			 "MFA Device with serial number %s does not exist.", serial);
}

static int dev_get(struct call *c, const char *name, Iam__MFADeviceRecord **ret)
{
	char key[ENTITY_KEY_MAX];
	struct store_val v;
	size_t klen = entity_key(key, entity_account(c), name, NULL);
	if (!klen)
		return -ENOENT;
	int r = store_get(c->txn, STORE_DB_MFA_DEVICES, key, klen, &v);
	if (r < 0)
		return r;
	Iam__MFADeviceRecord *rec = iam__mfadevice_record__unpack(&c->pb, v.len, v.data);
	if (!rec || !rec->serial_number || !rec->name || !rec->has_nonce)
		return -EIO;
	*ret = rec;
	return 0;
}

/* The device a serial number names (NoSuchEntity recorded when none). */
static int dev_load(struct call *c, const char *serial, Iam__MFADeviceRecord **ret)
{
	const char *name = serial_name(c, serial);
	if (!name)
		return fail_no_device(c, serial);
	int r = dev_get(c, name, ret);
	if (r == 0 && strcmp((*ret)->serial_number, serial) != 0)
		r = -ENOENT;   /* same name, another path */
	if (r == -ENOENT)
		return fail_no_device(c, serial);
	return r < 0 ? op_fail_store(c, r) : 0;
}

static int dev_put(struct call *c, const Iam__MFADeviceRecord *rec, bool create)
{
	char key[ENTITY_KEY_MAX];
	size_t klen = entity_key(key, entity_account(c), rec->name, NULL);
	if (!klen)
		return -EINVAL;
	size_t len = iam__mfadevice_record__get_packed_size(rec);
	uint8_t *buf = arena_alloc(c->arena, len ? len : 1);
	if (!buf)
		return -ENOMEM;
	iam__mfadevice_record__pack(rec, buf);
	return store_put(c->txn, STORE_DB_MFA_DEVICES, key, klen, buf, len,
			 create ? STORE_NOOVERWRITE : 0);
}

static int index_set(struct call *c, const char *user_id, const char *name, bool add)
{
	char key[ENTITY_KEY_MAX];
	size_t klen = entity_key(key, user_id, name, NULL);
	if (!klen)
		return -EINVAL;
	if (add)
		return store_put(c->txn, STORE_DB_USER_MFA_DEVICES, key, klen, "", 0, 0);
	int r = store_del(c->txn, STORE_DB_USER_MFA_DEVICES, key, klen);
	return r == -ENOENT ? 0 : r;
}

static int user_device_count(struct call *c, const char *user_id, size_t *ret)
{
	struct store_cursor *cur = NULL;
	struct store_val k;
	char prefix[ENTITY_KEY_MAX];
	size_t n = 0;
	size_t plen = entity_key(prefix, user_id, "", NULL);
	if (!plen)
		return -EINVAL;
	int r = store_cursor_open(c->txn, STORE_DB_USER_MFA_DEVICES, &cur);
	if (r < 0)
		return r;
	r = store_cursor_seek(cur, prefix, plen, &k, NULL);
	while (r == 0 && k.len >= plen && memcmp(k.data, prefix, plen) == 0) {
		n++;
		r = store_cursor_next(cur, &k, NULL);
	}
	store_cursor_close(cur);
	if (r < 0 && r != -ENOENT)
		return r;
	*ret = n;
	return 0;
}

int op_mfa_user_has_device(struct call *c, const char *user_id, bool *ret)
{
	size_t n = 0;
	int r = user_device_count(c, user_id, &n);
	if (r < 0)
		return r;
	*ret = n > 0;
	return 0;
}

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

static int user_by_id(struct call *c, const char *user_id, Iam__User **ret)
{
	struct store_val v;
	int r = store_get(c->txn, STORE_DB_USER_IDS, user_id, strlen(user_id), &v);
	if (r < 0)
		return r;
	char *key = arena_strndup(c->arena, v.data, v.len);
	if (!key)
		return -ENOMEM;
	r = store_get(c->txn, STORE_DB_USERS, key, strlen(key), &v);
	if (r < 0)
		return r;
	Iam__UserRecord *rec = iam__user_record__unpack(&c->pb, v.len, v.data);
	if (!rec || !rec->user)
		return -EIO;
	*ret = rec->user;
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
		int r = user_by_id(c, rec->user_id, &u);
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

/* The user an action names, or the caller (a user, or a user's
 * GetSessionToken session). */
static int user_resolve(struct call *c, const char *user_name, Iam__User **ret)
{
	if (!user_name && c->caller.kind == CALLER_USER)
		user_name = c->caller.user_name;
	if (!user_name)
		return call_fail(c, -EINVAL, "ValidationError",
				 "Must specify userName when calling with non-User credentials");
	return op_user_load(c, user_name, ret);
}

static int user_resource(struct call *c, const char *user_name, bool required,
			 struct util_verr *e, const char **ret)
{
	Iam__User *u;
	util_name_check_user(user_name, "userName", required, e);
	int r = entity_verr_fail(c, e);
	if (r < 0)
		return r;
	if (!user_name && c->caller.kind != CALLER_USER) {
		*ret = "*";   /* the handler answers ValidationError */
		return 0;
	}
	r = user_resolve(c, user_name, &u);
	if (r < 0)
		return r;
	*ret = u->arn;
	return 0;
}

static int serial_resource(struct call *c, const char *serial, struct util_verr *e,
			   const char **ret)
{
	serial_check(serial, e);
	int r = entity_verr_fail(c, e);
	if (r < 0)
		return r;
	*ret = arena_strdup(c->arena, serial);
	return *ret ? 0 : -ENOMEM;
}

static int list_check(struct call *c, const char *marker, bool has_max, int32_t max,
		      struct util_verr *e)
{
	util_name_check_marker(marker, "marker", e);
	util_name_check_max_items(has_max, max, "maxItems", e);
	return entity_verr_fail(c, e);
}

/* ---- CreateVirtualMFADevice ---- */

int op_create_virtual_mfa_device_resource(struct call *c, const ProtobufCMessage *m,
					  const char **ret)
{
	const Iam__CreateVirtualMFADeviceRequest *req =
		(const Iam__CreateVirtualMFADeviceRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	util_name_check_path(req->path, "path", &e);
	name_check(req->virtual_mfa_device_name, "virtualMFADeviceName", &e);
	entity_tags_check(req->tags, req->n_tags, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	*ret = mfa_arn(c, req->path, req->virtual_mfa_device_name);
	return *ret ? 0 : -ENOMEM;
}

static int fail_exists(struct call *c)
{
	return call_fail(c, -EEXIST, "EntityAlreadyExists",
			 "MFADevice entity at the same path and name already exists.");
}

static int create_resume(struct call *c, void *state, const struct keyd_reply *rep,
			 ProtobufCMessage **ret)
{
	Iam__MFADeviceRecord *rec = state;
	if (rep->err || rep->code != KEYD__CODE__OK || !rep->result)
		return call_keyd_fail(c, rep);
	const Keyd__CreateMfaSeedResponse *k = (const Keyd__CreateMfaSeedResponse *)rep->result;
	if (!k->base32_seed || strlen(k->base32_seed) != 32 || !k->has_key_version)
		return call_fail(c, -EPROTO, "ServiceFailure", NULL);
	rec->has_key_version = true;
	rec->key_version = k->key_version;
	int r = dev_put(c, rec, true);
	if (r == -EEXIST)
		return fail_exists(c);
	if (r < 0)
		return op_fail_store(c, r);
	Iam__CreateVirtualMFADeviceResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__VirtualMFADevice *d = arena_alloc(c->arena, sizeof(*d));
	char *seed = arena_strdup(c->arena, k->base32_seed);
	if (!resp || !d || !seed)
		return -ENOMEM;
	iam__create_virtual_mfadevice_response__init(resp);
	iam__virtual_mfadevice__init(d);
	d->serial_number = rec->serial_number;
	d->has_base32_string_seed = true;
	d->base32_string_seed.data = (uint8_t *)seed;
	d->base32_string_seed.len = strlen(seed);
	d->tags = rec->tags;
	d->n_tags = rec->n_tags;
	resp->virtual_mfa_device = d;
	*ret = &resp->base;
	return 0;
}

int op_create_virtual_mfa_device(struct call *c, const ProtobufCMessage *m,
				 ProtobufCMessage **ret)
{
	const Iam__CreateVirtualMFADeviceRequest *req =
		(const Iam__CreateVirtualMFADeviceRequest *)m;
	Iam__MFADeviceRecord *rec = arena_alloc(c->arena, sizeof(*rec)), *old;
	uint8_t *nonce = arena_alloc(c->arena, MFA_NONCE_LEN);
	(void)ret;
	if (!rec || !nonce)
		return -ENOMEM;
	int r = dev_get(c, req->virtual_mfa_device_name, &old);
	if (r == 0)
		return fail_exists(c);
	if (r != -ENOENT)
		return op_fail_store(c, r);
	if (getrandom(nonce, MFA_NONCE_LEN, 0) != MFA_NONCE_LEN)
		return call_fail(c, -EIO, "ServiceFailure", NULL);
	iam__mfadevice_record__init(rec);
	rec->path = entity_strdup(c, req->path ? req->path : "/");
	rec->name = entity_strdup(c, req->virtual_mfa_device_name);
	rec->serial_number = mfa_arn(c, req->path, req->virtual_mfa_device_name);
	rec->has_nonce = true;
	rec->nonce.data = nonce;
	rec->nonce.len = MFA_NONCE_LEN;
	rec->has_create_date = true;
	rec->create_date = c->now;
	rec->has_last_step = true;
	rec->last_step = -1;
	if (!rec->path || !rec->name || !rec->serial_number)
		return -ENOMEM;
	if (req->n_tags && (r = entity_tags_merge(c, &rec->tags, &rec->n_tags, req->tags,
						   req->n_tags)) < 0)
		return r;
	Keyd__CreateMfaSeedRequest kr = KEYD__CREATE_MFA_SEED_REQUEST__INIT;
	kr.has_nonce = true;
	kr.nonce.data = nonce;
	kr.nonce.len = MFA_NONCE_LEN;
	return call_keyd(c, KEYD__REQUEST__OP_CREATE_MFA_SEED, &kr.base, create_resume, rec);
}

/* ---- EnableMFADevice, ResyncMFADevice: two consecutive codes ---- */

struct pair_state {
	const char *serial;
	const char *user_name;
	bool enable;
};

static int fail_bad_code(struct call *c)
{
	return call_fail(c, -EINVAL, "InvalidAuthenticationCode",
			 "Authentication code for device is not valid.");
}

static int pair_resource(struct call *c, const char *user_name, const char *serial,
			 const char *code1, const char *code2, const char **ret)
{
	struct util_verr e;
	util_verr_init(&e);
	serial_check(serial, &e);
	code_check(code1, "authenticationCode1", &e);
	code_check(code2, "authenticationCode2", &e);
	return user_resource(c, user_name, true, &e, ret);
}

static int pair_resume(struct call *c, void *state, const struct keyd_reply *rep,
		       ProtobufCMessage **ret)
{
	struct pair_state *st = state;
	Iam__MFADeviceRecord *rec;
	Iam__User *u;
	if (rep->err || rep->code != KEYD__CODE__OK || !rep->result)
		return call_keyd_fail(c, rep);
	const Keyd__VerifyTotpResponse *k = (const Keyd__VerifyTotpResponse *)rep->result;
	if (!k->valid || !k->has_step)
		return fail_bad_code(c);
	/* read again: the device or the user may have changed meanwhile */
	int r = op_user_load(c, st->user_name, &u);
	if (r < 0 || (r = dev_load(c, st->serial, &rec)) < 0)
		return r;
	if (rec->has_last_step && k->step <= rec->last_step)
		return fail_bad_code(c);
	if (st->enable) {
		size_t n = 0;
		if (rec->user_id)
			return call_fail(c, -EEXIST, "EntityAlreadyExists",
					 "MFA Device is already in use.");
		if ((r = user_device_count(c, u->user_id, &n)) < 0)
			return op_fail_store(c, r);
		if (n >= MFA_PER_USER)
			return call_fail(c, -EDQUOT, "LimitExceeded",
					 "Cannot exceed quota for MFADevicesPerUser: %d.",
					 MFA_PER_USER);
		rec->user_id = u->user_id;
		rec->has_enable_date = true;
		rec->enable_date = c->now;
		if ((r = index_set(c, u->user_id, rec->name, true)) < 0)
			return op_fail_store(c, r);
	} else if (!rec->user_id || strcmp(rec->user_id, u->user_id) != 0) {
		return fail_no_device(c, st->serial);
	}
	rec->has_last_step = rec->has_drift = true;
	rec->last_step = k->step;
	rec->drift = k->has_drift ? k->drift : 0;
	if ((r = dev_put(c, rec, false)) < 0)
		return op_fail_store(c, r);
	if (st->enable) {
		Iam__EnableMFADeviceResponse *resp = arena_alloc(c->arena, sizeof(*resp));
		if (!resp)
			return -ENOMEM;
		iam__enable_mfadevice_response__init(resp);
		*ret = &resp->base;
	} else {
		Iam__ResyncMFADeviceResponse *resp = arena_alloc(c->arena, sizeof(*resp));
		if (!resp)
			return -ENOMEM;
		iam__resync_mfadevice_response__init(resp);
		*ret = &resp->base;
	}
	return 0;
}

static int pair_start(struct call *c, const char *user_name, const char *serial,
		      const char *code1, const char *code2, bool enable)
{
	struct pair_state *st = arena_zalloc(c->arena, sizeof(*st));
	Iam__MFADeviceRecord *rec;
	Iam__User *u;
	if (!st)
		return -ENOMEM;
	int r = op_user_load(c, user_name, &u);
	if (r < 0 || (r = dev_load(c, serial, &rec)) < 0)
		return r;
	if (enable && rec->user_id)
		return call_fail(c, -EEXIST, "EntityAlreadyExists", "MFA Device is already in use.");
	if (!enable && (!rec->user_id || strcmp(rec->user_id, u->user_id) != 0))
		return fail_no_device(c, serial);
	if (enable) {
		size_t n = 0;
		if ((r = user_device_count(c, u->user_id, &n)) < 0)
			return op_fail_store(c, r);
		if (n >= MFA_PER_USER)
			return call_fail(c, -EDQUOT, "LimitExceeded",
					 "Cannot exceed quota for MFADevicesPerUser: %d.",
					 MFA_PER_USER);
	}
	st->serial = serial;
	st->user_name = u->user_name;
	st->enable = enable;
	Keyd__VerifyTotpRequest kr = KEYD__VERIFY_TOTP_REQUEST__INIT;
	kr.has_nonce = kr.has_key_version = kr.has_window = true;
	kr.nonce = rec->nonce;
	kr.key_version = rec->key_version;
	kr.code = (char *)code1;
	kr.next_code = (char *)code2;
	kr.window = enable ? ENABLE_WINDOW : RESYNC_WINDOW;
	kr.has_drift = !enable && rec->has_drift;
	kr.drift = rec->drift;
	kr.has_last_step = rec->has_last_step && rec->last_step >= 0;
	kr.last_step = rec->last_step;
	return call_keyd(c, KEYD__REQUEST__OP_VERIFY_TOTP, &kr.base, pair_resume, st);
}

int op_enable_mfa_device_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__EnableMFADeviceRequest *q = (const Iam__EnableMFADeviceRequest *)m;
	return pair_resource(c, q->user_name, q->serial_number, q->authentication_code1,
			     q->authentication_code2, ret);
}

int op_enable_mfa_device(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__EnableMFADeviceRequest *q = (const Iam__EnableMFADeviceRequest *)m;
	(void)ret;
	return pair_start(c, q->user_name, q->serial_number, q->authentication_code1,
			  q->authentication_code2, true);
}

int op_resync_mfa_device_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__ResyncMFADeviceRequest *q = (const Iam__ResyncMFADeviceRequest *)m;
	return pair_resource(c, q->user_name, q->serial_number, q->authentication_code1,
			     q->authentication_code2, ret);
}

int op_resync_mfa_device(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__ResyncMFADeviceRequest *q = (const Iam__ResyncMFADeviceRequest *)m;
	(void)ret;
	return pair_start(c, q->user_name, q->serial_number, q->authentication_code1,
			  q->authentication_code2, false);
}

/* ---- DeactivateMFADevice ---- */

int op_deactivate_mfa_device_resource(struct call *c, const ProtobufCMessage *m,
				      const char **ret)
{
	const Iam__DeactivateMFADeviceRequest *q = (const Iam__DeactivateMFADeviceRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	serial_check(q->serial_number, &e);
	return user_resource(c, q->user_name, false, &e, ret);
}

int op_deactivate_mfa_device(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__DeactivateMFADeviceRequest *q = (const Iam__DeactivateMFADeviceRequest *)m;
	Iam__DeactivateMFADeviceResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__MFADeviceRecord *rec;
	Iam__User *u;
	if (!resp)
		return -ENOMEM;
	iam__deactivate_mfadevice_response__init(resp);
	int r = user_resolve(c, q->user_name, &u);
	if (r < 0 || (r = dev_load(c, q->serial_number, &rec)) < 0)
		return r;
	if (!rec->user_id || strcmp(rec->user_id, u->user_id) != 0)
		return fail_no_device(c, q->serial_number);
	if ((r = index_set(c, u->user_id, rec->name, false)) < 0)
		return op_fail_store(c, r);
	rec->user_id = NULL;
	rec->has_enable_date = false;
	rec->has_drift = false;
	rec->drift = 0;
	/* last_step stays: a code used before is not accepted again */
	if ((r = dev_put(c, rec, false)) < 0)
		return op_fail_store(c, r);
	*ret = &resp->base;
	return 0;
}

/* ---- DeleteVirtualMFADevice ---- */

int op_delete_virtual_mfa_device_resource(struct call *c, const ProtobufCMessage *m,
					  const char **ret)
{
	struct util_verr e;
	util_verr_init(&e);
	return serial_resource(c, ((const Iam__DeleteVirtualMFADeviceRequest *)m)->serial_number,
			       &e, ret);
}

int op_delete_virtual_mfa_device(struct call *c, const ProtobufCMessage *m,
				 ProtobufCMessage **ret)
{
	const Iam__DeleteVirtualMFADeviceRequest *q = (const Iam__DeleteVirtualMFADeviceRequest *)m;
	Iam__DeleteVirtualMFADeviceResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__MFADeviceRecord *rec;
	char key[ENTITY_KEY_MAX];
	if (!resp)
		return -ENOMEM;
	iam__delete_virtual_mfadevice_response__init(resp);
	int r = dev_load(c, q->serial_number, &rec);
	if (r < 0)
		return r;
	if (rec->user_id)
		return call_fail(c, -ENOTEMPTY, "DeleteConflict",
				 "MFA VirtualDevice in use. Must deactivate first.");
	size_t klen = entity_key(key, entity_account(c), rec->name, NULL);
	if ((r = store_del(c->txn, STORE_DB_MFA_DEVICES, key, klen)) < 0)
		return op_fail_store(c, r);
	*ret = &resp->base;
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
	int r = dev_get(c, name, &rec);
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
	int r = list_check(c, q->marker, q->has_max_items, q->max_items, &e);
	if (r < 0)
		return r;
	return user_resource(c, q->user_name, false, &e, ret);
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
	int r = user_resolve(c, q->user_name, &u);
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
	int r = list_check(c, q->marker, q->has_max_items, q->max_items, &e);
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
	return serial_resource(c, q->serial_number, &e, ret);
}

int op_tag_mfa_device(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__TagMFADeviceRequest *q = (const Iam__TagMFADeviceRequest *)m;
	Iam__TagMFADeviceResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__MFADeviceRecord *rec;
	if (!resp)
		return -ENOMEM;
	iam__tag_mfadevice_response__init(resp);
	int r = dev_load(c, q->serial_number, &rec);
	if (r < 0)
		return r;
	r = entity_tags_merge(c, &rec->tags, &rec->n_tags, q->tags, q->n_tags);
	if (r < 0 || (r = dev_put(c, rec, false)) < 0)
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
	return serial_resource(c, q->serial_number, &e, ret);
}

int op_untag_mfa_device(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__UntagMFADeviceRequest *q = (const Iam__UntagMFADeviceRequest *)m;
	Iam__UntagMFADeviceResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__MFADeviceRecord *rec;
	if (!resp)
		return -ENOMEM;
	iam__untag_mfadevice_response__init(resp);
	int r = dev_load(c, q->serial_number, &rec);
	if (r < 0)
		return r;
	if (entity_tags_untag(rec->tags, &rec->n_tags, q->tag_keys, q->n_tag_keys) > 0 &&
	    (r = dev_put(c, rec, false)) < 0)
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
	return serial_resource(c, q->serial_number, &e, ret);
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
	int r = dev_load(c, q->serial_number, &rec);
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

/* ---- STS: SerialNumber and TokenCode (GetSessionToken, AssumeRole) ---- */

#define MSG_MFA_INVALID "MultiFactorAuthentication failed with invalid MFA one time pass code. "
#define MSG_MFA_UNKNOWN "MultiFactorAuthentication failed, unable to validate MFA code. " \
	"Please verify your MFA serial number is valid and associated with this user."

struct sts_mfa {
	const char *serial;
	const char *user_id;
	Keyd__SessionClaims *claims;
	call_resume_fn next;
	void *next_state;
};

/* Marks `step` used on the device, in a write transaction of its own (the
 * STS actions run in read transactions): -EALREADY when that step or a
 * later one was used already (a replay), -ENOENT when the device is no
 * longer the user's. */
static int step_use(struct call *c, const struct sts_mfa *st, int64_t step)
{
	struct store_txn *t = NULL, *saved = c->txn;
	Iam__MFADeviceRecord *rec;
	const char *name = serial_name(c, st->serial);
	if (!name)
		return -ENOENT;
	int r = store_txn_begin(c->d->store, true, &t);
	if (r < 0)
		return r;
	c->txn = t;
	r = dev_get(c, name, &rec);
	if (r == 0 && (!rec->user_id || strcmp(rec->user_id, st->user_id) != 0 ||
		       strcmp(rec->serial_number, st->serial) != 0))
		r = -ENOENT;
	if (r == 0 && rec->has_last_step && step <= rec->last_step)
		r = -EALREADY;
	if (r == 0) {
		rec->has_last_step = true;
		rec->last_step = step;
		r = dev_put(c, rec, false);
	}
	c->txn = saved;
	if (r == 0)
		return store_txn_commit(t);
	store_txn_abort(t);
	return r;
}

static int sts_mfa_resume(struct call *c, void *state, const struct keyd_reply *rep,
			  ProtobufCMessage **ret)
{
	struct sts_mfa *st = state;
	(void)ret;
	if (rep->err || rep->code != KEYD__CODE__OK || !rep->result)
		return call_keyd_fail(c, rep);
	const Keyd__VerifyTotpResponse *k = (const Keyd__VerifyTotpResponse *)rep->result;
	if (!k->valid || !k->has_step) {
		iamd_log_call(LOG_NOTICE, c, "%s: MFA code refused for %s", c->op->name,
			      st->serial);
		return call_fail(c, -EACCES, "AccessDenied", MSG_MFA_INVALID);
	}
	int r = step_use(c, st, k->step);
	if (r == -EALREADY) {
		iamd_log_call(LOG_NOTICE, c, "%s: MFA code of %s used again", c->op->name,
			      st->serial);
		return call_fail(c, -EACCES, "AccessDenied", MSG_MFA_INVALID);
	}
	if (r == -ENOENT)
		return call_fail(c, -EACCES, "AccessDenied", MSG_MFA_UNKNOWN);
	if (r < 0)
		return op_fail_store(c, r);
	st->claims->has_mfa_present = st->claims->has_mfa_auth_time = true;
	st->claims->mfa_present = true;
	st->claims->mfa_auth_time = c->now;
	return authn_mint(c, st->claims, st->next, st->next_state);
}

int op_mfa_sts_verify(struct call *c, const char *serial, const char *code,
		      Keyd__SessionClaims *claims, call_resume_fn next, void *next_state)
{
	struct sts_mfa *st = arena_zalloc(c->arena, sizeof(*st));
	Iam__MFADeviceRecord *rec;
	const char *name = serial_name(c, serial);
	if (!st)
		return -ENOMEM;
	/* a caller still as claimed (authn.h, deferred verification) is
	 * proven first: this outcome is dropped, VerifySigV4 goes to keyd and
	 * the pipeline runs again, so no code is tried or used for a request
	 * whose signature does not verify */
	if (c->authn_deferred)
		return call_fail(c, -EACCES, "AccessDenied", MSG_MFA_UNKNOWN);
	if (!code)
		return call_fail(c, -EACCES, "AccessDenied", MSG_MFA_INVALID);
	/* the calling user's device (a user, or a user's session token) */
	if (c->caller.kind != CALLER_USER || !c->caller.user_id || !name)
		return call_fail(c, -EACCES, "AccessDenied", MSG_MFA_UNKNOWN);
	int r = dev_get(c, name, &rec);
	if (r == -ENOENT || (r == 0 && (!rec->user_id ||
					strcmp(rec->user_id, c->caller.user_id) != 0 ||
					strcmp(rec->serial_number, serial) != 0)))
		return call_fail(c, -EACCES, "AccessDenied", MSG_MFA_UNKNOWN);
	if (r < 0)
		return op_fail_store(c, r);
	st->serial = serial;
	st->user_id = c->caller.user_id;
	st->claims = claims;
	st->next = next;
	st->next_state = next_state;
	Keyd__VerifyTotpRequest kr = KEYD__VERIFY_TOTP_REQUEST__INIT;
	kr.has_nonce = kr.has_key_version = true;
	kr.nonce = rec->nonce;
	kr.key_version = rec->key_version;
	kr.code = (char *)code;
	kr.has_drift = rec->has_drift;
	kr.drift = rec->drift;
	kr.has_last_step = rec->has_last_step && rec->last_step >= 0;
	kr.last_step = rec->last_step;
	return call_keyd(c, KEYD__REQUEST__OP_VERIFY_TOTP, &kr.base, sts_mfa_resume, st);
}
