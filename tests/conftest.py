import pytest
from django.test import override_settings


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
    from escalation import defaults
    from escalation.models import BusinessCalendar, EscalationPolicy, PolicyStep, SlaTarget

    defaults.seed(BusinessCalendar, SlaTarget)
    defaults.seed_policies(EscalationPolicy, PolicyStep)


TWILIO_TEST_CREDENTIALS = {
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "test-auth-token",
    "TWILIO_FROM_NUMBER": "+15005550006",
}


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
