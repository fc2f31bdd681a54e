/* iamctl pages: the AWS CLI's pagination of list calls (botocore's
 * PageIterator.build_full_result): follow Marker while IsTruncated, merge
 * the response's top-level lists, keep its other members from the first
 * page, stop at --max-items and hand out a NextToken that --starting-token
 * takes back (base64 of {"Marker": ..., "boto_truncate_amount": n}). */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iamctl.h"

/* botocore's token text exactly (json.dumps of {"Marker": ...,
 * "boto_truncate_amount": n}, Marker null on the first page), so the
 * NextToken printed is the AWS CLI's. */
static char *token_encode(const char *marker, long long skip)
{
	json_t *m = marker ? json_string(marker) : json_null();
	char *mtext = m ? json_dumps(m, JSON_ENCODE_ANY | JSON_ENSURE_ASCII) : NULL;
	char *text = NULL, *b64 = NULL;
	int n;

	json_decref(m);
	if (!mtext)
		return NULL;
	n = skip > 0 ? asprintf(&text, "{\"Marker\": %s, \"boto_truncate_amount\": %lld}",
				 mtext, skip)
		     : asprintf(&text, "{\"Marker\": %s}", mtext);
	free(mtext);
	if (n < 0)
		return NULL;
	if (pbjson_base64_encode((const uint8_t *)text, strlen(text), &b64) < 0)
		b64 = NULL;
	free(text);
	return b64;
}

static int token_decode(const char *token, char **ret_marker, long long *ret_skip)
{
	uint8_t *raw = NULL;
	size_t n = 0;
	json_t *j, *m, *k;
	int r = -EINVAL;

	if (pbjson_base64_decode(token, &raw, &n) < 0)
		return -EINVAL;
	j = json_loadb((const char *)raw, n, 0, NULL);
	free(raw);
	if (!json_is_object(j))
		goto out;
	m = json_object_get(j, "Marker");
	k = json_object_get(j, "boto_truncate_amount");
	if (json_is_null(m))
		m = NULL;   /* botocore's first page */
	if ((m && !json_is_string(m)) || (k && (!json_is_integer(k) ||
						json_integer_value(k) < 0)))
		goto out;
	*ret_marker = m ? strdup(json_string_value(m)) : NULL;
	if (m && !*ret_marker) {
		r = -ENOMEM;
		goto out;
	}
	*ret_skip = k ? json_integer_value(k) : 0;
	r = 0;
out:
	json_decref(j);
	return r;
}

/* Appends page[key][start, start + n) to full[key]. */
static void take_slice(json_t *full, json_t *page, const char *key,
		       size_t start, size_t n)
{
	json_t *src = json_object_get(page, key), *dst = json_object_get(full, key);

	if (!json_is_array(src) || !json_is_array(dst))
		return;
	for (size_t i = start; i < start + n && i < json_array_size(src); i++)
		json_array_append(dst, json_array_get(src, i));
}

int iamctl_paginate(iam_client *c, const struct iamctl_cmd *cmd,
		    const struct iamctl_opts *o, json_t **ret)
{
	const ProtobufCMessageDescriptor *rs = cmd->resp_f->descriptor;
	char keys[16][PBJSON_NAME_MAX];
	size_t nkeys = 0;
	json_t *params = json_deep_copy(o->params), *full = json_object();
	json_t *first = NULL, *page = NULL;
	char *marker = NULL, *next_token = NULL;
	long long skip = 0, total = 0;
	int r = 0;

	if (!params || !full) {
		r = IAMCTL_EXIT_CONNECT;
		goto out;
	}
	for (unsigned i = 0; i < rs->n_fields && nkeys < 16; i++)
		if (rs->fields[i].label == PROTOBUF_C_LABEL_REPEATED &&
		    pbjson_field_aws_name(&rs->fields[i], keys[nkeys],
					  PBJSON_NAME_MAX) == 0)
			json_object_set_new(full, keys[nkeys++], json_array());
	if (o->starting_token &&
	    token_decode(o->starting_token, &marker, &skip) < 0) {
		r = iamctl_usage_error("argument --starting-token: Bad starting "
				       "token: %s", o->starting_token);
		goto out;
	}
	if (o->page_size > 0)
		json_object_set_new(params, "MaxItems", json_integer(o->page_size));
	for (;;) {
		json_t *more_j, *next_j;
		size_t len, take;
		const char *next;
		bool more;

		if (marker)
			json_object_set_new(params, "Marker", json_string(marker));
		else
			json_object_del(params, "Marker");
		r = iamctl_call(c, cmd, params, o, &page);
		if (r != 0)
			goto out;
		if (!first)
			first = json_incref(page);
		len = nkeys ? json_array_size(json_object_get(page, keys[0])) : 0;
		if ((size_t)skip > len)
			skip = (long long)len;
		take = len - (size_t)skip;
		if (o->max_items > 0 && total + (long long)take > o->max_items)
			take = (size_t)(o->max_items - total);
		/* As botocore: --max-items counts and cuts the primary (first)
		 * list only; the secondary lists of a page come whole, and not
		 * again when a --starting-token resumes inside that page. */
		if (o->text_pages) {   /* this page's lists, as botocore cuts them */
			json_t *part = json_object();
			for (size_t k = 0; part && k < nkeys; k++) {
				json_object_set_new(part, keys[k], json_array());
				if (k == 0)
					take_slice(part, page, keys[0], (size_t)skip, take);
				else if (skip == 0)
					take_slice(part, page, keys[k], 0, SIZE_MAX);
			}
			if (!part || json_array_append_new(o->text_pages, part) < 0) {
				r = IAMCTL_EXIT_CONNECT;
				goto out;
			}
		}
		if (nkeys)
			take_slice(full, page, keys[0], (size_t)skip, take);
		for (size_t k = 1; k < nkeys && skip == 0; k++)
			take_slice(full, page, keys[k], 0, SIZE_MAX);
		total += (long long)take;
		more_j = json_object_get(page, "IsTruncated");
		next_j = json_object_get(page, "Marker");
		next = json_is_string(next_j) ? json_string_value(next_j) : NULL;
		more = json_is_true(more_j) && next && *next;
		if ((size_t)skip + take < len) {          /* stopped inside a page */
			next_token = token_encode(marker, skip + (long long)take);
			break;
		}
		if (!more)
			break;
		if (o->max_items > 0 && total >= o->max_items) {
			next_token = token_encode(next, 0);
			break;
		}
		if (marker && strcmp(marker, next) == 0) {
			fprintf(stderr, "\niamctl: the %s operation returned the same "
				"marker twice; stopping\n", cmd->action);
			r = IAMCTL_EXIT_SERVICE;
			goto out;
		}
		free(marker);
		marker = strdup(next);
		skip = 0;
		json_decref(page);
		page = NULL;
		if (!marker) {
			r = IAMCTL_EXIT_CONNECT;
			goto out;
		}
	}
	/* the members that are not lists nor pagination, from the first page */
	for (unsigned i = 0; first && i < rs->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &rs->fields[i];
		char name[PBJSON_NAME_MAX];
		json_t *v;
		if (f->label == PROTOBUF_C_LABEL_REPEATED ||
		    strcmp(f->name, "is_truncated") == 0 || strcmp(f->name, "marker") == 0 ||
		    pbjson_field_aws_name(f, name, sizeof(name)) < 0)
			continue;
		if ((v = json_object_get(first, name)))
			json_object_set(full, name, v);
	}
	if (next_token)
		json_object_set_new(full, "NextToken", json_string(next_token));
	*ret = full;
	full = NULL;
	r = 0;
out:
	json_decref(params);
	json_decref(full);
	json_decref(first);
	json_decref(page);
	free(marker);
	free(next_token);
	return r;
}
