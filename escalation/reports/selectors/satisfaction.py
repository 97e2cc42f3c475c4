"""The satisfaction report: the requesters' ratings of resolutions, per engineer, customer, severity and
week, with their comments.

A rating counts in the period its cycle was resolved in (`Rating.resolved_at`, indexed), and in the
local week (Monday first, ISO numbering) of that instant in the period's zone, as the SLA report's weeks
are. The engineer is the assignee at resolution, copied onto the rating. Each grouping is one
aggregate query (counts with FILTER); the comments are the newest few. The SLA ledger is not read.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, DateTimeField, Q, QuerySet
from django.db.models.functions import Trunc

from escalation.reports.periods import Period
from escalation.reports.selectors.filters import ReportFilters, filters_q
from tickets.models import Rating, Score, Severity

COMMENTS_SHOWN = 50  # the newest comments of the period; `comments` says how many there are in all
GROUPINGS = ("engineer", "customer", "severity", "week")
_COUNTS = {
    "good": Count("pk", filter=Q(score=Score.GOOD)),
    "bad": Count("pk", filter=Q(score=Score.BAD)),
}


@dataclass(frozen=True)
class SatisfactionRow:
    key: str | int | None
    label: str
    good: int
    bad: int

    @property
    def rated(self) -> int:
        return self.good + self.bad

    @property
    def rate(self) -> float | None:
        """Per cent of the ratings that are good: good / (good + bad); None when nothing was rated."""
        return round(100 * self.good / self.rated, 1) if self.rated else None


@dataclass(frozen=True)
class RatingComment:
    reference: str
    score: str
    comment: str
    resolved_at: datetime
    engineer: str | None
    customer: str | None
    severity: str


@dataclass(frozen=True)
class SatisfactionReport:
    period: Period
    total: SatisfactionRow
    engineer: list[SatisfactionRow]
    customer: list[SatisfactionRow]
    severity: list[SatisfactionRow]
    week: list[SatisfactionRow]
    comments_total: int
    comments: list[RatingComment]


def _ratings(period: Period, filters: ReportFilters | None) -> QuerySet[Rating]:
    ratings = Rating.objects.filter(resolved_at__gte=period.start, resolved_at__lt=period.end)
    if filters is None:
        return ratings
    # The report page's other filters, on the rating's own copies where it has them (the severity, the
    # customer and the engineer when the ticket was resolved) and on the ticket's plan.
    return ratings.filter(filters_q(filters, plan="ticket__plan"))


def _person(first: str | None, last: str | None, username: str | None) -> str:
    return f"{first or ''} {last or ''}".strip() or username or ""


def iso_week_label(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def _by_engineer(ratings: QuerySet[Rating]) -> list[SatisfactionRow]:
    rows = ratings.values(
        "engineer_id", "engineer__username", "engineer__first_name", "engineer__last_name"
    ).annotate(**_COUNTS)
    found = [
        SatisfactionRow(
            key=row["engineer__username"],
            label=_person(row["engineer__first_name"], row["engineer__last_name"], row["engineer__username"])
            or "Nobody assigned",
            good=row["good"],
            bad=row["bad"],
        )
        for row in rows
    ]
    return sorted(found, key=lambda row: (row.key is None, row.label.lower()))


def _by_customer(ratings: QuerySet[Rating]) -> list[SatisfactionRow]:
    rows = ratings.values("customer_id", "customer__name").annotate(**_COUNTS)
    found = [
        SatisfactionRow(
            key=row["customer_id"],
            label=row["customer__name"] or "No customer",
            good=row["good"],
            bad=row["bad"],
        )
        for row in rows
    ]
    return sorted(found, key=lambda row: (row.key is None, row.label.lower()))


def _by_severity(ratings: QuerySet[Rating]) -> list[SatisfactionRow]:
    rows = {row["severity"]: row for row in ratings.values("severity").annotate(**_COUNTS)}
    return [
        SatisfactionRow(key=value, label=label, good=rows[value]["good"], bad=rows[value]["bad"])
        for value, label in Severity.choices
        if value in rows
    ]


def _by_week(ratings: QuerySet[Rating], period: Period) -> list[SatisfactionRow]:
    zone = period.zone
    rows = (
        ratings.annotate(week=Trunc("resolved_at", "week", tzinfo=zone, output_field=DateTimeField()))
        .values("week")
        .annotate(**_COUNTS)
        .order_by("week")
    )
    result = []
    for row in rows:
        monday = row["week"].astimezone(zone).date()
        label = iso_week_label(monday)
        result.append(SatisfactionRow(key=monday.isoformat(), label=label, good=row["good"], bad=row["bad"]))
    return result


def _comments(ratings: QuerySet[Rating]) -> list[RatingComment]:
    newest = (
        ratings.exclude(comment="")
        .select_related("ticket", "engineer", "customer")
        .order_by("-resolved_at", "-pk")[:COMMENTS_SHOWN]
    )
    return [
        RatingComment(
            reference=rating.ticket.reference,
            score=rating.score,
            comment=rating.comment,
            resolved_at=rating.resolved_at,
            engineer=rating.engineer.get_username() if rating.engineer else None,
            customer=rating.customer.name if rating.customer else None,
            severity=rating.severity,
        )
        for rating in newest
    ]


def satisfaction_report_get(*, period: Period, filters: ReportFilters | None = None) -> SatisfactionReport:
    """Good and bad ratings of the resolutions in `period`: in total and per grouping (one query each),
    and the newest COMMENTS_SHOWN comments. Six queries whatever the number of ratings. `filters` (the
    report page's: severity, plan, customer, engineer, region) narrow the ratings too; their period is
    not read, `period` is."""
    ratings = _ratings(period, filters)
    total = ratings.aggregate(**_COUNTS, commented=Count("pk", filter=~Q(comment="")))
    return SatisfactionReport(
        period=period,
        total=SatisfactionRow(key=None, label="All", good=total["good"], bad=total["bad"]),
        engineer=_by_engineer(ratings),
        customer=_by_customer(ratings),
        severity=_by_severity(ratings),
        week=_by_week(ratings, period),
        comments_total=total["commented"],
        comments=_comments(ratings),
    )
