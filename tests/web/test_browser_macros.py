"""The canned-reply picker in real Chromium, under the site's Content-Security-Policy, by keyboard alone:
the macro lands at the cursor in the reply box (what was typed stays), its status is chosen, and one
press sends the reply and resolves the ticket."""

from datetime import time
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import make_engineer, make_ticket
from tickets.models import Macro, Status, Ticket
from tickets.services import ticket_assign

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

PASSWORD = "a-long-test-password-7"
VIOLATION = "CSP violation:"
REPORT_VIOLATIONS = f"""
document.addEventListener("securitypolicyviolation", function (e) {{
  console.error("{VIOLATION} " + e.violatedDirective + " blocked " + (e.blockedURI || "inline"));
}});
"""


@pytest.fixture(autouse=True)
def routing_requests(monkeypatch):
    """No worker runs here: requests to route a ticket are recorded, not left in the broker."""
    from escalation import enqueue

    monkeypatch.setattr(enqueue, "route_ticket", lambda ticket_id: None)


@pytest.fixture(autouse=True)
def _cookies_without_expiry_dates(settings):
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    settings.CSRF_COOKIE_AGE = None


def test_the_picker_inserts_a_macro_by_keyboard_and_the_reply_resolves(live_server, browser):
    lena = make_engineer(
        "lena",
        name="Lena Fischer",
        zone="Europe/Berlin",
        password=PASSWORD,
        shift_start=time(0),
        shift_end=time(0),
        workdays=[0, 1, 2, 3, 4, 5, 6],
    )
    now = timezone.now()
    ticket = make_ticket(now=now, name="Ana Lima", requester_timezone=ZoneInfo("America/Sao_Paulo"))
    ticket_assign(ticket=ticket, assignee=lena.user, actor=None, now=now)
    Macro.objects.create(name="Ask for a HAR", body="Could you send a HAR?", created_at=now, updated_at=now)
    Macro.objects.create(
        name="Fixed",
        body="Hello {{requester_name}}, {{reference}} is fixed. {{engineer_name}}",
        status="resolved",
        created_at=now,
        updated_at=now,
    )

    context = browser.new_context(timezone_id="Europe/Berlin", locale="en-GB")
    context.add_init_script(REPORT_VIOLATIONS)
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console", lambda m: problems.append(m.text) if VIOLATION in m.text or "Refused" in m.text else None
    )
    page.on("pageerror", lambda error: problems.append(f"script error {error}"))
    try:
        page.goto(f"{live_server.url}/accounts/login/?next=/tickets/{ticket.reference}/")
        page.get_by_label("Username").fill("lena")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_label("Password").press("Enter")
        expect(page.get_by_role("heading", name=ticket.subject)).to_be_visible()

        box = page.locator("#id_reply-body")
        box.fill("Thanks for waiting. ")
        picker = page.get_by_label("Canned reply")
        picker.focus()
        picker.select_option(label="Fixed (shared)")  # what arrow keys do on a focused <select>
        page.keyboard.press("Tab")  # to "Insert"
        expect(page.get_by_role("button", name="Insert")).to_be_focused()
        page.keyboard.press("Enter")

        expected = f"Thanks for waiting. Hello Ana Lima, {ticket.reference} is fixed. Lena Fischer"
        expect(box).to_have_value(expected)
        expect(box).to_be_focused()
        expect(page.locator("#id_reply-status")).to_have_value("resolved")
        assert page.url.endswith(f"/tickets/{ticket.reference}/")  # inserted in place: no reload

        page.get_by_role("button", name="Send reply to customer").click()
        expect(page.get_by_test_id("status")).to_have_text("Resolved")
        fresh = Ticket.objects.get(pk=ticket.pk)
        assert fresh.status == Status.RESOLVED
        assert fresh.messages.last().body == expected
        assert problems == []
    finally:
        context.close()
