"""Escalation lateness and mass breach, with a real worker and beat on PostgreSQL and Redis.

    .venv/bin/python -m bench.escalation lateness --tickets 10000 --minutes 10
    .venv/bin/python -m bench.escalation mass-breach --tickets 5000

Lateness is measured from each step's due instant to its `escalated` event (`Escalation.fired_at`).
Data is generated with bulk_create (tickets, clocks and alarms as the services would plan them),
not through the API. Twilio is not configured, so notifications are recorded and logged.
"""

import argparse
import json
import tempfile
import threading
import time
from datetime import time as clock_time
from datetime import timedelta
from pathlib import Path

from bench.common import configure_django, fresh_database, process_env, rss_mib, summary

configure_django("escalation")

from django.contrib.auth import get_user_model
from django.utils import timezone

from escalation.models import Alarm, BusinessCalendar, Engineer, Escalation, TicketClock
from tests.faults.harness import Processes, wait_until
from tickets.models import Customer, Requester, Severity, Status, Ticket

TARGET = timedelta(minutes=15)  # premium major first response


def seed(count: int, first_due, span: timedelta) -> list[int]:
    """`count` open major tickets whose first responses fall due evenly from `first_due` over `span`."""
    User = get_user_model()
    engineers = []
    for i in range(8):
        user = User.objects.create(username=f"bench{i}", is_staff=True, email=f"bench{i}@support.example")
        engineers.append(
            Engineer.objects.create(
                user=user, shift_start=clock_time(0), shift_end=clock_time(0), workdays=list(range(7)),
                capacity=500, region="emea", phone=f"+49301234{i:03d}", on_call=(i == 0), lead=(i == 1),
            )
        )  # fmt: skip
    customer = Customer.objects.create(name="StreamCo", plan="premium")
    requester = Requester.objects.create(email="noc@streamco.example")
    calendar = BusinessCalendar.objects.get(kind=BusinessCalendar.Kind.ALWAYS)
    step = span / max(count - 1, 1)
    tickets = []
    for i in range(count):
        due = first_due + step * i
        created = due - TARGET
        tickets.append(
            Ticket(
                subject=f"Edge outage {i}", description="Sao Paulo edge down", severity=Severity.MAJOR,
                status=Status.OPEN, plan="premium", customer=customer, requester=requester,
                assignee=engineers[i % len(engineers)].user, created_at=created, updated_at=created,
                assigned_at=created, resolution_started_at=created, first_response_due_at=due,
                resolution_due_at=created + timedelta(hours=4), next_due_at=due,
            )
        )  # fmt: skip
    Ticket.objects.bulk_create(tickets, batch_size=2000)
    TicketClock.objects.bulk_create(
        [
            TicketClock(
                ticket=t, first_response_target=TARGET, resolution_target=timedelta(hours=4),
                calendar=calendar, timezone=timezone.get_default_timezone(),
            )
            for t in tickets
        ],
        batch_size=2000,
    )  # fmt: skip
    Alarm.objects.bulk_create(
        [
            Alarm(ticket=t, metric="first_response", cycle=1, step=1, due_at=t.first_response_due_at)
            for t in tickets
        ],
        batch_size=5000,
    )
    return [t.pk for t in tickets]


def run(count: int, first_due_in: timedelta, span: timedelta, label: str) -> dict:
    fresh_database()
    now = timezone.now()
    ids = seed(count, now + first_due_in, span)
    last_due = now + first_due_in + span
    logdir = Path(tempfile.mkdtemp(prefix=f"bench-{label}-"))
    procs = Processes(process_env(), logdir)
    peak = {"rss": 0.0}
    stop = threading.Event()
    try:
        worker = procs.worker(concurrency=4)
        procs.beat()

        def sample():
            while not stop.is_set():
                peak["rss"] = max(peak["rss"], rss_mib(worker.pid))
                time.sleep(0.5)

        threading.Thread(target=sample, daemon=True).start()
        wait_seconds = (last_due - timezone.now()).total_seconds() + 120
        wait_until(
            lambda: Escalation.objects.filter(step=1).count() >= count, max(wait_seconds, 60), 1.0,
            what=f"{count} escalations",
        )  # fmt: skip
        time.sleep(5)  # anything that would fire twice has had time to
    finally:
        stop.set()
        procs.stop_all()
    fired = list(Escalation.objects.filter(step=1, ticket_id__in=ids).values_list("fired_at", "due_at"))
    lateness_ms = [(f - d).total_seconds() * 1000 for f, d in fired]
    result = {
        "scenario": label,
        "tickets": count,
        "fired": len(fired),
        "fired_twice": Escalation.objects.filter(step=1).count() - len(set(ids)),
        "alarms_left": Alarm.objects.filter(step=1).count(),
        "lateness_ms": {
            k: round(v, 1) if isinstance(v, float) else v for k, v in summary(lateness_ms).items()
        },
        "worker_peak_rss_mib": round(peak["rss"], 1),
        "logs": str(logdir),
    }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("scenario", choices=["lateness", "mass-breach"])
    parser.add_argument("--tickets", type=int, help="default 10000 (lateness) or 5000 (mass-breach)")
    parser.add_argument("--minutes", type=float, default=10, help="lateness: the window deadlines fall in")
    args = parser.parse_args()
    if args.scenario == "lateness":
        count = args.tickets or 10_000
        result = run(count, timedelta(seconds=30), timedelta(minutes=args.minutes), "lateness")
        result["minutes"] = args.minutes
    else:
        count = args.tickets or 5_000
        result = run(count, timedelta(seconds=90), timedelta(seconds=59), "mass-breach")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
