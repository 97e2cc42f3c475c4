"""Why a deadline is where it is, in short sentences (pure: no ORM, no clock reads).

The arithmetic lives in :mod:`escalation.sla.business_time`; this module walks the same calendar pieces
and says what placed the deadline: the start, days skipped (weekends, holidays), the windows used,
clock changes and the due instant. Zones are named as everywhere in the product
(`tickets.zone_labels`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import NamedTuple

from escalation.sla.business_time import ONE_DAY, ZERO, Calendar, _check_target, _Piece, _pieces, as_utc
from tickets.zone_labels import zone_abbreviation

__all__ = ["Explanation", "explain_deadline"]

_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Explanation:
    """A deadline and the human-readable steps that placed it."""

    due: datetime
    steps: list[str] = field(default_factory=list, hash=False)


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
