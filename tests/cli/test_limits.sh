#!/bin/sh
# The exact Resource analysis of IAM-SSM-1/2 explores at most
# max_reach_configs configurations; --max-reach-configs and
# limits.max_reach_configs set it, and nonsense is a usage or
# configuration error. tests/cases/hostile/reach-cap needs millions.
#
#   test_limits.sh IAMGUARD SOURCE_DIR
set -u
bin=$1
src=$2
. "$(dirname "$0")/lib.sh"

command -v jq >/dev/null || { echo "skip: jq is needed"; exit 0; }
policy=$src/tests/cases/hostile/reach-cap/policy.json

# The warning that says where the analysis stopped, for the limit N.
stopped_at() {
    jq -e --arg n "limit of $1 configurations (max_reach_configs)" \
        '[.diagnostics[] | select(.level == "warning" and (.message | contains($n)))] | length == 1' \
        "$2" >/dev/null 2>&1
}

"$bin" scan --no-config -f json -o "$tmp/default.json" "$policy" >/dev/null 2>&1
stopped_at 100000 "$tmp/default.json" && ok "default limit 100000" ||
    { fail "default limit"; jq .diagnostics "$tmp/default.json"; }
jq -e '[.findings[] | select(.rule_id == "IAM-SSM-1")] | length == 1' "$tmp/default.json" >/dev/null 2>&1 &&
    ok "a capped analysis still reports the statement" || fail "no finding at the cap"

"$bin" scan --no-config --max-reach-configs 2000 -f json -o "$tmp/flag.json" "$policy" >/dev/null 2>&1
stopped_at 2000 "$tmp/flag.json" && ok "--max-reach-configs 2000" || fail "--max-reach-configs 2000"

printf 'limits:\n  max_reach_configs: 5000\n' >"$tmp/reach.yml"
"$bin" scan --config "$tmp/reach.yml" -f json -o "$tmp/cfg.json" "$policy" >/dev/null 2>&1
stopped_at 5000 "$tmp/cfg.json" && ok "limits.max_reach_configs: 5000" || fail "limits.max_reach_configs"
"$bin" scan --config "$tmp/reach.yml" --max-reach-configs 3000 -f json -o "$tmp/both.json" "$policy" \
    >/dev/null 2>&1
stopped_at 3000 "$tmp/both.json" && ok "the flag wins over the configuration" || fail "flag over config"

for bad in 0 999 x12; do
    "$bin" scan --no-config --max-reach-configs "$bad" "$policy" >/dev/null 2>"$tmp/err"
    rc=$?
    [ $rc -eq 2 ] && grep -q -- "--max-reach-configs needs a whole number" "$tmp/err" &&
        ok "--max-reach-configs $bad is a usage error" || fail "--max-reach-configs $bad: exit $rc"
done
printf 'limits:\n  max_reach_configs: 10\n' >"$tmp/bad.yml"
"$bin" scan --config "$tmp/bad.yml" "$policy" >/dev/null 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] && grep -q "bad.yml:2:[0-9]*: .*'max_reach_configs' must be" "$tmp/err" &&
    ok "limits.max_reach_configs: 10 is an error at its line" || { fail "bad config: exit $rc"; cat "$tmp/err"; }

[ $fails -eq 0 ]
