#!/bin/sh
# Benchmarks: prints files/s, MB/s and peak RSS of full scans (built-in
# rules, SARIF written) next to the baseline of merely parsing the same files
# with jansson on one core.
#
#     bench/run.sh [BUILD_DIR] [CORPUS_DIR] [REPEAT]
#
# Data sets: the AWS managed policies; that set copied 20 times (30,500
# files); one document of 200,000 statements; a 2 MB CloudFormation template
# in YAML (short-form tags, about 2,700 roles); a synthetic tree of 100,000 small
# policy files. Generated data lives in a temporary folder.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
corpus=${2:-$here/../../shared/corpus}
repeat=${3:-3}
bin=$build/iamguard
measure=$build/bench/bench_measure
parse=$build/bench/bench_jansson_parse
for tool in "$bin" "$measure" "$parse"; do
    [ -x "$tool" ] || { echo "bench: $tool not built (cmake --build $build)" >&2; exit 2; }
done
[ -d "$corpus/aws-managed" ] || { echo "bench: no corpus at $corpus" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cores=$(nproc)

count() { find "$1" -type f | wc -l; }
size() { du -sb "$1" | cut -f1; }

echo "preparing data sets in $work ..."
managed=$corpus/aws-managed
mkdir -p "$work/x20"
i=1
while [ $i -le 20 ]; do cp -r "$managed" "$work/x20/copy$i"; i=$((i + 1)); done
awk 'BEGIN {
    print "{\"Version\": \"2012-10-17\", \"Statement\": ["
    for (i = 0; i < 200000; i++) {
        res = (i % 1000 == 0) ? "\"*\"" : sprintf("\"arn:aws:s3:::bucket-%d/*\"", i)
        act = (i % 1000 == 0) ? "\"ssm:SendCommand\"" : "[\"s3:GetObject\", \"s3:PutObject\"]"
        printf "  {\"Sid\": \"S%d\", \"Effect\": \"Allow\", \"Action\": %s, \"Resource\": %s}%s\n", i, act, res, (i < 199999 ? "," : "")
    }
    print "]}"
}' >"$work/big.json"
awk 'BEGIN {
    print "AWSTemplateFormatVersion: '"'"'2010-09-09'"'"'\nResources:"
    for (r = 0; bytes < 2 * 1024 * 1024; r++) {
        s = sprintf("  Role%d:\n    Type: AWS::IAM::Role\n    Properties:\n" \
            "      RoleName: !Sub '"'"'${AWS::StackName}-role-%d'"'"'\n" \
            "      AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Action: '"'"'sts:AssumeRole'"'"', " \
            "Principal: {Service: ec2.amazonaws.com}}]}\n      Policies:\n" \
            "        - PolicyName: inline-%d\n          PolicyDocument:\n" \
            "            Version: \"2012-10-17\"\n            Statement:\n" \
            "              - Effect: Allow\n                Action: [ssm:SendCommand, s3:GetObject]\n" \
            "                Resource:\n" \
            "                  - !Sub '"'"'arn:${AWS::Partition}:ssm:${AWS::Region}::document/X'"'"'\n" \
            "                  - !GetAtt Bucket%d.Arn\n" \
            "                  - !Join ['"'"''"'"', ['"'"'arn:aws:s3:::'"'"', !Ref Bucket%d, '"'"'/*'"'"']]\n" \
            "                Condition:\n" \
            "                  StringEquals: {'"'"'ssm:resourceTag/Env'"'"': !If [IsProd, prod, dev]}", r, r, r, r, r)
        print s
        bytes += length(s) + 1
    }
}' >"$work/template.yaml"
mkdir -p "$work/tree"
awk -v root="$work/tree" 'BEGIN {
    for (d = 0; d < 100; d++) {
        dir = sprintf("%s/team%02d", root, d)
        system("mkdir -p " dir)
        for (f = 0; f < 1000; f++) {
            path = sprintf("%s/policy%04d.json", dir, f)
            act = (f % 50 == 0) ? "ssm:StartSession" : "dynamodb:GetItem"
            printf "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Effect\": \"Allow\",\n      \"Action\": \"%s\",\n      \"Resource\": \"*\"\n    }\n  ]\n}\n", act > path
            close(path)
        }
    }
}'

row() { # label dir args...
    label=$1; dir=$2; shift 2
    "$measure" "$repeat" "$label" "$(count "$dir")" "$(size "$dir")" -- "$@" || true
}

run_set() { # name dir [yaml]
    name=$1; dir=$2
    echo
    echo "== $name: $(count "$dir") files, $(size "$dir") bytes"
    # jansson cannot read YAML: no parse-only baseline for it.
    [ "${3:-}" = yaml ] || row "jansson parse only, 1 core" "$dir" "$parse" "$dir"
    row "iamguard scan -j1 (SARIF)" "$dir" "$bin" scan -q -j1 -f sarif -o "$work/out.sarif" "$dir"
    row "iamguard scan -j2 (SARIF)" "$dir" "$bin" scan -q -j2 -f sarif -o "$work/out.sarif" "$dir"
    if [ "$cores" -gt 2 ]; then
        row "iamguard scan -j$cores (SARIF)" "$dir" "$bin" scan -q -j"$cores" -f sarif -o "$work/out.sarif" "$dir"
    fi
}

# Phases of one scan (--timings), the run with the least total wall-clock
# time of REPEAT: only `check` runs on several threads, so the CPU time of
# the rest, as a share of the -j1 total, bounds what more cores can give.
phases() { # label args...
    label=$1; shift
    best=""
    i=0
    while [ $i -lt "$repeat" ]; do
        "$bin" scan -q --timings "$@" 2>"$work/timings" >/dev/null || true
        t=$(awk '$1 == "timing" && $2 == "total" { print $3 }' "$work/timings")
        if [ -z "$best" ] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then
            best=$t
            cp "$work/timings" "$work/timings.best"
        fi
        i=$((i + 1))
    done
    printf '%-30s' "$label"
    awk '$1 == "timing" && $2 != "serial" { printf " %s %.3f/%.3f", $2, $3, $4 }
         $1 == "timing" && $2 == "serial" { s = $3 }
         END { printf "  serial %s\n", s }' "$work/timings.best"
}

run_phases() { # name dir
    echo
    echo "== phases of $1 (wall/cpu seconds; serial: cpu outside check, of the total)"
    phases "-j1" -j1 -f sarif -o "$work/out.sarif" "$2"
    phases "-j2" -j2 -f sarif -o "$work/out.sarif" "$2"
    if [ "$cores" -gt 2 ]; then phases "-j$cores" -j"$cores" -f sarif -o "$work/out.sarif" "$2"; fi
}

run_set "AWS managed policies" "$managed"
run_set "AWS managed policies x20" "$work/x20"
run_set "one 200,000-statement document" "$work/big.json"
run_set "2 MB CloudFormation template (YAML)" "$work/template.yaml" yaml
run_set "synthetic 100,000-file tree" "$work/tree"
run_phases "AWS managed policies x20" "$work/x20"
run_phases "the synthetic 100,000-file tree" "$work/tree"

# One huge document: a 100 MB account dump, peak RSS against its size.
sh "$here/gen_dump.sh" 100 "$work/dump.json" "$corpus"
dsize=$(size "$work/dump.json")
echo
echo "== one account dump of $dsize bytes (peak RSS target: 2x the file)"
"$measure" "$repeat" "iamguard scan -j1 (SARIF)" 1 "$dsize" -- \
    "$bin" scan -q -j1 -f sarif -o "$work/out.sarif" "$work/dump.json" | tee "$work/dump.row" || true
awk -v b="$dsize" '{ for (i = 1; i < NF; i++) if ($(i + 1) == "MiB") r = $i }
    END { printf "peak RSS %.2fx the file\n", r * 1048576 / b }' "$work/dump.row"
