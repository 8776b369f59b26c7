#!/usr/bin/env bash
# Compiles every app's translations (<app>/locale/*/LC_MESSAGES/django.po) to the .mo files Django
# reads. The .mo files are build output, never committed. Needs GNU gettext's msgfmt: installed
# with apt-get when missing (as scripts/ensure-chromium.sh does for the browser).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v msgfmt >/dev/null 2>&1; then
  echo "Installing gettext (msgfmt) with apt-get" >&2
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends gettext >/dev/null
fi
.venv/bin/python manage.py compilemessages --ignore=.venv --ignore=node_modules -v0
