#!/usr/bin/env bash
# Make sure Debian's redis-server is installed for `make prod-smoke` (the task queue's broker and the cache)
# and for `make test` (api/tests/test_shared_cache.py starts its own server).
set -euo pipefail
if command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; then
  exit 0
fi
echo "ensure-redis: installing Debian's redis-server" >&2
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends redis-server redis-tools >/dev/null
# The package starts a system-wide server on port 6379; prod-smoke runs its own on another port.
command -v redis-server >/dev/null 2>&1 || { echo "ensure-redis: redis-server still missing" >&2; exit 1; }
