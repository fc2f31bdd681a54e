/* libiam calls: an action by its AWS name, with JSON (pbjson) or with
 * protobuf-c messages. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libiam_internal.h"
#include "pbjson/pbjson.h"

static int find_action(const char *action, const ProtobufCFieldDescriptor **req_f,
		       const ProtobufCFieldDescriptor **resp_f, iam_error **reterr)
{
	char msg[256];

	if (action && pbjson_action_find(action, req_f, resp_f) == 0)
		return 0;
	if (reterr) {
		snprintf(msg, sizeof(msg), "The action %.100s is not valid for "
			 "this endpoint.", action ? action : "(null)");
		if (libiam_error_new("InvalidAction", msg, NULL, 400, true, reterr) < 0)
			return -ENOMEM;
	}
	return -EOPNOTSUPP;
}

IAM_EXPORT int iam_call(iam_client *c, const char *action,
			const struct ProtobufCMessage *request,
			struct ProtobufCMessage **ret_response, iam_error **reterr)
{
	const ProtobufCFieldDescriptor *req_f, *resp_f;
	const ProtobufCMessageDescriptor *want;
	int r;

	if (!c || !request || !ret_response)
		return -EINVAL;
	r = find_action(action, &req_f, &resp_f, reterr);
	if (r < 0)
		return r;
	/* The caller's descriptor is its own copy: compare by full name. */
	want = req_f->descriptor;
	if (!request->descriptor || strcmp(request->descriptor->name, want->name) != 0)
		return -EINVAL;
	return libiam_call(c, req_f, resp_f, request, ret_response, reterr);
}

IAM_EXPORT void iam_message_free(struct ProtobufCMessage *m)
{
	if (m)
		protobuf_c_message_free_unpacked(m, NULL);
}

IAM_EXPORT int iam_call_json(iam_client *c, const char *action,
			     const char *params_json, char **ret_json,
			     iam_error **reterr)
{
	const ProtobufCFieldDescriptor *req_f, *resp_f;
	ProtobufCMessage *req = NULL, *resp = NULL;
	char *err = NULL, *out = NULL;
	int r;

	if (!c || !ret_json)
		return -EINVAL;
	r = find_action(action, &req_f, &resp_f, reterr);
	if (r < 0)
		return r;
	r = pbjson_from_string(req_f->descriptor,
			       params_json && *params_json ? params_json : "{}",
			       NULL, &req, &err);
	if (r < 0) {
		if (r == -EINVAL && reterr &&
		    libiam_error_new("ParamValidation", err ? err : "invalid parameters",
				     NULL, 0, true, reterr) < 0)
			r = -ENOMEM;
		goto out;
	}
	r = libiam_call(c, req_f, resp_f, req, &resp, reterr);
	if (r < 0)
		goto out;
	r = pbjson_to_string(resp, PBJSON_TOP_LISTS, &out);
	if (r < 0)
		goto out;
	*ret_json = out;
	r = 0;
out:
	free(err);
	if (req)
		protobuf_c_message_free_unpacked(req, NULL);
	if (resp)
		protobuf_c_message_free_unpacked(resp, NULL);
	return r;
}
