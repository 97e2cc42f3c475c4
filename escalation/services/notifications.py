"""Sending a recorded notification: record the attempt, send, record the outcome.

A crash between the provider accepting a message and the outcome being saved leaves the row in
`sending`; a redelivered task then sends it again (at least once for that rare window, never lost).
"""

import logging
import random
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from ..models import Channel, Notification
from ..notifications import NotConfigured, PermanentSendError, TransientSendError, email, sms, voice

logger = logging.getLogger(__name__)

BACKENDS = {Channel.SMS: sms, Channel.VOICE: voice, Channel.EMAIL: email}
MAX_ATTEMPTS = 6
BACKOFF_CAP_SECONDS = 300
STALE_QUEUED_AFTER = timedelta(minutes=2)

SENDABLE = (Notification.Status.QUEUED, Notification.Status.SENDING)


def backoff_seconds(attempt: int) -> float:
    """Exponential backoff with jitter: about 2, 4, 8, 16, 32 s with the default base of 2 s."""
    ceiling = min(BACKOFF_CAP_SECONDS, settings.NOTIFICATION_BACKOFF_BASE_SECONDS * 2 ** max(attempt - 1, 0))
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not security


def _claim(notification_id: int, now: datetime) -> Notification | None:
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("ticket")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or notification.status not in SENDABLE:
            return None  # sent, failed for good, cancelled by an acknowledgement, or logged
        notification.status = Notification.Status.SENDING
        notification.attempts += 1
        notification.updated_at = now
        notification.save(update_fields=["status", "attempts", "updated_at"])
        return notification


def _finish(notification: Notification, now: datetime, **fields) -> None:
    fields["updated_at"] = now
    Notification.objects.filter(pk=notification.pk).update(**fields)


def notification_send(*, notification_id: int, now: datetime) -> str:
    """Send once. Returns the final status; raises TransientSendError when a retry may succeed."""
    notification = _claim(notification_id, now)
    if notification is None:
        return "skipped"
    backend = BACKENDS[notification.channel]
    try:
        provider_id = backend.send(notification)
    except NotConfigured as exc:
        logger.info("notification %s not sent (%s): %s", notification.pk, exc, notification.body)
        _finish(notification, now, status=Notification.Status.LOGGED, last_error=str(exc))
        return Notification.Status.LOGGED
    except PermanentSendError as exc:
        _finish(notification, now, status=Notification.Status.FAILED, last_error=str(exc))
        return Notification.Status.FAILED
    except TransientSendError as exc:
        if notification.attempts >= MAX_ATTEMPTS:
            _finish(notification, now, status=Notification.Status.FAILED, last_error=f"gave up: {exc}")
            return Notification.Status.FAILED
        _finish(notification, now, status=Notification.Status.QUEUED, last_error=str(exc))
        raise
    _finish(notification, now, status=Notification.Status.SENT, provider_id=provider_id, last_error="")
    return Notification.Status.SENT


def notifications_requeue_stale(*, now: datetime) -> int:
    """Re-send notifications left queued (a lost task, a broker that was away). Returns how many."""
    from .escalations import notifications_enqueue

    stale = list(
        Notification.objects.filter(status__in=SENDABLE, updated_at__lte=now - STALE_QUEUED_AFTER)
        .order_by("updated_at")
        .values_list("pk", flat=True)[:500]
    )
    Notification.objects.filter(pk__in=stale).update(updated_at=now)
    notifications_enqueue(notification_ids=stale)
    return len(stale)


# Twilio's message and call statuses, as ours. Unknown ones leave the row as it is.
PROVIDER_STATUS = {
    "queued": Notification.Status.SENT,
    "accepted": Notification.Status.SENT,
    "sending": Notification.Status.SENT,
    "sent": Notification.Status.SENT,
    "ringing": Notification.Status.SENT,
    "in-progress": Notification.Status.SENT,
    "delivered": Notification.Status.DELIVERED,
    "read": Notification.Status.DELIVERED,
    "completed": Notification.Status.DELIVERED,
    "undelivered": Notification.Status.UNDELIVERED,
    "busy": Notification.Status.UNDELIVERED,
    "no-answer": Notification.Status.UNDELIVERED,
    "canceled": Notification.Status.UNDELIVERED,
    "failed": Notification.Status.FAILED,
}
FINAL = {Notification.Status.DELIVERED, Notification.Status.UNDELIVERED, Notification.Status.FAILED}


def notification_status_update(*, provider_id: str, provider_status: str, error: str, now: datetime) -> bool:
    """Apply a provider status callback. A final status is never walked back by a late callback."""
    status = PROVIDER_STATUS.get(provider_status.lower())
    if not provider_id or status is None:
        return False
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(provider_id=provider_id).first()
        if notification is None or (notification.status in FINAL and status not in FINAL):
            return False
        notification.status = status
        notification.updated_at = now
        if error:
            notification.last_error = f"provider error code {error}"
        notification.save(update_fields=["status", "updated_at", "last_error"])
    return True
