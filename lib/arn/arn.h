/* arn: Amazon Resource Names. Splitting an ARN into its parts and matching
 * ARNs and other strings against IAM wildcard patterns (`*`, `?`).
 *
 * Pattern matching works on a compiled form so that policies compile their
 * patterns once: arn_glob_compile() turns the `*` and `?` of a pattern into
 * the marker bytes below; every other byte stands for itself (so a literal
 * `*` produced by ${*} or by a substituted variable is simply the byte '*').
 *
 * In an ARN pattern (ARN_GLOB_ARN) each of the first five colon-separated
 * segments is matched on its own: a `*` inside a segment stays inside it,
 * while a `*` that is the last character of a segment (or any `*` in the
 * resource part) may run across `:` and `/`, as AWS documents for the
 * Resource element. Pure functions, no allocation. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#define ARN_GLOB_STAR    '\x01'   /* any run of bytes, ':' included */
#define ARN_GLOB_SEGSTAR '\x02'   /* any run of bytes without ':' */
#define ARN_GLOB_QMARK   '\x03'   /* exactly one byte */

enum arn_glob_mode {
	ARN_GLOB_PLAIN,   /* every '*' is ARN_GLOB_STAR */
	ARN_GLOB_ARN,     /* segment rule above */
};

struct arn_part {
	const char *p;
	size_t n;
};

/* The parts of "arn:partition:service:region:account:resource". The parts
 * point into the parsed string. */
struct arn {
	struct arn_part partition, service, region, account, resource;
};

/* Splits `s` (len bytes). -EINVAL unless it starts with "arn:" and has the
 * five colons that delimit the six parts (the resource may hold more). */
int arn_parse(const char *s, size_t len, struct arn *ret);

/* True when `s` holds an ARN-shaped string or a wildcard pattern of one. */
bool arn_is_valid(const char *s, size_t len);

/* Compiles `pat` (n bytes) into `out`, which must have room for n bytes;
 * returns the compiled length. Marker bytes already in `pat` are kept as
 * they are, so callers must reject them in untrusted input first
 * (arn_glob_has_marker). `first_seg` is how many ':' of the ARN precede
 * pat[0] when compiling a piece of a larger pattern (0 otherwise). */
size_t arn_glob_compile(const char *pat, size_t n, enum arn_glob_mode mode,
			unsigned first_seg, char *out);
/* Like arn_glob_compile, for a literal piece: copies the bytes, with no
 * wildcard (returns n). */
size_t arn_glob_literal(const char *s, size_t n, char *out);
bool arn_glob_has_marker(const char *s, size_t n);
/* True when the compiled pattern contains any wildcard. */
bool arn_glob_is_wild(const char *cpat, size_t cn);

/* Matches `s` against a compiled pattern; `icase` folds ASCII case. */
bool arn_glob_match(const char *cpat, size_t cn, const char *s, size_t sn,
		    bool icase);

/* arn_glob_match(), case-sensitive, but ARN_GLOB_QMARK matches no ':'
 * (the ARN condition operators' components: lib/policy/policy_eval.c). */
bool arn_glob_match_qseg(const char *cpat, size_t cn, const char *s, size_t sn);

/* arn_glob_match() for a compiled pattern without ARN_GLOB_SEGSTAR (the
 * caller knows it: no per-call scan for one). */
bool arn_glob_match_flat(const char *cpat, size_t cn, const char *s, size_t sn,
			 bool icase);
/* True when every wildcard of the compiled pattern is ARN_GLOB_STAR (no
 * ARN_GLOB_SEGSTAR, no ARN_GLOB_QMARK): arn_glob_match_stars() applies. */
bool arn_glob_is_stars(const char *cpat, size_t cn);
/* arn_glob_match() for a compiled pattern whose only wildcards are
 * ARN_GLOB_STAR (arn_glob_is_stars), case-sensitive: the literal pieces
 * between the stars are compared as a prefix, a suffix and, in order, the
 * leftmost occurrences of the ones between, with no
 * backtracking. Same answer as arn_glob_match(cpat, cn, s, sn, false). */
bool arn_glob_match_stars(const char *cpat, size_t cn, const char *s, size_t sn);

/* Convenience for one-off matching (tests, tools): compiles `pattern` on
 * the stack (patterns longer than 1024 bytes never match). */
bool arn_match(const char *pattern, const char *s, enum arn_glob_mode mode,
	       bool icase);
