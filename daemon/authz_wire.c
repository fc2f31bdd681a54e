/* authz_wire: AuthorizeRequest decoded and rendered by hand (authz_wire.h). */
#include "config.h"
#include "authz_wire.h"

#include <errno.h>
#include <string.h>

#include "pbjson/pbjson.h"
#include "rpc/rpc.h"
#include "util/arena.h"

/* ---- decoding ---- */

enum {
	F_PRINCIPAL = 1, F_ACTION, F_RESOURCE, F_RESOURCE_POLICY, F_OWNER,
	F_CONTEXT, F_ENCODE,
};
enum { W_VARINT = 0, W_LEN = 2 };

/* One field: its tag and its value (a varint) or length and bytes. Only
 * the shortest encodings protobuf-c surely reads alike: a tag of one
 * byte, a varint value of one byte, a length of at most 3 bytes (2 MiB;
 * frames are far smaller). NULL for anything else. */
static const uint8_t *field_next(const uint8_t *p, const uint8_t *end, uint32_t *ret_num,
				 uint32_t *ret_wire, uint64_t *ret_v, const uint8_t **ret_data)
{
	uint64_t v = 0;
	if (end - p < 2 || (p[0] & 0x80))
		return NULL;
	*ret_num = (uint32_t)(p[0] >> 3);
	*ret_wire = (uint32_t)(p[0] & 7);
	p++;
	if (*ret_wire == W_VARINT) {
		if (*p & 0x80)
			return NULL;
		*ret_v = *p;
		*ret_data = p + 1;
		return p + 1;
	}
	if (*ret_wire != W_LEN)
		return NULL;
	for (unsigned i = 0;; i++) {
		if (i == 3 || p == end)
			return NULL;
		uint8_t b = *p++;
		v |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80))
			break;
	}
	if (v > (uint64_t)(end - p))
		return NULL;
	*ret_v = v;
	*ret_data = p;
	return p + v;
}

static char *str_copy(struct arena *a, const uint8_t *p, size_t n)
{
	char *s = arena_alloc(a, n + 1);
	if (s) {
		memcpy(s, p, n);
		s[n] = '\0';
	}
	return s;
}

#define LIST_MAX 16   /* context entries, values of one: more go to protobuf-c */

/* Copies the n pointers of a list gathered on the stack into `a`. */
static void *list_copy(struct arena *a, void *const *v, size_t n)
{
	void **p = n ? arena_alloc(a, n * sizeof(*p)) : NULL;
	if (p)
		memcpy(p, v, n * sizeof(*p));
	return p;
}

/* A ContextEntry, in one pass. 1, 0 (not taken) or -ENOMEM. */
static int context_decode(struct arena *a, const uint8_t *p, const uint8_t *end,
			  Iam__ContextEntry *ret)
{
	const uint8_t *data;
	uint32_t num, wire;
	uint64_t v;
	char *vals[LIST_MAX];
	size_t nv = 0;
	iam__context_entry__init(ret);
	while (p < end) {
		p = field_next(p, end, &num, &wire, &v, &data);
		if (!p || wire != W_LEN || num < 1 || num > 3 || (num == 2 && nv == LIST_MAX))
			return 0;
		char *s = str_copy(a, data, (size_t)v);
		if (!s)
			return -ENOMEM;
		if (num == 1)
			ret->context_key_name = s;   /* the last one wins */
		else if (num == 2)
			vals[nv++] = s;
		else
			ret->context_key_type = s;
	}
	if (nv && !(ret->context_key_values = list_copy(a, (void *const *)vals, nv)))
		return -ENOMEM;
	ret->n_context_key_values = nv;
	return 1;
}

int authz_wire_decode(struct arena *a, const uint8_t *body, size_t len,
		      Iam__AuthorizeRequest **ret)
{
	const uint8_t *p = body, *end = body + len, *data;
	uint32_t num, wire;
	uint64_t v;
	Iam__ContextEntry *ents[LIST_MAX];
	size_t nc = 0;
	Iam__AuthorizeRequest *m = arena_alloc(a, sizeof(*m));
	if (!m)
		return -ENOMEM;
	iam__authorize_request__init(m);
	while (p < end) {
		p = field_next(p, end, &num, &wire, &v, &data);
		if (!p || num < F_PRINCIPAL || num > F_ENCODE ||
		    wire != (num == F_ENCODE ? W_VARINT : W_LEN))
			return 0;
		char **str = NULL;
		switch (num) {
		case F_PRINCIPAL: str = &m->principal_arn; break;
		case F_ACTION: str = &m->action_name; break;
		case F_RESOURCE: str = &m->resource_arn; break;
		case F_RESOURCE_POLICY: str = &m->resource_policy; break;
		case F_OWNER: str = &m->resource_owner; break;
		case F_ENCODE:
			m->has_encode_authorization_message = 1;
			m->encode_authorization_message = v != 0;
			continue;
		default: {   /* F_CONTEXT */
			Iam__ContextEntry *e = nc < LIST_MAX ? arena_alloc(a, sizeof(*e)) : NULL;
			if (nc == LIST_MAX)
				return 0;
			if (!e)
				return -ENOMEM;
			int r = context_decode(a, data, data + v, e);
			if (r <= 0)
				return r;
			ents[nc++] = e;
			continue;
		}
		}
		if (!(*str = str_copy(a, data, (size_t)v)))   /* the last one wins */
			return -ENOMEM;
	}
	if (nc && !(m->context_entries = list_copy(a, (void *const *)ents, nc)))
		return -ENOMEM;
	m->n_context_entries = nc;
	*ret = m;
	return 1;
}

/* ---- rendering ---- */

#define LIT(b, s) pbjson_buf_append((b), (s), sizeof(s) - 1)

/* ,"key":"value" (no comma before the first member) */
static void member(struct pbjson_buf *b, bool *first, const char *key, size_t kn,
		   const char *v)
{
	if (!*first)
		LIT(b, ",");
	*first = false;
	pbjson_buf_append(b, key, kn);
	pbjson_buf_string(b, v, strlen(v));
}
#define MEMBER(b, first, key, v) member((b), (first), "\"" key "\":", sizeof(key) + 2, (v))

static void context_render(struct pbjson_buf *b, const Iam__ContextEntry *e)
{
	bool first = true;
	LIT(b, "{");
	if (e->context_key_name)
		MEMBER(b, &first, "contextKeyName", e->context_key_name);
	if (e->n_context_key_values) {
		if (!first)
			LIT(b, ",");
		first = false;
		LIT(b, "\"contextKeyValues\":[");
		for (size_t i = 0; i < e->n_context_key_values; i++) {
			const char *v = e->context_key_values[i] ? e->context_key_values[i] : "";
			if (i)
				LIT(b, ",");
			pbjson_buf_string(b, v, strlen(v));
		}
		LIT(b, "]");
	}
	if (e->context_key_type)
		MEMBER(b, &first, "contextKeyType", e->context_key_type);
	LIT(b, "}");
}

int authz_wire_render(struct pbjson_buf *b, const Iam__AuthorizeRequest *m)
{
	size_t at = b->len;
	bool first = true;
	if (b->oom)
		return -ENOMEM;
	LIT(b, "{");
	if (m->principal_arn)
		MEMBER(b, &first, "principalArn", m->principal_arn);
	if (m->action_name)
		MEMBER(b, &first, "actionName", m->action_name);
	if (m->resource_arn)
		MEMBER(b, &first, "resourceArn", m->resource_arn);
	if (m->resource_policy)
		MEMBER(b, &first, "resourcePolicy", m->resource_policy);
	if (m->resource_owner)
		MEMBER(b, &first, "resourceOwner", m->resource_owner);
	if (m->n_context_entries) {
		if (!first)
			LIT(b, ",");
		first = false;
		LIT(b, "\"contextEntries\":[");
		for (size_t i = 0; i < m->n_context_entries; i++) {
			if (i)
				LIT(b, ",");
			if (m->context_entries[i])
				context_render(b, m->context_entries[i]);
			else
				LIT(b, "null");
		}
		LIT(b, "]");
	}
	if (m->has_encode_authorization_message) {
		if (!first)
			LIT(b, ",");
		if (m->encode_authorization_message)
			LIT(b, "\"encodeAuthorizationMessage\":true");
		else
			LIT(b, "\"encodeAuthorizationMessage\":false");
	}
	LIT(b, "}");
	if (b->oom) {
		b->len = at;
		b->oom = false;
		return -ENOMEM;
	}
	return 0;
}

/* ---- packing the answer ---- */

/* An int32 as protobuf-c packs it: negative ones sign-extended to 64 bits. */
static uint64_t int32_wire(int32_t v)
{
	return (uint64_t)(int64_t)v;
}

static size_t str_size(const char *s)   /* tag, length, bytes; 0: absent */
{
	if (!s)
		return 0;
	size_t n = strlen(s);
	return 1 + rpc_varint_len(n) + n;
}

static size_t position_size(const Iam__Position *p)
{
	return (p->has_line ? 1 + rpc_varint_len(int32_wire(p->line)) : 0) +
	       (p->has_column ? 1 + rpc_varint_len(int32_wire(p->column)) : 0);
}

static size_t statement_size(const Iam__Statement *st)
{
	size_t n = str_size(st->source_policy_id) + str_size(st->source_policy_type);
	if (st->start_position) {
		size_t k = position_size(st->start_position);
		n += 1 + rpc_varint_len(k) + k;
	}
	if (st->end_position) {
		size_t k = position_size(st->end_position);
		n += 1 + rpc_varint_len(k) + k;
	}
	return n;
}

static size_t response_size(const void *m)
{
	const Iam__AuthorizeResponse *r = m;
	size_t n = str_size(r->decision) + str_size(r->missing_layer) + str_size(r->message) +
		   str_size(r->encoded_authorization_message);
	for (size_t i = 0; i < r->n_matched_statements; i++) {
		size_t k = statement_size(r->matched_statements[i]);
		n += 1 + rpc_varint_len(k) + k;
	}
	return n;
}

static uint8_t *str_put(uint8_t *p, unsigned num, const char *s)
{
	if (!s)
		return p;
	size_t n = strlen(s);
	*p++ = (uint8_t)(num << 3 | W_LEN);
	p = rpc_varint_put(p, n);
	memcpy(p, s, n);
	return p + n;
}

static uint8_t *position_put(uint8_t *p, unsigned num, const Iam__Position *pos)
{
	if (!pos)
		return p;
	*p++ = (uint8_t)(num << 3 | W_LEN);
	p = rpc_varint_put(p, position_size(pos));
	if (pos->has_line) {
		*p++ = 1 << 3 | W_VARINT;
		p = rpc_varint_put(p, int32_wire(pos->line));
	}
	if (pos->has_column) {
		*p++ = 2 << 3 | W_VARINT;
		p = rpc_varint_put(p, int32_wire(pos->column));
	}
	return p;
}

static size_t response_pack(const void *m, uint8_t *out)
{
	const Iam__AuthorizeResponse *r = m;
	uint8_t *p = str_put(out, 1, r->decision);
	for (size_t i = 0; i < r->n_matched_statements; i++) {
		const Iam__Statement *st = r->matched_statements[i];
		*p++ = 2 << 3 | W_LEN;
		p = rpc_varint_put(p, statement_size(st));
		p = str_put(p, 1, st->source_policy_id);
		p = str_put(p, 2, st->source_policy_type);
		p = position_put(p, 3, st->start_position);
		p = position_put(p, 4, st->end_position);
	}
	p = str_put(p, 3, r->missing_layer);
	p = str_put(p, 4, r->message);
	p = str_put(p, 5, r->encoded_authorization_message);
	return (size_t)(p - out);
}

const struct rpc_packer authz_wire_packer = { response_size, response_pack };
