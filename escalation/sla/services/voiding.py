"""Voiding a ticket's SLA cycles when it is closed as spam: the ledger gains `voided` rows, no row
changes, and the ticket's clocks stop."""

from datetime import datetime, timedelta

from escalation.sla import business_time
from escalation.sla.models import LedgerEntry, Metric, TicketClock
from escalation.sla.services.calendars import calendar_for
from escalation.sla.services.ledger import VoidedCycle, ledger_void
from tickets.models import Ticket

_DECIDED = (LedgerEntry.Kind.COMPLETED, LedgerEntry.Kind.BREACH)


def _from_row(row: LedgerEntry) -> VoidedCycle:
    return VoidedCycle(
        metric=row.metric,
        cycle=row.cycle,
        target=row.target,
        started_at=row.started_at,
        due_at=row.due_at,
        achieved_at=row.achieved_at,
        elapsed=row.elapsed,
        paused=row.paused,
        met=row.met,
    )


def _open_cycle(
    ticket: Ticket, clock: TicketClock, metric: str, cycle: int, now: datetime
) -> VoidedCycle | None:
    """A cycle with no decided row yet: where its clock stood at `now` (None: it has no due time)."""
    if metric == Metric.FIRST_RESPONSE:
        started, due, target = ticket.created_at, ticket.first_response_due_at, clock.first_response_target
        paused, achieved = timedelta(0), ticket.first_responded_at
    else:
        started, due, target, paused = (
            ticket.resolution_started_at,
            ticket.resolution_due_at,
            clock.resolution_target,
            clock.paused,
        )
        achieved = ticket.resolved_at
    if due is None:
        return None
    calendar = calendar_for(clock.calendar, tz=clock.timezone, around=started)
    elapsed = business_time.elapsed(started, achieved or now, calendar) - paused
    return VoidedCycle(
        metric=metric,
        cycle=cycle,
        target=target,
        started_at=started,
        due_at=due,
        achieved_at=achieved,
        elapsed=elapsed,
        paused=paused,
        met=achieved is not None and elapsed <= target,
    )


def sla_void_ticket(*, ticket: Ticket, voided_by, reason: str, now: datetime) -> list[LedgerEntry]:
    """Void every metric cycle of a locked ticket (its first response and each resolution cycle), then
    stop its clocks: the due times are cleared (the caller saves; the event that closes it keeps them).

    A cycle's voided row copies its completed row, else its breach row, else the clock as it stands."""
    decided: dict[tuple[str, int], LedgerEntry] = {}
    for row in LedgerEntry.objects.filter(ticket=ticket, kind__in=_DECIDED).order_by("seq"):
        key = (row.metric, row.cycle)
        if key not in decided or row.kind == LedgerEntry.Kind.COMPLETED:
            decided[key] = row
    clock = TicketClock.objects.select_related("calendar").get(ticket=ticket)
    wanted = [(Metric.FIRST_RESPONSE, 1)] + [
        (Metric.RESOLUTION, n) for n in range(1, ticket.resolution_cycle + 1)
    ]
    cycles = []
    for metric, cycle in wanted:
        if (metric, cycle) in decided:
            cycles.append(_from_row(decided[(metric, cycle)]))
        elif cycle == (1 if metric == Metric.FIRST_RESPONSE else ticket.resolution_cycle):
            open_cycle = _open_cycle(ticket, clock, metric, cycle, now)
            if open_cycle is not None:
                cycles.append(open_cycle)
    entries = ledger_void(ticket=ticket, cycles=cycles, voided_by=voided_by, reason=reason, now=now)
    ticket.first_response_due_at = None if ticket.first_responded_at is None else ticket.first_response_due_at
    ticket.resolution_due_at = None if ticket.resolved_at is None else ticket.resolution_due_at
    return entries
