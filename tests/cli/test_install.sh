#!/bin/sh
# Installing: cmake --install puts the command, the man page, the headers,
# the static and shared libraries, iamguard.pc and the Lua module under the
# prefix; examples/embed.c builds against that copy with nothing but
# pkg-config (shared, and static-only when the .so files are absent) and finds
# what the command finds; the man page documents every option of every
# command. (The Debian packages: test_deb.sh.)
# Usage: test_install.sh IAMGUARD BUILD_DIR SOURCE_DIR CMAKE CC [SANITIZER_FLAGS]
# SANITIZER_FLAGS are added when compiling the example: a sanitizer build's
# libraries need their runtime linked in.
set -u
bin=$1
build=$2
src=$3
cmake=$4
cc=$5
san=${6:-}
. "$(dirname "$0")/lib.sh"

prefix=$tmp/prefix
if ! "$cmake" --install "$build" --prefix "$prefix" >"$tmp/install.log" 2>&1; then
    cat "$tmp/install.log"
    echo "FAIL cmake --install"
    exit 1
fi
ok "cmake --install --prefix"

# ---- what is installed ----
pcfile=$(find "$prefix" -name iamguard.pc | head -n 1)
libdir=${pcfile%/pkgconfig/iamguard.pc}
for f in bin/iamguard share/man/man1/iamguard.1 include/iamguard/iamguard.h \
    include/iamguard/engine.h include/iamguard/results.h include/iamguard/output.h \
    include/iamguard/error.h include/iamguard/limits.h include/iamguard/match.h; do
    [ -f "$prefix/$f" ] && ok "installed $f" || fail "not installed: $f"
done
[ -n "$pcfile" ] && ok "installed ${pcfile#"$prefix"/}" || { fail "no iamguard.pc"; libdir=$prefix/lib; }
soname=$(readelf -d "$build/libiamguard.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
libs="libiamguard.a libiamguard.so $soname"
[ -f "$build/iamguard.so" ] && libs="$libs lua/5.4/iamguard.so" # IAMGUARD_LUA_MODULE=ON
for f in $libs; do
    [ -e "$libdir/$f" ] && ok "installed ${libdir#"$prefix"/}/$f" || fail "not installed: $libdir/$f"
done
version=$("$bin" version | sed -n '1s/^iamguard //p')
[ "$("$prefix/bin/iamguard" version | head -n 1)" = "iamguard $version" ] && ok "installed command runs" ||
    fail "installed command does not run"

# ---- pkg-config ----
if ! command -v pkg-config >/dev/null; then
    fail "pkg-config is not installed"
    exit 1
fi
PKG_CONFIG_PATH=${pcfile%/iamguard.pc}
export PKG_CONFIG_PATH
[ "$(pkg-config --modversion iamguard)" = "$version" ] && ok "pkg-config --modversion" ||
    fail "pkg-config --modversion: $(pkg-config --modversion iamguard 2>&1)"
[ "$(pkg-config --variable=prefix iamguard)" = "$prefix" ] && ok "iamguard.pc names the install prefix" ||
    fail "iamguard.pc prefix is $(pkg-config --variable=prefix iamguard), not $prefix"
pkg-config --print-requires-private iamguard | sort | tr '\n' ' ' >"$tmp/req"
[ "$(cat "$tmp/req")" = "jansson lua5.4 yaml-0.1 " ] && ok "Requires.private" ||
    fail "Requires.private is '$(cat "$tmp/req")'"

# What the command reports, as "RULE path:line:col", for comparison.
expected_findings() {
    (cd "$src" && "$bin" scan --no-config --color never --fail-on none "$1") |
        sed -n 's/^\([^ ]*:[0-9]*:[0-9]*\): [a-z]*\[\([^]]*\)\] .*/\2 \1/p'
}

# run_embed NAME EXE: the example prints the command's findings, one per line,
# each starting with the rule id, and exits 1 (findings) / 0 (none).
run_embed() {
    name=$1 exe=$2
    for policy in examples/policies/ci-deploy-role.json lua/rules/ssm.tests/resource_named_instance.json; do
        (cd "$src" && LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} "$exe" "$policy") \
            >"$tmp/embed.out" 2>"$tmp/embed.err"
        status=$?
        awk '{ print $1, $3 }' "$tmp/embed.out" >"$tmp/embed.got"
        expected_findings "$policy" >"$tmp/embed.want"
        want_status=0
        [ -s "$tmp/embed.want" ] && want_status=1
        if [ $status -eq $want_status ] && cmp -s "$tmp/embed.got" "$tmp/embed.want"; then
            ok "$name: $policy ($(wc -l <"$tmp/embed.want") findings)"
        else
            fail "$name: $policy: exit $status (expected $want_status)"
            echo "--- expected"; cat "$tmp/embed.want"; echo "--- got"; cat "$tmp/embed.out" "$tmp/embed.err"
        fi
    done
}

# ---- examples/embed.c, linked as pkg-config says (the shared library) ----
# shellcheck disable=SC2046,SC2086
if "$cc" "$src/examples/embed.c" $(pkg-config --cflags --libs iamguard) $san -o "$tmp/embed" \
    2>"$tmp/cc.log"; then
    ok "cc examples/embed.c \$(pkg-config --cflags --libs iamguard)"
    run_embed "embed (shared)" "$tmp/embed"
    ldd "$tmp/embed" | grep -q 'libiamguard\.so' && ok "embed uses the shared library" ||
        fail "embed does not use the shared library"
    (cd "$src" && IAMGUARD_SARIF=1 LD_LIBRARY_PATH=$libdir "$tmp/embed" examples/policies/ci-deploy-role.json) \
        2>"$tmp/embed.sarif" >/dev/null
    grep -q '"version": "2.1.0"' "$tmp/embed.sarif" && grep -q '"id": "embed/"' "$tmp/embed.sarif" &&
        ok "embed writes SARIF to a stream" || fail "embed SARIF output"
else
    cat "$tmp/cc.log"
    fail "examples/embed.c does not build against the installed copy"
fi

# The example is warning-free under the project's flags.
"$cc" -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
    -Wformat=2 -Wvla -pedantic -fsyntax-only $(pkg-config --cflags iamguard) \
    "$src/examples/embed.c" 2>"$tmp/cc.log" && ok "embed.c compiles without warnings" ||
    { cat "$tmp/cc.log"; fail "embed.c has warnings"; }

# ---- the same, from a static-only installation ----
cp -R "$prefix" "$tmp/static"
find "$tmp/static" -name 'libiamguard.so*' -exec rm -f {} +
spc=$(find "$tmp/static" -name iamguard.pc)
sed "s|^prefix=.*|prefix=$tmp/static|" "$spc" >"$tmp/pc" && cat "$tmp/pc" >"$spc"
# shellcheck disable=SC2046,SC2086
if PKG_CONFIG_PATH=${spc%/iamguard.pc} sh -c \
    '"$1" "$2" $(pkg-config --cflags --libs --static iamguard) $3 -o "$4"' sh \
    "$cc" "$src/examples/embed.c" "$san" "$tmp/embed-static" 2>"$tmp/cc.log"; then
    ok "static-only: cc examples/embed.c \$(pkg-config --cflags --libs --static iamguard)"
    ldd "$tmp/embed-static" | grep -q libiamguard && fail "static embed needs libiamguard.so" ||
        ok "static embed does not need libiamguard.so"
    run_embed "embed (static)" "$tmp/embed-static"
else
    cat "$tmp/cc.log"
    fail "examples/embed.c does not build against a static-only installation"
fi

# ---- the man page: renders cleanly, matches the version, has every option ----
man=$prefix/share/man/man1/iamguard.1
if command -v groff >/dev/null; then
    LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$man" 2>"$tmp/groff.log"
    [ -s "$tmp/groff.log" ] && { cat "$tmp/groff.log"; fail "man page has groff warnings"; } ||
        ok "man page renders without warnings"
fi
grep -q "^\.TH IAMGUARD 1 .*\"iamguard $version\"" "$man" && ok "man page version" ||
    fail "man page .TH does not say iamguard $version"
for cmd in scan rules explain merge test-rules new-rule version; do
    grep -q "^\.B[IR]* *\"*$(echo "$cmd" | sed 's/-/\\\\-/g')" "$man" || fail "man page: no command $cmd"
    "$bin" "$cmd" --help 2>&1 | grep -oE -- '--[a-z][a-z-]*' | sort -u >"$tmp/opts"
    while read -r opt; do
        roff=$(echo "$opt" | sed 's/-/\\\\-/g')
        grep -q -- "$roff" "$man" || fail "man page: $cmd option $opt is not documented"
    done <"$tmp/opts"
done
for section in "EXIT STATUS" ENVIRONMENT FILES EXAMPLES; do
    grep -q "^\.SH $section" "$man" && ok "man page section $section" || fail "man page: no $section"
done
grep -q NO_COLOR "$man" && grep -q '\.iamguard\.yml' "$man" && ok "man page: NO_COLOR, .iamguard.yml" ||
    fail "man page misses NO_COLOR or .iamguard.yml"

[ $fails -eq 0 ]
