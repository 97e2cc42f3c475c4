"""Twilio failing in three ways while steps keep firing; PostgreSQL restarted under load."""

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta

import psycopg
import pytest
from django.utils import timezone

from escalation.models import Escalation, Notification
from escalation.paging.services.notifications import MAX_ATTEMPTS
from tests.factories import EngineerFactory, UserFactory, make_ticket
from tests.faults.conftest import fast_major_policy, process_env
from tests.faults.harness import ROOT, PostgresCluster, Processes, free_port, wait_until
from tests.twilio_server import TwilioServer
from tickets import services
from tickets.models import Severity

pytestmark = [pytest.mark.integration]


@pytest.mark.django_db(transaction=True)
def test_twilio_503_429_and_hanging_retry_then_fail_while_the_next_step_fires_on_time(
    broker, team, premium, tmp_path
):
    from tests.conftest import TWILIO_TEST_CREDENTIALS
    from tests.faults.conftest import database_url_for_processes

    aiko, lena, _on_call = team
    fast_major_policy(first_response_seconds=8, step_delays=(0, 4, 30))
    with TwilioServer() as server:
        fake = server.fake
        fake.hang_seconds = 3
        fake.by_recipient = {str(aiko.phone): 503, str(lena.phone): 429, "+4930777777": "hang"}
        hanging = EngineerFactory(
            user=UserFactory(username="hana"), phone="+4930777777", shift_start=aiko.shift_start,
            shift_end=aiko.shift_end, workdays=aiko.workdays, capacity=1000,
        )  # fmt: skip
        env = process_env(
            database_url_for_processes(), broker.url, TWILIO_API_BASE_URL=server.url,
            TWILIO_TIMEOUT_SECONDS=1, PUBLIC_BASE_URL="https://desk.example.com", **TWILIO_TEST_CREDENTIALS,
            # The warning (6.4 s) and step 1 (8 s) 1.6 s apart: each SMS its own page, not grouped.
            PAGE_GROUP_WINDOW_SECONDS=1,
        )  # fmt: skip
        procs = Processes(env, tmp_path)
        try:
            procs.beat()
            procs.worker(concurrency=4)
            tickets = []
            for i, engineer in enumerate((aiko, lena, hanging)):
                ticket = make_ticket(
                    email=f"noc{i}@streamco.example", severity=Severity.MAJOR, now=timezone.now()
                )
                tickets.append(
                    services.ticket_assign(
                        ticket=ticket, assignee=engineer.user, actor=None, now=timezone.now()
                    )
                )

            def step_two_fired():
                return (
                    Escalation.objects.filter(ticket__in=tickets, metric="first_response", step=2).count()
                    == 3
                )

            wait_until(step_two_fired, 60, interval=0.2, what="step 2 fired for all three tickets")
            step_two = list(Escalation.objects.filter(ticket__in=tickets, metric="first_response", step=2))
            # The first step's SMS are still failing and retrying; the second step is not held up by them.
            assert max(e.fired_at - e.due_at for e in step_two) < timedelta(seconds=1)

            sms = Notification.objects.filter(
                escalation__ticket__in=tickets, escalation__step=1, channel="sms"
            )

            def all_failed():
                rows = list(sms.all())  # a fresh query each time: the queryset caches what it iterated
                return len(rows) == 3 and all(n.status == "failed" for n in rows)

            wait_until(all_failed, 120, interval=0.5, what="the failing SMS marked failed")
        except AssertionError:
            print(procs.logs())
            raise
        finally:
            procs.stop_all()
    for notification in sms:
        assert notification.attempts == MAX_ATTEMPTS
        assert notification.last_error.startswith("gave up")
    for number in (str(aiko.phone), str(lena.phone), "+4930777777"):
        step_one_sms = [
            r for r in fake.to(number) if r.path.endswith("/Messages.json") and "step 1" in r.form["Body"]
        ]
        assert len(step_one_sms) == MAX_ATTEMPTS
    # The on-call engineer's voice calls went through untouched by the failures.
    assert Notification.objects.filter(escalation__step=1, channel="voice", status="sent").count() == 3


SEED = """
from datetime import time, timedelta
from django.contrib.auth import get_user_model
from escalation.sla import defaults
from escalation.models import Engineer, PolicyStep, SlaTarget
from tickets.models import Customer, CustomerDomain
User = get_user_model()
for name in ("aiko", "lena"):
    user = User.objects.create(username=name, is_staff=True)
    Engineer.objects.create(user=user, shift_start=time(0), shift_end=time(0), workdays=list(range(7)),
                            capacity=1000, region="emea", phone="+4930123456")
customer = Customer.objects.create(name="StreamCo", plan="premium")
CustomerDomain.objects.create(customer=customer, domain="streamco.example")
SlaTarget.objects.filter(plan="premium", severity="major").update(first_response=timedelta(seconds=12))
for number, delay in ((1, 0), (2, 3), (3, 6)):
    PolicyStep.objects.filter(policy__severity="major", number=number).update(delay=timedelta(seconds=delay))
"""

FILE = """
from django.utils import timezone
from tickets.services import ticket_file
import sys
for i in range({count}):
    ticket_file(subject="CDN down", description="Sao Paulo edge", severity="major",
                email=f"noc{{i}}-{label}@streamco.example", now=timezone.now(),
                trusted=True)  # as an engineer filing for the customer: its premium 12-second target
"""


def manage(env: dict, *args: str, script: str | None = None) -> subprocess.CompletedProcess:
    argv = [sys.executable, "manage.py", *args]
    if script is not None:
        argv += ["shell", "-c", script]
    return subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False)


def healthz(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def test_postgresql_restarted_during_load(redis_server, tmp_path):
    """A private cluster, so the restart disturbs nobody else: web and workers recover on their own."""
    cluster = PostgresCluster()
    cluster.init()
    env = process_env(cluster.url, redis_server.url)
    env.pop("CONN_MAX_AGE")  # production's persistent connections with health checks
    procs = Processes(env, tmp_path)
    try:
        for step in (manage(env, "migrate", "--noinput"), manage(env, script=SEED)):
            assert step.returncode == 0, step.stderr[-3000:]
        port = free_port()
        procs.web(port)
        procs.beat()
        procs.worker(concurrency=4)
        first = manage(env, script=FILE.format(count=30, label="before"))
        assert first.returncode == 0, first.stderr[-3000:]
        time.sleep(4)
        cluster.restart()  # every open connection of web, worker and beat is cut
        restarted_at = time.monotonic()
        wait_until(lambda: healthz(port) == 200 and healthz(port) == 200, 30, what="web answering again")
        web_recovery = time.monotonic() - restarted_at
        second = manage(env, script=FILE.format(count=10, label="after"))
        assert second.returncode == 0, second.stderr[-3000:]

        with psycopg.connect(cluster.url.replace("postgres://", "postgresql://"), autocommit=True) as db:

            def fired() -> int:
                return db.execute(
                    "SELECT count(*) FROM escalation_escalation WHERE metric = 'first_response' AND step <= 3"
                ).fetchone()[0]

            wait_until(lambda: fired() >= 40 * 4, 120, interval=0.5, what="160 steps fired")
            time.sleep(3)
            assert fired() == 160
            per_key = db.execute(
                "SELECT ticket_id, metric, cycle, step, count(*) FROM escalation_escalation "
                "GROUP BY 1, 2, 3, 4 HAVING count(*) > 1"
            ).fetchall()
            assert per_key == []
            breaches = db.execute(
                "SELECT count(*) FROM escalation_ledgerentry WHERE kind = 'breach'"
            ).fetchone()[0]
            assert breaches == 40
            late = db.execute(
                "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM fired_at - due_at)), "
                "max(extract(epoch FROM fired_at - due_at)) FROM escalation_escalation"
            ).fetchone()
        verified = manage(env, "verify_ledger")
        assert verified.returncode == 0, verified.stderr
        print(
            "\npostgres restart: "
            + json.dumps({"web_recovered_s": round(web_recovery, 2), "p50_lateness_s": float(late[0]),
                          "max_lateness_s": float(late[1])})
        )  # fmt: skip
    except AssertionError:
        print(procs.logs())
        raise
    finally:
        procs.stop_all()
        cluster.destroy()
