"""The safety sweep's queries at 1,000,000 open tickets (target: <= 5 ms, on partial indexes).

    .venv/bin/python -m bench.sweep [--tickets 1000000] [--repeat 200]

Times the queries exactly as the worker builds them: the breach sweep's two overdue-without-breach
queries and the alarm tick's hand-over query, each with the LIMIT the worker uses. The tick is timed
twice: catching up, with the 0.1 % of tickets generated overdue never handed over (as after an outage
of the broker), and in the steady state, where the overdue alarms have fired and the next 55 s of
alarms went out on earlier ticks, so only the last 5 s are new.
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
from escalation.paging.services.alarms import ENQUEUE_BATCH, alarms_due_for_handover
from escalation.sla.services.clock import tickets_overdue_without_breach


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()

    fresh_database()
    now = timezone.now()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        insert_people(cursor)
        insert_open_tickets(cursor, args.tickets, now)
        insert_alarms_for_open_tickets(cursor)
        analyze(cursor)
    load_seconds = time.perf_counter() - started

    def tick():
        with transaction.atomic():
            list(
                alarms_due_for_handover(now=now)
                .select_for_update(skip_locked=True)
                .values_list("pk", "due_at")[:ENQUEUE_BATCH]
            )

    def sweep(metric):
        return lambda: list(
            tickets_overdue_without_breach(metric=metric, now=now).values_list("pk", flat=True)[:500]
        )

    with connection.cursor() as cursor:
        plans = {}
        for name, qs in {
            "alarm_tick": alarms_due_for_handover(now=now).values_list("pk", "due_at")[:ENQUEUE_BATCH],
            "breach_sweep_first_response": tickets_overdue_without_breach(
                metric=Metric.FIRST_RESPONSE, now=now
            ).values_list("pk", flat=True)[:500],
        }.items():
            sql, params = qs.query.sql_with_params()
            cursor.execute("EXPLAIN " + sql, params)
            plans[name] = [row[0] for row in cursor.fetchall()][:4]
    result = {
        "tickets": args.tickets,
        "load_seconds": round(load_seconds, 1),
        "alarm_tick_catch_up_rows": len(alarms_due_for_handover(now=now)[:ENQUEUE_BATCH]),
        "alarm_tick_catch_up_ms": timed(tick, args.repeat),
        "breach_sweep_first_response_ms": timed(sweep(Metric.FIRST_RESPONSE), args.repeat),
        "breach_sweep_resolution_ms": timed(sweep(Metric.RESOLUTION), args.repeat),
        "plans": plans,
    }
    # The steady state: what was overdue has fired (fired alarms are deleted); earlier ticks handed
    # over everything due in the next 55 s.
    Alarm.objects.filter(due_at__lte=now).delete()
    Alarm.objects.filter(due_at__lte=now + timedelta(seconds=55)).update(
        enqueued_at=now - timedelta(seconds=2)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE escalation_alarm")
    result["alarm_tick_steady_rows"] = len(alarms_due_for_handover(now=now)[:ENQUEUE_BATCH])
    result["alarm_tick_steady_ms"] = timed(tick, args.repeat)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
