"""The customer's promise in plain words: when they will hear from us, or why they wait.

No queries and no clock reads (see the package's docstring)."""

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

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
    """In the active language (the caller activates the requester's), times in the requester's zone."""
    zone = ticket.requester_timezone
    clock = clock_of(ticket)
    hours = (
        _("Our clock for this ticket runs %(hours)s.")
        % {"hours": calendar_words(clock.calendar, clock.timezone)}
        if clock
        else ""
    )
    if ticket.status == Status.CLOSED:
        return Promise(
            _("This ticket is closed. If you write below, we open a follow-up ticket linked to it.")
        )
    if ticket.status == Status.RESOLVED:
        closes = ticket.resolved_at + AUTO_CLOSE_AFTER
        return Promise(
            _("We resolved this ticket on %(when)s.") % {"when": local_words(ticket.resolved_at, zone)},
            _(
                "If the problem is not fixed, reply below and the ticket reopens. "
                "Without a reply it closes on %(when)s."
            )
            % {"when": local_words(closes, zone)},
        )
    if clock_rules.metric_running(ticket, Metric.FIRST_RESPONSE):
        due = ticket.first_response_due_at
        if due > now:
            return Promise(_("An engineer will reply by %(when)s.") % {"when": local_words(due, zone)}, hours)
        return Promise(
            _("Our first reply is late: we promised it by %(when)s. Your ticket is at the top of our queue.")
            % {"when": local_words(due, zone)},
            hours,
            late=True,
        )
    if clock_rules.metric_paused(ticket, Metric.RESOLUTION):
        return Promise(
            _("We are waiting for your answer to our last message."),
            _("Our resolution clock is paused until you reply."),
        )
    due = ticket.resolution_due_at
    if due is None:
        return Promise(_("We are working on your ticket."))
    if due > now:
        return Promise(_("We aim to resolve this by %(when)s.") % {"when": local_words(due, zone)}, hours)
    return Promise(
        _("We are late: we aimed to resolve this by %(when)s. It has our priority.")
        % {"when": local_words(due, zone)},
        hours,
        late=True,
    )
