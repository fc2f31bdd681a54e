/* iamctl table: --output table, byte for byte as the AWS CLI v2 prints it
 * (awscli/formatter.py TableFormatter over awscli/table.py MultiTable):
 * the operation's name as the first title, a section per nested structure
 * or list, columns scaled to the widest section, sections of one row
 * turned vertical when the table is wider than the terminal, widths in
 * terminal columns (East Asian W, F and A characters count two), and
 * colorama's escapes when colour is on. */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Columns the AWS CLI counts for code point c: 2 when its East Asian Width
 * is W, F or A, else 1 (iamctl_eaw.c, generated). */
int iamctl_table_char_width(uint32_t c);

/* The width the AWS CLI takes for stdout: the terminal's columns when
 * stdout is a terminal, else 80. */
int iamctl_table_terminal_width(void);

/* Prints v (the answer, queried) as `aws --output table` does for the
 * operation `title` ("GetUser"). width: the terminal's (see above); color:
 * --color on (or auto on a terminal). Nothing is printed for a false value
 * (null, false, 0, "", [], {}). Returns 0; -EINVAL when the AWS CLI's
 * formatter raises (a row of another width, ...): nothing is printed and
 * *ret_err (caller frees) is the exception's text, which the AWS CLI
 * prints with exit status 255; -ENOMEM. */
int iamctl_output_table(const json_t *v, const char *title, int width,
			bool color, FILE *out, char **ret_err);
