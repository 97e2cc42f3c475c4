from celery import shared_task
from django.utils import timezone

from .services import ticket_close_stale


@shared_task(acks_late=True)
def close_stale_tickets() -> int:
    """Close tickets resolved a week ago without a customer reply."""
    return ticket_close_stale(now=timezone.now())
