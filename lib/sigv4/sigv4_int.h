/* sigv4_int: what the sigv4 files share (a string builder over an arena,
 * character classes, error helpers). Private to lib/sigv4. */
#pragma once
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "sigv4.h"

struct arena;

/* A growing NUL-terminated string in an arena; a failed growth sets `oom`
 * and later appends do nothing. */
struct sv_buf {
	struct arena *a;
	char *p;
	size_t len, cap;
	bool oom;
};

void sv_buf_init(struct sv_buf *b, struct arena *a, size_t hint);
void sv_buf_add(struct sv_buf *b, const char *s, size_t n);
void sv_buf_adds(struct sv_buf *b, const char *s);
void sv_buf_addc(struct sv_buf *b, char c);
/* Each octet outside A-Za-z0-9-._~ (and '/' when keep_slash) as %XX. */
void sv_buf_add_encoded(struct sv_buf *b, const char *s, size_t n, bool keep_slash);

static inline bool sv_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	       c == '~';
}

static inline bool sv_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Sets *e (code and a message formatted into `a`) and returns -EINVAL
 * (-ENOMEM when the message cannot be built). */
int sv_fail(struct sigv4_error *e, struct arena *a, const char *code,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
