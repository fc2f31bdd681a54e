/* entity: user and group records, their indexes and paging (see entity.h). */
#include "entity.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "iamd.h"
#include "store.pb-c.h"
#include "util/arena.h"
#include "util/name.h"

const char *entity_account(const struct call *c)
{
	if (c->caller.account_id)
		return c->caller.account_id;
	return c->d->account_id;
}

size_t entity_key(char buf[ENTITY_KEY_MAX], const char *acct, const char *a,
		  const char *b)
{
	size_t la = strlen(acct), lb = strlen(a), lc = b ? strlen(b) : 0;
	size_t n = la + 1 + lb + (b ? 1 + lc : 0);
	if (n >= ENTITY_KEY_MAX)
		return 0;
	memcpy(buf, acct, la);
	buf[la] = '/';
	util_name_fold(buf + la + 1, a, lb);
	if (b) {
		buf[la + 1 + lb] = '/';
		util_name_fold(buf + la + 2 + lb, b, lc);
	}
	buf[n] = '\0';
	return n;
}

char *entity_user_arn(struct call *c, const char *path, const char *name)
{
	return arena_printf(c->arena, "arn:aws:iam::%s:user%s%s", entity_account(c),
			    path ? path : "/", name);
}

char *entity_group_arn(struct call *c, const char *path, const char *name)
{
	return arena_printf(c->arena, "arn:aws:iam::%s:group%s%s", entity_account(c),
			    path ? path : "/", name);
}

char *entity_strdup(struct call *c, const char *s)
{
	return s ? arena_strdup(c->arena, s) : NULL;
}

/* Packs a message into the arena. */
static int entity_pack(struct call *c, const ProtobufCMessage *m, uint8_t **ret,
		       size_t *ret_len)
{
	size_t len = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = arena_alloc(c->arena, len ? len : 1);
	if (!buf)
		return -ENOMEM;
	protobuf_c_message_pack(m, buf);
	*ret = buf;
	*ret_len = len;
	return 0;
}

/* ---- named records with an id index (users, groups, roles) ---- */

int entity_rec_get(struct call *c, enum store_db db, const char *name,
		   struct store_val *ret)
{
	char key[ENTITY_KEY_MAX];
	size_t klen = entity_key(key, entity_account(c), name, NULL);
	if (!klen)
		return -ENOENT;
	return store_get(c->txn, db, key, klen, ret);
}

int entity_rec_put(struct call *c, const struct entity_table *t, const char *name,
		   const char *id, const ProtobufCMessage *rec, bool create)
{
	char key[ENTITY_KEY_MAX];
	size_t klen = entity_key(key, entity_account(c), name, NULL);
	if (!klen)
		return -EINVAL;
	uint8_t *buf;
	size_t len;
	int r = entity_pack(c, rec, &buf, &len);
	if (r < 0)
		return r;
	r = store_put(c->txn, t->db, key, klen, buf, len, create ? STORE_NOOVERWRITE : 0);
	if (r < 0)
		return r;
	r = store_put(c->txn, t->ids, id, strlen(id), key, klen, 0);
	if (r < 0 || !create)
		return r;
	return entity_count_add(c, t->kind, 1);
}

int entity_rec_unlink(struct call *c, const struct entity_table *t, const char *name,
		      const char *id)
{
	char key[ENTITY_KEY_MAX];
	size_t klen = entity_key(key, entity_account(c), name, NULL);
	int r = store_del(c->txn, t->db, key, klen);
	if (r < 0)
		return r;
	r = store_del(c->txn, t->ids, id, strlen(id));
	return r == -ENOENT ? 0 : r;
}

int entity_rec_del(struct call *c, const struct entity_table *t, const char *name,
		   const char *id)
{
	int r = entity_rec_unlink(c, t, name, id);
	return r < 0 ? r : entity_count_add(c, t->kind, -1);
}

static const struct entity_table users = { STORE_DB_USERS, STORE_DB_USER_IDS,
					   ENTITY_KIND_USER };
static const struct entity_table groups = { STORE_DB_GROUPS, STORE_DB_GROUP_IDS,
					    ENTITY_KIND_GROUP };

/* ---- users ---- */

int entity_user_get(struct call *c, const char *name, Iam__User **ret)
{
	struct store_val v;
	int r = entity_rec_get(c, STORE_DB_USERS, name, &v);
	if (r < 0)
		return r;
	Iam__UserRecord *rec = iam__user_record__unpack(&c->pb, v.len, v.data);
	if (!rec || !rec->user)
		return -EIO;   /* a record we cannot read: never guess */
	*ret = rec->user;
	return 0;
}

int entity_user_put(struct call *c, const Iam__User *u, bool create)
{
	Iam__UserRecord rec = IAM__USER_RECORD__INIT;
	rec.user = (Iam__User *)u;
	return entity_rec_put(c, &users, u->user_name, u->user_id, &rec.base, create);
}

int entity_user_del(struct call *c, const Iam__User *u)
{
	return entity_rec_del(c, &users, u->user_name, u->user_id);
}

/* Counts keys under prefix, stopping at `stop`. */
static int entity_count(struct call *c, enum store_db db, const char *prefix,
			size_t stop, size_t *ret)
{
	struct store_cursor *cur = NULL;
	struct store_val k;
	size_t plen = strlen(prefix), n = 0;
	int r = store_cursor_open(c->txn, db, &cur);
	if (r < 0)
		return r;
	for (r = store_cursor_seek(cur, prefix, plen, &k, NULL); r == 0 && n < stop;
	     r = store_cursor_next(cur, &k, NULL)) {
		if (k.len < plen || memcmp(k.data, prefix, plen) != 0)
			break;
		n++;
	}
	store_cursor_close(cur);
	if (r < 0 && r != -ENOENT)
		return r;
	*ret = n;
	return 0;
}

/* The lower-case names under prefix in db (membership lists), into the
 * arena. */
static int entity_suffixes(struct call *c, enum store_db db, const char *prefix,
			   char ***ret, size_t *ret_n)
{
	struct store_cursor *cur = NULL;
	struct store_val k;
	size_t plen = strlen(prefix), n = 0, max;
	int r = entity_count(c, db, prefix, SIZE_MAX, &max);
	if (r < 0)
		return r;
	char **v = arena_alloc(c->arena, sizeof(char *) * (max ? max : 1));
	if (!v)
		return -ENOMEM;
	r = store_cursor_open(c->txn, db, &cur);
	if (r < 0)
		return r;
	for (r = store_cursor_seek(cur, prefix, plen, &k, NULL); r == 0 && n < max;
	     r = store_cursor_next(cur, &k, NULL)) {
		if (k.len < plen || memcmp(k.data, prefix, plen) != 0)
			break;
		v[n] = arena_strndup(c->arena, (const char *)k.data + plen, k.len - plen);
		if (!v[n]) {
			r = -ENOMEM;
			break;
		}
		n++;
	}
	store_cursor_close(cur);
	if (r < 0 && r != -ENOENT)
		return r;
	*ret = v;
	*ret_n = n;
	return 0;
}

/* Moves every membership of `from` (a user or a group, by `db` direction)
 * to the name `to`. */
static int entity_members_move(struct call *c, bool user, const char *from,
			       const char *to)
{
	const char *acct = entity_account(c);
	char prefix[ENTITY_KEY_MAX], k1[ENTITY_KEY_MAX], k2[ENTITY_KEY_MAX];
	enum store_db fwd = user ? STORE_DB_USER_GROUPS : STORE_DB_GROUP_USERS;
	enum store_db rev = user ? STORE_DB_GROUP_USERS : STORE_DB_USER_GROUPS;
	char **names;
	size_t n;

	size_t plen = entity_key(prefix, acct, from, "");
	if (!plen)
		return -EINVAL;
	int r = entity_suffixes(c, fwd, prefix, &names, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		size_t l1 = entity_key(k1, acct, from, names[i]);
		size_t l2 = entity_key(k2, acct, names[i], from);
		if ((r = store_del(c->txn, fwd, k1, l1)) < 0 ||
		    (r = store_del(c->txn, rev, k2, l2)) < 0)
			return r;
		l1 = entity_key(k1, acct, to, names[i]);
		l2 = entity_key(k2, acct, names[i], to);
		if (!l1 || !l2)
			return -EINVAL;
		if ((r = store_put(c->txn, fwd, k1, l1, "", 0, 0)) < 0 ||
		    (r = store_put(c->txn, rev, k2, l2, "", 0, 0)) < 0)
			return r;
	}
	return 0;
}

static bool entity_same_name(const char *a, const char *b)
{
	size_t la = strlen(a);
	if (la != strlen(b))
		return false;
	for (size_t i = 0; i < la; i++) {
		char x = a[i], y = b[i];
		util_name_fold(&x, &x, 1);
		util_name_fold(&y, &y, 1);
		if (x != y)
			return false;
	}
	return true;
}

int entity_user_rename(struct call *c, Iam__User *u, const char *new_name,
		       const char *new_path)
{
	const char *old = u->user_name;
	int r;
	if (new_name && !entity_same_name(old, new_name)) {
		Iam__User *other;
		r = entity_user_get(c, new_name, &other);
		if (r == 0)
			return -EEXIST;
		if (r != -ENOENT)
			return r;
	}
	if (new_name) {
		r = entity_rec_unlink(c, &users, u->user_name, u->user_id);
		if (r < 0)
			return r;
		if (!entity_same_name(old, new_name) &&
		    (r = entity_members_move(c, true, old, new_name)) < 0)
			return r;
		u->user_name = entity_strdup(c, new_name);
	}
	if (new_path)
		u->path = entity_strdup(c, new_path);
	u->arn = entity_user_arn(c, u->path, u->user_name);
	if (!u->user_name || !u->path || !u->arn)
		return -ENOMEM;
	return entity_user_put(c, u, false);
}

/* ---- groups ---- */

int entity_group_get(struct call *c, const char *name, Iam__Group **ret)
{
	struct store_val v;
	int r = entity_rec_get(c, STORE_DB_GROUPS, name, &v);
	if (r < 0)
		return r;
	Iam__GroupRecord *rec = iam__group_record__unpack(&c->pb, v.len, v.data);
	if (!rec || !rec->group)
		return -EIO;
	*ret = rec->group;
	return 0;
}

int entity_group_put(struct call *c, const Iam__Group *g, bool create)
{
	Iam__GroupRecord rec = IAM__GROUP_RECORD__INIT;
	rec.group = (Iam__Group *)g;
	return entity_rec_put(c, &groups, g->group_name, g->group_id, &rec.base, create);
}

int entity_group_del(struct call *c, const Iam__Group *g)
{
	return entity_rec_del(c, &groups, g->group_name, g->group_id);
}

int entity_group_rename(struct call *c, Iam__Group *g, const char *new_name,
			const char *new_path)
{
	const char *old = g->group_name;
	int r;
	if (new_name && !entity_same_name(old, new_name)) {
		Iam__Group *other;
		r = entity_group_get(c, new_name, &other);
		if (r == 0)
			return -EEXIST;
		if (r != -ENOENT)
			return r;
	}
	if (new_name) {
		r = entity_rec_unlink(c, &groups, g->group_name, g->group_id);
		if (r < 0)
			return r;
		if (!entity_same_name(old, new_name) &&
		    (r = entity_members_move(c, false, old, new_name)) < 0)
			return r;
		g->group_name = entity_strdup(c, new_name);
	}
	if (new_path)
		g->path = entity_strdup(c, new_path);
	g->arn = entity_group_arn(c, g->path, g->group_name);
	if (!g->group_name || !g->path || !g->arn)
		return -ENOMEM;
	return entity_group_put(c, g, false);
}

/* ---- membership ---- */

int entity_member_add(struct call *c, const char *user, const char *group)
{
	char k1[ENTITY_KEY_MAX], k2[ENTITY_KEY_MAX];
	const char *acct = entity_account(c);
	size_t l1 = entity_key(k1, acct, user, group);
	size_t l2 = entity_key(k2, acct, group, user);
	if (!l1 || !l2)
		return -EINVAL;
	int r = store_put(c->txn, STORE_DB_USER_GROUPS, k1, l1, "", 0, 0);
	if (r < 0)
		return r;
	return store_put(c->txn, STORE_DB_GROUP_USERS, k2, l2, "", 0, 0);
}

int entity_member_del(struct call *c, const char *user, const char *group)
{
	char k1[ENTITY_KEY_MAX], k2[ENTITY_KEY_MAX];
	const char *acct = entity_account(c);
	size_t l1 = entity_key(k1, acct, user, group);
	size_t l2 = entity_key(k2, acct, group, user);
	if (!l1 || !l2)
		return -ENOENT;
	int r = store_del(c->txn, STORE_DB_USER_GROUPS, k1, l1);
	if (r < 0)
		return r;
	r = store_del(c->txn, STORE_DB_GROUP_USERS, k2, l2);
	return r == -ENOENT ? 0 : r;
}

int entity_member_is(struct call *c, const char *user, const char *group)
{
	char k1[ENTITY_KEY_MAX];
	struct store_val v;
	size_t l1 = entity_key(k1, entity_account(c), user, group);
	if (!l1)
		return -ENOENT;
	return store_get(c->txn, STORE_DB_USER_GROUPS, k1, l1, &v);
}

int entity_user_groups_count(struct call *c, const char *user, size_t *ret)
{
	char prefix[ENTITY_KEY_MAX];
	if (!entity_key(prefix, entity_account(c), user, ""))
		return -EINVAL;
	return entity_count(c, STORE_DB_USER_GROUPS, prefix, SIZE_MAX, ret);
}

int entity_group_has_members(struct call *c, const char *group, bool *ret)
{
	char prefix[ENTITY_KEY_MAX];
	size_t n;
	if (!entity_key(prefix, entity_account(c), group, ""))
		return -EINVAL;
	int r = entity_count(c, STORE_DB_GROUP_USERS, prefix, 1, &n);
	if (r < 0)
		return r;
	*ret = n > 0;
	return 0;
}

/* ---- paging ---- */

#define MARKER_RAW_MAX 200

char *entity_marker_encode(struct call *c, char kind, const char *data, size_t len)
{
	unsigned char raw[MARKER_RAW_MAX + 2];
	if (len > MARKER_RAW_MAX)
		return NULL;
	raw[0] = 1;   /* marker format version */
	raw[1] = (unsigned char)kind;
	memcpy(raw + 2, data, len);
	size_t out = sodium_base64_encoded_len(len + 2, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *m = arena_alloc(c->arena, out);
	if (!m)
		return NULL;
	sodium_bin2base64(m, out, raw, len + 2, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return m;
}

char *entity_marker_decode(struct call *c, char kind, const char *marker,
			   size_t *ret_len)
{
	unsigned char raw[MARKER_RAW_MAX + 2];
	size_t len = 0;
	if (sodium_base642bin(raw, sizeof(raw), marker, strlen(marker), NULL, &len, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    len < 2 || raw[0] != 1 || raw[1] != (unsigned char)kind)
		return NULL;
	for (size_t i = 2; i < len; i++)
		if (raw[i] == 0)
			return NULL;
	char *s = arena_strndup(c->arena, (const char *)raw + 2, len - 2);
	if (s && ret_len)
		*ret_len = len - 2;
	return s;
}

int entity_marker_fail(struct call *c)
{
	return call_fail(c, -EINVAL, "InvalidInput",
			 "Invalid value for marker: use the Marker from the previous response.");
}

int entity_page_walk(struct call *c, enum store_db db, const char *prefix,
		     struct entity_page *p, entity_visit_fn visit, void *userdata)
{
	struct store_cursor *cur = NULL;
	struct store_val k;
	char start[ENTITY_KEY_MAX];
	size_t plen = strlen(prefix), slen = plen;
	int32_t max = p->has_max ? p->max : UTIL_MAX_ITEMS_DEFAULT;
	int32_t taken = 0;
	int r;

	if (plen >= ENTITY_KEY_MAX)
		return -EINVAL;
	memcpy(start, prefix, plen);
	if (p->marker) {
		size_t mlen;
		char *m = entity_marker_decode(c, p->kind, p->marker, &mlen);
		if (!m || plen + mlen >= ENTITY_KEY_MAX)
			return entity_marker_fail(c);
		memcpy(start + plen, m, mlen);
		slen += mlen;
	}
	p->truncated = false;
	p->next_marker = NULL;
	r = store_cursor_open(c->txn, db, &cur);
	if (r < 0)
		return r;
	struct store_val v;
	for (r = store_cursor_seek(cur, start, slen, &k, &v); r == 0;
	     r = store_cursor_next(cur, &k, &v)) {
		if (k.len < plen || memcmp(k.data, prefix, plen) != 0)
			break;
		const char *suffix = (const char *)k.data + plen;
		size_t len = k.len - plen;
		bool take = taken < max;
		int m = visit(c, suffix, len, &v, take, userdata);
		if (m < 0) {
			r = m;
			break;
		}
		if (m == 0)
			continue;
		if (take) {
			taken++;
			continue;
		}
		p->truncated = true;
		p->next_marker = entity_marker_encode(c, p->kind, suffix, len);
		if (!p->next_marker)
			r = -ENOMEM;
		break;
	}
	store_cursor_close(cur);
	return r == -ENOENT ? 0 : r;
}

int entity_verr_fail(struct call *c, struct util_verr *e)
{
	const char *code = util_verr_done(e);
	if (!code)
		return 0;
	int err = strcmp(code, "LimitExceeded") == 0 ? -EDQUOT : -EINVAL;
	return call_fail(c, err, code, "%s", e->msg);
}

void entity_tags_check(Iam__Tag *const *tags, size_t n, struct util_verr *e)
{
	char field[48];
	if (n > UTIL_TAGS_MAX) {
		char v[32];
		snprintf(v, sizeof(v), "[%zu tags]", n);
		util_verr_add(e, "tags", v, "Member must have length less than or equal to %d",
			      UTIL_TAGS_MAX);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(field, sizeof(field), "tags.%zu.member.key", i + 1);
		util_name_check_tag_key(tags[i]->key, field, e);
		snprintf(field, sizeof(field), "tags.%zu.member.value", i + 1);
		util_name_check_tag_value(tags[i]->value, field, e);
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (tags[i]->key && tags[j]->key &&
			    util_tag_key_equal(tags[i]->key, tags[j]->key)) {
				util_verr_set(e, "InvalidInput", "Duplicate tag keys found. "
					      "Please note that Tag keys are case insensitive.");
				return;
			}
}

void entity_tag_keys_check(char *const *keys, size_t n, struct util_verr *e)
{
	char field[32];
	if (n > UTIL_TAGS_MAX) {
		char v[32];
		snprintf(v, sizeof(v), "[%zu keys]", n);
		util_verr_add(e, "tagKeys", v, "Member must have length less than or equal to %d",
			      UTIL_TAGS_MAX);
	} else if (n == 0) {
		util_verr_add(e, "tagKeys", NULL, "Member must not be null");
	}
	for (size_t i = 0; i < n && i < UTIL_TAGS_MAX; i++) {
		snprintf(field, sizeof(field), "tagKeys.%zu.member", i + 1);
		util_name_check_tag_key(keys[i], field, e);
	}
}
