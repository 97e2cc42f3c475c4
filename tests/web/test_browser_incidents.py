"""An engineer finds an open incident at the top of the queue in real Chromium (Debian's, driven by
Playwright) against the live server, opens it, reads its facts and timeline and follows a linked
ticket. A screenshot of each page goes to the screenshots folder (tests/web/conftest.py)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from escalation.incidents.models import (
    Incident,
    IncidentEvent,
    IncidentEventType,
    IncidentTicket,
    IncidentUpdate,
)
from escalation.incidents.services.ingest import alerts_ingest
from escalation.models import Notification
from tests.escalation.incidents.helpers import alert, integration
from tests.factories import CustomerFactory, make_engineer, make_ticket

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # The live server's whitenoise starts before the tests point STATIC_ROOT at a folder of their own.
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

PASSWORD = "a-long-test-password-7"


@pytest.fixture(autouse=True)
def routing_requests(monkeypatch):
    """No worker runs here: requests to route a ticket are recorded, not left in the broker."""
    from escalation import enqueue

    monkeypatch.setattr(enqueue, "route_ticket", lambda ticket_id: None)


def test_an_engineer_opens_an_incident_from_the_queue_and_follows_its_ticket(
    live_server, browser, screenshot_dir
):
    lena = make_engineer("lena", name="Lena Fischer", zone="Europe/Berlin", password=PASSWORD)
    streamco = CustomerFactory(name="StreamCo")
    now = timezone.now()
    started = now - timedelta(minutes=20)
    source = integration()
    alerts_ingest(
        integration=source,
        alerts=[
            alert(key="edge-down", title="Edge down in Lisbon", customers=("StreamCo",), occurred_at=started)
        ],
        now=started,
    )
    alerts_ingest(integration=source, alerts=[alert(key="cpu", title="CPU high on build-3")], now=now)
    incident = Incident.objects.get(dedup_key="edge-down")
    Incident.objects.filter(pk=incident.pk).update(commander=lena.user)
    IncidentEvent.objects.create(
        incident=incident,
        type=IncidentEventType.COMMANDER_ASSIGNED,
        at=started + timedelta(seconds=1),
        data={"commander": "lena", "by": "follow-the-sun routing"},
    )
    Notification.objects.create(
        incident=incident,
        purpose=Notification.Purpose.INCIDENT_PAGE,
        channel="sms",
        recipient="+4930123456",
        recipient_user=lena.user,
        body="SD incident",
        status=Notification.Status.SENT,
        created_at=started + timedelta(seconds=2),
        updated_at=started + timedelta(seconds=2),
    )
    IncidentUpdate.objects.create(
        incident=incident, body="Traffic is rerouted to Madrid.", author=lena.user, created_at=now
    )
    ticket = make_ticket(now=started, subject="StreamCo: edge down in Lisbon", email="ops@s.example")
    IncidentTicket.objects.create(
        incident=incident, ticket=ticket, customer=streamco, opened_for_incident=True, linked_at=started
    )

    context = browser.new_context(
        timezone_id="Europe/Berlin", locale="en-GB", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/queue/")
    page.get_by_label("Username").fill("lena")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/queue/$"))

    incidents = page.get_by_test_id("open-incidents")
    expect(incidents.locator("tbody tr")).to_have_count(2)
    expect(incidents.locator("tbody tr").first).to_contain_text("CPU high on build-3")
    expect(incidents.locator("tbody tr").first).to_contain_text("internal")
    expect(incidents.locator("tbody tr").nth(1)).to_contain_text("StreamCo")
    page.screenshot(path=str(screenshot_dir / "40-queue-with-incidents.png"), full_page=True)

    incidents.get_by_role("link", name=re.compile("Edge down in Lisbon")).click()
    expect(page).to_have_url(re.compile(rf"/incidents/{incident.pk}/$"))
    expect(page.get_by_role("heading", name="Edge down in Lisbon")).to_be_visible()
    expect(page.get_by_test_id("commander")).to_have_text("Lena Fischer")
    expect(page.get_by_test_id("customers")).to_have_text("StreamCo")
    timeline = page.get_by_test_id("timeline")
    expect(timeline.locator("li")).to_have_count(4)
    expect(timeline).to_contain_text("SMS page to Lena Fischer: sent")
    expect(timeline).to_contain_text("Traffic is rerouted to Madrid.")
    page.screenshot(path=str(screenshot_dir / "41-incident.png"), full_page=True)

    page.get_by_test_id("linked-tickets").get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/tickets/{ticket.reference}/$"))
    expect(page.get_by_role("heading", name="StreamCo: edge down in Lisbon")).to_be_visible()
    context.close()
