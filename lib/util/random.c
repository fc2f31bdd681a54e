/* random: buffered unpredictable bytes for identifiers (random.h). */
#include "util/random.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include <sodium.h>

#define RND_BUF 1024

/* One page per thread, wiped (to zeroes: `ready` false) in a child. */
struct rnd_state {
	bool ready;
	bool check_pid;   /* no MADV_WIPEONFORK: compare the pid instead */
	pid_t pid;
	uint64_t nonce;
	size_t pos;
	unsigned char key[crypto_stream_chacha20_KEYBYTES];
	unsigned char buf[RND_BUF];
};

static __thread struct rnd_state *rnd;

static int rnd_getrandom(unsigned char *p, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = getrandom(p + got, n - got, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		got += (size_t)r;
	}
	return 0;
}

static int rnd_state_map(void)
{
	size_t len = (sizeof(struct rnd_state) + 4095) & ~(size_t)4095;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	rnd = p;
#ifdef MADV_WIPEONFORK
	if (madvise(p, len, MADV_WIPEONFORK) == 0)
		return 0;
#endif
	rnd->check_pid = true;
	return 0;
}

static int rnd_rekey(void)
{
	if (sodium_init() < 0)
		return -EIO;
	int r = rnd_getrandom(rnd->key, sizeof(rnd->key));
	if (r < 0)
		return r;
	rnd->nonce = 0;
	rnd->pos = RND_BUF;
	rnd->pid = getpid();
	rnd->ready = true;
	return 0;
}

static void rnd_refill(void)
{
	unsigned char nonce[crypto_stream_chacha20_NONCEBYTES];
	for (size_t i = 0; i < sizeof(nonce); i++)
		nonce[i] = (unsigned char)(rnd->nonce >> (8 * i));
	rnd->nonce++;
	crypto_stream_chacha20(rnd->buf, RND_BUF, nonce, rnd->key);
	rnd->pos = 0;
}

int util_random_bytes(void *buf, size_t n)
{
	unsigned char *out = buf;
	int r;
	if (!rnd && (r = rnd_state_map()) < 0)
		return r;
	if (!rnd->ready || (rnd->check_pid && rnd->pid != getpid()) ||
	    rnd->nonce == UINT64_MAX) {
		bool check = rnd->check_pid;
		sodium_memzero(rnd, sizeof(*rnd));
		rnd->check_pid = check;
		if ((r = rnd_rekey()) < 0)
			return r;
	}
	while (n > 0) {
		if (rnd->pos == RND_BUF)
			rnd_refill();
		size_t k = RND_BUF - rnd->pos;
		if (k > n)
			k = n;
		memcpy(out, rnd->buf + rnd->pos, k);
		sodium_memzero(rnd->buf + rnd->pos, k);
		rnd->pos += k;
		out += k;
		n -= k;
	}
	return 0;
}
