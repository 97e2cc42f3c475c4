"""Access tokens never reach a log line (issue 15, item 6).

On main the web access log recorded `/t/<token>/` and `/api/v1/public/tickets/<token>/` in full: anyone
reading the logs could open and answer the ticket. A filter on every handler (Django's LOGGING,
gunicorn's access and error logs through support_desk/gunicorn_conf.py, Celery's) writes `<redacted>`.
"""

import io
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from support_desk.log_redaction import REDACTED, RedactAccessTokens, redact
from tests.conftest import stop_process
from tests.factories import make_ticket

ROOT = Path(__file__).resolve().parent.parent.parent
TOKEN = "Zq7-secretTOKENvalue_0123456789abcdef"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (f'"GET /t/{TOKEN}/ HTTP/1.1" 200', '"GET /t/<redacted>/ HTTP/1.1" 200'),
        (f"GET /t/{TOKEN}/received/", "GET /t/<redacted>/received/"),
        (f"/t/{TOKEN}/files/12/", "/t/<redacted>/files/12/"),
        (f"/t/{TOKEN}", "/t/<redacted>"),
        (
            f"POST /api/v1/public/tickets/{TOKEN}/messages/",
            "POST /api/v1/public/tickets/<redacted>/messages/",
        ),
        (
            f'"https://support.example.com/t/{TOKEN}/" "Mozilla"',
            '"https://support.example.com/t/<redacted>/" "Mozilla"',
        ),
        (f"/queue/?token={TOKEN}&page=2", "/queue/?token=<redacted>&page=2"),
        (f"/x/?a=1&access_token={TOKEN}", "/x/?a=1&access_token=<redacted>"),
        ("Not Found: /t/short/", "Not Found: /t/<redacted>/"),
        (f"GET /statements/{TOKEN}/2025-06.json", "GET /statements/<redacted>/2025-06.json"),
        (
            "POST /confirm/eyJyIjo0LCJlIjoiYUBiLmMifQ:1tXYZa:sig-nature_x/ HTTP/1.1",
            "POST /confirm/<redacted>/ HTTP/1.1",
        ),
        (
            "GET /api/v1/requesters/export/?email=ana%40viewer.example HTTP/1.1",
            "GET /api/v1/requesters/export/?email=<redacted> HTTP/1.1",
        ),
        ("GET /queue/?search=Ana+Souza&page=2", "GET /queue/?search=<redacted>&page=2"),
        ("GET /queue/?page=2 HTTP/1.1", "GET /queue/?page=2 HTTP/1.1"),
        ("GET /tickets/SD-1001/ HTTP/1.1", "GET /tickets/SD-1001/ HTTP/1.1"),
    ],
)
def test_redact(line, expected):
    assert redact(line) == expected


def test_the_filter_rewrites_message_arguments_and_tracebacks():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "Not Found: %s", (f"/t/{TOKEN}/",), None)
    try:
        raise ValueError(f"no ticket at /api/v1/public/tickets/{TOKEN}/")
    except ValueError:
        record.exc_info = sys.exc_info()
    assert RedactAccessTokens().filter(record) is True
    text = logging.Formatter().format(record)
    assert TOKEN not in text
    assert "Not Found: /t/<redacted>/" in text
    assert "no ticket at /api/v1/public/tickets/<redacted>/" in text


def _all_handlers():
    loggers = [logging.getLogger()] + [
        logger for logger in logging.Logger.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    for logger in loggers:
        for handler in logger.handlers:
            # pytest's own capture, and libraries' NullHandlers (which write nothing)
            if not type(handler).__module__.startswith("_pytest") and not isinstance(
                handler, logging.NullHandler
            ):
                yield logger.name, handler


def test_every_handler_django_configured_carries_the_filter():
    # The loggers LOGGING configures (and the root): an in-process test worker started earlier in the
    # session may leave handlers of its own elsewhere (celery's on `multiprocessing`), which no
    # deployed process has; Celery's real handlers are the next test's.
    configured = {"root", *settings.LOGGING.get("loggers", {})}
    handlers = [(name, handler) for name, handler in _all_handlers() if name in configured]
    assert {name for name, _ in handlers} >= {"root", "django.server"}
    unfiltered = [
        (name, handler)
        for name, handler in handlers
        if not any(isinstance(f, RedactAccessTokens) for f in handler.filters)
    ]
    assert unfiltered == []


def test_celerys_worker_and_beat_handlers_get_the_filter():
    """Celery sets up handlers of its own (not Django's LOGGING); its after_setup signals add the filter."""
    from celery.signals import after_setup_logger, after_setup_task_logger

    import support_desk.celery  # noqa: F401 - connects the receivers

    for signal in (after_setup_logger, after_setup_task_logger):
        logger = logging.getLogger(f"tests.celery-like.{signal.name}")
        handler = logging.StreamHandler(io.StringIO())
        logger.addHandler(handler)
        try:
            signal.send(
                sender=None, logger=logger, loglevel=logging.INFO, logfile=None, format="", colorize=False
            )
            # Straight to the handler: an in-process test worker started earlier may have disabled or
            # raised the level of loggers; what is checked is the filter the signal put on the handler.
            handler.handle(
                logger.makeRecord(logger.name, logging.WARNING, __file__, 0, "GET /t/%s/", (TOKEN,), None)
            )
        finally:
            logger.removeHandler(handler)
        assert handler.stream.getvalue() == "GET /t/<redacted>/\n"


@pytest.mark.django_db
def test_djangos_request_log_through_the_configured_console_never_holds_a_token():
    (console,) = [h for h in logging.getLogger().handlers if not type(h).__module__.startswith("_pytest")]
    captured = io.StringIO()
    previous = console.setStream(captured)
    try:
        ticket = make_ticket()
        assert Client().get(f"/t/{ticket.access_token}/nothing-here/").status_code == 404  # django.request
        logging.getLogger("tickets").warning("requester opened %s", f"/t/{ticket.access_token}/")
    finally:
        console.setStream(previous)
    output = captured.getvalue()
    assert "Not Found: /t/<redacted>/nothing-here/" in output
    assert "requester opened /t/<redacted>/" in output
    assert ticket.access_token not in output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, **headers) -> int:
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https", **headers})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_gunicorn_as_the_procfile_runs_it_logs_no_token(tmp_path):
    ticket = make_ticket()
    token = ticket.access_token
    referer_token = "RefererTOKEN_abcdefghijklmnopqrstuvwxyz"
    query_token = "QueryTOKEN_abcdefghijklmnopqrstuvwxyz01"
    port = _free_port()
    db = connection.settings_dict
    env = dict(
        os.environ,
        PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        DEBUG="0",
        STATIC_MANIFEST="0",
        BIND_ADDRESS="127.0.0.1",
        PORT=str(port),
        WEB_CONCURRENCY="1",
        CONN_MAX_AGE="0",
    )
    web_line = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("web:"))
    log_path = tmp_path / "web.log"
    with log_path.open("w") as log:
        web = subprocess.Popen(
            ["bash", "-c", f"exec {web_line.removeprefix('web:').strip()}"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while _get_quietly(f"{base}/healthz") is None:
            assert web.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.2)
        assert _get(f"{base}/t/{token}/", Referer=f"https://support.example.com/t/{referer_token}/") == 200
        assert _get(f"{base}/api/v1/public/tickets/{token}/") == 200
        assert _get(f"{base}/t/{token}/?token={query_token}") == 200
        assert _get(f"{base}/t/{token}/not-a-page/") == 404
    finally:
        stop_process(web)
    output = log_path.read_text()
    for secret in (token, referer_token, query_token):
        assert secret not in output, output
    assert f'"GET /t/{REDACTED}/ HTTP/1.1" 200' in output  # the access log still says what was asked
    assert f"/api/v1/public/tickets/{REDACTED}/ HTTP/1.1" in output
    assert f"https://support.example.com/t/{REDACTED}/" in output  # the Referer
    assert f"?token={REDACTED}" in output
    assert f"Not Found: /t/{REDACTED}/not-a-page/" in output  # Django's request log, same process


def _get_quietly(url: str) -> int | None:
    try:
        return _get(url)
    except OSError:
        return None
