#!/bin/sh
# The rule-author kit: iamguard new-rule writes a rule whose tests pass,
# iamguard test-rules reports matches, mismatches (as a diff), broken rules and
# malformed test folders with the documented exit statuses, and the built-in
# rules pass their own tests (lua/rules/ssm.tests).
# Usage: test_rule_kit.sh IAMGUARD SOURCE_DIR
set -u
bin=$1
src=$2
. "$(dirname "$0")/lib.sh"


# expect_status WANT NAME CMD...: run CMD, output in $tmp/out.
expect_status() {
    want=$1 name=$2
    shift 2
    "$@" >"$tmp/out" 2>&1
    got=$?
    if [ "$got" -eq "$want" ]; then ok "$name"; else
        fail "$name: exit $got, expected $want"; sed 's/^/    /' "$tmp/out"
    fi
}

# expect_line NAME TEXT: the last output has a line equal to TEXT.
expect_line() {
    if grep -qxF -- "$2" "$tmp/out"; then ok "$1"; else
        fail "$1: no line '$2' in:"; sed 's/^/    /' "$tmp/out"
    fi
}

# ---- the built-in rules pass their tests ----
expect_status 0 "built-in rules: test-rules lua/rules" "$bin" test-rules "$src/lua/rules"
# Every case of the folder (one .expected each) runs and passes.
ncases=$(ls "$src/lua/rules/ssm.tests"/*.expected | wc -l | tr -d ' ')
expect_line "built-in rules: summary" \
    "test-rules: $ncases cases in 1 rule file: $ncases passed, 0 failed, 0 errors"
expect_line "built-in rules: a YAML case" "ok   ssm.lua cloudformation_role.yaml (1 finding)"

# ---- new-rule writes a rule whose tests pass as written ----
cd "$tmp" || exit 2
expect_status 0 "new-rule" "$bin" new-rule ORG-PASSROLE-1 --dir rules
for f in rules/ORG-PASSROLE-1.lua rules/ORG-PASSROLE-1.tests/flagged.json \
    rules/ORG-PASSROLE-1.tests/flagged.expected rules/ORG-PASSROLE-1.tests/accepted.json \
    rules/ORG-PASSROLE-1.tests/accepted.expected rules/ORG-PASSROLE-1.tests/authorized.yaml \
    rules/ORG-PASSROLE-1.tests/authorized.iamguard.yml rules/ORG-PASSROLE-1.tests/authorized.expected; do
    [ -f "$f" ] && ok "new-rule wrote $f" || fail "new-rule did not write $f"
done
grep -q 'id = "ORG-PASSROLE-1"' rules/ORG-PASSROLE-1.lua && ok "template carries the id" ||
    fail "template does not carry the id"
expect_status 0 "test-rules on a new rule" "$bin" test-rules rules
expect_line "new rule: flagged case" "ok   ORG-PASSROLE-1.lua flagged.json (1 finding)"
expect_line "new rule: accepted case" "ok   ORG-PASSROLE-1.lua accepted.json (0 findings)"
expect_line "new rule: a case with a configuration" "ok   ORG-PASSROLE-1.lua authorized.yaml (0 findings)"
grep -q 'require("iamguard.guardrail")' rules/ORG-PASSROLE-1.lua && grep -q 'params = {' rules/ORG-PASSROLE-1.lua &&
    ok "the template uses the guardrail library and parameters" || fail "the template lacks the library or params"
expect_status 0 "without its configuration the authorized case has a finding" \
    "$bin" scan --no-builtin --rules rules --no-config --fail-on none --color never rules/ORG-PASSROLE-1.tests/authorized.yaml
grep -q 'authorized.yaml:19:27: warning\[ORG-PASSROLE-1\]' "$tmp/out" && ok "the configuration is what clears it" ||
    fail "the authorized case has no finding of its own"
expect_status 0 "the template scans like any rule" \
    "$bin" scan --no-builtin --rules rules --fail-on none --color never rules/ORG-PASSROLE-1.tests
expect_line "the template's finding" \
    "rules/ORG-PASSROLE-1.tests/flagged.json:8:19: warning[ORG-PASSROLE-1] Statement \"PassAnyRole\" allows iam:PassRole on any role. Action \"iam:PassRole\" grants it, Resource \"*\" matches every role, and no iam:PassedToService condition limits where they go. Name the roles in Resource, or add an iam:PassedToService condition."
expect_status 0 "explain the new rule" "$bin" explain --rules rules ORG-PASSROLE-1
expect_status 0 "test one rule file" "$bin" test-rules rules/ORG-PASSROLE-1.lua

# new-rule refusals
expect_status 2 "new-rule never overwrites" "$bin" new-rule ORG-PASSROLE-1 --dir rules
expect_status 2 "new-rule: id with a slash" "$bin" new-rule a/b --dir rules
expect_status 2 "new-rule: reserved prefix" "$bin" new-rule IAMGUARD-X --dir rules
expect_status 2 "new-rule: no id" "$bin" new-rule
expect_status 0 "new-rule --help" "$bin" new-rule --help
[ -e rules/a ] && fail "a refused id created files" || ok "a refused id created nothing"

# ---- mismatches: a diff, exit 1 ----
cp -r rules mism
printf '# One finding, moved by a column.\nORG-PASSROLE-1 8:20\n' >mism/ORG-PASSROLE-1.tests/flagged.expected
echo "ORG-PASSROLE-1 3:3" >>mism/ORG-PASSROLE-1.tests/accepted.expected
expect_status 1 "mismatch exits 1" "$bin" test-rules mism
expect_line "diff: expected and not reported" "-ORG-PASSROLE-1 8:20"
expect_line "diff: reported and not expected" "+ORG-PASSROLE-1 8:19"
expect_line "diff: missing finding" "-ORG-PASSROLE-1 3:3"
expect_line "mismatch summary" "test-rules: 3 cases in 1 rule file: 1 passed, 2 failed, 0 errors"

# order does not matter, comments and blank lines are ignored, levels optional
mkdir -p order/R.tests
cat >order/R.lua <<'EOF'
return {
  id = "R", short_description = "Every statement.",
  check = function(policy, report)
    for _, st in ipairs(policy.statements) do
      report{ statement = st, level = st.sid == "B" and "error" or "note", message = "Seen." }
    end
  end,
}
EOF
printf '{"Statement": [\n {"Sid": "A", "Effect": "Allow", "Action": "*", "Resource": "*"},\n {"Sid": "B", "Effect": "Deny", "Action": "*", "Resource": "*"}]}\n' >order/R.tests/two.json
printf '# two findings\n\nR 3:3\n   R 2:3\n' >order/R.tests/two.expected
cp order/R.tests/two.json order/R.tests/levels.json
printf 'R 3:3 error\nR 2:3 note\n' >order/R.tests/levels.expected
expect_status 0 "any order, comments, levels" "$bin" test-rules order
printf 'R 3:3 warning\nR 2:3 note\n' >order/R.tests/levels.expected
expect_status 1 "a wrong level is a mismatch" "$bin" test-rules order
expect_line "level diff" "-R 3:3 warning"
expect_line "level diff (got)" "+R 3:3 error"

# --update rewrites expected files, keeping their leading comments
expect_status 0 "--update" "$bin" test-rules --update mism
expect_status 0 "updated files pass" "$bin" test-rules mism
head -n 1 mism/ORG-PASSROLE-1.tests/flagged.expected | grep -q '^# ' &&
    ok "--update keeps the leading comment" || fail "--update dropped the leading comment"

# a case without its .expected fails and shows what to write
rm mism/ORG-PASSROLE-1.tests/flagged.expected
expect_status 1 "a case without .expected" "$bin" test-rules mism
expect_line "shows the lines to write" "+ORG-PASSROLE-1 8:19"

# ---- broken rules and cases: exit 3 ----
mkdir -p broken/B.tests
echo 'return { id = "B", short_description = "x", check = function(p, r) error("boom") end }' >broken/B.lua
cp rules/ORG-PASSROLE-1.tests/flagged.json broken/B.tests/c.json
: >broken/B.tests/c.expected
expect_status 3 "a rule that fails on a case" "$bin" test-rules broken
echo 'return {' >broken/B.lua
expect_status 3 "a rule file that does not load" "$bin" test-rules broken
expect_line "names the failing file" "ERROR B.lua: the rule file does not load"
mkdir -p nopolicy/N.tests
cp order/R.lua nopolicy/N.lua
echo '{"name": "not a policy"}' >nopolicy/N.tests/c.json
: >nopolicy/N.tests/c.expected
expect_status 3 "a case with no policy in it" "$bin" test-rules nopolicy

# ---- usage errors: exit 2 ----
expect_status 2 "no argument" "$bin" test-rules
expect_status 2 "missing folder" "$bin" test-rules does-not-exist
mkdir empty
expect_status 2 "folder without rules" "$bin" test-rules empty
cp -r order malformed
echo 'R three' >malformed/R.tests/two.expected
expect_status 2 "malformed .expected" "$bin" test-rules malformed
cp -r order orphan
: >orphan/R.tests/gone.expected
expect_status 2 ".expected without its case" "$bin" test-rules orphan
cp -r order mixed
printf 'R 3:3 error\nR 2:3\n' >mixed/R.tests/levels.expected
expect_status 2 "levels on some lines only" "$bin" test-rules mixed
expect_status 0 "test-rules --help" "$bin" test-rules --help

# ---- message texts, a configuration per case, log() in failures, modules ----
mkdir -p kit/K.tests kit/lib
cat >kit/lib/names.lua <<'EOF'
local M = {}
function M.label(st) return st.sid or ("#" .. st.index) end
return M
EOF
cat >kit/K.lua <<'EOF'
local names = require("names")
return {
  id = "K", short_description = "Statements outside the allowed Sids.", level = "warning",
  params = { allowed = { "Ok" }, strict = false },
  check = function(policy, report, params)
    for _, st in ipairs(policy.statements) do
      log("looking at", names.label(st))
      local ok = false
      for _, a in ipairs(params.allowed) do ok = ok or st.sid == a end
      if not ok then
        report{ statement = st, level = params.strict and "error" or nil,
                message = "Statement " .. names.label(st) .. " is not \"allowed\"." }
      end
    end
  end,
}
EOF
printf '{"Statement": [\n {"Sid": "Ok", "Effect": "Allow", "Action": "*", "Resource": "*"},\n {"Sid": "Other", "Effect": "Deny", "Action": "*", "Resource": "*"}]}\n' >kit/K.tests/two.json
printf 'K 3:3 warning "Other is not \\"allowed\\""\n' >kit/K.tests/two.expected
cp kit/K.tests/two.json kit/K.tests/strict.json
printf 'rules:\n  K:\n    params:\n      allowed: [Ok, Another]\n      strict: true\n' >kit/K.tests/strict.iamguard.yml
printf 'K 3:3 error "Statement Other"\n' >kit/K.tests/strict.expected
cp kit/K.tests/two.json kit/K.tests/allowed.json
printf 'allowlist:\n  - sid: Other\n    justification: accepted for the test\n' >kit/K.tests/allowed.iamguard.yml
: >kit/K.tests/allowed.expected
expect_status 0 "message texts, levels and case configurations" "$bin" test-rules kit
expect_line "the case with a configuration" "ok   K.lua strict.json (1 finding)"
expect_line "the allowlisted case" "ok   K.lua allowed.json (0 findings)"
cp -r kit kitfail
printf 'K 3:3 warning "is allowed"\n' >kitfail/K.tests/two.expected
expect_status 1 "a message text that does not match" "$bin" test-rules kitfail
expect_line "the line expected" '-K 3:3 warning "is allowed"'
expect_line "the finding reported, with its message" '+K 3:3 warning "Statement Other is not \"allowed\"."'
expect_line "log() lines of the failing case" "  log K 1/2: looking at Ok"
printf 'K 3:3\n' >kitfail/K.tests/two.expected
printf 'rules:\n  K:\n    params:\n      allowed: {a: 1}\n' >kitfail/K.tests/strict.iamguard.yml
expect_status 2 "a case configuration with a wrong parameter type" "$bin" test-rules kitfail
grep -q "strict.iamguard.yml:4:16: parameter 'allowed' of rule K must be a list of strings, not a mapping" "$tmp/out" &&
    ok "the wrong type is named at its line and column" || { fail "no line:col for the wrong type"; sed 's/^/    /' "$tmp/out"; }
printf 'K 3:3 "unclosed\n' >kitfail/K.tests/two.expected
expect_status 2 "an unclosed message text" "$bin" test-rules kitfail
cp kit/lib/names.lua kit/names2.lua
sed -i 's/require("names")/require("names2")/' kit/K.lua
expect_status 0 "a module beside the rules is not a rule file" "$bin" test-rules kit
expect_line "the module is named" "--   names2.lua: a module that rules of this folder require"

# ---- parameters on the command line, in rules -f json and explain ----
expect_status 0 "rules -f json lists parameters" "$bin" rules --no-builtin --rules kit -f json
grep -q '"name": "allowed"' "$tmp/out" && grep -q '"default": \[' "$tmp/out" &&
    ok "parameters with defaults in rules -f json" || fail "no parameters in rules -f json"
expect_status 0 "explain lists parameters" "$bin" explain --rules kit K
expect_line "explain: a parameter and its default" '  allowed (list of strings) default ["Ok"]'
# What rules and explain show is what a scan here runs with: the
# configuration's levels and parameters, then --param.
mkdir -p inplace
printf 'rules:\n  K:\n    level: note\n    params:\n      allowed: [A, B]\n' >inplace/.iamguard.yml
(cd inplace && "$bin" explain --rules ../kit K) >"$tmp/out" 2>&1
expect_line "explain: the value .iamguard.yml sets" '  allowed (list of strings) default ["Ok"], set to ["A", "B"]'
expect_line "explain: the level .iamguard.yml sets" 'level: note'
(cd inplace && "$bin" explain --rules ../kit --param K.allowed=C K) >"$tmp/out" 2>&1
expect_line "explain: --param wins" '  allowed (list of strings) default ["Ok"], set to ["C"]'
(cd inplace && "$bin" explain --rules ../kit --no-config K) >"$tmp/out" 2>&1
expect_line "explain --no-config: the default" '  allowed (list of strings) default ["Ok"]'
expect_status 0 "rules --config" "$bin" rules --no-builtin --rules kit -f json --config inplace/.iamguard.yml
jq -e '.[] | select(.id == "K") | .level == "note" and
       (.params[] | select(.name == "allowed") | .default == ["Ok"] and .value == ["A", "B"])' \
    "$tmp/out" >/dev/null && ok "rules -f json: level and value in effect" ||
    { fail "rules -f json: not the configured level and value"; sed 's/^/    /' "$tmp/out"; }
expect_status 2 "rules --param with an unknown name" "$bin" rules --no-builtin --rules kit --param K.nope=1
expect_line "rules --param: which names there are" \
    "iamguard: --param K.nope=1: rule K has no parameter 'nope' (it has: allowed, strict)"
printf 'rules:\n  K:\n    params:\n      allowed: true\n' >inplace/bad.yml
expect_status 2 "explain with a wrong configured type" "$bin" explain --rules kit --config inplace/bad.yml K
grep -q "bad.yml:4:16: parameter 'allowed' of rule K must be a list of strings, not a boolean" "$tmp/out" &&
    ok "explain: the configuration error at its line and column" ||
    { fail "explain: no line:col for the configuration error"; sed 's/^/    /' "$tmp/out"; }
expect_status 1 "--param sets a parameter" "$bin" scan --no-builtin --rules kit --color never \
    --param K.strict=true --param K.allowed=Ok kit/K.tests/two.json
grep -q 'error\[K\] Statement Other' "$tmp/out" && ok "--param changes the finding" ||
    fail "--param did not apply"
expect_status 2 "--param with an unknown name" "$bin" scan --no-builtin --rules kit --param K.nope=1 kit/K.tests
expect_status 0 "scan -v shows log() lines" "$bin" scan --no-builtin --rules kit --color never -v \
    --fail-on none kit/K.tests/two.json
expect_line "a log line in the report" "kit/K.tests/two.json:1:1: note[log K] 2/2: looking at Other"

# ---- a rule file without tests is listed, not failed ----
mkdir -p untested
cp order/R.lua untested/R.lua
expect_status 0 "untested rule file" "$bin" test-rules untested
expect_line "untested summary" \
    "test-rules: 0 cases in 1 rule file: 0 passed, 0 failed, 0 errors, 1 rule file without tests"

# ---- main usage lists the commands ----
"$bin" --help >"$tmp/out" 2>&1
grep -q '^  test-rules DIR' "$tmp/out" && grep -q '^  new-rule ID' "$tmp/out" &&
    ok "iamguard --help lists test-rules and new-rule" || fail "iamguard --help misses the kit"

[ $fails -eq 0 ]
