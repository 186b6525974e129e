# Two commands: `make run` (set up and start with demo data) and `make test` (the whole suite).
# `make serve` runs the app as in production (gunicorn, DEBUG off) on this machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The development server runs with DEBUG on and its development key; production sets both.
DEV_ENV := DEBUG=$${DEBUG:-1}
PROD_ENV := DEBUG=0

.PHONY: run serve serve-check test install install-test chromium lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

run: install
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEV_ENV) $(BIN)/python manage.py seed_demo --if-empty
	@echo "Demo logins: in .demo-passwords (kept between runs; new ones: $(BIN)/python manage.py seed_demo --reset-passwords)"
	@echo "Peer Values is starting at http://$(HOST):$(PORT)/ (Ctrl+C stops it and its job worker)"
	$(DEV_ENV) $(BIN)/python manage.py serve --dev --host $(HOST) --port $(PORT)

# Checked before anything is installed or started, so the message is the first thing printed.
serve-check:
	@[ -n "$$SECRET_KEY" ] || { echo "make serve needs SECRET_KEY: a long random string kept \
	outside the repository, for example: export SECRET_KEY=\"\$$(python3 -c 'import secrets; \
	print(secrets.token_urlsafe(50))')\"" >&2; exit 2; }
	@[ -n "$$ALLOWED_HOSTS" ] || { echo "make serve needs ALLOWED_HOSTS: the host names people \
	use to reach the app, separated by commas, for example: export \
	ALLOWED_HOSTS=peervalues.example.org" >&2; exit 2; }

serve: serve-check install
	$(PROD_ENV) $(BIN)/python manage.py migrate --noinput
	$(PROD_ENV) $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo "Peer Values is serving at http://$(HOST):$(PORT)/ (Ctrl+C stops it and its job worker)"
	$(PROD_ENV) $(BIN)/python manage.py serve --host $(HOST) --port $(PORT)

# The browser tests drive Debian's Chromium; install it when it is missing and we may.
chromium:
	@command -v chromium >/dev/null 2>&1 || [ -x "$${CHROMIUM_PATH:-/nonexistent}" ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Chromium is needed for the browser tests: sudo apt-get install chromium (or set CHROMIUM_PATH)"; \
	    exit 1; \
	  fi; }

test: install-test chromium
	$(DEV_ENV) $(BIN)/pytest $(PYTEST_ARGS)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Every benchmark, each in a PostgreSQL database of its own, and the last on `make run`'s SQLite
# (several minutes; see bench/README.md).
PG := postgres://postgres@127.0.0.1:5432
bench: install-test chromium
	DEBUG=1 DATABASE_URL=$(PG)/pv_bench_coding $(BIN)/python bench/coding.py
	DEBUG=1 DATABASE_URL=$(PG)/pv_bench_import $(BIN)/python bench/import_batch.py
	DEBUG=1 DATABASE_URL=$(PG)/pv_bench_refi $(BIN)/python bench/refi.py
	DEBUG=1 BENCH_DATABASE_URL=$(PG)/pv_bench_compare $(BIN)/python bench/compare.py
	DEBUG=1 BENCH_DATABASE_URL=$(PG)/pv_bench_consensus $(BIN)/python bench/consensus.py
	DEBUG=1 BENCH_DATABASE_URL=$(PG)/pv_bench_cluster $(BIN)/python bench/cluster.py
	DEBUG=1 BENCH_DATABASE_URL=$(PG)/pv_bench_cluster $(BIN)/python bench/cluster.py --speed --seconds 120 --transcripts 1000 --reuse
	DEBUG=1 DATABASE_URL=$(PG)/pv_bench_faults $(BIN)/python bench/faults.py --fault disconnect
	$(BIN)/python bench/import_while_coding.py

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm staticfiles .pytest_cache .ruff_cache
