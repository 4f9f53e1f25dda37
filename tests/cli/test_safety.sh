#!/bin/sh
# What a hostile pull request can do to a CI run, through the command line.
#
#   test_safety.sh IAMGUARD SOURCE_DIR
#
# 1. Memory: under an address-space limit (ulimit -v), a file that needs more
#    memory than there is fails on its own (an IAMGUARD-PARSE result and a
#    notification, exit status 3); every other file is scanned and the SARIF
#    file is complete. Skipped where the limit cannot apply (AddressSanitizer,
#    valgrind).
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
if ! (ulimit -v 400000 && "$bin" version) >/dev/null 2>&1; then
    echo "skip memory: the address-space limit cannot apply to this build (sanitizer or valgrind)"
else
    for j in 1 2; do
        (cd "$m" && ulimit -v 400000 && exec "$bin" scan -j $j --no-config -f sarif \
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
