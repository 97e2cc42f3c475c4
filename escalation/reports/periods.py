"""Reporting periods. Pure: no ORM, no clock; `now` and zones come from the caller.

A period is half-open, `[start, end)`, on the instants at which promises fell due. Managers pick days
in their own timezone: a day given as the start means its local midnight, a day given as the end
means the end of that day (the next local midnight). Midnights are found with `wall_to_utc`, so a
day on which the clocks change is 23 or 25 hours long, and a midnight inside a DST gap is read the
way business time reads it.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from escalation.sla.business_time import wall_to_utc

DEFAULT_DAYS = 30
MAX_DAYS = 731  # two years: enough for a year-on-year look, small enough to stay one query
TREND_DAILY_UP_TO_DAYS = 62  # longer periods chart compliance per week


class PeriodError(ValueError):
    """The period asked for is empty, backwards or too long; the message says which."""

    def __init__(self, message: str, *, field: str = "to") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Period:
    start: datetime  # inclusive, UTC
    end: datetime  # exclusive, UTC
    zone: ZoneInfo  # the zone the manager reads it in (days, weeks, hours of the week)

    @property
    def days(self) -> float:
        return (self.end - self.start) / timedelta(days=1)

    def local_start(self) -> datetime:
        return self.start.astimezone(self.zone)

    def last_local_day(self) -> date:
        """The local day the period's last instant falls on."""
        return (self.end - timedelta(microseconds=1)).astimezone(self.zone).date()


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The instant (UTC) at which `day` begins in `zone`."""
    return wall_to_utc(day, time(0), zone)


def _bound(value: date | datetime, zone: ZoneInfo, *, end: bool) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("period bounds must be aware datetimes or dates")
        return value.astimezone(UTC)
    return local_midnight(value + timedelta(days=1) if end else value, zone)


def period_resolve(
    *,
    start: date | datetime | None,
    end: date | datetime | None,
    zone: ZoneInfo,
    now: datetime,
    default_days: int = DEFAULT_DAYS,
    max_days: int = MAX_DAYS,
) -> Period:
    """The period a manager asked for; by default the `default_days` local days up to `now`.

    Without a start, the period begins at the same local wall time `default_days` calendar days
    before its end (so "the last 30 days" of a Berlin manager spans 30 local days across a clock change).
    """
    end_at = _bound(end, zone, end=True) if end is not None else now.astimezone(UTC)
    if start is not None:
        start_at = _bound(start, zone, end=False)
    else:
        local_end = end_at.astimezone(zone)
        back = local_end - timedelta(days=default_days)  # wall-clock arithmetic, on purpose
        start_at = wall_to_utc(back.date(), back.time().replace(tzinfo=None), zone)
    if end_at <= start_at:
        raise PeriodError("`to` must be after `from`.")
    if end_at - start_at > timedelta(days=max_days + 1):
        raise PeriodError(f"A report covers at most {max_days} days; choose a shorter period.")
    return Period(start=start_at, end=end_at, zone=zone)


def default_interval(period: Period) -> str:
    """`day` for periods up to two months, else `week`: a chart of at most about a hundred bars."""
    return "day" if period.days <= TREND_DAILY_UP_TO_DAYS else "week"


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_following(month: date) -> date:
    """The first day of the calendar month after the one containing `month`."""
    return (month_start(month) + timedelta(days=32)).replace(day=1)


def month_preceding(month: date) -> date:
    """The first day of the calendar month before the one containing `month`."""
    return (month_start(month) - timedelta(days=1)).replace(day=1)


def month_period(month: date) -> Period:
    """The calendar month containing `month`, in UTC: service credits are counted per UTC month."""
    first = month_start(month)
    utc = ZoneInfo("UTC")
    return Period(start=local_midnight(first, utc), end=local_midnight(month_following(first), utc), zone=utc)


def month_current(now: datetime) -> date:
    """The first day of the UTC month `now` falls in: the month to date, whose credits are not final."""
    return month_start(now.astimezone(UTC).date())


def month_is_final(month: date, now: datetime) -> bool:
    """Whether the UTC month containing `month` has ended at `now` (only then are its credits billed)."""
    return month_period(month).end <= now


def month_last_complete(now: datetime) -> date:
    """The first day of the last UTC month that has ended at `now`: credits are billed per closed month."""
    return month_preceding(month_current(now))


def credit_month_for(period: Period, now: datetime) -> date:
    """The month whose service credits go with a report of `period`, read at `now`: the UTC month of
    the period's last instant (or of `now`, when the period runs on past it), or the month before it
    while that month is still running. So "the last 30 days" shows the last complete month."""
    last = min(period.end, now) - timedelta(microseconds=1)
    month = month_start(last.astimezone(UTC).date())
    return month if month_is_final(month, now) else month_preceding(month)


def week_monday(day: date) -> date:
    return day - timedelta(days=day.weekday())
