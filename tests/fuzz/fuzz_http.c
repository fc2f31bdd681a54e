/* fuzz_http: libFuzzer target for iam-gateway's HTTP/1.1 request head
 * reader (gateway/gateway_parse.c), fed as the gateway feeds it: the bytes
 * arrive in chunks (the first input byte picks the chunk size) and the
 * reader is called on every longer prefix until it decides; that decision
 * must be the one it makes on the whole input (split reads change
 * nothing), every part must lie inside the input, the limits hold; then
 * the next request of a pipeline starts after the head and the body.
 * Built with -fsanitize=fuzzer under --enable-fuzzing; `make check`
 * replays tests/fuzz/corpus/http/ through replay_main.c. */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../gateway/gateway.h"

#define MAX_HEAD 2048u
#define MAX_BODY 4096u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const struct gw_field *f, const char *buf, size_t len)
{
	if (f->p < buf || f->p + f->len > buf + len)
		__builtin_trap();
}

static void check(const struct gw_request *r, const char *buf, size_t len)
{
	if (r->head_len == 0 || r->head_len > len || r->n_headers > GW_MAX_HEADER_COUNT ||
	    r->content_length > MAX_BODY || (r->version != 10 && r->version != 11) ||
	    r->method.len == 0 || r->target.len == 0)
		__builtin_trap();
	inside(&r->method, buf, r->head_len);
	/* the origin form of an absolute target without a path is a constant "/" */
	if (!(r->target.len == 1 && r->target.p[0] == '/' &&
	      (r->target.p < buf || r->target.p >= buf + len)))
		inside(&r->target, buf, r->head_len);
	for (size_t i = 0; i < r->n_headers; i++) {
		inside(&r->headers[i].name, buf, r->head_len);
		inside(&r->headers[i].value, buf, r->head_len);
		if (r->headers[i].name.len == 0 || memchr(r->headers[i].value.p, '\n',
							   r->headers[i].value.len))
			__builtin_trap();
	}
}

static bool same(const struct gw_request *a, const struct gw_request *b)
{
	if (a->head_len != b->head_len || a->content_length != b->content_length ||
	    a->n_headers != b->n_headers || a->keep_alive != b->keep_alive ||
	    a->expect_continue != b->expect_continue || a->version != b->version ||
	    a->method.p != b->method.p || a->target.len != b->target.len)
		return false;
	for (size_t i = 0; i < a->n_headers; i++)
		if (a->headers[i].name.p != b->headers[i].name.p ||
		    a->headers[i].value.len != b->headers[i].value.len)
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct gw_request whole, part;
	if (size < 1)
		return 0;
	size_t chunk = (size_t)(data[0] % 64) + 1;
	/* a private copy: the reader must not read past what it is given */
	char *buf = malloc(size - 1 ? size - 1 : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	size_t len = size - 1, off = 0;
	while (off < len) {
		const char *p = buf + off;
		size_t have = len - off;
		int rw = gw_request_parse(p, have, MAX_HEAD, MAX_BODY, &whole);
		if (rw > 0)
			check(&whole, p, have);
		int rp = 0;
		size_t n = 0;
		while (rp == 0 && n < have) {
			n = n + chunk < have ? n + chunk : have;
			rp = gw_request_parse(p, n, MAX_HEAD, MAX_BODY, &part);
		}
		if (rp != rw || (rp > 0 && !same(&part, &whole)))
			__builtin_trap();   /* split reads changed the decision */
		if (rw <= 0)
			break;   /* an error closes the connection; 0: wait for more */
		size_t total = whole.head_len + whole.content_length;
		if (total > have)
			break;   /* the body is still on its way */
		off += total;
	}
	free(buf);
	return 0;
}
