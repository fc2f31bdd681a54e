/* id: AWS-shaped unique ids (AIDA..., AGPA..., AROA...: a 4-letter prefix
 * and 17 characters of A-Z2-7 from util_random_bytes, random.h) and 12-digit
 * account ids. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#define UTIL_ID_RANDOM 17
#define UTIL_ID_LEN (4 + UTIL_ID_RANDOM)   /* without the NUL */

#define UTIL_ID_USER "AIDA"
#define UTIL_ID_GROUP "AGPA"
#define UTIL_ID_ROLE "AROA"
#define UTIL_ID_POLICY "ANPA"
#define UTIL_ID_INSTANCE_PROFILE "AIPA"
#define UTIL_ID_ACCESS_KEY "AKIA"
#define UTIL_ID_TEMP_ACCESS_KEY "ASIA"

/* A new id: `prefix` (exactly 4 of A-Z) and 17 random base32 characters,
 * or 16 for access key ids (AKIA, ASIA: 20 in all, as AWS's). -EINVAL for a
 * bad prefix. UTIL_ID_LEN is the longest. */
int util_id_new(const char *prefix, char ret[UTIL_ID_LEN + 1]);
/* The same from given random bytes (tests inject them). */
int util_id_from_bytes(const char *prefix, const uint8_t rnd[UTIL_ID_RANDOM],
		       char ret[UTIL_ID_LEN + 1]);
/* Whether `id` has the shape of an id with `prefix` (NULL: any prefix). */
bool util_id_valid(const char *id, const char *prefix);

/* A random 12-digit account id (the first digit is not 0). */
int util_account_id_new(char ret[13]);
bool util_account_id_valid(const char *s);
