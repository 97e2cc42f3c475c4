"""Who may call what: every endpoint against every kind of caller.

Callers: anonymous; a requester sending their ticket's access token as if it were an API token;
a login that is not staff; an engineer; a manager. A requester's token opens only the public
endpoints of its own ticket (those are called with it in the path).
"""

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model

from escalation.models import SlaTarget
from escalation.statements.services import statements_make_for_month
from tests.api.conftest import client_for
from tests.factories import CustomerFactory, make_page, make_ticket
from tickets.models import CustomerContact, Severity

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "requester", "non_staff", "engineer", "manager")
INTAKE = {"subject": "Down", "description": "All of it", "requester": {"email": "a@b.example"}}

# (method, path, body, expected status for each of ROLES)
ENDPOINTS = {
    "file a ticket": ("post", "/api/v1/tickets/", INTAKE, (201, 401, 201, 201, 201)),
    "the queue": ("get", "/api/v1/tickets/", None, (401, 401, 403, 200, 200)),
    "one ticket": ("get", "/api/v1/tickets/{ticket}/", None, (401, 401, 403, 200, 200)),
    "change a ticket": (
        "patch",
        "/api/v1/tickets/{ticket}/",
        {"severity": "major"},
        (401, 401, 403, 200, 200),
    ),
    "reply": ("post", "/api/v1/tickets/{ticket}/messages/", {"body": "On it"}, (401, 401, 403, 201, 201)),
    "acknowledge": ("post", "/api/v1/tickets/{ticket}/acknowledge/", None, (401, 401, 403, 200, 200)),
    # Any login revokes its own tokens; a requester's access token is no API token.
    "log out": ("post", "/api/v1/auth/logout/", None, (401, 401, 200, 200, 200)),
    "log out everywhere": ("post", "/api/v1/auth/logout-all/", None, (401, 401, 200, 200, 200)),
    "public ticket": ("get", "/api/v1/public/tickets/{token}/", None, (200, 200, 200, 200, 200)),
    "public reply": ("post", "/api/v1/public/tickets/{token}/messages/", {"body": "Thanks"}, (201,) * 5),
    "customers": ("get", "/api/v1/customers/", None, (401, 401, 403, 403, 200)),
    "add a customer": ("post", "/api/v1/customers/", {"name": "New Co"}, (401, 401, 403, 403, 201)),
    "one customer": ("get", "/api/v1/customers/{customer}/", None, (401, 401, 403, 403, 200)),
    "change a customer": (
        "patch",
        "/api/v1/customers/{customer}/",
        {"plan": "premium"},
        (401, 401, 403, 403, 200),
    ),
    "contacts": ("get", "/api/v1/customers/{customer}/contacts/", None, (401, 401, 403, 403, 200)),
    "add a contact": (
        "post",
        "/api/v1/customers/{customer}/contacts/",
        {"email": "noc@streamco.example"},
        (401, 401, 403, 403, 201),
    ),
    "one contact": (
        "get",
        "/api/v1/customers/{customer}/contacts/{contact}/",
        None,
        (401, 401, 403, 403, 200),
    ),
    "change a contact": (
        "patch",
        "/api/v1/customers/{customer}/contacts/{contact}/",
        {"notify_incidents": False},
        (401, 401, 403, 403, 200),
    ),
    "remove a contact": (
        "delete",
        "/api/v1/customers/{customer}/contacts/{contact}/",
        None,
        (401, 401, 403, 403, 204),
    ),
    # Statements: the customer reads them behind the link; managers (not engineers) hold and rotate it.
    "rotate a statement link": (
        "post",
        "/api/v1/customers/{customer}/statement-link/",
        None,
        (401, 401, 403, 403, 200),
    ),
    "statements": ("get", "/api/v1/customers/{customer}/statements/", None, (401, 401, 403, 403, 200)),
    "a statement": (
        "get",
        "/api/v1/customers/{customer}/statements/2025-05/",
        None,
        (401, 401, 403, 403, 200),
    ),
    "engineers": ("get", "/api/v1/engineers/", None, (401, 401, 403, 200, 200)),
    "add an engineer": (
        "post",
        "/api/v1/engineers/",
        {"username": "newbie", "region": "emea"},
        (401, 401, 403, 403, 201),
    ),
    "one engineer": ("get", "/api/v1/engineers/lena/", None, (401, 401, 403, 200, 200)),
    "change an engineer": ("patch", "/api/v1/engineers/lena/", {"lead": True}, (401, 401, 403, 403, 200)),
    "on shift": ("get", "/api/v1/engineers/on-shift/", None, (401, 401, 403, 200, 200)),
    "sla targets": ("get", "/api/v1/sla-targets/", None, (401, 401, 403, 403, 200)),
    "one sla target": ("get", "/api/v1/sla-targets/{target}/", None, (401, 401, 403, 403, 200)),
    "change an sla target": (
        "patch",
        "/api/v1/sla-targets/{target}/",
        {"first_response": "00:10:00"},
        (401, 401, 403, 403, 200),
    ),
    "deadline": (
        "get",
        "/api/v1/sla/deadline/?plan=standard&severity=general&start=2025-06-13T15:00:00Z&timezone=UTC",
        None,
        (401, 401, 403, 200, 200),
    ),
    "ledger": ("get", "/api/v1/sla-ledger/", None, (401, 401, 403, 403, 200)),
    "report": ("get", "/api/v1/reports/sla/", None, (401, 401, 403, 403, 200)),
    "availability": ("get", "/api/v1/reports/availability/?month=2025-06", None, (401, 401, 403, 403, 200)),
}


@pytest.fixture
def world(engineer, manager):
    ticket = make_ticket(severity=Severity.MAJOR)
    make_page(ticket)
    non_staff = get_user_model().objects.create_user("viewer", password="not-staff-2026")
    customer = CustomerFactory(name="StreamCo")
    statements_make_for_month(month=date(2025, 5, 1), now=datetime(2025, 6, 1, 1, 0, tzinfo=UTC))
    return SimpleNamespace(
        ticket=ticket,
        customer=customer,
        contact=CustomerContact.objects.create(customer=customer, email="ops@streamco.example"),
        target=SlaTarget.objects.get(plan="standard", severity="general"),
        clients={
            "anonymous": client_for(),
            "requester": client_for(token=ticket.access_token),
            "non_staff": client_for(non_staff),
            "engineer": client_for(engineer.user),
            "manager": client_for(manager),
        },
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_each_endpoint_answers_each_caller_as_designed(world, endpoint, role):
    method, template, body, expected = ENDPOINTS[endpoint]
    path = template.format(
        ticket=world.ticket.reference,
        token=world.ticket.access_token,
        customer=world.customer.pk,
        contact=world.contact.pk,
        target=world.target.pk,
    )
    # Public endpoints ignore credentials: the token in their path is what opens them.
    response = getattr(world.clients[role], method)(path, body)
    assert response.status_code == expected[ROLES.index(role)], response.content
    if response.status_code != 204:  # no body, so no type
        assert response["Content-Type"] == "application/json"
    if response.status_code in (401, 403):
        assert response.json()["detail"]


def test_a_requesters_token_opens_only_its_own_ticket(world, anon):
    other = make_ticket()
    mine = anon.get(f"/api/v1/public/tickets/{world.ticket.access_token}/").json()
    theirs = anon.get(f"/api/v1/public/tickets/{other.access_token}/").json()
    assert (mine["reference"], theirs["reference"]) == (world.ticket.reference, other.reference)


def test_a_deactivated_login_loses_access_at_once(world, engineer):
    client = world.clients["engineer"]
    assert client.get("/api/v1/tickets/").status_code == 200
    engineer.user.is_active = False
    engineer.user.save()
    assert client.get("/api/v1/tickets/").status_code == 401


def test_session_authentication_works_for_the_web_ui(engineer):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(engineer.user)
    assert client.get("/api/v1/tickets/").status_code == 200
    # A session write without the CSRF token is refused.
    assert client.post("/api/v1/tickets/", INTAKE).status_code == 403
