"""SLA reads: tickets with their clocks and where each promise stands, SLA targets, the deadline
calculator and the SLA ledger. Reports over the ledger live in `escalation.reports`."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Prefetch, QuerySet

from escalation.sla.deadline_explanation import Explanation, explain_deadline
from escalation.sla.models import LedgerEntry, Metric, SlaTarget
from escalation.sla.services.calendars import calendar_for
from escalation.sla.services.clock import sla_target_get
from tickets import clock_rules
from tickets import selectors as ticket_selectors
from tickets.models import Ticket
from tickets.search import Matches

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


def ticket_search_with_sla(**filters) -> Matches:
    """`tickets.selectors.ticket_search` with each ticket's SLA clock; see there for the filters."""
    matches = ticket_selectors.ticket_search(**filters)
    return matches.with_rows(with_sla(matches.rows))


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
    return {
        Metric.FIRST_RESPONSE: MetricSla(
            target=clock.first_response_target if clock else None,
            due_at=ticket.first_response_due_at,
            achieved_at=ticket.first_responded_at,
            breached=(Metric.FIRST_RESPONSE, 1) in missed
            or clock_rules.metric_overdue(ticket, Metric.FIRST_RESPONSE, now),
            paused=clock_rules.metric_paused(ticket, Metric.FIRST_RESPONSE),
        ),
        Metric.RESOLUTION: MetricSla(
            target=clock.resolution_target if clock else None,
            due_at=ticket.resolution_due_at,
            achieved_at=ticket.resolved_at,
            breached=(Metric.RESOLUTION, ticket.resolution_cycle) in missed
            or clock_rules.metric_overdue(ticket, Metric.RESOLUTION, now),
            paused=clock_rules.metric_paused(ticket, Metric.RESOLUTION),
        ),
    }


def _missed_rows(ticket: Ticket) -> Sequence[LedgerEntry]:
    rows = getattr(ticket, "missed_ledger_rows", None)
    if rows is None:  # not fetched through `with_sla`
        rows = list(LedgerEntry.objects.filter(ticket=ticket, met=False).only("metric", "cycle"))
    return rows


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
    first_response: Explanation
    resolution: Explanation


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
        first_response = explain_deadline(start, target.first_response, calendar)
        resolution = explain_deadline(start, target.resolution, calendar)
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
