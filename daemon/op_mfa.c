/* op_mfa: virtual MFA devices (docs/mfa.md): CreateVirtualMFADevice,
 * EnableMFADevice, DeactivateMFADevice, ResyncMFADevice,
 * DeleteVirtualMFADevice with AWS's semantics, limits and errors, and the
 * record helpers (op_mfa.h) that op_mfa_list.c (the lists and tags) and
 * op_mfa_sts.c (STS's SerialNumber/TokenCode) share.
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

#include "dispatch.h"
#include "entity.h"
#include "iam_mfa.pb-c.h"
#include "iamd.h"
#include "keyd_client.h"
#include "op_mfa.h"
#include "ops.h"
#include "sd.h"
#include "store.pb-c.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/name.h"
#include "util/qr.h"

#define MFA_NAME_MAX 226
#define MFA_PER_USER 8
#define MFA_NONCE_LEN 16
#define MFA_QR_SCALE 4            /* QRCodePNG pixels per module */
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
const char *mfa_serial_name(struct call *c, const char *serial)
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

int mfa_dev_get(struct call *c, const char *name, Iam__MFADeviceRecord **ret)
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
int mfa_dev_load(struct call *c, const char *serial, Iam__MFADeviceRecord **ret)
{
	const char *name = mfa_serial_name(c, serial);
	if (!name)
		return fail_no_device(c, serial);
	int r = mfa_dev_get(c, name, ret);
	if (r == 0 && strcmp((*ret)->serial_number, serial) != 0)
		r = -ENOENT;   /* same name, another path */
	if (r == -ENOENT)
		return fail_no_device(c, serial);
	return r < 0 ? op_fail_store(c, r) : 0;
}

int mfa_dev_put(struct call *c, const Iam__MFADeviceRecord *rec, bool create)
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

/* The user an action names, or the caller (a user, or a user's
 * GetSessionToken session). */
int mfa_user_resolve(struct call *c, const char *user_name, Iam__User **ret)
{
	if (!user_name && c->caller.kind == CALLER_USER)
		user_name = c->caller.user_name;
	if (!user_name)
		return call_fail(c, -EINVAL, "ValidationError",
				 "Must specify userName when calling with non-User credentials");
	return op_user_load(c, user_name, ret);
}

int mfa_user_resource(struct call *c, const char *user_name, bool required,
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
	r = mfa_user_resolve(c, user_name, &u);
	if (r < 0)
		return r;
	*ret = u->arn;
	return 0;
}

int mfa_serial_resource(struct call *c, const char *serial, struct util_verr *e,
			   const char **ret)
{
	serial_check(serial, e);
	int r = entity_verr_fail(c, e);
	if (r < 0)
		return r;
	*ret = arena_strdup(c->arena, serial);
	return *ret ? 0 : -ENOMEM;
}

int mfa_list_check(struct call *c, const char *marker, bool has_max, int32_t max,
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
	int r = mfa_dev_put(c, rec, true);
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
	/* QRCodePNG: otpauth://totp/NAME@ACCOUNT?secret=SEED, ACCOUNT being
	 * the device's user name when it has one (not yet, at creation), else
	 * the account id. Built in the arena, which is wiped after the answer
	 * (dispatch.c: the call received a secret from keyd). */
	char *uri = arena_printf(c->arena, "otpauth://totp/%s@%s?secret=%s", rec->name,
				 entity_account(c), seed);
	if (!uri)
		return -ENOMEM;
	r = qr_png(c->arena, (const uint8_t *)uri, strlen(uri), MFA_QR_SCALE,
		   &d->qr_code_png.data, &d->qr_code_png.len);
	if (r < 0)
		return call_fail(c, r, "ServiceFailure", NULL);
	d->has_qr_code_png = true;
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
	int r = mfa_dev_get(c, req->virtual_mfa_device_name, &old);
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
	return mfa_user_resource(c, user_name, true, &e, ret);
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
	if (r < 0 || (r = mfa_dev_load(c, st->serial, &rec)) < 0)
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
					 "Cannot exceed quota for MFADevicesPerUser: %d",
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
	if ((r = mfa_dev_put(c, rec, false)) < 0)
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
	if (r < 0 || (r = mfa_dev_load(c, serial, &rec)) < 0)
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
					 "Cannot exceed quota for MFADevicesPerUser: %d",
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
	return mfa_user_resource(c, q->user_name, false, &e, ret);
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
	int r = mfa_user_resolve(c, q->user_name, &u);
	if (r < 0 || (r = mfa_dev_load(c, q->serial_number, &rec)) < 0)
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
	if ((r = mfa_dev_put(c, rec, false)) < 0)
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
	return mfa_serial_resource(c, ((const Iam__DeleteVirtualMFADeviceRequest *)m)->serial_number,
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
	int r = mfa_dev_load(c, q->serial_number, &rec);
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
