#!/usr/bin/env bash
# Updates the catalogues of one app (its <app>/locale/) or of the root templates/ (locale/) for
# every shipped language, without touching any other app's (docs/i18n.md):
#   scripts/makemessages.sh rewards        # rewards/locale/<lang>/LC_MESSAGES/django.po
#   scripts/makemessages.sh templates      # locale/<lang>/LC_MESSAGES/django.po, from templates/ only
# Tests are not scanned. Then translate the new entries (no "fuzzy" left) and run
# `manage.py translations_check`.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET=${1:?usage: scripts/makemessages.sh <app>|templates}
LANGS=(-l it -l de -l fr -l es)
run() { DJANGO_SETTINGS_MODULE=tikjoy.settings PYTHONPATH=$ROOT "$ROOT/.venv/bin/django-admin" makemessages "${LANGS[@]}" --no-location --ignore='tests/*' --ignore='migrations/*' "$@"; }
if [ "$TARGET" = templates ]; then
  # makemessages scans the directory it runs in: a copy holding only templates/ and locale/.
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
  cp -r templates "$WORK/templates"
  mkdir -p locale && cp -r locale "$WORK/locale"
  (cd "$WORK" && run)
  for lang in it de fr es; do
    mkdir -p "locale/$lang/LC_MESSAGES"
    cp "$WORK/locale/$lang/LC_MESSAGES/django.po" "locale/$lang/LC_MESSAGES/django.po"
  done
else
  [ -d "$TARGET" ] || { echo "no such app: $TARGET" >&2; exit 2; }
  mkdir -p "$TARGET/locale"
  (cd "$TARGET" && run)
fi
