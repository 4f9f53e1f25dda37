#!/bin/sh
# Runs the examples of docs/RULES.md: each ```lua rule=NAME block is a rule,
# each ```json policy=NAME block the policy it is run on, and each
# ```text expect=NAME block the exact finding lines iamguard must print.
# Usage: test_docs.sh IAMGUARD DOC
set -u
bin=$1
doc=$2
. "$(dirname "$0")/lib.sh"
awk -v out="$tmp" '
    /^```[a-z]+ (rule|policy|expect)=[A-Za-z0-9_-]+$/ {
        split($2, kv, "=")
        dir = out "/" kv[2]
        system("mkdir -p \"" dir "/rules\"")
        file = kv[1] == "rule" ? dir "/rules/rule.lua" : kv[1] == "policy" ? dir "/policy.json" : dir "/expected"
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
    for f in rules/rule.lua policy.json expected; do
        [ -f "$dir/$f" ] || { fail "$name: no $f block"; continue 2; }
    done
    (cd "$dir" && "$bin" scan --no-builtin --rules rules --color never --fail-on none policy.json) >"$dir/out" 2>&1
    grep -E '^policy\.json:[0-9]+:[0-9]+: ' "$dir/out" >"$dir/got" || true
    if cmp -s "$dir/expected" "$dir/got"; then
        ok "$name"
    else
        fail "$name"; echo "--- expected"; cat "$dir/expected"; echo "--- got"; cat "$dir/out"
    fi
done
[ $n -ge 4 ] || fail "only $n examples found in $doc"
[ $fails -eq 0 ]
