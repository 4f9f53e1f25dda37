#!/bin/sh
# Sharded scans and `iamguard merge`: a tree scanned in 3 shards and merged
# must give the report of one unsharded scan; examples/fanout/parallel.sh
# must work; merge refuses inputs that do not belong together; the merged
# report passes the SARIF validator when it is installed. Also the
# configuration file and --baseline from the command line.
# Usage: test_merge.sh IAMGUARD SOURCE_DIR
set -u
bin=$1
src=$2
. "$(dirname "$0")/lib.sh"

check() { # name expected-status actual-status
    if [ "$2" != "$3" ]; then fail "$1: exit status $3, expected $2"; cat "$tmp/err" 2>/dev/null
    else echo "ok   $1"; fi
}
run() { "$bin" "$@" >"$tmp/out" 2>"$tmp/err"; echo $?; }
# The report without what legitimately differs between runs: the command line.
norm() { jq -S 'del(.runs[].invocations[]?.commandLine)' "$1"; }
same() { # name a.sarif b.sarif
    if norm "$2" >"$tmp/a.json" && norm "$3" >"$tmp/b.json" && cmp -s "$tmp/a.json" "$tmp/b.json"; then
        echo "ok   $1"
    else
        fail "$1: $2 and $3 differ"; diff "$tmp/a.json" "$tmp/b.json" | head -40
    fi
}

command -v jq >/dev/null || { echo "SKIP: jq is needed"; exit 0; }

# ---- a generated tree: findings, clean files, a parse error, odd names ----
tree=$tmp/repo
mkdir -p "$tree/policies/team a" "$tree/policies/b" "$tree/cfn" "$tree/vendor"
i=1
while [ $i -le 40 ]; do
    case $((i % 4)) in
    0) act='"ssm:SendCommand"' ;;
    1) act='["s3:GetObject", "ssm:StartSession"]' ;;
    2) act='"s3:GetObject"' ;;
    3) act='["ssm:SendCommand", "ssm:StartSession"]' ;;
    esac
    case $((i % 3)) in 0) dir="policies/team a" ;; 1) dir=policies/b ;; 2) dir=policies ;; esac
    printf '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {\n      "Sid": "S%d",\n      "Effect": "Allow",\n      "Action": %s,\n      "Resource": "*"\n    }\n  ]\n}\n' \
        $i "$act" >"$tree/$dir/p$i.json"
    i=$((i + 1))
done
printf '{"Statement": [\n  {"Effect": "Allow",, }\n' >"$tree/policies/b/broken.json"
cat >"$tree/cfn/stack.yaml" <<'Y'
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  OpsRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: ec2.amazonaws.com}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: ops
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: ssm:StartSession
                Resource: "*"
Y
cp "$tree/policies/b/p4.json" "$tree/vendor/third-party.json"
cd "$tree" || exit 1

# ---- shards merged == one scan ----
check "unsharded scan (with a parse error)" 3 "$(run scan -j 2 -f sarif -o "$tmp/full.sarif" .)"
[ "$(jq '.runs[0].results | length' "$tmp/full.sarif")" -gt 40 ] || fail "the generated tree should give many results"
for k in 1 2 3; do
    st=$(run scan -q -j 1 -f sarif --shard $k/3 -o "$tmp/shard-$k.sarif" .)
    case $st in 1|3) echo "ok   shard $k/3" ;; *) fail "shard $k/3: exit status $st"; cat "$tmp/err" ;; esac
done
a=$(jq '.runs[0].results | length' "$tmp/shard-1.sarif")
b=$(jq '.runs[0].results | length' "$tmp/shard-2.sarif")
c=$(jq '.runs[0].results | length' "$tmp/shard-3.sarif")
[ "$a" -gt 0 ] && [ "$b" -gt 0 ] && [ "$c" -gt 0 ] || fail "every shard should have results ($a, $b, $c)"
check "merge" 3 "$(run merge "$tmp/shard-1.sarif" "$tmp/shard-2.sarif" "$tmp/shard-3.sarif" -o "$tmp/merged.sarif")"
same "merged shards equal the unsharded scan" "$tmp/full.sarif" "$tmp/merged.sarif"
check "merge, inputs in another order" 3 "$(run merge -o "$tmp/merged-rev.sarif" "$tmp/shard-3.sarif" "$tmp/shard-1.sarif" "$tmp/shard-2.sarif")"
if cmp -s "$tmp/merged.sarif" "$tmp/merged-rev.sarif"; then echo "ok   merge output does not depend on input order"
else fail "merge output depends on input order"; fi
check "merge to stdout" 3 "$(run merge "$tmp/shard-1.sarif" "$tmp/shard-2.sarif" "$tmp/shard-3.sarif")"
cmp -s "$tmp/out" "$tmp/merged.sarif" || fail "merge to stdout differs from merge -o"
jq -e '.runs[0] as $r | [$r.results[] | select($r.tool.driver.rules[.ruleIndex].id != .ruleId)] | length == 0' \
        "$tmp/merged.sarif" >/dev/null || fail "ruleIndex does not point at ruleId"
n=$(jq -s '[.[].runs[0].properties.filesSeen] | add' "$tmp/shard-1.sarif" "$tmp/shard-2.sarif" "$tmp/shard-3.sarif")
jq -e --argjson n "$n" '.runs[0].properties.filesSeen == $n' "$tmp/merged.sarif" >/dev/null ||
    fail "merged filesSeen is not the sum of the shards' ($n)"

# Sharding more ways than there are files leaves some shards empty.
for k in 1 2 3 4 5 6 7 8; do
    "$bin" scan -q -f sarif --shard $k/8 -o "$tmp/s8-$k.sarif" policies/b >/dev/null 2>&1
done
"$bin" scan -q -f sarif -o "$tmp/b-full.sarif" policies/b >/dev/null 2>&1
run merge -o "$tmp/b-merged.sarif" "$tmp"/s8-*.sarif >/dev/null
same "8 shards" "$tmp/b-full.sarif" "$tmp/b-merged.sarif"
# A folder of one file in 3 shards: two of them are empty.
for k in 1 2 3; do "$bin" scan -q -f sarif --shard $k/3 -o "$tmp/e-$k.sarif" cfn >/dev/null 2>&1; done
"$bin" scan -q -f sarif -o "$tmp/one-file.sarif" cfn >/dev/null 2>&1
[ "$(jq '.runs[0].results | length' "$tmp/e-2.sarif")" = 0 ] || fail "shard 2/3 of one file should be empty"
run merge -o "$tmp/e-merged.sarif" "$tmp"/e-*.sarif >/dev/null
same "3 shards, two empty" "$tmp/one-file.sarif" "$tmp/e-merged.sarif"
# Shards from different checkout folders (machines): what differs is left
# out, whatever the order of the inputs.
jq '.runs[0].originalUriBaseIds["%SRCROOT%"].uri = "file:///elsewhere/" |
    .runs[0].invocations[0].workingDirectory.uri = "file:///elsewhere/"' "$tmp/shard-2.sarif" >"$tmp/moved-2.sarif"
run merge -o "$tmp/m1.sarif" "$tmp/shard-1.sarif" "$tmp/moved-2.sarif" >/dev/null
run merge -o "$tmp/m2.sarif" "$tmp/moved-2.sarif" "$tmp/shard-1.sarif" >/dev/null
cmp -s "$tmp/m1.sarif" "$tmp/m2.sarif" || fail "machines: output depends on input order"
jq -e '.runs[0] | (.originalUriBaseIds["%SRCROOT%"] | has("uri") | not) and
        (.originalUriBaseIds["%SRCROOT%"].description.text | length > 0) and
        (.invocations[0] | has("workingDirectory") | not)' "$tmp/m1.sarif" >/dev/null ||
    fail "machines: differing base URIs should be left out"

# ---- merge -f FORMAT: every format from the shards, as one scan writes it ----
# A tree with what each format shows: a parse error, odd names, holders
# (an account dump, CloudFormation), a cut long line, allowlisted findings
# with an expiry (listed with --include-suppressed). --fail-on none for the
# scan: a merge's HTML shows merge's own --fail-on, whose default is none.
ftree=$tmp/formats
mkdir -p "$ftree"
cp -R "$tree/policies" "$tree/cfn" "$ftree/"
cp -R "$src/examples/account" "$src/examples/terraform" "$ftree/"
# Terraform sources are counted, not read: every shard meets them all.
printf 'resource "aws_iam_role" "r" {}\n' >"$ftree/terraform/main.tf"
{ printf '{"Version":"2012-10-17","Statement":[{"Sid":"Pad%0300d","Effect":"Allow","Action":"s3:GetObject","Resource":"*"},' 0
  printf '{"Sid":"Wide","Effect":"Allow","Action":"ssm:SendCommand","Resource":"*"}]}\n'; } >"$ftree/policies/minified.json"
printf 'allowlist:\n  - file: "policies/b/p1*.json"\n    justification: "reviewed <ok> & \\"fine\\""\n    expires: "2099-12-31"\nexclude:\n  - "policies/team a/p3*.json"\n' \
    >"$ftree/.iamguard.yml"
cd "$ftree" || exit 1
{
    for k in 1 2 3; do
        "$bin" scan -q -j 1 --include-suppressed --shard $k/3 -o "$tmp/f-$k.sarif" . >/dev/null 2>&1
    done
    for fmt in sarif json text gitlab junit html; do
        "$bin" scan -q -j 2 --include-suppressed --fail-on none --color never -f $fmt \
            -o "$tmp/f-full.$fmt" . >/dev/null 2>&1
        sst=$?
        "$bin" merge --color never -f $fmt -o "$tmp/f-merged.$fmt" \
            "$tmp/f-1.sarif" "$tmp/f-2.sarif" "$tmp/f-3.sarif" >"$tmp/out" 2>"$tmp/err"
        mst=$?
        # The time a scan took is not in its SARIF (the text summary's "in N s").
        if [ $fmt = text ]; then
            for f in "$tmp/f-full.text" "$tmp/f-merged.text"; do
                sed 's/) in [0-9.]* s: /) in - s: /' "$f" >"$f.n" && mv "$f.n" "$f"
            done
        fi
        # The scan says 3 for the parse error; so does the merge.
        check "merge -f $fmt: exit status as the scan's" "$sst" "$mst"
        if [ -s "$tmp/f-full.$fmt" ] && cmp -s "$tmp/f-full.$fmt" "$tmp/f-merged.$fmt"; then
            echo "ok   merge -f $fmt gives the unsharded scan's bytes"
        else
            fail "merge -f $fmt differs from the unsharded scan"
            diff "$tmp/f-full.$fmt" "$tmp/f-merged.$fmt" | head -20
        fi
    done
    jq -e '[.findings[] | select(.suppressed)] | length > 0' "$tmp/f-merged.json" >/dev/null ||
        fail "merge -f json: the allowlisted findings should be listed"
    jq -e '[.findings[] | select(.holders)] | length > 0' "$tmp/f-merged.json" >/dev/null ||
        fail "merge -f json: findings of the account dump should name their holders"
    grep -q 'minified.json' "$tmp/f-merged.text" || fail "merge -f text: the cut line is missing"
    grep -q '<testcase' "$tmp/f-merged.junit" || fail "merge -f junit: no test case"
    # Any order of the shards gives the same report.
    "$bin" merge -f json -o "$tmp/f-rev.json" "$tmp/f-3.sarif" "$tmp/f-1.sarif" "$tmp/f-2.sarif" >/dev/null 2>&1
    cmp -s "$tmp/f-rev.json" "$tmp/f-merged.json" || fail "merge -f json depends on the order of the shards"
    # --include-suppressed without allowlisted findings: still recorded.
    for k in 1 2; do
        "$bin" scan -q --no-config --include-suppressed --shard $k/2 -o "$tmp/n-$k.sarif" . >/dev/null 2>&1
    done
    "$bin" scan -q --no-config --include-suppressed --fail-on none -o "$tmp/n-full.html" . >/dev/null 2>&1
    "$bin" merge --no-config -o "$tmp/n-merged.html" "$tmp/n-1.sarif" "$tmp/n-2.sarif" >/dev/null 2>&1
    cmp -s "$tmp/n-full.html" "$tmp/n-merged.html" ||
        fail "merge -f html, --include-suppressed and nothing allowlisted: differs from the scan"
    jq -e '.summary.terraform_files == 1' "$tmp/f-merged.json" >/dev/null ||
        fail "merge: the Terraform files every shard meets are counted once"
    # The file name picks the format, as for scan.
    "$bin" merge -o "$tmp/by-name.html" "$tmp/f-1.sarif" "$tmp/f-2.sarif" "$tmp/f-3.sarif" >/dev/null 2>&1
    cmp -s "$tmp/by-name.html" "$tmp/f-merged.html" || fail "merge -o x.html should write HTML"
    "$bin" merge -o "$tmp/by-name.xml" "$tmp/f-1.sarif" "$tmp/f-2.sarif" "$tmp/f-3.sarif" >/dev/null 2>&1
    cmp -s "$tmp/by-name.xml" "$tmp/f-merged.junit" || fail "merge -o x.xml should write JUnit"
    # Other rules than the scan's: refused, not described wrongly.
    "$bin" merge -f json --no-builtin "$tmp/f-1.sarif" "$tmp/f-2.sarif" >"$tmp/out" 2>"$tmp/err"
    check "merge -f json with other rules than the scan's" 2 "$?"
    grep -q "give merge the rule options of the scan" "$tmp/err" || fail "other rules: $(cat "$tmp/err")"
    "$bin" merge -f json --skip-rule IAM-SSM-1 "$tmp/f-1.sarif" >"$tmp/out" 2>"$tmp/err"
    check "merge -f json with a rule the scan ran skipped" 2 "$?"
    "$bin" merge -f yaml "$tmp/f-1.sarif" >"$tmp/out" 2>"$tmp/err"
    check "merge -f: unknown format" 2 "$?"
    # A shard scanned without its document list: JUnit still written, with a warning.
    jq 'del(.runs[0].properties.documentList)' "$tmp/f-1.sarif" >"$tmp/f-1-nodocs.sarif"
    "$bin" merge -f junit -o "$tmp/nodocs.xml" "$tmp/f-1-nodocs.sarif" "$tmp/f-2.sarif" >"$tmp/out" 2>"$tmp/err"
    grep -q "does not list the documents" "$tmp/err" || fail "no documents: warning missing: $(cat "$tmp/err")"
    # parallel.sh writes any format by the -o name, and gives the merge the
    # scan options that choose rules.
    st=0
    IAMGUARD=$bin sh "$src/examples/fanout/parallel.sh" -n 3 -o "$tmp/par.html" -- \
        --include-suppressed --skip-rule IAM-SSM-1 --fail-on none . >"$tmp/out" 2>"$tmp/err" || st=$?
    check "parallel.sh -o x.html, a rule skipped (a parse error)" 3 "$st"
    "$bin" scan -q --include-suppressed --skip-rule IAM-SSM-1 --fail-on none -o "$tmp/skip.html" . >/dev/null 2>&1
    cmp -s "$tmp/par.html" "$tmp/skip.html" || fail "parallel.sh -o x.html differs from the unsharded scan"
    # Merged SARIF does not carry the shards' document lists.
    jq -e '.runs[0].properties | has("documentList") | not' "$tmp/f-merged.sarif" >/dev/null ||
        fail "merged SARIF should not list documents"
}
cd "$tree" || exit 1

# ---- the fan-out example ----
st=0
IAMGUARD=$bin sh "$src/examples/fanout/parallel.sh" -n 3 -o "$tmp/parallel.sarif" . >"$tmp/out" 2>"$tmp/err" || st=$?
check "examples/fanout/parallel.sh (worst shard status)" 3 "$st"
same "parallel.sh gives the unsharded report" "$tmp/full.sarif" "$tmp/parallel.sarif"
st=0
IAMGUARD=$bin sh "$src/examples/fanout/parallel.sh" -n 2 -o "$tmp/parallel-clean.sarif" -- --fail-on none policies/team\ a >"$tmp/out" 2>"$tmp/err" || st=$?
check "parallel.sh passes scan options" 0 "$st"
st=0
IAMGUARD=$bin sh "$src/examples/fanout/parallel.sh" -n 2 -o "$tmp/x.sarif" -- --no-such-option . >"$tmp/out" 2>"$tmp/err" || st=$?
check "parallel.sh reports a failed shard" 2 "$st"

# ---- the GitHub Actions example: its shell steps, run here ----
# The scan and merge steps of examples/fanout/github-actions-matrix.yml are
# taken out of the workflow and run as the runner would (without the package
# installs), SHARDS times and then once.
wf=$src/examples/fanout/github-actions-matrix.yml
if command -v python3 >/dev/null && python3 -c 'import yaml' 2>/dev/null; then
    mkdir -p "$tmp/gha"
    python3 - "$wf" "$tmp/gha" <<'PY'
import re, sys, yaml
wf = yaml.safe_load(open(sys.argv[1]))
out = sys.argv[2]
def step(job, pred):
    return next(s for s in wf["jobs"][job]["steps"] if pred(s))
def script(text):
    text = text.replace("${{ matrix.shard }}", "$SHARD").replace("${{ env.SHARDS }}", "$SHARDS")
    assert "${{" not in text, text
    lines = [l for l in text.splitlines() if not l.strip().startswith("sudo ")]
    return "set -e\n" + "\n".join(lines) + "\n"
open(out + "/env", "w").write("".join(f"{k}='{v}'; export {k}\n" for k, v in wf["env"].items()))
open(out + "/shards.sh", "w").write(script(step("build", lambda s: s.get("id") == "shards")["run"]))
open(out + "/scan.sh", "w").write(script(step("scan", lambda s: "Scan shard" in s.get("name", ""))["run"]))
open(out + "/merge.sh", "w").write(script(step("merge", lambda s: s.get("id") == "merge")["run"]))
m = wf["jobs"]["scan"]["strategy"]["matrix"]["shard"]
assert m == "${{ fromJSON(needs.build.outputs.shards) }}", m
PY
    st=$?
    if [ $st -ne 0 ]; then fail "github-actions-matrix.yml: steps not found"; else
        (
            set -e
            . "$tmp/gha/env"
            GITHUB_OUTPUT=$tmp/gha/out-build sh "$tmp/gha/shards.sh"
            grep -qx "list=\[1,2,3,4\]" "$tmp/gha/out-build" || { echo "matrix: $(cat "$tmp/gha/out-build")"; exit 1; }
            k=1
            while [ $k -le "$SHARDS" ]; do
                rm -rf "$tmp/gha/runner" && cp -R "$tree" "$tmp/gha/runner" && mkdir -p "$tmp/gha/runner/bin"
                cp "$bin" "$tmp/gha/runner/bin/iamguard"
                (cd "$tmp/gha/runner" && SHARD=$k sh "$tmp/gha/scan.sh")
                mkdir -p "$tmp/gha/merge/shards" && cp "$tmp/gha/runner/shard-$k.sarif" "$tmp/gha/merge/shards/"
                k=$((k + 1))
            done
            mkdir -p "$tmp/gha/merge/bin" && cp "$bin" "$tmp/gha/merge/bin/iamguard"
            (cd "$tmp/gha/merge" && GITHUB_OUTPUT=$tmp/gha/out-merge sh "$tmp/gha/merge.sh")
            grep -qx "status=3" "$tmp/gha/out-merge" || { echo "merge: $(cat "$tmp/gha/out-merge")"; exit 1; }
        ) >"$tmp/gha/log" 2>&1 || { fail "github-actions-matrix.yml steps"; cat "$tmp/gha/log"; }
        # From the runner's folder, so the base URIs are the same.
        (cd "$tmp/gha/runner" && "$bin" scan -q -f sarif --sarif-category iamguard -o "$tmp/full-cat.sarif" . >/dev/null 2>&1)
        same "github-actions-matrix.yml steps give the unsharded report" "$tmp/full-cat.sarif" "$tmp/gha/merge/iamguard.sarif"
        (cd "$tmp/gha/runner" && "$bin" scan -q --sarif-category iamguard --fail-on none -o "$tmp/full-cat.html" . >/dev/null 2>&1)
        if cmp -s "$tmp/full-cat.html" "$tmp/gha/merge/iamguard.html"; then
            echo "ok   github-actions-matrix.yml steps give the unsharded HTML report"
        else fail "github-actions-matrix.yml: the HTML report differs from the unsharded scan's"; fi
    fi
else
    echo "skip github-actions-matrix.yml steps (python3 with PyYAML is needed to read them)"
fi

# ---- what merge refuses ----
"$bin" scan -q -f sarif --sarif-category other -o "$tmp/other.sarif" policies/b >/dev/null 2>&1
check "the same shard twice" 2 "$(run merge "$tmp/shard-1.sarif" "$tmp/shard-2.sarif" "$tmp/shard-1.sarif")"
grep -q "they overlap" "$tmp/err" || fail "the same shard twice: message: $(cat "$tmp/err")"
check "a scan with its own shard" 2 "$(run merge "$tmp/full.sarif" "$tmp/shard-3.sarif")"
check "different categories" 2 "$(run merge "$tmp/shard-1.sarif" "$tmp/other.sarif" -o "$tmp/no.sarif")"
grep -q "merge only the shards of one scan" "$tmp/err" || fail "different categories: message: $(cat "$tmp/err")"
[ ! -e "$tmp/no.sarif" ] || fail "a refused merge must not write its output"
jq '.runs[0].tool.driver.name = "othertool"' "$tmp/shard-2.sarif" >"$tmp/tool.sarif"
check "different tools" 2 "$(run merge "$tmp/shard-1.sarif" "$tmp/tool.sarif")"
grep -q "othertool" "$tmp/err" || fail "different tools: message: $(cat "$tmp/err")"
jq '.runs[0].tool.driver.version = "9.9.9" | .runs[0].tool.driver.semanticVersion = "9.9.9"' "$tmp/shard-2.sarif" >"$tmp/ver.sarif"
check "different versions" 2 "$(run merge "$tmp/shard-1.sarif" "$tmp/ver.sarif")"
printf '{"version": "2.1.0", "runs": [' >"$tmp/trunc.sarif"
check "not JSON" 2 "$(run merge "$tmp/shard-1.sarif" "$tmp/trunc.sarif")"
grep -q "trunc.sarif:1:" "$tmp/err" || fail "not JSON: no position: $(cat "$tmp/err")"
printf '{"version": "2.0.0", "runs": []}' >"$tmp/old.sarif"
check "not SARIF 2.1.0" 2 "$(run merge "$tmp/old.sarif")"
check "missing file" 2 "$(run merge "$tmp/none.sarif")"
check "no inputs" 2 "$(run merge)"
check "unwritable output" 2 "$(run merge "$tmp/shard-1.sarif" -o "$tmp/no/such/dir/x.sarif")"
check "help" 0 "$(run merge --help)"
check "merge to /dev/null (not replaced)" 3 "$(run merge "$tmp/shard-1.sarif" "$tmp/shard-2.sarif" "$tmp/shard-3.sarif" -o /dev/null)"
[ -c /dev/null ] || fail "/dev/null was replaced"

# ---- --fail-on and --max-results ----
"$bin" scan -q -f sarif --shard 1/2 -o "$tmp/c1.sarif" "policies/team a" >/dev/null 2>&1
"$bin" scan -q -f sarif --shard 2/2 -o "$tmp/c2.sarif" "policies/team a" >/dev/null 2>&1
check "clean merge" 0 "$(run merge "$tmp/c1.sarif" "$tmp/c2.sarif" -o "$tmp/c.sarif")"
check "--fail-on error" 1 "$(run merge --fail-on error "$tmp/c1.sarif" "$tmp/c2.sarif" -o "$tmp/c.sarif")"
check "--max-results 3" 3 "$(run merge --max-results 3 "$tmp/c1.sarif" "$tmp/c2.sarif" -o "$tmp/c3.sarif")"
jq -e '.runs[0] | (.results | length) == 3 and .properties.truncated == true and
        .invocations[0].executionSuccessful == false and .properties.omittedResults > 0' "$tmp/c3.sarif" >/dev/null ||
    fail "--max-results: results, truncated, executionSuccessful"

# ---- SARIF validator (sarif-multitool), when installed ----
mt=${SARIF_MULTITOOL:-/opt/sarif-mt/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool}
validate=$src/../shared/sarif/validate-sarif.sh
if [ -x "$mt" ] && [ -f "$validate" ]; then
    if SARIF_MULTITOOL=$mt sh "$validate" "$tmp/merged.sarif" "$tmp/c3.sarif" >"$tmp/out" 2>&1; then
        echo "ok   merged SARIF validates"
    else
        fail "merged SARIF does not validate"; cat "$tmp/out"
    fi
elif [ -n "${IAMG_REQUIRE_MULTITOOL:-}" ]; then
    fail "SARIF validation required, but no sarif-multitool at $mt or no $validate"
else
    echo "skip SARIF validation (no sarif-multitool at $mt or no $validate)"
fi

# ---- configuration file and --baseline on the command line ----
cfgdir=$tmp/cfg
mkdir -p "$cfgdir/policies"
cp "$tree/policies/b/p4.json" "$cfgdir/policies/a.json"
cp "$tree/policies/b/p4.json" "$cfgdir/policies/b.json"
cd "$cfgdir" || exit 1
printf 'alowlist: []\n' >.iamguard.yml
check "config: unknown key" 2 "$(run scan policies)"
grep -q "^iamguard: .iamguard.yml:1:1: unknown key 'alowlist'" "$tmp/err" || fail "config message: $(cat "$tmp/err")"
check "--no-config" 1 "$(run scan --no-config policies)"
printf 'allowlist:\n  - file: "policies/*.json"\n    justification: accepted\n' >.iamguard.yml
check "config: allowlist" 0 "$(run scan policies)"
check "config via --base-dir" 0 "$(cd "$tmp" && "$bin" scan --base-dir "$cfgdir" "$cfgdir/policies" >/dev/null 2>&1; echo $?)"
printf 'fail_on: none\n' >"$tmp/other.yml"
check "--config FILE" 0 "$(run scan --config "$tmp/other.yml" policies)"
check "--fail-on wins over fail_on" 1 "$(run scan --config "$tmp/other.yml" --fail-on note policies)"
check "--config and --no-config" 2 "$(run scan --config "$tmp/other.yml" --no-config policies)"
printf 'levels: {IAM-SSM-1: none}\nrules: {skip: [IAM-SSM-2]}\n' >.iamguard.yml
check "config: levels and skip" 0 "$(run scan policies)"
check "--rule wins over the configuration" 1 "$(run scan --rule IAM-SSM-1 policies)"
printf 'exclude: ["a.json"]\n' >.iamguard.yml
run scan -f sarif -o "$tmp/ex.sarif" policies >/dev/null
jq -e '[.runs[0].results[].locations[0].physicalLocation.artifactLocation.uri] | unique == ["policies/b.json"]' \
    "$tmp/ex.sarif" >/dev/null || fail "config: exclude"
rm .iamguard.yml
check "baseline: take one" 1 "$(run scan -f sarif -o "$tmp/base.sarif" policies)"
check "baseline: nothing new" 0 "$(run scan --baseline "$tmp/base.sarif" policies)"
# Lines added above the finding move it; a new finding appears.
{ printf '\n\n'; cat "$tree/policies/b/p4.json"; } >policies/a.json
cp "$tree/policies/b/p1.json" policies/c.json
check "baseline: a moved finding stays known, a new one fails" 1 \
    "$(run scan -f sarif -o "$tmp/new.sarif" --baseline "$tmp/base.sarif" policies)"
jq -e '[.runs[0].results[] | [.ruleId, .locations[0].physicalLocation.artifactLocation.uri]] == [["IAM-SSM-2", "policies/c.json"]]' "$tmp/new.sarif" >/dev/null ||
    fail "baseline: expected exactly the new finding: $(jq -c '[.runs[0].results[] | [.ruleId, .locations[0].physicalLocation.region.startLine]]' "$tmp/new.sarif")"
check "baseline: unreadable" 2 "$(run scan --baseline "$tmp/none.sarif" policies)"
check "baseline: not SARIF" 2 "$(run scan --baseline "$tree/policies/p1.json" policies)"

if [ "$fails" -ne 0 ]; then
    echo "$fails failures"
    exit 1
fi
echo "all passed"
