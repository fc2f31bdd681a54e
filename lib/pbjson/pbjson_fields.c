/* pbjson fields: descriptor walking (presence, values, timestamps, secrets,
 * maps), the action table of proto/api.proto, and base64. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api.pb-c.h"
#include "pbjson/pbjson.h"

bool pbjson_field_is_timestamp(const ProtobufCFieldDescriptor *f)
{
	return f->type == PROTOBUF_C_TYPE_SFIXED64;
}

static bool starts(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static bool ends(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

bool pbjson_field_is_secret(const ProtobufCFieldDescriptor *f)
{
	const char *n = f->name;

	if (f->type != PROTOBUF_C_TYPE_STRING && f->type != PROTOBUF_C_TYPE_BYTES)
		return false;
	/* the token's `sub`, which CloudTrail records, not a token */
	if (strcmp(n, "subject_from_web_identity_token") == 0)
		return false;
	return starts(n, "secret_") || ends(n, "_secret") ||
	       strstr(n, "password") || strcmp(n, "session_token") == 0 ||
	       ends(n, "_token") || ends(n, "_seed") ||
	       strstr(n, "private_key") || strcmp(n, "qr_code_png") == 0 ||
	       strcmp(n, "saml_assertion") == 0 || starts(n, "authentication_code") ||
	       strcmp(n, "token_code") == 0;
}

static bool type_has_secret(const ProtobufCMessageDescriptor *d, unsigned depth)
{
	if (!d || depth > 16)   /* recursive types: deep enough for any answer */
		return false;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (pbjson_field_is_secret(f) ||
		    (f->type == PROTOBUF_C_TYPE_MESSAGE && f->descriptor != d &&
		     type_has_secret(f->descriptor, depth + 1)))
			return true;
	}
	return false;
}

bool pbjson_type_has_secret(const ProtobufCMessageDescriptor *d)
{
	return type_has_secret(d, 0);
}

bool pbjson_field_is_document(const ProtobufCMessageDescriptor *d,
			      const ProtobufCFieldDescriptor *f)
{
	if (f->type != PROTOBUF_C_TYPE_STRING || f->label == PROTOBUF_C_LABEL_REPEATED)
		return false;
	return ends(f->name, "policy_document") ||
	       (strcmp(f->name, "document") == 0 && d && d->short_name &&
		strcmp(d->short_name, "PolicyVersion") == 0);
}

bool pbjson_field_is_map(const ProtobufCFieldDescriptor *f)
{
	const ProtobufCMessageDescriptor *d;

	if (f->type != PROTOBUF_C_TYPE_MESSAGE ||
	    f->label != PROTOBUF_C_LABEL_REPEATED)
		return false;
	d = f->descriptor;
	return d->n_fields == 2 && ends(d->name, "Entry") &&
	       d->fields[0].id == 1 && strcmp(d->fields[0].name, "key") == 0 &&
	       d->fields[0].type == PROTOBUF_C_TYPE_STRING &&
	       d->fields[1].id == 2 && strcmp(d->fields[1].name, "value") == 0;
}

/* The nested lists AWS answers even when empty: InstanceProfile.Roles is
 * required in AWS's model; the others are what AWS's own CLI examples show
 * (awscli's examples/iam: simulate-custom-policy's "MatchedStatements": []
 * and "MissingContextValues": [], get-account-authorization-details'
 * "UserPolicyList": [], "GroupPolicyList": [], "RolePolicyList": [],
 * "AttachedManagedPolicies": []). */
static const struct {
	const char *message, *field;
} required_lists[] = {
	{ "InstanceProfile", "roles" },
	{ "EvaluationResult", "matched_statements" },
	{ "EvaluationResult", "missing_context_values" },
	{ "ResourceSpecificResult", "matched_statements" },
	{ "ResourceSpecificResult", "missing_context_values" },
	{ "UserDetail", "user_policy_list" },
	{ "UserDetail", "group_list" },
	{ "UserDetail", "attached_managed_policies" },
	{ "GroupDetail", "group_policy_list" },
	{ "GroupDetail", "attached_managed_policies" },
	{ "RoleDetail", "role_policy_list" },
	{ "RoleDetail", "attached_managed_policies" },
	{ "RoleDetail", "instance_profile_list" },
};

bool pbjson_field_is_required_list(const ProtobufCMessageDescriptor *d,
				   const ProtobufCFieldDescriptor *f)
{
	if (f->label != PROTOBUF_C_LABEL_REPEATED || !d || !d->short_name)
		return false;
	for (size_t i = 0; i < sizeof(required_lists) / sizeof(*required_lists); i++)
		if (strcmp(f->name, required_lists[i].field) == 0 &&
		    strcmp(d->short_name, required_lists[i].message) == 0)
			return true;
	return false;
}

size_t pbjson_field_count(const ProtobufCMessage *m,
			  const ProtobufCFieldDescriptor *f)
{
	const char *base = (const char *)m;
	const void *member = base + f->offset;

	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return *(const size_t *)(base + f->quantifier_offset);
	if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		return *(const uint32_t *)(base + f->quantifier_offset) == f->id;
	if (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_MESSAGE)
		return *(void *const *)member != NULL &&
		       *(void *const *)member != f->default_value;
	if (f->label == PROTOBUF_C_LABEL_REQUIRED)
		return 1;
	if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->quantifier_offset)
		return *(const protobuf_c_boolean *)(base + f->quantifier_offset) != 0;
	return 0;   /* proto3 scalars without presence: we never use them */
}

static size_t type_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT32: case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32: case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32: case PROTOBUF_C_TYPE_FLOAT:
	case PROTOBUF_C_TYPE_ENUM:
		return 4;
	case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64: case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64: case PROTOBUF_C_TYPE_DOUBLE:
		return 8;
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_STRING: case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	}
	return 0;
}

const void *pbjson_field_value(const ProtobufCMessage *m,
			       const ProtobufCFieldDescriptor *f, size_t i)
{
	const char *member = (const char *)m + f->offset;

	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return *(const char *const *)member + i * type_size(f->type);
	return member;
}

/* --- actions ------------------------------------------------------------ */

/* STS's actions (API 2011-06-15); everything else in Request is IAM. */
static const char *const sts_actions[] = {
	"AssumeRole", "AssumeRoleWithSAML", "AssumeRoleWithWebIdentity",
	"AssumeRoot", "DecodeAuthorizationMessage", "GetAccessKeyInfo",
	"GetCallerIdentity", "GetDelegatedAccessToken", "GetFederationToken",
	"GetSessionToken", "GetWebIdentityToken",
};

/* iamd's own actions (proto/iamd.proto) have op numbers 900-999. */
#define IAMD_OP_MIN 900
#define IAMD_OP_MAX 999

const char *pbjson_action_service(const char *action)
{
	char aws[PBJSON_NAME_MAX], snake[PBJSON_NAME_MAX];
	const ProtobufCFieldDescriptor *f;

	if (strchr(action, '_') || (action[0] >= 'a' && action[0] <= 'z')) {
		f = protobuf_c_message_descriptor_get_field_by_name(&iam__request__descriptor,
								    action);
		if (pbjson_name_to_aws(action, aws, sizeof(aws)) < 0)
			return "iam";
		action = aws;
	} else {
		f = pbjson_name_from_aws(action, snake, sizeof(snake)) < 0 ? NULL :
		    protobuf_c_message_descriptor_get_field_by_name(&iam__request__descriptor,
								    snake);
	}
	if (f && f->id >= IAMD_OP_MIN && f->id <= IAMD_OP_MAX)
		return "iamd";
	for (size_t i = 0; i < sizeof(sts_actions) / sizeof(sts_actions[0]); i++)
		if (strcmp(action, sts_actions[i]) == 0)
			return "sts";
	return "iam";
}

static bool is_action(const ProtobufCFieldDescriptor *f)
{
	return (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
	       f->type == PROTOBUF_C_TYPE_MESSAGE && strcmp(f->name, "hello") != 0;
}

size_t pbjson_action_count(void)
{
	const ProtobufCMessageDescriptor *d = &iam__request__descriptor;
	size_t n = 0;

	for (unsigned j = 0; j < d->n_fields; j++)
		n += is_action(&d->fields[j]);
	return n;
}

const ProtobufCFieldDescriptor *pbjson_action_at(size_t i)
{
	const ProtobufCMessageDescriptor *d = &iam__request__descriptor;
	size_t k = 0;

	for (size_t j = 0; j < d->n_fields; j++) {
		const ProtobufCFieldDescriptor *f = &d->fields[j];
		if (!is_action(f))
			continue;
		if (k++ == i)
			return f;
	}
	return NULL;
}

int pbjson_action_find(const char *action,
		       const ProtobufCFieldDescriptor **ret_req,
		       const ProtobufCFieldDescriptor **ret_resp)
{
	char snake[PBJSON_NAME_MAX];
	const ProtobufCFieldDescriptor *req, *resp;

	if (!action || !*action)
		return -EINVAL;
	if (strchr(action, '_') || (action[0] >= 'a' && action[0] <= 'z')) {
		if (strlen(action) >= sizeof(snake))
			return -ENOENT;
		strcpy(snake, action);
	} else if (pbjson_name_from_aws(action, snake, sizeof(snake)) < 0) {
		return -ENOENT;
	}
	req = protobuf_c_message_descriptor_get_field_by_name(
		&iam__request__descriptor, snake);
	if (!req || !is_action(req))
		return -ENOENT;
	resp = protobuf_c_message_descriptor_get_field(&iam__response__descriptor,
						       req->id);
	if (!resp || resp->type != PROTOBUF_C_TYPE_MESSAGE)
		return -ENOENT;
	if (ret_req)
		*ret_req = req;
	if (ret_resp)
		*ret_resp = resp;
	return 0;
}

/* --- base64 -------------------------------------------------------------- */

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int pbjson_base64_encode(const uint8_t *p, size_t n, char **ret)
{
	char *out, *o;

	if (n > (SIZE_MAX - 1) / 4 * 3 - 3)
		return -E2BIG;
	out = malloc((n + 2) / 3 * 4 + 1);
	if (!out)
		return -ENOMEM;
	o = out;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		*o++ = b64[v >> 18 & 63];
		*o++ = b64[v >> 12 & 63];
		*o++ = i + 1 < n ? b64[v >> 6 & 63] : '=';
		*o++ = i + 2 < n ? b64[v & 63] : '=';
	}
	*o = '\0';
	*ret = out;
	return 0;
}

static int b64_value(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;
	return p ? (int)(p - b64) : -1;
}

int pbjson_base64_decode(const char *s, uint8_t **ret, size_t *ret_len)
{
	size_t n = strlen(s), o = 0;
	uint8_t *out;

	if (n % 4 != 0)
		return -EINVAL;
	out = malloc(n / 4 * 3 + 1);
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < n; i += 4) {
		int v[4];
		bool last = i + 4 == n;
		for (int k = 0; k < 4; k++) {
			v[k] = b64_value(s[i + k]);
			if (v[k] < 0 && !(last && k >= 2 && s[i + k] == '=' &&
					  (k == 3 || s[i + 3] == '='))) {
				free(out);
				return -EINVAL;
			}
		}
		out[o++] = (uint8_t)(v[0] << 2 | v[1] >> 4);
		if (v[2] >= 0)
			out[o++] = (uint8_t)(v[1] << 4 | v[2] >> 2);
		if (v[3] >= 0)
			out[o++] = (uint8_t)(v[2] << 6 | v[3]);
	}
	*ret = out;
	*ret_len = o;
	return 0;
}
