"""The Celery application: `celery -A support_desk worker` and `celery -A support_desk beat`."""

import os
from functools import partial

from celery import Celery
from celery.signals import after_setup_logger, after_setup_task_logger, worker_process_init
from celery.worker.consumer import Consumer
from django.conf import settings

from .log_redaction import install_on_handlers
from .startup import freeze_loaded_objects

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "support_desk.settings")

app = Celery("support_desk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@after_setup_logger.connect
@after_setup_task_logger.connect
def _redact_access_tokens(logger, **kwargs) -> None:
    """Celery's worker and beat log through handlers of their own (not Django's LOGGING): the same
    access-token filter on each (support_desk/log_redaction.py)."""
    install_on_handlers(logger)


@worker_process_init.connect
def _freeze_worker_process(**kwargs) -> None:
    """Each pool process starts with the tasks and Django loaded: keep them out of full collections."""
    freeze_loaded_objects()


class PromptConsumer(Consumer):
    """The worker's consumer, retrying a lost broker connection every BROKER_RECONNECT_SECONDS instead of
    kombu's 2, 4, 6 ... up to 30 s: steps due right after Redis returns are not held back by a worker
    still waiting out a long retry interval (issue 20; tests/faults/test_worker_faults.py measures it)."""

    def ensure_connected(self, conn):
        every = settings.BROKER_RECONNECT_SECONDS
        conn.ensure_connection = partial(
            conn.ensure_connection, interval_start=0, interval_step=every, interval_max=every
        )
        return super().ensure_connected(conn)
