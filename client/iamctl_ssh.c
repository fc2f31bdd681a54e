/* iamctl ssh authorized-keys: sshd's AuthorizedKeysCommand (docs/ssh.md).
 *
 *   AuthorizedKeysCommand /usr/bin/iamctl ssh authorized-keys %U
 *   AuthorizedKeysCommandUser iamd-ssh
 *
 * prints, in authorized_keys format, the Active SSH public keys of the IAM
 * user the local user is bound to (docs/local-identities.md), one line
 * each: "ssh-rsa BASE64 USERNAME/APKA...". It makes ONE call,
 * iamd:ListLocalUserSSHPublicKeys {Uid}, as whoever runs it: the
 * AuthorizedKeysCommandUser must be bound to an IAM user allowed that
 * action (never root: sshd refuses nothing, but nothing here needs it).
 * The key lines are iamd's canonical SSH encoding, never the uploaded text,
 * so no key option or second line can reach sshd.
 *
 * The argument is a local user name (%u) or a numeric uid (%U). An unbound
 * user prints nothing and exits 0 (sshd then tries its other sources);
 * with --same-name, an unbound user falls back to the IAM user of the same
 * name in the caller's account. Errors go to stderr (sshd logs them) with
 * exit status 1; a user unknown to NSS is an error. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.pb-c.h"
#include "iam.h"
#include "iam_ssh.pb-c.h"

int iamctl_ssh_main(int argc, char **argv, const char *socket, int timeout_ms);

static int usage(void)
{
	fprintf(stderr, "usage: iamctl ssh authorized-keys [--same-name] USER|UID\n\n"
			"Prints the Active SSH public keys of the IAM user bound to a local "
			"user,\nfor sshd's AuthorizedKeysCommand (docs/ssh.md).\n");
	return 252;
}

/* The uid of a user name, or of a number when no user has that name. */
static int local_uid(const char *arg, uint32_t *ret)
{
	struct passwd *pw = getpwnam(arg);
	if (pw) {
		*ret = (uint32_t)pw->pw_uid;
		return 0;
	}
	char *end;
	errno = 0;
	unsigned long v = strtoul(arg, &end, 10);
	if (*arg && *arg != '-' && !*end && errno == 0 && v < UINT32_MAX) {
		*ret = (uint32_t)v;
		return 0;
	}
	return -ENOENT;
}

static int authorized_keys(const char *arg, bool same_name, const char *socket,
			   int timeout_ms)
{
	Iam__ListLocalUserSSHPublicKeysRequest q = IAM__LIST_LOCAL_USER_SSHPUBLIC_KEYS_REQUEST__INIT;
	ProtobufCMessage *m = NULL;
	iam_client *c = NULL;
	iam_error *e = NULL;
	int status = 1;
	uint32_t uid;

	if (local_uid(arg, &uid) < 0) {
		fprintf(stderr, "iamctl ssh authorized-keys: no local user %s\n", arg);
		return 1;
	}
	q.has_uid = true;
	q.uid = uid;
	if (same_name) {
		struct passwd *pw = getpwuid((uid_t)uid);
		q.user_name = pw ? pw->pw_name : (char *)arg;
	}
	int r = iam_client_new_with_timeout(socket, timeout_ms >= 0 ? timeout_ms :
					    IAM_DEFAULT_TIMEOUT_MS, &c);
	if (r < 0) {
		fprintf(stderr, "iamctl ssh authorized-keys: cannot connect to iamd: %s\n",
			strerror(-r));
		return 1;
	}
	r = iam_call(c, "ListLocalUserSSHPublicKeys", &q.base, &m, &e);
	if (r < 0) {
		fprintf(stderr, "iamctl ssh authorized-keys: %s: %s\n",
			e ? iam_error_code(e) : "Error", e ? iam_error_message(e) : strerror(-r));
		goto out;
	}
	const Iam__ListLocalUserSSHPublicKeysResponse *resp =
		(const Iam__ListLocalUserSSHPublicKeysResponse *)m;
	for (size_t i = 0; i < resp->n_ssh_public_keys; i++) {
		const Iam__SSHPublicKey *k = resp->ssh_public_keys[i];
		const char *body = k->ssh_public_key_body;
		/* iamd's canonical "ssh-rsa BASE64": one line, no options */
		if (!body || strncmp(body, "ssh-rsa ", 8) != 0 || strpbrk(body, "\r\n") ||
		    strchr(body + 8, ' '))
			continue;
		printf("%s %s/%s\n", body, resp->user_name ? resp->user_name : "",
		       k->ssh_public_key_id ? k->ssh_public_key_id : "");
	}
	status = fflush(stdout) == 0 ? 0 : 1;
out:
	iam_message_free(m);
	iam_error_free(e);
	iam_client_free(c);
	return status;
}

int iamctl_ssh_main(int argc, char **argv, const char *socket, int timeout_ms)
{
	bool same_name = false;
	int i = 1;
	if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0)
		return argc < 2 ? usage() : (usage(), 0);
	if (strcmp(argv[i++], "authorized-keys") != 0)
		return usage();
	if (i < argc && strcmp(argv[i], "--same-name") == 0) {
		same_name = true;
		i++;
	}
	if (i != argc - 1)
		return usage();
	return authorized_keys(argv[i], same_name, socket, timeout_ms);
}
