#!/bin/sh
# The shared library exports exactly the public API: every function declared
# IAMG_API in include/iamguard/*.h, and nothing else (internal ig_ functions,
# and the libraries linked in, stay hidden).
# Usage: exports.sh LIBIAMGUARD_SO SOURCE_DIR
set -u
lib=$1
src=$2
. "$src/tests/cli/lib.sh"
command -v nm >/dev/null || { echo "SKIP: nm is not installed"; exit 77; }
# Declarations may span lines: join each header, then take the name before
# the first '(' of every IAMG_API declaration.
for h in "$src"/include/iamguard/*.h; do
    tr '\n' ' ' <"$h" | grep -oE 'IAMG_API[^;(]*\(' | sed -E 's/.*[^A-Za-z0-9_]([A-Za-z0-9_]+) *\($/\1/'
done | grep -v '^__' | sort -u >"$tmp/declared"
nm -D --defined-only "$lib" | awk '$2 ~ /^[A-Z]$/ { print $3 }' | sed 's/@.*//' | sort -u >"$tmp/exported"
[ -s "$tmp/declared" ] && ok "$(wc -l <"$tmp/declared") functions declared IAMG_API" ||
    fail "no IAMG_API declaration found in $src/include/iamguard"
comm -13 "$tmp/declared" "$tmp/exported" >"$tmp/extra"
comm -23 "$tmp/declared" "$tmp/exported" >"$tmp/missing"
[ -s "$tmp/extra" ] && { fail "exported but not public API:"; sed 's/^/    /' "$tmp/extra"; } ||
    ok "nothing exported beyond the public API"
[ -s "$tmp/missing" ] && { fail "declared IAMG_API but not exported:"; sed 's/^/    /' "$tmp/missing"; } ||
    ok "every IAMG_API function is exported"
[ $fails -eq 0 ]
