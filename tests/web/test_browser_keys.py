"""The desk's keyboard shortcuts and axe-core scans (issue 16), in real Chromium (Debian's, driven by
Playwright) against the live server, under the site's Content-Security-Policy.

An engineer moves through the queue with j and k (the selection survives the queue's refresh), opens a
ticket with o and another with Enter, jumps to the reply box with r and the note box with n, and opens
the list of keys with ? (a modal dialog: focus moves in, Escape closes it, focus comes back). Keys typed
in a field stay in the field; with Ctrl held they do nothing. Each page visited, and the customer's and
the other desk pages, pass an axe-core scan (tests/web/axe.py). Screenshots go to the screenshots folder.
"""

import re
from datetime import time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from escalation.incidents.models import Incident
from escalation.incidents.services.ingest import alerts_ingest
from escalation.models import Metric
from escalation.sla.services.clock import sla_record_breach
from support_desk.web.views import desk
from tests.escalation.incidents.helpers import alert, integration
from tests.factories import make_engineer, make_page, make_ticket
from tests.web.axe import assert_accessible, axe_findings
from tickets.models import Severity, Ticket

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # The live server's whitenoise starts before the tests point STATIC_ROOT at a folder of their own.
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

PASSWORD = "a-long-test-password-7"
EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]
SELECTED = "#queue-live tr[aria-current='true']"


@pytest.fixture(autouse=True)
def routing_requests(monkeypatch):
    """No worker runs here: requests to route a ticket are recorded, not left in the broker."""
    from escalation import enqueue

    monkeypatch.setattr(enqueue, "route_ticket", lambda ticket_id: None)


@pytest.fixture
def lena():
    """A superuser engineer on shift (every desk page is open to her), a breached ticket two days old
    for the report, and an open incident."""
    engineer = make_engineer(
        "lena",
        name="Lena Fischer",
        zone="Europe/Berlin",
        password=PASSWORD,
        shift_start=time(0),
        shift_end=time(0),
        workdays=EVERY_DAY,
    )
    engineer.user.is_superuser = True
    engineer.user.save(update_fields=["is_superuser"])
    now = timezone.now()
    filed = (now - timedelta(days=2)).replace(microsecond=0)
    late = make_ticket(severity=Severity.MAJOR, now=filed, subject="Black screen on channel 4")
    sla_record_breach(ticket_id=late.pk, metric=Metric.FIRST_RESPONSE, now=filed + timedelta(minutes=15))
    alerts_ingest(integration=integration(), alerts=[alert(key="edge-down", occurred_at=now)], now=now)
    return engineer


def log_in(page, url):
    page.goto(f"{url}/queue/")
    page.get_by_label("Username").fill("lena")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{url}/queue/")


def test_an_engineer_works_the_desk_from_the_keyboard(
    live_server, browser, lena, screenshot_dir, monkeypatch
):
    monkeypatch.setattr(desk, "QUEUE_REFRESH_SECONDS", 1)
    now = timezone.now()
    for minutes, subject in [
        (30, "Player stalls in Lisbon"),
        (20, "Captions out of sync"),
        (10, "Login loops"),
    ]:
        make_ticket(now=now - timedelta(minutes=minutes), subject=subject)
    context = browser.new_context(
        timezone_id="Europe/Berlin", locale="en-GB", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    log_in(page, live_server.url)
    team = page.get_by_test_id("team-queue").locator("tbody tr")
    expect(team).to_have_count(4)
    references = [team.nth(i).get_attribute("data-reference") for i in range(4)]
    assert_accessible(page)

    # Nothing fires while a field has focus, nor with a modifier held.
    page.get_by_label("Severity").focus()
    page.keyboard.press("j")
    page.locator("main").focus()
    page.keyboard.press("Control+j")
    page.keyboard.press("Alt+j")
    expect(page.locator(SELECTED)).to_have_count(0)

    # j and k move the selection through the team queue's rows, one at a time, not past either end; a
    # checkbox in a row (as a bulk-selection column adds) is not a field being typed in.
    page.evaluate(
        """() => { const box = document.createElement('input'); box.type = 'checkbox';
                   box.setAttribute('aria-label', 'Select'); box.id = 'row-box';
                   document.querySelector('#queue-live tr[data-reference] td').prepend(box); }"""
    )
    page.locator("#row-box").focus()
    page.keyboard.press("j")
    expect(page.locator(SELECTED)).to_have_attribute("data-reference", references[0])
    page.locator("main").focus()  # (the queue does not refresh while focus is inside it)
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(page.locator(SELECTED)).to_have_attribute("data-reference", references[2])
    page.keyboard.press("k")
    expect(page.locator(SELECTED)).to_have_count(1)
    expect(page.locator(SELECTED)).to_have_attribute("data-reference", references[1])
    expect(page.locator("#shortcuts-status")).to_contain_text(f"{references[1]}")
    expect(page.locator(SELECTED)).to_have_class(re.compile(r"\bis-selected\b"))

    # The live part is swapped in by the refresh; the same ticket stays selected.
    with page.expect_response(re.compile(r"/queue/live/"), timeout=10_000):
        pass
    page.wait_for_timeout(100)  # the swap and the MutationObserver run after the response arrives
    expect(page.locator(SELECTED)).to_have_count(1)
    expect(page.locator(SELECTED)).to_have_attribute("data-reference", references[1])
    assert_accessible(page)
    page.screenshot(path=str(screenshot_dir / "50-keys-queue-selected.png"), full_page=True)

    # o opens the selected ticket.
    page.keyboard.press("o")
    expect(page).to_have_url(f"{live_server.url}/tickets/{references[1]}/")
    assert_accessible(page)

    # r: the reply box, with nothing typed into it; what is typed there stays there.
    page.keyboard.press("r")
    reply = page.locator("#reply textarea")
    expect(reply).to_be_focused()
    expect(reply).to_have_value("")
    page.keyboard.type("jk?ron")
    expect(reply).to_have_value("jk?ron")
    expect(page.locator("#shortcuts-dialog")).not_to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/tickets/{references[1]}/")

    # n: the internal note box.
    page.locator("main").focus()
    page.keyboard.press("n")
    note = page.locator("#note textarea")
    expect(note).to_be_focused()
    expect(note).to_have_value("")

    # ?: the list of keys, a modal dialog that takes focus, keeps it, closes on Escape and gives it back.
    page.locator("main").focus()
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Close")).to_be_focused()
    expect(dialog.get_by_test_id("shortcut-list")).to_contain_text("Queue: open the selected ticket")
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Close")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(dialog.get_by_role("button", name="Close")).to_be_focused()
    page.keyboard.press("r")  # the page's keys are off while the dialog is open
    expect(reply).not_to_be_focused()
    assert_accessible(page)
    page.screenshot(path=str(screenshot_dir / "51-keys-dialog.png"))
    page.keyboard.press("Escape")
    expect(dialog).not_to_be_visible()
    expect(page.locator("main")).to_be_focused()
    # The footer's button opens it too, and closing gives focus back to the button.
    opener = page.get_by_role("button", name=re.compile("Keyboard shortcuts"))
    opener.click()
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).not_to_be_visible()
    expect(opener).to_be_focused()

    # Back on the queue, Enter opens the selection (Enter on a link still follows that link).
    page.goto(f"{live_server.url}/queue/")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/tickets/{references[0]}/")
    context.close()


def test_the_customer_and_desk_pages_pass_an_axe_scan(live_server, browser, lena):
    # The scan could fail: an image without a text alternative is a critical violation.
    context = browser.new_context(timezone_id="Europe/Lisbon", locale="en-GB")
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    page.evaluate(
        "() => document.querySelector('main').appendChild(document.createElement('img')).src = '/x.png'"
    )
    assert "image-alt" in [v["id"] for v in axe_findings(page)]

    # The customer's pages: the form (and the form with its errors), received, the private ticket page.
    page.goto(f"{live_server.url}/")
    assert_accessible(page)
    page.get_by_role("button", name="Send ticket").click()
    expect(page.locator("[data-error-summary]")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Major: the service is down").check()
    page.get_by_label("Subject").fill("Live stream is black for every viewer")
    page.get_by_label("What happened?").fill("Since 10:55 every viewer sees a black screen.")
    page.get_by_label("Your email").fill("ops@viewer.example")
    page.get_by_label("Your name").fill("Ana Costa")
    page.get_by_role("button", name="Send ticket").click()
    expect(page).to_have_url(re.compile(r"/t/[\w-]+/received/$"))
    assert_accessible(page)
    page.get_by_role("link", name="Open the ticket").click()
    expect(page.get_by_test_id("status")).to_have_text("New")
    assert_accessible(page)
    ticket = Ticket.objects.get(subject="Live stream is black for every viewer")

    # The desk: the login form, a ticket with a public reply, a page, the incident, the SLA report,
    # coverage, and the page for an address that is not there.
    desk_page = context.new_page()
    desk_page.goto(f"{live_server.url}/accounts/login/")
    assert_accessible(desk_page)
    log_in(desk_page, live_server.url)
    desk_page.goto(f"{live_server.url}/tickets/{ticket.reference}/")
    desk_page.get_by_label("Reply to the customer", exact=True).fill("The encoder is restarted.")
    desk_page.get_by_role("button", name="Send reply to customer").click()
    expect(desk_page.get_by_role("status").first).to_contain_text("Reply sent to the customer.")
    assert_accessible(desk_page)
    desk_page.goto(f"{live_server.url}/pages/{make_page(ticket, fired_at=timezone.now()).pk}/")
    expect(desk_page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(desk_page)
    desk_page.goto(f"{live_server.url}/incidents/{Incident.objects.get().pk}/")
    expect(desk_page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(desk_page)
    desk_page.goto(f"{live_server.url}/reports/sla/")
    expect(desk_page.get_by_test_id("trend-chart")).to_be_visible()
    assert_accessible(desk_page)
    desk_page.goto(f"{live_server.url}/reports/coverage/")
    expect(desk_page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(desk_page)
    assert desk_page.goto(f"{live_server.url}/tickets/SD-999999/").status == 404
    assert_accessible(desk_page)
    context.close()
