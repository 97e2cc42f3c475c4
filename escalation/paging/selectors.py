"""Paging reads: a ticket with everything the desk shows about it, the pages sent included."""

from django.db.models import Prefetch

from escalation.paging.models import Notification
from escalation.sla.selectors import with_sla
from tickets import selectors as ticket_selectors
from tickets.models import Ticket


def ticket_detail_get(*, reference: str) -> Ticket | None:
    """One ticket with its clock, messages, events and notifications, in a fixed number of queries."""
    tickets = with_sla(ticket_selectors.with_thread(ticket_selectors.ticket_queryset())).select_related(
        "follow_up_of"
    )
    tickets = tickets.prefetch_related(
        Prefetch("notifications", queryset=Notification.objects.order_by("created_at", "pk"))
    )
    return ticket_selectors.ticket_get(reference=reference, tickets=tickets)
