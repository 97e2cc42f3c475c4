"""The requester rates a resolution in real Chromium, with the keyboard alone: the email's "Bad" link opens
the form with bad chosen (nothing recorded), the requester changes it to good, adds a comment and sends it;
the private page thanks them and shows the rating; the manager's report page shows it in its panel."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from escalation.roster.services.engineers import manager_ensure
from tests.factories import make_engineer, make_ticket
from tests.web.axe import assert_accessible
from tickets import services
from tickets.models import Rating, Status

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # The panel's default period and week are "now": `make test` runs this again at awkward instants.
    pytest.mark.clock,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

PASSWORD = "a-long-test-password-7"


@pytest.fixture(autouse=True)
def routing_requests(monkeypatch):
    """No worker runs here: requests to route a ticket are recorded, not left in the broker."""
    from escalation import enqueue

    monkeypatch.setattr(enqueue, "route_ticket", lambda ticket_id: None)


@pytest.fixture(autouse=True)
def _cookies_without_expiry_dates(settings):
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    settings.CSRF_COOKIE_AGE = None


def test_the_requester_rates_the_resolution_from_the_email_link_with_the_keyboard(
    live_server, browser, screenshot_dir
):
    lena = make_engineer("lena", name="Lena Fischer", zone="Europe/Berlin")
    manager_ensure(username="maria", name="Maria Santos", password=PASSWORD)
    now = timezone.now()
    ticket = make_ticket(now=now, email="ops@viewer.example")
    services.ticket_assign(ticket=ticket, assignee=lena.user, actor=lena.user, now=now)
    services.ticket_reply(ticket=ticket, author=lena.user, body="The origin is back.", now=now)
    services.ticket_change_status(ticket=ticket, status=Status.RESOLVED, actor=lena.user, now=now)

    context = browser.new_context(timezone_id="Europe/Lisbon", locale="en-GB")
    page = context.new_page()
    page.goto(f"{live_server.url}/t/{ticket.access_token}/rate/?score=bad")
    expect(page.get_by_label("Bad: not solved, or not well handled")).to_be_checked()
    assert not Rating.objects.exists()  # opening the link records nothing
    assert_accessible(page)
    page.screenshot(path=str(screenshot_dir / "rating-form.png"), full_page=True)

    page.get_by_label("Bad: not solved, or not well handled").focus()
    page.keyboard.press("ArrowUp")  # radio buttons move with the arrows
    expect(page.get_by_label("Good: it is solved")).to_be_checked()
    page.keyboard.press("Tab")
    page.keyboard.type("Back within the hour, thank you.")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Send my rating"
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(rf"/t/{ticket.access_token}/$"))
    expect(page.get_by_text("Thank you for your rating.")).to_be_visible()
    expect(page.get_by_test_id("rating-current")).to_contain_text("good")
    rating = Rating.objects.get()
    assert (rating.score, rating.comment, rating.engineer) == (
        "good",
        "Back within the hour, thank you.",
        lena.user,
    )
    context.close()

    manager = browser.new_context(timezone_id="Europe/Berlin", locale="en-GB")
    page = manager.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/reports/sla/")
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_test_id("satisfaction-total")).to_contain_text("100.0 % good")
    expect(page.get_by_test_id("satisfaction-engineer")).to_contain_text("Lena Fischer")
    expect(page.get_by_test_id("satisfaction-comments")).to_contain_text("Back within the hour, thank you.")
    assert_accessible(page)
    page.get_by_test_id("satisfaction").screenshot(path=str(screenshot_dir / "satisfaction-panel.png"))
    manager.close()
