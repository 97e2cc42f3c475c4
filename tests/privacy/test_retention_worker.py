"""The beat's retention task on a real Celery worker (Redis, PostgreSQL): it empties what expired."""

from datetime import timedelta

import pytest
import redis
from celery.contrib.testing.worker import start_worker

from privacy.models import Erasure, ExpiredTicket, RetentionPolicy
from privacy.tasks import erase_expired_tickets
from support_desk.celery import app
from tests.factories import NOW, CustomerFactory, make_engineer
from tests.faults.harness import wait_until
from tickets.models import Message, Requester
from tickets.services import (
    ticket_assign,
    ticket_change_status,
    ticket_close_stale,
    ticket_file,
    ticket_reply,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_the_beat_task_empties_expired_tickets_on_a_real_worker(settings):
    assert settings.CELERY_BROKER_URL.startswith("redis://"), "integration tests run on Redis (see make test)"
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    lena = make_engineer("lena", name="Lena Fischer")
    customer = CustomerFactory(name="Viewer EU")
    RetentionPolicy.objects.create(customer=customer, months=1)
    ticket = ticket_file(subject="Stalls at night", description="The player stalls at night.",
                         severity="general", email="ana@viewer.example", name="Ana Souza", now=NOW,
                         trusted=True, customer=customer).ticket  # fmt: skip
    ticket_assign(ticket=ticket, assignee=lena.user, actor=None, now=NOW)
    ticket_reply(ticket=ticket, author=lena.user, body="Fixed, Ana.", now=NOW + timedelta(minutes=5))
    ticket_change_status(ticket=ticket, status="resolved", actor=lena.user, now=NOW + timedelta(minutes=6))
    assert ticket_close_stale(now=NOW + timedelta(days=8)) == 1  # closed in June 2025: long expired now

    with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=30,
                      queues=[q.name for q in settings.CELERY_TASK_QUEUES]):  # fmt: skip
        erase_expired_tickets.delay()
        wait_until(lambda: ExpiredTicket.objects.filter(ticket=ticket).exists(), timeout=20, what="the batch")

    assert set(Message.objects.filter(ticket=ticket).values_list("body", flat=True)) == {"[erased]"}
    assert not Requester.objects.filter(email="ana@viewer.example").exists()  # nothing left: erased whole
    assert Erasure.objects.get().kind == "retention"
