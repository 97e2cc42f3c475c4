"""The seam between the ticket services and the worker: every task `tickets` hands to the broker goes here.

Tasks are sent by name, so neither this module nor the services that call it import `tickets.tasks`:
the tasks import the services, never the reverse (the import contract in pyproject.toml). A message
sent by name is the one `task.delay()` sends: the same name, arguments and options, routed by
CELERY_TASK_ROUTES (tests/tickets/test_enqueue.py checks both against the worker's tasks).

These functions send at once. The services call them once their transaction commits
(`transaction.on_commit`), or from a task, which runs outside any transaction.
"""

import logging
from collections.abc import Iterable

from celery import current_app

logger = logging.getLogger(__name__)

SEND_REQUESTER_NOTIFICATION = "tickets.tasks.send_requester_notification"


def send_task(name: str, args: tuple = (), **options) -> None:
    """Send task `name` as `task.apply_async(args, **options)` would; raises when the broker is away.

    The options a task sets on itself are not known here: tasks sent by name set none but their
    retry policy, which only the worker reads."""
    app = current_app
    app.send_task(name, args, ignore_result=app.conf.task_ignore_result, **options)


def send_requester_notifications(notification_ids: Iterable[int]) -> None:
    for notification_id in notification_ids:
        try:
            send_task(SEND_REQUESTER_NOTIFICATION, (notification_id,))
        except Exception as exc:
            # The broker is away: the sweep re-sends queued rows that sat too long.
            logger.warning(
                "could not enqueue requester notification %s (%s); it will be re-sent", notification_id, exc
            )
