/* store: the entity store's narrow interface (LMDB is the embedded engine,
 * confined to store_lmdb.c). Named databases per entity kind and index,
 * byte keys and values, one write transaction per mutating call, durable
 * commits. A value returned by store_get() or a cursor points into the
 * store's memory and is valid only until its transaction ends.
 * Errors: negative errno; -ENOENT not found, -EEXIST key exists (with
 * STORE_NOOVERWRITE), -ENOSPC map or disk full, -EIO anything else. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct store_txn;
struct store_cursor;

/* The named databases. Adding one is appending here and in store_lmdb.c. */
enum store_db {
	STORE_DB_META = 0,       /* "meta" -> StoreMeta */
	STORE_DB_ACCOUNTS,       /* account id -> AccountRecord */
	STORE_DB_USERS,          /* account "/" lower(name) -> UserRecord */
	STORE_DB_USER_IDS,       /* user id -> account "/" lower(name) */
	STORE_DB_GROUPS,         /* account "/" lower(name) -> GroupRecord */
	STORE_DB_GROUP_IDS,      /* group id -> account "/" lower(name) */
	STORE_DB_USER_GROUPS,    /* account "/" lower(user) "/" lower(group) -> "" */
	STORE_DB_GROUP_USERS,    /* account "/" lower(group) "/" lower(user) -> "" */
	STORE_DB_ROLES,          /* account "/" lower(name) -> RoleRecord */
	STORE_DB_ROLE_IDS,       /* role id -> account "/" lower(name) */
	STORE_DB_POLICIES,       /* account "/" lower(name) -> ManagedPolicyRecord
				    (account "aws" holds AWS managed policies) */
	STORE_DB_POLICY_IDS,     /* policy id -> account "/" lower(name) */
	STORE_DB_INLINE_POLICIES,/* owner id "/" lower(policy name) -> InlinePolicyRecord
				    (owner id: AIDA... user, AGPA... group, AROA... role;
				    ids survive renames, so keys need no moving) */
	STORE_DB_ATTACHMENTS,    /* owner id "/" policy ARN -> "" */
	STORE_DB_POLICY_ATTACHMENTS, /* policy ARN "\n" owner id -> "" */
	STORE_DB_LOCAL_BINDINGS, /* uid as 10 decimal digits -> LocalUserBinding */
	STORE_DB_ACCESS_KEYS,    /* access key id -> AccessKeyRecord (no secret) */
	STORE_DB_USER_ACCESS_KEYS, /* owner id "/" access key id -> "" (owner id:
				    AIDA... user, or the account id for root) */
	STORE_DB_INSTANCE_PROFILES, /* account "/" lower(name) -> InstanceProfileRecord */
	STORE_DB_ROLE_INSTANCE_PROFILES, /* role id "/" lower(profile name) -> "" */
	STORE_DB_HOST_ASSOCIATIONS, /* association id -> HostAssociation */
	STORE_DB_MFA_DEVICES,    /* account "/" lower(name) -> MFADeviceRecord (no seed) */
	STORE_DB_USER_MFA_DEVICES, /* user id "/" lower(device name) -> "" */
	STORE_DB_LOGIN_PROFILES, /* user id -> LoginProfileRecord (no password) */
	STORE_DB_CREDENTIAL_REPORTS, /* account id -> CredentialReportRecord */
	STORE_DB_SSH_PUBLIC_KEYS, /* user id "/" key id -> SSHPublicKeyRecord */
	STORE_DB_OIDC_PROVIDERS, /* account "/" url (host[:port][/path], host in
				    lower case) -> OIDCProviderRecord */
	STORE_DB_SAML_PROVIDERS, /* account "/" lower(name) -> SAMLProviderRecord */
	STORE_DB__COUNT
};

struct store_val {
	const void *data;
	size_t len;
};

enum store_put_flags {
	STORE_NOOVERWRITE = 1u << 0,
};

struct store_options {
	size_t map_size;          /* bytes; 0: 1 GiB */
	unsigned max_readers;     /* 0: 126 */
};

/* Opens (creating if needed) the environment in `dir` (data.mdb, lock.mdb).
 * *ret_created says whether it was created now; on creation the store is
 * synced to disk before this returns. */
int store_open(const char *dir, const struct store_options *opt,
	       struct store **ret, bool *ret_created);
void store_close(struct store *s);              /* accepts NULL */

/* A write transaction, or a read transaction renewed from a per-store cache
 * (read transactions cost no allocation in the steady state). */
int store_txn_begin(struct store *s, bool write, struct store_txn **ret);
int store_txn_commit(struct store_txn *t);       /* ends t, even on error */
void store_txn_abort(struct store_txn *t);       /* accepts NULL */
bool store_txn_is_write(const struct store_txn *t);

int store_get(struct store_txn *t, enum store_db db, const void *key,
	      size_t klen, struct store_val *ret);
int store_put(struct store_txn *t, enum store_db db, const void *key,
	      size_t klen, const void *val, size_t vlen, unsigned flags);
int store_del(struct store_txn *t, enum store_db db, const void *key,
	      size_t klen);

/* Cursors iterate in key order (bytewise). seek positions at the first key
 * >= key; next advances; both return -ENOENT at the end. */
int store_cursor_open(struct store_txn *t, enum store_db db,
		      struct store_cursor **ret);
int store_cursor_seek(struct store_cursor *c, const void *key, size_t klen,
		      struct store_val *ret_key, struct store_val *ret_val);
int store_cursor_next(struct store_cursor *c, struct store_val *ret_key,
		      struct store_val *ret_val);
void store_cursor_close(struct store_cursor *c); /* accepts NULL */
