from celery import shared_task
from django.utils import timezone

from .services import files_delete_pending, retention_erase_batch

RUN_BATCHES = 25  # a run stops after this many batches; the next beat tick resumes


@shared_task(acks_late=True)
def erase_expired_tickets() -> int:
    """Empty closed tickets past their retention period, a batch at a time; retry files still stored."""
    now = timezone.now()
    done = 0
    for _ in range(RUN_BATCHES):
        emptied = retention_erase_batch(now=now)
        done += emptied
        if not emptied:
            break
    files_delete_pending()
    return done
