"""What a report is asked for: the filters, the decided metric cycles they select, the choices a
form offers, and the names every report module shares.

A *decided metric cycle* is what the reports count: a cycle's `completed` ledger row, or, while the
cycle is still open, the `breach` row written when its deadline passed. So an open ticket that is
already overdue counts as breached, and a late answer is not counted twice. A cycle with a `voided`
row (its ticket was closed as spam) is not counted at all; `voided_cycles_by` says how many were
voided and by whom.
"""

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import (
    Count,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)

from escalation.reports.periods import Period
from escalation.roster.models import Engineer
from escalation.sla.models import LedgerEntry, Metric
from tickets.models import Customer

UTC = ZoneInfo("UTC")
COMPLETED, BREACH, VOIDED = LedgerEntry.Kind.COMPLETED, LedgerEntry.Kind.BREACH, LedgerEntry.Kind.VOIDED
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


def filters_q(filters: ReportFilters, *, plan: str = "plan") -> Q:
    """The filters other than the period, on a table with `severity`, `customer` and `engineer` (a user)
    columns of its own, and the plan at `plan`."""
    condition = Q()
    if filters.severity:
        condition &= Q(severity=filters.severity)
    if filters.plan:
        condition &= Q(**{plan: filters.plan})
    if filters.customer_id is not None:
        condition &= Q(customer_id=filters.customer_id)
    if filters.engineer:
        condition &= Q(engineer__username=filters.engineer)
    if filters.region:
        condition &= Q(engineer__engineer__region=filters.region)
    return condition


def ledger_rows_filtered(rows: QuerySet[LedgerEntry], filters: ReportFilters) -> QuerySet[LedgerEntry]:
    rows = rows.filter(due_at__gte=filters.period.start, due_at__lt=filters.period.end)
    return rows.filter(filters_q(filters))


def decided_cycles(filters: ReportFilters) -> QuerySet[LedgerEntry]:
    """One row per metric cycle due in the period: its completed row, or its breach row while open.

    "No completed row" is a scalar subquery (`... LIMIT 1) IS NULL`), not NOT EXISTS: inside the OR,
    PostgreSQL would turn NOT EXISTS into a hashed subplan that reads every completed row of the whole
    ledger on each query (0.5 s at a million rows), where this probes `ledger_entry_once` once for each
    breach row of the period and never for a completed one.
    """
    rows = (
        LedgerEntry.objects.alias(
            completed_row=Subquery(_same_cycle(COMPLETED)), voided_row=Subquery(_same_cycle(VOIDED))
        )
        .filter(Q(kind=COMPLETED) | Q(kind=BREACH, completed_row__isnull=True))
        .filter(voided_row__isnull=True)
    )
    return ledger_rows_filtered(rows, filters)


def _same_cycle(kind: str) -> QuerySet:
    """The row of `kind` of the outer row's cycle, as a scalar subquery (one probe of `ledger_entry_once`)."""
    return (
        LedgerEntry.objects.filter(
            kind=kind, ticket=OuterRef("ticket"), metric=OuterRef("metric"), cycle=OuterRef("cycle")
        )
        .order_by()
        .values("pk")[:1]
    )


@dataclass(frozen=True)
class VoidedBy:
    username: str | None  # None: voided on arrival (a blocked sender's ticket)
    cycles: int


def voided_cycles_by(filters: ReportFilters) -> list[VoidedBy]:
    """How many metric cycles due in the period were voided (closed as spam), per engineer who voided
    them, most first. One query."""
    rows = (
        ledger_rows_filtered(LedgerEntry.objects.filter(kind=VOIDED), filters)
        .values("voided_by__username")
        .annotate(n=Count("pk"))
        .order_by("-n", "voided_by__username")
    )
    return [VoidedBy(username=row["voided_by__username"], cycles=row["n"]) for row in rows]


def report_filter_options() -> tuple[list, list[Engineer]]:
    """What a manager can filter the report by: customers and engineers, by name (two queries)."""
    customers = list(Customer.objects.only("id", "name").order_by("name"))
    engineers = list(Engineer.objects.select_related("user").order_by("user__username"))
    return customers, engineers
