/* entity: users and groups in the store, the logic the handlers share.
 * Records (UserRecord, GroupRecord) live under account "/" lower(name); id
 * indexes map ids to those keys; two membership indexes hold
 * account "/" lower(user) "/" lower(group) and the reverse. Everything is
 * read in the call's transaction and unpacked with c->pb, so nothing
 * returned points into LMDB memory. Functions return negative errno and do
 * NOT call call_fail(): the handler says what went wrong. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "call.h"
#include "iam.pb-c.h"
#include "iam_role.pb-c.h"
#include "store/store.h"

/* account(12) "/" group(128) "/" user(64), with room to spare */
#define ENTITY_KEY_MAX 256
#define ENTITY_GROUPS_PER_USER 10

/* The account the call acts in (the caller's). */
const char *entity_account(const struct call *c);

/* acct "/" lower(a) [ "/" lower(b) ] into buf; returns the length, 0 when it
 * would not fit. b may be NULL; a "" with b NULL gives the prefix "acct/". */
size_t entity_key(char buf[ENTITY_KEY_MAX], const char *acct, const char *a,
		  const char *b);

/* ARNs in the aws partition; path "/" or "/.../". From c->arena. */
char *entity_user_arn(struct call *c, const char *path, const char *name);
char *entity_group_arn(struct call *c, const char *path, const char *name);

int entity_user_get(struct call *c, const char *name, Iam__User **ret);
/* Writes the record and its id index; `create` refuses an existing name
 * (-EEXIST). */
int entity_user_put(struct call *c, const Iam__User *u, bool create);
int entity_user_del(struct call *c, const Iam__User *u);
/* Renames and/or moves a user: new key, id index, ARN, memberships. */
int entity_user_rename(struct call *c, Iam__User *u, const char *new_name,
		       const char *new_path);

int entity_group_get(struct call *c, const char *name, Iam__Group **ret);
int entity_group_put(struct call *c, const Iam__Group *g, bool create);
int entity_group_del(struct call *c, const Iam__Group *g);
int entity_group_rename(struct call *c, Iam__Group *g, const char *new_name,
			const char *new_path);

/* Membership, by names. add is idempotent; del returns -ENOENT when the
 * user was not a member. */
int entity_member_add(struct call *c, const char *user, const char *group);
int entity_member_del(struct call *c, const char *user, const char *group);
int entity_member_is(struct call *c, const char *user, const char *group);
/* How many groups the user is in, or whether the group has any member. */
int entity_user_groups_count(struct call *c, const char *user, size_t *ret);
int entity_group_has_members(struct call *c, const char *group, bool *ret);

/* Account-wide counters and quotas (entity_count.c): the count of each kind
 * in each account, kept in the meta database under "count/" ACCT "/" KIND
 * and updated in the transaction that creates or deletes the entity.
 * entity_user_put(create)/entity_user_del() and the group pair keep the user
 * and group counters; the code that creates or deletes roles and customer
 * managed policies calls entity_count_add(c, kind, +1 / -1) beside its put
 * or del, then (on create) entity_count_check(). */
enum entity_kind {
	ENTITY_KIND_USER = 0,     /* quota UsersPerAccount 5000 */
	ENTITY_KIND_GROUP,        /* GroupsPerAccount 300 */
	ENTITY_KIND_ROLE,         /* RolesPerAccount 1000 */
	ENTITY_KIND_POLICY,       /* customer managed: PoliciesPerAccount 1500 */
	ENTITY_KIND__COUNT
};

/* Adds delta (a counter never goes below 0) in the caller's account. */
int entity_count_add(struct call *c, enum entity_kind kind, int delta);
/* The same in an explicit account and transaction (migrations, set-up);
 * *ret (may be NULL) gets the new count. */
int entity_count_txn_add(struct store_txn *t, const char *acct, enum entity_kind kind,
			 int delta, uint64_t *ret);
int entity_count_get(struct call *c, enum entity_kind kind, uint64_t *ret);
uint32_t entity_count_quota(enum entity_kind kind);

/* Named records with an id index (users, groups, roles): the record under
 * entity_key(account, name) in db, name's key under the id in ids, and the
 * account's counter of kind. get: the raw record (-ENOENT when absent).
 * put: `create` refuses an existing name (-EEXIST) and counts one more.
 * unlink: drops record and index, the count stays (renames); del: and
 * counts one less. */
struct entity_table {
	enum store_db db, ids;
	enum entity_kind kind;
};
int entity_rec_get(struct call *c, enum store_db db, const char *name,
		   struct store_val *ret);
int entity_rec_put(struct call *c, const struct entity_table *t, const char *name,
		   const char *id, const ProtobufCMessage *rec, bool create);
int entity_rec_unlink(struct call *c, const struct entity_table *t, const char *name,
		      const char *id);
int entity_rec_del(struct call *c, const struct entity_table *t, const char *name,
		   const char *id);
/* After a create counted: 0 while the count is within the quota, else
 * call_fail(-EDQUOT, "LimitExceeded", "Cannot exceed quota for
 * UsersPerAccount: 5000") (the write transaction is then abandoned). */
int entity_count_check(struct call *c, enum entity_kind kind);
/* Recomputes every counter of every account from the records (migration). */
int entity_count_rebuild(struct store_txn *t);

/* Paging over keys under a prefix in one database, from an opaque marker.
 * visit() is called with the key's suffix after the prefix; it returns 1
 * when the entry matches (and, if `take`, it added it to its result), 0 when
 * it does not match, < 0 on error. `val` is the entry's value (valid
 * during the call of visit only). After `max` taken entries the walk looks
 * for one more match: if there is one, the page is truncated and its marker
 * points at it. */
typedef int (*entity_visit_fn)(struct call *c, const char *suffix, size_t len,
			       const struct store_val *val, bool take, void *userdata);

struct entity_page {
	char kind;                /* marker tag: one per kind of list */
	const char *marker;       /* from the request, or NULL */
	bool has_max;
	int32_t max;              /* validated 1..1000 when has_max */
	/* out */
	bool truncated;
	char *next_marker;        /* c->arena, when truncated */
};

/* -EINVAL with call_fail() done when the marker is not ours. */
int entity_page_walk(struct call *c, enum store_db db, const char *prefix,
		     struct entity_page *p, entity_visit_fn visit, void *userdata);

/* Opaque markers for lists that are not key walks (tags: an index). */
char *entity_marker_encode(struct call *c, char kind, const char *data, size_t len);
/* Decoded bytes (NUL-terminated, c->arena), or NULL when invalid. */
char *entity_marker_decode(struct call *c, char kind, const char *marker,
			   size_t *ret_len);
int entity_marker_fail(struct call *c);

/* Copies a protobuf string into the arena (NULL stays NULL). */
char *entity_strdup(struct call *c, const char *s);

struct util_verr;
/* 0 when e holds nothing; else call_fail() with its code and message. */
int entity_verr_fail(struct call *c, struct util_verr *e);
/* AWS's rules for a list of tags in a request: count, keys, values, keys
 * unique ignoring case. */
void entity_tags_check(Iam__Tag *const *tags, size_t n, struct util_verr *e);
/* The same for an UntagX request's TagKeys: 1-50 keys, each a valid key. */
void entity_tag_keys_check(char *const *keys, size_t n, struct util_verr *e);
/* ---- roles, inline policies, tags of any entity (entity_role.c) ---- */

/* AttachedPermissionsBoundary.PermissionsBoundaryType as AWS answers it. */
#define ENTITY_BOUNDARY_TYPE "Policy"

/* Roles: RoleRecord under account "/" lower(name), role_ids maps the AROA
 * id to that key. Same contract as users; put(create) and del keep the
 * account's role counter (ENTITY_KIND_ROLE). */
char *entity_role_arn(struct call *c, const char *path, const char *name);
int entity_role_get(struct call *c, const char *name, Iam__Role **ret);
int entity_role_put(struct call *c, const Iam__Role *r, bool create);
int entity_role_del(struct call *c, const Iam__Role *r);

/* Whether an owner (user, group or role id) has any inline policy. */
int entity_inline_any(struct call *c, const char *owner_id, bool *ret);

/* Tags held in an entity's record (TagX, UntagX, ListXTags):
 * merge: the request's tags replace those with the same key (ignoring case)
 * and are appended otherwise; LimitExceeded (-EDQUOT, call_fail() done)
 * when the result would hold more than UTIL_TAGS_MAX. untag: drops the tags whose keys are listed; returns 1
 * when something was dropped, else 0. page: one page of a ListXTags answer
 * from an opaque marker (-EINVAL with call_fail() done when it is not ours). */
int entity_tags_merge(struct call *c, Iam__Tag ***tags, size_t *n,
		      Iam__Tag *const *add, size_t n_add);
int entity_tags_untag(Iam__Tag **tags, size_t *n, char *const *keys, size_t n_keys);
struct entity_tag_page {
	Iam__Tag **tags;
	size_t n_tags;
	bool truncated;
	char *marker;
};
int entity_tags_page(struct call *c, Iam__Tag **tags, size_t n, const char *marker,
		     bool has_max, int32_t max, struct entity_tag_page *ret);
