/* keyd_ring: the versioned master keys (keyd.h). The file holds one line
 * per version, "VERSION BASE64", the highest version being current; it is
 * read into sodium_malloc memory, parsed there and wiped. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyd.h"

#define RING_FILE_MAX (64u * 1024)
#define RING_HEADER \
	"# iam-keyd master keys: keep secret. One line per version: VERSION BASE64(32 bytes).\n" \
	"# The highest version seals and derives new secrets; older ones still open and verify.\n"

static const char label_token[] = "iamd/session-token/v1";
static const char label_message[] = "iamd/authz-message/v1";

static int ring_new(struct keyd_ring **ret)
{
	if (sodium_init() < 0)
		return -EIO;
	struct keyd_ring *r = sodium_malloc(sizeof(*r));
	if (!r)
		return -ENOMEM;
	sodium_memzero(r, sizeof(*r));
	*ret = r;
	return 0;
}

void keyd_ring_free(struct keyd_ring *r)
{
	if (r)
		sodium_free(r);   /* makes it writable, wipes and unmaps it */
}

void keyd_ring_lock(struct keyd_ring *r)
{
	sodium_mprotect_readonly(r);
}

static int subkey(const uint8_t master[KEYD_KEY_LEN], const char *label,
		  uint8_t out[KEYD_KEY_LEN])
{
	return crypto_generichash(out, KEYD_KEY_LEN, (const uint8_t *)label, strlen(label),
				  master, KEYD_KEY_LEN) == 0 ? 0 : -EIO;
}

/* Adds a version (its subkeys derived); keeps `current` at the highest. */
static int ring_add(struct keyd_ring *r, uint32_t version, const uint8_t master[KEYD_KEY_LEN])
{
	if (version == 0)
		return -EINVAL;
	if (r->n >= KEYD_MAX_VERSIONS)
		return -E2BIG;
	for (uint32_t i = 0; i < r->n; i++)
		if (r->keys[i].version == version)
			return -EEXIST;
	struct keyd_key *k = &r->keys[r->n];
	k->version = version;
	memcpy(k->master, master, KEYD_KEY_LEN);
	if (subkey(k->master, label_token, k->token_key) < 0 ||
	    subkey(k->master, label_message, k->message_key) < 0)
		return -EIO;
	if (r->n == 0 || version > r->keys[r->current].version)
		r->current = r->n;
	r->n++;
	return 0;
}

static int parse_line(struct keyd_ring *r, const char *p, size_t len)
{
	uint8_t key[KEYD_KEY_LEN];
	size_t i = 0, klen = 0;
	uint64_t v = 0;
	const char *end = NULL;
	int ret = -EINVAL;

	while (i < len && p[i] >= '0' && p[i] <= '9' && v <= INT32_MAX)
		v = v * 10 + (uint64_t)(p[i++] - '0');
	if (i == 0 || v == 0 || v > INT32_MAX || i >= len || p[i] != ' ')
		goto out;
	while (i < len && p[i] == ' ')
		i++;
	size_t b64_len = len - i;
	while (b64_len > 0 && (p[i + b64_len - 1] == ' ' || p[i + b64_len - 1] == '\r'))
		b64_len--;
	if (sodium_base642bin(key, sizeof(key), p + i, b64_len, NULL, &klen, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    klen != KEYD_KEY_LEN || end != p + i + b64_len)
		goto out;
	ret = ring_add(r, (uint32_t)v, key);
out:
	sodium_memzero(key, sizeof(key));
	return ret;
}

int keyd_ring_parse(const char *text, size_t len, struct keyd_ring **ret)
{
	struct keyd_ring *r = NULL;
	int rc = ring_new(&r);
	if (rc < 0)
		return rc;
	size_t pos = 0;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - (text + pos)) : len - pos;
		const char *line = text + pos;
		pos += llen + (nl ? 1 : 0);
		if (llen == 0 || line[0] == '#')
			continue;
		rc = parse_line(r, line, llen);
		if (rc < 0)
			goto fail;
	}
	if (r->n == 0) {
		rc = -ENOKEY;
		goto fail;
	}
	*ret = r;
	return 0;
fail:
	keyd_ring_free(r);
	return rc;
}

/* Reads a whole small file into sodium_malloc memory (wiped by the
 * caller with sodium_free). */
static int file_read_secret(int fd, char **ret, size_t *ret_len)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if (st.st_size > (off_t)RING_FILE_MAX)
		return -E2BIG;
	size_t cap = (size_t)st.st_size + 1;
	char *buf = sodium_malloc(cap);
	if (!buf)
		return -ENOMEM;
	size_t got = 0;
	while (got < cap - 1) {
		ssize_t n = read(fd, buf + got, cap - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = -errno;
			sodium_free(buf);
			return e;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	*ret = buf;
	*ret_len = got;
	return 0;
}

int keyd_ring_load(const char *path, bool any_mode, struct keyd_ring **ret)
{
	char *buf = NULL;
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	struct stat st;
	int r = fstat(fd, &st) < 0 ? -errno : 0;
	if (r == 0 && !any_mode && (st.st_mode & 077))
		r = -EPERM;   /* readable by others: refuse, like ssh does */
	if (r == 0)
		r = file_read_secret(fd, &buf, &len);
	close(fd);
	if (r < 0)
		return r;
	r = keyd_ring_parse(buf, len, ret);
	sodium_free(buf);
	return r;
}

/* Writes the ring's versions as the file's text into `fd`. */
static int ring_write(int fd, const struct keyd_ring *r)
{
	char b64[sodium_base64_ENCODED_LEN(KEYD_KEY_LEN, sodium_base64_VARIANT_ORIGINAL)];
	char line[32 + sizeof(b64)];
	int ret = 0;
	if (write(fd, RING_HEADER, strlen(RING_HEADER)) != (ssize_t)strlen(RING_HEADER))
		return -EIO;
	for (uint32_t i = 0; i < r->n && ret == 0; i++) {
		sodium_bin2base64(b64, sizeof(b64), r->keys[i].master, KEYD_KEY_LEN,
				  sodium_base64_VARIANT_ORIGINAL);
		int n = snprintf(line, sizeof(line), "%u %s\n", r->keys[i].version, b64);
		if (n < 0 || (size_t)n >= sizeof(line) || write(fd, line, (size_t)n) != n)
			ret = -EIO;
	}
	sodium_memzero(b64, sizeof(b64));
	sodium_memzero(line, sizeof(line));
	if (ret == 0 && fsync(fd) < 0)
		ret = -errno;
	return ret;
}

static int fsync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int r = fsync(fd) < 0 ? -errno : 0;
	close(fd);
	return r;
}

static int ring_add_random(struct keyd_ring *r, uint32_t version)
{
	uint8_t key[KEYD_KEY_LEN];
	randombytes_buf(key, sizeof(key));
	int rc = ring_add(r, version, key);
	sodium_memzero(key, sizeof(key));
	return rc;
}

int keyd_ring_create(const char *path, struct keyd_ring **ret)
{
	struct keyd_ring *r = NULL;
	int rc = ring_new(&r);
	if (rc < 0)
		return rc;
	rc = ring_add_random(r, 1);
	if (rc < 0)
		goto fail;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		rc = -errno;
		goto fail;
	}
	rc = ring_write(fd, r);
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0)
		rc = fsync_dir_of(path);
	if (rc < 0) {
		unlink(path);
		goto fail;
	}
	*ret = r;
	return 0;
fail:
	keyd_ring_free(r);
	return rc;
}

int keyd_ring_rotate(const char *path, uint32_t *ret_version)
{
	struct keyd_ring *r = NULL;
	char tmp[PATH_MAX];
	int fd = -1;
	int rc = keyd_ring_load(path, false, &r);
	if (rc < 0)
		return rc;
	uint32_t next = r->keys[r->current].version + 1;
	if (next > INT32_MAX) {
		rc = -EOVERFLOW;
		goto out;
	}
	rc = ring_add_random(r, next);
	if (rc < 0)
		goto out;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.new", path) >= sizeof(tmp)) {
		rc = -ENAMETOOLONG;
		goto out;
	}
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	rc = ring_write(fd, r);
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc == 0)
		rc = fsync_dir_of(path);
	if (rc < 0)
		unlink(tmp);
	else
		*ret_version = next;
out:
	keyd_ring_free(r);
	return rc;
}

const struct keyd_key *keyd_ring_find(const struct keyd_ring *r, uint32_t version)
{
	for (uint32_t i = 0; i < r->n; i++)
		if (r->keys[i].version == version)
			return &r->keys[i];
	return NULL;
}

const struct keyd_key *keyd_ring_current(const struct keyd_ring *r)
{
	return &r->keys[r->current];
}
