"""The clock rule, defined once: which SLA clocks of a ticket run, which one is paused, which is breached.

Pure: no ORM queries and no clock. The predicates take a ticket-like object (anything with the
ticket's fields: `first_response_due_at`, `first_responded_at`, `resolution_due_at`, `resolved_at`,
`paused_at`, `next_due_at`, `sla_breached`) and `now`, and return values. Beside each predicate that
the database must also answer sits a Q-builder for the same rule (`q_...`): the partial indexes on
the due columns, the safety sweep's due query and the queue's `breached` filter are built from them,
and tests/tickets/test_clock_rules.py checks on generated tickets that each Q selects exactly the
tickets its predicate accepts.

The rule, in words:

- A ticket has two metrics, `first_response` and `resolution` (the current resolution cycle).
- A metric's clock *counts* until the metric is achieved (a first public reply; the ticket resolved),
  except that the resolution clock stops while the ticket is paused (waiting on the customer). The
  first-response clock never pauses.
- It *runs* when it counts and has a due time.
- It is *overdue* at `now` when it runs and its due time is at or before `now`.
- It is *breached* at `now` when it is overdue, or it was achieved after its due time (met late); a
  paused resolution counts as neither, even with `resolved_at` set.
- A ticket is breached when the ledger recorded a breach of it (`sla_breached`) or its nearest
  running due time (`next_due_at`, the earliest of `running_due_times`) is at or before `now`.

Metric names are the values of `escalation.models.Metric` (`tickets` does not import `escalation`).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Q

FIRST_RESPONSE = "first_response"
RESOLUTION = "resolution"
METRICS = (FIRST_RESPONSE, RESOLUTION)

PAUSED_AT = "paused_at"


@dataclass(frozen=True)
class MetricFields:
    """Where a metric's clock lives on the ticket."""

    due: str  # the due time's field
    achieved: str  # the field set when the metric is achieved
    pauses: bool  # whether `paused_at` stops this clock


FIELDS = {
    FIRST_RESPONSE: MetricFields(due="first_response_due_at", achieved="first_responded_at", pauses=False),
    RESOLUTION: MetricFields(due="resolution_due_at", achieved="resolved_at", pauses=True),
}


def _fields(metric: str) -> MetricFields:
    try:
        return FIELDS[metric]
    except KeyError:
        raise ValueError(f"unknown metric {metric!r}") from None


# --- the pure rule ------------------------------------------------------------------------------


def due_at(ticket, metric: str) -> datetime | None:
    return getattr(ticket, _fields(metric).due)


def achieved_at(ticket, metric: str) -> datetime | None:
    return getattr(ticket, _fields(metric).achieved)


def metric_paused(ticket, metric: str) -> bool:
    """Is this clock stopped by a pause (waiting on the customer)? The first response never pauses."""
    return _fields(metric).pauses and ticket.paused_at is not None


def metric_counting(ticket, metric: str) -> bool:
    """Not achieved yet and not paused, whether or not a due time is set."""
    return achieved_at(ticket, metric) is None and not metric_paused(ticket, metric)


def metric_running(ticket, metric: str) -> bool:
    """Counting towards a due time."""
    return metric_counting(ticket, metric) and due_at(ticket, metric) is not None


def running_metrics(ticket) -> list[str]:
    return [metric for metric in METRICS if metric_running(ticket, metric)]


def running_due_times(ticket) -> list[datetime]:
    """Due times of the clocks still running: an unanswered first response, an unpaused resolution."""
    return [due_at(ticket, metric) for metric in running_metrics(ticket)]


def metric_overdue(ticket, metric: str, now: datetime) -> bool:
    """Running, and its due time is at or before `now`."""
    return metric_running(ticket, metric) and due_at(ticket, metric) <= now


def metric_met_late(ticket, metric: str) -> bool:
    """Achieved after its due time (a paused resolution does not count)."""
    due, achieved = due_at(ticket, metric), achieved_at(ticket, metric)
    if due is None or achieved is None or metric_paused(ticket, metric):
        return False
    return achieved > due


def metric_breached(ticket, metric: str, now: datetime) -> bool:
    """Met late, or still running at or past its due time (breaches the ledger recorded aside)."""
    return metric_overdue(ticket, metric, now) or metric_met_late(ticket, metric)


def ticket_breached(ticket, now: datetime) -> bool:
    """Any metric breached: recorded in the ledger, or a running clock is past due."""
    return ticket.sla_breached or (ticket.next_due_at is not None and ticket.next_due_at <= now)


# --- the same rule as database filters ----------------------------------------------------------
# Built as one Q of keyword lookups (not `&` of several Qs), so that a partial index built from one
# deconstructs to the same condition as before and needs no migration.


def _counting_lookups(metric: str) -> dict:
    fields = _fields(metric)
    lookups = {f"{fields.achieved}__isnull": True}
    if fields.pauses:
        lookups[f"{PAUSED_AT}__isnull"] = True
    return lookups


def q_metric_counting(metric: str) -> Q:
    """`metric_counting` as a filter: the condition of the partial index on the metric's due column."""
    return Q(**_counting_lookups(metric))


def q_metric_running(metric: str) -> Q:
    return Q(**_counting_lookups(metric), **{f"{_fields(metric).due}__isnull": False})


def q_metric_overdue(metric: str, now: datetime) -> Q:
    """`metric_overdue` as a filter; it implies `q_metric_counting`, so the partial due index serves it."""
    return Q(**_counting_lookups(metric), **{f"{_fields(metric).due}__lte": now})


def q_metric_breached(metric: str, now: datetime) -> Q:
    fields = _fields(metric)
    met_late = {f"{fields.achieved}__gt": F(fields.due)}  # null on either side compares false
    if fields.pauses:
        met_late[f"{PAUSED_AT}__isnull"] = True
    return q_metric_overdue(metric, now) | Q(**met_late)


def q_ticket_breached(now: datetime) -> Q:
    return Q(sla_breached=True) | Q(next_due_at__lte=now)
