"""Naming a time and a stretch of time for people in pages and warnings. Pure: no ORM, no clock.

A zone is named as everywhere in the product (`tickets.zone_labels`): by its abbreviation where it
has one (`CET`, `JST`, `EDT`, `UTC`), else by its place (`Sao Paulo time`), never by a bare offset.
"""

from datetime import datetime, timedelta, tzinfo

from tickets.zone_labels import zone_abbreviation


def zone_label(instant: datetime, zone: tzinfo) -> str:
    """`CET`, `JST`, `Sao Paulo time`: what `zone` is called at `instant`."""
    return zone_abbreviation(instant.astimezone(zone))


def clock_words(instant: datetime, zone: tzinfo, *, today: datetime) -> str:
    """`07:15 Sao Paulo time`, with the day (`Thu 12 Jun 07:15 CEST`) when it is not `today`'s date there."""
    local = instant.astimezone(zone)
    clock = f"{local:%H:%M}" if local.second == 0 else f"{local:%H:%M:%S}"
    if local.date() != today.astimezone(zone).date():
        clock = f"{local:%a} {local.day} {local:%b} {clock}"
    return f"{clock} {zone_label(instant, zone)}"


def span_words(span: timedelta, *, spoken: bool = False) -> str:
    """`3 min`, `2 h 5 min`, `1 d 3 h` (`3 minutes`... when `spoken`), to the nearest minute;
    under half a minute it is `less than a minute`."""
    minutes = round(abs(span).total_seconds() / 60)
    if minutes == 0:
        return "less than a minute"
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    units = (("day", "d"), ("hour", "h"), ("minute", "min"))
    parts = []
    for value, (word, short) in zip((days, hours, minutes), units, strict=True):
        if value:
            parts.append(f"{value} {word}{'s' if value != 1 else ''}" if spoken else f"{value} {short}")
    return " ".join(parts[:2])
