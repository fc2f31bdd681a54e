/* iamctl table: --output table (iamctl_table.h). The build follows
 * awscli/formatter.py TableFormatter._build_table step by step (same
 * sections, same rows, same Python exceptions for shapes it cannot lay
 * out), the rendering awscli/table.py MultiTable.render (same write calls,
 * since colorama appends a reset after each one when colour is on). */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "iamctl_query.h"
#include "iamctl_table.h"

#define RESET "\033[0m"

struct row {
	char **cells;
	size_t n;
};

struct section {
	char *title;          /* NULL: Python's None (4 wide, not printed) */
	char **headers;
	size_t nheaders;
	struct row *rows;
	size_t nrows;
	long *maxw;           /* Section._max_widths */
	size_t nmaxw;
	long ncols;           /* Section._num_cols; -1: None */
	int indent;
};

struct table {
	struct section **s;
	size_t n;
	struct section *cur;
	char *err;            /* the first exception; building stops */
	bool oom;
};

/* --- text widths ------------------------------------------------------ */

static long text_len(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	long n = 0;

	if (!s)
		return 4;   /* str(None) */
	while (*p) {
		uint32_t c = *p;
		int len = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
		if (len > 1)
			c &= 0x3fu >> (len - 1);
		for (int k = 1; k < len && p[k]; k++)
			c = (c << 6) | (p[k] & 0x3f);
		for (int k = 0; k < len && *p; k++)
			p++;
		n += iamctl_table_char_width(c);
	}
	return n;
}

int iamctl_table_terminal_width(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0)
		return 80;
	return ws.ws_col;
}

/* --- building ----------------------------------------------------------- */

static void fail(struct table *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void fail(struct table *t, const char *fmt, ...)
{
	va_list ap;

	if (t->err || t->oom)
		return;
	va_start(ap, fmt);
	if (vasprintf(&t->err, fmt, ap) < 0) {
		t->err = NULL;
		t->oom = true;
	}
	va_end(ap);
}

static bool failed(const struct table *t)
{
	return t->err || t->oom;
}

static char *dup_or_oom(struct table *t, const char *s)
{
	char *d = s ? strdup(s) : NULL;
	if (s && !d)
		t->oom = true;
	return d;
}

/* str() of a scalar, as Section._format_row */
static char *cell_str(struct table *t, const json_t *v)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	if (!f) {
		t->oom = true;
		return NULL;
	}
	iamctl_output_scalar(v, f);
	if (fclose(f) != 0) {
		free(buf);
		t->oom = true;
		return NULL;
	}
	return buf;
}

static void section_free(struct section *s)
{
	if (!s)
		return;
	free(s->title);
	for (size_t i = 0; i < s->nheaders; i++)
		free(s->headers[i]);
	free(s->headers);
	for (size_t i = 0; i < s->nrows; i++) {
		for (size_t k = 0; k < s->rows[i].n; k++)
			free(s->rows[i].cells[k]);
		free(s->rows[i].cells);
	}
	free(s->rows);
	free(s->maxw);
	free(s);
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static struct section *new_section(struct table *t, const char *title, int indent)
{
	struct section *s = calloc(1, sizeof(*s)), **ns;

	if (!s || !(ns = realloc(t->s, (t->n + 1) * sizeof(*ns)))) {
		free(s);
		t->oom = true;
		return NULL;
	}
	t->s = ns;
	s->ncols = -1;
	s->indent = indent;
	s->title = dup_or_oom(t, title);
	t->s[t->n++] = s;
	t->cur = s;
	return s;
}

/* Section._update_max_widths */
static void update_max_widths(struct table *t, struct section *s, char **v, size_t n)
{
	if (s->nmaxw == 0) {
		long *w = calloc(n ? n : 1, sizeof(*w));
		if (!w) {
			t->oom = true;
			return;
		}
		for (size_t i = 0; i < n; i++)
			w[i] = text_len(v[i]);
		free(s->maxw);
		s->maxw = w;
		s->nmaxw = n;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (i >= s->nmaxw) {
			fail(t, "list index out of range");
			return;
		}
		long l = text_len(v[i]);
		if (l > s->maxw[i])
			s->maxw[i] = l;
	}
}

/* Section.add_header: takes v (n strings) */
static void add_header(struct table *t, char **v, size_t n)
{
	struct section *s = t->cur;

	if (failed(t)) {
		strv_free(v, n);
		return;
	}
	update_max_widths(t, s, v, n);
	if (failed(t)) {
		strv_free(v, n);
		return;
	}
	if (s->ncols < 0)
		s->ncols = (long)n;
	strv_free(s->headers, s->nheaders);
	s->headers = v;
	s->nheaders = n;
}

/* Section.add_row: takes v (n strings) */
static void add_row(struct table *t, char **v, size_t n)
{
	struct section *s = t->cur;
	struct row *nr;

	if (failed(t)) {
		strv_free(v, n);
		return;
	}
	if (s->ncols < 0)
		s->ncols = (long)n;
	if ((long)n != s->ncols) {
		fail(t, "Row should have %ld elements, instead it has %zu", s->ncols, n);
		strv_free(v, n);
		return;
	}
	nr = realloc(s->rows, (s->nrows + 1) * sizeof(*nr));
	if (!nr) {
		t->oom = true;
		strv_free(v, n);
		return;
	}
	s->rows = nr;
	s->rows[s->nrows].cells = v;
	s->rows[s->nrows++].n = n;
	update_max_widths(t, s, v, n);
}

static char **strv_new(struct table *t, size_t n)
{
	char **v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		t->oom = true;
	return v;
}

static bool is_scalar(const json_t *v)
{
	return !json_is_object(v) && !json_is_array(v);
}

static bool truthy(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return json_object_size(v) > 0;
	case JSON_ARRAY: return json_array_size(v) > 0;
	case JSON_STRING: return json_string_length(v) > 0;
	case JSON_INTEGER: return json_integer_value(v) != 0;
	case JSON_REAL: return json_real_value(v) != 0.0;
	case JSON_TRUE: return true;
	default: return false;
	}
}

static const char *py_type(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "dict";
	case JSON_ARRAY: return "list";
	case JSON_STRING: return "str";
	case JSON_INTEGER: return "int";
	case JSON_REAL: return "float";
	case JSON_TRUE: case JSON_FALSE: return "bool";
	default: return "NoneType";
	}
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void sort_strv(char **v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), str_cmp);
}

/* `for element in current: current[element]` on a list: ints (and bools)
 * index it, anything else raises. When every element indexes the list,
 * the error comes later (element.get()); mixed int and str headers would
 * raise in sorted(), which is not modelled. */
static void list_as_dict(struct table *t, const json_t *l)
{
	long long n = (long long)json_array_size(l);
	size_t i;
	json_t *e;

	json_array_foreach(l, i, e) {
		long long k;
		if (json_is_integer(e))
			k = json_integer_value(e);
		else if (json_is_boolean(e))
			k = json_is_true(e);
		else {
			fail(t, "list indices must be integers or slices, not %s", py_type(e));
			return;
		}
		if (k < -n || k >= n) {
			fail(t, "list index out of range");
			return;
		}
	}
}

/* _group_scalar_keys over one dict (or the union over a list of dicts),
 * sorted; adds to the sets hv/mv (n entries each). */
static void group_keys(struct table *t, const json_t *o, char ***hv, size_t *hn,
		       char ***mv, size_t *mn)
{
	const char *k;
	json_t *v;

	if (!json_is_object(o)) {   /* what Python does with a non-dict */
		if (json_is_string(o) && json_string_length(o) > 0)
			fail(t, "string indices must be integers, not 'str'");
		else if (json_is_array(o))
			list_as_dict(t, o);
		else if (!json_is_string(o) && !json_is_array(o))
			fail(t, "'%s' object is not iterable", py_type(o));
		return;
	}
	json_object_foreach((json_t *)o, k, v) {
		char ***set = is_scalar(v) ? hv : mv;
		size_t *n = is_scalar(v) ? hn : mn, i;
		for (i = 0; i < *n && strcmp((*set)[i], k) != 0; i++)
			;
		if (i < *n)
			continue;
		char **nv = realloc(*set, (*n + 1) * sizeof(**set));
		if (!nv) {
			t->oom = true;
			return;
		}
		*set = nv;
		if (!((*set)[(*n)] = strdup(k))) {
			t->oom = true;
			return;
		}
		(*n)++;
	}
}

static bool build(struct table *t, const char *title, const json_t *cur, int indent);

static void sub_from_dict(struct table *t, const json_t *cur, int indent)
{
	char **hv = NULL, **mv = NULL;
	size_t hn = 0, mn = 0;

	group_keys(t, cur, &hv, &hn, &mv, &mn);
	if (failed(t))
		goto out;
	sort_strv(hv, hn);
	sort_strv(mv, mn);
	if (hn == 1) {
		char **row = strv_new(t, 2);
		if (row) {
			row[0] = dup_or_oom(t, hv[0]);
			row[1] = cell_str(t, json_object_get(cur, hv[0]));
			add_row(t, row, 2);
		}
	} else if (hn > 1) {
		char **h = strv_new(t, hn), **row = strv_new(t, hn);
		for (size_t i = 0; h && row && i < hn; i++) {
			h[i] = dup_or_oom(t, hv[i]);
			row[i] = cell_str(t, json_object_get(cur, hv[i]));
		}
		if (h && row) {
			add_header(t, h, hn);
			add_row(t, row, hn);
		} else {
			free(h);
			free(row);
		}
	}
	for (size_t i = 0; i < mn && !failed(t); i++)
		build(t, mv[i], json_object_get(cur, mv[i]), indent + 1);
out:
	strv_free(hv, hn);
	strv_free(mv, mn);
}

static char **header_copy(struct table *t, char **hv, size_t hn)
{
	char **h = strv_new(t, hn);
	for (size_t i = 0; h && i < hn; i++)
		h[i] = dup_or_oom(t, hv[i]);
	return h;
}

static void sub_from_list(struct table *t, const json_t *cur, int indent,
			  const char *title)
{
	char **hv = NULL, **mv = NULL;
	size_t hn = 0, mn = 0, i;
	json_t *e;

	json_array_foreach(cur, i, e) {
		group_keys(t, e, &hv, &hn, &mv, &mn);
		if (failed(t))
			goto out;
	}
	sort_strv(hv, hn);
	sort_strv(mv, mn);
	add_header(t, header_copy(t, hv, hn), hn);
	json_array_foreach(cur, i, e) {
		if (failed(t))
			break;
		if (i > 0 && mn > 0) {
			if (!new_section(t, title, indent))
				break;
			add_header(t, header_copy(t, hv, hn), hn);
		}
		if (!json_is_object(e)) {   /* an empty list or string */
			if (hn > 0)
				fail(t, "'%s' object has no attribute 'get'", py_type(e));
			else
				add_row(t, strv_new(t, 0), 0);
			continue;   /* `remaining in element` is false */
		}
		char **row = strv_new(t, hn);
		for (size_t k = 0; row && k < hn; k++) {
			json_t *v = json_object_get(e, hv[k]);
			row[k] = v ? cell_str(t, v) : dup_or_oom(t, "");
		}
		if (row)
			add_row(t, row, hn);
		for (size_t k = 0; k < mn && !failed(t); k++) {
			json_t *v = json_object_get(e, mv[k]);
			if (v)
				build(t, mv[k], v, indent + 1);
		}
	}
out:
	strv_free(hv, hn);
	strv_free(mv, mn);
}

/* One item of a list whose first item is not a dict. */
static void list_item(struct table *t, const json_t *item)
{
	size_t i, n = 0;
	json_t *e;
	bool all_scalar = true;
	char **row;

	if (is_scalar(item)) {
		row = strv_new(t, 1);
		if (row) {
			row[0] = cell_str(t, item);
			add_row(t, row, 1);
		}
		return;
	}
	if (json_is_array(item))
		json_array_foreach(item, i, e)
			all_scalar &= is_scalar(e);
	if (!all_scalar) {
		build(t, NULL, item, 0);
		return;
	}
	/* all(scalar for el in item): a dict gives its keys */
	n = json_is_array(item) ? json_array_size(item) : json_object_size(item);
	row = strv_new(t, n);
	if (!row)
		return;
	if (json_is_array(item)) {
		json_array_foreach(item, i, e)
			row[i] = cell_str(t, e);
	} else {
		const char *k;
		i = 0;
		json_object_foreach((json_t *)item, k, e)
			row[i++] = dup_or_oom(t, k);
	}
	add_row(t, row, n);
}

/* TableFormatter._build_table; title NULL: None (no new section). */
static bool build(struct table *t, const char *title, const json_t *cur, int indent)
{
	size_t i;
	json_t *e;

	if (failed(t) || !truthy(cur))
		return false;
	if (title && !new_section(t, title, indent))
		return false;
	if (json_is_array(cur)) {
		if (json_is_object(json_array_get(cur, 0)))
			sub_from_list(t, cur, indent, title);
		else
			json_array_foreach(cur, i, e) {
				if (failed(t))
					break;
				list_item(t, e);
			}
	}
	if (json_is_object(cur))
		sub_from_dict(t, cur, indent);
	return true;
}

/* --- rendering -------------------------------------------------------- */

struct out {
	FILE *f;
	bool color;
	const char *indent_char;
};

/* One write() to the stream; colorama (autoreset) then writes a reset. */
static void w(struct out *o, const char *s, size_t n)
{
	fwrite(s, 1, n, o->f);
	if (o->color)
		fputs(RESET, o->f);
}

static void ws(struct out *o, const char *s)
{
	w(o, s, strlen(s));
}

/* A growing line of text. */
struct line {
	char *p;
	size_t n, cap;
	bool oom;
};

static void put(struct line *l, const char *s, size_t n)
{
	if (l->n + n + 1 > l->cap) {
		size_t cap = (l->n + n + 1) * 2;
		char *np = realloc(l->p, cap);
		if (!np) {
			l->oom = true;
			return;
		}
		l->p = np;
		l->cap = cap;
	}
	memcpy(l->p + l->n, s, n);
	l->n += n;
	l->p[l->n] = '\0';
}

static void puts_l(struct line *l, const char *s)
{
	put(l, s, strlen(s));
}

static void repeat(struct line *l, char c, long n)
{
	for (long i = 0; i < n; i++)
		put(l, &c, 1);
}

/* IndentedStream.write(text + "\n"): four writes. */
static void indented(struct out *o, int indent, struct line *l)
{
	struct line ind = { 0 };

	for (int i = 0; i < indent; i++)
		puts_l(&ind, o->indent_char);
	w(o, ind.p ? ind.p : "", ind.n);
	w(o, l->p ? l->p : "", l->n);
	w(o, ind.p ? ind.p : "", ind.n);
	w(o, "\n", 1);
	free(ind.p);
	l->n = 0;
	if (l->p)
		l->p[0] = '\0';
}

/* table.center_text */
static void center_text(struct line *l, const char *text, long length,
			const char *left, const char *right, long tl)
{
	long start = length / 2 - tl / 2 - 1;
	long so_far = (long)strlen(left) + start + tl;

	puts_l(l, left);
	repeat(l, ' ', start);
	puts_l(l, text);
	repeat(l, ' ', length - (long)strlen(right) - so_far);
	puts_l(l, right);
}

/* table.align_left */
static void align_left(struct line *l, const char *text, long length,
		       const char *left, const char *right, long tl)
{
	long computed = tl + 2 + (long)strlen(left) + (long)strlen(right);
	long padding = length - computed >= 0 ? 2 : 0;

	puts_l(l, left);
	repeat(l, ' ', padding);
	puts_l(l, text);
	repeat(l, ' ', length - ((long)strlen(left) + padding + tl) - (long)strlen(right));
	puts_l(l, right);
}

/* Section.calculate_column_widths(padding=4, max_width): sums to max_width */
static long *column_widths(const struct section *s, long max_width)
{
	long *sc = calloc(s->nmaxw ? s->nmaxw : 1, sizeof(*sc)), sum = 0, off;

	if (!sc || s->nmaxw == 0)
		return sc;
	for (size_t i = 0; i < s->nmaxw; i++)
		sum += s->maxw[i] + 4;
	double scale = (double)max_width / (double)sum;
	off = -max_width;
	for (size_t i = 0; i < s->nmaxw; i++) {
		sc[i] = (long)nearbyint(scale * (double)(s->maxw[i] + 4));  /* round(): half to even */
		off += sc[i];
	}
	while (off != 0) {
		for (size_t k = 0; k < s->nmaxw; k++) {
			size_t i = off < 0 ? s->nmaxw - 1 - k : k;
			if (off > 0) {
				sc[i]--;
				off--;
			} else {
				sc[i]++;
				off++;
			}
			if (off == 0)
				break;
		}
	}
	return sc;
}

/* Section.total_width(padding=4, with_border=True, outer_padding=indent) */
static long total_width(const struct section *s)
{
	long total = 2 + 2L * s->indent, t;

	for (size_t i = 0; i < s->nmaxw; i++)
		total += s->maxw[i] + 4;
	t = text_len(s->title) + 2 + 2L * s->indent;
	return t > total ? t : total;
}

static long max_width(const struct table *t)
{
	long m = 0;
	for (size_t i = 0; i < t->n; i++)
		if (total_width(t->s[i]) > m)
			m = total_width(t->s[i]);
	return m;
}

/* table.convert_to_vertical_table */
static void to_vertical(struct table *t)
{
	for (size_t i = 0; i < t->n && !failed(t); i++) {
		struct section *old = t->s[i], *s;
		size_t n;
		if (old->nrows != 1 || old->nheaders == 0)
			continue;
		s = calloc(1, sizeof(*s));
		if (!s) {
			t->oom = true;
			return;
		}
		s->ncols = -1;
		s->indent = old->indent;
		s->title = dup_or_oom(t, old->title);
		t->s[i] = s;
		t->cur = s;
		n = old->nheaders < old->rows[0].n ? old->nheaders : old->rows[0].n;
		for (size_t k = 0; k < n; k++) {
			char **row = strv_new(t, 2);
			if (!row)
				break;
			row[0] = dup_or_oom(t, old->headers[k]);
			row[1] = dup_or_oom(t, old->rows[0].cells[k]);
			add_row(t, row, 2);
		}
		section_free(old);
	}
}

static void line_break(struct out *o, int indent, const long *widths, size_t n,
		       struct line *l)
{
	for (size_t i = 0; i < n; i++) {
		if (i == 0) {
			puts_l(l, "+");
			repeat(l, '-', widths[i] - 2);
		} else {
			repeat(l, '-', widths[i] - 1);
		}
		puts_l(l, "+");
	}
	indented(o, indent, l);
}

static void render_section(struct out *o, const struct section *s, long mw,
			   struct line *l)
{
	long *widths = NULL;
	size_t n;

	mw -= 2L * s->indent;
	if (s->title && *s->title) {
		center_text(l, s->title, mw, "|", "|", text_len(s->title));
		indented(o, s->indent, l);
		if (s->nheaders == 0 && s->nrows == 0) {
			puts_l(l, "+");
			repeat(l, '-', mw - 2);
			puts_l(l, "+");
			indented(o, s->indent, l);
		}
	}
	if (s->nheaders == 0 && s->nrows == 0)
		return;
	widths = column_widths(s, mw);
	if (!widths) {
		l->oom = true;
		return;
	}
	if (s->nheaders > 0) {
		n = s->nheaders < s->nmaxw ? s->nheaders : s->nmaxw;
		line_break(o, s->indent, widths, s->nmaxw, l);
		for (size_t i = 0; i < n; i++)
			center_text(l, s->headers[i], widths[i], i == 0 ? "|" : "",
				    "|", text_len(s->headers[i]));
		indented(o, s->indent, l);
	}
	if (s->nrows > 0 && s->nmaxw > 0) {
		line_break(o, s->indent, widths, s->nmaxw, l);
		for (size_t r = 0; r < s->nrows; r++) {
			const struct row *row = &s->rows[r];
			n = row->n < s->nmaxw ? row->n : s->nmaxw;
			for (size_t i = 0; i < n; i++) {
				struct line cell = { 0 };
				if (o->color)
					puts_l(&cell, "\033[1m\033[34m");
				puts_l(&cell, row->cells[i]);
				if (o->color)
					puts_l(&cell, RESET);
				l->oom |= cell.oom;
				align_left(l, cell.p ? cell.p : "", widths[i],
					   i == 0 ? "|" : "", "|", text_len(row->cells[i]));
				free(cell.p);
			}
			indented(o, s->indent, l);
		}
		line_break(o, s->indent, widths, s->nmaxw, l);
	}
	free(widths);
}

int iamctl_output_table(const json_t *v, const char *title, int width,
			bool color, FILE *out, char **ret_err)
{
	struct table t = { 0 };
	struct out o = { .f = out, .color = color,
			 .indent_char = color ? "\033[2m\033[33m|" RESET : "|" };
	struct line l = { 0 };
	long mw;
	int r = 0;

	if (!build(&t, title, v, 0))
		goto out;
	if (failed(&t))
		goto out;
	mw = max_width(&t);
	if (mw > width) {
		to_vertical(&t);
		mw = max_width(&t);
	}
	if (failed(&t))
		goto out;
	repeat(&l, '-', mw);
	put(&l, "\n", 1);
	if (!l.oom)
		ws(&o, l.p);
	l.n = 0;
	for (size_t i = 0; i < t.n && !l.oom; i++)
		render_section(&o, t.s[i], mw, &l);
	if (l.oom)
		t.oom = true;
out:
	if (t.oom) {
		r = -ENOMEM;
	} else if (t.err) {
		*ret_err = t.err;
		t.err = NULL;
		r = -EINVAL;
	}
	for (size_t i = 0; i < t.n; i++)
		section_free(t.s[i]);
	free(t.s);
	free(t.err);
	free(l.p);
	return r;
}
