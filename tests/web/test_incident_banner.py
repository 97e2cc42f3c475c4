"""The customer's page of a ticket that is part of an incident says so: what, since when in the
requester's time, and what the desk is doing, in the customer's words."""

from datetime import timedelta

import pytest

from escalation.incidents.models import Incident
from escalation.incidents.services.incidents import incident_update
from escalation.incidents.services.ingest import alerts_ingest
from escalation.incidents.services.response import incident_respond
from tests.escalation.incidents.helpers import alert, integration
from tests.factories import NOW, CustomerFactory, make_engineer, make_ticket
from tickets.models import CustomerContact, Ticket

pytestmark = pytest.mark.django_db


def test_the_incidents_ticket_page_names_the_incident_in_the_requesters_time(client):
    acme = CustomerFactory(name="Acme Streams")
    CustomerContact.objects.create(customer=acme, email="noc@acme.example", timezone="Asia/Tokyo")
    kim = make_engineer("kim")
    alerts_ingest(
        integration=integration(),
        alerts=[alert(key="edge-down", occurred_at=NOW - timedelta(minutes=4), customers=("Acme Streams",))],
        now=NOW,
    )
    incident_respond(incident_id=alert_incident_id(), now=NOW)
    ticket = Ticket.objects.get(incident_link__isnull=False)
    page = client.get(f"/t/{ticket.access_token}/").content.decode()
    assert "Known incident:" in page and "edge-down on edge-1" in page
    assert "18:56 JST" in page  # 09:56 UTC in the requester's (the contact's) zone
    assert "We are investigating." in page

    incident_update(incident_id=alert_incident_id(), status="acknowledged", actor=kim.user, now=NOW)
    assert "Our engineers are working on it." in client.get(f"/t/{ticket.access_token}/").content.decode()

    plain = make_ticket(email="viewer@nowhere.example")
    assert "Known incident" not in client.get(f"/t/{plain.access_token}/").content.decode()


def alert_incident_id() -> int:
    return Incident.objects.get().pk
