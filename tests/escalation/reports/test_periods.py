"""Reporting periods: days in the manager's zone, DST-long days, defaults and limits. Pure."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from escalation.reports.periods import (
    PeriodError,
    credit_month_for,
    default_interval,
    month_is_final,
    month_last_complete,
    month_period,
    period_resolve,
)

pytestmark = pytest.mark.clock

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")
NOW = datetime(2025, 6, 11, 10, 0, tzinfo=UTC)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "start", "end", "expected_start", "expected_end"),
    [
        (ZoneInfo("UTC"), date(2025, 6, 1), date(2025, 6, 30), utc(2025, 6, 1), utc(2025, 7, 1)),
        (BERLIN, date(2025, 6, 1), date(2025, 6, 30), utc(2025, 5, 31, 22), utc(2025, 6, 30, 22)),
        # The day the clocks go forward is 23 hours long, the day they go back 25.
        (BERLIN, date(2025, 3, 30), date(2025, 3, 30), utc(2025, 3, 29, 23), utc(2025, 3, 30, 22)),
        (BERLIN, date(2025, 10, 26), date(2025, 10, 26), utc(2025, 10, 25, 22), utc(2025, 10, 26, 23)),
        (NEW_YORK, date(2025, 3, 9), date(2025, 3, 9), utc(2025, 3, 9, 5), utc(2025, 3, 10, 4)),
        (NEW_YORK, date(2025, 11, 2), date(2025, 11, 2), utc(2025, 11, 2, 4), utc(2025, 11, 3, 5)),
        (KOLKATA, date(2025, 6, 1), date(2025, 6, 1), utc(2025, 5, 31, 18, 30), utc(2025, 6, 1, 18, 30)),
    ],
)
def test_days_are_local_and_the_end_day_is_included(zone, start, end, expected_start, expected_end):
    period = period_resolve(start=start, end=end, zone=zone, now=NOW)
    assert (period.start, period.end) == (expected_start, expected_end)
    assert period.last_local_day() == end


def test_instants_are_taken_as_they_are():
    period = period_resolve(start=utc(2025, 6, 1, 7, 30), end=utc(2025, 6, 2, 8), zone=BERLIN, now=NOW)
    assert (period.start, period.end) == (utc(2025, 6, 1, 7, 30), utc(2025, 6, 2, 8))


def test_the_default_is_the_last_thirty_local_days_up_to_now():
    assert period_resolve(start=None, end=None, zone=ZoneInfo("UTC"), now=NOW).start == NOW - timedelta(
        days=30
    )
    # 30 days back from 2025-04-10 12:00 CEST is 2025-03-11 12:00 CET: 30 days and 1 hour of real time.
    april = utc(2025, 4, 10, 10)
    period = period_resolve(start=None, end=None, zone=BERLIN, now=april)
    assert (period.start, period.end) == (utc(2025, 3, 11, 11), april)


def test_a_given_end_day_with_the_default_start():
    period = period_resolve(start=None, end=date(2025, 6, 30), zone=ZoneInfo("UTC"), now=NOW)
    assert (period.start, period.end) == (utc(2025, 6, 1), utc(2025, 7, 1))


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (date(2025, 6, 2), date(2025, 6, 1), "`to` must be after `from`."),
        (utc(2025, 6, 2), utc(2025, 6, 2), "`to` must be after `from`."),
        (date(2020, 1, 1), date(2025, 1, 1), "A report covers at most 731 days; choose a shorter period."),
    ],
)
def test_backwards_empty_and_overlong_periods_are_refused(start, end, message):
    with pytest.raises(PeriodError, match=message.replace("(", r"\(")):
        period_resolve(start=start, end=end, zone=BERLIN, now=NOW)


def test_months_are_utc_calendar_months():
    december = month_period(date(2025, 12, 17))
    assert (december.start, december.end) == (utc(2025, 12, 1), utc(2026, 1, 1))
    february = month_period(date(2024, 2, 29))
    assert (february.start, february.end) == (utc(2024, 2, 1), utc(2024, 3, 1))


@pytest.mark.parametrize(
    ("now", "last_complete"),
    [
        (utc(2026, 12, 2, 9), date(2026, 11, 1)),
        (utc(2026, 12, 1, 0, 30), date(2026, 11, 1)),  # the first hour of a month
        (utc(2026, 12, 31, 23, 59), date(2026, 11, 1)),
        (utc(2027, 1, 1, 0, 0), date(2026, 12, 1)),  # the instant December closes
        (utc(2026, 3, 1, 0, 30), date(2026, 2, 1)),
        (datetime(2026, 11, 30, 23, 30, tzinfo=ZoneInfo("America/New_York")), date(2026, 11, 1)),  # UTC: Dec
    ],
)
def test_credits_are_billed_per_closed_utc_month(now, last_complete):
    assert month_last_complete(now) == last_complete
    assert month_is_final(last_complete, now)
    assert not month_is_final(month_period(now.astimezone(UTC).date()).start.date(), now)


@pytest.mark.parametrize(
    ("start", "end", "now", "month"),
    [
        # "The last 30 days" on 2 December: November's breaches, November's (final) credits.
        (None, None, utc(2026, 12, 2, 9), date(2026, 11, 1)),
        (None, None, utc(2027, 1, 1, 0, 30), date(2026, 12, 1)),
        (None, None, utc(2026, 12, 31, 22), date(2026, 11, 1)),
        # A period in the past: the month of its last day, once that month has closed.
        (date(2025, 3, 1), date(2025, 3, 31), utc(2026, 12, 2, 9), date(2025, 3, 1)),
        (date(2025, 1, 1), date(2025, 2, 15), utc(2026, 12, 2, 9), date(2025, 2, 1)),
        # A period reaching into a month still running: the month before it.
        (date(2026, 11, 20), date(2026, 12, 10), utc(2026, 12, 2, 9), date(2026, 11, 1)),
    ],
)
def test_the_credits_shown_with_a_report_are_of_a_closed_month(start, end, now, month):
    period = period_resolve(start=start, end=end, zone=ZoneInfo("UTC"), now=now)
    assert credit_month_for(period, now) == month
    assert month_is_final(month, now)


def test_long_periods_chart_per_week():
    short = period_resolve(start=date(2025, 1, 1), end=date(2025, 3, 3), zone=BERLIN, now=NOW)
    long = period_resolve(start=date(2025, 1, 1), end=date(2025, 3, 5), zone=BERLIN, now=NOW)
    assert (default_interval(short), default_interval(long)) == ("day", "week")
