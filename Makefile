# Parley: `make run` serves a demo community on http://127.0.0.1:8000, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test check lint typecheck pytest install install-test migrate demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

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

pytest: install-test
	$(BIN)/python -m pytest

test: check pytest

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
