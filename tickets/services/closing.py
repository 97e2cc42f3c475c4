"""Closing a ticket without a reply: as spam (the requester is told nothing, its SLA cycles are voided,
the sender may be blocked) or as a duplicate of another ticket (its messages copied there as an
internal note, its requester told where to follow it); and the blocked senders themselves.

Imports nothing from `lifecycle` (which calls `blocked_sender_exists` when filing)."""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from .. import signals
from ..models import (
    BlockedSender,
    CloseReason,
    Event,
    EventType,
    Message,
    RequesterNotification,
    Status,
    Ticket,
)
from ..notifications import requester_notification_record
from ..sla import sla_clock
from ..states import check_close_without_reply
from .requesters import normalize_email

SPAM_REASON = "closed as spam"
ARRIVAL_REASON = "filed by a blocked sender"


def _event(ticket: Ticket, type: str, now: datetime, actor=None, **data) -> Event:
    return Event.objects.create(ticket=ticket, type=type, at=now, actor=actor, data=data)


def _refuse_closed(ticket: Ticket) -> None:
    check_close_without_reply(ticket.status)


def _close(ticket: Ticket, *, reason: str, now: datetime) -> str:
    """The status change every close without a reply makes (the caller writes the events)."""
    previous = ticket.status
    ticket.paused_at = None  # a paused resolution stops for good; nothing resumes it
    ticket.status = Status.CLOSED
    ticket.close_reason = reason
    ticket.closed_at = ticket.updated_at = now
    return previous


# --- spam -----------------------------------------------------------------------------------------


def _close_as_spam_locked(
    ticket: Ticket, *, actor: AbstractBaseUser | None, now: datetime, why: str, **event_data
) -> Ticket:
    _refuse_closed(ticket)
    due = {
        "first_response_due_at": ticket.first_response_due_at,
        "resolution_due_at": ticket.resolution_due_at,
    }
    sla_clock().voided(ticket=ticket, actor=actor, reason=why, now=now)  # clears the open due times
    previous = _close(ticket, reason=CloseReason.SPAM, now=now)
    ticket.save()
    _event(
        ticket,
        EventType.CLOSED_AS_SPAM,
        now,
        actor,
        **{"from": previous, "reason": why},
        **{name: value.isoformat() for name, value in due.items() if value is not None},
        **event_data,
    )
    signals.send_on_commit(signals.ticket_status_changed, ticket)
    return ticket  # no requester notification: a spammer is told nothing


@transaction.atomic
def ticket_close_as_spam(
    *, ticket: Ticket, actor: AbstractBaseUser, now: datetime, block_sender: bool = False
) -> Ticket:
    """Close without a reply and without telling the requester; every SLA cycle of the ticket gets a
    `voided` ledger row naming `actor`. With `block_sender`, the requester's address is blocked too.
    Raises InvalidTransition when the ticket is already closed."""
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related("requester").get(pk=ticket.pk)
    ticket = _close_as_spam_locked(ticket, actor=actor, now=now, why=SPAM_REASON)
    if block_sender:
        blocked_sender_add(address=ticket.requester.email, actor=actor, now=now, ticket=ticket)
    return ticket


def ticket_close_on_arrival_unsafe(*, ticket: Ticket, now: datetime) -> Ticket:
    """Close a ticket being filed by a blocked sender, inside the filing's transaction (the ticket is
    new, so nobody else holds it): `ticket_file` calls it; never call it for an existing ticket."""
    return _close_as_spam_locked(ticket, actor=None, now=now, why=ARRIVAL_REASON, blocked_sender=True)


# --- duplicates -----------------------------------------------------------------------------------


def duplicate_target_problem(*, ticket: Ticket, target: Ticket | None) -> str | None:
    """Why `target` cannot be what `ticket` duplicates, or None when it can."""
    if target is None:
        return "no such ticket"
    if target.pk == ticket.pk:
        return "a ticket cannot be a duplicate of itself"
    if target.close_reason == CloseReason.DUPLICATE:
        return f"{target.reference} is itself closed as a duplicate; name the ticket it points to"
    if target.close_reason == CloseReason.SPAM:
        return f"{target.reference} was closed as spam"
    return None


@transaction.atomic
def ticket_close_as_duplicate(
    *, ticket: Ticket, duplicate_of: Ticket, actor: AbstractBaseUser, now: datetime
) -> Ticket:
    """Close `ticket` as a duplicate of `duplicate_of`: its messages are copied to the other ticket as
    one internal note, and its requester is emailed where the conversation goes on.

    The duplicate's SLA cycles are not voided: the customer did ask. The notice is its answer and its
    end, so an unanswered first response and the open resolution cycle complete now, met or late as
    the clock says. Raises InvalidTransition (the ticket is closed) or ValueError (the target)."""
    locked = {  # both rows, locked in key order so two opposite merges cannot deadlock
        t.pk: t
        for t in Ticket.objects.select_for_update(of=("self",))
        .select_related("requester")
        .filter(pk__in=[ticket.pk, duplicate_of.pk])
        .order_by("pk")
    }
    ticket, target = locked[ticket.pk], locked.get(duplicate_of.pk)
    problem = duplicate_target_problem(ticket=ticket, target=target)
    if problem:
        raise ValueError(problem)
    _refuse_closed(ticket)
    messages = list(ticket.messages.order_by("created_at", "pk").select_related("author"))
    note = Message.objects.create(
        ticket=target, author=actor, body=_merged_body(ticket, messages), internal=True, created_at=now
    )
    _event(target, EventType.DUPLICATE_MERGED, now, actor, duplicate=ticket.reference, message=note.pk)
    target.updated_at = now
    target.save(update_fields=["updated_at"])
    if ticket.paused_at is not None:
        paused_since, ticket.paused_at = ticket.paused_at, None
        sla_clock().resumed(ticket=ticket, paused_since=paused_since, now=now)
    if ticket.first_responded_at is None:
        ticket.first_responded_at = now
        sla_clock().responded(ticket=ticket, now=now)
    if ticket.resolved_at is None:
        ticket.resolved_at = now
        sla_clock().resolved(ticket=ticket, now=now)
    previous = _close(ticket, reason=CloseReason.DUPLICATE, now=now)
    ticket.duplicate_of = target
    ticket.save()
    event = _event(
        ticket,
        EventType.CLOSED_AS_DUPLICATE,
        now,
        actor,
        **{"from": previous, "duplicate_of": target.reference},
    )
    requester_notification_record(
        ticket=ticket, event=event, kind=RequesterNotification.Kind.DUPLICATE, now=now
    )
    signals.send_on_commit(signals.ticket_status_changed, ticket)
    return ticket


def _merged_body(ticket: Ticket, messages: list[Message]) -> str:
    lines = [f'Closed as a duplicate: {ticket.reference} "{ticket.subject}" from {ticket.requester.email}.']
    for message in messages:
        who = message.author.get_username() if message.author else ticket.requester.email
        kind = " (internal note)" if message.internal else ""
        lines += ["", f"--- {who}, {message.created_at.isoformat()}{kind}", message.body]
    return "\n".join(lines)


# --- blocked senders ------------------------------------------------------------------------------


def blocked_sender_exists(address: str) -> bool:
    return BlockedSender.objects.filter(address=normalize_email(address)).exists()


def blocked_sender_add(
    *,
    address: str,
    actor: AbstractBaseUser | None,
    now: datetime,
    reason: str = "",
    ticket: Ticket | None = None,
) -> BlockedSender:
    """Block an address (once: blocking it again returns the block in place). With `ticket`, the
    ticket's timeline says so."""
    address = normalize_email(address)
    try:
        with transaction.atomic():
            blocked = BlockedSender.objects.create(
                address=address, blocked_by=actor, blocked_at=now, reason=reason or SPAM_REASON
            )
    except IntegrityError:
        return BlockedSender.objects.get(address=address)
    if ticket is not None:
        _event(ticket, EventType.SENDER_BLOCKED, now, actor, address=address)
    return blocked


@transaction.atomic
def blocked_sender_remove(
    *, address: str, actor: AbstractBaseUser | None, now: datetime, ticket: Ticket | None = None
) -> bool:
    """Unblock an address; True when it was blocked. Tickets closed meanwhile stay closed."""
    removed, _ = BlockedSender.objects.filter(address=normalize_email(address)).delete()
    if removed and ticket is not None:
        _event(ticket, EventType.SENDER_UNBLOCKED, now, actor, address=normalize_email(address))
    return bool(removed)
