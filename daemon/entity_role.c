/* entity_role: role records and their id index, the inline-policy check
 * that deletes share, and the tag logic of any entity whose tags live in
 * its record (see entity.h). */
#include "entity.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.pb-c.h"
#include "util/arena.h"
#include "util/name.h"

char *entity_role_arn(struct call *c, const char *path, const char *name)
{
	return arena_printf(c->arena, "arn:aws:iam::%s:role%s%s", entity_account(c),
			    path ? path : "/", name);
}

static const struct entity_table roles = { STORE_DB_ROLES, STORE_DB_ROLE_IDS,
					   ENTITY_KIND_ROLE };

int entity_role_get(struct call *c, const char *name, Iam__Role **ret)
{
	struct store_val v;
	int r = entity_rec_get(c, STORE_DB_ROLES, name, &v);
	if (r < 0)
		return r;
	Iam__RoleRecord *rec = iam__role_record__unpack(&c->pb, v.len, v.data);
	if (!rec || !rec->role)
		return -EIO;   /* a record we cannot read: never guess */
	*ret = rec->role;
	return 0;
}

int entity_role_put(struct call *c, const Iam__Role *role, bool create)
{
	Iam__RoleRecord rec = IAM__ROLE_RECORD__INIT;
	rec.role = (Iam__Role *)role;
	return entity_rec_put(c, &roles, role->role_name, role->role_id, &rec.base, create);
}

int entity_role_del(struct call *c, const Iam__Role *role)
{
	return entity_rec_del(c, &roles, role->role_name, role->role_id);
}

/* ---- inline policies ---- */

int entity_inline_any(struct call *c, const char *owner_id, bool *ret)
{
	struct store_cursor *cur = NULL;
	struct store_val k;
	char prefix[ENTITY_KEY_MAX];
	int n = snprintf(prefix, sizeof(prefix), "%s/", owner_id);
	if (n < 0 || (size_t)n >= sizeof(prefix))
		return -EINVAL;
	int r = store_cursor_open(c->txn, STORE_DB_INLINE_POLICIES, &cur);
	if (r < 0)
		return r;
	r = store_cursor_seek(cur, prefix, (size_t)n, &k, NULL);
	store_cursor_close(cur);
	if (r == -ENOENT) {
		*ret = false;
		return 0;
	}
	if (r < 0)
		return r;
	*ret = k.len >= (size_t)n && memcmp(k.data, prefix, (size_t)n) == 0;
	return 0;
}

/* ---- tags ---- */

int entity_tags_merge(struct call *c, Iam__Tag ***tags, size_t *n,
		      Iam__Tag *const *add, size_t n_add)
{
	size_t cap = *n + n_add, m = *n;
	Iam__Tag **v = arena_alloc(c->arena, sizeof(*v) * (cap ? cap : 1));
	if (!v)
		return -ENOMEM;
	if (*n)
		memcpy(v, *tags, sizeof(*v) * *n);
	for (size_t i = 0; i < n_add; i++) {
		size_t j;
		for (j = 0; j < m; j++)
			if (util_tag_key_equal(v[j]->key, add[i]->key))
				break;
		v[j] = add[i];
		if (j == m)
			m++;
	}
	if (m > UTIL_TAGS_MAX)
		return call_fail(c, -EDQUOT, "LimitExceeded",
				 "The number of tags has reached the maximum limit.");
	*tags = v;
	*n = m;
	return 0;
}

int entity_tags_untag(Iam__Tag **tags, size_t *n, char *const *keys, size_t n_keys)
{
	size_t m = 0;
	for (size_t i = 0; i < *n; i++) {
		bool drop = false;
		for (size_t j = 0; j < n_keys && !drop; j++)
			drop = util_tag_key_equal(tags[i]->key, keys[j]);
		if (!drop)
			tags[m++] = tags[i];
	}
	bool changed = m != *n;
	*n = m;
	return changed ? 1 : 0;
}

int entity_tags_page(struct call *c, Iam__Tag **tags, size_t n, const char *marker,
		     bool has_max, int32_t max, struct entity_tag_page *ret)
{
	size_t start = 0;
	if (marker) {
		char *s = entity_marker_decode(c, 'T', marker, NULL), *end;
		if (!s || !*s)
			return entity_marker_fail(c);
		unsigned long v = strtoul(s, &end, 10);
		if (*end || v > UTIL_TAGS_MAX)
			return entity_marker_fail(c);
		start = v;
	}
	size_t lim = has_max ? (size_t)max : UTIL_MAX_ITEMS_DEFAULT;
	size_t avail = start < n ? n - start : 0;
	size_t k = avail < lim ? avail : lim;
	struct entity_tag_page p = { .tags = k ? tags + start : NULL, .n_tags = k,
				     .truncated = avail > lim };
	if (p.truncated) {
		char buf[16];
		int len = snprintf(buf, sizeof(buf), "%zu", start + k);
		p.marker = entity_marker_encode(c, 'T', buf, (size_t)len);
		if (!p.marker)
			return -ENOMEM;
	}
	*ret = p;
	return 0;
}
