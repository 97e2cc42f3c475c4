"""The roster as routing and escalation see it: engineers with their shifts and current load."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import OuterRef, Q

from escalation.roster.models import Engineer
from escalation.roster.routing import Candidate
from escalation.roster.services.engineers import MANAGERS_GROUP
from tickets.models import Status, Ticket
from tickets.selectors import assigned_ticket_count
from tickets.services import ticket_assign

LOAD_STATUSES = (Status.OPEN, Status.WAITING_ON_CUSTOMER)


def active_engineers(*, with_load: bool = False) -> list[Engineer]:
    """Every active engineer with their user, and the number of tickets they hold open when asked.

    The load is read from the ticket tallies (a few rows an engineer), not by counting tickets.
    """
    engineers = Engineer.objects.active().select_related("user")
    if with_load:
        engineers = engineers.annotate(load=assigned_ticket_count(OuterRef("user_id"), LOAD_STATUSES))
    return list(engineers)


def as_candidate(engineer: Engineer) -> Candidate:
    return Candidate(
        engineer_id=engineer.pk,
        user_id=engineer.user_id,
        shift=engineer.shift,
        capacity=engineer.capacity,
        open_tickets=getattr(engineer, "load", 0),
        last_assigned_at=engineer.last_assigned_at,
        active=engineer.active,
        on_call=engineer.on_call,
        lead=engineer.lead,
    )


def roster_candidates(*, with_load: bool = True) -> list[Candidate]:
    """Every active engineer as routing sees them (one query)."""
    return [as_candidate(e) for e in active_engineers(with_load=with_load)]


class Roster:
    """The roster read at most once per operation: without loads for paging, with them for choosing."""

    def __init__(self, candidates: list[Candidate] | None = None) -> None:
        self._loaded = candidates
        self._engineers: dict[int, Engineer] | None = None

    def engineers(self) -> dict[int, Engineer]:
        """Active engineers with their users, by user id."""
        if self._engineers is None:
            self._engineers = {e.user_id: e for e in active_engineers()}
        return self._engineers

    def plain(self) -> list[Candidate]:
        return [as_candidate(e) for e in self.engineers().values()]

    def with_load(self) -> list[Candidate]:
        if self._loaded is None:
            self._loaded = roster_candidates(with_load=True)
        return self._loaded


def assign_to_candidate(ticket: Ticket, candidate: Candidate, now: datetime, **event) -> Ticket:
    """Give the ticket to the engineer routing chose (no actor: the system did) and note when."""
    user = get_user_model().objects.get(pk=candidate.user_id)
    ticket = ticket_assign(ticket=ticket, assignee=user, actor=None, now=now, **event)
    Engineer.objects.filter(pk=candidate.engineer_id).update(last_assigned_at=now)
    return ticket


def managers():
    User = get_user_model()
    return (
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name=MANAGERS_GROUP))
        .distinct()
    )
