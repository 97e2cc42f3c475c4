"""The customer's promise in plain words: when they will hear from us, or why they wait.

No queries and no clock reads (see the package's docstring)."""

from dataclasses import dataclass
from datetime import datetime

from escalation.models import Metric
from tickets import clock_rules
from tickets.models import Status, Ticket
from tickets.services import AUTO_CLOSE_AFTER

from .times import calendar_words, clock_of, local_words

# --- the customer's promise ---------------------------------------------------------------------


@dataclass(frozen=True)
class Promise:
    """The current promise to the customer in plain words; `late` when a running clock is past due."""

    text: str
    detail: str = ""
    late: bool = False


def customer_promise(ticket: Ticket, now: datetime) -> Promise:
    zone = ticket.requester_timezone
    clock = clock_of(ticket)
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
