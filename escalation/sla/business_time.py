"""Business-time arithmetic for SLA deadlines (pure Python: no ORM, no clock reads).

A :class:`Calendar` is a set of weekly opening windows in one timezone, minus holiday dates.
Business time is the real elapsed time spent inside those windows; a calendar with no
windows is open around the clock and business time is plain elapsed time.

Conventions
-----------
* Every datetime passed in must be aware; every datetime returned is in UTC.
* Elapsed time is computed in UTC. Opening hours are wall-clock times: each window is
  converted to UTC once per day with :func:`wall_to_utc`, never by adding a timedelta to a
  local datetime. A window's business length is therefore the real time between its UTC
  open and close instants (a 22:00-06:00 window lasts 7 h or 9 h on DST nights).
* DST gaps and folds follow zoneinfo's ``fold=0`` rule, then normalise through UTC:

  - a wall time that does not exist (spring-forward gap) is read with the offset in force
    *before* the change, so it lands as far after the gap as it was into it
    (Berlin 2025-03-30 02:30 becomes 03:30 CEST = 01:30 UTC);
  - a wall time that happens twice (fall-back fold) means its *first* occurrence
    (Berlin 2025-10-26 02:30 is 02:30 CEST = 00:30 UTC).

  If that makes a window close no later than it opens (only possible when it opens inside
  a gap and closes less than the gap's length later), the window does not open that day.
* A window belongs to the local day on which it opens. A holiday suppresses windows that
  open on it; a window that opened the evening before keeps running into the holiday.
  Holidays are ignored by around-the-clock calendars.
* Windows are half-open ``[open, close)``: a start exactly at a close is outside business
  hours, and a deadline may land exactly on a close.
* Overlapping windows are de-duplicated (business time is never counted twice);
  back-to-back windows stay separate intervals.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import NamedTuple
from zoneinfo import ZoneInfo

__all__ = [
    "FOREVER",
    "Calendar",
    "Window",
    "as_utc",
    "deadline",
    "elapsed",
    "open_intervals",
    "wall_to_utc",
]

ONE_DAY = timedelta(days=1)
ZERO = timedelta(0)
#: End of time, used as the close of the single interval of an open-ended 24x7 scan.
FOREVER = datetime.max.replace(tzinfo=UTC)
#: Give up when this many consecutive local days open no window at all.
MAX_IDLE_DAYS = 366 * 5
_UTC_ZONE = ZoneInfo("UTC")
# Every window opening on local day D opens at or after local midnight of D; that instant is
# at least (D 00:00 read as UTC) - 14 h for any real UTC offset. 36 h leaves ample margin and
# only delays releasing intervals; it spares a zoneinfo lookup per scanned day.
_SLACK = timedelta(hours=36)


@dataclass(frozen=True)
class Window:
    """One weekly opening window, attached to the local weekday on which it opens.

    ``end <= start`` means the window closes on the next local day (e.g. 22:00-06:00);
    ``start == end`` is a full 24-hour window.
    """

    weekday: int
    start: time
    end: time

    def __post_init__(self) -> None:
        if isinstance(self.weekday, bool) or not isinstance(self.weekday, int) or not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be an int 0 (Monday) .. 6 (Sunday), got {self.weekday!r}")
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, time) or value.tzinfo is not None:
                raise ValueError(f"Window.{name} must be a naive datetime.time, got {value!r}")

    @property
    def crosses_midnight(self) -> bool:
        """True when the window closes on the local day after it opens."""
        return self.end <= self.start


@dataclass(frozen=True)
class Calendar:
    """Weekly opening windows in ``tz`` minus ``holidays`` (local dates); no windows means 24x7."""

    tz: ZoneInfo
    windows: tuple[Window, ...] = ()
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if not isinstance(self.tz, tzinfo):
            raise TypeError(f"tz must be a tzinfo (preferably zoneinfo.ZoneInfo), got {self.tz!r}")
        windows = tuple(self.windows)
        if not all(isinstance(window, Window) for window in windows):
            raise TypeError("windows must contain Window instances")
        holidays = frozenset(self.holidays)
        if not all(isinstance(day, date) and not isinstance(day, datetime) for day in holidays):
            raise TypeError("holidays must contain datetime.date instances")
        # Accept any iterable but store canonical immutable types (keeps the dataclass hashable).
        object.__setattr__(self, "windows", windows)
        object.__setattr__(self, "holidays", holidays)

    @property
    def always_open(self) -> bool:
        """True for a 24x7 calendar (no windows)."""
        return not self.windows

    @classmethod
    def business_hours(
        cls,
        tz: ZoneInfo,
        start: time = time(9),
        end: time = time(18),
        weekdays: Iterable[int] = range(5),
        holidays: Iterable[date] = (),
    ) -> Calendar:
        """The same ``start``-``end`` window on each of ``weekdays`` (default Monday-Friday 09-18)."""
        days = sorted(set(weekdays))
        if not days:
            raise ValueError("business_hours needs at least one weekday; use around_the_clock() for 24x7")
        return cls(
            tz=tz, windows=tuple(Window(day, start, end) for day in days), holidays=frozenset(holidays)
        )

    @classmethod
    def around_the_clock(cls, tz: ZoneInfo = _UTC_ZONE) -> Calendar:
        """A 24x7 calendar: business time equals elapsed time."""
        return cls(tz=tz)


def wall_to_utc(day: date, wall: time, tz: tzinfo) -> datetime:
    """UTC instant of wall-clock ``wall`` on local ``day`` in ``tz``.

    Uses ``fold=0`` whatever ``wall.fold`` says: a time in a DST gap is read with the
    pre-transition offset (so it lands after the gap), an ambiguous time means its first
    occurrence.
    """
    local = datetime(
        day.year, day.month, day.day, wall.hour, wall.minute, wall.second, wall.microsecond, tzinfo=tz
    )
    return local.astimezone(UTC)


def as_utc(moment: datetime, name: str = "datetime") -> datetime:
    """``moment`` converted to UTC; raises ValueError for naive datetimes."""
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got {moment!r}")
    return moment.astimezone(UTC)


def _check_target(target: timedelta) -> None:
    if not isinstance(target, timedelta):
        raise TypeError(f"target must be a timedelta, got {target!r}")
    if target < ZERO:
        raise ValueError(f"target must not be negative, got {target}")


class _Piece(NamedTuple):
    """Open time ``[start, end)`` cut from the window ``[opened, closed)`` that opened on local ``day``."""

    start: datetime
    end: datetime
    day: date
    opened: datetime
    closed: datetime


def _pieces(calendar: Calendar, since: datetime, until: datetime | None) -> Iterator[_Piece]:
    """Ordered, disjoint, non-empty pieces of open time within ``[since, until)`` (UTC, not 24x7).

    Walks local days, pushing each day's windows on a heap and releasing them once no later
    day can open earlier. Raises ValueError (open-ended scans only) when no window opens for
    more than MAX_IDLE_DAYS consecutive days.
    """
    tz = calendar.tz
    holidays = calendar.holidays
    by_weekday: list[list[tuple[time, time, timedelta]]] = [[] for _ in range(7)]
    for window in calendar.windows:
        by_weekday[window.weekday].append(
            (window.start, window.end, ONE_DAY if window.crosses_midnight else ZERO)
        )
    # Windows opening up to two days before `since` may still be open at `since`.
    day = since.astimezone(tz).date() - 2 * ONE_DAY
    pending: list[tuple[datetime, datetime, date]] = []
    covered = since  # time before this is already emitted (or before the scan)
    idle_days = 0
    while True:
        opened_any = False
        if day not in holidays:
            for opens, closes, close_shift in by_weekday[day.weekday()]:
                opened = wall_to_utc(day, opens, tz)
                closed = wall_to_utc(day + close_shift, closes, tz)
                if closed > opened:
                    heapq.heappush(pending, (opened, closed, day))
                    opened_any = True
        idle_days = 0 if opened_any else idle_days + 1
        if until is None and idle_days > MAX_IDLE_DAYS:
            raise ValueError(f"calendar has no open time for more than {MAX_IDLE_DAYS} days after {day}")
        day += ONE_DAY
        # Nothing not yet pushed opens before `horizon`.
        horizon = datetime(day.year, day.month, day.day, tzinfo=UTC) - _SLACK
        while pending and pending[0][0] <= horizon:
            opened, closed, opened_on = heapq.heappop(pending)
            start = max(opened, covered)
            end = closed if until is None else min(closed, until)
            if end > start:
                yield _Piece(start, end, opened_on, opened, closed)
            covered = max(covered, closed)
        if until is not None and horizon >= until:
            return


def open_intervals(
    calendar: Calendar, start: datetime, end: datetime | None = None
) -> Iterator[tuple[datetime, datetime]]:
    """UTC ``(open, close)`` intervals of open time overlapping ``[start, end)``, clipped to it, in order.

    Open-ended (``end=None``) scans go on forever. A 24x7 calendar yields one interval,
    ending at ``end`` or at :data:`FOREVER`. Includes the window that opened the previous
    local day and runs past midnight into ``start``.
    """
    start_utc = as_utc(start, "start")
    end_utc = None if end is None else as_utc(end, "end")
    return _open_intervals(calendar, start_utc, end_utc)


def _open_intervals(
    calendar: Calendar, start: datetime, end: datetime | None
) -> Iterator[tuple[datetime, datetime]]:
    if end is not None and end <= start:
        return
    if calendar.always_open:
        yield start, FOREVER if end is None else end
        return
    for piece in _pieces(calendar, start, end):
        yield piece.start, piece.end


def deadline(start: datetime, target: timedelta, calendar: Calendar) -> datetime:
    """The UTC instant at which ``target`` of business time has passed since ``start``.

    A deadline landing exactly on a close returns that close. ``target == 0`` returns
    ``start`` when it is inside open time, otherwise the next opening. Raises ValueError
    for a negative target or a calendar that never opens.
    """
    start_utc = as_utc(start, "start")
    _check_target(target)
    if calendar.always_open:
        return start_utc + target
    remaining = target
    for piece in _pieces(calendar, start_utc, None):
        span = piece.end - piece.start
        if remaining <= span:
            return piece.start + remaining
        remaining -= span
    raise AssertionError("unreachable: open-ended scans never stop")  # pragma: no cover


def elapsed(start: datetime, end: datetime, calendar: Calendar) -> timedelta:
    """Business time inside ``[start, end)``; zero when ``end <= start``."""
    start_utc, end_utc = as_utc(start, "start"), as_utc(end, "end")
    if end_utc <= start_utc:
        return ZERO
    if calendar.always_open:
        return end_utc - start_utc
    return sum((piece.end - piece.start for piece in _pieces(calendar, start_utc, end_utc)), ZERO)
