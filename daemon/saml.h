/* saml: SAML 2.0 federation in iamd (docs/federation.md).
 *
 *   op_saml.c      the IAM SAML provider entities (STORE_DB_SAML_PROVIDERS:
 *                  account "/" lower(name) -> SAMLProviderRecord, the
 *                  metadata as given and its entityID and signing
 *                  certificates, parsed once by lib/saml when written);
 *   op_sts_saml.c  STS AssumeRoleWithSAML: an unsigned call whose
 *                  credential is a signed SAML response; its caller is
 *                  CALLER_SAML (call.h), decided by the role's trust
 *                  policy alone (authz.c, trust_alone()), and the assertion IDs
 *                  it took are remembered until their NotOnOrAfter
 *                  (replays refused, bounded memory). */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "call.h"

struct Iam__SAMLProviderRecord;
struct authz_result;

#define SAML_PROVIDERS_MAX 100          /* AWS: SAML providers per account */
#define SAML_PROVIDER_NAME_MAX 128

/* "arn:aws:iam::ACCOUNT:saml-provider/NAME" split (arena copies); -EINVAL
 * when `arn` is not such an ARN (NAME: 1-128 of [\w._-]). */
int saml_provider_arn_split(struct call *c, const char *arn, const char **ret_account,
			    const char **ret_name);
/* Provider `name` of `account`, unpacked with c->pb from c->txn; -ENOENT
 * when there is none. */
int saml_provider_get(struct call *c, const char *account, const char *name,
		      struct Iam__SAMLProviderRecord **ret);

