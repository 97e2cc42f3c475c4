"""Signals the ticket services send after their transaction commits.

Other apps (routing and escalation) listen to react to a ticket's life; they are sent explicitly
by the services, never from `post_save`, and only once the change is durable.
"""

from django.db import transaction
from django.dispatch import Signal

ticket_created = Signal()
ticket_assigned = Signal()
ticket_replied = Signal()
ticket_status_changed = Signal()
ticket_retargeted = Signal()


def send_on_commit(signal: Signal, ticket) -> None:
    ticket_id = ticket.pk
    transaction.on_commit(lambda: signal.send(sender="tickets", ticket_id=ticket_id))
