"""After Redis comes back, the worker is back within about BROKER_RECONNECT_SECONDS (not Celery's 30 s
retry interval), and what a SIGKILLed worker held unacknowledged is handed out again within the
visibility timeout plus kombu's restore pass, not after an hour (issue 20). Real worker, beat and a
private redis-server."""

import time

import pytest
import redis
from django.utils import timezone

from escalation.models import Heartbeat
from tests.factories import make_ticket
from tests.faults.checks import assert_every_due_step_fired_exactly_once
from tests.faults.conftest import database_url_for_processes, fast_major_policy, process_env
from tests.faults.harness import Processes, wait_until
from tests.faults.test_worker_faults import wait_for_steps
from tickets.models import Severity, Ticket

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

VISIBILITY_TIMEOUT = 8  # seconds, for this test only: every ETA below stays under it
RESTORE_PASS = 100  # kombu restores unacked messages on a worker's every 10th 10-second poll


def connected_lines(procs, name: str) -> int:
    return sum(path.read_text().count("Connected to redis") for path in procs.logdir.glob(f"{name}-*.log"))


def test_the_worker_and_beat_are_back_within_seconds_of_redis_returning(procs, broker, team, premium):
    procs.beat()
    procs.worker()
    assert connected_lines(procs, "worker") == 1
    broker.stop()
    time.sleep(25)  # long enough for Celery's own retry interval to have grown past 10 s
    broker.start()
    returned, returned_at = time.monotonic(), timezone.now()
    wait_until(
        lambda: connected_lines(procs, "worker") >= 2, 15, interval=0.05, what="the worker reconnected"
    )
    reconnect_s = time.monotonic() - returned
    # beat's alarm tick (every second here) reaches the worker again, which leaves the tick's heartbeat
    ticked = Heartbeat.objects.filter(name=Heartbeat.ALARM_TICK, at__gte=returned_at)
    wait_until(ticked.exists, 15, interval=0.05, what="the alarm tick ran again")
    tick_s = time.monotonic() - returned
    # and work flows: a ticket filed now is routed
    ticket = make_ticket(email="back@streamco.example", severity=Severity.MAJOR, now=timezone.now())
    wait_until(lambda: Ticket.objects.filter(pk=ticket.pk, assignee__isnull=False).exists(), 10)
    routed_s = time.monotonic() - returned
    print(
        f"\nredis away 25 s: the worker reconnected {reconnect_s:.2f} s after it returned, beat's alarm "
        f"tick ran at {tick_s:.2f} s, a new ticket was routed at {routed_s:.2f} s"
    )
    # Quiet, the tick runs about 1.05 s after Redis returns (one tick interval). Once in many CI runs it took
    # 4.99 s; the bound keeps what this test is for (not Celery's own retry interval, which has grown to
    # 10-30 s by now) with room for a loaded 2-core machine, and the logs say where the time went.
    if not (reconnect_s < 2.5 and tick_s < 6):
        print(procs.logs())
    assert reconnect_s < 2.5 and tick_s < 6


def test_a_killed_workers_unacknowledged_messages_are_not_stranded(broker, team, premium, tmp_path):
    env = process_env(database_url_for_processes(), broker.url, BROKER_VISIBILITY_TIMEOUT=VISIBILITY_TIMEOUT)
    procs = Processes(env, tmp_path)
    client = redis.Redis.from_url(broker.url)
    try:
        fast_major_policy(first_response_seconds=6, step_delays=(0, 1, 2))
        procs.beat()
        procs.worker()
        tickets = [
            make_ticket(email=f"noc{i}@streamco.example", severity=Severity.MAJOR, now=timezone.now())
            for i in range(20)
        ]
        wait_until(lambda: client.hlen("unacked") >= 20, 10, what="the worker holding ETAs")
        procs.kill("worker")  # SIGKILL: what it held stays in Redis's unacked hash
        killed = time.monotonic()
        held = client.hlen("unacked")
        procs.worker(wait=False)  # a supervisor restarts it
        wait_for_steps(tickets, (0, 1, 2, 3), procs, timeout=60)  # the tick hands the lost alarms over again
        fired_s = time.monotonic() - killed
        wait_until(
            lambda: client.hlen("unacked") == 0,
            VISIBILITY_TIMEOUT + RESTORE_PASS + 20,
            interval=0.5,
            what="the killed worker's messages handed out again",
        )
        stranded_s = time.monotonic() - killed
        figures = assert_every_due_step_fired_exactly_once(tickets)  # the restored ones fired nothing twice
    finally:
        procs.stop_all()
    print(
        f"\nworker SIGKILL holding {held} messages: every step fired {fired_s:.1f} s after the kill; "
        f"its messages back in the queue and done {stranded_s:.1f} s after it "
        f"(visibility timeout {VISIBILITY_TIMEOUT} s); {figures}"
    )
    assert stranded_s < VISIBILITY_TIMEOUT + RESTORE_PASS + 20
