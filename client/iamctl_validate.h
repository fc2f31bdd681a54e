/* iamctl validate: the AWS CLI's client-side checks of a call's
 * parameters, from botocore's service models (iamctl_shapes.c, generated
 * by gen-iamctl-shapes.py): the argument parser's "the following arguments
 * are required", then botocore's ParamValidator (required members at any
 * depth, unknown members, types, minimum lengths of strings in characters
 * and of lists, minimum values of numbers), every error in botocore's
 * order and words. iamd's own actions (no botocore model) are not checked
 * here; iamd validates every call anyway. */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum iamctl_shape_type {
	IAMCTL_SHAPE_STRUCTURE,
	IAMCTL_SHAPE_LIST,
	IAMCTL_SHAPE_MAP,
	IAMCTL_SHAPE_STRING,
	IAMCTL_SHAPE_INTEGER,   /* integer and long */
	IAMCTL_SHAPE_BOOLEAN,
	IAMCTL_SHAPE_DOUBLE,    /* double and float */
	IAMCTL_SHAPE_BLOB,
	IAMCTL_SHAPE_TIMESTAMP,
};

struct iamctl_shape;

struct iamctl_member {
	const char *name;                 /* "UserName" */
	const char *cli_name;             /* "user-name" (xform_name) */
	const struct iamctl_shape *shape;
	bool required;                    /* a required argument of the CLI */
};

struct iamctl_shape {
	enum iamctl_shape_type type;
	bool has_min;
	long long min;                    /* characters, items or value */
	const struct iamctl_member *members;
	size_t n_members;
	const char *const *required;      /* in the model's order */
	size_t n_required;
	const struct iamctl_shape *member, *key, *value;
};

struct iamctl_op_shape {
	const char *service;              /* "iam", "sts" */
	const char *name;                 /* "CreateUser" */
	const struct iamctl_shape *input; /* NULL: no input */
};

extern const struct iamctl_op_shape iamctl_op_shapes[];
extern const size_t iamctl_op_shapes_count;

/* IAMCTL_SKIP_CLIENT_VALIDATION=1 in the environment: neither check runs
 * and the call goes to iamd as given (for tests of iamd's own validation;
 * the AWS CLI has no such switch). */
bool iamctl_validate_skipped(void);

/* The model of `action` of `service`, or NULL (an iamd-only action). */
const struct iamctl_op_shape *iamctl_validate_find(const char *service,
						   const char *action);

/* botocore's ParamValidator on params (AWS names): 0 when valid; -EINVAL
 * with *ret_report (caller frees) the lines the AWS CLI prints after
 * "Parameter validation failed:"; -ENOMEM. */
int iamctl_validate_params(const struct iamctl_shape *input, const json_t *params,
			   char **ret_report);
