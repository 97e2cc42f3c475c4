import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from django.db.backends.signals import connection_created
from django.test import override_settings

from tests.twilio_server import CREDENTIALS as TWILIO_TEST_CREDENTIALS

# `make test` runs the tests marked `clock` again with this set to an instant that trips date arithmetic
# (the first hour of a month, a DST-change Sunday, 31 December): see the Makefile.
TEST_NOW_VARIABLE = "SUPPORT_DESK_TEST_NOW"


def test_now_from_environment() -> datetime | None:
    """The instant in $SUPPORT_DESK_TEST_NOW (ISO 8601 with an offset or Z), or None when unset."""
    value = os.environ.get(TEST_NOW_VARIABLE, "").strip()
    if not value:
        return None
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        instant = None
    if instant is None or instant.tzinfo is None:
        raise pytest.UsageError(f"{TEST_NOW_VARIABLE}={value!r}: give an ISO 8601 instant with its offset.")
    return instant.astimezone(UTC)


def pytest_configure(config):
    test_now_from_environment()  # a malformed instant stops the run before any test
    _catalogs_compiled()


def _catalogs_compiled() -> None:
    """The pages and emails speak six languages from locale/*.mo, compiled from the .po files by
    `make install`: without them every page would silently be English, so the run stops, saying why."""
    from support_desk.catalogs import stale

    missing = stale()
    if missing:
        names = ", ".join(str(po.parent.parent.name) for po in missing)
        raise pytest.UsageError(
            f"The gettext catalogs of {names} are not compiled (or older than their .po): run `make install` "
            "or `python -m support_desk.catalogs` first."
        )


def pytest_report_header(config):
    instant = test_now_from_environment()
    if instant is not None:
        return f"tests marked `clock` run at {instant.isoformat()} ({TEST_NOW_VARIABLE})"
    return None


@pytest.fixture(autouse=True)
def _clock_from_environment(request):
    """A test marked `clock` runs with the clock travelled to $SUPPORT_DESK_TEST_NOW when it is set.

    The clock ticks from there (a live server, a worker and timeouts keep working). A test that pins
    its own instant (`time_machine.travel` inside it or in a fixture of its module) keeps its own: the
    innermost travel wins. Unset, such tests run at the real time, so each run also samples today.
    Defined first in the root conftest, so it starts before any fixture that builds data from "now".
    """
    instant = test_now_from_environment()
    if instant is None or request.node.get_closest_marker("clock") is None:
        yield
        return
    with time_machine.travel(instant, tick=True):
        yield


@pytest.fixture(scope="session", autouse=True)
def _test_environment():
    """Plain HTTP to its own servers (production keeps HTTPS redirects and secure cookies), and static
    files named without collectstatic's manifest (production runs collectstatic at release)."""
    from django.conf import settings

    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(
        SECURE_SSL_REDIRECT=False, SESSION_COOKIE_SECURE=False, CSRF_COOKIE_SECURE=False, STORAGES=storages
    ):
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """Throttles and rate limits count in the cache (Redis under `make test`): every test starts from zero."""
    from django.core.cache import cache

    cache.clear()
    yield


def _let_the_flush_truncate_the_ledger(sender, connection, **kwargs):
    """The SLA ledger refuses TRUNCATE (escalation migration 0015) unless the session, as the tables' owner,
    says `support_desk.allow_truncate = on`: every test connection does, so the flush that empties the
    database after a transactional test (a TRUNCATE of every table) still works. Tests of the refusal
    turn it off in their own transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET support_desk.allow_truncate = 'on'")


connection_created.connect(_let_the_flush_truncate_the_ledger)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.fail(
            "The test suite runs on PostgreSQL: run `make test`, or point DATABASE_URL at PostgreSQL.",
            pytrace=False,
        )
    return django_db_setup


@pytest.fixture(autouse=True)
def _sla_defaults(request):
    """Every database test starts with the default SLA targets (a flushed database loses the seed data)."""
    if "_django_db_helper" not in request.fixturenames and not request.node.get_closest_marker("django_db"):
        return
    request.getfixturevalue("_django_db_helper")
    from escalation.models import BusinessCalendar, EscalationPolicy, PolicyStep, SlaTarget
    from escalation.sla import defaults

    defaults.seed(BusinessCalendar, SlaTarget)
    defaults.seed_policies(EscalationPolicy, PolicyStep)


@pytest.fixture
def twilio(settings):
    """The real twilio client pointed at a loopback server that records requests and can fail on cue."""
    from tests.twilio_server import TwilioServer

    with TwilioServer() as server:
        for name, value in TWILIO_TEST_CREDENTIALS.items():
            setattr(settings, name, value)
        settings.TWILIO_API_BASE_URL = server.url
        settings.TWILIO_TIMEOUT_SECONDS = 0.5
        settings.PUBLIC_BASE_URL = "https://desk.example.com"
        yield server.fake


# --- a real Redis Sentinel --------------------------------------------------------------------------


@dataclass
class RedisSentinel:
    port: int
    master_name: str

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


def stop_process(process: subprocess.Popen, grace: float = 10) -> None:
    """SIGTERM a process the tests started, and SIGKILL it if it is still there `grace` seconds later."""
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def sentinel_master_address(client, master_name: str) -> tuple[str, int] | None:
    """(host, port) the sentinel names as `master_name`'s master, or None. Sent as a plain command:
    redis-py 6.4's `sentinel_get_master_addr_by_name` fails in its own reply parsing."""
    reply = client.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", master_name)
    return (
        (str(reply[0], "ascii") if isinstance(reply[0], bytes) else reply[0], int(reply[1]))
        if reply
        else None
    )


def _sentinel_command() -> list[str]:
    """Debian's redis-sentinel, or redis-server in sentinel mode (the same program)."""
    if shutil.which("redis-sentinel"):
        return ["redis-sentinel"]
    if shutil.which("redis-server"):
        return ["redis-server"]
    pytest.fail(
        "Neither redis-sentinel nor redis-server is installed: the Sentinel tests need a real sentinel "
        "(Debian: `apt-get install -y redis-server`, which .ci/services also expects).",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def redis_sentinel(tmp_path_factory):
    """A sentinel on a free loopback port monitoring the test Redis (127.0.0.1:6379) under a name of its own,
    with quorum 1. It only watches: the Redis has no replica, so there is nothing it could fail over to."""
    import redis

    workdir = tmp_path_factory.mktemp("sentinel")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    master_name = f"sdmaster{os.getpid()}"  # not to be mixed up with any other sentinel's `sdmaster`
    config = workdir / "sentinel.conf"  # the sentinel rewrites it as it learns: a file of its own
    config.write_text(
        f"port {port}\nbind 127.0.0.1\ndir {workdir}\nlogfile {workdir / 'sentinel.log'}\n"
        f"sentinel monitor {master_name} 127.0.0.1 6379 1\n"
    )
    process = subprocess.Popen([*_sentinel_command(), str(config), "--sentinel"], stdout=subprocess.DEVNULL)
    client = redis.Redis(port=port, socket_timeout=1)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                if sentinel_master_address(client, master_name):
                    break
            except redis.ConnectionError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log = workdir / "sentinel.log"
                pytest.fail(
                    f"The sentinel on port {port} did not start: {log.read_text() if log.exists() else ''}",
                    pytrace=False,
                )
            time.sleep(0.1)
        yield RedisSentinel(port=port, master_name=master_name)
    finally:
        client.close()
        stop_process(process)


# --- the mail servers (issue 17): tests/mail_in and the browser-plus-mail test of tests/web ------------


@pytest.fixture(scope="module")
def dovecot():
    """A throwaway Dovecot IMAP server (tests/mail_in/dovecot.py) for the module."""
    import tempfile

    from tests.mail_in.dovecot import Dovecot

    # Directly under the temporary directory: Dovecot's own users must reach its files, and pytest's
    # per-user base directory is closed to them.
    root = Path(tempfile.mkdtemp(prefix="support-desk-dovecot-"))
    server = Dovecot(root)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def smtp():
    from tests.mail import SmtpServer

    with SmtpServer() as server:
        yield server


@pytest.fixture
def mail(settings, dovecot, smtp, tmp_path):
    """The desk wired to the real IMAP server (an empty INBOX) and the real SMTP server."""
    from django.core.cache import cache

    from support_desk.inbound.reader import LOCK_KEY
    from tests.mail import DESK

    dovecot.clear()
    settings.MAIL_INBOX_URL = dovecot.url
    settings.MAIL_REPLY_ADDRESS = DESK
    settings.DEFAULT_FROM_EMAIL = f"Support Desk <{DESK}>"
    settings.MAIL_PROCESSED_FOLDER = ""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", smtp.port, 5
    settings.PUBLIC_BASE_URL = "https://desk.example"
    cache.delete(LOCK_KEY)
    return dovecot
