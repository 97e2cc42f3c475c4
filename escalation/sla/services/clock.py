"""The SLA clock: deadlines for tickets in business time, and the ledger rows that close them."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.db.models import Exists, OuterRef

from escalation.sla import business_time, config_cache
from escalation.sla.models import LedgerEntry, Metric, SlaTarget, TicketClock
from escalation.sla.services.calendars import calendar_for
from escalation.sla.services.ledger import LedgerRow, ledger_append
from escalation.sla.services.voiding import sla_void_ticket
from tickets import clock_rules
from tickets.models import Ticket
from tickets.sla import StartedClock


def sla_target_get(*, plan: str, severity: str) -> SlaTarget:
    """The target for `plan` and `severity`, with its calendar and the calendar's holidays.

    Cached per process and configuration version (`escalation.sla.config_cache`): one primary-key read
    when nothing changed. The instance is shared: read it, never change or save it.
    """
    target = config_cache.cached(("sla_target", plan, severity), lambda: _target_load(plan, severity))
    if target is None:
        raise ImproperlyConfigured(f"No SLA target for plan {plan!r} and severity {severity!r}.")
    return target


def _target_load(plan: str, severity: str) -> SlaTarget | None:
    return (
        SlaTarget.objects.select_related("calendar")
        .prefetch_related("calendar__holidays")
        .filter(plan=plan, severity=severity)
        .first()
    )


def _customer_zone(ticket: Ticket):
    return ticket.customer.timezone if ticket.customer_id else ticket.requester_timezone


def _clock(ticket: Ticket) -> TicketClock:
    """The ticket's clock with its calendar: the one joined to the ticket when it was read, else a query.

    Holidays are read by calendar_for only for business-hours calendars.
    """
    if Ticket.clock.is_cached(ticket) and TicketClock.calendar.is_cached(ticket.clock):
        return ticket.clock
    return TicketClock.objects.select_related("calendar").get(ticket=ticket)


def _calendar(clock: TicketClock, around: datetime) -> business_time.Calendar:
    return calendar_for(clock.calendar, tz=clock.timezone, around=around)


class AlarmPlanner(Protocol):
    """Told after every change to a ticket's clocks, with the clock and calendar the change used.

    Paging implements it (`escalation.paging.services.alarms.alarms_replan`); the app wires the two in
    `EscalationConfig.ready`, so the SLA side never imports paging.
    """

    def __call__(
        self, *, ticket: Ticket, clock: TicketClock, calendar: business_time.Calendar, now: datetime
    ) -> None: ...


class NewAlarms(Protocol):
    """The alarms of a ticket being filed, unsaved, for the filing's insert, and what to call once they
    are inserted (`escalation.paging.services.alarms.alarms_new`, wired like `AlarmPlanner`)."""

    def __call__(
        self, *, ticket: Ticket, clock: TicketClock, calendar: business_time.Calendar, now: datetime
    ) -> tuple[list[models.Model], Callable[[], None]]: ...


class CalendarSlaClock:
    """The `tickets.sla.SlaClock` the escalation app registers: targets x calendars x ledger.

    `alarms_new` plans a new ticket's alarms and `alarms_replan` is told of every later change, so that
    the pending alarms follow the deadlines.
    """

    def __init__(self, *, alarms_new: NewAlarms, alarms_replan: AlarmPlanner) -> None:
        self.alarms_new = alarms_new
        self.alarms_replan = alarms_replan

    def start(self, *, ticket: Ticket, now: datetime) -> StartedClock:
        """The due times on `ticket`, and its clock and alarms to insert with it. The SLA target and the
        escalation policy are read at one configuration version (one read of it)."""
        with config_cache.one_version():
            return self._start(ticket=ticket, now=now)

    def _start(self, *, ticket: Ticket, now: datetime) -> StartedClock:
        target = sla_target_get(plan=ticket.plan, severity=ticket.severity)
        clock = TicketClock(
            ticket=ticket,  # not inserted yet: the filing's statement points the key at it
            first_response_target=target.first_response,
            resolution_target=target.resolution,
            calendar=target.calendar,
            timezone=target.calendar.timezone or _customer_zone(ticket),
        )
        calendar = _calendar(clock, ticket.created_at)
        ticket.first_response_due_at = business_time.deadline(
            ticket.created_at, target.first_response, calendar
        )
        ticket.resolution_due_at = business_time.deadline(
            ticket.resolution_started_at, target.resolution, calendar
        )
        alarms, inserted = self.alarms_new(ticket=ticket, clock=clock, calendar=calendar, now=now)
        return StartedClock(rows={"clock": clock, "alarms": alarms}, inserted=inserted)

    def responded(self, *, ticket: Ticket, now: datetime) -> None:
        clock = _clock(ticket)
        calendar = _calendar(clock, ticket.created_at)
        ledger_append(
            ticket=ticket,
            kind=LedgerEntry.Kind.COMPLETED,
            metric=Metric.FIRST_RESPONSE,
            cycle=1,
            target=clock.first_response_target,
            started_at=ticket.created_at,
            due_at=ticket.first_response_due_at,
            achieved_at=now,
            elapsed=business_time.elapsed(ticket.created_at, now, calendar),
            now=now,
        )
        self.alarms_replan(ticket=ticket, clock=clock, calendar=calendar, now=now)

    def paused(self, *, ticket: Ticket, now: datetime) -> None:
        clock = _clock(ticket)
        self.alarms_replan(ticket=ticket, clock=clock, calendar=_calendar(clock, ticket.created_at), now=now)

    def resumed(self, *, ticket: Ticket, paused_since: datetime, now: datetime) -> None:
        clock = _clock(ticket)
        calendar = _calendar(clock, ticket.resolution_started_at)
        clock.paused += business_time.elapsed(paused_since, now, calendar)
        clock.save(update_fields=["paused"])
        ticket.resolution_due_at = business_time.deadline(
            ticket.resolution_started_at, clock.resolution_target + clock.paused, calendar
        )
        self.alarms_replan(ticket=ticket, clock=clock, calendar=calendar, now=now)

    def resolved(self, *, ticket: Ticket, now: datetime) -> None:
        clock = _clock(ticket)
        calendar = _calendar(clock, ticket.resolution_started_at)
        ledger_append(
            ticket=ticket,
            kind=LedgerEntry.Kind.COMPLETED,
            metric=Metric.RESOLUTION,
            cycle=ticket.resolution_cycle,
            target=clock.resolution_target,
            started_at=ticket.resolution_started_at,
            due_at=ticket.resolution_due_at,
            achieved_at=now,
            elapsed=business_time.elapsed(ticket.resolution_started_at, now, calendar) - clock.paused,
            paused=clock.paused,
            now=now,
        )
        self.alarms_replan(ticket=ticket, clock=clock, calendar=calendar, now=now)

    def reopened(self, *, ticket: Ticket, now: datetime) -> None:
        clock = _clock(ticket)
        clock.paused = timedelta(0)
        clock.save(update_fields=["paused"])
        calendar = _calendar(clock, now)
        ticket.resolution_due_at = business_time.deadline(now, clock.resolution_target, calendar)
        self.alarms_replan(ticket=ticket, clock=clock, calendar=calendar, now=now)

    def voided(self, *, ticket: Ticket, actor, reason: str, now: datetime) -> None:
        sla_void_ticket(ticket=ticket, voided_by=actor, reason=reason, now=now)
        clock = _clock(ticket)
        self.alarms_replan(ticket=ticket, clock=clock, calendar=_calendar(clock, ticket.created_at), now=now)

    def retargeted(self, *, ticket: Ticket, now: datetime) -> None:
        target = sla_target_get(plan=ticket.plan, severity=ticket.severity)
        clock = _clock(ticket)
        clock.first_response_target = target.first_response
        clock.resolution_target = target.resolution
        clock.calendar = target.calendar
        clock.timezone = target.calendar.timezone or _customer_zone(ticket)
        clock.save()
        calendar = _calendar(clock, ticket.created_at)  # the new calendar, with its holidays
        if ticket.first_responded_at is None:
            ticket.first_response_due_at = business_time.deadline(
                ticket.created_at, clock.first_response_target, calendar
            )
        if ticket.resolved_at is None:
            ticket.resolution_due_at = business_time.deadline(
                ticket.resolution_started_at,
                clock.resolution_target + clock.paused,
                _calendar(clock, ticket.resolution_started_at),
            )
        self.alarms_replan(ticket=ticket, clock=clock, calendar=calendar, now=now)


@transaction.atomic
def sla_record_breach(*, ticket_id: int, metric: str, now: datetime) -> LedgerEntry | None:
    """Record in the ledger that `metric` of the ticket's current cycle passed its due time unmet.

    Idempotent: returns None when the ticket is not overdue on that metric any more (answered,
    resolved, paused) or the breach is already recorded.
    """
    ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
    return sla_breach_append_locked(ticket=ticket, metric=metric, now=now)


def sla_breach_append_locked(
    *, ticket: Ticket, metric: str, now: datetime, save_ticket: bool = True
) -> LedgerEntry | None:
    """`sla_record_breach` for a ticket the caller has locked in the current transaction.

    Call it last in that transaction: it takes the ledger's chain head, which is then held until commit.
    With `save_ticket=False` the caller saves the ticket's `sla_breached` flag itself.
    """
    row = sla_breach_row(ticket=ticket, metric=metric, now=now)
    if row is None:
        return None
    return ledger_append(
        ticket=ticket,
        kind=row.kind,
        metric=row.metric,
        cycle=row.cycle,
        target=row.target,
        started_at=row.started_at,
        due_at=row.due_at,
        achieved_at=None,
        elapsed=row.elapsed,
        paused=row.paused,
        now=now,
        mark_ticket=save_ticket,
    )


def sla_breach_row(*, ticket: Ticket, metric: str, now: datetime) -> LedgerRow | None:
    """The breach row `sla_breach_append_locked` would append for a locked ticket (None: not overdue),
    for callers that append many at once (`ledger_append_many`)."""
    if not clock_rules.metric_overdue(ticket, metric, now):
        return None
    clock = _clock(ticket)
    if metric == Metric.FIRST_RESPONSE:
        started, due, target, paused, cycle = (
            ticket.created_at,
            ticket.first_response_due_at,
            clock.first_response_target,
            timedelta(0),
            1,
        )
    else:
        started, due, target, paused, cycle = (
            ticket.resolution_started_at,
            ticket.resolution_due_at,
            clock.resolution_target,
            clock.paused,
            ticket.resolution_cycle,
        )
    return LedgerRow(
        ticket=ticket,
        kind=LedgerEntry.Kind.BREACH,
        metric=metric,
        cycle=cycle,
        target=target,
        started_at=started,
        due_at=due,
        achieved_at=None,
        elapsed=business_time.elapsed(started, now, _calendar(clock, started)) - paused,
        paused=paused,
    )


def tickets_overdue_without_breach(*, metric: str, now: datetime):
    """Tickets whose `metric` clock runs past due with no breach row yet (partial due indexes)."""
    cycle = 1 if metric == Metric.FIRST_RESPONSE else OuterRef("resolution_cycle")
    breach = LedgerEntry.objects.filter(
        ticket=OuterRef("pk"), metric=metric, cycle=cycle, kind=LedgerEntry.Kind.BREACH
    )
    overdue = clock_rules.q_metric_overdue(metric, now)
    return Ticket.objects.filter(overdue).filter(~Exists(breach)).order_by(clock_rules.FIELDS[metric].due)


def sla_record_due_breaches(*, now: datetime, limit: int = 500) -> int:
    """The safety sweep: record a breach for every overdue clock that has none yet. Returns how many."""
    recorded = 0
    for metric in (Metric.FIRST_RESPONSE, Metric.RESOLUTION):
        ticket_ids = tickets_overdue_without_breach(metric=metric, now=now).values_list("pk", flat=True)[
            :limit
        ]
        for ticket_id in list(ticket_ids):
            recorded += sla_record_breach(ticket_id=ticket_id, metric=metric, now=now) is not None
    return recorded
