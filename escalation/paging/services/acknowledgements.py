"""Acknowledging a page: it stops further paging for that step; the SLA clock keeps running."""

from datetime import datetime

from django.db import transaction
from phonenumber_field.phonenumber import to_python

from escalation.paging.models import Escalation, Notification
from escalation.roster.models import Engineer
from tickets.models import REFERENCE_IN_TEXT, EventType, Ticket
from tickets.sla_writes import ticket_events_record


class NothingToAcknowledge(Exception):
    """The ticket has no unacknowledged page."""


def _acknowledge(escalation: Escalation, *, user, via: str, now: datetime) -> Escalation:
    """Mark a locked escalation acknowledged and cancel its notifications that have not gone out."""
    escalation.acknowledged_at = now
    escalation.acknowledged_by = user
    escalation.acknowledged_via = via
    escalation.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledged_via"])
    Notification.objects.filter(escalation=escalation, status=Notification.Status.QUEUED).update(
        status=Notification.Status.CANCELLED, updated_at=now
    )
    ticket_events_record(
        ticket_id=escalation.ticket_id,
        types=[EventType.ACKNOWLEDGED],
        at=now,
        actor=user,
        data={"metric": escalation.metric, "step": escalation.step, "via": via},
    )
    return escalation


def _open_pages():
    return (
        Escalation.objects.select_for_update()
        .filter(acknowledged_at__isnull=True)
        .order_by("-fired_at", "-pk")
    )


@transaction.atomic
def escalation_acknowledge(*, ticket: Ticket, user, via: str, now: datetime) -> Escalation:
    """Acknowledge the ticket's latest unacknowledged page as `user`; NothingToAcknowledge if none."""
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    escalation = _open_pages().filter(ticket=ticket).first()
    if escalation is None:
        raise NothingToAcknowledge(f"{ticket.reference} has no page waiting for acknowledgement")
    return _acknowledge(escalation, user=user, via=via, now=now)


# A notification in one of these states reached (or may have reached) the phone it was addressed to.
WENT_OUT = (
    Notification.Status.SENDING,
    Notification.Status.SENT,
    Notification.Status.DELIVERED,
    Notification.Status.UNDELIVERED,
)


@transaction.atomic
def acknowledge_by_phone(*, phone: str, text: str, now: datetime) -> Escalation | None:
    """An `ACK` SMS from an engineer's phone: the named ticket's page, else what the latest page sent to
    that number was about (once acknowledged, a bare `ACK` does not walk back through older pages)."""
    number = to_python(phone)
    if number is None or not number.is_valid():
        return None
    engineer = Engineer.objects.select_related("user").filter(phone=number).first()
    if engineer is None:
        return None
    mentioned = REFERENCE_IN_TEXT.search(text)
    if mentioned:
        pk = Ticket.pk_from_reference(mentioned.group(0))
        escalation = _open_pages().filter(notifications__recipient=number.as_e164, ticket_id=pk).first()
    else:
        latest = (
            Notification.objects.filter(recipient=number.as_e164, status__in=WENT_OUT)
            .order_by("-created_at", "-pk")
            .values_list("escalation_id", flat=True)
            .first()
        )
        escalation = _open_pages().filter(pk=latest).first() if latest is not None else None
    if escalation is None:
        return None
    return _acknowledge(escalation, user=engineer.user, via="sms", now=now)


@transaction.atomic
def acknowledge_notification(*, notification_id: int, now: datetime) -> Escalation | None:
    """The keypress on a voice page: acknowledge the step that placed this call."""
    notification = Notification.objects.filter(pk=notification_id, escalation__isnull=False).first()
    if notification is None:
        return None
    escalation = _open_pages().filter(pk=notification.escalation_id).first()
    if escalation is None:
        return None
    return _acknowledge(escalation, user=notification.recipient_user, via="voice", now=now)
