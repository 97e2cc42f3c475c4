"""Each customer page in each language, in real Chromium on a phone-sized screen (issue 17).

For every language the form, the received page, the private ticket page (resolved, with its rating
panel), the rating page and the confirm-address page are opened at 360x740 CSS pixels and saved into
the screenshots folder (`lang-<code>-<page>.png`); Arabic pages must be right to left, the others left
to right, and no page may scroll sideways (text in any of the languages wraps inside the screen). The
Arabic and Japanese forms and Arabic ticket page pass an axe-core scan. The switcher itself is driven
once: an English visitor chooses Japanese and the page answers in it, the choice kept on the requester.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import CustomerFactory, UserFactory
from tests.web.axe import assert_accessible
from tickets import services
from tickets.models import Requester, Status
from tickets.services import confirmation_token

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

LANGUAGES = ["en", "zh-hans", "es", "pt-br", "ja", "ar"]
PHONE = {"width": 360, "height": 740}
# A long unbroken subject, as customers paste them: it must wrap, not widen the page.
SUBJECT = "配信が止まる: rtmp://ingest-eu-west-1.example/live/channel_0001_primary_backup"


@pytest.fixture(autouse=True)
def routing_requests(monkeypatch):
    """No worker runs here: requests to route a ticket are not left in the broker."""
    from escalation import enqueue

    monkeypatch.setattr(enqueue, "route_ticket", lambda ticket_id: None)


def _pages(now) -> dict[str, str]:
    lena = UserFactory(username="lena", first_name="Lena")
    CustomerFactory(name="Nippon Stream", domains=["stream.example"])
    # At the customer's domain but unconfirmed: the received page asks to confirm the address.
    ticket = services.ticket_file(
        subject=SUBJECT,
        description="ストリームが数分ごとに止まります。",
        severity="urgent",
        email="hanako@stream.example",
        name="山田花子",
        now=now,
    ).ticket
    services.ticket_reply(ticket=ticket, author=lena, body="確認しています。", now=now + timedelta(seconds=1))
    services.ticket_change_status(
        ticket=ticket, status=Status.RESOLVED, actor=lena, now=now + timedelta(seconds=2)
    )
    token = ticket.access_token
    return {
        "form": "/",
        "received": f"/t/{token}/received/",
        "ticket": f"/t/{token}/",
        "rating": f"/t/{token}/rate/?score=good",
        "confirm": f"/confirm/{confirmation_token(ticket.requester)}/",
    }


def _no_sideways_scroll(page) -> None:
    widths = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], (
        f"{page.url} scrolls sideways: {widths[0]} px wide on a {widths[1]} px screen"
    )


def test_each_customer_page_in_each_language_fits_a_phone_and_arabic_is_right_to_left(
    live_server, browser, screenshot_dir
):
    pages = _pages(timezone.now())
    for language in LANGUAGES:
        context = browser.new_context(viewport=PHONE, timezone_id="Asia/Tokyo", locale="en-US")
        context.add_cookies([{"name": "sd_language", "value": language, "url": live_server.url}])
        page = context.new_page()
        for name, path in pages.items():
            page.goto(live_server.url + path)
            html = page.locator("html")
            expect(html).to_have_attribute("lang", language)
            expect(html).to_have_attribute("dir", "rtl" if language == "ar" else "ltr")
            _no_sideways_scroll(page)
            page.screenshot(path=str(screenshot_dir / f"lang-{language}-{name}.png"), full_page=True)
            if (language, name) in {("ar", "form"), ("ja", "form"), ("ar", "ticket")}:
                assert_accessible(page)
        if language == "ar":
            # Mirrored: the brand sits at the right edge, the notice's bar on the right of its box.
            brand = page.locator(".brand").bounding_box()
            assert brand["x"] > PHONE["width"] / 2
        context.close()


def test_the_switcher_changes_the_language_and_remembers_it_for_the_requester(live_server, browser):
    pages = _pages(timezone.now())
    context = browser.new_context(viewport=PHONE, locale="en-US")
    page = context.new_page()
    page.goto(live_server.url + pages["ticket"])
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_label("Language").select_option("ja")
    page.get_by_role("button", name="Change language").click()
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_role("heading", name="返信")).to_be_visible()
    assert Requester.objects.get(email="hanako@stream.example").language == "ja"
    context.close()
