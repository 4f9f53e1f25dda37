#!/bin/sh
# One-line files against their indented twins: a finding must cost the same
# however long its line is. Prints, for SARIF, JSON and text output, the
# best-of-REPEAT wall-clock time of each twin and their ratio (target: the
# one-line file within 1.5x of the indented one).
#
#     bench/lines.sh [BUILD_DIR] [REPEAT]
#
# With BENCH_COUNT=instructions the cost is the number of instructions
# executed (valgrind's callgrind, one run each), which other work on a shared
# machine does not disturb.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
repeat=${2:-5}
bin=$build/iamguard
measure=$build/bench/bench_measure
for tool in "$bin" "$measure"; do
    [ -x "$tool" ] || { echo "bench: $tool not built (cmake --build $build)" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sh "$here/gen_shapes.sh" "$work"

count=${BENCH_COUNT:-time}
# Best time in seconds of one scan (the second field of measure's line), or
# millions of instructions.
best() { # file format
    set -- "$1" "$2" "$bin" scan -q -j1 --no-config --fail-on none --base-dir "$work" -f "$2" \
        -o "$work/out" "$1"
    if [ "$count" = instructions ]; then
        shift 2
        valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 |
            awk '/Collected :/ { printf "%.1f\n", $NF / 1e6 }'
    else
        shift 2
        "$measure" "$repeat" x 1 1 -- "$@" | awk '{ print $2 }'
    fi
}

unit=s
[ "$count" = instructions ] && unit=M
echo "cost: $count ($unit)"
printf '%-12s %-6s %9s %9s %8s %7s\n' shape format indented one-line ratio findings
for shape in plan2000 plan7m policy10k; do
    for fmt in sarif json text; do
        ti=$(best "$work/$shape-indented.json" "$fmt")
        to=$(best "$work/$shape-oneline.json" "$fmt")
        n=$("$bin" scan -q -j1 --no-config --fail-on none -f json "$work/$shape-oneline.json" |
            jq '.findings | length')
        printf "%-12s %-6s %8.3f$unit %8.3f$unit %7.2fx %8s\n" "$shape" "$fmt" "$ti" "$to" \
            "$(echo "$to $ti" | awk '{ print $1 / $2 }')" "$n"
    done
done
