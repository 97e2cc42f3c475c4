"""A real Celery worker on Redis and PostgreSQL: routing, escalation at the deadline, exactly once."""

import statistics
import time
from datetime import time as clock_time
from datetime import timedelta

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.utils import timezone

from escalation.models import Alarm, Escalation, LedgerEntry, Notification, SlaTarget
from escalation.paging.services.alarms import alarms_enqueue_due
from escalation.tasks import fire_alarm
from support_desk.celery import app
from tests.factories import CustomerFactory, EngineerFactory, UserFactory, make_ticket
from tests.faults.harness import wait_until
from tickets.models import Event, EventType, Plan, Severity

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker(twilio):
    """A real worker thread pool consuming the test Redis database, with an empty queue to start from."""
    assert settings.CELERY_BROKER_URL.startswith("redis://"), "integration tests run on Redis (see make test)"
    redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
    # Every queue the Procfile's worker and pager consume, named: a worker started earlier in this process
    # on some queues only (the mailer's) leaves the app selecting those.
    queues = [queue.name for queue in settings.CELERY_TASK_QUEUES]
    with start_worker(
        app, pool="threads", concurrency=8, perform_ping_check=False, shutdown_timeout=30, queues=queues
    ):
        yield


@pytest.fixture
def team():
    """Two engineers on shift around the clock (a 24 h window every day) and an on-call engineer."""
    every_day = list(range(7))
    on_shift = [
        EngineerFactory(
            user=UserFactory(username=name), phone=phone, shift_start=clock_time(0), shift_end=clock_time(0),
            workdays=every_day, capacity=500,
        )
        for name, phone in (("aiko", "+81312345678"), ("lena", "+4930123456"))
    ]  # fmt: skip
    EngineerFactory(user=UserFactory(username="otto"), on_call=True, phone="+4930999999", workdays=every_day)
    return on_shift


def short_major_target(seconds: int) -> None:
    SlaTarget.objects.filter(plan=Plan.PREMIUM, severity=Severity.MAJOR).update(
        first_response=timedelta(seconds=seconds)
    )


def test_a_ticket_is_routed_and_escalated_within_a_second_of_its_deadline_once(
    worker, team, twilio, settings
):
    # The warning (at 3.2 s) and step 1 (at 4 s) are 0.8 s apart: each is its own page, not grouped.
    settings.PAGE_GROUP_WINDOW_SECONDS = 0.5
    CustomerFactory(name="StreamCo", plan=Plan.PREMIUM, domains=["streamco.example"])
    short_major_target(4)
    ticket = make_ticket(email="noc@streamco.example", severity=Severity.MAJOR, now=timezone.now())

    routed = wait_until(
        lambda: Event.objects.filter(ticket=ticket, type=EventType.ASSIGNED).first(), timeout=10
    )
    assert routed.data["to"] in {"aiko", "lena"}

    step1 = wait_until(lambda: Escalation.objects.filter(ticket=ticket, step=1).first(), timeout=15)
    assert step1.due_at == ticket.first_response_due_at
    assert timedelta(0) <= step1.lateness < timedelta(seconds=1)
    assert Escalation.objects.filter(ticket=ticket, step=0).exists()  # the warning at 80 %
    assert LedgerEntry.objects.filter(ticket=ticket, kind="breach", metric="first_response").count() == 1

    sms = wait_until(
        lambda: Notification.objects.filter(escalation=step1, channel="sms", status="sent").first(), 10
    )
    ticket.refresh_from_db()
    assert sms.recipient_user == ticket.assignee
    wait_until(
        lambda: Notification.objects.filter(escalation=step1, channel="voice", status="sent").exists(), 10
    )
    assert {r.form["To"] for r in twilio.calls()} == {"+4930999999"}  # major: the on-call engineer is called

    # Replays and duplicate ticks change nothing: the database decides.
    for alarm_id in Alarm.objects.filter(ticket=ticket).values_list("pk", flat=True):
        fire_alarm.delay(alarm_id)
    fire_alarm.delay(10**9)
    Alarm.objects.filter(ticket=ticket).update(enqueued_at=None)
    alarms_enqueue_due(now=timezone.now())
    time.sleep(2)
    assert Escalation.objects.filter(ticket=ticket, metric="first_response").count() == 2  # warning + step 1
    assert len(twilio.sms()) == 2  # the warning and step 1, once each


def test_two_hundred_tickets_due_in_the_same_minute_fire_on_time_exactly_once(worker, team, twilio, capsys):
    CustomerFactory(name="StreamCo", plan=Plan.PREMIUM, domains=["streamco.example"])
    short_major_target(30)
    count = 200
    tickets = [
        make_ticket(email=f"noc{i}@streamco.example", severity=Severity.MAJOR, now=timezone.now())
        for i in range(count)
    ]
    due = [t.first_response_due_at for t in tickets]
    assert max(due) - min(due) < timedelta(minutes=1)

    wait_until(lambda: Escalation.objects.filter(step=1).count() >= count, timeout=120, interval=0.5)
    time.sleep(2)  # anything that would fire twice has had time to
    fired = list(Escalation.objects.filter(step=1, metric="first_response"))
    assert len(fired) == count
    assert Escalation.objects.filter(step=0, metric="first_response").count() == count
    assert LedgerEntry.objects.filter(kind="breach").count() == count

    lateness_ms = sorted(e.lateness.total_seconds() * 1000 for e in fired)
    p50 = statistics.median(lateness_ms)
    p99 = lateness_ms[int(len(lateness_ms) * 0.99) - 1]
    with capsys.disabled():
        figures = f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {lateness_ms[-1]:.1f} ms"
        print(f"\nescalation lateness over {count} tickets: {figures}")
    assert lateness_ms[0] >= 0
    assert lateness_ms[-1] < 1000
