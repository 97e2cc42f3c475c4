"""The safety sweep's queries at 1,000,000 open tickets (target: <= 5 ms, on partial indexes).

    .venv/bin/python -m bench.sweep [--tickets 1000000] [--overdue 10000] [--repeat 200]

Times the queries exactly as the worker builds them: the breach sweep's two overdue-without-breach
queries and the alarm tick's two hand-over queries (alarms whose ETA was lost, alarms never handed
over), each one page as the tick reads it. The tick is timed three times: catching up, with `--overdue`
tickets generated overdue and never handed over (as after an outage of the broker); with that backlog
handed over and not fired yet (the next tick must not pay for it); and in the steady state, where the
overdue alarms have fired and the next 55 s of alarms went out on earlier ticks, so only the last 5 s
are new.
"""

import argparse
import json
import time
from datetime import timedelta

from bench.common import configure_django, fresh_database, timed

configure_django("sweep")

from django.db import connection, transaction
from django.utils import timezone

from bench.data import analyze, insert_alarms_for_open_tickets, insert_open_tickets, insert_people
from escalation.models import Alarm, Metric
from escalation.paging.services.alarms import HANDOVER_PAGE, alarms_lost, alarms_never_handed_over
from escalation.sla.services.clock import tickets_overdue_without_breach


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--overdue", type=int, default=10_000, help="tickets overdue, never handed over")
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()

    fresh_database()
    now = timezone.now()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        insert_people(cursor)
        insert_open_tickets(cursor, args.tickets, now, overdue_fraction=args.overdue / args.tickets)
        insert_alarms_for_open_tickets(cursor)
        analyze(cursor)
    load_seconds = time.perf_counter() - started

    def pages():
        return {
            "lost": alarms_lost(now=now).values_list("pk", "due_at", "lost_at")[:HANDOVER_PAGE],
            "never_handed_over": alarms_never_handed_over(now=now).values_list("pk", "due_at")[
                :HANDOVER_PAGE
            ],
        }

    def tick() -> dict:
        """Each of the tick's page queries timed on its own; the slower one's figures, and both."""

        def run(name):
            def query():
                with transaction.atomic():
                    list(pages()[name].select_for_update(skip_locked=True))

            return query

        figures = {name: timed(run(name), args.repeat) for name in ("lost", "never_handed_over")}
        slower = max(figures.values(), key=lambda f: f["p50"])
        return {**slower, "per_query": {name: f["p50"] for name, f in figures.items()}}

    def sweep(metric):
        return lambda: list(
            tickets_overdue_without_breach(metric=metric, now=now).values_list("pk", flat=True)[:500]
        )

    with connection.cursor() as cursor:
        plans = {}
        queries = {f"alarm_tick_{name}": page for name, page in pages().items()}
        queries["breach_sweep_first_response"] = tickets_overdue_without_breach(
            metric=Metric.FIRST_RESPONSE, now=now
        ).values_list("pk", flat=True)[:500]
        for name, qs in queries.items():
            sql, params = qs.query.sql_with_params()
            cursor.execute("EXPLAIN " + sql, params)
            plans[name] = [row[0] for row in cursor.fetchall()][:4]
    result = {
        "tickets": args.tickets,
        "load_seconds": round(load_seconds, 1),
        "alarm_tick_catch_up_rows": Alarm.objects.filter(due_at__lte=now, enqueued_at__isnull=True).count(),
        "alarm_tick_catch_up_ms": tick(),
        "breach_sweep_first_response_ms": timed(sweep(Metric.FIRST_RESPONSE), args.repeat),
        "breach_sweep_resolution_ms": timed(sweep(Metric.RESOLUTION), args.repeat),
        "plans": plans,
    }
    # The backlog handed over a second ago and not fired yet: the next tick reads past it.
    Alarm.objects.filter(due_at__lte=now).update(enqueued_at=now - timedelta(seconds=1))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE escalation_alarm")
    result["alarm_tick_in_flight_rows"] = Alarm.objects.filter(due_at__lte=now).count()
    result["alarm_tick_in_flight_ms"] = tick()
    # The steady state: what was overdue has fired (fired alarms are deleted); earlier ticks handed
    # over everything due in the next 55 s.
    Alarm.objects.filter(due_at__lte=now).delete()
    Alarm.objects.filter(due_at__lte=now + timedelta(seconds=55)).update(
        enqueued_at=now - timedelta(seconds=2)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE escalation_alarm")
    result["alarm_tick_steady_rows"] = len(alarms_never_handed_over(now=now)[:HANDOVER_PAGE])
    result["alarm_tick_steady_ms"] = tick()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
