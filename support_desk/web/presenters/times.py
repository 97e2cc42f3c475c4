"""Times, durations and calendars in words, for every page.

No queries and no clock reads (see the package's docstring)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from babel.lists import format_list
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from escalation.models import BusinessCalendar, TicketClock
from escalation.sla import business_time
from escalation.sla.services.calendars import calendar_for
from escalation.zones import clock_words
from tickets.models import Severity, Ticket
from tickets.zone_labels import zone_abbreviation, zone_key, zone_words

# A severity in plain words, as its name and what it means (the form shows them apart).
SEVERITY_PARTS = {
    Severity.GENERAL: (Severity.GENERAL.label, gettext_lazy("a question or a minor issue")),
    Severity.URGENT: (Severity.URGENT.label, gettext_lazy("viewers are affected")),
    Severity.MAJOR: (Severity.MAJOR.label, gettext_lazy("the service is down")),
}
SEVERITY_PLAIN = {value: format_lazy("{}: {}", *parts) for value, parts in SEVERITY_PARTS.items()}
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


# --- the customer's language (Babel's CLDR data for dates, times and zone names) -------------------


def english() -> bool:
    """Whether the active language is English: the product's own wording of times is kept for it."""
    return (translation.get_language() or "en").split("-")[0] == "en"


def babel_locale() -> str:
    """The active language as a Babel locale: `ja`, `zh_Hans`, `pt_BR`."""
    return translation.to_locale(translation.get_language() or "en")


def local_zone_words(local: datetime) -> str:
    """`zone_words` in the active language: the abbreviation where the zone has one (`JST`), else the
    place in the reader's language (`サンパウロ時間`), then the IANA name (`(America/Sao_Paulo)`)."""
    if english():
        return zone_words(local)
    name = local.tzname() or ""
    if not name[:1].isalpha():
        name = babel_dates.get_timezone_location(local.tzinfo, locale=babel_locale())
    key = zone_key(local.tzinfo)
    return name if name == key else f"{name} ({key})"


def local_when(instant: datetime, zone: ZoneInfo) -> str:
    """A medium date and time with its zone, in the reader's language: `Thu 12 Jun 2025, 11:00 WEST` in
    English, `2025/06/12 11:00 JST` in Japanese."""
    local = instant.astimezone(zone)
    if english():
        return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M} {zone_abbreviation(local)}"
    when = babel_dates.format_date(local, "medium", locale=babel_locale())
    clock = babel_dates.format_time(local, "short", tzinfo=zone, locale=babel_locale())
    name = local.tzname() or ""
    if not name[:1].isalpha():
        name = babel_dates.get_timezone_location(local.tzinfo, locale=babel_locale())
    return f"{when} {clock} {name}"


# --- times and durations ------------------------------------------------------------------------


def zone_name(zone: ZoneInfo) -> str:
    return zone_key(zone)


def local_stamp(instant: datetime, zone: ZoneInfo) -> str:
    """Short local time with its zone, for engineers: `Thu 12 Jun 2025, 11:00 WEST`."""
    local = instant.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M} {zone_abbreviation(local)}"


def local_words(instant: datetime, zone: ZoneInfo) -> str:
    """Long local time with its zone, for customers: `Thursday 12 June 2025 at 11:00 WEST (Europe/Lisbon)`,
    `... at 13:00 UTC` (not `UTC (UTC)`). In another active language, that language's full date and
    short time (Babel, CLDR): `2025年6月12日木曜日 19:00 JST (Asia/Tokyo)`."""
    local = instant.astimezone(zone)
    if english():
        return f"{local:%A} {local.day} {local:%B %Y} at {local:%H:%M} {zone_words(local)}"
    locale = babel_locale()
    return _("%(date)s at %(time)s %(zone)s") % {
        "date": babel_dates.format_date(local, "full", locale=locale),
        "time": babel_dates.format_time(local, "short", tzinfo=zone, locale=locale),
        "zone": local_zone_words(local),
    }


def local_clock_words(instant: datetime, zone: ZoneInfo, *, today: datetime) -> str:
    """`escalation.zones.clock_words` in the reader's language: the time and zone, with the date when it
    is not `today`'s date there (`07:15 JST`, `6月12日(木) 07:15 JST`)."""
    local = instant.astimezone(zone)
    if english():
        return clock_words(instant, zone, today=today)
    locale = babel_locale()
    text = babel_dates.format_time(local, "short", tzinfo=zone, locale=locale)
    if local.date() != today.astimezone(zone).date():
        day = babel_dates.format_skeleton("MMMEd", local, locale=locale)
        text = f"{day} {text}"
    name = local.tzname() or ""
    if not name[:1].isalpha():
        name = babel_dates.get_timezone_location(local.tzinfo, locale=locale)
    return f"{text} {name}"


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
    """`around the clock` or `Monday to Friday, 09:00-18:00 Europe/Berlin time`: why a deadline falls
    where it does. In the active language (day names from CLDR)."""
    if calendar.kind == BusinessCalendar.Kind.ALWAYS:
        return _("around the clock, every day")
    names = _DAY_NAMES
    if not english():
        wide = babel_dates.get_day_names("wide", locale=babel_locale())
        names = tuple(wide[d] for d in range(7))
    days = sorted(calendar.workdays)
    if days and days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
        day_text = _("%(first)s to %(last)s") % {"first": names[days[0]], "last": names[days[-1]]}
    else:
        listed = [names[d] for d in days]
        day_text = ", ".join(listed) if english() else format_list(listed, locale=babel_locale())
    text = _("%(days)s, %(opens)s-%(closes)s %(zone)s time") % {
        "days": day_text,
        "opens": f"{calendar.opens:%H:%M}",
        "closes": f"{calendar.closes:%H:%M}",
        "zone": zone_name(calendar.timezone or zone),
    }
    if calendar.holiday_country:
        text += _(", except public holidays (%(country)s)") % {"country": calendar.holiday_country}
    return text


def clock_of(ticket: Ticket) -> TicketClock | None:
    try:
        return ticket.clock
    except TicketClock.DoesNotExist:
        return None


def clock_calendar(clock: TicketClock, around: datetime) -> business_time.Calendar:
    return calendar_for(clock.calendar, tz=clock.timezone, around=around)
