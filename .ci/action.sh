#!/usr/bin/env bash
# The GitHub Action as a runner runs it (.ci/action-runner.py runs action.yml's
# steps), on a copy of examples/ as the repository being checked: first on a
# cache miss, where .github/action/build.sh builds iamguard from a clean
# folder exactly as on GitHub, then on a cache hit with other inputs.
# Usage: .ci/action.sh (from anywhere; needs bash, python3-yaml, jq).
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ws=$work/workspace
mkdir -p "$ws"
cp -R "$src/examples/." "$ws/"
fails=0
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

# run NAME INPUT=VALUE...: the whole action; its log in $work/NAME.log, its
# outputs (and job-status) in $work/NAME.json.
run() {
    local name=$1
    shift
    python3 "$src/.ci/action-runner.py" "$src" "$ws" "$work" "$@" >"$work/$name.log" 2>&1
    tail -n 1 "$work/$name.log" >"$work/$name.json"
    grep '^-- ' "$work/$name.log"
}
out() { jq -r --arg k "$2" '.[$k]' "$work/$1.json"; }
mt=${SARIF_MULTITOOL:-}
validate=$src/../shared/sarif/validate-sarif.sh

# ---- cache miss, the action's defaults: the examples have error findings ----
run miss
grep -q 'cache miss' "$work/miss.log" && ok "first run: cache miss" || fail "first run was not a cache miss"
grep -q '^iamguard [0-9]' "$work/miss.log" && ok "build.sh built and ran iamguard" || fail "build.sh"
[ "$(out miss exit-code)" = 1 ] && ok "scan.sh: exit-code 1 (findings at or above error)" ||
    fail "exit-code is '$(out miss exit-code)', expected 1"
sarif=$ws/$(out miss sarif-file)
if [ "$(out miss sarif-file)" = iamguard.sarif ] && [ -f "$sarif" ]; then
    ok "scan.sh: sarif-file iamguard.sarif"
    [ "$(jq '.runs[0].results | length' "$sarif")" -ge 1 ] && ok "the report has the findings" ||
        fail "the report has no results"
    if [ -x "$mt" ] && [ -f "$validate" ]; then
        SARIF_MULTITOOL=$mt sh "$validate" "$sarif" >"$work/validate.log" 2>&1 &&
            ok "the report validates (GitHub ingestion rules)" ||
            { fail "the report does not validate"; head -n 20 "$work/validate.log"; }
    elif [ -n "${IAMG_REQUIRE_MULTITOOL:-}" ]; then
        fail "SARIF validation required, but no sarif-multitool or no $validate"
    fi
else
    fail "sarif-file is '$(out miss sarif-file)', or the file is missing"
fi
grep -q "would upload" "$work/miss.log" && ok "the upload step ran" || fail "the upload step did not run"
grep -q "::error title=iamguard::findings at or above 'error'" "$work/miss.log" &&
    [ "$(out miss job-status)" = 1 ] && ok "finish.sh fails the job" || fail "finish.sh did not fail the job"

# ---- cache hit, other inputs ----
run hit fail-on=none sarif-file=reports/iamguard.sarif category=examples
grep -q 'cache hit' "$work/hit.log" && ok "second run: cache hit" || fail "second run was not a cache hit"
[ "$(out hit exit-code)" = 0 ] && [ "$(out hit job-status)" = 0 ] && ok "fail-on none: the job passes" ||
    fail "fail-on none: exit-code '$(out hit exit-code)', job status $(out hit job-status)"
[ "$(out hit sarif-file)" = reports/iamguard.sarif ] && [ -f "$ws/reports/iamguard.sarif" ] &&
    ok "a report in a new folder" || fail "sarif-file reports/iamguard.sarif was not written"

if [ $fails -gt 0 ]; then
    for log in "$work"/*.log; do echo "---- $log"; cat "$log"; done
    exit 1
fi
