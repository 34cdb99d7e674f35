#!/usr/bin/env bash
# test/recipes/discovery-data-edges.test.ts reads and writes service instances with Jackson, as
# Curator's JsonInstanceSerializer does; test/conformance/four-letter.test.ts makes a TLS
# certificate with openssl.
set -euo pipefail
need=()
[[ -f /usr/share/java/jackson-databind.jar ]] || need+=(libjackson2-databind-java)
command -v openssl >/dev/null || need+=(openssl)
command -v javac >/dev/null || need+=(default-jdk-headless)
if (( ${#need[@]} )); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${need[@]}"
fi
