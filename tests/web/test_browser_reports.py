"""A manager reads the SLA report in real Chromium (Debian's, driven by Playwright) against the live server:
logs in, reads the totals, the chart and the breaches, regroups the table, downloads the breaches as CSV,
opens a breached ticket, and checks the roster's coverage. A screenshot of each page goes to the
screenshots folder (tests/web/conftest.py).
"""

import csv
import io
import re
from datetime import UTC, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from escalation.models import Metric, Region
from escalation.roster.services.engineers import manager_ensure
from escalation.sla.services.clock import sla_record_breach
from tests.factories import CustomerFactory, make_engineer, make_page, make_ticket
from tickets import services
from tickets.models import Plan, Severity, Status

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # "Two days ago" at whatever instant the run gives: `make test` also runs this on a month's first
    # hour, a DST-change Sunday and 31 December ($SUPPORT_DESK_TEST_NOW, tests/conftest.py).
    pytest.mark.clock,
    # The live server's whitenoise starts before the tests point STATIC_ROOT at a folder of their own.
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

PASSWORD = "a-long-test-password-7"
MINUTE = timedelta(minutes=1)


@pytest.fixture(autouse=True)
def routing_requests(monkeypatch):
    """No worker runs here: requests to route a ticket are recorded, not left in the broker."""
    from escalation import enqueue

    requested: list[int] = []
    monkeypatch.setattr(enqueue, "route_ticket", requested.append)
    return requested


@pytest.fixture(autouse=True)
def _cookies_without_expiry_dates(settings):
    """The server's clock may be travelled months away from Chromium's (tests/conftest.py): cookies
    that end with the browser session keep a dated expiry from making Chromium drop the login."""
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    settings.CSRF_COOKIE_AGE = None


@pytest.fixture
def shots(screenshot_dir):
    def shot(page, name: str) -> None:
        page.screenshot(path=str(screenshot_dir / f"{name}.png"), full_page=True)

    return shot


@pytest.fixture
def last_week():
    """Three days of promises kept and broken, filed two days ago: inside the default 30 days."""
    manager_ensure(username="maria", name="Maria Santos", password=PASSWORD)
    lena = make_engineer("lena", name="Lena Fischer", zone="Europe/Berlin", region=Region.EMEA)
    make_engineer(
        "aiko",
        name="Aiko Tanaka",
        zone="Asia/Tokyo",
        region=Region.APAC,
        shift_start=time(9),
        shift_end=time(18),
    )
    CustomerFactory(
        name="Kabuki Live, São Paulo",
        plan=Plan.PREMIUM,
        domains=["kabuki.example"],
        monthly_fee=Decimal(2000),
    )
    now = timezone.now()
    filed = (now - timedelta(days=2)).replace(microsecond=0)
    kept = make_ticket(
        severity=Severity.MAJOR, now=filed, email="a@kabuki.example", subject="Encoder restart"
    )
    services.ticket_assign(ticket=kept, assignee=lena.user, actor=None, now=filed)
    services.ticket_reply(ticket=kept, author=lena.user, body="On it", now=filed + 5 * MINUTE)
    services.ticket_change_status(ticket=kept, status=Status.RESOLVED, actor=None, now=filed + 90 * MINUTE)
    late = make_ticket(
        severity=Severity.MAJOR, now=filed, email="b@kabuki.example", subject="Black screen, ch. 4"
    )
    services.ticket_assign(ticket=late, assignee=lena.user, actor=None, now=filed)
    make_page(late, step=1, fired_at=filed + 15 * MINUTE)
    sla_record_breach(ticket_id=late.pk, metric=Metric.FIRST_RESPONSE, now=filed + 15 * MINUTE)
    services.ticket_reply(ticket=late, author=lena.user, body="Sorry", now=filed + 50 * MINUTE)
    silent = make_ticket(severity=Severity.MAJOR, now=filed, email="c@kabuki.example", subject="No audio")
    sla_record_breach(ticket_id=silent.pk, metric=Metric.FIRST_RESPONSE, now=filed + 16 * MINUTE)
    return {"late": late, "silent": silent, "now": now, "breached_at": filed + 15 * MINUTE}


def test_a_manager_reads_the_sla_report(live_server, browser, last_week, shots, screenshot_dir, tmp_path):
    context = browser.new_context(
        timezone_id="Europe/Berlin",
        locale="en-GB",
        viewport={"width": 1366, "height": 900},
        accept_downloads=True,
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/reports/sla/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/reports/sla/$"))
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{live_server.url}/reports/sla/")

    # The totals: 3 tickets; kept's two promises met; late's and silent's first responses breached.
    expect(page.get_by_role("heading", name="SLA report")).to_be_visible()
    expect(page.get_by_test_id("integrity")).to_contain_text("The ledger chain verifies")
    expect(page.get_by_test_id("total-tickets")).to_have_text("3")
    expect(page.get_by_test_id("total-met")).to_have_text("2")
    expect(page.get_by_test_id("total-breached")).to_have_text("2")
    expect(page.get_by_test_id("total-compliance")).to_have_text("50.00 %")
    expect(page.get_by_role("img", name=re.compile("Compliance per day"))).to_be_visible()
    breaches = page.get_by_test_id("breaches")
    expect(breaches.locator("tbody tr")).to_have_count(2)
    expect(breaches.locator(f"tr[data-reference='{last_week['silent'].reference}']")).to_contain_text(
        "still open"
    )
    # Credits are billed per closed (UTC) month: the breaches of two days ago are in the last complete
    # month's credits when they fell due before this month began, else in the month to date (not final).
    breached_month = last_week["breached_at"].astimezone(UTC).date().replace(day=1)
    this_month = last_week["now"].astimezone(UTC).date().replace(day=1)
    last_complete = (this_month - timedelta(days=1)).replace(day=1)
    closed = page.get_by_test_id("credits")
    to_date = page.get_by_test_id("credits-to-date")
    expect(closed.get_by_role("heading")).to_have_text(
        f"Service credits for {last_complete:%B %Y} (UTC month)"
    )
    expect(to_date.get_by_role("heading")).to_have_text(
        f"Service credits for {this_month:%B %Y} to date not final (UTC month)"
    )
    owed, clean = (closed, to_date) if breached_month < this_month else (to_date, closed)
    expect(owed).to_contain_text("Kabuki Live, São Paulo")
    expect(owed).to_contain_text("200.00 USD")  # 2 x 5 % of 2,000
    expect(clean).to_contain_text("No customer had a promise broken in")
    closed.locator("xpath=..").screenshot(path=str(screenshot_dir / "20-manager-report-credits.png"))
    shots(page, "20-manager-report")

    # The boxes show what is in force: the days of "the last 30 days" (UTC, Maria's zone) and the month
    # of the credits, drawn by Chromium's month picker as a month, not as "--------- ----".
    days = {
        (at - timedelta(days=30)).date().isoformat(): at.date().isoformat()
        for at in (last_week["now"], timezone.now())
    }
    start = page.get_by_label("From", exact=True).input_value()
    assert start in days, (start, days)
    expect(page.get_by_label("To (inclusive)", exact=True)).to_have_value(days[start])
    month = page.get_by_label("Credits for", exact=True)
    expect(month).to_have_attribute("type", "month")
    expect(month).to_have_value(f"{last_complete:%Y-%m}")
    page.get_by_role("form", name="Report period and filters").screenshot(
        path=str(screenshot_dir / "20-manager-report-filters.png")
    )

    # Regrouped by engineer: Lena's cycles and the unassigned one.
    page.get_by_label("Group by").select_option(label="Engineer")
    page.get_by_role("button", name="Show the report").click()
    expect(page.get_by_role("heading", name="By engineer")).to_be_visible()
    groups = page.get_by_test_id("groups")
    expect(groups.locator("tbody tr")).to_have_count(2)
    expect(groups.locator("tbody tr").first).to_contain_text("lena")
    shots(page, "21-manager-report-by-engineer")

    # The breaches as CSV: the same two rows, the customer's name intact.
    with page.expect_download() as download_info:
        page.get_by_test_id("breaches-csv").click()
    download = download_info.value
    assert re.fullmatch(r"sla-breaches-\d{8}-\d{8}\.csv", download.suggested_filename)
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert sorted(row["ticket"] for row in rows) == sorted(
        [last_week["late"].reference, last_week["silent"].reference]
    )
    assert {row["customer"] for row in rows} == {"Kabuki Live, São Paulo"}

    # A breached ticket opens from the list.
    page.get_by_role("link", name=last_week["late"].reference).click()
    expect(page).to_have_url(f"{live_server.url}/tickets/{last_week['late'].reference}/")
    expect(page.get_by_test_id("sla-panel")).to_be_visible()

    # The roster: Berlin and Tokyo office hours leave nights and weekends to nobody.
    page.goto(f"{live_server.url}/reports/coverage/")
    expect(page.get_by_role("heading", name="Gaps in 24x7 coverage")).to_be_visible()
    expect(page.get_by_test_id("coverage-local").locator("td[data-state='gap']").first).to_be_visible()
    shots(page, "22-roster-coverage")
    context.close()
