#!/bin/sh
# The validation rules over the AWS managed policies report exactly the real
# defects README.md lists ("Policy validation"): no catalogue gap slips through
# as a false positive, and no listed defect goes unreported.
# Usage: test_validation_corpus.sh IAMGUARD SOURCE_DIR CORPUS_DIR
set -u
bin=$1
src=$2
corpus=$3/aws-managed
[ -d "$corpus" ] || { echo "SKIPPED: no corpus at $corpus"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
"$bin" scan --pack iam-validation --rule IAM-VALID-SERVICE --rule IAM-VALID-ACTION --rule IAM-VALID-CONDKEY \
    --rule IAM-VALID-RESOURCE -f json -o "$tmp/out.json" --fail-on none "$corpus" 2>"$tmp/err"
jq -r '.findings[] | "\(.path | split("/") | last):\(.line):\(.column) \(.rule_id)"' "$tmp/out.json" |
    LC_ALL=C sort >"$tmp/got"
LC_ALL=C sort "$src/tests/cli/validation_managed.expected" | grep -v '^#' >"$tmp/want"
if cmp -s "$tmp/want" "$tmp/got"; then
    echo "ok   $(wc -l <"$tmp/got") findings over the managed policies, as README lists"
    exit 0
fi
echo "FAIL: the validation rules' findings over $corpus changed (- listed, + reported):"
diff "$tmp/want" "$tmp/got"
exit 1
