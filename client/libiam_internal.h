/* libiam_internal: what the files of libiam share (not installed). */
#pragma once
#include <protobuf-c/protobuf-c.h>
#include <stdint.h>

#include "iam.h"

struct iam_client {
	int fd;                  /* -1 when not connected */
	char *path;
	uint64_t next_id;        /* Request.id of the next call */
	int timeout_ms;          /* <= 0: no deadline */
	char *account_id;        /* from HelloResponse */
	char *server;
};

struct iam_error {
	char *code;
	char *message;
	char *request_id;
	unsigned http_status;
	bool sender_fault;
};

/* A new error; NULL strings become "". */
int libiam_error_new(const char *code, const char *message,
		     const char *request_id, unsigned http_status,
		     bool sender_fault, iam_error **ret);

/* One call: `req` goes into Request.op as field `req_f`; the answer's
 * `resp_f` member (a new message of its type, or an empty one when the
 * daemon sent none) is detached into *ret_resp (free with
 * protobuf_c_message_free_unpacked(m, NULL)). Errors as iam_call(). */
int libiam_call(iam_client *c, const ProtobufCFieldDescriptor *req_f,
		const ProtobufCFieldDescriptor *resp_f, const ProtobufCMessage *req,
		ProtobufCMessage **ret_resp, iam_error **reterr);
