# Keel: `make demo` to try it, `make test` to check it. `make help` lists every target.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgresql://postgres@127.0.0.1:5432/test

.DEFAULT_GOAL := help
.PHONY: help install demo serve screenshots test test-sqlite test-postgres lint typecheck contracts pytest lock bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  %-15s %s\n", $$1, $$2}'

$(STAMP): requirements/base.lock requirements/dev.lock pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Keel needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/base.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/dev.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install the pinned dependencies
	@echo "Installed into $(VENV)"

demo: $(STAMP) ## Set up the embedded SQLite database, load the demo company, print logins, serve on :8000
	KEEL_DEMO_MODE=true $(BIN)/keel demo $(if $(PORT),--port $(PORT),)

serve: $(STAMP) ## Serve the current database on :8000
	$(BIN)/keel serve

lint: $(STAMP) ## ruff
	$(BIN)/ruff check .

typecheck: $(STAMP) ## mypy
	$(BIN)/mypy keel config

contracts: $(STAMP) ## import-linter layer contracts
	$(BIN)/lint-imports

pytest: $(STAMP) ## pytest against KEEL_DATABASE_URL (default SQLite)
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck contracts pytest ## All quality gates and tests (database from KEEL_DATABASE_URL)

test-sqlite: $(STAMP) ## The test suite on SQLite
	KEEL_DATABASE_URL=sqlite:///$(CURDIR)/var/test.sqlite3 $(MAKE) test

test-postgres: $(STAMP) ## The test suite on PostgreSQL (PG_URL, default the local server's test database)
	KEEL_DATABASE_URL=$(PG_URL) $(MAKE) test

lock: ## Re-resolve requirements/*.in into the hashed lock files
	cd requirements && ../$(BIN)/pip-compile -q --generate-hashes --allow-unsafe --strip-extras -o base.lock base.in
	cd requirements && ../$(BIN)/pip-compile -q --generate-hashes --allow-unsafe --strip-extras -o dev.lock dev.in

screenshots: $(STAMP) ## Refresh docs/screenshots with the system Chromium
	$(BIN)/pytest -m screenshots keel -q

bench: $(STAMP) ## Benchmarks (results go in docs/benchmarks.md)
	$(BIN)/python bench/run.py

clean: ## Remove the virtualenv and local data
	rm -rf $(VENV) var
