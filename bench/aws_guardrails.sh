#!/bin/sh
# What the aws-guardrails pack costs: scans the 1,525 AWS managed policies on
# one worker (-j1) with the two built-in rules alone (IAM-SSM-1/2) and with
# the whole pack (--pack aws-guardrails), and prints the CPU time of each
# scan and their ratio (target: the pack within 5x of the built-in rules).
#
#     bench/aws_guardrails.sh [BUILD_DIR] [CORPUS_DIR] [REPEAT]
#
# CPU time (user + system) is measured over REPEAT scans in a row (default
# 20) and divided by REPEAT, best of 3 such rounds: a single scan takes a few
# hundredths of a second, below the resolution of one measurement, and CPU
# time is what other work on a shared machine disturbs least. With
# BENCH_COUNT=instructions each figure is instead the number of instructions
# of one scan (valgrind's callgrind), which nothing else disturbs.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
corpus=${2:-$here/../../shared/corpus}
repeat=${3:-20}
bin=$build/iamguard
[ -x "$bin" ] || { echo "bench: $bin not built (cmake --build $build)" >&2; exit 2; }
[ -d "$corpus/aws-managed" ] || { echo "bench: no corpus at $corpus" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench: needs GNU time (/usr/bin/time)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
managed=$corpus/aws-managed

scan() {
    "$bin" scan --no-config -q -j1 --fail-on none -f json -o "$work/out.json" "$@" "$managed" \
        >/dev/null 2>&1 || true
}

# CPU seconds of one scan: REPEAT scans in a row, best of 3 rounds.
cpu() {
    best=
    for round in 1 2 3; do
        /usr/bin/time -f '%U %S' -o "$work/time" sh -c '
            n=$1; shift
            i=0
            while [ $i -lt "$n" ]; do "$@" >/dev/null 2>&1 || true; i=$((i + 1)); done
        ' sh "$repeat" "$bin" scan --no-config -q -j1 --fail-on none -f json \
            -o "$work/out.json" "$@" "$managed"
        t=$(tail -n 1 "$work/time" | awk -v n="$repeat" '{ printf "%.4f", ($1 + $2) / n }')
        if [ -z "$best" ] || awk -v t="$t" -v b="$best" 'BEGIN { exit !(t < b) }'; then best=$t; fi
    done
    echo "$best"
}

# Millions of instructions of one scan.
instructions() {
    valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$bin" scan --no-config -q -j1 \
        --fail-on none -f json -o "$work/out.json" "$@" "$managed" >/dev/null 2>"$work/cg.log" || true
    awk '/summary:|totals:/ { printf "%.1f", $2 / 1e6; exit }' "$work/cg.out"
}

scan --pack aws-guardrails
rules=$(jq '.rules | length' "$work/out.json")
docs=$(jq '.summary.documents' "$work/out.json")
if [ "${BENCH_COUNT:-time}" = instructions ]; then
    command -v valgrind >/dev/null || { echo "bench: BENCH_COUNT=instructions needs valgrind" >&2; exit 2; }
    unit="M instructions"
    builtin=$(instructions)
    pack=$(instructions --pack aws-guardrails)
else
    unit="s CPU"
    builtin=$(cpu)
    pack=$(cpu --pack aws-guardrails)
fi
echo "AWS managed policies: $docs documents, one worker (-j1)"
echo "  built-in rules alone (IAM-SSM-1/2):          $builtin $unit"
echo "  --pack aws-guardrails ($rules rules):          $pack $unit"
awk -v a="$builtin" -v b="$pack" 'BEGIN { if (a > 0) printf "  ratio: %.2fx (target: within 5x)\n", b / a }'
