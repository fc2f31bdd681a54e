/* Unit tests for lib/util/id: AWS-shaped ids and account ids. */
#include "util/id.h"
#include "../tap.h"

#include <errno.h>

int main(void)
{
	char id[UTIL_ID_LEN + 1], id2[UTIL_ID_LEN + 1];
	uint8_t rnd[UTIL_ID_RANDOM];

	for (int i = 0; i < UTIL_ID_RANDOM; i++)
		rnd[i] = (uint8_t)(i * 8 + 255 * (i & 1));
	TAP_IS_INT(util_id_from_bytes("AIDA", rnd, id), 0, "id from injected bytes");
	TAP_IS_INT(strlen(id), 21, "ids are 21 characters");
	tap_ok(strncmp(id, "AIDA", 4) == 0, "id starts with its prefix");
	memset(rnd, 0, sizeof(rnd));
	util_id_from_bytes("AGPA", rnd, id);
	TAP_IS_STR(id, "AGPAAAAAAAAAAAAAAAAAA", "zero bytes map to A");
	memset(rnd, 31, sizeof(rnd));
	util_id_from_bytes("AGPA", rnd, id);
	TAP_IS_STR(id, "AGPA77777777777777777", "31 maps to 7");

	TAP_IS_INT(util_id_new(UTIL_ID_USER, id), 0, "util_id_new");
	tap_ok(util_id_valid(id, "AIDA"), "new id is valid with its prefix");
	tap_ok(util_id_valid(id, NULL), "and with any prefix");
	tap_ok(!util_id_valid(id, "AGPA"), "not with another prefix");
	int shape = 1;
	for (int i = 4; i < 21; i++)
		shape &= (id[i] >= 'A' && id[i] <= 'Z') || (id[i] >= '2' && id[i] <= '7');
	tap_ok(shape, "random part is A-Z2-7");
	util_id_new(UTIL_ID_USER, id2);
	tap_ok(strcmp(id, id2) != 0, "two ids differ");
	TAP_IS_INT(util_id_new("aida", id), -EINVAL, "lower-case prefix refused");
	TAP_IS_INT(util_id_new("AID", id), -EINVAL, "short prefix refused");
	tap_ok(!util_id_valid("AIDA0000000000000000A", "AIDA"), "0 and 1 are not base32");
	tap_ok(!util_id_valid("AIDAAAAA", NULL), "short id invalid");
	TAP_IS_INT(util_id_new(UTIL_ID_ACCESS_KEY, id), 0, "an access key id");
	TAP_IS_INT(strlen(id), 20, "access key ids are 20 characters, as AWS's");
	tap_ok(util_id_valid(id, "AKIA"), "and valid");
	TAP_IS_INT(util_id_new(UTIL_ID_TEMP_ACCESS_KEY, id), 0, "a temporary access key id");
	TAP_IS_INT(strlen(id), 20, "ASIA ids are 20 characters too");
	tap_ok(!util_id_valid("AKIAAAAAAAAAAAAAAAAAA", "AKIA"), "a 21-character AKIA id is not one");
	tap_ok(!util_id_valid("AIDAAAAAAAAAAAAAAAAA", "AIDA"), "a 20-character user id is not one");

	/* Every character of the alphabet shows up over many ids. */
	int seen[256] = { 0 };
	for (int n = 0; n < 200; n++) {
		util_id_new("AROA", id);
		for (int i = 4; i < 21; i++)
			seen[(unsigned char)id[i]] = 1;
	}
	int all = 1;
	for (const char *c = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"; *c; c++)
		all &= seen[(unsigned char)*c];
	tap_ok(all, "all 32 characters appear in 200 ids");

	char acct[13], acct2[13];
	TAP_IS_INT(util_account_id_new(acct), 0, "account id");
	tap_ok(util_account_id_valid(acct) && acct[0] != '0', "12 digits, no leading zero");
	util_account_id_new(acct2);
	tap_ok(strcmp(acct, acct2) != 0, "two account ids differ");
	tap_ok(!util_account_id_valid("12345678901"), "11 digits invalid");
	tap_ok(!util_account_id_valid("12345678901a"), "a letter invalid");
	tap_ok(util_account_id_valid("000000000000"), "leading zeros valid when given");
	return tap_done();
}
