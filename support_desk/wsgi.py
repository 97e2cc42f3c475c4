"""WSGI entry point for gunicorn (`support_desk.wsgi:application`)."""

import os
from importlib import import_module

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from .startup import freeze_loaded_objects

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "support_desk.settings")

application = get_wsgi_application()
import_module(settings.ROOT_URLCONF)  # every view, now rather than on the first request
freeze_loaded_objects()
