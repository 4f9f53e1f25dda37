#!/bin/sh
# What a hostile pull request can do to a CI run, through the command line.
#
#   test_safety.sh IAMGUARD SOURCE_DIR
#
# 1. Expansion and memory: the 815-byte template of ten nested Fn::Sub (8^10
#    bytes) is a limit problem at the Fn::Sub that crosses the budget, in
#    milliseconds; --max-expansion raises the budget (and rejects nonsense).
#    With the budget raised past what the machine has, under an address-space
#    limit (ulimit -v), the file that runs out of memory fails on its own (an
#    IAMGUARD-PARSE result and a notification, exit status 3); every other
#    file is scanned and the SARIF file is complete. The ulimit part is
#    skipped where the limit cannot apply (AddressSanitizer, valgrind).
# No `timeout` around the scans: the test has ctest's time limit, and under
# tests/valgrind.sh a program started by `timeout` would not be checked.
set -u
bin=$1
src=$2
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null || { echo "skip: jq is needed"; exit 0; }

# ---- 1. out of memory on one file -------------------------------------------------------

m=$tmp/memory
mkdir -p "$m"
# Ten nested Fn::Sub, each repeating the next eight times: 8^10 bytes.
awk 'BEGIN {
    s = "\"x\""
    for (i = 0; i < 10; i++)
        s = "{\"Fn::Sub\": [\"${V}${V}${V}${V}${V}${V}${V}${V}\", {\"V\": " s "}]}"
    printf "{\"AWSTemplateFormatVersion\": \"2010-09-09\", \"Resources\": {\"P\": {\"Type\": \"AWS::IAM::Policy\",\n"
    printf " \"Properties\": {\"PolicyName\": \"p\", \"PolicyDocument\": {\"Statement\": [\n"
    printf "  {\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": %s}]}}}}}\n", s
}' >"$m/bomb.json"
cp "$src/examples/policies/ci-deploy-role.json" "$m/a-good.json"
cp "$src/examples/policies/ci-deploy-role.json" "$m/z-good.json"
"$bin" scan -f json -o "$tmp/good-alone.json" "$m/a-good.json" "$m/z-good.json" >/dev/null 2>&1
(cd "$m" && exec "$bin" scan --no-config -f json -o "$tmp/budget.json" bomb.json) >/dev/null 2>&1
rc=$?
[ $rc -eq 3 ] && ok "budget: exit 3" || fail "budget: exit $rc, want 3"
jq -e '.diagnostics | map(select(.level == "error" and .line == 3
        and (.message | startswith("Fn::Sub expands to more than this file'"'"'s budget of 1048576 bytes")))) | length == 1' \
    "$tmp/budget.json" >/dev/null 2>&1 && ok "budget: one problem at the Fn::Sub that crosses it" ||
    { fail "budget: no problem at the Fn::Sub"; jq .diagnostics "$tmp/budget.json"; }
(cd "$m" && exec "$bin" scan --no-config --max-expansion 64M -f json -o "$tmp/raised.json" bomb.json) >/dev/null 2>&1
rc=$?
[ $rc -eq 3 ] && jq -e '.diagnostics[0].message | contains("67108864 bytes")' "$tmp/raised.json" >/dev/null 2>&1 &&
    ok "budget: --max-expansion 64M raises it" || fail "budget: --max-expansion 64M (exit $rc)"
printf 'limits:\n  max_expansion: 32M\n' >"$tmp/expansion.yml"
(cd "$m" && exec "$bin" scan --config "$tmp/expansion.yml" -f json -o "$tmp/cfg.json" bomb.json) >/dev/null 2>&1
jq -e '.diagnostics[0].message | contains("33554432 bytes")' "$tmp/cfg.json" >/dev/null 2>&1 &&
    ok "budget: limits.max_expansion in the configuration raises it" || fail "budget: limits.max_expansion"
for bad in 0 -1 12Q; do
    "$bin" scan --max-expansion "$bad" "$m" >/dev/null 2>"$tmp/err"
    rc=$?
    [ $rc -eq 2 ] && grep -q -- "--max-expansion needs a size" "$tmp/err" && ok "budget: --max-expansion $bad is a usage error" ||
        fail "budget: --max-expansion $bad: exit $rc"
done
if ! (ulimit -v 400000 && "$bin" version) >/dev/null 2>&1; then
    echo "skip memory: the address-space limit cannot apply to this build (sanitizer or valgrind)"
else
    for j in 1 2; do
        (cd "$m" && ulimit -v 400000 && exec "$bin" scan -j $j --no-config --max-expansion 100G -f sarif \
            -o "$tmp/mem.sarif" .) >"$tmp/mem.out" 2>&1
        rc=$?
        [ $rc -eq 3 ] && ok "memory -j$j: exit 3" || { fail "memory -j$j: exit $rc, want 3"; cat "$tmp/mem.out"; }
        if jq -e '.runs[0].results | map(select(.ruleId == "IAMGUARD-PARSE"
                and (.message.text | contains("out of memory"))
                and .locations[0].physicalLocation.artifactLocation.uri == "bomb.json")) | length == 1' \
            "$tmp/mem.sarif" >/dev/null 2>&1; then
            ok "memory -j$j: the file that ran out of memory is an IAMGUARD-PARSE result"
        else
            fail "memory -j$j: no IAMGUARD-PARSE result for bomb.json"
        fi
        if jq -e '.runs[0].invocations[0].toolExecutionNotifications
                | map(select(.message.text | contains("out of memory"))) | length == 1' \
            "$tmp/mem.sarif" >/dev/null 2>&1; then
            ok "memory -j$j: and a notification"
        else
            fail "memory -j$j: no notification"
        fi
        want=$(jq '.findings | length' "$tmp/good-alone.json")
        got=$(jq '[.runs[0].results[] | select(.ruleId | startswith("IAM-"))] | length' "$tmp/mem.sarif")
        [ "$got" = "$want" ] && [ "$want" -gt 0 ] && ok "memory -j$j: every other file's $want findings" ||
            fail "memory -j$j: $got findings of the good files, want $want"
    done
fi

[ $fails -eq 0 ] && echo "all passed" || echo "$fails failed"
exit $((fails > 0))
