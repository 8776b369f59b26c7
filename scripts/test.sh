#!/usr/bin/env bash
# Every check CI runs. Called by `make test` after the virtualenv is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv
PY=$VENV/bin/python
export DJANGO_ENV=test

echo "== ruff"
$VENV/bin/ruff check .
$VENV/bin/ruff format --check .

echo "== translations compiled (.mo files are build output)"
scripts/compile-messages.sh

echo "== every string translated in every shipped language"
DATABASE_URL=sqlite:///:memory: $PY manage.py translations_check

echo "== layers: each app imports only the apps below it (import-linter)"
$VENV/bin/lint-imports --no-cache

echo "== migrations match the models"
DATABASE_URL=sqlite:///:memory: $PY manage.py makemigrations --check --dry-run

echo "== the OpenAPI document is valid, without a warning"
DATABASE_URL=sqlite:///:memory: $PY manage.py spectacular --validate --fail-on-warn --file /dev/null

echo "== production profile: check --deploy"
DJANGO_ENV=production \
  SECRET_KEY="check-deploy-$(head -c 48 /dev/urandom | base64 | tr -d '/+=\n')" \
  CONSUMER_ID_KEY="check-deploy-consumer-ids" \
  ALLOWED_HOSTS=tikjoy.example.com \
  DATABASE_URL=postgres://tikjoy@localhost/tikjoy \
  $PY manage.py check --deploy --fail-level WARNING

echo "== browser for the Playwright tests"
scripts/ensure-chromium.sh

echo "== redis-server for the shared-cache tests (each starts its own on a free port)"
scripts/ensure-redis.sh

echo "== pytest on PostgreSQL"
# One pytest-xdist worker per CPU, at most 4 (each builds its own test database from the migrations).
# PYTEST_WORKERS=0 runs in one process.
WORKERS=${PYTEST_WORKERS:-$(( $(nproc) < 4 ? $(nproc) : 4 ))}
scripts/with-postgres.sh $PY -m pytest -p no:cacheprovider -n "$WORKERS" --durations=15 "$@"
