/* Unit tests for lib/util/random: buffered unpredictable bytes for ids,
 * across refills, in threads and across fork(). */
#include "util/random.h"
#include "util/id.h"
#include "../tap.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define N 4096   /* 16-byte draws: 64 KiB, many refills */

static uint8_t draws[N][16];

static int cmp16(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

static void *thread_draw(void *arg)
{
	util_random_bytes(arg, 16);
	return NULL;
}

/* 16 bytes drawn in a child after fork(), through a pipe. */
static int child_draw(uint8_t out[16])
{
	int p[2];
	if (pipe(p) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		uint8_t b[16];
		close(p[0]);
		if (util_random_bytes(b, sizeof(b)) < 0 || write(p[1], b, sizeof(b)) != 16)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	ssize_t n = read(p[0], out, 16);
	close(p[0]);
	int st = 0;
	waitpid(pid, &st, 0);
	return n == 16 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

int main(void)
{
	uint8_t zero[16] = { 0 }, a[16], b[16], c[16], big[5000];
	unsigned counts[256] = { 0 };
	int ok = 1;

	TAP_IS_INT(util_random_bytes(a, 0), 0, "zero bytes asked: fine");
	for (int i = 0; i < N; i++)
		if (util_random_bytes(draws[i], 16) < 0)
			ok = 0;
	tap_ok(ok, "%d draws of 16 bytes", N);
	qsort(draws, N, 16, cmp16);
	int distinct = 1;
	for (int i = 1; i < N; i++)
		distinct &= memcmp(draws[i - 1], draws[i], 16) != 0;
	tap_ok(distinct, "no two draws alike (across many 1 KiB refills)");
	for (int i = 0; i < N; i++)
		for (int j = 0; j < 16; j++)
			counts[draws[i][j]]++;
	int spread = 1;
	for (int v = 0; v < 256; v++)
		spread &= counts[v] > 128 && counts[v] < 384;   /* 256 expected */
	tap_ok(spread, "every byte value about as frequent as the others");

	TAP_IS_INT(util_random_bytes(big, sizeof(big)), 0, "a draw longer than the buffer");
	int zeros = 0;
	for (size_t i = 0; i < sizeof(big); i++)
		zeros += big[i] == 0;
	tap_ok(zeros < 60, "and it is filled (%d zero bytes of %zu)", zeros, sizeof(big));

	/* odd sizes keep the stream aligned anywhere */
	util_random_bytes(a, 7);
	util_random_bytes(b, 16);
	tap_ok(memcmp(b, zero, 16) != 0, "a draw after an odd-sized one");

	/* fork: parent and child never hand out the same bytes, even when
	 * the parent's buffer is half used */
	util_random_bytes(a, 16);
	ok = child_draw(b) == 0;
	util_random_bytes(c, 16);
	tap_ok(ok, "a child draws");
	tap_ok(memcmp(b, c, 16) != 0, "the child's bytes are not the parent's next ones");
	uint8_t b2[16];
	ok = child_draw(b2) == 0;
	tap_ok(ok && memcmp(b, b2, 16) != 0, "two children draw different bytes");

	/* ids from a child differ from the parent's next id */
	char id[UTIL_ID_LEN + 1], cid[UTIL_ID_LEN + 1] = "";
	int p[2];
	if (pipe(p) == 0) {
		pid_t pid = fork();
		if (pid == 0) {
			char x[UTIL_ID_LEN + 1];
			close(p[0]);
			_exit(util_id_new("AROA", x) == 0 && write(p[1], x, sizeof(x)) == sizeof(x) ? 0 : 1);
		}
		close(p[1]);
		if (read(p[0], cid, sizeof(cid)) != sizeof(cid))
			cid[0] = '\0';
		close(p[0]);
		waitpid(pid, NULL, 0);
	}
	util_id_new("AROA", id);
	tap_ok(cid[0] && strcmp(id, cid) != 0, "an id made in a child is not the parent's next");

	/* threads have their own state */
	pthread_t t1, t2;
	uint8_t x1[16], x2[16];
	pthread_create(&t1, NULL, thread_draw, x1);
	pthread_create(&t2, NULL, thread_draw, x2);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	tap_ok(memcmp(x1, x2, 16) != 0 && memcmp(x1, zero, 16) != 0, "two threads draw different bytes");
	return tap_done();
}
