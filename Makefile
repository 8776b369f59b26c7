# TikJoy: the two commands are `make run` and `make test` (see README.md).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# The sandbox (fake TikTok/WhatsApp), e-mails and QR codes use SITE_URL: for `make run` it follows
# HOST and PORT unless set, so `PORT=8100 make run` works as it is.
run demo migrate: export SITE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test install install-dev lint migrate demo bench prod-smoke clean help

help:
	@echo "make run    - install, migrate, load demo data, serve on http://$(HOST):$(PORT) with a task worker"
	@echo "make test   - install, start a throwaway PostgreSQL, run lint, migration and deploy checks, and pytest"
	@echo "make bench  - run the benchmarks against a throwaway PostgreSQL (durable settings)"
	@echo "make prod-smoke - the production topology here (gunicorn, two task clusters, Redis, PostgreSQL): smoke, load, faults"

$(PY):
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) is required (Python 3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Reinstall only when a requirements file changed.
$(VENV)/.installed: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	scripts/compile-messages.sh
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo

run: demo
	@scripts/serve.sh $(HOST) $(PORT)

test: install-dev
	@scripts/test.sh

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The benchmarks, then the production topology under load and faults (too long for CI beside
# `make test`: docs/benchmarks.md, "Production topology").
bench: install-dev
	scripts/compile-messages.sh
	PG_DURABLE=1 scripts/with-postgres.sh scripts/bench.sh
	scripts/prod-smoke.sh

# The production topology on this machine, under load and under faults (docs/deploy.md).
prod-smoke: install-dev
	@scripts/compile-messages.sh
	@scripts/prod-smoke.sh

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
