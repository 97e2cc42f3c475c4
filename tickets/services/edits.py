"""Engineers' edits through the API: several changes in one request, each through its service."""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import (
    CloseReason,
    Status,
    Ticket,
)
from ..states import InvalidTransition
from .closing import ticket_close_as_duplicate, ticket_close_as_spam
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
    close_reason: str | None = None,
    duplicate_of: Ticket | None = None,
    block_sender: bool = False,
) -> Ticket:
    """Several edits at once, all or nothing: the assignee first (assigning opens a new ticket), then the
    severity (open deadlines recomputed), then the status. A refusal raises ValidationError naming the
    field and the reason, and nothing changes; so does AssigneeOffShift (see `ticket_assign`).

    `status="closed"` with a `close_reason` closes without a reply (`tickets.services.closing`): `spam`
    (with `block_sender`, the requester's address is blocked) or `duplicate` of `duplicate_of`."""
    if close_reason and status != Status.CLOSED:
        raise ValidationError({"close_reason": ["only with status closed"]})
    if close_reason == CloseReason.DUPLICATE and duplicate_of is None:
        raise ValidationError({"duplicate_of": ["name the ticket this one duplicates"]})
    if block_sender and close_reason != CloseReason.SPAM:
        raise ValidationError({"block_sender": ["only with close_reason spam"]})
    if duplicate_of is not None and close_reason != CloseReason.DUPLICATE:
        raise ValidationError({"duplicate_of": ["only with close_reason duplicate"]})
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
    if close_reason == CloseReason.SPAM:
        return _refused_as(
            "status", ticket_close_as_spam, ticket=ticket, actor=actor, now=now, block_sender=block_sender
        )
    if close_reason == CloseReason.DUPLICATE:
        try:
            return _refused_as(
                "status",
                ticket_close_as_duplicate,
                ticket=ticket,
                duplicate_of=duplicate_of,
                actor=actor,
                now=now,
            )
        except ValueError as problem:
            raise ValidationError({"duplicate_of": [str(problem)]}) from problem
    if status is not None:
        ticket = _refused_as(
            "status", ticket_change_status, ticket=ticket, status=status, actor=actor, now=now
        )
    return ticket
