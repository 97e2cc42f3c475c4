"""Real processes for the fault-injection suite: a private Redis, Celery workers and beats, gunicorn,
and (for the PostgreSQL restart) a private PostgreSQL cluster. Everything listens on 127.0.0.1 only.
"""

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"{what} not met within {timeout} s")


def port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


class RedisServer:
    """A throwaway redis-server that keeps nothing on disk: a restart is also a flush."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: port_open(self.port), 10, what="redis up")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        wait_until(lambda: not port_open(self.port), 10, what="redis down")

    def restart(self) -> None:
        self.stop()
        self.start()


class Processes:
    """Celery workers, beats and gunicorn as child processes in their own process groups."""

    def __init__(self, env: dict, logdir: Path) -> None:
        self.env = env
        self.logdir = logdir
        self.running: dict[str, subprocess.Popen] = {}
        self.count = 0

    def spawn(self, name: str, argv: list[str]) -> subprocess.Popen:
        self.count += 1
        log = open(self.logdir / f"{name}-{self.count}.log", "w")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.running[name] = process
        return process

    def worker(
        self,
        name: str = "worker",
        concurrency: int = 2,
        pool: str = "prefork",
        wait: bool = True,
        queues: str = "",
    ) -> subprocess.Popen:
        """A Celery worker; with no `queues` it consumes CELERY_TASK_QUEUES (escalation and pages), as
        a one-process install does; `queues="celery"` and `queues="pages"` split them as the Procfile."""
        argv = [str(BIN / "celery"), "-A", "support_desk", "worker", "--loglevel", "INFO", "-n", f"{name}@%h"]
        if queues:
            argv += ["-Q", queues]
        process = self.spawn(name, [*argv, "--pool", pool, "--concurrency", str(concurrency)])
        if wait:
            log = self.logdir / f"{name}-{self.count}.log"
            wait_until(lambda: "ready." in log.read_text(), 60, interval=0.2, what=f"{name} ready")
        return process

    def beat(self, name: str = "beat") -> subprocess.Popen:
        schedule = self.logdir / f"{name}-schedule"
        argv = [str(BIN / "celery"), "-A", "support_desk", "beat", "--loglevel", "INFO", "-s", str(schedule)]
        return self.spawn(name, argv)

    def web(self, port: int, name: str = "web") -> subprocess.Popen:
        argv = [str(BIN / "gunicorn"), "support_desk.wsgi:application", "--bind", f"127.0.0.1:{port}"]
        process = self.spawn(name, [*argv, "--workers", "2", "--timeout", "30"])
        wait_until(lambda: port_open(port), 30, what="gunicorn up")
        return process

    def kill(self, name: str) -> None:
        """SIGKILL the whole process group: no warm shutdown, nothing acknowledged or restored."""
        process = self.running.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def stop_all(self) -> None:
        for name in list(self.running):
            process = self.running.pop(name)
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)

    def logs(self) -> str:
        text = []
        for path in sorted(self.logdir.glob("*.log")):
            text.append(f"--- {path.name}\n{path.read_text()[-3000:]}")
        return "\n".join(text)


def postgres_bin(tool: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{tool}"))
    if not found:
        raise RuntimeError(f"PostgreSQL's {tool} is not installed (Debian package postgresql)")
    return found[-1]


class PostgresCluster:
    """A private PostgreSQL cluster (initdb in a temp dir), so a restart disturbs nobody else."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="sd-pg-"))
        self.data = self.dir / "data"
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/support_desk"

    def _run(self, *argv: str) -> None:
        subprocess.run([*self.as_postgres, *argv], check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        if self.as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(
            postgres_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8"
        )
        self.start()
        self._run(
            postgres_bin("createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "support_desk",
        )

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off"
        self._run(
            postgres_bin("pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.dir / "log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        self._run(postgres_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
