"""The reads behind manager reporting, aggregated in the database (counts with FILTER, percentile_cont,
sums, date truncation in the manager's zone); Python only shapes the few rows that come back.

A *decided metric cycle* is what the report counts: a cycle's `completed` ledger row, or, while the
cycle is still open, the `breach` row written when its deadline passed. So an open ticket that is
already overdue counts as breached, and a late answer is not counted twice.
"""

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractHour, ExtractIsoWeekDay, Trunc

from tickets.models import CreditRule, Customer, Severity, Ticket

from ..models import Engineer, Escalation, LedgerEntry, Metric
from ..services.roster import engineer_shift
from . import coverage
from .credits import DEFAULT_TERMS, Credit, CreditTerms, credit_for
from .periods import Period, month_is_final, month_period, week_monday
from .sql import Percentile

UTC = ZoneInfo("UTC")
COMPLETED, BREACH = LedgerEntry.Kind.COMPLETED, LedgerEntry.Kind.BREACH
FIRST_RESPONSE, RESOLUTION = Metric.FIRST_RESPONSE, Metric.RESOLUTION

# group_by -> (the column that identifies a group, the column that names it)
REPORT_GROUPS: dict[str, tuple[str, str]] = {
    "severity": ("severity", "severity"),
    "plan": ("plan", "plan"),
    "customer": ("customer_id", "customer__name"),
    "engineer": ("engineer_id", "engineer__username"),
    "region": ("engineer__engineer__region", "engineer__engineer__region"),
}
PERCENTILES = {"p50": 0.5, "p90": 0.9}
INTERVALS = ("day", "week")
# The first step that is an escalation; step 0 is the warning sent before the deadline.
FIRST_ESCALATION_STEP = 1


def manager_zone_get(user) -> ZoneInfo:
    """The zone a manager or engineer reads times in: their engineer profile's timezone, else UTC."""
    zone = Engineer.objects.filter(user_id=user.pk).values_list("timezone", flat=True).first()
    return zone or UTC


# --- what is asked for ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportFilters:
    """A period on due times, and optional filters on the ledger rows' own columns."""

    period: Period
    severity: str | None = None
    plan: str | None = None
    customer_id: int | None = None
    engineer: str | None = None  # username of the engineer the row names
    region: str | None = None  # region of that engineer

    @property
    def zone(self) -> ZoneInfo:
        return self.period.zone


def _filtered(rows: QuerySet[LedgerEntry], filters: ReportFilters) -> QuerySet[LedgerEntry]:
    rows = rows.filter(due_at__gte=filters.period.start, due_at__lt=filters.period.end)
    if filters.severity:
        rows = rows.filter(severity=filters.severity)
    if filters.plan:
        rows = rows.filter(plan=filters.plan)
    if filters.customer_id is not None:
        rows = rows.filter(customer_id=filters.customer_id)
    if filters.engineer:
        rows = rows.filter(engineer__username=filters.engineer)
    if filters.region:
        rows = rows.filter(engineer__engineer__region=filters.region)
    return rows


def decided_cycles(filters: ReportFilters) -> QuerySet[LedgerEntry]:
    """One row per metric cycle due in the period: its completed row, or its breach row while open.

    "No completed row" is a scalar subquery (`... LIMIT 1) IS NULL`), not NOT EXISTS: inside the OR,
    PostgreSQL would turn NOT EXISTS into a hashed subplan that reads every completed row of the whole
    ledger on each query (0.5 s at a million rows), where this probes `ledger_entry_once` once for each
    breach row of the period and never for a completed one.
    """
    completed = (
        LedgerEntry.objects.filter(
            kind=COMPLETED, ticket=OuterRef("ticket"), metric=OuterRef("metric"), cycle=OuterRef("cycle")
        )
        .order_by()
        .values("pk")[:1]
    )
    rows = LedgerEntry.objects.alias(completed_row=Subquery(completed)).filter(
        Q(kind=COMPLETED) | Q(kind=BREACH, completed_row__isnull=True)
    )
    return _filtered(rows, filters)


def report_filter_options() -> tuple[list, list[Engineer]]:
    """What a manager can filter the report by: customers and engineers, by name (two queries)."""
    customers = list(Customer.objects.only("id", "name").order_by("name"))
    engineers = list(Engineer.objects.select_related("user").order_by("user__username"))
    return customers, engineers


# --- the grouped report ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Percentiles:
    p50: timedelta | None = None
    p90: timedelta | None = None


class Compliance:
    """For rows with `met` and `breached` counts of metric cycles."""

    met: int
    breached: int

    @property
    def decided(self) -> int:
        return self.met + self.breached

    @property
    def compliance(self) -> float | None:
        """Per cent of decided cycles that met their promise; None when none was decided."""
        return round(100 * self.met / self.decided, 2) if self.decided else None


@dataclass(frozen=True)
class ReportRow(Compliance):
    key: str | int | None
    label: str | None
    tickets: int
    met: int
    breached: int
    first_response: Percentiles  # business time to the first response (completed cycles)
    resolution: Percentiles  # business time to resolution, paused time excluded
    first_response_wall: Percentiles  # wall-clock time to the first response
    resolution_wall: Percentiles  # wall-clock time to resolution, paused time included
    paused: timedelta  # business time resolution cycles spent waiting on the customer
    escalations: int  # escalation steps fired (step 1 and up; warnings are not escalations)
    pages_acknowledged: int  # of those steps
    time_to_acknowledge: Percentiles  # per breached cycle: first step fired to first acknowledgement


@dataclass(frozen=True)
class SlaReport:
    filters: ReportFilters
    group_by: str
    groups: list[ReportRow]
    total: ReportRow


_WALL = ExpressionWrapper(F("achieved_at") - F("started_at"), output_field=DurationField())


def _percentiles(prefix: str, expression, condition: Q | None = None) -> dict:
    return {
        f"{prefix}_{name}": Percentile(
            expression, fraction=fraction, filter=condition, output_field=DurationField()
        )
        for name, fraction in PERCENTILES.items()
    }


def _cycle_steps(expression, output_field):
    """A per-cycle figure over the escalation steps fired for the cycle, for breached cycles only.

    Steps fire only once a deadline has passed, so a cycle that met its promise has none: the CASE
    keeps PostgreSQL from running the subquery (an index probe of `escalation_step_once`) for it.
    """
    steps = (
        Escalation.objects.filter(
            ticket=OuterRef("ticket"),
            metric=OuterRef("metric"),
            cycle=OuterRef("cycle"),
            step__gte=FIRST_ESCALATION_STEP,
        )
        .order_by()
        .values("ticket")
        .annotate(figure=expression)
        .values("figure")
    )
    return Case(When(met=False, then=Subquery(steps, output_field=output_field)), output_field=output_field)


def _report_aggregates() -> dict:
    # Aliases differ from the model's field names: `met` would shadow the field inside the filters.
    aggregates = {
        "n_tickets": Count("ticket", distinct=True),
        "n_met": Count("pk", filter=Q(met=True)),
        "n_breached": Count("pk", filter=Q(met=False)),
        "paused_total": Coalesce(
            Sum("paused", filter=Q(metric=RESOLUTION)), Value(timedelta(0)), output_field=DurationField()
        ),
        "n_pages": Coalesce(Sum(_cycle_steps(Count("pk"), IntegerField())), 0),
        "n_acknowledged": Coalesce(Sum(_cycle_steps(Count("acknowledged_at"), IntegerField())), 0),
        # Per breached cycle, as incident tools count it: from its first step firing to the first
        # acknowledgement of any of its steps.
        **_percentiles(
            "ack",
            _cycle_steps(
                ExpressionWrapper(Min("acknowledged_at") - Min("fired_at"), output_field=DurationField()),
                DurationField(),
            ),
        ),
    }
    for metric in Metric.values:
        achieved = Q(kind=COMPLETED, metric=metric)
        aggregates |= _percentiles(f"{metric}_business", "elapsed", achieved)
        aggregates |= _percentiles(f"{metric}_wall", _WALL, achieved)
    return aggregates


def _whole_seconds(span: timedelta | None) -> timedelta | None:
    return None if span is None else timedelta(seconds=round(span.total_seconds()))


def _report_row(values: dict, key, label) -> ReportRow:
    def percentiles(prefix: str) -> Percentiles:
        return Percentiles(**{name: _whole_seconds(values.get(f"{prefix}_{name}")) for name in PERCENTILES})

    return ReportRow(
        key=key,
        label=label,
        tickets=values["n_tickets"],
        met=values["n_met"],
        breached=values["n_breached"],
        first_response=percentiles(f"{FIRST_RESPONSE}_business"),
        resolution=percentiles(f"{RESOLUTION}_business"),
        first_response_wall=percentiles(f"{FIRST_RESPONSE}_wall"),
        resolution_wall=percentiles(f"{RESOLUTION}_wall"),
        paused=_whole_seconds(values["paused_total"]) or timedelta(0),
        escalations=values["n_pages"],
        pages_acknowledged=values["n_acknowledged"],
        time_to_acknowledge=percentiles("ack"),
    )


@contextmanager
def _without_jit():
    """PostgreSQL's JIT compiles each report query for about 0.2 s (their cost estimates pass
    `jit_above_cost`) to save less than that: switched off for the report's transaction only."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        yield


def sla_report_get(*, filters: ReportFilters, group_by: str) -> SlaReport:
    """Per group and in total: two queries whatever the ledger holds, each one pass over the period's
    ledger rows (escalation steps read by index for the breached cycles only)."""
    key_column, label_column = REPORT_GROUPS[group_by]
    cycles = decided_cycles(filters)
    columns = list(dict.fromkeys((key_column, label_column)))
    with _without_jit():
        grouped = list(cycles.values(*columns).annotate(**_report_aggregates()).order_by(key_column))
        total = cycles.aggregate(**_report_aggregates())
    groups = [_report_row(values, values[key_column], values[label_column]) for values in grouped]
    return SlaReport(filters=filters, group_by=group_by, groups=groups, total=_report_row(total, None, None))


# --- the breach list ------------------------------------------------------------------------------


def breach_list(*, filters: ReportFilters, now: datetime) -> QuerySet[LedgerEntry]:
    """Every breached metric cycle due in the period, the latest due first.

    Each row carries `subject`, `highest_step` (the highest escalation step fired for the cycle, 0 if
    none) and `late_by` (wall-clock time from the due time to the answer, or to `now` while open);
    `kind == "breach"` means the cycle is still open.
    """
    highest_step = (
        Escalation.objects.filter(
            ticket=OuterRef("ticket"),
            metric=OuterRef("metric"),
            cycle=OuterRef("cycle"),
            step__gte=FIRST_ESCALATION_STEP,
        )
        .order_by("-step")
        .values("step")[:1]
    )
    answered_or_now = Coalesce("achieved_at", Value(now, output_field=DateTimeField()))
    return (
        decided_cycles(filters)
        .filter(met=False)
        .select_related("customer", "engineer")
        .annotate(
            # A subquery, not a join: counting the rows then needs no ticket at all.
            subject=Subquery(Ticket.objects.filter(pk=OuterRef("ticket_id")).values("subject")[:1]),
            highest_step=Coalesce(Subquery(highest_step), Value(0)),
            late_by=ExpressionWrapper(answered_or_now - F("due_at"), output_field=DurationField()),
        )
        .order_by("-due_at", "-seq")
    )


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
    with _without_jit():
        return Trends(
            filters=filters,
            interval=interval,
            points=compliance_trend_list(filters=filters, interval=interval),
            heatmap=breach_heatmap_get(filters=filters),
        )


# --- service credits ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerCredit:
    customer_id: int
    name: str
    plan: str
    monthly_fee: object  # Decimal
    currency: str
    terms: CreditTerms
    credit: Credit


@dataclass(frozen=True)
class MonthCredits:
    month: date  # the first day
    period: Period
    final: bool  # the month has ended: these are the credits billed; else the month to date
    terms: dict[str, CreditTerms]  # by plan
    customers: list[CustomerCredit] = field(default_factory=list)


def credit_terms_by_plan() -> dict[str, CreditTerms]:
    return {
        rule.plan: CreditTerms(
            major_first_response_percent=rule.major_first_response_percent,
            other_breach_percent=rule.other_breach_percent,
            cap_percent=rule.cap_percent,
        )
        for rule in CreditRule.objects.all()
    }


def credit_list_for_month(*, month: date, now: datetime) -> MonthCredits:
    """Per customer with a breach in the calendar month (UTC): the breaches the rule of their plan
    counts and the credit they are owed; not final while the month runs at `now`. Two queries: the
    counts per customer, and the rules."""
    period = month_period(month)
    major_first_response = Q(severity=Severity.MAJOR, metric=FIRST_RESPONSE)
    rows = (
        decided_cycles(ReportFilters(period=period))
        .filter(met=False, customer__isnull=False)
        .values(
            "customer_id",
            "customer__name",
            "customer__plan",
            "customer__monthly_fee",
            "customer__currency",
        )
        .annotate(
            n_major_first_response=Count("pk", filter=major_first_response),
            n_other=Count("pk", filter=~major_first_response),
        )
        .order_by("customer__name")
    )
    terms = credit_terms_by_plan()
    customers = []
    for row in rows:
        plan_terms = terms.get(row["customer__plan"], DEFAULT_TERMS)
        customers.append(
            CustomerCredit(
                customer_id=row["customer_id"],
                name=row["customer__name"],
                plan=row["customer__plan"],
                monthly_fee=row["customer__monthly_fee"],
                currency=row["customer__currency"],
                terms=plan_terms,
                credit=credit_for(
                    major_first_response_breaches=row["n_major_first_response"],
                    other_breaches=row["n_other"],
                    terms=plan_terms,
                    monthly_fee=row["customer__monthly_fee"],
                ),
            )
        )
    return MonthCredits(
        month=period.start.date(),
        period=period,
        final=month_is_final(month, now),
        terms=terms,
        customers=customers,
    )


# --- the ledger's rows for export (whether the chain verifies: `integrity.py`) ----------------------


def ledger_list_for_export(*, filters: ReportFilters) -> QuerySet[LedgerEntry]:
    """Every ledger row (both kinds) due in the period under the filters, in chain order."""
    return _filtered(LedgerEntry.objects.select_related("customer"), filters).order_by("seq")


# --- coverage of the roster -----------------------------------------------------------------------


def coverage_member(engineer: Engineer) -> coverage.Member:
    """An engineer as coverage (and routing) sees them."""
    return coverage.Member(
        label=engineer.user.get_username(), shift=engineer_shift(engineer), on_call=engineer.on_call
    )


def coverage_roster_list(*, lock: bool = False) -> list[Engineer]:
    """Active engineers with an active login (one query); `lock` holds their rows until commit."""
    engineers = Engineer.objects.active().select_related("user")
    if lock:
        engineers = engineers.select_for_update(of=("self",))
    return list(engineers.order_by("user__username"))


@dataclass(frozen=True)
class Coverage:
    local: coverage.CoverageWeek  # the week of the day asked for, Monday to Monday in the zone asked for
    utc: coverage.CoverageWeek  # the same week in UTC
    on_call_without_phone: tuple[str, ...]  # on call, but a page by SMS or voice cannot reach them


def coverage_get(*, zone: ZoneInfo, day: date) -> Coverage:
    """The week containing `day`, hour by hour, in `zone` and in UTC (one query: the roster)."""
    roster = coverage_roster_list()
    members = [coverage_member(e) for e in roster]
    monday = week_monday(day)
    return Coverage(
        local=coverage.coverage_week(members, zone, monday),
        utc=coverage.coverage_week(members, UTC, monday),
        on_call_without_phone=tuple(e.user.get_username() for e in roster if e.on_call and not e.phone),
    )
