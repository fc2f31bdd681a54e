#!/bin/sh
# aws_managed_counts: the AWS managed policies are shared by every account,
# but each account sees only its own use of them, as on AWS: AttachmentCount
# and PermissionsBoundaryUsageCount in GetPolicy, ListPolicies
# (OnlyAttached, PolicyUsageFilter), GetAccountAuthorizationDetails and the
# entities of ListEntitiesForPolicy, with two accounts (iamd:CreateAccount)
# using the same policies; after a restart too.
. "$top_srcdir/tests/integration/lib.sh"

[ -x "$IAMCTL" ] || skip_all "iamctl not built"
command -v python3 >/dev/null || skip_all "python3 missing"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE
A=414141414141
B=424242424242
IAMD_ACCOUNT_ID=$A
iamd_start || bail_out "iamd did not start"
unset IAMD_ACCOUNT_ID

j() { printf '%s' "$OUT" | json_get "$1"; }
names() {
	printf '%s' "$OUT" | python3 -c 'import json,sys;print(" ".join(x[sys.argv[2]] for x in json.load(sys.stdin).get(sys.argv[1], [])))' "$1" "$2"
}
# counts LIST-KEY: "Name:AttachmentCount:PermissionsBoundaryUsageCount ..."
counts() {
	printf '%s' "$OUT" | python3 -c 'import json,sys
print(" ".join("%s:%s:%s" % (x["PolicyName"], x["AttachmentCount"], x["PermissionsBoundaryUsageCount"]) for x in json.load(sys.stdin).get(sys.argv[1], [])))' "$1"
}
ADMIN=arn:aws:iam::aws:policy/AdministratorAccess
RO=arn:aws:iam::aws:policy/IAMReadOnlyAccess
PW=arn:aws:iam::aws:policy/IAMUserChangePassword
TRUST='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
inA() { run "$IAMCTL" --as-account "$A" "$@"; }
inB() { run "$IAMCTL" --as-account "$B" "$@"; }
get_counts() {   # ACCOUNT-FN ARN -> "attachments boundaries"
	"$1" iam get-policy --policy-arn "$2"
	printf '%s %s' "$(j '["Policy"]["AttachmentCount"]')" "$(j '["Policy"]["PermissionsBoundaryUsageCount"]')"
}

run "$IAMCTL" iamd create-account --account-id "$B"
is "$RC" 0 "account B is created"

# --- A: two attachments of AdministratorAccess, one boundary ---
inA iam create-user --user-name alice
inA iam attach-user-policy --user-name alice --policy-arn "$ADMIN"
is "$RC" 0 "A: alice gets AdministratorAccess"
inA iam create-role --role-name ops --assume-role-policy-document "$TRUST"
inA iam attach-role-policy --role-name ops --policy-arn "$ADMIN"
is "$RC" 0 "A: role ops gets AdministratorAccess"
inA iam create-user --user-name bob --permissions-boundary "$RO"
is "$RC" 0 "A: bob has IAMReadOnlyAccess as his boundary"
# --- B: one attachment ---
inB iam create-user --user-name carol
inB iam attach-user-policy --user-name carol --policy-arn "$ADMIN"
is "$RC" 0 "B: carol gets AdministratorAccess"

is "$(get_counts inA "$ADMIN")" "2 0" "A: GetPolicy AdministratorAccess counts A's two attachments only"
is "$(get_counts inB "$ADMIN")" "1 0" "B: GetPolicy AdministratorAccess counts B's one attachment only"
is "$(get_counts inA "$RO")" "0 1" "A: IAMReadOnlyAccess is one boundary"
is "$(get_counts inB "$RO")" "0 0" "B: IAMReadOnlyAccess unused"
is "$(get_counts inB "$PW")" "0 0" "B: an unused policy counts 0"

inA iam list-policies --scope AWS --only-attached
is "$(counts Policies)" "AdministratorAccess:2:0" "A: list-policies --only-attached"
inB iam list-policies --scope AWS --only-attached
is "$(counts Policies)" "AdministratorAccess:1:0" "B: list-policies --only-attached"
inA iam list-policies --scope AWS --policy-usage-filter PermissionsBoundary
is "$(counts Policies)" "IAMReadOnlyAccess:0:1" "A: list-policies PermissionsBoundary"
inB iam list-policies --scope AWS --policy-usage-filter PermissionsBoundary
is "$(counts Policies)" "" "B: no AWS managed policy is a boundary there"
inB iam list-policies --scope AWS
like "$(counts Policies)" "AdministratorAccess:1:0 .*IAMReadOnlyAccess:0:0" "B: list-policies shows B's counts for every policy"

inA iam get-account-authorization-details --no-paginate --filter AWSManagedPolicy
is "$(counts Policies)" "AdministratorAccess:2:0 IAMReadOnlyAccess:0:1" \
	"A: get-account-authorization-details shows the AWS managed policies A uses, with A's counts"
inB iam get-account-authorization-details --no-paginate --filter AWSManagedPolicy
is "$(counts Policies)" "AdministratorAccess:1:0" "B: only what B uses, with B's counts"

inA --no-paginate iam list-entities-for-policy --policy-arn "$ADMIN"
is "$(names PolicyUsers UserName) / $(names PolicyRoles RoleName)" "alice / ops" "A: list-entities-for-policy: A's entities"
inB --no-paginate iam list-entities-for-policy --policy-arn "$ADMIN"
is "$(names PolicyUsers UserName) / $(names PolicyRoles RoleName)" "carol / " "B: B's only"

# --- changes in one account leave the other's counts alone ---
inB iam detach-user-policy --user-name carol --policy-arn "$ADMIN"
is "$RC" 0 "B: carol's attachment is removed"
is "$(get_counts inB "$ADMIN")" "0 0" "B: AttachmentCount back to 0"
is "$(get_counts inA "$ADMIN")" "2 0" "A: still 2"
inB iam detach-user-policy --user-name carol --policy-arn "$ADMIN"
like "$ERR" "NoSuchEntity" "B: detaching again: NoSuchEntity"
is "$(get_counts inB "$ADMIN")" "0 0" "B: and the count stays 0 (never below)"
inB iam list-policies --scope AWS --only-attached
is "$(counts Policies)" "" "B: nothing attached"
inB iam get-account-authorization-details --no-paginate --filter AWSManagedPolicy
is "$(counts Policies)" "" "B: no AWS managed policy in the details"
inB iam put-user-permissions-boundary --user-name carol --permissions-boundary "$RO"
is "$(get_counts inB "$RO")" "0 1" "B: carol's boundary counts in B"
is "$(get_counts inA "$RO")" "0 1" "A: A's count unchanged"
inA iam detach-role-policy --role-name ops --policy-arn "$ADMIN"
inA iam delete-user-permissions-boundary --user-name bob
is "$(get_counts inA "$ADMIN") / $(get_counts inA "$RO")" "1 0 / 0 0" "A: detach and boundary removal count in A"
is "$(get_counts inB "$RO")" "0 1" "B: B's boundary still counted"

# --- after a restart ---
ok "iamd stops" iamd_stop
IAMD_ACCOUNT_ID=$A
iamd_start || bail_out "iamd did not restart"
unset IAMD_ACCOUNT_ID
is "$(get_counts inA "$ADMIN") / $(get_counts inA "$RO")" "1 0 / 0 0" "A: counts kept across a restart"
is "$(get_counts inB "$ADMIN") / $(get_counts inB "$RO")" "0 0 / 0 1" "B: counts kept across a restart"
# --- the migration to schema 4 recounts them from the attachments and
# boundaries (a store as schema 3 left it, with counts that lie) ---
if command -v mdb_dump >/dev/null && command -v mdb_load >/dev/null; then
	ok "iamd stops" iamd_stop
	mdb_dump -p -s meta "$IAMD_STATE_DIR/db" | python3 -c '
import sys
lines = sys.stdin.read().split("\n")
out, i = [], 0
while i < len(lines):
    l = lines[i]
    out.append(l)
    if l == " meta":
        v = lines[i + 1]
        assert v.startswith(" \\08\\0"), v
        out.append(" \\08\\03" + v[len(" \\08\\0N"):])
        i += 1
    elif l.startswith(" awsuse/"):
        out.append(" 7 7")
        i += 1
    i += 1
print("\n".join(out), end="")' > "$TMP/meta.dump"
	ok "the meta database rewritten as schema 3 with wrong counts" \
		mdb_load -s meta -f "$TMP/meta.dump" "$IAMD_STATE_DIR/db"
	IAMD_ACCOUNT_ID=$A
	iamd_start || bail_out "iamd did not restart"
	unset IAMD_ACCOUNT_ID
	is "$(get_counts inA "$ADMIN") / $(get_counts inA "$RO")" "1 0 / 0 0" "A: counts recomputed by the migration"
	is "$(get_counts inB "$ADMIN") / $(get_counts inB "$RO")" "0 0 / 0 1" "B: counts recomputed by the migration"
else
	skip "the schema 4 migration" "mdb_dump/mdb_load (lmdb-utils) missing"
fi
inB iam delete-user-permissions-boundary --user-name carol
is "$(get_counts inB "$RO")" "0 0" "B: boundary removed"
inA iam detach-user-policy --user-name alice --policy-arn "$ADMIN"
is "$(get_counts inA "$ADMIN")" "0 0" "A: last attachment removed"
inA iam list-policies --scope AWS --only-attached
is "$(counts Policies)" "" "A: nothing attached"

ok "iamd stops cleanly" iamd_stop
done_testing
