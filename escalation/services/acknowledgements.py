"""Acknowledging a page: it stops further paging for that step; the SLA clock keeps running."""

from datetime import datetime

from django.db import transaction

from tickets.models import Event, EventType, Ticket

from ..models import Escalation, Notification


class NothingToAcknowledge(Exception):
    """The ticket has no unacknowledged page."""


@transaction.atomic
def escalation_acknowledge(*, ticket: Ticket, user, via: str, now: datetime) -> Escalation:
    """Acknowledge the ticket's latest unacknowledged page (a fired step) as `user`.

    Notifications of that step that have not gone out yet are cancelled. Raises
    NothingToAcknowledge when there is no open page.
    """
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    escalation = (
        Escalation.objects.select_for_update()
        .filter(ticket=ticket, acknowledged_at__isnull=True)
        .order_by("-fired_at", "-pk")
        .first()
    )
    if escalation is None:
        raise NothingToAcknowledge(f"{ticket.reference} has no page waiting for acknowledgement")
    escalation.acknowledged_at = now
    escalation.acknowledged_by = user
    escalation.acknowledged_via = via
    escalation.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledged_via"])
    Notification.objects.filter(escalation=escalation, status=Notification.Status.QUEUED).update(
        status=Notification.Status.CANCELLED, updated_at=now
    )
    Event.objects.create(
        ticket=ticket,
        type=EventType.ACKNOWLEDGED,
        at=now,
        actor=user,
        data={"metric": escalation.metric, "step": escalation.step, "via": via},
    )
    return escalation
