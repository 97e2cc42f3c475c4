"""Shared set-up for the benchmarks: a database and a Redis database of their own, Django configured
against them, real processes from the fault suite's harness, and small statistics helpers.

Run each script from the project root, e.g. `.venv/bin/python -m bench.escalation`.
"""

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Two runs on one server keep apart by giving each its own prefix and Redis database.
BENCH_DB_PREFIX = os.environ.get("BENCH_DB_PREFIX", "support_desk_bench")
BENCH_DB = BENCH_DB_PREFIX
BENCH_DATABASE_URL = ""
BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")


def configure_django(name: str, settings_module: str = "support_desk.settings") -> None:
    """Point this process at its own benchmark database ($BENCH_DB_PREFIX_<name>, by default
    support_desk_bench_<name>) and set Django up."""
    global BENCH_DB, BENCH_DATABASE_URL
    BENCH_DB = f"{BENCH_DB_PREFIX}_{name}"
    BENCH_DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{BENCH_DB}"
    os.environ["DATABASE_URL"] = BENCH_DATABASE_URL
    os.environ["REDIS_URL"] = BENCH_REDIS_URL
    os.environ["CELERY_BROKER_URL"] = BENCH_REDIS_URL
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key")
    os.environ["DEBUG"] = "0"
    os.environ["SECURE_SSL_REDIRECT"] = "0"  # plain HTTP on loopback
    os.environ["STATIC_MANIFEST"] = "0"  # no collectstatic for a benchmark
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def fresh_database() -> None:
    """Drop and create the benchmark database, migrate it, and empty the benchmark Redis database."""
    subprocess.run(
        ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "--force", BENCH_DB], check=True
    )
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", BENCH_DB], check=True)
    from django.core.management import call_command
    from django.db import connections

    connections.close_all()
    call_command("migrate", verbosity=0)
    import redis

    redis.Redis.from_url(BENCH_REDIS_URL).flushdb()


def process_env(**extra) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=BENCH_DATABASE_URL,
        REDIS_URL=BENCH_REDIS_URL,
        CELERY_BROKER_URL=BENCH_REDIS_URL,
        DEBUG="0",
        SECURE_SSL_REDIRECT="0",
        STATIC_MANIFEST="0",
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def summary(values: list[float]) -> dict:
    return {
        "n": len(values),
        "p50": percentile(values, 0.50),
        "p95": percentile(values, 0.95),
        "p99": percentile(values, 0.99),
        "max": max(values) if values else float("nan"),
    }


def spread(runs: list[float]) -> str:
    if len(runs) == 1:
        return f"{runs[0]:.2f}"
    return f"{statistics.median(runs):.2f} (min {min(runs):.2f}, max {max(runs):.2f}, {len(runs)} runs)"


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its children, in MiB (Linux /proc)."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def timed(run, repeat: int) -> dict:
    """Call `run` once to warm caches and plans, then `repeat` times: milliseconds, with spread."""
    run()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    figures = {k: round(v, 3) if isinstance(v, float) else v for k, v in summary(samples).items()}
    figures["min"] = round(min(samples), 3)
    figures["stdev"] = round(statistics.stdev(samples), 3) if len(samples) > 1 else 0.0
    return figures


def ensure_wrk() -> str:
    """wrk, the HTTP load generator (Debian package `wrk`), installed when missing and this is root."""
    import shutil

    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0:
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, capture_output=True)
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is needed for this benchmark: apt-get install wrk")
    return found


WRK_DONE = """
done = function(summary, latency, requests)
  io.write(string.format("PCT p50=%d p95=%d p99=%d max=%d\\n",
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


def wrk(url: str, script: Path, seconds: int = 10, connections: int = 16, threads: int = 2) -> dict:
    """Run wrk against `url` and return requests/s, latency percentiles (ms) and error counts."""
    import re

    combined = script.with_suffix(".run.lua")
    combined.write_text(script.read_text() + WRK_DONE)
    out = subprocess.run(
        [ensure_wrk(), f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "-s", str(combined), url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    pct = {k: int(v) / 1000 for k, v in re.findall(r"(p50|p95|p99|max)=(\d+)", out)}  # microseconds
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": pct["p50"],
        "p95_ms": pct["p95"],
        "p99_ms": pct["p99"],
        "max_ms": pct["max"],
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
    }
