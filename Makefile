# `make serve` and `make test` are the whole set-up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install serve test lint format migrate makemigrations bench demo check-ledger

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e .
	touch $@

serve: install
	$(BIN)/siyu migrate
	$(BIN)/siyu demo --if-empty
	$(BIN)/siyu serve --host $(HOST) --port $(PORT)

migrate: install
	$(BIN)/siyu migrate

makemigrations: install
	$(BIN)/siyu makemigrations

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/python -m pytest --backend sqlite
	@if [ -n "$$TEST_POSTGRES_URL" ]; then $(BIN)/python -m pytest --backend postgres; \
	else echo "TEST_POSTGRES_URL not set: PostgreSQL run skipped"; fi

bench: install
	$(BIN)/python bench/storefront.py

# The commission books of DATABASE_URL (default var/siyu.db): exit 1 listing inconsistencies.
check-ledger: install
	$(BIN)/siyu check-ledger
