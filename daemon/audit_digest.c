/* audit_digest: the digest of each closed trail file (audit_file.h):
 * CloudTrail's digest shape in DIR/digest/NAME.digest.json, chained to the
 * previous digest by its SHA-256 and signed by iam-keyd (SignAuditDigest,
 * Ed25519; docs/audit.md "Signed digests"). The digest is written at once,
 * unsigned and marked so; when keyd's signature comes back (asynchronously,
 * keyd_client.h) it is rewritten signed and DIR/digest/last remembers its
 * signature for the next one. While keyd is away, or when a digest closes
 * while the previous one's signature is still awaited (its signature is then
 * dropped, so that the chain stays whole), it stays unsigned. */
#include "config.h"
#include "audit_file.h"

#include <errno.h>
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

#define UNSIGNED_MARK "Unsigned: iam-keyd was unavailable"

static int file_sha256(const char *path, char ret[65], uint64_t *ret_size)
{
	crypto_hash_sha256_state st;
	unsigned char h[crypto_hash_sha256_BYTES];
	char buf[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	crypto_hash_sha256_init(&st);
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
		crypto_hash_sha256_update(&st, (unsigned char *)buf, (size_t)n);
		*ret_size += (uint64_t)n;
	}
	close(fd);
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(ret, 65, h, sizeof(h));
	return 0;
}

static void iso(int64_t t, char buf[32])
{
	struct tm tm;
	time_t tt = (time_t)t;
	gmtime_r(&tt, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* One digest: what it says, and the one in flight to keyd. */
struct digest_job {
	bool busy;                    /* a SignAuditDigest awaited */
	char ddir[4096], dname[256], name[256], account[13];
	char hash[65], prev_name[256], prev_hash[65], prev_sig[129];
	int64_t start, end, oldest, newest;
	uint64_t size;
};

static struct digest_job job;             /* iamd runs one trail */
static char pubkey_path[4096 + 16];

static int write_file(const char *path, const char *text, size_t len)
{
	char tmp[4096 + 320];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	bool ok = write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
	int r = ok ? 0 : -errno;
	close(fd);
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	return r;
}

/* Writes the digest of `j` (signed when sig_hex) and DIR/digest/last. */
static int digest_write(const struct digest_job *j, const char *sig_hex, uint32_t version)
{
	char t[32], path[4096 + 300], line[800], hash[65];
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
	json_object_set_new(lf, "hashAlgorithm", json_string("SHA-256"));
	json_object_set_new(lf, "fileSize", json_integer((json_int_t)j->size));
	iso(j->oldest, t);
	json_object_set_new(lf, "oldestEventTime", json_string(t));
	iso(j->newest, t);
	json_object_set_new(lf, "newestEventTime", json_string(t));
	json_array_append_new(files, lf);
	json_object_set_new(o, "logFiles", files);
	char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!text)
		return -ENOMEM;
	size_t tl = strlen(text);
	snprintf(path, sizeof(path), "%s/%s", j->ddir, j->dname);
	int r = write_file(path, text, tl);
	audit_sha256_hex(text, tl, hash);
	free(text);
	if (r < 0)
		return r;
	snprintf(line, sizeof(line), "%s %s %s\n", j->dname, hash, sig_hex ? sig_hex : "-");
	snprintf(path, sizeof(path), "%s/last", j->ddir);
	return write_file(path, line, strlen(line));
}

static void digest_fail(const struct digest_job *j, int r)
{
	iamd_log(LOG_CRIT, "audit: cannot write the digest %s/%s: %s", j->ddir, j->dname,
		 strerror(-r));
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

static void sign_done(void *userdata, const struct keyd_reply *rep)
{
	struct digest_job *j = userdata;
	const Keyd__SignAuditDigestResponse *s = (const Keyd__SignAuditDigestResponse *)rep->result;
	char hex[129];
	j->busy = false;
	if (rep->err || rep->code != KEYD__CODE__OK || !s || s->signature.len != 64) {
		iamd_log(LOG_WARNING, "audit: digest %s stays unsigned: keyd %s", j->dname,
			 rep->err ? strerror(-rep->err) : rep->message ? rep->message : "refused");
		return;
	}
	sodium_bin2hex(hex, sizeof(hex), s->signature.data, 64);
	int r = digest_write(j, hex, s->key_version);
	if (r < 0)
		digest_fail(j, r);
}

static bool hex_bytes(const char *hex, uint8_t *out, size_t n)
{
	size_t got;
	return strlen(hex) == 2 * n &&
	       sodium_hex2bin(out, n, hex, 2 * n, NULL, &got, NULL) == 0 && got == n;
}

/* Asks keyd for the public key and the signature of `j`. */
static int digest_sign(struct keyd_client *kc, struct digest_job *j)
{
	Keyd__GetAuditPublicKeyRequest gk = KEYD__GET_AUDIT_PUBLIC_KEY_REQUEST__INIT;
	Keyd__SignAuditDigestRequest sr = KEYD__SIGN_AUDIT_DIGEST_REQUEST__INIT;
	Keyd__AuditLogFile lf = KEYD__AUDIT_LOG_FILE__INIT, *lfs[1] = { &lf };
	uint8_t sha[32], ph[32], ps[64];
	if (!kc || !keyd_client_ready(kc))
		return -ENOTCONN;
	snprintf(pubkey_path, sizeof(pubkey_path), "%s/public-key", j->ddir);
	keyd_client_send(kc, KEYD__REQUEST__OP_GET_AUDIT_PUBLIC_KEY, &gk.base, pubkey_done,
			 pubkey_path);
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
	return keyd_client_send(kc, KEYD__REQUEST__OP_SIGN_AUDIT_DIGEST, &sr.base, sign_done, j);
}

/* DIR/digest/last: "NAME HASH SIGNATURE-HEX|-" of the newest digest */
void audit_digest_closed(const char *dir, const char *name, int64_t oldest,
			 int64_t newest, struct iamd *d)
{
	struct digest_job *j = &job;
	char path[8704];
	size_t nl = strlen(name);
	if (j->busy && d && d->keyd)      /* its signature would break the chain */
		keyd_client_cancel(d->keyd, j);
	memset(j, 0, sizeof(*j));
	snprintf(j->ddir, sizeof(j->ddir), "%s/digest", dir);
	snprintf(j->name, sizeof(j->name), "%s", name);
	snprintf(j->dname, sizeof(j->dname), "%.*s.digest.json", (int)(nl > 6 ? nl - 6 : 0), name);
	if (d)
		snprintf(j->account, sizeof(j->account), "%s", d->account_id);
	int r = 0;
	if (mkdir(j->ddir, 0700) < 0 && errno != EEXIST) {
		r = -errno;
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	r = file_sha256(path, j->hash, &j->size);
	if (r < 0)
		goto fail;
	snprintf(path, sizeof(path), "%s/last", j->ddir);
	FILE *f = fopen(path, "re");
	if (f) {
		int n = fscanf(f, "%255s %64s %128s", j->prev_name, j->prev_hash, j->prev_sig);
		if (n < 2)
			j->prev_name[0] = j->prev_hash[0] = 0;
		if (n < 3 || strcmp(j->prev_sig, "-") == 0)
			j->prev_sig[0] = 0;
		fclose(f);
	}
	int64_t now = (int64_t)time(NULL);
	j->start = j->oldest = oldest ? oldest : now;
	j->end = now;
	j->newest = newest ? newest : now;
	if (j->end < j->start)
		j->start = j->end;
	r = digest_write(j, NULL, 0);
	if (r < 0)
		goto fail;
	if (digest_sign(d ? d->keyd : NULL, j) == 0)
		j->busy = true;
	return;
fail:
	digest_fail(j, r);
}
