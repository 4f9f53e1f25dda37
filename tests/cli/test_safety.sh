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
# 2. Forged text: file names, logical IDs, policy names, Sids, rule ids,
#    rule messages and documentation holding newlines, workflow commands,
#    ESC sequences and bidi controls reach the text report, stderr and the
#    rules/explain listings only escaped (no raw control byte, no bidi
#    control, no line that starts with "::"), while SARIF and JSON keep them
#    exact.
# 3. Interrupted writes: SIGINT, SIGTERM and SIGHUP sent to a real scan -o
#    (and merge -o) while it writes a report of tens of megabytes: exit status
#    130, 143 or 129, the temporary file is gone, the old report is intact.
# 4. Write errors: every command whose standard output cannot be written
#    (>/dev/full) exits 2 with a message, as scan and merge do.
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

# ---- 2. forged text ----------------------------------------------------------------------

f=$tmp/forged
mkdir -p "$f/rules"
bidi=$(printf '\342\200\256')
evil_name=$(printf 'evil\n::error file=x::forged.json')
printf '{"Statement": [{"Sid": "A\\u202eB\\u2066C", "Effect": "Allow", "Action": "ssm:SendCommand", "Resource": "*"}]}\n' \
    >"$f/$evil_name"
printf '{"Statement": [{"Effect": "Allow", "Action": "ssm:SendCommand", "Resource": "*"}]}\n' >"$f/::warning::x.json"
printf '{"Resources": {"Role\\u001b]0;pwned\\u0007": {"Type": "AWS::IAM::Policy", "Properties": {
  "PolicyName": "p\\r\\n::notice::x", "PolicyDocument": {"Statement": [
  {"Effect": "Allow", "Action": "ssm:StartSession", "Resource": "*"}]}}}}}\n' >"$f/t.json"
printf '{"Statement": [\n' >"$f/$(printf 'broken\033[31m.json')"
printf 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  "R\\e]2;t\\a\\u2067":\n    Type: AWS::IAM::Policy\n    Properties:\n      PolicyDocument: {Statement: [{Effect: Allow, Action: "ssm:SendCommand", Resource: "*"}]}\n' \
    >"$f/t.yaml"
cat >"$f/rules/evil.lua" <<'LUA'
return { id = "EVIL-1", level = "warning",
  short_description = "Short \27[2J\n::error::doc \226\128\174",
  full_description = "Line one\n::warning::two\n\27]0;x\7",
  check = function(policy, report)
    report{ message = "msg \226\128\174 reversed\n::error file=a::b\r\27[1A" }
  end }
LUA
# Each output: no byte below 0x20 but newline, no bidi control, no "::" line.
clean() { # name file
    if LC_ALL=C tr -d '\n' <"$2" | LC_ALL=C grep -q '[[:cntrl:]]'; then
        fail "$1: raw control characters"
        LC_ALL=C grep -n '[[:cntrl:]]' "$2" | head -n 3 | od -c | head -n 5
    elif grep -q "$bidi" "$2"; then
        fail "$1: a raw bidi control"
    elif grep -q '^::' "$2"; then
        fail "$1: a line starts a workflow command"
        grep -n '^::' "$2" | head -n 3
    else
        ok "$1: escaped"
    fi
}
(cd "$f" && exec "$bin" scan --no-config --color never --rules rules .) >"$tmp/forged.out" 2>"$tmp/forged.err"
rc=$?
[ $rc -eq 3 ] && ok "forged: exit 3" || fail "forged: exit $rc, want 3"
clean "forged: text report" "$tmp/forged.out"
clean "forged: stderr" "$tmp/forged.err"
grep -q 'evil\\n::error file=x::forged.json:1:' "$tmp/forged.out" && grep -q '^\\x3a:warning::x.json:1:' "$tmp/forged.out" &&
    grep -q "Role\\\\x1b\]0;pwned\\\\x07, policy 'p\\\\r\\\\n::notice::x'" "$tmp/forged.out" &&
    grep -q 'Statement "A\\u202eB\\u2066C"' "$tmp/forged.out" &&
    grep -q 'msg \\u202e reversed ::error file=a::b' "$tmp/forged.out" &&
    ok "forged: names, logical IDs, policy names, Sids and rule messages show their escapes" ||
    { fail "forged: escapes not as documented"; cat "$tmp/forged.out"; }
(cd "$f" && exec "$bin" scan -q --no-config --color never --rules rules .) >/dev/null 2>"$tmp/quiet.err"
clean "forged: problems on stderr (-q)" "$tmp/quiet.err"
grep -q 'broken\\x1b\[31m.json:2:1:' "$tmp/quiet.err" && ok "forged: -q names the broken file escaped" ||
    { fail "forged: -q stderr"; cat "$tmp/quiet.err"; }
(cd "$f" && exec "$bin" scan --no-config --rules rules -f sarif -o "$tmp/forged.sarif" .) >/dev/null 2>"$tmp/sarif.err"
clean "forged: stderr with -o" "$tmp/sarif.err"
jq -e --arg id "$(printf 'Role\033]0;pwned\007')" --arg sid "$(printf 'A\342\200\256B\342\201\246C')" '
    [.runs[0].results[].properties] as $p
    | ($p | map(select(.logicalId == $id)) | length > 0)
      and ($p | map(select(.statement == $sid)) | length > 0)
      and ([.runs[0].results[].locations[0].physicalLocation.artifactLocation.uri]
           | index("evil%0A%3A%3Aerror%20file=x%3A%3Aforged.json") != null)' "$tmp/forged.sarif" >/dev/null &&
    ok "forged: SARIF keeps every string exact" || fail "forged: SARIF is not exact"
"$bin" rules --rules "$f/rules" >"$tmp/rules.out" 2>&1
clean "forged: rules" "$tmp/rules.out"
"$bin" explain --rules "$f/rules" EVIL-1 >"$tmp/explain.out" 2>&1
clean "forged: explain" "$tmp/explain.out"
grep -q '^\\x3a:warning::two$' "$tmp/explain.out" && ok "forged: explain keeps its lines, escaped" ||
    { fail "forged: explain"; cat "$tmp/explain.out"; }
"$bin" scan "$f/$(printf 'no\033]0;such\007file.json')" >/dev/null 2>"$tmp/missing.err"
clean "forged: an error naming a missing file" "$tmp/missing.err"

# ---- 3. interrupted writes ----------------------------------------------------------------

g=$tmp/signals
mkdir -p "$g/in"
# Under valgrind (tests/valgrind.sh) a report of a few megabytes already
# takes long to write.
n=10000
[ "${IAMG_TEST_TIME_SCALE:-1}" -gt 1 ] && n=1000
for k in 1 2; do
    awk -v n=$n 'BEGIN { printf "{\"Statement\": [\n"
        for (i = 0; i < n; i++)
            printf "%s{\"Sid\": \"S%d\", \"Effect\": \"Allow\", \"Action\": \"ssm:SendCommand\", \"Resource\": \"*\"}\n", (i ? "," : ""), i
        printf "]}\n" }' >"$g/in/p$k.json"
done
"$bin" scan -q --no-config -f json -o "$g/report.json" "$g/in" >/dev/null 2>&1
"$bin" scan -q --no-config -f sarif --shard 1/2 -o "$g/shard-1.sarif" "$g/in" >/dev/null 2>&1
"$bin" scan -q --no-config -f sarif --shard 2/2 -o "$g/shard-2.sarif" "$g/in" >/dev/null 2>&1
"$bin" merge -o "$g/merged.sarif" "$g/shard-1.sarif" "$g/shard-2.sarif" >/dev/null 2>&1
cp "$g/report.json" "$g/report.old"
cp "$g/merged.sarif" "$g/merged.old"
# A background job of a shell without job control starts with SIGINT
# ignored (and iamguard keeps an ignored signal ignored): env restores them.
if env --default-signal=INT true 2>/dev/null; then
    sigenv="env --default-signal=INT,TERM,HUP"
else
    sigenv="env"
fi
interrupt() { # name signal status output command...
    name=$1 sig=$2 want=$3 out=$4
    shift 4
    tries=0
    while :; do
        tries=$((tries + 1))
        $sigenv "$@" >/dev/null 2>&1 &
        pid=$!
        # Signal it once its temporary file exists: mid-write.
        while kill -0 $pid 2>/dev/null && [ -z "$(ls "$out".tmp.* 2>/dev/null)" ]; do :; done
        kill -s "$sig" $pid 2>/dev/null
        wait $pid
        rc=$?
        [ $rc -eq "$want" ] || [ $tries -ge 5 ] || case $rc in 0|1|3) continue ;; esac
        break
    done
    [ $rc -eq "$want" ] && ok "$name: SIG$sig mid-write: exit $want" ||
        fail "$name: SIG$sig mid-write: exit $rc, want $want ($tries tries)"
    left=$(ls "$out".tmp.* 2>/dev/null)
    [ -z "$left" ] && ok "$name: SIG$sig: no temporary file left" || fail "$name: SIG$sig left $left"
}
for sw in INT:130 TERM:143 HUP:129; do
    interrupt "scan -o" "${sw%%:*}" "${sw##*:}" "$g/report.json" \
        "$bin" scan -q --no-config -f json -o "$g/report.json" "$g/in"
    cmp -s "$g/report.json" "$g/report.old" && ok "scan -o: SIG${sw%%:*}: the old report is intact" ||
        fail "scan -o: SIG${sw%%:*}: the old report changed"
    interrupt "merge -o" "${sw%%:*}" "${sw##*:}" "$g/merged.sarif" \
        "$bin" merge -o "$g/merged.sarif" "$g/shard-1.sarif" "$g/shard-2.sarif"
    cmp -s "$g/merged.sarif" "$g/merged.old" && ok "merge -o: SIG${sw%%:*}: the old report is intact" ||
        fail "merge -o: SIG${sw%%:*}: the old report changed"
done

# ---- 4. write errors ---------------------------------------------------------------------

if [ -w /dev/full ]; then
    "$bin" scan -q --no-config -f sarif -o "$tmp/one.sarif" "$src/examples/policies" >/dev/null 2>&1
    for cmd in "rules" "rules -f json" "explain IAM-SSM-1" "explain -f json IAM-SSM-1" \
        "version" "--version" "--help" "help" "help scan" "scan --help" "rules --help" \
        "explain --help" "merge --help" "test-rules --help" "new-rule --help" \
        "test-rules $src/lua/rules" "scan --no-config $src/examples" \
        "scan --no-config -f json $src/examples" "merge $tmp/one.sarif" "rules --packs" \
        "rules --packs -f json" "scan --no-config -o /dev/full $src/examples"; do
        # shellcheck disable=SC2086
        "$bin" $cmd >/dev/full 2>"$tmp/full.err"
        rc=$?
        # The message says why, as strerror does ("write error" where the
        # stream lost the reason).
        if [ $rc -eq 2 ] && grep -Eq 'cannot write.*: (No space left on device|write error)' "$tmp/full.err"; then
            ok "write error: iamguard $cmd >/dev/full: exit 2 with a message"
        else
            fail "write error: iamguard $cmd >/dev/full: exit $rc: $(head -c 200 "$tmp/full.err")"
        fi
    done
else
    echo "skip write errors: no writable /dev/full"
fi

[ $fails -eq 0 ] && echo "all passed" || echo "$fails failed"
exit $((fails > 0))
