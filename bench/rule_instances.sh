#!/bin/sh
# What a fresh instance of a rule file per document costs: scans the AWS
# managed policies with the built-in rules (lua/rules/ssm.lua, one instance
# per worker and rule file) and with the same file loaded as a user rule (one
# instance per document), and prints the best CPU time of REPEAT runs of
# each, one worker, with the difference per document.
#
#     bench/rule_instances.sh [BUILD_DIR] [CORPUS_DIR] [REPEAT]
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
mkdir -p "$work/user"
cp "$here/../lua/rules/ssm.lua" "$work/user/ssm.lua"
# user and system CPU seconds of one scan (GNU time's %U and %S)
cpu() {
    /usr/bin/time -f '%U %S' -o "$work/time" "$bin" scan "$@" -j1 -f json -o "$work/out.json" \
        --fail-on none "$corpus/aws-managed" 2>/dev/null || true
    tail -n 1 "$work/time" | awk '{ printf "%.3f", $1 + $2 }'
}
best() {
    b=
    i=0
    while [ $i -lt "$repeat" ]; do
        t=$(cpu "$@")
        if [ -z "$b" ] || awk -v t="$t" -v b="$b" 'BEGIN { exit !(t < b) }'; then b=$t; fi
        i=$((i + 1))
    done
    echo "$b"
}
[ -x /usr/bin/time ] || { echo "bench: needs GNU time (/usr/bin/time)" >&2; exit 2; }
docs=$("$bin" scan --no-builtin --rules "$work/user" -j1 -f json --fail-on none "$corpus/aws-managed" 2>/dev/null |
    jq '.summary.documents' 2>/dev/null || echo 0)
builtin=$(best)
user=$(best --no-builtin --rules "$work/user")
echo "AWS managed policies: $docs documents; best CPU time of $repeat runs, -j1"
echo "  ssm.lua built in (one instance per state):      $builtin s"
echo "  ssm.lua as a user rule (one instance per document): $user s"
awk -v a="$builtin" -v b="$user" -v n="$docs" \
    'BEGIN { if (n > 0) printf "  difference: %.1f ms, %.1f us per document\n", (b - a) * 1000, (b - a) * 1e6 / n }'
