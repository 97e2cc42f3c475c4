"""The pages still work under the Content-Security-Policy (issue 15, item 7), in real Chromium (Debian's,
driven by Playwright) against the live server, with every violation the browser reports collected.

A customer files a ticket through the public form (the form's script fills the browser's timezone) and
opens the private link; an engineer (a superuser, so every page is open to her) logs in, watches the
queue refresh itself, opens the ticket and replies, reads the SLA report with its chart and the coverage
page, opens the incident page, the admin and a change form, and the API docs (Swagger UI and Redoc).
Not one violation.

Chromium reports a blocked resource as a `securitypolicyviolation` event in the page; a script added
before each document (Playwright's init script, which the policy does not cover) writes each one to
the console, where the test collects them whatever the navigation.
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
from tests.factories import make_engineer, make_ticket
from tickets.models import Severity, Ticket

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # A breach two days ago feeds the report's chart, at whatever instant the run gives.
    pytest.mark.clock,
    # The live server's whitenoise starts before the tests point STATIC_ROOT at a folder of their own.
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

PASSWORD = "a-long-test-password-7"
EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]
VIOLATION = "CSP violation:"
# The one refusal expected: Redoc's sidebar asks for its maker's logo from the maker's CDN; img-src
# refuses it (nothing leaves for a third party) and Redoc hides the image (support_desk/api/urls.py).
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
REPORT_VIOLATIONS = f"""
document.addEventListener("securitypolicyviolation", function (e) {{
  console.error("{VIOLATION} " + e.violatedDirective + " blocked " + (e.blockedURI || "inline") +
                " at " + e.documentURI + ":" + e.lineNumber + " " + (e.sample || ""));
}});
"""


@pytest.fixture(autouse=True)
def routing_requests(monkeypatch):
    """No worker runs here: requests to route a ticket are recorded, not left in the broker."""
    from escalation import enqueue

    monkeypatch.setattr(enqueue, "route_ticket", lambda ticket_id: None)


@pytest.fixture(autouse=True)
def _cookies_without_expiry_dates(settings):
    """The server's clock may be travelled away from Chromium's (tests/conftest.py): cookies that end
    with the browser session keep a dated expiry from making Chromium drop the login."""
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    settings.CSRF_COOKIE_AGE = None


@pytest.fixture
def watched(browser):
    """A browser context whose pages report every CSP violation (and Chromium's own "Refused to ..."
    console errors) into the returned list."""
    contexts = []
    violations: list[str] = []

    def open_page(**options):
        context = browser.new_context(**options)
        contexts.append(context)
        context.add_init_script(REPORT_VIOLATIONS)
        page = context.new_page()

        def on_console(message):
            text = message.text
            if VIOLATION in text or "Content Security Policy" in text or text.startswith("Refused to"):
                violations.append(f"{page.url}: {text}")

        page.on("console", on_console)
        page.on("pageerror", lambda error: violations.append(f"{page.url}: script error {error}"))
        return page

    yield open_page, violations
    for context in contexts:
        context.close()


@pytest.fixture
def lena():
    engineer = make_engineer(
        "lena",
        name="Lena Fischer",
        zone="Europe/Berlin",
        password=PASSWORD,
        shift_start=time(0),
        shift_end=time(0),
        workdays=EVERY_DAY,
        on_call=True,
    )
    engineer.user.is_superuser = True
    engineer.user.save(update_fields=["is_superuser"])
    now = timezone.now()
    filed = (now - timedelta(days=2)).replace(microsecond=0)
    late = make_ticket(severity=Severity.MAJOR, now=filed, subject="Black screen, ch. 4")
    sla_record_breach(ticket_id=late.pk, metric=Metric.FIRST_RESPONSE, now=filed + timedelta(minutes=15))
    alerts_ingest(integration=integration(), alerts=[alert(key="edge-down", occurred_at=now)], now=now)
    return engineer


def test_the_listener_catches_a_violation(live_server, watched):
    """The check could fail: an inline style added to a page is blocked and reported."""
    open_page, violations = watched
    page = open_page()
    page.goto(f"{live_server.url}/")
    page.evaluate(
        "() => { const s = document.createElement('style'); s.textContent = 'body{color:red}';"
        " document.head.appendChild(s); }"
    )
    page.wait_for_timeout(300)
    assert any("style-src" in v for v in violations), violations


def test_the_main_flows_run_under_the_policy_with_no_violation(live_server, watched, lena, monkeypatch):
    monkeypatch.setattr(desk, "QUEUE_REFRESH_SECONDS", 1)
    open_page, violations = watched

    # A customer files a ticket through the public form and opens the private link.
    page = open_page(timezone_id="Europe/Lisbon", locale="en-GB")
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="File a support ticket")).to_be_visible()
    expect(page.locator("input[data-browser-timezone]")).to_have_value("Europe/Lisbon")  # desk.js ran
    page.get_by_label("Major: the service is down").check()
    page.get_by_label("Subject").fill("Live stream is black for every viewer")
    page.get_by_label("What happened?").fill("Since 10:55 every viewer sees a black screen.")
    page.get_by_label("Your email").fill("ops@viewer.example")
    page.get_by_label("Your name").fill("Ana Costa")
    page.get_by_role("button", name="Send ticket").click()
    expect(page).to_have_url(re.compile(r"/t/[\w-]+/received/$"))
    ticket = Ticket.objects.get(subject="Live stream is black for every viewer")
    expect(page.get_by_test_id("promise")).to_contain_text("(Europe/Lisbon)")
    page.get_by_role("link", name="Open the ticket").click()
    expect(page.get_by_test_id("status")).to_have_text("New")

    # The engineer logs in; the queue's countdowns tick and its live part refreshes itself.
    desk_page = open_page(timezone_id="Europe/Berlin", locale="en-GB")
    desk_page.goto(f"{live_server.url}/queue/")
    desk_page.get_by_label("Username").fill("lena")
    desk_page.get_by_label("Password").fill(PASSWORD)
    desk_page.get_by_role("button", name="Log in").click()
    expect(desk_page).to_have_url(f"{live_server.url}/queue/")
    with desk_page.expect_response(re.compile(r"/queue/live/"), timeout=10_000) as refresh:
        pass
    assert refresh.value.status == 200
    row = desk_page.get_by_test_id("team-queue").locator(f"tr[data-reference='{ticket.reference}']")
    countdown = row.locator(".countdown")
    before = countdown.inner_text()
    expect(countdown).not_to_have_text(before, timeout=3000)

    # Open the ticket and reply.
    row.get_by_role("link", name=re.compile(ticket.reference)).click()
    expect(desk_page).to_have_url(f"{live_server.url}/tickets/{ticket.reference}/")
    desk_page.get_by_label("Reply to the customer", exact=True).fill("The encoder is restarted.")
    desk_page.get_by_role("button", name="Send reply to customer").click()
    expect(desk_page.get_by_role("status")).to_contain_text("Reply sent to the customer.")

    # The report with its chart, styled by the report's stylesheet; the coverage page; the incident.
    desk_page.goto(f"{live_server.url}/reports/sla/")
    chart = desk_page.get_by_test_id("trend-chart")
    expect(chart).to_be_visible()
    assert chart.bounding_box()["width"] > 100
    desk_page.goto(f"{live_server.url}/reports/coverage/")
    expect(desk_page.get_by_role("heading", level=1)).to_be_visible()
    desk_page.goto(f"{live_server.url}/incidents/{Incident.objects.get().pk}/")
    expect(desk_page.get_by_role("heading", level=1)).to_be_visible()

    # The admin: its index, a list and a change form with its scripts (the date and time shortcuts).
    desk_page.goto(f"{live_server.url}/admin/")
    expect(desk_page.locator("#site-name")).to_be_visible()
    desk_page.goto(f"{live_server.url}/admin/tickets/ticket/")
    expect(desk_page.locator("#result_list")).to_be_visible()
    desk_page.goto(f"{live_server.url}/admin/auth/user/{lena.user.pk}/change/")
    expect(desk_page.locator(".datetimeshortcuts").first).to_be_visible()  # admin's DateTimeShortcuts.js ran

    # The API docs, self-hosted (drf-spectacular-sidecar): Swagger UI and Redoc render the schema.
    desk_page.goto(f"{live_server.url}/api/docs/")
    expect(desk_page.locator(".swagger-ui .info .title")).to_contain_text("Support Desk API", timeout=15_000)
    desk_page.goto(f"{live_server.url}/api/docs/redoc/")
    expect(desk_page.locator("redoc h1").first).to_contain_text("Support Desk API", timeout=15_000)

    unexpected = [v for v in violations if not ("/api/docs/redoc/" in v and REDOC_LOGO in v)]
    assert unexpected == [], "\n".join(unexpected)
