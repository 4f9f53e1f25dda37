#!/bin/sh
# The GitHub Action's scripts (.github/action/scan.sh and finish.sh) run as
# action.yml runs them, with inputs in the environment and outputs in
# $GITHUB_OUTPUT; action.yml wires them up; and the pre-commit hook's command
# behaves on the files a commit passes it. No network: the upload step is
# GitHub's own action.
# Usage: test_action.sh IAMGUARD SOURCE_DIR
set -u
bin=$1
src=$2
. "$(dirname "$0")/lib.sh"
command -v bash >/dev/null || { echo "SKIP: bash is not installed"; exit 77; }

# A workspace: a policy with findings, one without (in a folder whose name
# holds a space), a file that is not a policy.
ws=$tmp/ws
mkdir -p "$ws/policies" "$ws/other dir"
cp "$src/examples/policies/ci-deploy-role.json" "$ws/policies/deploy.json"
cp "$src/lua/rules/ssm.tests/resource_named_instance.json" "$ws/other dir/named.json"
echo '{"name": "web", "version": "1.0.0"}' >"$ws/package.json"

# scan VAR=VALUE...: run scan.sh in the workspace with these inputs. Outputs
# go to $tmp/outputs, the log to $tmp/log.
scan() {
    : >"$tmp/outputs"
    rm -f "$ws/iamguard.sarif"
    (cd "$ws" && env -i PATH="$PATH" HOME="$tmp" IAMGUARD="$bin" GITHUB_OUTPUT="$tmp/outputs" "$@" \
        bash "$src/.github/action/scan.sh") >"$tmp/log" 2>&1
    echo $? >"$tmp/status"
}
output() { sed -n "s/^$1=//p" "$tmp/outputs" | tail -n 1; }

# expect NAME EXIT-CODE: scan.sh itself succeeded and reported EXIT-CODE.
expect() {
    if [ "$(cat "$tmp/status")" = 0 ] && [ "$(output exit-code)" = "$2" ]; then ok "$1"; else
        fail "$1: scan.sh status $(cat "$tmp/status"), exit-code '$(output exit-code)', expected $2"
        sed 's/^/    /' "$tmp/log"
    fi
}

# ---- the action's defaults ----
scan INPUT_PATHS=. INPUT_FAIL_ON=error INPUT_CATEGORY=iamguard INPUT_SARIF_FILE=iamguard.sarif
expect "defaults: an error finding fails" 1
[ "$(output sarif-file)" = iamguard.sarif ] && [ -s "$ws/iamguard.sarif" ] && ok "SARIF written" ||
    fail "no SARIF report"
grep -q '"id": "iamguard/"' "$ws/iamguard.sarif" && ok "category in automationDetails.id" ||
    fail "category not in the SARIF report"
grep -q '"uri": "policies/deploy.json"' "$ws/iamguard.sarif" && ok "paths relative to the workspace" ||
    fail "artifact paths are not relative to the workspace"
grep -q 'policies/deploy.json:13:18: error\[IAM-SSM-1\]' "$tmp/log" && ok "findings in the log" ||
    fail "findings are not in the log"

scan INPUT_FAIL_ON=none
expect "fail-on none" 0
scan INPUT_FAIL_ON=
expect "fail-on empty: iamguard's default level" 1

# ---- paths: one per line (names with spaces), or words on one line ----
scan INPUT_PATHS="
  other dir/named.json
package.json
" INPUT_FAIL_ON=note
expect "paths on lines, a name with a space" 0
scan INPUT_PATHS="package.json policies" INPUT_FAIL_ON=error
expect "paths as words" 1
scan INPUT_PATHS="no-such-folder"
expect "a missing path: could not run" 2

# ---- config, rules, args ----
printf 'fail_on: none\n' >"$ws/relaxed.yml"
scan INPUT_CONFIG=relaxed.yml INPUT_FAIL_ON=
expect "config's fail_on applies when fail-on is empty" 0
scan INPUT_CONFIG=missing.yml
expect "a missing config: could not run" 2
[ -z "$(output sarif-file)" ] && ok "no report, no sarif-file output" || fail "sarif-file set without a report"
cp "$src/lua/rules/ssm.tests/deny_unconditional.json" "$ws/policies/admin.json"
scan INPUT_RULES="$src/examples/rules" INPUT_ARGS="--no-builtin --exclude 'other dir/**'" INPUT_FAIL_ON=warning
expect "rules and quoted args" 1
grep -q 'EXAMPLE-ADMIN-1' "$ws/iamguard.sarif" && ! grep -q '"ruleId": "IAM-SSM-1"' "$ws/iamguard.sarif" &&
    ok "user rules ran, built-in ones did not" || fail "rules/args not applied"
rm "$ws/policies/admin.json"
scan INPUT_ARGS="--skip-rule IAM-SSM-1" INPUT_FAIL_ON=error
expect "args: skip the only failing rule" 0
scan INPUT_ARGS="--exclude 'unterminated"
expect "args with an unmatched quote" 2
# Inputs are data: nothing in them is run.
scan INPUT_ARGS='$(touch pwned) `touch pwned2`; touch pwned3' INPUT_PATHS='$(touch pwned4)'
[ ! -e "$ws/pwned" ] && [ ! -e "$ws/pwned2" ] && [ ! -e "$ws/pwned3" ] && [ ! -e "$ws/pwned4" ] &&
    ok "inputs are never run as shell code" || fail "an input was run as shell code"

# ---- only this run's report is reported; its folder is created ----
echo '{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "stale"}}}]}' >"$ws/stale.sarif"
scan INPUT_SARIF_FILE=stale.sarif INPUT_FAIL_ON=critical
expect "fail-on critical: could not run" 2
[ -z "$(output sarif-file)" ] && ok "no report from a failed scan, though an old one was there" ||
    fail "sarif-file '$(output sarif-file)' names a report this run did not write"
[ ! -e "$ws/stale.sarif" ] && ok "the old report is removed" || fail "the old report is still there"
echo stale >"$ws/stale.sarif"
scan INPUT_SARIF_FILE=stale.sarif INPUT_FAIL_ON=none
expect "a report over an old one" 0
[ "$(output sarif-file)" = stale.sarif ] && grep -q '"name": "iamguard"' "$ws/stale.sarif" &&
    ok "the new report replaces the old one" || fail "the old report was kept"
scan INPUT_SARIF_FILE="out/sub dir/x.sarif" INPUT_FAIL_ON=error
expect "sarif-file in a folder that does not exist" 1
[ "$(output sarif-file)" = "out/sub dir/x.sarif" ] && [ -s "$ws/out/sub dir/x.sarif" ] &&
    ok "its folder is created" || fail "no report at out/sub dir/x.sarif"
: >"$ws/not-a-folder"
scan INPUT_SARIF_FILE=not-a-folder/x.sarif
expect "a sarif-file folder that cannot be created" 2
[ -z "$(output sarif-file)" ] && grep -q "::error title=iamguard::cannot create the folder" "$tmp/log" &&
    ok "says so" || fail "no clear error for a folder that cannot be created"
rm -rf "$ws/out" "$ws/not-a-folder" "$ws/stale.sarif"

# ---- finish.sh: the job's status ----
for code in 0 1 2 3 ""; do
    want=${code:-2}
    EXIT_CODE=$code FAIL_ON=error bash "$src/.github/action/finish.sh" >"$tmp/log" 2>&1
    got=$?
    [ "$got" = "$want" ] && ok "finish: exit-code '$code' -> $want" ||
        { fail "finish: exit-code '$code' gave $got, expected $want"; cat "$tmp/log"; }
done

# ---- action.yml wires the scripts and the inputs ----
for s in build.sh scan.sh finish.sh; do
    grep -q "\.github/action/$s" "$src/action.yml" && [ -f "$src/.github/action/$s" ] &&
        ok "action.yml runs $s" || fail "action.yml and .github/action/$s"
done
for input in paths config fail-on category rules args; do
    grep -q "^  $input:" "$src/action.yml" && grep -q "inputs.$input }}" "$src/action.yml" &&
        ok "input $input" || fail "action.yml input $input"
done
grep -q 'uses: github/codeql-action/upload-sarif@v3' "$src/action.yml" &&
    grep -q 'category: ${{ inputs.category }}' "$src/action.yml" && ok "uploads with the category" ||
    fail "upload-sarif step"
if command -v python3 >/dev/null && python3 -c 'import yaml' 2>/dev/null; then
    python3 - "$src" <<'PY' && ok "action.yml and .pre-commit-hooks.yaml are valid YAML" || fail "YAML"
import sys, yaml
src = sys.argv[1]
a = yaml.safe_load(open(src + "/action.yml"))
assert a["runs"]["using"] == "composite"
assert a["inputs"]["paths"]["default"] == "." and a["inputs"]["fail-on"]["default"] == "error"
h = yaml.safe_load(open(src + "/.pre-commit-hooks.yaml"))
assert h[0]["id"] == "iamguard" and h[0]["language"] == "system" and h[0]["pass_filenames"] is True
PY
fi

# ---- the pre-commit hook: its entry on the files pre-commit would pass ----
hooks=$src/.pre-commit-hooks.yaml
regex=$(sed -n 's/^ *files: *//p' "$hooks")
entry=$(sed -n 's/^ *entry: *//p' "$hooks")
for f in a.json b.yaml c.yml stack.template; do
    echo "$f" | grep -qE "$regex" && ok "hook takes $f" || fail "hook files regex misses $f"
done
for f in a.lua README.md jsonfile; do
    echo "$f" | grep -qE "$regex" && fail "hook files regex takes $f" || ok "hook leaves $f alone"
done
case "$entry" in "iamguard "*) ok "hook entry runs iamguard from PATH" ;; *) fail "hook entry '$entry'" ;; esac
mkdir -p "$tmp/bin"
ln -s "$bin" "$tmp/bin/iamguard"
# shellcheck disable=SC2086
(cd "$ws" && PATH="$tmp/bin:$PATH" $entry package.json "other dir/named.json") >"$tmp/log" 2>&1
[ $? -eq 0 ] && ok "hook passes clean and non-policy files" || { fail "hook on clean files"; cat "$tmp/log"; }
# What the hook prints for a non-policy file is what docs/github-code-scanning.md shows.
line=$(grep '^package\.json: ' "$tmp/log")
[ -n "$line" ] && grep -qxF "  $line" "$src/docs/github-code-scanning.md" &&
    ok "hook output for a non-policy file is documented" ||
    fail "docs/github-code-scanning.md does not show the hook's line '$line'"
# shellcheck disable=SC2086
(cd "$ws" && PATH="$tmp/bin:$PATH" $entry package.json policies/deploy.json) >"$tmp/log" 2>&1
[ $? -eq 1 ] && grep -q 'IAM-SSM-1' "$tmp/log" && ok "hook fails a commit with findings" ||
    { fail "hook on a policy with findings"; cat "$tmp/log"; }

[ $fails -eq 0 ]
