#!/bin/sh
# audit_commit_fail.sh: a mutating call whose record was written (durably,
# before the commit) but whose LMDB commit then failed: the trail gets a
# second durable record of the same requestID with the errorCode the caller
# got and additionalEventData.supersedesEventID naming the first; `iamctl
# audit lookup` shows the call once, as failed (--include-superseded shows
# both). The commit failure is real: the file size limit of the running
# iamd (prlimit --fsize) is set to the size of its data.mdb, so LMDB's
# commit cannot write the pages it needs (EFBIG), while the trail's files
# (rotated at 16 KiB) stay below it.
. "$top_srcdir/tests/integration/lib.sh"

command -v python3 >/dev/null || skip_all "needs python3"
command -v prlimit >/dev/null || skip_all "needs prlimit (util-linux)"
[ -x "$IAMCTL" ] || skip_all "iamctl not built"
AUD=$IAMD_STATE_DIR/audit
DB=$IAMD_STATE_DIR/db/data.mdb

keyd_start || bail_out "iam-keyd did not start"
iamd_start --audit-max-file-size 16384 || bail_out "iamd did not start"
run "$IAMCTL" iam create-user --user-name before
is "$RC" 0 "a user created before the limit"
[ -f "$DB" ] || bail_out "no $DB"
prlimit --pid "$IAMD_PID" --fsize="$(stat -c %s "$DB"):" ||
	skip_all "cannot set iamd's file size limit"
# LMDB may first reuse freed pages: the first commit that must grow fails
i=0
VICTIM=
while [ $i -lt 40 ]; do
	run "$IAMCTL" iam create-user --user-name "victim$i"
	if [ "$RC" != 0 ]; then
		VICTIM=victim$i
		break
	fi
	i=$((i + 1))
done
[ -n "$VICTIM" ] || bail_out "no commit failed under the file size limit"
pass "a commit failed ($VICTIM)"
like "$ERR" "ServiceFailure" "the caller got ServiceFailure"
like "$(grep 'commit failed' "$IAMD_LOG")" "CreateUser: commit failed" "iamd logged the commit failure"
# durable before the answer: already in the file, before any timer ran
like "$(cat "$AUD"/*.jsonl)" "\"supersedesEventID\"" "the follow-up record is in the file when the caller has its answer"
prlimit --pid "$IAMD_PID" --fsize=unlimited:
run "$IAMCTL" iam get-user --user-name "$VICTIM"
like "$ERR" "NoSuchEntity" "nothing changed: the user does not exist"
run "$IAMCTL" iam create-user --user-name after
is "$RC" 0 "writes work again without the limit"
ok "iamd stops" iamd_stop

run "$IAMCTL" audit lookup --state-dir "$IAMD_STATE_DIR" --event-name CreateUser
printf '%s\n' "$OUT" >"$TMP/lookup"
is "$(python3 -c '
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
v = [r for r in rs if r["requestParameters"]["userName"] == sys.argv[2]]
print(len(v), v[0].get("errorCode") if v else None)' "$TMP/lookup" "$VICTIM")" "1 ServiceFailure" \
	"lookup: the call once, as failed (errorCode ServiceFailure)"
run "$IAMCTL" audit lookup --state-dir "$IAMD_STATE_DIR" --event-name CreateUser --include-superseded
printf '%s\n' "$OUT" >"$TMP/all"
is "$(python3 -c '
import json, sys
rs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
v = [r for r in rs if r["requestParameters"]["userName"] == sys.argv[2]]
a, b = v
ok = (len(v) == 2 and "errorCode" not in a and a["responseElements"] is not None
      and b["errorCode"] == "ServiceFailure" and b["responseElements"] is None
      and a["requestID"] == b["requestID"] and a["eventID"] != b["eventID"]
      and b["additionalEventData"]["supersedesEventID"] == a["eventID"]
      and b["recordSequence"] == a["recordSequence"] + 1)
print(ok)' "$TMP/all" "$VICTIM")" True \
	"--include-superseded: the first record (success) and the one that supersedes it"
run "$IAMCTL" audit lookup --state-dir "$IAMD_STATE_DIR" --error-code ServiceFailure --output table
like "$OUT" "CreateUser +arn:aws:iam::[0-9]{12}:root +ServiceFailure" "lookup --error-code ServiceFailure finds it"
run "$IAMCTL" audit lookup --state-dir "$IAMD_STATE_DIR" --event-name CreateUser --output table
is "$(printf '%s\n' "$OUT" | grep -c CreateUser)" $((i + 3)) "the table: each call once ($i created under the limit)"
run "$IAMCTL" audit verify --state-dir "$IAMD_STATE_DIR" --require-signed
is "$RC" 0 "the trail verifies"

done_testing
