"""WSGI entry point for gunicorn (`support_desk.wsgi:application`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "support_desk.settings")

application = get_wsgi_application()
