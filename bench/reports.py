"""Manager reporting at 1,000,000 SLA ledger rows. Targets: the grouped report for 30 days <= 500 ms, the
breach list's first page <= 200 ms.

    .venv/bin/python -m bench.reports [--rows 1000000] [--days 365] [--repeat 30]

The ledger (tickets filed uniformly over the last `--days`, about 2.1 rows a ticket, a breached cycle
in ten with its escalation steps) is written with INSERT ... SELECT (bench/data.py). Each figure times
the selectors exactly as the views call them: `sla_report_get` for the last 30 days in the manager's
zone (the page's default; its four queries), and the breach list's first page as `/reports/sla/`
builds it (Paginator: the count and 25 rows) and as `GET /api/v1/reports/sla/breaches/` does (50
rows). Each runs once to warm the cache, then `--repeat` times; the median, p95 and max are printed
with the EXPLAIN ANALYZE plan of every query, so the indexes used can be read off. Also timed: the
trends (chart buckets and heatmap), the month's credits, the whole page through the Django test client
(the ledger's verification cached, as between walks), and one full walk of the hash chain as
`ledger_verify` makes it (every row read and hashed: what the worker's `verify_ledger_chain` costs).
"""

import argparse
import json
import re
import time
from datetime import date

from bench.common import configure_django, fresh_database, timed

configure_django("reports")

from django.core.paginator import Paginator
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench.data import analyze, insert_ledger_history, insert_people
from escalation.models import LedgerEntry
from escalation.reports.periods import period_resolve
from escalation.reports.selectors.breaches import breach_list
from escalation.reports.selectors.credits import credit_list_for_month
from escalation.reports.selectors.filters import REPORT_GROUPS, ReportFilters
from escalation.reports.selectors.sla_report import sla_report_get
from escalation.reports.selectors.trends import sla_trends_get
from escalation.reports.sql import REPORT_SETTINGS_SQL
from escalation.roster.services.engineers import manager_ensure
from escalation.sla.integrity import ledger_integrity_check
from escalation.sla.services.ledger import entry_hash
from support_desk.web.views.reports import BREACHES_PER_PAGE
from tickets.models import Ticket

UTC = timezone.get_fixed_timezone(0)
API_PAGE_SIZE = 50


def plans(run) -> list[dict]:
    """Every query `run` sends, with its EXPLAIN ANALYZE plan and the indexes it names."""
    with CaptureQueriesContext(connection) as captured:
        run()
    found = []
    settings_sql = REPORT_SETTINGS_SQL
    planned = any(q["sql"] == settings_sql for q in captured.captured_queries)
    with transaction.atomic(), connection.cursor() as cursor:
        if planned:  # as the selector ran them
            cursor.execute(settings_sql)
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            lines = [row[0] for row in cursor.fetchall()]
            found.append(
                {
                    "query": sql[:160] + ("..." if len(sql) > 160 else ""),
                    "indexes": sorted(set(re.findall(r"using (\w+)", " ".join(lines), flags=re.I))),
                    "plan": lines,
                }
            )
    return found


def ledger_walk_seconds() -> tuple[float, int]:
    """One pass over the chain as `ledger_verify` makes it: every row read and hashed, in `seq` order."""
    started = time.perf_counter()
    walked = 0
    for entry in LedgerEntry.objects.order_by("seq").iterator(chunk_size=5000):
        entry_hash(entry)
        walked += 1
    return round(time.perf_counter() - started, 2), walked


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=365, help="the ledger spans this many days up to now")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--no-walk", action="store_true", help="skip the full walk of the hash chain")
    parser.add_argument(
        "--reuse", action="store_true", help="time the ledger the last run wrote instead of writing one"
    )
    args = parser.parse_args()

    now = timezone.now()
    started = time.perf_counter()
    if args.reuse and LedgerEntry.objects.exists():
        # The instant that run treated as now: its newest ticket was filed just before it.
        now = Ticket.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    else:
        fresh_database()
        with connection.cursor() as cursor:
            insert_people(cursor)
            insert_ledger_history(cursor, args.rows, now, days=args.days)
            analyze(cursor)
    load_seconds = round(time.perf_counter() - started, 1)

    period = period_resolve(start=None, end=None, zone=UTC, now=now)  # the default: the last 30 days
    filters = ReportFilters(period=period)
    rows = LedgerEntry.objects.count()
    in_window = LedgerEntry.objects.filter(due_at__gte=period.start, due_at__lt=period.end).count()

    def report(group_by: str):
        return lambda: sla_report_get(filters=filters, group_by=group_by)

    def breaches_page():
        page = Paginator(breach_list(filters=filters, now=now), BREACHES_PER_PAGE).get_page(1)
        return list(page.object_list)

    def breaches_api_page():
        rows_ = breach_list(filters=filters, now=now)
        return rows_.count(), list(rows_[:API_PAGE_SIZE])

    grouped = {group_by: timed(report(group_by), args.repeat) for group_by in REPORT_GROUPS}
    result = {
        "rows": rows,
        "days": args.days,
        "rows_due_in_30_days": in_window,
        "load_seconds": load_seconds,
        "grouped_report_ms": grouped["severity"],
        "grouped_report_by_ms": grouped,
        "breach_list_ms": timed(breaches_page, args.repeat),
        "breach_list_api_ms": timed(breaches_api_page, args.repeat),
        "trends_ms": timed(lambda: sla_trends_get(filters=filters, interval="day"), args.repeat),
        "credits_ms": timed(
            lambda: credit_list_for_month(month=date(now.year, now.month, 1), now=now), args.repeat
        ),
    }

    manager = manager_ensure(username="bench-manager", name="Bench Manager")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(manager)
    if not args.no_walk:
        result["ledger_walk_seconds"], result["ledger_rows_walked"] = ledger_walk_seconds()
    ledger_integrity_check(now=now)  # a result in the cache, as the page finds it between walks

    def page():
        response = client.get("/reports/sla/")
        assert response.status_code == 200, response.status_code

    result["report_page_ms"] = timed(page, max(5, args.repeat // 3))
    result["plans"] = {
        "grouped_report_by_severity": plans(report("severity")),
        "breach_list_first_page": plans(breaches_page),
    }
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()
