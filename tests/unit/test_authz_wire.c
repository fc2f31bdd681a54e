/* Unit tests for daemon/authz_wire: iamd:Authorize's request decoded by
 * hand is the message protobuf-c's unpack makes of the same bytes (packed
 * again, byte for byte), and rendered by hand it is what pbjson_write()
 * writes for the audit record; encodings the hand decoder does not take
 * (unknown fields, other wire types, long tags and varints) are left to
 * protobuf-c; over random changes of valid messages, whatever the hand
 * decoder takes protobuf-c takes too, with the same meaning; the answer
 * packed by hand is protobuf-c's bytes, in the whole Response frame; and
 * the messages still have the fields the hand code knows (a field added
 * to the .proto fails here until authz_wire.c knows it). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "authz_wire.h"
#include "pbjson/pbjson.h"
#include "rpc/rpc.h"
#include "util/arena.h"
#include "../tap.h"

#define PB_FLAGS (PBJSON_CAMEL | PBJSON_DOC_TEXT | PBJSON_REDACT | PBJSON_TIME_Z)

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

/* Both decoders on `buf`: -1 when the hand decoder took bytes protobuf-c
 * refuses or decoded them differently (packed again or rendered), 1 when
 * both agree, 0 when the hand decoder stepped aside. */
static int compare(const uint8_t *buf, size_t n, char *why, size_t cap)
{
	struct arena *a = NULL;
	Iam__AuthorizeRequest *h = NULL;
	int ret = -1;
	if (arena_new(4096, &a) < 0)
		return -1;
	int r = authz_wire_decode(a, buf, n, &h);
	Iam__AuthorizeRequest *g = iam__authorize_request__unpack(NULL, n, buf);
	if (r == 0) {
		ret = 0;
		goto out;
	}
	if (r < 0 || !g) {
		snprintf(why, cap, "hand %d, protobuf-c %s", r, g ? "took it" : "refused it");
		goto out;
	}
	size_t hn = iam__authorize_request__get_packed_size(h),
	       gn = iam__authorize_request__get_packed_size(g);
	uint8_t *hp = malloc(hn + 1), *gp = malloc(gn + 1);
	struct pbjson_buf hb = { 0 }, gb = { 0 };
	if (hp && gp) {
		iam__authorize_request__pack(h, hp);
		iam__authorize_request__pack(g, gp);
	}
	int hr = authz_wire_render(&hb, h), gr = pbjson_write(&gb, &g->base, PB_FLAGS);
	if (!hp || !gp || hn != gn || memcmp(hp, gp, hn) != 0)
		snprintf(why, cap, "packed again: %zu bytes by hand, %zu by protobuf-c", hn, gn);
	else if (hr != gr || hb.len != gb.len || memcmp(hb.p, gb.p, hb.len) != 0)
		snprintf(why, cap, "rendered: %.*s vs %.*s", (int)hb.len, hb.p, (int)gb.len, gb.p);
	else
		ret = 1;
	free(hp);
	free(gp);
	pbjson_buf_free(&hb);
	pbjson_buf_free(&gb);
out:
	if (g)
		iam__authorize_request__free_unpacked(g, NULL);
	arena_free(a);
	return ret;
}

static size_t pack(const Iam__AuthorizeRequest *m, uint8_t *buf)
{
	return iam__authorize_request__pack(m, buf);
}

static void same(const Iam__AuthorizeRequest *m, const char *name)
{
	static uint8_t buf[8192];
	char why[600] = "";
	size_t n = pack(m, buf);
	int r = compare(buf, n, why, sizeof(why));
	tap_ok(r == 1, "%s", name);
	if (r != 1)
		tap_diag(r == 0 ? "not taken by hand" : why);
}

static void aside(const uint8_t *buf, size_t n, const char *name)
{
	char why[600] = "";
	int r = compare(buf, n, why, sizeof(why));
	tap_ok(r == 0, "%s: left to protobuf-c", name);
	if (r != 0)
		tap_diag(why);
}

int main(void)
{
	Iam__AuthorizeRequest m = IAM__AUTHORIZE_REQUEST__INIT;
	Iam__ContextEntry ce[3] = { IAM__CONTEXT_ENTRY__INIT, IAM__CONTEXT_ENTRY__INIT,
				    IAM__CONTEXT_ENTRY__INIT };
	Iam__ContextEntry *cev[3] = { &ce[0], &ce[1], &ce[2] };
	char *vals[3] = { "10.1.2.3", "cost-center", "t\xc3\xa9\"am\\\n\x01" };

	same(&m, "an empty request");
	m.principal_arn = "arn:aws:iam::111122223333:user/bench/bench-authz";
	m.action_name = "iam:GetUser";
	same(&m, "principal and action");
	m.resource_arn = "arn:aws:iam::111122223333:user/seed/u000001";
	m.resource_owner = "111122223333";
	m.resource_policy = "{\"Version\":\"2012-10-17\",\"Statement\":[]}";
	same(&m, "every string field");
	m.resource_arn = "";
	same(&m, "an empty string");
	m.has_encode_authorization_message = 1;
	same(&m, "encode false");
	m.encode_authorization_message = 1;
	same(&m, "encode true");
	ce[0].context_key_name = "aws:SourceIp";
	ce[0].context_key_type = "ip";
	ce[0].context_key_values = vals;
	ce[0].n_context_key_values = 1;
	ce[1].context_key_name = "aws:TagKeys";
	ce[1].context_key_values = vals + 1;
	ce[1].n_context_key_values = 2;
	ce[1].context_key_type = "stringList";
	m.context_entries = cev;
	m.n_context_entries = 3;   /* the third is empty */
	same(&m, "context entries, one empty, escapes and UTF-8");
	m.action_name = "s3:\xff\xfe bad UTF-8 \x7f";
	same(&m, "bytes that are not UTF-8");

	/* 16 context entries of 16 values by hand, 17 left to protobuf-c */
	{
		Iam__AuthorizeRequest big = IAM__AUTHORIZE_REQUEST__INIT;
		Iam__ContextEntry be[17];
		Iam__ContextEntry *bev[17];
		char *many[17];
		for (int k = 0; k < 17; k++) {
			iam__context_entry__init(&be[k]);
			be[k].context_key_name = "aws:TagKeys";
			be[k].context_key_values = many;
			be[k].n_context_key_values = 16;
			many[k] = "v";
			bev[k] = &be[k];
		}
		big.action_name = "s3:GetObject";
		big.context_entries = bev;
		big.n_context_entries = 16;
		same(&big, "16 context entries of 16 values");
		static uint8_t bb[16384];
		big.n_context_entries = 17;
		aside(bb, pack(&big, bb), "17 context entries");
		big.n_context_entries = 1;
		be[0].n_context_key_values = 17;
		aside(bb, pack(&big, bb), "a context entry of 17 values");
	}

	/* what the hand decoder leaves to protobuf-c */
	static const uint8_t unknown[] = { 0x42, 0x01, 'x' };            /* field 8 */
	static const uint8_t long_tag[] = { 0x8a, 0x00, 0x01, 'x' };     /* field 1, 2-byte tag */
	static const uint8_t wrong_wire[] = { 0x08, 0x01 };              /* field 1 as a varint */
	static const uint8_t bool_long[] = { 0x38, 0x81, 0x00 };         /* 2-byte bool */
	static const uint8_t len_long[] = { 0x0a, 0x81, 0x80, 0x80, 0x00, 'x' };
	static const uint8_t ctx_unknown[] = { 0x32, 0x03, 0x22, 0x01, 'x' };  /* entry field 4 */
	static const uint8_t truncated[] = { 0x0a, 0x05, 'a', 'b' };
	aside(unknown, sizeof(unknown), "an unknown field");
	aside(long_tag, sizeof(long_tag), "a tag of two bytes");
	aside(wrong_wire, sizeof(wrong_wire), "a string field as a varint");
	aside(bool_long, sizeof(bool_long), "a bool of two bytes");
	aside(len_long, sizeof(len_long), "a length of four bytes");
	aside(ctx_unknown, sizeof(ctx_unknown), "an unknown field in a context entry");
	aside(truncated, sizeof(truncated), "a string cut short");

	/* the fields the hand code knows, all of them */
	TAP_IS_INT(iam__authorize_request__descriptor.n_fields, 7, "AuthorizeRequest: 7 fields");
	TAP_IS_INT(iam__context_entry__descriptor.n_fields, 3, "ContextEntry: 3 fields");
	TAP_IS_INT(iam__authorize_response__descriptor.n_fields, 5, "AuthorizeResponse: 5 fields");
	TAP_IS_INT(iam__statement__descriptor.n_fields, 4, "Statement: 4 fields");
	TAP_IS_INT(iam__position__descriptor.n_fields, 2, "Position: 2 fields");

	/* answers packed by hand, in the Response frame */
	unsigned packed_same = 0;
	for (int i = 0; i < 2000; i++) {
		static const char *const strs[] = { NULL, "", "allowed", "implicitDeny",
			"User: arn:aws:iam::111122223333:user/x is not authorized to perform: "
			"s3:GetObject on resource: arn:aws:s3:::b/k because no identity-based "
			"policy allows the s3:GetObject action", "ANPA0123456789ABCDEFG" };
		Iam__AuthorizeResponse ar = IAM__AUTHORIZE_RESPONSE__INIT;
		Iam__Statement st[4], *stv[4];
		Iam__Position pos[8];
		ar.decision = (char *)strs[rnd() % 6];
		ar.missing_layer = (char *)strs[rnd() % 6];
		ar.message = (char *)strs[rnd() % 6];
		ar.encoded_authorization_message = (char *)strs[rnd() % 6];
		ar.n_matched_statements = rnd() % 5;
		for (size_t k = 0; k < ar.n_matched_statements; k++) {
			iam__statement__init(&st[k]);
			st[k].source_policy_id = (char *)strs[rnd() % 6];
			st[k].source_policy_type = (char *)strs[rnd() % 6];
			for (int e = 0; e < 2; e++) {
				Iam__Position *ps = &pos[2 * k + (size_t)e];
				iam__position__init(ps);
				ps->has_line = rnd() % 3 != 0;
				ps->line = (int32_t)(rnd() % 3 == 0 ? -(int32_t)(rnd() % 5) : (int32_t)(rnd() % 100000));
				ps->has_column = rnd() % 3 != 0;
				ps->column = rnd() % 7 == 0 ? INT32_MIN : (int32_t)(rnd() % 300);
				if (rnd() % 4)
					*(e ? &st[k].end_position : &st[k].start_position) = ps;
			}
			stv[k] = &st[k];
		}
		ar.matched_statements = stv;
		struct rpc_buf a = { 0 }, b = { 0 };
		int ra = rpc_frame_pack_response(&a, (uint64_t)i * 977, NULL,
						 "5fa7f9e0-a73e-4d50-a070-188f849d7d31", 910, &ar.base);
		int rb = rpc_frame_pack_response_with(&b, (uint64_t)i * 977, NULL,
						      "5fa7f9e0-a73e-4d50-a070-188f849d7d31", 910,
						      &ar, &authz_wire_packer);
		if (ra == 0 && rb == 0 && rpc_buf_len(&a) == rpc_buf_len(&b) &&
		    memcmp(rpc_buf_head(&a), rpc_buf_head(&b), rpc_buf_len(&a)) == 0)
			packed_same++;
		rpc_buf_release(&a);
		rpc_buf_release(&b);
	}
	TAP_IS_INT(packed_same, 2000, "2000 answers packed by hand: protobuf-c's bytes");

	/* random changes of a valid request */
	static uint8_t base[8192], buf[8192];
	size_t bn = pack(&m, base);
	unsigned taken = 0, bad = 0;
	char why[600] = "";
	for (int i = 0; i < 20000; i++) {
		size_t n = bn;
		memcpy(buf, base, bn);
		int k = 1 + (int)(rnd() % 4);
		for (int j = 0; j < k; j++) {
			switch (rnd() % 4) {
			case 0: buf[rnd() % n] = (uint8_t)rnd(); break;
			case 1: buf[rnd() % n] ^= (uint8_t)(1u << (rnd() % 8)); break;
			case 2: n = 1 + rnd() % n; break;
			default: {   /* a duplicate of a piece */
				size_t at = rnd() % n, len = 1 + rnd() % 16;
				if (at + len <= n && n + len <= sizeof(buf)) {
					memmove(buf + at + len, buf + at, n - at);
					n += len;
				}
			}
			}
		}
		int r = compare(buf, n, why, sizeof(why));
		if (r == 1)
			taken++;
		if (r < 0 && bad++ == 0)
			tap_diag(why);
	}
	tap_ok(bad == 0, "20000 changed requests: none decoded by hand that protobuf-c "
	       "refuses or reads otherwise (%u bad, %u taken by hand)", bad, taken);
	tap_ok(taken > 100, "the hand decoder took some of them (%u)", taken);
	return tap_done();
}
