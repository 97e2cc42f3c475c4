# Support Desk: `make run` sets up and runs the whole system with demo data; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The test suite runs against PostgreSQL and Redis on this machine (see .ci/services).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/support_desk
TEST_REDIS_URL ?= redis://127.0.0.1:6379/14

.PHONY: install lock run test lint check-deploy bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	$(PYTHON) -m venv $(VENV)

# The locked versions, with their hashes (requirements/dev.txt, made by `make lock` from pyproject.toml's
# ranges): a fresh clone installs exactly what CI tested. Then the project itself, without resolving.
$(STAMP): requirements/dev.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade 'pip>=24'
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# Refresh the lock after changing a range in pyproject.toml (or to take newer releases): the newest
# versions the ranges allow today, for every Python the project supports, with hashes.
# requirements/base.txt is what a deployment installs; requirements/dev.txt adds the test tools.
lock: | $(BIN)/python
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile --quiet --universal --generate-hashes pyproject.toml -o requirements/base.txt
	$(BIN)/uv pip compile --quiet --universal --generate-hashes --extra dev pyproject.toml -o requirements/dev.txt

# The gettext catalogs: each locale/<code>/LC_MESSAGES/django.po compiled to its .mo with Babel
# (support_desk/catalogs.py), so no GNU gettext is needed; the .mo files are not in the repository.
CATALOGS := $(wildcard locale/*/LC_MESSAGES/django.po)
locale/%.mo: locale/%.po | $(STAMP)
	$(BIN)/python -m support_desk.catalogs

install: $(STAMP) $(CATALOGS:.po=.mo)

run: install
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-1} $(BIN)/python manage.py seed_demo
	DEBUG=$${DEBUG:-1} BIND_ADDRESS=$${BIND_ADDRESS:-127.0.0.1} PATH="$(CURDIR)/$(BIN):$$PATH" \
	PUBLIC_BASE_URL=$${PUBLIC_BASE_URL:-http://localhost:$${PORT:-8000}} \
	EMAIL_BACKEND=$${EMAIL_BACKEND:-django.core.mail.backends.filebased.EmailBackend} \
	$(BIN)/honcho start --port $${PORT:-8000} web worker pager mailer beat

# The tests marked `clock` (reports, credits, coverage, SLA clocks, business time) run with the clock
# travelled to each of these instants ($SUPPORT_DESK_TEST_NOW, tests/conftest.py): the first hour of a
# month, a DST-change Sunday (Europe/Berlin springs forward at 01:00 UTC) and the last hour of 31
# December, the three at once (.ci/clock-tests: a test database and a Redis database each), beside the
# tests that start no processes (in two halves); then the tests marked integration alone (.ci/test-phases).
# `make test CLOCK_INSTANTS=` runs the clock tests once, with the others, at today.
CLOCK_INSTANTS ?= 2026-12-01T00:30:00Z 2026-03-29T01:30:00Z 2026-12-31T23:30:00Z
TEST_ENV = DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
	SECRET_KEY=$${SECRET_KEY:-insecure-key-for-the-test-suite-only} DEBUG=0

test: install
	.ci/services
	$(TEST_ENV) PYTEST_ARGS="$(PYTEST_ARGS)" .ci/test-phases $(CLOCK_INSTANTS)
	$(BIN)/ruff check .

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-logo

check-deploy: install
	SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') DEBUG=0 \
	LEDGER_CHECKPOINT_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') \
	LEDGER_CHECKPOINT_SINK=var/ledger-checkpoints.jsonl \
	ALLOWED_HOSTS=support.example.com $(BIN)/python manage.py check --deploy --fail-level WARNING

bench: install
	.ci/services
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis
