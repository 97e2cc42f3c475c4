"""The ticket page's SLA panel: each clock, its state, and why its deadline is where it is.

No queries and no clock reads (see the package's docstring)."""

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from escalation.models import BusinessCalendar, LedgerEntry, Metric
from escalation.sla import business_time
from escalation.sla.deadline_explanation import explain_deadline
from tickets import clock_rules
from tickets.models import Event, EventType, Status, Ticket

from .times import calendar_words, clock_calendar, clock_of, clock_span_words, compact_duration, local_stamp

_FRACTION_OF_SECOND = re.compile(r"(\d{2}:\d{2}:\d{2})\.\d{1,6}")

# --- the SLA panel ------------------------------------------------------------------------------


@dataclass
class ClockPanel:
    """One clock of one ticket, as the engineer's SLA panel shows it."""

    name: str
    target: timedelta
    calendar: str
    started_at: datetime
    due_at: datetime | None
    achieved_at: datetime | None
    elapsed: timedelta
    paused: timedelta
    paused_since: datetime | None
    state: str  # running | paused | met | breached | voided (closed as spam: not counted)
    breached: bool
    business: bool  # counted in business hours (else around the clock)
    explanation: list[str] = field(default_factory=list)

    @property
    def target_text(self) -> str:
        return clock_span_words(self.target, business=self.business)

    @property
    def elapsed_text(self) -> str:
        return clock_span_words(self.elapsed, business=self.business)

    @property
    def paused_text(self) -> str:
        return compact_duration(self.paused)


@dataclass(frozen=True)
class Pause:
    start: datetime
    end: datetime | None


def pauses_in_cycle(events: list[Event], cycle_started_at: datetime) -> list[Pause]:
    """The waiting-on-customer stretches of the current resolution cycle, from the status events."""
    pauses: list[Pause] = []
    start = None
    for event in events:
        if event.type != EventType.STATUS_CHANGED or event.at < cycle_started_at:
            continue
        if event.data.get("to") == Status.WAITING_ON_CUSTOMER:
            start = event.at
        elif event.data.get("from") == Status.WAITING_ON_CUSTOMER and start is not None:
            pauses.append(Pause(start, event.at))
            start = None
    if start is not None:
        pauses.append(Pause(start, None))
    return pauses


def _breach_recorded(ledger: list[LedgerEntry], metric: str, cycle: int) -> bool:
    return any(
        e.metric == metric and e.cycle == cycle and not e.met and e.kind != LedgerEntry.Kind.VOIDED
        for e in ledger
    )


def _voided(ledger: list[LedgerEntry], metric: str, cycle: int) -> bool:
    return any(e.metric == metric and e.cycle == cycle and e.kind == LedgerEntry.Kind.VOIDED for e in ledger)


def _state(*, achieved: datetime | None, breached: bool, paused: bool = False) -> str:
    if achieved:
        return "breached" if breached else "met"
    if paused:
        return "paused"
    return "breached" if breached else "running"


def clock_panels(
    ticket: Ticket, ledger: list[LedgerEntry], events: list[Event], now: datetime
) -> list[ClockPanel]:
    """The first-response clock and the current resolution cycle, each with why its deadline is there."""
    clock = clock_of(ticket)
    if clock is None:
        return []
    zone = clock.calendar.timezone or clock.timezone
    calendar_text = calendar_words(clock.calendar, clock.timezone)
    business = clock.calendar.kind != BusinessCalendar.Kind.ALWAYS

    # First response: from filing, never paused.
    started = ticket.created_at
    calendar = clock_calendar(clock, started)
    achieved = ticket.first_responded_at
    due = ticket.first_response_due_at
    breached = _breach_recorded(ledger, Metric.FIRST_RESPONSE, 1) or clock_rules.metric_breached(
        ticket, Metric.FIRST_RESPONSE, now
    )
    first = ClockPanel(
        name="First response",
        target=clock.first_response_target,
        calendar=calendar_text,
        started_at=started,
        due_at=due,
        achieved_at=achieved,
        elapsed=business_time.elapsed(started, achieved or now, calendar),
        paused=timedelta(0),
        paused_since=None,
        state=_state(achieved=achieved, breached=breached),
        breached=breached,
        business=business,
        explanation=_explain(started, clock.first_response_target, calendar, due, zone),
    )

    # Resolution: the current cycle, minus the business time spent waiting on the customer.
    cycle = ticket.resolution_cycle
    started = ticket.resolution_started_at
    calendar = clock_calendar(clock, started)
    achieved = ticket.resolved_at
    due = ticket.resolution_due_at
    current_pause = (
        business_time.elapsed(ticket.paused_at, now, calendar) if ticket.paused_at else timedelta(0)
    )
    paused = clock.paused + current_pause
    end = achieved or now
    breached = _breach_recorded(ledger, Metric.RESOLUTION, cycle) or clock_rules.metric_breached(
        ticket, Metric.RESOLUTION, now
    )
    explanation = _pause_lines(events, started, clock.paused, ticket.paused_at, zone)
    explanation += _explain(started, clock.resolution_target + clock.paused, calendar, due, zone)
    if ticket.paused_at:
        explanation.append(
            f"While paused the due time moves out by the business time spent waiting "
            f"({compact_duration(current_pause)} so far)."
        )
    resolution = ClockPanel(
        name="Resolution" if cycle == 1 else f"Resolution (cycle {cycle})",
        target=clock.resolution_target,
        calendar=calendar_text,
        started_at=started,
        due_at=due,
        achieved_at=achieved,
        elapsed=max(business_time.elapsed(started, end, calendar) - paused, timedelta(0)),
        paused=paused,
        paused_since=ticket.paused_at,
        state=_state(
            achieved=achieved, breached=breached, paused=clock_rules.metric_paused(ticket, Metric.RESOLUTION)
        ),
        breached=breached,
        business=business,
        explanation=explanation,
    )
    # A cycle voided (its ticket closed as spam) says so, whatever it stood at.
    return [
        replace(panel, state="voided") if _voided(ledger, metric, cycle) else panel
        for panel, metric, cycle in (
            (first, Metric.FIRST_RESPONSE, 1),
            (resolution, Metric.RESOLUTION, ticket.resolution_cycle),
        )
    ]


@dataclass(frozen=True)
class LedgerLine:
    metric: str
    cycle: int
    result: str
    elapsed: str
    target: str


def ledger_lines(ledger: list[LedgerEntry]) -> list[LedgerLine]:
    """The ticket's ledger rows in words: what was promised and what happened, cycle by cycle."""
    lines = []
    for entry in ledger:
        if entry.kind == LedgerEntry.Kind.VOIDED:
            who = entry.voided_by.get_username() if entry.voided_by_id else "on arrival"
            result = f"voided ({who}): {entry.void_reason}; not counted in reports"
        elif entry.kind == LedgerEntry.Kind.BREACH:
            result = f"breached at {entry.recorded_at:%H:%M:%S} UTC"
        else:
            result = "met" if entry.met else f"missed by {compact_duration(entry.overshoot)}"
        lines.append(
            LedgerLine(
                metric=entry.get_metric_display(),
                cycle=entry.cycle,
                result=result,
                elapsed=compact_duration(entry.elapsed),
                target=compact_duration(entry.target),
            )
        )
    return lines


def _explain(
    start: datetime,
    target: timedelta,
    calendar: business_time.Calendar,
    due: datetime | None,
    zone: ZoneInfo,
) -> list[str]:
    explanation = explain_deadline(start, target, calendar)
    # Real instants carry microseconds; to the second is what an engineer reads.
    steps = [_FRACTION_OF_SECOND.sub(r"\1", step) for step in explanation.steps]
    if due is not None and explanation.due != due:
        steps.append(
            f"The stored due time is {local_stamp(due, zone)}: the calendar or its holidays changed "
            "after the deadline was set."
        )
    return steps


def _pause_lines(
    events: list[Event], cycle_start: datetime, paused: timedelta, paused_at: datetime | None, zone: ZoneInfo
) -> list[str]:
    lines = []
    for pause in pauses_in_cycle(events, cycle_start):
        if pause.end is not None:
            lines.append(
                f"Waiting on the customer from {local_stamp(pause.start, zone)} "
                f"to {local_stamp(pause.end, zone)}."
            )
    if paused:
        lines.append(
            f"Those pauses used {compact_duration(paused)} of business time, "
            "so the target is extended by as much."
        )
    if paused_at is not None:
        lines.append(f"Paused since {local_stamp(paused_at, zone)}, waiting on the customer.")
    return lines
