"""The whole flow in real Chromium (Debian's, driven by Playwright) against the live server.

A customer files a ticket through the form and follows the private link; an engineer logs in,
finds the ticket at the top of the queue, takes it, replies and resolves; the customer sees the
reply and the resolved status. A screenshot of each page goes to the screenshots folder.
"""

import re
from datetime import time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from support_desk.web.views import desk
from tests.factories import make_engineer, make_ticket
from tickets.models import Severity, Ticket

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # The live server's whitenoise starts before the tests point STATIC_ROOT at a folder of their own.
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

PASSWORD = "a-long-test-password-7"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]


@pytest.fixture(autouse=True)
def routing_requests(monkeypatch):
    """No worker runs here: requests to route a ticket are recorded, not left to pile up in the broker
    (where a later test's real worker would have to chew through them)."""
    from escalation import enqueue

    requested: list[int] = []
    monkeypatch.setattr(enqueue, "route_ticket", requested.append)
    return requested


@pytest.fixture
def team():
    """Engineers in three zones (one on a round-the-clock shift, so someone is always on) and older work."""
    lena = make_engineer(
        "lena",
        name="Lena Fischer",
        zone="Europe/Berlin",
        password=PASSWORD,
        shift_start=time(0),
        shift_end=time(0),
        workdays=EVERY_DAY,
        lead=True,
        on_call=True,
    )
    make_engineer("aiko", name="Aiko Tanaka", zone="Asia/Tokyo")
    make_engineer(
        "maya", name="Maya Johnson", zone="America/New_York", shift_start=time(9), shift_end=time(18)
    )
    now = timezone.now()
    # Work already waiting, all due later than a major outage filed now (15 minutes, around the clock).
    make_ticket(
        now=now - timedelta(minutes=5), severity=Severity.GENERAL, subject="How do I rotate my API key?"
    )
    make_ticket(now=now, severity=Severity.URGENT, subject="Token auth failing for one region")
    return lena


@pytest.fixture
def shots(screenshot_dir):
    def shot(page, name: str) -> None:
        page.screenshot(path=str(screenshot_dir / f"{name}.png"), full_page=True)

    return shot


def test_a_customer_files_a_ticket_an_engineer_resolves_it_and_the_customer_sees_the_reply(
    live_server, browser, team, shots, tmp_path, monkeypatch, routing_requests
):
    monkeypatch.setattr(desk, "QUEUE_REFRESH_SECONDS", 1)
    customer = browser.new_context(
        timezone_id="Europe/Lisbon", locale="en-GB", viewport={"width": 1280, "height": 900}
    )
    page = customer.new_page()

    # The form; sent empty first, the errors come back next to their fields.
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="File a support ticket")).to_be_visible()
    shots(page, "01-ticket-form")
    page.get_by_label("Subject").fill("Live stream is black for every viewer")
    page.get_by_role("button", name="Send ticket").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose how serious the problem is.")
    expect(page.get_by_label("Subject")).to_have_value("Live stream is black for every viewer")
    shots(page, "02-ticket-form-errors")

    page.get_by_label("Major: the service is down").check()
    page.get_by_label("What happened?").fill("Since 10:55 every viewer sees a black screen on channel 4.")
    page.get_by_label("Your email").fill("ops@viewer.example")
    page.get_by_label("Your name").fill("Ana Costa")
    shot = tmp_path / "black-screen.png"
    shot.write_bytes(PNG)
    page.get_by_label("Attachment (optional)").set_input_files(str(shot))
    page.get_by_role("button", name="Send ticket").click()

    # The confirmation: reference, promise in the browser's zone, private link.
    expect(page).to_have_url(re.compile(r"/t/[\w-]+/received/$"))
    ticket = Ticket.objects.get(subject="Live stream is black for every viewer")
    assert ticket.pk in routing_requests  # handed to follow-the-sun routing once committed
    expect(page.locator(".reference")).to_have_text(ticket.reference)
    expect(page.get_by_test_id("promise")).to_contain_text("(Europe/Lisbon)")
    expect(page.get_by_label("Private link to the ticket")).to_have_value(
        f"{live_server.url}/t/{ticket.access_token}/"
    )
    shots(page, "03-confirmation")

    page.get_by_role("link", name="Open the ticket").click()
    expect(page).to_have_url(f"{live_server.url}/t/{ticket.access_token}/")
    expect(page.get_by_test_id("status")).to_have_text("New")
    expect(page.get_by_role("link", name="black-screen.png")).to_be_visible()
    shots(page, "04-customer-page")

    # The engineer logs in and finds it at the top of the queue.
    engineer = browser.new_context(
        timezone_id="Europe/Berlin", locale="en-GB", viewport={"width": 1366, "height": 900}
    )
    desk_page = engineer.new_page()
    desk_page.goto(f"{live_server.url}/queue/")
    expect(desk_page).to_have_url(re.compile(r"/accounts/login/\?next=/queue/$"))
    shots(desk_page, "05-login")
    desk_page.get_by_label("Username").fill("lena")
    desk_page.get_by_label("Password").fill(PASSWORD)
    desk_page.get_by_role("button", name="Log in").click()
    expect(desk_page).to_have_url(f"{live_server.url}/queue/")
    first_row = desk_page.get_by_test_id("team-queue").locator("tbody tr").first
    expect(first_row).to_have_attribute("data-reference", ticket.reference)
    expect(desk_page.get_by_test_id("on-shift")).to_contain_text("Lena Fischer")
    # The countdown is live.
    countdown = first_row.locator(".countdown")
    before = countdown.inner_text()
    expect(countdown).not_to_have_text(before, timeout=3000)
    shots(desk_page, "06-queue")

    # Rows refresh without a reload: new tickets appear, amber after the warning point, red when due.
    desk_page.evaluate("window.__stillThisPage = true")
    now = timezone.now()
    warned = make_ticket(
        now=now - timedelta(minutes=13), severity=Severity.MAJOR, subject="Audio drifts on channel 2"
    )
    late = make_ticket(
        now=now - timedelta(minutes=20), severity=Severity.MAJOR, subject="Origin 502 on manifests"
    )
    queue = desk_page.get_by_test_id("team-queue")
    expect(queue.locator(f"tr[data-reference='{late.reference}']")).to_have_attribute(
        "data-state", "breached"
    )
    expect(queue.locator(f"tr[data-reference='{warned.reference}']")).to_have_attribute(
        "data-state", "warning"
    )
    expect(queue.locator(f"tr[data-reference='{ticket.reference}']")).to_have_attribute("data-state", "ok")
    assert desk_page.evaluate("window.__stillThisPage") is True
    shots(desk_page, "07-queue-live")

    # Open it, take it, note, reply, resolve.
    queue.get_by_role("link", name=re.compile(ticket.reference)).click()
    expect(desk_page).to_have_url(f"{live_server.url}/tickets/{ticket.reference}/")
    desk_page.get_by_role("button", name="Take it").click()
    expect(desk_page.get_by_test_id("assignee")).to_have_text("Lena Fischer")
    expect(desk_page.get_by_test_id("sla-panel")).to_contain_text(
        "Around-the-clock calendar: due 15m after the start."
    )
    shots(desk_page, "08-ticket-page")
    desk_page.get_by_label("Internal note", exact=True).fill("Encoder on channel 4 restarted at 11:02 CEST.")
    desk_page.get_by_role("button", name="Add internal note").click()
    expect(desk_page.get_by_role("status")).to_contain_text("Internal note added.")
    desk_page.get_by_label("Reply to the customer", exact=True).fill(
        "We restarted the encoder; the stream is back. Sorry!"
    )
    desk_page.get_by_role("button", name="Send reply to customer").click()
    expect(desk_page.get_by_role("status")).to_contain_text("Reply sent to the customer.")
    desk_page.get_by_label("Change status to").select_option(label="Resolved")
    desk_page.get_by_role("button", name="Change status").click()
    expect(desk_page.get_by_test_id("status")).to_have_text("Resolved")
    expect(desk_page.get_by_test_id("timeline")).to_contain_text("Status open → resolved by Lena Fischer")
    shots(desk_page, "09-ticket-page-resolved")

    # The customer sees the reply and the resolved status, not the note.
    page.reload()
    expect(page.get_by_test_id("status")).to_have_text("Resolved")
    expect(page.get_by_text("We restarted the encoder; the stream is back. Sorry!")).to_be_visible()
    expect(page.get_by_test_id("promise")).to_contain_text("We resolved this ticket on")
    expect(page.get_by_text("Encoder on channel 4 restarted")).to_have_count(0)
    shots(page, "10-customer-page-resolved")

    # The same pages on a phone.
    phone = browser.new_context(
        timezone_id="America/Sao_Paulo",
        viewport={"width": 390, "height": 844},
        storage_state=engineer.storage_state(),
    )
    phone_page = phone.new_page()
    phone_page.goto(f"{live_server.url}/queue/")
    expect(phone_page.get_by_test_id("team-queue")).to_be_visible()
    shots(phone_page, "11-queue-phone")
    # A business-hours clock explains weekends and closed hours.
    business_hours = Ticket.objects.get(subject="Token auth failing for one region")
    phone_page.goto(f"{live_server.url}/tickets/{business_hours.reference}/")
    expect(phone_page.get_by_test_id("sla-panel")).to_contain_text("business hours")
    shots(phone_page, "12-ticket-page-phone")
    for context in (customer, engineer, phone):
        context.close()


def test_keyboard_alone_files_a_ticket(live_server, browser, team):
    """Tab order reaches every field and the button; the honeypot is never focused."""
    context = browser.new_context(timezone_id="Asia/Tokyo")
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    focused = []
    for _ in range(20):
        page.keyboard.press("Tab")
        focused.append(
            page.evaluate("document.activeElement.name || document.activeElement.textContent.trim()")
        )
    assert "website" not in focused
    for name in ("severity", "subject", "description", "email", "name", "attachment", "Send ticket"):
        assert name in focused
    page.get_by_label("General: a question or a minor issue").focus()
    page.keyboard.press("Space")
    page.get_by_label("Subject").fill("Question about invoices")
    page.get_by_label("What happened?").fill("Which bandwidth tier are we on?")
    page.get_by_label("Your email").fill("billing@viewer.example")
    page.get_by_label("Your name").fill("Kenji")
    page.get_by_label("Your name").press("Enter")
    expect(page).to_have_url(re.compile(r"/received/$"))
    expect(page.get_by_test_id("promise")).to_contain_text("(Asia/Tokyo)")
    context.close()
