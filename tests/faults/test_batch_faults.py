"""Batches under fire: a worker SIGKILLed while a batch's transaction is open, with real processes.

Every due step must still fire exactly once, each breach be in the ledger once, and the chain verify.
"""

import pytest
from django.db import connection

from tests.faults.checks import assert_every_due_step_fired_exactly_once
from tests.faults.conftest import fast_major_policy
from tests.faults.harness import wait_until
from tests.faults.test_worker_faults import file_tickets, wait_for_steps

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

OPEN_BATCH = """
    SELECT count(*) FROM pg_stat_activity
    WHERE datname = current_database() AND pid <> pg_backend_pid()
      AND state IN ('active', 'idle in transaction')
      AND query LIKE 'INSERT INTO "escalation_escalation"%%'
"""


def a_batch_is_open() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(OPEN_BATCH)
        return cursor.fetchone()[0] > 0


def test_worker_killed_while_a_batch_is_open_fires_every_step_once(procs, team, premium):
    fast_major_policy(first_response_seconds=14, step_delays=(0, 2, 4))
    procs.beat()
    procs.worker(concurrency=2)
    tickets = file_tickets(120)  # warnings from ~11 s, steps 1-3 from ~14 s: waves of many
    kills = 0
    for _ in range(3):
        try:
            wait_until(a_batch_is_open, 40, interval=0.002, what="a batch in flight")
        except AssertionError:
            break  # everything fired before a third batch could be caught
        procs.kill("worker")  # SIGKILL with the batch's transaction open: PostgreSQL rolls it back
        kills += 1
        procs.worker(concurrency=2, wait=False)
    assert kills >= 1
    wait_for_steps(tickets, (0, 1, 2, 3), procs, timeout=120)
    figures = assert_every_due_step_fired_exactly_once(tickets)
    print(f"\nworker SIGKILL x{kills} mid-batch: {figures}")
