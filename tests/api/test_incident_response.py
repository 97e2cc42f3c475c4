"""The incident's response over the API: its tickets in the answer, public updates, customers, the
commander, resolving with the tickets, the impact window (managers), and linking a ticket, per role."""

from datetime import time, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from escalation.incidents.models import Incident, IncidentEvent, IncidentEventType, IncidentTicket
from escalation.incidents.services.ingest import alerts_ingest
from escalation.incidents.services.integrations import integration_create
from escalation.incidents.services.response import incident_respond
from tests.api.conftest import client_for
from tests.escalation.incidents.helpers import alert
from tests.factories import CustomerFactory, make_engineer, make_ticket
from tickets.models import CustomerContact, RequesterNotification, Status, Ticket

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "requester", "non_staff", "engineer", "manager", "superuser")


@pytest.fixture
def world(engineer, manager):
    now = timezone.now()
    acme = CustomerFactory(name="Acme Streams", domains=["acme.example"])
    CustomerContact.objects.create(customer=acme, email="noc@acme.example", name="Ana")
    CustomerContact.objects.create(customer=acme, email="cto@acme.example", name="Ben")
    source, _ = integration_create(name="Grafana", kind="events_v2")
    alerts_ingest(
        integration=source,
        alerts=[alert(key="edge-down", occurred_at=now - timedelta(minutes=2), customers=("Acme Streams",))],
        now=now,
    )
    incident = Incident.objects.get()
    incident_respond(incident_id=incident.pk, now=now)
    own = make_ticket(email="viewer@acme.example", now=now)
    User = get_user_model()
    non_staff = User.objects.create_user("viewer", password="not-staff-2026")
    root = User.objects.create_superuser("root", "root@support.example", "root-2026")
    return {
        "incident": incident,
        "acme": acme,
        "own": own,
        "clients": {
            "anonymous": client_for(),
            "requester": client_for(token=own.access_token),
            "non_staff": client_for(non_staff),
            "engineer": client_for(engineer.user),
            "manager": client_for(manager),
            "superuser": client_for(root),
        },
    }


@pytest.mark.parametrize("role", ROLES)
def test_linking_a_ticket_answers_each_caller_as_designed(world, role):
    expected = dict(zip(ROLES, (401, 401, 403, 200, 200, 200), strict=True))[role]
    response = world["clients"][role].post(
        f"/api/v1/tickets/{world['own'].reference}/incident/",
        {"incident": world["incident"].pk},
        format="json",
    )
    assert response.status_code == expected, response.content
    assert IncidentTicket.objects.filter(ticket=world["own"]).exists() == (expected == 200)
    if expected == 200:
        assert response.json() == {"ticket": world["own"].reference, "incident": world["incident"].pk}


@pytest.mark.parametrize("role", ROLES)
def test_the_impact_window_is_for_managers(world, role):
    expected = dict(zip(ROLES, (401, 401, 403, 403, 200, 200), strict=True))[role]
    incident = world["incident"]
    start = incident.started_at - timedelta(minutes=5)
    response = world["clients"][role].patch(
        f"/api/v1/incidents/{incident.pk}/",
        {"started_at": start.isoformat(), "reason": "Logs show errors five minutes earlier"},
        format="json",
    )
    assert response.status_code == expected, response.content
    incident.refresh_from_db()
    assert (incident.started_at == start) == (expected == 200)
    edits = IncidentEvent.objects.filter(type=IncidentEventType.IMPACT_WINDOW_EDITED)
    assert edits.count() == (1 if expected == 200 else 0)


def test_the_incident_lists_its_tickets_and_takes_updates_customers_and_resolution(world):
    client = world["clients"]["engineer"]
    incident = world["incident"]
    path = f"/api/v1/incidents/{incident.pk}/"
    opened = Ticket.objects.get(incident_link__incident=incident, incident_link__opened_for_incident=True)
    assert client.get(path).json()["tickets"] == [opened.reference]
    client.post(
        f"/api/v1/tickets/{world['own'].reference}/incident/", {"incident": incident.pk}, format="json"
    )
    assert client.get(path).json()["tickets"] == [opened.reference, world["own"].reference]

    updated = client.patch(path, {"public_update": "  Rerouted through Frankfurt.  "}, format="json")
    assert updated.status_code == 200, updated.content
    for ticket in (opened, world["own"]):
        assert ticket.messages.filter(body="Rerouted through Frankfurt.", internal=False).exists()
    assert list(
        RequesterNotification.objects.filter(kind="incident_update").values_list("recipient", flat=True)
    ) == ["cto@acme.example"]  # the other contact is the ticket's requester: she has the reply itself

    other = CustomerFactory(name="Zeta TV")
    grown = client.patch(path, {"customers": [world["acme"].pk, other.pk]}, format="json").json()
    assert {c["name"] for c in grown["customers"]} == {"Acme Streams", "Zeta TV"}

    done = client.patch(
        path, {"status": "resolved", "public_update": "Fixed.", "resolve_tickets": True}, format="json"
    )
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "resolved"
    assert set(Ticket.objects.filter(incident_link__incident=incident).values_list("status", flat=True)) == {
        Status.RESOLVED
    }


def test_bad_changes_are_refused_per_field(world):
    client = world["clients"]["manager"]
    incident = world["incident"]
    path = f"/api/v1/incidents/{incident.pk}/"
    cases = [
        ({"public_update": "   "}, "public_update"),
        ({"public_update": "x" * 10_001}, "public_update"),
        ({"resolve_tickets": True}, "resolve_tickets"),
        ({"started_at": incident.started_at.isoformat()}, "reason"),
        ({"reason": "because"}, "reason"),
        ({"impact_ended_at": "2001-01-01T00:00:00Z", "reason": "typo"}, "impact_ended_at"),
        ({"started_at": "2999-01-01T00:00:00Z", "reason": "typo"}, "started_at"),
        ({"customers": [987654]}, "customers"),
        ({"customers": "Acme"}, "customers"),
    ]
    for body, field in cases:
        response = client.patch(path, body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert field in response.json(), (body, response.json())
    link = f"/api/v1/tickets/{world['own'].reference}/incident/"
    for body in ({"incident": 987654}, {"incident": "seven"}, {}, {"incident": 0}):
        response = client.post(link, body, format="json")
        assert response.status_code == 400 and "incident" in response.json(), (body, response.content)
    opened = Ticket.objects.get(incident_link__opened_for_incident=True)
    refused = client.post(f"/api/v1/tickets/{opened.reference}/incident/", {"incident": None}, format="json")
    assert refused.status_code == 400 and "stays linked" in refused.json()["incident"][0]
    assert (
        client.post("/api/v1/tickets/SD-99999999/incident/", {"incident": None}, format="json").status_code
        == 404
    )


def test_a_new_commander_is_paged_at_once(world):
    lee = make_engineer("lee", shift_start=time(0), shift_end=time(23, 59), phone="+15005550009")
    client = world["clients"]["engineer"]
    incident = world["incident"]
    response = client.patch(f"/api/v1/incidents/{incident.pk}/", {"commander": "lee"}, format="json")
    assert response.status_code == 200 and response.json()["commander"] == "lee"
    assert set(incident.pages.filter(recipient_user=lee.user).values_list("channel", flat=True)) == {
        "sms",
        "voice",
    }
    opened = Ticket.objects.get(incident_link__opened_for_incident=True)
    assert opened.assignee == lee.user  # the incident's own tickets follow their commander
