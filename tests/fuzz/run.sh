#!/bin/sh
# Run every libFuzzer target for a bounded time with its seed corpora.
#
#   tests/fuzz/run.sh BUILD_DIR SECONDS [TARGET...]
#
# BUILD_DIR was configured with CC=clang -DIAMGUARD_FUZZ=ON; TARGET names are
# json, json_diff, yaml, tfplan, account_dump, glob, sarif (default: all). Targets
# run two at a time (or IAMG_FUZZ_JOBS). What a target learns is kept in
# BUILD_DIR/fuzz/corpus/<target> (never in the repository), so later runs
# start where earlier ones stopped. Seeds are read in place: the shared
# corpus (IAMG_CORPUS_DIR, default ../shared/corpus next to the source tree;
# missing folders are skipped) and the repository's examples and test cases.
# A crash, leak, timeout or broken invariant leaves the input in
# BUILD_DIR/fuzz/crashes/<target>/ and makes the script exit 1; turn each one
# into a regression case (tests/cases/hostile/ or a unit test).
#
# IAMG_FUZZ_SEED fixes libFuzzer's random seed (default 1) so that a CI run
# repeats the mutations a developer already ran on the same commit: a gate
# that fails at random on old bugs blocks unrelated changes. Exploratory runs
# set IAMG_FUZZ_SEED=0 (a new seed each time) and a longer SECONDS.
set -u
build=${1:?usage: run.sh BUILD_DIR SECONDS [TARGET...]}
secs=${2:?usage: run.sh BUILD_DIR SECONDS [TARGET...]}
shift 2
src=$(cd "$(dirname "$0")/../.." && pwd)
corpus=${IAMG_CORPUS_DIR:-$src/../shared/corpus}
jobs=${IAMG_FUZZ_JOBS:-2}
seed=${IAMG_FUZZ_SEED:-1}
[ $# -gt 0 ] || set -- json json_diff yaml tfplan account_dump glob sarif

seeds() { # target -> seed folders that exist
    case $1 in
    json) set -- "$corpus/aws-managed" "$corpus/iac" "$src/tests/cases/positions" "$src/examples/policies" ;;
    json_diff) set -- "$src/tests/cases/positions" "$src/examples/policies" "$corpus/iac" ;;
    yaml) set -- "$corpus/iac" "$src/tests/cases/formats" "$src/examples/cloudformation" ;;
    tfplan) set -- "$corpus/tfplan" "$src/tests/cases/formats" "$src/examples/terraform" ;;
    account_dump) set -- "$corpus/authz-details" "$src/tests/cases/formats" "$src/examples/account" ;;
    glob) set -- ;;
    sarif) set -- "$src/tests/cases/rules" "$src/tests/cases/formats" "$src/examples" ;;
    esac
    for d in "$@"; do [ -d "$d" ] && printf '%s\n' "$d"; done
}

maxlen() {
    case $1 in
    glob) echo 512 ;;
    *) echo 65536 ;;
    esac
}

run_one() { # target
    t=$1
    bin=$build/fuzz/fuzz_$t
    work=$build/fuzz/corpus/$t
    crashes=$build/fuzz/crashes/$t
    mkdir -p "$work" "$crashes"
    if [ "$t" = glob ] && [ -z "$(ls -A "$work")" ]; then
        # The matchers have no files to learn from: a few pattern/subject pairs.
        i=0
        for pair in 'ssm:Send*|ssm:SendCommand' 'SSM:send*|ssm:SendCommand' 's?m:*|ssm:StartSession' \
            'arn:aws:ec2:*:*:instance/*|arn:aws:ec2:us-east-1:1:instance/i-0' \
            'arn:aws:s3:::${aws:username}/*|arn:aws:s3:::${aws:username}/x' \
            'arn:aws:s3:::a${*}b|arn:aws:s3:::a*b' '*a*a*a*b|aaaaaaaaaaaaaaaaaaaa' \
            'x?y|x€y' '${|${' 'arn:${aws:partition}:iam::*|arn:${aws:partition}:iam::1:role/r'; do
            printf '%s' "$pair" | tr '|' '\n' >"$work/seed$i"
            i=$((i + 1))
        done
    fi
    # shellcheck disable=SC2046
    "$bin" -max_total_time="$secs" -max_len="$(maxlen "$t")" -timeout=10 -rss_limit_mb=2048 -seed="$seed" \
        -dict="$src/tests/fuzz/iam.dict" -print_final_stats=1 -artifact_prefix="$crashes/" \
        "$work" $(seeds "$t") >"$build/fuzz/$t.log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$build/fuzz/$t.log")
    if [ $rc -ne 0 ]; then
        echo "FAIL fuzz_$t (exit $rc); input saved in $crashes:"
        tail -n 40 "$build/fuzz/$t.log"
        return 1
    fi
    echo "ok   fuzz_$t: ${execs:-?} runs in ${secs}s, corpus $(ls "$work" | wc -l) inputs"
}

fails=0
running=0
pids=""
for t in "$@"; do
    [ -x "$build/fuzz/fuzz_$t" ] || { echo "FAIL no $build/fuzz/fuzz_$t"; fails=$((fails + 1)); continue; }
    run_one "$t" >"$build/fuzz/$t.summary" 2>&1 &
    pids="$pids $!"
    running=$((running + 1))
    if [ $running -ge "$jobs" ]; then
        set -- $pids
        wait "$1" || fails=$((fails + 1))
        shift
        pids="$*"
        running=$((running - 1))
    fi
done
for p in $pids; do wait "$p" || fails=$((fails + 1)); done
cat "$build"/fuzz/*.summary 2>/dev/null
rm -f "$build"/fuzz/*.summary
[ $fails -eq 0 ]
