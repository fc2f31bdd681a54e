/* iamctl query: JMESPath (the AWS CLI's --query) over jansson values, and
 * the AWS CLI's json and text printers for what a query returns.
 * The grammar and the results are those of python-jmespath 1.0.1 (the
 * library the AWS CLI uses): iamctl_query.c parses, iamctl_query_eval.c
 * evaluates (with the built-in functions), iamctl_output.c prints.
 * A query is user input: its length and nesting are bounded. */
#pragma once
#include <jansson.h>
#include <stdio.h>

#define IAMCTL_QUERY_MAX_LEN 65536   /* bytes of an expression */
#define IAMCTL_QUERY_MAX_DEPTH 128   /* nesting of sub-expressions */

struct iamctl_query;

/* Parses `expr`. 0, or -EINVAL with *ret_err (caller frees) the message
 * the AWS CLI prints after "Bad value for --query EXPR: ", or -ENOMEM. */
int iamctl_query_compile(const char *expr, struct iamctl_query **ret,
			 char **ret_err);
/* Runs q on doc: *ret is a new reference (json null when nothing matched).
 * A run-time error (unknown function, wrong type or arity): -EINVAL with
 * *ret_err the message the AWS CLI prints; -ENOMEM. */
int iamctl_query_search(const struct iamctl_query *q, json_t *doc,
			json_t **ret, char **ret_err);
void iamctl_query_free(struct iamctl_query *q);

/* Python's json.dumps(v, indent=indent, ensure_ascii=False) (indent < 0:
 * separators (',', ':') on one line), and a newline if indent >= 0. */
void iamctl_output_json(const json_t *v, int indent, FILE *out);
/* The AWS CLI's text output (awscli/text.py format_text). */
void iamctl_output_text(const json_t *v, FILE *out);
/* The AWS CLI's str() of a scalar: True, False, None, Python's float repr. */
void iamctl_output_scalar(const json_t *v, FILE *out);
