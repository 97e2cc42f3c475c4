"""The availability report: the selector over real incidents (outage only, overlaps once, month edges,
ongoing outages), its query count, `GET /api/v1/reports/availability/` for every role and bad input,
the credit table as data, and the CSV download giving the API's figures."""

import csv
import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib import import_module
from types import SimpleNamespace

import pytest
import time_machine
from django.contrib.auth import get_user_model

from escalation.incidents.models import Impact, Incident, IncidentCustomer, IncidentStatus
from escalation.reports.availability import (
    DEFAULT_COMMITMENT_PERCENT,
    DEFAULT_MISSED_CREDIT_PERCENT,
    DEFAULT_TIERS,
)
from escalation.reports.selectors.availability import availability_list_for_month
from tests.api.conftest import client_for
from tests.escalation.incidents.helpers import integration
from tests.factories import CustomerFactory, make_ticket
from tickets.models import AvailabilityCreditTier, CreditRule, Plan

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

API = "/api/v1/reports/availability/"
CSV = "/reports/availability.csv"
JUNE = {"month": "2025-06"}
JUNE_FIRST = date(2025, 6, 1)
READ_AT = datetime(2025, 7, 5, 12, 0, tzinfo=UTC)  # June is over
SEED = import_module("tickets.migrations.0009_availability_commitments_and_credit_tiers")


def utc(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=UTC)


def incident(source, customers, start, end, *, impact=Impact.OUTAGE) -> Incident:
    made = Incident.objects.create(
        title=f"{impact} from {start:%d %H:%M}",
        status=IncidentStatus.RESOLVED if end else IncidentStatus.TRIGGERED,
        impact=impact,
        started_at=start,
        impact_ended_at=end,
        resolved_at=end,
        dedup_key=f"key-{start:%m%d%H%M}-{impact}",
        integration=source,
        created_at=start,
        updated_at=end or start,
    )
    IncidentCustomer.objects.bulk_create(IncidentCustomer(incident=made, customer=c) for c in customers)
    return made


@pytest.fixture(autouse=True)
def read_in_july():
    with time_machine.travel(READ_AT, tick=False):
        yield


@pytest.fixture
def outages(db):
    """June 2025 (43,200 minutes):

    Kabuki Live (premium, 1000 USD): 10:00-10:30 and 10:20-10:40 on the 2nd overlap (40 minutes), and an
      outage from 30 June 23:50 still going on (10 minutes of June): 50 down, 99.884 %, 10 %.
    Pixel (standard, 250 EUR): the 10:00-10:30 outage (30), 31 May 23:00 to 1 June 00:15 (15 of June), a
      degraded afternoon (not counted) and an outage in July (not June's): 45 down, 99.895 %, 10 %.
    Quiet (standard): nothing, 100 %.
    """
    source = integration()
    kabuki = CustomerFactory(name="Kabuki Live", plan=Plan.PREMIUM, monthly_fee=Decimal("1000.00"))
    pixel = CustomerFactory(name="Pixel", plan=Plan.STANDARD, monthly_fee=Decimal("250.00"), currency="EUR")
    quiet = CustomerFactory(name="Quiet", plan=Plan.STANDARD)
    both = incident(source, [kabuki, pixel], utc(6, 2, 10), utc(6, 2, 10, 30))
    overlap = incident(source, [kabuki], utc(6, 2, 10, 20), utc(6, 2, 10, 40))
    ongoing = incident(source, [kabuki], utc(6, 30, 23, 50), None)
    across = incident(source, [pixel], utc(5, 31, 23), utc(6, 1, 0, 15))
    incident(source, [pixel], utc(6, 3, 12), utc(6, 3, 17), impact=Impact.DEGRADED)
    incident(source, [pixel], utc(7, 1, 0), utc(7, 1, 2))
    return SimpleNamespace(
        kabuki=kabuki, pixel=pixel, quiet=quiet, both=both, overlap=overlap, ongoing=ongoing, across=across
    )


def test_each_customer_of_the_month(outages):
    report = availability_list_for_month(month=JUNE_FIRST, now=READ_AT)
    assert report.final
    rows = {row.name: row for row in report.customers}
    assert [row.name for row in report.customers] == ["Kabuki Live", "Pixel", "Quiet"]
    kabuki, pixel, quiet = rows["Kabuki Live"], rows["Pixel"], rows["Quiet"]
    assert kabuki.incidents == [outages.both.pk, outages.overlap.pk, outages.ongoing.pk]
    assert (kabuki.availability.downtime_minutes, kabuki.availability.availability) == (50, Decimal("99.884"))
    assert (kabuki.availability.commitment, kabuki.availability.met) == (Decimal("99.950"), False)
    assert (kabuki.availability.credit_percent, kabuki.availability.credit_amount) == (10, Decimal("100.00"))
    assert pixel.incidents == [outages.across.pk, outages.both.pk]
    assert (pixel.availability.downtime_minutes, pixel.availability.availability) == (45, Decimal("99.895"))
    assert (pixel.availability.credit_amount, pixel.currency) == (Decimal("25.00"), "EUR")
    assert (quiet.incidents, quiet.availability.availability, quiet.availability.met) == (
        [],
        Decimal("100.000"),
        True,
    )


def test_the_month_to_date_counts_an_ongoing_outage_up_to_now(outages):
    with time_machine.travel(utc(6, 30, 23, 55), tick=False):
        report = availability_list_for_month(month=JUNE_FIRST, now=utc(6, 30, 23, 55))
    kabuki = report.customers[0]
    assert (report.final, kabuki.availability.minutes, kabuki.availability.downtime_minutes) == (
        False,
        43200,
        45,
    )


def test_the_query_count_does_not_grow_with_customers_or_incidents(outages, django_assert_num_queries):
    """Four queries: customers, outage windows, credit rules, their tiers."""
    with django_assert_num_queries(4):
        few = availability_list_for_month(month=JUNE_FIRST, now=READ_AT)
    source = integration(kind="alertmanager")
    for n in range(30):
        customer = CustomerFactory(name=f"Customer {n:02}")
        incident(source, [customer, outages.pixel], utc(6, 10, n % 24, n), utc(6, 10, n % 24, n + 20))
    with django_assert_num_queries(4):
        many = availability_list_for_month(month=JUNE_FIRST, now=READ_AT)
    assert (len(few.customers), len(many.customers)) == (3, 33)
    with django_assert_num_queries(4):
        one = availability_list_for_month(month=JUNE_FIRST, now=READ_AT, customer_id=outages.pixel.pk)
    assert [row.name for row in one.customers] == ["Pixel"]
    assert len(one.customers[0].incidents) == 32


def test_the_commitment_and_credit_table_are_data(outages):
    rule = CreditRule.objects.get(plan=Plan.STANDARD)
    rule.availability_commitment_percent = Decimal("99.8")
    rule.save()
    AvailabilityCreditTier.objects.filter(rule=rule).delete()
    report = availability_list_for_month(month=JUNE_FIRST, now=READ_AT)
    pixel = next(row for row in report.customers if row.name == "Pixel")
    assert (pixel.availability.commitment, pixel.availability.met, pixel.availability.credit_amount) == (
        Decimal("99.800"),
        True,
        Decimal("0.00"),
    )
    assert report.terms[Plan.STANDARD].tiers == ()


def test_the_migration_seeded_todays_defaults(db):
    assert SEED.COMMITMENT_PERCENT == DEFAULT_COMMITMENT_PERCENT
    assert SEED.MISSED_CREDIT_PERCENT == DEFAULT_MISSED_CREDIT_PERCENT
    assert SEED.TIERS == DEFAULT_TIERS
    seeded = {
        rule.plan: (
            rule.availability_commitment_percent,
            rule.availability_credit_percent,
            [(t.below_percent, t.credit_percent) for t in rule.availability_tiers.order_by("-below_percent")],
        )
        for rule in CreditRule.objects.all()
    }
    tiers = [(Decimal("99.000"), Decimal("25.00")), (Decimal("95.000"), Decimal("100.00"))]
    assert seeded == {
        "standard": (Decimal("99.900"), Decimal("10.00"), tiers),
        "premium": (Decimal("99.950"), Decimal("10.00"), tiers),
    }


# --- the API ----------------------------------------------------------------------------------------


@pytest.fixture
def callers(manager, lena):
    assert not manager.is_superuser  # a manager by the group alone
    ticket = make_ticket()
    root = get_user_model().objects.create_superuser("root", "root@support.example", "root-pass-2026")
    viewer = get_user_model().objects.create_user("viewer", password="not-staff-2026")
    return {
        "anonymous": (client_for(), 401),
        "requester": (client_for(token=ticket.access_token), 401),
        "non_staff": (client_for(viewer), 403),
        "engineer": (client_for(lena.user), 403),
        "manager": (client_for(manager), 200),
        "superuser": (client_for(root), 200),
    }


@pytest.mark.parametrize("role", ["anonymous", "requester", "non_staff", "engineer", "manager", "superuser"])
def test_managers_only(callers, outages, role):
    client, expected = callers[role]
    response = client.get(API, JUNE)
    assert response.status_code == expected, response.content
    assert response["Content-Type"] == "application/json"
    if expected == 200:
        assert [row["customer"]["name"] for row in response.json()["results"]] == [
            "Kabuki Live",
            "Pixel",
            "Quiet",
        ]
    else:
        assert response.json()["detail"]


def test_the_answer(as_manager, outages):
    body = as_manager.get(API, JUNE).json()
    assert (body["month"], body["final"], body["from"], body["to"]) == (
        "2025-06",
        True,
        "2025-06-01T00:00:00Z",
        "2025-07-01T00:00:00Z",
    )
    assert body["results"][0] == {
        "customer": {"id": outages.kabuki.pk, "name": "Kabuki Live", "plan": "premium"},
        "minutes": 43200,
        "downtime_minutes": 50,
        "availability": "99.884",
        "commitment": "99.950",
        "met": False,
        "credit_percent": "10.00",
        "credit_amount": "100.00",
        "monthly_fee": "1000.00",
        "currency": "USD",
        "incidents": [outages.both.pk, outages.overlap.pk, outages.ongoing.pk],
    }
    assert body["terms"]["premium"] == {
        "commitment": "99.950",
        "credit_percent": "10.00",
        "tiers": [
            {"below_percent": "99.000", "credit_percent": "25.00"},
            {"below_percent": "95.000", "credit_percent": "100.00"},
        ],
    }
    pixel_only = as_manager.get(API, {**JUNE, "customer": outages.pixel.pk}).json()["results"]
    assert [(row["customer"]["name"], row["availability"]) for row in pixel_only] == [("Pixel", "99.895")]
    assert as_manager.get(API, {**JUNE, "customer": 10**9}).json()["results"] == []


def test_without_a_month_the_last_complete_one(as_manager, outages):
    body = as_manager.get(API).json()
    assert (body["month"], body["final"]) == ("2025-06", True)
    with time_machine.travel(utc(6, 30, 23, 55), tick=False):
        running = as_manager.get(API, JUNE).json()
        assert (running["final"], running["results"][0]["downtime_minutes"]) == (False, 45)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"month": "2026-13"}, "month"),
        ({"month": "abc"}, "month"),
        ({"month": "2026-00"}, "month"),
        ({"month": "99999-01"}, "month"),
        ({"month": "2025-06", "customer": "xyz"}, "customer"),
        ({"month": "2025-06", "customer": "0"}, "customer"),
        ({"month": "2025-06", "customer": str(2**64)}, "customer"),
    ],
)
def test_bad_input_is_a_400_per_field(as_manager, params, field):
    response = as_manager.get(API, params)
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert response.json()[field][0]


# --- the CSV ----------------------------------------------------------------------------------------


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="availability-2025-06.csv"'
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:])))


def test_the_csv_gives_the_apis_figures(client, manager, as_manager, outages):
    outages.quiet.name = "=HYPERLINK(1)"  # a name a spreadsheet would run
    outages.quiet.save()
    client.force_login(manager)
    api = as_manager.get(API, JUNE).json()["results"]
    rows = csv_rows(client.get(CSV, JUNE))
    assert len(rows) == len(api) == 3
    for in_api, in_csv in zip(api, rows, strict=True):
        assert in_csv["month"] == "2025-06"
        assert int(in_csv["customer_id"]) == in_api["customer"]["id"]
        assert in_csv["customer"].lstrip("'") == in_api["customer"]["name"]
        assert in_csv["plan"] == in_api["customer"]["plan"]
        for column in ("minutes", "downtime_minutes"):
            assert int(in_csv[column]) == in_api[column]
        for column in (
            "availability",
            "commitment",
            "credit_percent",
            "credit_amount",
            "monthly_fee",
            "currency",
        ):
            assert in_csv[column] == in_api[column]
        assert in_csv["met"] == str(in_api["met"]).lower()
        assert in_csv["incidents"].split() == [str(pk) for pk in in_api["incidents"]]
    assert rows[0]["customer"] == "'=HYPERLINK(1)"  # sorted by name: "=" first
    one = csv_rows(client.get(CSV, {**JUNE, "customer": outages.pixel.pk}))
    assert [row["customer"] for row in one] == ["Pixel"]


def test_the_csv_is_for_managers_and_refuses_bad_input(client, manager, lena):
    assert client.get(CSV, JUNE).status_code == 302  # to the login page
    client.force_login(lena.user)
    assert client.get(CSV, JUNE).status_code == 403
    client.force_login(manager)
    for params in ({"month": "2026-13"}, {"month": "abc"}, {"month": "2025-06", "customer": "xyz"}):
        response = client.get(CSV, params)
        assert response.status_code == 400
        assert response["Content-Type"].startswith("text/plain")
    assert client.get(CSV).status_code == 200


# --- the report page ----------------------------------------------------------------------------------


def test_the_report_page_shows_the_apis_figures(client, manager, as_manager, outages):
    """Read on 5 July, the page's credits month is June (the last complete one); availability too."""
    client.force_login(manager)
    page = client.get("/reports/sla/").content.decode()
    shown = re.findall(r'data-customer="(\d+)" data-availability="([\d.]+)" data-credit="([\d.]+)"', page)
    api = as_manager.get(API, JUNE).json()["results"]
    assert shown == [(str(r["customer"]["id"]), r["availability"], r["credit_amount"]) for r in api]
    assert 'href="/reports/availability.csv?month=2025-06"' in page
    for row in api:  # each customer's outage incidents link to their pages
        for incident_id in row["incidents"]:
            assert f'href="/incidents/{incident_id}/">#{incident_id}</a>' in page
