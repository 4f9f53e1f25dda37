#!/bin/sh
# The IAM catalogue under load: scans the AWS managed policies with a rule
# that calls st:granted_actions() (and st:grants with a glob) on every
# statement, next to the same scan with a rule that does nothing, and
# prints the best wall time of REPEAT runs of each, one worker.
#
#     bench/catalog.sh [BUILD_DIR] [CORPUS_DIR] [REPEAT]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
corpus=${2:-$here/../../shared/corpus}
repeat=${3:-5}
bin=$build/iamguard
[ -x "$bin" ] || { echo "bench: $bin not built" >&2; exit 2; }
[ -d "$corpus/aws-managed" ] || { echo "bench: no corpus at $corpus" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/granted" "$work/empty"
cat >"$work/granted/granted.lua" <<'LUA'
return { id = "BENCH-GRANTED", short_description = "Counts granted actions.", level = "note",
  check = function(policy, report)
    local n = 0
    for _, st in ipairs(policy.statements) do
      n = n + #st:granted_actions()
      if st:grants("iam:Pass*") then n = n + 1 end
    end
    if n < 0 then report{ message = "unreachable" } end
  end }
LUA
cat >"$work/empty/empty.lua" <<'LUA'
return { id = "BENCH-EMPTY", short_description = "Looks at every statement.", level = "note",
  check = function(policy, report)
    local n = 0
    for _, st in ipairs(policy.statements) do n = n + st.index end
    if n < 0 then report{ message = "unreachable" } end
  end }
LUA
best() {
    b=0
    i=0
    while [ $i -lt "$repeat" ]; do
        s=$(date +%s%N)
        "$bin" scan --no-builtin --rules "$1" -j1 -f json -o "$work/out.json" --fail-on none \
            "$corpus/aws-managed" 2>/dev/null || true
        t=$(($(date +%s%N) - s))
        if [ $b -eq 0 ] || [ $t -lt $b ]; then b=$t; fi
        i=$((i + 1))
    done
    awk -v ns="$b" 'BEGIN { printf "%.3f", ns / 1e9 }'
}
files=$(find "$corpus/aws-managed" -type f | wc -l)
stmts=$("$bin" scan --no-builtin --rules "$work/empty" -j1 -f json --fail-on none "$corpus/aws-managed" 2>/dev/null |
    jq '.summary.statements' 2>/dev/null || true)
echo "AWS managed policies: $files files${stmts:+, $stmts statements}; best of $repeat runs, -j1"
echo "  rule reading every statement:                        $(best "$work/empty") s"
echo "  rule calling st:granted_actions() on every statement: $(best "$work/granted") s"
