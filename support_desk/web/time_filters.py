"""`{% load desk_time %}`: time filters for the queue, which shows a few hundred times a page.

They print what `|timezone:zone|date:"D H:i T"` and `|date:"D j M, H:i T"` print in English, without
the locale lookups that made Django's `date` filter a tenth of the queue page's time, and name a zone
that has no abbreviation by its place (`Sao Paulo time`) where `T` prints an offset (`-03`).
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django import template

from support_desk.web.presenters.times import local_when
from tickets.zone_labels import zone_abbreviation as _zone_label
from tickets.zone_labels import zone_words as _zone_words

register = template.Library()

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _stamp(t: datetime) -> str:
    return f"{_DAYS[t.weekday()]} {t.day} {_MONTHS[t.month - 1]}, {t:%H:%M} {_zone_label(t)}"


def _in(zone: ZoneInfo, value: datetime | None, text) -> str:
    return "" if value is None else text(value.astimezone(zone))


@register.filter
def local_time(value: datetime | None, zone: ZoneInfo) -> str:
    """`Fri 14:05 CET`: weekday, time and zone abbreviation of `value` in `zone`."""
    return _in(zone, value, lambda t: f"{_DAYS[t.weekday()]} {t:%H:%M} {_zone_label(t)}")


@register.filter
def local_stamp(value: datetime | None, zone: ZoneInfo) -> str:
    """`Fri 13 Jun, 14:05 CET`: as `local_time`, with the day and month."""
    return _in(zone, value, _stamp)


@register.filter
def clock_time(value: datetime | None, zone: ZoneInfo) -> str:
    """`14:05`: the wall-clock time of `value` in `zone`."""
    return _in(zone, value, lambda t: f"{t:%H:%M}")


@register.filter
def zone_abbreviation(value: datetime | None, zone: ZoneInfo) -> str:
    """`CET`: the abbreviation `zone` uses at `value` (`Sao Paulo time` where it has none)."""
    return _in(zone, value, _zone_label)


@register.filter
def zone_words(value: datetime | None, zone: ZoneInfo) -> str:
    """`CET (Europe/Berlin)`, `Sao Paulo time (America/Sao_Paulo)`, or just `UTC`: the zone at `value`."""
    return _in(zone, value, _zone_words)


@register.filter(name="local_when")
def local_when_filter(value: datetime | None, zone: ZoneInfo) -> str:
    """`Thu 12 Jun 2025, 11:00 WEST` in English, the reader's own medium date and time in another
    language (`2025/06/12 19:00 JST`): for the customer's pages."""
    return "" if value is None else local_when(value, zone)
