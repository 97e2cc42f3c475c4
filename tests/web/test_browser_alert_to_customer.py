"""An alert followed end to end, in real Chromium against the live server and a real worker: the
`pdpyras` Events API v2 client triggers an alert; the worker opens the customer's ticket, pages the
commander (the loopback Twilio) and records the contact's notice; the contact opens the private link
from that notice and sees the incident; the commander finds it at the top of the queue, acknowledges
it and posts a public update from its page; the customer's page then shows the update."""

import re

import pytest
from playwright.sync_api import expect

from escalation.incidents.models import Incident, IncidentStatus, IncidentTicket
from escalation.incidents.services.integrations import integration_create
from escalation.models import Notification
from tests.escalation.test_worker_integration import team, worker  # noqa: F401 - fixtures
from tests.factories import CustomerFactory
from tests.faults.harness import wait_until
from tickets.models import CustomerContact, Plan, RequesterNotification
from tickets.notifications import requester_mail

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

PASSWORD = "a-long-test-password-7"


@pytest.mark.usefixtures("worker", "team")
def test_an_alert_reaches_the_customers_page_and_the_engineers_incident_page(
    live_server, browser, screenshot_dir, twilio, settings
):
    from pdpyras import EventsAPISession

    settings.PUBLIC_BASE_URL = live_server.url  # the notice's private link points at this server
    streamco = CustomerFactory(name="StreamCo", plan=Plan.PREMIUM)
    CustomerContact.objects.create(
        customer=streamco, email="noc@streamco.example", name="Beatriz", timezone="America/Sao_Paulo"
    )
    _, key = integration_create(name="Grafana", kind="events_v2")
    session = EventsAPISession(key)
    session.url = f"{live_server.url}/api/v1/alerts/events"
    session.trigger(
        "Edge down in Lisbon", "edge-lis-1", severity="critical", custom_details={"customer": "StreamCo"}
    )

    # The worker responds: the customer's ticket, the commander paged once, the contact's notice.
    wait_until(lambda: IncidentTicket.objects.filter(opened_for_incident=True).first(), timeout=15)
    incident = Incident.objects.get()
    wait_until(lambda: Notification.objects.filter(incident=incident, status="sent").count() == 2 or None, 15)
    incident.refresh_from_db()
    commander = incident.commander
    assert commander is not None and {r.form["To"] for r in twilio.sms()} == {str(commander.engineer.phone)}
    commander.set_password(PASSWORD)
    commander.save(update_fields=["password"])

    notice = RequesterNotification.objects.get(kind="incident_notice", recipient="noc@streamco.example")
    subject, body = requester_mail().render(notification=notice, now=incident.started_at)
    assert "Edge down in Lisbon" in subject
    link = re.search(rf"{re.escape(live_server.url)}/t/\S+/", body).group(0)

    customer = browser.new_context(timezone_id="America/Sao_Paulo", locale="pt-BR")
    their_page = customer.new_page()
    their_page.goto(link)
    banner = their_page.get_by_test_id("incident")
    expect(banner).to_contain_text("Known incident: Edge down in Lisbon")
    expect(banner).to_contain_text("We are investigating.")
    their_page.screenshot(path=str(screenshot_dir / "45-customer-incident-ticket.png"), full_page=True)

    desk = browser.new_context(
        timezone_id="Europe/Berlin", locale="en-GB", viewport={"width": 1280, "height": 900}
    )
    page = desk.new_page()
    page.goto(f"{live_server.url}/queue/")
    page.get_by_label("Username").fill(commander.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    incidents = page.get_by_test_id("open-incidents")
    expect(incidents.locator("tbody tr").first).to_contain_text("Edge down in Lisbon")
    incidents.get_by_role("link", name=re.compile("Edge down in Lisbon")).click()
    expect(page).to_have_url(re.compile(rf"/incidents/{incident.pk}/$"))
    expect(page.get_by_test_id("customers")).to_have_text("StreamCo")
    expect(page.get_by_test_id("linked-tickets")).to_contain_text("opened for the incident")

    page.get_by_role("button", name="Acknowledge incident").click()
    expect(page.get_by_test_id("status")).to_have_text("Acknowledged")
    page.get_by_label("Public update").fill("Traffic is rerouted through Madrid; viewers should recover.")
    page.get_by_role("button", name="Post update").click()
    expect(page.get_by_test_id("timeline")).to_contain_text("Traffic is rerouted through Madrid")
    page.screenshot(path=str(screenshot_dir / "46-incident-after-update.png"), full_page=True)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.ACKNOWLEDGED

    their_page.reload()
    expect(their_page.get_by_test_id("incident")).to_contain_text("Our engineers are working on it.")
    expect(their_page.locator(".thread")).to_contain_text("Traffic is rerouted through Madrid")
    their_page.screenshot(path=str(screenshot_dir / "47-customer-sees-the-update.png"), full_page=True)
    customer.close()
    desk.close()
