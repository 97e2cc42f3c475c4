"""Compliance over time (per day or week, in the manager's zone) and when breaches happen (a heatmap)."""

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.db.models import (
    Count,
    DateTimeField,
    Q,
)
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, Trunc

from escalation.reports.periods import week_monday
from escalation.reports.selectors.filters import INTERVALS, ReportFilters, decided_cycles
from escalation.reports.selectors.sla_report import Compliance
from escalation.reports.sql import without_jit

# --- trends ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendPoint(Compliance):
    start: date  # the local day, or the Monday of the local week
    met: int
    breached: int


def compliance_trend_list(*, filters: ReportFilters, interval: str) -> list[TrendPoint]:
    """Met and breached cycles per local day or week of the period (every bucket, empty ones too)."""
    if interval not in INTERVALS:
        raise ValueError(f"interval is one of {INTERVALS}")
    zone = filters.zone
    rows = (
        decided_cycles(filters)
        .annotate(bucket=Trunc("due_at", interval, tzinfo=zone, output_field=DateTimeField()))
        .values("bucket")
        .annotate(n_met=Count("pk", filter=Q(met=True)), n_breached=Count("pk", filter=Q(met=False)))
        .order_by("bucket")
    )
    found = {row["bucket"].astimezone(zone).date(): row for row in rows}
    first = filters.period.local_start().date()
    last = filters.period.last_local_day()
    step = timedelta(days=1 if interval == "day" else 7)
    if interval == "week":
        first = week_monday(first)
    points = []
    day = first
    while day <= last:
        row = found.get(day, {})
        points.append(TrendPoint(start=day, met=row.get("n_met", 0), breached=row.get("n_breached", 0)))
        day += step
    return points


@dataclass(frozen=True)
class Heatmap:
    """Breaches by local hour of the week: `counts[weekday][hour]`, weekday 0 = Monday."""

    zone: ZoneInfo
    counts: list[list[int]]

    @property
    def most(self) -> int:
        return max((n for day in self.counts for n in day), default=0)

    @property
    def total(self) -> int:
        return sum(n for day in self.counts for n in day)


def breach_heatmap_get(*, filters: ReportFilters) -> Heatmap:
    """Breached cycles by the local weekday and hour at which their deadline passed."""
    zone = filters.zone
    rows = (
        decided_cycles(filters)
        .filter(met=False)
        .annotate(weekday=ExtractIsoWeekDay("due_at", tzinfo=zone), hour=ExtractHour("due_at", tzinfo=zone))
        .values("weekday", "hour")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = [[0] * 24 for _ in range(7)]
    for row in rows:
        counts[row["weekday"] - 1][row["hour"]] = row["n"]
    return Heatmap(zone=zone, counts=counts)


@dataclass(frozen=True)
class Trends:
    filters: ReportFilters
    interval: str
    points: list[TrendPoint]
    heatmap: Heatmap


def sla_trends_get(*, filters: ReportFilters, interval: str) -> Trends:
    """Compliance per day or week, and breaches by hour of the week (two queries)."""
    with without_jit():
        return Trends(
            filters=filters,
            interval=interval,
            points=compliance_trend_list(filters=filters, interval=interval),
            heatmap=breach_heatmap_get(filters=filters),
        )
