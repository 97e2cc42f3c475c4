"""The live schema, fuzzed with every check schemathesis has: each operation, then sequences of calls.

Schemathesis reads /api/schema/ from the WSGI application and calls it in-process, inside the test's
database transaction. Nothing here names an endpoint: an operation added to the API is fuzzed (and its
creates followed into its reads, through the links `schema.py` declares) once it is in the schema.
Path parameters are sometimes swapped for ones that name real rows (a ticket, its access token, a
customer and its contact, an engineer, a target; all of a path's at once too), so the fuzzing reaches
past the 404s. Every check runs (`--checks all`), except those in
`EXCLUDED_CHECKS`, each with its reason; and the exception handler's safety net (a database refusing a
value validation let through) must never be needed. docs/api/contract.md explains the contract.
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
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.specs.openapi.checks import positive_data_acceptance

from escalation.incidents.formats import AlertIn
from escalation.incidents.services.ingest import alerts_ingest
from escalation.incidents.services.integrations import integration_create
from escalation.models import Incident, Region, SlaTarget
from escalation.roster.services.api_tokens import api_token_issue
from tests.factories import NOW, CustomerFactory, make_engineer, make_page, make_ticket
from tickets import services
from tickets.models import CustomerContact, Severity

MAX_EXAMPLES = 10  # per operation: examples, coverage and fuzzing cases together
STATEFUL_EXAMPLES = 10  # sequences of calls along the links
STATEFUL_STEPS = 5  # calls per sequence at most

# The checks left out, and why. Every other check schemathesis has runs.
EXCLUDED_CHECKS = {
    # A request the schema allows can still be refused by what the data says, which no JSON Schema can
    # state: a customer name or contact email already taken, a username or calendar that does not exist,
    # a transition the ticket's state refuses, `from` after `to`, `block_sender` without `close_reason`.
    # Each is a 400 naming the field (docs/api/contract.md lists them); the constraints a schema CAN state
    # are in it, and `negative_data_rejection` proves the API enforces no fewer of them.
    positive_data_acceptance: "schema-valid input refused by the state of the data or a rule across fields",
}

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
# Our credentials are the manager's token (the `api_data` fixture), passed to schemathesis as the request's
# explicit headers (what `st run -H` does): so `ignored_auth` knows they are real, and checks that each
# operation declaring authentication refuses the request without them and with forged ones. No random
# values for the declared schemes: they would ride along with the real token and prove nothing.
schema.config.generation.update(with_security_parameters=False)


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
    """Rows for the fuzzer to find, and the manager's credentials it sends (a function: a new token each)."""
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

    def credentials() -> dict[str, str]:
        # A new token for each request: `POST auth/logout/` (fuzzed too) revokes the one it is sent with.
        return {"Authorization": f"Token {api_token_issue(user=manager, now=timezone.now())[1]}"}

    yield credentials
    REAL_PATH_VALUES.clear()


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    # The same cases on every run, so CI is repeatable: a random run once sent a float-valued path id
    # with extra query parameters and counted the unknown parameters being ignored as a failure.
    derandomize=True,
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
    response = case.call_and_validate(headers=api_data(), excluded_checks=list(EXCLUDED_CHECKS))
    if _needs_a_login(case):
        assert response.status_code != 401, "the manager's token was not sent"
    assert _safety_net(caplog) == [], "validation let a value through to the database"


@pytest.mark.django_db
def test_what_a_create_returns_leads_to_its_reads(api_data, caplog):
    """The stateful phase: sequences of calls that follow the schema's links (a created ticket, customer,
    contact, engineer, macro or integration into its reads, changes and deletes), every check on each."""
    caplog.set_level(logging.ERROR, logger="support_desk.api")
    machine = schema.as_state_machine()
    assert machine.bundles, "the schema declares no links between operations"

    answered: list[int] = []

    class AsManager(machine):
        def get_call_kwargs(self, case):
            self.headers = api_data()
            return {"headers": self.headers}

        def after_call(self, response, case):
            super().after_call(response, case)
            if _needs_a_login(case):
                answered.append(response.status_code)

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(
                response,
                headers=self.headers,
                excluded_checks=list(EXCLUDED_CHECKS),
                transport_kwargs=kwargs or None,
                recorder=self.recorder,
            )

    run_state_machine_as_test(
        AsManager,
        settings=settings(
            max_examples=STATEFUL_EXAMPLES,
            stateful_step_count=STATEFUL_STEPS,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        ),
    )
    assert 401 not in answered, "the manager's token was not sent"
    assert any(200 <= status < 300 for status in answered), "no call along the links succeeded"
    assert _safety_net(caplog) == [], "validation let a value through to the database"


def _needs_a_login(case) -> bool:
    return any(
        "tokenAuth" in requirement for requirement in case.operation.definition.raw.get("security", [])
    )


def _safety_net(caplog) -> list[str]:
    return [
        f"{record.getMessage()}: {record.exc_info[1] if record.exc_info else ''}"
        for record in caplog.records
        if record.name.startswith("support_desk.api")
    ]
