/* audit_digest: the digest of each closed trail file (audit_file.h):
 * CloudTrail's digest shape in DIR/digest/NAME.digest.json, chained to the
 * previous digest by its SHA-256. Not signed yet (docs/audit.md: the keyd
 * signature is to come); the record chain proves the order meanwhile. */
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
#include "sd.h"

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

/* DIR/digest/last: the name and hash of the newest digest */
void audit_digest_closed(const char *dir, const char *name, int64_t oldest,
			 int64_t newest, struct iamd *d)
{
	char path[4096], ddir[4096], dpath[4096 + 300], hash[65], t[32];
	char prev_hash[65] = "", prev_name[256] = "";
	uint64_t size = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(ddir, sizeof(ddir), "%s/digest", dir);
	if (mkdir(ddir, 0700) < 0 && errno != EEXIST)
		goto fail;
	if (file_sha256(path, hash, &size) < 0)
		goto fail;
	snprintf(dpath, sizeof(dpath), "%s/last", ddir);
	FILE *f = fopen(dpath, "re");
	if (f) {
		if (fscanf(f, "%255s %64s", prev_name, prev_hash) != 2)
			prev_name[0] = prev_hash[0] = 0;
		fclose(f);
	}
	json_t *j = json_object(), *files = json_array(), *lf = json_object();
	int64_t now = (int64_t)time(NULL);
	iso(oldest ? oldest : now, t);
	if (d)
		json_object_set_new(j, "awsAccountId", json_string(d->account_id));
	json_object_set_new(j, "digestStartTime", json_string(t));
	iso(now, t);
	json_object_set_new(j, "digestEndTime", json_string(t));
	json_object_set_new(j, "digestS3Object", json_string(name));
	json_object_set_new(j, "previousDigestS3Object",
			    prev_name[0] ? json_string(prev_name) : json_null());
	json_object_set_new(j, "previousDigestHashValue",
			    prev_hash[0] ? json_string(prev_hash) : json_null());
	json_object_set_new(j, "previousDigestHashAlgorithm", json_string("SHA-256"));
	json_object_set_new(j, "previousDigestSignature", json_null());
	json_object_set_new(j, "digestSignatureAlgorithm", json_null());
	json_object_set_new(lf, "fileName", json_string(name));
	json_object_set_new(lf, "hashValue", json_string(hash));
	json_object_set_new(lf, "hashAlgorithm", json_string("SHA-256"));
	json_object_set_new(lf, "fileSize", json_integer((json_int_t)size));
	iso(oldest ? oldest : now, t);
	json_object_set_new(lf, "oldestEventTime", json_string(t));
	iso(newest ? newest : now, t);
	json_object_set_new(lf, "newestEventTime", json_string(t));
	json_array_append_new(files, lf);
	json_object_set_new(j, "logFiles", files);
	char *text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (!text)
		goto fail;
	char dname[256];
	snprintf(dname, sizeof(dname), "%.*s.digest.json", (int)(strlen(name) - 6), name);
	snprintf(dpath, sizeof(dpath), "%s/%s", ddir, dname);
	int fd = open(dpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t tl = strlen(text);
	bool ok = fd >= 0 && write(fd, text, tl) == (ssize_t)tl && fsync(fd) == 0;
	if (fd >= 0)
		close(fd);
	audit_sha256_hex(text, tl, hash);
	free(text);
	if (!ok)
		goto fail;
	snprintf(dpath, sizeof(dpath), "%s/last.tmp", ddir);
	int lfd = open(dpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	f = lfd >= 0 ? fdopen(lfd, "w") : NULL;
	if (!f) {
		if (lfd >= 0)
			close(lfd);
		goto fail;
	}
	fprintf(f, "%s %s\n", dname, hash);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		fclose(f);
		goto fail;
	}
	fclose(f);
	char last[4096 + 300];
	snprintf(last, sizeof(last), "%s/last", ddir);
	if (rename(dpath, last) < 0)
		goto fail;
	return;
fail:
	iamd_log(LOG_CRIT, "audit: cannot write the digest of %s/%s: %s", dir, name,
		 strerror(errno));
}
