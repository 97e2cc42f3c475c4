"""Where the web server listens: every interface as deployed from the Procfile, loopback under `make run`."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _web_command(**env: str) -> str:
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    clean = {key: value for key, value in os.environ.items() if key not in {"BIND_ADDRESS", "PORT"}}
    shown = subprocess.run(
        ["bash", "-c", f"echo {line.removeprefix('web:').strip()}"],
        env=clean | env,
        capture_output=True,
        text=True,
        check=True,
    )
    return shown.stdout


def test_the_procfile_binds_every_interface_unless_told_otherwise():
    assert "--bind 0.0.0.0:8000 " in _web_command()
    assert "--bind 127.0.0.1:9000 " in _web_command(BIND_ADDRESS="127.0.0.1", PORT="9000")


def test_make_run_binds_loopback_only():
    plan = subprocess.run(
        ["make", "-n", "run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env=os.environ | {"MAKEFLAGS": ""},
    ).stdout
    assert "BIND_ADDRESS=${BIND_ADDRESS:-127.0.0.1}" in plan
    assert "honcho start" in plan
