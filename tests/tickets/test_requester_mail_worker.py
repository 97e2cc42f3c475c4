"""A real Celery worker and a real SMTP server on loopback: the requester's emails leave after commit,
from the worker, once each, however often their task runs, and through a server that says "try later"."""

import time
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone

from support_desk.celery import app
from tests.api.conftest import client_for
from tests.factories import make_engineer
from tests.faults.harness import wait_until
from tests.mail import SmtpServer
from tickets.models import RequesterNotification, Ticket
from tickets.notifications import requester_notifications_requeue_stale
from tickets.tasks import send_requester_notification

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

BASE = "https://desk.example.com"
INTAKE = {
    "subject": "Origin returns 502",
    "description": "Every .m3u8 in eu-west answers 502.",
    "severity": "urgent",
    "requester": {"email": "ana@viewer.example", "name": "Ana Costa"},
}


@pytest.fixture
def smtp(settings):
    with SmtpServer() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", server.port, 5
        settings.PUBLIC_BASE_URL = BASE
        settings.NOTIFICATION_BACKOFF_BASE_SECONDS = 0.2
        yield server


@pytest.fixture
def worker(smtp):
    """A real worker thread pool consuming the mail queue only, as the Procfile's `mailer` does, on the
    test Redis database, with an empty queue to start from."""
    assert django_settings.CELERY_BROKER_URL.startswith("redis://"), "integration tests run on Redis"
    redis.Redis.from_url(django_settings.CELERY_BROKER_URL).flushdb()
    everything = list(app.amqp.queues)
    try:
        with start_worker(
            app, pool="threads", concurrency=4, perform_ping_check=False, shutdown_timeout=30, queues=["mail"]
        ):
            yield
    finally:
        # Starting a worker on some queues selects them on the app itself (`app.amqp.queues.select`):
        # select them all again, or a worker started later in this process consumes the mail queue only.
        app.amqp.queues.select(everything)


def test_filing_through_the_api_emails_the_requester_once_however_often_the_task_runs(worker, smtp):
    response = client_for().post("/api/v1/tickets/", INTAKE)
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get()

    [received] = wait_until(lambda: smtp.received, timeout=15)
    assert received.envelope_to == ["ana@viewer.example"]
    assert received.message["Subject"] == f"[{ticket.reference}] We received your ticket: Origin returns 502"
    assert f"{BASE}/t/{ticket.access_token}/" in received.body
    notification = RequesterNotification.objects.get(ticket=ticket)
    assert received.message["Message-ID"] == f"<requester-notification-{notification.pk}@localhost>"

    # Redelivered, enqueued twice more, swept: the row says it was sent, so nothing is sent again.
    send_requester_notification.delay(notification.pk)
    send_requester_notification.delay(notification.pk)
    an_hour_later = timezone.now() + timedelta(hours=1)
    assert requester_notifications_requeue_stale(now=an_hour_later) == 0  # a sent row is never re-sent
    time.sleep(2)
    assert len(smtp.received) == 1
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("sent", 1)


def test_replies_on_the_web_and_through_the_api_each_reach_the_requester_once(worker, smtp):
    lena = make_engineer("lena", name="Lena Fischer")
    assert client_for().post("/api/v1/tickets/", INTAKE).status_code == 201
    ticket = Ticket.objects.get()
    wait_until(lambda: len(smtp.received) == 1, timeout=15)

    api = client_for(lena.user)
    assert (
        api.post(f"/api/v1/tickets/{ticket.reference}/messages/", {"body": "Via the API."}).status_code == 201
    )
    web = Client()
    web.force_login(lena.user)
    assert web.post(f"/tickets/{ticket.reference}/reply/", {"reply-body": "Via the page."}).status_code == 302

    wait_until(lambda: len(smtp.received) >= 3, timeout=15)
    time.sleep(1)  # anything that would arrive twice has had time to
    replies = [r for r in smtp.received if "New reply" in r.message["Subject"]]
    assert len(replies) == 2
    assert sorted(next(t for t in ("Via the API.", "Via the page.") if t in r.body) for r in replies) == [
        "Via the API.",
        "Via the page.",
    ]
    assert all(f"{BASE}/t/{ticket.access_token}/" in r.body for r in replies)
    assert all("Lena replied on your ticket" in r.body for r in replies)


def test_a_server_that_says_try_later_gets_the_email_once_after_backoff(worker, smtp):
    smtp.refuse_next(2)
    assert client_for().post("/api/v1/tickets/", INTAKE).status_code == 201

    [received] = wait_until(lambda: smtp.received, timeout=20)
    assert received.envelope_to == ["ana@viewer.example"]
    notification = RequesterNotification.objects.get()
    wait_until(lambda: RequesterNotification.objects.filter(pk=notification.pk, status="sent").exists(), 5)
    notification.refresh_from_db()
    assert notification.attempts == 3 and notification.last_error == ""
    time.sleep(1)
    assert len(smtp.received) == 1


def test_requester_mail_has_a_queue_of_its_own_that_the_procfile_consumes():
    route = app.amqp.router.route({}, "tickets.tasks.send_requester_notification")
    assert route["queue"].name == django_settings.REQUESTER_MAIL_QUEUE == "mail"
    assert app.amqp.router.route({}, "escalation.tasks.fire_alarm")["queue"].name == "celery"
    procfile = (Path(__file__).resolve().parents[2] / "Procfile").read_text()
    assert "worker -Q celery " in procfile and "worker -Q mail " in procfile
    assert "worker -Q pages " in procfile  # the pages' own queue (escalation/paging/README.md)
    for task in ("escalation.tasks.send_notification", "escalation.tasks.send_page"):
        assert app.amqp.router.route({}, task)["queue"].name == django_settings.PAGES_QUEUE == "pages"
