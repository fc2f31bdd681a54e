/* table_run: iamctl's --output table (client/iamctl_table.h) as a filter
 * for the differential test (table_diff.py): each input line
 * {"t": TITLE, "d": DOCUMENT, "w": WIDTH, "c": COLOR} gives one output
 * line, {"out": TEXT} or {"err": MESSAGE}. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iamctl_table.h"

static void print_one(const char *what, const char *msg)
{
	json_t *j = json_pack("{ss}", what, msg ? msg : "");
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	puts(s ? s : "{\"err\":\"oom\"}");
	free(s);
	json_decref(j);
}

int main(void)
{
	char *line = NULL;
	size_t cap = 0;

	while (getline(&line, &cap, stdin) > 0) {
		json_t *in = json_loads(line, JSON_DECODE_ANY, NULL);
		const char *title = json_string_value(json_object_get(in, "t"));
		json_t *w = json_object_get(in, "w");
		char *buf = NULL, *err = NULL;
		size_t n = 0;
		FILE *f = open_memstream(&buf, &n);
		int r = -1;

		if (f && title && json_is_integer(w))
			r = iamctl_output_table(json_object_get(in, "d"), title,
						(int)json_integer_value(w),
						json_is_true(json_object_get(in, "c")), f, &err);
		if (f)
			fclose(f);
		if (r == 0)
			print_one("out", buf);
		else
			print_one("err", err ? err : "bad input line");
		fflush(stdout);
		free(buf);
		free(err);
		json_decref(in);
	}
	free(line);
	return 0;
}
