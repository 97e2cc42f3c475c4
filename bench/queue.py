"""The engineers' queue at 1,000,000 tickets: `/queue/` and `GET /api/v1/tickets/?ordering=...`.

    .venv/bin/python -m bench.queue [--tickets 1000000] [--runs 3] [--seconds 10]

Tickets are written with INSERT ... SELECT; gunicorn with 2 sync workers serves the pages to wrk on
loopback as a logged-in engineer. Target: p95 <= 50 ms. wrk keeps one connection per worker
(`--connections 2`), so both workers are busy all the time and the latency is the page's own, not
time spent queueing for a worker; `--connections 8` shows the queueing as well. The SQL query count
of each page is measured in-process and printed next to it.
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

from bench.common import configure_django, fresh_database, process_env, spread, wrk

configure_django("queue")

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.data import analyze, insert_open_tickets, insert_people
from escalation.roster.services.api_tokens import api_token_issue
from tests.faults.harness import Processes, free_port

PAGES = {
    "queue_html": "/queue/",
    "queue_html_mine_major": "/queue/?view=mine&severity=major",
    "api_by_time_left": "/api/v1/tickets/?ordering=next_due_at",
    "api_newest_first": "/api/v1/tickets/?ordering=-created_at",
    "api_major_open": "/api/v1/tickets/?severity=major&status=open&ordering=next_due_at",
}


def lua_get(headers: dict) -> str:
    lines = "\n".join(f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items())
    return f'wrk.method = "GET"\n{lines}\n'


def query_count(client: Client, path: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    return response.status_code, len(captured)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=2, help="wrk connections (default: one a worker)")
    args = parser.parse_args()

    fresh_database()
    started = time.perf_counter()
    from django.utils import timezone

    with connection.cursor() as cursor:
        insert_people(cursor)
        insert_open_tickets(cursor, args.tickets, timezone.now(), overdue_fraction=0.01)
        analyze(cursor)
    load_seconds = time.perf_counter() - started

    engineer = get_user_model().objects.get(username="eng1")
    session = SessionStore()
    session["_auth_user_id"] = str(engineer.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = engineer.get_session_auth_hash()
    session.create()
    _, token = api_token_issue(user=engineer, now=timezone.now())

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(engineer)
    counts = {name: query_count(client, path) for name, path in PAGES.items()}

    logdir = Path(tempfile.mkdtemp(prefix="bench-queue-"))
    html_lua, api_lua = logdir / "html.lua", logdir / "api.lua"
    html_lua.write_text(lua_get({"Cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}"}))
    api_lua.write_text(lua_get({"Authorization": f"Token {token}"}))
    procs = Processes(process_env(LOG_LEVEL="WARNING"), logdir)
    port = free_port()
    results: dict[str, list] = {name: [] for name in PAGES}
    try:
        procs.web(port)
        for name, path in PAGES.items():
            script = html_lua if name.startswith("queue") else api_lua
            wrk(f"http://127.0.0.1:{port}{path}", script, seconds=2, connections=args.connections)  # warm up
            for _ in range(args.runs):
                results[name].append(
                    wrk(f"http://127.0.0.1:{port}{path}", script, args.seconds, connections=args.connections)
                )
    finally:
        procs.stop_all()
    print(
        json.dumps(
            {
                "tickets": args.tickets,
                "connections": args.connections,
                "load_seconds": round(load_seconds, 1),
                "pages": {
                    name: {
                        "status": counts[name][0],
                        "queries": counts[name][1],
                        "rps": spread([r["rps"] for r in runs]),
                        "p50_ms": spread([r["p50_ms"] for r in runs]),
                        "p95_ms": spread([r["p95_ms"] for r in runs]),
                        "p99_ms": spread([r["p99_ms"] for r in runs]),
                        "errors": sum(r["non_2xx"] for r in runs),
                    }
                    for name, runs in results.items()
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
