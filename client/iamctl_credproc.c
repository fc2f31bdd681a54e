/* iamctl credential-process: the calling process's host credentials
 * (iamd:GetCredentials through libiam's iam_credentials_get()) in the AWS
 * SDKs' credential_process format:
 *   {"Version": 1, "AccessKeyId": ..., "SecretAccessKey": ...,
 *    "SessionToken": ..., "Expiration": "2025-01-02T03:04:05Z"}
 * so that ~/.aws/config's `credential_process = iamctl credential-process`
 * gives the AWS CLI and SDKs the role of the process's host association
 * (docs/host-roles.md). Errors go to stderr with exit status 1. */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "iam.h"
#include "iamctl.h"

int iamctl_credential_process(const char *socket, int timeout_ms);
int iamctl_credential_process(const char *socket, int timeout_ms)
{
	iam_client *c = NULL;
	iam_credentials *k = NULL;
	iam_error *e = NULL;
	char exp[32];
	int status = 1;
	int r = iam_client_new_with_timeout(socket, timeout_ms >= 0 ? timeout_ms :
					    IAM_DEFAULT_TIMEOUT_MS, &c);
	if (r < 0) {
		fprintf(stderr, "iamctl credential-process: cannot connect to iamd: %s\n",
			strerror(-r));
		return 1;
	}
	r = iam_credentials_get_error(c, &k, &e);
	if (r < 0) {
		fprintf(stderr, "iamctl credential-process: %s: %s\n",
			e ? iam_error_code(e) : "Error", e ? iam_error_message(e) : strerror(-r));
		goto out;
	}
	time_t t = (time_t)iam_credentials_expiration(k);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(exp, sizeof(exp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_t *j = json_pack("{s:i, s:s, s:s, s:s, s:s}", "Version", 1, "AccessKeyId",
			      iam_credentials_access_key_id(k), "SecretAccessKey",
			      iam_credentials_secret_access_key(k), "SessionToken",
			      iam_credentials_session_token(k), "Expiration", exp);
	if (j && json_dumpf(j, stdout, JSON_INDENT(4) | JSON_PRESERVE_ORDER) == 0) {
		putchar('\n');
		status = fflush(stdout) == 0 ? 0 : 1;
	}
	json_decref(j);
out:
	iam_error_free(e);
	iam_credentials_free(k);
	iam_client_free(c);
	return status;
}
