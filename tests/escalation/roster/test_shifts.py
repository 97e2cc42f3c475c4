"""Tests for escalation.roster.shifts: hand-checked tables plus hypothesis laws (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation.roster.shifts import (
    Shift,
    assignment_hold_until,
    is_on_shift,
    local_time,
    next_shift_start,
    next_shift_window,
    previous_shift_end,
    shift_end,
    shift_window_at,
)
from tests.escalation.sla.test_business_time import instants_for, wall_times, zones

pytestmark = pytest.mark.clock

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
KATHMANDU = ZoneInfo("Asia/Kathmandu")
WEEKDAYS = frozenset(range(5))
EVERY_DAY = frozenset(range(7))


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


TOKYO_DAY = Shift(TOKYO, time(9), time(18), WEEKDAYS)
NY_NIGHT_DAILY = Shift(NEW_YORK, time(22), time(6), EVERY_DAY)
NY_NIGHT_WEEKDAYS = Shift(NEW_YORK, time(22), time(6), WEEKDAYS)
BERLIN_DAY = Shift(BERLIN, time(9), time(17), WEEKDAYS)
KATHMANDU_DAY = Shift(KATHMANDU, time(10), time(17), frozenset({6, 0, 1, 2, 3, 4}))
BERLIN_MONDAY_24H = Shift(BERLIN, time(8), time(8), frozenset({0}))
# Sunday shifts in Berlin's spring-forward gap (2025-03-30 02:00-03:00 does not exist).
BERLIN_GAP = Shift(BERLIN, time(2, 30), time(4), frozenset({6}))
BERLIN_GAP_EMPTY = Shift(BERLIN, time(2, 30), time(3, 15), frozenset({6}))

WINDOW_CASES = [
    # Tokyo 09-18 (+09): Monday 2025-03-31 09:00 JST = 00:00Z .. 18:00 JST = 09:00Z.
    pytest.param(TOKYO_DAY, utc(2025, 3, 31), (utc(2025, 3, 31), utc(2025, 3, 31, 9)), id="tokyo-opening"),
    pytest.param(
        TOKYO_DAY, utc(2025, 3, 31, 8, 59, 59), (utc(2025, 3, 31), utc(2025, 3, 31, 9)), id="tokyo-last-sec"
    ),
    pytest.param(TOKYO_DAY, utc(2025, 3, 31, 9), None, id="tokyo-at-end"),
    pytest.param(TOKYO_DAY, utc(2025, 3, 30, 23, 59, 59), None, id="tokyo-before-start"),
    pytest.param(TOKYO_DAY, utc(2025, 3, 29, 3), None, id="tokyo-saturday"),
    # NY nightly: Sat 2025-03-08 22:00 EST = 03-09 03:00Z .. Sun 06:00 EDT = 10:00Z (7h).
    pytest.param(
        NY_NIGHT_DAILY, utc(2025, 3, 9, 6, 30), (utc(2025, 3, 9, 3), utc(2025, 3, 9, 10)), id="ny-spring-0130"
    ),
    pytest.param(
        NY_NIGHT_DAILY, utc(2025, 3, 9, 8), (utc(2025, 3, 9, 3), utc(2025, 3, 9, 10)), id="ny-spring-0400"
    ),
    pytest.param(NY_NIGHT_DAILY, utc(2025, 3, 9, 10), None, id="ny-spring-end"),
    # Sat 2025-11-01 22:00 EDT = 11-02 02:00Z .. Sun 06:00 EST = 11:00Z (9h); 01:30 happens twice.
    pytest.param(
        NY_NIGHT_DAILY,
        utc(2025, 11, 2, 5, 30),
        (utc(2025, 11, 2, 2), utc(2025, 11, 2, 11)),
        id="ny-fall-0130-edt",
    ),
    pytest.param(
        NY_NIGHT_DAILY,
        utc(2025, 11, 2, 6, 30),
        (utc(2025, 11, 2, 2), utc(2025, 11, 2, 11)),
        id="ny-fall-0130-est",
    ),
    pytest.param(
        NY_NIGHT_DAILY,
        utc(2025, 11, 2, 10, 30),
        (utc(2025, 11, 2, 2), utc(2025, 11, 2, 11)),
        id="ny-fall-0530",
    ),
    pytest.param(NY_NIGHT_DAILY, utc(2025, 11, 2, 11), None, id="ny-fall-end"),
    # Mon-Fri nights: Friday 2025-03-14 22:00 EDT = 03-15 02:00Z runs into Saturday until 06:00 EDT = 10:00Z.
    pytest.param(
        NY_NIGHT_WEEKDAYS, utc(2025, 3, 15, 7), (utc(2025, 3, 15, 2), utc(2025, 3, 15, 10)), id="fri-into-sat"
    ),
    # Saturday 23:00 EDT (03-16 03:00Z) and Sunday 23:00 EDT (03-17 03:00Z): no shift starts on the weekend.
    pytest.param(NY_NIGHT_WEEKDAYS, utc(2025, 3, 16, 3), None, id="saturday-night"),
    pytest.param(NY_NIGHT_WEEKDAYS, utc(2025, 3, 17, 3), None, id="sunday-night"),
    # Kathmandu (+05:45) Sunday 10:00 = 04:15Z .. 17:00 = 11:15Z.
    pytest.param(
        KATHMANDU_DAY, utc(2025, 3, 30, 4, 15), (utc(2025, 3, 30, 4, 15), utc(2025, 3, 30, 11, 15)), id="ktm"
    ),
    pytest.param(KATHMANDU_DAY, utc(2025, 3, 29, 6), None, id="ktm-saturday"),
    # 24h Monday shift: Mon 2025-03-31 08:00 CEST = 06:00Z .. Tue 08:00 CEST = 06:00Z.
    pytest.param(BERLIN_MONDAY_24H, utc(2025, 4, 1, 5), (utc(2025, 3, 31, 6), utc(2025, 4, 1, 6)), id="24h"),
    # 02:30 does not exist on 2025-03-30: the shift starts 03:30 CEST = 01:30Z and ends 04:00 CEST = 02:00Z.
    pytest.param(BERLIN_GAP, utc(2025, 3, 30, 1), None, id="gap-before"),
    pytest.param(
        BERLIN_GAP, utc(2025, 3, 30, 1, 45), (utc(2025, 3, 30, 1, 30), utc(2025, 3, 30, 2)), id="gap-inside"
    ),
    # 02:30-03:15 becomes 01:30Z-01:15Z on that day: it does not happen at all.
    pytest.param(BERLIN_GAP_EMPTY, utc(2025, 3, 30, 1, 20), None, id="gap-empty"),
]


@pytest.mark.parametrize(("shift", "at", "expected"), WINDOW_CASES)
def test_shift_window_at(shift: Shift, at: datetime, expected: tuple[datetime, datetime] | None) -> None:
    assert shift_window_at(shift, at) == expected
    assert shift_window_at(shift, at.astimezone(shift.tz)) == expected
    assert is_on_shift(shift, at) is (expected is not None)
    assert shift_end(shift, at) == (None if expected is None else expected[1])


NEXT_START_CASES = [
    # Tokyo: Friday 19:00 JST -> Monday 09:00 JST = 2025-03-31 00:00Z; at a start, the next day's start.
    pytest.param(TOKYO_DAY, utc(2025, 3, 28, 10), utc(2025, 3, 31), id="tokyo-weekend"),
    pytest.param(TOKYO_DAY, utc(2025, 3, 31), utc(2025, 4, 1), id="strictly-after"),
    pytest.param(TOKYO_DAY, utc(2025, 3, 30, 23, 59, 59), utc(2025, 3, 31), id="one-second-before"),
    # Berlin 09-17: Friday evening -> Monday 09:00 CEST = 07:00Z (spring) / 09:00 CET = 08:00Z (autumn).
    pytest.param(BERLIN_DAY, utc(2025, 3, 28, 18), utc(2025, 3, 31, 7), id="berlin-spring"),
    pytest.param(BERLIN_DAY, utc(2025, 10, 24, 18), utc(2025, 10, 27, 8), id="berlin-autumn"),
    # NY Mon-Fri nights, asked during Friday's shift: Monday 22:00 EDT = Tuesday 02:00Z.
    pytest.param(NY_NIGHT_WEEKDAYS, utc(2025, 3, 15, 7), utc(2025, 3, 18, 2), id="ny-weekend"),
    # Sat 2025-03-08 03:00 EST -> Mon 2025-03-10 22:00 EDT = 03-11 02:00Z (across spring-forward).
    pytest.param(NY_NIGHT_WEEKDAYS, utc(2025, 3, 8, 8), utc(2025, 3, 11, 2), id="ny-spring"),
    # Sat 2025-11-01 08:00 EDT -> Mon 2025-11-03 22:00 EST = 11-04 03:00Z (across fall-back).
    pytest.param(NY_NIGHT_WEEKDAYS, utc(2025, 11, 1, 12), utc(2025, 11, 4, 3), id="ny-fall"),
    # NY nightly: after the 9h night ends, Sunday 22:00 EST = 11-03 03:00Z;
    # after the 7h night, Sunday 22:00 EDT = 03-10 02:00Z.
    pytest.param(NY_NIGHT_DAILY, utc(2025, 11, 2, 11), utc(2025, 11, 3, 3), id="ny-daily-fall"),
    pytest.param(NY_NIGHT_DAILY, utc(2025, 3, 9, 12), utc(2025, 3, 10, 2), id="ny-daily-spring"),
    # Gap start 02:30 on 2025-03-30 happens at 03:30 CEST = 01:30Z.
    pytest.param(BERLIN_GAP, utc(2025, 3, 30), utc(2025, 3, 30, 1, 30), id="gap-start"),
    # The empty gap shift is skipped that Sunday: next is 2025-04-06 02:30 CEST = 00:30Z.
    pytest.param(BERLIN_GAP_EMPTY, utc(2025, 3, 29, 12), utc(2025, 4, 6, 0, 30), id="gap-empty-skipped"),
]


@pytest.mark.parametrize(("shift", "at", "expected"), NEXT_START_CASES)
def test_next_shift_start(shift: Shift, at: datetime, expected: datetime) -> None:
    upcoming = next_shift_start(shift, at)
    assert upcoming == expected
    assert upcoming is not None
    assert upcoming.tzinfo is UTC


def test_no_workdays() -> None:
    idle = Shift(BERLIN, time(9), time(17), frozenset())
    assert next_shift_start(idle, utc(2025, 3, 28)) is None
    assert shift_window_at(idle, utc(2025, 3, 28, 10)) is None
    assert shift_end(idle, utc(2025, 3, 28, 10)) is None


def test_local_time() -> None:
    # 2025-03-30 01:00Z is the first instant of CEST: 03:00 local.
    shown = local_time(BERLIN, utc(2025, 3, 30, 1))
    assert (shown.replace(tzinfo=None), shown.tzname()) == (datetime(2025, 3, 30, 3), "CEST")
    assert local_time(KATHMANDU, utc(2025, 3, 30, 4, 15)).replace(tzinfo=None) == datetime(2025, 3, 30, 10)
    with pytest.raises(ValueError, match="aware"):
        local_time(BERLIN, datetime(2025, 3, 30, 1))


def test_validation() -> None:
    with pytest.raises(ValueError, match="workdays"):
        Shift(BERLIN, time(9), time(17), frozenset({7}))
    with pytest.raises(ValueError, match="naive"):
        Shift(BERLIN, time(9, tzinfo=UTC), time(17), WEEKDAYS)
    with pytest.raises(ValueError, match="aware"):
        is_on_shift(BERLIN_DAY, datetime(2025, 3, 31, 10))
    assert Shift(BERLIN, time(9), time(17), {0, 1}).workdays == frozenset({0, 1})  # type: ignore[arg-type]


# --- properties ---------------------------------------------------------------------------------

shifts = st.builds(
    Shift, tz=zones, start=wall_times, end=wall_times, workdays=st.frozensets(st.integers(0, 6), max_size=7)
)
LAWS = settings(max_examples=500, deadline=None)


def _occurrences(shift: Shift, around: datetime, before: int, after: int) -> list[tuple[datetime, datetime]]:
    """Brute force: all non-empty occurrences starting from `before` days before to `after` days after."""
    today = around.astimezone(shift.tz).date()
    found = []
    for offset in range(-before, after + 1):
        day: date = today + timedelta(days=offset)
        if day.weekday() not in shift.workdays:
            continue
        end_day = day + timedelta(days=1) if shift.end <= shift.start else day
        begins = datetime.combine(day, shift.start, tzinfo=shift.tz).astimezone(UTC)
        ends = datetime.combine(end_day, shift.end, tzinfo=shift.tz).astimezone(UTC)
        if ends > begins:
            found.append((begins, ends))
    return found


@LAWS
@given(shift=shifts, data=st.data())
def test_on_shift_iff_inside_the_reported_window(shift: Shift, data: st.DataObject) -> None:
    at = data.draw(instants_for(shift.tz), label="at")
    window = shift_window_at(shift, at)
    containing = [
        occurrence for occurrence in _occurrences(shift, at, 3, 1) if occurrence[0] <= at < occurrence[1]
    ]
    assert is_on_shift(shift, at) is (window is not None) is bool(containing)
    if window is not None:
        assert window[0] <= at < window[1]
        assert window == min(containing)
        assert shift_end(shift, at) == window[1] > at
        assert window[1] - window[0] <= timedelta(hours=26)
    else:
        assert shift_end(shift, at) is None


@LAWS
@given(shift=shifts, data=st.data())
def test_next_shift_start_is_the_first_start_after(shift: Shift, data: st.DataObject) -> None:
    at = data.draw(instants_for(shift.tz), label="at")
    upcoming = next_shift_start(shift, at)
    if not shift.workdays:
        assert upcoming is None
        return
    assert upcoming is not None
    assert upcoming > at
    assert upcoming.tzinfo is UTC
    assert is_on_shift(shift, upcoming)
    starts = [begins for begins, _ in _occurrences(shift, at, 2, 16)]
    assert upcoming == min(begins for begins in starts if begins > at)


@LAWS
@given(shift=shifts, data=st.data())
def test_shift_boundaries_are_half_open(shift: Shift, data: st.DataObject) -> None:
    at = data.draw(instants_for(shift.tz), label="at")
    begins = next_shift_start(shift, at)
    if begins is None:
        return
    window = shift_window_at(shift, begins)
    assert window is not None
    after = next_shift_start(shift, begins)
    assert after is not None
    assert after > begins
    # A shift's own end is outside it (the next shift may start right there).
    ends = shift_end(shift, begins)
    assert ends is not None
    assert shift_window_at(shift, ends) != window
    assert shift_window_at(shift, ends - timedelta(microseconds=1)) is not None


# --- how long a deliberate assignment holds, and whether a shift ended ---------------------------


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        # Tokyo 09-18 JST = 00-09Z. On shift Monday 05:00Z: until the end of this shift.
        pytest.param(utc(2025, 3, 31, 5), utc(2025, 3, 31, 9), id="on-shift-until-its-end"),
        # Monday 10:00Z, after the shift: until the end of Tuesday's shift.
        pytest.param(utc(2025, 3, 31, 10), utc(2025, 4, 1, 9), id="off-shift-until-next-end"),
        # Friday 12:00Z: the next shift is Monday's.
        pytest.param(utc(2025, 4, 4, 12), utc(2025, 4, 7, 9), id="over-the-weekend"),
    ],
)
def test_assignment_hold_until(at: datetime, expected: datetime) -> None:
    assert assignment_hold_until(TOKYO_DAY, at) == expected


def test_next_shift_window_and_previous_shift_end() -> None:
    # NY nights over the spring change: Sat 22:00 EST .. Sun 06:00 EDT is 03:00Z .. 10:00Z.
    assert next_shift_window(NY_NIGHT_DAILY, utc(2025, 3, 9, 1)) == (utc(2025, 3, 9, 3), utc(2025, 3, 9, 10))
    assert previous_shift_end(NY_NIGHT_DAILY, utc(2025, 3, 9, 9, 59)) == utc(2025, 3, 8, 11)
    assert previous_shift_end(NY_NIGHT_DAILY, utc(2025, 3, 9, 10)) == utc(2025, 3, 9, 10)
    assert previous_shift_end(TOKYO_DAY, utc(2025, 3, 31, 5)) == utc(2025, 3, 28, 9)  # Friday's
    none = Shift(TOKYO, time(9), time(18), frozenset())
    assert next_shift_window(none, utc(2025, 3, 31)) is None
    assert previous_shift_end(none, utc(2025, 3, 31)) is None
    assert assignment_hold_until(none, utc(2025, 3, 31)) is None


@LAWS
@given(shift=shifts, data=st.data())
def test_previous_shift_end_is_the_latest_end_so_far(shift: Shift, data: st.DataObject) -> None:
    at = data.draw(instants_for(shift.tz), label="at")
    ended = [ends for _, ends in _occurrences(shift, at, 15, 1) if ends <= at]
    assert previous_shift_end(shift, at) == max(ended, default=None)
    window = next_shift_window(shift, at)
    if window is not None:
        assert window[0] == next_shift_start(shift, at)
        found = shift_window_at(shift, window[0])
        # The window itself, unless the previous occurrence still runs then: an overnight shift whose end
        # falls in a spring-forward gap ends an hour later and overlaps the next start (the earliest wins).
        assert found == window or (found[0] < window[0] < found[1])


def test_a_shift_ending_in_the_spring_forward_gap_overlaps_the_next_and_the_earliest_wins():
    """Hypothesis found it: Berlin, 03:00 to 02:15 every day. The 30 March 2024 shift ends at 02:15 on the
    31st, which does not exist (clocks jump 02:00 -> 03:00): 03:15 CEST, 01:15 UTC, a quarter of an hour
    after the 31st's shift starts at 03:00 CEST (01:00 UTC)."""
    shift = Shift(ZoneInfo("Europe/Berlin"), time(3), time(2, 15), frozenset(range(7)))
    at = utc(2024, 3, 30, 19)
    window = next_shift_window(shift, at)
    assert window == (utc(2024, 3, 31, 1), utc(2024, 4, 1, 0, 15))
    assert shift_window_at(shift, window[0]) == (utc(2024, 3, 30, 2), utc(2024, 3, 31, 1, 15))
    assert shift_window_at(shift, utc(2024, 3, 31, 1, 15)) == window
