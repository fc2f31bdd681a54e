/* test_audit_file: the audit trail's file names and the end of the chain
 * that iamd continues at start (daemon/audit_file.c, docs/audit.md), on
 * real files in a temporary directory. */
#include "config.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	char name[AUDIT_NAME_MAX], h[65], want[65];
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

	put("audit-00000004-20261129T143600Z.jsonl", "not json\n");
	tap_ok(audit_file_chain_tail(dir, &fseq, &seq, h) < 0,
	       "a last line that is not a record is refused (iamd does not start)");

	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)!system(cmd);
	return tap_done();
}
