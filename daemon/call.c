/* call: failure recording and the one errno -> AWS error code map (call.h),
 * the arena allocator for protobuf-c, request ids. */
#include "config.h"
#include "call.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <sys/random.h>

#include "util/arena.h"

/* AWS's message for a failure it does not explain. */
#define SERVICE_FAILURE_MSG \
	"The request processing has failed because of an unknown error, exception or failure."

const char *call_errno_code(int err, unsigned *ret_http_status)
{
	const char *code;
	unsigned http;
	switch (err) {
	case -ENOENT:    code = "NoSuchEntity";        http = 404; break;
	case -EEXIST:    code = "EntityAlreadyExists"; http = 409; break;
	case -ENOTEMPTY: code = "DeleteConflict";      http = 409; break;
	case -EDQUOT:    code = "LimitExceeded";       http = 409; break;
	case -EINVAL:    code = "InvalidInput";        http = 400; break;
	case -EACCES:    code = "AccessDenied";        http = 403; break;
	default:         code = "ServiceFailure";      http = 500; break;
	}
	if (ret_http_status)
		*ret_http_status = http;
	return code;
}

int call_fail(struct call *c, int err, const char *code, const char *fmt, ...)
{
	if (err >= 0)
		err = -EIO;   /* a failure without a cause is ours */
	c->err = err;
	c->err_code = code ? code : call_errno_code(err, NULL);
	c->err_msg = NULL;
	if (fmt) {
		va_list ap;
		char buf[1024];
		va_start(ap, fmt);
		vsnprintf(buf, sizeof(buf), fmt, ap);
		va_end(ap);
		c->err_msg = arena_strdup(c->arena, buf);
	}
	if (!c->err_msg && strcmp(c->err_code, "ServiceFailure") == 0)
		c->err_msg = SERVICE_FAILURE_MSG;
	return err;
}

static void *pb_arena_alloc(void *data, size_t size)
{
	return arena_alloc(data, size);
}

static void pb_arena_free(void *data, void *p)
{
	(void)data;
	(void)p;   /* the arena is reset after the call */
}

void call_allocator_init(ProtobufCAllocator *pb, struct arena *a)
{
	pb->alloc = pb_arena_alloc;
	pb->free = pb_arena_free;
	pb->allocator_data = a;
}

/* Request ids are unique, not secret: xoshiro256** (period 2^256 - 1),
 * seeded from the kernel and reseeded every 65536 ids, keeps getrandom()
 * and its cost off the calls. */
static uint64_t rnd_s[4];
static unsigned rnd_until_reseed;

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rnd_next(void)
{
	uint64_t result = rotl(rnd_s[1] * 5, 7) * 9;
	uint64_t t = rnd_s[1] << 17;
	rnd_s[2] ^= rnd_s[0];
	rnd_s[3] ^= rnd_s[1];
	rnd_s[1] ^= rnd_s[2];
	rnd_s[0] ^= rnd_s[3];
	rnd_s[2] ^= t;
	rnd_s[3] = rotl(rnd_s[3], 45);
	return result;
}

static int rnd_take(unsigned char out[16])
{
	if (rnd_until_reseed == 0) {
		size_t got = 0;
		uint64_t seed[4];
		while (got < sizeof(seed)) {
			ssize_t r = getrandom((char *)seed + got, sizeof(seed) - got, 0);
			if (r < 0) {
				if (errno == EINTR)
					continue;
				return -errno;
			}
			got += (size_t)r;
		}
		if ((seed[0] | seed[1] | seed[2] | seed[3]) == 0)
			seed[0] = 1;   /* the one state xoshiro cannot leave */
		memcpy(rnd_s, seed, sizeof(rnd_s));
		rnd_until_reseed = 65536;
	}
	rnd_until_reseed--;
	uint64_t a = rnd_next(), b = rnd_next();
	memcpy(out, &a, 8);
	memcpy(out + 8, &b, 8);
	return 0;
}

int call_request_id_new(char ret[37])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[16];
	int r = rnd_take(b);
	if (r < 0)
		return r;
	b[6] = (b[6] & 0x0f) | 0x40;   /* version 4 */
	b[8] = (b[8] & 0x3f) | 0x80;   /* RFC 4122 variant */
	char *p = ret;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		*p++ = hex[b[i] >> 4];
		*p++ = hex[b[i] & 15];
	}
	*p = '\0';
	return 0;
}
