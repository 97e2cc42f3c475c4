"""`{% load desk_time %}`: time filters for the queue, which shows a few hundred times a page.

They print what `|timezone:zone|date:"D H:i T"` and `|date:"D j M, H:i T"` print in English, without
the locale lookups that made Django's `date` filter a tenth of the queue page's time.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from django import template

register = template.Library()

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@register.filter
def local_time(value: datetime | None, zone: ZoneInfo) -> str:
    """`Fri 14:05 CET`: weekday, time and zone abbreviation of `value` in `zone`."""
    if value is None:
        return ""
    local = value.astimezone(zone)
    return f"{_DAYS[local.weekday()]} {local:%H:%M} {local.tzname()}"


@register.filter
def local_stamp(value: datetime | None, zone: ZoneInfo) -> str:
    """`Fri 13 Jun, 14:05 CET`: as `local_time`, with the day and month."""
    if value is None:
        return ""
    local = value.astimezone(zone)
    return f"{_DAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]}, {local:%H:%M} {local.tzname()}"


@register.filter
def clock_time(value: datetime | None, zone: ZoneInfo) -> str:
    """`14:05`: the wall-clock time of `value` in `zone`."""
    return "" if value is None else f"{value.astimezone(zone):%H:%M}"


@register.filter
def zone_abbreviation(value: datetime | None, zone: ZoneInfo) -> str:
    """`CET`: the abbreviation `zone` uses at `value`."""
    return "" if value is None else value.astimezone(zone).tzname() or ""
