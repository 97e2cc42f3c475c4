"""Ticket intake throughput, two rows, each against its floor in the same run:

- API: `POST /api/v1/tickets/` (deadlines computed, alarms planned, the confirmation email recorded,
  routing and the email enqueued to Redis) against a bare DRF create endpoint on the same table shape;
- form: the public web form's POST to `/` (the same filing, CSRF checked, the per-address rate limit
  counted in Redis, a redirect to the confirmation page) against a bare Django form view that saves
  one row on the same table shape and redirects.

    .venv/bin/python -m bench.intake [--runs 3] [--seconds 10]

gunicorn with 2 sync workers on PostgreSQL; wrk on loopback (2 threads, 16 connections), a new
requester email each request, and a new client address: the web runs as behind one proxy
(`API_NUM_PROXIES=1`) and each request carries its own `X-Forwarded-For`, so the API's per-client
throttle counts at its default rate as it does when many customers file at once (one client at an
unlimited rate would make it keep a second's history of every request). The form bodies are
multipart, as the browser sends the public form (it carries a file input), with the CSRF cookie and
token a browser would hold. Targets: each product row >= 50 % of its bare endpoint's throughput.
"""

import argparse
import json
import secrets
import statistics
import string
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from bench.common import configure_django, fresh_database, process_env, spread, wrk

configure_django("intake", settings_module="bench.settings")

from django.core.cache import cache

from bench.bare.models import BareTicket
from tests.faults.harness import Processes, free_port
from tickets.models import Customer, CustomerDomain, Ticket

SUBJECT = "Edge down in Sao Paulo"
DESCRIPTION = "Viewers see buffering on every stream."
EMAIL = "noc%d-%d@streamco.example"  # a Lua format: wrk's thread and request numbers

INTAKE_BODY = json.dumps(
    {
        "subject": SUBJECT,
        "description": DESCRIPTION,
        "severity": "major",
        "requester": {"email": EMAIL, "name": "NOC"},
    }
)
BARE_BODY = json.dumps(
    {
        "subject": SUBJECT,
        "description": DESCRIPTION,
        "severity": "major",
        "requester_email": EMAIL,
        "requester_name": "NOC",
    }
)
BOUNDARY = "----benchformboundary7MA4YWxkTrZu0gW"
# A browser holds the CSRF cookie from the form's GET; Django accepts its unmasked secret as the token.
CSRF_SECRET = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))


def multipart(fields: list[tuple[str, str]], *, empty_file: str | None = None) -> str:
    """A multipart/form-data body as a browser sends it (an empty file input is an empty part)."""
    parts = [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in fields]
    if empty_file:
        parts.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{empty_file}"; filename=""\r\n'
            "Content-Type: application/octet-stream\r\n\r\n\r\n"
        )
    return "".join(parts) + f"--{BOUNDARY}--\r\n"


FORM_BODY = multipart(
    [
        ("csrfmiddlewaretoken", CSRF_SECRET),
        ("severity", "major"),
        ("subject", SUBJECT),
        ("description", DESCRIPTION),
        ("email", EMAIL),
        ("name", "NOC"),
        ("timezone", "America/Sao_Paulo"),
        ("website", ""),
    ],
    empty_file="attachment",
)
BARE_FORM_BODY = multipart(
    [
        ("csrfmiddlewaretoken", CSRF_SECRET),
        ("severity", "major"),
        ("subject", SUBJECT),
        ("description", DESCRIPTION),
        ("requester_email", EMAIL),
        ("requester_name", "NOC"),
    ]
)
JSON_HEADERS = {"Content-Type": "application/json"}
FORM_HEADERS = {
    "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
    "Cookie": f"csrftoken={CSRF_SECRET}",
}

# name, path, body (a Lua format string), headers, the status a success answers with
ENDPOINTS = {
    "bare": ("/bench/bare-tickets/", BARE_BODY, JSON_HEADERS, 201),
    "intake": ("/api/v1/tickets/", INTAKE_BODY, JSON_HEADERS, 201),
    "bare_form": ("/bench/bare-form/", BARE_FORM_BODY, FORM_HEADERS, 302),
    "form": ("/", FORM_BODY, FORM_HEADERS, 302),
}
PAIRS = [("intake", "bare"), ("form", "bare_form")]  # (product, its floor)


def lua_script(body_format: str, headers: dict, run: int) -> str:
    """A wrk script that POSTs `body_format` (a Lua format string of two numbers) with a new email each
    request: the run's and wrk thread's number, then the request's. Unique across runs and threads, so
    no two requests share a requester (nor the form's per-address limit)."""
    header_lines = "\n".join(f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items())
    return f"""
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_id", {run} * 100 + threads)
end
local counter = 0
local body_format = {json.dumps(body_format)}
wrk.method = "POST"
{header_lines}
request = function()
  counter = counter + 1
  -- behind one proxy (API_NUM_PROXIES=1), each request from its own client address, as an outage's
  -- filings come from many customers
  wrk.headers["X-Forwarded-For"] = string.format(
    "10.%d.%d.%d", thread_id % 256, math.floor(counter / 256) % 256, counter % 256)
  return wrk.format(nil, nil, nil, string.format(body_format, thread_id, counter))
end
"""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def check_once(base: str, name: str) -> None:
    """One request of each kind must succeed before wrk counts them (a form re-rendered with errors
    answers 200, which wrk would count as a success)."""
    path, body, headers, expected = ENDPOINTS[name]
    data = (body.replace("%d", "0", 1).replace("%d", "1", 1)).encode()
    request = urllib.request.Request(base + path, data=data, headers=headers, method="POST")  # noqa: S310
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        status = opener.open(request, timeout=10).status
    except urllib.error.HTTPError as answer:
        status = answer.code
        if status != expected:
            raise SystemExit(f"{name}: {status} {answer.read()[:2000]!r}") from None
    if status != expected:
        raise SystemExit(f"{name}: answered {status}, expected {expected}")


def rows(name: str) -> int:
    return (BareTicket if name.startswith("bare") else Ticket).objects.count()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()

    fresh_database()
    cache.clear()  # the form's per-address limits count here (not in the broker's database)
    customer = Customer.objects.create(name="StreamCo", plan="premium")
    CustomerDomain.objects.create(customer=customer, domain="streamco.example")
    logdir = Path(tempfile.mkdtemp(prefix="bench-intake-"))
    runs = iter(range(1, 1_000_000))

    def script(name: str) -> Path:
        """The endpoint's wrk script, numbered for this run of wrk."""
        _, body, headers, _ = ENDPOINTS[name]
        path = logdir / f"{name}.lua"
        path.write_text(lua_script(body, headers, next(runs)))
        return path

    env = process_env(
        DJANGO_SETTINGS_MODULE="bench.settings",
        API_NUM_PROXIES="1",
        LOG_LEVEL="WARNING",
    )
    procs = Processes(env, logdir)
    port = free_port()
    results = {name: [] for name in ENDPOINTS}
    saved = {name: [] for name in ENDPOINTS}  # rows written per request answered, per run
    try:
        procs.web(port)
        base = f"http://127.0.0.1:{port}"
        for name in ENDPOINTS:
            check_once(base, name)
        for name, (path, *_) in ENDPOINTS.items():
            wrk(f"{base}{path}", script(name), seconds=2)  # warm every endpoint up
        for _ in range(args.runs):
            for name, (path, *_) in ENDPOINTS.items():
                before = rows(name)
                result = wrk(f"{base}{path}", script(name), seconds=args.seconds)
                results[name].append(result)
                saved[name].append((rows(name) - before) / max(1.0, result["rps"] * args.seconds))
    finally:
        procs.stop_all()
    summary = {}
    for product, floor in PAIRS:
        ratios = [p["rps"] / b["rps"] for b, p in zip(results[floor], results[product], strict=True)]
        summary.update(
            {
                f"{floor}_rps": spread([r["rps"] for r in results[floor]]),
                f"{product}_rps": spread([r["rps"] for r in results[product]]),
                f"{product}_to_{floor}": spread(ratios),
                f"{product}_p50_ms": spread([r["p50_ms"] for r in results[product]]),
                f"{product}_p99_ms": spread([r["p99_ms"] for r in results[product]]),
                f"{floor}_p99_ms": spread([r["p99_ms"] for r in results[floor]]),
                f"{product}_median_ratio": round(statistics.median(ratios), 3),
            }
        )
    # A success the status does not show (a form re-rendered with errors is a 200): fewer rows than
    # requests answered. wrk's rate includes the last second's requests in flight, hence the slack.
    short = {name: round(min(s), 3) for name, s in saved.items() if min(s) < 0.9}
    summary.update(
        {
            "median_ratio": summary["intake_median_ratio"],  # the API row, as before
            "errors": sum(r["non_2xx"] for rs in results.values() for r in rs) + len(short),
            "rows_short_of_requests": short,
            "tickets_created": Ticket.objects.count(),
            "runs": results,
        }
    )
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
