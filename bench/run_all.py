"""Run every benchmark, print one table, and write it to bench/RESULTS.md.

    make bench          # or: .venv/bin/python -m bench.run_all [--quick] [--only NAME ...]

Each benchmark sets up its own PostgreSQL database and Redis database, generates its data, runs
the real processes on loopback and prints JSON; this runner collects them. `--quick` shrinks every
scenario (for trying the scripts, not for the record).
"""

import argparse
import json
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
SAVED = ROOT / "bench" / ".results"  # each benchmark's last full result, for --keep

# name, module and arguments (full), arguments (quick)
BENCHMARKS = [
    ("lateness", ["bench.escalation", "lateness"], ["--tickets", "500", "--minutes", "1"]),
    ("mass-breach", ["bench.escalation", "mass-breach"], ["--tickets", "500"]),
    ("mass-breach-20k", ["bench.escalation", "mass-breach", "--tickets", "20000"], ["--tickets", "1000"]),
    ("catch-up", ["bench.escalation", "catch-up"], ["--tickets", "1000", "--background", "10000"]),
    ("ledger", ["bench.escalation", "ledger"], ["--seconds", "2"]),
    ("throughput", ["bench.escalation", "throughput"], ["--tickets", "600"]),
    ("intake", ["bench.intake"], ["--runs", "1", "--seconds", "3"]),
    ("queue", ["bench.queue"], ["--tickets", "20000", "--runs", "1", "--seconds", "3"]),
    ("reports", ["bench.reports"], ["--rows", "20000"]),
    ("search", ["bench.search"], ["--tickets", "20000", "--replies", "6000", "--repeat", "5"]),
    ("sweep", ["bench.sweep"], ["--tickets", "20000", "--overdue", "1000", "--repeat", "20"]),
]


def run(module_args: list[str], extra: list[str]) -> dict:
    command = [sys.executable, "-m", *module_args, *extra]
    print(f"$ {' '.join(command[1:])}", flush=True)
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"error": (done.stderr or done.stdout)[-2000:], "command": " ".join(command[1:])}
    text = done.stdout
    result = json.loads(text[text.index("{") :])
    result["command"] = " ".join(command[1:])
    return result


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    pg = subprocess.run(["psql", "--version"], capture_output=True, text=True, check=False).stdout.strip()
    return f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, {platform.system()} {platform.release()}, {pg}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small data sets; do not overwrite RESULTS.md")
    parser.add_argument("--only", nargs="*", help="names of the benchmarks to run")
    parser.add_argument(
        "--keep",
        action="store_true",
        help=f"reuse results saved in {SAVED.relative_to(ROOT)} by an earlier run",
    )
    args = parser.parse_args()
    SAVED.mkdir(exist_ok=True)
    results = {}
    for name, module_args, quick_args in BENCHMARKS:
        saved = SAVED / f"{name}.json"
        if args.keep and saved.exists() and not args.quick:
            results[name] = json.loads(saved.read_text())
            continue
        if args.only and name not in args.only:
            continue
        results[name] = run(module_args, quick_args if args.quick else [])
        if not args.quick and "error" not in results[name]:
            saved.write_text(json.dumps(results[name], indent=2))
        print(json.dumps(results[name], indent=2), flush=True)
    report = render(results, quick=args.quick)
    print(report)
    if not args.quick and set(results) == {name for name, *_ in BENCHMARKS}:
        RESULTS.write_text(report)
        print(f"written to {RESULTS.relative_to(ROOT)}")


def render(results: dict, quick: bool) -> str:
    from bench.targets import rows

    lines = [
        "# Benchmark results",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}.",
        "Command: `make bench` (`.venv/bin/python -m bench.run_all`)"
        + (" with --quick" if quick else "")
        + ".",
        "",
        "| what | scenario | target | result | met |",
        "|---|---|---|---|---|",
    ]
    for what, scenario, target, result, met in rows(results):
        lines.append(f"| {what} | {scenario} | {target} | {result} | {met} |")
    lines += ["", "## Commands and raw figures", ""]
    for name, result in results.items():
        lines += [f"### {name}", "", f"`{result.get('command', '')}`", "", "```json"]
        lines += [json.dumps({k: v for k, v in result.items() if k != "command"}, indent=2), "```", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
