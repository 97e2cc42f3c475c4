"""What the pages say about tickets and their clocks, in words. No queries and no clock reads.

Each function takes the objects the selectors loaded (with their related rows) and `now`, and
returns plain values for the templates. Times always carry their zone.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from escalation import business_time
from escalation.deadline_explanation import explain_deadline
from escalation.defaults import WARNING_AT_FRACTION
from escalation.models import BusinessCalendar, Escalation, LedgerEntry, Metric, TicketClock
from escalation.schedule import warning_offset
from escalation.services.alarms import running_clocks
from escalation.services.calendars import calendar_for
from tickets import clock_rules
from tickets.assignment import AssigneeShift, zoned_stamp
from tickets.models import Event, EventType, Severity, Status, Ticket
from tickets.services import AUTO_CLOSE_AFTER
from tickets.zone_labels import zone_abbreviation, zone_key, zone_words

SEVERITY_PLAIN = {
    Severity.GENERAL: "General: a question or a minor issue",
    Severity.URGENT: "Urgent: viewers are affected",
    Severity.MAJOR: "Major: the service is down",
}
_FRACTION_OF_SECOND = re.compile(r"(\d{2}:\d{2}:\d{2})\.\d{1,6}")
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


# --- times and durations ------------------------------------------------------------------------


def zone_name(zone: ZoneInfo) -> str:
    return zone_key(zone)


def local_stamp(instant: datetime, zone: ZoneInfo) -> str:
    """Short local time with its zone, for engineers: `Thu 12 Jun 2025, 11:00 WEST`."""
    local = instant.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M} {zone_abbreviation(local)}"


def local_words(instant: datetime, zone: ZoneInfo) -> str:
    """Long local time with its zone, for customers: `Thursday 12 June 2025 at 11:00 WEST (Europe/Lisbon)`,
    `... at 13:00 UTC` (not `UTC (UTC)`)."""
    local = instant.astimezone(zone)
    return f"{local:%A} {local.day} {local:%B %Y} at {local:%H:%M} {zone_words(local)}"


def compact_duration(span: timedelta) -> str:
    """`4h`, `1h 30m`, `2d 3h`, `45s`: exact to the minute, seconds only under a minute."""
    seconds = int(abs(span).total_seconds())
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    parts = [f"{value}{unit}" for value, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if value]
    if not parts:
        parts = [f"{seconds}s"]
    return ("-" if span < timedelta(0) else "") + " ".join(parts)


def clock_span_words(span: timedelta, *, business: bool) -> str:
    """A promise's length as people say it: `24 business hours`, `1 business hour 30 minutes`,
    `8 hours`, `15 minutes`. Whole hours never become days: a business day is not 24 hours."""
    seconds = int(abs(span).total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    units = [(hours, "hour"), (minutes, "minute")] if hours or minutes else [(secs, "second")]
    parts = [f"{value} {unit}{'' if value == 1 else 's'}" for value, unit in units if value]
    if not parts:
        parts = ["0 minutes"]
    if business and seconds:
        count, noun = parts[0].split(" ", 1)
        parts[0] = f"{count} business {noun}"
    return " ".join(parts)


def countdown_text(due: datetime, now: datetime) -> str:
    """What the live countdown shows (static/js/desk.js formats the same way): `3h 05m`, `overdue 12m 30s`."""
    seconds = int((due - now).total_seconds())
    overdue = seconds < 0
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        text = f"{days}d {hours}h"
    elif hours:
        text = f"{hours}h {minutes:02d}m"
    else:
        text = f"{minutes}m {secs:02d}s"
    return f"overdue {text}" if overdue else text


def calendar_words(calendar: BusinessCalendar, zone: ZoneInfo) -> str:
    """`around the clock` or `Monday to Friday, 09:00-18:00 Europe/Berlin time`."""
    if calendar.kind == BusinessCalendar.Kind.ALWAYS:
        return "around the clock, every day"
    days = sorted(calendar.workdays)
    if days and days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
        day_text = f"{_DAY_NAMES[days[0]]} to {_DAY_NAMES[days[-1]]}"
    else:
        day_text = ", ".join(_DAY_NAMES[d] for d in days)
    hours = f"{calendar.opens:%H:%M}-{calendar.closes:%H:%M}"
    text = f"{day_text}, {hours} {zone_name(calendar.timezone or zone)} time"
    if calendar.holiday_country:
        text += f", except public holidays ({calendar.holiday_country})"
    return text


def _clock_of(ticket: Ticket) -> TicketClock | None:
    try:
        return ticket.clock
    except TicketClock.DoesNotExist:
        return None


def _calendar(clock: TicketClock, around: datetime) -> business_time.Calendar:
    return calendar_for(clock.calendar, tz=clock.timezone, around=around)


# --- the customer's promise ---------------------------------------------------------------------


@dataclass(frozen=True)
class Promise:
    """The current promise to the customer in plain words; `late` when a running clock is past due."""

    text: str
    detail: str = ""
    late: bool = False


def customer_promise(ticket: Ticket, now: datetime) -> Promise:
    zone = ticket.requester_timezone
    clock = _clock_of(ticket)
    hours = (
        f"Our clock for this ticket runs {calendar_words(clock.calendar, clock.timezone)}." if clock else ""
    )
    if ticket.status == Status.CLOSED:
        return Promise("This ticket is closed. If you write below, we open a follow-up ticket linked to it.")
    if ticket.status == Status.RESOLVED:
        closes = ticket.resolved_at + AUTO_CLOSE_AFTER
        return Promise(
            f"We resolved this ticket on {local_words(ticket.resolved_at, zone)}.",
            "If the problem is not fixed, reply below and the ticket reopens. "
            f"Without a reply it closes on {local_words(closes, zone)}.",
        )
    if clock_rules.metric_running(ticket, Metric.FIRST_RESPONSE):
        due = ticket.first_response_due_at
        if due > now:
            return Promise(f"An engineer will reply by {local_words(due, zone)}.", hours)
        return Promise(
            f"Our first reply is late: we promised it by {local_words(due, zone)}. "
            "Your ticket is at the top of our queue.",
            hours,
            late=True,
        )
    if clock_rules.metric_paused(ticket, Metric.RESOLUTION):
        return Promise(
            "We are waiting for your answer to our last message.",
            "Our resolution clock is paused until you reply.",
        )
    due = ticket.resolution_due_at
    if due is None:
        return Promise("We are working on your ticket.")
    if due > now:
        return Promise(f"We aim to resolve this by {local_words(due, zone)}.", hours)
    return Promise(
        f"We are late: we aimed to resolve this by {local_words(due, zone)}. It has our priority.",
        hours,
        late=True,
    )


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
            calendar = _calendar(clock, running.started_at)
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
    clock = _clock_of(ticket)
    fraction = fractions.get(ticket.severity, Decimal(str(WARNING_AT_FRACTION)))
    warn_at = warning_instant(ticket, clock, fraction, due) if clock else None
    if due <= now:
        state = "breached"
    elif warn_at is not None and warn_at <= now:
        state = "warning"
    else:
        state = "ok"
    return QueueRow(ticket, due, metric, warn_at, state, countdown_text(due, now), breached)


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
    state: str  # running | paused | met | breached
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
    return any(e.metric == metric and e.cycle == cycle and not e.met for e in ledger)


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
    clock = _clock_of(ticket)
    if clock is None:
        return []
    zone = clock.calendar.timezone or clock.timezone
    calendar_text = calendar_words(clock.calendar, clock.timezone)
    business = clock.calendar.kind != BusinessCalendar.Kind.ALWAYS

    # First response: from filing, never paused.
    started = ticket.created_at
    calendar = _calendar(clock, started)
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
    calendar = _calendar(clock, started)
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
    return [first, resolution]


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
        if entry.kind == LedgerEntry.Kind.BREACH:
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


# --- the timeline -------------------------------------------------------------------------------


def assignee_label(shift: AssigneeShift) -> str:
    """An engineer in the assignee list: on shift now until when, or when their next shift starts, in
    their own zone with its name."""
    if shift.on_shift:
        return f"{shift.name}: on shift until {zoned_stamp(shift.shift_ends_at, shift.zone)}"
    if shift.next_shift_starts_at is None:
        return f"{shift.name}: off shift, no shift on the roster"
    return f"{shift.name}: off shift, next shift {zoned_stamp(shift.next_shift_starts_at, shift.zone)}"


def person(user) -> str:
    if user is None:
        return "the system"
    return user.get_full_name() or user.get_username()


def _metric_words(metric: str | None) -> str:
    return {Metric.FIRST_RESPONSE: "first response", Metric.RESOLUTION: "resolution"}.get(metric, "SLA")


def _status_words(status: str | None) -> str:
    return Status(status).label.lower() if status in Status.values else str(status)


def describe_event(event: Event, names: Mapping[str, str] | None = None) -> str:
    """One line of the ticket's timeline. Events record engineers by username (a rename must not
    rewrite history); `names` maps those usernames to the names the rest of the page shows."""
    data, actor = event.data or {}, person(event.actor)
    names = names or {}

    def named(username: str | None) -> str | None:
        return names.get(username, username) if username else username

    kind = event.type
    if kind == EventType.CREATED:
        text = f"Filed as {data.get('severity', '?')} on the {data.get('plan', '?')} plan"
        return text + (f", following up {data['follow_up_of']}" if data.get("follow_up_of") else "")
    if kind in (EventType.ASSIGNED, EventType.HANDED_OFF):
        verb = "Handed off" if kind == EventType.HANDED_OFF else "Assigned"
        who = f" by {actor}" if event.actor else ""
        before, after = named(data.get("from")), named(data.get("to"))
        if data.get("to") is None:
            text = f"Unassigned (was {before}){who}"
        elif event.actor and kind == EventType.ASSIGNED and data["to"] == event.actor.get_username():
            text = f"{actor} took it" + (f" from {before}" if before else "")
        elif before:
            text = f"{verb} from {before} to {after}{who}"
        else:
            text = f"{verb} to {after}{who}"
        return text + (f": {data['reason']}" if data.get("reason") else "")
    if kind == EventType.REPLIED:
        return f"{actor} replied to the customer" + (
            " (first response)" if data.get("first_response") else ""
        )
    if kind == EventType.NOTE:
        return f"{actor} added an internal note"
    if kind == EventType.CUSTOMER_REPLIED:
        return "The customer replied"
    if kind == EventType.STATUS_CHANGED:
        text = f"Status {_status_words(data.get('from'))} → {_status_words(data.get('to'))}"
        text += f" by {actor}" if event.actor else ""
        return text + (f" ({data['reason']})" if data.get("reason") else "")
    if kind == EventType.SEVERITY_CHANGED:
        return f"Severity {data.get('from')} → {data.get('to')}" + (f" by {actor}" if event.actor else "")
    if kind == EventType.REOPENED:
        return f"Reopened: resolution cycle {data.get('cycle')} started"
    if kind == EventType.FOLLOW_UP:
        return f"Follow-up {data.get('follow_up')} opened by the customer"
    if kind == EventType.WARNED:
        return f"Warning: the {_metric_words(data.get('metric'))} deadline is near"
    if kind == EventType.BREACHED:
        return f"Breached: the {_metric_words(data.get('metric'))} deadline passed"
    if kind == EventType.ESCALATED:
        return f"Escalated to level {data.get('step')} ({_metric_words(data.get('metric'))})"
    if kind == EventType.ACKNOWLEDGED:
        return (
            f"{actor} acknowledged the level {data.get('step')} page "
            f"({_metric_words(data.get('metric'))}) via {data.get('via', '?')}"
        )
    return event.get_type_display()


def page_label(escalation: Escalation) -> str:
    step = "warning" if escalation.step == 0 else f"level {escalation.step}"
    return f"{_metric_words(escalation.metric).capitalize()} {step}"
