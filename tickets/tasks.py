from celery import shared_task
from django.utils import timezone

from .services import ticket_close_stale, ticket_tallies_fold


@shared_task(acks_late=True)
def close_stale_tickets() -> int:
    """Close tickets resolved a week ago without a customer reply."""
    return ticket_close_stale(now=timezone.now())


@shared_task(acks_late=True)
def fold_ticket_tallies() -> int:
    """Keep the tally table a row a key, so queue counts stay a sum over a few rows."""
    return ticket_tallies_fold()
