"""The managers' pages: the SLA report and its CSV downloads, the coverage page; who may see them; that
the page, the API and the CSV say the same; and that each page costs a fixed number of queries."""

import csv
import hashlib
import io
import itertools
import json
import re
from datetime import UTC, datetime, time, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalation.models import Engineer, Region
from escalation.sla.services.clock import sla_record_breach
from escalation.sla.services.ledger import HASHED_FIELDS
from tests.escalation.reports.conftest import JUNE, READ_AT
from tests.escalation.sla.test_ledger import tamper
from tests.factories import NOW, CustomerFactory, make_engineer, make_ticket
from tickets import services
from tickets.models import Severity

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

PAGE = "/reports/sla/"
GROUPS_CSV = "/reports/sla/groups.csv"
BREACHES_CSV = "/reports/sla/breaches.csv"
LEDGER_CSV = "/reports/sla/ledger.csv"
AVAILABILITY_CSV = "/reports/availability.csv"
COVERAGE = "/reports/coverage/"


@pytest.fixture(autouse=True)
def read_later():
    with time_machine.travel(READ_AT, tick=False):
        yield


@pytest.fixture
def desk(client, manager):
    client.force_login(manager)
    return client


def html(response) -> str:
    return response.content.decode()


def csv_rows(response) -> list[dict]:
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:])))


class Table(HTMLParser):
    """The rows of one table (by data-testid) as lists of cell texts, with each row's attributes."""

    def __init__(self, testid: str) -> None:
        super().__init__()
        self.testid, self.depth, self.rows, self.cell = testid, 0, [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("data-testid") == self.testid:
            self.depth = 1
        elif self.depth and tag == "tr":
            self.rows.append((attrs, []))
        elif self.depth and tag in ("td", "th"):
            self.cell = []
        elif self.cell is not None and tag == "br":
            self.cell.append(" ")

    def handle_endtag(self, tag):
        if self.depth and tag in ("td", "th") and self.cell is not None:
            self.rows[-1][1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif self.depth and tag == "table":
            self.depth = 0

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def table(response, testid: str) -> list[tuple[dict, list[str]]]:
    parser = Table(testid)
    parser.feed(html(response))
    return parser.rows


def test_the_report_page_shows_every_part(desk, history):
    response = desk.get(PAGE, JUNE)
    assert response.status_code == 200
    page = html(response)
    assert "Promises due from" in page and "Sun 1 Jun 2025, 00:00 UTC" in page
    period = re.search(r'data-testid="period">(.*?)</p>', page, re.S).group(1)
    assert "UTC (UTC)" not in period and "(UTC)" not in period  # the zone is named once
    assert "The ledger chain verifies:" in page and "all 7 rows match" in page
    summary = {
        name: re.search(rf'data-testid="total-{name}">([^<]+)<', page).group(1)
        for name in ("compliance", "tickets", "met", "breached")
    }
    assert summary == {"compliance": "50.00 %", "tickets": "4", "met": "3", "breached": "3"}
    groups = table(response, "groups")
    assert [cells[:5] for _, cells in groups[1:]] == [
        ["general", "1", "1", "1", "50.00 %"],
        ["major", "3", "2", "2", "50.00 %"],
        ["All", "4", "3", "3", "50.00 %"],
    ]
    assert groups[2][1][5:] == ["25m / 37m · 25m / 37m", "2h / 2h · 2h / 2h", "0s", "3", "2", "6m / 9m"]
    assert groups[1][1][7] == "4h"  # paused
    breaches = table(response, "breaches")
    assert [attrs["data-reference"] for attrs, _ in breaches[1:]] == [
        history.d.reference,
        history.c.reference,
        history.b.reference,
    ]
    assert f'href="/tickets/{history.d.reference}/"' in page
    assert breaches[2][1][6] == "still open" and breaches[2][1][7] == "9d 1h 45m so far"
    assert breaches[1][1][1] == 'Pixel "Rádio", Lisboa' and breaches[1][1][7] == "3h wall 18h"
    assert 'aria-label="Wednesday 10:00-11:00: 2 breaches"' in page  # the heatmap, in UTC
    assert page.count('<rect class="bar') == 30  # a bar per day of June
    assert "Service credits for June 2025" in page and "100.00 USD" in page and "5.00 EUR" in page


def section(response, testid: str) -> str:
    """The text of the element with `data-testid`, tags stripped, with its opening tag's attributes."""
    found = re.search(rf'<section ([^>]*data-testid="{testid}"[^>]*)>(.*?)</section>', html(response), re.S)
    assert found, f"no section {testid}"
    return found.group(1) + " | " + " ".join(re.sub(r"<[^>]+>", " ", found.group(2)).split())


def test_the_credits_are_of_the_last_complete_month_beside_the_month_to_date(client, manager, lena):
    """On 2 December "the last 30 days" lists November's breaches; the credits billed for them are
    November's (final), and December's so far stand beside them, not final (issue 11, item 2)."""
    CustomerFactory(name="Kabuki Live", plan="premium", domains=["kabuki.example"], monthly_fee=2000)
    for filed in (datetime(2026, 11, 30, 10, tzinfo=UTC), datetime(2026, 12, 1, 10, tzinfo=UTC)):
        ticket = make_ticket(severity=Severity.MAJOR, now=filed, email="a@kabuki.example")
        sla_record_breach(ticket_id=ticket.pk, metric="first_response", now=filed + timedelta(minutes=16))
    with time_machine.travel(datetime(2026, 12, 2, 9, tzinfo=UTC), tick=False):
        client.force_login(manager)
        response = client.get(PAGE)
    assert response.status_code == 200
    assert response.context["breaches"].paginator.count == 2
    november = section(response, "credits")
    assert 'data-month="2026-11" data-final="true"' in november
    assert "Service credits for November 2026 (UTC month)" in november and "100.00 USD" in november
    assert "not final" not in november
    december = section(response, "credits-to-date")
    assert 'data-month="2026-12" data-final="false"' in december
    assert "Service credits for December 2026 to date not final" in december and "100.00 USD" in december

    # A month asked for by name is shown alone; the running one is marked as not final.
    with time_machine.travel(datetime(2026, 12, 2, 9, tzinfo=UTC), tick=False):
        response = client.get(PAGE, {"month": "2026-12"})
    assert "December 2026 to date not final" in section(response, "credits")
    assert 'data-testid="credits-to-date"' not in html(response)


def input_tag(response, name: str) -> dict:
    found = re.search(rf'<input [^>]*name="{name}"[^>]*>', html(response))
    assert found, f"no input {name}"
    return dict(re.findall(r'([a-z-]+)="([^"]*)"', found.group(0)))


def test_the_form_shows_the_days_and_the_month_in_force(client, manager):
    """Without parameters the boxes show the last 30 days and the credits' month, not empty boxes (which
    Chromium draws as "--------- ----" for a month) (issue 11, item 7)."""
    with time_machine.travel(datetime(2026, 12, 2, 9, tzinfo=UTC), tick=False):
        client.force_login(manager)
        shown = client.get(PAGE)
        asked = client.get(PAGE, {"from": "2026-10-05", "to": "2026-10-20", "month": "2026-09"})
    assert shown.status_code == asked.status_code == 200
    assert [input_tag(shown, name)["value"] for name in ("from", "to")] == ["2026-11-02", "2026-12-02"]
    month = input_tag(shown, "month")
    assert (month["type"], month["value"], month["max"]) == ("month", "2026-11", "2026-12")
    assert [input_tag(asked, name)["value"] for name in ("from", "to", "month")] == [
        "2026-10-05",
        "2026-10-20",
        "2026-09",
    ]
    with time_machine.travel(datetime(2026, 12, 2, 9, tzinfo=UTC), tick=False):
        refused = client.get(PAGE, {"month": "9999-12"})
    assert refused.status_code == 400 and "Choose a month between 1970 and 2199." in html(refused)


def test_bad_parameters_show_the_form_with_its_errors(desk):
    response = desk.get(PAGE, {"from": "2025-06-10", "to": "2025-06-01", "severity": "apocalyptic"})
    assert response.status_code == 400
    page = html(response)
    assert "There are 2 problems" in page
    assert "`to` must be after `from`." in page
    assert "Select a valid choice. apocalyptic is not one of the available choices." in page
    assert 'data-testid="groups"' not in page


def test_the_page_the_api_and_the_csv_agree(desk, as_manager, history):
    query = {**JUNE, "group_by": "engineer", "timezone": "UTC"}
    page = desk.get(PAGE, query)
    api = as_manager.get("/api/v1/reports/sla/", query).json()
    groups_csv = csv_rows(desk.get(GROUPS_CSV, query))

    def seconds(text: str | None) -> str:
        if text is None:
            return ""
        days, _, clock = text.rpartition(" ")
        h, m, s = (int(part) for part in clock.split(":"))
        return str((int(days or 0) * 24 + h) * 3600 + m * 60 + s)

    from_api = {
        (group["label"] or ""): [
            str(group["tickets"]), str(group["met"]), str(group["breached"]),
            "" if group["compliance"] is None else f"{group['compliance']:.2f}",
            seconds(group["first_response"]["p50"]), seconds(group["resolution_wall"]["p90"]),
            seconds(group["paused"]), str(group["escalations"]), str(group["pages_acknowledged"]),
        ]
        for group in [*api["groups"], {**api["total"], "label": "(all)"}]
    }  # fmt: skip
    from_csv = {
        (row["key"] if row["key"] == "(all)" else row["label"]): [
            row["tickets"], row["met"], row["breached"], row["compliance_percent"],
            row["first_response_business_p50_seconds"], row["resolution_wall_p90_seconds"],
            row["paused_seconds"], row["escalations"], row["pages_acknowledged"],
        ]
        for row in groups_csv
    }  # fmt: skip
    assert from_csv == from_api
    assert set(from_api) == {"lena", "bob", "", "(all)"}
    from_page = {
        ("(all)" if attrs.get("data-key") == "(all)" else cells[0].replace("(none)", "")): [
            cells[1], cells[2], cells[3], cells[4].replace(" %", "").replace("—", ""), cells[8], cells[9]
        ]
        for attrs, cells in table(page, "groups")[1:]
    }  # fmt: skip
    assert from_page == {key: [*values[:4], *values[7:]] for key, values in from_api.items()}

    breaches_api = as_manager.get("/api/v1/reports/sla/breaches/", query).json()["results"]
    breaches_csv = csv_rows(desk.get(BREACHES_CSV, query))
    breaches_page = [attrs["data-reference"] for attrs, _ in table(page, "breaches")[1:]]
    assert [row["ticket"] for row in breaches_csv] == [row["ticket"] for row in breaches_api] == breaches_page
    for in_api, in_csv in zip(breaches_api, breaches_csv, strict=True):
        assert in_csv["promised_at"] == in_api["promised_at"].replace("Z", "+00:00")
        assert in_csv["late_by_seconds"] == seconds(in_api["late_by"])
        assert in_csv["overshoot_business_seconds"] == seconds(in_api["overshoot"])
        assert in_csv["highest_escalation_step"] == str(in_api["highest_step"])
        assert in_csv["open"] == str(in_api["open"]).lower()


def test_the_csv_is_correct_with_commas_quotes_non_ascii_and_formulas(desk, history):
    response = desk.get(BREACHES_CSV, {**JUNE, "timezone": "Europe/Berlin"})
    assert response["Content-Disposition"] == 'attachment; filename="sla-breaches-20250601-20250630.csv"'
    raw = b"".join(response.streaming_content).decode("utf-8")
    # A customer name with a comma and quotes, and a subject with curly quotes, survive the round trip.
    assert '"Pixel ""Rádio"", Lisboa"' in raw
    rows = list(csv.DictReader(io.StringIO(raw[1:])))
    d, c, b = rows
    assert (d["customer"], d["subject"], d["engineer"]) == ('Pixel "Rádio", Lisboa', "Stats, “lag”", "lena")
    assert b["subject"] == "'=SUM(A1:A9)"  # a formula is never a formula in a spreadsheet
    assert d["promised_at"] == "2025-06-11T16:00:00+02:00"  # in the report's zone
    assert (d["overshoot_business_seconds"], d["late_by_seconds"], d["open"]) == ("10800", "64800", "false")
    assert (c["achieved_at"], c["overshoot_business_seconds"], c["open"]) == ("", "", "true")


def test_the_ledger_csv_lets_anyone_recompute_each_rows_hash(desk, history):
    rows = csv_rows(desk.get(LEDGER_CSV, JUNE))
    assert [int(row["seq"]) for row in rows] == list(range(1, 8))
    assert rows[0]["prev_hash"] == "0" * 64
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(rows))
    integers = {"seq", "ticket_id", "cycle", "customer_id", "engineer_id", "target", "elapsed", "paused",
                "overshoot", "escalation_level"}  # fmt: skip

    def typed(name: str, text: str):
        if text == "":
            return None
        if name in integers:
            return int(text)
        if name == "met":
            return text == "true"
        return text

    for row in rows:
        payload = {name: typed(name, row[name]) for name in HASHED_FIELDS}
        encoded = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        assert hashlib.sha256(encoded.encode()).hexdigest() == row["hash"], row["seq"]
    assert rows[3]["ticket"] == history.b.reference and rows[3]["customer"] == "Kabuki Live"
    only_pixel = csv_rows(desk.get(LEDGER_CSV, {**JUNE, "customer": history.pixel.pk}))
    assert [row["ticket"] for row in only_pixel] == [history.d.reference, history.d.reference]


def test_the_page_says_when_the_ledger_does_not_verify(desk, history):
    tamper("DELETE FROM escalation_ledgerentry WHERE seq = 2")
    page = html(desk.get(PAGE, JUNE))
    assert "The ledger chain does not verify." in page
    assert "ledger row #2 (id None): row missing: the next row found is #3" in page


# --- who may see the pages ----------------------------------------------------------------------------

PAGES = [PAGE, GROUPS_CSV, BREACHES_CSV, LEDGER_CSV, AVAILABILITY_CSV, COVERAGE]


@pytest.mark.parametrize("path", PAGES)
def test_only_managers_see_the_reports(client, path, lena, manager):
    response = client.get(path)
    assert (response.status_code, response["Location"]) == (302, f"/accounts/login/?next={path}")
    client.force_login(get_user_model().objects.create_user("visitor", password="a-Long-password-1"))
    assert client.get(path).status_code == 403
    client.force_login(lena.user)
    response = client.get(path)
    assert response.status_code == 403  # engineers work the queue; reports are for managers
    assert "This page is for managers" in response.content.decode()
    assert "for support engineers" not in response.content.decode()
    client.force_login(manager)
    assert client.get(path).status_code == 200
    client.force_login(get_user_model().objects.create_superuser("root", password="a-Long-password-2"))
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 405


def test_bad_csv_parameters_are_a_400_in_words(desk):
    response = desk.get(BREACHES_CSV, {"from": "tomorrow"})
    assert response.status_code == 400
    assert (
        response.content.decode()
        == "The report parameters were refused: from: Enter a day such as 2025-06-01."
    )


# --- what a page costs --------------------------------------------------------------------------------

# session, user, manager check, manager's zone, customers and engineers to filter by; the report and the
# trends, each in a transaction without JIT (in a test a savepoint, the report settings, release): the groups,
# the total, the trend buckets, the heatmap; the breaches (count, page); the credits of the last complete
# month and of the month to date beside it (counts, rules, each); the availability of the credits' month
# (customers, outage windows, credit rules, their tiers); and
# the ledger's verification when no recent one is cached: the chain head (small enough to walk here?),
# then its own transaction (in a test a savepoint and its release; in production SET TRANSACTION), the
# chain head, the walk (one server-side cursor), the head again.
# 28: 22, the storms (grouped pages with their ticket counts), the availability (4), the voided cycles
# per engineer; then customer satisfaction (6: the total, per engineer, customer, severity and week, the
# newest comments)
PAGE_QUERIES = 34
VERIFY_QUERIES = 6


def test_the_report_page_runs_the_same_queries_for_few_rows_or_many(
    desk, history, django_assert_max_num_queries
):
    desk.get(PAGE, JUNE)  # the ledger's verification is now cached
    with CaptureQueriesContext(connection) as few:
        assert desk.get(PAGE, {**JUNE, "group_by": "customer"}).status_code == 200
    assert len(few) == PAGE_QUERIES
    engineer = make_engineer("eng", zone="UTC")
    for i in range(40):
        CustomerFactory(name=f"Customer {i:03d}", domains=[f"c{i}.example"])
        ticket = make_ticket(severity=Severity.MAJOR, now=NOW, email=f"x@c{i}.example")
        services.ticket_assign(ticket=ticket, assignee=engineer.user, actor=None, now=NOW)
        services.ticket_reply(ticket=ticket, author=engineer.user, body="ok", now=NOW + timedelta(minutes=30))
    with django_assert_max_num_queries(PAGE_QUERIES):
        response = desk.get(PAGE, {**JUNE, "group_by": "customer"})
    assert len(response.context["rows"]) == 42 and response.context["breaches"].paginator.count == 43
    cache.clear()
    with django_assert_max_num_queries(PAGE_QUERIES + VERIFY_QUERIES):
        assert "all 47 rows match" in html(desk.get(PAGE, JUNE))  # 7 + 40 first responses


def test_the_csv_downloads_run_a_fixed_number_of_queries(desk, history, django_assert_max_num_queries):
    # session, user, manager check, manager's zone, then the rows (one server-side cursor) or the report;
    # the availability: session, user, manager check, then customers, outage windows, rules, tiers
    for path, queries in ((BREACHES_CSV, 5), (LEDGER_CSV, 5), (GROUPS_CSV, 9), (AVAILABILITY_CSV, 7)):
        with django_assert_max_num_queries(queries):
            b"".join(desk.get(path, JUNE).streaming_content)


# --- coverage -------------------------------------------------------------------------------------------


def test_the_coverage_page_flags_the_gap_a_roster_leaves(desk, manager):
    Engineer.objects.create(
        user=manager, timezone=ZoneInfo("Europe/Berlin"), region=Region.EMEA, active=False
    )
    make_engineer("lena", zone="Europe/Berlin", region=Region.EMEA)
    make_engineer("aiko", zone="Asia/Tokyo", region=Region.APAC, shift_start=time(22), shift_end=time(6))
    response = desk.get(COVERAGE, {"week": "2025-06-18"})
    assert response.status_code == 200
    page = html(response)
    assert "Gaps in 24x7 coverage" in page
    assert "Nobody is on call: when nobody is on shift, a 24x7 ticket waits for the next shift." in page
    gaps = re.findall(r"<li>([^<]+)</li>", page.split('data-testid="gap-list"')[1].split("</ul>")[0])
    # Aiko's Monday night starts 15:00 CEST; Lena works 09:00-18:00 CEST; before 09:00 Monday, nobody.
    assert gaps[0] == "Mon 16 Jun 00:00-09:00 CEST"
    local = table(response, "coverage-local")
    monday = local[1][1]
    assert monday[0] == "Mon 16 Jun" and monday[1:10] == ["0"] * 9 and monday[10] == "1" and monday[16] == "2"
    assert (
        'aria-label="Monday 08:00-09:00: 0 on shift; GAP: nobody on shift and nobody on call for 1h"' in page
    )
    utc_monday = table(response, "coverage-utc")[1][1]
    assert utc_monday[8] == "1"  # 07:00 UTC is 09:00 CEST

    make_engineer("omar", zone="America/New_York", region=Region.AMERICAS, on_call=True)
    paged = html(desk.get(COVERAGE, {"week": "2025-06-18"}))
    assert "No gap in 24x7 coverage" in paged and "On call, paged whenever nobody is on shift: omar." in paged
    assert "On call without a phone number" in paged


# --- the admin's confirmation step ----------------------------------------------------------------------


def admin_form(engineer: Engineer, **changes) -> dict:
    data = {
        "user": engineer.user_id,
        "timezone": engineer.timezone.key,
        "shift_start": engineer.shift_start.strftime("%H:%M"),
        "shift_end": engineer.shift_end.strftime("%H:%M"),
        "workdays": json.dumps(engineer.workdays),
        "phone": str(engineer.phone or ""),
        "region": engineer.region,
        "capacity": engineer.capacity,
        "active": "on" if engineer.active else "",
        "on_call": "on" if engineer.on_call else "",
        "lead": "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def test_the_admin_asks_before_saving_a_change_that_opens_a_gap(desk, manager):
    omar = make_engineer("omar", zone="Asia/Tokyo", region=Region.APAC, on_call=True, phone="+81312345678")
    make_engineer("lena", zone="Europe/Berlin", region=Region.EMEA)
    url = f"/admin/escalation/engineer/{omar.pk}/change/"
    with time_machine.travel(datetime(2025, 6, 16, 12, tzinfo=UTC), tick=False):
        assert desk.get(url).status_code == 200
        asked = desk.post(url, admin_form(omar, on_call=""))
        assert asked.status_code == 200  # the form again, nothing saved
        page = html(asked)
        assert (
            "This change leaves nobody on shift and nobody on call to page for a 24x7 ticket during: " in page
        )
        assert "Mon 16 Jun 16:00-24:00 UTC; Tue 17 Jun 16:00-24:00 UTC" in page  # after Lena, before Omar
        assert 'type="checkbox" name="confirm_coverage_gap"' in page
        omar.refresh_from_db()
        assert omar.on_call is True
        saved = desk.post(url, admin_form(omar, on_call="", confirm_coverage_gap="on"))
        assert (saved.status_code, saved["Location"]) == (302, "/admin/escalation/engineer/")
        omar.refresh_from_db()
        assert omar.on_call is False
        # An edit that opens nothing is saved at once, the confirmation never shown.
        assert desk.get(url).content.decode().count('name="confirm_coverage_gap"') == 1  # hidden
        assert desk.post(url, admin_form(omar, capacity=12)).status_code == 302
