"""Escalation reads: tickets with their SLA clocks, engineers and who is on shift, SLA targets, the
deadline calculator and the SLA ledger. Reports live in `escalation.reports`."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Prefetch, QuerySet

from tickets import clock_rules
from tickets import selectors as ticket_selectors
from tickets.assignment import AssigneeShift
from tickets.models import Ticket

from .deadline_explanation import Explanation, explain_deadline
from .models import Engineer, LedgerEntry, Metric, Notification, SlaTarget
from .services.calendars import calendar_for
from .services.clock import sla_target_get
from .services.roster import engineer_shift
from .shifts import local_time, next_shift_window, shift_window_at

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
    return Engineer.objects.assignable().select_related("user").filter(user__username=username).first()


@dataclass(frozen=True)
class OnShift:
    engineer: Engineer
    local_time: datetime  # `at` in the engineer's timezone
    shift_started_at: datetime  # in the engineer's timezone
    shift_ends_at: datetime  # in the engineer's timezone


def engineer_list_on_shift(*, at: datetime) -> list[OnShift]:
    """Active engineers on shift at the instant `at` (each in their own timezone), the soonest end first."""
    on_shift = []
    engineers = Engineer.objects.active().select_related("user")
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


def engineer_shift_at(engineer: Engineer, now: datetime) -> AssigneeShift:
    """Whether `engineer` is on shift at `now`, until when, and when their next shift starts and ends.

    A deactivated engineer is never on shift (routing would hand their tickets on at once)."""
    shift = engineer_shift(engineer)
    window = shift_window_at(shift, now) if engineer.active else None
    upcoming = next_shift_window(shift, now) if engineer.active else None
    return AssigneeShift(
        name=engineer.user.get_full_name() or engineer.user.get_username(),
        username=engineer.user.get_username(),
        zone=engineer.timezone,
        on_shift=window is not None,
        shift_ends_at=window[1] if window else None,
        next_shift_starts_at=upcoming[0] if upcoming else None,
        next_shift_ends_at=upcoming[1] if upcoming else None,
    )


class RosterShiftBook:
    """The `tickets.assignment.ShiftBook` the ticket services ask about an assignee's shift."""

    def assignee_shift(self, *, user, now: datetime) -> AssigneeShift | None:
        try:
            engineer = user.engineer  # loaded with the user by the assignable-engineer selectors
        except Engineer.DoesNotExist:
            return None
        return engineer_shift_at(engineer, now)


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


# The SLA report, the breach list, trends, coverage and credits: `escalation.reports.selectors.*`.


def manager_zone_get(user) -> ZoneInfo:
    """The zone a manager or engineer reads times in: their engineer profile's timezone, else UTC."""
    zone = Engineer.objects.filter(user_id=user.pk).values_list("timezone", flat=True).first()
    return zone or ZoneInfo("UTC")
