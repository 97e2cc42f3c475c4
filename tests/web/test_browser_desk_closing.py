"""In real Chromium, by keyboard: select queue rows (one, then "select all on this page"), assign them in
one bulk action, and close a ticket as spam blocking its sender from the ticket page."""

from datetime import time

import pytest
from playwright.sync_api import expect

from tests.factories import make_engineer, make_ticket
from tickets.models import BlockedSender, Ticket

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

PASSWORD = "a-long-test-password-7"


@pytest.fixture(autouse=True)
def routing_requests(monkeypatch):
    from escalation import enqueue

    monkeypatch.setattr(enqueue, "route_ticket", lambda ticket_id: None)


def test_bulk_assign_and_close_as_spam_by_keyboard(live_server, browser, screenshot_dir):
    make_engineer("lena", name="Lena Fischer", password=PASSWORD)
    # On shift around the clock: assigning an engineer who is off shift asks for a confirmation, and
    # this test must not depend on the hour it runs at.
    make_engineer("aiko", name="Aiko Tanaka", shift_start=time(0), shift_end=time(0), workdays=list(range(7)))
    tickets = [make_ticket(subject=f"Problem {n}") for n in range(3)]
    spam = make_ticket(subject="Cheap followers", email="promo@junk.example")

    page = browser.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/queue/")
    page.get_by_label("Username").fill("lena")
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("bulk-form")).to_be_visible()

    # "Select all on this page" by keyboard: focus it, Space ticks every row of its table.
    team = page.get_by_test_id("team-queue")
    team.get_by_label("Select all on this page").focus()
    page.keyboard.press("Space")
    for ticket in [*tickets, spam]:
        expect(team.get_by_label(f"Select {ticket.reference}")).to_be_checked()
    team.get_by_label(f"Select {spam.reference}").focus()
    page.keyboard.press("Space")  # untick the spam
    page.get_by_label("With the selected tickets").select_option("assign")
    page.get_by_label("Engineer to assign").select_option("aiko")
    page.get_by_role("button", name="Apply to selected").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Done for 3", exact=False)).to_be_visible()
    expect(page.get_by_text("Not done for")).to_have_count(0)
    page.screenshot(path=str(screenshot_dir / "bulk-assigned.png"), full_page=True)
    assert set(Ticket.objects.exclude(pk=spam.pk).values_list("assignee__username", flat=True)) == {"aiko"}

    page.goto(f"{live_server.url}/tickets/{spam.reference}/")
    close = page.get_by_test_id("close-spam")
    close.get_by_label("Block this sender").focus()
    page.keyboard.press("Space")
    close.get_by_role("button", name="Close as spam").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Closed as spam; the requester was not told.")).to_be_visible()
    expect(page.get_by_role("button", name="Unblock this sender")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "closed-as-spam.png"), full_page=True)
    assert BlockedSender.objects.filter(address="promo@junk.example").exists()
    page.close()
