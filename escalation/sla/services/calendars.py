"""From calendar rows to the pure business-time calendar the SLA maths runs on."""

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays as holiday_data

from escalation.sla.business_time import Calendar
from escalation.sla.models import BusinessCalendar

HOLIDAY_YEARS_AHEAD = 2  # a clock started now may run into next year's holidays


@lru_cache(maxsize=256)
def _public_holidays(country: str, year: int) -> frozenset[date]:
    return frozenset(holiday_data.country_holidays(country, years=year).keys())


def calendar_for(calendar: BusinessCalendar, *, tz: ZoneInfo, around: datetime) -> Calendar:
    """The pure calendar for `calendar`, read in `tz` unless it names its own zone.

    Holidays are loaded for the year of `around` and the years after it that a clock may reach.
    """
    zone = calendar.timezone or tz
    if calendar.kind == BusinessCalendar.Kind.ALWAYS:
        return Calendar.around_the_clock(zone)
    first_year = around.astimezone(zone).year - 1
    years = range(first_year, first_year + HOLIDAY_YEARS_AHEAD + 2)
    closed: set[date] = {h.date for h in calendar.holidays.all() if h.date.year in years}
    if calendar.holiday_country:
        for year in years:
            closed |= _public_holidays(calendar.holiday_country, year)
    # Raises ValueError for a business calendar without workdays rather than silently running 24x7.
    return Calendar.business_hours(
        zone, start=calendar.opens, end=calendar.closes, weekdays=calendar.workdays, holidays=closed
    )
