import os
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import override_settings

from tests.twilio_server import CREDENTIALS as TWILIO_TEST_CREDENTIALS

# `make test` runs the tests marked `clock` again with this set to an instant that trips date arithmetic
# (the first hour of a month, a DST-change Sunday, 31 December): see the Makefile.
TEST_NOW_VARIABLE = "SUPPORT_DESK_TEST_NOW"


def test_now_from_environment() -> datetime | None:
    """The instant in $SUPPORT_DESK_TEST_NOW (ISO 8601 with an offset or Z), or None when unset."""
    value = os.environ.get(TEST_NOW_VARIABLE, "").strip()
    if not value:
        return None
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        instant = None
    if instant is None or instant.tzinfo is None:
        raise pytest.UsageError(f"{TEST_NOW_VARIABLE}={value!r}: give an ISO 8601 instant with its offset.")
    return instant.astimezone(UTC)


def pytest_configure(config):
    test_now_from_environment()  # a malformed instant stops the run before any test


def pytest_report_header(config):
    instant = test_now_from_environment()
    if instant is not None:
        return f"tests marked `clock` run at {instant.isoformat()} ({TEST_NOW_VARIABLE})"
    return None


@pytest.fixture(autouse=True)
def _clock_from_environment(request):
    """A test marked `clock` runs with the clock travelled to $SUPPORT_DESK_TEST_NOW when it is set.

    The clock ticks from there (a live server, a worker and timeouts keep working). A test that pins
    its own instant (`time_machine.travel` inside it or in a fixture of its module) keeps its own: the
    innermost travel wins. Unset, such tests run at the real time, so each run also samples today.
    Defined first in the root conftest, so it starts before any fixture that builds data from "now".
    """
    instant = test_now_from_environment()
    if instant is None or request.node.get_closest_marker("clock") is None:
        yield
        return
    with time_machine.travel(instant, tick=True):
        yield


@pytest.fixture(scope="session", autouse=True)
def _test_environment():
    """Plain HTTP to its own servers (production keeps HTTPS redirects and secure cookies), and static
    files named without collectstatic's manifest (production runs collectstatic at release)."""
    from django.conf import settings

    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(
        SECURE_SSL_REDIRECT=False, SESSION_COOKIE_SECURE=False, CSRF_COOKIE_SECURE=False, STORAGES=storages
    ):
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """Throttles and rate limits count in the cache (Redis under `make test`): every test starts from zero."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.fail(
            "The test suite runs on PostgreSQL: run `make test`, or point DATABASE_URL at PostgreSQL.",
            pytrace=False,
        )
    return django_db_setup


@pytest.fixture(autouse=True)
def _sla_defaults(request):
    """Every database test starts with the default SLA targets (a flushed database loses the seed data)."""
    if "_django_db_helper" not in request.fixturenames and not request.node.get_closest_marker("django_db"):
        return
    request.getfixturevalue("_django_db_helper")
    from escalation.models import BusinessCalendar, EscalationPolicy, PolicyStep, SlaTarget
    from escalation.sla import defaults

    defaults.seed(BusinessCalendar, SlaTarget)
    defaults.seed_policies(EscalationPolicy, PolicyStep)


@pytest.fixture
def twilio(settings):
    """The real twilio client pointed at a loopback server that records requests and can fail on cue."""
    from tests.twilio_server import TwilioServer

    with TwilioServer() as server:
        for name, value in TWILIO_TEST_CREDENTIALS.items():
            setattr(settings, name, value)
        settings.TWILIO_API_BASE_URL = server.url
        settings.TWILIO_TIMEOUT_SECONDS = 0.5
        settings.PUBLIC_BASE_URL = "https://desk.example.com"
        yield server.fake
