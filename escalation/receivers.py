"""What the worker does when a ticket changes: connected explicitly in EscalationConfig.ready().

The ticket services send these signals after their transaction commits. Enqueueing can fail when the
broker is away: the web request must not fail for it, and the routing tick picks the ticket up.
"""

from escalation import enqueue
from tickets import signals
from tickets.models import Status, Ticket


def route_created(sender, ticket_id: int, **kwargs) -> None:
    """A ticket just filed is new and unassigned: nothing can have routed it before this enqueue."""
    enqueue.route_ticket(ticket_id)


def route_if_unassigned(sender, ticket_id: int, **kwargs) -> None:
    if Ticket.objects.filter(pk=ticket_id, status=Status.NEW, assignee__isnull=True).exists():
        enqueue.route_ticket(ticket_id)


def connect() -> None:
    signals.ticket_created.connect(route_created, dispatch_uid="escalation.route_created")
    signals.ticket_status_changed.connect(route_if_unassigned, dispatch_uid="escalation.route_reopened")
    signals.ticket_assigned.connect(route_if_unassigned, dispatch_uid="escalation.route_unassigned")
