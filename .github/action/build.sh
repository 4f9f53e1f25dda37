#!/usr/bin/env bash
# Builds and installs iamguard for action.yml, or reuses a cached build.
# Environment: IAMGUARD_SRC (the action's checkout), IAMGUARD_PREFIX (install
# prefix, restored from the cache when CACHE_HIT is "true"), RUNNER_TEMP.
set -euo pipefail

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
export DEBIAN_FRONTEND=noninteractive

if [ "${CACHE_HIT:-}" = "true" ] && [ -x "$IAMGUARD_PREFIX/bin/iamguard" ]; then
    # A cached build still needs the shared libraries it was linked with.
    if ! "$IAMGUARD_PREFIX/bin/iamguard" version >/dev/null 2>&1; then
        as_root apt-get update -qq
        as_root apt-get install -y -qq --no-install-recommends libjansson4 liblua5.4-0 libyaml-0-2 >/dev/null
    fi
else
    as_root apt-get update -qq
    as_root apt-get install -y -qq --no-install-recommends \
        build-essential cmake pkg-config libjansson-dev liblua5.4-dev libyaml-dev >/dev/null
    build=${RUNNER_TEMP:-/tmp}/iamguard-build
    cmake -S "$IAMGUARD_SRC" -B "$build" -DCMAKE_BUILD_TYPE=Release -DIAMGUARD_TESTS=OFF \
        -DIAMGUARD_LUA_MODULE=OFF >/dev/null
    cmake --build "$build" -j"$(nproc)" --target iamguard >/dev/null
    # Only the command is needed here: install just it.
    mkdir -p "$IAMGUARD_PREFIX/bin"
    install -m 0755 "$build/iamguard" "$IAMGUARD_PREFIX/bin/iamguard"
fi
"$IAMGUARD_PREFIX/bin/iamguard" version
echo "$IAMGUARD_PREFIX/bin" >>"${GITHUB_PATH:-/dev/null}"
