/* audit_file: trail file names and the end of the chain (audit_file.h). */
#include "config.h"
#include "audit_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"

#define TAIL_MAX (1u << 20)   /* a record is far shorter */

void audit_sha256_hex(const void *p, size_t len, char ret[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, p, len);
	sodium_bin2hex(ret, 65, h, sizeof(h));
}

void audit_file_name(uint64_t file_seq, int64_t opened, char ret[AUDIT_NAME_MAX])
{
	struct tm tm;
	time_t t = (time_t)opened;
	char ts[20];
	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(ret, AUDIT_NAME_MAX, "audit-%08llu-%s.jsonl",
		 (unsigned long long)file_seq, ts);
}

uint64_t audit_file_seq(const char *name)
{
	size_t l = strlen(name);
	if (strncmp(name, "audit-", 6) != 0 || l < 12 ||
	    strcmp(name + l - 6, ".jsonl") != 0)
		return 0;
	char *end;
	unsigned long long v = strtoull(name + 6, &end, 10);
	if (end != name + 14 || *end != '-')
		return 0;
	return v;
}

/* The last whole line of `path`: its recordSequence and hash. 0 when the
 * file holds no whole line, 1 when found. */
static int file_last_record(const char *path, uint64_t *ret_seq, char ret_hash[65])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf = NULL;
	int r = 0;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	size_t n = st.st_size > TAIL_MAX ? TAIL_MAX : (size_t)st.st_size;
	buf = malloc(n + 1);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	ssize_t got = pread(fd, buf, n, st.st_size - (off_t)n);
	if (got != (ssize_t)n) {
		r = got < 0 ? -errno : -EIO;
		goto out;
	}
	/* the last line ending in '\n' */
	size_t end = n;
	while (end > 0 && buf[end - 1] != '\n')
		end--;
	if (end == 0)
		goto out;
	if (end != n)
		fprintf(stderr, "iamd: audit: %s ends with a partial record "
			"(%zu bytes); the chain goes on from its last whole one\n",
			path, n - end);
	size_t start = end - 1;
	while (start > 0 && buf[start - 1] != '\n')
		start--;
	json_error_t err;
	json_t *j = json_loadb(buf + start, end - 1 - start, 0, &err);
	json_t *s = j ? json_object_get(j, "recordSequence") : NULL;
	if (!json_is_integer(s)) {
		json_decref(j);
		r = -EBADMSG;
		goto out;
	}
	*ret_seq = (uint64_t)json_integer_value(s);
	json_decref(j);
	audit_sha256_hex(buf + start, end - 1 - start, ret_hash);
	r = 1;
out:
	free(buf);
	close(fd);
	return r;
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return a < b ? -1 : a > b;
}

int audit_file_chain_tail(const char *dir, uint64_t *ret_file_seq,
			  uint64_t *ret_seq, char ret_hash[65])
{
	DIR *dh = opendir(dir);
	uint64_t *seqs = NULL;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int r = 0;
	if (!dh)
		return -errno;
	struct dirent *de;
	while ((de = readdir(dh))) {
		uint64_t s = audit_file_seq(de->d_name);
		if (!s)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			uint64_t *p = realloc(seqs, cap * sizeof(*p));
			if (!p) {
				r = -ENOMEM;
				goto out;
			}
			seqs = p;
		}
		seqs[n++] = s;
	}
	if (n)
		qsort(seqs, n, sizeof(*seqs), cmp_u64);
	*ret_file_seq = n ? seqs[n - 1] : 0;
	*ret_seq = 0;
	memset(ret_hash, '0', 64);
	ret_hash[64] = 0;
	/* the newest file holding a whole record */
	for (size_t i = n; i-- > 0;) {
		rewinddir(dh);
		while ((de = readdir(dh)))
			if (audit_file_seq(de->d_name) == seqs[i])
				break;
		if (!de)
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		r = file_last_record(path, ret_seq, ret_hash);
		if (r < 0)
			goto out;
		if (r == 1)
			break;
	}
	r = 0;
out:
	free(names);
	free(seqs);
	closedir(dh);
	return r;
}

/* The eventTime of the line at `p` (length n), or 0. */
static int64_t line_time(const char *p, size_t n)
{
	json_t *j = json_loadb(p, n, 0, NULL);
	const char *t = json_string_value(json_object_get(j, "eventTime"));
	struct tm tm;
	int64_t v = 0;
	memset(&tm, 0, sizeof(tm));
	if (t) {
		const char *e = strptime(t, "%Y-%m-%dT%H:%M:%SZ", &tm);
		if (e && !*e)
			v = (int64_t)timegm(&tm);
	}
	json_decref(j);
	return v;
}

int audit_file_undigested(const char *dir, uint64_t file_seq, char ret_name[AUDIT_NAME_MAX],
			  int64_t *ret_oldest, int64_t *ret_newest)
{
	DIR *dh = opendir(dir);
	char path[4096 + 2 * AUDIT_NAME_MAX], name[AUDIT_NAME_MAX] = "", *buf = NULL;
	struct stat sb;
	int r = 0, fd = -1;
	if (!dh)
		return -errno;
	struct dirent *de;
	while (file_seq && (de = readdir(dh)))
		if (audit_file_seq(de->d_name) == file_seq &&
		    strlen(de->d_name) < sizeof(name)) {
			snprintf(name, sizeof(name), "%s", de->d_name);
			break;
		}
	closedir(dh);
	if (!name[0])
		return 0;
	size_t nl = strlen(name);
	snprintf(path, sizeof(path), "%s/digest/%.*s.digest.json", dir, (int)(nl - 6), name);
	if (access(path, F_OK) == 0)
		return 0;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) < 0) {
		r = -errno;
		goto out;
	}
	if (sb.st_size == 0)
		goto out;
	/* the first and the last whole line's eventTime */
	size_t n = sb.st_size > TAIL_MAX ? TAIL_MAX : (size_t)sb.st_size;
	buf = malloc(n + 1);
	if (!buf) {
		r = -ENOMEM;
		goto out;
	}
	int64_t oldest = 0, newest = 0;
	ssize_t got = pread(fd, buf, n, 0);
	if (got > 0) {
		char *nl1 = memchr(buf, '\n', (size_t)got);
		if (nl1)
			oldest = line_time(buf, (size_t)(nl1 - buf));
	}
	got = pread(fd, buf, n, sb.st_size - (off_t)n);
	if (got == (ssize_t)n) {
		size_t end = n;
		while (end > 0 && buf[end - 1] != '\n')
			end--;
		if (end > 0) {
			size_t start = end - 1;
			while (start > 0 && buf[start - 1] != '\n')
				start--;
			newest = line_time(buf + start, end - 1 - start);
		}
	}
	snprintf(ret_name, AUDIT_NAME_MAX, "%s", name);
	*ret_oldest = oldest;
	*ret_newest = newest;
	r = 1;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return r;
}
