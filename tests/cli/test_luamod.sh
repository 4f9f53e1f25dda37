#!/bin/sh
# The Lua module (iamguard.so) loaded by a stock lua5.4: runs test_luamod.lua
# and checks that its scan of examples/ finds exactly what the command line
# finds. Under sanitizers the module's instrumented code needs the sanitizer
# runtimes, which an uninstrumented lua5.4 does not load: they are preloaded,
# and the test is skipped (status 77) when they cannot be found.
# Usage: test_luamod.sh IAMGUARD MODULE_DIR SOURCE_DIR CC [SANITIZER_FLAGS]
set -u
bin=$1
moddir=$2
src=$3
cc=$4
san=${5:-}
. "$(dirname "$0")/lib.sh"

command -v lua5.4 >/dev/null || { echo "SKIP: lua5.4 is not installed"; exit 77; }
[ -f "$moddir/iamguard.so" ] || { echo "FAIL: no $moddir/iamguard.so"; exit 1; }

preload=
case "$san" in *address*)
    lib=$("$cc" -print-file-name=libasan.so)
    [ -f "$lib" ] || { echo "SKIP: sanitizer build, and $cc has no libasan.so to preload into lua5.4"; exit 77; }
    preload=$lib ;;
esac
case "$san" in *undefined*)
    lib=$("$cc" -print-file-name=libubsan.so)
    [ -f "$lib" ] || { echo "SKIP: sanitizer build, and $cc has no libubsan.so to preload into lua5.4"; exit 77; }
    preload="$preload $lib" ;;
esac

version=$("$bin" version | sed -n '1s/^iamguard //p')
if [ -n "$preload" ]; then
    LD_PRELOAD="$preload" LUA_CPATH="$moddir/?.so" lua5.4 "$src/tests/cli/test_luamod.lua" "$src" "$version" >"$tmp/out" 2>&1
else
    LUA_CPATH="$moddir/?.so" lua5.4 "$src/tests/cli/test_luamod.lua" "$src" "$version" >"$tmp/out" 2>&1
fi
status=$?
grep -v '^FINDING ' "$tmp/out"
[ $status -eq 0 ] || { echo "FAIL: test_luamod.lua exited $status"; exit 1; }

# The module's findings are the command line's.
sed -n 's/^FINDING //p' "$tmp/out" | sort >"$tmp/lua"
(cd "$src" && "$bin" scan --no-config --color never --fail-on none examples) |
    sed -n 's/^\([^ ]*:[0-9]*:[0-9]*: [a-z]*\[[^]]*\]\) .*/\1/p' | sort >"$tmp/cli"
if [ -s "$tmp/cli" ] && cmp -s "$tmp/lua" "$tmp/cli"; then
    echo "ok   iamguard.scan finds what iamguard scan finds ($(wc -l <"$tmp/cli") findings)"
else
    echo "FAIL iamguard.scan and iamguard scan differ"
    diff "$tmp/cli" "$tmp/lua"
    exit 1
fi

# The README's Lua example runs as written, from the source folder.
awk '/^## Embedding/ { e = 1 } e && /^```lua$/ { f = 1; next } f && /^```$/ { exit } f { print }' \
    "$src/README.md" >"$tmp/readme.lua"
[ -s "$tmp/readme.lua" ] || { echo "FAIL: no Lua example in README.md's Embedding section"; exit 1; }
if [ -n "$preload" ]; then
    (cd "$src" && LD_PRELOAD="$preload" LUA_CPATH="$moddir/?.so" lua5.4 "$tmp/readme.lua") >"$tmp/readme.out" 2>&1
else
    (cd "$src" && LUA_CPATH="$moddir/?.so" lua5.4 "$tmp/readme.lua") >"$tmp/readme.out" 2>&1
fi
status=$?
tab=$(printf '\t')
if [ $status -eq 0 ] && [ "$(head -n 3 "$tmp/readme.out" | tr '\n' ' ')" = "true true StringLike " ] &&
    grep -qx "identity${tab}22${tab}17${tab}OpenSessions${tab}ssm:StartSession,ssm:TerminateSession" "$tmp/readme.out" &&
    grep -qx "IAM-SSM-1${tab}examples/policies/ci-deploy-role.json${tab}13${tab}18" "$tmp/readme.out" &&
    ! grep -q IAM-SSM-2 "$tmp/readme.out"; then
    echo "ok   README's Lua example"
else
    echo "FAIL README's Lua example (exit $status):"
    cat "$tmp/readme.out"
    exit 1
fi
