#!/usr/bin/env bash
# Make sure Debian's wrk (the HTTP load generator the bench_http and bench_api commands drive) is installed.
set -euo pipefail
if command -v "${WRK:-wrk}" >/dev/null 2>&1; then
  exit 0
fi
echo "ensure-wrk: installing Debian's wrk for the HTTP benchmarks" >&2
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends wrk >/dev/null
command -v "${WRK:-wrk}" >/dev/null 2>&1 || { echo "ensure-wrk: wrk still missing" >&2; exit 1; }
