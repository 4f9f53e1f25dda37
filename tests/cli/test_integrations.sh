#!/bin/sh
# The recipes of docs/integrations.md, run where their consumer runs here:
# the .gitlab-ci.yml job (its script, read from the page), the pre-commit hook
# through the real pre-commit, reviewdog's path resolution on the SARIF file,
# and the files SonarQube and DefectDojo are pointed at. What is not run is
# said in the page's last section.
# Usage: test_integrations.sh IAMGUARD SOURCE_DIR
set -u
bin=$1
src=$2
. "$(dirname "$0")/lib.sh"
doc=$src/docs/integrations.md
command -v python3 >/dev/null || { echo "SKIP: python3 is not installed"; exit 77; }
command -v jq >/dev/null || { echo "SKIP: jq is not installed"; exit 77; }
mkdir -p "$tmp/bin"
ln -s "$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")" "$tmp/bin/iamguard"
PATH=$tmp/bin:$PATH
export PATH

# A repository: the examples, and nothing else.
ws=$tmp/ws
mkdir -p "$ws"
cp -r "$src/examples/policies" "$src/examples/cloudformation" "$src/examples/terraform" "$ws/"

# block START: the fenced block of docs/integrations.md whose first line is START.
block() {
    awk -v start="$1" '
        /^```/ { if (inb) { inb = 0; if (found) exit; next } else { inb = 1; first = 1; next } }
        inb && first { first = 0; if ($0 == start) found = 1 }
        inb && found { print }' "$doc"
}

# ---- GitLab: the job's script and artifacts ----
block "# .gitlab-ci.yml" >"$tmp/gitlab-ci.yml"
if python3 -c 'import yaml' 2>/dev/null; then
    python3 - "$tmp/gitlab-ci.yml" "$tmp/job" <<'PY' || fail "gitlab: the job in docs/integrations.md is not as expected"
import sys, yaml
job = yaml.safe_load(open(sys.argv[1]))["iamguard"]
a = job["artifacts"]
assert a["when"] == "always", a
with open(sys.argv[2] + ".sh", "w") as f:
    f.write("set -e\n" + "\n".join(job["script"]) + "\n")
with open(sys.argv[2] + ".artifacts", "w") as f:
    f.write("%s\n%s\n%s\n" % (a["reports"]["codequality"], a["reports"]["junit"], a["paths"][0]))
PY
    (cd "$ws" && sh "$tmp/job.sh") >"$tmp/job.log" 2>&1
    st=$?
    [ "$st" = 1 ] && ok "gitlab: the job's script runs and fails on the examples' errors" ||
        fail "gitlab: the job's script exits $st: $(cat "$tmp/job.log")"
    { read -r cq; read -r junit; read -r html; } <"$tmp/job.artifacts"
    jq -e 'length > 0 and all(.[]; .description and .check_name and .fingerprint and
            (.severity | IN("info", "minor", "major", "critical", "blocker")) and
            .location.path and .location.lines.begin)' "$ws/$cq" >/dev/null &&
        ok "gitlab: $cq has the fields GitLab requires" || fail "gitlab: $cq is not a Code Quality report"
    if command -v xmllint >/dev/null; then
        xmllint --noout --schema "$src/tests/junit/jenkins-junit.xsd" "$ws/$junit" 2>"$tmp/xmllint" &&
            ok "gitlab: $junit is valid JUnit" || fail "gitlab: $junit: $(cat "$tmp/xmllint")"
    elif [ "${IAMG_REQUIRE_XMLLINT:-0}" = 1 ]; then
        fail "gitlab: xmllint is required (IAMG_REQUIRE_XMLLINT=1) but not installed"
    else
        echo "NOTE: xmllint is not installed: $junit not validated"
    fi
    head -1 "$ws/$html" | grep -q '<!DOCTYPE html>' && ok "gitlab: $html is written" ||
        fail "gitlab: no $html"
else
    echo "NOTE: python3-yaml is not installed: the .gitlab-ci.yml recipe was not run"
fi

# ---- pre-commit, the real one, with the hook of this source tree ----
if command -v pre-commit >/dev/null && command -v git >/dev/null &&
    git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
    repo=$tmp/repo
    mkdir -p "$repo"
    cp "$src/examples/policies/ci-deploy-role.json" "$repo/deploy.json"
    cp "$src/lua/rules/ssm.tests/resource_named_instance.json" "$repo/named.json"
    (cd "$repo" && git init -q && git add . && git -c user.email=t@t -c user.name=t commit -qm init) ||
        fail "pre-commit: cannot make a repository"
    hook() {
        (cd "$repo" && PRE_COMMIT_HOME=$tmp/pre-commit-home pre-commit try-repo "$src" iamguard \
            --files "$@") >"$tmp/pc.log" 2>&1
    }
    hook deploy.json
    st=$?
    [ "$st" = 1 ] && grep -q 'IAM-SSM-1' "$tmp/pc.log" &&
        ok "pre-commit: the hook fails on a policy with a finding" ||
        fail "pre-commit: status $st: $(tail -5 "$tmp/pc.log")"
    hook named.json
    st=$?
    [ "$st" = 0 ] && ok "pre-commit: the hook passes a clean policy" ||
        fail "pre-commit: clean policy, status $st: $(tail -5 "$tmp/pc.log")"
elif [ "${IAMG_REQUIRE_PRE_COMMIT:-0}" = 1 ]; then
    fail "pre-commit: required (IAMG_REQUIRE_PRE_COMMIT=1) but pre-commit, git or a git checkout is missing"
else
    echo "NOTE: pre-commit (or git, or a git checkout of the source) is missing: the hook was not run through pre-commit"
fi

# ---- SARIF for SonarQube, DefectDojo and reviewdog ----
block "# sonar-project.properties" >"$tmp/sonar.properties"
report=$(sed -n 's/^sonar.sarifReportPaths=//p' "$tmp/sonar.properties")
cmd=$(grep '^iamguard scan' "$doc" | grep -- "-o $report" | head -1 | sed 's/ *#.*//')
[ -n "$report" ] && [ -n "$cmd" ] || fail "sonar: no report path or command in the page"
(cd "$ws" && eval "$cmd") 2>/dev/null
[ -f "$ws/$report" ] && ok "sonar: '$cmd' writes $report, which sonar.sarifReportPaths names" ||
    fail "sonar: $report not written by '$cmd'"
# SonarQube and DefectDojo take a result's URI relative to the project folder.
jq -r '.runs[0].results[].locations[0].physicalLocation.artifactLocation | "\(.uriBaseId) \(.uri)"' \
    "$ws/$report" >"$tmp/uris"
bad=0
while read -r base uri; do
    [ "$base" = "%SRCROOT%" ] && [ -f "$ws/$uri" ] || { bad=1; echo "  $base $uri"; }
done <"$tmp/uris"
[ "$bad" = 0 ] && [ -s "$tmp/uris" ] && ok "sonar, defectdojo: every result names a file relative to the base folder" ||
    fail "sonar, defectdojo: some result paths are not relative to the base folder"
# reviewdog: base URI joined with the URI, then made relative to its working folder.
(cd "$ws" && python3 - "$report" <<'PY') && ok "reviewdog: every result resolves to a file of the repository" ||
import json, os, sys, urllib.parse
run = json.load(open(sys.argv[1]))["runs"][0]
bases = run.get("originalUriBaseIds", {})
n = 0
for r in run["results"]:
    al = r["locations"][0]["physicalLocation"]["artifactLocation"]
    uri = al["uri"]
    base = bases.get(al.get("uriBaseId", ""), {}).get("uri")
    if base:
        uri = base.rstrip("/") + "/" + uri
    path = urllib.parse.unquote(urllib.parse.urlparse(uri).path)
    rel = os.path.relpath(path, os.getcwd())
    assert not rel.startswith("..") and os.path.isfile(rel), (uri, rel)
    n += 1
assert n > 0
PY
    fail "reviewdog: a result does not resolve to a file of the repository"

[ "$fails" = 0 ] || { echo "$fails check(s) failed"; exit 1; }
