"""Issue 16's walk through the engineer's desk, in real Chromium under the site's Content-Security-Policy,
every page passing an axe-core scan: search the queue, close a spam ticket blocking its sender (whose
next ticket is closed on arrival), merge a duplicate, reply with a canned reply while resolving, assign
two tickets in one bulk action, and the customer rates the resolution from their private page."""

from datetime import time

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import CustomerFactory, make_engineer, make_ticket
from tests.web.axe import assert_accessible
from tests.web.test_browser_csp import REPORT_VIOLATIONS, VIOLATION
from tickets.models import BlockedSender, CloseReason, Macro, Plan, Rating, Status, Ticket
from tickets.services import ticket_assign, ticket_file

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

PASSWORD = "a-long-test-password-7"
EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]


@pytest.fixture(autouse=True)
def routing_requests(monkeypatch):
    """No worker runs here: requests to route a ticket are dropped, not left in the broker."""
    from escalation import enqueue

    monkeypatch.setattr(enqueue, "route_ticket", lambda ticket_id: None)


def test_an_engineers_day_at_the_desk(live_server, browser, screenshot_dir):
    lena = make_engineer(
        "lena",
        name="Lena Fischer",
        password=PASSWORD,
        shift_start=time(0),
        shift_end=time(0),
        workdays=EVERY_DAY,
    )
    make_engineer("aiko", name="Aiko Tanaka", shift_start=time(0), shift_end=time(0), workdays=EVERY_DAY)
    CustomerFactory(name="StreamCo", plan=Plan.PREMIUM, domains=["streamco.example"])
    now = timezone.now()
    stalls = make_ticket(now=now, subject="Player stalls after the ad break", email="ana@streamco.example")
    again = make_ticket(now=now, subject="Stalls after ads, again", email="ana@streamco.example")
    spam = make_ticket(now=now, subject="Cheap followers for your channel", email="promo@junk.example")
    others = [make_ticket(now=now, subject=f"Thumbnail missing on VOD {n}") for n in range(2)]
    ticket_assign(ticket=stalls, assignee=lena.user, actor=None, now=now)
    Macro.objects.create(
        name="Fixed",
        body="Hello {{requester_name}}, {{reference}} is fixed. {{engineer_name}}",
        status="resolved",
        created_at=now,
        updated_at=now,
    )

    context = browser.new_context()
    context.add_init_script(REPORT_VIOLATIONS)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if VIOLATION in m.text else None)
    page.on("pageerror", lambda error: problems.append(str(error)))

    def shot(name: str) -> None:
        assert_accessible(page)
        page.screenshot(path=str(screenshot_dir / f"70-desk-{name}.png"), full_page=True)

    try:
        page.goto(f"{live_server.url}/accounts/login/?next=/queue/")
        page.get_by_label("Username").fill("lena")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_label("Password").press("Enter")
        expect(page.get_by_test_id("bulk-form")).to_be_visible()

        # Search: a word of the subject finds the ad-break ticket, not the others.
        page.get_by_label("Search").fill("ad break")
        page.get_by_label("Search").press("Enter")
        expect(page.get_by_text("Tickets matching “ad break”")).to_be_visible()
        team = page.get_by_test_id("team-queue")
        expect(team.get_by_label(f"Select {stalls.reference}")).to_be_visible()
        expect(team.get_by_label(f"Select {spam.reference}")).to_have_count(0)
        shot("1-search")

        # Spam: closed without a word to the sender, who is blocked.
        page.goto(f"{live_server.url}/tickets/{spam.reference}/")
        close = page.get_by_test_id("close-spam")
        close.get_by_label("Block this sender").check()
        close.get_by_role("button", name="Close as spam").click()
        expect(page.get_by_text("Closed as spam; the requester was not told.")).to_be_visible()
        shot("2-spam")
        assert BlockedSender.objects.filter(address="promo@junk.example").exists()
        blocked_again = ticket_file(
            subject="More followers",
            description="Cheap!",
            severity="general",
            email="promo@junk.example",
            now=now,
        ).ticket
        blocked_again.refresh_from_db()
        assert (blocked_again.status, blocked_again.close_reason) == (Status.CLOSED, CloseReason.SPAM)

        # Duplicate: the second ticket about the stalls is merged into the first.
        page.goto(f"{live_server.url}/tickets/{again.reference}/")
        page.get_by_label("Close as duplicate of").fill(stalls.reference)
        page.get_by_role("button", name="Close as duplicate").click()
        expect(
            page.get_by_text(f"Closed as a duplicate of {stalls.reference}; the requester was told.")
        ).to_be_visible()
        shot("3-duplicate")
        assert Ticket.objects.get(pk=again.pk).duplicate_of_id == stalls.pk

        # A canned reply that resolves: inserted, its status chosen, one press sends and resolves.
        page.goto(f"{live_server.url}/tickets/{stalls.reference}/")
        page.get_by_label("Canned reply").select_option(label="Fixed (shared)")
        page.get_by_role("button", name="Insert").click()
        expect(page.locator("#id_reply-status")).to_have_value("resolved")
        shot("4-canned-reply")
        page.get_by_role("button", name="Send reply to customer").click()
        expect(page.get_by_test_id("status")).to_have_text("Resolved")
        assert Ticket.objects.get(pk=stalls.pk).status == Status.RESOLVED

        # Bulk: two tickets to Aiko in one action.
        page.goto(f"{live_server.url}/queue/")
        team = page.get_by_test_id("team-queue")
        for ticket in others:
            team.get_by_label(f"Select {ticket.reference}").check()
        page.get_by_label("With the selected tickets").select_option("assign")
        page.get_by_label("Engineer to assign").select_option("aiko")
        page.get_by_role("button", name="Apply to selected").click()
        expect(page.get_by_text("Done for 2")).to_be_visible()
        shot("5-bulk")
        assert {t.assignee.get_username() for t in Ticket.objects.filter(pk__in=[t.pk for t in others])} == {
            "aiko"
        }

        # The customer rates the resolution on their private page.
        customer = context.new_page()
        customer.goto(f"{live_server.url}/t/{stalls.access_token}/")
        rating = customer.get_by_test_id("rating")
        rating.get_by_label("Good: it is solved").check()
        rating.get_by_label("Anything to add? (optional)").fill("Quick and clear, thank you.")
        rating.get_by_role("button", name="Send my rating").click()
        expect(customer.get_by_test_id("rating-current")).to_contain_text("good")
        assert_accessible(customer)
        customer.screenshot(path=str(screenshot_dir / "70-desk-6-rated.png"), full_page=True)
    finally:
        context.close()
    rated = Rating.objects.get(ticket=stalls)
    assert (rated.score, rated.comment) == ("good", "Quick and clear, thank you.")
    assert problems == []
