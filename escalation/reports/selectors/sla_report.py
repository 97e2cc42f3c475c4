"""The grouped SLA report: compliance and percentiles per group, aggregated in the database (counts
with FILTER, percentile_cont); Python only shapes the few rows that come back."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import (
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from escalation.paging.models import Escalation
from escalation.reports.selectors.filters import (
    COMPLETED,
    FIRST_ESCALATION_STEP,
    FIRST_RESPONSE,
    PERCENTILES,
    REPORT_GROUPS,
    RESOLUTION,
    ReportFilters,
    VoidedBy,
    decided_cycles,
    voided_cycles_by,
)
from escalation.reports.sql import Percentile, without_jit
from escalation.sla.models import Metric

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
    voided: list[VoidedBy]  # cycles left out because their ticket was closed as spam, per engineer

    @property
    def voided_total(self) -> int:
        return sum(v.cycles for v in self.voided)


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


def sla_report_get(*, filters: ReportFilters, group_by: str, with_voided: bool = True) -> SlaReport:
    """Per group and in total: two queries whatever the ledger holds, each one pass over the period's
    ledger rows (escalation steps read by index for the breached cycles only); a third counts the
    voided cycles (skipped with `with_voided=False`: `voided` is then empty)."""
    key_column, label_column = REPORT_GROUPS[group_by]
    cycles = decided_cycles(filters)
    columns = list(dict.fromkeys((key_column, label_column)))
    with without_jit():
        grouped = list(cycles.values(*columns).annotate(**_report_aggregates()).order_by(key_column))
        total = cycles.aggregate(**_report_aggregates())
    groups = [_report_row(values, values[key_column], values[label_column]) for values in grouped]
    return SlaReport(
        filters=filters,
        group_by=group_by,
        groups=groups,
        total=_report_row(total, None, None),
        voided=voided_cycles_by(filters) if with_voided else [],
    )


@dataclass(frozen=True)
class MetricTotals(Compliance):
    metric: str | None  # None: all metrics together
    met: int
    breached: int


def sla_totals_by_metric(*, filters: ReportFilters) -> list[MetricTotals]:
    """The decided cycles met and breached per metric (every metric, in `Metric` order) and in total,
    counted as the report counts them. One query."""
    counts = {
        row["metric"]: row
        for row in decided_cycles(filters)
        .values("metric")
        .annotate(n_met=Count("pk", filter=Q(met=True)), n_breached=Count("pk", filter=Q(met=False)))
        .order_by("metric")
    }
    totals = [
        MetricTotals(
            metric=metric,
            met=counts.get(metric, {}).get("n_met", 0),
            breached=counts.get(metric, {}).get("n_breached", 0),
        )
        for metric in Metric.values
    ]
    return [
        *totals,
        MetricTotals(metric=None, met=sum(t.met for t in totals), breached=sum(t.breached for t in totals)),
    ]
