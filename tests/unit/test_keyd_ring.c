/* test_keyd_ring: the master key file (created 0600, refused when others
 * may read it, parse errors), offline rotation (a new current version; old
 * versions still derive the same secrets and open their tokens). */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyd.h"
#include "../tap.h"

static char dir[] = "/tmp/test_keyd_ring.XXXXXX";
static char path[PATH_MAX];

static int parse(const char *text)
{
	struct keyd_ring *r = NULL;
	int rc = keyd_ring_parse(text, strlen(text), &r);
	keyd_ring_free(r);
	return rc;
}

static void test_parse(void)
{
	const char *k = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
	char buf[256];
	snprintf(buf, sizeof(buf), "# c\n\n3 %s\n1 %s\n", k, k);
	struct keyd_ring *r = NULL;
	tap_ok(keyd_ring_parse(buf, strlen(buf), &r) == 0 && r->n == 2 &&
	       keyd_ring_current(r)->version == 3 && keyd_ring_find(r, 1) &&
	       !keyd_ring_find(r, 2), "versions in any order; the highest is current");
	keyd_ring_free(r);
	TAP_IS_INT(parse("# nothing\n"), -ENOKEY, "a file without keys is refused");
	snprintf(buf, sizeof(buf), "1 %s\n1 %s\n", k, k);
	TAP_IS_INT(parse(buf), -EEXIST, "a version twice is refused");
	TAP_IS_INT(parse("1 AAECAwQF\n"), -EINVAL, "a short key is refused");
	snprintf(buf, sizeof(buf), "0 %s\n", k);
	TAP_IS_INT(parse(buf), -EINVAL, "version 0 is refused");
	snprintf(buf, sizeof(buf), "x1 %s\n", k);
	TAP_IS_INT(parse(buf), -EINVAL, "a line without a version is refused");
	snprintf(buf, sizeof(buf), "1 %s!\n", k);
	TAP_IS_INT(parse(buf), -EINVAL, "trailing garbage is refused");
}

static void test_file(void)
{
	struct keyd_ring *r = NULL, *r2 = NULL;
	struct stat st;
	char s1[KEYD_SECRET_LEN + 1], s2[KEYD_SECRET_LEN + 1], s3[KEYD_SECRET_LEN + 1];
	snprintf(path, sizeof(path), "%s/master.key", dir);
	TAP_IS_INT(keyd_ring_load(path, false, &r), -ENOENT, "no file yet: -ENOENT");
	tap_ok(keyd_ring_create(path, &r) == 0 && r->n == 1 &&
	       keyd_ring_current(r)->version == 1, "created with version 1");
	tap_ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "mode 0600");
	TAP_IS_INT(keyd_ring_create(path, &r2), -EEXIST, "never overwritten by create");
	tap_ok(keyd_ring_load(path, false, &r2) == 0 &&
	       sodium_memcmp(r->keys[0].master, r2->keys[0].master, KEYD_KEY_LEN) == 0,
	       "loads back the same key");
	keyd_ring_free(r2);
	r2 = NULL;

	/* a token and a secret of version 1 */
	uint8_t nonce[KEYD_NONCE_LEN] = { 9 };
	char tok[256];
	keyd_access_key_secret(keyd_ring_current(r), "AKIAABCDEFGHIJKLMNOP", s1);
	keyd_seal(keyd_ring_current(r), KEYD_SEAL_SESSION, (const uint8_t *)"claims", 6, nonce,
		  tok, sizeof(tok));
	keyd_ring_lock(r);
	tap_ok(keyd_ring_find(r, 1) != NULL, "a locked (read-only) ring is still read");

	uint32_t v = 0;
	tap_ok(keyd_ring_rotate(path, &v) == 0 && v == 2, "rotation adds version 2");
	tap_ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "still mode 0600");
	tap_ok(keyd_ring_load(path, false, &r2) == 0 && r2->n == 2 &&
	       keyd_ring_current(r2)->version == 2, "after rotation: 2 versions, 2 current");
	keyd_access_key_secret(keyd_ring_find(r2, 1), "AKIAABCDEFGHIJKLMNOP", s2);
	TAP_IS_STR(s2, s1, "version 1 still derives the same secret");
	keyd_access_key_secret(keyd_ring_current(r2), "AKIAABCDEFGHIJKLMNOP", s3);
	tap_ok(strcmp(s3, s1) != 0, "version 2 derives another");
	uint8_t out[64], got[KEYD_NONCE_LEN];
	size_t len = 0;
	uint32_t ver = 0;
	tap_ok(keyd_open(r2, KEYD_SEAL_SESSION, tok, out, sizeof(out), &len, &ver, got) == 0 &&
	       ver == 1 && len == 6 && memcmp(out, "claims", 6) == 0,
	       "a token of version 1 still opens after rotation");
	tap_ok(keyd_ring_rotate(path, &v) == 0 && v == 3, "rotation again: version 3");
	keyd_ring_free(r2);
	r2 = NULL;

	chmod(path, 0640);
	TAP_IS_INT(keyd_ring_load(path, false, &r2), -EPERM,
		   "a master key readable by the group is refused");
	tap_ok(keyd_ring_load(path, true, &r2) == 0, "unless it is a credential (any mode)");
	TAP_IS_INT(keyd_ring_rotate(path, &v), -EPERM, "and rotation refuses it too");
	keyd_ring_free(r2);
	keyd_ring_free(r);
	unlink(path);
}

int main(void)
{
	if (sodium_init() < 0 || !mkdtemp(dir))
		return 99;
	test_parse();
	test_file();
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s/master.key.new", dir);
	unlink(tmp);
	rmdir(dir);
	return tap_done();
}
