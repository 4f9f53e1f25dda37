#!/bin/sh
# The Debian packages: cpack -G DEB in the build folder makes iamguard (the
# command, its compressed man page, the Lua module), libiamguard<soversion>
# (the shared library, with shlibs and the ldconfig trigger) and
# libiamguard-dev (headers, static library, .so link, iamguard.pc), each
# with its copyright and changelog, binaries stripped, version and maintainer
# from CMake. Unpacked together they run and build examples/embed.c. lintian,
# when installed, reports no error (and no warning either for a build
# configured with the /usr prefix that packages are meant to be built from).
# Usage: test_deb.sh IAMGUARD BUILD_DIR SOURCE_DIR CPACK CC [SANITIZER_FLAGS]
set -u
# Absolute, since the packaging steps below change folder.
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
build=$(cd "$2" && pwd)
src=$(cd "$3" && pwd)
cpack=$4
cc=$5
san=${6:-}
. "$(dirname "$0")/lib.sh"
if ! command -v dpkg-deb >/dev/null || [ ! -f "$build/CPackConfig.cmake" ]; then
    echo "SKIP: dpkg-deb or $build/CPackConfig.cmake missing"
    exit 77
fi
cache() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"; }

if ! (cd "$build" && "$cpack" -G DEB -B "$tmp/pkg" --config "$build/CPackConfig.cmake") \
    >"$tmp/cpack.log" 2>&1; then
    cat "$tmp/cpack.log"
    echo "FAIL cpack -G DEB"
    exit 1
fi
version="$("$bin" version | sed -n '1s/^iamguard //p')-$(cache IAMGUARD_DEB_RELEASE)"
maintainer=$(cache IAMGUARD_DEB_MAINTAINER)
# The shared library's soname names its package: libiamguard.so.0.1 -> libiamguard0.1.
soname=$(readelf -d "$build/libiamguard.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
libpkg=libiamguard${soname#libiamguard.so.}
cmd_deb=$tmp/pkg/iamguard_${version}_$(dpkg --print-architecture).deb
lib_deb=$tmp/pkg/${libpkg}_${version}_$(dpkg --print-architecture).deb
dev_deb=$tmp/pkg/libiamguard-dev_${version}_$(dpkg --print-architecture).deb
for deb in "$cmd_deb" "$lib_deb" "$dev_deb"; do
    [ -f "$deb" ] && ok "package $(basename "$deb")" || { fail "no package $deb"; ls "$tmp/pkg"; exit 1; }
done
[ "$(find "$tmp/pkg" -maxdepth 1 -name '*.deb' | wc -l)" -eq 3 ] && ok "three packages" ||
    fail "more packages than iamguard, $libpkg and libiamguard-dev"

# ---- control fields ----
for deb in "$cmd_deb" "$lib_deb" "$dev_deb"; do
    name=$(dpkg-deb -f "$deb" Package)
    [ "$(dpkg-deb -f "$deb" Version)" = "$version" ] && [ "$(dpkg-deb -f "$deb" Maintainer)" = "$maintainer" ] &&
        ok "$name: version $version, maintainer from CMake" ||
        fail "$name: version '$(dpkg-deb -f "$deb" Version)', maintainer '$(dpkg-deb -f "$deb" Maintainer)'"
done
has_dep() { # DEB DEPENDENCY
    dpkg-deb -f "$1" Depends | tr ',' '\n' | sed 's/^ *//' | grep -qxF "$2" && ok "$(basename "$1"): depends on $2" ||
        fail "$(basename "$1"): Depends '$(dpkg-deb -f "$1" Depends)' lacks $2"
}
for dep in libc6 libjansson4 liblua5.4-0 libyaml-0-2; do has_dep "$lib_deb" "$dep"; done
for dep in "$libpkg (= $version)" libjansson-dev liblua5.4-dev libyaml-dev; do has_dep "$dev_deb" "$dep"; done
if ldd "$bin" | grep -q 'libiamguard\.so'; then
    has_dep "$cmd_deb" "$libpkg (= $version)"
else
    for dep in libjansson4 liblua5.4-0 libyaml-0-2; do has_dep "$cmd_deb" "$dep"; done
fi
dpkg-deb -I "$lib_deb" shlibs >"$tmp/shlibs" 2>&1
grep -qx "libiamguard ${soname#libiamguard.so.} $libpkg (>= $version)" "$tmp/shlibs" &&
    ok "$libpkg: shlibs" || { fail "$libpkg: shlibs"; cat "$tmp/shlibs"; }
dpkg-deb -I "$lib_deb" triggers 2>/dev/null | grep -qx 'activate-noawait ldconfig' &&
    ok "$libpkg: ldconfig trigger" || fail "$libpkg: no ldconfig trigger"

# ---- contents: each file in exactly the package it belongs to ----
contents() { dpkg-deb -c "$1" | awk '{ print $6 }' | sed 's|^\./|/|'; }
contents "$cmd_deb" >"$tmp/cmd.files"
contents "$lib_deb" >"$tmp/lib.files"
contents "$dev_deb" >"$tmp/dev.files"
holds() { # LIST-NAME REGEX...
    list=$1
    shift
    for re in "$@"; do
        grep -qE "$re" "$tmp/$list.files" && ok "$list package holds $re" || fail "$list package lacks $re"
    done
}
lacks() {
    list=$1
    shift
    for re in "$@"; do
        grep -qE "$re" "$tmp/$list.files" && fail "$list package holds $re" || ok "$list package leaves out $re"
    done
}
holds cmd '^/usr/bin/iamguard$' '^/usr/share/man/man1/iamguard\.1\.gz$' \
    '^/usr/share/doc/iamguard/copyright$' '^/usr/share/doc/iamguard/changelog\.Debian\.gz$'
lacks cmd '^/usr/include/' 'libiamguard' '\.1$'
[ -f "$build/iamguard.so" ] && holds cmd '/lua/5\.4/iamguard\.so$'
holds lib "/$soname\$" "/$soname\\.[0-9]+\$" "^/usr/share/doc/$libpkg/copyright\$" \
    "^/usr/share/doc/$libpkg/changelog\\.Debian\\.gz\$"
lacks lib '\.a$' '/libiamguard\.so$' '^/usr/include/' '^/usr/bin/'
holds dev '^/usr/include/iamguard/iamguard\.h$' '/libiamguard\.a$' '/libiamguard\.so$' \
    '/pkgconfig/iamguard\.pc$' '^/usr/share/doc/libiamguard-dev/copyright$'
lacks dev "/$soname" '^/usr/bin/'

root=$tmp/root
for deb in "$cmd_deb" "$lib_deb" "$dev_deb"; do dpkg-deb -x "$deb" "$root"; done
gzip -dc "$root/usr/share/man/man1/iamguard.1.gz" | cmp -s - "$src/docs/iamguard.1" &&
    ok "the man page is docs/iamguard.1, compressed" || fail "the packaged man page differs"
for f in "$root/usr/bin/iamguard" "$(find "$root" -name "$soname.*")"; do
    readelf -S "$f" | grep -qE '\.(symtab|debug_info)' && fail "not stripped: ${f#"$root"}" ||
        ok "stripped: ${f#"$root"}"
done
gzip -dc "$root/usr/share/doc/iamguard/changelog.Debian.gz" >"$tmp/changelog"
head -n 1 "$tmp/changelog" | grep -qF "iamguard ($version)" && grep -qF -- "-- $maintainer  " "$tmp/changelog" &&
    ok "changelog names the version and the maintainer" || { fail "changelog"; cat "$tmp/changelog"; }
grep -q '^Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/' \
    "$root/usr/share/doc/iamguard/copyright" && ok "machine-readable copyright" || fail "copyright format"

# ---- the unpacked packages work together ----
libdir=$(dirname "$(find "$root" -name "$soname")")
(cd "$src" && LD_LIBRARY_PATH=$libdir "$root/usr/bin/iamguard" scan -q --no-config examples/policies) \
    >/dev/null 2>&1
[ $? -eq 1 ] && ok "the packaged command scans" || fail "the packaged command does not scan the examples"
pcdir=$(dirname "$(find "$root" -name iamguard.pc)")
# shellcheck disable=SC2046,SC2086
if PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_PATH=$pcdir sh -c '"$1" "$2" $(pkg-config --cflags --libs iamguard) $3 -o "$4"' sh \
    "$cc" "$src/examples/embed.c" "$san" "$tmp/embed" 2>"$tmp/cc.log"; then
    (cd "$src" && LD_LIBRARY_PATH=$libdir "$tmp/embed" examples/policies/ci-deploy-role.json) >"$tmp/embed.out" 2>&1
    [ $? -eq 1 ] && grep -q IAM-SSM-1 "$tmp/embed.out" && ok "examples/embed.c builds and runs against libiamguard-dev" ||
        { fail "embed against the packages"; cat "$tmp/embed.out"; }
else
    cat "$tmp/cc.log"
    fail "examples/embed.c does not build against the packaged headers and library"
fi

# ---- lintian ----
if command -v lintian >/dev/null; then
    lintian "$cmd_deb" "$lib_deb" "$dev_deb" >"$tmp/lintian" 2>&1
    sed 's/^/    /' "$tmp/lintian"
    errors=$(grep -c '^E:' "$tmp/lintian")
    warnings=$(grep -c '^W:' "$tmp/lintian")
    [ "$errors" -eq 0 ] && ok "lintian: no errors" || fail "lintian: $errors errors"
    if [ "$(cache CMAKE_INSTALL_PREFIX)" = /usr ]; then
        [ "$warnings" -eq 0 ] && ok "lintian: no warnings (prefix /usr)" || fail "lintian: $warnings warnings"
    else
        echo "note lintian: $warnings warnings (configure with -DCMAKE_INSTALL_PREFIX=/usr for multiarch paths)"
    fi
elif [ -n "${IAMG_REQUIRE_LINTIAN:-}" ]; then
    fail "lintian is required (IAMG_REQUIRE_LINTIAN) but not installed"
else
    echo "skip lintian: not installed"
fi

[ $fails -eq 0 ]
