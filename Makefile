# Support Desk: `make run` sets up and runs the whole system with demo data; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The test suite runs against PostgreSQL and Redis on this machine (see .ci/services).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/support_desk
TEST_REDIS_URL ?= redis://127.0.0.1:6379/14

.PHONY: install run test lint check-deploy bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py seed_demo
	DEBUG=$${DEBUG:-1} BIND_ADDRESS=$${BIND_ADDRESS:-127.0.0.1} PATH="$(CURDIR)/$(BIN):$$PATH" \
	$(BIN)/honcho start --port $${PORT:-8000} web worker mailer beat

test: install
	.ci/services
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	SECRET_KEY=$${SECRET_KEY:-insecure-key-for-the-test-suite-only} DEBUG=0 \
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	$(BIN)/ruff check .

lint: install
	$(BIN)/ruff check .

check-deploy: install
	SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') DEBUG=0 \
	ALLOWED_HOSTS=support.example.com $(BIN)/python manage.py check --deploy --fail-level WARNING

bench: install
	.ci/services
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
