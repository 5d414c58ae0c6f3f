# Parley: `make run` serves a demo community on http://127.0.0.1:8000, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test check lint typecheck pytest install install-test browser-deps migrate demo clean messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

# tests/browser drives Debian's Chromium (apt) and checks pages with axe-core (npm); the
# stamp names the axe-core version, so changing AXE_VERSION installs that one.
AXE_VERSION := 4.14.1
AXE_STAMP := $(VENV)/npm/.axe-core-$(AXE_VERSION)

$(AXE_STAMP): | $(BIN)/python
	npm install --prefix $(VENV)/npm --no-save --no-audit --no-fund axe-core@$(AXE_VERSION)
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

browser-deps: $(AXE_STAMP)
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

migrate: install
	$(BIN)/parley migrate

demo: migrate
	$(BIN)/parley demo --if-empty

run: demo
	$(BIN)/parley serve --host $(HOST) --port $(PORT)

lint: install-test
	$(BIN)/ruff check src tests

typecheck: install-test
	$(BIN)/mypy

check: lint typecheck

pytest: install-test browser-deps
	$(BIN)/python -m pytest

test: check pytest

# Extract the web UI's strings and merge them into the Dutch catalog (then translate the
# new entries in src/parley/web/locale/nl/LC_MESSAGES/messages.po).
MESSAGE_KEYWORDS := -k lazy -k t -k Invalid -k NotFound -k Forbidden -k Conflict -k Unauthorized -k RateLimited
messages: install-test
	mkdir -p var
	$(BIN)/pybabel extract -F babel.cfg $(MESSAGE_KEYWORDS) --no-location --sort-output -o var/messages.pot .
	$(BIN)/pybabel update -i var/messages.pot -d src/parley/web/locale -l nl --no-fuzzy-matching --ignore-obsolete --omit-header

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

# Benchmarks (bench/README.md): `make bench` is the full run on SQLite and on PostgreSQL +
# Redis (BENCH_PG_URL, BENCH_REDIS_URL; defaults are the local services), `make bench-quick`
# a short one. Both need wrk (installed here with apt-get when missing) and taskset.
BENCH_ARGS ?=

.PHONY: bench bench-quick bench-wrk

bench-wrk:
	@command -v wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y wrk)

bench: install bench-wrk
	$(BIN)/python bench/run.py $(BENCH_ARGS)

bench-quick: install bench-wrk
	$(BIN)/python bench/run.py --quick $(BENCH_ARGS)
