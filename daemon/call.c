/* call: failure recording and the one errno -> AWS error code map (call.h),
 * the arena allocator for protobuf-c, request ids. */
#include "config.h"
#include "call.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <stdint.h>


#include "util/arena.h"
#include "util/random.h"

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

/* Request and event ids: UUIDs (version 4) of util_random_bytes
 * (util/random.h): unpredictable, without a system call per id. */
void call_service(const struct call *c, char ret[CALL_SERVICE_MAX])
{
	const char *colon = strchr(c->op->action, ':');
	size_t n = colon ? (size_t)(colon - c->op->action) : 0;
	if (n >= CALL_SERVICE_MAX)
		n = CALL_SERVICE_MAX - 1;   /* never: actions are ours */
	memcpy(ret, c->op->action, n);
	ret[n] = '\0';
}

int call_request_id_new(char ret[37])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[16];
	int r = util_random_bytes(b, sizeof(b));
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
