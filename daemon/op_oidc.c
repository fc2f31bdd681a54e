/* op_oidc: IAM OpenID Connect identity providers (docs/federation.md):
 * CreateOpenIDConnectProvider, GetOpenIDConnectProvider,
 * ListOpenIDConnectProviders, DeleteOpenIDConnectProvider,
 * AddClientIDToOpenIDConnectProvider, RemoveClientIDFromOpenIDConnectProvider,
 * UpdateOpenIDConnectProviderThumbprint, TagOpenIDConnectProvider,
 * UntagOpenIDConnectProvider, ListOpenIDConnectProviderTags, with AWS's
 * limits and errors.
 *
 * A provider is one record (STORE_DB_OIDC_PROVIDERS) under
 * account "/" url, where url is host[:port][/path] of its https:// URL with
 * the host in lower case (oidc_url_key()); its ARN is
 * arn:aws:iam::ACCOUNT:oidc-provider/URL. AssumeRoleWithWebIdentity finds
 * it by the token's issuer (oidc_provider_find(), op_sts_web.c); a change
 * of its thumbprints forgets its cached keys (oidc_keys.c). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "entity.h"
#include "iam_oidc.pb-c.h"
#include "iamd.h"
#include "oidc.h"
#include "ops.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/name.h"

#define ARN_PREFIX_FMT "arn:aws:iam::%s:oidc-provider/"

/* ---- URLs, ARNs, records ---- */

int oidc_url_parse(const char *url, char **ret_url, struct arena *a)
{
	if (!url || strncmp(url, "https://", 8) != 0)
		return -EINVAL;
	const char *h = url + 8;
	size_t hl = strcspn(h, "/");
	if (hl == 0 || strpbrk(h, "?#") || strchr(h, ' '))
		return -EINVAL;
	for (size_t i = 0; i < hl; i++) {
		unsigned char ch = (unsigned char)h[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == ':' ||
		      ch == '[' || ch == ']'))
			return -EINVAL;
	}
	for (const char *p = h + hl; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return -EINVAL;
	char *u = arena_strdup(a, h);
	if (!u)
		return -ENOMEM;
	*ret_url = u;
	return 0;
}

size_t oidc_url_key(char buf[OIDC_KEY_MAX], const char *account, const char *url)
{
	size_t al = strlen(account), ul = strlen(url), hl = strcspn(url, "/");
	if (al + 1 + ul + 1 > OIDC_KEY_MAX)
		return 0;
	memcpy(buf, account, al);
	buf[al] = '/';
	for (size_t i = 0; i < ul; i++) {
		char ch = url[i];
		buf[al + 1 + i] = i < hl && ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
	}
	buf[al + 1 + ul] = '\0';
	return al + 1 + ul;
}

/* The account and url an ARN names: arn:aws:iam::ACCOUNT:oidc-provider/URL
 * (arena copies), or -EINVAL. */
static int arn_split(struct call *c, const char *arn, const char **ret_acct,
		     const char **ret_url)
{
	static const char pre[] = "arn:aws:iam::";
	if (!arn || strncmp(arn, pre, sizeof(pre) - 1) != 0)
		return -EINVAL;
	const char *acct = arn + sizeof(pre) - 1;
	if (strlen(acct) < 13 || acct[12] != ':' || !util_str_has_prefix(acct + 13, "oidc-provider/"))
		return -EINVAL;
	for (int i = 0; i < 12; i++)
		if (acct[i] < '0' || acct[i] > '9')
			return -EINVAL;
	const char *url = acct + 13 + strlen("oidc-provider/");
	if (!*url || *url == '/')
		return -EINVAL;
	char *a = arena_printf(c->arena, "%.12s", acct);
	if (!a)
		return -ENOMEM;
	*ret_acct = a;
	*ret_url = url;
	return 0;
}

int oidc_provider_get(struct call *c, const char *account, const char *url,
		      Iam__OIDCProviderRecord **ret)
{
	char key[OIDC_KEY_MAX];
	struct store_val v;
	size_t klen = oidc_url_key(key, account, url);
	if (!klen)
		return -ENOENT;
	int r = store_get(c->txn, STORE_DB_OIDC_PROVIDERS, key, klen, &v);
	if (r < 0)
		return r;
	Iam__OIDCProviderRecord *rec = iam__oidcprovider_record__unpack(&c->pb, v.len, v.data);
	if (!rec || !rec->url || !rec->arn)
		return -EIO;
	*ret = rec;
	return 0;
}

static int provider_put(struct call *c, const char *account, const Iam__OIDCProviderRecord *rec,
			bool create)
{
	char key[OIDC_KEY_MAX];
	size_t klen = oidc_url_key(key, account, rec->url);
	if (!klen)
		return -EINVAL;
	size_t len = iam__oidcprovider_record__get_packed_size(rec);
	uint8_t *buf = arena_alloc(c->arena, len ? len : 1);
	if (!buf)
		return -ENOMEM;
	iam__oidcprovider_record__pack(rec, buf);
	return store_put(c->txn, STORE_DB_OIDC_PROVIDERS, key, klen, buf, len,
			 create ? STORE_NOOVERWRITE : 0);
}

static int fail_no_provider(struct call *c, const char *arn)
{
	return call_fail(c, -ENOENT, "NoSuchEntity", "OpenIDConnect Provider not found for arn %s",
			 arn);
}

/* The provider an ARN names, in the caller's account (NoSuchEntity
 * recorded when none). */
static int provider_load(struct call *c, const char *arn, Iam__OIDCProviderRecord **ret)
{
	const char *acct, *url;
	int r = arn_split(c, arn, &acct, &url);
	if (r == -ENOMEM)
		return r;
	if (r < 0 || strcmp(acct, entity_account(c)) != 0)
		return fail_no_provider(c, arn);
	r = oidc_provider_get(c, acct, url, ret);
	if (r == 0 && strcmp((*ret)->arn, arn) != 0)
		r = -ENOENT;   /* the host's case differs: AWS's ARN is as created */
	if (r == -ENOENT)
		return fail_no_provider(c, arn);
	return r < 0 ? op_fail_store(c, r) : 0;
}

/* ---- checks ---- */

static void arn_check(const char *arn, struct util_verr *e)
{
	if (!arn)
		util_verr_add(e, "openIDConnectProviderArn", NULL, "Member must not be null");
	else if (strlen(arn) < 20 || strlen(arn) > 2048)
		util_verr_add(e, "openIDConnectProviderArn", arn, strlen(arn) < 20 ?
			      "Member must have length greater than or equal to 20" :
			      "Member must have length less than or equal to 2048");
}

static void client_id_check(const char *v, const char *field, struct util_verr *e)
{
	if (!v)
		util_verr_add(e, field, NULL, "Member must not be null");
	else if (*v == '\0')
		util_verr_add(e, field, v, "Member must have length greater than or equal to 1");
	else if (strlen(v) > OIDC_CLIENT_ID_MAX)
		util_verr_add(e, field, v, "Member must have length less than or equal to %d",
			      OIDC_CLIENT_ID_MAX);
}

static void thumbprints_check(char *const *t, size_t n, struct util_verr *e)
{
	for (size_t i = 0; i < n && i < 16; i++) {
		char field[40];
		size_t len = strlen(t[i]);
		snprintf(field, sizeof(field), "thumbprintList.%zu.member", i + 1);
		if (len != 40) {
			util_verr_add(e, field, t[i], len < 40 ?
				      "Member must have length greater than or equal to 40" :
				      "Member must have length less than or equal to 40");
			continue;
		}
		if (strspn(t[i], "0123456789abcdefABCDEF") != 40)
			util_verr_set(e, "InvalidInput", "Thumbprint %.40s is not a hex string.", t[i]);
	}
	if (n > OIDC_THUMBPRINTS_MAX && !e->count)
		util_verr_set(e, "LimitExceeded",
			      "Thumbprint list must contain fewer than %d entries.",
			      OIDC_THUMBPRINTS_MAX + 1);
}

/* Lower-case copies of the thumbprints, duplicates dropped. */
static int thumbprints_copy(struct call *c, char *const *t, size_t n, char ***ret, size_t *ret_n)
{
	char **out = arena_zalloc(c->arena, (n + 1) * sizeof(*out));
	size_t k = 0;
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		char *l = arena_strdup(c->arena, t[i]);
		if (!l)
			return -ENOMEM;
		for (char *p = l; *p; p++)
			if (*p >= 'A' && *p <= 'F')
				*p = (char)(*p - 'A' + 'a');
		bool dup = false;
		for (size_t j = 0; j < k && !dup; j++)
			dup = strcmp(out[j], l) == 0;
		if (!dup)
			out[k++] = l;
	}
	*ret = out;
	*ret_n = k;
	return 0;
}

/* The resource of an action on an existing provider: its ARN as asked. */
static int arn_resource(struct call *c, const char *arn, struct util_verr *e, const char **ret)
{
	arn_check(arn, e);
	int r = entity_verr_fail(c, e);
	if (r < 0)
		return r;
	const char *acct, *url;
	r = arn_split(c, arn, &acct, &url);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return call_fail(c, -EINVAL, "InvalidInput", "ARN %.200s is not valid.", arn);
	*ret = arn;
	return 0;
}

static size_t provider_count(struct call *c, int *ret_err)
{
	char prefix[OIDC_KEY_MAX];
	struct store_cursor *cur = NULL;
	struct store_val k;
	size_t n = 0, plen = (size_t)snprintf(prefix, sizeof(prefix), "%s/", entity_account(c));
	int r = store_cursor_open(c->txn, STORE_DB_OIDC_PROVIDERS, &cur);
	if (r == 0)
		r = store_cursor_seek(cur, prefix, plen, &k, NULL);
	while (r == 0 && k.len >= plen && memcmp(k.data, prefix, plen) == 0) {
		n++;
		r = store_cursor_next(cur, &k, NULL);
	}
	store_cursor_close(cur);
	*ret_err = r == -ENOENT ? 0 : r;
	return n;
}

/* ---- CreateOpenIDConnectProvider ---- */

int op_create_open_id_connect_provider_resource(struct call *c, const ProtobufCMessage *m,
						const char **ret)
{
	const Iam__CreateOpenIDConnectProviderRequest *q =
		(const Iam__CreateOpenIDConnectProviderRequest *)m;
	struct util_verr e;
	char *url = NULL;
	util_verr_init(&e);
	if (!q->url)
		util_verr_add(&e, "url", NULL, "Member must not be null");
	else if (*q->url == '\0' || strlen(q->url) > OIDC_URL_MAX)
		util_verr_add(&e, "url", q->url, *q->url ?
			      "Member must have length less than or equal to 255" :
			      "Member must have length greater than or equal to 1");
	for (size_t i = 0; i < q->n_client_id_list && i < 128; i++) {
		char field[40];
		snprintf(field, sizeof(field), "clientIDList.%zu.member", i + 1);
		client_id_check(q->client_id_list[i], field, &e);
	}
	thumbprints_check(q->thumbprint_list, q->n_thumbprint_list, &e);
	entity_tags_check(q->tags, q->n_tags, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	if (q->n_client_id_list > OIDC_CLIENT_IDS_MAX)
		return call_fail(c, -EDQUOT, "LimitExceeded",
				 "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: %d",
				 OIDC_CLIENT_IDS_MAX);
	r = oidc_url_parse(q->url, &url, c->arena);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return call_fail(c, -EINVAL, "InvalidInput",
				 "Invalid Open ID Connect Provider URL: %.255s (it must begin with https:// and name a host, without a query or fragment).",
				 q->url);
	char *arn = arena_printf(c->arena, ARN_PREFIX_FMT "%s", entity_account(c), url);
	if (!arn)
		return -ENOMEM;
	c->op_state = url;
	*ret = arn;
	return 0;
}

int op_create_open_id_connect_provider(struct call *c, const ProtobufCMessage *m,
				       ProtobufCMessage **ret)
{
	const Iam__CreateOpenIDConnectProviderRequest *q =
		(const Iam__CreateOpenIDConnectProviderRequest *)m;
	Iam__CreateOpenIDConnectProviderResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__OIDCProviderRecord rec = IAM__OIDCPROVIDER_RECORD__INIT;
	const char *url = c->op_state;
	int r;
	if (!resp || !url)
		return -ENOMEM;
	iam__create_open_idconnect_provider_response__init(resp);
	size_t n = provider_count(c, &r);
	if (r < 0)
		return op_fail_store(c, r);
	if (n >= OIDC_PROVIDERS_MAX)
		return call_fail(c, -EDQUOT, "LimitExceeded",
				 "Cannot exceed quota for OpenIdConnectProvidersPerAccount: %d",
				 OIDC_PROVIDERS_MAX);
	rec.url = (char *)url;
	rec.arn = arena_printf(c->arena, ARN_PREFIX_FMT "%s", entity_account(c), url);
	if (!rec.arn)
		return -ENOMEM;
	/* client ids: duplicates dropped, order kept */
	rec.client_id_list = arena_zalloc(c->arena, (q->n_client_id_list + 1) * sizeof(char *));
	if (!rec.client_id_list)
		return -ENOMEM;
	for (size_t i = 0; i < q->n_client_id_list; i++) {
		bool dup = false;
		for (size_t j = 0; j < rec.n_client_id_list && !dup; j++)
			dup = strcmp(rec.client_id_list[j], q->client_id_list[i]) == 0;
		if (!dup)
			rec.client_id_list[rec.n_client_id_list++] = q->client_id_list[i];
	}
	r = thumbprints_copy(c, q->thumbprint_list, q->n_thumbprint_list, &rec.thumbprint_list,
			     &rec.n_thumbprint_list);
	if (r < 0)
		return r;
	rec.has_create_date = true;
	rec.create_date = c->now;
	rec.tags = q->tags;
	rec.n_tags = q->n_tags;
	r = provider_put(c, entity_account(c), &rec, true);
	if (r == -EEXIST)
		return call_fail(c, -EEXIST, "EntityAlreadyExists",
				 "Provider with url https://%s already exists.", url);
	if (r < 0)
		return op_fail_store(c, r);
	resp->open_id_connect_provider_arn = rec.arn;
	resp->tags = q->tags;
	resp->n_tags = q->n_tags;
	*ret = &resp->base;
	return 0;
}

/* ---- GetOpenIDConnectProvider, ListOpenIDConnectProviders ---- */

int op_get_open_id_connect_provider_resource(struct call *c, const ProtobufCMessage *m,
					     const char **ret)
{
	const Iam__GetOpenIDConnectProviderRequest *q =
		(const Iam__GetOpenIDConnectProviderRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	return arn_resource(c, q->open_id_connect_provider_arn, &e, ret);
}

int op_get_open_id_connect_provider(struct call *c, const ProtobufCMessage *m,
				    ProtobufCMessage **ret)
{
	const Iam__GetOpenIDConnectProviderRequest *q =
		(const Iam__GetOpenIDConnectProviderRequest *)m;
	Iam__GetOpenIDConnectProviderResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__OIDCProviderRecord *rec;
	if (!resp)
		return -ENOMEM;
	iam__get_open_idconnect_provider_response__init(resp);
	int r = provider_load(c, q->open_id_connect_provider_arn, &rec);
	if (r < 0)
		return r;
	resp->url = rec->url;
	resp->client_id_list = rec->client_id_list;
	resp->n_client_id_list = rec->n_client_id_list;
	resp->thumbprint_list = rec->thumbprint_list;
	resp->n_thumbprint_list = rec->n_thumbprint_list;
	resp->has_create_date = rec->has_create_date;
	resp->create_date = rec->create_date;
	resp->tags = rec->tags;
	resp->n_tags = rec->n_tags;
	*ret = &resp->base;
	return 0;
}

int op_list_open_id_connect_providers_resource(struct call *c, const ProtobufCMessage *m,
					       const char **ret)
{
	return op_resource_none(c, m, ret);
}

int op_list_open_id_connect_providers(struct call *c, const ProtobufCMessage *m,
				      ProtobufCMessage **ret)
{
	Iam__ListOpenIDConnectProvidersResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	char prefix[OIDC_KEY_MAX];
	struct store_cursor *cur = NULL;
	struct store_val k, v;
	size_t n = 0, cap = OIDC_PROVIDERS_MAX;
	(void)m;
	if (!resp)
		return -ENOMEM;
	iam__list_open_idconnect_providers_response__init(resp);
	size_t plen = (size_t)snprintf(prefix, sizeof(prefix), "%s/", entity_account(c));
	Iam__OpenIDConnectProviderListEntry **list = arena_zalloc(c->arena, (cap + 1) * sizeof(*list));
	if (!list)
		return -ENOMEM;
	int r = store_cursor_open(c->txn, STORE_DB_OIDC_PROVIDERS, &cur);
	if (r == 0)
		r = store_cursor_seek(cur, prefix, plen, &k, &v);
	while (r == 0 && k.len >= plen && memcmp(k.data, prefix, plen) == 0) {
		Iam__OIDCProviderRecord *rec = iam__oidcprovider_record__unpack(&c->pb, v.len, v.data);
		if (!rec || !rec->arn) {
			r = -EIO;
			break;
		}
		if (n < cap) {
			Iam__OpenIDConnectProviderListEntry *e = arena_alloc(c->arena, sizeof(*e));
			if (!e) {
				r = -ENOMEM;
				break;
			}
			iam__open_idconnect_provider_list_entry__init(e);
			e->arn = rec->arn;
			list[n++] = e;
		}
		r = store_cursor_next(cur, &k, &v);
	}
	store_cursor_close(cur);
	if (r < 0 && r != -ENOENT)
		return op_fail_store(c, r);
	resp->open_id_connect_provider_list = list;
	resp->n_open_id_connect_provider_list = n;
	*ret = &resp->base;
	return 0;
}

/* ---- DeleteOpenIDConnectProvider ---- */

int op_delete_open_id_connect_provider_resource(struct call *c, const ProtobufCMessage *m,
						const char **ret)
{
	const Iam__DeleteOpenIDConnectProviderRequest *q =
		(const Iam__DeleteOpenIDConnectProviderRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	return arn_resource(c, q->open_id_connect_provider_arn, &e, ret);
}

int op_delete_open_id_connect_provider(struct call *c, const ProtobufCMessage *m,
				       ProtobufCMessage **ret)
{
	const Iam__DeleteOpenIDConnectProviderRequest *q =
		(const Iam__DeleteOpenIDConnectProviderRequest *)m;
	Iam__DeleteOpenIDConnectProviderResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__OIDCProviderRecord *rec;
	char key[OIDC_KEY_MAX];
	if (!resp)
		return -ENOMEM;
	iam__delete_open_idconnect_provider_response__init(resp);
	int r = provider_load(c, q->open_id_connect_provider_arn, &rec);
	if (r < 0)
		return r;
	size_t klen = oidc_url_key(key, entity_account(c), rec->url);
	r = klen ? store_del(c->txn, STORE_DB_OIDC_PROVIDERS, key, klen) : -EIO;
	if (r < 0)
		return op_fail_store(c, r);
	oidc_keys_forget(rec->arn);
	*ret = &resp->base;
	return 0;
}

/* ---- client ids and thumbprints ---- */

static int client_id_resource(struct call *c, const char *arn, const char *id, const char **ret)
{
	struct util_verr e;
	util_verr_init(&e);
	client_id_check(id, "clientID", &e);
	return arn_resource(c, arn, &e, ret);
}

int op_add_client_id_to_open_id_connect_provider_resource(struct call *c,
							  const ProtobufCMessage *m,
							  const char **ret)
{
	const Iam__AddClientIDToOpenIDConnectProviderRequest *q =
		(const Iam__AddClientIDToOpenIDConnectProviderRequest *)m;
	return client_id_resource(c, q->open_id_connect_provider_arn, q->client_id, ret);
}

int op_add_client_id_to_open_id_connect_provider(struct call *c, const ProtobufCMessage *m,
						 ProtobufCMessage **ret)
{
	const Iam__AddClientIDToOpenIDConnectProviderRequest *q =
		(const Iam__AddClientIDToOpenIDConnectProviderRequest *)m;
	Iam__AddClientIDToOpenIDConnectProviderResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__OIDCProviderRecord *rec;
	if (!resp)
		return -ENOMEM;
	iam__add_client_idto_open_idconnect_provider_response__init(resp);
	int r = provider_load(c, q->open_id_connect_provider_arn, &rec);
	if (r < 0)
		return r;
	*ret = &resp->base;
	for (size_t i = 0; i < rec->n_client_id_list; i++)
		if (strcmp(rec->client_id_list[i], q->client_id) == 0)
			return 0;   /* there already: nothing to do */
	if (rec->n_client_id_list >= OIDC_CLIENT_IDS_MAX)
		return call_fail(c, -EDQUOT, "LimitExceeded",
				 "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: %d",
				 OIDC_CLIENT_IDS_MAX);
	char **ids = arena_alloc(c->arena, (rec->n_client_id_list + 1) * sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	if (rec->n_client_id_list)
		memcpy(ids, rec->client_id_list, rec->n_client_id_list * sizeof(*ids));
	ids[rec->n_client_id_list] = q->client_id;
	rec->client_id_list = ids;
	rec->n_client_id_list++;
	r = provider_put(c, entity_account(c), rec, false);
	return r < 0 ? op_fail_store(c, r) : 0;
}

int op_remove_client_id_from_open_id_connect_provider_resource(struct call *c,
							       const ProtobufCMessage *m,
							       const char **ret)
{
	const Iam__RemoveClientIDFromOpenIDConnectProviderRequest *q =
		(const Iam__RemoveClientIDFromOpenIDConnectProviderRequest *)m;
	return client_id_resource(c, q->open_id_connect_provider_arn, q->client_id, ret);
}

int op_remove_client_id_from_open_id_connect_provider(struct call *c, const ProtobufCMessage *m,
						      ProtobufCMessage **ret)
{
	const Iam__RemoveClientIDFromOpenIDConnectProviderRequest *q =
		(const Iam__RemoveClientIDFromOpenIDConnectProviderRequest *)m;
	Iam__RemoveClientIDFromOpenIDConnectProviderResponse *resp =
		arena_alloc(c->arena, sizeof(*resp));
	Iam__OIDCProviderRecord *rec;
	if (!resp)
		return -ENOMEM;
	iam__remove_client_idfrom_open_idconnect_provider_response__init(resp);
	int r = provider_load(c, q->open_id_connect_provider_arn, &rec);
	if (r < 0)
		return r;
	*ret = &resp->base;
	size_t k = 0;
	for (size_t i = 0; i < rec->n_client_id_list; i++)
		if (strcmp(rec->client_id_list[i], q->client_id) != 0)
			rec->client_id_list[k++] = rec->client_id_list[i];
	if (k == rec->n_client_id_list)
		return 0;   /* AWS: removing an id that is not there is no error */
	rec->n_client_id_list = k;
	r = provider_put(c, entity_account(c), rec, false);
	return r < 0 ? op_fail_store(c, r) : 0;
}

int op_update_open_id_connect_provider_thumbprint_resource(struct call *c,
							   const ProtobufCMessage *m,
							   const char **ret)
{
	const Iam__UpdateOpenIDConnectProviderThumbprintRequest *q =
		(const Iam__UpdateOpenIDConnectProviderThumbprintRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	thumbprints_check(q->thumbprint_list, q->n_thumbprint_list, &e);
	return arn_resource(c, q->open_id_connect_provider_arn, &e, ret);
}

int op_update_open_id_connect_provider_thumbprint(struct call *c, const ProtobufCMessage *m,
						  ProtobufCMessage **ret)
{
	const Iam__UpdateOpenIDConnectProviderThumbprintRequest *q =
		(const Iam__UpdateOpenIDConnectProviderThumbprintRequest *)m;
	Iam__UpdateOpenIDConnectProviderThumbprintResponse *resp =
		arena_alloc(c->arena, sizeof(*resp));
	Iam__OIDCProviderRecord *rec;
	if (!resp)
		return -ENOMEM;
	iam__update_open_idconnect_provider_thumbprint_response__init(resp);
	int r = provider_load(c, q->open_id_connect_provider_arn, &rec);
	if (r < 0)
		return r;
	r = thumbprints_copy(c, q->thumbprint_list, q->n_thumbprint_list, &rec->thumbprint_list,
			     &rec->n_thumbprint_list);
	if (r < 0)
		return r;
	r = provider_put(c, entity_account(c), rec, false);
	if (r < 0)
		return op_fail_store(c, r);
	/* keys fetched under the old thumbprints are fetched again */
	oidc_keys_forget(rec->arn);
	*ret = &resp->base;
	return 0;
}

/* ---- tags ---- */

int op_tag_open_id_connect_provider_resource(struct call *c, const ProtobufCMessage *m,
					     const char **ret)
{
	const Iam__TagOpenIDConnectProviderRequest *q =
		(const Iam__TagOpenIDConnectProviderRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	entity_tags_check(q->tags, q->n_tags, &e);
	return arn_resource(c, q->open_id_connect_provider_arn, &e, ret);
}

int op_tag_open_id_connect_provider(struct call *c, const ProtobufCMessage *m,
				    ProtobufCMessage **ret)
{
	const Iam__TagOpenIDConnectProviderRequest *q =
		(const Iam__TagOpenIDConnectProviderRequest *)m;
	Iam__TagOpenIDConnectProviderResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__OIDCProviderRecord *rec;
	if (!resp)
		return -ENOMEM;
	iam__tag_open_idconnect_provider_response__init(resp);
	int r = provider_load(c, q->open_id_connect_provider_arn, &rec);
	if (r < 0)
		return r;
	r = entity_tags_merge(c, &rec->tags, &rec->n_tags, q->tags, q->n_tags);
	if (r < 0)
		return r;
	r = provider_put(c, entity_account(c), rec, false);
	if (r < 0)
		return op_fail_store(c, r);
	*ret = &resp->base;
	return 0;
}

int op_untag_open_id_connect_provider_resource(struct call *c, const ProtobufCMessage *m,
					       const char **ret)
{
	const Iam__UntagOpenIDConnectProviderRequest *q =
		(const Iam__UntagOpenIDConnectProviderRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	entity_tag_keys_check(q->tag_keys, q->n_tag_keys, &e);
	return arn_resource(c, q->open_id_connect_provider_arn, &e, ret);
}

int op_untag_open_id_connect_provider(struct call *c, const ProtobufCMessage *m,
				      ProtobufCMessage **ret)
{
	const Iam__UntagOpenIDConnectProviderRequest *q =
		(const Iam__UntagOpenIDConnectProviderRequest *)m;
	Iam__UntagOpenIDConnectProviderResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__OIDCProviderRecord *rec;
	if (!resp)
		return -ENOMEM;
	iam__untag_open_idconnect_provider_response__init(resp);
	int r = provider_load(c, q->open_id_connect_provider_arn, &rec);
	if (r < 0)
		return r;
	if (entity_tags_untag(rec->tags, &rec->n_tags, q->tag_keys, q->n_tag_keys) > 0 &&
	    (r = provider_put(c, entity_account(c), rec, false)) < 0)
		return op_fail_store(c, r);
	*ret = &resp->base;
	return 0;
}

int op_list_open_id_connect_provider_tags_resource(struct call *c, const ProtobufCMessage *m,
						   const char **ret)
{
	const Iam__ListOpenIDConnectProviderTagsRequest *q =
		(const Iam__ListOpenIDConnectProviderTagsRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	util_name_check_marker(q->marker, "marker", &e);
	util_name_check_max_items(q->has_max_items, q->max_items, "maxItems", &e);
	return arn_resource(c, q->open_id_connect_provider_arn, &e, ret);
}

int op_list_open_id_connect_provider_tags(struct call *c, const ProtobufCMessage *m,
					  ProtobufCMessage **ret)
{
	const Iam__ListOpenIDConnectProviderTagsRequest *q =
		(const Iam__ListOpenIDConnectProviderTagsRequest *)m;
	Iam__ListOpenIDConnectProviderTagsResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__OIDCProviderRecord *rec;
	struct entity_tag_page p;
	if (!resp)
		return -ENOMEM;
	iam__list_open_idconnect_provider_tags_response__init(resp);
	int r = provider_load(c, q->open_id_connect_provider_arn, &rec);
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
