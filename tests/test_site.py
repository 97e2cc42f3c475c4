"""The site-wide URLs outside the apps: the health check and the favicon."""

import socket
from datetime import timedelta

import pytest
from django.utils import timezone

from escalation.models import Heartbeat
from support_desk.celery import app
from tests.factories import make_ticket

pytestmark = pytest.mark.django_db


def test_the_health_check_reads_the_database(client):
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_the_favicon_is_served_where_browsers_look_and_linked_from_every_page(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # an ICO header
    assert "max-age" in response["Cache-Control"]
    assert client.post("/favicon.ico").status_code == 405
    assert 'rel="icon"' in client.get("/").content.decode()


# --- /healthz?detail=1: what monitoring reads (issue 20) ----------------------------------------------


def detail(client):
    response = client.get("/healthz?detail=1")
    return response.status_code, response.json()


def test_the_detail_reports_each_part_and_is_ok_when_the_scheduler_ticks(client, django_assert_num_queries):
    from escalation.paging.services.alarms import alarms_enqueue_due

    alarms_enqueue_due(now=timezone.now())  # the beat's tick leaves its heartbeat
    with django_assert_num_queries(3):  # SELECT 1, the heartbeat, the oldest overdue alarm
        status, body = detail(client)
    assert status == 200 and body["status"] == "ok"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["broker"] == {"ok": True, "kind": "redis"}
    assert body["checks"]["beat"]["ok"] and body["checks"]["beat"]["seconds_ago"] < 5
    assert body["checks"]["alarms"] == {"ok": True, "oldest_overdue_seconds": 0.0}


def test_a_stalled_beat_and_an_overdue_alarm_are_503_with_the_reason(client):
    now = timezone.now()
    Heartbeat.objects.create(name=Heartbeat.ALARM_TICK, at=now - timedelta(minutes=2))
    make_ticket(severity="major", now=now - timedelta(hours=1))  # its alarms fell due long ago, unfired
    status, body = detail(client)
    assert status == 503 and body["status"] == "degraded"
    assert body["checks"]["beat"]["ok"] is False and body["checks"]["beat"]["seconds_ago"] >= 120
    assert body["checks"]["alarms"]["ok"] is False
    assert body["checks"]["alarms"]["oldest_overdue_seconds"] > 30 * 60
    assert client.get("/healthz").status_code == 200  # liveness for the load balancer is unchanged


def test_a_scheduler_that_never_ticked_and_an_unreachable_broker_are_503(client):
    saved = app.conf.broker_url
    app.conf.update(CELERY_BROKER_URL=f"redis://127.0.0.1:{closed_port()}/0")
    try:
        status, body = detail(client)
    finally:
        app.conf.update(CELERY_BROKER_URL=saved)
    assert status == 503
    assert body["checks"]["broker"] == {"ok": False, "kind": "redis"}
    assert body["checks"]["beat"] == {"ok": False, "last_tick_at": None, "seconds_ago": None}


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
