/* iamctl: the command line of iamd, shaped like the AWS CLI:
 *   iamctl [options] <service> <command> [parameters]
 * Every command is an action of proto/api.proto, found and driven through
 * the descriptors; the call goes through libiam; the answer is printed as the
 * AWS CLI prints it, list calls paginated and merged as the AWS CLI does. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iam.h"
#include "iamctl.h"
#include "iamctl_query.h"
#include "iamctl_table.h"
#include "iamctl_validate.h"

int iamctl_policy_main(int argc, char **argv);
int iamctl_credential_process(const char *socket, int timeout_ms);
int iamctl_audit_main(int argc, char **argv);
int iamctl_ssh_main(int argc, char **argv, const char *socket, int timeout_ms);

/* --- commands ------------------------------------------------------------ */

static bool has_field(const ProtobufCMessageDescriptor *d, const char *name,
		      ProtobufCType type)
{
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field_by_name(d, name);
	return f && f->type == type && f->label != PROTOBUF_C_LABEL_REPEATED;
}

/* The IAM actions the AWS CLI paginates (botocore's
 * data/iam/2010-05-08/paginators-1.json): it follows their Marker and
 * merges the pages; any other action with a Marker (ListRoleTags,
 * ListPolicyTags, ...) is one call whose IsTruncated and Marker are
 * printed, --max-items and --marker being its members. */
static const char *const aws_paginated[] = {
	"GetAccountAuthorizationDetails", "GetGroup", "ListAccessKeys",
	"ListAccountAliases", "ListAttachedGroupPolicies", "ListAttachedRolePolicies",
	"ListAttachedUserPolicies", "ListEntitiesForPolicy", "ListGroupPolicies",
	"ListGroups", "ListGroupsForUser", "ListInstanceProfiles",
	"ListInstanceProfilesForRole", "ListMFADevices", "ListPolicies",
	"ListPolicyVersions", "ListRolePolicies", "ListRoles", "ListSSHPublicKeys",
	"ListServerCertificates", "ListSigningCertificates", "ListUserPolicies",
	"ListUserTags", "ListUsers", "ListVirtualMFADevices", "SimulateCustomPolicy",
	"SimulatePrincipalPolicy",
};

static bool aws_paginates(const char *service, const char *action)
{
	if (strcmp(service, "iam") != 0)
		return true;   /* STS has no list; iamd's own list actions page */
	for (size_t i = 0; i < sizeof(aws_paginated) / sizeof(aws_paginated[0]); i++)
		if (strcmp(aws_paginated[i], action) == 0)
			return true;
	return false;
}

static int cmd_fill(const ProtobufCFieldDescriptor *req_f, struct iamctl_cmd *c)
{
	const ProtobufCMessageDescriptor *rq, *rs;

	if (pbjson_action_find(req_f->name, &c->req_f, &c->resp_f) < 0 ||
	    pbjson_name_to_aws(req_f->name, c->action, sizeof(c->action)) < 0 ||
	    pbjson_name_to_kebab(req_f->name, c->name, sizeof(c->name)) < 0)
		return -ENOENT;
	c->service = pbjson_action_service(c->action);
	rq = c->req_f->descriptor;
	rs = c->resp_f->descriptor;
	c->paginated = has_field(rq, "marker", PROTOBUF_C_TYPE_STRING) &&
		       has_field(rq, "max_items", PROTOBUF_C_TYPE_INT32) &&
		       has_field(rs, "marker", PROTOBUF_C_TYPE_STRING) &&
		       has_field(rs, "is_truncated", PROTOBUF_C_TYPE_BOOL) &&
		       aws_paginates(c->service, c->action);
	return 0;
}

int iamctl_cmd_find(const char *service, const char *name,
		    struct iamctl_cmd *ret)
{
	char snake[PBJSON_NAME_MAX];
	const ProtobufCFieldDescriptor *req_f;
	struct iamctl_cmd c;

	if (pbjson_name_from_kebab(name, snake, sizeof(snake)) < 0 ||
	    pbjson_action_find(snake, &req_f, NULL) < 0 || cmd_fill(req_f, &c) < 0 ||
	    strcmp(c.service, service) != 0)
		return -ENOENT;
	*ret = c;
	return 0;
}

static int cmd_cmp(const void *a, const void *b)
{
	return strcmp((*(const ProtobufCFieldDescriptor *const *)a)->name,
		      (*(const ProtobufCFieldDescriptor *const *)b)->name);
}

int iamctl_cmd_at(const char *service, size_t i, struct iamctl_cmd *ret)
{
	size_t n = pbjson_action_count(), k = 0;
	const ProtobufCFieldDescriptor **all = calloc(n ? n : 1, sizeof(*all));
	int r = -ENOENT;

	if (!all)
		return -ENOMEM;
	for (size_t j = 0; j < n; j++)
		all[j] = pbjson_action_at(j);
	qsort(all, n, sizeof(*all), cmd_cmp);
	for (size_t j = 0; j < n; j++) {
		struct iamctl_cmd c;
		if (cmd_fill(all[j], &c) < 0 || strcmp(c.service, service) != 0)
			continue;
		if (k++ == i) {
			*ret = c;
			r = 0;
			break;
		}
	}
	free(all);
	return r;
}

/* --- output -------------------------------------------------------------- */

static bool output_is(const struct iamctl_opts *o, const char *name)
{
	return o->output && strcmp(o->output, name) == 0;
}

/* --output table: the AWS CLI's colours are on with --color on, or by
 * default when stdout is a terminal; its width is the terminal's, else 80. */
static int print_table(const json_t *j, const struct iamctl_cmd *cmd,
		       const struct iamctl_opts *o)
{
	bool tty = isatty(STDOUT_FILENO);
	bool color = o->color ? strcmp(o->color, "on") == 0 ||
				(strcmp(o->color, "auto") == 0 && tty) : tty;
	char *err = NULL;
	int r = iamctl_output_table(j, cmd->action, tty ? iamctl_table_terminal_width() : 80,
				    color, stdout, &err);

	if (r == -EINVAL) {
		fprintf(stderr, "\n%s\n", err);
		free(err);
		return IAMCTL_EXIT_CONNECT;
	}
	if (r < 0) {
		fprintf(stderr, "iamctl: out of memory\n");
		return IAMCTL_EXIT_CONNECT;
	}
	return 0;
}

/* --query (AWS CLI v2: on the answer, pages merged), then the output. */
static int print_query(json_t *j, const struct iamctl_cmd *cmd,
		       const struct iamctl_opts *o)
{
	json_t *r = NULL;
	char *err = NULL;
	int q = iamctl_query_search(o->query, j, &r, &err);

	if (q < 0) {
		fprintf(stderr, "\n%s\n", err ? err : strerror(-q));
		free(err);
		return IAMCTL_EXIT_CONNECT;
	}
	if (output_is(o, "table")) {
		q = print_table(r, cmd, o);
		json_decref(r);
		return q;
	}
	if (output_is(o, "text"))
		iamctl_output_text(r, stdout);
	else if (!json_is_object(r) || json_object_size(r) > 0)
		iamctl_output_json(r, 4, stdout);
	json_decref(r);
	return 0;
}

/* --output text of a paginated call, as the AWS CLI's TextFormatter: each
 * page by itself (the first with the answer's other members), queried by
 * itself, then {"NextToken": {"NextToken": ...}} (queried too). */
static int print_text_pages(json_t *full, const struct iamctl_cmd *cmd,
			    const struct iamctl_opts *o)
{
	json_t *part, *next = json_object_get(full, "NextToken");
	const char *k;
	json_t *v;
	size_t i;
	int r = 0;

	json_array_foreach(o->text_pages, i, part) {
		if (i == 0)
			json_object_foreach(full, k, v)
				if (!json_is_array(v) && strcmp(k, "NextToken") != 0)
					json_object_set(part, k, v);
		if (o->query)
			r = print_query(part, cmd, o);
		else
			iamctl_output_text(part, stdout);
		if (r)
			return r;
	}
	if (json_is_string(next)) {
		json_t *t = json_pack("{s{sO}}", "NextToken", "NextToken", next);
		if (!t)
			return IAMCTL_EXIT_CONNECT;
		if (o->query)
			r = print_query(t, cmd, o);
		else
			iamctl_output_text(t, stdout);
		json_decref(t);
	}
	return r;
}

static int print_result(json_t *j, const struct iamctl_cmd *cmd,
			const struct iamctl_opts *o)
{
	char *s = NULL;

	if (o->text_pages)
		return print_text_pages(j, cmd, o);
	if (o->query)
		return print_query(j, cmd, o);
	if (output_is(o, "table"))
		return print_table(j, cmd, o);

	if (json_object_size(j) == 0)
		return 0;   /* the AWS CLI prints nothing for an empty answer */
	if (o->output && strcmp(o->output, "text") == 0) {
		iamctl_output_text(j, stdout);
		return 0;
	}
	if (pbjson_dump(j, &s) < 0) {
		fprintf(stderr, "iamctl: out of memory\n");
		return IAMCTL_EXIT_CONNECT;
	}
	puts(s);
	free(s);
	return 0;
}

/* --- calls --------------------------------------------------------------- */

static int report_error(int r, const struct iamctl_cmd *cmd, iam_error *e,
			const struct iamctl_opts *o)
{
	if (e && strcmp(iam_error_code(e), "ParamValidation") == 0) {
		fprintf(stderr, "\nParameter validation failed:\n%s\n",
			iam_error_message(e));
		return IAMCTL_EXIT_USAGE;
	}
	if (e) {
		fprintf(stderr, "\nAn error occurred (%s) when calling the %s "
			"operation: %s\n", iam_error_code(e), cmd->action,
			iam_error_message(e));
		if (o->debug && *iam_error_request_id(e))
			fprintf(stderr, "RequestId: %s\n", iam_error_request_id(e));
		return IAMCTL_EXIT_SERVICE;
	}
	fprintf(stderr, "\n%s when calling the %s operation on iamd at %s: %s\n",
		r == -ETIMEDOUT ? "Read timeout" : "Connection failed",
		cmd->action, o->socket ? o->socket : "$IAMD_SOCKET", strerror(-r));
	return IAMCTL_EXIT_CONNECT;
}

int iamctl_call(iam_client *c, const struct iamctl_cmd *cmd,
		const json_t *params, const struct iamctl_opts *o, json_t **ret)
{
	char *in = json_dumps(params, JSON_COMPACT | JSON_PRESERVE_ORDER), *out = NULL;
	iam_error *e = NULL;
	json_error_t je;
	int r;

	if (!in)
		return report_error(-ENOMEM, cmd, NULL, o);
	if (o->debug)
		fprintf(stderr, "iamctl: calling %s %s\n", cmd->action, in);
	r = iam_call_json(c, cmd->action, in, &out, &e);
	free(in);
	if (r < 0) {
		r = report_error(r, cmd, e, o);
		iam_error_free(e);
		return r;
	}
	*ret = json_loads(out, 0, &je);
	iam_free(out);
	if (!*ret)
		return report_error(-EPROTO, cmd, NULL, o);
	return 0;
}

/* The AWS CLI's credentials (environment, then profile files), unless
 * --no-sign-request; none found: the call goes unsigned (the peer's uid). */
static int use_credentials(iam_client *c, const struct iamctl_opts *o)
{
	iam_error *e = NULL;
	int r;
	const char *acct = o->account_id ? o->account_id : getenv("IAMD_ACCOUNT_ID");
	if (acct && *acct && iam_client_set_account_id(c, acct) < 0) {
		fprintf(stderr, "\niamctl: --as-account (IAMD_ACCOUNT_ID) '%s' is not 12 digits\n",
			acct);
		return IAMCTL_EXIT_USAGE;
	}
	if (o->no_sign)
		return 0;
	if (o->region && iam_client_set_region(c, o->region) < 0) {
		fprintf(stderr, "\nProvided region_name '%s' doesn't match a supported "
			"format.\n", o->region);
		return IAMCTL_EXIT_CONNECT;
	}
	r = iam_client_load_credentials(c, o->profile, &e);
	if (r < 0) {
		fprintf(stderr, "\n%s\n", e ? iam_error_message(e) : strerror(-r));
		iam_error_free(e);
		return IAMCTL_EXIT_CONNECT;
	}
	if (o->debug)
		fprintf(stderr, "iamctl: %s%s\n", r > 0 ? "signing with access key " :
			"no credentials found: calls go unsigned",
			r > 0 ? iam_client_access_key_id(c) : "");
	return 0;
}

static int run_command(const struct iamctl_cmd *cmd, struct iamctl_opts *o)
{
	iam_client *c = NULL;
	json_t *result = NULL;
	int r;

	/* the AWS CLI validates parameters before it sends anything:
	 * botocore's checks from the model, then what iamd's request takes */
	{
		const struct iamctl_op_shape *op = iamctl_validate_find(cmd->service,
									cmd->action);
		ProtobufCMessage *m = NULL;
		char *err = NULL;
		json_t *v = json_deep_copy(o->params);
		if (v && cmd->paginated && o->page_size >= 0)   /* --page-size */
			json_object_set_new(v, "MaxItems", json_integer(o->page_size));
		r = !v ? -ENOMEM : op && !iamctl_validate_skipped() ?
		    iamctl_validate_params(op->input, v, &err) : 0;
		json_decref(v);
		if (r == -EINVAL) {
			fprintf(stderr, "\nParameter validation failed:\n%s\n", err);
			free(err);
			return IAMCTL_EXIT_USAGE;
		}
		if (r < 0) {
			fprintf(stderr, "iamctl: out of memory\n");
			return IAMCTL_EXIT_CONNECT;
		}
		r = pbjson_from_json(cmd->req_f->descriptor, o->params, NULL, &m, &err);
		if (r < 0) {
			fprintf(stderr, "\nParameter validation failed:\n%s\n",
				err ? err : strerror(-r));
			free(err);
			return IAMCTL_EXIT_USAGE;
		}
		protobuf_c_message_free_unpacked(m, NULL);
	}
	r = iam_client_new_with_timeout(o->socket, o->timeout_ms >= 0 ? o->timeout_ms :
					IAM_DEFAULT_TIMEOUT_MS, &c);
	if (r < 0) {
		fprintf(stderr, "\nCould not connect to iamd at %s: %s\n",
			o->socket ? o->socket : getenv("IAMD_SOCKET") ?
			getenv("IAMD_SOCKET") : IAM_DEFAULT_SOCKET, strerror(-r));
		return IAMCTL_EXIT_CONNECT;
	}
	r = use_credentials(c, o);
	if (r != 0)
		goto out;
	if (cmd->paginated && !o->no_paginate &&
	    !json_object_get(o->params, "Marker")) {
		if (o->output && strcmp(o->output, "text") == 0 &&
		    !(o->text_pages = json_array())) {
			r = IAMCTL_EXIT_CONNECT;
			goto out;
		}
		r = iamctl_paginate(c, cmd, o, &result);
	} else {
		if (cmd->paginated && o->max_items > 0 &&
		    !json_object_get(o->params, "MaxItems"))
			json_object_set_new(o->params, "MaxItems",
					    json_integer(o->max_items));
		r = iamctl_call(c, cmd, o->params, o, &result);
	}
	if (r == 0)
		r = iamctl_mfa_output(cmd, o, result);
	if (r == 0)
		r = print_result(result, cmd, o);
out:
	json_decref(result);
	iam_client_free(c);
	return r;
}

int main(int argc, char **argv)
{
	/* static: what it points to stays reachable on every return */
	static struct iamctl_opts o = { .max_items = -1, .page_size = -1, .timeout_ms = -1 };
	struct iamctl_cmd cmd;
	const char *service = NULL;
	int i, r;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--version") == 0) {
			printf("iamctl/%s\n", PACKAGE_VERSION);
			return 0;
		}
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			iamctl_help_top();
			return 0;
		}
		r = iamctl_global_option(argc, argv, &i, &o);
		if (r == 1)
			continue;
		if (r != 0)
			return r;
		if (strncmp(argv[i], "--", 2) == 0)
			return iamctl_usage_error("Unknown options: %s", argv[i]);
		service = argv[i++];
		break;
	}
	if (!service)
		return iamctl_usage_error("the following arguments are required: command");
	if (strcmp(service, "help") == 0) {
		iamctl_help_top();
		return 0;
	}
	if (strcmp(service, "policy") == 0)
		return iamctl_policy_main(argc - (i - 1), argv + (i - 1));
	if (strcmp(service, "credential-process") == 0)
		return iamctl_credential_process(o.socket, o.timeout_ms);
	if (strcmp(service, "audit") == 0)
		return iamctl_audit_main(argc - (i - 1), argv + (i - 1));
	if (strcmp(service, "ssh") == 0)
		return iamctl_ssh_main(argc - (i - 1), argv + (i - 1), o.socket, o.timeout_ms);
	if (strcmp(service, "iam") != 0 && strcmp(service, "sts") != 0 &&
	    strcmp(service, "iamd") != 0)
		return iamctl_usage_error("argument command: Invalid choice, valid "
					  "choices are:\n\niam | sts | iamd | policy | audit | ssh | help");
	while (i < argc && strncmp(argv[i], "--", 2) == 0) {
		if (strcmp(argv[i], "--help") == 0)
			return iamctl_help_service(service);
		r = iamctl_global_option(argc, argv, &i, &o);
		if (r == 0)
			return iamctl_usage_error("Unknown options: %s", argv[i]);
		if (r != 1)
			return r;
		i++;
	}
	if (i >= argc)
		return iamctl_usage_error("the following arguments are required: operation");
	if (strcmp(argv[i], "help") == 0)
		return iamctl_help_service(service);
	if (iamctl_cmd_find(service, argv[i], &cmd) < 0) {
		iamctl_usage_error("argument operation: Invalid choice: '%s'. Run "
				   "'iamctl %s help' for the valid choices.",
				   argv[i], service);
		return IAMCTL_EXIT_USAGE;
	}
	o.params = json_object();
	if (!o.params)
		return IAMCTL_EXIT_CONNECT;
	int nargs = argc - i - 1;
	r = iamctl_mfa_args(&cmd, &nargs, argv + i + 1, &o);
	if (r == 0)
		r = iamctl_args_parse(&cmd, nargs, argv + i + 1, &o);
	if (r == 0 && o.help)
		iamctl_help_command(&cmd);
	else if (r == 0 && o.skeleton)
		r = iamctl_skeleton(&cmd);
	else if (r == 0)
		r = run_command(&cmd, &o);
	json_decref(o.params);
	json_decref(o.text_pages);
	iamctl_query_free(o.query);
	return r;
}
