#!/bin/sh
# Rule packs built into iamguard: --pack and packs: enable them, rules and
# explain list them, the built-in members stay on by default, and the
# embedded pack reports what its source folder reports.
#   test_packs.sh IAMGUARD SOURCE_DIR
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$(cd "$2" && pwd)
. "$src/tests/cli/lib.sh"
pack=$src/lua/packs/aws-guardrails

# The list of packs.
"$bin" rules --packs >"$tmp/packs" 2>&1 && grep -q '^aws-guardrails ' "$tmp/packs" &&
    ok "rules --packs lists aws-guardrails" || fail "rules --packs: $(cat "$tmp/packs")"
"$bin" rules --packs -f json | jq -e 'map(.name) | index("aws-guardrails") != null' >/dev/null &&
    ok "rules --packs -f json" || fail "rules --packs -f json"

# Default rules: the SSM rules only, already members of the pack.
"$bin" rules -f json >"$tmp/default.json"
jq -e 'map(.id) == ["IAM-SSM-1", "IAM-SSM-2"] and all(.pack == "aws-guardrails")' \
    "$tmp/default.json" >/dev/null && ok "built-in SSM rules are members of the pack" ||
    fail "default rules: $(jq -c 'map([.id, .pack])' "$tmp/default.json")"

# rules --pack: the pack's rules, SSM included, each once.
"$bin" rules --pack aws-guardrails -f json >"$tmp/pack.json"
status=$?
[ $status = 0 ] && ok "rules --pack exits 0" || fail "rules --pack exit status $status"
jq -e 'all(.pack == "aws-guardrails") and (map(.id) | length == (unique | length))
       and (map(.id) | index("IAM-SSM-1") != null and index("IAM-KMS-3") != null)' \
    "$tmp/pack.json" >/dev/null && ok "rules --pack: members, no duplicate ids" ||
    fail "rules --pack: $(jq -c 'map(.id)' "$tmp/pack.json")"
"$bin" rules --pack aws-guardrails >"$tmp/pack.txt"
grep -q '^IAM-KMS-3 ' "$tmp/pack.txt" && grep -q '^IAM-SSM-2 ' "$tmp/pack.txt" &&
    ok "rules --pack (text)" || fail "rules --pack text: $(head -3 "$tmp/pack.txt")"
n_pack=$(jq length "$tmp/pack.json")
"$bin" rules --no-builtin --pack aws-guardrails -f json >"$tmp/nobuiltin.json"
[ "$(jq length "$tmp/nobuiltin.json")" = "$n_pack" ] &&
    jq -e 'map(.id) | index("IAM-SSM-1") != null' "$tmp/nobuiltin.json" >/dev/null &&
    ok "--no-builtin --pack still brings the pack's SSM rules" ||
    fail "--no-builtin --pack: $(jq -c 'map(.id)' "$tmp/nobuiltin.json")"
"$bin" rules --pack aws-guardrails --pack aws-guardrails -f json >"$tmp/twice.json" 2>"$tmp/twice.err"
status=$?
[ $status = 0 ] && [ "$(jq length "$tmp/twice.json")" = "$n_pack" ] && [ ! -s "$tmp/twice.err" ] &&
    ok "--pack twice adds the pack once" || fail "--pack twice: status $status, $(cat "$tmp/twice.err")"

# Unknown packs are usage errors that name the packs there are.
"$bin" rules --pack aws-guardrail >/dev/null 2>"$tmp/unknown"
status=$?
[ $status = 2 ] && grep -q "unknown pack 'aws-guardrail' (known packs: aws-guardrails" "$tmp/unknown" &&
    ok "rules --pack with an unknown name" || fail "unknown pack: status $status, $(cat "$tmp/unknown")"
printf '{"Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}\n' >"$tmp/kms.json"
"$bin" scan --no-config --pack nope "$tmp/kms.json" >/dev/null 2>"$tmp/unknown"
status=$?
[ $status = 2 ] && grep -q "unknown pack 'nope'" "$tmp/unknown" && ok "scan --pack with an unknown name" ||
    fail "scan unknown pack: status $status, $(cat "$tmp/unknown")"

# scan --pack reports the pack's rules; without it they do not run.
"$bin" scan --no-config -f json -o "$tmp/without.json" "$tmp/kms.json" >/dev/null 2>&1
"$bin" scan --no-config --pack aws-guardrails -f json -o "$tmp/with.json" "$tmp/kms.json" >/dev/null 2>&1
jq -e '.findings | length == 0' "$tmp/without.json" >/dev/null &&
    jq -e '[.findings[].rule_id] | index("IAM-KMS-3") != null' "$tmp/with.json" >/dev/null &&
    ok "scan --pack runs the pack's rules" ||
    fail "scan --pack: $(jq -c '[.findings[].rule_id]' "$tmp/with.json")"

# packs: in the configuration, with the pack's rule parameters and levels.
mkdir -p "$tmp/repo"
cp "$tmp/kms.json" "$tmp/repo/kms.json"
cat >"$tmp/repo/.iamguard.yml" <<'YML'
packs: [aws-guardrails]
rules:
  IAM-KMS-3:
    level: error
    params:
      authorized_principals: ["arn:aws:iam::*:role/KeyAdmin"]
YML
(cd "$tmp/repo" && "$bin" scan -f json -o "$tmp/cfg.json" . >/dev/null 2>"$tmp/cfg.err")
jq -e '[.findings[] | select(.rule_id == "IAM-KMS-3")] | length == 1 and .[0].level == "error"' \
    "$tmp/cfg.json" >/dev/null && ok "packs: in .iamguard.yml, with the pack's parameters" ||
    fail "packs: config: $(cat "$tmp/cfg.err") $(jq -c '[.findings[] | [.rule_id, .level]]' "$tmp/cfg.json")"
(cd "$tmp/repo" && "$bin" scan --pack aws-guardrails -f json -o "$tmp/cfg2.json" . >/dev/null 2>"$tmp/cfg2.err")
status=$?
[ $status = 1 ] && ! grep -q duplicate "$tmp/cfg2.err" &&
    ok "--pack and packs: together add the pack once" || fail "--pack + packs:: status $status, $(cat "$tmp/cfg2.err")"
printf 'packs: aws-guardrails\n' >"$tmp/one.yml"
"$bin" scan --config "$tmp/one.yml" -f json -o "$tmp/one.json" "$tmp/kms.json" >/dev/null 2>&1
jq -e '[.findings[].rule_id] | index("IAM-KMS-3") != null' "$tmp/one.json" >/dev/null &&
    ok "packs: takes a single name" || fail "packs: single name"
printf '# packs\nfail_on: none\npacks: [aws-guardrails, nope]\n' >"$tmp/bad.yml"
"$bin" scan --config "$tmp/bad.yml" "$tmp/kms.json" >/dev/null 2>"$tmp/bad.err"
status=$?
[ $status = 2 ] && grep -q "bad.yml:3:25: unknown pack 'nope' (known packs: aws-guardrails" "$tmp/bad.err" &&
    ok "an unknown pack in the configuration is reported at its line and column" ||
    fail "bad packs:: status $status, $(cat "$tmp/bad.err")"
printf 'packs: {aws-guardrails: true}\n' >"$tmp/bad2.yml"
"$bin" scan --config "$tmp/bad2.yml" "$tmp/kms.json" >/dev/null 2>"$tmp/bad2.err"
status=$?
[ $status = 2 ] && grep -q "bad2.yml:1:8: 'packs' must be a list of strings" "$tmp/bad2.err" &&
    ok "packs: must be a list" || fail "packs: mapping: status $status, $(cat "$tmp/bad2.err")"
printf 'rules:\n  IAM-KMS-3:\n    level: error\n' >"$tmp/nopack.yml"
"$bin" scan --config "$tmp/nopack.yml" "$tmp/kms.json" >/dev/null 2>"$tmp/nopack.err"
status=$?
[ $status = 2 ] && grep -q "nopack.yml:2:3: unknown rule id 'IAM-KMS-3'" "$tmp/nopack.err" &&
    ok "a pack's rule id is unknown until the pack is enabled" ||
    fail "rule of a disabled pack: status $status, $(cat "$tmp/nopack.err")"

# A rules folder with a rule of the pack's id: the pack's rule stays, the
# folder's is reported as a duplicate.
mkdir -p "$tmp/dup"
cat >"$tmp/dup/mine.lua" <<'LUA'
return { id = "IAM-KMS-3", short_description = "Mine.", check = function() end }
LUA
"$bin" scan --no-config --pack aws-guardrails --rules "$tmp/dup" -f json -o "$tmp/dup.json" \
    "$tmp/kms.json" >/dev/null 2>"$tmp/dup.err"
status=$?
[ $status = 3 ] && grep -q "duplicate rule id IAM-KMS-3 (already defined in builtin/aws-guardrails/kms.lua)" "$tmp/dup.err" &&
    jq -e '[.findings[].rule_id] | index("IAM-KMS-3") != null' "$tmp/dup.json" >/dev/null &&
    ok "a folder's rule with a pack rule's id is a duplicate" ||
    fail "duplicate: status $status, $(cat "$tmp/dup.err")"

# explain finds a pack's rule without --pack and says how to enable it.
"$bin" explain IAM-KMS-3 >"$tmp/explain" 2>&1 &&
    grep -q '^pack: aws-guardrails (enable it with --pack aws-guardrails' "$tmp/explain" &&
    grep -q 'guardrails/kms/guardrails.html#IAM-KMS-3' "$tmp/explain" &&
    ok "explain IAM-KMS-3" || fail "explain: $(head -5 "$tmp/explain")"
"$bin" explain IAM-SSM-1 | grep -q '^pack: aws-guardrails (on by default)' &&
    ok "explain IAM-SSM-1 names its pack" || fail "explain IAM-SSM-1"
"$bin" explain NOPE-1 >/dev/null 2>&1
[ $? = 2 ] && ok "explain of an unknown id" || fail "explain of an unknown id"

# The embedded pack reports exactly what its source folder reports, on
# every test case of the pack.
find "$pack" -path '*.tests/*' -type f \( -name '*.json' -o -name '*.yaml' -o -name '*.yml' \
    -o -name '*.template' \) ! -name '*.iamguard.yml' | sort >"$tmp/cases"
n_cases=$(wc -l <"$tmp/cases")
if [ "$n_cases" -gt 0 ]; then
    # shellcheck disable=SC2046
    "$bin" scan --no-config --no-builtin --pack aws-guardrails --skip-rule IAM-SSM-1 \
        --skip-rule IAM-SSM-2 -j 2 -f json -o "$tmp/embedded.json" $(cat "$tmp/cases") >/dev/null 2>&1
    # shellcheck disable=SC2046
    "$bin" scan --no-config --no-builtin --rules "$pack" -j 2 -f json -o "$tmp/folder.json" \
        $(cat "$tmp/cases") >/dev/null 2>&1
    jq -S '[.findings[] | {rule_id, path, line, column, message, level}] | sort_by(.path, .line, .column, .rule_id, .message)' \
        "$tmp/embedded.json" >"$tmp/e"
    jq -S '[.findings[] | {rule_id, path, line, column, message, level}] | sort_by(.path, .line, .column, .rule_id, .message)' \
        "$tmp/folder.json" >"$tmp/f"
    if cmp -s "$tmp/e" "$tmp/f" && [ "$(jq length "$tmp/e")" -gt 0 ]; then
        ok "embedded pack = source folder on $n_cases cases ($(jq length "$tmp/e") findings)"
    else
        fail "embedded pack and source folder differ: $(diff "$tmp/e" "$tmp/f" | head -20)"
    fi
    jq -e ".summary.rule_failures == 0" "$tmp/embedded.json" >/dev/null ||
        fail "rule failures with the embedded pack"
else
    fail "no test cases under $pack"
fi

[ $fails = 0 ]
