"""One page per engineer per storm, end to end: a real Celery worker on Redis and PostgreSQL fires the
alarms and sends through the real twilio client to the loopback server."""

import re
import time
from datetime import time as clock_time
from decimal import Decimal

import pytest
from django.utils import timezone

from escalation.models import Escalation, EscalationPolicy, Notification, Page
from tests.escalation.paging.test_notifications import sid, signed_post
from tests.escalation.test_worker_integration import short_major_target, worker  # noqa: F401 - the fixture
from tests.factories import CustomerFactory, EngineerFactory, UserFactory, make_ticket
from tests.faults.harness import wait_until
from tickets.models import Plan, Severity

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

AIKO, OTTO = "+81312345678", "+4930999999"
STORM = 50


@pytest.fixture
def desk():
    """Aiko on shift around the clock takes every ticket; Otto is on call (and never assigned)."""
    every_day = list(range(7))
    CustomerFactory(name="StreamCo", plan=Plan.PREMIUM, domains=["streamco.example"])
    CustomerFactory(name="Acme", plan=Plan.PREMIUM, domains=["acme.example"])
    aiko = EngineerFactory(
        user=UserFactory(username="aiko"),
        phone=AIKO,
        shift_start=clock_time(0),
        shift_end=clock_time(0),
        workdays=every_day,
        capacity=500,
    )
    EngineerFactory(
        user=UserFactory(username="otto"), on_call=True, phone=OTTO, workdays=every_day, capacity=0
    )
    return aiko


def file_majors(count: int) -> list:
    return [
        make_ticket(
            email=f"noc{i}@{'acme' if i % 5 == 0 else 'streamco'}.example",
            severity=Severity.MAJOR,
            now=timezone.now(),
        )
        for i in range(count)
    ]


def test_fifty_breaches_page_each_engineer_once_at_once_and_once_when_the_window_closes(
    worker,  # noqa: F811
    desk,
    twilio,
    settings,
    client,
):
    settings.PAGE_GROUP_WINDOW_SECONDS = 12.0
    short_major_target(6)  # warning at 4.8 s, step 1 at 6 s: 100 SMS for Aiko and 50 calls for Otto
    tickets = file_majors(STORM)

    wait_until(lambda: Escalation.objects.filter(step=1).count() == STORM, timeout=40, interval=0.5)
    sms_page = wait_until(
        lambda: Page.objects.filter(recipient=AIKO, channel="sms", status="sent").first(),
        timeout=30,
        interval=0.5,
    )
    call_page = wait_until(
        lambda: Page.objects.filter(recipient=OTTO, channel="voice", status="sent").first(),
        timeout=30,
        interval=0.5,
    )
    time.sleep(1)  # anything that would send a third message has had time to

    assert len([r for r in twilio.sms() if r.form["To"] == AIKO]) == 2  # 1 at once + 1 grouped
    assert len([r for r in twilio.calls() if r.form["To"] == OTTO]) == 2
    immediate, grouped = (r.form["Body"] for r in twilio.sms())
    first = Notification.objects.get(page=sms_page, grouped=False)
    assert immediate == first.body  # the first page of the storm reads as a single page always did
    # The first warning went out alone; every ticket's breach came after it, so all 50 are in the grouped one.
    assert grouped.startswith(f"[Support Desk] {STORM} more tickets breached: StreamCo 40, Acme 10.")
    assert f"https://desk.example.com/pages/{sms_page.pk}/" in grouped
    assert "Pressing 1 acknowledges all 50." in twilio.calls()[1].form["Twiml"]
    # Every ticket is on its page, and keeps its own notification status.
    assert Notification.objects.filter(page=sms_page).values("ticket").distinct().count() == STORM
    assert Notification.objects.filter(page=call_page).values("ticket").distinct().count() == STORM
    assert set(Notification.objects.filter(channel="sms").values_list("status", flat=True)) == {"sent"}
    client.force_login(desk.user)
    listed = client.get(f"/pages/{sms_page.pk}/").content.decode()
    assert {t.reference for t in tickets} <= set(re.findall(r"SD-\d+", listed))

    # ACK to the grouped SMS acknowledges every escalation on the page: the 50 breaches and the 50 warnings.
    answer = signed_post(
        client, "/twilio/sms/inbound/", {"MessageSid": sid("SM", 77), "From": AIKO, "Body": "ACK"}
    )
    assert f"acknowledged {STORM} tickets" in answer.content.decode()
    assert not Escalation.objects.filter(acknowledged_at__isnull=True).exists()


def test_a_single_breach_is_paged_at_once_with_todays_wording(worker, desk, twilio, settings):  # noqa: F811
    settings.PAGE_GROUP_WINDOW_SECONDS = 2.0
    EscalationPolicy.objects.filter(severity=Severity.MAJOR).update(warning_at_fraction=Decimal("0.5"))
    short_major_target(6)  # the warning at 3 s, the breach at 6 s: each alone in a quiet period
    [ticket] = file_majors(1)

    step1 = wait_until(lambda: Escalation.objects.filter(ticket=ticket, step=1).first(), timeout=15)
    sms = wait_until(
        lambda: Notification.objects.filter(escalation=step1, channel="sms", status="sent").first(),
        timeout=10,
    )
    request = next(
        r for r in twilio.sms() if ticket.reference in r.form["Body"] and "overdue" in r.form["Body"]
    )
    assert request.form["Body"] == sms.body
    assert sms.body.startswith(f"[Support Desk] {ticket.reference} (major): first response overdue since")
    assert sms.body.endswith(
        "(less than a minute ago), escalation step 1. Stream drops every few minutes. "
        "Reply ACK to acknowledge."
    )
    assert request.at - step1.fired_at.timestamp() < 1.0  # no added latency
    assert not Notification.objects.filter(grouped=True).exists()


def test_a_429_with_retry_after_is_honoured_by_the_worker(worker, desk, twilio, settings):  # noqa: F811
    settings.PAGE_GROUP_WINDOW_SECONDS = 2.0
    EscalationPolicy.objects.filter(severity=Severity.MAJOR).update(warning_at_fraction=Decimal("0.5"))
    short_major_target(6)
    twilio.answers = [(429, 3)]  # the warning's first try
    [ticket] = file_majors(1)
    warning = wait_until(
        lambda: Notification.objects.filter(ticket=ticket, escalation__step=0, status="sent").first(),
        timeout=20,
    )
    first, second = [r for r in twilio.sms() if r.form["Body"] == warning.body]
    assert second.at - first.at >= 3.0
    assert warning.attempts == 2
