#!/usr/bin/env bash
# The version matrix: each release named in .ci/zookeeper-matrix is fetched from Maven Central
# into .zookeeper/<version>/ (npm run zookeeper:fetch); .ci/run runs the server suites on each.
# Idempotent: a release already fetched is kept (the fetch script checks its VERSION file).
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v mvn >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends maven
fi
while read -r version; do
  [[ -n "$version" && "$version" != \#* ]] || continue
  node scripts/zookeeper-fetch.mjs "$version"
done < .ci/zookeeper-matrix
