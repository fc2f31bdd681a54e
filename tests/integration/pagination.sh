#!/bin/sh
# pagination: ListUsers across 1,000+ users: MaxItems pages, IsTruncated,
# opaque markers (stable when the next user is deleted, refused when
# forged), PathPrefix with paging, iamctl's automatic paging and NextToken.
. "$top_srcdir/tests/integration/lib.sh"
# this file checks iamd's own validation: iamctl sends the parameters as
# given, without the AWS CLI's client-side checks (iamctl_validate.sh)
IAMCTL_SKIP_CLIENT_VALIDATION=1
export IAMCTL_SKIP_CLIENT_VALIDATION

[ -x "$IAMCTL" ] || skip_all "iamctl not built"
LOAD=$top_builddir/tests/integration/iam_load
[ -x "$LOAD" ] || bail_out "iam_load not built"
command -v python3 >/dev/null || skip_all "python3 missing"
iamd_start || bail_out "iamd did not start"

expect_err() {
	is "$RC" 254 "$4: exit status 254"
	like "$ERR" "^An error occurred \\($1\\) when calling the $2 operation: .*$3" "$4: $1"
}
# page: "COUNT TRUNCATED FIRST LAST" of the last output
page() {
	printf '%s' "$OUT" | python3 -c 'import json,sys
d=json.load(sys.stdin); u=[x["UserName"] for x in d["Users"]]
print(len(u), d.get("IsTruncated"), u[0] if u else "-", u[-1] if u else "-")'
}
marker() { printf '%s' "$OUT" | json_get '["Marker"]'; }

run "$LOAD" create-users "$IAMD_SOCKET" p 1000 /p/
is "$RC" 0 "1000 users created under /p/"
for n in q1 q2 q3; do
	"$IAMCTL" iam create-user --user-name "$n" --path /q/ >/dev/null || fail "create $n"
done
run "$IAMCTL" iam create-user --user-name a-first
is "$RC" 0 "1004 users in all"

# the API's pages, one call each
run "$IAMCTL" --no-paginate iam list-users
is "$(page)" "100 True a-first p00098" "no MaxItems: 100 users, truncated"
like "$(marker)" '^[A-Za-z0-9_-]+$' "an opaque marker"
run "$IAMCTL" --no-paginate iam list-users --max-items 1000
is "$(page)" "1000 True a-first p00998" "MaxItems 1000: the maximum page"
run "$IAMCTL" --no-paginate iam list-users --max-items 1000 --marker "$(marker)"
is "$(page)" "4 False p00999 q3" "the rest: IsTruncated false"
unlike "$OUT" '"Marker"' "the last page has no marker"
run "$IAMCTL" --no-paginate iam list-users --max-items 1001
expect_err ValidationError ListUsers "Value '1001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000" \
	"MaxItems 1001"
run "$IAMCTL" --no-paginate iam list-users --max-items 0
expect_err ValidationError ListUsers "Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1" \
	"MaxItems 0"

# walk all of it with pages of 97 and check every user comes once, in order
: >"$TMP/walk"
m=
calls=0
while :; do
	if [ -n "$m" ]; then
		run "$IAMCTL" --no-paginate iam list-users --max-items 97 --marker "$m"
	else
		run "$IAMCTL" --no-paginate iam list-users --max-items 97
	fi
	[ "$RC" -eq 0 ] || break
	calls=$((calls + 1))
	printf '%s' "$OUT" | python3 -c 'import json,sys;[print(u["UserName"]) for u in json.load(sys.stdin)["Users"]]' >>"$TMP/walk"
	m=$(printf '%s' "$OUT" | python3 -c 'import json,sys;print(json.load(sys.stdin).get("Marker",""))')
	[ -n "$m" ] || break
	[ $calls -lt 50 ] || break
done
is "$calls" 11 "1004 users in 11 pages of 97"
is "$(wc -l <"$TMP/walk")" 1004 "every user listed"
is "$(sort -u "$TMP/walk" | wc -l)" 1004 "none twice"
sort "$TMP/walk" | cmp -s - "$TMP/walk" && pass "in name order" || fail "in name order"

# iamctl's own paging gives the same list
run "$IAMCTL" iam list-users
is "$RC" 0 "iamctl list-users follows every marker"
printf '%s' "$OUT" | python3 -c 'import json,sys;[print(u["UserName"]) for u in json.load(sys.stdin)["Users"]]' >"$TMP/all"
cmp -s "$TMP/all" "$TMP/walk" && pass "same 1004 users as the manual walk" || fail "same 1004 users as the manual walk"
run "$IAMCTL" iam list-users --page-size 333
printf '%s' "$OUT" | python3 -c 'import json,sys;[print(u["UserName"]) for u in json.load(sys.stdin)["Users"]]' >"$TMP/all333"
cmp -s "$TMP/all333" "$TMP/walk" && pass "pages of 333: the same list" || fail "pages of 333: the same list"
run "$IAMCTL" iam list-users --max-items 250 --page-size 100
is "$(page)" "250 None a-first p00248" "--max-items 250: 250 users"
tok=$(printf '%s' "$OUT" | json_get '["NextToken"]')
run "$IAMCTL" iam list-users --max-items 250 --page-size 100 --starting-token "$tok"
is "$(page)" "250 None p00249 p00498" "--starting-token continues"

# PathPrefix with paging
run "$IAMCTL" --no-paginate iam list-users --path-prefix /q/ --max-items 2
is "$(page)" "2 True q1 q2" "a prefix page"
run "$IAMCTL" --no-paginate iam list-users --path-prefix /q/ --max-items 2 --marker "$(marker)"
is "$(page)" "1 False q3 q3" "the prefix's last page"
run "$IAMCTL" --no-paginate iam list-users --path-prefix /p/ --max-items 1000
is "$(page)" "1000 False p00000 p00999" "all 1000 of /p/ in one page, not truncated"
run "$IAMCTL" --no-paginate iam list-users --path-prefix /nothing/
is "$(page)" "0 False - -" "an empty prefix"

# a marker points at the next user: deleting that user does not break it
run "$IAMCTL" --no-paginate iam list-users --max-items 10
m=$(marker)
run "$IAMCTL" iam delete-user --user-name p00009
is "$RC" 0 "delete the first user of the next page"
run "$IAMCTL" --no-paginate iam list-users --max-items 3 --marker "$m"
is "$(page)" "3 True p00010 p00012" "the marker still works and skips the deleted user"
run "$IAMCTL" --no-paginate iam list-users --marker 'AAAA'
expect_err InvalidInput ListUsers "marker" "a forged marker"
run "$IAMCTL" --no-paginate iam list-users --marker "$(printf 'x%.0s' $(seq 400))"
expect_err ValidationError ListUsers "at 'marker'" "an oversized marker"
# a ListUserTags marker is not a ListUsers marker
"$IAMCTL" iam tag-user --user-name q1 --tags Key=a,Value=1 Key=b,Value=2 >/dev/null
run "$IAMCTL" --no-paginate iam list-user-tags --user-name q1 --max-items 1
tm=$(marker)
run "$IAMCTL" --no-paginate iam list-users --marker "$tm"
expect_err InvalidInput ListUsers "marker" "a marker of another list is refused"

ok "iamd stops" iamd_stop
done_testing
