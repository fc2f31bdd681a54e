/* iamctl policy: offline policy tools, no daemon needed.
 *
 *   iamctl policy validate [--type identity|resource|trust|boundary|session]
 *                          [--max-size N] FILE...
 *   iamctl policy eval [--explain] [--tap] CASES
 *
 * validate prints positioned errors and warnings and exits 1 when a file
 * has an error. eval reads cases in the format of
 * shared/spec/policy-eval-cases.md (JSON Lines or a JSON array; "-" is
 * stdin) and prints one JSON object per case; --tap instead prints one TAP
 * line per case, comparing with the case's "expect". */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

int iamctl_policy_main(int argc, char **argv);

#define CASE_MAX_IDENTITY 64
#define CASE_MAX_CONTEXT 128
#define CASE_MAX_VALUES 512

static int read_all(const char *path, char **ret, size_t *retn)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;
	int r = 0;

	if (!f)
		return -errno;
	for (;;) {
		if (cap - n < 65536) {
			char *nb = realloc(buf, cap + 65536 + 1);
			if (!nb) {
				r = -ENOMEM;
				goto out;
			}
			buf = nb;
			cap += 65536;
		}
		size_t k = fread(buf + n, 1, cap - n, f);
		n += k;
		if (k == 0)
			break;
	}
	if (ferror(f)) {
		r = -EIO;
		goto out;
	}
	buf[n] = '\0';
	*ret = buf;
	*retn = n;
	buf = NULL;
out:
	free(buf);
	if (f != stdin)
		fclose(f);
	return r;
}

/* ---- validate ---- */

static int cmd_validate(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "type", required_argument, NULL, 't' },
		{ "max-size", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct policy_parse_opts o = { .type = POLICY_IDENTITY };
	int c, bad = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "t:m:h", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (policy_type_from_name(optarg, &o.type) < 0) {
				fprintf(stderr, "iamctl policy validate: unknown policy type \"%s\"\n",
					optarg);
				return 2;
			}
			break;
		case 'm':
			o.max_size = strtoul(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: iamctl policy validate [--type identity|resource|trust|boundary|session] [--max-size N] FILE...\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "iamctl policy validate: no file given\n");
		return 2;
	}
	for (int i = optind; i < argc; i++) {
		struct policy *p = NULL;
		struct policy_diag d;
		char *text = NULL;
		size_t n;
		int r = read_all(argv[i], &text, &n);
		if (r < 0) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(-r));
			bad = 1;
			continue;
		}
		o.name = argv[i];
		memset(&d, 0, sizeof(d));
		r = policy_parse_opts(text, n, &o, &p, &d);
		if (r < 0) {
			printf("%s:%u:%u: error: %s: %s\n", argv[i], d.line, d.col,
			       d.code ? d.code : "MalformedPolicyDocument",
			       r == -ENOMEM ? "out of memory" : d.message);
			bad = 1;
		} else {
			for (size_t k = 0; k < policy_warning_count(p); k++) {
				const struct policy_diag *w = policy_warning(p, k);
				printf("%s:%u:%u: warning: %s\n", argv[i], w->line,
				       w->col, w->message);
			}
			printf("%s: ok (%s policy, %zu statement%s)\n", argv[i],
			       policy_type_name(o.type), policy_statement_count(p),
			       policy_statement_count(p) == 1 ? "" : "s");
		}
		policy_free(p);
		free(text);
	}
	return bad;
}

/* ---- eval ---- */

struct evalcase {
	struct policy *pol[CASE_MAX_IDENTITY + 3];
	const char *pol_name[CASE_MAX_IDENTITY + 3];
	size_t n_pol;
	const struct policy *identity[CASE_MAX_IDENTITY];
	struct policy_set set;
	struct policy_ctx_entry ctx[CASE_MAX_CONTEXT];
	const char *values[CASE_MAX_VALUES];
	char *owned[CASE_MAX_VALUES];
	size_t n_owned;
	struct policy_request req;
};

static void case_free(struct evalcase *c)
{
	for (size_t i = 0; i < c->n_pol; i++)
		policy_free(c->pol[i]);
	for (size_t i = 0; i < c->n_owned; i++)
		free(c->owned[i]);
}

/* Parses one policy given as an object or as a string of JSON text. */
static int load_policy(struct evalcase *c, json_t *v, enum policy_type type,
		       const char *name, const struct policy **ret,
		       char *err, size_t errn)
{
	struct policy_parse_opts o = { .type = type, .name = name };
	struct policy_diag d = { 0 };
	struct policy *p = NULL;
	char *text = NULL;
	const char *t;
	size_t n;
	int r;

	if (c->n_pol >= sizeof(c->pol) / sizeof(c->pol[0])) {
		snprintf(err, errn, "too many policies");
		return -E2BIG;
	}
	if (type == POLICY_IDENTITY)
		o.max_size = POLICY_MAX_INLINE_ROLE;
	if (json_is_string(v)) {
		t = json_string_value(v);
		n = json_string_length(v);
	} else if (json_is_object(v)) {
		text = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (!text) {
			snprintf(err, errn, "out of memory");
			return -ENOMEM;
		}
		t = text;
		n = strlen(text);
	} else {
		snprintf(err, errn, "MalformedPolicyDocument: policy %s: a policy must be an object or a string of JSON",
			 name);
		return -EINVAL;
	}
	r = policy_parse_opts(t, n, &o, &p, &d);
	free(text);
	if (r < 0) {
		snprintf(err, errn, "%s: %s", d.code ? d.code : "Error",
			 r == -ENOMEM ? "out of memory" : d.message);
		return r;
	}
	c->pol_name[c->n_pol] = name;
	c->pol[c->n_pol++] = p;
	*ret = p;
	return 0;
}

static const char *value_text(struct evalcase *c, json_t *v)
{
	char buf[64];

	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_true(v))
		return "true";
	if (json_is_false(v))
		return "false";
	if (json_is_integer(v))
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, sizeof(buf), "%.17g", json_real_value(v));
	else
		return NULL;
	if (c->n_owned >= CASE_MAX_VALUES)
		return NULL;
	c->owned[c->n_owned] = strdup(buf);
	return c->owned[c->n_owned++];
}

static int load_request(struct evalcase *c, json_t *req, char *err, size_t errn)
{
	json_t *ctx, *v;
	const char *k;
	size_t nvals = 0;

	if (!json_is_object(req)) {
		snprintf(err, errn, "request: expected an object");
		return -EINVAL;
	}
	c->req.principal = json_string_value(json_object_get(req, "principal"));
	c->req.action = json_string_value(json_object_get(req, "action"));
	c->req.resource = json_string_value(json_object_get(req, "resource"));
	c->req.resource_account =
		json_string_value(json_object_get(req, "resourceAccount"));
	c->req.now_ms = -1;
	if (!c->req.principal || !c->req.action || !c->req.resource) {
		snprintf(err, errn, "request: principal, action and resource are required strings");
		return -EINVAL;
	}
	ctx = json_object_get(req, "context");
	if (ctx && !json_is_object(ctx)) {
		snprintf(err, errn, "request.context: expected an object");
		return -EINVAL;
	}
	json_object_foreach(ctx, k, v) {
		struct policy_ctx_entry *e;
		if (json_is_null(v))
			continue;
		if (c->req.n_context >= CASE_MAX_CONTEXT) {
			snprintf(err, errn, "request.context: too many keys");
			return -E2BIG;
		}
		e = &c->ctx[c->req.n_context++];
		e->key = k;
		e->values = &c->values[nvals];
		e->n_values = 0;
		json_t *arr = json_is_array(v) ? v : NULL;
		size_t cnt = arr ? json_array_size(arr) : 1;
		for (size_t i = 0; i < cnt; i++) {
			const char *s = value_text(c, arr ? json_array_get(arr, i) : v);
			if (!s || nvals >= CASE_MAX_VALUES) {
				snprintf(err, errn, "request.context.%s: values must be strings", k);
				return -EINVAL;
			}
			c->values[nvals++] = s;
			e->n_values++;
		}
	}
	c->req.context = c->ctx;
	return 0;
}

static int load_case(struct evalcase *c, json_t *cs, char *err, size_t errn)
{
	static const char *const names[] = { "identityPolicies[0]", "identityPolicies[1]",
		"identityPolicies[2]", "identityPolicies[3]", "identityPolicies[4]",
		"identityPolicies[5]", "identityPolicies[6]", "identityPolicies[7]",
		"identityPolicies[8]", "identityPolicies[9]" };
	static char extra[CASE_MAX_IDENTITY][48];
	json_t *ids, *v;
	int r;

	r = load_request(c, json_object_get(cs, "request"), err, errn);
	if (r < 0)
		return r;
	ids = json_object_get(cs, "identityPolicies");
	if (ids && !json_is_array(ids)) {
		snprintf(err, errn, "identityPolicies: expected an array");
		return -EINVAL;
	}
	if (json_array_size(ids) > CASE_MAX_IDENTITY) {
		snprintf(err, errn, "identityPolicies: too many policies");
		return -E2BIG;
	}
	for (size_t i = 0; i < json_array_size(ids); i++) {
		const char *name = names[i % 10];
		if (i >= 10) {
			snprintf(extra[i], sizeof(extra[i]), "identityPolicies[%u]", (unsigned)(i % 1000));
			name = extra[i];
		}
		r = load_policy(c, json_array_get(ids, i), POLICY_IDENTITY, name,
				&c->identity[i], err, errn);
		if (r < 0)
			return r;
	}
	c->set.identity = c->identity;
	c->set.n_identity = json_array_size(ids);
	if ((v = json_object_get(cs, "resourcePolicy")) && !json_is_null(v) &&
	    (r = load_policy(c, v, POLICY_RESOURCE, "resourcePolicy",
			     &c->set.resource, err, errn)) < 0)
		return r;
	if ((v = json_object_get(cs, "permissionsBoundary")) && !json_is_null(v) &&
	    (r = load_policy(c, v, POLICY_BOUNDARY, "permissionsBoundary",
			     &c->set.boundary, err, errn)) < 0)
		return r;
	if ((v = json_object_get(cs, "sessionPolicy")) && !json_is_null(v) &&
	    (r = load_policy(c, v, POLICY_SESSION, "sessionPolicy",
			     &c->set.session, err, errn)) < 0)
		return r;
	return 0;
}

static const char *pol_name(const struct evalcase *c, const struct policy *p)
{
	for (size_t i = 0; i < c->n_pol; i++)
		if (c->pol[i] == p)
			return c->pol_name[i];
	return "?";
}

static json_t *explain(const struct evalcase *c, const struct policy_result *res)
{
	json_t *arr = json_array();

	for (unsigned i = 0; i < res->n_matches; i++) {
		struct policy_stmt_info si;
		const struct policy_match *m = &res->matches[i];
		if (policy_statement_info(m->policy, m->stmt, &si) < 0)
			continue;
		json_t *o = json_object();
		json_object_set_new(o, "policy", json_string(pol_name(c, m->policy)));
		json_object_set_new(o, "layer", json_string(policy_layer_name(m->layer)));
		json_object_set_new(o, "statement", json_integer((json_int_t)si.index));
		if (si.sid)
			json_object_set_new(o, "sid", json_string(si.sid));
		json_object_set_new(o, "effect", json_string(si.deny ? "Deny" : "Allow"));
		json_object_set_new(o, "line", json_integer(si.line));
		json_object_set_new(o, "column", json_integer(si.col));
		json_array_append_new(arr, o);
	}
	return arr;
}

struct evalopts {
	bool explain, tap;
	unsigned n, failed;
};

static void emit(struct evalopts *eo, json_t *cs, json_t *out)
{
	if (eo->tap) {
		const char *got = json_string_value(json_object_get(out, "decision"));
		const char *want = json_string_value(json_object_get(
			json_object_get(cs, "expect"), "decision"));
		const char *id = json_string_value(json_object_get(out, "id"));
		bool ok = got && want && strcmp(got, want) == 0;
		eo->n++;
		eo->failed += !ok;
		printf("%sok %u - %s\n", ok ? "" : "not ", eo->n, id ? id : "(no id)");
		if (!ok) {
			char *s = json_dumps(out, JSON_COMPACT);
			printf("#   want %s, got %s\n", want ? want : "(none)", s ? s : "");
			free(s);
		}
	} else {
		char *s = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (s)
			printf("%s\n", s);
		free(s);
	}
	fflush(stdout);
}

static void eval_one(struct evalopts *eo, json_t *cs)
{
	struct evalcase *c = calloc(1, sizeof(*c));
	struct policy_scratch sc;
	struct policy_result res;
	json_t *out = json_object();
	char err[512] = "";
	json_t *id = json_object_get(cs, "id");

	json_object_set(out, "id", id ? id : json_null());
	if (!c) {
		json_object_set_new(out, "decision", json_string("Error"));
		json_object_set_new(out, "error", json_string("out of memory"));
	} else if (!json_is_object(cs)) {
		json_object_set_new(out, "decision", json_string("Error"));
		json_object_set_new(out, "error", json_string("a case must be a JSON object"));
	} else if (load_case(c, cs, err, sizeof(err)) < 0) {
		json_object_set_new(out, "decision", json_string("Error"));
		json_object_set_new(out, "error", json_string(err));
	} else if (policy_eval(&c->set, &c->req, &sc, &res) < 0) {
		json_object_set_new(out, "decision", json_string("Error"));
		json_object_set_new(out, "error", json_string("request: unusable principal, action or resource"));
	} else {
		json_object_set_new(out, "decision",
				    json_string(policy_decision_name(res.decision)));
		if (eo->explain) {
			json_object_set_new(out, "crossAccount",
					    json_boolean(res.cross_account));
			if (res.decision == POLICY_IMPLICIT_DENY)
				json_object_set_new(out, "missingAllow",
						    json_string(policy_layer_name(res.missing)));
			json_object_set_new(out, "statements", explain(c, &res));
		}
	}
	emit(eo, cs, out);
	json_decref(out);
	if (c)
		case_free(c);
	free(c);
}

static void eval_text(struct evalopts *eo, const char *text, size_t n)
{
	json_error_t je;
	size_t i = 0;

	while (i < n && strchr(" \t\r\n", text[i]))
		i++;
	if (i < n && text[i] == '[') {
		json_t *arr = json_loadb(text, n, 0, &je);
		if (!arr) {
			printf("{\"id\":null,\"decision\":\"Error\",\"error\":\"line %d, column %d: %s\"}\n",
			       je.line, je.column, "invalid JSON array of cases");
			eo->failed++;
			return;
		}
		for (size_t k = 0; k < json_array_size(arr); k++)
			eval_one(eo, json_array_get(arr, k));
		json_decref(arr);
		return;
	}
	/* JSON Lines. */
	unsigned lineno = 0;
	for (size_t start = 0; start < n;) {
		const char *nl = memchr(text + start, '\n', n - start);
		size_t end = nl ? (size_t)(nl - text) : n;
		lineno++;
		size_t s = start;
		while (s < end && strchr(" \t\r", text[s]))
			s++;
		if (s < end) {
			json_t *cs = json_loadb(text + start, end - start, 0, &je);
			if (!cs) {
				json_t *out = json_object();
				char msg[300];
				snprintf(msg, sizeof(msg), "invalid JSON on line %u, column %d: %s",
					 lineno, je.column, je.text);
				json_object_set_new(out, "id", json_null());
				json_object_set_new(out, "decision", json_string("Error"));
				json_object_set_new(out, "error", json_string(msg));
				emit(eo, json_null(), out);
				json_decref(out);
			} else {
				eval_one(eo, cs);
				json_decref(cs);
			}
		}
		start = end + 1;
	}
}

static int cmd_eval(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "explain", no_argument, NULL, 'e' },
		{ "tap", no_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct evalopts eo = { 0 };
	int c, bad = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "eTh", longopts, NULL)) != -1) {
		switch (c) {
		case 'e':
			eo.explain = true;
			break;
		case 'T':
			eo.tap = true;
			break;
		default:
			fprintf(stderr, "usage: iamctl policy eval [--explain] [--tap] CASES...\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "iamctl policy eval: no case file given\n");
		return 2;
	}
	for (int i = optind; i < argc; i++) {
		char *text = NULL;
		size_t n;
		int r = read_all(argv[i], &text, &n);
		if (r < 0) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(-r));
			bad = 1;
			continue;
		}
		eval_text(&eo, text, n);
		free(text);
	}
	if (eo.tap)
		printf("1..%u\n", eo.n);
	return bad || (eo.tap && eo.failed) ? 1 : 0;
}

int iamctl_policy_main(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		fprintf(argc < 2 ? stderr : stdout,
			"usage: iamctl policy validate [--type identity|resource|trust|boundary|session] FILE...\n"
			"       iamctl policy eval [--explain] [--tap] CASES...\n");
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "validate") == 0)
		return cmd_validate(argc - 1, argv + 1);
	if (strcmp(argv[1], "eval") == 0)
		return cmd_eval(argc - 1, argv + 1);
	fprintf(stderr, "iamctl policy: unknown command \"%s\"\n", argv[1]);
	return 2;
}
