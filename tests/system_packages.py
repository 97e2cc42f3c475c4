"""Debian packages the suite runs for real (Chromium for the browser tests, Prometheus Alertmanager for
the incident tests), installed with apt when missing: CI machines start without them.

One file lock keeps parallel test processes (the halves of `make test`'s phase 1, the clock runs) from
running apt at once, whichever program each needs. As root apt runs
directly; otherwise through `sudo -n`, and a user without either gets a clear failure, not a skip.
"""

import fcntl
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

INSTALL_TIMEOUT_SECONDS = 900


def _apt(*args: str, program: Path, packages: list[str]) -> subprocess.CompletedProcess:
    command = ["apt-get", *args]
    if os.geteuid() != 0:
        if not shutil.which("sudo"):
            pytest.fail(
                f"{program} is missing and this user cannot install it: run "
                f"`apt-get install -y {' '.join(packages)}` as root (or give this user sudo).",
                pytrace=False,
            )
        command = ["sudo", "-n", *command]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT_SECONDS,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )


def ensure_installed(program: Path, packages: list[str]) -> Path:
    """`program`, installing `packages` with apt first when it is missing."""
    if program.exists():
        return program
    if not shutil.which("apt-get"):
        pytest.fail(f"{program} is missing and there is no apt-get to install it with.", pytrace=False)
    lock_path = Path(tempfile.gettempdir()) / "support-desk-apt.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not program.exists():
            for args in (("update",), ("install", "-y", "--no-install-recommends", *packages)):
                result = _apt(*args, program=program, packages=packages)
                if result.returncode != 0:
                    pytest.fail(
                        f"Installing {' '.join(packages)} failed at `apt-get {' '.join(args)}` "
                        f"(exit {result.returncode}):\n{result.stderr[-3000:]}",
                        pytrace=False,
                    )
    if not program.exists():
        pytest.fail(f"apt-get reported success but {program} is still missing.", pytrace=False)
    return program
