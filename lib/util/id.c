/* id: AWS-shaped unique ids and account ids (see id.h). */
#include "util/id.h"
#include "util/random.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>

static const char id_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* Access key ids are 20 characters (AKIA/ASIA and 16), as AWS makes them;
 * every other id is 21 (a prefix and 17). */
static size_t id_len_for(const char *prefix)
{
	return strncmp(prefix, UTIL_ID_ACCESS_KEY, 4) == 0 ||
	       strncmp(prefix, UTIL_ID_TEMP_ACCESS_KEY, 4) == 0 ? 20 : UTIL_ID_LEN;
}

static bool id_prefix_valid(const char *prefix)
{
	if (!prefix || strlen(prefix) != 4)
		return false;
	for (int i = 0; i < 4; i++)
		if (prefix[i] < 'A' || prefix[i] > 'Z')
			return false;
	return true;
}

int util_id_from_bytes(const char *prefix, const uint8_t rnd[UTIL_ID_RANDOM],
		       char ret[UTIL_ID_LEN + 1])
{
	if (!id_prefix_valid(prefix))
		return -EINVAL;
	memcpy(ret, prefix, 4);
	/* 256 is a multiple of 32: the low 5 bits are uniform. */
	size_t len = id_len_for(prefix);
	for (size_t i = 0; i + 4 < len; i++)
		ret[4 + i] = id_alphabet[rnd[i] & 31];
	ret[len] = '\0';
	return 0;
}

int util_id_new(const char *prefix, char ret[UTIL_ID_LEN + 1])
{
	uint8_t rnd[UTIL_ID_RANDOM];
	if (!id_prefix_valid(prefix))
		return -EINVAL;
	int r = util_random_bytes(rnd, sizeof(rnd));
	if (r == 0)
		r = util_id_from_bytes(prefix, rnd, ret);
	sodium_memzero(rnd, sizeof(rnd));
	return r;
}

bool util_id_valid(const char *id, const char *prefix)
{
	if (!id || strlen(id) < 4 || strlen(id) != id_len_for(id))
		return false;
	if (prefix ? strncmp(id, prefix, 4) != 0 : !id_prefix_valid((char[5]){ id[0], id[1], id[2], id[3], 0 }))
		return false;
	for (size_t i = 4; id[i]; i++)
		if (!strchr(id_alphabet, id[i]))
			return false;
	return true;
}

int util_account_id_new(char ret[13])
{
	if (sodium_init() < 0)
		return -EIO;
	ret[0] = (char)('1' + randombytes_uniform(9));
	for (int i = 1; i < 12; i++)
		ret[i] = (char)('0' + randombytes_uniform(10));
	ret[12] = '\0';
	return 0;
}

bool util_account_id_valid(const char *s)
{
	if (!s || strlen(s) != 12)
		return false;
	for (int i = 0; i < 12; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}
