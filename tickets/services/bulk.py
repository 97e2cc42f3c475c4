"""Bulk actions on the queue: one action on many tickets, each ticket in its own savepoint with its
own event, so that one refusal does not undo the others and the answer says which failed and why."""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from ..assignment import AssigneeOffShift
from ..models import Status, Ticket
from ..states import InvalidTransition
from .closing import ticket_close_as_spam
from .lifecycle import ticket_assign, ticket_change_severity, ticket_change_status

BULK_MAX_TICKETS = 100


class BulkAction:
    ASSIGN = "assign"
    STATUS = "status"
    SEVERITY = "severity"
    CLOSE_SPAM = "close_spam"
    ALL = (ASSIGN, STATUS, SEVERITY, CLOSE_SPAM)


@dataclass(frozen=True)
class BulkResult:
    reference: str
    ok: bool
    error: str = ""


def _apply(ticket: Ticket, *, action: str, value, actor, now: datetime, confirm_off_shift: bool) -> None:
    if action == BulkAction.ASSIGN:
        ticket_assign(
            ticket=ticket, assignee=value, actor=actor, now=now, confirm_off_shift=confirm_off_shift
        )
    elif action == BulkAction.STATUS:
        ticket_change_status(ticket=ticket, status=value, actor=actor, now=now)
    elif action == BulkAction.SEVERITY:
        ticket_change_severity(ticket=ticket, severity=value, actor=actor, now=now)
    elif action == BulkAction.CLOSE_SPAM:
        ticket_close_as_spam(ticket=ticket, actor=actor, now=now, block_sender=bool(value))
    else:
        raise ValueError(f"unknown bulk action {action!r}")


def _why(error: Exception) -> str:
    if isinstance(error, InvalidTransition):
        return error.reason
    if isinstance(error, AssigneeOffShift):
        return "the engineer is off shift; confirm to assign them anyway"
    if isinstance(error, ValidationError):
        return "; ".join(error.messages)
    return str(error)


def ticket_bulk_apply(
    *,
    references: list[str],
    action: str,
    value,
    actor: AbstractBaseUser,
    now: datetime,
    confirm_off_shift: bool = False,
) -> list[BulkResult]:
    """Apply `action` (with `value`: an engineer or None for `assign`, a status, a severity, whether to
    block the senders for `close_spam`) to each ticket named, in the order named. One query finds
    them all; each ticket then goes through its usual service in its own transaction (its own lock,
    event and SLA side effects; a savepoint when the caller holds a transaction). Returns one result
    per reference: done, or why not."""
    if len(references) > BULK_MAX_TICKETS:
        raise ValueError(f"at most {BULK_MAX_TICKETS} tickets at once")
    if action == BulkAction.STATUS and value == Status.NEW:
        raise ValueError("`new` is not asked for: unassigning a ticket makes it new")
    wanted = {reference: Ticket.pk_from_reference(reference) for reference in references}
    found = {t.pk: t for t in Ticket.objects.filter(pk__in=[pk for pk in wanted.values() if pk])}
    results = []
    for reference, pk in wanted.items():
        ticket = found.get(pk)
        if ticket is None:
            results.append(BulkResult(reference, False, "no such ticket"))
            continue
        try:
            with transaction.atomic():  # its own transaction: a refusal undoes this ticket only
                _apply(
                    ticket,
                    action=action,
                    value=value,
                    actor=actor,
                    now=now,
                    confirm_off_shift=confirm_off_shift,
                )
        except (InvalidTransition, AssigneeOffShift, ValidationError) as error:
            results.append(BulkResult(ticket.reference, False, _why(error)))
        else:
            results.append(BulkResult(ticket.reference, True))
    return results
