#!/usr/bin/env bash
# The CLI suites drive the interactive shell through a pseudo-terminal (tmux) and compare its
# output with Debian's zkCli.sh (in the zookeeper package the servers come from).
set -euo pipefail
need=()
command -v tmux >/dev/null || need+=(tmux)
[[ -x /usr/share/zookeeper/bin/zkCli.sh ]] || need+=(zookeeper)
if (( ${#need[@]} )); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${need[@]}"
fi
