#!/bin/sh
# Hostile inputs and hostile rules through the command line.
#
#   test_hostile.sh IAMGUARD SOURCE_DIR
#
# 1. A batch of every case of tests/cases/hostile, the examples (good files
#    with known findings) and inputs made here (300,000 brackets in JSON and
#    YAML, 200,000 statements, a 16 MiB string, a file over --max-file-size,
#    a FIFO and a folder named x.json, a link loop, a dangling link): the scan
#    finishes with exit status 3, the examples' findings are exactly those of
#    scanning them alone, each broken case file is a SARIF result at its
#    position, and the SARIF validates (GitHub's rules, when the multitool is
#    installed; required with IAMG_REQUIRE_MULTITOOL=1).
# 2. Every attack of ../shared/SANDBOX.md as a rule file (tests/cases/hostile/
#    rules, plus a precompiled chunk made here) loaded with the built-in rules:
#    the built-in findings are all still there, each broken rule is named with
#    the failure its first line expects, nothing escapes, exit status 3.
# No `timeout` around the scans: the test has ctest's time limit, and under
# tests/valgrind.sh a program started by `timeout` would not be checked.
set -u
bin=$1
src=$2
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null || { echo "skip: jq is needed"; exit 0; }
mt=${SARIF_MULTITOOL:-/opt/sarif-mt/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool}
validate=$src/../shared/sarif/validate-sarif.sh

validate_sarif() { # name file
    if [ -x "$mt" ] && [ -f "$validate" ]; then
        if SARIF_MULTITOOL=$mt sh "$validate" "$2" >"$tmp/validate.out" 2>&1; then
            ok "$1: SARIF validates (GitHub ingestion rules)"
        else
            fail "$1: SARIF does not validate"
            head -n 20 "$tmp/validate.out"
        fi
    elif [ -n "${IAMG_REQUIRE_MULTITOOL:-}" ]; then
        fail "$1: SARIF validation required, but no sarif-multitool at $mt or no $validate"
    else
        echo "skip $1: SARIF validation (no sarif-multitool at $mt)"
    fi
}

# Findings of a JSON report as "path line:col rule", sorted; $2 filters paths.
findings() { jq -r --arg p "${2:-}" '.findings[] | select(.path | startswith($p))
    | "\(.path) \(.line):\(.column) \(.rule_id)"' "$1" | sort; }

repeat() { # text count
    awk -v s="$1" -v n="$2" 'BEGIN { for (i = 0; i < n; i++) printf "%s", s }'
}

# ---- 1. the batch ------------------------------------------------------------------------

b=$tmp/batch
mkdir -p "$b/gen" "$b/gen/dir.json"
cp -R "$src/tests/cases/hostile" "$b/hostile"
rm -rf "$b/hostile/rules"
cp -R "$src/examples" "$b/good"
repeat '[' 300000 >"$b/gen/deep.json"
repeat '{a: ' 300000 >"$b/gen/deep.yaml"
{
    echo '{"Version": "2012-10-17", "Statement": ['
    awk 'BEGIN { for (i = 0; i < 200000; i++)
        printf "  {\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"arn:aws:s3:::b%d/*\"},\n", i }'
    echo '  {"Sid": "Last", "Effect": "Allow", "Action": "ssm:SendCommand", "Resource": "*"}'
    echo ']}'
} >"$b/gen/many.json"
{
    printf '{"Statement": [{"Sid": "'
    repeat AAAAAAAAAAAAAAAA 1048576
    printf '",\n  "Effect": "Allow", "Action": "ssm:StartSession", "Resource": "*"}]}\n'
} >"$b/gen/huge.json"
{
    printf '{"Statement": [{"Effect": "Allow", "Action": "ssm:SendCommand", "Resource": "*"}]}\n'
    repeat '                                ' 1000000
} >"$b/gen/too-big.json"
cp "$src/examples/policies/ci-deploy-role.json" "$b/gen/dir.json/inside.json"
mkfifo "$b/gen/x.json"
ln -s .. "$b/gen/loop"
ln -s nowhere.json "$b/gen/dangling.json"

"$bin" scan -f json -o "$tmp/good.json" --base-dir "$b" "$b/good" >/dev/null 2>&1
if [ "$(jq '.findings | length' "$tmp/good.json")" -lt 5 ]; then
    fail "the examples alone give too few findings"
fi

for follow in "" "--follow-symlinks"; do
    name="batch${follow:+ $follow}"
    start=$(date +%s)
    # --rule-timeout: checking 200,000 statements under valgrind takes longer than 5 s.
    "$bin" scan -f sarif -o "$tmp/batch.sarif" --max-file-size 20M --rule-timeout 600000 -j 2 $follow \
        --base-dir "$b" "$b" >"$tmp/out" 2>&1
    st=$?
    "$bin" scan -f json -o "$tmp/batch.json" --max-file-size 20M --rule-timeout 600000 -j 2 $follow \
        --base-dir "$b" "$b" >/dev/null 2>&1
    secs=$(($(date +%s) - start))
    if [ $st -eq 3 ]; then ok "$name: exit status 3 (${secs}s for two scans)"; else fail "$name: exit status $st, expected 3"; cat "$tmp/out"; fi
    jq -e '.version == "2.1.0"' "$tmp/batch.sarif" >/dev/null || fail "$name: SARIF is not valid JSON"

    # The good files: exactly their findings when scanned alone.
    findings "$tmp/good.json" good/ >"$tmp/want"
    findings "$tmp/batch.json" good/ >"$tmp/got"
    if cmp -s "$tmp/want" "$tmp/got"; then
        ok "$name: the examples' $(wc -l <"$tmp/want") findings are all there"
    else
        fail "$name: the examples' findings differ from scanning them alone"
        diff "$tmp/want" "$tmp/got" | head -n 20
    fi

    # Each broken case file: a SARIF result at the position its case expects.
    missing=0
    for exp in "$b"/hostile/*/expected.txt; do
        case=$(basename "$(dirname "$exp")")
        grep '^diag error ' "$exp" | while read -r _ _ file pos _; do
            line=${pos%%:*}
            col=${pos#*:}
            uri="hostile/$case/$file"
            if ! jq -e --arg u "$uri" --argjson l "$line" --argjson c "$col" \
                '[.runs[0].results[] | select(.locations[0].physicalLocation.artifactLocation.uri == $u
                  and .locations[0].physicalLocation.region.startLine == $l
                  and .locations[0].physicalLocation.region.startColumn == $c)] | length > 0' \
                "$tmp/batch.sarif" >/dev/null; then
                echo "  no SARIF result for $uri at $line:$col"
                echo x >>"$tmp/missing"
            fi
        done
    done
    [ -f "$tmp/missing" ] && missing=$(wc -l <"$tmp/missing")
    rm -f "$tmp/missing"
    if [ "$missing" -eq 0 ]; then ok "$name: every broken case file is a SARIF result at its position"
    else fail "$name: $missing broken case files are not reported at their position"; fi

    # The generated ones.
    for want in 'gen/deep.json 1 1001' 'gen/deep.yaml 1' 'gen/too-big.json'; do
        set -- $want
        jq -e --arg u "$1" --arg l "${2:-}" --arg c "${3:-}" \
            '[.runs[0].results[] | select(.locations[0].physicalLocation.artifactLocation.uri == $u
              and ($l == "" or .locations[0].physicalLocation.region.startLine == ($l | tonumber))
              and ($c == "" or .locations[0].physicalLocation.region.startColumn == ($c | tonumber)))]
             | length == 1' "$tmp/batch.sarif" >/dev/null ||
            fail "$name: $1 is not reported as one SARIF result${2:+ at line $2}"
    done
    for want in 'gen/many.json 200002:48 IAM-SSM-1' 'gen/huge.json 2:32 IAM-SSM-2' \
        'gen/dir.json/inside.json'; do
        grep -q "^$want" "$tmp/got.all" 2>/dev/null || findings "$tmp/batch.json" >"$tmp/got.all"
        grep -q "^$want" "$tmp/got.all" || fail "$name: no finding '$want'"
    done
    rm -f "$tmp/got.all"
    jq -e '[.diagnostics[] | select(.path == "gen/x.json" and .kind == "skipped")] | length == 1' \
        "$tmp/batch.json" >/dev/null || fail "$name: the FIFO gen/x.json is not reported as skipped"
    validate_sarif "$name" "$tmp/batch.sarif"
done

# ---- 2. hostile rules ---------------------------------------------------------------------

r=$tmp/rules
cp -R "$src/tests/cases/hostile/rules" "$r"
# A precompiled chunk: rules are loaded as text only.
printf -- '\033LuaT\000\031\223\r\n\032\n\004\b\b' >"$r/bytecode.lua"
printf -- '-- expect: syntax error\n' >"$tmp/bytecode.expect"
# Memory and instruction limits must trip first: the time limit (10 s, scaled
# for slow runs: tests/common/time_scale.h) only catches a hang, far from any
# normal run, or a loaded machine would trip it instead.
scale=${IAMG_TEST_TIME_SCALE:-1}
limits="--rule-timeout $((10000 * ${scale%%.*})) --rule-instructions 200000 --rule-memory 16M"
rm -f /tmp/iamguard-hostile-rule-escaped
"$bin" scan -f json -o "$tmp/plain.json" --base-dir "$src" "$src/examples" >/dev/null 2>&1
start=$(date +%s)
# shellcheck disable=SC2086
"$bin" scan -f json -o "$tmp/rules.json" --rules "$r" $limits -j 2 --base-dir "$src" "$src/examples" >/dev/null 2>&1
st=$?
# shellcheck disable=SC2086
"$bin" scan -f sarif -o "$tmp/rules.sarif" --rules "$r" $limits -j 2 --base-dir "$src" "$src/examples" >/dev/null 2>&1
st2=$?
secs=$(($(date +%s) - start))
if [ $st -eq 3 ] && [ $st2 -eq 3 ]; then ok "hostile rules: exit status 3 (${secs}s for two scans)"
else fail "hostile rules: exit status $st / $st2, expected 3"; fi
[ -e /tmp/iamguard-hostile-rule-escaped ] && fail "hostile rules: a rule ran a shell command"

jq -r '.findings[] | select(.rule_id | startswith("IAM-")) | "\(.path) \(.line):\(.column) \(.rule_id)"' \
    "$tmp/plain.json" | sort >"$tmp/want"
jq -r '.findings[] | select(.rule_id | startswith("IAM-")) | "\(.path) \(.line):\(.column) \(.rule_id)"' \
    "$tmp/rules.json" | sort >"$tmp/got"
if [ -s "$tmp/want" ] && cmp -s "$tmp/want" "$tmp/got"; then
    ok "hostile rules: the $(wc -l <"$tmp/want") built-in findings are all there (JSON)"
else
    fail "hostile rules: built-in findings differ"
    diff "$tmp/want" "$tmp/got" | head -n 20
fi
jq -e '.version == "2.1.0"' "$tmp/rules.sarif" >/dev/null || fail "hostile rules: SARIF is not valid JSON"
jq -r '.runs[0].results[] | select(.ruleId | startswith("IAM-"))
    | "\(.locations[0].physicalLocation.artifactLocation.uri) \(.locations[0].physicalLocation.region.startLine):\(.locations[0].physicalLocation.region.startColumn) \(.ruleId)"' \
    "$tmp/rules.sarif" | sort >"$tmp/got.sarif"
if cmp -s "$tmp/want" "$tmp/got.sarif"; then
    ok "hostile rules: the built-in findings are all in the SARIF"
else
    fail "hostile rules: built-in findings are missing from the SARIF"
    diff "$tmp/want" "$tmp/got.sarif" | head -n 20
fi

# The report holds 20,000 findings: keep what the checks below read.
jq '{diagnostics: .diagnostics, ids: ([.findings[].rule_id] | unique)}' "$tmp/rules.json" >"$tmp/rules.small.json"
for f in "$r"/*.lua; do
    base=$(basename "$f")
    if [ "$base" = bytecode.lua ]; then expect=$(sed -n 's/^-- expect: //p' "$tmp/bytecode.expect")
    else expect=$(sed -n '1s/^-- expect: //p' "$f"); fi
    [ -n "$expect" ] || { fail "$base: no '-- expect:' line"; continue; }
    if [ "$expect" = finding ]; then
        id=$(sed -n 's/.*id = "\([^"]*\)".*/\1/p' "$f" | head -n 1)
        if jq -e --arg id "$id" '.ids | index($id) != null' "$tmp/rules.small.json" >/dev/null; then
            ok "rule $base: runs, its findings are reported"
        else
            fail "rule $base: no findings of $id"
        fi
        continue
    fi
    # Named: the rule file is the problem's path, or its message names it,
    # or the problem is about the rule the file defines.
    id=$(sed -n 's/.*id = "\([^"]*\)".*/\1/p' "$f" | head -n 1)
    if jq -e --arg f "$base" --arg e "$expect" --arg id "${id:-none}" '[.diagnostics[] | select(.kind == "rule-failure"
            and (((.path // "") | endswith("/" + $f)) or (.message | contains("/" + $f))
                 or (.rule_id // "") == $id)
            and ((.message | contains($e)) or ((.rule_id // "") == $e)))] | length > 0' \
        "$tmp/rules.small.json" >/dev/null; then
        ok "rule $base: reported ($expect)"
    else
        fail "rule $base: no rule failure naming it with '$expect'"
        jq -r --arg f "$base" '.diagnostics[] | select((.path // "" | endswith($f)) or (.message | contains($f))) | .message' \
            "$tmp/rules.small.json" | head -n 3
    fi
done
# Messages reached the reports sanitized: valid UTF-8 (jq read them) with
# no control bytes, and capped.
jq -e '[.findings[] | select(.rule_id == "HOSTILE-BYTES") | .message
        | select(test("[\u0000-\u0008\u000b-\u001f]"))] | length == 0' "$tmp/rules.json" >/dev/null ||
    fail "hostile rules: control bytes in a message"
jq -e '[.findings[] | select(.rule_id == "HOSTILE-BIGMSG") | .message | length] | max <= 4200' \
    "$tmp/rules.json" >/dev/null || fail "hostile rules: a megabyte message was not cut"
if [ "$(stat -c %s "$tmp/rules.sarif")" -le 10000000 ]; then
    validate_sarif "hostile rules" "$tmp/rules.sarif"
else
    echo "skip hostile rules: SARIF of $(stat -c %s "$tmp/rules.sarif") bytes is over the multitool's 10 MB"
fi

[ $fails -eq 0 ] && echo "all hostile CLI checks passed"
[ $fails -eq 0 ]
