/* sha1: SHA-1 (RFC 3174) and HMAC-SHA1 (RFC 2104) for what must use them
 * (TOTP codes, the AWS CLI's cache file names); never for new designs. */
#ifndef IAMD_UTIL_SHA1_H
#define IAMD_UTIL_SHA1_H

#include <stddef.h>
#include <stdint.h>

#define UTIL_SHA1_LEN 20

void util_sha1(const uint8_t *p, size_t len, uint8_t out[UTIL_SHA1_LEN]);
void util_hmac_sha1(const uint8_t *key, size_t klen, const uint8_t *msg, size_t mlen,
		    uint8_t out[UTIL_SHA1_LEN]);

#endif
