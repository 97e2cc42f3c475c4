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
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import NamedTuple
from zoneinfo import ZoneInfo

from tickets.zone_labels import zone_abbreviation

__all__ = [
    "FOREVER",
    "Calendar",
    "Explanation",
    "Window",
    "as_utc",
    "deadline",
    "elapsed",
    "explain_deadline",
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
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


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


@dataclass(frozen=True)
class Explanation:
    """A deadline and the human-readable steps that placed it."""

    due: datetime
    steps: list[str] = field(default_factory=list, hash=False)


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


# --- explanations -----------------------------------------------------------------------------


def explain_deadline(start: datetime, target: timedelta, calendar: Calendar) -> Explanation:
    """Same result as :func:`deadline`, with short sentences saying what placed it.

    Steps are chronological: the start, days skipped (weekends, holidays), the windows used,
    clock changes, and the due instant. When more than five windows are used, the ones
    between the first and the last are summarised in one sentence.
    """
    start_utc = as_utc(start, "start")
    _check_target(target)
    tz = calendar.tz
    if calendar.always_open:
        due = start_utc + target
        steps = [f"Around-the-clock calendar: due {_duration(target)} after the start."]
        if calendar.holidays:
            steps.append("Holidays do not apply to an around-the-clock calendar.")
        steps.append(f"Due {_stamp(due, tz)}.")
        return Explanation(due=due, steps=steps)

    used: list[_Piece] = []
    remaining = target
    for piece in _pieces(calendar, start_utc, None):
        span = piece.end - piece.start
        if remaining <= span:
            used.append(piece._replace(end=piece.start + remaining))
            break
        used.append(piece)
        remaining -= span
    due = used[-1].end
    first = used[0]

    zone_name = getattr(tz, "key", None) or str(tz)
    started = _stamp(start_utc, tz)
    if not started.endswith(f" {zone_name}"):  # `17:00 UTC`, not `17:00 UTC (UTC)`
        started += f" ({zone_name})"
    if first.start == start_utc:
        hours = f"{_hhmm(first.opened.astimezone(tz))}-{_hhmm(first.closed.astimezone(tz))}"
        steps = [f"Started {started}, inside business hours {hours}."]
    else:
        steps = [f"Started {started}, outside business hours."]

    has_windows = {window.weekday for window in calendar.windows}
    events: list[_Event] = []
    cursor = start_utc
    for piece in used:
        for day in _dates_between(cursor, piece.start, tz):
            if day.weekday() not in has_windows:
                events.append(_Skip(day, "no business hours"))
            elif day in calendar.holidays:
                events.append(_Skip(day, "holiday"))
        events.extend(_Note(text) for text in _clock_changes(tz, cursor, piece.start))
        if target > ZERO:
            events.append(piece)
        events.extend(_Note(text) for text in _clock_changes(tz, piece.start, piece.end))
        cursor = piece.end
    if target == ZERO:
        when = "immediately" if due == start_utc else "at the next opening"
        events.append(_Note(f"A zero target is due {when}."))

    steps.extend(_render(_compress(events), tz))
    steps.append(f"Due {_stamp(due, tz)}.")
    return Explanation(due=due, steps=steps)


class _Skip(NamedTuple):
    day: date
    reason: str  # "no business hours" or "holiday"


class _Note(NamedTuple):
    text: str


_Event = _Skip | _Note | _Piece


def _dates_between(a: datetime, b: datetime, tz: tzinfo) -> Iterator[date]:
    """Local dates from a's date up to, not including, b's date."""
    day, last = a.astimezone(tz).date(), b.astimezone(tz).date()
    while day < last:
        yield day
        day += ONE_DAY


def _clock_changes(tz: tzinfo, a: datetime, b: datetime) -> list[str]:
    """Sentences for UTC-offset changes in ``(a, b]`` (at most one per day is detected)."""
    texts: list[str] = []
    lo = a
    lo_offset = a.astimezone(tz).utcoffset()
    while lo < b:
        hi = min(lo + ONE_DAY, b)
        hi_offset = hi.astimezone(tz).utcoffset()
        if hi_offset != lo_offset:
            before, after = lo, hi
            while after - before > timedelta(seconds=1):
                middle = before + (after - before) // 2
                if middle.astimezone(tz).utcoffset() == lo_offset:
                    before = middle
                else:
                    after = middle
            old, new = before.astimezone(tz), after.astimezone(tz)
            old_name, new_name = _zone_label(old), _zone_label(new)
            if old_name == new_name:
                old_name, new_name = _offset_label(old), _offset_label(new)
            texts.append(
                f"Clocks moved from {old_name} to {new_name} on {new.date().isoformat()}; "
                f"local times after that are in {new_name}."
            )
        lo, lo_offset = hi, hi_offset
    return texts


def _compress(events: list[_Event]) -> list[_Event]:
    """Summarise the windows between the first and the last when more than five are used."""
    used_at = [index for index, event in enumerate(events) if isinstance(event, _Piece)]
    if len(used_at) <= 5:
        return events
    first, last = used_at[0], used_at[-1]
    middle = events[first + 1 : last]
    pieces = [event for event in middle if isinstance(event, _Piece)]
    skips = [event for event in middle if isinstance(event, _Skip)]
    total = sum((piece.end - piece.start for piece in pieces), ZERO)
    closed_days = sum(1 for skip in skips if skip.reason != "holiday")
    holidays = [skip.day for skip in skips if skip.reason == "holiday"]
    sentence = (
        f"Then used {len(pieces)} more windows through {_day_label(pieces[-1].day)} ({_duration(total)})"
    )
    skipped = []
    if closed_days:
        skipped.append(f"{closed_days} {'day' if closed_days == 1 else 'days'} without business hours")
    if holidays:
        listed = ", ".join(day.isoformat() for day in holidays[:5]) + (", ..." if len(holidays) > 5 else "")
        skipped.append(f"{len(holidays)} {'holiday' if len(holidays) == 1 else 'holidays'} ({listed})")
    if skipped:
        sentence += ", skipping " + " and ".join(skipped)
    notes = [event for event in middle if isinstance(event, _Note)]
    return [*events[: first + 1], _Note(sentence + "."), *notes, *events[last:]]


def _render(events: list[_Event], tz: tzinfo) -> list[str]:
    """Turn events into sentences, merging runs of consecutive skipped days with the same reason."""
    lines: list[str] = []
    run: list[_Skip] = []

    for event in events:
        if isinstance(event, _Skip):
            if run and (event.reason != run[-1].reason or event.day != run[-1].day + ONE_DAY):
                lines.append(_skip_sentence(run))
                run = []
            run.append(event)
            continue
        if run:
            lines.append(_skip_sentence(run))
            run = []
        lines.append(_used_sentence(event, tz) if isinstance(event, _Piece) else event.text)
    if run:
        lines.append(_skip_sentence(run))
    return lines


def _skip_sentence(run: list[_Skip]) -> str:
    days, reason = [skip.day for skip in run], run[0].reason
    if reason == "holiday":
        if len(days) == 1:
            return f"Skipped {_day_label(days[0])} (holiday)."
        return f"Skipped {_day_label(days[0])} to {_day_label(days[-1])} (holidays)."
    names = [_DAY_NAMES[day.weekday()] for day in days]
    if len(names) == 1:
        return f"Skipped {names[0]} ({reason})."
    if len(names) == 2:
        return f"Skipped {names[0]} and {names[1]} ({reason})."
    return f"Skipped {_day_label(days[0])} to {_day_label(days[-1])} ({reason})."


def _used_sentence(piece: _Piece, tz: tzinfo) -> str:
    if piece.start > piece.opened and piece.end == piece.closed:
        where = f"until {_clock(piece.end, tz, piece.day)}"
    else:
        a, b = piece.start.astimezone(tz), piece.end.astimezone(tz)
        if _zone_label(a) == _zone_label(b):
            where = f"{_clock(piece.start, tz, piece.day, zone=False)}-{_clock(piece.end, tz, piece.day)}"
        else:
            where = f"{_clock(piece.start, tz, piece.day)}-{_clock(piece.end, tz, piece.day)}"
    return (
        f"Used {_duration(piece.end - piece.start)} of {_DAY_NAMES[piece.day.weekday()]}'s window ({where})."
    )


def _clock(instant: datetime, tz: tzinfo, day: date, *, zone: bool = True) -> str:
    """Local time of ``instant``, prefixed by its weekday when not on ``day``."""
    local = instant.astimezone(tz)
    text = _hhmm(local)
    if local.date() != day:
        text = f"{_DAY_NAMES[local.weekday()]} {text}"
    return f"{text} {_zone_label(local)}" if zone else text


def _stamp(instant: datetime, tz: tzinfo) -> str:
    local = instant.astimezone(tz)
    return f"{_day_label(local.date())} {_hhmm(local)} {_zone_label(local)}"


def _day_label(day: date) -> str:
    return f"{_DAY_NAMES[day.weekday()]} {day.isoformat()}"


def _hhmm(local: datetime) -> str:
    if local.microsecond:
        return local.strftime("%H:%M:%S.%f")
    if local.second:
        return local.strftime("%H:%M:%S")
    return local.strftime("%H:%M")


def _zone_label(local: datetime) -> str:
    return zone_abbreviation(local) if local.tzname() else _offset_label(local)


def _offset_label(local: datetime) -> str:
    offset = local.utcoffset() or ZERO
    sign = "-" if offset < ZERO else "+"
    minutes = abs(offset) // timedelta(minutes=1)
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _duration(span: timedelta) -> str:
    """Compact, exact duration: ``4h``, ``3h 30m``, ``45s``, ``1.5s``, ``0s``."""
    micros = span // timedelta(microseconds=1)
    seconds, micros = divmod(micros, 1_000_000)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    parts = []
    if hours:
        parts.append(f"{hours}h")
    if minutes:
        parts.append(f"{minutes}m")
    if micros:
        parts.append(f"{seconds}.{micros:06d}".rstrip("0") + "s")
    elif seconds:
        parts.append(f"{seconds}s")
    return " ".join(parts) or "0s"
