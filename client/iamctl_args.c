/* iamctl args: the command line of one command -> the request's JSON, as
 * the AWS CLI reads it: `--kebab-name value` per request member, booleans
 * as --flag/--no-flag, lists as several values, structures and lists of
 * structures as shorthand (Key=a,Value=b) or JSON, file:// and fileb://
 * for any value, --cli-input-json as a base the options override. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "iamctl.h"
#include "iamctl_query.h"
#include "iamctl_validate.h"

#define IAMCTL_MAX_FILE (16u << 20)

int iamctl_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("\nusage: iamctl [options] <command> <subcommand> [<subcommand> ...] "
	      "[parameters]\nTo see help text, you can run:\n\n  iamctl help\n"
	      "  iamctl <command> help\n  iamctl <command> <subcommand> help\n\n"
	      "iamctl: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n\n", stderr);   /* the AWS CLI v2 frames it with empty lines */
	return IAMCTL_EXIT_USAGE;
}

static int read_file(const char *path, char **ret, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;
	int r = 0;

	if (!f)
		return -errno;
	for (;;) {
		size_t got;
		if (n + 4096 + 1 > cap) {
			char *nb;
			cap = cap ? cap * 2 : 8192;
			if (cap > IAMCTL_MAX_FILE + 1) {
				r = -EFBIG;
				break;
			}
			nb = realloc(buf, cap);
			if (!nb) {
				r = -ENOMEM;
				break;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0) {
			if (ferror(f))
				r = -EIO;
			break;
		}
	}
	fclose(f);
	if (r < 0) {
		free(buf);
		return r;
	}
	if (!buf && !(buf = malloc(1)))
		return -ENOMEM;
	buf[n] = '\0';
	*ret = buf;
	*ret_len = n;
	return 0;
}

int iamctl_arg_value(const char *arg, char **ret, size_t *ret_len,
		     bool *ret_binary)
{
	bool bin = strncmp(arg, "fileb://", 8) == 0;
	char *s;
	int r;

	if (bin || strncmp(arg, "file://", 7) == 0) {
		r = read_file(arg + (bin ? 8 : 7), ret, ret_len);
		if (r < 0)
			return r;
		*ret_binary = bin;
		return 0;
	}
	s = strdup(arg);
	if (!s)
		return -ENOMEM;
	*ret = s;
	*ret_len = strlen(s);
	*ret_binary = false;
	return 0;
}

/* --- shorthand: Key=a,Value=b  Name=x,Values=a,b  A={B=1},C=[x,y] -------- */

struct sh {
	const char *p;
	char err[160];
};

static json_t *sh_value(struct sh *s, const char *stops);

static json_t *sh_quoted(struct sh *s)
{
	char q = *s->p++, *buf = malloc(strlen(s->p) + 1);
	size_t n = 0;
	json_t *j;

	if (!buf)
		return NULL;
	while (*s->p && *s->p != q) {
		if (*s->p == '\\' && s->p[1])
			s->p++;
		buf[n++] = *s->p++;
	}
	if (*s->p != q) {
		snprintf(s->err, sizeof(s->err), "unterminated quote");
		free(buf);
		return NULL;
	}
	s->p++;
	j = json_stringn(buf, n);
	free(buf);
	return j;
}

static json_t *sh_bare(struct sh *s, const char *stops)
{
	char *buf = malloc(strlen(s->p) + 1);
	size_t n = 0;
	json_t *j;

	if (!buf)
		return NULL;
	while (*s->p && !strchr(stops, *s->p)) {
		if (*s->p == '\\' && s->p[1])
			s->p++;
		buf[n++] = *s->p++;
	}
	while (n > 0 && buf[n - 1] == ' ')
		n--;
	j = json_stringn(buf, n);
	free(buf);
	return j;
}

static json_t *sh_struct(struct sh *s, char close);

static json_t *sh_list(struct sh *s)
{
	json_t *a = json_array(), *v;

	s->p++;   /* '[' */
	while (a && *s->p != ']') {
		v = sh_value(s, ",]");
		if (!v || json_array_append_new(a, v) < 0)
			goto fail;
		if (*s->p == ',')
			s->p++;
		else if (*s->p != ']') {
			snprintf(s->err, sizeof(s->err), "expected ',' or ']'");
			goto fail;
		}
	}
	if (a)
		s->p++;
	return a;
fail:
	json_decref(a);
	return NULL;
}

static json_t *sh_value(struct sh *s, const char *stops)
{
	while (*s->p == ' ')
		s->p++;
	if (*s->p == '[')
		return sh_list(s);
	if (*s->p == '{') {
		json_t *o;
		s->p++;
		o = sh_struct(s, '}');
		if (o && *s->p == '}')
			s->p++;
		else if (o) {
			snprintf(s->err, sizeof(s->err), "expected '}'");
			json_decref(o);
			o = NULL;
		}
		return o;
	}
	if (*s->p == '"' || *s->p == '\'')
		return sh_quoted(s);
	return sh_bare(s, stops);
}

/* After "key=value": is what follows the comma another value of the same
 * key (Values=a,b,c) rather than a new "key=..."? */
static bool sh_continues(const char *p, char close)
{
	if (*p != ',')
		return false;
	for (p++; *p && *p != ',' && *p != close; p++) {
		if (*p == '=')
			return false;
		if (*p == '{' || *p == '[')
			return false;
	}
	return true;
}

static json_t *sh_struct(struct sh *s, char close)
{
	char stops[3] = { ',', close, '\0' };
	json_t *o = json_object();

	while (o && *s->p && *s->p != close) {
		const char *k = s->p;
		size_t kn = strcspn(k, "=,{}[]");
		char key[PBJSON_NAME_MAX];
		json_t *v;
		while (kn > 0 && k[kn - 1] == ' ')
			kn--;
		while (kn > 0 && *k == ' ')
			k++, kn--;
		if (k[strcspn(k, "=,{}[]")] != '=' || kn == 0 || kn >= sizeof(key)) {
			snprintf(s->err, sizeof(s->err), "expected key=value at '%.40s'",
				 s->p);
			goto fail;
		}
		memcpy(key, k, kn);
		key[kn] = '\0';
		s->p = strchr(s->p, '=') + 1;
		v = sh_value(s, stops);
		if (!v)
			goto fail;
		if (sh_continues(s->p, close)) {
			json_t *a = json_array();
			if (!a || json_array_append_new(a, v) < 0)
				goto fail;
			v = a;
			while (sh_continues(s->p, close)) {
				s->p++;
				if (json_array_append_new(v, sh_value(s, stops)) < 0) {
					json_decref(v);
					goto fail;
				}
			}
		}
		json_object_set_new(o, key, v);
		if (*s->p == ',')
			s->p++;
		else if (*s->p && *s->p != close) {
			snprintf(s->err, sizeof(s->err), "expected ',' at '%.40s'", s->p);
			goto fail;
		}
	}
	return o;
fail:
	json_decref(o);
	return NULL;
}

/* Parses a shorthand structure; on error prints and returns NULL. */
static json_t *shorthand_parse(const char *opt, const char *text)
{
	struct sh s = { .p = text };
	json_t *o = sh_struct(&s, '\0');

	if (o && *s.p) {
		snprintf(s.err, sizeof(s.err), "unexpected '%c'", *s.p);
		json_decref(o);
		o = NULL;
	}
	if (!o)
		iamctl_usage_error("Error parsing parameter '--%s': %s", opt,
				   s.err[0] ? s.err : "invalid shorthand");
	return o;
}

/* --- options --------------------------------------------------------------- */

static bool looks_json(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	return *s == '{' || *s == '[';
}

static int parse_json_arg(const char *opt, const char *text, json_t **ret)
{
	json_error_t e;
	json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &e);

	if (!j)
		return iamctl_usage_error("Error parsing parameter '--%s': Invalid "
					  "JSON: %s (line %d, column %d)", opt,
					  e.text, e.line, e.column);
	*ret = j;
	return 0;
}

/* One value (already read from file:// if asked) of field f. */
static int value_to_json(const ProtobufCFieldDescriptor *f, const char *opt,
			 const char *text, size_t len, bool binary, json_t **ret)
{
	bool structured = f->type == PROTOBUF_C_TYPE_MESSAGE ||
			  f->label == PROTOBUF_C_LABEL_REPEATED;
	json_t *j;
	int r;

	if (f->type == PROTOBUF_C_TYPE_BYTES && f->label != PROTOBUF_C_LABEL_REPEATED) {
		char *b64 = NULL;
		if (!binary) {   /* text is base64 already, as in the AWS CLI */
			*ret = json_stringn(text, len);
			return *ret ? 0 : -ENOMEM;
		}
		r = pbjson_base64_encode((const uint8_t *)text, len, &b64);
		if (r < 0)
			return r;
		*ret = json_string(b64);
		free(b64);
		return *ret ? 0 : -ENOMEM;
	}
	/* JSON, as the AWS CLI reads it: a structure or a map, or a whole
	 * list ("[...]"); a member of a list of strings stays a string even
	 * when it is JSON text (--policy-input-list '{"Version": ...}') */
	if (structured && !binary && looks_json(text) &&
	    (f->type == PROTOBUF_C_TYPE_MESSAGE || pbjson_field_is_map(f) ||
	     text[strspn(text, " \t\r\n")] == '['))
		return parse_json_arg(opt, text, ret);
	if (f->type == PROTOBUF_C_TYPE_MESSAGE || pbjson_field_is_map(f)) {
		j = shorthand_parse(opt, text);
		if (!j)
			return IAMCTL_EXIT_USAGE;
	} else {
		j = json_stringn(text, len);
		if (!j)
			return iamctl_usage_error("argument --%s: not valid UTF-8", opt);
	}
	*ret = j;
	return 0;
}


/* argparse's rule (the AWS CLI's): "--x" is an option, but a word with a
 * space in it is a value even when it starts with dashes ("-----BEGIN
 * PUBLIC KEY-----\nMII...", an SSH key's PEM body). */
static bool looks_like_option(const char *a)
{
	return strncmp(a, "--", 2) == 0 && !strchr(a, ' ');
}

static int take_values(const ProtobufCFieldDescriptor *f, const char *opt,
		       int argc, char **argv, int *i, const char *inline_val,
		       json_t **ret)
{
	bool list = f->label == PROTOBUF_C_LABEL_REPEATED && !pbjson_field_is_map(f);
	json_t *acc = list ? json_array() : NULL;
	int n = 0, r = 0;

	for (;;) {
		const char *arg;
		char *text = NULL;
		size_t len = 0;
		bool bin = false;
		json_t *v = NULL;

		if (inline_val) {
			arg = inline_val;
			inline_val = NULL;
		} else if (*i + 1 < argc && (!looks_like_option(argv[*i + 1]) ||
					     strcmp(argv[*i + 1], "--") == 0)) {
			arg = argv[++*i];
		} else {
			break;
		}
		r = iamctl_arg_value(arg, &text, &len, &bin);
		if (r < 0) {
			r = iamctl_usage_error("Error parsing parameter '--%s': Unable "
					       "to load paramfile %s: %s", opt, arg,
					       strerror(-r));
			goto out;
		}
		r = value_to_json(f, opt, text, len, bin, &v);
		free(text);
		if (r != 0)
			goto out;
		n++;
		if (!list) {
			*ret = pbjson_coerce_field(f, v);
			return 0;
		}
		if (json_is_array(v))
			json_array_extend(acc, v), json_decref(v);
		else
			json_array_append_new(acc, v);
		if (*i + 1 >= argc || looks_like_option(argv[*i + 1]))
			break;
	}
	if (n == 0) {
		r = iamctl_usage_error("argument --%s: expected %s argument", opt,
				       list ? "at least one" : "one");
		goto out;
	}
	*ret = pbjson_coerce_field(f, acc);
	return 0;
out:
	json_decref(acc);
	return r;
}

/* --max-items (>= 1) or --page-size (>= 0: it is MaxItems, whose 0
 * botocore's validation refuses, as the AWS CLI) */
static int parse_count(const char *opt, const char *s, long long min, long long *ret)
{
	char *end;
	long long v;

	errno = 0;
	v = s ? strtoll(s, &end, 10) : 0;
	if (!s || !*s || *end || errno || v < min)
		return iamctl_usage_error("argument --%s: invalid positive integer "
					  "value: '%s'", opt, s ? s : "");
	*ret = v;
	return 0;
}

int iamctl_global_option(int argc, char **argv, int *i, struct iamctl_opts *o)
{
	const char *a = argv[*i];
	static const char *const ignored_with_value[] = {
		"--endpoint-url", "--ca-bundle",
		"--cli-connect-timeout", "--cli-binary-format",
	};
	static const char *const ignored_flags[] = {
		"--no-cli-pager", "--no-verify-ssl",
		"--cli-auto-prompt", "--no-cli-auto-prompt",
	};
	const char *val = NULL;

#define TAKE(name) (strcmp(a, name) == 0 ? (*i + 1 < argc ? (val = argv[++*i], 1) : -1) : 0)
	int t;
	if ((t = TAKE("--socket")) != 0) {
		if (t < 0)
			return iamctl_usage_error("argument --socket: expected one argument");
		o->socket = val;
		return 1;
	}
	if ((t = TAKE("--output")) != 0) {
		if (t < 0)
			return iamctl_usage_error("argument --output: expected one argument");
		if (strcmp(val, "json") != 0 && strcmp(val, "text") != 0 &&
		    strcmp(val, "table") != 0)
			return iamctl_usage_error("argument --output: Invalid choice, "
						  "valid choices are:\n\njson | text | table");
		o->output = val;
		return 1;
	}
	if ((t = TAKE("--color")) != 0) {
		if (t < 0)
			return iamctl_usage_error("argument --color: expected one argument");
		if (strcmp(val, "on") != 0 && strcmp(val, "off") != 0 &&
		    strcmp(val, "auto") != 0)
			return iamctl_usage_error("argument --color: Invalid choice, "
						  "valid choices are:\n\non | off | auto");
		o->color = val;
		return 1;
	}
	if ((t = TAKE("--cli-read-timeout")) != 0) {
		char *end;
		long v;
		if (t < 0)
			return iamctl_usage_error("argument --cli-read-timeout: expected one argument");
		v = strtol(val, &end, 10);
		if (*end || v < 0 || v > 86400)
			return iamctl_usage_error("argument --cli-read-timeout: invalid "
						  "int value: '%s'", val);
		o->timeout_ms = (int)v * 1000;
		return 1;
	}
	if ((t = TAKE("--profile")) != 0 || (t = TAKE("--region")) != 0) {
		if (t < 0)
			return iamctl_usage_error("argument %s: expected one argument", a);
		*(strcmp(a, "--profile") == 0 ? &o->profile : &o->region) = val;
		return 1;
	}
	if ((t = TAKE("--as-account")) != 0) {
		if (t < 0)
			return iamctl_usage_error("argument %s: expected one argument", a);
		o->account_id = val;
		return 1;
	}
	if (strcmp(a, "--no-sign-request") == 0) {
		o->no_sign = true;
		return 1;
	}
	if (strcmp(a, "--no-paginate") == 0) {
		o->no_paginate = true;
		return 1;
	}
	if (strcmp(a, "--debug") == 0) {
		o->debug = true;
		return 1;
	}
	if ((t = TAKE("--query")) != 0) {
		char *err = NULL;
		if (t < 0)
			return iamctl_usage_error("argument --query: expected one argument");
		iamctl_query_free(o->query);
		o->query = NULL;
		int qr = iamctl_query_compile(val, &o->query, &err);
		if (qr < 0) {
			fprintf(stderr, "\nBad value for --query %s: %s\n", val,
				err ? err : strerror(-qr));
			free(err);
			return IAMCTL_EXIT_USAGE;
		}
		return 1;
	}
	for (size_t k = 0; k < sizeof(ignored_flags) / sizeof(*ignored_flags); k++)
		if (strcmp(a, ignored_flags[k]) == 0)
			return 1;
	for (size_t k = 0; k < sizeof(ignored_with_value) / sizeof(*ignored_with_value); k++)
		if ((t = TAKE(ignored_with_value[k])) != 0)
			return t < 0 ? iamctl_usage_error("argument %s: expected one "
							  "argument", a) : 1;
#undef TAKE
	return 0;
}

static int merge_input_json(const char *arg, struct iamctl_opts *o)
{
	char *text = NULL;
	size_t len;
	bool bin;
	json_t *j = NULL;
	int r;

	r = iamctl_arg_value(arg, &text, &len, &bin);
	if (r < 0)
		return iamctl_usage_error("Error parsing parameter '--cli-input-json': "
					  "Unable to load paramfile %s: %s", arg,
					  strerror(-r));
	r = parse_json_arg("cli-input-json", text, &j);
	free(text);
	if (r != 0)
		return r;
	if (!json_is_object(j)) {
		json_decref(j);
		return iamctl_usage_error("Error parsing parameter '--cli-input-json': "
					  "Invalid JSON: it must be an object");
	}
	/* options given on the command line win over the file */
	json_object_update_missing(o->params, j);
	json_decref(j);
	return 0;
}

/* The AWS CLI's argument parser: the required members of the action's
 * botocore model not given, in the model's order (those iamd's request
 * has: the others cannot be given). Not with --cli-input-json or
 * --generate-cli-skeleton, as the AWS CLI. */
static int required_args(const struct iamctl_cmd *cmd, const struct iamctl_opts *o)
{
	const struct iamctl_op_shape *op = iamctl_validate_find(cmd->service, cmd->action);
	char missing[1024] = "";
	size_t n = 0;

	if (!op || !op->input)
		return 0;
	for (size_t i = 0; i < op->input->n_members; i++) {
		const struct iamctl_member *m = &op->input->members[i];
		const ProtobufCFieldDescriptor *f;
		char kebab[PBJSON_NAME_MAX];
		if (!m->required || json_object_get(o->params, m->name) ||
		    !(f = pbjson_field_by_aws_name(cmd->req_f->descriptor, m->name)) ||
		    pbjson_name_to_kebab(f->name, kebab, sizeof(kebab)) < 0)
			continue;
		n += (size_t)snprintf(missing + n, n < sizeof(missing) ? sizeof(missing) - n : 0,
				      "%s--%s", n ? ", " : "", kebab);
	}
	/* the AWS CLI's own required arguments (iamctl_mfa.c) */
	if (strcmp(cmd->action, "CreateVirtualMFADevice") == 0) {
		if (!o->outfile)
			n += (size_t)snprintf(missing + n, n < sizeof(missing) ?
					      sizeof(missing) - n : 0, "%s--outfile",
					      n ? ", " : "");
		if (!o->bootstrap_method)
			n += (size_t)snprintf(missing + n, n < sizeof(missing) ?
					      sizeof(missing) - n : 0, "%s--bootstrap-method",
					      n ? ", " : "");
	}
	if (n == 0)
		return 0;
	return iamctl_usage_error("the following arguments are required: %s", missing);
}

int iamctl_args_parse(const struct iamctl_cmd *cmd, int argc, char **argv,
		      struct iamctl_opts *o)
{
	const ProtobufCMessageDescriptor *d = cmd->req_f->descriptor;
	const char *input_json = NULL;
	char unknown[512] = "";
	int r;

	for (int i = 0; i < argc; i++) {
		char opt[PBJSON_NAME_MAX], snake[PBJSON_NAME_MAX], aws[PBJSON_NAME_MAX];
		const char *a = argv[i], *eq, *inline_val = NULL;
		const ProtobufCFieldDescriptor *f;
		bool negated = false;
		json_t *v = NULL;

		if (strcmp(a, "help") == 0 || strcmp(a, "--help") == 0 ||
		    strcmp(a, "-h") == 0) {
			o->help = true;
			return 0;
		}
		r = iamctl_global_option(argc, argv, &i, o);
		if (r == 1)
			continue;
		if (r != 0)
			return r;
		if (strncmp(a, "--", 2) != 0) {
			size_t n = strlen(unknown);
			snprintf(unknown + n, sizeof(unknown) - n, "%s%s", n ? ", " : "", a);
			continue;
		}
		eq = strchr(a, '=');
		snprintf(opt, sizeof(opt), "%.*s", (int)(eq ? (size_t)(eq - a - 2) : strlen(a + 2)), a + 2);
		if (eq)
			inline_val = eq + 1;
		if (strcmp(opt, "cli-input-json") == 0) {
			if (!inline_val && i + 1 >= argc)
				return iamctl_usage_error("argument --cli-input-json: "
							  "expected one argument");
			input_json = inline_val ? inline_val : argv[++i];
			continue;
		}
		if (strcmp(opt, "generate-cli-skeleton") == 0) {
			o->skeleton = true;
			continue;
		}
		if (cmd->paginated && !o->no_paginate &&
		    (strcmp(opt, "max-items") == 0 || strcmp(opt, "page-size") == 0 ||
		     strcmp(opt, "starting-token") == 0)) {
			const char *val = inline_val ? inline_val :
					  i + 1 < argc ? argv[++i] : NULL;
			if (strcmp(opt, "starting-token") == 0) {
				if (!val)
					return iamctl_usage_error("argument --starting-token: "
								  "expected one argument");
				o->starting_token = val;
				continue;
			}
			r = parse_count(opt, val, opt[0] == 'm' ? 1 : 0,
					opt[0] == 'm' ? &o->max_items : &o->page_size);
			if (r != 0)
				return r;
			continue;
		}
		if (pbjson_name_from_kebab(opt, snake, sizeof(snake)) < 0 ||
		    !(f = protobuf_c_message_descriptor_get_field_by_name(d, snake))) {
			if (strncmp(opt, "no-", 3) == 0 &&
			    pbjson_name_from_kebab(opt + 3, snake, sizeof(snake)) == 0 &&
			    (f = protobuf_c_message_descriptor_get_field_by_name(d, snake)) &&
			    f->type == PROTOBUF_C_TYPE_BOOL &&
			    f->label != PROTOBUF_C_LABEL_REPEATED) {
				negated = true;
			} else {
				size_t n = strlen(unknown);
				snprintf(unknown + n, sizeof(unknown) - n, "%s%s",
					 n ? ", " : "", a);
				continue;
			}
		}
		pbjson_field_aws_name(f, aws, sizeof(aws));
		if (f->type == PROTOBUF_C_TYPE_BOOL && f->label != PROTOBUF_C_LABEL_REPEATED &&
		    !inline_val) {
			v = json_boolean(!negated);
		} else if (negated) {
			return iamctl_usage_error("argument --%s: ignored explicit "
						  "argument '%s'", opt, inline_val);
		} else {
			r = take_values(f, opt, argc, argv, &i, inline_val, &v);
			if (r != 0)
				return r;
		}
		json_object_set_new(o->params, aws, v);
	}
	if (!input_json && !o->skeleton && !iamctl_validate_skipped()) {
		r = required_args(cmd, o);
		if (r != 0)
			return r;
	}
	if (unknown[0])
		return iamctl_usage_error("Unknown options: %s", unknown);
	if (input_json)
		return merge_input_json(input_json, o);
	return 0;
}
