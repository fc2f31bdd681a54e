/* jmespath_run: iamctl's JMESPath engine (client/iamctl_query.h) as a
 * filter for the differential test (jmespath_diff.py): each input line
 * {"e": EXPRESSION, "d": DOCUMENT} gives one output line, {"ok": RESULT}
 * (RESULT as Python's json.dumps prints it) or {"err": MESSAGE}. With
 * --text, {"t": "..."}: the AWS CLI's text output of RESULT. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iamctl_query.h"

static void print_err(const char *what, const char *msg)
{
	json_t *j = json_pack("{ss}", what, msg ? msg : "?");
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	puts(s ? s : "{\"err\":\"oom\"}");
	free(s);
	json_decref(j);
}

int main(int argc, char **argv)
{
	bool text = argc > 1 && strcmp(argv[1], "--text") == 0;
	char *line = NULL;
	size_t cap = 0;

	while (getline(&line, &cap, stdin) > 0) {
		json_t *in = json_loads(line, 0, NULL), *r = NULL;
		struct iamctl_query *q = NULL;
		char *err = NULL;
		const char *e = json_string_value(json_object_get(in, "e"));

		if (!e) {
			print_err("err", "bad input line");
		} else if (iamctl_query_compile(e, &q, &err) < 0) {
			print_err("err", err);
		} else if (iamctl_query_search(q, json_object_get(in, "d"), &r, &err) < 0) {
			print_err("err", err);
		} else if (text) {
			char *buf = NULL;
			size_t n = 0;
			FILE *f = open_memstream(&buf, &n);
			if (f) {
				iamctl_output_text(r, f);
				fclose(f);
			}
			print_err("t", buf);
			free(buf);
		} else {
			fputs("{\"ok\":", stdout);
			iamctl_output_json(r, -1, stdout);
			puts("}");
		}
		fflush(stdout);
		free(err);
		json_decref(r);
		iamctl_query_free(q);
		json_decref(in);
	}
	free(line);
	return 0;
}
