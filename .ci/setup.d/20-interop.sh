#!/usr/bin/env bash
# Interop suites prove zkwire's recipe layouts against the real Apache Curator (Java) and kazoo (Python).
set -euo pipefail
need=()
[[ -f /usr/share/java/curator-recipes.jar ]] || need+=(libcurator-recipes-java libcurator-framework-java libcurator-client-java)
/usr/bin/python3 -c 'import kazoo' 2>/dev/null || need+=(python3-kazoo)
if (( ${#need[@]} )); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${need[@]}"
fi
