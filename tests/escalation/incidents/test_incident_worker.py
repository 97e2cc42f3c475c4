"""An alert through the API to a real worker: the incident's response (commander paged once through the
loopback Twilio, one ticket per customer, notices recorded), then its tickets breaching together and
paging once for the incident, then the commander acknowledging the incident over the API."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from escalation.incidents.models import Incident, IncidentTicket
from escalation.incidents.services.integrations import integration_create
from escalation.models import Escalation, Notification
from tests.api.conftest import client_for
from tests.escalation.test_worker_integration import short_major_target, team, worker  # noqa: F401 - fixtures
from tests.factories import CustomerFactory
from tests.faults.harness import wait_until
from tickets.models import CustomerContact, Plan, RequesterNotification, Ticket

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_an_alert_opens_tickets_pages_the_commander_once_and_each_step_once(worker, team, twilio, capsys):  # noqa: F811
    for name in ("StreamCo", "VodCo"):
        customer = CustomerFactory(name=name, plan=Plan.PREMIUM)
        CustomerContact.objects.create(customer=customer, email=f"noc@{name.lower()}.example", name="NOC")
    short_major_target(6)
    _, key = integration_create(name="Grafana", kind="events_v2")
    started = timezone.now()
    clock = time.monotonic()
    answer = APIClient().post(
        "/api/v1/alerts/events/",
        {
            "routing_key": key,
            "event_action": "trigger",
            "dedup_key": "edge-eu-down",
            "payload": {
                "summary": "Edge EU down",
                "source": "edge-eu",
                "severity": "critical",
                "timestamp": started.isoformat(),
                "custom_details": {"customer": ["StreamCo", "VodCo"]},
            },
        },
        format="json",
    )
    assert answer.status_code == 202, answer.content
    incident = Incident.objects.get()

    links = wait_until(
        lambda: IncidentTicket.objects.filter(incident=incident).count() == 2 or None, timeout=10
    )
    assert links
    opened_after = time.monotonic() - clock
    incident.refresh_from_db()
    assert incident.commander is not None and incident.commander.username in {"aiko", "lena"}
    commander_sms = wait_until(
        lambda: Notification.objects.filter(incident=incident, channel="sms", status="sent").first(),
        timeout=10,
    )
    assert commander_sms.recipient_user == incident.commander
    paged_after = time.monotonic() - clock
    with capsys.disabled():
        print(
            f"\nalert to both tickets opened: {opened_after:.2f} s; "
            f"to the commander's SMS sent: {paged_after:.2f} s"
        )
    tickets = list(Ticket.objects.filter(incident_link__incident=incident))
    assert {t.assignee for t in tickets} == {incident.commander}
    assert all(abs(t.created_at - started) < timedelta(milliseconds=1) for t in tickets)
    assert RequesterNotification.objects.filter(kind="incident_notice").count() == 2

    # Both tickets breach at the same deadline; one step-1 escalation pages for the incident.
    wait_until(lambda: Escalation.objects.filter(ticket__in=tickets, step=1).count() == 2 or None, timeout=60)
    time.sleep(1.5)  # anything that would page twice has had time to
    steps = Escalation.objects.filter(ticket__in=tickets, step=1)
    assert steps.filter(paged_for_incident=incident).count() == 1
    paged = steps.get(paged_for_incident=incident)
    assert Notification.objects.filter(escalation__in=steps).exclude(escalation=paged).count() == 0
    assert Notification.objects.filter(escalation=paged).exists()

    acknowledged = client_for(incident.commander).patch(
        f"/api/v1/incidents/{incident.pk}/", {"status": "acknowledged"}, format="json"
    )
    assert acknowledged.status_code == 200, acknowledged.content
    assert not Escalation.objects.filter(ticket__in=tickets, acknowledged_at__isnull=True).exists()
    # The commander was paged once for the incident: one SMS and one call, whatever the worker redid.
    assert Notification.objects.filter(incident=incident).count() == 2
