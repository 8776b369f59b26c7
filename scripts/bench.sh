#!/usr/bin/env bash
# Benchmarks, run by `make bench` inside scripts/with-postgres.sh (durable settings).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DJANGO_ENV=development
$PY manage.py migrate -v0
$PY manage.py bench_ledger
$PY manage.py bench_rewards
$PY manage.py bench_billing
$PY manage.py bench_payouts
$PY manage.py bench_api
$PY manage.py bench_http
$PY manage.py bench_promote
$PY manage.py bench_affiliates
$PY manage.py bench_scale --apps
$PY manage.py ledger_check
$PY manage.py rewards_check
