/* iamctl help: what exists, read from the descriptors: the services, their
 * commands, each command's options with their types, shorthand and JSON
 * syntax, and the shape of its output; --generate-cli-skeleton. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iamctl.h"

static const char *type_name(const ProtobufCFieldDescriptor *f)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING: return "string";
	case PROTOBUF_C_TYPE_BOOL: return "boolean";
	case PROTOBUF_C_TYPE_SFIXED64: return "timestamp";
	case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64:
		return "long";
	case PROTOBUF_C_TYPE_FLOAT: case PROTOBUF_C_TYPE_DOUBLE: return "double";
	case PROTOBUF_C_TYPE_BYTES: return "blob";
	case PROTOBUF_C_TYPE_ENUM: return "string";
	case PROTOBUF_C_TYPE_MESSAGE: return "structure";
	default: return "integer";
	}
}

static const char *shape_name(const ProtobufCFieldDescriptor *f)
{
	if (pbjson_field_is_map(f))
		return "map";
	if (f->label == PROTOBUF_C_LABEL_REPEATED)
		return "list";
	return type_name(f);
}

void iamctl_help_top(void)
{
	struct iamctl_cmd c;
	size_t niam = 0, nsts = 0, niamd = 0;

	while (iamctl_cmd_at("iam", niam, &c) == 0)
		niam++;
	while (iamctl_cmd_at("sts", nsts, &c) == 0)
		nsts++;
	while (iamctl_cmd_at("iamd", niamd, &c) == 0)
		niamd++;
	printf("iamctl - the command line of iamd, identity and access management "
	       "for Linux hosts\n\n"
	       "usage: iamctl [options] <command> <subcommand> [parameters]\n\n"
	       "Commands:\n"
	       "  iam      AWS Identity and Access Management (%zu subcommands)\n"
	       "  sts      AWS Security Token Service (%zu subcommands)\n"
	       "  iamd     iamd's own actions: local uid bindings, Authorize "
	       "(%zu subcommands)\n"
	       "  policy   offline policy tools (iamctl policy help)\n"
	       "  audit    the audit trail, offline: verify, lookup (iamctl audit help)\n"
	       "  ssh      authorized-keys USER: sshd's AuthorizedKeysCommand (docs/ssh.md)\n"
	       "  help     this text; 'iamctl <command> help' lists subcommands,\n"
	       "           'iamctl <command> <subcommand> help' their parameters\n\n"
	       "Global options:\n"
	       "  --socket PATH            iamd's api socket (default: $IAMD_SOCKET, "
	       "else %s)\n"
	       "  --output json|text       output format (default json)\n"
	       "  --query EXPRESSION       JMESPath on the answer, as the AWS CLI\n"
	       "  --no-paginate            one call of a list command; prints "
	       "IsTruncated and Marker\n"
	       "  --cli-read-timeout SECS  give up on an answer after SECS (0: "
	       "never; default %d)\n"
	       "  --debug                  show each call on stderr\n"
	       "  --version                iamctl's version\n\n"
	       "Exit status: 0 success, 252 bad command line or parameters, 254 the "
	       "service\nanswered with an error, 255 no answer from iamd.\n",
	       niam, nsts, niamd, IAM_DEFAULT_SOCKET, IAM_DEFAULT_TIMEOUT_MS / 1000);
}

int iamctl_help_service(const char *service)
{
	struct iamctl_cmd c;

	printf("%s\n\nAvailable commands (iamctl %s <command> help for their "
	       "parameters):\n\n", strcmp(service, "sts") == 0 ?
	       "AWS Security Token Service (sts)" :
	       strcmp(service, "iamd") == 0 ?
	       "iamd's own actions (iamd): local identities and authorization "
	       "for local services" :
	       "AWS Identity and Access Management (iam)", service);
	for (size_t i = 0; iamctl_cmd_at(service, i, &c) == 0; i++)
		printf("  o %s\n", c.name);
	return 0;
}

static void indent(int n)
{
	printf("%*s", n, "");
}

/* The members of d, as the AWS CLI help shows an output shape. */
static void print_shape(const ProtobufCMessageDescriptor *d, int depth)
{
	char name[PBJSON_NAME_MAX];

	if (depth > 8)
		return;
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (pbjson_field_aws_name(f, name, sizeof(name)) < 0)
			continue;
		indent(7 + depth * 3);
		printf("%s -> (%s)\n", name, shape_name(f));
		if (f->type == PROTOBUF_C_TYPE_MESSAGE && !pbjson_field_is_map(f))
			print_shape(f->descriptor, depth + 1);
	}
}

/* Shorthand of one structure: Key=string,Value=string */
static void print_shorthand(const ProtobufCMessageDescriptor *d)
{
	char name[PBJSON_NAME_MAX];

	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (pbjson_field_aws_name(f, name, sizeof(name)) < 0)
			continue;
		printf("%s%s=%s", i ? "," : "", name,
		       f->label == PROTOBUF_C_LABEL_REPEATED ? "string,string" :
		       f->type == PROTOBUF_C_TYPE_MESSAGE ? "{...}" : type_name(f));
	}
}

static json_t *skeleton_of(const ProtobufCMessageDescriptor *d, int depth);

static json_t *skeleton_value(const ProtobufCFieldDescriptor *f, int depth)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING: case PROTOBUF_C_TYPE_BYTES:
	case PROTOBUF_C_TYPE_ENUM:
		return json_string("");
	case PROTOBUF_C_TYPE_BOOL:
		return json_true();
	case PROTOBUF_C_TYPE_SFIXED64:
		return json_string("1970-01-01T00:00:00");
	case PROTOBUF_C_TYPE_FLOAT: case PROTOBUF_C_TYPE_DOUBLE:
		return json_real(0.0);
	case PROTOBUF_C_TYPE_MESSAGE:
		return skeleton_of(f->descriptor, depth + 1);
	default:
		return json_integer(0);
	}
}

static json_t *skeleton_of(const ProtobufCMessageDescriptor *d, int depth)
{
	json_t *o = json_object();
	char name[PBJSON_NAME_MAX];

	for (unsigned i = 0; o && depth < 8 && i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		json_t *v;
		if (pbjson_field_aws_name(f, name, sizeof(name)) < 0)
			continue;
		if (pbjson_field_is_map(f)) {
			const ProtobufCMessageDescriptor *ed = f->descriptor;
			v = json_object();
			json_object_set_new(v, "KeyName", skeleton_value(&ed->fields[1], depth));
		} else if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			v = json_array();
			json_array_append_new(v, skeleton_value(f, depth));
		} else {
			v = skeleton_value(f, depth);
		}
		json_object_set_new(o, name, v);
	}
	return o;
}

int iamctl_skeleton(const struct iamctl_cmd *cmd)
{
	json_t *j = skeleton_of(cmd->req_f->descriptor, 0);
	char *s = NULL;

	if (!j || pbjson_dump(j, &s) < 0) {
		json_decref(j);
		return IAMCTL_EXIT_CONNECT;
	}
	puts(s);
	free(s);
	json_decref(j);
	return 0;
}

void iamctl_help_command(const struct iamctl_cmd *cmd)
{
	const ProtobufCMessageDescriptor *d = cmd->req_f->descriptor;
	char name[PBJSON_NAME_MAX], opt[PBJSON_NAME_MAX];

	printf("NAME\n       %s - the %s action of %s\n\nSYNOPSIS\n          %s\n",
	       cmd->name, cmd->action, cmd->service, cmd->name);
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (pbjson_name_to_kebab(f->name, opt, sizeof(opt)) < 0)
			continue;
		if (cmd->paginated && (strcmp(f->name, "marker") == 0 ||
				       strcmp(f->name, "max_items") == 0))
			continue;
		if (f->type == PROTOBUF_C_TYPE_BOOL && f->label != PROTOBUF_C_LABEL_REPEATED)
			printf("          [--%s | --no-%s]\n", opt, opt);
		else
			printf("          [--%s <value>]\n", opt);
	}
	printf("          [--cli-input-json <value>]\n");
	if (cmd->paginated)
		printf("          [--starting-token <value>]\n"
		       "          [--page-size <value>]\n"
		       "          [--max-items <value>]\n");
	printf("          [--generate-cli-skeleton]\n\nOPTIONS\n");
	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		if (pbjson_name_to_kebab(f->name, opt, sizeof(opt)) < 0 ||
		    pbjson_field_aws_name(f, name, sizeof(name)) < 0)
			continue;
		if (cmd->paginated && (strcmp(f->name, "marker") == 0 ||
				       strcmp(f->name, "max_items") == 0))
			continue;
		printf("       --%s (%s)\n          The %s member of the request.\n",
		       opt, shape_name(f), name);
		if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
			printf("\n          Shorthand Syntax:\n\n             ");
			if (pbjson_field_is_map(f))
				printf("KeyName1=%s,KeyName2=%s\n", "value", "value");
			else {
				print_shorthand(f->descriptor);
				printf("%s\n", f->label == PROTOBUF_C_LABEL_REPEATED ?
				       " ..." : "");
			}
			printf("\n          JSON Syntax:\n\n");
			{
				json_t *s = pbjson_field_is_map(f) ? json_object() :
					    skeleton_of(f->descriptor, 0);
				char *txt = json_dumps(s, JSON_COMPACT | JSON_PRESERVE_ORDER);
				printf("             %s%s%s\n",
				       f->label == PROTOBUF_C_LABEL_REPEATED &&
				       !pbjson_field_is_map(f) ? "[" : "",
				       txt ? txt : "{}",
				       f->label == PROTOBUF_C_LABEL_REPEATED &&
				       !pbjson_field_is_map(f) ? ", ...]" : "");
				free(txt);
				json_decref(s);
			}
		} else if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			printf("\n          Syntax:\n\n             \"%s\" \"%s\" ...\n",
			       type_name(f), type_name(f));
		}
		printf("\n");
	}
	if (cmd->paginated)
		printf("       --starting-token (string)\n          A NextToken from a "
		       "previous truncated output.\n\n"
		       "       --page-size (integer)\n          Items to ask for in "
		       "each call (the MaxItems member).\n\n"
		       "       --max-items (integer)\n          Items to print in "
		       "all; a NextToken follows when there are more.\n\n");
	printf("OUTPUT\n");
	print_shape(cmd->resp_f->descriptor, 0);
}
