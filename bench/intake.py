"""Ticket intake throughput: `POST /api/v1/tickets/` (deadlines computed, alarms planned, routing
enqueued to Redis) against a bare DRF create endpoint on the same table shape, in the same run.

    .venv/bin/python -m bench.intake [--runs 3] [--seconds 10]

gunicorn with 2 sync workers on PostgreSQL; wrk on loopback (2 threads, 16 connections) posting JSON
with a new requester email each time. Target: intake >= 50 % of the bare endpoint's throughput.
"""

import argparse
import json
import statistics
import tempfile
from pathlib import Path

from bench.common import configure_django, fresh_database, process_env, spread, wrk

configure_django("intake", settings_module="bench.settings")

from tests.faults.harness import Processes, free_port
from tickets.models import Customer, CustomerDomain, Ticket

INTAKE_BODY = (
    '{"subject": "Edge down in Sao Paulo", "description": "Viewers see buffering on every stream.", '
    '"severity": "major", "requester": {"email": "noc%d-%d@streamco.example", "name": "NOC"}}'
)
BARE_BODY = (
    '{"subject": "Edge down in Sao Paulo", "description": "Viewers see buffering on every stream.", '
    '"severity": "major", "requester_email": "noc%d-%d@streamco.example", "requester_name": "NOC"}'
)


def lua_script(body_format: str) -> str:
    """A wrk script that POSTs `body_format` (a Lua format string) with a new email each request."""
    return f"""
local counter = 0
local thread_id = math.random(1, 1000000)
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  counter = counter + 1
  return wrk.format(nil, nil, nil, string.format([[{body_format}]], thread_id, counter))
end
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()

    fresh_database()
    customer = Customer.objects.create(name="StreamCo", plan="premium")
    CustomerDomain.objects.create(customer=customer, domain="streamco.example")
    logdir = Path(tempfile.mkdtemp(prefix="bench-intake-"))
    bare_lua = logdir / "bare.lua"
    bare_lua.write_text(lua_script(BARE_BODY))
    intake_lua = logdir / "intake.lua"
    intake_lua.write_text(lua_script(INTAKE_BODY))
    env = process_env(
        DJANGO_SETTINGS_MODULE="bench.settings",
        API_TICKET_INTAKE_RATE="100000000/s",
        LOG_LEVEL="WARNING",
    )
    procs = Processes(env, logdir)
    port = free_port()
    results = {"bare": [], "intake": []}
    try:
        procs.web(port)
        base = f"http://127.0.0.1:{port}"
        wrk(f"{base}/bench/bare-tickets/", bare_lua, seconds=2)  # warm both up
        wrk(f"{base}/api/v1/tickets/", intake_lua, seconds=2)
        for _ in range(args.runs):
            results["bare"].append(wrk(f"{base}/bench/bare-tickets/", bare_lua, seconds=args.seconds))
            results["intake"].append(wrk(f"{base}/api/v1/tickets/", intake_lua, seconds=args.seconds))
    finally:
        procs.stop_all()
    ratios = [i["rps"] / b["rps"] for b, i in zip(results["bare"], results["intake"], strict=True)]
    summary = {
        "bare_rps": spread([r["rps"] for r in results["bare"]]),
        "intake_rps": spread([r["rps"] for r in results["intake"]]),
        "intake_to_bare": spread(ratios),
        "intake_p50_ms": spread([r["p50_ms"] for r in results["intake"]]),
        "intake_p99_ms": spread([r["p99_ms"] for r in results["intake"]]),
        "bare_p99_ms": spread([r["p99_ms"] for r in results["bare"]]),
        "errors": sum(r["non_2xx"] for rs in results.values() for r in rs),
        "tickets_created": Ticket.objects.count(),
        "median_ratio": round(statistics.median(ratios), 3),
        "runs": results,
    }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
