/* test_audit_file: the audit trail's file names and the end of the chain
 * that iamd continues at start (daemon/audit_file.c, docs/audit.md), on
 * real files in a temporary directory; a file left without a digest. */
#include "config.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "audit_file.h"
#include "../tap.h"

static char dir[] = "/tmp/test_audit_file.XXXXXX";

static void put(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

int main(void)
{
	char name[AUDIT_NAME_MAX], h[65], want[65], cmd[128];
	uint64_t fseq = 99, seq = 99;
	if (sodium_init() < 0 || !mkdtemp(dir))
		return 99;

	audit_file_name(7, 1795962838, name);
	TAP_IS_STR(name, "audit-00000007-20261129T143358Z.jsonl", "file name: sequence then UTC time");
	TAP_IS_INT(audit_file_seq(name), 7, "its sequence number read back");
	TAP_IS_INT(audit_file_seq("audit-0000007-20261129T143358Z.jsonl"), 0, "7 digits: not a trail file");
	TAP_IS_INT(audit_file_seq("audit-00000007-x.json"), 0, "not .jsonl: not a trail file");
	TAP_IS_INT(audit_file_seq("notes.txt"), 0, "another file is not");

	TAP_IS_INT(audit_file_chain_tail(dir, &fseq, &seq, h), 0, "an empty trail");
	TAP_IS_INT(fseq, 0, "no file yet");
	TAP_IS_INT(seq, 0, "no record yet");
	TAP_IS_STR(h, "0000000000000000000000000000000000000000000000000000000000000000",
		   "the first record's previousRecordHash is 64 zeros");

	const char *l1 = "{\"eventName\":\"GetUser\",\"recordSequence\":1,\"previousRecordHash\":\"00\"}";
	const char *l2 = "{\"eventName\":\"CreateUser\",\"recordSequence\":2,\"previousRecordHash\":\"ab\"}";
	char text[512];
	snprintf(text, sizeof(text), "%s\n%s\n", l1, l2);
	put("audit-00000001-20261129T143358Z.jsonl", text);
	put("audit-00000002-20261129T143400Z.jsonl", "");
	put("unrelated.jsonl", "{\"recordSequence\":77}\n");
	TAP_IS_INT(audit_file_chain_tail(dir, &fseq, &seq, h), 0, "a trail whose newest file is empty");
	TAP_IS_INT(fseq, 2, "the highest file number");
	TAP_IS_INT(seq, 2, "the last record's sequence, from the file before");
	audit_sha256_hex(l2, strlen(l2), want);
	TAP_IS_STR(h, want, "the hash of the last record's line, without its newline");

	snprintf(text, sizeof(text), "%s\n{\"recordSeq", l1);
	put("audit-00000003-20261129T143500Z.jsonl", text);
	TAP_IS_INT(audit_file_chain_tail(dir, &fseq, &seq, h), 0, "a file ending in a partial record");
	TAP_IS_INT(seq, 1, "the chain goes on from its last whole record");
	audit_sha256_hex(l1, strlen(l1), want);
	TAP_IS_STR(h, want, "and that record's hash");

	/* the file iamd was writing when killed: no digest yet */
	int64_t oldest = -1, newest = -1;
	char un[AUDIT_NAME_MAX] = "";
	put("audit-00000005-20261129T143700Z.jsonl",
	    "{\"eventTime\":\"2026-11-29T14:37:00Z\",\"recordSequence\":3}\n"
	    "{\"eventTime\":\"2026-11-29T14:38:20Z\",\"recordSequence\":4}\n");
	TAP_IS_INT(audit_file_undigested(dir, 5, un, &oldest, &newest), 1,
		   "a file with records and no digest is undigested");
	TAP_IS_STR(un, "audit-00000005-20261129T143700Z.jsonl", "its name");
	TAP_IS_INT(oldest, 1795963020, "its first record's eventTime");
	TAP_IS_INT(newest, 1795963100, "its last record's eventTime");
	TAP_IS_INT(audit_file_undigested(dir, 2, un, &oldest, &newest), 0,
		   "an empty file needs no digest");
	TAP_IS_INT(audit_file_undigested(dir, 9, un, &oldest, &newest), 0, "no such file");
	snprintf(cmd, sizeof(cmd), "%s/digest", dir);
	(void)!mkdir(cmd, 0700);
	put("digest/audit-00000005-20261129T143700Z.digest.json", "{}");
	TAP_IS_INT(audit_file_undigested(dir, 5, un, &oldest, &newest), 0,
		   "a file with a digest is not undigested");
	snprintf(cmd, sizeof(cmd), "%s/audit-00000005-20261129T143700Z.jsonl", dir);
	unlink(cmd);

	put("audit-00000004-20261129T143600Z.jsonl", "not json\n");
	tap_ok(audit_file_chain_tail(dir, &fseq, &seq, h) < 0,
	       "a last line that is not a record is refused (iamd does not start)");

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)!system(cmd);
	return tap_done();
}
