"""Escalation reads: tickets with their SLA clocks, engineers and who is on shift, SLA targets, the
deadline calculator, the SLA ledger and the SLA report."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Aggregate, Count, DurationField, Exists, OuterRef, Prefetch, Q, QuerySet

from tickets import selectors as ticket_selectors
from tickets.models import Ticket

from . import business_time
from .models import Engineer, LedgerEntry, Metric, Notification, SlaTarget
from .services.calendars import calendar_for
from .services.clock import sla_target_get
from .shifts import Shift, local_time, shift_window_at

# --- Tickets with their SLA clocks ----------------------------------------------------------------


def with_sla(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """`tickets` with their clocks joined and their missed ledger rows prefetched (one query a page)."""
    return tickets.select_related("clock").prefetch_related(
        Prefetch(
            "ledger_entries",
            queryset=LedgerEntry.objects.filter(met=False).only("id", "ticket_id", "metric", "cycle"),
            to_attr="missed_ledger_rows",
        )
    )


def ticket_list_with_sla(**filters) -> QuerySet[Ticket]:
    """`tickets.selectors.ticket_list` with each ticket's SLA clock; see there for the filters."""
    return with_sla(ticket_selectors.ticket_list(**filters))


def ticket_detail_get(*, reference: str) -> Ticket | None:
    """One ticket with its clock, messages, events and notifications, in a fixed number of queries."""
    tickets = with_sla(ticket_selectors.with_thread(ticket_selectors.ticket_queryset())).select_related(
        "follow_up_of"
    )
    tickets = tickets.prefetch_related(
        Prefetch("notifications", queryset=Notification.objects.order_by("created_at", "pk"))
    )
    return ticket_selectors.ticket_get(reference=reference, tickets=tickets)


@dataclass(frozen=True)
class MetricSla:
    """Where one promise of a ticket stands: its current cycle for resolution."""

    target: timedelta | None
    due_at: datetime | None
    achieved_at: datetime | None
    breached: bool
    paused: bool


def ticket_sla(ticket: Ticket, *, now: datetime) -> dict[str, MetricSla]:
    """Both promises of a ticket fetched through `with_sla`, keyed by metric.

    A metric is breached when the ledger recorded it missed (its current cycle, for resolution), or
    when its clock still runs past the due time and the sweep has not recorded it yet.
    """
    clock = getattr(ticket, "clock", None)
    missed = {(row.metric, row.cycle) for row in _missed_rows(ticket)}
    first_running = ticket.first_responded_at is None and ticket.first_response_due_at is not None
    resolution_running = (
        ticket.resolved_at is None and ticket.paused_at is None and ticket.resolution_due_at is not None
    )
    return {
        Metric.FIRST_RESPONSE: MetricSla(
            target=clock.first_response_target if clock else None,
            due_at=ticket.first_response_due_at,
            achieved_at=ticket.first_responded_at,
            breached=(Metric.FIRST_RESPONSE, 1) in missed
            or (first_running and ticket.first_response_due_at <= now),
            paused=False,
        ),
        Metric.RESOLUTION: MetricSla(
            target=clock.resolution_target if clock else None,
            due_at=ticket.resolution_due_at,
            achieved_at=ticket.resolved_at,
            breached=(Metric.RESOLUTION, ticket.resolution_cycle) in missed
            or (resolution_running and ticket.resolution_due_at <= now),
            paused=ticket.paused_at is not None,
        ),
    }


def _missed_rows(ticket: Ticket) -> Sequence[LedgerEntry]:
    rows = getattr(ticket, "missed_ledger_rows", None)
    if rows is None:  # not fetched through `with_sla`
        rows = list(LedgerEntry.objects.filter(ticket=ticket, met=False).only("metric", "cycle"))
    return rows


# --- Engineers and shifts -------------------------------------------------------------------------


def engineer_list(*, region: str | None = None, active: bool | None = None) -> QuerySet[Engineer]:
    engineers = Engineer.objects.select_related("user")
    if region is not None:
        engineers = engineers.filter(region=region)
    if active is not None:
        engineers = engineers.filter(active=active)
    return engineers.order_by("user__username")


def engineer_get(*, username: str) -> Engineer | None:
    return Engineer.objects.select_related("user").filter(user__username=username).first()


def engineer_get_assignable(*, username: str) -> Engineer | None:
    """The engineer called `username` if tickets may be given to them: active, with an active staff login."""
    return (
        Engineer.objects.select_related("user")
        .filter(user__username=username, active=True, user__is_active=True, user__is_staff=True)
        .first()
    )


def engineer_shift(engineer: Engineer) -> Shift:
    return Shift(
        tz=engineer.timezone,
        start=engineer.shift_start,
        end=engineer.shift_end,
        workdays=frozenset(engineer.workdays),
    )


@dataclass(frozen=True)
class OnShift:
    engineer: Engineer
    local_time: datetime  # `at` in the engineer's timezone
    shift_started_at: datetime  # in the engineer's timezone
    shift_ends_at: datetime  # in the engineer's timezone


def engineer_list_on_shift(*, at: datetime) -> list[OnShift]:
    """Active engineers on shift at the instant `at` (each in their own timezone), the soonest end first."""
    on_shift = []
    engineers = Engineer.objects.select_related("user").filter(active=True, user__is_active=True)
    for engineer in engineers.order_by("user__username"):
        window = shift_window_at(engineer_shift(engineer), at)
        if window is not None:
            zone = engineer.timezone
            on_shift.append(
                OnShift(
                    engineer=engineer,
                    local_time=local_time(zone, at),
                    shift_started_at=local_time(zone, window[0]),
                    shift_ends_at=local_time(zone, window[1]),
                )
            )
    return sorted(on_shift, key=lambda entry: entry.shift_ends_at)


# --- SLA targets and the deadline calculator ------------------------------------------------------


def sla_target_list() -> QuerySet[SlaTarget]:
    return SlaTarget.objects.select_related("calendar").order_by("plan", "severity")


def sla_target_get_by_id(*, target_id: int) -> SlaTarget | None:
    return SlaTarget.objects.select_related("calendar").filter(pk=target_id).first()


class DeadlineUnavailable(Exception):
    """The deadline cannot be computed from the data as configured (no target, a calendar never open)."""


@dataclass(frozen=True)
class DeadlineExplained:
    target: SlaTarget
    start: datetime
    timezone: ZoneInfo
    first_response: business_time.Explanation
    resolution: business_time.Explanation


def sla_deadline_explain(*, plan: str, severity: str, start: datetime, tz: ZoneInfo) -> DeadlineExplained:
    """The promises a ticket filed at `start` by a customer in `tz` would get, and what placed them.

    The same targets, calendar and zone as a ticket filed then (`CalendarSlaClock.start`).
    """
    try:
        target = sla_target_get(plan=plan, severity=severity)
    except ImproperlyConfigured as exc:
        raise DeadlineUnavailable(str(exc)) from None
    calendar = calendar_for(target.calendar, tz=tz, around=start)
    try:
        first_response = business_time.explain_deadline(start, target.first_response, calendar)
        resolution = business_time.explain_deadline(start, target.resolution, calendar)
    except ValueError as exc:
        raise DeadlineUnavailable(
            f"The {target.calendar.name} calendar cannot place the deadline: {exc}."
        ) from None
    return DeadlineExplained(
        target=target, start=start, timezone=tz, first_response=first_response, resolution=resolution
    )


# --- The SLA ledger -------------------------------------------------------------------------------


def ledger_entry_list(
    *,
    due_from: datetime | None = None,
    due_to: datetime | None = None,
    ticket_id: int | None = None,
    metric: str | None = None,
    breached: bool | None = None,
    severity: str | None = None,
) -> QuerySet[LedgerEntry]:
    """Ledger rows in chain order; `due_from` is inclusive and `due_to` exclusive, both on `due_at`."""
    rows = LedgerEntry.objects.select_related("customer", "engineer")
    if due_from is not None:
        rows = rows.filter(due_at__gte=due_from)
    if due_to is not None:
        rows = rows.filter(due_at__lt=due_to)
    if ticket_id is not None:
        rows = rows.filter(ticket_id=ticket_id)
    if metric is not None:
        rows = rows.filter(metric=metric)
    if breached is not None:
        rows = rows.filter(met=not breached)
    if severity is not None:
        rows = rows.filter(severity=severity)
    return rows.order_by("seq")


# --- The SLA report -------------------------------------------------------------------------------


class Percentile(Aggregate):
    """PostgreSQL's `percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)`."""

    function = "percentile_cont"
    name = "Percentile"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, *, fraction: float, **extra) -> None:
        if not 0 <= fraction <= 1:
            raise ValueError("fraction is between 0 and 1")
        super().__init__(expression, fraction=repr(float(fraction)), **extra)


# group_by -> (the column that identifies a group, the column that names it)
REPORT_GROUPS: dict[str, tuple[str, str]] = {
    "severity": ("severity", "severity"),
    "plan": ("plan", "plan"),
    "customer": ("customer_id", "customer__name"),
    "engineer": ("engineer_id", "engineer__username"),
    "region": ("engineer__engineer__region", "engineer__engineer__region"),
}
REPORT_PERCENTILES = {"p50": 0.5, "p90": 0.9}


@dataclass(frozen=True)
class ReportRow:
    key: str | int | None
    label: str | None
    tickets: int
    met: int
    breached: int
    first_response: dict[str, timedelta | None]  # p50, p90 of business time to the first response
    resolution: dict[str, timedelta | None]  # p50, p90 of business time to resolution

    @property
    def compliance(self) -> float | None:
        """Per cent of decided cycles that met their promise; None when none was decided."""
        decided = self.met + self.breached
        return round(100 * self.met / decided, 2) if decided else None


def _decided_cycles(due_from: datetime, due_to: datetime) -> QuerySet[LedgerEntry]:
    """One row per metric cycle due in [due_from, due_to): its completed row, or its breach row while open."""
    completed = LedgerEntry.objects.filter(
        kind=LedgerEntry.Kind.COMPLETED,
        ticket=OuterRef("ticket"),
        metric=OuterRef("metric"),
        cycle=OuterRef("cycle"),
    )
    return LedgerEntry.objects.filter(due_at__gte=due_from, due_at__lt=due_to).filter(
        Q(kind=LedgerEntry.Kind.COMPLETED) | (Q(kind=LedgerEntry.Kind.BREACH) & ~Exists(completed))
    )


def _achieved(metric: str) -> Q:
    return Q(kind=LedgerEntry.Kind.COMPLETED, metric=metric)


def sla_report(*, due_from: datetime, due_to: datetime, group_by: str) -> tuple[list[ReportRow], ReportRow]:
    """Per group and in total: tickets, cycles met and breached, and percentiles of business time to
    the first response and to resolution (completed cycles only), from the ledger, in SQL."""
    key_column, label_column = REPORT_GROUPS[group_by]
    cycles = _decided_cycles(due_from, due_to)
    # Aliases differ from the model's field names: `met` would shadow the field inside the filters.
    counts = {
        "n_tickets": Count("ticket", distinct=True),
        "n_met": Count("pk", filter=Q(met=True)),
        "n_breached": Count("pk", filter=Q(met=False)),
    }
    in_database = connection.vendor == "postgresql"
    if in_database:
        for metric in Metric.values:
            for name, fraction in REPORT_PERCENTILES.items():
                counts[f"{metric}_{name}"] = Percentile(
                    "elapsed", fraction=fraction, filter=_achieved(metric), output_field=DurationField()
                )
    columns = dict.fromkeys((key_column, label_column))
    grouped = list(cycles.values(*columns).annotate(**counts).order_by(key_column))
    total = cycles.aggregate(**counts)
    if not in_database:  # SQLite in development: the same percentiles, computed here
        _percentiles_in_python(cycles, key_column, grouped, total)
    rows = [_report_row(values, values[key_column], values[label_column]) for values in grouped]
    return rows, _report_row(total, None, None)


def _report_row(values: dict, key, label) -> ReportRow:
    def percentiles(metric: str) -> dict[str, timedelta | None]:
        return {name: _whole_seconds(values.get(f"{metric}_{name}")) for name in REPORT_PERCENTILES}

    return ReportRow(
        key=key,
        label=label,
        tickets=values["n_tickets"],
        met=values["n_met"],
        breached=values["n_breached"],
        first_response=percentiles(Metric.FIRST_RESPONSE),
        resolution=percentiles(Metric.RESOLUTION),
    )


def _whole_seconds(span: timedelta | None) -> timedelta | None:
    return None if span is None else timedelta(seconds=round(span.total_seconds()))


def percentile_cont(values: Sequence[timedelta], fraction: float) -> timedelta | None:
    """PostgreSQL's percentile_cont: linear interpolation between the two nearest sorted values."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    lower, upper = math.floor(position), math.ceil(position)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def _percentiles_in_python(
    cycles: QuerySet[LedgerEntry], key_column: str, grouped: list, total: dict
) -> None:
    samples: dict[tuple, list[timedelta]] = {}
    achieved = cycles.filter(kind=LedgerEntry.Kind.COMPLETED).values_list(key_column, "metric", "elapsed")
    for key, metric, elapsed in achieved:
        samples.setdefault((key, metric), []).append(elapsed)
        samples.setdefault((_ALL, metric), []).append(elapsed)
    for values, key in [*((g, g[key_column]) for g in grouped), (total, _ALL)]:
        for metric in Metric.values:
            for name, fraction in REPORT_PERCENTILES.items():
                values[f"{metric}_{name}"] = percentile_cont(samples.get((key, metric), []), fraction)


_ALL = object()
