import pytest
from django.test import override_settings


@pytest.fixture(scope="session", autouse=True)
def _plain_http():
    """The suite talks plain HTTP to its own servers; production keeps HTTPS redirects and secure cookies."""
    with override_settings(SECURE_SSL_REDIRECT=False, SESSION_COOKIE_SECURE=False, CSRF_COOKIE_SECURE=False):
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
