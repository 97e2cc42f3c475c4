"""One row of the engineers' queue: which clock is nearest, and when its warning rings.

No queries and no clock reads (see the package's docstring)."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from escalation.models import Metric, TicketClock
from escalation.paging.schedule import warning_offset
from escalation.paging.services.alarms import running_clocks
from escalation.sla import business_time
from escalation.sla.defaults import WARNING_AT_FRACTION
from tickets import clock_rules
from tickets.models import Ticket

from .times import clock_calendar, clock_of, countdown_text

# --- the queue ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    ticket: Ticket
    due_at: datetime | None  # the nearest running clock's due time
    metric: str  # which clock that is, in words
    warn_at: datetime | None
    state: str  # ok | warning | breached | stopped
    countdown: str
    breached: bool  # any metric breached, this clock or an earlier one


def warning_instant(
    ticket: Ticket, clock: TicketClock, fraction: Decimal | float, due_at: datetime
) -> datetime | None:
    """When the policy's warning point of the clock due at `due_at` passes (as the worker plans it)."""
    for running in running_clocks(ticket, clock):
        if running.due_at == due_at:
            offset = warning_offset(running.target, fraction) + running.paused
            calendar = clock_calendar(clock, running.started_at)
            return min(business_time.deadline(running.started_at, offset, calendar), due_at)
    return None


def queue_row(ticket: Ticket, fractions: dict[str, Decimal], now: datetime) -> QueueRow:
    due = ticket.next_due_at
    breached = ticket.is_breached(now)
    if due is None:
        state = "stopped"
        words = "paused" if clock_rules.metric_paused(ticket, Metric.RESOLUTION) else "no clock running"
        return QueueRow(ticket, None, "", None, state, words, breached)
    first = clock_rules.metric_running(ticket, Metric.FIRST_RESPONSE) and ticket.first_response_due_at == due
    metric = "first response" if first else "resolution"
    clock = clock_of(ticket)
    fraction = fractions.get(ticket.severity, Decimal(str(WARNING_AT_FRACTION)))
    warn_at = warning_instant(ticket, clock, fraction, due) if clock else None
    if due <= now:
        state = "breached"
    elif warn_at is not None and warn_at <= now:
        state = "warning"
    else:
        state = "ok"
    return QueueRow(ticket, due, metric, warn_at, state, countdown_text(due, now), breached)
