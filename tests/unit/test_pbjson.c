/* test_pbjson: AWS member names both ways, JSON <-> message for real
 * request and response shapes, timestamps, parameter validation that names
 * the member, and the descriptor-walking helpers (lib/pbjson, lib/util
 * isotime). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api.pb-c.h"
#include "iam.pb-c.h"
#include "iam_instance_profile.pb-c.h"
#include "iam_policy.pb-c.h"
#include "iam_role.pb-c.h"
#include "sts.pb-c.h"
#include "pbjson/pbjson.h"
#include "pbjson/pbjson_query.h"
#include "pbjson_test.pb-c.h"
#include "util/isotime.h"
#include "../tap.h"

/* AWS member and action names from the IAM and STS API references, with
 * the snake_case each maps to. */
static const struct { const char *aws, *snake; } names[] = {
	{ "UserName", "user_name" }, { "Arn", "arn" }, { "UserId", "user_id" },
	{ "Path", "path" }, { "CreateDate", "create_date" },
	{ "PasswordLastUsed", "password_last_used" },
	{ "PermissionsBoundary", "permissions_boundary" },
	{ "PermissionsBoundaryArn", "permissions_boundary_arn" },
	{ "PermissionsBoundaryType", "permissions_boundary_type" },
	{ "SAMLProviderArn", "saml_provider_arn" },
	{ "SAMLMetadataDocument", "saml_metadata_document" },
	{ "SAMLProviderList", "saml_provider_list" },
	{ "SAMLAssertion", "saml_assertion" },
	{ "SAMLProviderUUID", "saml_provider_uuid" },
	{ "OpenIDConnectProviderArn", "open_id_connect_provider_arn" },
	{ "OpenIDConnectProviderList", "open_id_connect_provider_list" },
	{ "ClientIDList", "client_id_list" }, { "ClientID", "client_id" },
	{ "ThumbprintList", "thumbprint_list" }, { "Url", "url" },
	{ "MFADevices", "mfa_devices" }, { "VirtualMFADevices", "virtual_mfa_devices" },
	{ "VirtualMFADeviceName", "virtual_mfa_device_name" },
	{ "SerialNumber", "serial_number" }, { "AccessKeyId", "access_key_id" },
	{ "SecretAccessKey", "secret_access_key" }, { "SessionToken", "session_token" },
	{ "AccessKeyMetadata", "access_key_metadata" },
	{ "AccessKeyLastUsed", "access_key_last_used" },
	{ "AuthenticationCode1", "authentication_code1" },
	{ "AuthenticationCode2", "authentication_code2" },
	{ "Base32StringSeed", "base32_string_seed" }, { "QRCodePNG", "qr_code_png" },
	{ "SSHPublicKeyId", "ssh_public_key_id" }, { "SSHPublicKeyBody", "ssh_public_key_body" },
	{ "SSHPublicKeys", "ssh_public_keys" }, { "AWSServiceName", "aws_service_name" },
	{ "RoleArn", "role_arn" }, { "RoleSessionName", "role_session_name" },
	{ "DurationSeconds", "duration_seconds" }, { "ExternalId", "external_id" },
	{ "TokenCode", "token_code" }, { "SourceIdentity", "source_identity" },
	{ "PrincipalArn", "principal_arn" }, { "WebIdentityToken", "web_identity_token" },
	{ "ProviderId", "provider_id" }, { "AssumedRoleUser", "assumed_role_user" },
	{ "AssumedRoleId", "assumed_role_id" }, { "PackedPolicySize", "packed_policy_size" },
	{ "PolicyArns", "policy_arns" }, { "TransitiveTagKeys", "transitive_tag_keys" },
	{ "FederatedUserId", "federated_user_id" }, { "IsTruncated", "is_truncated" },
	{ "Marker", "marker" }, { "MaxItems", "max_items" }, { "TagKeys", "tag_keys" },
	{ "NewUserName", "new_user_name" }, { "NewPath", "new_path" },
	{ "PolicyDocument", "policy_document" }, { "DefaultVersionId", "default_version_id" },
	{ "AssumeRolePolicyDocument", "assume_role_policy_document" },
	{ "MaxSessionDuration", "max_session_duration" },
	{ "PasswordResetRequired", "password_reset_required" },
	{ "EvalDecision", "eval_decision" }, { "ContextKeyValues", "context_key_values" },
	{ "ServiceSpecificCredentialId", "service_specific_credential_id" },
	{ "GetCallerIdentity", "get_caller_identity" }, { "CreateUser", "create_user" },
	{ "CreateSAMLProvider", "create_saml_provider" },
	{ "AssumeRoleWithSAML", "assume_role_with_saml" },
	{ "AddClientIDToOpenIDConnectProvider",
	  "add_client_id_to_open_id_connect_provider" },
	{ "EnableMFADevice", "enable_mfa_device" }, { "ListMFADevices", "list_mfa_devices" },
	{ "UploadSSHPublicKey", "upload_ssh_public_key" },
	{ "CreateServiceLinkedRole", "create_service_linked_role" },
};

static void test_names(void)
{
	char buf[PBJSON_NAME_MAX], back[PBJSON_NAME_MAX];
	size_t n = sizeof(names) / sizeof(names[0]), good_from = 0, good_to = 0;

	for (size_t i = 0; i < n; i++) {
		int r1 = pbjson_name_from_aws(names[i].aws, buf, sizeof(buf));
		int r2 = pbjson_name_to_aws(names[i].snake, back, sizeof(back));
		if (r1 == 0 && strcmp(buf, names[i].snake) == 0)
			good_from++;
		else
			printf("# from_aws(%s) = %s, want %s\n", names[i].aws, buf,
			       names[i].snake);
		if (r2 == 0 && strcmp(back, names[i].aws) == 0)
			good_to++;
		else
			printf("# to_aws(%s) = %s, want %s\n", names[i].snake, back,
			       names[i].aws);
	}
	TAP_IS_INT(good_from, n, "every real AWS member name maps to its snake_case");
	TAP_IS_INT(good_to, n, "every snake_case maps back to the AWS spelling");

	TAP_IS_INT(pbjson_name_to_aws("user_name", buf, 5), -ENAMETOOLONG,
		   "a name that does not fit is -ENAMETOOLONG");
	TAP_IS_INT(pbjson_name_from_aws("User-Name", buf, sizeof(buf)), -EINVAL,
		   "a member name with a dash is not a member name");
	pbjson_name_to_kebab("open_id_connect_provider_arn", buf, sizeof(buf));
	TAP_IS_STR(buf, "open-id-connect-provider-arn", "kebab-case option of a field");
	pbjson_name_from_kebab("user-name", buf, sizeof(buf));
	TAP_IS_STR(buf, "user_name", "field of a kebab-case option");
	TAP_IS_INT(pbjson_name_from_kebab("user_name", buf, sizeof(buf)), -EINVAL,
		   "an option with an underscore is refused");
	tap_ok(pbjson_field_by_aws_name(&iam__user__descriptor, "UserName") != NULL,
	       "UserName is a member of User");
	tap_ok(pbjson_field_by_aws_name(&iam__user__descriptor, "Username") == NULL &&
	       pbjson_field_by_aws_name(&iam__user__descriptor, "userName") == NULL,
	       "member names are case-sensitive, as in AWS");
	tap_ok(pbjson_field_by_aws_name(&iam__policy_descriptor_type__descriptor, "arn") != NULL,
	       "STS PolicyDescriptorType's member is \"arn\" in lower case, as AWS spells it");
	tap_ok(pbjson_field_by_aws_name(&iam__user__descriptor, "arn") == NULL,
	       "but User's is \"Arn\"");

	/* field names: converted once per thread, then from the cache; every
	 * field of a message, twice over, and a buffer too small for a kept
	 * name */
	const ProtobufCMessageDescriptor *d = &iam__role__descriptor;
	bool same = true;
	for (int pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < d->n_fields; i++) {
			char want[PBJSON_NAME_MAX], got[PBJSON_NAME_MAX];
			same &= pbjson_name_to_aws(d->fields[i].name, want, sizeof(want)) == 0 &&
				pbjson_field_aws_name(&d->fields[i], got, sizeof(got)) == 0 &&
				strcmp(want, got) == 0;
		}
	tap_ok(same, "every field's AWS name, converted and then kept, is the conversion's");
	const ProtobufCFieldDescriptor *f = pbjson_field_by_aws_name(d, "MaxSessionDuration");
	TAP_IS_INT(f ? pbjson_field_aws_name(f, buf, 5) : 0, -ENAMETOOLONG,
		   "a kept name that does not fit is -ENAMETOOLONG");
}

static void test_isotime(void)
{
	char buf[ISOTIME_MAX];
	int64_t t = 0;

	isotime_format(1704164645, ISOTIME_OFFSET, buf);
	TAP_IS_STR(buf, "2024-01-02T03:04:05+00:00", "AWS CLI v2 timestamp");
	isotime_format(1704164645, ISOTIME_Z, buf);
	TAP_IS_STR(buf, "2024-01-02T03:04:05Z", "XML timestamp");
	isotime_format(0, ISOTIME_MILLIS_Z, buf);
	TAP_IS_STR(buf, "1970-01-01T00:00:00.000Z", "epoch with milliseconds");
	isotime_format(-1, ISOTIME_Z, buf);
	TAP_IS_STR(buf, "1969-12-31T23:59:59Z", "a second before the epoch");
	isotime_format(951782400, ISOTIME_Z, buf);
	TAP_IS_STR(buf, "2000-02-29T00:00:00Z", "leap day of 2000");
	TAP_IS_INT(isotime_format(253402300800LL, ISOTIME_Z, buf), -ERANGE,
		   "year 10000 is out of range");

	tap_ok(isotime_parse("2024-01-02T03:04:05Z", &t) == 0 && t == 1704164645,
	       "parse ...Z");
	tap_ok(isotime_parse("2024-01-02T03:04:05+00:00", &t) == 0 && t == 1704164645,
	       "parse +00:00");
	tap_ok(isotime_parse("2024-01-02T05:04:05.789+02:00", &t) == 0 &&
	       t == 1704164645, "parse an offset and a fraction");
	tap_ok(isotime_parse("2024-01-02T03:04:05", &t) == 0 && t == 1704164645,
	       "no zone means UTC");
	tap_ok(isotime_parse("2024-01-02", &t) == 0 && t == 1704153600,
	       "a date alone is midnight UTC");
	tap_ok(isotime_parse("2024-02-29", &t) == 0, "2024-02-29 exists");
	TAP_IS_INT(isotime_parse("2023-02-29", &t), -EINVAL, "2023-02-29 does not");
	TAP_IS_INT(isotime_parse("2024-13-01", &t), -EINVAL, "month 13");
	TAP_IS_INT(isotime_parse("2024-01-02T24:00:00Z", &t), -EINVAL, "hour 24");
	TAP_IS_INT(isotime_parse("2024-01-02T03:04:05Zjunk", &t), -EINVAL,
		   "trailing junk");
	TAP_IS_INT(isotime_parse("yesterday", &t), -EINVAL, "not a date");
	for (int64_t s = -62135596800LL; s < 200000000000LL; s += 987654321) {
		int64_t back = 0;
		isotime_format(s, ISOTIME_Z, buf);
		if (isotime_parse(buf, &back) != 0 || back != s) {
			tap_ok(0, "format/parse round trip at %lld", (long long)s);
			return;
		}
	}
	tap_ok(1, "format/parse round trips over 3000 years");
}

static char *dump(const ProtobufCMessage *m, unsigned flags)
{
	char *s = NULL;
	if (pbjson_to_string(m, flags, &s) < 0)
		return NULL;
	return s;
}

static void test_request(void)
{
	ProtobufCMessage *m = NULL;
	Iam__CreateUserRequest *cu;
	char *err = NULL, *s;
	int r;

	r = pbjson_from_string(&iam__create_user_request__descriptor,
			       "{\"UserName\": \"alice\", \"Path\": \"/eng/\", \"Tags\": "
			       "[{\"Key\": \"team\", \"Value\": \"blue\"}, {\"Key\": \"env\", "
			       "\"Value\": \"prod\"}]}", NULL, &m, &err);
	TAP_IS_INT(r, 0, "CreateUser JSON decodes");
	cu = (Iam__CreateUserRequest *)m;
	tap_ok(cu && strcmp(cu->user_name, "alice") == 0 && strcmp(cu->path, "/eng/") == 0 &&
	       cu->n_tags == 2 && strcmp(cu->tags[1]->key, "env") == 0 &&
	       strcmp(cu->tags[1]->value, "prod") == 0 && cu->permissions_boundary == NULL,
	       "its members land in their fields");
	s = dump(m, 0);
	TAP_IS_STR(s, "{\n    \"Path\": \"/eng/\",\n    \"UserName\": \"alice\",\n"
		   "    \"Tags\": [\n        {\n            \"Key\": \"team\",\n"
		   "            \"Value\": \"blue\"\n        },\n        {\n"
		   "            \"Key\": \"env\",\n            \"Value\": \"prod\"\n"
		   "        }\n    ]\n}", "and encode back in field order");
	free(s);
	protobuf_c_message_free_unpacked(m, NULL);

	m = NULL;
	r = pbjson_from_string(&iam__list_users_request__descriptor,
			       "{\"PathPrefix\": \"/\", \"MaxItems\": 100, \"Marker\": \"m\"}",
			       NULL, &m, &err);
	tap_ok(r == 0 && ((Iam__ListUsersRequest *)m)->has_max_items &&
	       ((Iam__ListUsersRequest *)m)->max_items == 100,
	       "ListUsers MaxItems decodes as an int32 with presence");
	protobuf_c_message_free_unpacked(m, NULL);
}

static void expect_error(const ProtobufCMessageDescriptor *d, const char *json,
			 const char *want, const char *name)
{
	ProtobufCMessage *m = NULL;
	char *err = NULL;
	int r = pbjson_from_string(d, json, NULL, &m, &err);

	if (!tap_ok(r == -EINVAL && m == NULL && err && strstr(err, want), "%s", name))
		printf("#   r=%d err=%s want substring %s\n", r, err ? err : "(null)", want);
	free(err);
	if (m)
		protobuf_c_message_free_unpacked(m, NULL);
}

static void test_request_errors(void)
{
	const ProtobufCMessageDescriptor *cu = &iam__create_user_request__descriptor;
	const ProtobufCMessageDescriptor *lu = &iam__list_users_request__descriptor;

	expect_error(cu, "{\"UserName\": 5}",
		     "Invalid type for parameter UserName, value: 5, type: integer, "
		     "valid types: string", "a number for a string names the member");
	expect_error(cu, "{\"UserName\": \"a\", \"Tags\": [{\"Key\": \"k\"}, {\"Key\": true}]}",
		     "parameter Tags[1].Key", "a nested member is named by its path");
	expect_error(cu, "{\"UserName\": \"a\", \"Tags\": {\"Key\": \"k\"}}",
		     "Invalid type for parameter Tags", "an object for a list");
	expect_error(cu, "{\"Username\": \"a\"}",
		     "Unknown parameter in input: \"Username\", must be one of: Path, "
		     "UserName, PermissionsBoundary, Tags", "an unknown member is named");
	expect_error(cu, "{\"Tags\": [{\"Key\": \"k\", \"Colour\": \"red\"}]}",
		     "Unknown parameter in Tags[0]: \"Colour\", must be one of: Key, Value",
		     "an unknown nested member is named with its path");
	expect_error(lu, "{\"MaxItems\": 2147483648}",
		     "Invalid value for parameter MaxItems, value: 2147483648",
		     "an int32 above its range");
	expect_error(lu, "{\"MaxItems\": \"10\"}", "parameter MaxItems",
		     "a string for an integer");
	expect_error(lu, "{\"MaxItems\": 1.5}", "parameter MaxItems",
		     "a fraction for an integer");
	expect_error(cu, "{\"UserName\": \"a\\u0000b\"}", "NUL",
		     "a NUL inside a string");
	expect_error(cu, "[1, 2]", "parameter input", "a list instead of an object");
	expect_error(cu, "{\"UserName\": \"a\",}", "line 1", "bad JSON names the line");
}

static void test_response(void)
{
	Iam__Tag t1 = IAM__TAG__INIT;
	Iam__Tag *tags[] = { &t1 };
	Iam__User u = IAM__USER__INIT;
	Iam__CreateUserResponse cr = IAM__CREATE_USER_RESPONSE__INIT;
	Iam__ListUsersResponse lr = IAM__LIST_USERS_RESPONSE__INIT;
	Iam__User *users[] = { &u };
	Iam__Response env = IAM__RESPONSE__INIT;
	uint8_t *buf;
	size_t n;
	char *s, *s2;

	t1.key = "team";
	t1.value = "blue";
	u.path = "/eng/";
	u.user_name = "alice";
	u.user_id = "AIDAEXAMPLEEXAMPLE23";
	u.arn = "arn:aws:iam::123456789012:user/eng/alice";
	u.has_create_date = 1;
	u.create_date = 1704164645;
	u.n_tags = 1;
	u.tags = tags;
	cr.user = &u;
	s = dump(&cr.base, PBJSON_TOP_LISTS);
	TAP_IS_STR(s, "{\n    \"User\": {\n        \"Path\": \"/eng/\",\n"
		   "        \"UserName\": \"alice\",\n"
		   "        \"UserId\": \"AIDAEXAMPLEEXAMPLE23\",\n"
		   "        \"Arn\": \"arn:aws:iam::123456789012:user/eng/alice\",\n"
		   "        \"CreateDate\": \"2024-01-02T03:04:05+00:00\",\n"
		   "        \"Tags\": [\n            {\n"
		   "                \"Key\": \"team\",\n"
		   "                \"Value\": \"blue\"\n            }\n        ]\n"
		   "    }\n}", "CreateUser's answer prints as the AWS CLI prints it");
	free(s);

	u.n_tags = 0;
	s = dump(&lr.base, PBJSON_TOP_LISTS);
	TAP_IS_STR(s, "{\n    \"Users\": []\n}", "an empty top-level list is printed");
	free(s);
	s = dump(&lr.base, 0);
	TAP_IS_STR(s, "{}", "and omitted without PBJSON_TOP_LISTS");
	free(s);
	lr.n_users = 1;
	lr.users = users;
	lr.has_is_truncated = 1;
	lr.is_truncated = 0;
	s = dump(&lr.base, PBJSON_TOP_LISTS);
	tap_ok(s && !strstr(s, "Tags") && strstr(s, "\"IsTruncated\": false") &&
	       !strstr(s, "PasswordLastUsed") && !strstr(s, "Marker"),
	       "nested empty lists and absent fields are omitted; false is printed");
	free(s);
	s = dump(&cr.base, PBJSON_TIME_Z | PBJSON_CAMEL);
	tap_ok(s && strstr(s, "\"createDate\": \"2024-01-02T03:04:05Z\"") &&
	       strstr(s, "\"userName\": \"alice\""),
	       "CloudTrail style: camelCase keys, ...Z timestamps");
	free(s);

	/* through the wire and back: the same JSON */
	env.has_id = 1;
	env.id = 7;
	env.result_case = IAM__RESPONSE__RESULT_LIST_USERS;
	env.list_users = &lr;
	n = iam__response__get_packed_size(&env);
	buf = malloc(n);
	iam__response__pack(&env, buf);
	{
		Iam__Response *back = iam__response__unpack(NULL, n, buf);
		s = dump(&lr.base, PBJSON_TOP_LISTS);
		s2 = back ? dump(&back->list_users->base, PBJSON_TOP_LISTS) : NULL;
		TAP_IS_STR(s2, s, "a packed and unpacked answer prints the same");
		free(s);
		free(s2);
		iam__response__free_unpacked(back, NULL);
	}
	free(buf);
}

static void test_roundtrip_json(void)
{
	const char *in = "{\n    \"Path\": \"/a/b/\",\n    \"UserName\": \"bob\",\n"
			 "    \"PermissionsBoundary\": \"arn:aws:iam::aws:policy/X\",\n"
			 "    \"Tags\": [\n        {\n            \"Key\": \"k\",\n"
			 "            \"Value\": \"\\u00e9t\\u00e9 \\\"q\\\"\"\n        }\n    ]\n}";
	ProtobufCMessage *m = NULL;
	char *out = NULL;

	tap_ok(pbjson_from_string(&iam__create_user_request__descriptor, in, NULL,
				  &m, NULL) == 0 && pbjson_to_string(m, 0, &out) == 0,
	       "JSON -> message -> JSON");
	TAP_IS_STR(out, "{\n    \"Path\": \"/a/b/\",\n    \"UserName\": \"bob\",\n"
		   "    \"PermissionsBoundary\": \"arn:aws:iam::aws:policy/X\",\n"
		   "    \"Tags\": [\n        {\n            \"Key\": \"k\",\n"
		   "            \"Value\": \"\xc3\xa9t\xc3\xa9 \\\"q\\\"\"\n        }\n    ]\n}",
		   "round trip keeps values (UTF-8 printed raw, quotes escaped)");
	free(out);
	protobuf_c_message_free_unpacked(m, NULL);

	/* a timestamp member read from JSON */
	m = NULL;
	tap_ok(pbjson_from_string(&iam__user__descriptor,
				  "{\"CreateDate\": \"2024-01-02T03:04:05Z\"}",
				  NULL, &m, NULL) == 0 &&
	       ((Iam__User *)m)->has_create_date &&
	       ((Iam__User *)m)->create_date == 1704164645,
	       "a timestamp member parses from ISO 8601");
	protobuf_c_message_free_unpacked(m, NULL);
	expect_error(&iam__user__descriptor, "{\"CreateDate\": \"tomorrow\"}",
		     "Invalid timestamp for parameter CreateDate",
		     "a malformed timestamp names the member");
}

static void test_fields(void)
{
	const ProtobufCFieldDescriptor *req, *resp;
	ProtobufCFieldDescriptor f = { 0 };
	static const struct { const char *name; ProtobufCType type; bool secret; } cases[] = {
		{ "secret_access_key", PROTOBUF_C_TYPE_STRING, true },
		{ "session_token", PROTOBUF_C_TYPE_STRING, true },
		{ "password", PROTOBUF_C_TYPE_STRING, true },
		{ "new_password", PROTOBUF_C_TYPE_STRING, true },
		{ "base32_string_seed", PROTOBUF_C_TYPE_BYTES, true },
		{ "qr_code_png", PROTOBUF_C_TYPE_BYTES, true },
		{ "password_last_used", PROTOBUF_C_TYPE_SFIXED64, false },
		{ "password_reset_required", PROTOBUF_C_TYPE_BOOL, false },
		{ "user_name", PROTOBUF_C_TYPE_STRING, false },
		{ "access_key_id", PROTOBUF_C_TYPE_STRING, false },
	};
	size_t good = 0;
	const char *b64 = NULL;
	char *enc = NULL;
	uint8_t *dec = NULL;
	size_t n = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		f.name = cases[i].name;
		f.type = cases[i].type;
		if (pbjson_field_is_secret(&f) == cases[i].secret)
			good++;
		else
			printf("# is_secret(%s) wrong\n", f.name);
	}
	TAP_IS_INT(good, sizeof(cases) / sizeof(cases[0]), "secret fields by name");
	{   /* XML text escaping, every byte value, against the rule spelled out */
		char all[256], want[256 * 8], *w = want;
		struct pbjson_xbuf xb = { 0 };
		for (int i = 0; i < 256; i++) {
			all[i] = (char)i;
			switch (i) {
			case '&': w += sprintf(w, "&amp;"); break;
			case '<': w += sprintf(w, "&lt;"); break;
			case '>': w += sprintf(w, "&gt;"); break;
			case '"': w += sprintf(w, "&quot;"); break;
			case '\'': w += sprintf(w, "&apos;"); break;
			default:
				if (i < 0x20 && i != '\n' && i != '\t')
					w += sprintf(w, "&#x%X;", i);
				else
					*w++ = (char)i;
			}
		}
		pbjson_xbuf_escape(&xb, all, sizeof(all));
		tap_ok(!xb.failed && xb.len == (size_t)(w - want) &&
		       memcmp(xb.data, want, xb.len) == 0,
		       "XML escaping of every byte value: markup and control characters");
		pbjson_xbuf_release(&xb);
	}
	tap_ok(pbjson_type_has_secret(&iam__create_access_key_response__descriptor) &&
	       pbjson_type_has_secret(&iam__assume_role_response__descriptor) &&
	       !pbjson_type_has_secret(&iam__get_caller_identity_response__descriptor) &&
	       !pbjson_type_has_secret(&iam__list_users_response__descriptor),
	       "answer types that can hold a secret, at any depth (iam-gateway wipes them)");
	tap_ok(pbjson_field_is_timestamp(protobuf_c_message_descriptor_get_field_by_name(
		       &iam__user__descriptor, "create_date")) &&
	       !pbjson_field_is_timestamp(protobuf_c_message_descriptor_get_field_by_name(
		       &iam__user__descriptor, "user_name")),
	       "CreateDate is a timestamp, UserName is not");

	tap_ok(pbjson_action_find("CreateUser", &req, &resp) == 0 &&
	       req->id == resp->id && strcmp(req->name, "create_user") == 0 &&
	       resp->descriptor == &iam__create_user_response__descriptor,
	       "CreateUser is Request.create_user and Response.create_user");
	tap_ok(pbjson_action_find("create_user", &req, NULL) == 0,
	       "an action by its field name");
	TAP_IS_INT(pbjson_action_find("Hello", &req, &resp), -ENOENT, "Hello is no action");
	TAP_IS_INT(pbjson_action_find("DropTables", &req, &resp), -ENOENT,
		   "an unknown action");
	TAP_IS_STR(pbjson_action_service("GetCallerIdentity"), "sts", "sts action");
	TAP_IS_STR(pbjson_action_service("get_caller_identity"), "sts", "sts by field name");
	TAP_IS_STR(pbjson_action_service("CreateUser"), "iam", "iam action");
	tap_ok(pbjson_action_count() >= 17 && pbjson_action_at(0) &&
	       pbjson_action_at(pbjson_action_count()) == NULL,
	       "the action table is walkable");

	b64 = "TWFueSBoYW5kcyBtYWtlIGxpZ2h0IHdvcmsu";
	tap_ok(pbjson_base64_decode(b64, &dec, &n) == 0 && n == 27 &&
	       memcmp(dec, "Many hands make light work.", 27) == 0, "base64 decode");
	tap_ok(pbjson_base64_encode(dec, 27, &enc) == 0 && strcmp(enc, b64) == 0,
	       "base64 encode");
	free(enc);
	free(dec);
	dec = NULL;
	tap_ok(pbjson_base64_decode("YQ==", &dec, &n) == 0 && n == 1 && dec[0] == 'a',
	       "base64 padding");
	free(dec);
	dec = NULL;
	TAP_IS_INT(pbjson_base64_decode("Y=Q=", &dec, &n), -EINVAL, "bad base64");
}

/* Shapes of tests/unit/pbjson_test.proto: every kind of member. */
static void test_kitchen(void)
{
	const ProtobufCMessageDescriptor *d = &pbjsontest__kitchen__descriptor;
	const char *in =
		"{\"SecretAccessKey\": \"s3cr3t\", \"Enabled\": true, "
		"\"Big\": 9007199254740993, \"Small\": 4294967295, \"Ratio\": 0.5, "
		"\"QRCodePNG\": \"aGVsbG8=\", \"Status\": \"Inactive\", "
		"\"SummaryMap\": {\"Users\": 5, \"Groups\": 2}, "
		"\"Inners\": [{\"Name\": \"a\", \"Values\": [\"x\", \"y\"]}], "
		"\"OneB\": {\"Name\": \"b\"}, \"Numbers\": [1, -2, 3], "
		"\"Expiration\": \"2024-01-02T03:04:05Z\", \"AccessKeyId\": \"AKIAEXAMPLE\"}";
	ProtobufCMessage *m = NULL;
	Pbjsontest__Kitchen *k;
	const ProtobufCFieldDescriptor *numbers, *one_a, *one_b, *map;
	char *err = NULL, *out = NULL;
	int r;

	r = pbjson_from_string(d, in, NULL, &m, &err);
	if (!tap_ok(r == 0, "every kind of member decodes"))
		printf("# %s\n", err ? err : "?");
	free(err);
	if (r < 0)
		return;
	k = (Pbjsontest__Kitchen *)m;
	tap_ok(k->has_big && k->big == 9007199254740993LL && k->has_small &&
	       k->small == 4294967295u && k->ratio == 0.5 && k->enabled &&
	       k->has_qr_code_png && k->qr_code_png.len == 5 &&
	       memcmp(k->qr_code_png.data, "hello", 5) == 0 &&
	       k->status == PBJSONTEST__STATUS_TYPE__Inactive &&
	       k->n_summary_map == 2 && strcmp(k->summary_map[1]->key, "Groups") == 0 &&
	       k->summary_map[1]->value == 2 &&
	       k->choice_case == PBJSONTEST__KITCHEN__CHOICE_ONE_B &&
	       strcmp(k->one_b->name, "b") == 0 && k->n_numbers == 3 &&
	       k->numbers[1] == -2 && k->expiration == 1704164645 &&
	       k->n_inners == 1 && k->inners[0]->n_values == 2,
	       "int64, uint32, double, blob, enum, map, oneof, lists, timestamp land");

	r = pbjson_to_string(m, PBJSON_TIME_Z, &out);
	TAP_IS_STR(out, "{\n    \"SecretAccessKey\": \"s3cr3t\",\n    \"Enabled\": true,\n"
		   "    \"Big\": 9007199254740993,\n    \"Small\": 4294967295,\n"
		   "    \"Ratio\": 0.5,\n    \"QRCodePNG\": \"aGVsbG8=\",\n"
		   "    \"Status\": \"Inactive\",\n    \"SummaryMap\": {\n"
		   "        \"Users\": 5,\n        \"Groups\": 2\n    },\n"
		   "    \"Inners\": [\n        {\n            \"Name\": \"a\",\n"
		   "            \"Values\": [\n                \"x\",\n"
		   "                \"y\"\n            ]\n        }\n    ],\n"
		   "    \"OneB\": {\n        \"Name\": \"b\"\n    },\n"
		   "    \"Numbers\": [\n        1,\n        -2,\n        3\n    ],\n"
		   "    \"Expiration\": \"2024-01-02T03:04:05Z\",\n"
		   "    \"AccessKeyId\": \"AKIAEXAMPLE\"\n}",
		   "and encode back: maps as objects, blobs as base64, enums by name");
	free(out);
	out = NULL;
	pbjson_to_string(m, PBJSON_REDACT, &out);
	tap_ok(out && strstr(out, "\"SecretAccessKey\": \"HIDDEN_DUE_TO_SECURITY_REASONS\"") &&
	       strstr(out, "\"QRCodePNG\": \"HIDDEN_DUE_TO_SECURITY_REASONS\"") &&
	       strstr(out, "\"AccessKeyId\": \"AKIAEXAMPLE\"") && !strstr(out, "s3cr3t"),
	       "PBJSON_REDACT hides secrets and keeps key ids");
	free(out);

	numbers = protobuf_c_message_descriptor_get_field_by_name(d, "numbers");
	one_a = protobuf_c_message_descriptor_get_field_by_name(d, "one_a");
	one_b = protobuf_c_message_descriptor_get_field_by_name(d, "one_b");
	map = protobuf_c_message_descriptor_get_field_by_name(d, "summary_map");
	tap_ok(pbjson_field_count(m, numbers) == 3 &&
	       *(const int32_t *)pbjson_field_value(m, numbers, 2) == 3 &&
	       pbjson_field_count(m, one_a) == 0 && pbjson_field_count(m, one_b) == 1 &&
	       pbjson_field_is_map(map) &&
	       !pbjson_field_is_map(protobuf_c_message_descriptor_get_field_by_name(d, "inners")),
	       "descriptor walking: counts, values, oneof cases, maps");
	protobuf_c_message_free_unpacked(m, NULL);

	expect_error(d, "{\"Small\": -1}", "Invalid value for parameter Small, value: -1",
		     "a negative uint32");
	expect_error(d, "{\"Small\": 4294967296}", "parameter Small", "a uint32 too big");
	expect_error(d, "{\"Status\": \"Bogus\"}", "Invalid value for parameter Status",
		     "an unknown enum value");
	expect_error(d, "{\"QRCodePNG\": \"!!!!\"}", "Invalid base64 for parameter QRCodePNG",
		     "bad base64");
	expect_error(d, "{\"OneA\": \"x\", \"OneB\": {}}", "only one member",
		     "two members of a oneof");
	expect_error(d, "{\"SummaryMap\": {\"Users\": \"five\"}}",
		     "parameter SummaryMap.Users", "a map value of the wrong type");
	expect_error(d, "{\"SummaryMap\": [1]}", "parameter SummaryMap", "a list for a map");
	expect_error(d, "{\"Enabled\": \"true\"}", "valid types: boolean",
		     "a string for a boolean");
	expect_error(d, "{\"Inners\": [{\"Values\": [\"x\", 2]}]}",
		     "parameter Inners[0].Values[1]", "a deep list element names its path");
}

static void test_coerce(void)
{
	json_t *j = json_loads("{\"Small\": \"7\", \"Enabled\": \"TRUE\", \"Big\": \"-5\", "
			       "\"Ratio\": \"0.25\", \"Numbers\": \"5\", \"Expiration\": \"60\", "
			       "\"Inners\": {\"Name\": [\"a\", \"b\"], \"Values\": \"x\"}, "
			       "\"SummaryMap\": {\"Users\": \"3\"}, \"Status\": \"Active\", "
			       "\"AccessKeyId\": \"12\"}", 0, NULL);
	char *s = NULL;

	pbjson_coerce_object(&pbjsontest__kitchen__descriptor, j);
	s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	TAP_IS_STR(s, "{\"Small\":7,\"Enabled\":true,\"Big\":-5,\"Ratio\":0.25,"
		   "\"Numbers\":[5],\"Expiration\":60,\"Inners\":[{\"Name\":\"a,b\","
		   "\"Values\":[\"x\"]}],\"SummaryMap\":{\"Users\":3},\"Status\":\"Active\","
		   "\"AccessKeyId\":\"12\"}",
		   "text leaves become the members' types; strings stay strings");
	free(s);
	json_decref(j);
	j = json_loads("{\"Small\": \"seven\"}", 0, NULL);
	pbjson_coerce_object(&pbjsontest__kitchen__descriptor, j);
	tap_ok(json_is_string(json_object_get(j, "Small")),
	       "a value that does not convert is left for validation to name");
	json_decref(j);
}

/* Policy documents print as the JSON they hold (botocore decodes them),
 * the text when it is not JSON, and the text with PBJSON_DOC_TEXT. */
static void test_documents(void)
{
	Iam__GetUserPolicyResponse gp = IAM__GET_USER_POLICY_RESPONSE__INIT;
	Iam__Role role = IAM__ROLE__INIT;
	Iam__GetRoleResponse gr = IAM__GET_ROLE_RESPONSE__INIT;
	Iam__PolicyVersion pv = IAM__POLICY_VERSION__INIT;
	Iam__GetPolicyVersionResponse gv = IAM__GET_POLICY_VERSION_RESPONSE__INIT;
	Iam__User u = IAM__USER__INIT;
	Iam__CreateUserResponse cu = IAM__CREATE_USER_RESPONSE__INIT;
	char *s;

	gp.user_name = "alice";
	gp.policy_name = "p";
	gp.policy_document = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":"
			     "\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}";
	s = dump(&gp.base, PBJSON_TOP_LISTS);
	TAP_IS_STR(s, "{\n    \"UserName\": \"alice\",\n    \"PolicyName\": \"p\",\n"
		   "    \"PolicyDocument\": {\n        \"Version\": \"2012-10-17\",\n"
		   "        \"Statement\": [\n            {\n"
		   "                \"Effect\": \"Allow\",\n"
		   "                \"Action\": \"s3:*\",\n"
		   "                \"Resource\": \"*\"\n            }\n        ]\n    }\n}",
		   "PolicyDocument prints as a JSON object, keys in their order");
	free(s);
	s = dump(&gp.base, PBJSON_DOC_TEXT);
	tap_ok(s && strstr(s, "\"PolicyDocument\": \"{\\\"Version\\\":"),
	       "PBJSON_DOC_TEXT keeps the text");
	free(s);
	gp.policy_document = "not { json";
	s = dump(&gp.base, 0);
	tap_ok(s && strstr(s, "\"PolicyDocument\": \"not { json\""),
	       "a document that is not JSON prints as its text");
	free(s);

	role.role_name = "r";
	role.assume_role_policy_document = "{\"Statement\": []}";
	gr.role = &role;
	s = dump(&gr.base, 0);
	tap_ok(s && strstr(s, "\"AssumeRolePolicyDocument\": {\n            \"Statement\": []"),
	       "a nested AssumeRolePolicyDocument too");
	free(s);

	pv.document = "{\"Version\": \"2012-10-17\"}";
	pv.version_id = "v1";
	gv.policy_version = &pv;
	s = dump(&gv.base, 0);
	tap_ok(s && strstr(s, "\"Document\": {\n            \"Version\": \"2012-10-17\"\n"),
	       "PolicyVersion's Document too");
	free(s);

	u.user_name = "document";
	u.path = "{\"a\": 1}";
	cu.user = &u;
	s = dump(&cu.base, 0);
	tap_ok(s && strstr(s, "\"Path\": \"{\\\"a\\\": 1}\""),
	       "other string fields stay strings even when they hold JSON");
	free(s);
	tap_ok(!pbjson_field_is_document(&iam__user__descriptor,
					 &iam__user__descriptor.fields[0]) &&
	       pbjson_field_is_document(&iam__policy_version__descriptor,
					protobuf_c_message_descriptor_get_field_by_name(
						&iam__policy_version__descriptor, "document")),
	       "pbjson_field_is_document: PolicyVersion.document yes, User.path no");
}

/* InstanceProfile.Roles is required in AWS's model: an instance profile
 * without a role answers "Roles": [] (<Roles/>), nested as it is; its empty
 * Tags, optional, stay out. */
static void test_required_lists(void)
{
	Iam__CreateInstanceProfileResponse cr = IAM__CREATE_INSTANCE_PROFILE_RESPONSE__INIT;
	Iam__InstanceProfile ip = IAM__INSTANCE_PROFILE__INIT;
	struct pbjson_xbuf xb = { 0 };
	char *s;

	ip.path = "/";
	ip.instance_profile_name = "web";
	cr.instance_profile = &ip;
	s = dump(&cr.base, PBJSON_TOP_LISTS);
	TAP_IS_STR(s, "{\n    \"InstanceProfile\": {\n        \"Path\": \"/\",\n"
		   "        \"InstanceProfileName\": \"web\",\n"
		   "        \"Roles\": []\n    }\n}",
		   "a nested required list is printed empty, optional Tags are not");
	free(s);
	s = dump(&cr.base, 0);
	TAP_IS_STR(s, "{\n    \"InstanceProfile\": {\n        \"Path\": \"/\",\n"
		   "        \"InstanceProfileName\": \"web\"\n    }\n}",
		   "and left out without PBJSON_TOP_LISTS");
	free(s);
	tap_ok(pbjson_to_xml(&cr.base, true, &xb) == 0 && !xb.failed &&
	       xb.len == strlen("<InstanceProfile><Path>/</Path><InstanceProfileName>web"
				"</InstanceProfileName><Roles/></InstanceProfile>") &&
	       memcmp(xb.data, "<InstanceProfile><Path>/</Path><InstanceProfileName>web"
		      "</InstanceProfileName><Roles/></InstanceProfile>", xb.len) == 0,
	       "XML: <Roles/> in the nested InstanceProfile");
	pbjson_xbuf_release(&xb);
	tap_ok(pbjson_field_is_required_list(&iam__instance_profile__descriptor,
					     protobuf_c_message_descriptor_get_field_by_name(
						     &iam__instance_profile__descriptor, "roles")) &&
	       !pbjson_field_is_required_list(&iam__instance_profile__descriptor,
					      protobuf_c_message_descriptor_get_field_by_name(
						      &iam__instance_profile__descriptor, "tags")),
	       "pbjson_field_is_required_list: InstanceProfile.roles yes, .tags no");
}

int main(void)
{
	test_names();
	test_isotime();
	test_request();
	test_request_errors();
	test_response();
	test_roundtrip_json();
	test_fields();
	test_kitchen();
	test_coerce();
	test_documents();
	test_required_lists();
	return tap_done();
}
