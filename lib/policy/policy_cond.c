/* policy_cond: condition operators. Reading a policy's condition values into
 * their types once (numbers, dates, booleans, CIDRs, patterns), and deciding
 * one condition key against the request context (AWS's "IAM JSON policy
 * elements: Condition operators" and "Multivalued context keys" pages). */
#include "policy/policy_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arn/arn.h"

static const struct {
	const char *name;
	enum cond_op op;
} ops[] = {
	{ "StringEquals", OP_STR_EQ },
	{ "StringNotEquals", OP_STR_NE },
	{ "StringEqualsIgnoreCase", OP_STR_EQ_IC },
	{ "StringNotEqualsIgnoreCase", OP_STR_NE_IC },
	{ "StringLike", OP_STR_LIKE },
	{ "StringNotLike", OP_STR_NLIKE },
	{ "NumericEquals", OP_NUM_EQ },
	{ "NumericNotEquals", OP_NUM_NE },
	{ "NumericLessThan", OP_NUM_LT },
	{ "NumericLessThanEquals", OP_NUM_LE },
	{ "NumericGreaterThan", OP_NUM_GT },
	{ "NumericGreaterThanEquals", OP_NUM_GE },
	{ "DateEquals", OP_DATE_EQ },
	{ "DateNotEquals", OP_DATE_NE },
	{ "DateLessThan", OP_DATE_LT },
	{ "DateLessThanEquals", OP_DATE_LE },
	{ "DateGreaterThan", OP_DATE_GT },
	{ "DateGreaterThanEquals", OP_DATE_GE },
	{ "Bool", OP_BOOL },
	{ "BinaryEquals", OP_BIN_EQ },
	{ "IpAddress", OP_IP },
	{ "NotIpAddress", OP_NOT_IP },
	{ "ArnEquals", OP_ARN_EQ },
	{ "ArnLike", OP_ARN_LIKE },
	{ "ArnNotEquals", OP_ARN_NE },
	{ "ArnNotLike", OP_ARN_NLIKE },
	{ "Null", OP_NULL },
};

int policy_cond_op_lookup(const char *name, size_t n, enum cond_op *op,
			  enum cond_qual *qual, bool *if_exists)
{
	enum cond_qual q = Q_NONE;
	bool ife = false;

	if (n > 13 && memcmp(name, "ForAllValues:", 13) == 0) {
		q = Q_FORALL;
		name += 13;
		n -= 13;
	} else if (n > 12 && memcmp(name, "ForAnyValue:", 12) == 0) {
		q = Q_FORANY;
		name += 12;
		n -= 12;
	}
	if (n > 8 && memcmp(name + n - 8, "IfExists", 8) == 0) {
		ife = true;
		n -= 8;
	}
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (strlen(ops[i].name) != n || memcmp(ops[i].name, name, n))
			continue;
		/* A set operator over Null means nothing. */
		if (ops[i].op == OP_NULL && q != Q_NONE)
			return -EINVAL;
		*op = ops[i].op;
		*qual = q;
		*if_exists = ife;
		return 0;
	}
	return -EINVAL;
}

bool policy_cond_is_negated(enum cond_op op)
{
	switch (op) {
	case OP_STR_NE: case OP_STR_NE_IC: case OP_STR_NLIKE: case OP_NUM_NE:
	case OP_DATE_NE: case OP_NOT_IP: case OP_ARN_NE: case OP_ARN_NLIKE:
		return true;
	default:
		return false;
	}
}

/* ---- typed readers, shared by policy values and context values ---- */

static int parse_num(const char *s, size_t n, double *ret)
{
	char buf[64];
	size_t i = 0;
	bool digits = false;

	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	if (s[i] == '-' || s[i] == '+')
		i++;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++, digits = true;
	if (i < n && s[i] == '.') {
		i++;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++, digits = true;
	}
	if (!digits || i != n)
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	*ret = strtod(buf, NULL);
	return 0;
}

static int digits(const char *s, size_t n, size_t at, size_t count, int *ret)
{
	int v = 0;

	if (at + count > n)
		return -EINVAL;
	for (size_t i = at; i < at + count; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
	}
	*ret = v;
	return 0;
}

static int64_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* ISO 8601 (date, or date and time with optional fraction and zone) or
 * epoch seconds. */
int policy_parse_date(const char *s, size_t n, int64_t *ms)
{
	int y, mo, d, h = 0, mi = 0, se = 0, frac = 0;
	size_t i;
	int64_t t, off = 0;

	if (n > 0 && n <= 12) {
		size_t k = s[0] == '-' ? 1 : 0;
		bool all = k < n;
		for (size_t j = k; j < n; j++)
			all &= s[j] >= '0' && s[j] <= '9';
		if (all) {
			t = 0;
			for (size_t j = k; j < n; j++)
				t = t * 10 + (s[j] - '0');
			*ms = (k ? -t : t) * 1000;
			return 0;
		}
	}
	if (digits(s, n, 0, 4, &y) || n < 10 || s[4] != '-' ||
	    digits(s, n, 5, 2, &mo) || s[7] != '-' || digits(s, n, 8, 2, &d))
		return -EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > 31)
		return -EINVAL;
	i = 10;
	if (i < n && (s[i] == 'T' || s[i] == 't' || s[i] == ' ')) {
		if (digits(s, n, i + 1, 2, &h) || i + 3 >= n || s[i + 3] != ':' ||
		    digits(s, n, i + 4, 2, &mi))
			return -EINVAL;
		i += 6;
		if (i < n && s[i] == ':') {
			if (digits(s, n, i + 1, 2, &se))
				return -EINVAL;
			i += 3;
			if (i < n && s[i] == '.') {
				int scale = 100;
				i++;
				if (i >= n || s[i] < '0' || s[i] > '9')
					return -EINVAL;
				while (i < n && s[i] >= '0' && s[i] <= '9') {
					frac += (s[i] - '0') * scale;
					scale /= 10;
					i++;
				}
			}
		}
		if (h > 23 || mi > 59 || se > 60)
			return -EINVAL;
		if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
			i++;
		} else if (i < n && (s[i] == '+' || s[i] == '-')) {
			int oh, om = 0;
			int sign = s[i] == '-' ? -1 : 1;
			if (digits(s, n, i + 1, 2, &oh))
				return -EINVAL;
			i += 3;
			if (i < n && s[i] == ':')
				i++;
			if (i < n) {
				if (digits(s, n, i, 2, &om))
					return -EINVAL;
				i += 2;
			}
			off = sign * (oh * 3600 + om * 60);
		}
	}
	if (i != n)
		return -EINVAL;
	t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
	*ms = t * 1000 + frac;
	return 0;
}

int policy_parse_ip(const char *s, size_t n, bool cidr, struct ipnet *ret)
{
	char buf[64];
	const char *slash = cidr ? memchr(s, '/', n) : NULL;
	size_t an = slash ? (size_t)(slash - s) : n;
	struct ipnet ip = { 0 };
	int max;

	if (an == 0 || an >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, an);
	buf[an] = '\0';
	if (inet_pton(AF_INET, buf, ip.addr) == 1) {
		ip.family = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, ip.addr) == 1) {
		ip.family = 6;
		max = 128;
	} else {
		return -EINVAL;
	}
	ip.prefix = (uint8_t)max;
	if (slash) {
		int v = 0;
		size_t k = (size_t)(slash - s) + 1;
		if (k >= n || n - k > 3)
			return -EINVAL;
		for (; k < n; k++) {
			if (s[k] < '0' || s[k] > '9')
				return -EINVAL;
			v = v * 10 + (s[k] - '0');
		}
		if (v > max)
			return -EINVAL;
		ip.prefix = (uint8_t)v;
	}
	*ret = ip;
	return 0;
}

static bool ip_in(const struct ipnet *net, const struct ipnet *ip)
{
	unsigned full, rem;

	if (net->family != ip->family)
		return false;
	full = net->prefix / 8;
	rem = net->prefix % 8;
	if (memcmp(net->addr, ip->addr, full) != 0)
		return false;
	if (rem) {
		uint8_t mask = (uint8_t)(0xff << (8 - rem));
		if ((net->addr[full] & mask) != (ip->addr[full] & mask))
			return false;
	}
	return true;
}

static int parse_bool(const char *s, size_t n, bool *ret)
{
	if (n == 4 && strncasecmp(s, "true", 4) == 0)
		*ret = true;
	else if (n == 5 && strncasecmp(s, "false", 5) == 0)
		*ret = false;
	else
		return -EINVAL;
	return 0;
}

static bool base64_valid(const char *s, size_t n)
{
	size_t pad = 0;

	if (n == 0 || n % 4)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '=') {
			pad++;
			continue;
		}
		if (pad || !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			     (c >= '0' && c <= '9') || c == '+' || c == '/'))
			return false;
	}
	return pad <= 2;
}

int policy_cond_value_parse(struct arena *a, enum cond_op op, bool vars,
			    const char *s, size_t n, struct pval *v,
			    const char **why)
{
	int r;

	switch (op) {
	case OP_STR_EQ: case OP_STR_NE: case OP_STR_EQ_IC: case OP_STR_NE_IC:
		r = policy_pat_compile(a, s, n, PAT_LITERAL, vars, &v->pat);
		break;
	case OP_STR_LIKE: case OP_STR_NLIKE:
		r = policy_pat_compile(a, s, n, PAT_PLAIN, vars, &v->pat);
		break;
	case OP_ARN_EQ: case OP_ARN_LIKE: case OP_ARN_NE: case OP_ARN_NLIKE:
		r = policy_pat_compile(a, s, n, PAT_ARN, vars, &v->pat);
		break;
	case OP_BIN_EQ:
		*why = "not base64";
		if (!base64_valid(s, n))
			return -EINVAL;
		r = policy_pat_compile(a, s, n, PAT_LITERAL, false, &v->pat);
		break;
	case OP_NUM_EQ: case OP_NUM_NE: case OP_NUM_LT: case OP_NUM_LE:
	case OP_NUM_GT: case OP_NUM_GE:
		*why = "not a number";
		return parse_num(s, n, &v->num);
	case OP_DATE_EQ: case OP_DATE_NE: case OP_DATE_LT: case OP_DATE_LE:
	case OP_DATE_GT: case OP_DATE_GE:
		*why = "not an ISO 8601 date or epoch seconds";
		return policy_parse_date(s, n, &v->ms);
	case OP_BOOL: case OP_NULL:
		*why = "not true or false";
		return parse_bool(s, n, &v->b);
	case OP_IP: case OP_NOT_IP:
		*why = "not an IP address or CIDR block";
		return policy_parse_ip(s, n, true, &v->ip);
	default:
		return -EINVAL;
	}
	if (r == -EINVAL)
		*why = "invalid character";
	return r;
}

/* ---- deciding ---- */

/* Does context value `s` (already read into its type) satisfy the
 * positive form of the operator against policy value `v`? */
struct cval {
	const char *s;
	size_t n;
	double num;
	int64_t ms;
	bool b;
	struct ipnet ip;
};

static bool cmp_one(const struct evalctx *ec, enum cond_op op,
		    const struct pval *v, const struct cval *x)
{
	switch (op) {
	case OP_STR_EQ: case OP_STR_NE: case OP_STR_LIKE: case OP_STR_NLIKE:
	case OP_BIN_EQ:
		return policy_pat_match(ec, &v->pat, x->s, x->n, false, false);
	case OP_STR_EQ_IC: case OP_STR_NE_IC:
		return policy_pat_match(ec, &v->pat, x->s, x->n, true, false);
	case OP_ARN_EQ: case OP_ARN_LIKE: case OP_ARN_NE: case OP_ARN_NLIKE:
		return policy_pat_match(ec, &v->pat, x->s, x->n, false, true);
	case OP_NUM_EQ: case OP_NUM_NE: return x->num == v->num;
	case OP_NUM_LT: return x->num < v->num;
	case OP_NUM_LE: return x->num <= v->num;
	case OP_NUM_GT: return x->num > v->num;
	case OP_NUM_GE: return x->num >= v->num;
	case OP_DATE_EQ: case OP_DATE_NE: return x->ms == v->ms;
	case OP_DATE_LT: return x->ms < v->ms;
	case OP_DATE_LE: return x->ms <= v->ms;
	case OP_DATE_GT: return x->ms > v->ms;
	case OP_DATE_GE: return x->ms >= v->ms;
	case OP_BOOL: return x->b == v->b;
	case OP_IP: case OP_NOT_IP: return ip_in(&v->ip, &x->ip);
	default: return false;
	}
}

/* Reads a context value for the operator; false when it cannot (then it
 * matches no policy value). */
static bool read_cval(enum cond_op op, const char *s, struct cval *x)
{
	x->s = s;
	x->n = strlen(s);
	switch (op) {
	case OP_NUM_EQ: case OP_NUM_NE: case OP_NUM_LT: case OP_NUM_LE:
	case OP_NUM_GT: case OP_NUM_GE:
		return parse_num(s, x->n, &x->num) == 0;
	case OP_DATE_EQ: case OP_DATE_NE: case OP_DATE_LT: case OP_DATE_LE:
	case OP_DATE_GT: case OP_DATE_GE:
		return policy_parse_date(s, x->n, &x->ms) == 0;
	case OP_BOOL:
		return parse_bool(s, x->n, &x->b) == 0;
	case OP_IP: case OP_NOT_IP:
		return policy_parse_ip(s, x->n, false, &x->ip) == 0;
	default:
		return true;
	}
}

/* One context value against the policy's values: values are ORed; a
 * negated operator holds when no value matches. */
static bool match_value(const struct evalctx *ec, const struct pcond *c,
			const char *s, bool neg)
{
	struct cval x;

	if (!read_cval(c->op, s, &x))
		return neg;
	for (uint32_t i = 0; i < c->n_vals; i++)
		if (cmp_one(ec, c->op, &c->vals[i], &x))
			return !neg;
	return neg;
}

bool policy_cond_eval(const struct evalctx *ec, const struct pcond *c)
{
	const char *const *vals;
	size_t nv;
	bool present, neg = policy_cond_is_negated(c->op);

	present = policy_ctx_lookup(ec, c->key.p, c->key.n, &vals, &nv);
	if (c->op == OP_NULL) {
		bool absent = !present || nv == 0;
		for (uint32_t i = 0; i < c->n_vals; i++)
			if (c->vals[i].b == absent)
				return true;
		return false;
	}
	if (!present) {
		if (c->if_exists)
			return true;
		if (c->qual == Q_FORALL)
			return true;
		if (c->qual == Q_FORANY)
			return false;
		return neg;
	}
	switch (c->qual) {
	case Q_FORALL:
		for (size_t i = 0; i < nv; i++)
			if (!match_value(ec, c, vals[i], neg))
				return false;
		return true;
	case Q_FORANY:
		for (size_t i = 0; i < nv; i++)
			if (match_value(ec, c, vals[i], neg))
				return true;
		return false;
	default:
		if (nv == 0)
			return c->if_exists || neg;
		if (neg) {
			/* No context value may match any policy value. */
			for (size_t i = 0; i < nv; i++)
				if (!match_value(ec, c, vals[i], true))
					return false;
			return true;
		}
		for (size_t i = 0; i < nv; i++)
			if (match_value(ec, c, vals[i], false))
				return true;
		return false;
	}
}
