"""Coverage of the roster: how many engineers are on shift in each hour of a week, and when a 24x7
promise (any major ticket, any premium ticket) would reach nobody.

Pure: no ORM, no clock. Shifts are evaluated with `escalation.roster.shifts` (each engineer in their own
zone, DST-correct); hours of the week are local hours of the zone asked for, converted per day with
`wall_to_utc`, so a spring-forward hour does not exist and a fall-back hour lasts two.

A 24x7 ticket is routed to someone on shift, or pages the on-call engineer at once (DESIGN.md,
"Follow-the-sun routing"). So there is a gap wherever nobody is on shift and nobody can be paged.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from escalation.roster.shifts import Shift
from escalation.sla.business_time import as_utc, wall_to_utc
from tickets.zone_labels import zone_abbreviation

ONE_DAY = timedelta(days=1)
ZERO = timedelta(0)
HOURS_PER_DAY = 24
DAYS_PER_WEEK = 7


@dataclass(frozen=True)
class Member:
    """One active engineer as coverage sees them."""

    label: str
    shift: Shift
    on_call: bool = False  # paged at once for a 24x7 ticket when nobody is on shift


@dataclass(frozen=True, order=True)
class Interval:
    start: datetime
    end: datetime

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


@dataclass(frozen=True)
class Segment:
    """A stretch of time during which the same engineers are on shift."""

    start: datetime
    end: datetime
    on_shift: tuple[str, ...]

    @property
    def count(self) -> int:
        return len(self.on_shift)


def shift_intervals(shift: Shift, start: datetime, end: datetime) -> list[Interval]:
    """The shift's occurrences overlapping `[start, end)`, clipped to it and merged (UTC)."""
    start, end = as_utc(start, "start"), as_utc(end, "end")
    day = start.astimezone(shift.tz).date() - 2 * ONE_DAY  # a night shift may have started days before
    last = end.astimezone(shift.tz).date()
    found: list[Interval] = []
    while day <= last:
        occurrence = shift.occurrence(day)
        if occurrence is not None:
            begins, ends = max(occurrence[0], start), min(occurrence[1], end)
            if begins < ends:
                if found and begins <= found[-1].end:  # back-to-back 24-hour shifts
                    found[-1] = Interval(found[-1].start, max(found[-1].end, ends))
                else:
                    found.append(Interval(begins, ends))
        day += ONE_DAY
    return found


def headcount(members: Sequence[Member], start: datetime, end: datetime) -> list[Segment]:
    """Who is on shift over `[start, end)`, as consecutive segments covering it exactly."""
    start, end = as_utc(start, "start"), as_utc(end, "end")
    joins: dict[datetime, list[str]] = defaultdict(list)
    leaves: dict[datetime, list[str]] = defaultdict(list)
    for member in members:
        for interval in shift_intervals(member.shift, start, end):
            joins[interval.start].append(member.label)
            leaves[interval.end].append(member.label)
    on: dict[str, int] = defaultdict(int)  # a label may belong to two members: count each
    segments: list[Segment] = []
    for a, b in pairwise(sorted({start, end, *joins, *leaves})):
        for label in leaves.get(a, ()):
            on[label] -= 1
        for label in joins.get(a, ()):
            on[label] += 1
        names = tuple(sorted(label for label, n in on.items() for _ in range(n)))
        if segments and segments[-1].on_shift == names:
            segments[-1] = Segment(segments[-1].start, b, names)
        else:
            segments.append(Segment(a, b, names))
    return segments


def gaps(members: Sequence[Member], start: datetime, end: datetime) -> list[Interval]:
    """When a 24x7 ticket would reach nobody: nobody on shift, and nobody on call to page."""
    if any(member.on_call for member in members):
        return []
    return _uncovered(headcount(members, start, end))


def _uncovered(segments) -> list[Interval]:
    return [Interval(s.start, s.end) for s in segments if s.count == 0]


def subtract(intervals: Iterable[Interval], minus: Iterable[Interval]) -> list[Interval]:
    """The parts of `intervals` not covered by `minus` (both sorted, non-overlapping)."""
    minus = sorted(minus)
    left: list[Interval] = []
    for interval in sorted(intervals):
        pieces = [interval]
        for cut in minus:
            if cut.end <= interval.start or cut.start >= interval.end:
                continue
            next_pieces = []
            for piece in pieces:
                if cut.start > piece.start:
                    next_pieces.append(Interval(piece.start, min(cut.start, piece.end)))
                if cut.end < piece.end:
                    next_pieces.append(Interval(max(cut.end, piece.start), piece.end))
            pieces = [p for p in next_pieces if p.start < p.end]
        left.extend(pieces)
    return left


def gaps_opened(
    before: Sequence[Member], after: Sequence[Member], start: datetime, end: datetime
) -> list[Interval]:
    """Gap time the roster `after` has in `[start, end)` that the roster `before` did not have."""
    return subtract(gaps(after, start, end), gaps(before, start, end))


# --- the week grid --------------------------------------------------------------------------------


@dataclass(frozen=True)
class HourCell:
    """One local hour of the week in the grid's zone."""

    day: date
    hour: int
    start: datetime  # UTC
    end: datetime  # UTC; equal to start for an hour skipped by a clock change
    fewest: int  # on shift for the whole hour
    most: int  # on shift at some point of the hour
    on_shift: tuple[str, ...]  # everyone on shift at some point of the hour
    uncovered: timedelta  # nobody on shift
    gap: timedelta  # nobody on shift and nobody on call

    @property
    def exists(self) -> bool:
        return self.end > self.start

    @property
    def state(self) -> str:
        """`gap`, `on_call` (nobody on shift: the on-call engineer would be paged), `covered`, or
        `skipped` (an hour the clocks jumped over)."""
        if not self.exists:
            return "skipped"
        if self.gap:
            return "gap"
        if self.uncovered:
            return "on_call"
        return "covered"


@dataclass(frozen=True)
class CoverageWeek:
    zone: ZoneInfo
    monday: date
    start: datetime
    end: datetime
    days: list[tuple[date, list[HourCell]]]
    gaps: list[Interval]
    on_call: tuple[str, ...]

    @property
    def gap_total(self) -> timedelta:
        return sum((gap.duration for gap in self.gaps), ZERO)


def _hour_bounds(day: date, hour: int, zone: ZoneInfo) -> tuple[datetime, datetime]:
    begins = wall_to_utc(day, time(hour), zone)
    if hour + 1 < HOURS_PER_DAY:
        ends = wall_to_utc(day, time(hour + 1), zone)
    else:
        ends = wall_to_utc(day + ONE_DAY, time(0), zone)
    return begins, max(begins, ends)


def _cell(day: date, hour: int, begins: datetime, ends: datetime, segments, can_page: bool) -> HourCell:
    overlapping = [s for s in segments if s.start < ends and s.end > begins] if ends > begins else []
    uncovered = sum((min(s.end, ends) - max(s.start, begins) for s in overlapping if s.count == 0), ZERO)
    names = sorted({name for s in overlapping for name in s.on_shift})
    return HourCell(
        day=day,
        hour=hour,
        start=begins,
        end=ends,
        fewest=min((s.count for s in overlapping), default=0),
        most=max((s.count for s in overlapping), default=0),
        on_shift=tuple(names),
        uncovered=uncovered,
        gap=ZERO if can_page else uncovered,
    )


def coverage_week(members: Sequence[Member], zone: ZoneInfo, monday: date) -> CoverageWeek:
    """The seven local days from `monday` in `zone`, hour by hour, and the gaps in that week."""
    start = wall_to_utc(monday, time(0), zone)
    end = wall_to_utc(monday + DAYS_PER_WEEK * ONE_DAY, time(0), zone)
    segments = headcount(members, start, end)
    on_call = tuple(sorted(m.label for m in members if m.on_call))
    days = []
    for offset in range(DAYS_PER_WEEK):
        day = monday + offset * ONE_DAY
        cells = [
            _cell(day, hour, *_hour_bounds(day, hour, zone), segments, bool(on_call))
            for hour in range(HOURS_PER_DAY)
        ]
        days.append((day, cells))
    return CoverageWeek(
        zone=zone,
        monday=monday,
        start=start,
        end=end,
        days=days,
        gaps=[] if on_call else _uncovered(segments),  # as `gaps`, from the headcount already made
        on_call=on_call,
    )


# --- in words -------------------------------------------------------------------------------------


def _stamp(local: datetime) -> str:
    return f"{local:%a} {local.day} {local:%b} {local:%H:%M}"


def describe_interval(interval: Interval, zone: ZoneInfo) -> str:
    """`Mon 16 Jun 02:00-06:00 CEST`; `Sat 21 Jun 22:00 CEST to Sun 22 Jun 06:00 CEST` across days."""
    a, b = interval.start.astimezone(zone), interval.end.astimezone(zone)
    if a.date() == b.date():
        return f"{_stamp(a)}-{b:%H:%M} {zone_abbreviation(b)}"
    if b.time() == time(0) and b.date() == a.date() + ONE_DAY:
        return f"{_stamp(a)}-24:00 {zone_abbreviation(b)}"
    return f"{_stamp(a)} {zone_abbreviation(a)} to {_stamp(b)} {zone_abbreviation(b)}"


def describe_gaps(intervals: Sequence[Interval], zone: ZoneInfo, *, limit: int = 10) -> str:
    words = [describe_interval(interval, zone) for interval in intervals[:limit]]
    if len(intervals) > limit:
        words.append(f"and {len(intervals) - limit} more")
    return "; ".join(words)
