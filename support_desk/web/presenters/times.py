"""Times, durations and calendars in words, for every page.

No queries and no clock reads (see the package's docstring)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from escalation.models import BusinessCalendar, TicketClock
from escalation.sla import business_time
from escalation.sla.services.calendars import calendar_for
from tickets.models import Severity, Ticket
from tickets.zone_labels import zone_abbreviation, zone_key, zone_words

SEVERITY_PLAIN = {
    Severity.GENERAL: "General: a question or a minor issue",
    Severity.URGENT: "Urgent: viewers are affected",
    Severity.MAJOR: "Major: the service is down",
}
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


# --- times and durations ------------------------------------------------------------------------


def zone_name(zone: ZoneInfo) -> str:
    return zone_key(zone)


def local_stamp(instant: datetime, zone: ZoneInfo) -> str:
    """Short local time with its zone, for engineers: `Thu 12 Jun 2025, 11:00 WEST`."""
    local = instant.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M} {zone_abbreviation(local)}"


def local_words(instant: datetime, zone: ZoneInfo) -> str:
    """Long local time with its zone, for customers: `Thursday 12 June 2025 at 11:00 WEST (Europe/Lisbon)`,
    `... at 13:00 UTC` (not `UTC (UTC)`)."""
    local = instant.astimezone(zone)
    return f"{local:%A} {local.day} {local:%B %Y} at {local:%H:%M} {zone_words(local)}"


def compact_duration(span: timedelta) -> str:
    """`4h`, `1h 30m`, `2d 3h`, `45s`: exact to the minute, seconds only under a minute."""
    seconds = int(abs(span).total_seconds())
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    parts = [f"{value}{unit}" for value, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if value]
    if not parts:
        parts = [f"{seconds}s"]
    return ("-" if span < timedelta(0) else "") + " ".join(parts)


def clock_span_words(span: timedelta, *, business: bool) -> str:
    """A promise's length as people say it: `24 business hours`, `1 business hour 30 minutes`,
    `8 hours`, `15 minutes`. Whole hours never become days: a business day is not 24 hours."""
    seconds = int(abs(span).total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    units = [(hours, "hour"), (minutes, "minute")] if hours or minutes else [(secs, "second")]
    parts = [f"{value} {unit}{'' if value == 1 else 's'}" for value, unit in units if value]
    if not parts:
        parts = ["0 minutes"]
    if business and seconds:
        count, noun = parts[0].split(" ", 1)
        parts[0] = f"{count} business {noun}"
    return " ".join(parts)


def countdown_text(due: datetime, now: datetime) -> str:
    """What the live countdown shows (static/js/desk.js formats the same way): `3h 05m`, `overdue 12m 30s`."""
    seconds = int((due - now).total_seconds())
    overdue = seconds < 0
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        text = f"{days}d {hours}h"
    elif hours:
        text = f"{hours}h {minutes:02d}m"
    else:
        text = f"{minutes}m {secs:02d}s"
    return f"overdue {text}" if overdue else text


def calendar_words(calendar: BusinessCalendar, zone: ZoneInfo) -> str:
    """`around the clock` or `Monday to Friday, 09:00-18:00 Europe/Berlin time`."""
    if calendar.kind == BusinessCalendar.Kind.ALWAYS:
        return "around the clock, every day"
    days = sorted(calendar.workdays)
    if days and days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
        day_text = f"{_DAY_NAMES[days[0]]} to {_DAY_NAMES[days[-1]]}"
    else:
        day_text = ", ".join(_DAY_NAMES[d] for d in days)
    hours = f"{calendar.opens:%H:%M}-{calendar.closes:%H:%M}"
    text = f"{day_text}, {hours} {zone_name(calendar.timezone or zone)} time"
    if calendar.holiday_country:
        text += f", except public holidays ({calendar.holiday_country})"
    return text


def clock_of(ticket: Ticket) -> TicketClock | None:
    try:
        return ticket.clock
    except TicketClock.DoesNotExist:
        return None


def clock_calendar(clock: TicketClock, around: datetime) -> business_time.Calendar:
    return calendar_for(clock.calendar, tz=clock.timezone, around=around)
