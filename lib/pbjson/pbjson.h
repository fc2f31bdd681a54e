/* pbjson: protobuf-c messages <-> the AWS JSON shapes, driven only by the
 * message descriptors (the jansson adapter: jansson's types stop at the
 * users of this header). Used by libiam and iamctl (requests in, responses
 * out as the AWS CLI prints them), the HTTP gateway (names, timestamps) and
 * the audit trail (redaction of secret fields).
 *
 * Conventions read from the descriptors (proto/common.proto):
 *  - a field's name is the snake_case of the AWS member name; the mapping is
 *    botocore's xform_name one way and an exception table the other way
 *    (MFA, SAML, SSH, AWS, QR, PNG, UUID, OIDC stay upper case; "id" is "ID"
 *    after "open" and "client": OpenIDConnectProviderArn, ClientIDList);
 *  - an sfixed64 field is a timestamp in Unix seconds;
 *  - a string or bytes field is secret by its name (pbjson_field_is_secret);
 *  - bytes fields are base64 in JSON (AWS "blob" members);
 *  - a repeated message whose type is named "...Entry" with fields key = 1
 *    and value = 2 is an AWS map: a JSON object;
 *  - enum values are written and read by their names in the .proto;
 *  - a string field named *policy_document, or PolicyVersion's document,
 *    holds a policy's JSON text: messages -> JSON embed it as the JSON value
 *    it holds (botocore decodes policy documents), or as the string when it
 *    is not JSON; PBJSON_DOC_TEXT keeps the text (CloudTrail does).
 *
 * Errors are negative errno; -EINVAL for input that does not fit the
 * message, with a message in *reterr (malloc'd, caller frees) naming the
 * member by its AWS path (Tags[1].Key) in botocore's words. */
#pragma once
#include <jansson.h>
#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest name any mapping produces, NUL included. */
#define PBJSON_NAME_MAX 128

/* --- names ---------------------------------------------------------------- */

/* user_name -> UserName, saml_provider_arn -> SAMLProviderArn.
 * -ENAMETOOLONG if it does not fit in `size` bytes. */
int pbjson_name_to_aws(const char *snake, char *buf, size_t size);
/* UserName -> user_name, OpenIDConnectProviderArn ->
 * open_id_connect_provider_arn (botocore's xform_name). -EINVAL for a name
 * that is not [A-Za-z0-9]+, -ENAMETOOLONG. */
int pbjson_name_from_aws(const char *aws, char *buf, size_t size);
/* user_name -> user-name (AWS CLI commands and options) and back. */
int pbjson_name_to_kebab(const char *snake, char *buf, size_t size);
int pbjson_name_from_kebab(const char *kebab, char *buf, size_t size);

/* --- descriptor walking ---------------------------------------------------- */

/* The field's AWS member name (UserName). */
int pbjson_field_aws_name(const ProtobufCFieldDescriptor *f, char *buf,
			  size_t size);
/* An sfixed64 field: Unix seconds shown as ISO 8601. */
bool pbjson_field_is_timestamp(const ProtobufCFieldDescriptor *f);
/* A string or bytes field holding a secret, by name: secret_*, *_secret,
 * *password*, session_token and *_token, *_seed, *private_key*,
 * qr_code_png, saml_assertion. */
bool pbjson_field_is_secret(const ProtobufCFieldDescriptor *f);
/* Whether a message of this type can hold a secret field, at any depth (a
 * walk of the descriptors; callers on a hot path remember the answer). */
bool pbjson_type_has_secret(const ProtobufCMessageDescriptor *d);
/* A string field holding a policy document (see above); d is the message
 * that holds f. */
bool pbjson_field_is_document(const ProtobufCMessageDescriptor *d,
			      const ProtobufCFieldDescriptor *f);
/* A repeated message field that is an AWS map (see above). */
bool pbjson_field_is_map(const ProtobufCFieldDescriptor *f);
/* A repeated field of a nested structure that AWS answers even when empty
 * (InstanceProfile.Roles: an instance profile without a role has
 * "Roles": [], <Roles/>; simulate's MatchedStatements and
 * MissingContextValues; GetAccountAuthorizationDetails' policy lists: the
 * table in pbjson_fields.c); d is the message that holds f. */
bool pbjson_field_is_required_list(const ProtobufCMessageDescriptor *d,
				   const ProtobufCFieldDescriptor *f);
/* How many values `f` holds in `m`: 0 when absent, 1 for a set optional or
 * required field, n for a repeated one. */
size_t pbjson_field_count(const ProtobufCMessage *m,
			  const ProtobufCFieldDescriptor *f);
/* A pointer to the i-th value (i < pbjson_field_count()): to an int32_t,
 * a char *, a ProtobufCBinaryData, a ProtobufCMessage *, ... as the type
 * says. */
const void *pbjson_field_value(const ProtobufCMessage *m,
			       const ProtobufCFieldDescriptor *f, size_t i);
/* The field of `d` whose AWS member name is `aws` (case-sensitive), or NULL. */
const ProtobufCFieldDescriptor *
pbjson_field_by_aws_name(const ProtobufCMessageDescriptor *d, const char *aws);

/* --- actions (proto/api.proto) --------------------------------------------- */

/* The action's field in Request.op and the field with the same number in
 * Response.result. "CreateUser" or "create_user". -ENOENT if unknown. */
int pbjson_action_find(const char *action,
		       const ProtobufCFieldDescriptor **ret_req,
		       const ProtobufCFieldDescriptor **ret_resp);
/* The AWS service of an action: "sts", "iam", or "iamd" for iamd's own
 * actions (op numbers 900-999, proto/iamd.proto). */
const char *pbjson_action_service(const char *action);
/* Every action's Request field, in number order (Hello excluded). */
size_t pbjson_action_count(void);
const ProtobufCFieldDescriptor *pbjson_action_at(size_t i);

/* --- conversion ------------------------------------------------------------ */

enum pbjson_flags {
	PBJSON_TOP_LISTS = 1u << 0,  /* print empty repeated fields of the
				      * top-level message ("Users": []) and
				      * pbjson_field_is_required_list()'s */
	PBJSON_TIME_Z    = 1u << 1,  /* timestamps as ...Z, not +00:00 */
	PBJSON_REDACT    = 1u << 2,  /* secret fields as
				      * "HIDDEN_DUE_TO_SECURITY_REASONS" */
	PBJSON_CAMEL     = 1u << 3,  /* lowerCamelCase keys (CloudTrail) */
	PBJSON_DOC_TEXT  = 1u << 4,  /* policy documents as their text, not
				      * as the JSON they hold */
};

/* JSON object -> new message of type `d`, allocated from `alloc` (NULL:
 * malloc; free with protobuf_c_message_free_unpacked(m, alloc)). Unknown
 * members, wrong types, out-of-range numbers, malformed timestamps and
 * base64 are -EINVAL with *reterr naming the member. */
int pbjson_from_json(const ProtobufCMessageDescriptor *d, json_t *j,
		     ProtobufCAllocator *alloc, ProtobufCMessage **ret,
		     char **reterr);
/* The same from text; a JSON syntax error names line and column. */
int pbjson_from_string(const ProtobufCMessageDescriptor *d, const char *s,
		       ProtobufCAllocator *alloc, ProtobufCMessage **ret,
		       char **reterr);
/* Message -> new JSON object (caller json_decref()s), keys in field number
 * order, absent fields omitted, empty repeated fields omitted unless
 * PBJSON_TOP_LISTS (top level, and required lists at any depth). */
int pbjson_to_json(const ProtobufCMessage *m, unsigned flags, json_t **ret);
/* The same as text with a 4-space indent, as the AWS CLI prints it (no
 * trailing newline). Caller free()s. */
int pbjson_to_string(const ProtobufCMessage *m, unsigned flags, char **ret);
/* A JSON value as the AWS CLI prints it (4-space indent). Caller free()s. */
int pbjson_dump(const json_t *j, char **ret);

/* --- direct writing (no jansson) ---------------------------------------- */

/* A growing text (not NUL-ended). Zero-initialised is empty. After an
 * allocation failure `oom` is set and appending does nothing. */
struct pbjson_buf {
	char *p;
	size_t len, cap;
	bool oom;
};

/* Room for `more` bytes after len: 0 or -ENOMEM (oom set). */
int pbjson_buf_grow(struct pbjson_buf *b, size_t more);
static inline int pbjson_buf_reserve(struct pbjson_buf *b, size_t more)
{
	if (__builtin_expect(!b->oom && more <= b->cap - b->len, 1))
		return 0;
	return pbjson_buf_grow(b, more);
}
static inline void pbjson_buf_append(struct pbjson_buf *b, const void *s, size_t n)
{
	if (pbjson_buf_reserve(b, n) < 0)
		return;
	__builtin_memcpy(b->p + b->len, s, n);
	b->len += n;
}
/* `n` bytes as a JSON string, as json_dumps() writes the string pbjson
 * makes of them: bad UTF-8 as U+FFFD, jansson's escapes. */
void pbjson_buf_string(struct pbjson_buf *b, const char *s, size_t n);
/* Frees the text; the buffer is empty again. Accepts NULL. */
void pbjson_buf_free(struct pbjson_buf *b);

/* Message -> compact JSON appended to `b`, byte for byte what
 * json_dumps(JSON_COMPACT | JSON_PRESERVE_ORDER) writes of
 * pbjson_to_json(m, flags)'s object, without building it (no allocation
 * but the buffer's, unless a policy document is rendered as JSON). On
 * failure `b` is as it was and the error is pbjson_to_json()'s. */
int pbjson_write(struct pbjson_buf *b, const ProtobufCMessage *m, unsigned flags);

/* Text -> member types (see pbjson_coerce.c): takes the reference to `j`
 * and returns the value to use instead; the object form converts its
 * members in place and returns `o`. */
json_t *pbjson_coerce_field(const ProtobufCFieldDescriptor *f, json_t *j);
json_t *pbjson_coerce_object(const ProtobufCMessageDescriptor *d, json_t *o);

/* Base64 (RFC 4648 with padding). Encoded text is malloc'd, NUL-ended. */
int pbjson_base64_encode(const uint8_t *p, size_t n, char **ret);
int pbjson_base64_decode(const char *s, uint8_t **ret, size_t *ret_len);
