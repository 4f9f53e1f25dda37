#!/bin/sh
# Peak memory of one huge document: prints each input's size, the peak RSS
# of a full scan of it (both built-in rules, SARIF written with -o), and
# their ratio, for -j1 and -j2, and checks that both reports are the same
# byte for byte.
#
#     bench/memory.sh [BUILD_DIR] [SIZE_MB] [CORPUS_DIR]
#
# Inputs of SIZE_MB megabytes (default 100), made in a temporary folder:
#   dump         bench/gen_dump.sh: the corpus's account dump replicated
#   dump-unique  bench/gen_dump.sh --unique: no name, ID, Sid or account repeats
#   tfplan       bench/gen_big.sh tfplan: a one-line Terraform plan
#   cfn          bench/gen_big.sh cfn: a CloudFormation template in YAML, of
#                CFN_MB megabytes (default 10: a YAML file may hold at most
#                1,000,000 nodes, limit max_yaml_nodes: about 20 MB of this shape)
# BENCH_SHAPES="dump tfplan" picks some of them. Each scan runs once (the
# peak hardly varies); the time printed is its wall-clock time.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
size=${2:-100}
corpus=${3:-$here/../../shared/corpus}
bin=$build/iamguard
measure=$build/bench/bench_measure
for tool in "$bin" "$measure"; do
    [ -x "$tool" ] || { echo "bench: $tool not built (cmake --build $build)" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

make_input() { # shape out
    case $1 in
    dump) sh "$here/gen_dump.sh" "$size" "$2" "$corpus" ;;
    dump-unique) sh "$here/gen_dump.sh" --unique "$size" "$2" "$corpus" ;;
    tfplan) sh "$here/gen_big.sh" tfplan "$size" "$2" ;;
    cfn) sh "$here/gen_big.sh" cfn "${CFN_MB:-10}" "$2" ;;
    *) echo "bench: unknown shape $1" >&2; exit 2 ;;
    esac
}

printf '%-12s %12s %4s %9s %12s %7s\n' shape bytes -j seconds "peak RSS" ratio
for shape in ${BENCH_SHAPES:-dump dump-unique tfplan cfn}; do
    ext=json
    [ "$shape" = cfn ] && ext=yaml
    in=$work/$shape.$ext
    make_input "$shape" "$in"
    bytes=$(wc -c <"$in")
    for j in 1 2; do
        "$measure" 1 "$shape" 1 "$bytes" -- "$bin" scan -q -j"$j" -f sarif \
            -o "$work/out-$j.sarif" "$in" >"$work/row" || true
        awk -v shape="$shape" -v b="$bytes" -v j="$j" '
            { for (i = 1; i < NF; i++) { if ($(i + 1) == "MiB") r = $i; if ($(i + 1) == "s") t = $i } }
            END { printf "%-12s %12d %4d %9.2f %8.1f MiB %6.2fx\n", shape, b, j, t, r, r * 1048576 / b }' \
            "$work/row"
    done
    cmp -s "$work/out-1.sarif" "$work/out-2.sarif" ||
        echo "$shape: the -j1 and -j2 reports differ" >&2
    rm -f "$in" "$work"/out-*.sarif
done
