/* iamctl_mfa: the AWS CLI's own options of create-virtual-mfa-device:
 * --outfile FILE and --bootstrap-method Base32StringSeed | QRCodePNG (both
 * required, as the AWS CLI has them). The chosen blob is written to FILE
 * (mode 0600, created or truncated: the seed, or the PNG picture of its
 * otpauth:// URI) and both blobs are left out of what is printed. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "iamctl.h"
#include "pbjson/pbjson.h"

static bool is_create(const struct iamctl_cmd *cmd)
{
	return strcmp(cmd->action, "CreateVirtualMFADevice") == 0;
}

int iamctl_mfa_args(const struct iamctl_cmd *cmd, int *argc, char **argv,
		    struct iamctl_opts *o)
{
	int n = 0;
	if (!is_create(cmd))
		return 0;
	for (int i = 0; i < *argc; i++) {
		const char **slot = strcmp(argv[i], "--outfile") == 0 ? &o->outfile :
				    strcmp(argv[i], "--bootstrap-method") == 0 ?
				    &o->bootstrap_method : NULL;
		if (!slot) {
			argv[n++] = argv[i];
			continue;
		}
		if (i + 1 >= *argc)
			return iamctl_usage_error("argument %s: expected one argument", argv[i]);
		*slot = argv[++i];
	}
	*argc = n;
	for (int i = 0; i < n; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "--generate-cli-skeleton") == 0)
			return 0;
	/* missing: iamctl_args_parse() says so with the other required
	 * arguments; with --cli-input-json too (the seed is never printed) */
	for (int i = 0; i < n && (!o->outfile || !o->bootstrap_method); i++)
		if (strncmp(argv[i], "--cli-input-json", 16) == 0)
			return iamctl_usage_error("the following arguments are required: "
						  "--outfile, --bootstrap-method");
	if (o->bootstrap_method && strcmp(o->bootstrap_method, "QRCodePNG") != 0 &&
	    strcmp(o->bootstrap_method, "Base32StringSeed") != 0)
		return iamctl_usage_error("argument --bootstrap-method: Invalid choice, valid "
					  "choices are:\n\nQRCodePNG | Base32StringSeed");
	return 0;
}

int iamctl_mfa_output(const struct iamctl_cmd *cmd, const struct iamctl_opts *o, json_t *result)
{
	json_t *dev = json_object_get(result, "VirtualMFADevice");
	uint8_t *blob = NULL;
	size_t len = 0;
	int r = 0;
	if (!is_create(cmd) || !o->outfile || !dev)
		return 0;
	const char *b64 = json_string_value(json_object_get(dev, o->bootstrap_method));
	if (!b64 || pbjson_base64_decode(b64, &blob, &len) < 0) {
		fprintf(stderr, "\niamctl: the answer holds no %s\n", o->bootstrap_method);
		return IAMCTL_EXIT_SERVICE;
	}
	int fd = open(o->outfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || fchmod(fd, 0600) < 0 || write(fd, blob, len) != (ssize_t)len) {
		fprintf(stderr, "\niamctl: cannot write %s: %s\n", o->outfile, strerror(errno));
		r = IAMCTL_EXIT_CONNECT;
	}
	if (fd >= 0 && close(fd) < 0 && r == 0) {
		fprintf(stderr, "\niamctl: cannot write %s: %s\n", o->outfile, strerror(errno));
		r = IAMCTL_EXIT_CONNECT;
	}
	explicit_bzero(blob, len);
	free(blob);
	json_object_del(dev, "Base32StringSeed");
	json_object_del(dev, "QRCodePNG");
	return r;
}
