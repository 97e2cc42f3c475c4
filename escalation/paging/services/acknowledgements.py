"""Acknowledging a page: it stops further paging for that step; the SLA clock keeps running.

A grouped page (one message for a storm's tickets, `services/pages.py`) is acknowledged as a whole: an
`ACK` reply, or 1 pressed on its call, acknowledges every escalation whose notification went out in it.
"""

from collections.abc import Callable
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
    waiting = (Notification.Status.QUEUED, Notification.Status.GROUPED)
    Notification.objects.filter(escalation=escalation, status__in=waiting).update(
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
        Escalation.objects.select_for_update(of=("self",))
        .select_related("ticket")
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


def _grouped_page_steps(*, page_id: int, recipient: str) -> list[Escalation]:
    """The open escalations of every notification that went out to `recipient` in page `page_id`, locked."""
    went_out = Notification.objects.filter(
        page_id=page_id, recipient=recipient, status__in=WENT_OUT, escalation__isnull=False
    ).values("escalation_id")
    return list(_open_pages().filter(pk__in=went_out))


@transaction.atomic
def acknowledge_group_by_phone(*, phone: str, text: str, now: datetime) -> list[Escalation]:
    """An `ACK` SMS from an engineer's phone: the named ticket's page; else every escalation of the latest
    message sent to that number (all the tickets of a grouped page). Once acknowledged, a bare `ACK` does
    not walk back through older pages."""
    number = to_python(phone)
    if number is None or not number.is_valid():
        return []
    engineer = Engineer.objects.select_related("user").filter(phone=number).first()
    if engineer is None:
        return []
    mentioned = REFERENCE_IN_TEXT.search(text)
    if mentioned:
        pk = Ticket.pk_from_reference(mentioned.group(0))
        escalation = _open_pages().filter(notifications__recipient=number.as_e164, ticket_id=pk).first()
        escalations = [escalation] if escalation is not None else []
    else:
        latest = (
            Notification.objects.filter(recipient=number.as_e164, status__in=WENT_OUT)
            .order_by("-created_at", "-pk")
            .values("escalation_id", "page_id", "grouped")
            .first()
        )
        if latest is None:
            escalations = []
        elif latest["grouped"]:
            escalations = _grouped_page_steps(page_id=latest["page_id"], recipient=number.as_e164)
        else:
            escalations = list(_open_pages().filter(pk=latest["escalation_id"])[:1])
    return [_acknowledge(e, user=engineer.user, via="sms", now=now) for e in escalations]


def acknowledge_by_phone(*, phone: str, text: str, now: datetime) -> Escalation | None:
    """`acknowledge_group_by_phone`, answering with the latest step acknowledged (None if none)."""
    acknowledged = acknowledge_group_by_phone(phone=phone, text=text, now=now)
    return acknowledged[0] if acknowledged else None


@transaction.atomic
def acknowledge_call(*, notification_id: int, now: datetime) -> list[Escalation]:
    """The keypress on a voice page: acknowledge the step that placed this call, or every step of the
    grouped page the call read out (its gather names one of the page's notifications)."""
    notification = Notification.objects.filter(pk=notification_id, escalation__isnull=False).first()
    if notification is None:
        return []
    if notification.grouped and notification.page_id is not None:
        escalations = _grouped_page_steps(page_id=notification.page_id, recipient=notification.recipient)
    else:
        escalations = list(_open_pages().filter(pk=notification.escalation_id)[:1])
    return [_acknowledge(e, user=notification.recipient_user, via="voice", now=now) for e in escalations]


def acknowledge_notification(*, notification_id: int, now: datetime) -> Escalation | None:
    """`acknowledge_call`, answering with the latest step acknowledged (None if none)."""
    acknowledged = acknowledge_call(notification_id=notification_id, now=now)
    return acknowledged[0] if acknowledged else None


def escalations_acknowledge_for_tickets(*, ticket_ids: list[int], user, via: str, now: datetime) -> int:
    """Acknowledge every open page of these tickets (an incident acknowledged acknowledges its tickets'
    pages), in the caller's transaction. Returns how many steps were acknowledged."""
    if not ticket_ids:
        return 0
    escalations = list(_open_pages().filter(ticket_id__in=ticket_ids).order_by("pk"))
    for escalation in escalations:
        _acknowledge(escalation, user=user, via=via, now=now)
    return len(escalations)


def incident_pages_cancel(*, incident_id: int, now: datetime) -> int:
    """Cancel an incident's commander pages that have not gone out (it was acknowledged first)."""
    return Notification.objects.filter(
        incident_id=incident_id, status__in=(Notification.Status.QUEUED, Notification.Status.GROUPED)
    ).update(status=Notification.Status.CANCELLED, updated_at=now)


# --- an incident's commander page --------------------------------------------------------------------
#
# Acknowledging the commander's page acknowledges the incident (and so its tickets' pages). Incidents
# sit above paging: the incidents artifact registers what acknowledging one means.

IncidentAcknowledger = Callable[..., bool]
_incident_acknowledger: IncidentAcknowledger = lambda **kwargs: False  # noqa: E731 - until registered


def register_incident_acknowledger(acknowledger: IncidentAcknowledger) -> None:
    global _incident_acknowledger
    _incident_acknowledger = acknowledger


def acknowledge_incident_by_phone(*, phone: str, now: datetime) -> int | None:
    """A bare `ACK` whose latest page to this number was an incident's commander page: acknowledge the
    incident as the engineer with that number. Returns the incident's id, or None."""
    number = to_python(phone)
    if number is None or not number.is_valid():
        return None
    engineer = Engineer.objects.select_related("user").filter(phone=number).first()
    if engineer is None:
        return None
    latest = (
        Notification.objects.filter(recipient=number.as_e164, status__in=WENT_OUT)
        .order_by("-created_at", "-pk")
        .values("incident_id", "purpose")
        .first()
    )
    if latest is None or latest["purpose"] != Notification.Purpose.INCIDENT_PAGE:
        return None
    incident_id = latest["incident_id"]
    acknowledged = _incident_acknowledger(incident_id=incident_id, user=engineer.user, via="sms", now=now)
    return incident_id if acknowledged else None


def acknowledge_incident_call(*, notification_id: int, now: datetime) -> int | None:
    """1 pressed on an incident's commander call: acknowledge the incident. Its id, or None."""
    notification = Notification.objects.filter(
        pk=notification_id, purpose=Notification.Purpose.INCIDENT_PAGE
    ).first()
    if notification is None or notification.recipient_user is None:
        return None
    acknowledged = _incident_acknowledger(
        incident_id=notification.incident_id, user=notification.recipient_user, via="voice", now=now
    )
    return notification.incident_id if acknowledged else None
