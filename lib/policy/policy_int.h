/* policy_int: private to lib/policy. The positioned JSON tree the parser
 * reads, and the compiled form of a policy that policy_eval walks. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <string.h>

#include "arn/arn.h"
#include "policy/policy.h"

struct arena;

/* ---- JSON with positions (policy_json.c) ---- */

enum jv_type { JV_NULL, JV_BOOL, JV_NUM, JV_STR, JV_ARR, JV_OBJ };

struct jv {
	enum jv_type type;
	unsigned line, col;
	const char *s;          /* JV_STR: decoded bytes; JV_NUM: source text */
	size_t n;               /* string length, or number of children */
	bool b;
	const char *key;        /* set when this value is an object member */
	size_t klen;
	unsigned kline, kcol;   /* position of the member's key */
	struct jv *child;       /* first element / member */
	struct jv *next;        /* next sibling */
};

/* Parses a whole JSON text into the arena. On a syntax error returns
 * -EINVAL and sets *eline, *ecol and emsg. Depth is limited. */
int policy_json_parse(struct arena *a, const char *text, size_t len,
		      struct jv **ret, unsigned *eline, unsigned *ecol,
		      char *emsg, size_t emsg_size);

/* ---- compiled policy ---- */

struct pstr {
	const char *p;
	uint32_t n;
};

/* A pattern or value that may contain policy variables. Without variables
 * it is one compiled chunk; with them, a list of parts. */
enum ppart_kind { PP_LIT, PP_VAR };
struct ppart {
	enum ppart_kind kind;
	struct pstr s;      /* PP_LIT: compiled bytes; PP_VAR: lower-cased key */
	struct pstr def;    /* PP_VAR: default value (literal) */
	bool has_def;
};

struct ppat {
	struct pstr c;           /* compiled, when n_parts == 0 */
	struct ppart *parts;
	uint16_t n_parts;
	bool any;                /* the pattern is a lone "*" */
	/* Every wildcard (in every literal part) is ARN_GLOB_STAR: matched
	 * case-sensitively by arn_glob_match_stars() (variables substitute
	 * no wildcard). */
	bool stars;
	/* Fast forms of a compiled chunk without variables (PK_FLAT: a glob
	 * without ARN_GLOB_SEGSTAR). */
	enum { PK_GLOB, PK_EXACT, PK_PREFIX, PK_FLAT } kind;
};

/* Matches a compiled pattern without variables. */
static inline bool ppat_match_c(const struct ppat *pat, const char *s,
				size_t n, bool icase)
{
	if (!icase) {
		if (pat->kind == PK_EXACT)
			return n == pat->c.n && memcmp(pat->c.p, s, n) == 0;
		if (pat->kind == PK_PREFIX)
			return n >= pat->c.n - 1 &&
			       memcmp(pat->c.p, s, pat->c.n - 1) == 0;
		if (pat->stars)
			return arn_glob_match_stars(pat->c.p, pat->c.n, s, n);
	}
	if (pat->kind == PK_FLAT)
		return arn_glob_match_flat(pat->c.p, pat->c.n, s, n, icase);
	return arn_glob_match(pat->c.p, pat->c.n, s, n, icase);
}

enum princ_kind {
	PR_STAR, PR_ACCOUNT, PR_USER, PR_ROLE, PR_SESSION, PR_FEDUSER,
	PR_AWS_OTHER, PR_SERVICE, PR_FEDERATED, PR_CANONICAL,
};

struct pprin {
	enum princ_kind kind;
	struct pstr value;     /* the whole value as written */
	struct pstr account;
	struct pstr name;      /* role name (last path element) */
};

enum cond_op {
	OP_STR_EQ, OP_STR_NE, OP_STR_EQ_IC, OP_STR_NE_IC, OP_STR_LIKE,
	OP_STR_NLIKE,
	OP_NUM_EQ, OP_NUM_NE, OP_NUM_LT, OP_NUM_LE, OP_NUM_GT, OP_NUM_GE,
	OP_DATE_EQ, OP_DATE_NE, OP_DATE_LT, OP_DATE_LE, OP_DATE_GT, OP_DATE_GE,
	OP_BOOL, OP_BIN_EQ, OP_IP, OP_NOT_IP,
	OP_ARN_EQ, OP_ARN_LIKE, OP_ARN_NE, OP_ARN_NLIKE,
	OP_NULL,
};

enum cond_qual { Q_NONE, Q_FORALL, Q_FORANY };

struct ipnet {
	uint8_t family;        /* 4 or 6 */
	uint8_t prefix;
	uint8_t addr[16];
};

struct pval {
	union {
		struct ppat pat;         /* strings, ARNs, binary */
		double num;
		int64_t ms;              /* dates */
		bool b;                  /* Bool, Null */
		struct ipnet ip;
	};
};

struct pcond {
	enum cond_op op;
	enum cond_qual qual;
	bool if_exists;
	struct pstr key;       /* lower-cased */
	struct pval *vals;
	uint32_t n_vals;
	unsigned line, col;
};

struct pstmt {
	bool deny;
	bool not_action, not_resource, not_principal;
	bool has_principal, has_resource;
	const char *sid;
	uint32_t index;
	unsigned line, col;
	struct ppat *actions;     /* lower-cased "service:name" globs */
	uint32_t n_actions;
	struct ppat *resources;
	uint32_t n_resources;
	struct pprin *principals;
	uint32_t n_principals;
	struct pcond *conds;
	uint32_t n_conds;
};

/* Statements whose Action names one service (no wildcard in the prefix) are
 * indexed under it; the others (NotAction, "*", "s3*:...") are always
 * tried. Lists hold statement indexes in increasing order. */
struct psvc {
	struct pstr svc;
	uint64_t key;      /* policy_svc_key(svc); 0 when longer than 8 bytes */
	uint32_t *stmts;
	uint32_t n;
};

/* A service prefix of 1 to 8 bytes as one number (its bytes, zero-padded:
 * prefixes hold no NUL), compared in one step; 0 for any other length. */
static inline uint64_t policy_svc_key(const char *s, size_t n)
{
	uint64_t k = 0;
	if (n == 0 || n > 8)
		return 0;
	memcpy(&k, s, n);
	return k;
}

struct policy {
	struct arena *arena;
	char *name;
	enum policy_type type;
	bool v2012;
	struct pstmt *stmts;
	uint32_t n_stmts;
	struct psvc *svcs;        /* sorted by svc */
	uint32_t n_svcs;
	uint32_t *always;
	uint32_t n_always;
	struct policy_diag *warnings;
	size_t n_warnings;
};

/* ---- between the parts of the module ---- */

/* A parse in progress (policy_parse.c, policy_doc.c). */
struct pctx {
	struct arena *a;
	struct policy *p;
	struct policy_diag *err;
	const char *name;
	bool failed;
	long path_idx;     /* >= 0: the error's path ends in "[path_idx]" */
};
/* Records the first error of a parse; always returns -EINVAL. */
int policy_perr(struct pctx *c, unsigned line, unsigned col, const char *path,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* snprintf for JSON paths (truncation is fine). */
void policy_pathf(char *buf, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Fast path builders: base + "." + key, base + "[idx]". */
void policy_path_key(char *buf, size_t n, const char *base, const char *key);
void policy_path_idx(char *buf, size_t n, const char *base, unsigned idx);
int policy_check_dups(struct pctx *c, const struct jv *obj, const char *path);
bool policy_key_is(const struct jv *v, const char *k);
const char *policy_jv_type_name(enum jv_type t);
int policy_stmt_parse(struct pctx *c, const struct jv *v, const char *path,
		      uint32_t index, struct pstmt *st);

/* policy_cond.c */
int policy_cond_op_lookup(const char *name, size_t n, enum cond_op *op,
			  enum cond_qual *qual, bool *if_exists);
bool policy_cond_is_negated(enum cond_op op);
/* Parses one condition value for `op` into *v; -EINVAL when the operator
 * cannot read it (*why says why). */
int policy_cond_value_parse(struct arena *a, enum cond_op op, bool vars,
			    const char *s, size_t n, struct pval *v,
			    const char **why);

/* pattern compilation (policy_parse.c) */
enum pat_mode {
	PAT_PLAIN,     /* '*' and '?' are wildcards (StringLike) */
	PAT_ARN,       /* ARN segment rules (Resource, ArnLike) */
	PAT_LITERAL,   /* no wildcard (StringEquals, ArnEquals...) */
	PAT_LOWER,     /* wildcards, lower-cased (Action) */
};
int policy_pat_compile(struct arena *a, const char *s, size_t n,
		       enum pat_mode mode, bool vars, struct ppat *ret);

/* evaluation helpers (policy_eval.c, policy_cond.c) */
#define EVAL_DERIVED 6
struct evalctx {
	const struct policy_request *req;
	const struct policy *pol;          /* the policy being walked */
	struct policy_scratch *sc;
	const char *action;                /* lower-cased */
	size_t action_n;
	const char *resource;
	size_t resource_n;
	const char *pr_account;            /* the caller's account */
	size_t pr_account_n;
	enum princ_kind pr_kind;           /* PR_USER, PR_SESSION, ... */
	bool has_boundary;                 /* the caller has a boundary */
	const char *pr_name;               /* user or role name */
	size_t pr_name_n;
	const char *pr_session;            /* session name */
	size_t pr_session_n;
	/* keys derived from the principal and the clock */
	const char *dkey[EVAL_DERIVED];
	uint8_t dkey_n[EVAL_DERIVED];
	const char *dval[EVAL_DERIVED];
	unsigned n_derived;
	/* the clock's keys are the last derived ones from clock_first on;
	 * their values are written on the first lookup of one of them */
	unsigned clock_first;
	bool *clock_done;
	/* the service prefix of `action` ("s3" of "s3:getobject") */
	size_t svc_n;
	uint64_t svc_key;                  /* policy_svc_key() of it */
	/* lengths of the request's context keys (the first EVAL_CTX_LENS) */
	uint16_t *ctx_len;
};
#define EVAL_CTX_LENS 64
bool policy_cond_eval(const struct evalctx *ec, const struct pcond *c);
/* Matches `s` against a pattern, its variables expanded. `arn`: as the ARN
 * condition operators compare, component by component (not the Resource
 * element, whose segment-final `*` may run across colons). */
bool policy_pat_match(const struct evalctx *ec, const struct ppat *pat,
		      const char *s, size_t n, bool icase, bool arn);
/* Looks a key up in the request context (then among the derived keys).
 * Returns false when absent. */
bool policy_ctx_lookup(const struct evalctx *ec, const char *key, size_t klen,
		       const char *const **values, size_t *n_values);
int policy_parse_date(const char *s, size_t n, int64_t *ms);
int policy_parse_ip(const char *s, size_t n, bool cidr, struct ipnet *ret);

/* warnings (policy_warn.c) */
int policy_warn_statements(struct policy *p, const struct jv *stmts_json);
int policy_diag_add(struct arena *a, struct policy *p, unsigned line,
		    unsigned col, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
