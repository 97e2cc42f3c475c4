"""Engineers' edits through the API: several changes in one request, each through its service."""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import (
    Ticket,
)
from ..states import InvalidTransition
from .lifecycle import ticket_assign, ticket_change_severity, ticket_change_status

# --- Engineers' edits through the API -------------------------------------------------------------

UNCHANGED = object()  # `ticket_update(assignee=UNCHANGED)`: leave the assignee alone (None unassigns)


def _refused_as(field: str, service, **kwargs) -> Ticket:
    try:
        return service(**kwargs)
    except InvalidTransition as refusal:
        raise ValidationError({field: [refusal.reason]}) from refusal


@transaction.atomic
def ticket_update(
    *,
    ticket: Ticket,
    actor: AbstractBaseUser | None,
    now: datetime,
    assignee=UNCHANGED,
    confirm_off_shift: bool = False,
    severity: str | None = None,
    status: str | None = None,
) -> Ticket:
    """Several edits at once, all or nothing: the assignee first (assigning opens a new ticket), then the
    severity (open deadlines recomputed), then the status. A refusal raises ValidationError naming the
    field and the reason, and nothing changes; so does AssigneeOffShift (see `ticket_assign`)."""
    if assignee is not UNCHANGED:
        ticket = _refused_as(
            "assignee",
            ticket_assign,
            ticket=ticket,
            assignee=assignee,
            actor=actor,
            now=now,
            confirm_off_shift=confirm_off_shift,
        )
    if severity is not None:
        ticket = _refused_as(
            "severity", ticket_change_severity, ticket=ticket, severity=severity, actor=actor, now=now
        )
    if status is not None:
        ticket = _refused_as(
            "status", ticket_change_status, ticket=ticket, status=status, actor=actor, now=now
        )
    return ticket
