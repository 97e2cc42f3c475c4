"""Fault injection with real processes: the worker dies, Redis restarts or vanishes, two of everything.

Each scenario checks the database afterwards: every due step fired exactly once, no ledger row lost
or doubled, the chain verifies, nothing stuck.
"""

import random
import time

import pytest
from django.utils import timezone

from escalation.models import Escalation
from tests.factories import make_ticket
from tests.faults.checks import assert_every_due_step_fired_exactly_once
from tests.faults.conftest import fast_major_policy
from tests.faults.harness import wait_until
from tickets.models import Severity, Status, Ticket

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def file_tickets(count: int) -> list[Ticket]:
    return [
        make_ticket(email=f"noc{i}@streamco.example", severity=Severity.MAJOR, now=timezone.now())
        for i in range(count)
    ]


def wait_for_steps(tickets, steps, procs, timeout: float) -> None:
    expected = len(tickets) * len(steps)
    ids = [t.pk for t in tickets]

    def done():
        return (
            Escalation.objects.filter(ticket_id__in=ids, metric="first_response", step__in=steps).count()
            >= expected
        )

    try:
        wait_until(done, timeout, interval=0.5, what=f"{expected} steps fired")
    except AssertionError:
        print(procs.logs())
        raise
    time.sleep(3)  # room for anything that would fire twice


def test_worker_killed_ten_times_while_firing(procs, team, premium):
    fast_major_policy(first_response_seconds=12, step_delays=(0, 3, 6))
    procs.beat()
    procs.worker()
    tickets = file_tickets(60)  # warnings from ~10 s, steps 1-3 from ~12 s to ~20 s
    rng = random.Random(20261126)
    for _ in range(10):
        time.sleep(rng.uniform(0.8, 2.2))
        procs.kill("worker")  # SIGKILL: no warm shutdown, its prefetched ETAs are gone with it
        procs.worker(wait=False)
    wait_for_steps(tickets, (0, 1, 2, 3), procs, timeout=120)
    figures = assert_every_due_step_fired_exactly_once(tickets)
    print(f"\nworker SIGKILL x10: {figures}")


def test_redis_restarted_and_flushed_while_steps_are_scheduled(procs, broker, team, premium):
    fast_major_policy(first_response_seconds=10, step_delays=(0, 3, 6))
    procs.beat()
    procs.worker()
    tickets = file_tickets(40)
    time.sleep(4)  # ETAs handed over and held by the worker
    broker.restart()  # nothing persisted: the queue, the unacked ETAs and beat's messages are gone
    wait_for_steps(tickets, (0, 1, 2, 3), procs, timeout=120)
    figures = assert_every_due_step_fired_exactly_once(tickets)
    assert figures["max_lateness_s"] < 15
    print(f"\nredis restart: {figures}")


def test_redis_unreachable_for_thirty_seconds(procs, broker, team, premium):
    fast_major_policy(first_response_seconds=45, step_delays=(0, 2, 4))
    procs.beat()
    procs.worker()
    broker.stop()
    started = time.monotonic()
    timings = []
    tickets = []
    for i in range(10):  # intake goes on while the broker is away
        t0 = time.monotonic()
        tickets.append(
            make_ticket(email=f"down{i}@streamco.example", severity=Severity.MAJOR, now=timezone.now())
        )
        timings.append(time.monotonic() - t0)
    assert Ticket.objects.filter(pk__in=[t.pk for t in tickets], status=Status.NEW).count() == 10
    time.sleep(max(0.0, 30 - (time.monotonic() - started)))
    broker.start()
    wait_until(
        lambda: not Ticket.objects.filter(pk__in=[t.pk for t in tickets], assignee__isnull=True).exists(),
        60,
        what="all tickets routed after Redis returned",
    )
    wait_for_steps(tickets, (0, 1, 2, 3), procs, timeout=120)
    figures = assert_every_due_step_fired_exactly_once(tickets)
    print(f"\nredis away 30 s: intake per ticket max {max(timings):.2f} s; {figures}")
    assert max(timings) < 5


def test_two_workers_and_two_beats_by_mistake(procs, team, premium):
    fast_major_policy(first_response_seconds=10, step_delays=(0, 2, 4))
    procs.beat("beat-a")
    procs.beat("beat-b")
    procs.worker("worker-a")
    procs.worker("worker-b")
    tickets = file_tickets(60)
    wait_for_steps(tickets, (0, 1, 2, 3), procs, timeout=120)
    figures = assert_every_due_step_fired_exactly_once(tickets)
    print(f"\ntwo workers, two beats: {figures}")
    assert figures["max_lateness_s"] < 5
