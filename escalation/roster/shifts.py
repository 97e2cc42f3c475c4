"""Engineer shifts: whether someone is on shift at an instant, and when their shift ends or next starts.

Pure Python (no ORM, no clock reads). Follows the conventions of :mod:`escalation.sla.business_time`:
aware datetimes in, UTC out; shift times are local wall-clock times converted per day with
``fold=0`` (a start inside a DST gap lands after the gap, an ambiguous one means its first
occurrence). A shift occurrence is ``[start, end)``; one whose end would not be after its
start (only possible inside a DST gap) does not happen that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from escalation.sla.business_time import as_utc, wall_to_utc

__all__ = [
    "Shift",
    "assignment_hold_until",
    "is_on_shift",
    "local_time",
    "next_shift_start",
    "next_shift_window",
    "previous_shift_end",
    "shift_end",
    "shift_window_at",
]

ONE_DAY = timedelta(days=1)
# A workday recurs weekly; one occurrence may be skipped (DST gap), so two weeks always suffice.
_LOOKAHEAD_DAYS = 16


@dataclass(frozen=True)
class Shift:
    """A weekly shift in ``tz``: ``start``-``end`` local time, starting on each of ``workdays`` (0=Mon).

    ``end <= start`` crosses midnight (the shift ends the next local day);
    ``start == end`` is a 24-hour shift.
    """

    tz: ZoneInfo
    start: time
    end: time
    workdays: frozenset[int]

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, time) or value.tzinfo is not None:
                raise ValueError(f"Shift.{name} must be a naive datetime.time, got {value!r}")
        workdays = frozenset(self.workdays)
        if not all(isinstance(day, int) and not isinstance(day, bool) and 0 <= day <= 6 for day in workdays):
            raise ValueError(f"workdays must be ints 0 (Monday) .. 6 (Sunday), got {sorted(workdays)!r}")
        object.__setattr__(self, "workdays", workdays)

    @property
    def crosses_midnight(self) -> bool:
        """True when the shift ends on the local day after it starts."""
        return self.end <= self.start

    def occurrence(self, day: date) -> tuple[datetime, datetime] | None:
        """UTC (start, end) of the shift starting on local ``day``, or None if it does not start then."""
        if day.weekday() not in self.workdays:
            return None
        begins = wall_to_utc(day, self.start, self.tz)
        ends = wall_to_utc(day + ONE_DAY if self.crosses_midnight else day, self.end, self.tz)
        return (begins, ends) if ends > begins else None


def shift_window_at(shift: Shift, at: datetime) -> tuple[datetime, datetime] | None:
    """UTC (start, end) of the shift occurrence containing ``at``, or None when off shift.

    Looks at shifts starting on the local day of ``at`` and the two days before, so a night
    shift that started yesterday is found. If several contain ``at`` (only possible with odd
    DST gaps), the earliest-starting one wins.
    """
    at_utc = as_utc(at, "at")
    today = at_utc.astimezone(shift.tz).date()
    for back in (2, 1, 0):
        window = shift.occurrence(today - back * ONE_DAY)
        if window is not None and window[0] <= at_utc < window[1]:
            return window
    return None


def is_on_shift(shift: Shift, at: datetime) -> bool:
    """True when ``at`` falls inside one of the shift's occurrences."""
    return shift_window_at(shift, at) is not None


def next_shift_start(shift: Shift, at: datetime) -> datetime | None:
    """The first shift start strictly after ``at`` (UTC); None if the shift has no workdays."""
    window = next_shift_window(shift, at)
    return window[0] if window else None


def next_shift_window(shift: Shift, at: datetime) -> tuple[datetime, datetime] | None:
    """UTC (start, end) of the first shift occurrence starting strictly after ``at``.

    None when the shift has no workdays."""
    at_utc = as_utc(at, "at")
    if not shift.workdays:
        return None
    today = at_utc.astimezone(shift.tz).date()
    for ahead in range(-1, _LOOKAHEAD_DAYS):
        window = shift.occurrence(today + ahead * ONE_DAY)
        if window is not None and window[0] > at_utc:
            return window
    return None


def previous_shift_end(shift: Shift, at: datetime) -> datetime | None:
    """The latest end of a shift occurrence at or before ``at`` (UTC), looking back about two weeks;
    None when no shift ended in that time (no workdays)."""
    at_utc = as_utc(at, "at")
    today = at_utc.astimezone(shift.tz).date()
    ends = []
    for back in range(0, _LOOKAHEAD_DAYS):
        window = shift.occurrence(today - back * ONE_DAY)
        if window is not None and window[1] <= at_utc:
            ends.append(window[1])
    return max(ends, default=None)


def assignment_hold_until(shift: Shift, at: datetime) -> datetime | None:
    """Until when a deliberate assignment made at ``at`` stays with the engineer: the end of the shift
    they are on, or else the end of their next shift. None when they have no shift to come."""
    window = shift_window_at(shift, at) or next_shift_window(shift, at)
    return None if window is None else window[1]


def shift_end(shift: Shift, at: datetime) -> datetime | None:
    """End (UTC) of the shift occurrence containing ``at``; None when off shift."""
    window = shift_window_at(shift, at)
    return None if window is None else window[1]


def local_time(tz: ZoneInfo, at: datetime) -> datetime:
    """``at`` expressed in ``tz``, for display."""
    return as_utc(at, "at").astimezone(tz)
