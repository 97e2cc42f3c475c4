"""Slow clients do not take the web down (issue 15, item 8).

Before: the Procfile ran two sync gunicorn workers, each held for as long as one client trickled its
request; four slow uploads and `/healthz` timed out. The Procfile now runs gthread workers
(`WEB_THREADS` threads each, 8 unless set): a slow client holds one thread, not a process. Each worker
accepts connections whether or not it has a thread free, so the bound that holds however the
connections fall is WEB_THREADS - 1 slow clients (all on one worker), and up to WEB_CONCURRENCY x
WEB_THREADS - 1 when they spread. Here gunicorn starts exactly as the Procfile starts it, on real
PostgreSQL, and 7 slow clients (four uploads to the public form, three sending their headers a byte at
a time) are more than three times the worker count.
"""

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import stop_process

ROOT = Path(__file__).resolve().parent.parent.parent
SLOW_UPLOADS = 4
SLOW_HEADERS = 3  # 7 in all: one thread short of the Procfile's 8, even if one worker takes them all
BYTE_EVERY = 0.25  # seconds between two bytes of a slow client
CSRF_SECRET = "S" * 32  # a cookie and a form token that agree, so that Django reads the whole body


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthz(base: str, timeout: float) -> int:
    request = urllib.request.Request(f"{base}/healthz", headers={"X-Forwarded-Proto": "https"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (loopback)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _answers(base: str) -> bool:
    try:
        return _healthz(base, timeout=2) == 200
    except OSError:
        return False


@contextmanager
def _web_as_the_procfile_runs_it(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    db = connection.settings_dict
    env = {
        key: value for key, value in os.environ.items() if key not in {"WEB_CONCURRENCY", "WEB_THREADS"}
    } | {
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DEBUG": "0",
        "STATIC_MANIFEST": "0",
        "BIND_ADDRESS": "127.0.0.1",
        "PORT": str(port),
    }  # WEB_CONCURRENCY and WEB_THREADS unset: the Procfile's defaults, 2 workers of 8 threads
    web_line = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    log_path = tmp_path / "web.log"
    with log_path.open("w") as log:
        web = subprocess.Popen(
            ["bash", "-c", f"exec {web_line.removeprefix('web:').strip()}"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while not _answers(base):
            assert web.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.2)
        yield base
    finally:
        stop_process(web)


def _slow_upload(port: int) -> tuple[bytes, bytes]:
    """A multipart POST to the public ticket form that gets past CSRF's checks, so the form's body is read."""
    boundary = "slowclientboundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
        f"{CSRF_SECRET}\r\n"
        f'--{boundary}\r\nContent-Disposition: form-data; name="attachment"; filename="log.txt"\r\n'
        f"Content-Type: text/plain\r\n\r\n{'x' * 4000}\r\n--{boundary}--\r\n"
    ).encode()
    head = (
        f"POST / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Forwarded-Proto: https\r\n"
        f"Referer: https://127.0.0.1:{port}/\r\nCookie: csrftoken={CSRF_SECRET}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    return head, body  # the head at once, the body a byte at a time


def _slow_headers(port: int) -> tuple[bytes, bytes]:
    """Slowloris: the request line, then the headers a byte at a time, never finished."""
    return b"GET /healthz HTTP/1.1\r\n", f"Host: 127.0.0.1:{port}\r\nX-Padding: {'p' * 4000}\r\n".encode()


class _SlowClients:
    """Connections that trickle their request until stopped; `still_trickling` counts those not cut off."""

    def __init__(self, port: int):
        self.port = port
        self.stop = threading.Event()
        self.cut_off = 0
        self.started = 0
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def open(self, count: int, request) -> None:
        for _ in range(count):
            thread = threading.Thread(target=self._trickle, args=(request(self.port),), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _trickle(self, request: tuple[bytes, bytes]) -> None:
        head, rest = request
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            sock.sendall(head)
            with self._lock:
                self.started += 1
            for offset in range(len(rest)):
                if self.stop.wait(BYTE_EVERY):
                    return
                try:
                    sock.sendall(rest[offset : offset + 1])
                except OSError:
                    with self._lock:
                        self.cut_off += 1
                    return
            pytest.fail("a slow client finished its request: the test ran longer than its clients trickle")

    @property
    def still_trickling(self) -> int:
        return sum(thread.is_alive() for thread in self._threads)

    def close(self) -> None:
        self.stop.set()
        for thread in self._threads:
            thread.join(timeout=5)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_healthz_answers_while_more_slow_clients_than_workers_trickle_their_requests(tmp_path):
    with _web_as_the_procfile_runs_it(tmp_path) as base:
        clients = _SlowClients(int(base.rsplit(":", 1)[1]))
        try:
            clients.open(SLOW_UPLOADS, _slow_upload)
            clients.open(SLOW_HEADERS, _slow_headers)
            time.sleep(2)  # every slow client is accepted and part way through its request
            assert clients.started == SLOW_UPLOADS + SLOW_HEADERS
            timings = []
            for _ in range(3):
                started = time.monotonic()
                assert _healthz(base, timeout=2) == 200
                timings.append(time.monotonic() - started)
                time.sleep(0.5)
            assert max(timings) < 2, timings
            # ...and the slow clients were still holding their connections the whole time.
            assert clients.cut_off == 0
            assert clients.still_trickling == SLOW_UPLOADS + SLOW_HEADERS
        finally:
            clients.close()


def test_the_procfile_serves_with_threads_not_one_request_per_process():
    web_line = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    assert "--worker-class gthread --threads ${WEB_THREADS:-8}" in web_line
    assert "--workers ${WEB_CONCURRENCY:-2}" in web_line
