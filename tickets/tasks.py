from celery import shared_task
from django.utils import timezone

from .notifications import (
    TransientMailError,
    backoff_seconds,
    requester_notification_send,
    requester_notifications_requeue_stale,
)
from .services import ticket_close_stale, ticket_tallies_fold


@shared_task(acks_late=True)
def close_stale_tickets() -> int:
    """Close tickets resolved a week ago without a customer reply."""
    return ticket_close_stale(now=timezone.now())


@shared_task(acks_late=True)
def fold_ticket_tallies() -> int:
    """Keep the tally table a row a key, so queue counts stay a sum over a few rows."""
    return ticket_tallies_fold()


@shared_task(bind=True, acks_late=True, max_retries=None)
def send_requester_notification(self, notification_id: int) -> str:
    """Email the requester once; a mail server that cannot take it now is tried again with backoff.

    The attempt count lives on the row, so the service decides when to give up, not the task."""
    try:
        return requester_notification_send(notification_id=notification_id, now=timezone.now())
    except TransientMailError as exc:
        raise self.retry(exc=exc, countdown=backoff_seconds(self.request.retries + 1)) from exc


@shared_task(acks_late=True)
def requeue_stale_requester_notifications() -> int:
    return requester_notifications_requeue_stale(now=timezone.now())
