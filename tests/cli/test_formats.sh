#!/bin/sh
# The report formats beside SARIF: GitLab Code Quality (-f gitlab), JUnit
# (-f junit, validated against tests/junit/jenkins-junit.xsd with xmllint)
# and HTML (-f html; tests/html/test_html.py opens it in a browser). Every
# format reports the same results: allowlist, baseline, --fail-on and
# shards apply alike, output is the same for any -j, -o picks the format by
# name and writes atomically.
# Usage: test_formats.sh IAMGUARD SOURCE_DIR
set -u
bin=$1
src=$2
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || { echo "SKIP: jq is not installed"; exit 77; }
xsd=$src/tests/junit/jenkins-junit.xsd
have_xmllint=1
if ! command -v xmllint >/dev/null; then
    if [ "${IAMG_REQUIRE_XMLLINT:-0}" = 1 ]; then
        fail "xmllint is required (IAMG_REQUIRE_XMLLINT=1) but not installed"
    else
        echo "NOTE: xmllint is not installed (Debian: libxml2-utils): JUnit schema checks skipped"
    fi
    have_xmllint=0
fi

# scan ARGS...: iamguard scan in $ws without configuration; status in $st.
scan() {
    (cd "$ws" && "$bin" scan --no-config -q "$@") 2>"$tmp/stderr"
    st=$?
}

# valid_junit FILE: well-formed and valid against the JUnit XSD.
valid_junit() {
    [ "$have_xmllint" = 1 ] || return 0
    xmllint --noout --schema "$xsd" "$1" 2>"$tmp/xmllint" || { cat "$tmp/xmllint"; return 1; }
}

# A workspace: findings in several formats, a clean policy, a broken file,
# and rules at every level (note, warning, error with security severity 9.5).
ws=$tmp/ws
mkdir -p "$ws/policies" "$ws/rules"
cp -r "$src/examples/policies" "$src/examples/cloudformation" "$src/examples/account" "$ws/"
cp "$src/lua/rules/ssm.tests/resource_named_instance.json" "$ws/policies/clean.json"
printf '{"Statement": [{"Effect": "Allow",, }]}\n' >"$ws/policies/broken.json"
cat >"$ws/rules/levels.lua" <<'LUA'
local function star(policy, report, msg)
    if policy.kind ~= "identity" then return end
    for _, st in ipairs(policy.statements) do
        for i, r in ipairs(st.resources or {}) do
            if r == "*" then report{statement = st, element = "Resource", index = i, message = msg} end
        end
    end
end
return {
    {id = "T-NOTE", level = "note", short_description = "Resource star, as a note.",
     check = function(p, r) star(p, r, "Resource is *.") end},
    {id = "T-WARN", level = "warning", short_description = "Resource star, as a warning.",
     check = function(p, r) star(p, r, "Resource is * (warning).") end},
    {id = "T-CRIT", level = "error", security_severity = 9.5,
     short_description = "Resource star, as a critical error.",
     check = function(p, r) star(p, r, "Resource is * (critical).") end},
}
LUA

# ---- GitLab Code Quality ----
scan --rules rules -f json -o truth.json .
scan --rules rules -f gitlab -o cq.json .
cq=$ws/cq.json
nf=$(jq '.findings | length' "$ws/truth.json")
np=$(jq '[.diagnostics[] | select(.kind == "parse-error" or .kind == "invalid-policy" or .kind == "io-error" or .kind == "limit")] | length' "$ws/truth.json")
[ "$st" = 3 ] || fail "gitlab: exit status 3 with an input problem, not $st"
if jq -e 'type == "array" and length > 0 and all(.[];
        (.description | type == "string" and length > 0) and (.check_name | type == "string") and
        (.fingerprint | test("^[0-9a-f]{32}$")) and
        (.severity | IN("info", "minor", "major", "critical", "blocker")) and
        (.location.path | type == "string" and (startswith("/") or startswith("./") | not)) and
        (.location.lines.begin | type == "number" and . >= 1))' "$cq" >/dev/null; then
    ok "gitlab: every issue has description, check_name, fingerprint, severity, relative path, line"
else
    fail "gitlab: an issue lacks a required field"
fi
[ "$(jq length "$cq")" = $((nf + np)) ] && [ "$np" -ge 1 ] &&
    ok "gitlab: one issue per finding ($nf) and per input problem ($np)" ||
    fail "gitlab: $(jq length "$cq") issues for $nf findings and $np input problems"
[ "$(jq '[.[].fingerprint] | unique | length' "$cq")" = "$(jq length "$cq")" ] &&
    ok "gitlab: fingerprints are unique" || fail "gitlab: repeated fingerprints"
sev() { jq -r --arg c "$1" '[.[] | select(.check_name == $c) | .severity] | unique | join(",")' "$cq"; }
[ "$(sev IAM-SSM-1)" = critical ] && [ "$(sev IAM-SSM-2)" = critical ] && [ "$(sev T-CRIT)" = blocker ] &&
    [ "$(sev T-WARN)" = minor ] && [ "$(sev T-NOTE)" = info ] && [ "$(sev IAMGUARD-PARSE)" = major ] &&
    ok "gitlab: severities follow the documented mapping" ||
    fail "gitlab: severities $(sev IAM-SSM-1) $(sev T-CRIT) $(sev T-WARN) $(sev T-NOTE) $(sev IAMGUARD-PARSE)"
jq -e '.[] | select(.check_name == "IAMGUARD-PARSE") | .location.path == "policies/broken.json" and
        (.description | startswith("This file could not be parsed"))' "$cq" >/dev/null &&
    ok "gitlab: the broken file is an issue" || fail "gitlab: no issue for the broken file"

# Fingerprints stay when unrelated lines move: lines added above the finding
# (and another file edited) change its line, not its fingerprint.
fp_of() { jq -r '.[] | select(.check_name == "IAM-SSM-1" and .location.path == "policies/ci-deploy-role.json") | "\(.fingerprint) \(.location.lines.begin)"' "$1"; }
before=$(fp_of "$cq")
{ printf '\n\n\n'; cat "$ws/policies/ci-deploy-role.json"; } >"$tmp/moved.json"
mv "$tmp/moved.json" "$ws/policies/ci-deploy-role.json"
printf '{"Version": "2012-10-17", "Statement": []}\n' >"$ws/policies/other.json"
scan --rules rules -f gitlab -o cq2.json .
after=$(fp_of "$ws/cq2.json")
[ "${before%% *}" = "${after%% *}" ] && [ "${before#* }" != "${after#* }" ] &&
    ok "gitlab: a fingerprint survives unrelated edits (line ${before#* } -> ${after#* })" ||
    fail "gitlab: fingerprint changed: '$before' -> '$after'"
rm "$ws/policies/other.json"

# Paths are relative to --base-dir, wherever the scan runs from.
(cd "$tmp" && "$bin" scan --no-config -q -f gitlab --base-dir ws -o "$tmp/based.json" ws/policies) 2>/dev/null
jq -e 'all(.[]; .location.path | startswith("policies/"))' "$tmp/based.json" >/dev/null &&
    ok "gitlab: paths are relative to --base-dir" || fail "gitlab: paths $(jq -c '[.[].location.path]' "$tmp/based.json")"

# ---- JUnit ----
scan --rules rules -f junit -o junit.xml .
ju=$ws/junit.xml
if valid_junit "$ju"; then ok "junit: valid against the JUnit XSD"; else fail "junit: not valid"; fi
ndocs=$(jq '.summary.documents' "$ws/truth.json")
count() { grep -c "$1" "$ju"; }
suites=$(count '<testsuite ')
nrules=$("$bin" rules --rules "$ws/rules" -f json | jq length)
[ "$suites" = $((nrules + 1)) ] && ok "junit: one suite per rule ($nrules) and one for the input problem" ||
    fail "junit: $suites suites for $nrules rules"
# Each rule suite has one case per document; failures as the findings say.
for r in IAM-SSM-1 IAM-SSM-2 T-CRIT T-WARN T-NOTE; do
    want_f=$(jq --arg r "$r" '[.findings[] | select(.rule_id == $r)] | length' "$ws/truth.json")
    # a case fails once however many findings its document has
    want_f=$(jq --arg r "$r" '[.findings[] | select(.rule_id == $r) | [.path, .origin.pointer]] | unique | length' "$ws/truth.json")
    line=$(grep "<testsuite name=\"$r\"" "$ju")
    case $line in
    *"tests=\"$ndocs\" failures=\"$want_f\""*) ;;
    *) fail "junit: suite $r: $line (want $ndocs tests, $want_f failures)" ;;
    esac
done
ok "junit: every rule suite has a case per document ($ndocs) and a failure per failing document"
lvl=$(sed -n '/<testsuite name="T-WARN"/,/<\/testsuite>/p' "$ju" | grep -o '<failure type="[a-z]*"' | sort -u)
[ "$lvl" = '<failure type="warning"' ] && ok "junit: a failure's type is its level" || fail "junit: types $lvl"
clean=$(sed -n '/<testsuite name="IAM-SSM-1"/,/<\/testsuite>/p' "$ju" | grep -c 'name="policies/clean.json" classname="IAM-SSM-1"/>')
[ "$clean" = 1 ] && ok "junit: the clean document is a passed case" || fail "junit: clean document not passed"
sed -n '/<testsuite name="IAMGUARD-PARSE"/,/<\/testsuite>/p' "$ju" |
    grep -q '<error type="parse-error" message="This file could not be parsed' &&
    ok "junit: the broken file is an <error>" || fail "junit: no <error> for the broken file"

# Every string is escaped, and what XML 1.0 forbids is spelled out.
hx=$tmp/hx
mkdir -p "$hx"
for name in "$(printf 'ctl\001\033[31m.json')" "$(printf 'nl\n]]>&<x y="1">.json')" \
    "$(printf 'bidi\342\200\256x\357\277\276.json')" "$(printf 'bad\377utf8.json')"; do
    printf '{"Statement": [{"Sid": "S%s", "Effect": "Allow", "Action": "ssm:SendCommand", "Resource": "*"}]}\n' \
        "$(printf 'x\033y')" >"$hx/$name"
done
printf '{"Statement": [{"Sid": "\\u0001\\u001b\\uffff\\u202e", "Effect": "Allow", "Action": "ssm:SendCommand", "Resource": "*"}]}\n' >"$hx/escapes.json"
(cd "$hx" && "$bin" scan --no-config -q -f junit -o "$tmp/hostile.xml" .) 2>/dev/null
if valid_junit "$tmp/hostile.xml"; then ok "junit: hostile names still give valid XML"; else fail "junit: hostile names break the XML"; fi
LC_ALL=C grep -q "$(printf '[\001-\010\013\014\016-\037]')" "$tmp/hostile.xml" &&
    fail "junit: raw control characters in the XML" || ok "junit: no raw control characters"
for esc in 'ctl\\x01\\x1b\[31m' 'nl\\n\]\]&gt;&amp;&lt;x y=' 'bidi\\u202ex\\ufffe' 'bad\\xffutf8'; do
    grep -q "$esc" "$tmp/hostile.xml" || fail "junit: no visible escape $esc"
done
ok "junit: control, bidi and invalid bytes are spelled out"

# ---- the same results in every format ----
mkdir "$tmp/j"
for f in json gitlab junit html sarif; do
    scan --rules rules -f "$f" -j 1 -o "$tmp/j/one.$f" .
    scan --rules rules -f "$f" -j 3 -o "$tmp/j/three.$f" .
    cmp -s "$tmp/j/one.$f" "$tmp/j/three.$f" || fail "$f: output differs between -j 1 and -j 3"
done
ok "json, gitlab, junit, html, sarif: identical for -j 1 and -j 3"

# Allowlist: the allowlisted finding leaves every report, or is marked in it.
cat >"$ws/.iamguard.yml" <<'YML'
allowlist:
  - file: "policies/ci-deploy-role.json"
    justification: "Deploy role (SEC-1)."
    expires: 2999-12-31
YML
(cd "$ws" && for f in gitlab junit html; do "$bin" scan -q -f $f -o "allow.$f" .; done) 2>/dev/null
nbase=$(jq '[.[] | select(.check_name | startswith("IAM-SSM"))] | length' "$ws/cq2.json")
nallow=$(jq '[.[] | select(.check_name | startswith("IAM-SSM"))] | length' "$ws/allow.gitlab")
[ $((nbase - nallow)) = 1 ] && ! grep -q '<failure[^>]*>policies/ci-deploy-role.json' "$ws/allow.junit" &&
    ! grep -q 'SEC-1' "$ws/allow.html" &&
    ok "allowlist: the finding leaves gitlab, junit and html" ||
    fail "allowlist: gitlab $nbase -> $nallow, or still in junit/html"
(cd "$ws" && for f in gitlab junit html; do
    "$bin" scan -q --include-suppressed -f $f -o "allow2.$f" .; done) 2>/dev/null
jq -e '[.[] | select(.description | contains("[allowlisted: Deploy role (SEC-1).]"))] |
        length == 1 and .[0].severity == "info"' "$ws/allow2.gitlab" >/dev/null &&
    grep -q '<skipped>policies/ci-deploy-role.json:[0-9]*:18: IAM-SSM-1 allowlisted: Deploy role (SEC-1). (until 2999-12-31)' "$ws/allow2.junit" &&
    grep -q '"Deploy role (SEC-1).","2999-12-31",".iamguard.yml:' "$ws/allow2.html" &&
    ok "allowlist: --include-suppressed marks it (gitlab info, junit skipped, html with expiry)" ||
    fail "allowlist: --include-suppressed does not mark it alike"
valid_junit "$ws/allow2.junit" || fail "junit: not valid with a skipped case"
rm "$ws/.iamguard.yml"

# Baseline: findings a baseline has leave every format.
scan --rules rules -f sarif -o base.sarif .
for f in gitlab junit html; do
    scan --rules rules --baseline base.sarif -f "$f" -o "new.$f" .
done
[ "$(jq '[.[] | select(.check_name | startswith("IAMGUARD") | not)] | length' "$ws/new.gitlab")" = 0 ] &&
    ! grep -q '<failure' "$ws/new.junit" && grep -q '"findings":\[\]' "$ws/new.html" &&
    ok "baseline: no finding left in gitlab, junit or html" || fail "baseline: findings remain"

# --fail-on decides the exit status the same way whatever the format.
rm "$ws/policies/broken.json"
for f in text json sarif gitlab junit html; do
    scan --rules rules --fail-on error -f "$f" -o "out.$f" .
    [ "$st" = 1 ] || fail "$f: --fail-on error exits $st"
    scan --rules rules --rule T-NOTE --fail-on warning -f "$f" -o "out.$f" .
    [ "$st" = 0 ] || fail "$f: notes under --fail-on warning exit $st"
done
ok "--fail-on: the same exit status for every format"

# Shards: the issues of --shard 1/2 and 2/2 are those of the whole scan.
scan --rules rules -f gitlab -o whole.json .
scan --rules rules -f gitlab --shard 1/2 -o s1.json .
scan --rules rules -f gitlab --shard 2/2 -o s2.json .
[ "$(jq -s 'add | map(.fingerprint) | sort' "$ws/s1.json" "$ws/s2.json")" = \
    "$(jq 'map(.fingerprint) | sort' "$ws/whole.json")" ] && [ "$(jq length "$ws/s1.json")" -gt 0 ] &&
    ok "shards: gitlab issues of both shards are those of the whole scan" || fail "shards: issues differ"

# ---- -o picks the format by name; the write is atomic ----
scan -o "report.xml" policies
head -2 "$ws/report.xml" | grep -q '<testsuites name="iamguard"' && ok "-o NAME.xml writes JUnit" ||
    fail "-o NAME.xml: $(head -c 80 "$ws/report.xml")"
scan -o "report.html" policies
scan -o "report.HTM" policies
head -1 "$ws/report.html" | grep -q '<!DOCTYPE html>' && head -1 "$ws/report.HTM" | grep -q '<!DOCTYPE html>' &&
    ok "-o NAME.html and NAME.htm write HTML" || fail "-o NAME.html: $(head -c 40 "$ws/report.html")"
scan -o "plain.json" policies
jq -e '.version and .findings' "$ws/plain.json" >/dev/null && ok "-o NAME.json still writes the JSON report" ||
    fail "-o NAME.json is not the JSON report"
scan -f nope policies
[ "$st" = 2 ] && grep -q 'text, json, sarif, gitlab, junit or html' "$tmp/stderr" &&
    ok "an unknown format is a usage error naming the formats" || fail "-f nope: $st $(cat "$tmp/stderr")"
echo keep >"$ws/kept.html"
mkdir "$ws/ro" && cp "$ws/kept.html" "$ws/ro/kept.html" && chmod 555 "$ws/ro"
scan -f html -o ro/kept.html policies
if [ "$(id -u)" != 0 ]; then
    [ "$st" = 2 ] && [ "$(cat "$ws/ro/kept.html")" = keep ] &&
        ok "a report that cannot be written leaves the old file" || fail "unwritable -o: $st"
fi
chmod 755 "$ws/ro"
ls -a "$ws" "$ws/ro" | grep -q '\.tmp' && fail "a temporary file was left behind" ||
    ok "no temporary file left behind"

[ "$fails" = 0 ] || { echo "$fails check(s) failed"; exit 1; }
