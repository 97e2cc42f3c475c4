from celery import shared_task
from django.utils import timezone

from .reader import mailbox_poll


@shared_task(acks_late=True)
def poll_mailbox() -> int:
    """Read the inbound mailbox once (beat, every MAIL_POLL_SECONDS): how many messages it handled.
    Running twice at once reads once (a lock); a message read twice is handled once (constraints)."""
    return mailbox_poll(now=timezone.now()).handled
