"""Tests for escalation.sla.business_time: hand-checked tables plus hypothesis laws (no database)."""

from __future__ import annotations

import time as clock
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from escalation.sla.business_time import FOREVER, Calendar, Window, deadline, elapsed, open_intervals
from escalation.sla.deadline_explanation import Explanation, explain_deadline

pytestmark = pytest.mark.clock

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
ADELAIDE = ZoneInfo("Australia/Adelaide")
KOLKATA = ZoneInfo("Asia/Kolkata")
KATHMANDU = ZoneInfo("Asia/Kathmandu")
TOKYO = ZoneInfo("Asia/Tokyo")
CHATHAM = ZoneInfo("Pacific/Chatham")
SAO_PAULO = ZoneInfo("America/Sao_Paulo")

H = timedelta(hours=1)
M = timedelta(minutes=1)
S = timedelta(seconds=1)


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, micro, tzinfo=UTC)


def every_night(tz: ZoneInfo, days: range = range(7), holidays: frozenset[date] = frozenset()) -> Calendar:
    return Calendar(tz, tuple(Window(day, time(22), time(6)) for day in days), holidays)


# Easter 2025 in Germany: Good Friday 2025-04-18 and Easter Monday 2025-04-21.
BERLIN_OFFICE = Calendar.business_hours(BERLIN, holidays={date(2025, 4, 18), date(2025, 4, 21)})
NY_OFFICE = Calendar.business_hours(NEW_YORK, start=time(9), end=time(17))
NY_NIGHTS = every_night(NEW_YORK)
BERLIN_NIGHTS = every_night(BERLIN, holidays=frozenset({date(2025, 12, 25)}))
BERLIN_WEEKDAY_NIGHTS = every_night(BERLIN, days=range(5))
KOLKATA_OFFICE = Calendar.business_hours(KOLKATA, start=time(9, 30), end=time(18, 30))
KATHMANDU_OFFICE = Calendar.business_hours(
    KATHMANDU, start=time(10), end=time(17), weekdays=(6, 0, 1, 2, 3, 4)
)
ADELAIDE_OFFICE = Calendar.business_hours(ADELAIDE, start=time(9), end=time(17))
TOKYO_OFFICE = Calendar.business_hours(TOKYO)
CHATHAM_OFFICE = Calendar.business_hours(CHATHAM, start=time(9), end=time(17))
SAO_PAULO_OFFICE = Calendar.business_hours(SAO_PAULO)
# Sunday-only windows placed in the DST gap (spring) and fold (autumn) of Europe/Berlin.
BERLIN_GAP = Calendar(BERLIN, (Window(6, time(2, 30), time(4)),))
BERLIN_FOLD = Calendar(BERLIN, (Window(6, time(2, 30), time(3, 30)),))
ALWAYS_BERLIN = Calendar(BERLIN, holidays=frozenset({date(2025, 3, 30)}))


# --- deadline tables ----------------------------------------------------------------------------
# Every expected value is worked out by hand in the comment next to it.

DEADLINE_CASES = [
    # Berlin 09-18 Mon-Fri. Fri 17:30 CET = 16:30Z; 30m Friday; DST Sunday; Mon 09:00 CEST = 07:00Z + 3h30.
    pytest.param(
        BERLIN_OFFICE, utc(2025, 3, 28, 16, 30), 4 * H, utc(2025, 3, 31, 10, 30), id="berlin-spring-dst"
    ),
    # Mon 09:00 CEST = 07:00Z + 9h lands exactly on the 18:00 CEST close = 16:00Z.
    pytest.param(BERLIN_OFFICE, utc(2025, 3, 31, 7), 9 * H, utc(2025, 3, 31, 16), id="lands-on-close"),
    # Five full days Mon 2025-03-24 09:00 CET (08:00Z): due Fri 18:00 CET = 17:00Z; one more second -> Monday.
    pytest.param(BERLIN_OFFICE, utc(2025, 3, 24, 8), 45 * H, utc(2025, 3, 28, 17), id="full-week-on-close"),
    pytest.param(
        BERLIN_OFFICE, utc(2025, 3, 24, 8), 45 * H + S, utc(2025, 3, 31, 7, 0, 1), id="one-second-more"
    ),
    # Saturday 10:00 CET (09:00Z) -> Monday 09:00 CEST (07:00Z) + 1h.
    pytest.param(BERLIN_OFFICE, utc(2025, 3, 29, 9), H, utc(2025, 3, 31, 8), id="start-on-weekend"),
    # Autumn: Fri 17:00 CEST (15:00Z), 1h Friday; Mon 2025-10-27 09:00 CET = 08:00Z + 1h.
    pytest.param(BERLIN_OFFICE, utc(2025, 10, 24, 15), 2 * H, utc(2025, 10, 27, 9), id="berlin-autumn-dst"),
    # Thu 17:00 CEST (15:00Z), 1h Thursday; skip Good Friday, weekend, Easter Monday;
    # Tue 09:00 CEST = 07:00Z + 1h.
    pytest.param(BERLIN_OFFICE, utc(2025, 4, 17, 15), 2 * H, utc(2025, 4, 22, 8), id="easter-holidays"),
    # Start on Good Friday 10:00 CEST (08:00Z) -> Tue 09:00 CEST (07:00Z) + 30m.
    pytest.param(BERLIN_OFFICE, utc(2025, 4, 18, 8), 30 * M, utc(2025, 4, 22, 7, 30), id="start-on-holiday"),
    # Tue 07:00 CEST (05:00Z) before opening: 09:00 CEST (07:00Z) + 2h.
    pytest.param(BERLIN_OFFICE, utc(2025, 4, 22, 5), 2 * H, utc(2025, 4, 22, 9), id="before-opening"),
    # Tue 19:00 CEST (17:00Z) after closing: Wed 09:00 CEST (07:00Z) + 2h.
    pytest.param(BERLIN_OFFICE, utc(2025, 4, 22, 17), 2 * H, utc(2025, 4, 23, 9), id="after-closing"),
    # Zero target: inside -> unchanged (microseconds kept); exactly at close -> next opening Wed 07:00Z.
    pytest.param(
        BERLIN_OFFICE,
        utc(2025, 4, 22, 10, 0, 0, 123456),
        timedelta(0),
        utc(2025, 4, 22, 10, 0, 0, 123456),
        id="zero-in",
    ),
    pytest.param(BERLIN_OFFICE, utc(2025, 4, 22, 16), timedelta(0), utc(2025, 4, 23, 7), id="zero-at-close"),
    pytest.param(BERLIN_OFFICE, utc(2025, 3, 29, 9), timedelta(0), utc(2025, 3, 31, 7), id="zero-weekend"),
    # Microsecond exactness: 07:00Z + 1us.
    pytest.param(
        BERLIN_OFFICE,
        utc(2025, 4, 22, 7),
        timedelta(microseconds=1),
        utc(2025, 4, 22, 7, 0, 0, 1),
        id="one-micro",
    ),
    # New York 09-17. Fri 2025-03-07 16:00 EST (21:00Z), 1h Friday; Mon 09:00 EDT = 13:00Z + 1h.
    pytest.param(NY_OFFICE, utc(2025, 3, 7, 21), 2 * H, utc(2025, 3, 10, 14), id="ny-spring-dst"),
    # Fri 2025-10-31 16:30 EDT (20:30Z), 30m Friday; Mon 2025-11-03 09:00 EST = 14:00Z + 30m.
    pytest.param(NY_OFFICE, utc(2025, 10, 31, 20, 30), H, utc(2025, 11, 3, 14, 30), id="ny-autumn-dst"),
    # NY 22:00-06:00 nightly. Sat 22:00 EST = 2025-03-09 03:00Z; Sun 06:00 EDT = 10:00Z: a 7h night.
    pytest.param(NY_NIGHTS, utc(2025, 3, 9, 3), 7 * H, utc(2025, 3, 9, 10), id="ny-short-night-on-close"),
    # ... 8h: 7h that night, then Sun 22:00 EDT = 2025-03-10 02:00Z + 1h.
    pytest.param(NY_NIGHTS, utc(2025, 3, 9, 3), 8 * H, utc(2025, 3, 10, 3), id="ny-short-night-spills"),
    # Sat 2025-11-01 22:00 EDT = 11-02 02:00Z; Sun 06:00 EST = 11:00Z: a 9h night.
    pytest.param(NY_NIGHTS, utc(2025, 11, 2, 2), 8 * H, utc(2025, 11, 2, 10), id="ny-long-night"),
    pytest.param(NY_NIGHTS, utc(2025, 11, 2, 2), 9 * H, utc(2025, 11, 2, 11), id="ny-long-night-on-close"),
    # Berlin nightly: Sat 2025-03-29 22:00 CET = 21:00Z to Sun 06:00 CEST = 04:00Z (7h).
    pytest.param(BERLIN_NIGHTS, utc(2025, 3, 29, 21), 7 * H, utc(2025, 3, 30, 4), id="berlin-short-night"),
    # Sat 2025-10-25 22:00 CEST = 20:00Z to Sun 06:00 CET = 05:00Z (9h).
    pytest.param(BERLIN_NIGHTS, utc(2025, 10, 25, 20), 9 * H, utc(2025, 10, 26, 5), id="berlin-long-night"),
    # Holiday 12-25: the 12-24 night (21:00Z-05:00Z) still runs; the 12-25 night is skipped;
    # 12-26 22:00 CET = 21:00Z + 1h.
    pytest.param(
        BERLIN_NIGHTS, utc(2025, 12, 24, 21), 9 * H, utc(2025, 12, 26, 22), id="night-before-holiday"
    ),
    # Mon-Fri nights: start Sat 02:00 CET (01:00Z) inside Friday's night, 4h until 06:00 CET (05:00Z);
    # no Sat/Sun nights; Mon 2025-03-31 22:00 CEST = 20:00Z + 1h.
    pytest.param(
        BERLIN_WEEKDAY_NIGHTS, utc(2025, 3, 29, 1), 5 * H, utc(2025, 3, 31, 21), id="friday-night-into-sat"
    ),
    # Kolkata 09:30-18:30 (+05:30). Fri 18:00 IST = 12:30Z, 30m Friday; Mon 09:30 IST = 04:00Z + 30m.
    pytest.param(KOLKATA_OFFICE, utc(2025, 3, 28, 12, 30), H, utc(2025, 3, 31, 4, 30), id="kolkata"),
    # Kathmandu 10-17 Sun-Fri (+05:45). Fri 16:00 = 10:15Z, 1h Friday; Sat off; Sun 10:00 = 04:15Z + 1h.
    pytest.param(KATHMANDU_OFFICE, utc(2025, 3, 28, 10, 15), 2 * H, utc(2025, 3, 30, 5, 15), id="kathmandu"),
    # Adelaide 09-17. Fri 2025-04-04 16:00 ACDT (+10:30) = 05:30Z, 1h Friday; DST ends Sunday;
    # Mon 09:00 ACST (+09:30) = 2025-04-06 23:30Z + 1h.
    pytest.param(
        ADELAIDE_OFFICE, utc(2025, 4, 4, 5, 30), 2 * H, utc(2025, 4, 7, 0, 30), id="adelaide-autumn"
    ),
    # Fri 2025-10-03 16:00 ACST = 06:30Z, 1h Friday; DST starts Sunday; Mon 09:00 ACDT = 10-05 22:30Z + 1h.
    pytest.param(
        ADELAIDE_OFFICE, utc(2025, 10, 3, 6, 30), 2 * H, utc(2025, 10, 5, 23, 30), id="adelaide-spring"
    ),
    # Tokyo 09-18 (+09, no DST). Fri 17:00 JST = 08:00Z, 1h Friday; Mon 09:00 JST = 00:00Z + 1h.
    pytest.param(TOKYO_OFFICE, utc(2025, 3, 28, 8), 2 * H, utc(2025, 3, 31, 1), id="tokyo"),
    # Chatham 09-17. Fri 2025-04-04 16:00 (+13:45) = 02:15Z, 1h Friday; DST ends Sunday;
    # Mon 09:00 (+12:45) = 2025-04-06 20:15Z + 1h.
    pytest.param(CHATHAM_OFFICE, utc(2025, 4, 4, 2, 15), 2 * H, utc(2025, 4, 6, 21, 15), id="chatham"),
    # Sao Paulo 09-18 (-03, no DST). Mon 2025-03-31 17:00 = 20:00Z, 1h Monday; Tue 09:00 = 12:00Z + 1h.
    pytest.param(SAO_PAULO_OFFICE, utc(2025, 3, 31, 20), 2 * H, utc(2025, 4, 1, 13), id="sao-paulo"),
    # Window 02:30-04:00 on Sundays; on 2025-03-30 02:30 does not exist: opens 03:30 CEST = 01:30Z,
    # closes 04:00 CEST = 02:00Z (30m). 45m -> 30m there, then 2025-04-06 02:30 CEST = 00:30Z + 15m.
    pytest.param(BERLIN_GAP, utc(2025, 3, 30), 30 * M, utc(2025, 3, 30, 2), id="gap-window"),
    pytest.param(BERLIN_GAP, utc(2025, 3, 30), 45 * M, utc(2025, 4, 6, 0, 45), id="gap-window-spills"),
    # Window 02:30-03:30 on 2025-10-26: opens at the first 02:30 (CEST) = 00:30Z,
    # closes 03:30 CET = 02:30Z (2h).
    pytest.param(BERLIN_FOLD, utc(2025, 10, 26), 2 * H, utc(2025, 10, 26, 2, 30), id="fold-window"),
    # 24x7 ignores holidays and wall clocks: 2025-03-29 23:00Z + 24h, across Berlin's 23-hour day.
    pytest.param(ALWAYS_BERLIN, utc(2025, 3, 29, 23), 24 * H, utc(2025, 3, 30, 23), id="24x7-across-dst"),
    pytest.param(
        Calendar.around_the_clock(), utc(2025, 3, 28, 17, 30), 4 * H, utc(2025, 3, 28, 21, 30), id="24x7"
    ),
]


@pytest.mark.parametrize(("calendar", "start", "target", "expected"), DEADLINE_CASES)
def test_deadline_table(calendar: Calendar, start: datetime, target: timedelta, expected: datetime) -> None:
    due = deadline(start, target, calendar)
    assert due == expected
    assert due.tzinfo is UTC
    assert elapsed(start, due, calendar) == target


@pytest.mark.parametrize(("calendar", "start", "target", "expected"), DEADLINE_CASES)
def test_deadline_accepts_local_start(
    calendar: Calendar, start: datetime, target: timedelta, expected: datetime
) -> None:
    assert deadline(start.astimezone(calendar.tz), target, calendar) == expected


ELAPSED_CASES = [
    # The spring example backwards: Fri 16:30Z .. Mon 10:30Z is 30m + 3h30.
    pytest.param(
        BERLIN_OFFICE, utc(2025, 3, 28, 16, 30), utc(2025, 3, 31, 10, 30), 4 * H, id="berlin-spring"
    ),
    # Mon 2025-03-24 00:00 CET .. Mon 2025-03-31 00:00 CEST: five 9h days.
    pytest.param(BERLIN_OFFICE, utc(2025, 3, 23, 23), utc(2025, 3, 30, 22), 45 * H, id="berlin-week"),
    # Easter week Mon 04-14 .. Mon 04-21 (local midnights, CEST): Good Friday off -> 4 x 9h.
    pytest.param(BERLIN_OFFICE, utc(2025, 4, 13, 22), utc(2025, 4, 20, 22), 36 * H, id="easter-week"),
    pytest.param(BERLIN_OFFICE, utc(2025, 3, 31, 10), utc(2025, 3, 31, 10), timedelta(0), id="empty"),
    pytest.param(BERLIN_OFFICE, utc(2025, 3, 31, 12), utc(2025, 3, 31, 10), timedelta(0), id="reversed"),
    pytest.param(BERLIN_OFFICE, utc(2025, 3, 29), utc(2025, 3, 31), timedelta(0), id="weekend"),
    # Only the Saturday night 03:00Z-10:00Z lies in the range; Friday's night ended 2025-03-08 11:00Z.
    pytest.param(NY_NIGHTS, utc(2025, 3, 8, 12), utc(2025, 3, 9, 12), 7 * H, id="ny-short-night"),
    # Saturday night 02:00Z-11:00Z of 2025-11-02 (9h).
    pytest.param(NY_NIGHTS, utc(2025, 11, 1, 12), utc(2025, 11, 2, 12), 9 * H, id="ny-long-night"),
    # A range that starts inside Friday's night (Sat 03:00 CET = 02:00Z .. 05:00Z) -> 3h.
    pytest.param(
        BERLIN_WEEKDAY_NIGHTS, utc(2025, 3, 29, 2), utc(2025, 3, 31, 12), 3 * H, id="night-into-range"
    ),
    pytest.param(BERLIN_GAP, utc(2025, 3, 29), utc(2025, 3, 31), 30 * M, id="gap-window"),
    pytest.param(BERLIN_FOLD, utc(2025, 10, 25), utc(2025, 10, 27), 2 * H, id="fold-window"),
    pytest.param(ALWAYS_BERLIN, utc(2025, 3, 29, 23), utc(2025, 3, 30, 23), 24 * H, id="24x7"),
    # Kathmandu Friday 10:00-17:00 (+05:45) = 04:15Z-11:15Z; range ends mid-window at 07:00Z -> 2h45.
    pytest.param(KATHMANDU_OFFICE, utc(2025, 3, 28), utc(2025, 3, 28, 7), 2 * H + 45 * M, id="kathmandu"),
]


@pytest.mark.parametrize(("calendar", "start", "end", "expected"), ELAPSED_CASES)
def test_elapsed_table(calendar: Calendar, start: datetime, end: datetime, expected: timedelta) -> None:
    assert elapsed(start, end, calendar) == expected


def test_open_intervals_clip_and_include_previous_night() -> None:
    assert list(open_intervals(BERLIN_OFFICE, utc(2025, 3, 28, 12), utc(2025, 4, 1, 12))) == [
        (utc(2025, 3, 28, 12), utc(2025, 3, 28, 17)),  # Friday until 18:00 CET
        (utc(2025, 3, 31, 7), utc(2025, 3, 31, 16)),  # Monday 09-18 CEST
        (utc(2025, 4, 1, 7), utc(2025, 4, 1, 12)),  # Tuesday, clipped at the end
    ]
    # Sat 2025-03-29 02:00 CET sits inside Friday's night, which closed 06:00 CET = 05:00Z.
    assert list(open_intervals(BERLIN_WEEKDAY_NIGHTS, utc(2025, 3, 29, 1), utc(2025, 4, 1))) == [
        (utc(2025, 3, 29, 1), utc(2025, 3, 29, 5)),
        (utc(2025, 3, 31, 20), utc(2025, 4, 1)),
    ]


def test_open_intervals_open_ended_and_empty() -> None:
    intervals = open_intervals(NY_NIGHTS, utc(2025, 3, 8, 12))
    assert [next(intervals) for _ in range(2)] == [
        (utc(2025, 3, 9, 3), utc(2025, 3, 9, 10)),
        (utc(2025, 3, 10, 2), utc(2025, 3, 10, 10)),
    ]
    assert list(open_intervals(BERLIN_OFFICE, utc(2025, 3, 29), utc(2025, 3, 30))) == []
    assert list(open_intervals(BERLIN_OFFICE, utc(2025, 3, 31, 12), utc(2025, 3, 31, 8))) == []


def test_open_intervals_around_the_clock() -> None:
    always = Calendar.around_the_clock()
    assert list(open_intervals(always, utc(2025, 1, 1), utc(2025, 1, 2))) == [
        (utc(2025, 1, 1), utc(2025, 1, 2))
    ]
    assert list(open_intervals(always, utc(2025, 1, 1))) == [(utc(2025, 1, 1), FOREVER)]


def test_overlapping_windows_are_not_counted_twice() -> None:
    # Monday 09-18 plus Monday 17-20 plus Sunday night 22:00-10:00 (all UTC).
    calendar = Calendar(
        ZoneInfo("UTC"),
        (Window(0, time(9), time(18)), Window(0, time(17), time(20)), Window(6, time(22), time(10))),
    )
    monday = utc(2025, 3, 31)
    assert list(open_intervals(calendar, monday, monday + 24 * H)) == [
        (monday, monday + 10 * H),
        (monday + 10 * H, monday + 18 * H),
        (monday + 18 * H, monday + 20 * H),
    ]
    assert elapsed(monday, monday + 24 * H, calendar) == 20 * H
    assert deadline(monday, 19 * H, calendar) == monday + 19 * H


def test_full_day_windows() -> None:
    # start == end is a 24 h window, measured in real time: 23h on Berlin's spring-forward Sunday.
    sundays = Calendar(BERLIN, (Window(6, time(0), time(0)),))
    assert elapsed(utc(2025, 3, 29), utc(2025, 4, 1), sundays) == 23 * H
    assert elapsed(utc(2025, 10, 25), utc(2025, 10, 28), sundays) == 25 * H
    # Seven such windows abut; a deadline crosses their seams without losing time.
    daily = Calendar(BERLIN, tuple(Window(day, time(0), time(0)) for day in range(7)))
    assert deadline(utc(2025, 3, 28, 12), 100 * H, daily) == utc(2025, 4, 1, 16)


# --- validation ---------------------------------------------------------------------------------


def test_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="negative"):
        deadline(utc(2025, 1, 1), -S, BERLIN_OFFICE)
    with pytest.raises(ValueError, match="aware"):
        deadline(datetime(2025, 1, 1), H, BERLIN_OFFICE)
    with pytest.raises(ValueError, match="aware"):
        elapsed(utc(2025, 1, 1), datetime(2025, 1, 2), BERLIN_OFFICE)
    with pytest.raises(ValueError, match="aware"):
        open_intervals(BERLIN_OFFICE, datetime(2025, 1, 1))
    with pytest.raises(ValueError, match="weekday"):
        Window(7, time(9), time(17))
    with pytest.raises(ValueError, match="naive"):
        Window(0, time(9, tzinfo=UTC), time(17))
    with pytest.raises(ValueError, match="weekday"):
        Calendar.business_hours(BERLIN, weekdays=())


def test_calendar_that_never_opens_raises() -> None:
    # Mondays only, and every Monday from 2025 to 2031 is a holiday.
    mondays = frozenset(date(2024, 12, 30) + timedelta(weeks=n) for n in range(7 * 53))
    calendar = Calendar(BERLIN, (Window(0, time(9), time(17)),), mondays)
    with pytest.raises(ValueError, match="no open time"):
        deadline(utc(2025, 1, 1), H, calendar)
    # A bounded question still has an answer.
    assert elapsed(utc(2025, 1, 1), utc(2027, 1, 1), calendar) == timedelta(0)


def test_calendar_normalises_and_is_hashable() -> None:
    calendar = Calendar(BERLIN, [Window(0, time(9), time(17))], {date(2025, 1, 1)})  # type: ignore[arg-type]
    assert calendar.windows == (Window(0, time(9), time(17)),)
    assert calendar.holidays == frozenset({date(2025, 1, 1)})
    assert hash(calendar) == hash(
        Calendar(BERLIN, (Window(0, time(9), time(17)),), frozenset({date(2025, 1, 1)}))
    )
    assert Calendar.around_the_clock().always_open
    assert not BERLIN_OFFICE.always_open


def test_thirty_days_of_business_time_is_fast() -> None:
    start = utc(2025, 3, 28, 16, 30)
    began = clock.perf_counter()
    for _ in range(100):
        due = deadline(start, timedelta(days=30), BERLIN_OFFICE)
    per_call = (clock.perf_counter() - began) / 100
    # 720h = 80 nine-hour days: 16 weeks from 2025-03-28, plus the two Easter holidays.
    assert due == utc(2025, 7, 22, 15, 30)
    assert per_call < 0.01  # a day-by-day scan takes well under 1 ms; keep a wide margin for slow CI


# --- explanations ------------------------------------------------------------------------------


def test_explain_spring_example() -> None:
    explanation = explain_deadline(datetime(2025, 3, 28, 17, 30, tzinfo=BERLIN), 4 * H, BERLIN_OFFICE)
    assert explanation == Explanation(
        due=utc(2025, 3, 31, 10, 30),
        steps=[
            "Started Friday 2025-03-28 17:30 CET (Europe/Berlin), inside business hours 09:00-18:00.",
            "Used 30m of Friday's window (until 18:00 CET).",
            "Skipped Saturday and Sunday (no business hours).",
            "Clocks moved from CET to CEST on 2025-03-30; local times after that are in CEST.",
            "Used 3h 30m of Monday's window (09:00-12:30 CEST).",
            "Due Monday 2025-03-31 12:30 CEST.",
        ],
    )


def test_explain_holidays() -> None:
    explanation = explain_deadline(utc(2025, 4, 17, 15), 2 * H, BERLIN_OFFICE)
    assert explanation.steps == [
        "Started Thursday 2025-04-17 17:00 CEST (Europe/Berlin), inside business hours 09:00-18:00.",
        "Used 1h of Thursday's window (until 18:00 CEST).",
        "Skipped Friday 2025-04-18 (holiday).",
        "Skipped Saturday and Sunday (no business hours).",
        "Skipped Monday 2025-04-21 (holiday).",
        "Used 1h of Tuesday's window (09:00-10:00 CEST).",
        "Due Tuesday 2025-04-22 10:00 CEST.",
    ]


def test_explain_outside_hours_and_zero_target() -> None:
    assert explain_deadline(utc(2025, 4, 18, 8), timedelta(0), BERLIN_OFFICE).steps == [
        "Started Friday 2025-04-18 10:00 CEST (Europe/Berlin), outside business hours.",
        "Skipped Friday 2025-04-18 (holiday).",
        "Skipped Saturday and Sunday (no business hours).",
        "Skipped Monday 2025-04-21 (holiday).",
        "A zero target is due at the next opening.",
        "Due Tuesday 2025-04-22 09:00 CEST.",
    ]
    assert explain_deadline(utc(2025, 4, 22, 10), timedelta(0), BERLIN_OFFICE).steps == [
        "Started Tuesday 2025-04-22 12:00 CEST (Europe/Berlin), inside business hours 09:00-18:00.",
        "A zero target is due immediately.",
        "Due Tuesday 2025-04-22 12:00 CEST.",
    ]


def test_explain_night_window_across_dst() -> None:
    # Saturday night 22:00 EST -> 06:00 EDT is 7h; the eighth hour comes from Sunday night.
    assert explain_deadline(utc(2025, 3, 9, 3), 8 * H, NY_NIGHTS).steps == [
        "Started Saturday 2025-03-08 22:00 EST (America/New_York), inside business hours 22:00-06:00.",
        "Used 7h of Saturday's window (22:00 EST-Sunday 06:00 EDT).",
        "Clocks moved from EST to EDT on 2025-03-09; local times after that are in EDT.",
        "Used 1h of Sunday's window (22:00-23:00 EDT).",
        "Due Sunday 2025-03-09 23:00 EDT.",
    ]


def test_explain_around_the_clock() -> None:
    assert explain_deadline(utc(2025, 3, 28, 17, 30), 4 * H, Calendar.around_the_clock()).steps == [
        "Around-the-clock calendar: due 4h after the start.",
        "Due Friday 2025-03-28 21:30 UTC.",
    ]
    assert explain_deadline(utc(2025, 3, 29, 23), 24 * H, ALWAYS_BERLIN).steps == [
        "Around-the-clock calendar: due 24h after the start.",
        "Holidays do not apply to an around-the-clock calendar.",
        "Due Monday 2025-03-31 01:00 CEST.",
    ]


def test_explain_long_target_is_summarised() -> None:
    # 45h + 1s from Mon 2025-03-24 09:00 CET: five full days, then 1s on Monday 2025-03-31.
    steps = explain_deadline(utc(2025, 3, 24, 8), 45 * H + S, BERLIN_OFFICE).steps
    assert steps == [
        "Started Monday 2025-03-24 09:00 CET (Europe/Berlin), inside business hours 09:00-18:00.",
        "Used 9h of Monday's window (09:00-18:00 CET).",
        "Then used 4 more windows through Friday 2025-03-28 (36h), skipping 2 days without business hours.",
        "Clocks moved from CET to CEST on 2025-03-30; local times after that are in CEST.",
        "Used 1s of Monday's window (09:00-09:00:01 CEST).",
        "Due Monday 2025-03-31 09:00:01 CEST.",
    ]


def test_explain_offsets_without_abbreviations() -> None:
    # Asia/Kathmandu has no letter abbreviation (zoneinfo reports "+0545"): it is named by its place.
    steps = explain_deadline(utc(2025, 3, 28, 10, 15), 2 * H, KATHMANDU_OFFICE).steps
    assert steps == [
        "Started Friday 2025-03-28 16:00 Kathmandu time (Asia/Kathmandu), inside business hours 10:00-17:00.",
        "Used 1h of Friday's window (until 17:00 Kathmandu time).",
        "Skipped Saturday (no business hours).",
        "Used 1h of Sunday's window (10:00-11:00 Kathmandu time).",
        "Due Sunday 2025-03-30 11:00 Kathmandu time.",
    ]


# --- properties ---------------------------------------------------------------------------------

ZONE_NAMES = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Adelaide",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Tokyo",
    "UTC",
    "America/Sao_Paulo",
    "Asia/Singapore",
    "Europe/London",
    "Pacific/Chatham",
]


def _offset_changes(name: str, first: datetime, last: datetime) -> list[datetime]:
    """UTC instants (whole seconds) where the zone's UTC offset changes between first and last."""
    tz = ZoneInfo(name)

    def offset(seconds: int) -> timedelta | None:
        return datetime.fromtimestamp(seconds, UTC).astimezone(tz).utcoffset()

    found = []
    day = int(first.timestamp())
    while day < last.timestamp():
        lo, hi = day, day + 86_400
        if offset(lo) != offset(hi):
            while hi - lo > 1:  # invariant: offset(lo) is the old offset, offset(hi) the new one
                mid = (lo + hi) // 2
                lo, hi = (mid, hi) if offset(mid) == offset(lo) else (lo, mid)
            found.append(datetime.fromtimestamp(hi, UTC))
        day += 86_400
    return found


DST_CHANGES_BY_ZONE = {name: _offset_changes(name, utc(2024, 1, 1), utc(2028, 1, 1)) for name in ZONE_NAMES}
DST_CHANGES = sorted({change for changes in DST_CHANGES_BY_ZONE.values() for change in changes})


def test_dst_change_list_covers_known_transitions() -> None:
    for name, known in (
        ("Europe/Berlin", utc(2025, 3, 30, 1)),  # 02:00 CET -> 03:00 CEST
        ("Europe/Berlin", utc(2025, 10, 26, 1)),  # 03:00 CEST -> 02:00 CET
        ("Europe/London", utc(2025, 3, 30, 1)),
        ("America/New_York", utc(2025, 3, 9, 7)),  # 02:00 EST
        ("America/New_York", utc(2025, 11, 2, 6)),  # 02:00 EDT
        ("Australia/Adelaide", utc(2025, 4, 5, 16, 30)),  # 03:00 ACDT
        ("Australia/Adelaide", utc(2025, 10, 4, 16, 30)),  # 02:00 ACST
        ("Pacific/Chatham", utc(2025, 4, 5, 14)),  # 03:45 +1345
        ("Pacific/Chatham", utc(2025, 9, 27, 14)),  # 02:45 +1245
    ):
        assert known in DST_CHANGES_BY_ZONE[name]
    for name in (
        "Asia/Tokyo",
        "Asia/Kolkata",
        "Asia/Kathmandu",
        "Asia/Singapore",
        "America/Sao_Paulo",
        "UTC",
    ):
        assert DST_CHANGES_BY_ZONE[name] == []


zones = st.sampled_from(ZONE_NAMES).map(ZoneInfo)
wall_times = st.builds(
    time,
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 15, 30, 45]) | st.integers(0, 59),
    second=st.just(0) | st.integers(0, 59),
) | st.builds(
    time, hour=st.integers(0, 3), minute=st.sampled_from([0, 30, 45])
)  # where DST gaps and folds sit
windows = st.builds(Window, weekday=st.integers(0, 6), start=wall_times, end=wall_times)
holiday_sets = st.frozensets(st.dates(date(2023, 12, 20), date(2028, 1, 10)), max_size=40)
custom_calendars = st.builds(
    Calendar, tz=zones, windows=st.lists(windows, min_size=1, max_size=6).map(tuple), holidays=holiday_sets
)
office_calendars = st.builds(
    Calendar.business_hours,
    tz=zones,
    start=wall_times,
    end=wall_times,
    weekdays=st.frozensets(st.integers(0, 6), min_size=1),
    holidays=holiday_sets,
)
business_calendars = custom_calendars | office_calendars
any_calendars = business_calendars | st.builds(Calendar, tz=zones, holidays=holiday_sets)

plain_instants = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
near_dst_instants = st.builds(
    lambda change, shift: change + shift,
    st.sampled_from(DST_CHANGES),
    st.timedeltas(min_value=-6 * H, max_value=6 * H),
)
instants = plain_instants | near_dst_instants


@st.composite
def instants_for(draw: st.DrawFn, tz: ZoneInfo) -> datetime:
    """Any instant in 2024-2027, or (half the time) one within 6 hours of a clock change of ``tz``."""
    changes = DST_CHANGES_BY_ZONE.get(getattr(tz, "key", ""), [])
    near_change: bool = bool(changes) and draw(st.booleans())
    if near_change:
        return draw(st.sampled_from(changes)) + draw(st.timedeltas(min_value=-6 * H, max_value=6 * H))
    return draw(instants)


spans = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20))
raw_targets = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=4)) | st.sampled_from(
    [timedelta(0), S, H, 8 * H, 9 * H]
)
LAWS = settings(max_examples=500, deadline=None)
CHEAP_LAWS = settings(max_examples=300, deadline=None)


def _reachable(target: timedelta, start: datetime, calendar: Calendar) -> timedelta:
    """Cap a drawn target so the deadline falls within 30 days (sparse calendars stay cheap)."""
    return min(target, elapsed(start, start + timedelta(days=30), calendar))


def _oracle_elapsed(calendar: Calendar, a: datetime, b: datetime) -> timedelta:
    """Business time in [a, b) by brute force: every window instance near the range, then the union length."""
    if b <= a:
        return timedelta(0)
    if calendar.always_open:
        return b - a
    tz = calendar.tz
    pieces = []
    day, last = a.astimezone(tz).date() - timedelta(days=3), b.astimezone(tz).date() + timedelta(days=1)
    while day <= last:
        for window in calendar.windows:
            if window.weekday != day.weekday() or day in calendar.holidays:
                continue
            close_day = day + timedelta(days=1) if window.end <= window.start else day
            opened = datetime.combine(day, window.start, tzinfo=tz).astimezone(UTC)
            closed = datetime.combine(close_day, window.end, tzinfo=tz).astimezone(UTC)
            lo, hi = max(opened, a), min(closed, b)
            if hi > lo and closed > opened:
                pieces.append((lo, hi))
        day += timedelta(days=1)
    total, reach = timedelta(0), a
    for lo, hi in sorted(pieces):
        lo = max(lo, reach)
        if hi > lo:
            total += hi - lo
            reach = hi
    return total


@LAWS
@given(calendar=any_calendars, span=spans, data=st.data())
def test_elapsed_matches_brute_force(calendar: Calendar, span: timedelta, data: st.DataObject) -> None:
    start = data.draw(instants_for(calendar.tz), label="start")
    assert elapsed(start, start + span, calendar) == _oracle_elapsed(calendar, start, start + span)


@LAWS
@given(calendar=any_calendars, drawn=raw_targets, data=st.data())
def test_elapsed_until_deadline_is_the_target(
    calendar: Calendar, drawn: timedelta, data: st.DataObject
) -> None:
    start = data.draw(instants_for(calendar.tz), label="start")
    target = _reachable(drawn, start, calendar)
    due = deadline(start, target, calendar)
    assert due.tzinfo is UTC
    assert due >= start
    assert elapsed(start, due, calendar) == target


@LAWS
@given(calendar=business_calendars, drawn=raw_targets, data=st.data())
def test_deadline_lies_in_open_time(calendar: Calendar, drawn: timedelta, data: st.DataObject) -> None:
    start = data.draw(instants_for(calendar.tz), label="start")
    target = _reachable(drawn, start, calendar)
    assume(target > timedelta(0))
    due = deadline(start, target, calendar)
    # Some open interval has open < due <= close (a deadline may sit exactly on a close).
    assert any(lo < due <= hi for lo, hi in open_intervals(calendar, due - timedelta(days=3), due + S))


@LAWS
@given(calendar=any_calendars, data=st.data())
def test_zero_target_is_start_or_next_opening(calendar: Calendar, data: st.DataObject) -> None:
    start = data.draw(instants_for(calendar.tz), label="start")
    assume(elapsed(start, start + timedelta(days=30), calendar) > timedelta(0))
    due = deadline(start, timedelta(0), calendar)
    first_open, _ = next(open_intervals(calendar, start))
    assert due == first_open
    assert (due == start) == any(
        lo <= start < hi for lo, hi in open_intervals(calendar, start - 2 * H, start + S)
    )


@CHEAP_LAWS
@given(calendar=any_calendars, first=raw_targets, second=raw_targets, data=st.data())
def test_deadline_is_monotonic_in_target(
    calendar: Calendar, first: timedelta, second: timedelta, data: st.DataObject
) -> None:
    start = data.draw(instants_for(calendar.tz), label="start")
    small, large = sorted((_reachable(first, start, calendar), _reachable(second, start, calendar)))
    assert deadline(start, small, calendar) <= deadline(start, large, calendar)


@CHEAP_LAWS
@given(calendar=any_calendars, later_by=spans, drawn=raw_targets, data=st.data())
def test_deadline_is_monotonic_in_start(
    calendar: Calendar, later_by: timedelta, drawn: timedelta, data: st.DataObject
) -> None:
    start = data.draw(instants_for(calendar.tz), label="start")
    later = start + later_by
    target = _reachable(drawn, later, calendar)
    assert deadline(start, target, calendar) <= deadline(later, target, calendar)


@LAWS
@given(calendar=any_calendars, first=spans, second=spans, data=st.data())
def test_elapsed_is_additive(
    calendar: Calendar, first: timedelta, second: timedelta, data: st.DataObject
) -> None:
    a = data.draw(instants_for(calendar.tz), label="a")
    b, c = a + first, a + first + second
    assert elapsed(a, c, calendar) == elapsed(a, b, calendar) + elapsed(b, c, calendar)


@CHEAP_LAWS
@given(
    calendar=any_calendars,
    offset=st.timedeltas(min_value=-timedelta(days=60), max_value=timedelta(days=60)),
    data=st.data(),
)
def test_elapsed_is_bounded_by_wall_time(calendar: Calendar, offset: timedelta, data: st.DataObject) -> None:
    a = data.draw(instants_for(calendar.tz), label="a")
    b = a + offset
    assert timedelta(0) <= elapsed(a, b, calendar) <= max(b - a, timedelta(0))


@CHEAP_LAWS
@given(tz=zones, start=instants, target=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)))
def test_around_the_clock_is_plain_arithmetic(tz: ZoneInfo, start: datetime, target: timedelta) -> None:
    calendar = Calendar.around_the_clock(tz)
    assert deadline(start.astimezone(tz), target, calendar) == start + target
    assert elapsed(start, start + target, calendar) == target


@CHEAP_LAWS
@given(calendar=any_calendars, drawn=raw_targets, data=st.data())
def test_explanation_agrees_with_deadline(calendar: Calendar, drawn: timedelta, data: st.DataObject) -> None:
    start = data.draw(instants_for(calendar.tz), label="start")
    target = _reachable(drawn, start, calendar)
    explanation = explain_deadline(start, target, calendar)
    assert explanation.due == deadline(start, target, calendar)
    assert explanation == explain_deadline(start, target, calendar)  # deterministic
    assert explanation.steps[-1].startswith("Due ")
    assert len(explanation.steps) <= 14


@CHEAP_LAWS
@given(calendar=business_calendars, span=spans, data=st.data())
def test_open_intervals_are_ordered_disjoint_and_clipped(
    calendar: Calendar, span: timedelta, data: st.DataObject
) -> None:
    start = data.draw(instants_for(calendar.tz), label="start")
    end = start + span
    intervals = list(open_intervals(calendar, start, end))
    assert all(start <= lo < hi <= end for lo, hi in intervals)
    assert all(prev_hi <= lo for (_, prev_hi), (lo, _) in pairwise(intervals))
    assert sum((hi - lo for lo, hi in intervals), timedelta(0)) == elapsed(start, end, calendar)
