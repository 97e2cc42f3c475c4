"""A requester confirms their address in real Chromium (issue 15, item 1): the public form at a
customer's domain, the received page asking for confirmation, the emailed link's page and its button by
keyboard, under the Content-Security-Policy, each page passing an axe-core scan. Screenshots go to the
screenshots folder."""

import re

import pytest

from tests.factories import CustomerFactory
from tests.mail import deliver_requester_mail
from tests.web.axe import assert_accessible
from tests.web.test_browser_csp import REPORT_VIOLATIONS, VIOLATION
from tickets.models import Plan, Ticket

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


def test_a_requester_confirms_their_address_from_the_emailed_link(
    live_server, browser, screenshot_dir, settings, mailoutbox
):
    settings.PUBLIC_BASE_URL = live_server.url
    customer = CustomerFactory(name="StreamCo", plan=Plan.PREMIUM, domains=["streamco.example"])
    context = browser.new_context()
    context.add_init_script(REPORT_VIOLATIONS)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if VIOLATION in m.text else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    try:
        page.goto(f"{live_server.url}/")
        page.get_by_label("Urgent: viewers are affected").check()
        page.get_by_label("Subject").fill("HLS manifests answer 502")
        page.get_by_label("What happened?").fill("Every .m3u8 in eu-west answers 502 since 09:40.")
        page.get_by_label("Your email").fill("ana@streamco.example")
        page.get_by_label("Your name").fill("Ana Lima")
        page.get_by_role("button", name="Send ticket").click()
        page.wait_for_url("**/received/")
        assert "Please confirm your address" in page.get_by_test_id("awaiting-confirmation").inner_text()
        assert_accessible(page)
        page.screenshot(path=str(screenshot_dir / "60-confirm-received.png"), full_page=True)

        ticket = Ticket.objects.get()
        assert (ticket.customer, ticket.plan) == (None, Plan.STANDARD)
        deliver_requester_mail(now=ticket.created_at)
        [link] = [
            found
            for mail in mailoutbox
            for found in re.findall(re.escape(live_server.url) + r"/confirm/[^\s]+/", mail.body)
        ]
        page.goto(link)
        button = page.get_by_role("button", name="Confirm ana@streamco.example")
        assert_accessible(page)
        page.screenshot(path=str(screenshot_dir / "61-confirm-address.png"), full_page=True)
        for _ in range(30):  # Tab to the button, then Enter: no mouse needed
            page.keyboard.press("Tab")
            if button.evaluate("b => b === document.activeElement"):
                break
        else:
            pytest.fail("the confirm button cannot be reached with Tab")
        page.keyboard.press("Enter")
        page.get_by_role("heading", name="Your address is confirmed").wait_for()
        assert "1 open ticket now runs on your organization" in page.content()
        assert_accessible(page)
        page.screenshot(path=str(screenshot_dir / "62-confirm-done.png"), full_page=True)
    finally:
        context.close()
    ticket.refresh_from_db()
    assert (ticket.customer, ticket.plan, ticket.requester_trusted) == (customer, Plan.PREMIUM, True)
    assert problems == []
