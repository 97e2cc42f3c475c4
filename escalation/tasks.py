from celery import shared_task
from django.utils import timezone

from .services.clock import sla_record_due_breaches


@shared_task(acks_late=True)
def record_due_breaches() -> int:
    """Safety sweep: write the ledger's breach row for every clock that passed its due time unmet."""
    return sla_record_due_breaches(now=timezone.now())
