"""Availability of a customer's service for one calendar month, and the credit a miss earns. Pure: no
ORM, no clock; the caller passes `now` and plain data.

The conventions, stated once (docs/incidents.md, "Availability and credits", says the same to managers):

- **The month is a calendar month in UTC**, `[first day 00:00 UTC, first day of the next month 00:00
  UTC)`, as service credits for breaches are (`periods.month_period`). Not the customer's local month:
  one bill month for every customer, and no DST, so every month is whole days of 1,440 minutes
  (40,320 minutes in a February of 28 days, 41,760 in a leap February, 43,200 and 44,640 in 30- and
  31-day months).
- **Only outage counts.** The caller passes the impact windows of incidents whose `impact` is
  `outage`; a degraded service is up (it is followed as an incident, not credited).
- **A window is `[start, end)`**; an `end` of None is an outage still going on, counted up to `now`.
  Nothing after `now` is downtime, so the month to date can only lose availability as it runs.
- **Minutes are whole UTC minutes of the month.** A minute is down when any outage window covers any
  part of it: the customer never loses a partly-down minute. Overlapping windows (two incidents at
  once) are merged, a minute is counted once.
- **`minutes` is always the whole month's**, the month to date included: its availability is the
  best the month can still end at.
- **Availability** is `(minutes - downtime) / minutes` in per cent, rounded down to 3 decimals, so the
  figure shown is never above the truth and agrees with `met`: a commitment has at most 3 decimals,
  and the availability is at least the commitment exactly when the figure shown is.
- **Credits**: nothing when the commitment is met; otherwise `missed_credit_percent` of the monthly
  fee, or the highest tier whose threshold the availability is below (by default below 99.0 %: 25 %,
  below 95.0 %: 100 %). Amounts are rounded half up to the cent, as breach credits are.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

MINUTE = timedelta(minutes=1)
CENT = Decimal("0.01")
HUNDRED = Decimal(100)
PERCENT_PLACES = Decimal("0.001")  # availability is shown with 3 decimals

# Today's defaults per plan (DESIGN.md: 99.9 % standard, 99.95 % premium). Managers edit them in the
# admin (`tickets.CreditRule`); `tickets/migrations/0009` seeds a new database with its own copy.
DEFAULT_COMMITMENT_PERCENT = {"standard": Decimal("99.900"), "premium": Decimal("99.950")}
DEFAULT_MISSED_CREDIT_PERCENT = Decimal("10.00")
DEFAULT_TIERS = ((Decimal("99.000"), Decimal("25.00")), (Decimal("95.000"), Decimal("100.00")))


@dataclass(frozen=True)
class CreditTier:
    below_percent: Decimal  # availability strictly below this ...
    credit_percent: Decimal  # ... earns this share of the monthly fee


@dataclass(frozen=True)
class AvailabilityTerms:
    commitment_percent: Decimal
    missed_credit_percent: Decimal
    tiers: tuple[CreditTier, ...] = ()


DEFAULT_TERMS = {
    plan: AvailabilityTerms(
        commitment_percent=commitment,
        missed_credit_percent=DEFAULT_MISSED_CREDIT_PERCENT,
        tiers=tuple(CreditTier(below, credit) for below, credit in DEFAULT_TIERS),
    )
    for plan, commitment in DEFAULT_COMMITMENT_PERCENT.items()
}


@dataclass(frozen=True)
class Window:
    """An outage: `[start, end)`, aware datetimes; `end` None while it goes on."""

    start: datetime
    end: datetime | None


@dataclass(frozen=True)
class Availability:
    minutes: int
    downtime_minutes: int
    availability: Decimal  # per cent, 3 decimals, rounded down
    commitment: Decimal
    met: bool
    credit_percent: Decimal
    credit_amount: Decimal


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """The calendar month in UTC as instants, `[start, end)`."""
    if not 1 <= month <= 12:
        raise ValueError(f"no month {month}")
    start = datetime(year, month, 1, tzinfo=UTC)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def month_minutes(year: int, month: int) -> int:
    start, end = month_bounds(year, month)
    return (end - start) // MINUTE


def clip(
    window: Window, *, start: datetime, end: datetime, now: datetime
) -> tuple[datetime, datetime] | None:
    """The part of `window` inside `[start, min(end, now))`, or None when nothing of it is."""
    if window.start.tzinfo is None or (window.end is not None and window.end.tzinfo is None):
        raise ValueError("outage windows are aware datetimes")
    stop = min(end, now) if window.end is None else min(window.end, end, now)
    begin = max(window.start, start)
    return (begin, stop) if begin < stop else None


def _floor_minute(offset: timedelta) -> int:
    return offset // MINUTE


def _ceil_minute(offset: timedelta) -> int:
    return -(-offset // MINUTE)


def downtime_minutes(windows: Iterable[Window], *, start: datetime, end: datetime, now: datetime) -> int:
    """Whole minutes of `[start, end)` (counted from `start`) that any window touches before `now`,
    overlaps counted once."""
    spans = []
    for window in windows:
        part = clip(window, start=start, end=end, now=now)
        if part is not None:
            spans.append((_floor_minute(part[0] - start), _ceil_minute(part[1] - start)))
    total = 0
    run_start = run_end = None  # the merged run of minutes being built
    for first, last in sorted(spans):
        if run_end is not None and first <= run_end:
            run_end = max(run_end, last)
            continue
        if run_end is not None:
            total += run_end - run_start
        run_start, run_end = first, last
    if run_end is not None:
        total += run_end - run_start
    return total


def credit_percent_for(*, up_minutes: int, minutes: int, terms: AvailabilityTerms) -> Decimal:
    """The share of the fee owed: compared on the exact fraction, never a rounded one."""
    if not _below(up_minutes, minutes, terms.commitment_percent):
        return Decimal(0)
    owed = [terms.missed_credit_percent]
    owed += [tier.credit_percent for tier in terms.tiers if _below(up_minutes, minutes, tier.below_percent)]
    return max(owed)


def _below(up_minutes: int, minutes: int, percent: Decimal) -> bool:
    """Whether `up_minutes / minutes` is strictly below `percent` per cent, in exact arithmetic."""
    return Decimal(up_minutes) * HUNDRED < Decimal(percent) * minutes


def availability_for(
    *,
    year: int,
    month: int,
    windows: Iterable[Window],
    now: datetime,
    terms: AvailabilityTerms,
    monthly_fee: Decimal,
) -> Availability:
    """One customer's month: its outage windows (any order, overlapping or not, beyond the month or not)
    against its plan's terms and fee."""
    if monthly_fee < 0:
        raise ValueError("a monthly fee is never negative")
    start, end = month_bounds(year, month)
    minutes = (end - start) // MINUTE
    down = downtime_minutes(windows, start=start, end=end, now=now)
    up = minutes - down
    percent = (Decimal(up) * HUNDRED / minutes).quantize(PERCENT_PLACES, rounding=ROUND_DOWN)
    credit = credit_percent_for(up_minutes=up, minutes=minutes, terms=terms)
    return Availability(
        minutes=minutes,
        downtime_minutes=down,
        availability=percent,
        commitment=terms.commitment_percent,
        met=not _below(up, minutes, terms.commitment_percent),
        credit_percent=credit,
        credit_amount=(Decimal(monthly_fee) * credit / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP),
    )
