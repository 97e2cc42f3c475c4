"""The SQL aggregation against numbers worked out by hand from `history` (reports/conftest.py)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from escalation.models import LedgerEntry
from escalation.reports.periods import period_resolve
from escalation.reports.selectors.breaches import breach_list
from escalation.reports.selectors.credits import credit_list_for_month
from escalation.reports.selectors.filters import ReportFilters, decided_cycles
from escalation.reports.selectors.sla_report import Percentiles, sla_report_get
from escalation.reports.selectors.trends import breach_heatmap_get, compliance_trend_list
from tests.escalation.reports.conftest import HOUR, READ_AT

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

UTC = ZoneInfo("UTC")
BERLIN = ZoneInfo("Europe/Berlin")


def june(zone=UTC, **filters) -> ReportFilters:
    period = period_resolve(start=date(2025, 6, 1), end=date(2025, 6, 30), zone=zone, now=READ_AT)
    return ReportFilters(period=period, **filters)


def minutes(value: float) -> timedelta:
    return timedelta(minutes=value)


def test_each_metric_cycle_counts_once_and_an_open_overdue_one_counts_as_breached(history):
    rows = decided_cycles(june())
    assert LedgerEntry.objects.count() == 7  # 5 completed, 2 breach rows (B's and C's)
    assert sorted((r.ticket_id, r.metric, r.kind) for r in rows) == sorted(
        [
            (history.a.pk, "first_response", "completed"),
            (history.a.pk, "resolution", "completed"),
            (history.b.pk, "first_response", "completed"),  # its breach row is not counted again
            (history.c.pk, "first_response", "breach"),  # still open, past due
            (history.d.pk, "first_response", "completed"),
            (history.d.pk, "resolution", "completed"),
        ]
    )


def test_the_report_by_severity_matches_the_hand_computed_numbers(history):
    report = sla_report_get(filters=june(), group_by="severity")
    groups = {row.key: row for row in report.groups}
    assert list(groups) == ["general", "major"]

    major = groups["major"]
    assert (major.tickets, major.met, major.breached, major.compliance) == (3, 2, 2, 50.0)
    # Completed first responses: A 10 min, B 40 min. percentile_cont: p50 25 min, p90 10 + 0.9 * 30.
    assert major.first_response == Percentiles(minutes(25), minutes(37))
    assert major.first_response_wall == Percentiles(minutes(25), minutes(37))  # around the clock
    assert major.resolution == major.resolution_wall == Percentiles(2 * HOUR, 2 * HOUR)
    assert major.paused == timedelta(0)
    # B: steps 1 and 2 (the warning is no escalation); C: step 1. Acknowledged after 3 and 10 min.
    assert (major.escalations, major.pages_acknowledged) == (3, 2)
    assert major.time_to_acknowledge == Percentiles(minutes(6.5), minutes(3 + 0.9 * 7))

    general = groups["general"]
    assert (general.tickets, general.met, general.breached, general.compliance) == (1, 1, 1, 50.0)
    assert general.first_response == Percentiles(7 * HOUR, 7 * HOUR)  # business hours in Berlin
    assert general.first_response_wall == Percentiles(22 * HOUR, 22 * HOUR)
    assert general.resolution == Percentiles(9 * HOUR, 9 * HOUR)  # 13 business hours - 4 paused
    assert general.resolution_wall == Percentiles(28 * HOUR, 28 * HOUR)
    assert general.paused == 4 * HOUR
    assert (general.escalations, general.pages_acknowledged) == (0, 0)
    assert general.time_to_acknowledge == Percentiles(None, None)

    total = report.total
    assert (total.key, total.tickets, total.met, total.breached, total.compliance) == (None, 4, 3, 3, 50.0)
    # Over [10 min, 40 min, 7 h] and the wall times [10 min, 40 min, 22 h]: p90 at 1.8 of the way.
    assert total.first_response == Percentiles(minutes(40), minutes(40 + 0.8 * 380))
    assert total.first_response_wall == Percentiles(minutes(40), minutes(40 + 0.8 * 1280))
    assert total.resolution == Percentiles(minutes(330), minutes(120 + 0.9 * 420))
    assert total.resolution_wall == Percentiles(15 * HOUR, minutes(120 + 0.9 * 1560))
    assert (total.paused, total.escalations, total.pages_acknowledged) == (4 * HOUR, 3, 2)


@pytest.mark.parametrize(
    ("group_by", "expected"),
    [
        ("plan", {"premium": (3, 2, 2, 3), "standard": (1, 1, 1, 0)}),
        # Rows name the assignee when they were written: C had none.
        ("engineer", {"lena": (2, 3, 1, 0), "bob": (1, 0, 1, 2), None: (1, 0, 1, 1)}),
        ("region", {"emea": (2, 3, 1, 0), "americas": (1, 0, 1, 2), None: (1, 0, 1, 1)}),
        ("customer", {"Kabuki Live": (3, 2, 2, 3), 'Pixel "Rádio", Lisboa': (1, 1, 1, 0)}),
    ],
)
def test_the_report_groups_by_each_dimension(history, group_by, expected):
    report = sla_report_get(filters=june(), group_by=group_by)
    found = {row.label: (row.tickets, row.met, row.breached, row.escalations) for row in report.groups}
    assert found == expected


@pytest.mark.parametrize(
    ("filters", "tickets", "met", "breached"),
    [
        ({"severity": "major"}, 3, 2, 2),
        ({"plan": "standard"}, 1, 1, 1),
        ({"engineer": "bob"}, 1, 0, 1),
        ({"region": "emea"}, 2, 3, 1),
        ({"severity": "general", "region": "americas"}, 0, 0, 0),
    ],
)
def test_the_filters_narrow_every_number(history, filters, tickets, met, breached):
    total = sla_report_get(filters=june(**filters), group_by="severity").total
    assert (total.tickets, total.met, total.breached) == (tickets, met, breached)


def test_a_customer_filter(history):
    total = sla_report_get(filters=june(customer_id=history.pixel.pk), group_by="plan").total
    assert (total.tickets, total.met, total.breached, total.paused) == (1, 1, 1, 4 * HOUR)


def test_the_period_is_on_due_times(history):
    # Only D's resolution was due after Friday 13 June (on Monday the 16th, 11:00 UTC).
    period = period_resolve(start=date(2025, 6, 13), end=date(2025, 6, 30), zone=UTC, now=READ_AT)
    total = sla_report_get(filters=ReportFilters(period=period), group_by="severity").total
    assert (total.tickets, total.met, total.breached) == (1, 1, 0)


def test_the_breach_list_names_each_broken_promise_latest_first(history):
    rows = list(breach_list(filters=june(), now=READ_AT))
    assert [(r.ticket_id, r.kind) for r in rows] == [
        (history.d.pk, "completed"),  # due Wednesday 14:00 UTC
        (history.c.pk, "breach"),  # due 10:15, still open; its row was written after B's (ties: by seq)
        (history.b.pk, "completed"),  # due 10:15, answered late
    ]
    d, c, b = rows
    assert (d.subject, d.customer.name, d.engineer.username) == (
        "Stats, “lag”",
        'Pixel "Rádio", Lisboa',
        "lena",
    )
    assert (d.overshoot, d.late_by, d.highest_step) == (3 * HOUR, 18 * HOUR, 0)
    assert (b.overshoot, b.late_by, b.highest_step, b.engineer.username) == (
        minutes(25),
        minutes(25),
        2,
        "bob",
    )
    assert c.achieved_at is None and c.engineer is None
    assert (c.late_by, c.highest_step) == (READ_AT - c.due_at, 1)


def test_the_trend_fills_every_day_and_reads_days_in_the_managers_zone(history):
    points = compliance_trend_list(filters=june(BERLIN), interval="day")
    assert len(points) == 30
    by_day = {p.start: (p.met, p.breached, p.compliance) for p in points if p.decided}
    assert by_day == {date(2025, 6, 11): (2, 3, 40.0), date(2025, 6, 16): (1, 0, 100.0)}
    weeks = compliance_trend_list(filters=june(BERLIN), interval="week")
    assert [p.start for p in weeks][:3] == [date(2025, 5, 26), date(2025, 6, 2), date(2025, 6, 9)]
    assert {p.start: (p.met, p.breached) for p in weeks if p.decided} == {
        date(2025, 6, 9): (2, 3),
        date(2025, 6, 16): (1, 0),
    }


@pytest.mark.parametrize(("zone", "hour_b_c", "hour_d"), [(UTC, 10, 14), (BERLIN, 12, 16)])
def test_the_heatmap_puts_breaches_at_the_local_hour_their_deadline_passed(history, zone, hour_b_c, hour_d):
    heatmap = breach_heatmap_get(filters=june(zone))
    wednesday = heatmap.counts[2]
    assert (wednesday[hour_b_c], wednesday[hour_d], heatmap.total) == (2, 1, 3)


def test_credits_count_the_months_breaches_against_each_plans_rule(history):
    credits = credit_list_for_month(month=date(2025, 6, 1), now=datetime(2025, 7, 1, tzinfo=UTC))
    assert credits.final
    found = {
        row.name: (row.credit.major_first_response_breaches, row.credit.other_breaches, row.credit.percent,
                   row.credit.amount, row.currency)
        for row in credits.customers
    }  # fmt: skip
    assert found == {
        "Kabuki Live": (2, 0, 10, 100, "USD"),  # B and C: major first responses, 5 % each
        'Pixel "Rádio", Lisboa': (0, 1, 2, 5, "EUR"),  # D: 2 % of 250
    }
    july = credit_list_for_month(month=date(2025, 7, 1), now=datetime(2025, 7, 2, tzinfo=UTC))
    assert (july.customers, july.final) == ([], False)
