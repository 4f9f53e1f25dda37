#!/bin/sh
# Runs the examples of docs/RULES.md: each ```lua rule=NAME block is a rule,
# each ```json policy=NAME (or ```yaml policy=NAME) block the policy it is
# run on, and each ```text expect=NAME block the exact finding lines iamguard
# must print. Optional blocks: ```lua lib=NAME/MODULE is a module the rule
# can require ("rules/lib/MODULE.lua"), ```yaml config=NAME the example's
# .iamguard.yml, and ```text args=NAME one line of extra scan arguments.
# Usage: test_docs.sh IAMGUARD DOC
set -u
bin=$1
doc=$2
. "$(dirname "$0")/lib.sh"
awk -v out="$tmp" '
    /^```[a-z]+ (rule|policy|expect|config|args)=[A-Za-z0-9_-]+$/ ||
    /^```lua lib=[A-Za-z0-9_-]+\/[A-Za-z0-9_]+$/ {
        lang = substr($1, 4)
        split($2, kv, "=")
        name = kv[2]
        mod = ""
        if (kv[1] == "lib") { split(kv[2], nm, "/"); name = nm[1]; mod = nm[2] }
        dir = out "/" name
        system("mkdir -p \"" dir "/rules/lib\"")
        if (kv[1] == "rule") file = dir "/rules/rule.lua"
        else if (kv[1] == "policy") file = dir "/policy." lang
        else if (kv[1] == "config") file = dir "/.iamguard.yml"
        else if (kv[1] == "args") file = dir "/args"
        else if (kv[1] == "lib") file = dir "/rules/lib/" mod ".lua"
        else file = dir "/expected"
        printf "" > file
        next
    }
    /^```$/ { if (file) close(file); file = ""; next }
    file { print > file }
' "$doc"
n=0
for dir in "$tmp"/*/; do
    name=$(basename "$dir")
    n=$((n + 1))
    policy=policy.json
    [ -f "$dir/policy.yaml" ] && policy=policy.yaml
    for f in rules/rule.lua $policy expected; do
        [ -f "$dir/$f" ] || { fail "$name: no $f block"; continue 2; }
    done
    args=
    [ -f "$dir/args" ] && args=$(cat "$dir/args")
    # shellcheck disable=SC2086 # args is a list of words
    (cd "$dir" && "$bin" scan --no-builtin --rules rules --color never --fail-on none $args $policy) >"$dir/out" 2>&1
    grep -E '^policy\.(json|yaml):[0-9]+:[0-9]+: ' "$dir/out" >"$dir/got" || true
    if cmp -s "$dir/expected" "$dir/got"; then
        ok "$name"
    else
        fail "$name"; echo "--- expected"; cat "$dir/expected"; echo "--- got"; cat "$dir/out"
    fi
done
[ $n -ge 4 ] || fail "only $n examples found in $doc"
[ $fails -eq 0 ]
