#!/bin/sh
# Run the test suite of a build under valgrind memcheck.
#
#   tests/valgrind.sh BUILD_DIR [CTEST_REGEX]
#
# Every test ctest knows (ctest --show-only=json-v1) runs with its own
# command under valgrind, which follows the processes it starts: criterion's
# test workers, and the iamguard runs of the command-line scripts. System
# programs (/usr, /bin, /opt: sh's children jq, awk, cc...) run natively, and
# so does whatever they start (an iamguard run under `timeout` is not checked).
# A test fails when it fails on its own, or when any checked process has a
# memory error or leaks (definitely or indirectly lost blocks); valgrind's
# logs are kept in BUILD_DIR/valgrind/ and the failing ones printed.
#
# BUILD_DIR must be built without sanitizers (valgrind and ASan do not mix).
# `cmake --build BUILD_DIR --target valgrind` runs this script.
set -u
build=$(cd "${1:?usage: valgrind.sh BUILD_DIR [CTEST_REGEX]}" && pwd)
regex=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind is not installed" >&2; exit 2; }
command -v jq >/dev/null || { echo "valgrind.sh: jq is needed" >&2; exit 2; }
logs=$build/valgrind
rm -rf "$logs"
mkdir -p "$logs"

vg="valgrind --tool=memcheck --trace-children=yes --trace-children-skip=/usr/*,/bin/*,/sbin/*,/opt/*"
vg="$vg --leak-check=full --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect"
vg="$vg --num-callers=30 --error-exitcode=99 --suppressions=$here/valgrind.supp"

ctest --test-dir "$build" --show-only=json-v1 ${regex:+-R "$regex"} >"$logs/tests.json" || exit 2
jq -r '.tests[] | [.name, ((.properties // [])[] | select(.name == "WORKING_DIRECTORY") | .value) // ".",
       ((.properties // [])[] | select(.name == "TIMEOUT") | .value) // 600,
       ((.properties // [])[] | select(.name == "SKIP_RETURN_CODE") | .value) // "-",
       (.command | @sh)] | @tsv' "$logs/tests.json" >"$logs/tests.tsv"
# The command-line tests, registered last, take longest: start them first.
tac "$logs/tests.tsv" >"$logs/order.tsv"

# One test, in the background: its output, valgrind's logs and the verdict go
# to $logs/NAME/.
run_one() { # name wd timeout skiprc cmd
    name=$1 wd=$2 timeout=$3 skiprc=$4 cmd=$5
    mkdir -p "$logs/$name"
    t0=$(date +%s)
    (cd "$wd" && eval "timeout $((timeout * 3)) $vg --log-file=$logs/$name/%p.log $cmd") \
        >"$logs/$name/output" 2>&1 </dev/null
    rc=$?
    secs=$(($(date +%s) - t0))
    bad=$(grep -l 'ERROR SUMMARY: [1-9]' "$logs/$name"/*.log 2>/dev/null)
    {
        if [ "$skiprc" != - ] && [ "$rc" = "$skiprc" ] && [ -z "$bad" ]; then
            echo "skip $name (${secs}s)"
        elif [ $rc -eq 0 ] && [ -z "$bad" ]; then
            echo "ok   $name (${secs}s)"
        else
            echo "FAIL $name (exit $rc, ${secs}s)"
            for f in $bad; do
                echo "---- $f"
                grep -E '^==[0-9]+== (Command:|[A-Z].*(Invalid|uninitialised|lost|Mismatched|overlap|ERROR SUMMARY)|   (at|by) )' "$f" | head -n 60
            done
            [ -z "$bad" ] && tail -n 30 "$logs/$name/output"
        fi
    } >"$logs/$name/verdict"
}

# Time bounds inside the tests assume native speed (tests/common/time_scale.h).
export IAMG_TEST_TIME_SCALE=50
jobs=${IAMG_VALGRIND_JOBS:-$(nproc)}
start=$(date +%s)
tab=$(printf '\t')
running=0
pids=""
while IFS="$tab" read -r name wd timeout skiprc cmd; do
    run_one "$name" "$wd" "$timeout" "$skiprc" "$cmd" &
    pids="$pids $!"
    running=$((running + 1))
    if [ $running -ge "$jobs" ]; then
        set -- $pids
        wait "$1"
        shift
        pids="$*"
        running=$((running - 1))
    fi
done <"$logs/order.tsv"
wait
fails=0
total=0
while IFS="$tab" read -r name _; do
    total=$((total + 1))
    cat "$logs/$name/verdict"
    grep -q '^FAIL' "$logs/$name/verdict" && fails=$((fails + 1))
done <"$logs/tests.tsv"
echo "valgrind: $total tests, $fails failed, $(($(date +%s) - start))s with $jobs at a time; logs in $logs"
[ $fails -eq 0 ]
