"""The Celery application: `celery -A support_desk worker` and `celery -A support_desk beat`."""

import os

from celery import Celery
from celery.signals import worker_process_init

from .startup import freeze_loaded_objects

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "support_desk.settings")

app = Celery("support_desk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _freeze_worker_process(**kwargs) -> None:
    """Each pool process starts with the tasks and Django loaded: keep them out of full collections."""
    freeze_loaded_objects()
