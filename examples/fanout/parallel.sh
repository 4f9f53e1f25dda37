#!/bin/sh
# parallel.sh - scan a tree in N shards at once, then merge the shards' SARIF
# into one report, as `iamguard scan` would have written it in one go.
#
#   examples/fanout/parallel.sh [-n SHARDS] [-o OUT] [-- SCAN-OPTIONS...] PATH...
#
# OUT's name picks the format as for `iamguard scan -o` (.sarif SARIF, .json
# the JSON report, .xml JUnit, .html HTML, .txt text). The scan options that
# choose rules (--config, --no-config, --base-dir, --rules, --rule,
# --skip-rule, --no-builtin, --pack, --param, --managed-policies) are given
# to the merge too, which describes the rules in every format but SARIF.
#
# Each shard is its own process (`iamguard scan --shard K/N`), run side by
# side with xargs -P; on several hosts, run the same commands there (ssh, GNU
# parallel --sshlogin, a CI matrix) and copy the shard files back before the
# merge. Environment: IAMGUARD (the binary, default: iamguard on PATH), JOBS
# (threads per shard, default 1: the shards are the parallelism).
#
# Exit status: that of the worst shard, as `iamguard scan` defines them
# (2 usage > 3 incomplete > 1 findings > 0), or 2 when the merge fails.
set -eu

IAMGUARD=${IAMGUARD:-iamguard}
JOBS=${JOBS:-1}
shards=4
out=iamguard.sarif

while getopts n:o: opt; do
    case $opt in
    n) shards=$OPTARG ;;
    o) out=$OPTARG ;;
    *) echo "usage: $0 [-n SHARDS] [-o OUT] [-- SCAN-OPTIONS...] PATH..." >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "$0: give the paths to scan (and scan options after --)" >&2; exit 2; }
case $shards in ''|*[!0-9]*|0) echo "$0: -n needs a number of shards >= 1" >&2; exit 2 ;; esac

work=$(mktemp -d "${TMPDIR:-/tmp}/iamguard-fanout.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
export IAMGUARD JOBS work shards

# One line per shard; each shard records its own exit status, since xargs
# only says that some command failed.
seq 1 "$shards" | xargs -P "$shards" -I{} sh -c '
    k=$1; shift
    "$IAMGUARD" scan --quiet --jobs "$JOBS" --format sarif --shard "$k/$shards" \
        --output "$work/shard-$k.sarif" "$@"
    echo $? > "$work/rc-$k"
' sh {} "$@" || true

worst=0
k=1
while [ "$k" -le "$shards" ]; do
    rc=$(cat "$work/rc-$k" 2>/dev/null || echo 2)
    # precedence of the exit statuses: 2 > 3 > 1 > 0
    case "$worst:$rc" in
    2:*) ;;
    *:2) worst=2 ;;
    3:*) ;;
    *:3) worst=3 ;;
    *:1) worst=1 ;;
    esac
    if [ ! -s "$work/shard-$k.sarif" ]; then
        echo "$0: shard $k/$shards wrote no report (exit status $rc)" >&2
        exit 2
    fi
    k=$((k + 1))
done

# The scan options that choose rules, for the merge: options come before
# the paths; each of these takes a value except --no-config and --no-builtin.
set -- "$@" --paths-end
while [ "$1" != --paths-end ]; do
    a=$1; shift
    case $a in
    --no-config|--no-builtin|--config=*|--base-dir=*|--rules=*|--rule=*|--skip-rule=*|--pack=*|--param=*|--managed-policies=*)
        set -- "$@" "$a" ;;
    --config|--base-dir|--rules|--rule|--skip-rule|--pack|--param|--managed-policies)
        set -- "$@" "$a" "$1"; shift ;;
    esac
done
shift

# The merge checks that every shard comes from the same tool, version and
# category, and writes the result atomically.
"$IAMGUARD" merge --output "$out" "$@" "$work"/shard-*.sarif || {
    rc=$?
    [ "$rc" -eq 3 ] || exit 2
}
exit "$worst"
