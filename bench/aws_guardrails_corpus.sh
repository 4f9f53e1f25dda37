#!/bin/sh
# What each rule of the aws-guardrails pack reports over the corpora, the
# figures of docs/aws-guardrails.md's "corpora" column: for the AWS managed
# policies and the infrastructure-as-code corpus, per rule and level, the
# number of findings and of files they are in.
#
#     bench/aws_guardrails_corpus.sh [BUILD_DIR] [CORPUS_DIR] [CONFIG]
#
# CONFIG (optional) is an .iamguard.yml to scan with, for example one whose
# `kinds:` names the SCPs and permissions boundaries among raw policy files;
# without it the scans use no configuration.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../build}" && pwd)
corpus=${2:-$here/../../shared/corpus}
config=${3:-}
bin=$build/iamguard
[ -x "$bin" ] || { echo "bench: $bin not built (cmake --build $build)" >&2; exit 2; }
[ -d "$corpus/aws-managed" ] || { echo "bench: no corpus at $corpus" >&2; exit 2; }
command -v jq >/dev/null || { echo "bench: needs jq" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -n "$config" ]; then conf="--config $config"; else conf=--no-config; fi

for part in aws-managed iac; do
    # shellcheck disable=SC2086
    "$bin" scan $conf -q --fail-on none -f json -o "$work/$part.json" --pack aws-guardrails \
        "$corpus/$part" >/dev/null 2>&1 || true
    echo "$part: $(jq '.summary.documents' "$work/$part.json") documents"
    jq -r '.findings[] | select(.rule_id | startswith("IAM-")) | [.rule_id, .level, .path] | @tsv' \
        "$work/$part.json" |
        awk -F '\t' '{ k = $1 " " $2; n[k]++; if (!seen[k SUBSEP $3]++) f[k]++ }
            END { for (k in n) printf "  %-24s %6d in %4d files\n", k, n[k], f[k] }' |
        sort -V
done
