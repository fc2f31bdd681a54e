/* pbjson names: snake_case <-> AWS PascalCase <-> kebab-case, and the
 * exception table that keeps AWS's acronyms whole. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "pbjson/pbjson.h"

/* Words that AWS writes in capitals inside member and action names. */
static const char *const upper_words[] = {
	"aws", "mfa", "oidc", "png", "qr", "saml", "ssh", "uuid",
};

/* "id" is "Id" (UserId, AccessKeyId) except after these words, where AWS
 * writes "ID" (OpenIDConnectProviderArn, ClientIDList). */
static const char *const id_upper_after[] = { "open", "client" };

static bool word_is(const char *w, size_t n, const char *const *tab,
		    size_t ntab)
{
	for (size_t i = 0; i < ntab; i++)
		if (strlen(tab[i]) == n && memcmp(tab[i], w, n) == 0)
			return true;
	return false;
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

int pbjson_name_to_aws(const char *snake, char *buf, size_t size)
{
	const char *p = snake, *prev = NULL;
	size_t o = 0, prevn = 0;

	if (!snake || !*snake)
		return -EINVAL;
	while (*p) {
		const char *w = p;
		size_t n = strcspn(p, "_");
		bool upper = word_is(w, n, upper_words, NELEM(upper_words)) ||
			(n == 2 && memcmp(w, "id", 2) == 0 && prev &&
			 word_is(prev, prevn, id_upper_after,
				 NELEM(id_upper_after)));
		if (o + n >= size)
			return -ENAMETOOLONG;
		for (size_t i = 0; i < n; i++) {
			char c = w[i];
			if (!isalnum((unsigned char)c))
				return -EINVAL;
			buf[o++] = (char)(upper || i == 0 ?
					  toupper((unsigned char)c) : c);
		}
		prev = w;
		prevn = n;
		p += n;
		if (*p == '_')
			p++;
	}
	buf[o] = '\0';
	return 0;
}

int pbjson_name_from_aws(const char *aws, char *buf, size_t size)
{
	size_t o = 0;

	if (!aws || !*aws)
		return -EINVAL;
	for (size_t i = 0; aws[i]; i++) {
		unsigned char c = (unsigned char)aws[i];
		if (!isalnum(c))
			return -EINVAL;
		if (isupper(c) && i > 0) {
			unsigned char pc = (unsigned char)aws[i - 1];
			unsigned char nc = (unsigned char)aws[i + 1];
			/* botocore: "([a-z0-9])([A-Z])" and "(.)([A-Z][a-z]+)" */
			if (islower(pc) || isdigit(pc) || (isupper(pc) && islower(nc))) {
				if (o + 1 >= size)
					return -ENAMETOOLONG;
				buf[o++] = '_';
			}
		}
		if (o + 1 >= size)
			return -ENAMETOOLONG;
		buf[o++] = (char)tolower(c);
	}
	buf[o] = '\0';
	return 0;
}

static int swap_char(const char *in, char from, char to, char *buf, size_t size)
{
	size_t n;

	if (!in || !*in)
		return -EINVAL;
	n = strlen(in);
	if (n >= size)
		return -ENAMETOOLONG;
	for (size_t i = 0; i < n; i++) {
		if (in[i] == to)
			return -EINVAL;
		buf[i] = in[i] == from ? to : in[i];
	}
	buf[n] = '\0';
	return 0;
}

int pbjson_name_to_kebab(const char *snake, char *buf, size_t size)
{
	return swap_char(snake, '_', '-', buf, size);
}

int pbjson_name_from_kebab(const char *kebab, char *buf, size_t size)
{
	return swap_char(kebab, '-', '_', buf, size);
}

/* Field descriptors live in protobuf-c's static tables, so a descriptor's
 * address names its field for the life of the process: the names already
 * converted are kept per thread (every answer, audit record and XML
 * document converts the same few dozen), direct-mapped by address. */
#define NAME_CACHE 64
static _Thread_local struct {
	const ProtobufCFieldDescriptor *f;
	size_t len;
	char name[48];
} name_cache[NAME_CACHE];

int pbjson_field_aws_name(const ProtobufCFieldDescriptor *f, char *buf,
			  size_t size)
{
	size_t h = (size_t)((uintptr_t)f / sizeof(*f)) % NAME_CACHE;
	if (name_cache[h].f == f) {
		if (name_cache[h].len >= size)
			return -ENAMETOOLONG;
		memcpy(buf, name_cache[h].name, name_cache[h].len + 1);
		return 0;
	}
	int r = pbjson_name_to_aws(f->name, buf, size);
	if (r == 0) {
		size_t n = strlen(buf);
		if (n < sizeof(name_cache[h].name)) {
			memcpy(name_cache[h].name, buf, n + 1);
			name_cache[h].len = n;
			name_cache[h].f = f;
		}
	}
	return r;
}

/* Members that AWS spells in lower case, unlike every other: STS's
 * PolicyDescriptorType has "arn" (PolicyArns.member.N.arn, the CLI's
 * --policy-arns arn=..., boto3's PolicyArns=[{'arn': ...}]). */
static const struct {
	const char *message, *member;
} lower_members[] = {
	{ "iam.PolicyDescriptorType", "arn" },
};

const ProtobufCFieldDescriptor *
pbjson_field_by_aws_name(const ProtobufCMessageDescriptor *d, const char *aws)
{
	char snake[PBJSON_NAME_MAX], back[PBJSON_NAME_MAX];
	const ProtobufCFieldDescriptor *f;

	for (size_t i = 0; i < NELEM(lower_members); i++)
		if (strcmp(d->name, lower_members[i].message) == 0 &&
		    strcmp(aws, lower_members[i].member) == 0)
			return protobuf_c_message_descriptor_get_field_by_name(d, aws);
	if (pbjson_name_from_aws(aws, snake, sizeof(snake)) < 0)
		return NULL;
	f = protobuf_c_message_descriptor_get_field_by_name(d, snake);
	/* Only the exact spelling: "Userid" or "USERNAME" are not members. */
	if (!f || pbjson_name_to_aws(f->name, back, sizeof(back)) < 0 ||
	    strcmp(back, aws) != 0)
		return NULL;
	return f;
}
