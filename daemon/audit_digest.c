/* audit_digest: the digest of each closed trail file (audit_file.h):
 * CloudTrail's digest shape in DIR/digest/NAME.digest.json, chained to the
 * previous digest by its SHA-256 and signed by iam-keyd (SignAuditDigest,
 * Ed25519; docs/audit.md "Signed digests").
 *
 * A digest is written at once, unsigned and marked so. Signing is one walk
 * over the digests in order (walk_step): the first digest that is unsigned,
 * or whose previous-digest fields no longer match the digest before it
 * because iamd re-signed that one, is sent to keyd; its answer rewrites it
 * signed and the walk goes on to the next. So digests left unsigned (keyd
 * down, iamd stopped or crashed before the answer) are signed later, in
 * order, each holding the previous one's new signature and hash. The walk
 * runs when a file closes, when keyd (re)connects (keyd_client_on_ready()),
 * at start, and a second after a request that failed without an answer; at
 * stop iamd waits for it a bounded time (audit_digest_stop).
 *
 * The walk never launders a change: it re-signs a digest only when the
 * chain up to it holds (each digest's previousDigestHashValue is the hash
 * of the one before, or the hash it had before iamd re-signed it, which
 * DIR/digest/resign remembers across restarts) and the file it lists still
 * has the listed hash (either form) and size. Anything else stops the walk with a
 * LOG_CRIT line; `iamctl audit verify` names the break. */
#include "config.h"
#include "audit_file.h"

#include <dirent.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "iamd.h"
#include "keyd_client.h"
#include "sd.h"
#include "util/sha256.h"

#define UNSIGNED_MARK "Unsigned: iam-keyd was unavailable"
#define TICK_RETRY_MS 1000    /* a signature request that got no answer */
#define TICK_STOP_MS 20
#define DIGEST_MAX (64u << 10) /* a digest file is far shorter */

/* A trail file's hashValue (docs/audit.md, Digests). "SHA-256" (digests
 * before 2026-11-30): SHA-256 of the file's bytes. "SHA-256-lines": SHA-256
 * of the concatenated 32-byte SHA-256 hashes of its lines (the bytes before
 * each newline, and the bytes after the last one if any) - what the chain
 * hashes anyway, so iamd takes it as it writes (audit.c) at a fraction of a
 * second pass; fileSize, signed too, tells a last line without newline. */
#define HASH_ALG_FILE "SHA-256"
#define HASH_ALG_LINES "SHA-256-lines"

static int file_sha256(const char *path, bool lines, char ret[65], uint64_t *ret_size)
{
	struct util_sha256 st;   /* SHA extensions (util/sha256.h) */
	struct util_sha256_lines sl;
	unsigned char h[UTIL_SHA256_LEN];
	char buf[65536];
	uint64_t size = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	util_sha256_init(&st);
	util_sha256_lines_init(&sl);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int r = -errno;
			close(fd);
			return r;
		}
		if (n == 0)
			break;
		size += (uint64_t)n;
		if (lines)
			util_sha256_lines_update(&sl, buf, (size_t)n);
		else
			util_sha256_update(&st, buf, (size_t)n);
	}
	close(fd);
	if (lines)
		util_sha256_lines_final(&sl, h);
	else
		util_sha256_final(&st, h);
	sodium_bin2hex(ret, 65, h, sizeof(h));
	*ret_size = size;
	return 0;
}

static void iso(int64_t t, char buf[32])
{
	struct tm tm;
	time_t tt = (time_t)t;
	gmtime_r(&tt, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static bool iso_parse(const char *s, int64_t *ret)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *p = s ? strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;
	if (!p || *p)
		return false;
	*ret = (int64_t)timegm(&tm);
	return true;
}

/* One digest: what it says. */
struct digest_job {
	char dname[256], name[256], account[13];
	char hash[65], prev_name[256], prev_hash[65], prev_sig[129];
	char old_hash[65];            /* the digest file's hash before a re-sign */
	bool lines;                   /* hash is HASH_ALG_LINES, else HASH_ALG_FILE */
	int64_t start, end, oldest, newest;
	uint64_t size;
};

/* iamd runs one trail */
static struct {
	struct iamd *d;
	char ddir[4096 + 8];
	char dir[4096];
	char pubkey_path[4096 + 32];
	struct event *timer;
	bool busy;                    /* a SignAuditDigest awaited (job) */
	bool dirty;                   /* digests may wait for a signature */
	bool broken;                  /* the chain does not hold: no more signing */
	bool stopping;
	struct digest_job job;
	/* the last digest known signed and chained, where the walk resumes */
	char cur_name[256], cur_hash[65], cur_sig[129];
	/* DIR/digest/resign: the last re-signed digest's hash before and after */
	char note_name[256], note_old[65], note_new[65];
	/* the file just closed, with the hash its writer kept: the walk run
	 * at once (keyd up) signs its digest without reading the file again */
	char fresh_name[256], fresh_hash[65];
	uint64_t fresh_size;
} st;

static int write_file(const char *path, const char *text, size_t len, mode_t mode)
{
	char tmp[4096 + 320];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	bool ok = write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
	int r = ok ? 0 : -errno;
	close(fd);
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

static char *read_small(const char *path, size_t *ret_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	char *buf = malloc(DIGEST_MAX + 1);
	ssize_t n = buf ? read(fd, buf, DIGEST_MAX + 1) : -1;
	close(fd);
	if (n < 0 || n > (ssize_t)DIGEST_MAX) {
		free(buf);
		errno = n < 0 ? errno : EFBIG;
		return NULL;
	}
	buf[n] = 0;
	*ret_len = (size_t)n;
	return buf;
}

/* DIR/digest/last: "NAME HASH SIGNATURE-HEX|-" of the newest digest */
static void last_read(char name[256], char hash[65], char sig[129])
{
	char path[4096 + 16];
	name[0] = hash[0] = sig[0] = 0;
	snprintf(path, sizeof(path), "%s/last", st.ddir);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	int n = fscanf(f, "%255s %64s %128s", name, hash, sig);
	if (n < 2)
		name[0] = hash[0] = 0;
	if (n < 3 || strcmp(sig, "-") == 0)
		sig[0] = 0;
	fclose(f);
}

static int last_write(const char *dname, const char *hash, const char *sig)
{
	char path[4096 + 16], line[512];
	snprintf(path, sizeof(path), "%s/last", st.ddir);
	snprintf(line, sizeof(line), "%s %s %s\n", dname, hash, sig && sig[0] ? sig : "-");
	return write_file(path, line, strlen(line), 0600);
}

/* The digest text of `j`, signed when sig_hex. Caller free()s. */
static char *digest_text(const struct digest_job *j, const char *sig_hex, uint32_t version)
{
	char t[32];
	json_t *o = json_object(), *files = json_array(), *lf = json_object();
	if (j->account[0])
		json_object_set_new(o, "awsAccountId", json_string(j->account));
	iso(j->start, t);
	json_object_set_new(o, "digestStartTime", json_string(t));
	iso(j->end, t);
	json_object_set_new(o, "digestEndTime", json_string(t));
	json_object_set_new(o, "digestS3Object", json_string(j->name));
	json_object_set_new(o, "previousDigestS3Object",
			    j->prev_name[0] ? json_string(j->prev_name) : json_null());
	json_object_set_new(o, "previousDigestHashValue",
			    j->prev_hash[0] ? json_string(j->prev_hash) : json_null());
	json_object_set_new(o, "previousDigestHashAlgorithm", json_string("SHA-256"));
	json_object_set_new(o, "previousDigestSignature",
			    j->prev_sig[0] ? json_string(j->prev_sig) : json_null());
	json_object_set_new(o, "digestSignatureAlgorithm",
			    sig_hex ? json_string("Ed25519") : json_null());
	if (sig_hex) {
		json_object_set_new(o, "digestSignature", json_string(sig_hex));
		json_object_set_new(o, "digestSignatureKeyVersion", json_integer(version));
	} else {
		json_object_set_new(o, "digestSignatureStatus", json_string(UNSIGNED_MARK));
	}
	json_object_set_new(lf, "fileName", json_string(j->name));
	json_object_set_new(lf, "hashValue", json_string(j->hash));
	json_object_set_new(lf, "hashAlgorithm",
			    json_string(j->lines ? HASH_ALG_LINES : HASH_ALG_FILE));
	json_object_set_new(lf, "fileSize", json_integer((json_int_t)j->size));
	iso(j->oldest, t);
	json_object_set_new(lf, "oldestEventTime", json_string(t));
	iso(j->newest, t);
	json_object_set_new(lf, "newestEventTime", json_string(t));
	json_array_append_new(files, lf);
	json_object_set_new(o, "logFiles", files);
	char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return text;
}

/* Writes the digest of `j` (signed when sig_hex); DIR/digest/last too when
 * it names this digest or `newest`. A re-signed digest's old hash goes to
 * DIR/digest/resign first, so that a restart still knows why the next
 * digest's previousDigestHashValue differs. */
static int digest_write(const struct digest_job *j, const char *sig_hex, uint32_t version,
			bool newest)
{
	char path[4096 + 300], hash[65], ln[256], lh[65], ls[129];
	char *text = digest_text(j, sig_hex, version);
	int r;
	if (!text)
		return -ENOMEM;
	size_t tl = strlen(text);
	audit_sha256_hex(text, tl, hash);
	if (j->old_hash[0]) {
		char line[512];
		snprintf(line, sizeof(line), "%s %s %s\n", j->dname, j->old_hash, hash);
		snprintf(path, sizeof(path), "%s/resign", st.ddir);
		r = write_file(path, line, strlen(line), 0600);
		if (r < 0)
			goto out;
		snprintf(st.note_name, sizeof(st.note_name), "%s", j->dname);
		memcpy(st.note_old, j->old_hash, 65);
		memcpy(st.note_new, hash, 65);
	}
	snprintf(path, sizeof(path), "%s/%s", st.ddir, j->dname);
	r = write_file(path, text, tl, 0600);
	if (r < 0)
		goto out;
	if (!newest) {
		last_read(ln, lh, ls);
		newest = strcmp(ln, j->dname) == 0;
	}
	if (newest)
		r = last_write(j->dname, hash, sig_hex);
	if (r == 0 && sig_hex) {
		snprintf(st.cur_name, sizeof(st.cur_name), "%s", j->dname);
		memcpy(st.cur_hash, hash, 65);
		snprintf(st.cur_sig, sizeof(st.cur_sig), "%s", sig_hex);
	}
out:
	free(text);
	return r;
}

static void note_load(void)
{
	char path[4096 + 16];
	st.note_name[0] = st.note_old[0] = st.note_new[0] = 0;
	snprintf(path, sizeof(path), "%s/resign", st.ddir);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	if (fscanf(f, "%255s %64s %64s", st.note_name, st.note_old, st.note_new) != 3)
		st.note_name[0] = st.note_old[0] = st.note_new[0] = 0;
	fclose(f);
}

/* DIR/digest/public-key: lines "ed25519 VERSION HEX(32 bytes)". */
static void pubkey_done(void *userdata, const struct keyd_reply *rep)
{
	const char *path = userdata;
	const Keyd__GetAuditPublicKeyResponse *k =
		(const Keyd__GetAuditPublicKeyResponse *)rep->result;
	char line[128], hex[65], have[4096] = "";
	if (rep->err || rep->code != KEYD__CODE__OK || !k || k->public_key.len != 32)
		return;
	sodium_bin2hex(hex, sizeof(hex), k->public_key.data, 32);
	snprintf(line, sizeof(line), "ed25519 %u %s\n", k->key_version, hex);
	FILE *f = fopen(path, "re");
	if (f) {
		size_t n = fread(have, 1, sizeof(have) - 1, f);
		have[n] = 0;
		fclose(f);
	}
	if (strstr(have, line))
		return;
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, line, strlen(line)) != (ssize_t)strlen(line) || fsync(fd) < 0)
		iamd_log(LOG_ERR, "audit: cannot write %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

static void pubkey_fetch(struct keyd_client *kc)
{
	Keyd__GetAuditPublicKeyRequest gk = KEYD__GET_AUDIT_PUBLIC_KEY_REQUEST__INIT;
	if (mkdir(st.ddir, 0700) < 0 && errno != EEXIST)
		return;
	(void)keyd_client_send(kc, KEYD__REQUEST__OP_GET_AUDIT_PUBLIC_KEY, &gk.base,
			       pubkey_done, st.pubkey_path);
}

static bool hex_bytes(const char *hex, uint8_t *out, size_t n)
{
	size_t got;
	return strlen(hex) == 2 * n &&
	       sodium_hex2bin(out, n, hex, 2 * n, NULL, &got, NULL) == 0 && got == n;
}

static void walk_step(void);
static void tick_arm(void);

static void sign_done(void *userdata, const struct keyd_reply *rep)
{
	struct digest_job *j = userdata;
	const Keyd__SignAuditDigestResponse *s = (const Keyd__SignAuditDigestResponse *)rep->result;
	char hex[129];
	st.busy = false;
	if (rep->err || rep->code != KEYD__CODE__OK || !s || s->signature.len != 64) {
		iamd_log(LOG_WARNING, "audit: digest %s stays unsigned for now: keyd %s",
			 j->dname, rep->err ? strerror(-rep->err) :
			 rep->message ? rep->message : "refused");
		if (!rep->err)
			st.dirty = false;    /* a refusal: again when a file closes */
		else
			tick_arm();          /* keyd still up: again in a second */
		return;
	}
	sodium_bin2hex(hex, sizeof(hex), s->signature.data, 64);
	int r = digest_write(j, hex, s->key_version, false);
	if (r < 0) {
		iamd_log(LOG_CRIT, "audit: cannot write the digest %s/%s: %s", st.ddir,
			 j->dname, strerror(-r));
		st.dirty = false;
		return;
	}
	walk_step();
}

/* Asks keyd for the signature of `j`. */
static int digest_sign(struct keyd_client *kc, struct digest_job *j)
{
	Keyd__SignAuditDigestRequest sr = KEYD__SIGN_AUDIT_DIGEST_REQUEST__INIT;
	Keyd__AuditLogFile lf = KEYD__AUDIT_LOG_FILE__INIT, *lfs[1] = { &lf };
	uint8_t sha[32], ph[32], ps[64];
	if (!kc || !keyd_client_ready(kc))
		return -ENOTCONN;
	if (!hex_bytes(j->hash, sha, 32))
		return -EINVAL;
	lf.name = j->name;
	lf.has_sha256 = lf.has_size = lf.has_oldest_event_time = lf.has_newest_event_time = true;
	lf.sha256.data = sha;
	lf.sha256.len = 32;
	lf.size = j->size;
	lf.oldest_event_time = j->oldest;
	lf.newest_event_time = j->newest;
	sr.has_digest_start_time = sr.has_digest_end_time = true;
	sr.digest_start_time = j->start;
	sr.digest_end_time = j->end;
	sr.n_log_files = 1;
	sr.log_files = lfs;
	if (j->prev_hash[0]) {
		if (!hex_bytes(j->prev_hash, ph, 32))
			return -EINVAL;
		sr.has_previous_digest_hash = true;
		sr.previous_digest_hash.data = ph;
		sr.previous_digest_hash.len = 32;
	}
	if (j->prev_sig[0]) {
		if (!hex_bytes(j->prev_sig, ps, 64))
			return -EINVAL;
		sr.has_previous_digest_signature = true;
		sr.previous_digest_signature.data = ps;
		sr.previous_digest_signature.len = 64;
	}
	pubkey_fetch(kc);   /* the key of this signature's version, if new */
	return keyd_client_send(kc, KEYD__REQUEST__OP_SIGN_AUDIT_DIGEST, &sr.base, sign_done, j);
}

static bool is_digest_name(const char *n)
{
	size_t l = strlen(n);
	return strncmp(n, "audit-", 6) == 0 && l > 12 && l < 256 &&
	       strcmp(n + l - 12, ".digest.json") == 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The digests after `after` ("" for all), sorted (their names sort in
 * writing order). */
static int digests_list(const char *after, char ***ret, size_t *ret_n)
{
	DIR *dh = opendir(st.ddir);
	char **v = NULL;
	size_t n = 0, cap = 0;
	int r = 0;
	if (!dh)
		return errno == ENOENT ? 0 : -errno;
	struct dirent *de;
	while ((de = readdir(dh))) {
		if (!is_digest_name(de->d_name) || strcmp(de->d_name, after) <= 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			char **p = realloc(v, cap * sizeof(*p));
			if (!p) {
				r = -ENOMEM;
				break;
			}
			v = p;
		}
		if (!(v[n] = strdup(de->d_name))) {
			r = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(dh);
	if (r < 0) {
		while (n)
			free(v[--n]);
		free(v);
		return r;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	*ret = v;
	*ret_n = n;
	return 0;
}

static const char *jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static bool same(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* The job that re-signs digest `j` (named dname, hashed dhash) after the
 * digest (prev_name, prev_hash, prev_sig). The file it lists must still
 * be what it says. */
static int job_from(json_t *o, const char *dname, const char *dhash, const char *pname,
		    const char *phash, const char *psig, struct digest_job *j)
{
	json_t *files = json_object_get(o, "logFiles"), *lf = json_array_get(files, 0);
	const char *fn = jstr(lf, "fileName"), *hv = jstr(lf, "hashValue"),
		   *alg = jstr(lf, "hashAlgorithm");
	json_t *sz = json_object_get(lf, "fileSize");
	char path[8704], h[65];
	uint64_t size;
	memset(j, 0, sizeof(*j));
	j->lines = alg && strcmp(alg, HASH_ALG_LINES) == 0;
	if (json_array_size(files) != 1 || !fn || !hv || strchr(fn, '/') ||
	    (alg && !j->lines && strcmp(alg, HASH_ALG_FILE) != 0) ||
	    strlen(fn) >= sizeof(j->name) || strlen(hv) != 64 || !json_is_integer(sz) ||
	    !iso_parse(jstr(o, "digestStartTime"), &j->start) ||
	    !iso_parse(jstr(o, "digestEndTime"), &j->end) ||
	    !iso_parse(jstr(lf, "oldestEventTime"), &j->oldest) ||
	    !iso_parse(jstr(lf, "newestEventTime"), &j->newest))
		return -EBADMSG;
	int r = 0;
	if (j->lines && st.fresh_name[0] && strcmp(fn, st.fresh_name) == 0 &&
	    strcmp(hv, st.fresh_hash) == 0) {   /* written by this run just now */
		memcpy(h, st.fresh_hash, 65);
		size = st.fresh_size;
	} else {
		snprintf(path, sizeof(path), "%s/%s", st.dir, fn);
		r = file_sha256(path, j->lines, h, &size);
		if (r < 0)
			return r;
	}
	if (strcmp(h, hv) != 0 || size != (uint64_t)json_integer_value(sz))
		return -EUCLEAN;
	snprintf(j->dname, sizeof(j->dname), "%s", dname);
	snprintf(j->name, sizeof(j->name), "%s", fn);
	snprintf(j->account, sizeof(j->account), "%s", jstr(o, "awsAccountId") ?
		 jstr(o, "awsAccountId") : "");
	memcpy(j->hash, h, 65);
	j->size = size;
	snprintf(j->prev_name, sizeof(j->prev_name), "%s", pname);
	snprintf(j->prev_hash, sizeof(j->prev_hash), "%s", phash);
	snprintf(j->prev_sig, sizeof(j->prev_sig), "%s", psig);
	memcpy(j->old_hash, dhash, 65);
	return 0;
}

static void walk_broken(const char *dname, const char *why)
{
	iamd_log(LOG_CRIT, "audit: digest %s/%s: %s; digests are no longer signed "
		 "(run iamctl audit verify)", st.ddir, dname, why);
	st.broken = true;
	st.dirty = false;
}

/* Sends the first digest that needs a signature, from the last one known
 * good; dirty is cleared when there is none. */
static void walk_step(void)
{
	struct keyd_client *kc = st.d ? st.d->keyd : NULL;
	char **names = NULL, pname[256], phash[65], psig[129];
	size_t n = 0, i;
	if (st.busy || st.broken || !st.dirty || !kc || !keyd_client_ready(kc))
		return;
	snprintf(pname, sizeof(pname), "%s", st.cur_name);
	memcpy(phash, st.cur_hash, 65);
	memcpy(psig, st.cur_sig, 129);
	int r = digests_list(st.cur_name, &names, &n);
	if (r < 0) {
		iamd_log(LOG_ERR, "audit: cannot list %s: %s", st.ddir, strerror(-r));
		return;
	}
	for (i = 0; i < n; i++) {
		char path[8704], hash[65];
		size_t len;
		snprintf(path, sizeof(path), "%s/%s", st.ddir, names[i]);
		char *text = read_small(path, &len);
		json_t *o = text ? json_loadb(text, len, 0, NULL) : NULL;
		if (!o) {
			free(text);
			walk_broken(names[i], "cannot be read or is not JSON");
			goto out;
		}
		audit_sha256_hex(text, len, hash);
		free(text);
		const char *pn = jstr(o, "previousDigestS3Object");
		const char *ph = jstr(o, "previousDigestHashValue");
		const char *ps = jstr(o, "previousDigestSignature");
		const char *sg = jstr(o, "digestSignature");
		bool chained = same(pn, pname) && same(ph, phash);
		bool resigned = pname[0] && same(pn, pname) && ph &&
				strcmp(st.note_name, pname) == 0 &&
				strcmp(st.note_old, ph) == 0 && strcmp(st.note_new, phash) == 0;
		bool sig_chained = same(ps, psig);
		bool is_signed = sg && strlen(sg) == 128;
		if (chained && sig_chained && is_signed) {
			snprintf(pname, sizeof(pname), "%s", names[i]);
			memcpy(phash, hash, 65);
			snprintf(psig, sizeof(psig), "%s", sg);
			json_decref(o);
			continue;
		}
		if (!chained && !resigned) {
			json_decref(o);
			walk_broken(names[i], pname[0] ? "the previous digest's hash differs "
				    "(changed or removed)" : "the previous digest is missing");
			goto out;
		}
		if (chained && is_signed && !sig_chained) {
			json_decref(o);
			walk_broken(names[i], "its previousDigestSignature differs");
			goto out;
		}
		r = job_from(o, names[i], hash, pname, phash, psig, &st.job);
		json_decref(o);
		if (r < 0) {
			walk_broken(names[i], r == -EUCLEAN ? "the file it lists changed" :
				    r == -EBADMSG ? "not a digest iamd wrote" :
				    "the file it lists cannot be read");
			goto out;
		}
		r = digest_sign(kc, &st.job);
		if (r == 0) {
			st.busy = true;
		} else {
			iamd_log(LOG_WARNING, "audit: digest %s stays unsigned for now: %s",
				 names[i], strerror(-r));
			tick_arm();
		}
		goto out;
	}
	/* all signed and chained */
	snprintf(st.cur_name, sizeof(st.cur_name), "%s", pname);
	memcpy(st.cur_hash, phash, 65);
	memcpy(st.cur_sig, psig, 129);
	st.dirty = false;
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* A retry of the walk in a second (20 ms while stopping). */
static void tick_arm(void)
{
	unsigned ms = st.stopping ? TICK_STOP_MS : TICK_RETRY_MS;
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
	if (st.timer)
		evtimer_add(st.timer, &tv);
}

static void tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	walk_step();
}

/* keyd came (back): its public key, and whatever waits for a signature. */
static void keyd_ready(void *data)
{
	(void)data;
	struct keyd_client *kc = st.d ? st.d->keyd : NULL;
	if (!kc)
		return;
	pubkey_fetch(kc);
	st.dirty = true;
	walk_step();
}

int audit_digest_start(const char *dir, struct iamd *d)
{
	memset(&st, 0, sizeof(st));
	st.d = d;
	snprintf(st.dir, sizeof(st.dir), "%s", dir);
	snprintf(st.ddir, sizeof(st.ddir), "%s/digest", dir);
	snprintf(st.pubkey_path, sizeof(st.pubkey_path), "%s/public-key", st.ddir);
	note_load();
	st.dirty = true;     /* what an earlier run left unsigned */
	if (d && d->base) {
		st.timer = evtimer_new(d->base, tick, NULL);
		if (!st.timer)
			return -ENOMEM;
	}
	if (d && d->keyd) {
		keyd_client_on_ready(d->keyd, keyd_ready, NULL);
		if (keyd_client_ready(d->keyd))
			keyd_ready(NULL);
	}
	return 0;
}

void audit_digest_stop(unsigned wait_ms)
{
	struct keyd_client *kc = st.d ? st.d->keyd : NULL;
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	st.stopping = true;
	while (st.timer && st.d && st.d->base && kc && keyd_client_ready(kc)) {
		walk_step();
		if (!st.busy)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t);
		int64_t ms = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (ms >= (int64_t)wait_ms) {
			iamd_log(LOG_WARNING, "audit: stopping without the signature of %s "
				 "(signed at the next start)", st.job.dname);
			break;
		}
		tick_arm();
		event_base_loop(st.d->base, EVLOOP_ONCE);
	}
	if (kc) {
		keyd_client_on_ready(kc, NULL, NULL);
		keyd_client_cancel(kc, &st.job);
		keyd_client_cancel(kc, st.pubkey_path);
	}
	if (st.timer)
		event_free(st.timer);
	st.timer = NULL;
	st.busy = false;
	st.d = NULL;
}

/* digestEndTime of the digest file `dname` in the digest directory. */
static int prev_end_time(const char *dname, int64_t *ret)
{
	char path[8704];
	if (!dname[0])
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/%s", st.ddir, dname);
	json_t *o = json_load_file(path, 0, NULL);
	int r = o && iso_parse(jstr(o, "digestEndTime"), ret) ? 0 : -EBADMSG;
	json_decref(o);
	return r;
}

void audit_digest_closed(const char *dir, const char *name, int64_t oldest,
			 int64_t newest, const char *sha256_hex, uint64_t size,
			 struct iamd *d)
{
	struct digest_job j;
	char path[8704];
	size_t nl = strlen(name);
	memset(&j, 0, sizeof(j));
	if (!st.ddir[0] || strcmp(st.dir, dir) != 0) {   /* no audit_digest_start() */
		snprintf(st.dir, sizeof(st.dir), "%s", dir);
		snprintf(st.ddir, sizeof(st.ddir), "%s/digest", dir);
		snprintf(st.pubkey_path, sizeof(st.pubkey_path), "%s/public-key", st.ddir);
	}
	snprintf(j.name, sizeof(j.name), "%s", name);
	snprintf(j.dname, sizeof(j.dname), "%.*s.digest.json", (int)(nl > 6 ? nl - 6 : 0), name);
	j.lines = true;
	if (d)
		snprintf(j.account, sizeof(j.account), "%s", d->account_id);
	int r = 0;
	if (mkdir(st.ddir, 0700) < 0 && errno != EEXIST) {
		r = -errno;
		goto fail;
	}
	st.fresh_name[0] = '\0';
	if (sha256_hex && strlen(sha256_hex) == 64) {
		memcpy(j.hash, sha256_hex, 65);
		j.size = size;
		snprintf(st.fresh_name, sizeof(st.fresh_name), "%s", name);
		memcpy(st.fresh_hash, sha256_hex, 65);
		st.fresh_size = size;
	} else {
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		r = file_sha256(path, true, j.hash, &j.size);
		if (r < 0)
			goto fail;
	}
	last_read(j.prev_name, j.prev_hash, j.prev_sig);
	int64_t now = (int64_t)time(NULL), prev_end;
	j.oldest = oldest ? oldest : now;
	j.end = now;
	j.newest = newest ? newest : now;
	/* CloudTrail's digests cover contiguous ranges of delivery: this one
	 * starts where the one before ended (the first where its file's first
	 * event is). Its file's events may be older than its start, as on
	 * CloudTrail: the call whose record opened the file may have begun a
	 * second before the file before it was closed. Only a clock that went
	 * back past the previous end breaks the range (it starts at its end). */
	j.start = prev_end_time(j.prev_name, &prev_end) == 0 ? prev_end : j.oldest;
	if (j.end < j.start)
		j.start = j.end;
	r = digest_write(&j, NULL, 0, true);
	if (r < 0)
		goto fail;
	st.dirty = true;
	walk_step();
	st.fresh_name[0] = '\0';   /* later walks (keyd was away) read the file */
	return;
fail:
	iamd_log(LOG_CRIT, "audit: cannot write the digest %s/%s: %s", st.ddir, j.dname,
		 strerror(-r));
}
