"""The availability maths: whole UTC minutes of a month touched by an outage, overlaps once, against a
brute-force count of every minute of the month; percentages, `met` and credits in exact arithmetic."""

from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation.reports.availability import (
    DEFAULT_TERMS,
    AvailabilityTerms,
    CreditTier,
    Window,
    availability_for,
    downtime_minutes,
    month_bounds,
    month_minutes,
)

D = Decimal
MINUTE_US = 60_000_000
STANDARD = DEFAULT_TERMS["standard"]
PREMIUM = DEFAULT_TERMS["premium"]
JUNE = (2025, 6)
JUNE_START = datetime(2025, 6, 1, tzinfo=UTC)
AFTER = datetime(2030, 1, 1, tzinfo=UTC)  # read long after: every month is over


def at(day: int, hour: int = 0, minute: int = 0, second: int = 0, *, month: int = 6) -> datetime:
    return datetime(2025, month, day, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize(
    ("year", "month", "minutes"),
    [
        (2025, 1, 31 * 1440),
        (2025, 2, 28 * 1440),
        (2024, 2, 29 * 1440),  # leap year
        (2000, 2, 29 * 1440),  # divisible by 400: leap
        (2100, 2, 28 * 1440),  # divisible by 100: not
        (2025, 3, 31 * 1440),  # Europe's clocks go forward on the 30th; a UTC month does not notice
        (2025, 4, 30 * 1440),
        (2025, 10, 31 * 1440),  # and back on the 26th
        (2025, 12, 31 * 1440),  # the next month is in the next year
    ],
)
def test_a_month_is_whole_utc_days(year, month, minutes):
    start, end = month_bounds(year, month)
    assert (start.tzinfo, start.day, end.day, end.hour) == (UTC, 1, 1, 0)
    assert month_minutes(year, month) == minutes


def test_there_is_no_month_13():
    with pytest.raises(ValueError, match="no month 13"):
        month_bounds(2026, 13)


@pytest.mark.parametrize(
    ("windows", "now", "down"),
    [
        ([], AFTER, 0),
        ([Window(at(2, 10), at(2, 11))], AFTER, 60),
        # Two incidents at once: merged, each minute once.
        ([Window(at(2, 10), at(2, 11)), Window(at(2, 10, 30), at(2, 11, 30))], AFTER, 90),
        # Touching windows make one run.
        ([Window(at(2, 10), at(2, 11)), Window(at(2, 11), at(2, 12))], AFTER, 120),
        # One inside another.
        ([Window(at(2, 10), at(2, 12)), Window(at(2, 10, 15), at(2, 10, 45))], AFTER, 120),
        # A partly-down minute is down: 10:00:30 to 10:01:10 touches two minutes.
        ([Window(at(2, 10, 0, 30), at(2, 10, 1, 10))], AFTER, 2),
        # An empty or backwards window is nothing.
        ([Window(at(2, 10), at(2, 10)), Window(at(2, 11), at(2, 10))], AFTER, 0),
        # Clipped to the month at both ends.
        ([Window(datetime(2025, 5, 31, 23, 50, tzinfo=UTC), at(1, 0, 10))], AFTER, 10),
        ([Window(at(30, 23, 30), datetime(2025, 7, 1, 0, 30, tzinfo=UTC))], AFTER, 30),
        # Still going on: counted up to now, never beyond the month.
        ([Window(at(30, 23), None)], AFTER, 60),
        ([Window(at(30, 23), None)], at(30, 23, 30), 30),
        # A window ending after now (a clock set later than ours) stops at now too.
        ([Window(at(30, 23), AFTER)], at(30, 23, 30), 30),
        # Entirely before or after the month.
        ([Window(datetime(2025, 5, 1, tzinfo=UTC), JUNE_START)], AFTER, 0),
        ([Window(datetime(2025, 7, 1, tzinfo=UTC), None)], AFTER, 0),
    ],
)
def test_downtime_minutes(windows, now, down):
    start, end = month_bounds(*JUNE)
    assert downtime_minutes(windows, start=start, end=end, now=now) == down


def outage(minutes: int, *, since: datetime = JUNE_START) -> list[Window]:
    return [Window(since, since + timedelta(minutes=minutes))]


@pytest.mark.parametrize(
    ("terms", "down", "availability", "met", "credit_percent", "credit_amount"),
    [
        (STANDARD, 0, D("100.000"), True, D("0"), D("0.00")),
        # June has 43,200 minutes: 99.9 % allows 43.2 minutes down.
        (STANDARD, 43, D("99.900"), True, D("0"), D("0.00")),  # 99.90046
        (STANDARD, 44, D("99.898"), False, D("10"), D("100.00")),  # 99.89814
        # 99.95 % allows 21.6.
        (PREMIUM, 21, D("99.951"), True, D("0"), D("0.00")),
        (PREMIUM, 22, D("99.949"), False, D("10"), D("100.00")),
        # Exactly 99.0 % is not below 99.0 %; a minute more is.
        (STANDARD, 432, D("99.000"), False, D("10"), D("100.00")),
        (STANDARD, 433, D("98.997"), False, D("25"), D("250.00")),
        (STANDARD, 2160, D("95.000"), False, D("25"), D("250.00")),
        (STANDARD, 2161, D("94.997"), False, D("100"), D("1000.00")),
        (PREMIUM, 43200, D("0.000"), False, D("100"), D("1000.00")),
    ],
)
def test_june_against_the_default_terms(terms, down, availability, met, credit_percent, credit_amount):
    result = availability_for(
        year=2025, month=6, windows=outage(down), now=AFTER, terms=terms, monthly_fee=D("1000.00")
    )
    assert (
        result.minutes,
        result.downtime_minutes,
        result.availability,
        result.commitment,
        result.met,
        result.credit_percent,
        result.credit_amount,
    ) == (43200, down, availability, terms.commitment_percent, met, credit_percent, credit_amount)


def test_shown_rounded_down_so_that_it_never_claims_more_than_was_delivered():
    """A 31-day month, 99.95 %: 22 minutes down is 99.950717 %, 23 is 99.948477 % (not 99.949 up)."""
    for down, shown, met in ((22, D("99.950"), True), (23, D("99.948"), False)):
        result = availability_for(
            year=2025,
            month=7,
            windows=outage(down, since=at(3, month=7)),
            now=AFTER,
            terms=PREMIUM,
            monthly_fee=D("10"),
        )
        assert (result.availability, result.met) == (shown, met)


def test_the_credit_is_rounded_half_up_to_the_cent():
    result = availability_for(
        year=2025, month=6, windows=outage(44), now=AFTER, terms=STANDARD, monthly_fee=D("0.05")
    )
    assert result.credit_amount == D("0.01")  # 10 % of 0.05 is 0.005


def test_a_negative_fee_is_refused():
    with pytest.raises(ValueError, match="never negative"):
        availability_for(year=2025, month=6, windows=[], now=AFTER, terms=STANDARD, monthly_fee=D("-1"))


# --- properties --------------------------------------------------------------------------------------


def brute_force_down(windows_us: list[tuple[int, int | None]], now_us: int, minutes: int) -> int:
    """Minute by minute: is any part of this minute inside a window, before now?"""
    down = 0
    for minute in range(minutes):
        first, last = minute * MINUTE_US, (minute + 1) * MINUTE_US
        for start, end in windows_us:
            stop = now_us if end is None else min(end, now_us)
            if max(first, start) < min(last, stop):
                down += 1
                break
    return down


@st.composite
def months(draw):
    year = draw(st.sampled_from([2000, 2023, 2024, 2025, 2100]))
    month = draw(st.sampled_from([1, 2, 3, 4, 10, 12]))  # 31 and 30 days, February, DST months
    return year, month


def offsets(month_us: int):
    """Microseconds from the month's start: around it and around its end, often on a minute."""
    margin = 3 * 1440 * MINUTE_US
    anywhere = st.integers(-margin, month_us + margin)
    on_a_minute = st.integers(-3 * 1440, month_us // MINUTE_US + 3 * 1440).map(lambda m: m * MINUTE_US)
    near_an_edge = st.sampled_from([0, month_us]).flatmap(
        lambda edge: st.integers(edge - 2 * MINUTE_US, edge + 2 * MINUTE_US)
    )
    return st.one_of(anywhere, on_a_minute, near_an_edge)


@st.composite
def cases(draw):
    year, month = draw(months())
    minutes = month_minutes(year, month)
    month_us = minutes * MINUTE_US
    windows = []
    for _ in range(draw(st.integers(0, 6))):
        start = draw(offsets(month_us))
        length = draw(st.one_of(st.none(), st.integers(-MINUTE_US, 5 * 1440 * MINUTE_US)))
        windows.append((start, None if length is None else start + length))
    now = draw(offsets(month_us))
    return year, month, minutes, windows, now


@settings(max_examples=60, deadline=None)
@given(cases())
def test_downtime_is_the_brute_force_minute_count(case):
    year, month, minutes, windows_us, now_us = case
    start, end = month_bounds(year, month)

    def instant(us: int) -> datetime:
        return start + timedelta(microseconds=us)

    windows = [Window(instant(s), None if e is None else instant(e)) for s, e in windows_us]
    assert downtime_minutes(windows, start=start, end=end, now=instant(now_us)) == brute_force_down(
        windows_us, now_us, minutes
    )


tier_percents = st.decimals(min_value=0, max_value=100, places=3)


@st.composite
def terms(draw):
    return AvailabilityTerms(
        commitment_percent=draw(tier_percents),
        missed_credit_percent=draw(st.decimals(min_value=0, max_value=100, places=2)),
        tiers=tuple(
            CreditTier(draw(tier_percents), draw(st.decimals(min_value=0, max_value=100, places=2)))
            for _ in range(draw(st.integers(0, 3)))
        ),
    )


@settings(max_examples=200)
@given(
    month=months(),
    down_fraction=st.fractions(min_value=0, max_value=1),
    chosen=terms(),
    fee=st.decimals(min_value=0, max_value=10**9, places=2),
)
def test_percent_met_and_credit_follow_the_exact_fraction(month, down_fraction, chosen, fee):
    year, number = month
    minutes = month_minutes(year, number)
    down = int(down_fraction * minutes)
    start, end = month_bounds(year, number)
    result = availability_for(
        year=year,
        month=number,
        windows=[Window(start, start + timedelta(minutes=down))],
        now=end,  # read as the month ends (some months are after 2030)
        terms=chosen,
        monthly_fee=fee,
    )
    exact = Fraction(minutes - down, minutes) * 100
    assert result.downtime_minutes == down
    assert result.availability == D(int(exact * 1000)) / 1000  # rounded down to 3 decimals
    assert result.met == (exact >= Fraction(chosen.commitment_percent))
    assert result.met == (result.availability >= chosen.commitment_percent)  # the figure shown agrees
    owed = (
        D(0)
        if result.met
        else max(
            [chosen.missed_credit_percent]
            + [t.credit_percent for t in chosen.tiers if exact < Fraction(t.below_percent)]
        )
    )
    assert result.credit_percent == owed
    assert result.credit_amount == (fee * owed / 100).quantize(D("0.01"), rounding=ROUND_HALF_UP)


@settings(max_examples=60, deadline=None)
@given(cases(), st.integers(0, 3 * 1440))
def test_more_outage_never_raises_availability_nor_lowers_the_credit(case, extra_minutes):
    year, month, _, windows_us, now_us = case
    start, _end = month_bounds(year, month)
    now = start + timedelta(microseconds=now_us)
    windows = [
        Window(start + timedelta(microseconds=s), None if e is None else start + timedelta(microseconds=e))
        for s, e in windows_us
    ]
    more = [*windows, Window(start + timedelta(days=1), start + timedelta(days=1, minutes=extra_minutes))]
    before, after = (
        availability_for(year=year, month=month, windows=w, now=now, terms=STANDARD, monthly_fee=D(100))
        for w in (windows, more)
    )
    assert after.availability <= before.availability
    assert after.credit_percent >= before.credit_percent
