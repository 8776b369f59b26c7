#!/usr/bin/env bash
# Serve the development site and a django-q2 worker; Ctrl-C stops both.
set -euo pipefail
HOST=${1:-127.0.0.1}
PORT=${2:-8000}
PY=.venv/bin/python

$PY manage.py qcluster &
QPID=$!
trap 'kill $QPID 2>/dev/null || true; wait $QPID 2>/dev/null || true' EXIT INT TERM

cat <<TXT

TikJoy is starting on http://$HOST:$PORT/
  Home ............ http://$HOST:$PORT/
  Sign in ......... http://$HOST:$PORT/accounts/login/
  Ops admin ....... http://$HOST:$PORT/ops/
  Health .......... http://$HOST:$PORT/healthz
  API reference ... http://$HOST:$PORT/api/docs/
  Demo shop ....... the widget on another site: see seed_demo's "widget:" line (sandbox mode)
E-mails (verification, password reset) are printed in this terminal.
A task worker (django-q2, pid $QPID) runs beside the web server.

TXT
$PY manage.py runserver "$HOST:$PORT"
