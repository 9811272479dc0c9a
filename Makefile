# Mandate: `make run` and `make test` set everything up on a fresh machine (Python 3.11 + make).
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENV := .venv
BIN := $(VENV)/bin
PYTEST_WORKERS ?= auto

.PHONY: run test test-sqlite test-postgres test-e2e lint fmt bench setup assets erd clean

$(UV):
	@command -v uv >/dev/null 2>&1 || { $(PYTHON) -m venv .tools && .tools/bin/pip install -q uv; }

$(BIN)/mandate: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

setup: $(BIN)/mandate assets

assets:
	@if command -v npm >/dev/null 2>&1; then \
		[ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: serving pages without htmx (every form still works)"; fi

run: setup
	$(BIN)/mandate serve

test: setup
	@bash scripts/test.sh

test-sqlite: setup
	$(BIN)/pytest -n $(PYTEST_WORKERS) -m "not e2e"

test-postgres: setup
	@test -n "$$MANDATE_TEST_DATABASE_URL" || { echo "set MANDATE_TEST_DATABASE_URL"; exit 2; }
	$(BIN)/pytest -n $(PYTEST_WORKERS) -m "not e2e"

test-e2e: setup
	$(BIN)/pytest -m e2e -p no:xdist tests/e2e

lint: setup
	$(BIN)/ruff check src tests bench migrations
	$(BIN)/ruff format --check src tests bench migrations
	$(BIN)/mypy

fmt: setup
	$(BIN)/ruff format src tests bench migrations
	$(BIN)/ruff check --fix src tests bench migrations

bench: setup
	$(BIN)/python -m bench.deals
	$(BIN)/python -m bench.jobs
	$(BIN)/python -m bench.document_export
	$(BIN)/python -m bench.live
	$(BIN)/python -m bench.autosave
	$(BIN)/python -m bench.event_export
	$(BIN)/python -m bench.event_registrations

erd: setup
	$(BIN)/python scripts/erd.py > docs/erd.md

clean:
	rm -rf $(VENV) .tools node_modules
