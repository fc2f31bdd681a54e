/* iamctl: the command line of iamd, shaped like the AWS CLI and driven by
 * the protobuf descriptors (no per-command code). What its files share:
 * iamctl.c (main, calls, pagination, output), iamctl_args.c (options ->
 * request JSON: scalars, flags, lists, shorthand, JSON, file://) and
 * iamctl_help.c (help from the descriptors). */
#pragma once
#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>

#include "iam.h"
#include "pbjson/pbjson.h"

/* Exit statuses of the AWS CLI v2. */
#define IAMCTL_EXIT_OK 0
#define IAMCTL_EXIT_USAGE 252      /* bad command line or parameters */
#define IAMCTL_EXIT_SERVICE 254    /* the service answered with an error */
#define IAMCTL_EXIT_CONNECT 255    /* no answer: connection or timeout */

/* One command: an action of a service. */
struct iamctl_cmd {
	const char *service;                    /* "iam" or "sts" */
	const ProtobufCFieldDescriptor *req_f;  /* Request.op field */
	const ProtobufCFieldDescriptor *resp_f; /* Response.result field */
	char action[PBJSON_NAME_MAX];           /* "CreateUser" */
	char name[PBJSON_NAME_MAX];             /* "create-user" */
	bool paginated;                         /* Marker/MaxItems/IsTruncated, and
						 * the AWS CLI follows them */
};

/* Everything the command line said. */
struct iamctl_opts {
	const char *socket;
	const char *output;          /* json (default), text, table */
	const char *color;           /* --color on, off, auto (default) */
	struct iamctl_query *query;  /* --query (iamctl_query.h), or NULL */
	json_t *text_pages;          /* --output text of a paginated call: the
					AWS CLI prints (and queries) each page
					by itself; iamctl_paginate appends each
					page's lists here when non-NULL */
	bool no_paginate;
	bool debug;
	bool help;
	bool skeleton;               /* --generate-cli-skeleton */
	int timeout_ms;
	long long max_items;         /* -1: unset */
	long long page_size;         /* -1: unset */
	const char *starting_token;
	const char *profile;         /* --profile: credentials (docs/sigv4.md) */
	const char *region;          /* --region: the signature's scope */
	bool no_sign;                /* --no-sign-request: the uid speaks */
	const char *account_id;      /* --as-account (IAMD_ACCOUNT_ID): the host
					root acts as that account's root */
	json_t *params;              /* the request's members, AWS names */
	const char *outfile;         /* create-virtual-mfa-device (iamctl_mfa.c) */
	const char *bootstrap_method;
};

/* Finds the command `name` ("create-user") of `service`: 0 or -ENOENT. */
int iamctl_cmd_find(const char *service, const char *name,
		    struct iamctl_cmd *ret);
/* The i-th command of `service` in name order; -ENOENT past the end. */
int iamctl_cmd_at(const char *service, size_t i, struct iamctl_cmd *ret);

/* Handles a global option at argv[*i] (--socket, --output, ...): 1 if it
 * was one (and *i moved past its value), 0 if not, or an exit status. */
int iamctl_global_option(int argc, char **argv, int *i, struct iamctl_opts *o);
/* Parses the options of `cmd` from argv[0, argc) into o->params.
 * Returns 0 or an exit status (usage errors are printed). */
int iamctl_args_parse(const struct iamctl_cmd *cmd, int argc, char **argv,
		      struct iamctl_opts *o);
/* Prints "usage: ..." and "iamctl: error: <msg>" to stderr; returns 252. */
int iamctl_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The text of a file:// (text) or fileb:// (bytes, *ret_binary = true)
 * argument, else a copy of arg. Caller frees. *ret_len is its length. */
int iamctl_arg_value(const char *arg, char **ret, size_t *ret_len,
		     bool *ret_binary);

/* One call of cmd with `params` (AWS names); *ret is the parsed answer.
 * Errors are printed the AWS CLI's way; returns 0 or an exit status. */
int iamctl_call(iam_client *c, const struct iamctl_cmd *cmd,
		const json_t *params, const struct iamctl_opts *o, json_t **ret);
/* The AWS CLI's pagination of a list call: follows Marker, merges the
 * top-level lists, honours --max-items, --page-size, --starting-token and
 * prints NextToken. Returns 0 or an exit status. */
int iamctl_paginate(iam_client *c, const struct iamctl_cmd *cmd,
		    const struct iamctl_opts *o, json_t **ret);

/* help */
void iamctl_help_top(void);
int iamctl_help_service(const char *service);
void iamctl_help_command(const struct iamctl_cmd *cmd);
/* --generate-cli-skeleton: a request JSON with every member. */
int iamctl_skeleton(const struct iamctl_cmd *cmd);
/* create-virtual-mfa-device's --outfile and --bootstrap-method
 * (iamctl_mfa.c): taken out of argv[0, *argc) into o (0, or an exit
 * status); then the chosen blob of the answer written to the file and
 * removed from what is printed. Other commands: nothing. */
int iamctl_mfa_args(const struct iamctl_cmd *cmd, int *argc, char **argv,
		    struct iamctl_opts *o);
int iamctl_mfa_output(const struct iamctl_cmd *cmd, const struct iamctl_opts *o,
		      json_t *result);
