"""Celery tasks: thin wrappers that read the clock and call one service. Every task may run twice."""

import time

from celery import shared_task
from django.utils import timezone

from escalation.incidents.services.response import incident_respond, incidents_respond_pending
from escalation.paging.channels import TransientSendError
from escalation.paging.services.alarms import alarms_enqueue_due
from escalation.paging.services.escalations import alarms_fire_batch
from escalation.paging.services.notifications import (
    notification_send,
    notifications_requeue_stale,
    retry_countdown,
)
from escalation.paging.services.pages import page_send
from escalation.paging.services.routing import route_waiting, shift_handoffs, ticket_route
from escalation.reports.periods import month_last_complete
from escalation.sla.integrity import ledger_integrity_check
from escalation.sla.services.checkpoints import ledger_checkpoint
from escalation.sla.services.clock import sla_record_due_breaches
from escalation.statements.services import statements_make_for_month

EARLY_TOLERANCE_SECONDS = 2.0  # an ETA delivered this early is waited out here, not re-queued
MAX_BATCHES_PER_TASK = 100  # a task fires at most this many batches, then leaves the rest to others


@shared_task(acks_late=True)
def route_ticket(ticket_id: int) -> bool:
    return ticket_route(ticket_id=ticket_id, now=timezone.now())


@shared_task(acks_late=True)
def route_waiting_tickets() -> int:
    """Route tickets that waited for a shift to start (and any whose routing task was lost)."""
    return route_waiting(now=timezone.now())


@shared_task(acks_late=True)
def hand_off_ended_shifts() -> int:
    return shift_handoffs(now=timezone.now())


@shared_task(acks_late=True)
def enqueue_due_alarms() -> int:
    """The tick: hand the next minute's alarms to the broker as precise ETA tasks."""
    return alarms_enqueue_due(now=timezone.now())


@shared_task(acks_late=True)
def fire_alarm(alarm_id: int, due_at: float | None = None) -> int:
    """Fire one escalation step at its due instant, with whatever else is due (idempotent)."""
    return fire_wave([(alarm_id, time.time() if due_at is None else due_at)])


@shared_task(acks_late=True)
def fire_alarms(wave: list[list]) -> int:
    """Fire a wave of [alarm id, due timestamp], each at its own instant (idempotent)."""
    return fire_wave(wave)


def fire_wave(wave) -> int:
    """Wait for each alarm's due instant and fire what is due then in one batch (with any other due
    alarm), until the wave is done and nothing due is left over. Returns how many steps fired.

    The clock is read here, at the edge, before each batch (the service takes `now`)."""
    pending = sorted((float(due_at), int(alarm_id)) for alarm_id, due_at in wave)
    fired = 0
    for _ in range(MAX_BATCHES_PER_TASK):
        if pending:
            early = pending[0][0] - time.time()
            if early > EARLY_TOLERANCE_SECONDS:
                break  # delivered far too early: the tick hands these over again when they are due
            if early > 0:
                time.sleep(early)
        now = timezone.now()
        instant = now.timestamp()
        due = [alarm_id for due_at, alarm_id in pending if due_at <= instant]
        pending = [(due_at, alarm_id) for due_at, alarm_id in pending if due_at > instant]
        result = alarms_fire_batch(alarm_ids=due, now=now)
        fired += len(result.fired)
        if not pending and not result.more:
            break
    return fired


@shared_task(bind=True, acks_late=True, max_retries=None)
def send_notification(self, notification_id: int) -> str:
    """Send one notification; transient failures retry with exponential backoff, then `failed`.

    The attempt count lives on the row, so the service decides when to give up, not the task.
    """
    try:
        return notification_send(notification_id=notification_id, now=timezone.now())
    except TransientSendError as exc:
        raise self.retry(exc=exc, countdown=retry_countdown(exc, self.request.retries + 1)) from exc


@shared_task(acks_late=True)
def requeue_stale_notifications() -> int:
    return notifications_requeue_stale(now=timezone.now())


@shared_task(acks_late=True)
def record_due_breaches() -> int:
    """Safety sweep: write the ledger's breach row for every clock that passed its due time unmet."""
    return sla_record_due_breaches(now=timezone.now())


@shared_task(acks_late=True)
def verify_ledger_chain() -> bool:
    """Walk the SLA ledger's whole hash chain and keep the result for the reports (large ledgers)."""
    return bool(ledger_integrity_check(now=timezone.now()).verified)


@shared_task(acks_late=True)
def checkpoint_ledger() -> int | None:
    """Sign the ledger's chain head and append it to LEDGER_CHECKPOINT_SINK (nothing when unconfigured);
    the signed seq. A sink that refuses raises: the task fails loudly and the next run writes a new one."""
    checkpoint = ledger_checkpoint(now=timezone.now())
    return checkpoint.seq if checkpoint is not None else None


@shared_task(acks_late=True)
def make_monthly_statements() -> int:
    """Each customer's statement of the month that ended last (only the missing ones: a second run, or
    the next hour's, makes none). How many were made."""
    now = timezone.now()
    return len(statements_make_for_month(month=month_last_complete(now), now=now))


@shared_task(bind=True, acks_late=True, max_retries=None)
def send_page(self, page_id: int) -> str:
    """Send a grouping window's one message when it closes; retried like a notification, never before a
    429's Retry-After. The page row's status decides: a second delivery finds it claimed and does nothing."""
    try:
        return page_send(page_id=page_id, now=timezone.now())
    except TransientSendError as exc:
        raise self.retry(exc=exc, countdown=retry_countdown(exc, self.request.retries + 1)) from exc


@shared_task(acks_late=True)
def respond_to_incident(incident_id: int) -> int:
    """An incident's commander, page, customers' tickets and notices, whatever is still missing."""
    return len(incident_respond(incident_id=incident_id, now=timezone.now()).tickets_opened)


@shared_task(acks_late=True)
def respond_to_pending_incidents() -> int:
    """The sweep behind `respond_to_incident`: a task the broker lost, a commander nobody could be."""
    return incidents_respond_pending(now=timezone.now())
