"""The live schema, fuzzed: every operation, a bounded number of generated requests each, as a manager.

Schemathesis reads /api/schema/ from the WSGI application and calls it in-process, inside the test's
database transaction. Path parameters are sometimes swapped for ones that name real rows (a ticket,
its access token, a customer and its contact, an engineer, a target; all of a path's at once too), so
the fuzzing reaches past the 404s. Every response must be no 5xx and must match the schema the API
publishes for it; and the exception handler's safety net (a database refusing a value validation let
through) must never be needed.
"""

import logging

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from escalation.incidents.formats import AlertIn
from escalation.incidents.services.ingest import alerts_ingest
from escalation.incidents.services.integrations import integration_create
from escalation.models import Incident, Region, SlaTarget
from escalation.roster.services.api_tokens import api_token_issue
from tests.factories import NOW, CustomerFactory, make_engineer, make_page, make_ticket
from tickets import services
from tickets.models import CustomerContact, Severity

MAX_EXAMPLES = 25

# Path parameter -> values naming real rows; filled by the `api_data` fixture for each run.
REAL_PATH_VALUES: dict[str, list] = {}


@schemathesis.hook
def flatmap_path_parameters(context, path_parameters):
    if not path_parameters:
        return st.just(path_parameters)
    choices = [path_parameters]
    for name in path_parameters:
        choices += [{**path_parameters, name: value} for value in REAL_PATH_VALUES.get(name, ())]
    real = {name: REAL_PATH_VALUES[name][0] for name in path_parameters if REAL_PATH_VALUES.get(name)}
    if len(real) > 1:  # a row under a row (a customer's contact): both real, or it is always a 404
        choices.append({**path_parameters, **real})
    return st.sampled_from(choices)


# The application as the suite configures it (plain HTTP, see tests/conftest.py): its middleware reads
# the settings when it is built.
with override_settings(SECURE_SSL_REDIRECT=False, SESSION_COOKIE_SECURE=False, CSRF_COOKIE_SECURE=False):
    application = get_wsgi_application()


schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@pytest.fixture(autouse=True)
def _keep_the_connection():
    """Like Django's test client: a request must not close the database connection at its end, which
    would end the test's transaction."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def api_data(db, manager, engineer, settings, tmp_path):
    """Rows for the fuzzer to find, and the manager's token it sends."""
    settings.MEDIA_ROOT = tmp_path / "media"  # files an engineer's message may carry (issue 16)
    make_engineer("aiko", zone="Asia/Tokyo", region=Region.APAC, phone="+81312345678")
    customer = CustomerFactory(name="StreamCo", plan="premium", domains=["streamco.example"])
    contact = CustomerContact.objects.create(customer=customer, email="noc@streamco.example")
    ticket = make_ticket(severity=Severity.MAJOR, email="ops@streamco.example")
    services.ticket_reply(ticket=ticket, author=engineer.user, body="On it", now=NOW)
    make_page(ticket)
    closed = make_ticket()
    services.ticket_assign(ticket=closed, assignee=engineer.user, actor=None, now=NOW)
    services.ticket_reply(ticket=closed, author=engineer.user, body="Done", now=NOW)
    for status in ("resolved", "closed"):
        services.ticket_change_status(ticket=closed, status=status, actor=None, now=NOW)
    integration, _key = integration_create(name="Grafana", kind="events_v2")
    alerts_ingest(integration=integration, alerts=[AlertIn(action="trigger", dedup_key="edge-7")], now=NOW)
    incident = Incident.objects.get()
    shared = services.macro_create(
        actor=manager, manager=True, name="Fixed", body="{{reference}}", shared=True, now=NOW
    )
    personal = services.macro_create(
        actor=manager, manager=True, name="Mine", body="Hi", shared=False, now=NOW
    )
    REAL_PATH_VALUES.update(
        reference=[ticket.reference, closed.reference],
        access_token=[ticket.access_token, closed.access_token],
        customer_id=[customer.pk],
        contact_id=[contact.pk],
        username=["lena", "aiko"],
        target_id=list(SlaTarget.objects.values_list("pk", flat=True)[:2]),
        integration_id=[integration.pk],
        incident_id=[incident.pk],
        macro_id=[shared.pk, personal.pk],
    )
    yield {"Authorization": f"Token {api_token_issue(user=manager, now=timezone.now())[1]}"}
    REAL_PATH_VALUES.clear()


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,  # the rows and token hold for every example of an operation
    ],
)
def test_the_api_survives_whatever_it_is_sent(case, api_data, caplog):
    caplog.clear()
    caplog.set_level(logging.ERROR, logger="support_desk.api")
    case.call_and_validate(
        headers=api_data,
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )
    safety_net = [
        f"{record.getMessage()}: {record.exc_info[1] if record.exc_info else ''}"
        for record in caplog.records
        if record.name.startswith("support_desk.api")
    ]
    assert safety_net == [], "validation let a value through to the database"
