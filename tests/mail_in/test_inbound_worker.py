"""A real Celery worker reads the real mailbox: the beat's task, sent through the broker, files the mail
once, and the message is marked \\Seen in Dovecot after the ticket committed."""

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings

from support_desk.celery import app
from support_desk.inbound.tasks import poll_mailbox
from tests.faults.harness import wait_until
from tests.mail_in.conftest import eml
from tickets.models import InboundMail, MailboxState, Ticket

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker():
    assert django_settings.CELERY_BROKER_URL.startswith("redis://"), "integration tests run on Redis"
    redis.Redis.from_url(django_settings.CELERY_BROKER_URL).flushdb()
    everything = list(app.amqp.queues)
    try:
        with start_worker(
            app,
            pool="threads",
            concurrency=2,
            perform_ping_check=False,
            shutdown_timeout=30,
            queues=["celery"],
        ):
            yield
    finally:
        app.amqp.queues.select(everything)  # starting a worker on some queues selects them on the app


def test_the_worker_polls_the_mailbox_and_files_the_mail_once(mail, worker):
    mail.deliver(eml("chinese_gb18030.eml", FROM="wang.wei@qq.example"))
    poll_mailbox.delay()
    poll_mailbox.delay()  # a second poll at once: the lock or the seen flag, never a second ticket

    filed = Ticket.objects.filter(requester__email="wang.wei@qq.example")
    ticket = wait_until(filed.first, timeout=20)
    assert ticket.subject == "直播卡顿"
    wait_until(lambda: mail.unseen() == 0, timeout=10)
    wait_until(lambda: MailboxState.objects.filter(failures=0, last_ok_at__isnull=False).exists(), timeout=10)
    assert InboundMail.objects.get().ticket_id == ticket.pk
    assert filed.count() == 1
