#!/usr/bin/env bash
# Make sure Debian's chromium is installed for the Playwright browser tests.
# Playwright drives it through executable_path; it never downloads a browser.
set -euo pipefail
if [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
  exit 0
fi
echo "ensure-chromium: installing Debian's chromium for the browser tests" >&2
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || { echo "ensure-chromium: chromium still missing" >&2; exit 1; }
