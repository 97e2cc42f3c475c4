"""The seam between the escalation services and the worker: every task escalation hands to the broker.

Tasks are sent by name (`tickets.enqueue.send_task`), so neither this module nor the services that
call it import `escalation.tasks`: the tasks import the services, never the reverse (the import
contract in pyproject.toml). A message sent by name is the one `task.delay()` / `apply_async()` sends,
routed by CELERY_TASK_ROUTES (tests/escalation/test_enqueue.py checks it against the worker's tasks).

These functions send at once and say whether the broker took the message; a broker that is away is
logged, and the tick or the sweep that owns the row sends it again. The services call them once their
transaction commits (`transaction.on_commit`), or from a task, which runs outside any transaction.
"""

import logging
from collections.abc import Iterable
from datetime import datetime

from tickets.enqueue import send_task

logger = logging.getLogger(__name__)

ROUTE_TICKET = "escalation.tasks.route_ticket"
FIRE_ALARM = "escalation.tasks.fire_alarm"
FIRE_ALARMS = "escalation.tasks.fire_alarms"
SEND_NOTIFICATION = "escalation.tasks.send_notification"
VERIFY_LEDGER_CHAIN = "escalation.tasks.verify_ledger_chain"
SEND_PAGE = "escalation.tasks.send_page"
RESPOND_TO_INCIDENT = "escalation.tasks.respond_to_incident"


def route_ticket(ticket_id: int) -> bool:
    try:
        send_task(ROUTE_TICKET, (ticket_id,))
    except Exception as exc:
        logger.warning(
            "could not enqueue routing for ticket %s (%s); the routing tick will route it", ticket_id, exc
        )
        return False
    return True


def fire_alarm(alarm_id: int, due_at: datetime, *, now: datetime) -> bool:
    """An ETA task that fires the alarm at `due_at` (at once when that has passed)."""
    try:
        send_task(FIRE_ALARM, (alarm_id, due_at.timestamp()), eta=max(due_at, now))
    except Exception as exc:
        # The broker is away: the alarm stays un-enqueued and the next tick tries again.
        logger.warning("could not enqueue alarm %s (%s); the next tick will retry", alarm_id, exc)
        return False
    return True


def fire_alarms(wave: list[tuple[int, datetime]], *, now: datetime) -> bool:
    """One ETA task for a wave of (alarm id, due time), at the first one's due time (at once if past)."""
    try:
        send_task(FIRE_ALARMS, ([[pk, due_at.timestamp()] for pk, due_at in wave],), eta=max(wave[0][1], now))
    except Exception as exc:
        logger.warning("could not enqueue %s alarms (%s); the next tick will retry", len(wave), exc)
        return False
    return True


def send_notifications(notification_ids: Iterable[int]) -> None:
    for notification_id in notification_ids:
        try:
            send_task(SEND_NOTIFICATION, (notification_id,))
        except Exception as exc:
            # The broker is away; the notification sweep re-sends queued rows that sat too long.
            logger.warning("could not enqueue notification %s (%s); it will be re-sent", notification_id, exc)


def verify_ledger_chain() -> None:
    """Walk the ledger's chain in the worker. Raises when the broker is away (as `.delay()` did)."""
    send_task(VERIFY_LEDGER_CHAIN)


def send_page(page_id: int, closes_at: datetime) -> bool:
    """An ETA task that sends a grouping window's one message when it closes (at once if that has passed).
    The window is at most PAGE_GROUP_WINDOW_SECONDS ahead: far below the broker's visibility timeout."""
    try:
        send_task(SEND_PAGE, (page_id,), eta=closes_at)
    except Exception as exc:
        # The broker is away; the notification sweep re-sends windows whose close was not sent.
        logger.warning("could not enqueue page %s (%s); it will be re-sent", page_id, exc)
        return False
    return True


def respond_to_incidents(incident_ids) -> int:
    """One task per incident: its commander, page, tickets and notices (the minute's sweep finds any
    the broker did not take). Returns how many were sent."""
    sent = 0
    for incident_id in incident_ids:
        try:
            send_task(RESPOND_TO_INCIDENT, (incident_id,))
            sent += 1
        except Exception as exc:
            logger.warning(
                "could not enqueue the response to incident %s (%s); the sweep will", incident_id, exc
            )
    return sent
