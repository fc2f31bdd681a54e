/* op_ssh_key: UploadSSHPublicKey, GetSSHPublicKey, ListSSHPublicKeys,
 * UpdateSSHPublicKey, DeleteSSHPublicKey with AWS's members, limits and
 * errors, and iamd:ListLocalUserSSHPublicKeys, what sshd's
 * AuthorizedKeysCommand (`iamctl ssh authorized-keys`) asks: the Active
 * keys of the IAM user a local uid is bound to (docs/ssh.md).
 *
 * Keys are parsed by lib/ssh (an ssh-rsa line or PEM, RSA of 2048 bits or
 * more, as AWS takes them) and stored per user id (STORE_DB_SSH_PUBLIC_KEYS:
 * user id "/" key id -> SSHPublicKeyRecord) with the body as uploaded and
 * the key's SSH wire form, which the fingerprint (MD5, as `ssh-keygen -l -E
 * md5`) and the duplicate check use. At most 5 keys per user
 * (SSHPublicKeysPerUser); DeleteUser refuses while one is left
 * (op_ssh_key_count()). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "entity.h"
#include "iam_ssh.pb-c.h"
#include "iamd.h"
#include "iamd.pb-c.h"
#include "ops.h"
#include "ssh/sshkey.h"
#include "store.pb-c.h"
#include "util/arena.h"
#include "util/id.h"
#include "util/name.h"

#define KEYS_PER_USER 5
#define KEY_ID_LEN 20              /* APKA and 16, as AWS's */
#define BODY_MAX 16384
#define STATUS_ACTIVE "Active"
#define STATUS_INACTIVE "Inactive"
#define BIND_KEY_LEN 10

/* ---- records ---- */

static char *rec_key(struct call *c, const char *user_id, const char *key_id)
{
	return arena_printf(c->arena, "%s/%s", user_id, key_id ? key_id : "");
}

static int rec_get(struct call *c, const char *user_id, const char *key_id,
		   Iam__SSHPublicKeyRecord **ret)
{
	struct store_val v;
	char *k = rec_key(c, user_id, key_id);
	if (!k)
		return -ENOMEM;
	int r = store_get(c->txn, STORE_DB_SSH_PUBLIC_KEYS, k, strlen(k), &v);
	if (r < 0)
		return r;
	Iam__SSHPublicKeyRecord *rec = iam__sshpublic_key_record__unpack(&c->pb, v.len, v.data);
	if (!rec || !rec->ssh_public_key_id || !rec->user_id || !rec->body || !rec->status ||
	    !rec->fingerprint || !rec->has_blob)
		return -EIO;
	*ret = rec;
	return 0;
}

static int rec_put(struct call *c, const Iam__SSHPublicKeyRecord *rec, unsigned flags)
{
	size_t len = iam__sshpublic_key_record__get_packed_size(rec);
	uint8_t *buf = arena_alloc(c->arena, len ? len : 1);
	char *k = rec_key(c, rec->user_id, rec->ssh_public_key_id);
	if (!buf || !k)
		return -ENOMEM;
	iam__sshpublic_key_record__pack(rec, buf);
	return store_put(c->txn, STORE_DB_SSH_PUBLIC_KEYS, k, strlen(k), buf, len, flags);
}

/* Every key of a user, in key id order (at most a few: the quota). */
struct key_list {
	Iam__SSHPublicKeyRecord **recs;
	size_t n, cap;
};

static int keys_of(struct call *c, const char *user_id, struct key_list *l)
{
	struct store_cursor *cur = NULL;
	struct store_val k, v;
	char *prefix = rec_key(c, user_id, NULL);
	if (!prefix)
		return -ENOMEM;
	size_t plen = strlen(prefix);
	l->n = 0;
	int r = store_cursor_open(c->txn, STORE_DB_SSH_PUBLIC_KEYS, &cur);
	if (r < 0)
		return r;
	for (r = store_cursor_seek(cur, prefix, plen, &k, &v); r == 0;
	     r = store_cursor_next(cur, &k, &v)) {
		if (k.len < plen || memcmp(k.data, prefix, plen) != 0)
			break;
		if (l->n == l->cap) {
			size_t cap = l->cap ? l->cap * 2 : 8;
			Iam__SSHPublicKeyRecord **a = arena_alloc(c->arena, cap * sizeof(*a));
			if (!a) {
				r = -ENOMEM;
				break;
			}
			if (l->n)
				memcpy(a, l->recs, l->n * sizeof(*a));
			l->recs = a;
			l->cap = cap;
		}
		Iam__SSHPublicKeyRecord *rec =
			iam__sshpublic_key_record__unpack(&c->pb, v.len, v.data);
		if (!rec || !rec->ssh_public_key_id || !rec->body || !rec->status ||
		    !rec->fingerprint || !rec->has_blob) {
			r = -EIO;
			break;
		}
		l->recs[l->n++] = rec;
	}
	store_cursor_close(cur);
	return r == -ENOENT ? 0 : r;
}

int op_ssh_key_count(struct call *c, const char *user_id, size_t *ret)
{
	struct key_list l = { 0 };
	int r = keys_of(c, user_id, &l);
	if (r < 0)
		return r;
	*ret = l.n;
	return 0;
}

/* ---- answers ---- */

static int key_of_record(const Iam__SSHPublicKeyRecord *rec, struct sshkey *k)
{
	if (rec->blob.len == 0 || rec->blob.len > sizeof(k->blob))
		return -EIO;
	memset(k, 0, sizeof(*k));
	memcpy(k->blob, rec->blob.data, rec->blob.len);
	k->blob_len = rec->blob.len;
	k->format = rec->pem ? SSHKEY_FORMAT_PEM : SSHKEY_FORMAT_SSH;
	return 0;
}

/* The body in `encoding` ("SSH" | "PEM"; NULL: as uploaded). canonical:
 * the SSH encoding without the uploaded comment, always. */
static int body_in(struct call *c, const Iam__SSHPublicKeyRecord *rec, const char *encoding,
		   bool canonical, char **ret)
{
	bool want_pem = encoding && strcmp(encoding, "PEM") == 0;
	if (!encoding || (!canonical && want_pem == (bool)rec->pem)) {
		*ret = rec->body;
		return 0;
	}
	struct sshkey k;
	char *buf = arena_alloc(c->arena, SSHKEY_TEXT_MAX);
	if (!buf)
		return -ENOMEM;
	int r = key_of_record(rec, &k);
	if (r == 0)
		r = want_pem ? sshkey_format_pem(&k, buf, SSHKEY_TEXT_MAX)
			     : sshkey_format_ssh(&k, buf, SSHKEY_TEXT_MAX);
	if (r < 0)
		return call_fail(c, -EINVAL, "UnrecognizedPublicKeyEncoding",
				 "The stored public key cannot be encoded as %s.", encoding);
	*ret = buf;
	return 0;
}

static int public_key(struct call *c, const Iam__SSHPublicKeyRecord *rec, const char *user,
		      const char *encoding, bool canonical, Iam__SSHPublicKey **ret)
{
	Iam__SSHPublicKey *k = arena_alloc(c->arena, sizeof(*k));
	if (!k)
		return -ENOMEM;
	iam__sshpublic_key__init(k);
	int r = body_in(c, rec, encoding, canonical, &k->ssh_public_key_body);
	if (r < 0)
		return r;
	k->user_name = (char *)user;
	k->ssh_public_key_id = rec->ssh_public_key_id;
	k->fingerprint = rec->fingerprint;
	k->status = rec->status;
	k->has_upload_date = rec->has_upload_date;
	k->upload_date = rec->upload_date;
	*ret = k;
	return 0;
}

/* ---- checks ---- */

/* sSHPublicKeyId: 20 to 128 of [\w]. */
static void check_key_id(const char *id, struct util_verr *e)
{
	static const char field[] = "sSHPublicKeyId";
	if (!id) {
		util_verr_add(e, field, NULL, "Member must not be null");
		return;
	}
	size_t n = strlen(id);
	if (n < 20)
		util_verr_add(e, field, id, "Member must have length greater than or equal to 20");
	else if (n > 128)
		util_verr_add(e, field, id, "Member must have length less than or equal to 128");
	for (size_t i = 0; i < n; i++) {
		char ch = id[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_')) {
			util_verr_add(e, field, id,
				      "Member must satisfy regular expression pattern: [\\w]+");
			break;
		}
	}
}

/* sSHPublicKeyBody: 1 to 16384 characters of [\u0009\u000A\u000D\u0020-\u00FF]. */
static void check_body(const char *body, struct util_verr *e)
{
	static const char field[] = "sSHPublicKeyBody";
	if (!body) {
		util_verr_add(e, field, NULL, "Member must not be null");
		return;
	}
	const unsigned char *p = (const unsigned char *)body;
	size_t len = strlen(body), chars = 0;
	bool bad = false;
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = util_utf8_decode(p + i, len - i, &cp);
		if (n == 0 || (cp < 0x20 && cp != 0x09 && cp != 0x0a && cp != 0x0d) || cp > 0xff) {
			bad = true;
			break;
		}
		i += n;
		chars++;
	}
	if (len == 0)
		util_verr_add(e, field, "", "Member must have length greater than or equal to 1");
	else if (bad)
		util_verr_add(e, field, "[key]",
			      "Member must satisfy regular expression pattern: "
			      "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+");
	else if (chars > BODY_MAX)
		util_verr_add(e, field, "[key]", "Member must have length less than or equal to 16384");
}

static void check_status(const char *status, struct util_verr *e)
{
	if (!status)
		util_verr_add(e, "status", NULL, "Member must not be null");
	else if (strcmp(status, STATUS_ACTIVE) != 0 && strcmp(status, STATUS_INACTIVE) != 0)
		util_verr_add(e, "status", status,
			      "Member must satisfy enum value set: [Active, Inactive]");
}

static int fail_no_key(struct call *c, const char *id)
{
	return call_fail(c, -ENOENT, "NoSuchEntity", "The Public Key with id %s cannot be found.",
			 id);
}

/* The user named by a required userName: checked, then its ARN. */
static int resource_named(struct call *c, const char *user, struct util_verr *e,
			  const char **ret)
{
	util_name_check_user(user, "userName", true, e);
	int r = entity_verr_fail(c, e);
	if (r < 0)
		return r;
	return op_resource_user(c, user, ret);
}

/* The user's key `id`, or NoSuchEntity. */
static int owned_key(struct call *c, const Iam__User *u, const char *id,
		     Iam__SSHPublicKeyRecord **ret)
{
	int r = rec_get(c, u->user_id, id, ret);
	if (r == -ENOENT)
		return fail_no_key(c, id);
	return r < 0 ? op_fail_store(c, r) : 0;
}

/* ---- UploadSSHPublicKey ---- */

int op_upload_ssh_public_key_resource(struct call *c, const ProtobufCMessage *m,
				      const char **ret)
{
	const Iam__UploadSSHPublicKeyRequest *req = (const Iam__UploadSSHPublicKeyRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	check_body(req->ssh_public_key_body, &e);
	return resource_named(c, req->user_name, &e, ret);
}

static int parse_fail(struct call *c, int r, const char *why)
{
	if (r == -EPROTONOSUPPORT)
		return call_fail(c, -EINVAL, "UnrecognizedPublicKeyEncoding",
				 "The public key encoding format is unsupported or unrecognized: %s. "
				 "The key must be an ssh-rsa public key or an RSA public key in PEM "
				 "format.", why ? why : "?");
	return call_fail(c, -EINVAL, "InvalidPublicKey",
			 "The public key is malformed or otherwise invalid: %s.", why ? why : "?");
}

/* The body without the white space around it. */
static char *body_trim(struct call *c, const char *body)
{
	size_t n = strlen(body);
	while (n && strchr(" \t\r\n", body[n - 1]))
		n--;
	while (n && strchr(" \t\r\n", *body)) {
		body++;
		n--;
	}
	return arena_strndup(c->arena, body, n);
}

static int key_id_new(struct call *c, const char *user_id, char id[UTIL_ID_LEN + 1])
{
	for (int tries = 0; tries < 8; tries++) {
		Iam__SSHPublicKeyRecord *old;
		int r = util_id_new("APKA", id);
		if (r < 0)
			return r;
		id[KEY_ID_LEN] = '\0';
		r = rec_get(c, user_id, id, &old);
		if (r == -ENOENT)
			return 0;
		if (r < 0)
			return r;
	}
	return -EEXIST;
}

int op_upload_ssh_public_key(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__UploadSSHPublicKeyRequest *req = (const Iam__UploadSSHPublicKeyRequest *)m;
	Iam__UploadSSHPublicKeyResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	char *id = arena_alloc(c->arena, UTIL_ID_LEN + 1);
	char *fp = arena_alloc(c->arena, SSHKEY_FP_MD5_LEN + 1);
	struct key_list l = { 0 };
	struct sshkey k;
	const char *why = NULL;
	Iam__User *u;
	if (!resp || !id || !fp)
		return -ENOMEM;
	int r = op_user_load(c, req->user_name, &u);
	if (r < 0)
		return r;
	char *body = body_trim(c, req->ssh_public_key_body);
	if (!body)
		return -ENOMEM;
	r = sshkey_parse(body, strlen(body), &k, &why);
	if (r < 0)
		return parse_fail(c, r, why);
	r = keys_of(c, u->user_id, &l);
	if (r < 0)
		return op_fail_store(c, r);
	for (size_t i = 0; i < l.n; i++)
		if (l.recs[i]->blob.len == k.blob_len &&
		    memcmp(l.recs[i]->blob.data, k.blob, k.blob_len) == 0)
			return call_fail(c, -EINVAL, "DuplicateSSHPublicKey",
					 "The SSH public key is already associated with the specified "
					 "IAM user (%s).", l.recs[i]->ssh_public_key_id);
	if (l.n >= KEYS_PER_USER)
		return call_fail(c, -EDQUOT, "LimitExceeded",
				 "Cannot exceed quota for SSHPublicKeysPerUser: %d", KEYS_PER_USER);
	r = key_id_new(c, u->user_id, id);
	if (r < 0)
		return op_fail_store(c, r);
	sshkey_fingerprint_md5(&k, fp);

	Iam__SSHPublicKeyRecord rec = IAM__SSHPUBLIC_KEY_RECORD__INIT;
	rec.ssh_public_key_id = id;
	rec.account_id = (char *)entity_account(c);
	rec.user_id = u->user_id;
	rec.body = body;
	rec.has_blob = true;
	rec.blob.data = k.blob;
	rec.blob.len = k.blob_len;
	rec.fingerprint = fp;
	rec.status = (char *)STATUS_ACTIVE;
	rec.has_upload_date = true;
	rec.upload_date = c->now;
	rec.has_pem = true;
	rec.pem = k.format == SSHKEY_FORMAT_PEM;
	r = rec_put(c, &rec, STORE_NOOVERWRITE);
	if (r < 0)
		return op_fail_store(c, r);
	iam__upload_sshpublic_key_response__init(resp);
	r = public_key(c, &rec, u->user_name, NULL, false, &resp->ssh_public_key);
	if (r < 0)
		return r;
	*ret = &resp->base;
	return 0;
}

/* ---- GetSSHPublicKey ---- */

int op_get_ssh_public_key_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__GetSSHPublicKeyRequest *req = (const Iam__GetSSHPublicKeyRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	check_key_id(req->ssh_public_key_id, &e);
	if (!req->encoding)
		util_verr_add(&e, "encoding", NULL, "Member must not be null");
	else if (strcmp(req->encoding, "SSH") != 0 && strcmp(req->encoding, "PEM") != 0)
		util_verr_add(&e, "encoding", req->encoding,
			      "Member must satisfy enum value set: [SSH, PEM]");
	return resource_named(c, req->user_name, &e, ret);
}

int op_get_ssh_public_key(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__GetSSHPublicKeyRequest *req = (const Iam__GetSSHPublicKeyRequest *)m;
	Iam__GetSSHPublicKeyResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__SSHPublicKeyRecord *rec;
	Iam__User *u;
	if (!resp)
		return -ENOMEM;
	int r = op_user_load(c, req->user_name, &u);
	if (r == 0)
		r = owned_key(c, u, req->ssh_public_key_id, &rec);
	if (r < 0)
		return r;
	iam__get_sshpublic_key_response__init(resp);
	r = public_key(c, rec, u->user_name, req->encoding, false, &resp->ssh_public_key);
	if (r < 0)
		return r;
	*ret = &resp->base;
	return 0;
}

/* ---- ListSSHPublicKeys ---- */

int op_list_ssh_public_keys_resource(struct call *c, const ProtobufCMessage *m,
				     const char **ret)
{
	const Iam__ListSSHPublicKeysRequest *req = (const Iam__ListSSHPublicKeysRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	util_name_check_marker(req->marker, "marker", &e);
	util_name_check_max_items(req->has_max_items, req->max_items, "maxItems", &e);
	util_name_check_user(req->user_name, "userName", false, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	const char *user = req->user_name;
	if (!user && c->caller.kind == CALLER_USER)
		user = c->caller.user_name;
	if (!user) {
		if (c->caller.kind == CALLER_ANONYMOUS) {
			*ret = "*";   /* authorization refuses it */
			return 0;
		}
		return call_fail(c, -EINVAL, "ValidationError",
				 "Must specify userName when calling with non-User credentials");
	}
	c->op_state = (void *)user;
	return op_resource_user(c, user, ret);
}

struct list_keys {
	const char *user_name;
	Iam__SSHPublicKeyMetadata **items;
	size_t n;
};

static int list_keys_visit(struct call *c, const char *suffix, size_t len,
			   const struct store_val *val, bool take, void *userdata)
{
	struct list_keys *l = userdata;
	(void)suffix;
	(void)len;
	if (!take)
		return 1;
	Iam__SSHPublicKeyRecord *rec = iam__sshpublic_key_record__unpack(&c->pb, val->len,
									  val->data);
	Iam__SSHPublicKeyMetadata *md = arena_alloc(c->arena, sizeof(*md));
	if (!md)
		return -ENOMEM;
	if (!rec || !rec->ssh_public_key_id || !rec->status)
		return -EIO;
	iam__sshpublic_key_metadata__init(md);
	md->user_name = (char *)l->user_name;
	md->ssh_public_key_id = rec->ssh_public_key_id;
	md->status = rec->status;
	md->has_upload_date = rec->has_upload_date;
	md->upload_date = rec->upload_date;
	l->items[l->n++] = md;
	return 1;
}

int op_list_ssh_public_keys(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__ListSSHPublicKeysRequest *req = (const Iam__ListSSHPublicKeysRequest *)m;
	Iam__ListSSHPublicKeysResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	struct entity_page p = { .kind = 'S', .marker = req->marker,
				 .has_max = req->has_max_items, .max = req->max_items };
	int32_t max = p.has_max ? p.max : UTIL_MAX_ITEMS_DEFAULT;
	struct list_keys l = { 0 };
	Iam__User *u;
	l.items = arena_alloc(c->arena, sizeof(*l.items) * (size_t)max);
	if (!resp || !l.items || !c->op_state)
		return -ENOMEM;
	int r = op_user_load(c, c->op_state, &u);
	if (r < 0)
		return r;
	l.user_name = u->user_name;
	iam__list_sshpublic_keys_response__init(resp);
	char *prefix = rec_key(c, u->user_id, NULL);
	if (!prefix)
		return -ENOMEM;
	r = entity_page_walk(c, STORE_DB_SSH_PUBLIC_KEYS, prefix, &p, list_keys_visit, &l);
	if (r < 0)
		return op_fail_store(c, r);
	resp->ssh_public_keys = l.items;
	resp->n_ssh_public_keys = l.n;
	resp->has_is_truncated = true;
	resp->is_truncated = p.truncated;
	resp->marker = p.next_marker;
	*ret = &resp->base;
	return 0;
}

/* ---- UpdateSSHPublicKey, DeleteSSHPublicKey ---- */

int op_update_ssh_public_key_resource(struct call *c, const ProtobufCMessage *m,
				      const char **ret)
{
	const Iam__UpdateSSHPublicKeyRequest *req = (const Iam__UpdateSSHPublicKeyRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	check_key_id(req->ssh_public_key_id, &e);
	check_status(req->status, &e);
	return resource_named(c, req->user_name, &e, ret);
}

int op_update_ssh_public_key(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__UpdateSSHPublicKeyRequest *req = (const Iam__UpdateSSHPublicKeyRequest *)m;
	Iam__UpdateSSHPublicKeyResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__SSHPublicKeyRecord *rec;
	Iam__User *u;
	if (!resp)
		return -ENOMEM;
	int r = op_user_load(c, req->user_name, &u);
	if (r == 0)
		r = owned_key(c, u, req->ssh_public_key_id, &rec);
	if (r < 0)
		return r;
	if (strcmp(rec->status, req->status) != 0) {
		rec->status = req->status;
		r = rec_put(c, rec, 0);
		if (r < 0)
			return op_fail_store(c, r);
	}
	iam__update_sshpublic_key_response__init(resp);
	*ret = &resp->base;
	return 0;
}

int op_delete_ssh_public_key_resource(struct call *c, const ProtobufCMessage *m,
				      const char **ret)
{
	const Iam__DeleteSSHPublicKeyRequest *req = (const Iam__DeleteSSHPublicKeyRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	check_key_id(req->ssh_public_key_id, &e);
	return resource_named(c, req->user_name, &e, ret);
}

int op_delete_ssh_public_key(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__DeleteSSHPublicKeyRequest *req = (const Iam__DeleteSSHPublicKeyRequest *)m;
	Iam__DeleteSSHPublicKeyResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__SSHPublicKeyRecord *rec;
	Iam__User *u;
	if (!resp)
		return -ENOMEM;
	int r = op_user_load(c, req->user_name, &u);
	if (r == 0)
		r = owned_key(c, u, req->ssh_public_key_id, &rec);
	if (r < 0)
		return r;
	char *k = rec_key(c, u->user_id, rec->ssh_public_key_id);
	if (!k)
		return -ENOMEM;
	r = store_del(c->txn, STORE_DB_SSH_PUBLIC_KEYS, k, strlen(k));
	if (r < 0)
		return op_fail_store(c, r);
	iam__delete_sshpublic_key_response__init(resp);
	*ret = &resp->base;
	return 0;
}

/* ---- iamd:ListLocalUserSSHPublicKeys ---- */

/* The IAM user uid is bound to, or NULL. */
static int bound_user(struct call *c, uint32_t uid, Iam__User **ret)
{
	char key[BIND_KEY_LEN + 1];
	struct store_val v;
	*ret = NULL;
	snprintf(key, sizeof(key), "%010u", (unsigned)uid);
	int r = store_get(c->txn, STORE_DB_LOCAL_BINDINGS, key, BIND_KEY_LEN, &v);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	Iam__LocalUserBinding *b = iam__local_user_binding__unpack(&c->pb, v.len, v.data);
	if (!b)
		return -EIO;
	if (!b->user_id)
		return 0;
	r = op_user_by_id(c, b->user_id, ret);
	return r == -ENOENT ? 0 : r;
}

int op_list_local_user_ssh_public_keys_resource(struct call *c, const ProtobufCMessage *m,
						const char **ret)
{
	const Iam__ListLocalUserSSHPublicKeysRequest *req =
		(const Iam__ListLocalUserSSHPublicKeysRequest *)m;
	struct util_verr e;
	Iam__User *u = NULL;
	util_verr_init(&e);
	if (!req->has_uid)
		util_verr_add(&e, "uid", NULL, "Member must not be null");
	util_name_check_user(req->user_name, "userName", false, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	r = bound_user(c, req->uid, &u);
	if (r == 0 && !u && req->user_name) {
		r = entity_user_get(c, req->user_name, &u);
		if (r == -ENOENT) {
			u = NULL;
			r = 0;
		}
	}
	if (r < 0)
		return op_fail_store(c, r);
	c->op_state = u;
	*ret = u ? u->arn : "*";
	return 0;
}

int op_list_local_user_ssh_public_keys(struct call *c, const ProtobufCMessage *m,
				       ProtobufCMessage **ret)
{
	Iam__ListLocalUserSSHPublicKeysResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	const Iam__User *u = c->op_state;
	struct key_list l = { 0 };
	(void)m;
	if (!resp)
		return -ENOMEM;
	iam__list_local_user_sshpublic_keys_response__init(resp);
	if (u) {
		int r = keys_of(c, u->user_id, &l);
		if (r < 0)
			return op_fail_store(c, r);
		resp->ssh_public_keys = arena_alloc(c->arena, (l.n + 1) * sizeof(*resp->ssh_public_keys));
		if (!resp->ssh_public_keys)
			return -ENOMEM;
		for (size_t i = 0; i < l.n; i++) {
			if (strcmp(l.recs[i]->status, STATUS_ACTIVE) != 0)
				continue;
			r = public_key(c, l.recs[i], u->user_name, "SSH", true,
				       &resp->ssh_public_keys[resp->n_ssh_public_keys]);
			if (r < 0)
				return r;
			resp->n_ssh_public_keys++;
		}
		resp->user_name = u->user_name;
		resp->user_arn = u->arn;
	}
	*ret = &resp->base;
	return 0;
}
