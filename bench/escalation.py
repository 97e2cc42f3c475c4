"""Escalation lateness, mass breach, catch-up, ledger appends and firing throughput, with real workers and
beat on PostgreSQL and Redis.

    .venv/bin/python -m bench.escalation lateness --tickets 10000 --minutes 10
    .venv/bin/python -m bench.escalation mass-breach --tickets 5000     # and --tickets 20000
    .venv/bin/python -m bench.escalation catch-up --tickets 10000       # overdue when Redis returns
    .venv/bin/python -m bench.escalation ledger --seconds 10            # appends/s, 1, 2 and 4 writers
    .venv/bin/python -m bench.escalation throughput --tickets 4000      # firing, 1, 2 and 4 processes

Lateness is measured from each step's due instant to its `escalated` event (`Escalation.fired_at`),
read just before the transaction that fires the step: sending its SMS and calls comes after, in tasks
of their own (`send_notification`, `send_page`), and is not in the figure. As in the Procfile, those
tasks run in a `pager` worker of their own (queue `pages`, 2 processes) beside the firing `worker`
(queue `celery`, 4 processes); they share the machine's 2 cores (`--no-twilio` gives the figure
without them). The firing batch places each SMS and call in its recipient's grouping window, so a
storm leaves one send task per recipient and window, not one per notification.

Data is generated with bulk_create (tickets, clocks and alarms as the services would plan them), not
through the API.

Twilio: the mass breach runs with Twilio configured against a loopback server started here
(tests/twilio_server.py), which the worker reaches through the real twilio client, with the
production defaults for grouping (PAGE_GROUP_WINDOW_SECONDS) and the sender's rate limit
(TWILIO_MESSAGES_PER_SECOND); after the storm it counts what the server received per recipient and
window (`paging` in the JSON). `--no-twilio`, and the other scenarios, leave Twilio unconfigured:
notifications are recorded and logged, with no task spent on them.
"""

import argparse
import bisect
import contextlib
import json
import multiprocessing
import os
import re
import tempfile
import threading
import time
from datetime import time as clock_time
from datetime import timedelta
from pathlib import Path

from bench.common import configure_django, fresh_database, process_env, rss_mib, summary, timed

configure_django("escalation")

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from bench.data import insert_open_tickets, insert_people
from escalation.models import Alarm, BusinessCalendar, Engineer, Escalation, Notification, Page, TicketClock
from escalation.paging.selectors import page_get_with_tickets
from escalation.paging.services.alarms import HANDOVER_PAGE, alarms_lost, alarms_never_handed_over
from escalation.sla.services.ledger import (
    GENESIS_HASH,
    LedgerRow,
    ledger_append,
    ledger_append_many,
    ledger_verify,
)
from tests.faults.harness import Processes, wait_until
from tests.twilio_server import CREDENTIALS as TWILIO_CREDENTIALS
from tests.twilio_server import TwilioServer
from tickets.models import Customer, Requester, Severity, Status, Ticket

TARGET = timedelta(minutes=15)  # premium major first response


def seed(count: int, first_due, span: timedelta, lost_fraction: float = 0.0) -> list[int]:
    """`count` open major tickets whose first responses fall due evenly from `first_due` over `span`.

    `lost_fraction` of the alarms were handed over 30 s before they fell due (their ETAs lost since)."""
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
    every = round(1 / lost_fraction) if lost_fraction else 0
    handed = timedelta(seconds=30)
    Alarm.objects.bulk_create(
        [
            Alarm(
                ticket=t, metric="first_response", cycle=1, step=1, due_at=t.first_response_due_at,
                enqueued_at=t.first_response_due_at - handed if every and i % every == 0 else None,
            )
            for i, t in enumerate(tickets)
        ],
        batch_size=5000,
    )  # fmt: skip
    return [t.pk for t in tickets]


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its live children (Linux /proc), in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    with contextlib.suppress(OSError):
        pids += [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    total = 0
    for p in pids:
        with contextlib.suppress(OSError, IndexError):
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def machine_cpu_seconds() -> float:
    """CPU time the whole machine spent busy (all cores), from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def run(count: int, first_due_in: timedelta, span: timedelta, label: str, twilio: bool = False) -> dict:
    """`count` step-1 alarms due evenly over `span`, from `first_due_in`; fired by one worker (4 pool
    processes) with beat. With `twilio`, the worker sends through the real client to a loopback server."""
    fresh_database()
    now = timezone.now()
    ids = seed(count, now + first_due_in, span)
    last_due = now + first_due_in + span
    logdir = Path(tempfile.mkdtemp(prefix=f"bench-{label}-"))
    server = TwilioServer().__enter__() if twilio else None
    env = process_env(**twilio_env(server.url)) if server else process_env()
    procs = Processes(env, logdir)
    peak = {"rss": 0.0}
    rss_samples: list[float] = []
    stop = threading.Event()
    try:
        worker = procs.worker(concurrency=4, queues="celery")
        procs.worker("pager", concurrency=2, queues="pages")
        procs.beat()

        def sample():
            while not stop.is_set():
                rss = rss_mib(worker.pid)
                peak["rss"] = max(peak["rss"], rss)
                rss_samples.append(rss)
                time.sleep(0.5)

        threading.Thread(target=sample, daemon=True).start()
        wait_seconds = (last_due - timezone.now()).total_seconds() + 120
        wait_until(
            lambda: Escalation.objects.filter(step=1).count() >= count, max(wait_seconds, 60), 1.0,
            what=f"{count} escalations",
        )  # fmt: skip
        time.sleep(5)  # anything that would fire twice has had time to
        if server:
            # The last windows close up to a window after the last step, and chain while the storm lasts.
            paging_settled(timeout=3 * PAGE_WINDOW.total_seconds() + 120 + count / 25)
            time.sleep(2)  # anything that would send a second message for a window has had time to
    finally:
        stop.set()
        procs.stop_all()
        if server:
            server.__exit__(None, None, None)
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
        "worker_rss_first_last_mib": [round(rss_samples[0], 1), round(rss_samples[-1], 1)]
        if rss_samples
        else [],
        "ledger_verified": not any(True for _ in ledger_verify()),
        "logs": str(logdir),
    }
    if server:
        result["paging"] = paging_figures(server.fake.requests)
    return result


# --- pages: what the loopback Twilio server received, per recipient and window -----------------------

PAGE_WINDOW = timedelta(seconds=30)  # PAGE_GROUP_WINDOW_SECONDS, the production default, left unset
PUBLIC_BASE_URL = "https://desk.example.com"
UNSETTLED_PAGES = (Page.Status.COLLECTING, Page.Status.QUEUED, Page.Status.SENDING)
UNSETTLED_NOTIFICATIONS = (Notification.Status.QUEUED, Notification.Status.SENDING)


def twilio_env(url: str) -> dict:
    """The worker's settings for the loopback server: credentials, its address, a public base URL for the
    pages' links. Grouping and the sender's rate limit keep their production defaults."""
    return {
        **TWILIO_CREDENTIALS,
        "TWILIO_API_BASE_URL": url,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
    }


def paging_settled(timeout: float) -> None:
    """Wait until every window has closed and sent, and no SMS or call is left to send."""
    wait_until(
        lambda: not Page.objects.filter(status__in=UNSETTLED_PAGES).exists()
        and not Notification.objects.filter(status__in=UNSETTLED_NOTIFICATIONS, channel__in=("sms", "voice"))
        .exists(),
        timeout, 1.0, what="every page sent",
    )  # fmt: skip


def by_status(model) -> dict[str, int]:
    rows = model.objects.order_by("status").values("status").annotate(n=Count("pk"))
    return {row["status"]: row["n"] for row in rows}


def paging_figures(requests: list) -> dict:
    """What the loopback server received (accepted messages, by the time each arrived), counted per
    recipient and window.

    A recipient's windows on a channel are its `Page` rows, each [opened_at, closes_at), PAGE_WINDOW long;
    the stretches between and around them (a quiet gap, after the last close) count as windows too. The
    first notification of a quiet period opens a window and goes out at once; the window's grouped
    message goes out when it closes, into the next stretch: so at most one message arrives per window,
    unless one comes late by a window's length or a window sends twice. Each message is also tied to its
    page by the SID the server answered with: the first notification's (`Notification.provider_id`) or
    the grouped message's (`Page.provider_id`); one no page owns is `unattributed` (must be 0), and
    `delay_after_trigger_s` is how long after its window opened (alone) or closed (grouped) it arrived.

    Listing: every page read with the selector of `/pages/<id>/`; every fired escalation must be on some
    page, and a grouped message's "all N" must be the tickets its page lists.
    """
    pages = list(
        Page.objects.order_by("pk").values("pk", "recipient", "channel", "opened_at", "closes_at", "body")
    )
    bounds: dict[tuple[str, str], list[float]] = {}
    for page in pages:
        edges = bounds.setdefault((page["recipient"], page["channel"]), [])
        edges += [page["opened_at"].timestamp(), page["closes_at"].timestamp()]
    trigger = {p["pk"]: p for p in pages}
    owner: dict[str, tuple[int, str]] = {
        sid: (page_id, "closes_at")
        for sid, page_id in Page.objects.exclude(provider_id="").values_list("provider_id", "pk")
    }
    alone = Notification.objects.filter(page__isnull=False, grouped=False).exclude(provider_id="")
    owner |= {sid: (page_id, "opened_at") for sid, page_id in alone.values_list("provider_id", "page_id")}

    per_window: dict[tuple[str, str, int], int] = {}
    per_page: dict[int, int] = {}
    delays: list[float] = []
    unattributed = 0
    accepted = [r for r in requests if r.status == 201]
    for r in accepted:
        channel = "voice" if r.path.endswith("/Calls.json") else "sms"
        key = (r.form.get("To", ""), channel)
        stretch = bisect.bisect_right(sorted(set(bounds.get(key, []))), r.at)
        per_window[(*key, stretch)] = per_window.get((*key, stretch), 0) + 1
        page_id, edge = owner.get(r.sid, (None, ""))
        if page_id is None:
            unattributed += 1
            continue
        per_page[page_id] = per_page.get(page_id, 0) + 1
        delays.append(r.at - trigger[page_id][edge].timestamp())
    refused = [r for r in requests if r.status != 201]
    too_many = [r for r in refused if r.status == 429]
    sms_at = sorted(r.at for r in accepted if r.path.endswith("/Messages.json"))
    calls_at = sorted(r.at for r in accepted if r.path.endswith("/Calls.json"))
    lengths = {round((p["closes_at"] - p["opened_at"]).total_seconds(), 3) for p in pages}

    fired = set(Escalation.objects.filter(step=1).values_list("pk", flat=True))
    listed: set[int] = set()
    listing_short = 0  # pages whose listing lacks a ticket their notifications name
    count_mismatch = 0  # grouped messages whose "all N" differs from the tickets listed
    for page in pages:
        shown = page_get_with_tickets(page_id=page["pk"])
        on_page = {n.ticket_id for n in shown.members}
        listed |= {n.escalation_id for n in shown.members if n.escalation_id}
        named = set(Notification.objects.filter(page_id=page["pk"]).values_list("ticket_id", flat=True))
        listing_short += not named <= on_page
        said = re.search(r"\b[Aa]ll (\d+)", page["body"])
        count_mismatch += bool(said) and int(said.group(1)) != len(on_page)

    def most(channel: str) -> int:
        return max((n for (_, c, _), n in per_window.items() if c == channel), default=0)

    return {
        "window_s": PAGE_WINDOW.total_seconds(),
        "window_lengths_s": sorted(lengths),
        "recipients": len({to for to, _, _ in per_window}),
        "pages": len(pages),
        "pages_by_status": by_status(Page),
        "sms_received": len(sms_at),
        "calls_received": len(calls_at),
        "max_sms_per_recipient_per_window": most("sms"),
        "max_calls_per_recipient_per_window": most("voice"),
        "max_messages_per_page": max(per_page.values(), default=0),  # its first, alone, and its grouped one
        "unattributed_messages": unattributed,
        "delay_after_trigger_s": {
            k: round(v, 2) if isinstance(v, float) else v for k, v in summary(delays).items()
        },
        "fired": len(fired),
        "fired_listed_on_a_page": len(fired & listed),
        "pages_listing_short": listing_short,
        "grouped_counts_unlike_listing": count_mismatch,
        "sms_span_s": round(sms_at[-1] - sms_at[0], 2) if sms_at else None,
        "calls_span_s": round(calls_at[-1] - calls_at[0], 2) if calls_at else None,
        "requests_refused": len(refused),
        "http_429": len(too_many),
        "retry_after_seen": sorted({r.retry_after for r in too_many if r.retry_after}),
        "notifications_by_status": by_status(Notification),
    }


def tick_query_ms(now, repeat: int = 50) -> dict:
    """Each of the tick's two page queries (lost, never handed over) as it runs them, rolled back."""

    def page(select):
        def run():
            with transaction.atomic():
                list(select(now=now).select_for_update(skip_locked=True).values_list("pk")[:HANDOVER_PAGE])

        return run

    figures = {
        "lost": timed(page(alarms_lost), repeat),
        "never_handed_over": timed(page(alarms_never_handed_over), repeat),
    }
    slower = max(figures.values(), key=lambda f: f["p50"])
    return {**{k: slower[k] for k in ("p50", "p95", "p99", "max")}, "per_query": figures}


def catch_up(count: int, outage: timedelta, background: int) -> dict:
    """Redis was away for `outage`: `count` step-1 alarms fell due in it (a fifth handed over before it
    and lost, the rest never handed over), among `background` tickets due later. Beat and a worker start:
    how long until every overdue step fired once, and what the tick's query costs then."""
    fresh_database()
    now = timezone.now()
    ids = seed(count, now - outage, outage - timedelta(seconds=1), lost_fraction=0.2)
    if background:
        seed_background(background, now)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    query_ms = tick_query_ms(timezone.now())
    logdir = Path(tempfile.mkdtemp(prefix="bench-catch-up-"))
    procs = Processes(process_env(), logdir)
    peak = {"rss": 0.0}
    stop = threading.Event()
    try:
        worker = procs.worker(concurrency=4)

        def sample():
            while not stop.is_set():
                peak["rss"] = max(peak["rss"], rss_mib(worker.pid))
                time.sleep(0.5)

        threading.Thread(target=sample, daemon=True).start()
        back = timezone.now()  # Redis is back: beat's next tick finds the backlog
        procs.beat()
        wait_until(
            lambda: Escalation.objects.filter(step=1, ticket_id__in=ids).count() >= count, 300, 0.5,
            what=f"{count} overdue escalations",
        )  # fmt: skip
        done = timezone.now()
        time.sleep(5)
    finally:
        stop.set()
        procs.stop_all()
    fired = list(Escalation.objects.filter(step=1, ticket_id__in=ids).values_list("fired_at", flat=True))
    return {
        "scenario": "catch-up",
        "overdue": count,
        "background_tickets": background,
        "outage_minutes": outage.total_seconds() / 60,
        "fired": len(fired),
        "fired_twice": Escalation.objects.filter(step=1, ticket_id__in=ids).count() - count,
        "all_fired_after_return_s": round((max(fired) - back).total_seconds(), 2),
        "first_fired_after_return_s": round((min(fired) - back).total_seconds(), 2),
        "wall_s": round((done - back).total_seconds(), 2),
        "tick_query_ms": query_ms,
        "worker_peak_rss_mib": round(peak["rss"], 1),
        "ledger_verified": not any(True for _ in ledger_verify()),
        "logs": str(logdir),
    }


def seed_background(count: int, now) -> None:
    """`count` tickets due over the next 30 days, with their step-1 alarms (the tick's index holds them)."""
    with connection.cursor() as cursor:
        insert_people(cursor, engineers=2, customers=2)
        insert_open_tickets(cursor, count, now + timedelta(hours=2), overdue_fraction=0)
        cursor.execute(
            """
            INSERT INTO escalation_alarm (metric, cycle, step, due_at, enqueued_at, ticket_id)
            SELECT 'first_response', 1, 1, first_response_due_at, NULL, id
            FROM tickets_ticket WHERE subject LIKE 'Edge outage %%' AND first_response_due_at > %s
            """,
            [now + timedelta(hours=1)],
        )


def _appender(args) -> tuple[int, int, float]:
    """One writer: append breach rows for its own tickets for `seconds`, `per_transaction` at a time."""
    ticket_ids, seconds, per_transaction = args
    from django.db import connections

    connections.close_all()
    done = 0
    started = time.perf_counter()
    now = timezone.now()
    position = 0
    while time.perf_counter() - started < seconds and position < len(ticket_ids):
        chunk = ticket_ids[position : position + per_transaction]
        position += len(chunk)
        with transaction.atomic():
            tickets = list(Ticket.objects.select_for_update().filter(pk__in=chunk).order_by("pk"))
            rows = [
                LedgerRow(
                    ticket=t, kind="breach", metric="first_response", cycle=1, target=TARGET,
                    started_at=t.created_at, due_at=t.first_response_due_at, achieved_at=None,
                    elapsed=now - t.created_at,
                )
                for t in tickets
            ]  # fmt: skip
            if per_transaction == 1:
                row = rows[0]
                ledger_append(
                    ticket=row.ticket, kind=row.kind, metric=row.metric, cycle=row.cycle, target=row.target,
                    started_at=row.started_at, due_at=row.due_at, achieved_at=None, elapsed=row.elapsed,
                    now=now, mark_ticket=False,
                )  # fmt: skip
            else:
                ledger_append_many(rows=rows, now=now)
        done += len(chunk)
    elapsed = time.perf_counter() - started
    connections.close_all()
    return done, len(ticket_ids), elapsed


def ledger_bench(seconds: float, writers_list=(1, 2, 4), batch: int = 100) -> dict:
    """Ledger appends per second with 1, 2 and 4 concurrent writers (processes), one row per transaction
    (`ledger_append`, as a lone firing) and `batch` rows per transaction (`ledger_append_many`)."""
    fresh_database()
    per_writer = int(seconds * 2500)  # more tickets than a writer can append in `seconds`
    ids = seed(per_writer * max(writers_list), timezone.now() - timedelta(minutes=1), timedelta(seconds=30))
    from django.db import connections

    result = {"scenario": "ledger", "seconds": seconds, "batch": batch, "runs": {}}
    offset = 0
    for per_transaction in (1, batch):
        for writers in writers_list:
            chunks = [ids[offset + i * per_writer : offset + (i + 1) * per_writer] for i in range(writers)]
            connections.close_all()
            with multiprocessing.get_context("fork").Pool(writers) as pool:
                outcomes = pool.map(_appender, [(c, seconds, per_transaction) for c in chunks])
            offset = 0  # tickets are reused across runs only after the ledger is emptied
            appended = sum(o[0] for o in outcomes)
            wall = max(o[2] for o in outcomes)
            key = f"{'single' if per_transaction == 1 else 'batch'}_{writers}_writers"
            result["runs"][key] = {
                "appends_per_s": round(appended / wall, 1),
                "per_writer_per_s": round(appended / wall / writers, 1),
            }
            result["runs"][key]["verified"] = not any(True for _ in ledger_verify())
            reset_ledger()
    result["ledger_verified"] = all(run["verified"] for run in result["runs"].values())
    return result


def reset_ledger() -> None:
    """Empty the ledger between runs (behind the append-only guard: a benchmark database only)."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE escalation_ledgerentry DISABLE TRIGGER USER")
        cursor.execute("TRUNCATE escalation_ledgerentry")
        cursor.execute("ALTER TABLE escalation_ledgerentry ENABLE TRIGGER USER")
        cursor.execute("UPDATE escalation_ledgerhead SET seq = 0, hash = %s", [GENESIS_HASH])


def throughput(count: int, workers_list=(1, 2, 4)) -> dict:
    """Firing throughput: `count` step-1 alarms all due at once, fired by one worker with 1, 2 and 4 pool
    processes; per-process steps/s and CPU per step (the worker's, and the whole machine's)."""
    result = {"scenario": "throughput", "tickets": count, "runs": {}}
    for processes in workers_list:
        fresh_database()
        now = timezone.now()
        ids = seed(count, now + timedelta(seconds=20), timedelta(0))  # all due at the same instant
        logdir = Path(tempfile.mkdtemp(prefix=f"bench-throughput-{processes}-"))
        procs = Processes(process_env(), logdir)
        try:
            worker = procs.worker(concurrency=processes)
            procs.beat()
            due = now + timedelta(seconds=20)
            wait_until(lambda d=due: timezone.now() >= d, 60, 0.01, what="due")
            cpu0, machine0, wall0 = cpu_seconds(worker.pid), machine_cpu_seconds(), time.perf_counter()
            wait_until(
                lambda: Escalation.objects.filter(step=1).count() >= count, 600, 0.2, what=f"{count} fired"
            )
            cpu1, machine1, wall1 = cpu_seconds(worker.pid), machine_cpu_seconds(), time.perf_counter()
        finally:
            procs.stop_all()
        wall = wall1 - wall0
        result["runs"][f"{processes}_processes"] = {
            "wall_s": round(wall, 2),
            "steps_per_s": round(count / wall, 1),
            "steps_per_s_per_process": round(count / wall / processes, 1),
            "worker_cpu_ms_per_step": round((cpu1 - cpu0) * 1000 / count, 2),
            "machine_cpu_ms_per_step": round((machine1 - machine0) * 1000 / count, 2),
            "fired_twice": Escalation.objects.filter(step=1).count() - len(set(ids)),
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("scenario", choices=["lateness", "mass-breach", "catch-up", "ledger", "throughput"])
    parser.add_argument(
        "--tickets", type=int, help="default 10000 (lateness, catch-up) or 5000 (mass-breach)"
    )
    parser.add_argument("--minutes", type=float, default=10, help="lateness: the window deadlines fall in")
    parser.add_argument("--background", type=int, default=100_000, help="catch-up: tickets due later")
    parser.add_argument("--seconds", type=float, default=5, help="ledger: seconds per run")
    parser.add_argument(
        "--no-twilio", action="store_true", help="mass-breach: Twilio unconfigured (notifications logged)"
    )
    args = parser.parse_args()
    if args.scenario == "lateness":
        count = args.tickets or 10_000
        result = run(count, timedelta(seconds=30), timedelta(minutes=args.minutes), "lateness")
        result["minutes"] = args.minutes
    elif args.scenario == "mass-breach":
        count = args.tickets or 5_000
        result = run(
            count, timedelta(seconds=90), timedelta(seconds=59), "mass-breach", twilio=not args.no_twilio
        )
    elif args.scenario == "catch-up":
        result = catch_up(args.tickets or 10_000, timedelta(minutes=10), args.background)
    elif args.scenario == "ledger":
        result = ledger_bench(args.seconds)
    else:
        result = throughput(args.tickets or 4_000)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
