/* iamctl audit: the audit trail read straight from its files, offline
 * (docs/audit.md): `verify` proves the record chain and the digests,
 * `lookup` filters records as CloudTrail's LookupEvents does; `public-key`
 * prints the digests' Ed25519 keys. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "util/sha256.h"

int iamctl_audit_main(int argc, char **argv);

#define DEFAULT_STATE_DIR LOCALSTATEDIR "/lib/iamd"

struct rec {
	char *line;            /* without its newline */
	size_t len;
	const char *file;
	size_t lineno;
	uint64_t seq;          /* 0: unreadable */
	char prev[65];         /* its previousRecordHash */
	char hash[65];         /* SHA-256 of the line */
	bool partial;          /* the file's last bytes, no newline */
};

struct trail {
	char dir[4096];
	char **files;          /* sorted names */
	size_t n_files;
	struct rec *recs;
	size_t n;
	size_t problems;
	bool require_signed;   /* --require-signed: an unsigned digest fails */
	size_t n_signed, n_unsigned;
};

static void hex256(const void *p, size_t n, char ret[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, p, n);
	sodium_bin2hex(ret, 65, h, sizeof(h));
}

/* A trail file's hashValue of "hashAlgorithm" "SHA-256-lines" (docs/audit.md,
 * Digests; util/sha256.h). */
static void lines_hex256(const char *p, size_t n, char ret[65])
{
	struct util_sha256_lines st;
	uint8_t h[UTIL_SHA256_LEN];
	util_sha256_lines_init(&st);
	util_sha256_lines_update(&st, p, n);
	util_sha256_lines_final(&st, h);
	sodium_bin2hex(ret, 65, h, sizeof(h));
}

static bool is_trail_file(const char *n)
{
	size_t l = strlen(n);
	return strncmp(n, "audit-", 6) == 0 && l > 12 && strcmp(n + l - 6, ".jsonl") == 0;
}

static bool is_digest_file(const char *n)
{
	size_t l = strlen(n);
	return strncmp(n, "audit-", 6) == 0 && l > 12 &&
	       strcmp(n + l - 12, ".digest.json") == 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list_dir(const char *dir, bool (*keep)(const char *), char ***ret,
		    size_t *ret_n)
{
	DIR *d = opendir(dir);
	char **v = NULL;
	size_t n = 0;
	struct dirent *de;
	if (!d) {
		*ret = NULL;
		*ret_n = 0;
		return errno == ENOENT ? 0 : -errno;
	}
	while ((de = readdir(d))) {
		if (!keep(de->d_name))
			continue;
		char **p = realloc(v, (n + 1) * sizeof(*v));
		if (!p)
			break;
		v = p;
		v[n++] = strdup(de->d_name);
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	*ret = v;
	*ret_n = n;
	return 0;
}

static char *read_all(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	if (!f)
		return NULL;
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 131072;
			char *p = realloc(buf, cap + 1);
			if (!p) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = p;
		}
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	fclose(f);
	buf[len] = 0;
	*ret_len = len;
	return buf;
}

static void problem(struct trail *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void problem(struct trail *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("FAIL: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	t->problems++;
}

static int trail_load(struct trail *t)
{
	int r = list_dir(t->dir, is_trail_file, &t->files, &t->n_files);
	if (r < 0)
		return r;
	for (size_t i = 0; i < t->n_files; i++) {
		char path[8192];
		size_t len = 0;
		snprintf(path, sizeof(path), "%s/%s", t->dir, t->files[i]);
		char *buf = read_all(path, &len);
		if (!buf)
			return -errno;
		size_t lineno = 0;
		for (char *p = buf; p < buf + len;) {
			char *nl = memchr(p, '\n', (size_t)(buf + len - p));
			size_t l = nl ? (size_t)(nl - p) : (size_t)(buf + len - p);
			struct rec *v = realloc(t->recs, (t->n + 1) * sizeof(*v));
			if (!v)
				return -ENOMEM;
			t->recs = v;
			struct rec *rc = &t->recs[t->n++];
			memset(rc, 0, sizeof(*rc));
			rc->line = strndup(p, l);
			rc->len = l;
			rc->file = t->files[i];
			rc->lineno = ++lineno;
			rc->partial = !nl;
			hex256(p, l, rc->hash);
			json_t *j = json_loadb(p, l, 0, NULL);
			json_t *s = json_object_get(j, "recordSequence");
			json_t *h = json_object_get(j, "previousRecordHash");
			if (json_is_integer(s) && json_is_string(h) &&
			    strlen(json_string_value(h)) == 64) {
				rc->seq = (uint64_t)json_integer_value(s);
				memcpy(rc->prev, json_string_value(h), 65);
			}
			json_decref(j);
			p += l + (nl ? 1 : 0);
		}
		free(buf);
	}
	return 0;
}

static const struct rec *find_hash(const struct trail *t, const char *h)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->recs[i].hash, h) == 0)
			return &t->recs[i];
	return NULL;
}

/* Each record against the one before it: what broke the chain, named. */
static void verify_chain(struct trail *t)
{
	static const char zero[65] =
		"0000000000000000000000000000000000000000000000000000000000000000";
	const struct rec *a = NULL;
	for (size_t i = 0; i < t->n; i++) {
		const struct rec *b = &t->recs[i];
		if (b->partial) {
			problem(t, "%s line %zu: truncated: the file ends inside a record "
				"(%zu bytes of it left)", b->file, b->lineno, b->len);
			continue;
		}
		if (!b->seq) {
			problem(t, "%s line %zu: changed: not a trail record (not JSON, "
				"or no recordSequence/previousRecordHash)", b->file, b->lineno);
			continue;
		}
		uint64_t want = a ? a->seq + 1 : 1;
		const char *want_hash = a ? a->hash : zero;
		if (b->seq == want && strcmp(b->prev, want_hash) == 0) {
			a = b;
			continue;
		}
		const struct rec *p = find_hash(t, b->prev);
		if (b->seq == want) {
			problem(t, "%s line %zu: changed: record %llu no longer hashes to "
				"the previousRecordHash of record %llu (%s line %zu)",
				a ? a->file : b->file, a ? a->lineno : 0,
				(unsigned long long)(a ? a->seq : 0),
				(unsigned long long)b->seq, b->file, b->lineno);
		} else if (p && p != a) {
			problem(t, "%s line %zu: reordered: record %llu follows record %llu "
				"but was written after record %llu (%s line %zu)",
				b->file, b->lineno, (unsigned long long)b->seq,
				(unsigned long long)(a ? a->seq : 0),
				(unsigned long long)p->seq, p->file, p->lineno);
		} else if (b->seq > want) {
			bool at_file_end = a && a->file != b->file &&
					   (i == 0 || t->recs[i - 1].file != b->file);
			problem(t, "%s line %zu: %s: record%s %llu%s%llu missing before record "
				"%llu%s%s", b->file, b->lineno,
				at_file_end ? "removed or truncated" : "removed",
				b->seq - want > 1 ? "s" : "", (unsigned long long)want,
				b->seq - want > 1 ? "-" : "", b->seq - want > 1
					? (unsigned long long)(b->seq - 1) : 0ULL,
				(unsigned long long)b->seq,
				at_file_end ? "; the end of " : "",
				at_file_end ? a->file : "");
		} else {
			problem(t, "%s line %zu: reordered or duplicated: record %llu "
				"after record %llu", b->file, b->lineno,
				(unsigned long long)b->seq,
				(unsigned long long)(a ? a->seq : 0));
		}
		a = b;
	}
}

static bool file_listed(const struct trail *t, const char *name)
{
	for (size_t i = 0; i < t->n_files; i++)
		if (strcmp(t->files[i], name) == 0)
			return true;
	return false;
}

/* ---- digest signatures (docs/audit.md "Signed digests") ---- */

#define PK_MAX 64

struct pubkeys {
	size_t n;
	uint32_t version[PK_MAX];
	uint8_t key[PK_MAX][32];
};

/* DIR/digest/public-key: lines "ed25519 VERSION HEX". */
static void pubkeys_load(const char *ddir, struct pubkeys *k)
{
	char path[8300], line[256], hex[80];
	unsigned v;
	snprintf(path, sizeof(path), "%s/public-key", ddir);
	FILE *f = fopen(path, "re");
	k->n = 0;
	if (!f)
		return;
	while (k->n < PK_MAX && fgets(line, sizeof(line), f)) {
		size_t got;
		if (sscanf(line, "ed25519 %u %79s", &v, hex) == 2 && strlen(hex) == 64 &&
		    sodium_hex2bin(k->key[k->n], 32, hex, 64, NULL, &got, NULL) == 0 &&
		    got == 32)
			k->version[k->n++] = v;
	}
	fclose(f);
}

static bool iso_time(const char *s, int64_t *ret)
{
	struct tm tm = { 0 };
	const char *e = s ? strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;
	if (!e || *e)
		return false;
	*ret = (int64_t)timegm(&tm);
	return true;
}

static bool hexfield(json_t *o, const char *key, uint8_t *out, size_t n, bool *present)
{
	json_t *v = json_object_get(o, key);
	const char *h = json_string_value(v);
	size_t got;
	*present = h != NULL;
	if (!h)
		return !v || json_is_null(v);
	return strlen(h) == 2 * n && sodium_hex2bin(out, n, h, 2 * n, NULL, &got, NULL) == 0 &&
	       got == n;
}

static uint8_t *put_be(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--)
		*p++ = (uint8_t)(v >> (8 * i));
	return p;
}

/* The canonical bytes keyd signed, rebuilt from the digest's JSON into
 * out[cap]: 0 and their length, or -1 when the JSON lacks a field. */
static int canonical(json_t *j, uint8_t *out, size_t cap, size_t *ret_len)
{
	uint8_t ph[32], ps[64], *p = out;
	bool has_ph, has_ps;
	int64_t start, end;
	json_t *files = json_object_get(j, "logFiles"), *lf;
	size_t i;
	if (!iso_time(json_string_value(json_object_get(j, "digestStartTime")), &start) ||
	    !iso_time(json_string_value(json_object_get(j, "digestEndTime")), &end) ||
	    !hexfield(j, "previousDigestHashValue", ph, 32, &has_ph) ||
	    !hexfield(j, "previousDigestSignature", ps, 64, &has_ps) ||
	    !json_is_array(files) || json_array_size(files) == 0 ||
	    json_array_size(files) > 64 || cap < 20 + 16 + 33 + 65 + 4)
		return -1;
	memcpy(p, "iamd/audit-digest/v1", 20);
	p = put_be(p + 20, (uint64_t)start, 8);
	p = put_be(p, (uint64_t)end, 8);
	*p++ = has_ph ? 32 : 0;
	if (has_ph) {
		memcpy(p, ph, 32);
		p += 32;
	}
	*p++ = has_ps ? 64 : 0;
	if (has_ps) {
		memcpy(p, ps, 64);
		p += 64;
	}
	p = put_be(p, json_array_size(files), 4);
	json_array_foreach(files, i, lf) {
		const char *fn = json_string_value(json_object_get(lf, "fileName"));
		json_t *sz = json_object_get(lf, "fileSize");
		uint8_t sha[32];
		bool has;
		int64_t o, n;
		size_t nl = fn ? strlen(fn) : 0;
		if (nl == 0 || nl > 255 || (size_t)(p - out) + 2 + nl + 56 > cap ||
		    !hexfield(lf, "hashValue", sha, 32, &has) || !has || !json_is_integer(sz) ||
		    !iso_time(json_string_value(json_object_get(lf, "oldestEventTime")), &o) ||
		    !iso_time(json_string_value(json_object_get(lf, "newestEventTime")), &n))
			return -1;
		p = put_be(p, nl, 2);
		memcpy(p, fn, nl);
		p += nl;
		memcpy(p, sha, 32);
		p += 32;
		p = put_be(p, (uint64_t)json_integer_value(sz), 8);
		p = put_be(p, (uint64_t)o, 8);
		p = put_be(p, (uint64_t)n, 8);
	}
	*ret_len = (size_t)(p - out);
	return 0;
}

/* Checks digest `name`'s signature; `prev_sig` is the previous digest's
 * signature (hex, "" when it was unsigned or there is none). */
static void verify_signature(struct trail *t, const struct pubkeys *k, const char *name,
			     json_t *j, const char *prev_sig)
{
	const char *alg = json_string_value(json_object_get(j, "digestSignatureAlgorithm"));
	const char *sig = json_string_value(json_object_get(j, "digestSignature"));
	const char *psig = json_string_value(json_object_get(j, "previousDigestSignature"));
	json_t *ver = json_object_get(j, "digestSignatureKeyVersion");
	static uint8_t buf[64 * 1024];
	uint8_t s[64];
	size_t len, got;
	if (strcmp(psig ? psig : "", prev_sig) != 0)
		problem(t, "digest %s: changed: its previousDigestSignature is not the "
			"previous digest's signature", name);
	if (!alg && !sig) {
		t->n_unsigned++;
		if (t->require_signed ||
		    !json_string_value(json_object_get(j, "digestSignatureStatus")))
			problem(t, "digest %s: signature missing", name);
		else
			printf("note: digest %s: unsigned (%s)\n", name,
			       json_string_value(json_object_get(j, "digestSignatureStatus")));
		return;
	}
	if (!alg || strcmp(alg, "Ed25519") != 0 || !sig || strlen(sig) != 128 ||
	    sodium_hex2bin(s, 64, sig, 128, NULL, &got, NULL) != 0 || got != 64 ||
	    !json_is_integer(ver)) {
		problem(t, "digest %s: signature invalid: not an Ed25519 signature with its "
			"key version", name);
		return;
	}
	const uint8_t *pk = NULL;
	for (size_t i = 0; i < k->n; i++)
		if (k->version[i] == (uint32_t)json_integer_value(ver))
			pk = k->key[i];
	if (!pk) {
		problem(t, "digest %s: signature unverifiable: no public key of version %lld "
			"in digest/public-key", name, (long long)json_integer_value(ver));
		return;
	}
	if (canonical(j, buf, sizeof(buf), &len) < 0) {
		problem(t, "digest %s: changed: a signed field is missing or malformed", name);
		return;
	}
	if (crypto_sign_verify_detached(s, buf, len, pk) != 0) {
		problem(t, "digest %s: signature invalid (Ed25519, key version %lld)", name,
			(long long)json_integer_value(ver));
		return;
	}
	t->n_signed++;
}

/* Each digest: chained to the one before, its file present and unchanged. */
static size_t verify_digests(struct trail *t)
{
	char ddir[8192], **names = NULL;
	size_t n = 0;
	char prev_hash[65] = "", prev_sig[129] = "";
	const char *prev_name = NULL;
	struct pubkeys keys;
	snprintf(ddir, sizeof(ddir), "%s/digest", t->dir);
	pubkeys_load(ddir, &keys);
	if (list_dir(ddir, is_digest_file, &names, &n) < 0) {
		problem(t, "%s: cannot be read", ddir);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		char path[16384];
		size_t len;
		snprintf(path, sizeof(path), "%s/%s", ddir, names[i]);
		char *text = read_all(path, &len);
		json_t *j = text ? json_loadb(text, len, 0, NULL) : NULL;
		if (!j) {
			problem(t, "digest %s: changed: not JSON", names[i]);
			free(text);
			continue;
		}
		const char *ph = json_string_value(json_object_get(j, "previousDigestHashValue"));
		const char *pn = json_string_value(json_object_get(j, "previousDigestS3Object"));
		if (prev_name && (!ph || strcmp(ph, prev_hash) != 0))
			problem(t, "digest %s: the previous digest %s was changed or "
				"removed (%s expected)", names[i], prev_name, pn ? pn : "none");
		else if (!prev_name && pn)
			problem(t, "digest %s: removed: the digest before it, %s, is missing",
				names[i], pn);
		verify_signature(t, &keys, names[i], j, prev_sig);
		const char *sg = json_string_value(json_object_get(j, "digestSignature"));
		snprintf(prev_sig, sizeof(prev_sig), "%s", sg && strlen(sg) == 128 ? sg : "");
		json_t *lf;
		size_t k;
		json_array_foreach(json_object_get(j, "logFiles"), k, lf) {
			const char *fn = json_string_value(json_object_get(lf, "fileName"));
			const char *hv = json_string_value(json_object_get(lf, "hashValue"));
			const char *alg = json_string_value(json_object_get(lf, "hashAlgorithm"));
			json_int_t sz = json_integer_value(json_object_get(lf, "fileSize"));
			char fpath[16384], h[65];
			size_t flen;
			if (!fn || !hv || strchr(fn, '/')) {
				problem(t, "digest %s: changed: a logFiles entry without a "
					"fileName or hashValue", names[i]);
				continue;
			}
			snprintf(fpath, sizeof(fpath), "%s/%s", t->dir, fn);
			char *ft = file_listed(t, fn) ? read_all(fpath, &flen) : NULL;
			if (!ft) {
				problem(t, "%s: removed: the file is listed in digest %s but "
					"missing", fn, names[i]);
				continue;
			}
			/* "SHA-256": of the file's bytes (digests written before
			 * 2026-11-30); "SHA-256-lines": of its lines' hashes */
			bool lines = alg && strcmp(alg, "SHA-256-lines") == 0;
			if (alg && !lines && strcmp(alg, "SHA-256") != 0) {
				problem(t, "digest %s: changed: unknown hashAlgorithm %s for %s",
					names[i], alg, fn);
				free(ft);
				continue;
			}
			if (lines)
				lines_hex256(ft, flen, h);
			else
				hex256(ft, flen, h);
			/* the size too: the lines' hashes do not see a last
			 * newline taken away or added */
			if (sz && (json_int_t)flen != sz) {
				problem(t, "%s: %s: %zu bytes, its digest %s says %lld", fn,
					(json_int_t)flen < sz ? "truncated" : "grown", flen,
					names[i], (long long)sz);
			} else if (strcmp(h, hv) != 0) {
				problem(t, "%s: changed since its digest %s (%s %s, the digest "
					"says %s)", fn, names[i],
					lines ? "SHA-256-lines" : "SHA-256", h, hv);
			}
			free(ft);
		}
		hex256(text, len, prev_hash);
		prev_name = names[i];
		json_decref(j);
		free(text);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return n;
}

static int audit_verify(struct trail *t)
{
	int r = trail_load(t);
	if (r < 0) {
		fprintf(stderr, "iamctl: audit verify: %s: %s\n", t->dir, strerror(-r));
		return 255;
	}
	verify_chain(t);
	size_t nd = verify_digests(t);
	if (t->problems) {
		printf("audit verify: %zu problem%s in %zu files, %zu records, %zu "
		       "digests (%s)\n", t->problems, t->problems > 1 ? "s" : "",
		       t->n_files, t->n, nd, t->dir);
		return 1;
	}
	printf("audit verify: OK: %zu files, %zu records (chain 1-%llu), %zu digests, "
	       "%zu signed, %zu unsigned (%s)\n", t->n_files, t->n,
	       (unsigned long long)(t->n ? t->recs[t->n - 1].seq : 0), nd, t->n_signed,
	       t->n_unsigned, t->dir);
	return 0;
}

struct filter {
	const char *start, *end;   /* ISO 8601 texts, compared as text */
	const char *user, *role, *arn, *event, *key, *error;
	bool table;
	bool superseded;   /* --include-superseded */
};

static const char *jstr(json_t *o, const char *path)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", path);
	json_t *j = o;
	for (char *save = NULL, *k = strtok_r(buf, ".", &save); k && j;
	     k = strtok_r(NULL, ".", &save))
		j = json_object_get(j, k);
	return json_string_value(j);
}

static bool eq(const char *want, const char *got)
{
	return !want || (got && strcmp(want, got) == 0);
}

static bool matches(const struct filter *f, json_t *e)
{
	const char *t = jstr(e, "eventTime");
	if (f->start && (!t || strcmp(t, f->start) < 0))
		return false;
	if (f->end && (!t || strcmp(t, f->end) > 0))
		return false;
	if (f->user && !eq(f->user, jstr(e, "userIdentity.userName")))
		return false;
	if (f->role) {
		const char *ty = jstr(e, "userIdentity.sessionContext.sessionIssuer.type");
		if (!eq("Role", ty) ||
		    !eq(f->role, jstr(e, "userIdentity.sessionContext.sessionIssuer.userName")))
			return false;
	}
	return eq(f->arn, jstr(e, "userIdentity.arn")) &&
	       eq(f->event, jstr(e, "eventName")) &&
	       eq(f->key, jstr(e, "userIdentity.accessKeyId")) &&
	       eq(f->error, jstr(e, "errorCode"));
}

/* 2026-11-29 or 2026-11-29T14:00:00Z (or without the Z) -> the text form
 * of eventTime */
static int time_arg(const char *s, bool end, const char **ret)
{
	static char bufs[2][32];
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p) {
		memset(&tm, 0, sizeof(tm));
		p = strptime(s, "%Y-%m-%d", &tm);
		if (p && end) {
			tm.tm_hour = 23;
			tm.tm_min = 59;
			tm.tm_sec = 59;
		}
	}
	if (!p || (*p && strcmp(p, "Z") != 0))
		return -EINVAL;
	strftime(bufs[end], sizeof(bufs[end]), "%Y-%m-%dT%H:%M:%SZ", &tm);
	*ret = bufs[end];
	return 0;
}

/* The eventIDs of records superseded by a later record of the same call
 * (additionalEventData.supersedesEventID: its commit failed after its
 * record was written; daemon/audit.h audit_call_superseded). */
static int superseded_load(const struct trail *t, char ***ret, size_t *ret_n)
{
	char **v = NULL;
	size_t n = 0;
	for (size_t i = 0; i < t->n; i++) {
		if (!strstr(t->recs[i].line, "\"supersedesEventID\""))
			continue;
		json_t *e = json_loadb(t->recs[i].line, t->recs[i].len, 0, NULL);
		const char *id = jstr(e, "additionalEventData.supersedesEventID");
		if (!id) {
			json_decref(e);
			continue;
		}
		char **p = realloc(v, (n + 1) * sizeof(*v)), *dup = strdup(id);
		json_decref(e);
		if (p)
			v = p;
		if (!p || !dup) {
			free(dup);
			while (n)
				free(v[--n]);
			free(v);
			return -ENOMEM;
		}
		v[n++] = dup;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

static bool is_superseded(char **v, size_t n, const char *id)
{
	for (size_t i = 0; id && i < n; i++)
		if (strcmp(v[i], id) == 0)
			return true;
	return false;
}

static int audit_lookup(struct trail *t, const struct filter *f)
{
	char **sup = NULL;
	size_t n_sup = 0;
	int r = trail_load(t);
	if (r == 0 && !f->superseded)
		r = superseded_load(t, &sup, &n_sup);
	if (r < 0) {
		fprintf(stderr, "iamctl: audit lookup: %s: %s\n", t->dir, strerror(-r));
		return 255;
	}
	if (f->table)
		printf("%-20s  %-26s  %-48s  %-22s  %s\n", "EventTime", "EventName",
		       "Principal", "ErrorCode", "EventId");
	for (size_t i = 0; i < t->n; i++) {
		json_t *e = json_loadb(t->recs[i].line, t->recs[i].len, 0, NULL);
		if (e && matches(f, e) && !is_superseded(sup, n_sup, jstr(e, "eventID"))) {
			if (!f->table) {
				printf("%s\n", t->recs[i].line);
			} else {
				const char *p = jstr(e, "userIdentity.arn");
				const char *src = jstr(e, "sourceIPAddress");
				printf("%-20s  %-26s  %-48s  %-22s  %s\n",
				       jstr(e, "eventTime") ? jstr(e, "eventTime") : "",
				       jstr(e, "eventName") ? jstr(e, "eventName") : "",
				       p ? p : src ? src : "", jstr(e, "errorCode")
					       ? jstr(e, "errorCode") : "-",
				       jstr(e, "eventID") ? jstr(e, "eventID") : "");
			}
		}
		json_decref(e);
	}
	for (size_t i = 0; i < n_sup; i++)
		free(sup[i]);
	free(sup);
	return 0;
}

/* Prints DIR/digest/public-key ("ed25519 VERSION HEX" lines). */
static int audit_public_key(const struct trail *t)
{
	char path[8192];
	size_t len;
	snprintf(path, sizeof(path), "%s/digest/public-key", t->dir);
	char *text = read_all(path, &len);
	if (!text || len == 0) {
		fprintf(stderr, "iamctl: audit public-key: %s: %s (iamd writes it when "
			"it connects to iam-keyd)\n", path,
			text ? "empty" : strerror(errno));
		free(text);
		return 1;
	}
	fwrite(text, 1, len, stdout);
	free(text);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: iamctl audit verify [--state-dir DIR] [--require-signed]\n"
		"       iamctl audit public-key [--state-dir DIR]\n"
		"       iamctl audit lookup [--state-dir DIR] [--start-time T] [--end-time T]\n"
		"              [--user-name N] [--role-name N] [--principal-arn ARN]\n"
		"              [--event-name N] [--access-key-id ID] [--error-code C]\n"
		"              [--output json|table] [--include-superseded]\n"
		"The trail is read from STATE/audit (default $IAMD_STATE_DIR, else %s).\n"
		"T: 2026-11-29 or 2026-11-29T14:00:00Z. See docs/audit.md.\n",
		DEFAULT_STATE_DIR);
}

int iamctl_audit_main(int argc, char **argv)
{
	struct trail t = { 0 };
	struct filter f = { 0 };
	const char *state = getenv("IAMD_STATE_DIR");
	int ret = 2;
	if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "verify") != 0 && strcmp(cmd, "lookup") != 0 &&
	    strcmp(cmd, "public-key") != 0) {
		fprintf(stderr, "iamctl: audit: unknown subcommand '%s' (verify, lookup, "
			"public-key)\n", cmd);
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		const char *o = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(o, "--help") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(o, "--require-signed") == 0 && strcmp(cmd, "verify") == 0) {
			t.require_signed = true;
			continue;
		}
		if (strcmp(o, "--include-superseded") == 0 && strcmp(cmd, "lookup") == 0) {
			f.superseded = true;
			continue;
		}
		if (!v) {
			fprintf(stderr, "iamctl: audit %s: %s needs a value (or is unknown)\n",
				cmd, o);
			return 2;
		}
		i++;
		if (strcmp(o, "--state-dir") == 0)
			state = v;
		else if (strcmp(cmd, "lookup") != 0)
			goto unknown;
		else if (strcmp(o, "--start-time") == 0 || strcmp(o, "--end-time") == 0) {
			bool end = o[2] == 'e';
			if (time_arg(v, end, end ? &f.end : &f.start) < 0) {
				fprintf(stderr, "iamctl: audit lookup: %s: a time such as "
					"2026-11-29T14:00:00Z expected, got \"%s\"\n", o, v);
				return 2;
			}
		} else if (strcmp(o, "--user-name") == 0)
			f.user = v;
		else if (strcmp(o, "--role-name") == 0)
			f.role = v;
		else if (strcmp(o, "--principal-arn") == 0)
			f.arn = v;
		else if (strcmp(o, "--event-name") == 0)
			f.event = v;
		else if (strcmp(o, "--access-key-id") == 0)
			f.key = v;
		else if (strcmp(o, "--error-code") == 0)
			f.error = v;
		else if (strcmp(o, "--output") == 0 && (strcmp(v, "table") == 0 ||
							strcmp(v, "json") == 0))
			f.table = strcmp(v, "table") == 0;
		else
			goto unknown;
		continue;
unknown:
		fprintf(stderr, "iamctl: audit %s: unknown option %s\n", cmd, o);
		return 2;
	}
	snprintf(t.dir, sizeof(t.dir), "%s/audit", state ? state : DEFAULT_STATE_DIR);
	if (sodium_init() < 0)
		return 255;
	if (strcmp(cmd, "public-key") == 0)
		return audit_public_key(&t);
	ret = strcmp(cmd, "verify") == 0 ? audit_verify(&t) : audit_lookup(&t, &f);
	for (size_t i = 0; i < t.n; i++)
		free(t.recs[i].line);
	free(t.recs);
	for (size_t i = 0; i < t.n_files; i++)
		free(t.files[i]);
	free(t.files);
	return ret;
}
