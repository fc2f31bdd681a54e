/* test_pbjson_write: pbjson_write() (lib/pbjson/pbjson_write.c) writes
 * exactly what json_dumps(JSON_COMPACT | JSON_PRESERVE_ORDER) makes of
 * pbjson_to_json()'s object. Every request and response message of
 * proto/api.proto (and the test shapes of pbjson_test.proto) is filled
 * from its descriptor - every field, nested messages, repeated fields,
 * maps with repeated keys, oneofs, enums with unknown values, timestamps,
 * bytes, strings with quotes, control characters, UTF-8 and bad UTF-8,
 * policy documents - and rendered both ways with the audit trail's flags
 * and others; the texts and the errors must be the same. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api.pb-c.h"
#include "pbjson/pbjson.h"
#include "pbjson_test.pb-c.h"
#include "../tap.h"

/* Everything allocated for the filled messages, freed at the end. */
static void **allocs;
static size_t n_allocs, cap_allocs;

static void *alloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);
	if (!p)
		abort();
	if (n_allocs == cap_allocs) {
		cap_allocs = cap_allocs ? cap_allocs * 2 : 256;
		allocs = realloc(allocs, cap_allocs * sizeof(*allocs));
		if (!allocs)
			abort();
	}
	allocs[n_allocs++] = p;
	return p;
}

static void free_all(void)
{
	for (size_t i = 0; i < n_allocs; i++)
		free(allocs[i]);
	n_allocs = 0;
}

/* Variant 0: ordinary values; 1: edges (escapes, bad UTF-8, extreme
 * numbers, unknown enum values, repeated map keys); 2: values that make
 * the rendering fail (a timestamp out of range, a NaN, a map key that is
 * not UTF-8) - both ways must fail alike. */
static const char *const strings[2][8] = {
	{ "alice", "arn:aws:iam::123456789012:user/division/alice", "",
	  "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
	  "\"Action\":\"iam:*\",\"Resource\":\"*\",\"Condition\":{\"NumericLessThan\":"
	  "{\"aws:MultiFactorAuthAge\":3600.5}}}]}",
	  "Team", "/path/", "AKIAIOSFODNN7EXAMPLE", "x y z" },
	{ "q\"uo\\te/slash", "ctl\b\f\n\r\t\x01\x1f\x7f end", "\xc3\xbcn\xc3\xaf" "c\xc3\xb8" "d\xc3\xa9 \xe2\x82\xac \xf0\x9d\x84\x9e",
	  "bad \xff\xfe \xc0\x80 \xed\xa0\x80 \xf4\x90\x80\x80 \xe2\x82 \xf5\x80\x80\x80 \xc3",
	  "[1, 2.5e-7, -0.0, 1e300, \"x\"]", "3", "{\"dup\":1,\"dup\":2}",
	  "not json {" },
};

static unsigned counter;

static const char *pick_string(int variant)
{
	return strings[variant ? 1 : 0][counter++ % 8];
}

static void fill_message(ProtobufCMessage *m, int variant, int depth);

static ProtobufCMessage *new_message(const ProtobufCMessageDescriptor *d,
				     int variant, int depth)
{
	ProtobufCMessage *m = alloc(d->sizeof_message);
	d->message_init(m);
	fill_message(m, variant, depth);
	return m;
}

static size_t type_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32: case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32: case PROTOBUF_C_TYPE_FLOAT:
	case PROTOBUF_C_TYPE_ENUM:
		return 4;
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_STRING: case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	default:
		return 8;
	}
}

/* One value of f's type at p. */
static void fill_value(const ProtobufCFieldDescriptor *f, void *p, int variant,
		       int depth, size_t i)
{
	unsigned k = counter++;
	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
		*(int32_t *)p = variant ? (k & 1 ? INT32_MIN : INT32_MAX) : (int32_t)(k % 100) - 3;
		break;
	case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
		*(uint32_t *)p = variant ? UINT32_MAX : k % 1000;
		break;
	case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64:
		*(int64_t *)p = variant ? (k & 1 ? INT64_MIN : INT64_MAX) : -(int64_t)k * 1000003;
		break;
	case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
		*(uint64_t *)p = variant ? (k & 1 ? UINT64_MAX : (uint64_t)INT64_MAX + 12345)
				 : (uint64_t)k * 7919;
		break;
	case PROTOBUF_C_TYPE_SFIXED64:
		*(int64_t *)p = variant == 2 ? INT64_MAX
				: variant ? -62135596800 /* 0001-01-01 */ : 1764426838 + k;
		break;
	case PROTOBUF_C_TYPE_FLOAT:
		*(float *)p = variant == 2 ? NAN : variant ? 1e-30f : 0.1f * (float)k;
		break;
	case PROTOBUF_C_TYPE_DOUBLE:
		*(double *)p = variant == 2 ? INFINITY : variant ? (k & 1 ? 1e300 : -2.5e-17) : 0.1 * k;
		break;
	case PROTOBUF_C_TYPE_BOOL:
		*(protobuf_c_boolean *)p = (k & 1) != 0;
		break;
	case PROTOBUF_C_TYPE_ENUM: {
		const ProtobufCEnumDescriptor *e = f->descriptor;
		*(int *)p = variant && (k & 1) ? 9999 : e->values[k % e->n_values].value;
		break;
	}
	case PROTOBUF_C_TYPE_STRING:
		*(const char **)p = pick_string(variant);
		break;
	case PROTOBUF_C_TYPE_BYTES: {
		ProtobufCBinaryData *b = p;
		b->len = (k + i) % 7;
		b->data = alloc(b->len);
		for (size_t j = 0; j < b->len; j++)
			b->data[j] = (uint8_t)(k * 31 + j * 97);
		break;
	}
	case PROTOBUF_C_TYPE_MESSAGE:
		*(ProtobufCMessage **)p = new_message(f->descriptor, variant, depth + 1);
		break;
	}
}

/* A map's entries: keys repeat in variant 1, one entry has no value; in
 * variant 2 a key is not UTF-8. */
static void fill_map(const ProtobufCFieldDescriptor *f, ProtobufCMessage **e,
		     size_t n, int variant)
{
	static const char *const keys[] = { "k1", "dup", "k\"3", "dup", "\xc3\xa9" };
	for (size_t i = 0; i < n; i++) {
		const ProtobufCMessageDescriptor *ed = f->descriptor;
		const ProtobufCFieldDescriptor *vf = &ed->fields[1];
		char **key = (char **)((char *)e[i] + ed->fields[0].offset);
		*key = (char *)(variant == 2 && i == 2 ? "bad\xff" :
				variant ? keys[i % 5] : keys[i % 3]);
		if (variant && i == 1)
			continue;   /* no value: null */
		if (vf->quantifier_offset && vf->label == PROTOBUF_C_LABEL_OPTIONAL &&
		    vf->type != PROTOBUF_C_TYPE_STRING && vf->type != PROTOBUF_C_TYPE_MESSAGE)
			*(protobuf_c_boolean *)((char *)e[i] + vf->quantifier_offset) = 1;
		fill_value(vf, (char *)e[i] + vf->offset, variant == 2 ? 0 : variant, 9, i);
	}
}

static void fill_message(ProtobufCMessage *m, int variant, int depth)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	if (depth > 3)
		return;   /* an empty message: {} */
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		char *base = (char *)m;
		/* variant 2 breaks only one field of the top message */
		int v = variant == 2 ? (depth == 0 && i == d->n_fields / 2 ? 2 : 0) : variant;
		if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
			uint32_t *q = (uint32_t *)(base + f->quantifier_offset);
			if (*q)
				continue;   /* one member of each oneof */
			*q = f->id;
		} else if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = pbjson_field_is_map(f) ? 5 : 1 + counter++ % 3;
			char *arr = alloc(n * type_size(f->type));
			*(size_t *)(base + f->quantifier_offset) = n;
			*(void **)(base + f->offset) = arr;
			if (pbjson_field_is_map(f)) {
				ProtobufCMessage **e = (ProtobufCMessage **)(void *)arr;
				for (size_t j = 0; j < n; j++) {
					const ProtobufCMessageDescriptor *ed = f->descriptor;
					e[j] = alloc(ed->sizeof_message);
					ed->message_init(e[j]);
				}
				fill_map(f, e, n, v);
				continue;
			}
			for (size_t j = 0; j < n; j++)
				fill_value(f, arr + j * type_size(f->type), v, depth, j);
			continue;
		} else if (f->quantifier_offset && f->type != PROTOBUF_C_TYPE_STRING &&
			   f->type != PROTOBUF_C_TYPE_MESSAGE) {
			*(protobuf_c_boolean *)(base + f->quantifier_offset) = 1;
		}
		fill_value(f, base + f->offset, v, depth, 0);
	}
}

static int n_same, n_failed_alike, n_different;

/* Renders m both ways with `flags`; the same text, or the same error. */
static void compare(const ProtobufCMessage *m, unsigned flags, const char *what)
{
	json_t *j = NULL;
	struct pbjson_buf b = { 0 };
	pbjson_buf_append(&b, "prefix", 6);
	int r1 = pbjson_to_json(m, flags, &j);
	int r2 = pbjson_write(&b, m, flags);
	char *want = r1 == 0 ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	bool ok;
	if (r1 < 0 || r2 < 0)
		ok = r1 == r2 && b.len == 6;
	else
		ok = want && b.len == 6 + strlen(want) &&
		     memcmp(b.p + 6, want, b.len - 6) == 0;
	if (ok && r1 < 0)
		n_failed_alike++;
	else if (ok)
		n_same++;
	else {
		n_different++;
		if (n_different <= 5) {
			printf("# %s (flags %#x): jansson %d, pbjson_write %d\n", what,
			       flags, r1, r2);
			printf("#   want %s\n#   got  %.*s\n", want ? want : "(none)",
			       (int)(b.len > 6 ? b.len - 6 : 0), b.p + 6);
		}
	}
	free(want);
	json_decref(j);
	pbjson_buf_free(&b);
}

static const unsigned flag_sets[] = {
	PBJSON_CAMEL | PBJSON_DOC_TEXT | PBJSON_REDACT | PBJSON_TIME_Z,   /* audit */
	0,
	PBJSON_TOP_LISTS | PBJSON_TIME_Z,
	PBJSON_REDACT | PBJSON_CAMEL,
};

static void test_every_message(void)
{
	size_t n = pbjson_action_count(), n_msgs = 0;
	for (size_t i = 0; i < n; i++) {
		const ProtobufCFieldDescriptor *req = pbjson_action_at(i), *resp = NULL;
		const ProtobufCFieldDescriptor *fr = NULL;
		if (pbjson_action_find(req->name, &fr, &resp) < 0 || !resp)
			continue;
		const ProtobufCMessageDescriptor *ds[2] = { req->descriptor, resp->descriptor };
		for (int k = 0; k < 2; k++) {
			n_msgs++;
			for (int variant = 0; variant < 3; variant++) {
				const ProtobufCMessageDescriptor *d = ds[k];
				ProtobufCMessage *m = alloc(d->sizeof_message);
				d->message_init(m);
				for (size_t fl = 0; fl < sizeof(flag_sets) / sizeof(flag_sets[0]); fl++)
					compare(m, flag_sets[fl], d->name);   /* empty */
				fill_message(m, variant, 0);
				for (size_t fl = 0; fl < sizeof(flag_sets) / sizeof(flag_sets[0]); fl++)
					compare(m, flag_sets[fl], d->name);
				free_all();
			}
		}
	}
	printf("# %zu messages of %zu actions: %d renderings the same, %d failed alike, "
	       "%d different\n", n_msgs, n, n_same, n_failed_alike, n_different);
	tap_ok(n_msgs > 200, "every action's request and response message is rendered "
	       "(%zu)", n_msgs);
	tap_ok(n_different == 0 && n_same > 3000,
	       "pbjson_write writes what jansson dumps of pbjson_to_json, for every "
	       "message, variant and flag set");
	tap_ok(n_failed_alike > 0, "and fails where it fails, leaving the buffer as it was");
}

static void test_kitchen_shapes(void)
{
	int before = n_different;
	for (int variant = 0; variant < 3; variant++) {
		ProtobufCMessage *m = new_message(&pbjsontest__kitchen__descriptor, variant, 0);
		for (size_t fl = 0; fl < sizeof(flag_sets) / sizeof(flag_sets[0]); fl++)
			compare(m, flag_sets[fl], "Kitchen");
		free_all();
	}
	Pbjsontest__Kitchen k = PBJSONTEST__KITCHEN__INIT;
	static const double reals[] = { 0.0, -0.0, 1.0, 0.1, 1e21, 1e-7, 123456789012345678.0,
					5e-324, 1.7976931348623157e308, -3.25 };
	for (size_t i = 0; i < sizeof(reals) / sizeof(reals[0]); i++) {
		k.has_ratio = 1;
		k.ratio = reals[i];
		compare(&k.base, 0, "Kitchen.ratio");
	}
	/* random strings of interesting bytes, 0..40 long: the SWAR fast path
	 * of pbjson_buf_string at every alignment */
	static const unsigned char pool[] = { 'a', 'Z', ' ', '"', '\\', '/', 0x01,
		0x1f, '\n', 0x7f, 0x80, 0xbf, 0xc2, 0xc3, 0xa9, 0xe2, 0x82, 0xac,
		0xed, 0xa0, 0xf0, 0x9f, 0x98, 0x80, 0xff, 0x21, 0x5b, 0x5d };
	Pbjsontest__Kitchen ks = PBJSONTEST__KITCHEN__INIT;
	char rs[48];
	srand(7);
	for (int i = 0; i < 20000; i++) {
		size_t len = (size_t)rand() % 41;
		for (size_t j = 0; j < len; j++)
			rs[j] = (char)(rand() % 4 ? 'a' + rand() % 26 :
				       pool[(size_t)rand() % sizeof(pool)]);
		rs[len] = 0;
		ks.access_key_id = rs;
		compare(&ks.base, 0, "Kitchen.access_key_id");
	}
	tap_ok(n_different == before, "the test shapes (secrets, maps, enums, blobs, oneofs, "
	       "reals) are written alike");

	/* secrets never show */
	struct pbjson_buf b = { 0 };
	k.secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
	tap_ok(pbjson_write(&b, &k.base, PBJSON_REDACT | PBJSON_CAMEL) == 0 &&
	       memmem(b.p, b.len, "\"secretAccessKey\":\"HIDDEN_DUE_TO_SECURITY_REASONS\"",
		      strlen("\"secretAccessKey\":\"HIDDEN_DUE_TO_SECURITY_REASONS\"")) &&
	       !memmem(b.p, b.len, "wJalr", 5), "a secret field is redacted");
	pbjson_buf_free(&b);
}

static void test_buf(void)
{
	struct pbjson_buf b = { 0 };
	pbjson_buf_string(&b, "a\"\\\n\x01\xe2\x82\xac\xff", 9);
	tap_ok(b.len == strlen("\"a\\\"\\\\\\n\\u0001\xe2\x82\xac\xef\xbf\xbd\"") &&
	       memcmp(b.p, "\"a\\\"\\\\\\n\\u0001\xe2\x82\xac\xef\xbf\xbd\"", b.len) == 0,
	       "pbjson_buf_string: escapes, UTF-8 kept, a bad byte is U+FFFD");
	pbjson_buf_free(&b);
	pbjson_buf_free(NULL);
	tap_ok(b.len == 0 && !b.p, "pbjson_buf_free empties the buffer and accepts NULL");
}

int main(void)
{
	test_buf();
	test_every_message();
	test_kitchen_shapes();
	free(allocs);
	return tap_done();
}
