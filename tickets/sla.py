"""How the ticket lifecycle tells the SLA clock what happened.

`tickets` knows nothing of calendars, targets or the ledger; those live in `escalation`, which
registers an `SlaClock` when the app is ready. Ticket services call it explicitly, inside their
transaction, at each moment that matters to a promise.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db import models

if TYPE_CHECKING:
    from .models import Ticket


@dataclass(frozen=True)
class StartedClock:
    """What starting a ticket's clocks writes beside the ticket, in the filing's one statement.

    `rows`: name -> a row, or a list of rows of one model, each with a `ticket` foreign key that the
    insert points at the ticket being filed. `inserted`: called once they are (same transaction)."""

    rows: dict[str, models.Model | list[models.Model]]
    inserted: Callable[[], None]


class SlaClock(Protocol):
    def start(self, *, ticket: "Ticket", now: datetime) -> StartedClock:
        """Fix the promises of a ticket about to be filed: set both due times on it, unsaved.

        Returns the rows that record them (its clock and alarms), for the caller to insert with the
        ticket, so the ticket is written once, with its due times."""

    def responded(self, *, ticket: "Ticket", now: datetime) -> None:
        """The first public reply by an engineer happened at `now`."""

    def paused(self, *, ticket: "Ticket", now: datetime) -> None:
        """The ticket entered `waiting_on_customer`: the resolution clock stops."""

    def resumed(self, *, ticket: "Ticket", paused_since: datetime, now: datetime) -> None:
        """The ticket left `waiting_on_customer`: push the resolution due time out by the pause."""

    def resolved(self, *, ticket: "Ticket", now: datetime) -> None:
        """The current resolution cycle completed at `now`."""

    def reopened(self, *, ticket: "Ticket", now: datetime) -> None:
        """A new resolution cycle starts at `now`: set its due time (the caller saves)."""

    def voided(self, *, ticket: "Ticket", actor, reason: str, now: datetime) -> None:
        """The ticket was closed as spam: append a `voided` ledger row for each of its metric cycles
        (naming `actor` and `reason`) and stop its clocks (the caller saves)."""

    def retargeted(self, *, ticket: "Ticket", now: datetime) -> None:
        """The severity changed: recompute the open clocks from their starts (the caller saves)."""


_clock: SlaClock | None = None


def register_sla_clock(clock: SlaClock) -> None:
    global _clock
    _clock = clock


def sla_clock() -> SlaClock:
    if _clock is None:
        raise ImproperlyConfigured("No SLA clock is registered; is the escalation app installed?")
    return _clock
