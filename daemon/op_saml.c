/* op_saml: IAM's SAML providers (saml.h, docs/federation.md):
 * CreateSAMLProvider, GetSAMLProvider, ListSAMLProviders,
 * UpdateSAMLProvider, DeleteSAMLProvider, TagSAMLProvider,
 * UntagSAMLProvider, ListSAMLProviderTags. The metadata document is parsed
 * and checked by lib/saml when written (InvalidInput "Could not parse
 * metadata: <what is wrong>."); its entityID and signing certificates are
 * kept beside it for AssumeRoleWithSAML. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "entity.h"
#include "iam_saml.pb-c.h"
#include "ops.h"
#include "saml.h"
#include "saml/saml.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/name.h"

#define ARN_PREFIX "arn:aws:iam::"
#define ARN_KIND ":saml-provider/"

/* ---- names and ARNs ---- */

static bool name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '.' || ch == '-';
}

static bool name_valid(const char *n)
{
	size_t len = strlen(n);
	if (len < 1 || len > SAML_PROVIDER_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!name_char(n[i]))
			return false;
	return true;
}

static void name_check(const char *v, struct util_verr *e)
{
	if (!v) {
		util_verr_add(e, "name", NULL, "Member must not be null");
		return;
	}
	if (strlen(v) < 1)
		util_verr_add(e, "name", v, "Member must have length greater than or equal to 1");
	if (strlen(v) > SAML_PROVIDER_NAME_MAX)
		util_verr_add(e, "name", v, "Member must have length less than or equal to 128");
	for (const char *p = v; *p; p++)
		if (!name_char(*p)) {
			util_verr_add(e, "name", v,
				      "Member must satisfy regular expression pattern: [\\w._-]+");
			break;
		}
}

static void arn_check(const char *v, struct util_verr *e)
{
	if (!v)
		util_verr_add(e, "sAMLProviderArn", NULL, "Member must not be null");
	else if (strlen(v) < 20)
		util_verr_add(e, "sAMLProviderArn", v,
			      "Member must have length greater than or equal to 20");
	else if (strlen(v) > 2048)
		util_verr_add(e, "sAMLProviderArn", v,
			      "Member must have length less than or equal to 2048");
}

static void document_check(const char *v, bool required, struct util_verr *e)
{
	if (!v) {
		if (required)
			util_verr_add(e, "sAMLMetadataDocument", NULL, "Member must not be null");
		return;
	}
	long n = util_utf8_length(v);
	if (n < SAML_METADATA_MIN)
		util_verr_add(e, "sAMLMetadataDocument", "<the document>",
			      "Member must have length greater than or equal to 1000");
	else if (n > SAML_METADATA_MAX)
		util_verr_add(e, "sAMLMetadataDocument", "<the document>",
			      "Member must have length less than or equal to 10000000");
}

int saml_provider_arn_split(struct call *c, const char *arn, const char **ret_account,
			    const char **ret_name)
{
	const size_t pl = sizeof(ARN_PREFIX) - 1, kl = sizeof(ARN_KIND) - 1;
	if (!arn || strncmp(arn, ARN_PREFIX, pl) != 0 || strlen(arn) < pl + 12 + kl)
		return -EINVAL;
	const char *acct = arn + pl;
	for (size_t i = 0; i < 12; i++)
		if (acct[i] < '0' || acct[i] > '9')
			return -EINVAL;
	if (strncmp(acct + 12, ARN_KIND, kl) != 0 || !name_valid(acct + 12 + kl))
		return -EINVAL;
	char *a = arena_printf(c->arena, "%.12s", acct);
	char *n = arena_strdup(c->arena, acct + 12 + kl);
	if (!a || !n)
		return -ENOMEM;
	*ret_account = a;
	*ret_name = n;
	return 0;
}

int saml_provider_get(struct call *c, const char *account, const char *name,
		      Iam__SAMLProviderRecord **ret)
{
	char key[ENTITY_KEY_MAX];
	struct store_val v;
	size_t klen = entity_key(key, account, name, NULL);
	int r = klen ? store_get(c->txn, STORE_DB_SAML_PROVIDERS, key, klen, &v) : -ENOENT;
	if (r < 0)
		return r;
	Iam__SAMLProviderRecord *rec = iam__samlprovider_record__unpack(&c->pb, v.len, v.data);
	if (!rec || !rec->arn || !rec->name || !rec->entity_id)
		return -EIO;
	*ret = rec;
	return 0;
}

static int provider_put(struct call *c, const Iam__SAMLProviderRecord *rec)
{
	char key[ENTITY_KEY_MAX];
	size_t klen = entity_key(key, entity_account(c), rec->name, NULL);
	size_t len = iam__samlprovider_record__get_packed_size(rec);
	uint8_t *buf = arena_alloc(c->arena, len ? len : 1);
	if (!klen)
		return -EINVAL;
	if (!buf)
		return -ENOMEM;
	iam__samlprovider_record__pack(rec, buf);
	return store_put(c->txn, STORE_DB_SAML_PROVIDERS, key, klen, buf, len, 0);
}

/* The metadata parsed into rec (entityID, certificates, ValidUntil); on a
 * bad document InvalidInput naming what is wrong. */
static int metadata_apply(struct call *c, const char *doc, Iam__SAMLProviderRecord *rec)
{
	struct saml_metadata *md = NULL;
	const char *why = NULL;
	int r = saml_metadata_parse(doc, strlen(doc), &md, &why);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return call_fail(c, -EINVAL, "InvalidInput", "Could not parse metadata: %s.",
				 why ? why : "the document is not SAML 2.0 metadata");
	if (md->has_valid_until && md->valid_until <= c->now) {
		saml_metadata_free(md);
		return call_fail(c, -EINVAL, "InvalidInput",
				 "Could not parse metadata: its validUntil has passed.");
	}
	rec->saml_metadata_document = (char *)doc;
	rec->entity_id = arena_strdup(c->arena, md->entity_id);
	rec->has_valid_until = md->has_valid_until;
	rec->valid_until = md->valid_until;
	rec->certificates = arena_zalloc(c->arena, md->n_certs * sizeof(char *));
	rec->n_certificates = 0;
	r = rec->entity_id && rec->certificates ? 0 : -ENOMEM;
	for (size_t i = 0; r == 0 && i < md->n_certs; i++) {
		rec->certificates[i] = arena_strdup(c->arena, md->certs[i]);
		if (!rec->certificates[i])
			r = -ENOMEM;
		rec->n_certificates++;
	}
	saml_metadata_free(md);
	return r;
}

/* The provider named by a request's ARN, in the caller's account: anything
 * else is NoSuchEntity, as AWS answers it. */
static int provider_load(struct call *c, const char *arn, Iam__SAMLProviderRecord **ret)
{
	const char *acct, *name;
	int r = saml_provider_arn_split(c, arn, &acct, &name);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return call_fail(c, -EINVAL, "InvalidInput", "ARN %.300s is not valid.", arn);
	r = strcmp(acct, entity_account(c)) == 0 ? saml_provider_get(c, acct, name, ret) : -ENOENT;
	if (r == -ENOENT)
		return call_fail(c, -ENOENT, "NoSuchEntity", "Manifest not found for arn %.300s",
				 arn);
	if (r < 0)
		return op_fail_store(c, r);
	return 0;
}

static int arn_resource(struct call *c, const char *arn, const char **ret)
{
	struct util_verr e;
	util_verr_init(&e);
	arn_check(arn, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	*ret = arn;
	return 0;
}

/* ---- CreateSAMLProvider ---- */

int op_create_saml_provider_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__CreateSAMLProviderRequest *q = (const Iam__CreateSAMLProviderRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	document_check(q->saml_metadata_document, true, &e);
	name_check(q->name, &e);
	entity_tags_check(q->tags, q->n_tags, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	*ret = arena_concat(c->arena, ARN_PREFIX, entity_account(c), ARN_KIND, q->name, NULL);
	return *ret ? 0 : -ENOMEM;
}

static int provider_count(struct call *c, size_t *ret)
{
	char prefix[ENTITY_KEY_MAX];
	size_t plen = entity_key(prefix, entity_account(c), "", NULL), n = 0;
	struct store_cursor *cur = NULL;
	struct store_val k, v;
	int r = store_cursor_open(c->txn, STORE_DB_SAML_PROVIDERS, &cur);
	if (r < 0)
		return r;
	for (r = store_cursor_seek(cur, prefix, plen, &k, &v); r == 0;
	     r = store_cursor_next(cur, &k, &v)) {
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

int op_create_saml_provider(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__CreateSAMLProviderRequest *q = (const Iam__CreateSAMLProviderRequest *)m;
	Iam__CreateSAMLProviderResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__SAMLProviderRecord *rec = arena_alloc(c->arena, sizeof(*rec)), *old;
	size_t n;
	if (!resp || !rec)
		return -ENOMEM;
	iam__create_samlprovider_response__init(resp);
	iam__samlprovider_record__init(rec);
	int r = saml_provider_get(c, entity_account(c), q->name, &old);
	if (r == 0)
		return call_fail(c, -EEXIST, "EntityAlreadyExists",
				 "SAMLProvider %s already exists.", q->name);
	if (r != -ENOENT)
		return op_fail_store(c, r);
	if ((r = provider_count(c, &n)) < 0)
		return op_fail_store(c, r);
	if (n >= SAML_PROVIDERS_MAX)
		return call_fail(c, -EDQUOT, "LimitExceeded",
				 "Cannot exceed quota for SamlProvidersPerAccount: 100");
	if ((r = metadata_apply(c, q->saml_metadata_document, rec)) < 0)
		return r;
	rec->name = q->name;
	rec->arn = arena_concat(c->arena, ARN_PREFIX, entity_account(c), ARN_KIND, q->name, NULL);
	if (!rec->arn)
		return -ENOMEM;
	rec->has_create_date = true;
	rec->create_date = c->now;
	rec->tags = q->tags;
	rec->n_tags = q->n_tags;
	if ((r = provider_put(c, rec)) < 0)
		return op_fail_store(c, r);
	resp->saml_provider_arn = rec->arn;
	resp->tags = q->tags;
	resp->n_tags = q->n_tags;
	*ret = &resp->base;
	return 0;
}

/* ---- Get, List ---- */

int op_get_saml_provider_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	return arn_resource(c, ((const Iam__GetSAMLProviderRequest *)m)->saml_provider_arn, ret);
}

int op_get_saml_provider(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__GetSAMLProviderRequest *q = (const Iam__GetSAMLProviderRequest *)m;
	Iam__GetSAMLProviderResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__SAMLProviderRecord *rec;
	if (!resp)
		return -ENOMEM;
	iam__get_samlprovider_response__init(resp);
	int r = provider_load(c, q->saml_provider_arn, &rec);
	if (r < 0)
		return r;
	resp->saml_metadata_document = rec->saml_metadata_document;
	resp->has_create_date = rec->has_create_date;
	resp->create_date = rec->create_date;
	resp->has_valid_until = rec->has_valid_until;
	resp->valid_until = rec->valid_until;
	resp->tags = rec->tags;
	resp->n_tags = rec->n_tags;
	*ret = &resp->base;
	return 0;
}

int op_list_saml_providers_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	return op_resource_none(c, m, ret);
}

int op_list_saml_providers(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	Iam__ListSAMLProvidersResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__SAMLProviderListEntry **items = arena_zalloc(c->arena, SAML_PROVIDERS_MAX *
							  sizeof(*items));
	char prefix[ENTITY_KEY_MAX];
	size_t plen = entity_key(prefix, entity_account(c), "", NULL), n = 0;
	struct store_cursor *cur = NULL;
	struct store_val k, v;
	(void)m;
	if (!resp || !items)
		return -ENOMEM;
	iam__list_samlproviders_response__init(resp);
	int r = store_cursor_open(c->txn, STORE_DB_SAML_PROVIDERS, &cur);
	if (r < 0)
		return op_fail_store(c, r);
	for (r = store_cursor_seek(cur, prefix, plen, &k, &v); r == 0 && n < SAML_PROVIDERS_MAX;
	     r = store_cursor_next(cur, &k, &v)) {
		if (k.len < plen || memcmp(k.data, prefix, plen) != 0)
			break;
		Iam__SAMLProviderRecord *rec = iam__samlprovider_record__unpack(&c->pb, v.len,
										v.data);
		Iam__SAMLProviderListEntry *it = arena_alloc(c->arena, sizeof(*it));
		if (!rec || !it) {
			r = rec ? -ENOMEM : -EIO;
			break;
		}
		iam__samlprovider_list_entry__init(it);
		it->arn = rec->arn;
		it->has_create_date = rec->has_create_date;
		it->create_date = rec->create_date;
		it->has_valid_until = rec->has_valid_until;
		it->valid_until = rec->valid_until;
		items[n++] = it;
	}
	store_cursor_close(cur);
	if (r < 0 && r != -ENOENT)
		return op_fail_store(c, r);
	resp->saml_provider_list = items;
	resp->n_saml_provider_list = n;
	*ret = &resp->base;
	return 0;
}

/* ---- Update, Delete ---- */

int op_update_saml_provider_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__UpdateSAMLProviderRequest *q = (const Iam__UpdateSAMLProviderRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	document_check(q->saml_metadata_document, false, &e);
	arn_check(q->saml_provider_arn, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	*ret = q->saml_provider_arn;
	return 0;
}

int op_update_saml_provider(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__UpdateSAMLProviderRequest *q = (const Iam__UpdateSAMLProviderRequest *)m;
	Iam__UpdateSAMLProviderResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__SAMLProviderRecord *rec;
	if (!resp)
		return -ENOMEM;
	iam__update_samlprovider_response__init(resp);
	int r = provider_load(c, q->saml_provider_arn, &rec);
	if (r < 0)
		return r;
	/* assertion encryption (AssertionEncryptionMode, private keys) is
	 * not served: the metadata is the only thing to update */
	if (!q->saml_metadata_document)
		return call_fail(c, -EINVAL, "InvalidInput",
				 "Unable to update identity provider. No updates are defined for metadata or encryption assertion.");
	if ((r = metadata_apply(c, q->saml_metadata_document, rec)) < 0)
		return r;
	if ((r = provider_put(c, rec)) < 0)
		return op_fail_store(c, r);
	resp->saml_provider_arn = rec->arn;
	*ret = &resp->base;
	return 0;
}

int op_delete_saml_provider_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	return arn_resource(c, ((const Iam__DeleteSAMLProviderRequest *)m)->saml_provider_arn, ret);
}

int op_delete_saml_provider(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__DeleteSAMLProviderRequest *q = (const Iam__DeleteSAMLProviderRequest *)m;
	Iam__DeleteSAMLProviderResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__SAMLProviderRecord *rec;
	char key[ENTITY_KEY_MAX];
	if (!resp)
		return -ENOMEM;
	iam__delete_samlprovider_response__init(resp);
	int r = provider_load(c, q->saml_provider_arn, &rec);
	if (r < 0)
		return r;
	size_t klen = entity_key(key, entity_account(c), rec->name, NULL);
	if ((r = store_del(c->txn, STORE_DB_SAML_PROVIDERS, key, klen)) < 0)
		return op_fail_store(c, r);
	*ret = &resp->base;
	return 0;
}

/* ---- tags ---- */

int op_tag_saml_provider_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__TagSAMLProviderRequest *q = (const Iam__TagSAMLProviderRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	arn_check(q->saml_provider_arn, &e);
	entity_tags_check(q->tags, q->n_tags, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	*ret = q->saml_provider_arn;
	return 0;
}

int op_tag_saml_provider(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__TagSAMLProviderRequest *q = (const Iam__TagSAMLProviderRequest *)m;
	Iam__TagSAMLProviderResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__SAMLProviderRecord *rec;
	if (!resp)
		return -ENOMEM;
	iam__tag_samlprovider_response__init(resp);
	int r = provider_load(c, q->saml_provider_arn, &rec);
	if (r < 0)
		return r;
	r = entity_tags_merge(c, &rec->tags, &rec->n_tags, q->tags, q->n_tags);
	if (r < 0 || (r = provider_put(c, rec)) < 0)
		return op_fail_store(c, r);
	*ret = &resp->base;
	return 0;
}

int op_untag_saml_provider_resource(struct call *c, const ProtobufCMessage *m, const char **ret)
{
	const Iam__UntagSAMLProviderRequest *q = (const Iam__UntagSAMLProviderRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	arn_check(q->saml_provider_arn, &e);
	entity_tag_keys_check(q->tag_keys, q->n_tag_keys, &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	*ret = q->saml_provider_arn;
	return 0;
}

int op_untag_saml_provider(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__UntagSAMLProviderRequest *q = (const Iam__UntagSAMLProviderRequest *)m;
	Iam__UntagSAMLProviderResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__SAMLProviderRecord *rec;
	if (!resp)
		return -ENOMEM;
	iam__untag_samlprovider_response__init(resp);
	int r = provider_load(c, q->saml_provider_arn, &rec);
	if (r < 0)
		return r;
	if (entity_tags_untag(rec->tags, &rec->n_tags, q->tag_keys, q->n_tag_keys) > 0 &&
	    (r = provider_put(c, rec)) < 0)
		return op_fail_store(c, r);
	*ret = &resp->base;
	return 0;
}

int op_list_saml_provider_tags_resource(struct call *c, const ProtobufCMessage *m,
					const char **ret)
{
	const Iam__ListSAMLProviderTagsRequest *q = (const Iam__ListSAMLProviderTagsRequest *)m;
	struct util_verr e;
	util_verr_init(&e);
	arn_check(q->saml_provider_arn, &e);
	util_name_check_marker(q->marker, "marker", &e);
	util_name_check_max_items(q->has_max_items, q->max_items, "maxItems", &e);
	int r = entity_verr_fail(c, &e);
	if (r < 0)
		return r;
	*ret = q->saml_provider_arn;
	return 0;
}

int op_list_saml_provider_tags(struct call *c, const ProtobufCMessage *m, ProtobufCMessage **ret)
{
	const Iam__ListSAMLProviderTagsRequest *q = (const Iam__ListSAMLProviderTagsRequest *)m;
	Iam__ListSAMLProviderTagsResponse *resp = arena_alloc(c->arena, sizeof(*resp));
	Iam__SAMLProviderRecord *rec;
	struct entity_tag_page p;
	if (!resp)
		return -ENOMEM;
	iam__list_samlprovider_tags_response__init(resp);
	int r = provider_load(c, q->saml_provider_arn, &rec);
	if (r < 0)
		return r;
	r = entity_tags_page(c, rec->tags, rec->n_tags, q->marker, q->has_max_items, q->max_items,
			     &p);
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
