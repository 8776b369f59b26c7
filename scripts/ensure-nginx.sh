#!/usr/bin/env bash
# Make sure Debian's nginx is installed for `make prod-smoke` (it checks deploy/nginx/tikjoy.conf for real).
set -euo pipefail
if command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; then
  exit 0
fi
echo "ensure-nginx: installing Debian's nginx" >&2
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nginx-light openssl >/dev/null
[ -x /usr/sbin/nginx ] || { echo "ensure-nginx: nginx still missing" >&2; exit 1; }
